"""`GenericStore`: one registry store for every resource, driven by each resource's Strategy.

k8s.io/apiserver/pkg/registry/generic/registry/store.go, reduced to a test server's needs:

* `create` (Store.Create): system metadata (uid, creationTimestamp; a name from generateName,
  retried on a collision), then, for a request (``ctx`` given), rest.BeforeCreate's
  ``prepare_for_create`` -> ``validate`` -> ``canonicalize``, then the validating admission
  function, then storage; ``after_create``.
* `update_object` (Store.Update): ONE ``Storage.guaranteed_update`` around the caller's
  ``updated_object(existing)`` (what the handlers build from a PUT body, a patch, an apply or a
  scale), the optimistic-concurrency check of the object's resourceVersion, create-on-update
  (``allow_create_on_update`` or server-side apply's force), rest.BeforeUpdate's
  ``prepare_for_update`` -> ``validate_update`` -> ``canonicalize``, validating admission, and
  the delete-during-update of an object whose last finalizer went (ShouldDeleteDuringUpdate).
* `delete` (Store.Delete): preconditions, ``check_graceful_delete``, the garbage collector's
  finalizers (deletionFinalizersForGarbageCollection), markAsDeleting or removal.
* `update` / `mutate`: the same paths for trusted in-process writers (the controllers, like
  kube-controller-manager's writes, minus their validation): no strategy preparation or
  validation, but the same metadata, generation and deletion rules.

Reads, watches and persistence go straight to the storage (storage.py).
"""

from __future__ import annotations

import builtins
import copy
import random
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

from rawkube.testing.server import defaults, validation
from rawkube.testing.server.errors import (
    STALE_MESSAGE,
    APIError,
    Obj,
    ResourceKey,
    conflict,
    not_found,
    now_rfc3339,
)
from rawkube.testing.server.registry.context import RequestContext
from rawkube.testing.server.registry.strategies import strategy_for
from rawkube.testing.server.registry.strategy import Strategy
from rawkube.testing.server.storage import (
    DEFAULT_COMPACTION_INTERVAL,
    Event,
    KeyLike,
    Remove,
    Storage,
    Subscription,
    as_key,
    ident_of,
)

# Metadata the server owns: a client's update cannot change it (rest.FillObjectMetaSystemFields
# and the update strategies' PrepareForUpdate).
SERVER_META = ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds")
# registry/generic/registry/store.go maxNameGenerationCreateAttempts
_GENERATE_NAME_ATTEMPTS = 8

# Validating admission as the registry calls it: (new object, old object or None).
ValidateFunc = Callable[[Obj, "Obj | None"], None]
UpdatedObject = Callable[["Obj | None"], Obj]


def _random_suffix(n: int = 5) -> str:
    # names.SimpleNameGenerator: 5 chars from a consonant/digit alphabet that avoids words.
    alphabet = "bcdfghjklmnpqrstvwxz2456789"
    return "".join(random.choice(alphabet) for _ in range(n))


