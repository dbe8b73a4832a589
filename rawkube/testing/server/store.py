"""The object store of the LocalAPIServer: what etcd + the apiserver's generic registry do for us.

Contract (the controllers in `controllers.py` and the HTTP layer both build on it):

* Objects are plain JSON dicts, stored under a `ResourceKey` ``(group, resource)`` plus
  ``(namespace, name)``; namespace is ``""`` for cluster-scoped resources. Storage is versionless,
  like etcd's ``/registry/<resource>/<namespace>/<name>`` keys: every API version sees the same object.
  Methods also accept a `GVR` (group, version, resource); its version is ignored.
* Every method is thread-safe (one re-entrant lock) and works on deep copies: what you pass in and
  what you get back are never shared with the store, so callers may mutate them freely. The one
  exception is ``list(..., copy_objects=False)``: read-only views, safe because a stored object is
  never changed in place (every write stores a new dict).
* One global counter gives every write a new ``metadata.resourceVersion`` (etcd's revision), as a
  decimal string. `resource_version` reads it.
* `create` sets ``uid``, ``resourceVersion``, ``creationTimestamp``, ``generation`` (1, for the
  kinds that have one: see `tracks_generation`) and, from
  ``generateName``, a name; raises `APIError` AlreadyExists (409).
* `update` requires the stored object to exist (NotFound 404). When the incoming object carries a
  ``resourceVersion`` that is not the current one, it raises Conflict (409) with the apiserver's
  message: this is the optimistic concurrency of ``GuaranteedUpdate``. ``generation`` is bumped when
  anything outside ``metadata`` and ``status`` changed (the rule of the apiserver's strategies).
  Server-owned metadata (uid, creationTimestamp, deletionTimestamp, ...) is kept from storage.
  `mutate` is the lock-held read-modify-write for controllers: it never conflicts.
* `delete` mirrors the registry's graceful deletion (k8s.io/apiserver/pkg/registry/generic/registry/
  store.go, ``Delete`` + ``deletionFinalizersForGarbageCollection``): propagationPolicy ``Orphan``
  adds the ``orphan`` finalizer, ``Foreground`` adds ``foregroundDeletion``; if the object then has
  finalizers (or is a namespace whose ``spec.finalizers`` is not empty) it is kept with
  ``deletionTimestamp`` + ``deletionGracePeriodSeconds: 0`` and a MODIFIED event (with
  ``grace_period_seconds > 0`` it is kept too: graceful deletion of pods); otherwise it is
  removed with a DELETED event. An `update`/`mutate` that leaves a deleting object without
  finalizers removes it (the apiserver's "delete during update"). Garbage collection itself
  (removing dependents, clearing those finalizers) is the controllers' job.
* Watching: `watch(key, namespace=None, since=None)` returns a `Subscription` whose `get(timeout)`
  yields `Event` values in resourceVersion order. With ``since`` it first replays the bounded
  history (``history_limit`` events) newer than ``since``; a ``since`` older than that window raises
  `APIError` Expired (410), like a compacted etcd. ``key=None`` watches every resource (controllers).
* `save(path)` / `Store.load(path)` persist the state atomically (write to a temp file, then
  ``os.replace``); when ``data_dir`` is given the store saves after every write.
"""

from __future__ import annotations

import base64
import builtins
import copy
import json
import os
import queue
import random
import tempfile
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, NamedTuple

Obj = dict[str, Any]

# ObjectMeta's field order in the Go struct (k8s.io/apimachinery/pkg/apis/meta/v1/types.go):
# the JSON the real server sends follows it, and the recordings show it.
_META_ORDER = (
    "name",
    "generateName",
    "namespace",
    "selfLink",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "labels",
    "annotations",
    "ownerReferences",
    "finalizers",
    "managedFields",
)

# Metadata the server owns: a client's update cannot change it (rest.FillObjectMetaSystemFields
# and the update strategies' PrepareForUpdate).
_SERVER_META = ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds")


class ResourceKey(NamedTuple):
    """Where a kind of object is stored: the API group and the plural resource name."""

    group: str
    resource: str

    @property
    def qualified(self) -> str:
        """``deployments.apps`` (``pods`` for the core group): the name in error messages."""
        return f"{self.resource}.{self.group}" if self.group else self.resource


class GVR(NamedTuple):
    """An API group, version and resource (schema.GroupVersionResource)."""

    group: str
    version: str
    resource: str


