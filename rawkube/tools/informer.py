"""Informer: a local cache of one resource, kept current by LIST + WATCH (client-go `tools/cache`).

A controller that asks the API server for every object it cares about, every time it cares,
floods the server. An informer asks once (LIST), then follows the changes (WATCH from the list's
resourceVersion), keeps the objects in a thread-safe local `Store`, and tells your handlers what
changed. It is client-go's `SharedIndexInformer` in small parts:

* the reflector (client-go tools/cache/reflector.go) lists and watches:
  `rawkube.tools.reflector.Reflector`, the state machine RetryWatcher is built on too, which
  lists in pages, resumes a dropped watch from the last resourceVersion (moved forward by
  bookmarks), re-lists after 410 Gone/Expired and paces reconnects as client-go does;
* a FIFO between the network and your code (delta_fifo.go, the_real_fifo.go): one thread reads
  the watch and queues what it saw; another applies it to the store and calls the handlers, so
  a slow handler never stalls the watch stream;
* the store and its indexes (store.go, thread_safe_store.go, index.go): objects keyed
  "namespace/name" (just "name" when cluster-scoped), plus optional indexes such as by namespace;
* the handlers (shared_informer.go, controller.go `processDeltas`): `on_add(obj)`,
  `on_update(old, new)`, `on_delete(obj)`. After a re-list, the handlers get exactly the
  difference between the cache and the fresh list; an object deleted while the informer was
  not watching reaches `on_delete` as a `DeletedFinalStateUnknown` tombstone carrying the last
  state the cache knew;
* an optional periodic resync re-delivers every cached object as `on_update(obj, obj)`, for
  controllers that re-check the world now and then;
* a transform (client-go `SetTransform`) applied to every object before it is cached or handed
  to a handler, page by page as the LIST arrives: by default `strip_managed_fields`, which drops
  `metadata.managedFields` (server-side apply's bookkeeping, ~40% of a Pod's memory; what
  controller-runtime's `cache.TransformStripManagedFields` does). `compact_object` also shares
  one copy of each short string value between the cached objects (`intern_strings`): ~20% less
  memory again, but it doubled the initial sync of 10,000 Pods in the benchmark (~150 us per
  Pod), so it is a choice, not the default. An update sent from a cached
  object without managedFields keeps the server's (the API server treats them as unchanged);
  pass `transform=None` to cache objects exactly as the server sent them.

    pods = Clientset(cfg).core_v1().pods("default")
    informer = Informer(pods, label_selector="app=web", indexers={"namespace": namespace_index})
    informer.add_event_handler(on_add=print, on_delete=print)
    with informer:                               # background threads; stop() on leaving
        informer.wait_for_cache_sync(timeout=10)
        print(informer.store.list_keys())

`AsyncInformer` runs the same two flows (`rawkube.flow`) as two tasks instead of two threads;
both share the store, the key functions and the diffing below, which do no I/O.

Where this differs from client-go, on purpose, to stay small:
* one informer per resource client, no SharedInformerFactory sharing it between consumers, and
  one resync period for all handlers (client-go allows one per handler);
* handlers are called one after another on one thread; client-go gives each handler its own
  goroutine and unbounded buffer, so one slow handler does not delay the others;
* a re-list reports only real differences (client-go also calls on_update for every object
  whose resourceVersion did not change), and a DELETED event for an object the cache never had
  is not reported (client-go reports it);
* every LIST asks for the latest state (no `resourceVersion="0"` served from the watch cache)
  and each watch request has the same timeout (client-go picks it at random in [5m, 10m]);
* the FIFO is a plain queue: client-go's DeltaFIFO merges queued changes per key.
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import logging
import queue
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from rawkube.flow import AsyncRuntime, Flow, Runtime, Step, aiterate, arun, iterate, run
from rawkube.meta import intern_strings, meta_field, object_key
from rawkube.meta import resource_version as resource_version
from rawkube.retry import Backoff
from rawkube.tools.pager import DEFAULT_PAGE_SIZE
from rawkube.tools.reflector import (
    ListerWatcher,
    Pacing,
    Reflector,
    ReflectorEvent,
    default_backoff,
)
from rawkube.tools.watcher import _Delivery

log = logging.getLogger("rawkube.informer")

IndexFunc = Callable[[Any], Iterable[str]]
# An object about to be cached -> what to cache (client-go `cache.TransformFunc`).
TransformFunc = Callable[[Any], Any]

# The usual index name for `namespace_index` (client-go `cache.NamespaceIndex`).
NAMESPACE_INDEX = "namespace"


# -- keys --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeletedFinalStateUnknown:
    """A delete the informer did not see happen (client-go delta_fifo.go, same name).

    The object was in the cache but is missing from a fresh LIST, so it was deleted while the
    watch was down. `obj` is the last state the cache had, which may be stale.
    """

    key: str
    obj: Any


def meta_namespace_key(obj: Any) -> str:
    """ "namespace/name", or "name" for a cluster-scoped object (client-go store.go
    `MetaNamespaceKeyFunc`); a tombstone's own key (controller.go
    `DeletionHandlingMetaNamespaceKeyFunc`). The one `rawkube.meta.object_key`."""
    return object_key(obj)


def strip_managed_fields(obj: Any) -> Any:
    """The informer's default transform: `metadata.managedFields` removed, in place (client-go
    allows a transform to change the object it is given, which nobody else holds yet).

    managedFields record which field manager set which fields (server-side apply); a cache
    rarely reads them and they are the largest part of most objects: for the benchmark's Pods
    (recorded from kube-apiserver 1.36) 37% of the JSON and 41% of the decoded memory. Works on
    typed models, Unstructured and dicts."""
    data = obj.to_dict() if callable(getattr(obj, "to_dict", None)) else obj
    metadata = data.get("metadata") if isinstance(data, dict) else None
    if isinstance(metadata, dict):
        metadata.pop("managedFields", None)
    return obj


def compact_object(obj: Any) -> Any:
    """A transform for informers holding many objects: `strip_managed_fields`, then
    `intern_strings` (less memory, a slower initial sync: see the module docstring)."""
    return intern_strings(strip_managed_fields(obj))


def namespace_index(obj: Any) -> list[str]:
    """Index by namespace (client-go index.go `MetaNamespaceIndexFunc`)."""
    return [meta_field(obj, "namespace")]


# -- the store -----------------------------------------------------------------------------------


class Store:
    """A thread-safe map key -> object with secondary indexes (client-go `cache.Indexer`).

    Reads are safe from any thread. The objects are the ones the server sent and are shared
    with every reader and handler: treat them as read-only (copy before changing one), as
    client-go asks of its cache (thread_safe_store.go).
    """

    def __init__(
        self,
        key_func: Callable[[Any], str] = meta_namespace_key,
        indexers: Mapping[str, IndexFunc] | None = None,
    ) -> None:
        self.key_func = key_func
        self._lock = threading.RLock()
        self._items: dict[str, Any] = {}
        self._indexers = dict(indexers or {})
        # index name -> indexed value -> keys of the objects with that value
        self._indices: dict[str, dict[str, set[str]]] = {name: {} for name in self._indexers}

    # reads

    def get(self, obj_or_key: Any) -> Any | None:
        """The cached object for a key ("ns/name") or for an object's key; None if absent."""
        key = obj_or_key if isinstance(obj_or_key, str) else self.key_func(obj_or_key)
        return self.get_by_key(key)

    def get_by_key(self, key: str) -> Any | None:
        with self._lock:
            return self._items.get(key)

    def list(self) -> list[Any]:
        with self._lock:
            return list(self._items.values())

    def list_keys(self) -> builtins.list[str]:
        with self._lock:
            return list(self._items)

    def by_index(self, index_name: str, value: str) -> builtins.list[Any]:
        """The objects whose index function gave `value` (client-go `ByIndex`)."""
        with self._lock:
            return [self._items[key] for key in sorted(self._index(index_name).get(value, ()))]

    def index_keys(self, index_name: str, value: str) -> builtins.list[str]:
        with self._lock:
            return sorted(self._index(index_name).get(value, ()))

    def snapshot(self) -> dict[str, Any]:
        """A copy of the key -> object map (the objects themselves are shared)."""
        with self._lock:
            return dict(self._items)

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._items

    # writes (the informer's processing thread is the only writer)

    def put(self, key: str, obj: Any) -> Any | None:
        """Add or replace; returns the previous object, if any."""
        with self._lock:
            old = self._items.get(key)
            self._reindex(key, old, obj)
            self._items[key] = obj
            return old

    def pop(self, key: str) -> Any | None:
        """Remove; returns the removed object, if any."""
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._reindex(key, old, None)
            return old

    def _index(self, name: str) -> dict[str, set[str]]:
        index = self._indices.get(name)
        if index is None:
            raise KeyError(f"no index named {name!r} (indexers: {sorted(self._indexers)})")
        return index

    def _reindex(self, key: str, old: Any, new: Any) -> None:
        for name, func in self._indexers.items():
            index = self._indices[name]
            for value in func(old) if old is not None else ():
                keys = index.get(value)
                if keys is not None:
                    keys.discard(key)
                    if not keys:
                        del index[value]  # no empty sets left behind (index.go does the same)
            for value in func(new) if new is not None else ():
                index.setdefault(value, set()).add(key)