def _seconds_from_now(seconds: int) -> str:
    return (datetime.now(timezone.utc) + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _gc_finalizers(policy: str | None) -> list[str]:
    if policy == "Orphan":
        return ["orphan"]
    if policy == "Foreground":
        return ["foregroundDeletion"]
    return []


def _kind_details(key: ResourceKey, name: str, what: str) -> dict[str, Any]:
    kind = what.split(".", 1)[0]
    details: dict[str, Any] = {"name": name}
    if key.group:
        details["group"] = key.group
    details["kind"] = kind
    return details


class GenericStore:
    """The registry over a `Storage`: every resource's create/update/delete rules in one place."""

    def __init__(
        self,
        storage: Storage | None = None,
        *,
        history_limit: int = 1000,
        data_dir: str | None = None,
        compaction_interval: float | None = DEFAULT_COMPACTION_INTERVAL,
    ) -> None:
        self.storage = storage or Storage(
            history_limit=history_limit,
            data_dir=data_dir,
            compaction_interval=compaction_interval,
        )
        self.lock = self.storage.lock

    @classmethod
    def load(cls, path: str, **kwargs: Any) -> GenericStore:
        """A store holding the state `save` wrote (an empty one if ``path`` does not exist)."""
        store = cls(**kwargs)
        store.storage.load_state(path)
        return store

    def strategy(self, key: KeyLike) -> Strategy:
        return strategy_for(as_key(key))

    # -- reads, watches, persistence: the storage's ----------------------------------------------

    @property
    def resource_version(self) -> int:
        return self.storage.resource_version

    @property
    def oldest_watchable(self) -> int:
        return self.storage.oldest_watchable

    @property
    def state_path(self) -> str | None:
        return self.storage.state_path

    def get(self, key: KeyLike, namespace: str, name: str) -> Obj | None:
        return self.storage.get(key, namespace, name)

    def must_get(self, key: KeyLike, namespace: str, name: str) -> Obj:
        return self.storage.must_get(key, namespace, name)

    def list(
        self, key: KeyLike, namespace: str | None = None, *, copy_objects: bool = True
    ) -> tuple[list[Obj], int]:
        return self.storage.list(key, namespace, copy_objects=copy_objects)

    def keys(self) -> builtins.list[ResourceKey]:
        return self.storage.keys()

    def watch(
        self, key: KeyLike | None = None, namespace: str | None = None, since: int | None = None
    ) -> Subscription:
        return self.storage.watch(key, namespace, since)

    def events(self, sub: Subscription, timeout: float) -> Iterator[Event]:
        return self.storage.events(sub, timeout)

    def save(self, path: str) -> None:
        self.storage.save(path)

    # -- create ----------------------------------------------------------------------------------

    def create(
        self,
        key: KeyLike,
        obj: Obj,
        *,
        dry_run: bool = False,
        ctx: RequestContext | None = None,
        admission: ValidateFunc | None = None,
    ) -> Obj:
        """Store a new object and return it with the server-set metadata (Store.Create)."""
        rkey = as_key(key)
        strategy = self.strategy(rkey)
        generate = not obj.get("metadata", {}).get("name") and obj.get("metadata", {}).get(
            "generateName"
        )
        attempts = _GENERATE_NAME_ATTEMPTS if generate else 1
        if ctx is not None:
            strategy.authorize_create(self, ctx, obj)
        for attempt in range(attempts):
            draft = copy.deepcopy(obj)
            # One critical section from validation to storage, like the update's guaranteed
            # update: validating admission that charges other objects (ResourceQuota) and the
            # write it admits are seen together.
            with self.lock:
                self._before_create(ctx, rkey, strategy, draft)
                if admission is not None:
                    admission(copy.deepcopy(draft), None)
                try:
                    created = self.storage.create(rkey, draft, dry_run=dry_run)
                except APIError as err:
                    if err.reason == "AlreadyExists" and attempt + 1 < attempts:
                        continue
                    raise
            if ctx is not None:
                strategy.after_create(self, ctx, created)
            return created
        raise AssertionError("unreachable")  # pragma: no cover

    def _before_create(
        self, ctx: RequestContext | None, key: ResourceKey, strategy: Strategy, obj: Obj
    ) -> None:
        """rest.FillObjectMetaSystemFields, generateName, then rest.BeforeCreate."""
        meta = obj.setdefault("metadata", {})
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = str(meta["generateName"]) + _random_suffix()
        meta["uid"] = str(uuid.uuid4())
        meta["creationTimestamp"] = now_rfc3339()
        for k in ("deletionTimestamp", "deletionGracePeriodSeconds", "resourceVersion"):
            meta.pop(k, None)
        if ctx is not None:
            ctx.store = self
            strategy.prepare_for_create(ctx, obj)
            if ctx.unvalidated:
                causes = []
            elif ctx.validator is not None:
                causes = ctx.validator(obj, None)
            else:
                causes = strategy.validate(ctx, obj)
            if causes:
                raise validation.invalid_error(ctx.info, str(meta.get("name") or ""), causes)
            strategy.canonicalize(obj)
        strategy.update_generation(obj, None)
        defaults.storage_roundtrip(obj)

    # -- update ----------------------------------------------------------------------------------

    def update(
        self,
        key: KeyLike,
        obj: Obj,
        *,
        dry_run: bool = False,
        check_resource_version: bool = True,
    ) -> Obj:
        """Replace a stored object, for an in-process writer (PUT semantics, no validation):
        NotFound if absent, Conflict if ``obj`` carries a resourceVersion that is not current."""
        namespace, name = ident_of(obj)
        replacement = copy.deepcopy(obj)
        result, _ = self._update(
            None,
            as_key(key),
            namespace,
            name,
            lambda existing: copy.deepcopy(replacement),
            check_rv=check_resource_version,
            dry_run=dry_run,
        )
        return result

    def mutate(self, key: KeyLike, namespace: str, name: str, fn: Callable[[Obj], Any]) -> Obj:
        """Atomically apply ``fn`` to a copy of the stored object and store the result.

        ``fn`` may change its argument in place or return a new dict (any other return value is
        ignored, so ``lambda o: o["metadata"].pop("finalizers")`` works). It never conflicts:
        use it from controllers, not for client requests (those honour the client's
        resourceVersion through `update_object`).
        """

        def updated(existing: Obj | None) -> Obj:
            assert existing is not None
            result = fn(existing)
            return result if isinstance(result, dict) else existing

        result, _ = self._update(None, as_key(key), namespace, name, updated, check_rv=False)
        return result

    def update_object(
        self,
        ctx: RequestContext,
        updated_object: UpdatedObject,
        *,
        force_allow_create: bool = False,
        create_admission: ValidateFunc | None = None,
        update_admission: ValidateFunc | None = None,
    ) -> tuple[Obj, bool]:
        """Store.Update for a request: ``updated_object(existing)`` gives the new state (the
        existing object is None when creating). Returns (object, created)."""
        return self._update(
            ctx,
            ctx.key,
            ctx.namespace,
            ctx.name,
            updated_object,
            check_rv=True,
            dry_run=ctx.dry_run,
            force_allow_create=force_allow_create,
            create_admission=create_admission,
            update_admission=update_admission,
        )

    def _update(
        self,
        ctx: RequestContext | None,
        key: ResourceKey,
        namespace: str,
        name: str,
        updated_object: UpdatedObject,
        *,
        check_rv: bool,
        dry_run: bool = False,
        force_allow_create: bool = False,
        create_admission: ValidateFunc | None = None,
        update_admission: ValidateFunc | None = None,
    ) -> tuple[Obj, bool]:
        strategy = self.strategy(key)
        created = False

        def try_update(existing: Obj | None) -> Obj | Remove:
            nonlocal created
            if existing is None:
                if not (strategy.allow_create_on_update() or force_allow_create):
                    raise not_found(key, name)
                obj = updated_object(None)
                created = True
                if ctx is not None:
                    strategy.authorize_create(self, ctx, obj)
                self._before_create(ctx, key, strategy, obj)
                if create_admission is not None:
                    create_admission(copy.deepcopy(obj), None)
                return obj
            obj = updated_object(copy.deepcopy(existing))
            if ctx is not None:
                strategy.authorize_update(self, ctx, obj, existing)
            meta = obj.setdefault("metadata", {})
            old_meta = existing["metadata"]
            wanted = meta.get("resourceVersion")
            if check_rv and wanted and wanted != old_meta["resourceVersion"]:
                raise conflict(key, name, STALE_MESSAGE)
            for k in SERVER_META:
                if k == "uid" and meta.get("uid"):
                    continue  # rest.BeforeUpdate keeps a given uid: a changed one is a 422
                if k in old_meta:
                    meta[k] = old_meta[k]
                else:
                    meta.pop(k, None)
            if old_meta.get("namespace") is None:
                meta.pop("namespace", None)
            else:
                meta["namespace"] = old_meta["namespace"]
            if ctx is not None:
                ctx.store = self
                strategy.prepare_for_update(ctx, obj, existing)
                if ctx.validator is not None:
                    causes = ctx.validator(obj, existing)
                else:
                    causes = strategy.validate_update(ctx, obj, existing)
                if causes:
                    raise validation.invalid_error(ctx.info, name, causes)
                strategy.canonicalize(obj)
                if update_admission is not None:
                    update_admission(copy.deepcopy(obj), copy.deepcopy(existing))
            strategy.update_generation(obj, existing)
            defaults.storage_roundtrip(obj)
            _ignore_managed_fields_timestamps(obj, existing)
            # ShouldDeleteDuringUpdate: only a deletion whose grace period is over completes
            # on update (a terminating pod may still report status).
            deleting = bool(old_meta.get("deletionTimestamp")) and not old_meta.get(
                "deletionGracePeriodSeconds"
            )
            if deleting and not meta.get("finalizers") and not strategy.deletion_pending(obj):
                return Remove(obj)
            return obj

        result = self.storage.guaranteed_update(
            key, namespace, name, try_update, ignore_not_found=True, dry_run=dry_run
        )
        if ctx is not None:
            if created:
                strategy.after_create(self, ctx, result)
            else:
                strategy.after_update(self, ctx, result)
        return result, created

    # -- delete ----------------------------------------------------------------------------------

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
    ) -> tuple[Obj, bool]:
        """Delete (or start deleting) an object. Returns ``(object, removed_now)``.

        propagationPolicy ``Orphan`` adds the ``orphan`` finalizer, ``Foreground`` adds
        ``foregroundDeletion``; an object that then has finalizers, a graceful deletion (pods
        on a node) or a pending deletion of its own (namespaces) is kept with a
        deletionTimestamp; otherwise it is removed. ``kind_for_errors`` ("Deployment.apps")
        names the object in precondition conflicts the way the registry does (recording 045).
        """
        rkey = as_key(key)
        strategy = self.strategy(rkey)
        if ctx is not None and kind_for_errors is None:
            kind_for_errors = ctx.info.qualified_kind
        removed = False

        def try_delete(current: Obj | None) -> Obj | Remove:
            nonlocal removed
            assert current is not None
            _check_preconditions(rkey, current, preconditions, kind_for_errors)
            obj = copy.deepcopy(current)
            strategy.before_delete(self, ctx, obj)
            meta = obj["metadata"]
            finalizers = list(meta.get("finalizers") or [])
            for wanted in _gc_finalizers(propagation_policy):
                if wanted not in finalizers:
                    finalizers.append(wanted)
            unwanted = {"orphan": "foregroundDeletion", "foregroundDeletion": "orphan"}
            if propagation_policy in ("Orphan", "Foreground"):
                keep = _gc_finalizers(propagation_policy)[0]
                finalizers = [f for f in finalizers if f != unwanted[keep]]
            grace = strategy.check_graceful_delete(current, grace_period_seconds)
            first_graceful = strategy.graceful_delete and not meta.get("deletionTimestamp")
            if first_graceful and meta.get("generation"):
                # rest.BeforeDelete: a graceful deletion bumps the generation.
                meta["generation"] = int(meta["generation"]) + 1
            shortened_to_zero = (
                strategy.graceful_delete
                and bool(meta.get("deletionTimestamp"))
                and int(meta.get("deletionGracePeriodSeconds") or 0) > 0
            )
            if (first_graceful or shortened_to_zero) and grace == 0 and not finalizers:
                # Store.Delete with a zero grace period (a first graceful deletion, or
                # rest.BeforeDelete shortening a pending one to 0): updateForGracefulDeletion
                # writes the object marked (deletionTimestamp now, grace 0), then it is deleted.
                meta["deletionTimestamp"] = now_rfc3339()
                meta["deletionGracePeriodSeconds"] = 0
                marked.append(copy.deepcopy(obj))
                return obj
            if finalizers or grace > 0 or strategy.deletion_pending(obj):
                if finalizers:
                    meta["finalizers"] = finalizers
                previous = int(meta.get("deletionGracePeriodSeconds") or 0)
                if grace > 0:
                    if not meta.get("deletionTimestamp") or grace < previous:
                        meta["deletionTimestamp"] = _seconds_from_now(grace)
                        meta["deletionGracePeriodSeconds"] = grace
                elif not meta.get("deletionTimestamp") or previous:
                    bump = not strategy.graceful_delete and not meta.get("deletionTimestamp")
                    if bump and meta.get("generation"):
                        # store.go markAsDeleting: the generation bump of a kind without
                        # graceful deletion (rest.BeforeDelete bumps the graceful ones).
                        meta["generation"] = int(meta["generation"]) + 1
                    meta["deletionTimestamp"] = now_rfc3339()
                    if not strategy.own_delete:
                        meta["deletionGracePeriodSeconds"] = 0
                strategy.mark_deleting(obj)
                return obj
            removed = True
            return Remove(obj)

        marked: list[Obj] = []
        with self.storage.lock:
            result = self.storage.guaranteed_update(
                rkey, namespace, name, try_delete, dry_run=dry_run
            )
            if marked:  # the second half of an immediate graceful deletion
                removed = True
                final = result if not dry_run else marked[0]
                result = self.storage.guaranteed_update(
                    rkey, namespace, name, lambda _cur: Remove(final), dry_run=dry_run
                )
        strategy.after_delete(self, ctx, result, removed)
        return result, removed


