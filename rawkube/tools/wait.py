"""Waiting for a condition (apimachinery `util/wait` polling, client-go `tools/watch.Until`).

Two ways to wait, as in Go:

* `wait_for(condition, timeout=..., interval=...)` polls: call `condition()` now and then every
  `interval` seconds until it returns something truthy (wait.PollUntilContextTimeout with
  immediate=true). Simple, one request per poll.
* `until(watch_fn, condition, timeout=...)` watches: open a watch and test each event
  (watch.UntilWithoutRetry). No polling delay, one long request.

Clock and sleep are injectable, so tests never really wait.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

from rawkube.flow import AsyncRuntime, Call, Flow, Runtime, Sleep, arun, run

R = TypeVar("R")


class WaitTimeout(TimeoutError):
    """The condition was not met in time (wait.ErrWaitTimeout / context deadline exceeded)."""


class _Poll:
    """The schedule of a poll (sans-IO)."""

    def __init__(self, timeout: float, interval: float, clock: Callable[[], float]) -> None:
        self._timeout = timeout
        self._interval = interval
        self._clock = clock
        self._deadline = clock() + timeout

    def next_sleep(self) -> float:
        """After a falsy result: how long to sleep before the next call; WaitTimeout if none."""
        remaining = self._deadline - self._clock()
        if remaining <= 0:
            raise WaitTimeout(f"condition not met within {self._timeout}s")
        return min(self._interval, remaining)


def _polling(condition: Callable[[], Any], poll: _Poll) -> Flow[Any]:
    """Call `condition` until it gives something truthy, sleeping between calls (the one
    source of `wait_for` and `async_wait_for`)."""
    while True:
        value = yield Call(condition)
        if value:
            return value
        yield Sleep(poll.next_sleep())


def wait_for(
    condition: Callable[[], R],
    *,
    timeout: float = 30.0,
    interval: float = 1.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> R:
    """Call `condition` until it returns a truthy value, and return that value.

    The first call happens at once; the last one no later than `timeout` seconds after the
    start. Exceptions from `condition` propagate (as a Go ConditionFunc returning an error).
    """
    result: R = run(_polling(condition, _Poll(timeout, interval, clock)), Runtime(sleep))
    return result


async def async_wait_for(
    condition: Callable[[], Any],
    *,
    timeout: float = 30.0,
    interval: float = 1.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[None]] | None = None,
) -> Any:
    """`wait_for` for asyncio: `condition` may be a plain or a coroutine function."""
    return await arun(_polling(condition, _Poll(timeout, interval, clock)), AsyncRuntime(sleep))


def until(
    events: Callable[..., Iterable[Any]] | Iterable[Any],
    condition: Callable[[Any], bool],
    *,
    timeout: float = 30.0,
    clock: Callable[[], float] = time.monotonic,
    **watch_options: Any,
) -> Any:
    """Consume watch events until `condition(event)` is true; return that event.

    `events` is an open watch (or any iterable of events), or a client's `watch` method, which
    is then called with `timeout_seconds` so that the server ends the request in time too.
    Raises WaitTimeout if the watch ends or the time is up first.
    """
    if callable(events):
        watch_options.setdefault("timeout_seconds", max(1, int(timeout)))
        events = events(**watch_options)
    deadline = clock() + timeout
    try:
        for event in events:
            if condition(event):
                return event
            if clock() >= deadline:
                break
    finally:
        stop = getattr(events, "stop", None)
        if callable(stop):
            stop()
    raise WaitTimeout(f"no matching event within {timeout}s")


__all__ = ["WaitTimeout", "async_wait_for", "until", "wait_for"]