KeyLike = ResourceKey | GVR | tuple[str, str] | tuple[str, str, str]


def as_key(key: KeyLike) -> ResourceKey:
    """Accept a ResourceKey, a GVR or a plain tuple and return the storage key."""
    if len(key) == 3:
        return ResourceKey(key[0], key[2])
    return ResourceKey(key[0], key[1])


class APIError(Exception):
    """A failure the HTTP layer turns into a ``Status`` body (metav1.Status).

    ``details`` is the Status ``details`` object (name, group, kind, causes, ...), or None.
    The message never contains request bodies, so no secret can leak through it.
    """

    def __init__(
        self, code: int, reason: str, message: str, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details

    def status(self) -> Obj:
        """The metav1.Status body, with fields in the order the real server writes them."""
        body: Obj = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
        }
        if self.details is not None:
            body["details"] = self.details
        body["code"] = self.code
        return body


def _details(key: ResourceKey, name: str) -> dict[str, Any]:
    # The apiserver puts the *resource* in details.kind for these errors (see 009, 019).
    details: dict[str, Any] = {"name": name}
    if key.group:
        details["group"] = key.group
    details["kind"] = key.resource
    return details


def not_found(key: ResourceKey, name: str) -> APIError:
    """404 NotFound, errors.NewNotFound: ``deployments.apps "x" not found``."""
    return APIError(404, "NotFound", f'{key.qualified} "{name}" not found', _details(key, name))


def already_exists(key: ResourceKey, name: str) -> APIError:
    """409 AlreadyExists, errors.NewAlreadyExists."""
    return APIError(
        409, "AlreadyExists", f'{key.qualified} "{name}" already exists', _details(key, name)
    )


def conflict(key: ResourceKey, name: str, why: str) -> APIError:
    """409 Conflict, errors.NewConflict: ``Operation cannot be fulfilled on ...: <why>``."""
    return APIError(
        409,
        "Conflict",
        f'Operation cannot be fulfilled on {key.qualified} "{name}": {why}',
        _details(key, name),
    )


STALE_MESSAGE = (
    "the object has been modified; please apply your changes to the latest version and try again"
)


def expired(message: str) -> APIError:
    """410 Expired (errors.NewResourceExpired), e.g. a watch from a compacted resourceVersion."""
    return APIError(410, "Expired", message)


