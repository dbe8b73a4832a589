"""Writes of control-plane components through the registry (split out of furniture.py).

`system_update` changes an object as a controller's update request would (managedFields
credited to its manager). It lives below furniture.py and the admission chain so that the
ResourceQuota controller (quota.py), which admission also uses, can call it without an import
circle; furniture.py re-exports it.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from rawkube.testing.server import decode
from rawkube.testing.server.errors import Obj
from rawkube.testing.server.resources import ResourceInfo, ResourceTable

if TYPE_CHECKING:  # pragma: no cover
    # The registry store, as far as these writes use it (no import of registry/generic.py, so
    # that a strategy may call them).
    from rawkube.testing.server.registry.storeview import StoreView as GenericStore


@lru_cache(maxsize=1)
def _builtin() -> ResourceTable:
    return ResourceTable()


def _info(group: str, version: str, resource: str) -> ResourceInfo:
    info = _builtin().get(group, version, resource)
    assert info is not None, (group, version, resource)
    return info


def system_update(
    store: GenericStore,
    group: str,
    version: str,
    resource: str,
    namespace: str,
    name: str,
    change: Any,
    manager: str,
    *,
    subresource: str = "",
) -> Obj:
    """Change an object as a control-plane component's update would: the new state's
    managedFields credit ``manager`` with what it changed."""
    from rawkube.testing.server import fieldmanager

    info = _info(group, version, resource)

    def update(draft: Obj) -> Obj:
        before = copy.deepcopy(draft)
        change(draft)
        entries = fieldmanager.update_entries(
            before["metadata"].get("managedFields"),
            manager,
            info.api_version,
            before,
            draft,
            decode.schema_of(info),
            subresource,
            store.strategy(info.key).get_reset_fields(info).get(subresource, ()),
        )
        draft["metadata"]["managedFields"] = entries
        if not entries:
            draft["metadata"].pop("managedFields")
        return draft

    return store.mutate(info.key, namespace, name, update)


__all__ = ["system_update"]
