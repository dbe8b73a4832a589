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
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from rawkube.errors import StatusError, is_gone
from rawkube.retry import Backoff


@dataclass(frozen=True)
class SyntheticEvent:
    """An event made up after a re-list (it has no raw server line)."""

    type: str
    object: Any
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def resource_version(self) -> str | None:
        return _meta(self.object).get("resourceVersion")


# How many recent DELETED events a RetryWatcher remembers to drop repeats (bounds memory).
MAX_REMEMBERED_DELETES = 10_000


def _meta(obj: Any) -> dict[str, Any]:
    data = obj.to_dict() if callable(getattr(obj, "to_dict", None)) else obj
    meta = data.get("metadata") if isinstance(data, dict) else None
    return meta if isinstance(meta, dict) else {}


def _key(obj: Any) -> tuple[str, str]:
    meta = _meta(obj)
    return (str(meta.get("namespace") or ""), str(meta.get("name") or ""))


def _list_items(lst: Any) -> list[Any]:
    items = getattr(lst, "items", None)
    if items is not None and not callable(items):
        return list(items)
    data = lst.to_dict() if callable(getattr(lst, "to_dict", None)) else lst
    return list(data.get("items") or [])


def _list_rv(lst: Any) -> str:
    data = lst.to_dict() if callable(getattr(lst, "to_dict", None)) else lst
    return str((data.get("metadata") or {}).get("resourceVersion") or "")


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


def _transient(err: BaseException) -> bool:
    """Errors worth reconnecting after (network trouble, overload), not 4xx mistakes."""
    if isinstance(err, httpx.TransportError):
        return True
    return isinstance(err, StatusError) and (err.code == 429 or err.code >= 500)


class _RetryWatcherBase:
    """The bookkeeping shared by the sync and async watchers (no I/O here)."""

    def __init__(
        self,
        watch_fn: Callable[..., Any],
        *,
        resource_version: str | None = None,
        list_fn: Callable[..., Any] | None = None,
        timeout_seconds: int | None = 300,
        max_reconnects: int | None = None,
        backoff: Backoff | None = None,
        **options: Any,
    ) -> None:
        if resource_version in (None, "", "0") and list_fn is None:
            # client-go refuses too: "" and "0" mean "any version", which cannot be resumed.
            raise ValueError("RetryWatcher needs a resource_version or a list_fn to start from")
        self.watch_fn = watch_fn
        self.list_fn = list_fn
        self.resource_version = resource_version or ""
        self.timeout_seconds = timeout_seconds
        self.max_reconnects = max_reconnects
        self.backoff = backoff or Backoff(duration=0.8, factor=2.0, jitter=0.1, steps=10, cap=30.0)
        self.options = options
        self.watches_opened = 0
        self.relists = 0
        # (namespace, name) -> resourceVersion of what the caller has been given
        self._known: dict[tuple[str, str], str] = {}
        # (namespace, name) -> resourceVersion of its DELETED event, to drop a repeat; only the
        # most recent MAX_REMEMBERED_DELETES, so a long watch over a churning resource stays
        # bounded (a repeat can only come right after a resume or re-list).
        self._deleted: dict[tuple[str, str], str] = {}
        self._current: Any = None
        self._stopped = False

    def _may_open(self) -> bool:
        if self._stopped:
            return False
        return self.max_reconnects is None or self.watches_opened < self.max_reconnects

    def _watch_kwargs(self) -> dict[str, Any]:
        self.watches_opened += 1
        return {
            "resource_version": self.resource_version,
            "allow_watch_bookmarks": True,
            "timeout_seconds": self.timeout_seconds,
            **self.options,
        }

    def _on_error(self, err: Exception) -> str:
        """What to do after a failed watch: "stop", "relist", "retry" (else re-raise)."""
        if self._stopped:
            return "stop"
        if is_gone(err) and self.list_fn is not None:
            return "relist"
        if _transient(err):
            return "retry"
        raise err

    def _accept(self, event: Any) -> bool:
        """Advance the resourceVersion; True if the event is new to the caller."""
        rv = event.resource_version
        if rv:
            self.resource_version = rv
        if event.type == "BOOKMARK":
            return False
        key = _key(event.object)
        if event.type == "DELETED":
            if not _newer(rv, self._deleted.get(key)):
                return False
            self._known.pop(key, None)
            self._deleted.pop(key, None)
            self._deleted[key] = rv or ""  # re-inserted: dicts keep insertion order, oldest first
            if len(self._deleted) > MAX_REMEMBERED_DELETES:
                del self._deleted[next(iter(self._deleted))]
            return True
        if not _newer(rv, self._known.get(key)):
            return False  # that object version was delivered already (replayed after a resume)
        self._known[key] = rv or ""
        self._deleted.pop(key, None)
        return True

    def _diff(self, lst: Any) -> list[SyntheticEvent]:
        """The events that take the caller from what it knows to a fresh LIST."""
        self.relists += 1
        events: list[SyntheticEvent] = []
        fresh = {_key(item): item for item in _list_items(lst)}
        for key, item in fresh.items():
            rv = _meta(item).get("resourceVersion") or ""
            if key not in self._known:
                self._known[key] = rv
                events.append(SyntheticEvent("ADDED", item))
            elif _newer(rv, self._known[key]):
                self._known[key] = rv
                events.append(SyntheticEvent("MODIFIED", item))
        # Deleted while we were not watching: only the name is known (client-go's informers
        # call this DeletedFinalStateUnknown), since keeping every object would cost memory.
        for key in [k for k in self._known if k not in fresh]:
            del self._known[key]
            meta = {"namespace": key[0], "name": key[1]}
            events.append(SyntheticEvent("DELETED", {"metadata": meta}))
        self.resource_version = _list_rv(lst)
        return events


