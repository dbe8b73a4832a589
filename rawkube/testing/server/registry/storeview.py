"""What the strategies use of the registry store (registry/generic.py), as a protocol.

The strategy hooks get the `GenericStore` serving the request; typing that parameter with this
protocol instead of importing generic.py keeps strategy.py and strategies/ below the store
(which imports them) without an import circle; systemwrite.py (control-plane writes, which a
strategy may make) types its store with it too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from rawkube.testing.server.errors import Obj
from rawkube.testing.server.registry.context import RequestContext
from rawkube.testing.server.storage import KeyLike

if TYPE_CHECKING:  # pragma: no cover
    from rawkube.testing.server.resources import ResourceInfo


class ResetFields(Protocol):
    """What systemwrite.py uses of a Strategy (registry/strategy.py)."""

    def get_reset_fields(self, info: ResourceInfo) -> dict[str, tuple[tuple[str, ...], ...]]: ...


class StoreView(Protocol):
    """The members of registry.generic.GenericStore that strategies and systemwrite.py call."""

    def strategy(self, key: KeyLike) -> ResetFields: ...

    def list(
        self, key: KeyLike, namespace: str | None = None, *, copy_objects: bool = True
    ) -> tuple[list[Obj], int]: ...

    def mutate(self, key: KeyLike, namespace: str, name: str, fn: Callable[[Obj], Any]) -> Obj: ...

    def delete(
        self,
        key: KeyLike,
        namespace: str,
        name: str,
        *,
        propagation_policy: str | None = None,
        preconditions: dict[str, Any] | None = None,
        dry_run: bool = False,
        kind_for_errors: str | None = None,
        grace_period_seconds: int | None = None,
        ctx: RequestContext | None = None,
    ) -> tuple[Obj, bool]: ...


__all__ = ["ResetFields", "StoreView"]