def now_rfc3339(offset_seconds: int = 0) -> str:
    """metav1.Time's wire form: UTC, second precision (optionally ``offset_seconds`` from now)."""
    moment = datetime.now(timezone.utc) + timedelta(seconds=offset_seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# ObjectMeta fields tagged omitempty: an empty map or list is not stored (so "labels": {} in a
# request leaves no labels key, which server-side apply notices, see recording 029).
_OMIT_EMPTY = ("labels", "annotations", "ownerReferences", "finalizers", "managedFields")


def order_metadata(meta: Obj) -> Obj:
    """Return ``meta`` with its keys in ObjectMeta's order (unknown keys last), empty maps dropped."""
    meta = {k: v for k, v in meta.items() if not (k in _OMIT_EMPTY and not v)}
    ordered = {k: meta[k] for k in _META_ORDER if k in meta}
    ordered.update((k, v) for k, v in meta.items() if k not in ordered)
    return ordered


def _random_suffix(n: int = 5) -> str:
    # names.SimpleNameGenerator: 5 chars from a consonant/digit alphabet that avoids words.
    alphabet = "bcdfghjklmnpqrstvwxz2456789"
    return "".join(random.choice(alphabet) for _ in range(n))


def _spec_part(obj: Obj) -> Obj:
    return {k: v for k, v in obj.items() if k not in ("metadata", "status", "kind", "apiVersion")}


@dataclass(frozen=True)
class Event:
    """One change: ``type`` is ADDED, MODIFIED or DELETED; ``object`` is the new (or last) state."""

    type: str
    key: ResourceKey
    object: Obj
    resource_version: int

    @property
    def namespace(self) -> str:
        return str(self.object.get("metadata", {}).get("namespace", ""))


@dataclass
class Subscription:
    """A queue of events for one watcher. Iterate with `get`; always `close` it (or use ``with``)."""

    key: ResourceKey | None
    namespace: str | None
    _store: Store
    _queue: queue.Queue[Event | None] = field(default_factory=queue.Queue)
    closed: bool = False

    def matches(self, event: Event) -> bool:
        if self.key is not None and event.key != self.key:
            return False
        return not self.namespace or event.namespace == self.namespace

    def get(self, timeout: float | None = None) -> Event | None:
        """The next event, or None on timeout or once closed."""
        if self.closed:
            return None
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._store._unsubscribe(self)
            self._queue.put(None)  # wake a blocked get()

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Store:
    """A thread-safe, in-memory, versionless object store with a global resourceVersion."""

    def __init__(self, *, history_limit: int = 1000, data_dir: str | None = None) -> None:
        self._lock = threading.RLock()
        self._objects: dict[ResourceKey, dict[tuple[str, str], Obj]] = {}
        self._rv = 0
        self._history: deque[Event] = deque(maxlen=history_limit)
        self._subs: list[Subscription] = []
        self._data_dir = data_dir
        self.lock = self._lock  # exposed so a caller can group several operations atomically

    # -- reading -------------------------------------------------------------------------------

    @property
    def resource_version(self) -> int:
        """The newest resourceVersion handed out (etcd's current revision)."""
        with self._lock:
            return self._rv

    @property
    def oldest_watchable(self) -> int:
        """The oldest resourceVersion a watch may start from without a 410."""
        with self._lock:
            if len(self._history) < (self._history.maxlen or 0):
                return 0
            return self._history[0].resource_version - 1

    def get(self, key: KeyLike, namespace: str, name: str) -> Obj | None:
        """A copy of the stored object, or None."""
        with self._lock:
            obj = self._objects.get(as_key(key), {}).get((namespace, name))
            return copy.deepcopy(obj) if obj is not None else None

    def must_get(self, key: KeyLike, namespace: str, name: str) -> Obj:
        """Like `get`, but raises NotFound (404)."""
        obj = self.get(key, namespace, name)
        if obj is None:
            raise not_found(as_key(key), name)
        return obj

    def list(
        self, key: KeyLike, namespace: str | None = None, *, copy_objects: bool = True
    ) -> tuple[list[Obj], int]:
        """Objects of one resource sorted by (namespace, name) like etcd keys, and the list's RV."""
        with self._lock:
            bucket = self._objects.get(as_key(key), {})
            items = [
                bucket[k] for k in sorted(bucket) if namespace in (None, "") or k[0] == namespace
            ]
            if copy_objects:
                items = copy.deepcopy(items)
            return items, self._rv

    def keys(self) -> builtins.list[ResourceKey]:
        """Every resource that has (or had) stored objects."""
        with self._lock:
            return list(self._objects)

    # -- writing -------------------------------------------------------------------------------

    def create(self, key: KeyLike, obj: Obj, *, dry_run: bool = False) -> Obj:
        """Store a new object and return it with the server-set metadata."""
        rkey = as_key(key)
        obj = copy.deepcopy(obj)
        meta = obj.setdefault("metadata", {})
        with self._lock:
            bucket = self._objects.setdefault(rkey, {})
            namespace = str(meta.get("namespace") or "")
            if not meta.get("name") and meta.get("generateName"):
                meta["name"] = self._generate_name(bucket, namespace, meta["generateName"])
            name = str(meta.get("name", ""))
            if (namespace, name) in bucket:
                raise already_exists(rkey, name)
            meta["uid"] = str(uuid.uuid4())
            if tracks_generation(rkey):
                meta["generation"] = 1
            else:
                meta.pop("generation", None)
            meta["creationTimestamp"] = now_rfc3339()
            for k in ("deletionTimestamp", "deletionGracePeriodSeconds", "resourceVersion"):
                meta.pop(k, None)
            if dry_run:
                obj["metadata"] = order_metadata(meta)
                return obj
            return self._commit(rkey, "ADDED", obj)

    def update(
        self,
        key: KeyLike,
        obj: Obj,
        *,
        dry_run: bool = False,
        check_resource_version: bool = True,
    ) -> Obj:
        """Replace a stored object (PUT semantics). See the module docstring for the rules."""
        rkey = as_key(key)
        obj = copy.deepcopy(obj)
        meta = obj.setdefault("metadata", {})
        namespace, name = str(meta.get("namespace") or ""), str(meta.get("name", ""))
        with self._lock:
            current = self._objects.get(rkey, {}).get((namespace, name))
            if current is None:
                raise not_found(rkey, name)
            wanted_rv = meta.get("resourceVersion")
            if (
                check_resource_version
                and wanted_rv
                and wanted_rv != current["metadata"]["resourceVersion"]
            ):
                raise conflict(rkey, name, STALE_MESSAGE)
            return self._replace(rkey, current, obj, dry_run=dry_run)

    def mutate(self, key: KeyLike, namespace: str, name: str, fn: Callable[[Obj], Any]) -> Obj:
        """Atomically apply ``fn`` to a copy of the stored object and store the result.

        ``fn`` may change its argument in place or return a new dict (any other return value is
        ignored, so ``lambda o: o["metadata"].pop("finalizers")`` works). Because the
        lock is held, there is no conflict to retry: use it from controllers, not from handlers of
        client requests (those must honour the client's resourceVersion through `update`).
        """
        rkey = as_key(key)
        with self._lock:
            current = self._objects.get(rkey, {}).get((namespace, name))
            if current is None:
                raise not_found(rkey, name)
            draft = copy.deepcopy(current)
            result = fn(draft)
            return self._replace(rkey, current, result if isinstance(result, dict) else draft)

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
    ) -> tuple[Obj, bool]:
        """Delete (or start deleting) an object. Returns ``(object, removed_now)``.

        ``kind_for_errors`` ("Deployment.apps") names the object in precondition conflicts the
        way the registry does (see recording 045).
        """
        rkey = as_key(key)
        with self._lock:
            current = self._objects.get(rkey, {}).get((namespace, name))
            if current is None:
                raise not_found(rkey, name)
            self._check_preconditions(rkey, current, preconditions, kind_for_errors)
            obj = copy.deepcopy(current)
            meta = obj["metadata"]
            finalizers = list(meta.get("finalizers") or [])
            for wanted in _gc_finalizers(propagation_policy):
                if wanted not in finalizers:
                    finalizers.append(wanted)
            unwanted = {"orphan": "foregroundDeletion", "foregroundDeletion": "orphan"}
            if propagation_policy in ("Orphan", "Foreground"):
                keep = _gc_finalizers(propagation_policy)[0]
                finalizers = [f for f in finalizers if f != unwanted[keep]]
            # (controllers teammate) graceful pod deletion: see _pod_grace_period.
            grace = _pod_grace_period(rkey, current, grace_period_seconds)
            if finalizers or grace > 0 or _namespace_pending(rkey, obj):
                if finalizers:
                    meta["finalizers"] = finalizers
                previous = int(meta.get("deletionGracePeriodSeconds") or 0)
                if grace > 0:
                    if not meta.get("deletionTimestamp") or grace < previous:
                        meta["deletionTimestamp"] = _seconds_from_now(grace)
                        meta["deletionGracePeriodSeconds"] = grace
                elif not meta.get("deletionTimestamp") or previous:
                    meta["deletionTimestamp"] = now_rfc3339()
                    if rkey not in _OWN_DELETE:
                        meta["deletionGracePeriodSeconds"] = 0
                if rkey == ResourceKey("", "namespaces"):
                    obj.setdefault("status", {})["phase"] = "Terminating"
                if dry_run or obj == current:
                    return obj, False
                return self._commit(rkey, "MODIFIED", obj), False
            if dry_run:
                return obj, True
            return self._remove(rkey, obj), True

    # -- watching ------------------------------------------------------------------------------

    def watch(
        self, key: KeyLike | None = None, namespace: str | None = None, since: int | None = None
    ) -> Subscription:
        """Subscribe to changes, replaying history newer than ``since`` first (410 if too old)."""
        rkey = as_key(key) if key is not None else None
        with self._lock:
            sub = Subscription(rkey, namespace or None, self)
            if since is not None and since < self._rv:
                if since < self.oldest_watchable:
                    raise expired(f"too old resource version: {since} ({self.oldest_watchable})")
                for event in self._history:
                    if event.resource_version > since and sub.matches(event):
                        sub._queue.put(event)
            self._subs.append(sub)
            return sub

    def events(self, sub: Subscription, timeout: float) -> Iterator[Event]:
        """Drain a subscription until ``timeout`` seconds pass without an event."""
        while True:
            event = sub.get(timeout)
            if event is None:
                return
            yield event

    def _unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            if sub in self._subs:
                self._subs.remove(sub)

    # -- persistence ---------------------------------------------------------------------------

    def save(self, path: str) -> None:
        """Write the whole state to ``path`` atomically (temp file in the same dir + rename)."""
        with self._lock:
            state = {
                "resourceVersion": self._rv,
                "objects": [
                    {"group": k.group, "resource": k.resource, "object": o}
                    for k, bucket in self._objects.items()
                    for o in bucket.values()
                ],
            }
            data = json.dumps(state, separators=(",", ":"))
        directory = os.path.dirname(os.path.abspath(path))
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".store-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    @classmethod
    def load(cls, path: str, **kwargs: Any) -> Store:
        """A store holding the state `save` wrote (an empty one if ``path`` does not exist)."""
        store = cls(**kwargs)
        if os.path.exists(path):
            try:
                with open(path) as fh:
                    state = json.load(fh)
                store._rv = int(state["resourceVersion"])
                for entry in state["objects"]:
                    rkey = ResourceKey(entry["group"], entry["resource"])
                    meta = entry["object"]["metadata"]
                    ident = (str(meta.get("namespace") or ""), str(meta["name"]))
                    store._objects.setdefault(rkey, {})[ident] = entry["object"]
            except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
                # Someone else's state.json (or a damaged one): say so, and never overwrite it.
                from rawkube.errors import ConfigError

                raise ConfigError(
                    f"{path}: not a LocalAPIServer state file ({type(e).__name__}); "
                    "choose another data directory, or remove the file to start empty"
                ) from None
        return store

    @property
    def state_path(self) -> str | None:
        return os.path.join(self._data_dir, "state.json") if self._data_dir else None

    # -- internals (lock held) -----------------------------------------------------------------

    def _generate_name(self, bucket: dict[tuple[str, str], Obj], ns: str, prefix: str) -> str:
        while True:
            candidate = prefix + _random_suffix()
            if (ns, candidate) not in bucket:
                return candidate

    def _check_preconditions(
        self,
        key: ResourceKey,
        current: Obj,
        preconditions: dict[str, Any] | None,
        kind_for_errors: str | None,
    ) -> None:
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

    def _replace(self, key: ResourceKey, current: Obj, obj: Obj, *, dry_run: bool = False) -> Obj:
        meta = obj.setdefault("metadata", {})
        old_meta = current["metadata"]
        for k in _SERVER_META:
            if k in old_meta:
                meta[k] = old_meta[k]
            else:
                meta.pop(k, None)
        meta["namespace"] = old_meta.get("namespace")
        if meta["namespace"] is None:
            del meta["namespace"]
        if tracks_generation(key):
            generation = int(old_meta.get("generation", 1))
            if _spec_part(obj) != _spec_part(current):
                generation += 1
            meta["generation"] = generation
        else:
            meta.pop("generation", None)
        meta["resourceVersion"] = old_meta["resourceVersion"]
        # (controllers teammate) only a deletion whose grace period is over completes on update
        # (registry.ShouldDeleteDuringUpdate): a terminating pod may still report status.
        deleting = bool(old_meta.get("deletionTimestamp")) and not old_meta.get(
            "deletionGracePeriodSeconds"
        )
        if deleting and not meta.get("finalizers") and not _namespace_pending(key, obj):
            return obj if dry_run else self._remove(key, obj)
        obj["metadata"] = order_metadata(meta)
        if dry_run or obj == current:
            # A no-op write keeps the resourceVersion and sends no event, like the apiserver.
            return copy.deepcopy(obj)
        return self._commit(key, "MODIFIED", obj)

    def _commit(self, key: ResourceKey, kind: str, obj: Obj) -> Obj:
        self._rv += 1
        meta = obj["metadata"]
        meta["resourceVersion"] = str(self._rv)
        obj["metadata"] = order_metadata(meta)
        ident = (str(meta.get("namespace") or ""), str(meta["name"]))
        self._objects.setdefault(key, {})[ident] = obj
        self._publish(Event(kind, key, copy.deepcopy(obj), self._rv))
        return copy.deepcopy(obj)

    def _remove(self, key: ResourceKey, obj: Obj) -> Obj:
        self._rv += 1
        meta = obj["metadata"]
        # The DELETED event carries the last state with the deletion's resourceVersion.
        meta["resourceVersion"] = str(self._rv)
        obj["metadata"] = order_metadata(meta)
        ident = (str(meta.get("namespace") or ""), str(meta["name"]))
        self._objects.get(key, {}).pop(ident, None)
        self._publish(Event("DELETED", key, copy.deepcopy(obj), self._rv))
        return copy.deepcopy(obj)

    def _publish(self, event: Event) -> None:
        self._history.append(event)
        for sub in self._subs:
            if sub.matches(event):
                sub._queue.put(event)
        path = self.state_path
        if path:
            self.save(path)