class RetryWatcher(_RetryWatcherBase):
    """Iterate over watch events across reconnects, without duplicates.

    `watch_fn(**options)` opens one watch (a typed/dynamic client's `watch`); it is called
    with `resource_version`, `allow_watch_bookmarks=True` and `timeout_seconds`, plus
    `options`. `list_fn(**options)` is used to start (when no resource_version is given) and
    to re-list after 410. `max_reconnects` bounds the number of watch requests (None: no
    bound); `sleep` and `backoff` pace reconnects after errors.
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

    def stop(self) -> None:
        """End iteration (from another thread or from inside the loop)."""
        self._stopped = True
        current = self._current
        if current is not None and callable(getattr(current, "stop", None)):
            current.stop()

    def __iter__(self) -> Iterator[Any]:
        if not self.resource_version:
            yield from self._relist()
        backoff = self.backoff.copy()
        while self._may_open():
            try:
                yield from self._watch_once()
                backoff = self.backoff.copy()  # a clean end resets the pacing
            except Exception as err:
                action = self._on_error(err)
                if action == "stop":
                    return
                if action == "relist":
                    yield from self._relist()
                else:
                    self.sleep(backoff.step())

    def _watch_once(self) -> Iterator[Any]:
        watch = self.watch_fn(**self._watch_kwargs())
        self._current = watch
        try:
            for event in watch:
                if self._stopped:
                    return
                if self._accept(event):
                    yield event
        finally:
            self._current = None
            if callable(getattr(watch, "stop", None)):
                watch.stop()

    def _relist(self) -> Iterator[Any]:
        """LIST, then report the difference from what the caller knows as events."""
        assert self.list_fn is not None
        yield from self._diff(self.list_fn(**self.options))


class AsyncRetryWatcher(_RetryWatcherBase):
    """The async twin of `RetryWatcher`: `async for event in AsyncRetryWatcher(...)`.

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
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
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

    def stop(self) -> None:
        """End iteration after the current event (the open watch is closed on the way out)."""
        self._stopped = True

    async def __aiter__(self) -> AsyncIterator[Any]:
        if not self.resource_version:
            for event in await self._relist():
                yield event
        backoff = self.backoff.copy()
        while self._may_open():
            try:
                async for event in self._watch_once():
                    yield event
                backoff = self.backoff.copy()
            except Exception as err:
                action = self._on_error(err)
                if action == "stop":
                    return
                if action == "relist":
                    for event in await self._relist():
                        yield event
                else:
                    await self.sleep(backoff.step())

    async def _watch_once(self) -> AsyncIterator[Any]:
        watch = self.watch_fn(**self._watch_kwargs())
        try:
            async for event in watch:
                if self._stopped:
                    return
                if self._accept(event):
                    yield event
        finally:
            stop = getattr(watch, "stop", None)
            if callable(stop):
                result = stop()
                if inspect.isawaitable(result):
                    await result

    async def _relist(self) -> list[SyntheticEvent]:
        assert self.list_fn is not None
        return self._diff(await self.list_fn(**self.options))


__all__ = ["AsyncRetryWatcher", "RetryWatcher", "SyntheticEvent"]