# -- what changed: pure functions shared by the sync and async informers -------------------------


class Change(NamedTuple):
    """One notification: `kind` is "add", "update" or "delete".

    For "add" `new` is the object; for "update" `old` and `new`; for "delete" `old` is the
    cached object and `new` is what `on_delete` receives (the final state from the DELETED
    event, or a `DeletedFinalStateUnknown`).
    """

    kind: str
    key: str
    old: Any
    new: Any


def _unchanged(old: Any, new: Any) -> bool:
    rv_old, rv_new = resource_version(old), resource_version(new)
    if rv_old and rv_new:
        return rv_old == rv_new
    return bool(old == new)


def diff_list(
    cached: Mapping[str, Any], items: Iterable[Any], key_func: Callable[[Any], str]
) -> list[Change]:
    """The changes that turn `cached` (key -> object) into the fresh LIST `items`.

    Deletions come first, as tombstones with the last cached state, then adds and updates in
    list order (client-go controller.go `processReplacedAllInfo`). Unlike client-go, an object
    whose resourceVersion did not change is not reported: handlers see only real differences.
    """
    fresh = {key_func(item): item for item in items}
    changes = [
        Change("delete", key, old, DeletedFinalStateUnknown(key, old))
        for key, old in cached.items()
        if key not in fresh
    ]
    for key, item in fresh.items():
        old = cached.get(key)
        if old is None:
            changes.append(Change("add", key, None, item))
        elif not _unchanged(old, item):
            changes.append(Change("update", key, old, item))
    return changes