def _ignore_managed_fields_timestamps(obj: Obj, existing: Obj) -> None:
    """fieldmanager.IgnoreManagedFieldsTimestampsTransformer: an update that changes nothing
    but managedFields timestamps keeps the stored managedFields (and so is a no-op)."""
    new_fields = obj.get("metadata", {}).get("managedFields")
    old_fields = existing.get("metadata", {}).get("managedFields")
    if new_fields == old_fields or not new_fields or not old_fields:
        return
    if len(new_fields) != len(old_fields):
        return

    def without_times(entries: list[Obj]) -> list[Obj]:
        return [{k: v for k, v in e.items() if k != "time"} for e in entries]

    if without_times(new_fields) != without_times(old_fields):
        return
    rest_new = {k: v for k, v in obj.items() if k != "metadata"}
    rest_old = {k: v for k, v in existing.items() if k != "metadata"}
    meta_new = {
        k: v for k, v in obj["metadata"].items() if k not in ("managedFields", "resourceVersion")
    }
    meta_old = {
        k: v
        for k, v in existing["metadata"].items()
        if k not in ("managedFields", "resourceVersion")
    }
    if rest_new == rest_old and meta_new == meta_old:
        obj["metadata"]["managedFields"] = old_fields


def _check_preconditions(
    key: ResourceKey,
    current: Obj,
    preconditions: dict[str, Any] | None,
    kind_for_errors: str | None,
) -> None:
    """storage.Preconditions.Check: the uid and resourceVersion a DELETE insists on."""
    if not preconditions:
        return
    meta = current["metadata"]
    what = kind_for_errors or key.qualified
    name = meta["name"]
    uid = preconditions.get("uid")
    if uid and uid != meta.get("uid"):
        raise APIError(
            409,
            "Conflict",
            f'Operation cannot be fulfilled on {what} "{name}": the UID in the precondition '
            f"({uid}) does not match the UID in record ({meta.get('uid')}). "
            "The object might have been deleted and then recreated",
            _kind_details(key, name, what),
        )
    rv = preconditions.get("resourceVersion")
    if rv and rv != meta.get("resourceVersion"):
        raise APIError(
            409,
            "Conflict",
            f'Operation cannot be fulfilled on {what} "{name}": the ResourceVersion in the '
            f"precondition ({rv}) does not match the ResourceVersion in record "
            f"({meta.get('resourceVersion')}). The object might have been modified",
            _kind_details(key, name, what),
        )


__all__ = ["GenericStore", "SERVER_META", "UpdatedObject", "ValidateFunc"]
