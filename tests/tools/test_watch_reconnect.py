"""Issue 12, items 1 and 2, each by itself (tests/tools/test_watch_faults.py runs them together
with 18 other faults and a 410).

Item 1: a watch framed by connection close and cut mid-line ends in a partial line; client-go's
RetryWatcher treats the decode error at the end of a stream as the end of that watch and watches
again from the last delivered resourceVersion (staging/src/k8s.io/client-go/tools/watch/
retrywatcher.go, doReceive: a watch.Error that is not a Status, or a closed result channel,
restarts). Before, the DecodeError of the partial line ended the RetryWatcher.

Item 2: a load balancer that cuts every watch after it delivered events. client-go restarts
such a watch after minRestartDelay (1 s, NonSlidingUntil: counted from the watch's start) and
never backs off exponentially after a watch that worked. Before, the backoff only reset after a
clean end: the waits grew 0.8, 1.6, 3.2 ... 30 s. The cut here is deterministic: the server
sends whole events in chunks and closes without the terminating chunk (an incomplete chunked
body: httpx's RemoteProtocolError), so no event can be lost in flight and the test depends on
no timing. Waits are recorded, not slept.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest

from rawkube.config.types import Config
from rawkube.tools.informer import AsyncInformer, Informer
from rawkube.tools.watcher import RetryWatcher
from rawkube.typed.clientset import AsyncClientset, Clientset
from tests.helpers.faults import Conn, FaultServer, Req, config_map, event_line

CUTS = 8  # watches cut after delivering one event each


def cms(srv: FaultServer) -> Any:
    return Clientset(Config(host=srv.url, qps=0)).core_v1().config_maps("default")


def rvs(events: list[Any]) -> list[int]:
    return [int(e.object.metadata.resource_version) for e in events]


# -- item 1 ------------------------------------------------------------------------------------


def test_a_close_delimited_watch_cut_mid_line_is_watched_again_from_the_last_event() -> None:
    def handler(conn: Conn, req: Req) -> None:
        since = int(req.query["resourceVersion"])
        conn.head(200, {"Content-Type": "application/json", "Connection": "close"})
        if since == 1:  # rv 2 whole, then half of rv 3, then the connection closes
            cut = event_line("MODIFIED", config_map("a", 3))
            conn.send(event_line("MODIFIED", config_map("a", 2)) + cut[: len(cut) // 2])
        else:
            conn.send(b"".join(event_line("MODIFIED", config_map("a", rv)) for rv in (3, 4)))
        conn.close()

    waits: list[float] = []
    with FaultServer(handler) as srv:
        rw = RetryWatcher(cms(srv).watch, resource_version="1", sleep=waits.append)
        seen: list[Any] = []
        for event in rw:
            seen.append(event)
            if len(seen) == 3:
                rw.stop()
        watched_from = [r.query["resourceVersion"] for r in srv.requests]
    assert rvs(seen) == [2, 3, 4]  # rv 3, cut in the first watch, comes whole in the second
    assert watched_from == ["1", "2"]  # resumed after the last complete event
    assert len(waits) == 1 and waits[0] <= 1.0  # the watch had delivered: no backoff


# -- item 2 ------------------------------------------------------------------------------------


class CutAfterEachEvent:
    """Watch n (n = 1..CUTS) streams the events after the requested resourceVersion, one new
    change each time, and is cut; the next one ends cleanly after the last change. LIST
    answers the object at rv 100."""

    def __init__(self) -> None:
        self.watches = 0
        self.lock = threading.Lock()

    def handle(self, conn: Conn, req: Req) -> None:
        if req.query.get("watch") != "true":
            body = {
                "kind": "ConfigMapList",
                "apiVersion": "v1",
                "metadata": {"resourceVersion": "100"},
                "items": [config_map("a", 100)],
            }
            conn.respond(200, {}, body)
            return
        with self.lock:
            self.watches += 1
            number = self.watches
        since = int(req.query["resourceVersion"])
        last = 100 + min(number, CUTS + 1)
        conn.head(200, {"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
        for rv in range(since + 1, last + 1):
            conn.chunk(event_line("MODIFIED", config_map("a", rv)))
        if number <= CUTS:
            conn.close()  # FIN without the last chunk: "incomplete chunked read"
            return
        while not conn.server.closing.is_set() and not conn.closed:
            time.sleep(0.05)  # then an idle watch, until the test is done


def assert_restarts_after_about_a_second(waits: list[float]) -> None:
    # One wait per cut; each is minRestartDelay minus the time the watch was open (<= 1 s);
    # the old backoff gave 0.8, 1.6, 3.2, 6.4 ... (their sum passes 100 s by the 8th cut).
    assert len(waits) == CUTS, waits
    assert all(0.0 <= w <= 1.0 for w in waits), waits
    assert sum(waits) <= CUTS * 1.0


def test_retry_watcher_restarts_after_a_second_when_every_watch_is_cut_after_events() -> None:
    server = CutAfterEachEvent()
    waits: list[float] = []
    with FaultServer(server.handle) as srv:
        rw = RetryWatcher(cms(srv).watch, resource_version="100", sleep=waits.append)
        seen: list[Any] = []
        for event in rw:
            seen.append(event)
            if len(seen) == CUTS + 1:
                rw.stop()
    assert rvs(seen) == list(range(101, 102 + CUTS))  # each change once, in order
    assert_restarts_after_about_a_second(waits)


def test_informer_restarts_after_a_second_when_every_watch_is_cut_after_events() -> None:
    server = CutAfterEachEvent()
    waits: list[float] = []
    updates: list[int] = []
    done = threading.Event()

    def on_update(old: Any, new: Any) -> None:
        updates.append(int(new.metadata.resource_version))
        if len(updates) == CUTS + 1:
            done.set()

    with FaultServer(server.handle) as srv:
        informer = Informer(cms(srv), sleep=waits.append)
        informer.add_event_handler(on_update=on_update)
        with informer:
            assert done.wait(30), updates
    assert updates == list(range(101, 102 + CUTS))
    assert_restarts_after_about_a_second(waits)


def test_async_informer_restarts_after_a_second_when_every_watch_is_cut_after_events() -> None:
    """The same for AsyncInformer (the same reflector flow and Pacing, the async driver)."""
    server = CutAfterEachEvent()
    waits: list[float] = []
    updates: list[int] = []

    async def record_wait(seconds: float) -> None:
        waits.append(seconds)

    async def main() -> None:
        done = asyncio.Event()

        def on_update(old: Any, new: Any) -> None:
            updates.append(int(new.metadata.resource_version))
            if len(updates) == CUTS + 1:
                done.set()

        async with AsyncClientset(Config(host=srv.url, qps=0)) as cs:
            informer = AsyncInformer(cs.core_v1().config_maps("default"), sleep=record_wait)
            informer.add_event_handler(on_update=on_update)
            async with informer:
                await asyncio.wait_for(done.wait(), 30)

    with FaultServer(server.handle) as srv:
        asyncio.run(asyncio.wait_for(main(), 60))
    assert updates == list(range(101, 102 + CUTS))
    assert_restarts_after_about_a_second(waits)


@pytest.mark.parametrize("delivered", [0, 1])
def test_the_pacing_rule_itself(delivered: int) -> None:
    """reflector.Pacing on a fake clock: a watch that delivered restarts 1 s after its start,
    however often that happens; one that delivered nothing and lived < 1 s backs off."""
    from rawkube.retry import Backoff
    from rawkube.tools.reflector import Pacing

    now = [0.0]
    pacing = Pacing(
        Backoff(duration=0.8, factor=2.0, jitter=0.0, steps=10, cap=30.0), clock=lambda: now[0]
    )
    waits = []
    for _ in range(6):
        pacing.watch_started()
        now[0] += 0.25  # the watch lived a quarter of a second
        wait = pacing.watch_ended(delivered)
        waits.append(wait)
        now[0] += wait
    if delivered:
        assert waits == [0.75] * 6
    else:
        assert waits == [0.8, 1.6, 3.2, 6.4, 12.8, 25.6]
