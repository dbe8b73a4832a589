"""The storage layer of the LocalAPIServer: a versioned key-value store with history and watch.

What etcd3 + the watch cache are to kube-apiserver (k8s.io/apiserver/pkg/storage: ``Create``,
``Get``, ``GetList``, ``GuaranteedUpdate``, ``Delete``, ``Watch``), and nothing more: it knows no
kinds, no strategies, no deletion semantics. The registry (registry/generic.py) builds those on it.

* Objects are plain JSON dicts under ``(group, resource)`` + ``(namespace, name)``; namespace is
  ``""`` for cluster-scoped resources. Storage is versionless, like etcd's
  ``/registry/<resource>/<namespace>/<name>`` keys: every API version sees the same object.
  Methods also accept a `GVR` (group, version, resource); its version is ignored.
* Every method is thread-safe (one re-entrant lock, `lock`) and works on deep copies: what you
  pass in and what you get back are never shared with the storage. The one exception is
  ``list(..., copy_objects=False)``: read-only views, safe because a stored object is never
  changed in place (every write stores a new dict).
* One global counter gives every write a new ``metadata.resourceVersion`` (etcd's revision).
* `guaranteed_update(key, ns, name, fn)` is the one read-modify-write: ``fn`` gets a copy of the
  current object (or None when it does not exist and ``ignore_not_found``) and returns the new
  state, or `Remove` to delete it. The lock is held while ``fn`` runs, so there is never a
  conflict to retry (etcd's compare-and-swap loop collapses to one pass); an unchanged object is
  not written (no new resourceVersion, no event), as etcd3's store skips identical data.
* Watching: `watch(key, namespace=None, since=None)` returns a `Subscription` whose `get(timeout)`
  yields `Event` values in resourceVersion order. With ``since`` it first replays the history
  newer than ``since``, as the apiserver's watch cache does: its window is the last
  ``history_limit`` events and nothing older than the watch cache's start (`mark_watch_start`);
  a ``since`` older than that raises `APIError` Expired (410) "too old resource version".
  ``key=None`` watches every resource (controllers). Every event carries the object's previous
  state (``prev_object``), which the cacher uses for selector transitions (cache_watcher.go).
* History (etcd's MVCC): `list_at(key, namespace, revision)` is the state of a resource at an
  older revision, rebuilt from the events since the last compaction; `compact(revision)` drops
  it, as etcd's compaction does. With ``compaction_interval`` (seconds; kube-apiserver's
  ``--etcd-compaction-interval``, 5 minutes) the storage compacts itself on that schedule, as
  the apiserver's compactor does (storage/etcd3/compact.go): each tick writes one revision of
  its own (the compact_rev_key) and compacts to the revision of the tick before.
* `save(path)` / `Storage.load(path)` persist the state atomically (temp file, then
  ``os.replace``); when ``data_dir`` is given the storage saves after every write.
"""

from __future__ import annotations

import base64
import builtins
import copy
import json
import os
import queue
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from rawkube.testing.server.errors import (
    APIError,
    Obj,
    ResourceKey,
    already_exists,
    expired,
    not_found,
)

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

# ObjectMeta fields tagged omitempty: an empty map or list is not stored (so "labels": {} in a
# request leaves no labels key, which server-side apply notices, see recording 029).
_OMIT_EMPTY = ("labels", "annotations", "ownerReferences", "finalizers", "managedFields")


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


def order_metadata(meta: Obj) -> Obj:
    """Return ``meta`` with its keys in ObjectMeta's order (unknown keys last), empty maps dropped."""
    meta = {k: v for k, v in meta.items() if not (k in _OMIT_EMPTY and not v)}
    ordered = {k: meta[k] for k in _META_ORDER if k in meta}
    ordered.update((k, v) for k, v in meta.items() if k not in ordered)
    return ordered


def ident_of(obj: Obj) -> tuple[str, str]:
    """(namespace, name) of an object."""
    meta = obj.get("metadata") or {}
    return str(meta.get("namespace") or ""), str(meta.get("name", ""))


