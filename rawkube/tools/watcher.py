"""RetryWatcher: a watch that survives reconnects (client-go `tools/watch/retrywatcher.go`).

A single watch request ends: the server closes it after `timeoutSeconds`, a proxy drops it,
the network blips. Reconnecting correctly means resuming from the last resourceVersion seen,
so nothing is missed and nothing is delivered twice. Bookmarks (`allowWatchBookmarks=true`)
let the server move that resourceVersion forward even when nothing changes, so a resume after a
quiet period does not start from a version the server has already forgotten.

If the server has forgotten it anyway (410 Gone / Expired, as an HTTP error or an ERROR event),
client-go's RetryWatcher gives up and leaves the re-list to an informer. This one re-lists
itself when given a `list_fn`, and turns the difference between what it had delivered and the
fresh list into ADDED / MODIFIED / DELETED events (as an informer's store would see it), then
resumes watching from the list's resourceVersion.

    rw = RetryWatcher(deployments.watch, list_fn=deployments.list)
    for event in rw:                         # ADDED / MODIFIED / DELETED, never BOOKMARK
        print(event.type, event.object.metadata.name)

It is a `rawkube.tools.reflector.Reflector` (the LIST/WATCH state machine, its reconnect pacing
client-go's) whose events pass through `_Delivery` (no duplicates; a re-list as a diff);
`AsyncRetryWatcher` drives the same flow with `await`.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from rawkube.flow import AsyncRuntime, Flow, Runtime, aiterate, iterate
from rawkube.meta import object_key, resource_version, split_key
from rawkube.retry import Backoff
from rawkube.tools.reflector import Pacing, Reflector, ReflectorEvent, default_backoff


@dataclass(frozen=True)
class SyntheticEvent:
    """An event made up after a re-list (it has no raw server line)."""

    type: str
    object: Any
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def resource_version(self) -> str | None:
        return resource_version(self.object) or None


# How many recent DELETED events a RetryWatcher remembers to drop repeats (bounds memory).
MAX_REMEMBERED_DELETES = 10_000


def _newer(rv: str | None, delivered: str | None) -> bool:
    """Is `rv` a version of the object the caller has not been given yet?

    resourceVersions are opaque strings to clients in general; etcd-backed servers hand out
    increasing integers, so when both look like integers an older or equal one is a replay.
    Otherwise only an identical version counts as already delivered.
    """
    if delivered is None or not rv:
        return True
    if rv.isdigit() and delivered.isdigit():
        return int(rv) > int(delivered)
    return rv != delivered


class _Delivery:
    """What the caller of a RetryWatcher is given, from the reflector's events (pure).

    Watch events pass unless that version of the object was given already (a resumed watch
    replays from its resourceVersion); a re-list becomes the ADDED / MODIFIED / DELETED
    events that take the caller from what it was given to the fresh list.
    """

    def __init__(self) -> None:
        # object key -> resourceVersion of what the caller has been given
        self.known: dict[str, str] = {}
        # object key -> resourceVersion of its DELETED event, to drop a repeat; only the most
        # recent MAX_REMEMBERED_DELETES, so a long watch over a churning resource stays
        # bounded (a repeat can only come right after a resume or re-list).
        self.deleted: dict[str, str] = {}
        self._listed: list[Any] = []

    def __call__(self, event: ReflectorEvent) -> list[Any]:
        if event.kind == "init":
            self._listed = []
            return []
        if event.kind == "init_page":
            self._listed.extend(event.items)
            return []
        if event.kind == "init_done":
            listed, self._listed = self._listed, []
            return self.diff(listed)
        return [event.event] if self.accept(event.event) else []

    def accept(self, event: Any) -> bool:
        """True if the event is new to the caller."""
        rv = event.resource_version
        key = object_key(event.object)
        if event.type == "DELETED":
            if not _newer(rv, self.deleted.get(key)):
                return False
            self.known.pop(key, None)
            self.deleted.pop(key, None)
            self.deleted[key] = rv or ""  # re-inserted: dicts keep insertion order, oldest first
            if len(self.deleted) > MAX_REMEMBERED_DELETES:
                del self.deleted[next(iter(self.deleted))]
            return True
        if not _newer(rv, self.known.get(key)):
            return False  # that object version was delivered already (replayed after a resume)
        self.known[key] = rv or ""
        self.deleted.pop(key, None)
        return True

    def diff(self, items: list[Any]) -> list[SyntheticEvent]:
        """The events that take the caller from what it knows to a fresh LIST."""
        events: list[SyntheticEvent] = []
        fresh = {object_key(item): item for item in items}
        for key, item in fresh.items():
            rv = resource_version(item)
            if key not in self.known:
                self.known[key] = rv
                events.append(SyntheticEvent("ADDED", item))
            elif _newer(rv, self.known[key]):
                self.known[key] = rv
                events.append(SyntheticEvent("MODIFIED", item))
        # Deleted while we were not watching: only the name is known (client-go's informers
        # call this DeletedFinalStateUnknown), since keeping every object would cost memory.
        for key in [k for k in self.known if k not in fresh]:
            del self.known[key]
            namespace, name = split_key(key)
            meta = {"namespace": namespace, "name": name}
            events.append(SyntheticEvent("DELETED", {"metadata": meta}))
        return events


class _RetryWatcherBase:
    """The RetryWatcher, written once: a `Reflector` and a `_Delivery`; the sync and async
    classes only drive the flow (and stop it) their way."""

    def __init__(
        self,
        watch_fn: Callable[..., Any],
        *,
        resource_version: str | None = None,
        list_fn: Callable[..., Any] | None = None,
        timeout_seconds: int | None = 300,
        max_reconnects: int | None = None,
        backoff: Backoff | None = None,
        clock: Callable[[], float] = time.monotonic,
        **options: Any,
    ) -> None:
        if resource_version in (None, "", "0") and list_fn is None:
            # client-go refuses too: "" and "0" mean "any version", which cannot be resumed.
            raise ValueError("RetryWatcher needs a resource_version or a list_fn to start from")
        self.watch_fn = watch_fn
        self.list_fn = list_fn
        self.timeout_seconds = timeout_seconds
        self.max_reconnects = max_reconnects
        self.backoff = backoff or default_backoff()
        self.options = options
        self._delivery = _Delivery()
        self._reflector = Reflector(
            watch_fn,
            list_fn,
            resource_version=resource_version,
            timeout_seconds=timeout_seconds,
            pacing=Pacing(self.backoff, clock=clock),
            fatal=lambda err: True,  # client-go's RetryWatcher stops on what it cannot retry
            max_watches=max_reconnects,
            **options,
        )

    @property
    def resource_version(self) -> str:
        """Where the next watch resumes (moved by every event and bookmark)."""
        return self._reflector.resource_version

    @property
    def watches_opened(self) -> int:
        return self._reflector.watches_opened

    @property
    def relists(self) -> int:
        return self._reflector.relists

    @property
    def state(self) -> str:
        """The reflector's state: "Empty", "InitListed" or "Watching"."""
        return self._reflector.state

    def _flow(self) -> Flow[None]:
        return self._reflector.run(self._delivery)


