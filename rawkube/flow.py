"""One source of control flow for sync and async: step generators and their two drivers.

Every loop in rawkube that does I/O (send and retry, read a watch, page through a LIST, resume a
watch, re-list, discover) is written once, as a generator that *yields the I/O it needs* as a
`Step` and receives its result:

    def get_twice(rest):                              # a flow: no I/O, no await
        first = yield from rest_flow(...)             # flows compose with `yield from`
        yield Sleep(1.0)                              # a step: "sleep one second"
        return first

Two drivers run flows: `run(flow)` / `iterate(flow)` perform each step synchronously,
`arun(flow)` / `aiterate(flow)` perform it with `await`. A step knows how to do itself both ways
(`Step.run` and `Step.arun`): those two one-line methods are the only places where sync and async
differ. An error raised while performing a step is thrown into the flow at its `yield`, so the
flow decides (retry, wrap, re-raise) exactly as straight-line code would. A flow that produces
values for a consumer (events, pages, items) yields `Emit(items)`; `iterate` and `aiterate`
hand them on.

This is the pattern of `rawkube.auth` (its `_Fetch` step) and of sans-IO protocol libraries
(h11, httpcore's state machines), applied to every loop. Why not generate the sync code from
async source, as httpcore's `scripts/unasync.py` does? The informer needs threads on one side and
tasks on the other, and the generated twin would still be a second copy of every loop for a
reader (and a duplicate-code scan) to wade through; with step generators the control flow exists
once, the drivers are ~15 lines each, and a flow can be tested without any I/O at all by feeding
it results by hand (tests/test_flow_drivers.py). docs/internals.md says more.

A flow that holds a resource across `Emit`s (an open response or watch) releases it in an
`except BaseException:` branch that yields the releasing step. A consumer that stops iterating
early makes the driver throw `Abandoned` into the flow, so that branch runs (and may perform its
I/O); a flow must never yield while handling `GeneratorExit`.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
from typing import Any, TypeVar

R = TypeVar("R")

# A flow: yields steps (and Emits), receives their results, returns its value.
Flow = Generator[Any, Any, R]

END: Any = object()
"""What `Next` gives at the end of an iterator (instead of raising StopIteration)."""


class Abandoned(BaseException):
    """Thrown into a flow whose consumer stopped iterating: release what you hold and end.

    A BaseException so that `except Exception` in a flow (retry logic) never swallows it."""


class Runtime:
    """What a sync driver needs besides the steps themselves: how to sleep (injectable)."""

    __slots__ = ("sleep",)

    def __init__(self, sleep: Callable[[float], Any] = time.sleep) -> None:
        self.sleep = sleep


class AsyncRuntime:
    """The async driver's counterpart of `Runtime`: `sleep` is awaited (default
    `asyncio.sleep`, looked up when first needed: importing asyncio costs ~10 ms and
    pulls in subprocess, which a sync client never needs)."""

    __slots__ = ("_sleep",)

    def __init__(self, sleep: Callable[[float], Awaitable[Any]] | None = None) -> None:
        self._sleep = sleep

    @property
    def sleep(self) -> Callable[[float], Awaitable[Any]]:
        if self._sleep is None:
            import asyncio

            self._sleep = asyncio.sleep
        return self._sleep


SYNC = Runtime()
ASYNC = AsyncRuntime()


class Step:
    """One piece of I/O a flow asks for. Subclasses implement both ways of doing it."""

    __slots__ = ()

    def run(self, rt: Runtime) -> Any:
        raise NotImplementedError

    async def arun(self, rt: AsyncRuntime) -> Any:
        raise NotImplementedError


class Sleep(Step):
    """Wait `seconds` (a retry's Retry-After, a backoff step, throttling)."""

    __slots__ = ("seconds",)

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def run(self, rt: Runtime) -> None:
        rt.sleep(self.seconds)

    async def arun(self, rt: AsyncRuntime) -> None:
        await rt.sleep(self.seconds)

    def __repr__(self) -> str:
        return f"Sleep({self.seconds!r})"


class Call(Step):
    """Call a function the user handed in (a client's `list`, `watch`): its result, awaited
    when the async driver gets an awaitable."""

    __slots__ = ("fn", "kwargs")

    def __init__(self, fn: Callable[..., Any], kwargs: dict[str, Any] | None = None) -> None:
        self.fn = fn
        self.kwargs = kwargs or {}

    def run(self, rt: Runtime) -> Any:
        return self.fn(**self.kwargs)

    async def arun(self, rt: AsyncRuntime) -> Any:
        result = self.fn(**self.kwargs)
        if inspect.isawaitable(result):
            result = await result
        return result

    def __repr__(self) -> str:
        return f"Call({getattr(self.fn, '__qualname__', self.fn)!r}, {self.kwargs!r})"


class Next(Step):
    """The next item of an iterator (sync) or async iterator; `END` when it is exhausted."""

    __slots__ = ("iterator",)

    def __init__(self, iterator: Any) -> None:
        self.iterator = iterator

    def run(self, rt: Runtime) -> Any:
        return next(self.iterator, END)

    async def arun(self, rt: AsyncRuntime) -> Any:
        try:
            return await self.iterator.__anext__()
        except StopAsyncIteration:
            return END


class Iter(Step):
    """An iterator over something iterable: `iter(x)`, or `x.__aiter__()` for the async driver
    (what `for` / `async for` do first), for `Next`."""

    __slots__ = ("iterable",)

    def __init__(self, iterable: Any) -> None:
        self.iterable = iterable

    def run(self, rt: Runtime) -> Any:
        return iter(self.iterable)

    async def arun(self, rt: AsyncRuntime) -> Any:
        return self.iterable.__aiter__()


class Stop(Step):
    """Stop something that has a `stop()` (a watch) or `close()`; awaited if async."""

    __slots__ = ("target",)

    def __init__(self, target: Any) -> None:
        self.target = target

    def run(self, rt: Runtime) -> None:
        _stop(self.target)

    async def arun(self, rt: AsyncRuntime) -> None:
        result = _stop(self.target)
        if inspect.isawaitable(result):
            await result


def _stop(target: Any) -> Any:
    for name in ("stop", "aclose", "close"):
        method = getattr(target, name, None)
        if callable(method):
            return method()
    return None


class Emit:
    """Not a step: values for the consumer of `iterate` / `aiterate` (a list, handed on in
    order; one Emit per batch keeps the driver off the per-item path)."""

    __slots__ = ("items",)

    def __init__(self, items: list[Any]) -> None:
        self.items = items

    def run(self, rt: Runtime) -> Any:
        raise TypeError("this flow emits values: drive it with iterate(), not run()")

    async def arun(self, rt: AsyncRuntime) -> Any:
        raise TypeError("this flow emits values: drive it with aiterate(), not arun()")


# -- the drivers ---------------------------------------------------------------------------------


def run(flow: Flow[R], rt: Runtime = SYNC) -> R:
    """Perform a flow's steps synchronously; its return value."""
    try:
        step = next(flow)
        while True:
            try:
                value = step.run(rt)
            except BaseException as err:  # into the flow, which decides what it means
                step = flow.throw(err)
            else:
                step = flow.send(value)
    except StopIteration as stop:
        return stop.value


async def arun(flow: Flow[R], rt: AsyncRuntime = ASYNC) -> R:
    """`run` with `await`."""
    try:
        step = next(flow)
        while True:
            try:
                value = await step.arun(rt)
            except BaseException as err:
                step = flow.throw(err)
            else:
                step = flow.send(value)
    except StopIteration as stop:
        return stop.value


def iterate(flow: Flow[Any], rt: Runtime = SYNC) -> Generator[Any, None, None]:
    """The values a flow emits, as an iterator; its steps performed synchronously."""
    try:
        step = next(flow)
        while True:
            if type(step) is Emit:
                try:
                    yield from step.items
                except GeneratorExit:
                    _abandon(flow, rt)
                    raise
                step = flow.send(None)
                continue
            try:
                value = step.run(rt)
            except BaseException as err:
                step = flow.throw(err)
            else:
                step = flow.send(value)
    except StopIteration:
        return


async def aiterate(flow: Flow[Any], rt: AsyncRuntime = ASYNC) -> AsyncGenerator[Any, None]:
    """`iterate` with `await`: an async iterator of the values a flow emits."""
    try:
        step = next(flow)
        while True:
            if type(step) is Emit:
                try:
                    for item in step.items:
                        yield item
                except GeneratorExit:
                    await _aabandon(flow, rt)
                    raise
                step = flow.send(None)
                continue
            try:
                value = await step.arun(rt)
            except BaseException as err:
                step = flow.throw(err)
            else:
                step = flow.send(value)
    except StopIteration:
        return


def _abandon(flow: Flow[Any], rt: Runtime) -> None:
    """The consumer is gone: let the flow release what it holds (its steps still run)."""
    try:
        step = flow.throw(Abandoned())
        while True:
            step = flow.send(None if type(step) is Emit else step.run(rt))
    except (StopIteration, Abandoned):
        return


async def _aabandon(flow: Flow[Any], rt: AsyncRuntime) -> None:
    try:
        step = flow.throw(Abandoned())
        while True:
            step = flow.send(None if type(step) is Emit else await step.arun(rt))
    except (StopIteration, Abandoned):
        return


__all__ = [
    "ASYNC",
    "END",
    "SYNC",
    "Abandoned",
    "AsyncRuntime",
    "Call",
    "Emit",
    "Flow",
    "Iter",
    "Next",
    "Runtime",
    "Sleep",
    "Step",
    "Stop",
    "aiterate",
    "arun",
    "iterate",
    "run",
]