def event_change(event_type: str, key: str, old: Any, obj: Any) -> Change | None:
    """The change a watch event for `obj` (cached as `old`, or None) makes, if any."""
    if event_type == "DELETED":
        # client-go calls OnDelete even for a key it never had; here a handler is only told
        # of deletes of objects it was told about.
        return Change("delete", key, old, obj) if old is not None else None
    if event_type in ("ADDED", "MODIFIED"):
        return Change("add", key, None, obj) if old is None else Change("update", key, old, obj)
    return None


# -- handlers and the cache they watch -------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class EventHandler:
    """client-go `ResourceEventHandlerFuncs`; returned by `add_event_handler` as its handle."""

    on_add: Callable[[Any], Any] | None = None
    on_update: Callable[[Any, Any], Any] | None = None
    on_delete: Callable[[Any], Any] | None = None

    def notify(self, change: Change) -> None:
        try:
            if change.kind == "add" and self.on_add is not None:
                self.on_add(change.new)
            elif change.kind == "update" and self.on_update is not None:
                self.on_update(change.old, change.new)
            elif change.kind == "delete" and self.on_delete is not None:
                self.on_delete(change.new)
        except Exception:
            # A handler bug must not stop the informer (client-go recovers from handler
            # panics too, via utilruntime.HandleCrash); it is logged with its traceback.
            log.exception("informer: event handler failed on %s %s", change.kind, change.key)