# Namespaces and CRDs have their own Delete (registry/core/namespace/storage, apiextensions
# registry/customresourcedefinition/etcd.go): they set deletionTimestamp but no grace period
# (recordings 054 and 059), unlike the generic registry's markAsDeleting (recording 041).
_OWN_DELETE = {
    ResourceKey("", "namespaces"),
    ResourceKey("apiextensions.k8s.io", "customresourcedefinitions"),
}

# Kinds whose registry strategy keeps metadata.generation (workloads, pods, CRDs, custom
# resources, ...). Plain data and bookkeeping kinds do not: a Namespace or ConfigMap has none
# (recordings 055, 056).
_NO_GENERATION_GROUPS = {
    "coordination.k8s.io",
    "discovery.k8s.io",
    "events.k8s.io",
    "rbac.authorization.k8s.io",
    "scheduling.k8s.io",
    "node.k8s.io",
    "certificates.k8s.io",
    "apiregistration.k8s.io",
    "authentication.k8s.io",
    "authorization.k8s.io",
}
_CORE_WITH_GENERATION = {"pods", "replicationcontrollers"}


def tracks_generation(key: ResourceKey) -> bool:
    """Whether objects of this resource carry metadata.generation."""
    if key.group == "":
        return key.resource in _CORE_WITH_GENERATION
    return key.group not in _NO_GENERATION_GROUPS