@dataclass(frozen=True)
class Event:
    """One change: ``type`` is ADDED, MODIFIED or DELETED; ``object`` is the new (or last) state,
    ``prev_object`` the state before the change (None for ADDED). Both are shared with the
    storage: never change them in place."""

    type: str
    key: ResourceKey
    object: Obj
    resource_version: int
    prev_object: Obj | None = None

    @property
    def namespace(self) -> str:
        return str(self.object.get("metadata", {}).get("namespace", ""))


@dataclass
class Subscription:
    """A queue of events for one watcher. Iterate with `get`; always `close` it (or use ``with``)."""

    key: ResourceKey | None
    namespace: str | None
    _store: Storage
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


class Remove(NamedTuple):
    """What a `Storage.guaranteed_update` function returns to delete the object instead: the
    DELETED event carries ``object`` (the last state) with the deletion's resourceVersion."""

    object: Obj


UpdateFunc = Callable[[Obj | None], "Obj | Remove"]


class Compacted(Exception):
    """A read at a revision older than the last compaction (etcd's ErrCompacted)."""


class FutureRevision(Exception):
    """A read at a revision newer than the current one (etcd's ErrFutureRev)."""


# kube-apiserver --etcd-compaction-interval default (storagebackend.DefaultCompactInterval).
DEFAULT_COMPACTION_INTERVAL = 300.0
# History kept however long the compaction interval: beyond this many events the oldest are
# compacted early (a bound on memory; etcd has its space quota).
MAX_HISTORY = 200_000


