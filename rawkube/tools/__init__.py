"""client-go's tools in Python: `pager.ListPager`, `watcher.RetryWatcher`, `wait.wait_for`
and `wait.until` (import them from their modules; nothing is imported here eagerly).

`Informer` and `AsyncInformer` (client-go tools/cache) are importable from here too, lazily:
`from rawkube.tools import Informer` loads `rawkube.tools.informer` on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

_LAZY: dict[str, str] = {
    "Informer": "rawkube.tools.informer",
    "AsyncInformer": "rawkube.tools.informer",
}

__all__ = ["AsyncInformer", "Informer"]

if TYPE_CHECKING:  # pragma: no cover
    from rawkube.tools.informer import AsyncInformer, Informer


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'rawkube.tools' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
