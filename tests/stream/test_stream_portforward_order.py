"""Port forwarding keeps the client's bytes in order when they arrive before the pod's port
accepted (the LocalAPIServer's kubelet side, rawkube/testing/server/streams.py PodSide), and
rawkube's PortForward closes a local connection only once no pump reads it (the last test).

The flake this pins down (tests/stream/test_stream_portforward.py, under load only): bytes that
came while the pod's port was still connecting were buffered and later sent by the connecting
thread, while the thread reading the client already sent newer bytes straight to the pod; the
echo came back with its head swapped ("At index 0 diff"). Here the interleaving is forced: the
pod's port accepts only once the server has read two messages, the third is sent once the
first bytes go to the pod, and the pod socket's first send waits (at most a second) for a
concurrent send from another thread, which the old code made and the fixed one never makes
(one writer per connection, in arrival order).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from rawkube.stream.portforward import open_tunnel
from rawkube.testing import LocalAPIServer
from rawkube.testing.server import streams
from rawkube.testing.server.streams import PodSide
from rawkube.transport import build_client
from tests.helpers.stream_handlers import echo_address
from tests.helpers.stream_server import pod_manifest

pytestmark = pytest.mark.timeout(60)


class _SecondSendFirst(socket.socket):
    """A pod socket whose first sendall lets a concurrent sendall (another thread) go first."""

    def __init__(self, fileno: int) -> None:
        super().__init__(fileno=fileno)
        self._calls = 0
        self._lock = threading.Lock()
        self._other_sent = threading.Event()
        self.first_send = threading.Event()
        self.threads: set[str] = set()

    def sendall(self, data: Any, flags: int = 0) -> None:
        with self._lock:
            self._calls += 1
            first = self._calls == 1
            self.threads.add(threading.current_thread().name)
        if first:
            self.first_send.set()
            self._other_sent.wait(1.0)  # the old code's reading thread sends meanwhile
            super().sendall(data, flags)
        else:
            super().sendall(data, flags)
            self._other_sent.set()


@pytest.fixture(scope="module")
def server() -> Iterator[LocalAPIServer]:
    with LocalAPIServer() as srv:
        with build_client(srv.config()) as c:
            r = c.post("/api/v1/namespaces/default/pods", json=pod_manifest("order"))
            assert r.status_code == 201, r.text
            deadline = time.monotonic() + 20
            while (
                c.get("/api/v1/namespaces/default/pods/order").json()["status"].get("phase")
                != "Running"
            ):
                assert time.monotonic() < deadline, "the pod does not run"
                time.sleep(0.05)
        yield srv


@pytest.fixture
def client(server: LocalAPIServer) -> Iterator[httpx.Client]:
    with build_client(server.config()) as c:
        yield c


def test_bytes_sent_before_the_pods_port_accepted_arrive_in_order(
    server: LocalAPIServer, client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    read_two = threading.Event()
    original = streams._WebSocketServer.messages

    def messages(self: Any) -> Iterator[Any]:
        gen = original(self)
        n = 0
        while True:
            if n == 2:
                read_two.set()  # the first two data messages were taken by the reading thread
            message = next(gen, None)
            if message is None:
                return
            n += 1
            yield message

    monkeypatch.setattr(streams._WebSocketServer, "messages", messages)
    made: list[_SecondSendFirst] = []

    def handler(pod: Any, port: int) -> socket.socket:
        assert read_two.wait(10), "the server did not read the client's first messages"
        raw = socket.create_connection(echo_address(), timeout=10)
        sock = _SecondSendFirst(raw.detach())
        made.append(sock)
        return sock

    server.port_forward_handler = handler
    try:
        chunks = [os.urandom(1000) for _ in range(3)]
        with open_tunnel(client, "default", "order", 80) as tunnel:
            tunnel.sendall(chunks[0])  # one WebSocket message each: these two come before
            tunnel.sendall(chunks[1])  # the pod's port accepted ...
            deadline = time.monotonic() + 10
            while not (made and made[0].first_send.wait(0.05)):
                assert time.monotonic() < deadline, "nothing was sent to the pod"
            tunnel.sendall(chunks[2])  # ... this one while they are being sent
            got = b""
            while len(got) < 3000:
                piece = tunnel.recv(65536)
                assert piece, "the tunnel ended early"
                got += piece
        assert got == b"".join(chunks)
        assert len(made) == 1 and len(made[0].threads) == 1  # one writer per pod connection
    finally:
        server.port_forward_handler = None


def test_pod_side_writes_in_order_then_half_closes_and_closes_once() -> None:
    ours, pods = socket.socketpair()
    with pods:
        side = PodSide()
        side.put(b"a")  # before the port accepted
        side.put(b"b")
        assert side.adopt(ours)
        side.put(b"c")
        side.end()  # the client's half-close: after the queued bytes
        got = b""
        while True:
            piece = pods.recv(10)
            if not piece:
                break
            got += piece
        assert got == b"abc"
        pods.sendall(b"reply")  # the half-close left the other direction open
        assert ours.recv(10) == b"reply"
        assert ours.fileno() != -1  # the reader still holds it
        side.stop()
        side.release()
        assert ours.fileno() == -1  # closed by its last user
    late = socket.socketpair()
    stopped = PodSide()
    stopped.stop()
    assert not stopped.adopt(late[0])  # the connection ended while the port was connecting
    assert late[0].fileno() == -1
    late[1].close()


class _Watched:
    """A local connection's socket that notes how many reads are in progress at its close."""

    def __init__(self, sock: socket.socket, log: list[int]) -> None:
        self._sock = sock
        self._log = log
        self._reading = 0
        self._lock = threading.Lock()

    def recv(self, size: int) -> bytes:
        with self._lock:
            self._reading += 1
        try:
            return self._sock.recv(size)
        finally:
            with self._lock:
                self._reading -= 1

    def sendall(self, data: bytes) -> None:
        self._sock.sendall(data)

    def shutdown(self, how: int) -> None:
        self._sock.shutdown(how)

    def close(self) -> None:
        with self._lock:
            self._log.append(self._reading)
        self._sock.close()


def test_a_local_connection_is_closed_only_once_nobody_reads_it(
    server: LocalAPIServer, client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pod's side ends first while the local client sends nothing: one pump ends, the other
    is blocked reading the local connection. Its descriptor must not be closed under that read
    (a reused descriptor would hand a new connection's bytes to the old pump)."""
    from rawkube.stream import _io
    from rawkube.stream.portforward import PortForward

    closes: list[int] = []
    original_init = _io.SocketEndpoint.__init__

    def init(self: Any, sock: socket.socket) -> None:
        original_init(self, _Watched(sock, closes))  # type: ignore[arg-type]

    monkeypatch.setattr(_io.SocketEndpoint, "__init__", init)
    listener = socket.create_server(("127.0.0.1", 0))

    def accept_and_hang_up() -> None:
        conn, _ = listener.accept()
        conn.close()  # the pod's program ends the connection at once

    threading.Thread(target=accept_and_hang_up, daemon=True).start()
    server.port_forward_handler = lambda pod, port: listener.getsockname()[:2]
    try:
        with PortForward(client, "default", "order", [80]) as pf:
            with socket.create_connection(("127.0.0.1", pf.local_port(80)), timeout=10) as s:
                assert s.recv(10) == b""  # the pod side ended: so does the local connection
            deadline = time.monotonic() + 10
            while not closes:
                assert time.monotonic() < deadline, "the local connection was never closed"
                time.sleep(0.02)
        assert closes == [0]
    finally:
        server.port_forward_handler = None
        listener.close()
