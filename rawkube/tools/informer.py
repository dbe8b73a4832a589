"""Informer: a local cache of one resource, kept current by LIST + WATCH (client-go `tools/cache`).

A controller that asks the API server for every object it cares about, every time it cares,
floods the server. An informer asks once (LIST), then follows the changes (WATCH from the list's
resourceVersion), keeps the objects in a thread-safe local `Store`, and tells your handlers what
changed. It is client-go's `SharedIndexInformer` in small parts:

* the reflector (client-go tools/cache/reflector.go) lists and watches. Here that is
  `rawkube.tools.watcher.RetryWatcher`, which resumes a dropped watch from the last
  resourceVersion (moved forward by bookmarks) and re-lists after 410 Gone/Expired, with
  `rawkube.tools.pager.ListPager` for the LIST;
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
  controllers that re-check the world now and then.

    pods = Clientset(cfg).core_v1().pods("default")
    informer = Informer(pods, label_selector="app=web", indexers={"namespace": namespace_index})
    informer.add_event_handler(on_add=print, on_delete=print)
    with informer:                               # background threads; stop() on leaving
        informer.wait_for_cache_sync(timeout=10)
        print(informer.store.list_keys())

`AsyncInformer` is the asyncio twin (two tasks instead of two threads); both share the store,
the key functions and the diffing below, which do no I/O.

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
import inspect
import logging
import queue
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from rawkube.retry import Backoff
from rawkube.tools.pager import DEFAULT_PAGE_SIZE, AsyncListPager, ListPager
from rawkube.tools.watcher import AsyncRetryWatcher, RetryWatcher, SyntheticEvent

log = logging.getLogger("rawkube.informer")

IndexFunc = Callable[[Any], Iterable[str]]

# The usual index name for `namespace_index` (client-go `cache.NamespaceIndex`).
NAMESPACE_INDEX = "namespace"

# A watch that ends sooner than this after it was opened is "very short" (reflector.go
# VeryShortWatchError): the next one waits a backoff step, so a server or proxy that closes
# every watch at once is not hammered in a tight loop.
_VERY_SHORT_WATCH = 1.0


# -- keys --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeletedFinalStateUnknown:
    """A delete the informer did not see happen (client-go delta_fifo.go, same name).

    The object was in the cache but is missing from a fresh LIST, so it was deleted while the
    watch was down. `obj` is the last state the cache had, which may be stale.
    """

    key: str
    obj: Any


def _meta_str(obj: Any, attr: str, wire: str) -> str:
    """One metadata field of a typed model (`obj.metadata.attr`) or a dict (`obj["metadata"]`)."""
    if isinstance(obj, Mapping):
        metadata = obj.get("metadata")
        value = metadata.get(wire) if isinstance(metadata, Mapping) else None
    else:
        value = getattr(getattr(obj, "metadata", None), attr, None)
    return value if isinstance(value, str) else ""


def meta_namespace_key(obj: Any) -> str:
    """ "namespace/name", or "name" for a cluster-scoped object (client-go store.go
    `MetaNamespaceKeyFunc`); a tombstone's own key (controller.go
    `DeletionHandlingMetaNamespaceKeyFunc`)."""
    if isinstance(obj, DeletedFinalStateUnknown):
        return obj.key
    name = _meta_str(obj, "name", "name")
    if not name:
        raise ValueError(f"object has no metadata.name: {obj!r}")
    namespace = _meta_str(obj, "namespace", "namespace")
    return f"{namespace}/{name}" if namespace else name


def namespace_index(obj: Any) -> list[str]:
    """Index by namespace (client-go index.go `MetaNamespaceIndexFunc`)."""
    return [_meta_str(obj, "namespace", "namespace")]


def resource_version(obj: Any) -> str:
    return _meta_str(obj, "resource_version", "resourceVersion")


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


class _Stopped(Exception):
    """Raised inside the reflector to unwind it when the informer is stopping."""


def _list_items(lst: Any) -> list[Any]:
    """A list object's items as the caller's type (models for typed lists, else dicts)."""
    items = getattr(lst, "items", None)
    if items is not None and not callable(items):
        return list(items)
    data = lst.to_dict() if callable(getattr(lst, "to_dict", None)) else lst
    return list(data.get("items") or [])


def _default_backoff() -> Backoff:
    # reflector.go: 800ms growing x2 up to 30s between failed list/watch attempts.
    return Backoff(duration=0.8, factor=2.0, jitter=0.1, steps=10, cap=30.0)


# -- the informer ------------------------------------------------------------------------------


_STOP = object()


class Informer:
    """client-go `SharedIndexInformer` over a typed or dynamic resource client.

    `list_watch` is anything with `list(**options)` and `watch(**options)`: a typed
    `ResourceClient` (objects are models) or a dynamic resource client (Unstructured dicts).
    `options` (`label_selector`, `field_selector`) are passed to both. `resync_period`
    (seconds, None for never) re-delivers the cache as updates; `indexers` maps index names to
    functions returning the values an object is indexed under (`namespace_index`).
    `timeout_seconds` bounds each watch request on the server side; `backoff` paces retries.
    """

    def __init__(
        self,
        list_watch: Any,
        *,
        resync_period: float | None = None,
        indexers: Mapping[str, IndexFunc] | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        timeout_seconds: int = 300,
        backoff: Backoff | None = None,
        **options: Any,
    ) -> None:
        self.list_watch = list_watch
        self.resync_period = resync_period
        self.page_size = page_size
        self.timeout_seconds = timeout_seconds
        self.backoff = backoff or _default_backoff()
        self.options = options
        self._cache = _Cache(indexers)
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._synced = threading.Event()
        self._stopping = threading.Event()
        self._lock = threading.Lock()  # guards _watcher and _threads against stop()
        self._watcher: RetryWatcher | None = None
        self._threads: list[threading.Thread] = []
        self._watch_backoff = self.backoff.copy()
        self._last_watch_open = float("-inf")

    @property
    def store(self) -> Store:
        return self._cache.store

    # -- handlers and state --------------------------------------------------------------------

    def add_event_handler(
        self,
        on_add: Callable[[Any], Any] | None = None,
        on_update: Callable[[Any, Any], Any] | None = None,
        on_delete: Callable[[Any], Any] | None = None,
    ) -> EventHandler:
        """Register handlers. They run on the informer's processing thread, one call at a
        time, in the order of the changes. Added after `start()`, a handler first gets an
        on_add for every object already cached (shared_informer.go does the same)."""
        handler = EventHandler(on_add, on_update, on_delete)
        with self._lock:
            if self._threads:
                self._queue.put(("handler", handler))
            else:
                self._cache.add_handler(handler)
        return handler

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
        self._queue.put(_STOP)
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            if thread is threading.current_thread():
                continue  # stop() called from a handler: that thread ends when it returns
            while thread.is_alive() and time.monotonic() < deadline:
                with self._lock:
                    watcher = self._watcher
                if watcher is not None:
                    # Again on every turn: a watch opened just as stop() began is closed too.
                    watcher.stop()
                thread.join(min(0.1, max(0.0, deadline - time.monotonic())))
        alive = [t.name for t in self._threads if t.is_alive()]
        if alive:
            log.warning("informer: %s still running after stop(%s)", alive, timeout)

    def __enter__(self) -> Informer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the reflector thread: list, watch, resume, re-list ------------------------------------

    def _reflect(self) -> None:
        failures = self.backoff.copy()
        while not self._stopping.is_set():
            with self._lock:
                if self._stopping.is_set():
                    return
                self._watcher = RetryWatcher(
                    self._watch,
                    list_fn=self._list,
                    timeout_seconds=self.timeout_seconds,
                    backoff=self.backoff,
                    sleep=self._sleep,
                    **self.options,
                )
            try:
                for event in self._watcher:
                    # A re-list comes back as SyntheticEvents too; the cache has already
                    # taken the list itself (see _list), so they are skipped here.
                    if not isinstance(event, SyntheticEvent):
                        self._queue.put(("event", event.type, event.object))
                    failures = self.backoff.copy()
            except _Stopped:
                return
            except Exception as err:
                if self._stopping.is_set():
                    return
                # reflector.go: any other failure means list and watch again, after a pause.
                log.warning("informer: list/watch failed (%s); listing again", err)
                self._sleep(failures.step())

    def _list(self, **options: Any) -> Any:
        """The LIST of a (re-)list: all pages, handed to the cache as one replacement."""
        lst = ListPager(self.list_watch.list, page_size=self.page_size).list(**options)
        if self._stopping.is_set():
            raise _Stopped
        self._queue.put(("list", _list_items(lst)))
        return lst

    def _watch(self, **options: Any) -> Any:
        if time.monotonic() - self._last_watch_open < _VERY_SHORT_WATCH:
            self._sleep(self._watch_backoff.step())
        else:
            self._watch_backoff = self.backoff.copy()
        if self._stopping.is_set():
            raise _Stopped
        self._last_watch_open = time.monotonic()
        return self.list_watch.watch(**options)

    def _sleep(self, seconds: float) -> None:
        """A pause that ends early when the informer stops."""
        self._stopping.wait(seconds)

    # -- the processing thread: the store, the handlers, resync -------------------------------

    def _process(self) -> None:
        # Resync is timed here, between queue entries, so it never interleaves with a change
        # (client-go times it in the reflector, reflector.go `startResync`, and queues Sync
        # deltas into the FIFO, delta_fifo.go `Resync`; the effect on handlers is the same).
        next_resync = self._next_resync()
        while not self._stopping.is_set():
            wait = None if next_resync is None else max(0.0, next_resync - time.monotonic())
            try:
                item = self._queue.get(timeout=wait)
            except queue.Empty:
                item = None
            if item is _STOP or self._stopping.is_set():
                return
            if item is not None:
                self._cache.apply(item)
                if self._cache.synced:
                    self._synced.set()
            if next_resync is not None and time.monotonic() >= next_resync:
                if self._cache.synced:
                    self._cache.resync()
                next_resync = self._next_resync()

    def _next_resync(self) -> float | None:
        return None if not self.resync_period else time.monotonic() + self.resync_period


class AsyncInformer:
    """The asyncio twin of `Informer` over an async client (`AsyncResourceClient`, async
    dynamic client): two tasks instead of two threads, the same store and handlers.

        async with AsyncInformer(pods, label_selector="app=web") as informer:
            await informer.wait_for_cache_sync(timeout=10)

    Handlers are plain functions called on the event loop; keep them quick.
    """

    def __init__(
        self,
        list_watch: Any,
        *,
        resync_period: float | None = None,
        indexers: Mapping[str, IndexFunc] | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        timeout_seconds: int = 300,
        backoff: Backoff | None = None,
        **options: Any,
    ) -> None:
        self.list_watch = list_watch
        self.resync_period = resync_period
        self.page_size = page_size
        self.timeout_seconds = timeout_seconds
        self.backoff = backoff or _default_backoff()
        self.options = options
        self._cache = _Cache(indexers)
        self._queue: asyncio.Queue[Any] | None = None
        self._synced: asyncio.Event | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._stopped = False
        self._watch_backoff = self.backoff.copy()
        self._last_watch_open = float("-inf")

    @property
    def store(self) -> Store:
        return self._cache.store

    def add_event_handler(
        self,
        on_add: Callable[[Any], Any] | None = None,
        on_update: Callable[[Any, Any], Any] | None = None,
        on_delete: Callable[[Any], Any] | None = None,
    ) -> EventHandler:
        handler = EventHandler(on_add, on_update, on_delete)
        if self._queue is not None:
            self._queue.put_nowait(("handler", handler))
        else:
            self._cache.add_handler(handler)
        return handler

    def has_synced(self) -> bool:
        """True once the first LIST is in the store and its adds were delivered."""
        return self._cache.synced

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
            self._tasks = [
                asyncio.create_task(self._reflect(), name="rawkube-informer-watch"),
                asyncio.create_task(self._process(), name="rawkube-informer-cache"),
            ]
        return self

    async def stop(self, timeout: float = 5.0) -> None:
        """Cancel both tasks (the open watch is closed as the cancellation unwinds it)."""
        self._stopped = True
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=timeout)

    async def __aenter__(self) -> AsyncInformer:
        return self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _reflect(self) -> None:
        assert self._queue is not None
        failures = self.backoff.copy()
        while True:
            watcher = AsyncRetryWatcher(
                self._watch,
                list_fn=self._list,
                timeout_seconds=self.timeout_seconds,
                backoff=self.backoff,
                **self.options,
            )
            try:
                async for event in watcher:
                    if not isinstance(event, SyntheticEvent):
                        self._queue.put_nowait(("event", event.type, event.object))
                    failures = self.backoff.copy()
            except Exception as err:
                log.warning("informer: list/watch failed (%s); listing again", err)
                await asyncio.sleep(failures.step())

    async def _list(self, **options: Any) -> Any:
        assert self._queue is not None
        pager = AsyncListPager(self.list_watch.list, page_size=self.page_size)
        lst = await pager.list(**options)
        self._queue.put_nowait(("list", _list_items(lst)))
        return lst

    def _watch(self, **options: Any) -> Any:
        # AsyncRetryWatcher calls this without awaiting: pace very short watches inside the
        # iterator it returns.
        pause = 0.0
        if time.monotonic() - self._last_watch_open < _VERY_SHORT_WATCH:
            pause = self._watch_backoff.step()
        else:
            self._watch_backoff = self.backoff.copy()
        self._last_watch_open = time.monotonic() + pause
        return self._paced(pause, options)

    async def _paced(self, pause: float, options: dict[str, Any]) -> AsyncIterator[Any]:
        if pause:
            await asyncio.sleep(pause)
        watch = self.list_watch.watch(**options)
        try:
            async for event in watch:
                yield event
        finally:
            stop = getattr(watch, "stop", None)
            result = stop() if callable(stop) else None
            if inspect.isawaitable(result):
                await result

    async def _process(self) -> None:
        assert self._queue is not None and self._synced is not None
        next_resync = self._next_resync()
        while True:
            wait = None if next_resync is None else max(0.0, next_resync - time.monotonic())
            try:
                item = await asyncio.wait_for(self._queue.get(), wait)
            except asyncio.TimeoutError:
                item = None
            if item is not None:
                self._cache.apply(item)
                if self._cache.synced:
                    self._synced.set()
            if next_resync is not None and time.monotonic() >= next_resync:
                if self._cache.synced:
                    self._cache.resync()
                next_resync = self._next_resync()

    def _next_resync(self) -> float | None:
        return None if not self.resync_period else time.monotonic() + self.resync_period


__all__ = [
    "NAMESPACE_INDEX",
    "AsyncInformer",
    "Change",
    "DeletedFinalStateUnknown",
    "EventHandler",
    "Informer",
    "Store",
    "diff_list",
    "event_change",
    "meta_namespace_key",
    "namespace_index",
    "resource_version",
]
