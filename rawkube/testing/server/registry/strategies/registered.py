"""The strategies registered at run time (`register`), apart from the group tables.

A leaf below strategies/__init__.py (which reads it in `strategy_for` and re-exports
`register`), so that customresource.py can register a CRD's resource without importing the
package that imports it.
"""

from __future__ import annotations

import threading

from rawkube.testing.server.errors import ResourceKey
from rawkube.testing.server.registry.strategy import Strategy

_registered: dict[ResourceKey, Strategy] = {}
_lock = threading.Lock()


def register(key: ResourceKey, strategy: Strategy) -> None:
    """Give a resource its own Strategy (overrides the group modules' table)."""
    with _lock:
        _registered[key] = strategy


__all__ = ["register"]
