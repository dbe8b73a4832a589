"""Async twins of the tools: AsyncListPager, AsyncRetryWatcher, async_wait_for."""

from __future__ import annotations

import asyncio
from typing import Any

from rawkube.errors import Expired
from rawkube.rest.watch import WatchEvent
from rawkube.tools.pager import AsyncListPager
from rawkube.tools.wait import WaitTimeout, async_wait_for
from rawkube.tools.watcher import AsyncRetryWatcher
from rawkube.typed.clientset import AsyncClientset
from tests.helpers.recorded import Script, exchange


def test_async_pager_follows_continue_tokens() -> None:
    script = Script("014", "015")

    async def run() -> Any:
        async with AsyncClientset(script.config()) as cs:
            pager = AsyncListPager(cs.apps_v1().deployments("default").list, page_size=2)
            return [d.metadata.name async for d in pager.iter_items()]

    assert asyncio.run(run()) == ["demo-deployment", "page-0", "page-1", "page-2"]
    assert script.done()


def ev(type_: str, name: str, rv: str) -> WatchEvent:
    obj = {"metadata": {"name": name, "namespace": "default", "resourceVersion": rv}}
    return WatchEvent(type_, obj, {"type": type_, "object": obj})


class FakeAsyncWatch:
    def __init__(self, events: list[Any], error: Exception | None = None) -> None:
        self.events, self.error, self.stopped = events, error, False

    async def __aiter__(self) -> Any:
        for e in self.events:
            yield e
        if self.error:
            raise self.error

    async def stop(self) -> None:
        self.stopped = True


def test_async_retry_watcher_relists_on_410_without_duplicates() -> None:
    watches = [
        FakeAsyncWatch([ev("ADDED", "a", "10"), ev("BOOKMARK", "", "12")], error=Expired("old")),
        FakeAsyncWatch([ev("MODIFIED", "a", "20"), ev("ADDED", "b", "21")]),
    ]
    calls: list[dict[str, Any]] = []

    def watch_fn(**opts: Any) -> FakeAsyncWatch:
        calls.append(opts)
        return watches[len(calls) - 1]

    async def list_fn(**opts: Any) -> dict[str, Any]:
        items = [{"metadata": {"name": "a", "namespace": "default", "resourceVersion": "20"}}]
        return {"metadata": {"resourceVersion": "20"}, "items": items}

    async def run() -> list[tuple[str, str | None]]:
        rw = AsyncRetryWatcher(watch_fn, resource_version="5", list_fn=list_fn, max_reconnects=2)
        return [(e.type, e.resource_version) async for e in rw]

    got = asyncio.run(run())
    # ADDED a@10; re-list brings MODIFIED a@20; the watch's MODIFIED a@20 is then a repeat
    assert got == [("ADDED", "10"), ("MODIFIED", "20"), ("ADDED", "21")]
    assert [c["resource_version"] for c in calls] == ["5", "20"]
    assert all(w.stopped for w in watches)


def test_async_wait_for_accepts_coroutine_conditions() -> None:
    state = {"n": 0}

    async def ready() -> bool:
        state["n"] += 1
        return state["n"] >= 3

    async def no_sleep(_: float) -> None:
        return None

    assert asyncio.run(async_wait_for(ready, timeout=5, interval=0.01, sleep=no_sleep)) is True

    clock = iter(range(100))

    async def never() -> bool:
        return False

    try:
        asyncio.run(
            async_wait_for(never, timeout=3, interval=1, clock=lambda: next(clock), sleep=no_sleep)
        )
    except WaitTimeout:
        pass
    else:
        raise AssertionError("expected WaitTimeout")


def test_async_watch_of_recorded_stream_through_async_retry_watcher() -> None:
    script = Script("039")

    async def run() -> list[str]:
        async with AsyncClientset(script.config()) as cs:
            deps = cs.apps_v1().deployments("default")
            rw = AsyncRetryWatcher(
                deps.watch, resource_version="326", timeout_seconds=4, max_reconnects=1
            )
            return [e.type async for e in rw]

    types = asyncio.run(run())
    lines = exchange("039")["response"]["body_lines"]
    recorded = [line["type"] for line in lines if line["type"] != "BOOKMARK"]
    assert types == recorded