def _gc_finalizers(policy: str | None) -> list[str]:
    if policy == "Orphan":
        return ["orphan"]
    if policy == "Foreground":
        return ["foregroundDeletion"]
    return []


def _pod_grace_period(key: ResourceKey, current: Obj, requested: int | None) -> int:
    """Seconds a Pod may take to terminate before it is removed; 0 deletes at once.

    (Added by the controllers teammate.) pkg/registry/core/pod/strategy.go CheckGracefulDelete
    + k8s.io/apiserver/pkg/registry/rest/delete.go BeforeDelete: only Pods are graceful; a Pod
    never bound to a node, or already Succeeded/Failed, goes at once; the grace period is the
    request's, else spec.terminationGracePeriodSeconds (default 30); a repeated delete may only
    shorten it. The controllers' kubelet removes terminating pods (with grace 0) early.
    """
    if key != ResourceKey("", "pods"):
        return 0
    spec, status = current.get("spec") or {}, current.get("status") or {}
    if not spec.get("nodeName") or status.get("phase") in ("Succeeded", "Failed"):
        return 0
    grace = requested if requested is not None else spec.get("terminationGracePeriodSeconds", 30)
    grace = max(0, int(grace))
    previous = current["metadata"].get("deletionGracePeriodSeconds")
    if current["metadata"].get("deletionTimestamp") and previous is not None:
        grace = min(grace, int(previous))
    return grace


