"""Closing or cancelling a stream leaks no socket and no thread: this process's file
descriptors and threads are counted before and after (the server runs in another process,
`rawkube serve`, so only the client's are counted)."""

from __future__ import annotations

import asyncio
import gc
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from rawkube import load_config
from rawkube.errors import PortForwardError
from rawkube.stream.portforward import AsyncPortForward, PortForward, open_tunnel
from rawkube.stream.remotecommand import aconnect_exec, aexec_command, connect_exec, exec_command
from rawkube.transport import build_async_client, build_client
from tests.helpers.stream_server import POD, Served, serve

pytestmark = pytest.mark.timeout(90)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serve(tmp_path_factory.mktemp("leaks")) as s:
        yield s


def fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def settle(expected_fds: int, expected_threads: int, timeout: float = 10.0) -> tuple[int, int]:
    """The counts once they stopped moving (threads end a moment after their last step)."""
    deadline = time.monotonic() + timeout
    while True:
        gc.collect()
        now = (fds(), threading.active_count())
        if now == (expected_fds, expected_threads) or time.monotonic() > deadline:
            return now
        time.sleep(0.05)


def counted(fn: Callable[[], None]) -> None:
    """Run `fn` twice (the first run warms up imports, caches and the keep-alive pool),
    then check the second leaves as many fds and threads as it found."""
    fn()
    before = (fds(), threading.active_count())
    fn()
    assert settle(*before) == before


def test_sync_exec_close_and_cancel_leak_nothing(served: Served) -> None:
    client = build_client(load_config(kubeconfig=str(served.kubeconfig)))

    def work() -> None:
        client.get("/api/v1/namespaces/default/pods")  # keeps one pooled connection
        for _ in range(3):
            assert exec_command(client, "default", POD, ["echo", "x"]).stdout == b"x\n"
        assert (
            exec_command(client, "default", POD, ["cat"], stdin=os.urandom(1 << 20)).exit_code == 0
        )
        # closed early, output unread
        s = connect_exec(client, "default", POD, ["cat"], stdin=True)
        s.stdin.write(b"abandoned")
        s.close()
        # cancelled from another thread while blocked reading
        s = connect_exec(client, "default", POD, ["sleep"])
        timer = threading.Timer(0.2, s.cancel)
        timer.start()
        assert s.stdout.read() == b""
        s.close()
        timer.join()

    try:
        counted(work)
    finally:
        client.close()


def test_sync_port_forward_close_with_live_connections_leaks_nothing(served: Served) -> None:
    client = build_client(load_config(kubeconfig=str(served.kubeconfig)))

    def work() -> None:
        client.get("/api/v1/namespaces/default/pods")
        with PortForward(client, "default", POD, [80, 81, 82]) as pf:
            conns = []
            for port in (80, 81, 80):
                c = socket.create_connection(("127.0.0.1", pf.local_port(port)), timeout=10)
                c.sendall(b"ping")
                assert c.recv(4) == b"ping"
                conns.append(c)
            conns[0].close()  # one ends before, two stay open across pf.close()
            refused = socket.create_connection(("127.0.0.1", pf.local_port(82)), timeout=10)
            assert refused.recv(1) == b""
            refused.close()
        for c in conns[1:]:
            assert c.recv(1) == b""  # cut by close()
            c.close()
        assert any(isinstance(e, PortForwardError) for e in pf.errors)
        with open_tunnel(client, "default", POD, 81) as t:
            t.sendall(b"t")
            assert t.recv(1) == b"t"

    try:
        counted(work)
    finally:
        client.close()


def test_async_exec_and_port_forward_cancellation_leak_nothing(served: Served) -> None:
    async def work() -> None:
        async with build_async_client(load_config(kubeconfig=str(served.kubeconfig))) as c:
            assert (await aexec_command(c, "default", POD, ["echo", "a"])).stdout == b"a\n"
            s = await aconnect_exec(c, "default", POD, ["sleep"])
            task = asyncio.ensure_future(s.stdout.read())
            await asyncio.sleep(0.1)
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await s.close()
            async with AsyncPortForward(c, "default", POD, [80]) as pf:
                reader, writer = await asyncio.open_connection("127.0.0.1", pf.local_port(80))
                writer.write(b"hi")
                await writer.drain()
                assert await reader.readexactly(2) == b"hi"
                # left open: close() of the forwarder cuts it
            assert await reader.read() == b""
            writer.close()
            await writer.wait_closed()

    def run() -> None:
        asyncio.run(asyncio.wait_for(work(), 40))

    counted(run)