class _Cache:
    """The store plus the handlers, fed from the FIFO (no I/O, no threads of its own).

    Only the informer's processing thread (or task) calls `apply` and `resync`, one at a time,
    so the store and every handler see the changes in the same order (client-go
    shared_informer.go `HandleDeltas`, controller.go `processDeltas`).
    """

    def __init__(self, indexers: Mapping[str, IndexFunc] | None) -> None:
        self.store = Store(indexers=indexers)
        self.handlers: tuple[EventHandler, ...] = ()
        self.synced = False

    def apply(self, item: tuple[Any, ...]) -> None:
        """One FIFO entry: ("list", items), ("event", type, object) or ("handler", handler)."""
        what = item[0]
        if what == "list":
            self.apply_list(item[1])
        elif what == "event":
            self.apply_event(item[1], item[2])
        elif what == "handler":
            self.add_handler(item[1])

    def apply_list(self, items: list[Any]) -> None:
        changes = diff_list(self.store.snapshot(), items, self.store.key_func)
        # The store first, so a handler reading it sees the list's state (as client-go does).
        for change in changes:
            self._write(change)
        for change in changes:
            self._notify(change)
        self.synced = True

    def apply_event(self, event_type: str, obj: Any) -> None:
        key = self.store.key_func(obj)
        change = event_change(event_type, key, self.store.get_by_key(key), obj)
        if change is not None:
            self._write(change)
            self._notify(change)

    def resync(self) -> None:
        """Every cached object as on_update(obj, obj) (client-go `Resync` / SyncAll)."""
        for key, obj in self.store.snapshot().items():
            self._notify(Change("update", key, obj, obj))

    def add_handler(self, handler: EventHandler) -> None:
        """Join late: the new handler is told of every cached object first, as adds."""
        for key, obj in self.store.snapshot().items():
            handler.notify(Change("add", key, None, obj))
        self.handlers = (*self.handlers, handler)

    def _write(self, change: Change) -> None:
        if change.kind == "delete":
            self.store.pop(change.key)
        else:
            self.store.put(change.key, change.new)

    def _notify(self, change: Change) -> None:
        for handler in self.handlers:
            handler.notify(change)


class _Stopped(BaseException):
    """Raised from the informer's pauses to unwind its reflector flow when it is stopping
    (a BaseException: the reflector's retry logic must not take it for a failure)."""


class _Get(Step):
    """The next FIFO entry, or None after `timeout` seconds (None: wait for one)."""

    __slots__ = ("queue", "timeout")

    def __init__(self, fifo: Any, timeout: float | None) -> None:
        self.queue = fifo
        self.timeout = timeout

    def run(self, rt: Runtime) -> Any:
        try:
            return self.queue.get(timeout=self.timeout)
        except queue.Empty:
            return None

    async def arun(self, rt: AsyncRuntime) -> Any:
        try:
            return await asyncio.wait_for(self.queue.get(), self.timeout)
        except asyncio.TimeoutError:
            return None


_STOP = object()