def _seconds_from_now(seconds: int) -> str:
    return (datetime.now(timezone.utc) + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _namespace_pending(key: ResourceKey, obj: Obj) -> bool:
    # A namespace lives on until the namespace controller empties spec.finalizers ("kubernetes").
    return key == ResourceKey("", "namespaces") and bool((obj.get("spec") or {}).get("finalizers"))


def _kind_details(key: ResourceKey, name: str, what: str) -> dict[str, Any]:
    kind = what.split(".", 1)[0]
    details: dict[str, Any] = {"name": name}
    if key.group:
        details["group"] = key.group
    details["kind"] = kind
    return details


def encode_continue(resource_version: int, start: str) -> str:
    """The apiserver's continue token: base64url of {"v","rv","start"} (storage/etcd3 continue.go)."""
    raw = json.dumps(
        {"v": "meta.k8s.io/v1", "rv": resource_version, "start": start + "\x00"},
        separators=(",", ":"),
    )
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_continue(token: str) -> tuple[int, str]:
    """(resourceVersion, start key) of a continue token; BadRequest (400) if malformed."""
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded))
        start = str(data["start"])
        return int(data["rv"]), start[:-1] if start.endswith("\x00") else start
    except (ValueError, KeyError, TypeError) as exc:
        raise APIError(400, "BadRequest", "continue key is not valid: " + str(exc)) from None


__all__ = [
    "APIError",
    "Event",
    "GVR",
    "Obj",
    "ResourceKey",
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
