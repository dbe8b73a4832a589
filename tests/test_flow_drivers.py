"""rawkube.flow: step generators and their sync/async drivers, and the executor's flow tested
without any I/O (steps answered by hand)."""

from __future__ import annotations

import asyncio
from collections.abc import Generator
from typing import Any

import httpx
import pytest

from rawkube import flow
from rawkube.config.types import Config
from rawkube.errors import ConnectionBroken, RequestTimeout
from rawkube.flow import END, Abandoned, Call, Emit, Next, Sleep, Step
from rawkube.rest.client import RESTClient
from rawkube.rest.steps import AuthClose, AuthNext, AuthStart, Exchange, Handle, ReadBody


def counter(limit: int) -> Generator[Any, Any, int]:
    total = 0
    for i in range(limit):
        yield Sleep(0.5)
        got = yield Call(lambda i=i: i * 10)
        total += got
        yield Emit([got])
    return total


def test_run_and_arun_drive_the_same_flow() -> None:
    slept: list[float] = []
    sync_rt = flow.Runtime(slept.append)

    async def asleep(seconds: float) -> None:
        slept.append(seconds)

    with pytest.raises(TypeError):  # `run` is for flows that emit nothing
        flow.run(counter(3), sync_rt)
    assert list(flow.iterate(counter(3), sync_rt)) == [0, 10, 20]

    async def collect() -> list[int]:
        return [x async for x in flow.aiterate(counter(3), flow.AsyncRuntime(asleep))]

    assert asyncio.run(collect()) == [0, 10, 20]
    assert slept == [0.5] * 7  # one before run() met the Emit, three per driver


def test_errors_are_thrown_into_the_flow_at_its_yield() -> None:
    def retrying() -> Generator[Any, Any, str]:
        for attempt in range(3):
            try:
                return (yield Call(fail_twice))
            except ValueError:
                yield Sleep(attempt)
        raise AssertionError("unreachable")

    calls: list[int] = []

    def fail_twice() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise ValueError("not yet")
        return "done"

    slept: list[float] = []
    assert flow.run(retrying(), flow.Runtime(slept.append)) == "done"
    assert slept == [0, 1]


def test_an_abandoned_flow_releases_what_it_holds_with_its_own_steps() -> None:
    released: list[str] = []

    class Release(Step):
        def run(self, rt: flow.Runtime) -> None:
            released.append("sync")

        async def arun(self, rt: flow.AsyncRuntime) -> None:
            released.append("async")

    def holding() -> Generator[Any, Any, None]:
        try:
            while True:
                yield Emit([1, 2])
        except GeneratorExit:
            raise
        except BaseException:
            yield Release()
            raise

    it = flow.iterate(holding())
    assert next(it) == 1
    it.close()  # the consumer stops: Abandoned is thrown in, the flow's Release step runs

    async def main() -> None:
        ait = flow.aiterate(holding())
        assert await ait.__anext__() == 1
        await ait.aclose()  # type: ignore[attr-defined]

    asyncio.run(main())
    assert released == ["sync", "async"]
    assert issubclass(Abandoned, BaseException) and not issubclass(Abandoned, Exception)


def test_next_gives_end_for_both_kinds_of_iterator() -> None:
    def drain(iterator: Any) -> Generator[Any, Any, list[Any]]:
        out = []
        while (item := (yield Next(iterator))) is not END:
            out.append(item)
        return out

    assert flow.run(drain(iter([1, 2]))) == [1, 2]

    async def agen() -> Any:
        yield 1
        yield 2

    assert asyncio.run(flow.arun(drain(agen()))) == [1, 2]


# -- the executor's flow, answered by hand: no socket, no client --------------------------------


def answer(step: Any, responses: list[httpx.Response]) -> Any:
    """What a driver would have produced for `step` (the HTTP steps faked)."""
    if isinstance(step, (Handle, Exchange)):  # Exchange: Handle, then ReadBody, as one step
        response = responses.pop(0)
        response.request = step.request
        if isinstance(step, Exchange):
            response.read()
        return response
    if isinstance(step, ReadBody):
        return step.response.read()
    if isinstance(step, (AuthStart, AuthNext, AuthClose)):
        raise AssertionError("no auth configured")
    return None


def test_the_send_flow_retries_503_with_retry_after_step_by_step() -> None:
    rc = RESTClient(Config(host="https://k8s.test", qps=0))
    responses = [
        httpx.Response(503, headers={"Retry-After": "2"}, json={"kind": "Status"}),
        httpx.Response(200, json={"kind": "ConfigMap"}),
    ]
    steps: list[str] = []
    gen = rc.core.do(rc.get().resource("configmaps").name("a"))
    step = next(gen)
    try:
        while True:
            steps.append(
                type(step).__name__ + (f"({step.seconds})" if isinstance(step, Sleep) else "")
            )
            step = gen.send(answer(step, responses))
    except StopIteration as stop:
        result = stop.value
    assert result.json() == {"kind": "ConfigMap"}
    assert steps == ["Exchange", "CloseResponse", "Sleep(2.0)", "Exchange"]


def test_the_send_flow_turns_a_reset_into_a_typed_error_after_the_retries() -> None:
    rc = RESTClient(Config(host="https://k8s.test", qps=0))
    gen = rc.core.do(rc.post().resource("configmaps").body({}))
    step = next(gen)
    assert isinstance(step, Exchange)
    with pytest.raises(ConnectionBroken) as info:
        gen.throw(httpx.ReadError("connection reset by peer", request=step.request))
    assert info.value.may_have_been_applied  # a POST is never re-sent


def test_a_retry_after_past_the_deadline_ends_the_flow_without_sleeping() -> None:
    now = [100.0]
    rc = RESTClient(Config(host="https://k8s.test", qps=0, timeout=2), clock=lambda: now[0])
    gen = rc.core.do(rc.get().resource("configmaps"))
    step = next(gen)
    response = httpx.Response(503, headers={"Retry-After": "30"}, json={"kind": "Status"})
    response.request = step.request
    step = gen.send(response)
    assert isinstance(step, ReadBody)
    step = gen.send(response.read())
    with pytest.raises(RequestTimeout, match="previous attempt"):
        gen.send(None)  # CloseResponse done; the 30 s wait is past the 2 s deadline