class Storage:
    """A thread-safe, in-memory, versionless object store with a global resourceVersion."""

    def __init__(
        self,
        *,
        history_limit: int = 1000,
        data_dir: str | None = None,
        compaction_interval: float | None = DEFAULT_COMPACTION_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lock = threading.RLock()
        self._objects: dict[ResourceKey, dict[tuple[str, str], Obj]] = {}
        self._rv = 0
        self._history_limit = history_limit
        self._history: deque[Event] = deque()
        self._dropped_rv = 0  # the newest event no longer in the history
        self._compacted = 0  # etcd's compact revision: older revisions cannot be read
        self._watch_start = 0  # the watch cache holds nothing older (its initial list)
        self._compaction_interval = compaction_interval
        self._clock = clock
        self._compact_mark = 0  # the revision at the compactor's previous tick
        self._next_compaction = (
            clock() + compaction_interval if compaction_interval else float("inf")
        )
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
            n = len(self._history)
            if n > self._history_limit:
                gone = self._history[n - self._history_limit - 1].resource_version
            else:
                gone = self._dropped_rv
            return max(self._watch_start, gone)

    @property
    def compacted_revision(self) -> int:
        """The revision of the last compaction (0: none yet)."""
        with self._lock:
            self._maybe_compact()
            return self._compacted

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

    def exists(self, key: KeyLike, namespace: str, name: str) -> bool:
        with self._lock:
            return (namespace, name) in self._objects.get(as_key(key), {})

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

    def list_at(self, key: KeyLike, namespace: str | None, revision: int) -> builtins.list[Obj]:
        """Objects of one resource as they were at ``revision`` (read-only views, sorted like
        `list`): etcd's range read at a revision. Raises `Compacted` for a revision older than
        the last compaction and `FutureRevision` for one not reached yet."""
        rkey = as_key(key)
        with self._lock:
            self._maybe_compact()
            if revision > self._rv:
                raise FutureRevision(revision)
            if revision < self._compacted:
                raise Compacted(revision)
            bucket = dict(self._objects.get(rkey, {}))
            for event in reversed(self._history):
                if event.resource_version <= revision:
                    break
                if event.key != rkey:
                    continue
                ident = ident_of(event.object)
                if event.prev_object is None:
                    bucket.pop(ident, None)
                else:
                    bucket[ident] = event.prev_object
            return [
                bucket[k] for k in sorted(bucket) if namespace in (None, "") or k[0] == namespace
            ]

    def keys(self) -> builtins.list[ResourceKey]:
        """Every resource that has (or had) stored objects."""
        with self._lock:
            return list(self._objects)

    # -- writing -------------------------------------------------------------------------------

    def create(self, key: KeyLike, obj: Obj, *, dry_run: bool = False) -> Obj:
        """Store a new object (AlreadyExists, 409, if its name is taken) and return it."""
        rkey = as_key(key)
        obj = copy.deepcopy(obj)
        namespace, name = ident_of(obj)
        with self._lock:
            if (namespace, name) in self._objects.get(rkey, {}):
                raise already_exists(rkey, name)
            obj["metadata"].pop("resourceVersion", None)
            if dry_run:
                obj["metadata"] = order_metadata(obj["metadata"])
                return obj
            return self._commit(rkey, "ADDED", obj)

    def guaranteed_update(
        self,
        key: KeyLike,
        namespace: str,
        name: str,
        fn: UpdateFunc,
        *,
        ignore_not_found: bool = False,
        dry_run: bool = False,
    ) -> Obj:
        """Read-modify-write one object atomically (see the module docstring); returns the
        stored (or, with `Remove`, the removed; with ``dry_run``, the would-be) object."""
        rkey = as_key(key)
        with self._lock:
            current = self._objects.get(rkey, {}).get((namespace, name))
            if current is None and not ignore_not_found:
                raise not_found(rkey, name)
            result = fn(copy.deepcopy(current) if current is not None else None)
            if isinstance(result, Remove):
                obj = copy.deepcopy(result.object)
                if dry_run or current is None:
                    obj["metadata"] = order_metadata(obj["metadata"])
                    return obj
                return self._remove(rkey, obj)
            obj = copy.deepcopy(result)
            meta = obj.setdefault("metadata", {})
            if current is None:
                if ident_of(obj) != (namespace, name):
                    raise already_exists(rkey, name)  # pragma: no cover - registry bug
                meta.pop("resourceVersion", None)
                if dry_run:
                    obj["metadata"] = order_metadata(meta)
                    return obj
                return self._commit(rkey, "ADDED", obj)
            meta["resourceVersion"] = current["metadata"]["resourceVersion"]
            obj["metadata"] = order_metadata(meta)
            if dry_run or obj == current:
                # A no-op write keeps the resourceVersion and sends no event, like the apiserver.
                return obj
            return self._commit(rkey, "MODIFIED", obj)

    def delete(self, key: KeyLike, namespace: str, name: str, *, dry_run: bool = False) -> Obj:
        """Remove an object (NotFound if absent); returns its last state."""
        rkey = as_key(key)
        with self._lock:
            current = self._objects.get(rkey, {}).get((namespace, name))
            if current is None:
                raise not_found(rkey, name)
            if dry_run:
                return copy.deepcopy(current)
            return self._remove(rkey, copy.deepcopy(current))

    # -- watching ------------------------------------------------------------------------------

    def watch(
        self, key: KeyLike | None = None, namespace: str | None = None, since: int | None = None
    ) -> Subscription:
        """Subscribe to changes, replaying history newer than ``since`` first (410 if too old)."""
        rkey = as_key(key) if key is not None else None
        with self._lock:
            self._maybe_compact()
            sub = Subscription(rkey, namespace or None, self)
            if since is not None and since < self._rv:
                oldest = self.oldest_watchable
                if since < oldest:
                    # watch_cache.go getAllEventsSinceLocked
                    raise expired(f"too old resource version: {since} ({oldest})")
                for event in self._history:
                    if event.resource_version > since and sub.matches(event):
                        sub._queue.put(event)
            self._subs.append(sub)
            return sub

    # -- history ---------------------------------------------------------------------------------

    def compact(self, revision: int | None = None) -> int:
        """Compact the history up to ``revision`` (default: the current one), as etcd's
        Compact: reads at older revisions fail from now on. Returns the compact revision."""
        with self._lock:
            target = self._rv if revision is None else min(revision, self._rv)
            self._compacted = max(self._compacted, target)
            self._trim()
            return self._compacted

    def mark_watch_start(self) -> None:
        """The watch cache starts here (the apiserver initialises it from a list when it
        starts): a watch from an older resourceVersion is 410 "too old resource version"."""
        with self._lock:
            self._watch_start = self._rv

    def run_compactor(self) -> None:
        """One tick of the apiserver's compactor (etcd3/compact.go Compact): a write of its
        compact_rev_key (one revision of its own), then compaction to the revision its previous
        tick saw. Called on the ``compaction_interval`` schedule; tests may call it directly."""
        with self._lock:
            self._rv += 1
            previous, self._compact_mark = self._compact_mark, self._rv
            if previous:
                self._compacted = max(self._compacted, previous)
                self._trim()

    def _maybe_compact(self) -> None:
        """Run the compactor ticks that are due (lock held). The ticks are taken when the
        storage is next used, which nothing can tell apart from ticks on time."""
        if self._compaction_interval is None:
            return
        now = self._clock()
        ticks = 0
        while now >= self._next_compaction and ticks < 3:
            self.run_compactor()
            self._next_compaction += self._compaction_interval
            ticks += 1
        if now >= self._next_compaction:  # idle for long: later ticks change nothing more
            missed = (now - self._next_compaction) // self._compaction_interval + 1
            self._next_compaction += missed * self._compaction_interval

    def _trim(self) -> None:
        """Drop the events no reader can need: older than the compaction and outside the
        watch cache's window (lock held)."""
        history = self._history
        while (
            history
            and history[0].resource_version <= self._compacted
            and len(history) > self._history_limit
        ) or len(history) > MAX_HISTORY:
            event = history.popleft()
            self._dropped_rv = event.resource_version
            self._compacted = max(self._compacted, event.resource_version)

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

    def load_state(self, path: str) -> None:
        """Replace the (empty) state with what `save` wrote to ``path``, if it exists."""
        if not os.path.exists(path):
            return
        try:
            with open(path) as fh:
                state = json.load(fh)
            rv = int(state["resourceVersion"])
            objects: dict[ResourceKey, dict[tuple[str, str], Obj]] = {}
            for entry in state["objects"]:
                rkey = ResourceKey(entry["group"], entry["resource"])
                meta = entry["object"]["metadata"]
                ident = (str(meta.get("namespace") or ""), str(meta["name"]))
                objects.setdefault(rkey, {})[ident] = entry["object"]
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
            # Someone else's state.json (or a damaged one): say so, and never overwrite it.
            from rawkube.errors import ConfigError

            raise ConfigError(
                f"{path}: not a LocalAPIServer state file ({type(e).__name__}); "
                "choose another data directory, or remove the file to start empty"
            ) from None
        with self._lock:
            self._rv = rv
            self._objects = objects
            # No history survives a restart: older revisions are gone, as if compacted.
            self._history.clear()
            self._compacted = self._watch_start = rv

    @property
    def state_path(self) -> str | None:
        return os.path.join(self._data_dir, "state.json") if self._data_dir else None

    # -- internals (lock held) -----------------------------------------------------------------

    def _commit(self, key: ResourceKey, kind: str, obj: Obj) -> Obj:
        self._maybe_compact()
        self._rv += 1
        meta = obj["metadata"]
        meta["resourceVersion"] = str(self._rv)
        obj["metadata"] = order_metadata(meta)
        bucket = self._objects.setdefault(key, {})
        ident = ident_of(obj)
        previous = bucket.get(ident)
        bucket[ident] = obj
        # The stored dict itself: stored objects are never changed in place.
        self._publish(Event(kind, key, obj, self._rv, previous))
        return copy.deepcopy(obj)

    def _remove(self, key: ResourceKey, obj: Obj) -> Obj:
        self._maybe_compact()
        self._rv += 1
        meta = obj["metadata"]
        # The DELETED event carries the last state with the deletion's resourceVersion.
        meta["resourceVersion"] = str(self._rv)
        obj["metadata"] = order_metadata(meta)
        previous = self._objects.get(key, {}).pop(ident_of(obj), None)
        self._publish(Event("DELETED", key, obj, self._rv, previous))
        return copy.deepcopy(obj)

    def _publish(self, event: Event) -> None:
        self._history.append(event)
        self._trim()
        for sub in self._subs:
            if sub.matches(event):
                sub._queue.put(event)
        path = self.state_path
        if path:
            self.save(path)


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
    "Compacted",
    "DEFAULT_COMPACTION_INTERVAL",
    "Event",
    "FutureRevision",
    "GVR",
    "KeyLike",
    "Remove",
    "ResourceKey",
    "Storage",
    "Subscription",
    "as_key",
    "decode_continue",
    "encode_continue",
    "ident_of",
    "order_metadata",
]
