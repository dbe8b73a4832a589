"""rawkube: a Kubernetes API client over plain HTTP, layered like client-go.

Layers (each a module you can read on its own):
config -> transport -> rest -> typed / dynamic / discovery -> tools -> testing -> cli.

Public names are imported lazily (PEP 562), so `import rawkube` loads neither yaml, nor
cryptography, nor any generated model module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rawkube._version import __version__

# public name -> module that defines it
_LAZY: dict[str, str] = {
    "Config": "rawkube.config.types",
    "ExecConfig": "rawkube.config.types",
    "load_config": "rawkube.config.kubeconfig",
    "in_cluster_config": "rawkube.config.incluster",
    "RESTClient": "rawkube.rest.client",
    "AsyncRESTClient": "rawkube.rest.client",
    "AsyncClientset": "rawkube.typed.clientset",
    "AsyncDynamicClient": "rawkube.dynamic",
    "AsyncDiscoveryClient": "rawkube.discovery.client",
    "Result": "rawkube.rest.result",
    "WatchEvent": "rawkube.rest.watch",
    "Clientset": "rawkube.typed.clientset",
    "DynamicClient": "rawkube.dynamic",
    "Unstructured": "rawkube.dynamic",
    "DiscoveryClient": "rawkube.discovery.client",
    "GroupVersionResource": "rawkube.schema",
    "GroupVersionKind": "rawkube.schema",
    "GroupVersion": "rawkube.schema",
    "retry_on_conflict": "rawkube.retry",
    "StatusError": "rawkube.errors",
    "ConfigError": "rawkube.errors",
}

__all__ = [
    "__version__",
    "Config",
    "ExecConfig",
    "load_config",
    "in_cluster_config",
    "RESTClient",
    "AsyncRESTClient",
    "AsyncClientset",
    "AsyncDynamicClient",
    "AsyncDiscoveryClient",
    "Result",
    "WatchEvent",
    "Clientset",
    "DynamicClient",
    "Unstructured",
    "DiscoveryClient",
    "GroupVersionResource",
    "GroupVersionKind",
    "GroupVersion",
    "retry_on_conflict",
    "StatusError",
    "ConfigError",
]

if TYPE_CHECKING:  # pragma: no cover
    from rawkube.config.incluster import in_cluster_config
    from rawkube.config.kubeconfig import load_config
    from rawkube.config.types import Config, ExecConfig
    from rawkube.discovery.client import AsyncDiscoveryClient, DiscoveryClient
    from rawkube.dynamic import AsyncDynamicClient, DynamicClient, Unstructured
    from rawkube.errors import ConfigError, StatusError
    from rawkube.rest.client import AsyncRESTClient, RESTClient
    from rawkube.rest.result import Result
    from rawkube.rest.watch import WatchEvent
    from rawkube.retry import retry_on_conflict
    from rawkube.schema import GroupVersion, GroupVersionKind, GroupVersionResource
    from rawkube.typed.clientset import AsyncClientset, Clientset


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'rawkube' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # cache: the next access is a plain attribute lookup
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
