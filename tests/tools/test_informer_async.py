"""AsyncInformer over a scripted async list_watch: the same cache, diff and handlers as the
sync Informer (tests/tools/test_informer.py), driven by two asyncio tasks."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from test_informer import EXPIRED, FAST, Recorder, bookmark, ev, pod, pod_list

from rawkube.errors import InternalError
from rawkube.tools.informer import AsyncInformer

END = object()


class FakeAsyncListWatch:
    """Async `list` and `watch`; each watch replays a script, then idles until cancelled."""

    def __init__(self, lists: list[Any], watches: list[list[Any]]) -> None:
        self.lists, self.watches = list(lists), list(watches)
        self.list_calls: list[dict[str, Any]] = []
        self.watch_calls: list[dict[str, Any]] = []
        self.closed = 0

    async def list(self, **options: Any) -> Any:
        self.list_calls.append(options)
        answer = self.lists.pop(0) if len(self.lists) > 1 else self.lists[0]
        if isinstance(answer, BaseException):
            raise answer
        return copy.deepcopy(answer)

    def watch(self, **options: Any) -> AsyncIterator[Any]:
        self.watch_calls.append(options)
        return self._stream(self.watches.pop(0) if self.watches else [])

    async def _stream(self, script: Sequence[Any]) -> AsyncIterator[Any]:
        try:
            for item in script:
                await asyncio.sleep(0)
                if item is END:
                    return
                err = item.error()
                if err is not None:
                    raise err
                yield item
            await asyncio.sleep(30)  # an idle stream, until the informer stops
        finally:
            self.closed += 1


async def until(condition: Callable[[], Any], timeout: float = 5.0) -> None:
    async def poll() -> None:
        while not condition():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), timeout)


def run(coro: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 20))


def test_async_informer_lists_watches_resumes_and_relists_after_410() -> None:
    watches: list[list[Any]] = [
        [ev("ADDED", pod("d", "11")), bookmark("20"), END],  # dropped after a bookmark
        [ev("MODIFIED", pod("b", "21")), ev("ERROR", EXPIRED)],  # then 410
    ]
    lists = [
        pod_list("10", pod("a", "1"), pod("b", "2")),
        pod_list("30", pod("a", "1"), pod("d", "11"), pod("e", "25")),  # b deleted meanwhile
    ]
    lw = FakeAsyncListWatch(lists, watches)
    rec = Recorder()

    async def scenario() -> None:
        informer = AsyncInformer(lw, backoff=FAST)
        informer.add_event_handler(on_add=rec.add, on_update=rec.update, on_delete=rec.delete)
        async with informer:
            assert await informer.wait_for_cache_sync(timeout=5)
            await until(lambda: len(rec.snapshot()) == 6 and len(lw.watch_calls) >= 3)
            assert informer.store.list_keys() == ["default/a", "default/d", "default/e"]
        assert lw.closed == len(lw.watch_calls)  # every stream was closed, the last by stop()

    run(scenario())
    assert rec.snapshot() == [
        ("add", "default/a@1"),
        ("add", "default/b@2"),
        ("add", "default/d@11"),
        ("update", "default/b@2", "default/b@21"),
        ("delete", "tombstone", "default/b", "default/b@21"),
        ("add", "default/e@25"),
    ]
    assert [c["resource_version"] for c in lw.watch_calls] == ["10", "20", "30"]
    assert len(lw.list_calls) == 2


def test_async_informer_retries_a_failing_list_and_resyncs_from_the_cache() -> None:
    lw = FakeAsyncListWatch([InternalError("down", code=500), pod_list("10", pod("a", "5"))], [])
    rec = Recorder()

    async def scenario() -> None:
        informer = AsyncInformer(lw, backoff=FAST, resync_period=0.05)
        informer.add_event_handler(on_add=rec.add, on_update=rec.update, on_delete=rec.delete)
        assert not informer.has_synced()
        async with informer:
            assert await informer.wait_for_cache_sync(timeout=5)
            await until(lambda: len(rec.snapshot()) >= 3)

    run(scenario())
    calls = rec.snapshot()
    assert calls[0] == ("add", "default/a@5")
    assert calls[1:3] == [("update", "default/a@5", "default/a@5")] * 2
    assert len(lw.list_calls) == 2


def test_async_wait_for_cache_sync_times_out() -> None:
    lw = FakeAsyncListWatch([InternalError("down", code=500)], [])

    async def scenario() -> bool:
        async with AsyncInformer(lw, backoff=FAST) as informer:
            return await informer.wait_for_cache_sync(timeout=0.2)

    assert run(scenario()) is False
