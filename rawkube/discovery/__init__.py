"""Discovery (client-go `discovery`) and the RESTMapper (apimachinery `meta.RESTMapper`).

`client.py`: DiscoveryClient / AsyncDiscoveryClient with memory and kubectl-layout disk caches;
`mapper.py`: RESTMapper / AsyncRESTMapper (kind <-> resource). Names are imported lazily.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

_LAZY = {
    "DiscoveryClient": "rawkube.discovery.client",
    "AsyncDiscoveryClient": "rawkube.discovery.client",
    "default_cache_dir": "rawkube.discovery.client",
    "RESTMapper": "rawkube.discovery.mapper",
    "AsyncRESTMapper": "rawkube.discovery.mapper",
    "RESTMapping": "rawkube.discovery.mapper",
    "StaticRESTMapper": "rawkube.discovery.mapper",
    "NoMatchError": "rawkube.discovery.mapper",
}

__all__ = [
    "AsyncDiscoveryClient",
    "AsyncRESTMapper",
    "DiscoveryClient",
    "NoMatchError",
    "RESTMapper",
    "RESTMapping",
    "StaticRESTMapper",
    "default_cache_dir",
]

if TYPE_CHECKING:  # pragma: no cover
    from rawkube.discovery.client import AsyncDiscoveryClient, DiscoveryClient, default_cache_dir
    from rawkube.discovery.mapper import (
        AsyncRESTMapper,
        NoMatchError,
        RESTMapper,
        RESTMapping,
        StaticRESTMapper,
    )


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'rawkube.discovery' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