class RetryWatcher(_RetryWatcherBase):
    """Iterate over watch events across reconnects, without duplicates.

    `watch_fn(**options)` opens one watch (a typed/dynamic client's `watch`); it is called
    with `resource_version`, `allow_watch_bookmarks=True` and `timeout_seconds`, plus
    `options`. `list_fn(**options)` is used to start (when no resource_version is given) and
    to re-list after 410. `max_reconnects` bounds the number of watch requests (None: no
    bound); `sleep` and `backoff` pace reconnects (see `rawkube.tools.reflector`).
    """

    def __init__(
        self,
        watch_fn: Callable[..., Any],
        *,
        resource_version: str | None = None,
        list_fn: Callable[..., Any] | None = None,
        timeout_seconds: int | None = 300,
        max_reconnects: int | None = None,
        backoff: Backoff | None = None,
        sleep: Callable[[float], None] = time.sleep,
        **options: Any,
    ) -> None:
        super().__init__(
            watch_fn,
            resource_version=resource_version,
            list_fn=list_fn,
            timeout_seconds=timeout_seconds,
            max_reconnects=max_reconnects,
            backoff=backoff,
            **options,
        )
        self.sleep = sleep

    def __iter__(self) -> Iterator[Any]:
        return iterate(self._flow(), Runtime(self.sleep))

    def stop(self) -> None:
        """End iteration (from another thread, or from inside the loop)."""
        self._reflector.stop()
        current = self._reflector.current
        if current is not None and callable(getattr(current, "stop", None)):
            current.stop()  # wakes a reader blocked in the watch


class AsyncRetryWatcher(_RetryWatcherBase):
    """`async for event in AsyncRetryWatcher(...)`: the same flow, awaited.

    `watch_fn` is an async client's `watch` (returns an async iterator), `list_fn` its
    `list` (a coroutine function); `sleep` is awaited.
    """

    def __init__(
        self,
        watch_fn: Callable[..., Any],
        *,
        resource_version: str | None = None,
        list_fn: Callable[..., Awaitable[Any]] | None = None,
        timeout_seconds: int | None = 300,
        max_reconnects: int | None = None,
        backoff: Backoff | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        **options: Any,
    ) -> None:
        super().__init__(
            watch_fn,
            resource_version=resource_version,
            list_fn=list_fn,
            timeout_seconds=timeout_seconds,
            max_reconnects=max_reconnects,
            backoff=backoff,
            **options,
        )
        self.sleep = sleep

    def __aiter__(self) -> AsyncIterator[Any]:
        return aiterate(self._flow(), AsyncRuntime(self.sleep))

    def stop(self) -> None:
        """End iteration after the current event (the open watch is closed on the way out)."""
        self._reflector.stop()


__all__ = ["AsyncRetryWatcher", "RetryWatcher", "SyntheticEvent"]
