"""RetryWatcher and Informer (sync and async) against a server that cuts every watch (tests/helpers/faults.py):
issue 12's acceptance "across 20 injected disconnects (mid-line, mid-chunk, between events)
and a 410 see every change exactly once, in order; with resets after each delivered event the
reconnect delay stays at client-go's (about 1 s), not exponential" (items 1 and 2).

The server keeps a history of ConfigMap changes. Each watch request first lets a few more
changes happen (the world moves on while the client reconnects), streams every change after the
requested resourceVersion, and then breaks the connection in one of five ways, in turn. One
request is answered with a 410 ERROR event instead: the client must re-list, and since it had
seen everything, the re-list must report nothing new.

Waits are recorded, not slept, so the test takes no wall time for them.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

from rawkube.config.types import Config
from rawkube.rest.watch import WatchEvent
from rawkube.tools.informer import AsyncInformer, Informer
from rawkube.tools.watcher import AsyncRetryWatcher, RetryWatcher, SyntheticEvent
from rawkube.typed.clientset import AsyncClientset, Clientset
from tests.helpers.faults import Conn, FaultServer, Req, config_map, event_line, status_body

DISCONNECTS = 20
GONE_AT = 11  # the 11th watch request is answered 410
PER_WATCH = 3  # changes that happen before each watch request is answered
INITIAL = 4  # changes made before the first LIST
FAULTS = [
    "chunked: reset between events",
    "chunked: reset mid-line",
    "chunked: reset mid-chunk",
    "close-delimited: closed mid-line",
    "close-delimited: closed between events",
]


class ConfigMaps:
    """The server side: history, state, LIST and WATCH with faults."""

    def __init__(self) -> None:
        self.history: list[tuple[str, str, int]] = []  # (type, name, rv)
        self.events: list[bytes] = []  # the same changes as watch lines
        self.objects: dict[str, dict[str, Any]] = {}
        self.rv = 100
        self.watches = 0
        self.lock = threading.Lock()
        self.done = threading.Event()
        for _ in range(INITIAL):
            self._change()

    def _change(self) -> None:
        self.rv += 1
        n = len(self.history)
        name = f"cm-{n % 4}"
        if name in self.objects and n % 7 == 6:
            kind = "DELETED"
            obj = config_map(name, self.rv)
            del self.objects[name]
        else:
            kind = "MODIFIED" if name in self.objects else "ADDED"
            obj = self.objects[name] = config_map(name, self.rv)
        self.history.append((kind, name, self.rv))
        self.events.append(event_line(kind, obj))

    def handle(self, conn: Conn, req: Req) -> None:
        if req.query.get("watch") != "true":
            with self.lock:
                items = list(self.objects.values())
                body = {
                    "kind": "ConfigMapList",
                    "apiVersion": "v1",
                    "metadata": {"resourceVersion": str(self.rv)},
                    "items": items,
                }
            conn.respond(200, {}, body)
            return
        with self.lock:
            self.watches += 1
            number = self.watches
            if number == GONE_AT:
                gone = status_body(410, "Expired", "too old resource version")
                conn.head(200, {"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
                conn.chunk(event_line("ERROR", gone))
                conn.end_chunks()
                return
            if number <= DISCONNECTS + 1:
                for _ in range(PER_WATCH):
                    self._change()
            if number >= DISCONNECTS + 1:
                self.done.set()  # no more changes from here on
            since = int(req.query.get("resourceVersion") or 0)
            lines = [
                line
                for (_, _, rv), line in zip(self.history, self.events, strict=True)
                if rv > since
            ]
        if number > DISCONNECTS + 1:  # all changes made: the rest, then an idle watch
            conn.head(200, {"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
            for line in lines:
                conn.chunk(line)
            while not conn.server.closing.is_set() and not conn.closed:
                time.sleep(0.05)
            return
        fault = FAULTS[(number - 1) % len(FAULTS)]
        stream = b"".join(lines)
        last = lines[-1]
        if fault.startswith("chunked"):
            conn.head(200, {"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
            if fault.endswith("between events"):
                for line in lines:
                    conn.chunk(line)
            elif fault.endswith("mid-line"):
                for line in lines[:-1]:
                    conn.chunk(line)
                conn.chunk(last[: len(last) // 2])  # a whole chunk holding half a line
            else:  # mid-chunk: the chunk's size promises the whole line, half of it comes
                for line in lines[:-1]:
                    conn.chunk(line)
                conn.send(f"{len(last):x}\r\n".encode() + last[: len(last) // 2])
            time.sleep(0.05)  # a RST drops what the client has not read yet: let it read
            conn.reset()
        else:
            conn.head(200, {"Content-Type": "application/json", "Connection": "close"})
            conn.send(stream if fault.endswith("between events") else stream[: -len(last) // 2])
            conn.close()

    def expected(self) -> list[tuple[str, str, str]]:
        return [(kind, name, str(rv)) for kind, name, rv in self.history]


def config(srv: FaultServer) -> Config:
    return Config(host=srv.url, qps=0)


def view(event: Any) -> tuple[str, str, str]:
    obj = event.object
    return (event.type, obj.metadata.name, obj.metadata.resource_version)


def test_retry_watcher_sees_every_change_once_in_order_across_disconnects_and_a_410() -> None:
    server = ConfigMaps()
    waits: list[float] = []
    with FaultServer(server.handle) as srv:
        cms = Clientset(config(srv)).core_v1().config_maps("default")
        rw = RetryWatcher(cms.watch, list_fn=cms.list, sleep=waits.append)
        seen: list[tuple[str, str, str]] = []
        synthetic: list[Any] = []
        for event in rw:
            if isinstance(event, SyntheticEvent):
                synthetic.append((event.type, event.object.metadata.name))
                continue
            assert isinstance(event, WatchEvent)
            seen.append(view(event))
            if server.done.is_set() and len(seen) >= len(server.history) - INITIAL:
                rw.stop()
    # The first LIST: the objects alive then, as synthetic ADDED events; then every change
    # once, in order; the re-list after 410 found nothing the watcher had not delivered.
    assert synthetic == [("ADDED", name) for name in sorted(_alive_after(server.history[:INITIAL]))]
    assert seen == server.expected()[INITIAL:]
    assert rw.relists == 2  # the first LIST, then the one after 410
    assert rw.watches_opened >= DISCONNECTS + 1  # 20 cut short, one answered 410
    assert_client_go_pacing(waits)


def assert_client_go_pacing(waits: list[float]) -> None:
    """client-go's RetryWatcher restarts at most once a second after a watch that delivered
    events, never with a growing backoff (before: 0.8, 1.7, 3.4 ... 32 s). A reset can land
    before the client read anything (the kernel drops unread data on a RST): that watch is a
    failure and waits one backoff step (0.8-1.6 s, jitter 1.0), reset by the next good one."""
    assert len(waits) >= DISCONNECTS - 1  # one after each cut but the last
    assert max(waits) < 2.0, waits  # an exponential backoff reaches 3.2 s by the 4th cut
    assert len([w for w in waits if w > 1.0]) <= 3, waits  # the rest: 1 s after a start


class Recorder:
    """Informer handlers that record each call as (type, name, resourceVersion)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str]] = []
        self.lock = threading.Lock()

    def handler(self, kind: str) -> Any:
        def handler(*objs: Any) -> None:
            obj = objs[-1]
            with self.lock:
                self.calls.append((kind, obj.metadata.name, obj.metadata.resource_version))

        return handler

    def handlers(self) -> dict[str, Any]:
        return {
            "on_add": self.handler("ADDED"),
            "on_update": self.handler("MODIFIED"),
            "on_delete": self.handler("DELETED"),
        }

    def saw_all(self, server: ConfigMaps) -> bool:
        with self.lock:  # the adds of the first LIST and every later change
            return server.done.is_set() and len(self.calls) >= len(server.history)


