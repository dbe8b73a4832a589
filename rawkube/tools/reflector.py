"""The reflector: LIST, then WATCH from the list's resourceVersion, for ever, as a state machine.

kube-runtime's watcher (kube-runtime/src/watcher.rs) is a pure state machine stepped by its
caller; client-go's reflector (tools/cache/reflector.go) and RetryWatcher
(tools/watch/retrywatcher.go) hold the same states in their loops. Here it is a flow
(`rawkube.flow`): the only I/O is calling the ListerWatcher (`Call`), reading the open watch
(`Next`), stopping it (`Stop`) and waiting (`Sleep`), so the one `Reflector.run()` serves the sync
`RetryWatcher` and `Informer` and their async twins alike.

States (kube-runtime's names):

    EMPTY        nothing listed yet, or the watch fell out of the server's window (410): LIST
                 (all pages) and report it as Init, InitPage(items), InitDone(resourceVersion)
    INIT_LISTED  listed (or told where to start): open a WATCH from the resourceVersion
    WATCHING     read events: ADDED/MODIFIED -> Apply, DELETED -> Delete, BOOKMARK moves the
                 resourceVersion; the end of the stream -> INIT_LISTED

When to open the next watch (client-go's behaviour, the numbers its defaults):

* a watch that delivered events or lived a second ends (the server's timeoutSeconds, a load
  balancer's reset, a stream cut mid-event, a decode error at its end): watch again from the
  last resourceVersion, resetting the backoff, no sooner than one second after the previous
  watch started (RetryWatcher's `minRestartDelay` with `wait.NonSlidingUntil`): about one
  reconnect per second however often a proxy cuts the stream;
* a watch that ended at once without events ("very short watch", reflector.go), or a failure
  to list or to open a watch: an exponential backoff, 0.8 s doubling to 30 s with jitter
  (reflector.go `defaultBackoffInit/Max/Factor/Jitter`), reset once two minutes pass without a
  failure (`defaultBackoffReset`); a 429/5xx waits at least its Retry-After;
* 410 Gone/Expired (an HTTP answer or an ERROR event): back to EMPTY, at once;
* anything else (401, 403, 404, a programming error): `fatal` decides: the RetryWatcher raises
  it (client-go's stops), the informer keeps trying with the backoff (client-go's reflector
  does).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from rawkube.errors import DecodeError, StatusError, TransportError, is_gone
from rawkube.flow import END, Call, Emit, Flow, Iter, Next, Sleep, Stop
from rawkube.meta import resource_version
from rawkube.retry import Backoff
from rawkube.tools.pager import _Pager

EMPTY, INIT_LISTED, WATCHING = "Empty", "InitListed", "Watching"

# client-go reflector.go defaults.
BACKOFF_INIT = 0.8
BACKOFF_MAX = 30.0
BACKOFF_RESET = 120.0
# A watch shorter than this that delivered nothing is "very short" (reflector.go).
VERY_SHORT_WATCH = 1.0
# RetryWatcher's minRestartDelay: at most one watch started per second.
MIN_RESTART_DELAY = 1.0


def default_backoff() -> Backoff:
    """reflector.go: 800 ms doubling up to 30 s, jitter 1.0 (a wait of d..2d)."""
    steps = math.ceil(BACKOFF_MAX / BACKOFF_INIT)
    return Backoff(duration=BACKOFF_INIT, factor=2.0, jitter=1.0, steps=steps, cap=BACKOFF_MAX)


class ListerWatcher(Protocol):
    """What a reflector lists and watches (client-go `cache.ListerWatcher`): a typed or dynamic
    resource client (sync or async) has both, with the options as keyword arguments.

    Read-only callables rather than `def list(self, **options)`: a method with named keyword
    parameters (a typed client's `list(*, label_selector=..., ...)`) does not match a
    `**options` signature for mypy, so `Informer(pods)` was a type error."""

    @property
    def list(self) -> Callable[..., Any]: ...

    @property
    def watch(self) -> Callable[..., Any]: ...


@dataclass(frozen=True, slots=True)
class ReflectorEvent:
    """What the reflector reports (kube-runtime `watcher::Event`).

    `kind` is "init" (a LIST starts), "init_page" (`items`: one page of it), "init_done"
    (`resource_version` of the list), "apply" or "delete" (`event`: the WatchEvent).
    """

    kind: str
    items: tuple[Any, ...] = ()
    event: Any = None
    resource_version: str = ""


INIT = ReflectorEvent("init")


def classify(err: BaseException) -> str:
    """What an error means for the reflector: "relist" (410), "retry" (the network, a decode
    error, 429, 5xx) or "fatal" (anything else)."""
    if is_gone(err):
        return "relist"
    if isinstance(err, (TransportError, httpx.TransportError, DecodeError)):
        return "retry"
    if isinstance(err, StatusError) and (err.code == 429 or err.code >= 500):
        return "retry"
    return "fatal"


class Pacing:
    """When to open the next watch or LIST (pure; the module docstring says why)."""

    def __init__(
        self,
        backoff: Backoff | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        min_restart_delay: float = MIN_RESTART_DELAY,
        very_short: float = VERY_SHORT_WATCH,
        reset_after: float = BACKOFF_RESET,
    ) -> None:
        self._initial = backoff or default_backoff()
        self._backoff = self._initial.copy()
        self.clock = clock
        self.min_restart_delay = min_restart_delay
        self.very_short = very_short
        self.reset_after = reset_after
        self._last_failure = -math.inf
        self.watch_started_at = -math.inf

    def failed(self, at_least: float = 0.0) -> float:
        """A failure: the next backoff wait (reset first if the last failure is old)."""
        now = self.clock()
        if now - self._last_failure > self.reset_after:
            self._backoff = self._initial.copy()
        self._last_failure = now
        return max(self._backoff.step(), at_least)

    def watch_started(self) -> None:
        self.watch_started_at = self.clock()

    def watch_ended(self, delivered: int, at_least: float = 0.0) -> float:
        """A watch ended (cleanly or not): the wait before the next one."""
        now = self.clock()
        if delivered or now - self.watch_started_at >= self.very_short:
            self._backoff = self._initial.copy()  # it worked: start the backoff afresh
            restart = self.watch_started_at + self.min_restart_delay - now
            return max(restart, at_least, 0.0)
        return self.failed(at_least)  # "very short watch": unexpected close without events


class Reflector:
    """LIST + WATCH + resume + re-list over a `ListerWatcher`, as one flow (`run`).

    `resource_version` given: start watching there (state INIT_LISTED); else LIST first (in
    pages of `page_size`, as client-go's ListPager; None: one request).
    `list_fn` None: a 410 cannot be repaired by listing and is raised (RetryWatcher without a
    list_fn, as client-go's). `options` (label/field selectors) go to both list and watch.
    `fatal(err)` says whether an error that is not 410 nor transient ends the flow (True) or
    is retried with the backoff (False). `max_watches` bounds the watch requests.
    """

    def __init__(
        self,
        watch_fn: Callable[..., Any],
        list_fn: Callable[..., Any] | None = None,
        *,
        resource_version: str | None = None,
        timeout_seconds: int | None = 300,
        page_size: int | None = None,
        pacing: Pacing | None = None,
        fatal: Callable[[BaseException], bool] = lambda err: True,
        max_watches: int | None = None,
        **options: Any,
    ) -> None:
        self.watch_fn = watch_fn
        self.list_fn = list_fn
        self.resource_version = resource_version or ""
        self.state = INIT_LISTED if self.resource_version else EMPTY
        self.timeout_seconds = timeout_seconds
        self.page_size = page_size
        self.pacing = pacing or Pacing()
        self.fatal = fatal
        self.max_watches = max_watches
        self.options = options
        self.watches_opened = 0
        self.relists = 0
        self.stopped = False
        self.current: Any = None  # the open watch (so that stop() from elsewhere can end it)
        self._delivered = 0  # events the open watch delivered
        self._events: Any = None  # its iterator

    def stop(self) -> None:
        """End the flow at its next step. (A shell that may be blocked reading the open
        watch, `self.current`, also stops that watch, as the sync RetryWatcher does.)"""
        self.stopped = True

    def run(self, on_event: Callable[[ReflectorEvent], Iterable[Any]]) -> Flow[None]:
        """The flow: steps for the ListerWatcher, and `Emit`s of what `on_event` makes of
        each ReflectorEvent (the consumer decides what it shows: synthetic events, cache
        changes...)."""
        wait = 0.0
        while not self.stopped:
            if self.state == INIT_LISTED and self._watches_used_up():
                return
            if wait > 0:
                yield Sleep(wait)
                wait = 0.0
                continue
            if self.state == EMPTY:
                wait = yield from self._list(on_event)
            elif self.state == INIT_LISTED:
                wait = yield from self._open()
            else:
                wait = yield from self._watch(on_event)

    def _watches_used_up(self) -> bool:
        return self.max_watches is not None and self.watches_opened >= self.max_watches

    # -- the three states ---------------------------------------------------------------------

    def _list(self, on_event: Callable[[ReflectorEvent], Iterable[Any]]) -> Flow[float]:
        if self.list_fn is None:
            raise ValueError(
                "the reflector has no resourceVersion and no list function to start from"
            )
        self.relists += 1
        yield from _emit(on_event(INIT))
        pager: _Pager[Any, Any] = _Pager(self.list_fn, page_size=self.page_size or 0)
        pages = _Pages(on_event)
        try:
            yield from pager._flow(self.options, pages.add)
        except Exception as err:
            return self._failure(err)
        self.resource_version = pages.resource_version
        self.state = INIT_LISTED
        yield from _emit(
            on_event(ReflectorEvent("init_done", resource_version=self.resource_version))
        )
        return 0.0

    def _open(self) -> Flow[float]:
        options = {
            **self.options,
            "resource_version": self.resource_version,
            "allow_watch_bookmarks": True,
            "timeout_seconds": self.timeout_seconds,
        }
        self.watches_opened += 1
        self.pacing.watch_started()
        try:
            self.current = yield Call(self.watch_fn, options)
            self._events = yield Iter(self.current)
        except Exception as err:
            if self.current is not None:
                yield from self._close(self.current)
            return self._failure(err)
        self.state = WATCHING
        self._delivered = 0
        return 0.0

    def _watch(self, on_event: Callable[[ReflectorEvent], Iterable[Any]]) -> Flow[float]:
        watch = self.current
        try:
            event = yield Next(self._events)
        except GeneratorExit:
            raise
        except BaseException as err:
            yield from self._close(watch)
            if not isinstance(err, Exception):
                raise
            if self.stopped:
                return 0.0  # stop() cut the watch under the reader: the end
            return self._ended(err)
        try:
            if event is END:
                yield from self._close(watch)
                return self._ended(None)
            rv = event.resource_version
            if rv:
                self.resource_version = rv
            if event.type == "BOOKMARK":
                return 0.0
            self._delivered += 1
            kind = "delete" if event.type == "DELETED" else "apply"
            yield from _emit(on_event(ReflectorEvent(kind, event=event, resource_version=rv or "")))
        except GeneratorExit:
            raise
        except BaseException:
            yield from self._close(watch)
            raise
        return 0.0

    # -- decisions ------------------------------------------------------------------------------

    def _close(self, watch: Any) -> Flow[None]:
        self.current = None
        if self.state == WATCHING:
            self.state = INIT_LISTED
        try:
            yield Stop(watch)
        except Exception:  # a watch that fails to stop is gone anyway
            pass

    def _ended(self, err: Exception | None) -> float:
        """A watch ended (err None: cleanly): the wait before the next step."""
        if err is None:
            return self.pacing.watch_ended(self._delivered)
        action = classify(err)
        if action == "relist":
            return self._relist(err)
        if action == "fatal" and self.fatal(err):
            raise err
        return self.pacing.watch_ended(self._delivered, _retry_after(err))

    def _failure(self, err: Exception) -> float:
        """Listing or opening a watch failed: the wait before trying again."""
        action = classify(err)
        if action == "relist" and self.state != EMPTY:
            return self._relist(err)
        if action == "fatal" and self.fatal(err):
            raise err
        return self.pacing.failed(_retry_after(err))

    def _relist(self, err: Exception) -> float:
        if self.list_fn is None:
            raise err  # client-go's RetryWatcher stops on 410; with a list_fn we re-list
        self.state = EMPTY
        return 0.0


class _Pages:
    """Each page of a LIST reported as it arrives (kube-runtime's `InitPage`), so a consumer
    can shrink or store it before the next one comes (the informer's transform: issue 15);
    after a later page expired, the full list starts the LIST again (`init`)."""

    def __init__(self, on_event: Callable[[ReflectorEvent], Iterable[Any]]) -> None:
        self.on_event = on_event
        self.resource_version = ""
        self.restarted = False

    def add(self, page: Any, full: bool) -> list[Any]:
        out: list[Any] = []
        if full and not self.restarted:  # the pages so far are void (pager.go FullListIfExpired)
            self.restarted = True
            out.extend(self.on_event(INIT))
        items = tuple(_list_items(page))
        out.extend(self.on_event(ReflectorEvent("init_page", items=items)))
        self.resource_version = _list_rv(page)  # every page carries the snapshot's version
        return out


def _emit(items: Iterable[Any]) -> Flow[None]:
    batch = list(items)
    if batch:
        yield Emit(batch)


def _retry_after(err: BaseException) -> float:
    seconds = getattr(err, "retry_after_seconds", None)
    return float(seconds) if isinstance(seconds, int) else 0.0


def _list_items(lst: Any) -> list[Any]:
    """A list object's items as the caller's type (models for typed lists, else dicts)."""
    items = getattr(lst, "items", None)
    if items is not None and not callable(items):
        return list(items)
    data = lst.to_dict() if callable(getattr(lst, "to_dict", None)) else lst
    return list(data.get("items") or [])


def _list_rv(lst: Any) -> str:
    data = lst.to_dict() if callable(getattr(lst, "to_dict", None)) else lst
    rv = (data.get("metadata") or {}).get("resourceVersion")
    return rv if isinstance(rv, str) else ""


__all__ = [
    "EMPTY",
    "INIT_LISTED",
    "WATCHING",
    "ListerWatcher",
    "Pacing",
    "Reflector",
    "ReflectorEvent",
    "classify",
    "default_backoff",
    "resource_version",
]