class _InformerBase:
    """The informer, written once: a `Reflector` whose events become FIFO entries, and a
    processing flow that applies them to the cache and the handlers, with resync. `Informer`
    runs the two flows on two threads, `AsyncInformer` as two tasks."""

    def __init__(
        self,
        list_watch: ListerWatcher,
        *,
        resync_period: float | None = None,
        indexers: Mapping[str, IndexFunc] | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        timeout_seconds: int = 300,
        backoff: Backoff | None = None,
        transform: TransformFunc | None = strip_managed_fields,
        **options: Any,
    ) -> None:
        self.list_watch = list_watch
        self.transform = transform
        self.resync_period = resync_period
        self.page_size = page_size
        self.timeout_seconds = timeout_seconds
        self.backoff = backoff or default_backoff()
        self.options = options
        self._cache = _Cache(indexers)
        self._listed: list[Any] = []
        self._delivery = _Delivery()  # drops what a resumed watch replays (RetryWatcher's rule)
        self._started = False
        self._reflector = self._new_reflector()

    def _new_reflector(self) -> Reflector:
        return Reflector(
            self.list_watch.watch,
            self.list_watch.list,
            timeout_seconds=self.timeout_seconds,
            page_size=self.page_size,
            pacing=Pacing(self.backoff),
            fatal=self._keep_trying,
            **self.options,
        )

    @property
    def store(self) -> Store:
        return self._cache.store

    @property
    def reflector(self) -> Reflector:
        """The LIST/WATCH state machine (its `state`, `resource_version`, `relists`...)."""
        return self._reflector

    @staticmethod
    def _keep_trying(err: BaseException) -> bool:
        # reflector.go: any failure means list and watch again, after a pause.
        log.warning("informer: list/watch failed (%s); trying again", err)
        return False

    def add_event_handler(
        self,
        on_add: Callable[[Any], Any] | None = None,
        on_update: Callable[[Any, Any], Any] | None = None,
        on_delete: Callable[[Any], Any] | None = None,
    ) -> EventHandler:
        """Register handlers. They run on the informer's processing thread (task), one call
        at a time, in the order of the changes. Added after `start()`, a handler first gets an
        on_add for every object already cached (shared_informer.go does the same)."""
        handler = EventHandler(on_add, on_update, on_delete)
        with self._handlers_lock():
            if self._started:
                self._fifo().put_nowait(("handler", handler))
            else:
                self._cache.add_handler(handler)
        return handler

    def set_transform(self, transform: TransformFunc | None) -> None:
        """Replace the transform (client-go `SetTransform`): only before `start()`."""
        if self._started:
            raise RuntimeError("set_transform() must be called before the informer starts")
        self.transform = transform

    def _handlers_lock(self) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def _fifo(self) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def has_synced(self) -> bool:
        """True once the first LIST is in the store and its adds were delivered."""
        return self._cache.synced

    # -- the two flows ------------------------------------------------------------------------

    def _entries(self, event: ReflectorEvent) -> list[Any]:
        """Reflector events as FIFO entries: a whole LIST as one ("list", items) replacement,
        each watch event as ("event", type, object)."""
        transform = self.transform
        if event.kind == "init":
            self._listed = []
        elif event.kind == "init_page":  # transformed page by page: a page is all we hold raw
            page = event.items
            self._listed.extend(page if transform is None else map(transform, page))
        elif event.kind == "init_done":
            listed, self._listed = self._listed, []
            self._delivery.diff(listed)  # what the cache will hold: replays are known
            return [("list", listed)]
        elif self._delivery.accept(event.event):  # not a replay of a version already seen
            obj = event.event.object
            return [("event", event.event.type, obj if transform is None else transform(obj))]
        return []

    def _processing(self, fifo: Any, synced: Any) -> Flow[None]:
        """Apply FIFO entries to the cache and the handlers; resync now and then.

        Resync is timed here, between queue entries, so it never interleaves with a change
        (client-go times it in the reflector, reflector.go `startResync`, and queues Sync
        deltas into the FIFO, delta_fifo.go `Resync`; the effect on handlers is the same)."""
        next_resync = self._next_resync()
        while True:
            wait = None if next_resync is None else max(0.0, next_resync - time.monotonic())
            item = yield _Get(fifo, wait)
            if item is _STOP:
                return
            if item is not None:
                self._cache.apply(item)
                if self._cache.synced:
                    synced.set()
            if next_resync is not None and time.monotonic() >= next_resync:
                if self._cache.synced:
                    self._cache.resync()
                next_resync = self._next_resync()

    def _next_resync(self) -> float | None:
        return None if not self.resync_period else time.monotonic() + self.resync_period