def assert_informer_saw_every_change_once(server: ConfigMaps, calls: list[Any]) -> None:
    # The first LIST reports the objects alive then as adds; after it, every change once.
    alive = sorted(_alive_after(server.history[:INITIAL]).items())
    assert calls[: len(alive)] == [("ADDED", name, rv) for name, rv in alive]
    assert calls[len(alive) :] == server.expected()[INITIAL:]


def test_informer_sees_every_change_once_in_order_across_disconnects_and_a_410() -> None:
    server = ConfigMaps()
    recorder = Recorder()
    waits: list[float] = []
    with FaultServer(server.handle) as srv:
        cms = Clientset(config(srv)).core_v1().config_maps("default")
        informer = Informer(cms, sleep=waits.append)
        informer.add_event_handler(**recorder.handlers())
        with informer:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not recorder.saw_all(server):
                time.sleep(0.02)
    assert_informer_saw_every_change_once(server, recorder.calls)
    assert informer.reflector.relists == 2  # the first LIST, then the one after 410
    assert informer.reflector.watches_opened >= DISCONNECTS + 1  # 20 cut short, one 410
    assert_client_go_pacing(waits)


def test_async_informer_sees_every_change_once_in_order_across_disconnects_and_a_410() -> None:
    """The same for AsyncInformer: the same reflector flow, driven by the async runtime."""
    server = ConfigMaps()
    recorder = Recorder()
    waits: list[float] = []

    async def record_wait(seconds: float) -> None:
        waits.append(seconds)

    async def main() -> AsyncInformer:
        async with AsyncClientset(config(srv)) as cs:
            cms = cs.core_v1().config_maps("default")
            informer = AsyncInformer(cms, sleep=record_wait)
            informer.add_event_handler(**recorder.handlers())
            async with informer:
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline and not recorder.saw_all(server):
                    await asyncio.sleep(0.02)
        return informer

    with FaultServer(server.handle) as srv:
        informer = asyncio.run(asyncio.wait_for(main(), 90))
    assert_informer_saw_every_change_once(server, recorder.calls)
    assert informer.reflector.relists == 2  # the first LIST, then the one after 410
    assert informer.reflector.watches_opened >= DISCONNECTS + 1  # 20 cut short, one 410
    assert_client_go_pacing(waits)


def _alive_after(history: list[tuple[str, str, int]]) -> dict[str, str]:
    alive: dict[str, str] = {}
    for kind, name, rv in history:
        if kind == "DELETED":
            alive.pop(name, None)
        else:
            alive[name] = str(rv)
    return alive


def test_async_retry_watcher_the_same_flow() -> None:
    server = ConfigMaps()
    waits: list[float] = []

    async def record_wait(seconds: float) -> None:
        waits.append(seconds)

    async def main() -> list[tuple[str, str, str]]:
        seen: list[tuple[str, str, str]] = []
        async with AsyncClientset(config(srv)) as cs:
            cms = cs.core_v1().config_maps("default")
            rw = AsyncRetryWatcher(cms.watch, list_fn=cms.list, sleep=record_wait)
            async for event in rw:
                if isinstance(event, SyntheticEvent):
                    continue
                seen.append(view(event))
                if server.done.is_set() and len(seen) >= len(server.history) - INITIAL:
                    rw.stop()
        return seen

    with FaultServer(server.handle) as srv:
        seen = asyncio.run(asyncio.wait_for(main(), 60))
    assert seen == server.expected()[INITIAL:]
    assert_client_go_pacing(waits)
