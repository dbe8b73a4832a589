"""Typed clients (client-go `kubernetes.Clientset` and `typed/*`).

`Clientset` / `AsyncClientset` live in `rawkube.typed.clientset`; the per-resource core in
`rawkube.typed.resource`; the per-group clients are generated in `rawkube.typed._generated`.
Nothing is imported here eagerly, so `import rawkube.typed.resource` stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

_LAZY = {
    "Clientset": "rawkube.typed.clientset",
    "AsyncClientset": "rawkube.typed.clientset",
    "ResourceClient": "rawkube.typed.resource",
    "AsyncResourceClient": "rawkube.typed.resource",
    "ResourceInfo": "rawkube.typed.resource",
    "GroupClient": "rawkube.typed.resource",
    "AsyncGroupClient": "rawkube.typed.resource",
}

__all__ = [
    "AsyncClientset",
    "AsyncGroupClient",
    "AsyncResourceClient",
    "Clientset",
    "GroupClient",
    "ResourceClient",
    "ResourceInfo",
]

if TYPE_CHECKING:  # pragma: no cover
    from rawkube.typed.clientset import AsyncClientset, Clientset
    from rawkube.typed.resource import (
        AsyncGroupClient,
        AsyncResourceClient,
        GroupClient,
        ResourceClient,
        ResourceInfo,
    )


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'rawkube.typed' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
