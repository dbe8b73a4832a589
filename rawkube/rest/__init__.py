"""The REST layer (client-go `k8s.io/client-go/rest`): request builder, results, watch, retries.

Modules: `request` (pure builder), `options` (keyword options -> query/body), `result`,
`watch`, `client` (sync RESTClient), `ratelimit`, `with_retry`, `warnings`, `trace`.
Public names are imported lazily so `import rawkube.rest` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

_LAZY: dict[str, str] = {
    "RESTClient": "rawkube.rest.client",
    "Request": "rawkube.rest.request",
    "Result": "rawkube.rest.result",
    "WatchEvent": "rawkube.rest.watch",
    "WatchDecoder": "rawkube.rest.watch",
    "Watch": "rawkube.rest.watch",
    "TokenBucket": "rawkube.rest.ratelimit",
    "RetryPolicy": "rawkube.rest.with_retry",
}

__all__ = [
    "RESTClient",
    "Request",
    "Result",
    "WatchEvent",
    "WatchDecoder",
    "Watch",
    "TokenBucket",
    "RetryPolicy",
]

if TYPE_CHECKING:  # pragma: no cover
    from rawkube.rest.client import RESTClient
    from rawkube.rest.ratelimit import TokenBucket
    from rawkube.rest.request import Request
    from rawkube.rest.result import Result
    from rawkube.rest.watch import Watch, WatchDecoder, WatchEvent
    from rawkube.rest.with_retry import RetryPolicy


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'rawkube.rest' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
