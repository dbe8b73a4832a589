"""The LocalAPIServer's object store as the controllers and tests use it.

Kept for the names older code imports: `Store` is the registry's `GenericStore`
(registry/generic.py) over a `Storage` (storage.py); the errors live in errors.py, the keys,
events and continue tokens in storage.py. New code should import from those modules.

Contract of `Store` (the controllers in controllers.py / gc.py build on it):

* `create` sets ``uid``, ``resourceVersion``, ``creationTimestamp``, ``generation`` (1, for the
  kinds whose strategy tracks one) and, from ``generateName``, a name; AlreadyExists (409).
* `update` requires the stored object (NotFound 404); an incoming ``resourceVersion`` that is
  not the current one is a Conflict (409); ``generation`` is bumped when anything outside
  ``metadata`` and ``status`` changed; server-owned metadata is kept from storage.
  `mutate` is the lock-held read-modify-write for controllers: it never conflicts.
* `delete` mirrors the registry's graceful deletion and the garbage collector's finalizers
  (see `GenericStore.delete`); an `update`/`mutate` that leaves a deleting object without
  finalizers removes it.
* `watch`, `list`, `get`, `save`/`load`: the storage's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rawkube.testing.server.errors import (
    STALE_MESSAGE,
    APIError,
    Obj,
    ResourceKey,
    already_exists,
    conflict,
    expired,
    not_found,
    now_rfc3339,
)
from rawkube.testing.server.storage import (
    GVR,
    Event,
    KeyLike,
    Subscription,
    as_key,
    decode_continue,
    encode_continue,
    order_metadata,
)

if TYPE_CHECKING:  # pragma: no cover
    from rawkube.testing.server.registry.generic import GenericStore as Store


def __getattr__(name: str) -> Any:
    # Lazy: the registry imports modules that import errors from here.
    if name == "Store":
        from rawkube.testing.server.registry.generic import GenericStore

        return GenericStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "APIError",
    "Event",
    "GVR",
    "KeyLike",
    "Obj",
    "ResourceKey",
    "STALE_MESSAGE",
    "Store",
    "Subscription",
    "already_exists",
    "as_key",
    "conflict",
    "decode_continue",
    "encode_continue",
    "expired",
    "not_found",
    "now_rfc3339",
    "order_metadata",
]
