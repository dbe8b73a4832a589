"""asyncio clients: the same API as the sync ones, with coroutines and async iterators.

A facade: every name here lives beside its sync twin (`rawkube.rest.client`,
`rawkube.typed.clientset`, `rawkube.dynamic`, `rawkube.discovery`), written once with it, and
is also importable from `rawkube` itself (`rawkube.AsyncClientset`). Nothing in rawkube imports
this package (tests/test_layers.py). Names are imported lazily (PEP 562), so `import
rawkube.aio` costs nothing until used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

_LAZY: dict[str, str] = {
    "AsyncRESTClient": "rawkube.rest.client",
    "AsyncRequest": "rawkube.rest.client",
    "AsyncClientset": "rawkube.typed.clientset",
    "AsyncDynamicClient": "rawkube.dynamic",
    "AsyncDiscoveryClient": "rawkube.discovery.client",
    "AsyncRESTMapper": "rawkube.discovery.mapper",
}

__all__ = [
    "AsyncRESTClient",
    "AsyncRequest",
    "AsyncClientset",
    "AsyncDynamicClient",
    "AsyncDiscoveryClient",
    "AsyncRESTMapper",
]

if TYPE_CHECKING:  # pragma: no cover
    from rawkube.discovery.client import AsyncDiscoveryClient
    from rawkube.discovery.mapper import AsyncRESTMapper
    from rawkube.dynamic import AsyncDynamicClient
    from rawkube.rest.client import AsyncRequest, AsyncRESTClient
    from rawkube.typed.clientset import AsyncClientset


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'rawkube.aio' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