class Informer(_InformerBase):
    """client-go `SharedIndexInformer` over a typed or dynamic resource client.

    `list_watch` is anything with `list(**options)` and `watch(**options)`
    (`reflector.ListerWatcher`): a typed `ResourceClient` (objects are models) or a dynamic
    resource client (Unstructured dicts). `options` (`label_selector`, `field_selector`) are
    passed to both. `resync_period` (seconds, None for never) re-delivers the cache as
    updates; `indexers` maps index names to functions returning the values an object is
    indexed under (`namespace_index`). `timeout_seconds` bounds each watch request on the
    server side; `backoff` paces retries after failures (`rawkube.tools.reflector`); `sleep`
    replaces the pause between watches (tests). `transform` is applied to every object before
    it is cached or handled (default `strip_managed_fields`; None keeps objects as sent).
    """

    def __init__(
        self,
        list_watch: ListerWatcher,
        *,
        resync_period: float | None = None,
        indexers: Mapping[str, IndexFunc] | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        timeout_seconds: int = 300,
        backoff: Backoff | None = None,
        sleep: Callable[[float], None] | None = None,
        transform: TransformFunc | None = strip_managed_fields,
        **options: Any,
    ) -> None:
        super().__init__(
            list_watch,
            resync_period=resync_period,
            indexers=indexers,
            page_size=page_size,
            timeout_seconds=timeout_seconds,
            backoff=backoff,
            transform=transform,
            **options,
        )
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._synced = threading.Event()
        self._stopping = threading.Event()
        self._lock = threading.Lock()  # guards _started and _threads against stop()
        self._threads: list[threading.Thread] = []
        self._sleep = sleep

    def _handlers_lock(self) -> Any:
        return self._lock

    def _fifo(self) -> Any:
        return self._queue

    def has_synced(self) -> bool:
        """True once the first LIST is in the store and its adds were delivered."""
        return self._synced.is_set()

    def wait_for_cache_sync(self, timeout: float | None = None) -> bool:
        """Wait until `has_synced()`; False if `timeout` seconds pass or the informer stops."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._synced.is_set():
            if self._stopping.is_set():
                return False
            left = 0.1 if deadline is None else min(0.1, deadline - time.monotonic())
            if left <= 0:
                return False
            self._synced.wait(left)
        return True

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> Informer:
        """Start the reflector and processing threads (daemons); returns at once."""
        with self._lock:
            if self._stopping.is_set():
                raise RuntimeError("an Informer cannot be restarted after stop(); make a new one")
            if self._threads:
                return self
            self._started = True
            self._threads = [
                threading.Thread(target=self._reflect, name="rawkube-informer-watch", daemon=True),
                threading.Thread(target=self._process, name="rawkube-informer-cache", daemon=True),
            ]
            for thread in self._threads:
                thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop both threads: close the open watch, wait at most about `timeout` seconds."""
        self._stopping.set()
        self._reflector.stop()
        self._queue.put(_STOP)
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            if thread is threading.current_thread():
                continue  # stop() called from a handler: that thread ends when it returns
            while thread.is_alive() and time.monotonic() < deadline:
                # Again on every turn: a watch opened just as stop() began is closed too.
                current = self._reflector.current
                if current is not None and callable(getattr(current, "stop", None)):
                    current.stop()
                thread.join(min(0.1, max(0.0, deadline - time.monotonic())))
        alive = [t.name for t in self._threads if t.is_alive()]
        if alive:
            log.warning("informer: %s still running after stop(%s)", alive, timeout)

    def __enter__(self) -> Informer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _pause(self, seconds: float) -> None:
        """A pause that ends early, and unwinds the reflector, when the informer stops."""
        if self._sleep is not None:
            self._sleep(seconds)
        else:
            self._stopping.wait(seconds)
        if self._stopping.is_set():
            raise _Stopped

    def _reflect(self) -> None:
        try:
            for entry in iterate(self._reflector.run(self._entries), Runtime(self._pause)):
                if self._stopping.is_set():
                    return
                self._queue.put(entry)
        except _Stopped:
            return
        except Exception:  # the reflector keeps trying: this is a bug, say it loudly
            log.exception("informer: the reflector failed")

    def _process(self) -> None:
        run(self._processing(self._queue, self._synced))


class AsyncInformer(_InformerBase):
    """The asyncio `Informer` over an async client (`AsyncResourceClient`, async dynamic
    client): the same reflector and processing flows as two tasks, the same store and handlers.

        async with AsyncInformer(pods, label_selector="app=web") as informer:
            await informer.wait_for_cache_sync(timeout=10)

    Handlers are plain functions called on the event loop; keep them quick.
    """

    def __init__(
        self,
        list_watch: ListerWatcher,
        *,
        resync_period: float | None = None,
        indexers: Mapping[str, IndexFunc] | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        timeout_seconds: int = 300,
        backoff: Backoff | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        transform: TransformFunc | None = strip_managed_fields,
        **options: Any,
    ) -> None:
        super().__init__(
            list_watch,
            resync_period=resync_period,
            indexers=indexers,
            page_size=page_size,
            timeout_seconds=timeout_seconds,
            backoff=backoff,
            transform=transform,
            **options,
        )
        self._queue: asyncio.Queue[Any] | None = None
        self._synced: asyncio.Event | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._stopped = False
        self._sleep = sleep

    def _handlers_lock(self) -> Any:
        return contextlib.nullcontext()

    def _fifo(self) -> Any:
        return self._queue

    async def wait_for_cache_sync(self, timeout: float | None = None) -> bool:
        """Wait until `has_synced()`; False after `timeout` seconds or if never started."""
        if self._synced is None:
            return False
        try:
            await asyncio.wait_for(self._synced.wait(), timeout)
        except asyncio.TimeoutError:
            return False
        return True

    def start(self) -> AsyncInformer:
        """Start the two tasks on the running loop; returns at once."""
        if self._stopped:
            raise RuntimeError("an AsyncInformer cannot be restarted after stop(); make a new one")
        if not self._tasks:
            self._queue = asyncio.Queue()
            self._synced = asyncio.Event()
            self._started = True
            self._tasks = [
                asyncio.create_task(self._reflect(), name="rawkube-informer-watch"),
                asyncio.create_task(
                    arun(self._processing(self._queue, self._synced)), name="rawkube-informer-cache"
                ),
            ]
        return self

    async def stop(self, timeout: float = 5.0) -> None:
        """Cancel both tasks (the open watch is closed as the cancellation unwinds it)."""
        self._stopped = True
        self._reflector.stop()
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=timeout)

    async def __aenter__(self) -> AsyncInformer:
        return self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _pause(self, seconds: float) -> None:
        if self._sleep is not None:
            await self._sleep(seconds)
        else:
            await asyncio.sleep(seconds)

    async def _reflect(self) -> None:
        assert self._queue is not None
        try:
            async for entry in aiterate(
                self._reflector.run(self._entries), AsyncRuntime(self._pause)
            ):
                self._queue.put_nowait(entry)
        except Exception:
            log.exception("informer: the reflector failed")


__all__ = [
    "NAMESPACE_INDEX",
    "AsyncInformer",
    "Change",
    "DeletedFinalStateUnknown",
    "EventHandler",
    "Informer",
    "Store",
    "TransformFunc",
    "diff_list",
    "event_change",
    "meta_namespace_key",
    "namespace_index",
    "resource_version",
    "strip_managed_fields",
    "intern_strings",
    "compact_object",
]
