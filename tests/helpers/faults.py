"""A fault-injecting HTTP/1.1 server on raw sockets (127.0.0.1), for what real servers and
proxies do to clients: reset a connection before the headers, in the middle of a body or of a
watch; drip a body byte by byte; answer 429/503 with Retry-After again and again; frame a body
by closing the connection, or with chunked encoding cut anywhere.

    def handler(conn: Conn, req: Req) -> None:
        conn.respond(503, {"Retry-After": "30"}, b"busy")

    with FaultServer(handler) as srv:
        cfg = Config(host=srv.url, qps=0, timeout=2)
        ...
        srv.requests        # every request seen, in order

The handler runs on the connection's own thread and writes raw bytes through `Conn`; it may
keep state on `srv.state` (a dict) across connections. Every socket has a timeout, threads are
daemons, and `close()` (leaving the `with`) shuts everything down, so no test can hang on it.
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

SOCKET_TIMEOUT = 10.0


@dataclass
class Req:
    """One request as the server read it."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def query(self) -> dict[str, str]:
        from urllib.parse import parse_qsl

        return dict(parse_qsl(self.target.split("?", 1)[1])) if "?" in self.target else {}


class Conn:
    """The server side of one connection: write raw bytes, reset, close, drip."""

    def __init__(self, sock: socket.socket, server: FaultServer) -> None:
        self.sock = sock
        self.server = server
        self.closed = False

    # -- raw -------------------------------------------------------------------------------------
    def send(self, data: bytes) -> None:
        with contextlib.suppress(OSError):
            self.sock.sendall(data)

    def reset(self) -> None:
        """Close with a TCP RST (SO_LINGER 0): the client reads ECONNRESET."""
        if self.closed:
            return
        self.closed = True
        with contextlib.suppress(OSError):
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.sock.close()

    def close(self) -> None:
        """Close cleanly (FIN): the client reads EOF."""
        if self.closed:
            return
        self.closed = True
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            self.sock.close()

    def drip(self, data: bytes, interval: float) -> None:
        """Send `data` one byte every `interval` seconds (stops when the client goes away or
        the server closes)."""
        for i in range(len(data)):
            if self.server.closing.is_set():
                return
            try:
                self.sock.sendall(data[i : i + 1])
            except OSError:
                return
            time.sleep(interval)

    # -- HTTP --------------------------------------------------------------------------------------
    def head(self, status: int, headers: dict[str, str] | None = None) -> None:
        lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.send(("\r\n".join(lines) + "\r\n\r\n").encode())

    def respond(
        self,
        status: int,
        headers: dict[str, str] | None = None,
        body: bytes | dict[str, Any] = b"",
    ) -> None:
        """A whole response framed by Content-Length (JSON when `body` is a dict)."""
        headers = dict(headers or {})
        if isinstance(body, dict):
            body = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        headers["Content-Length"] = str(len(body))
        self.head(status, headers)
        self.send(body)

    def chunk(self, data: bytes) -> None:
        """One chunk of a `Transfer-Encoding: chunked` body."""
        self.send(f"{len(data):x}\r\n".encode() + data + b"\r\n")

    def end_chunks(self) -> None:
        self.send(b"0\r\n\r\n")


Handler = Callable[[Conn, Req], None]


@dataclass
class FaultServer:
    """Serves `handler` on 127.0.0.1 (a fresh port); one thread per connection, keep-alive."""

    handler: Handler
    requests: list[Req] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)
    # Serve HTTPS with this context (a server certificate from tests/helpers/certs.py).
    tls: ssl.SSLContext | None = None

    def __post_init__(self) -> None:
        self.closing = threading.Event()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self.url = f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"
        self._threads: list[threading.Thread] = []
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()
        self._acceptor = threading.Thread(target=self._accept, daemon=True)
        self._acceptor.start()

    def __enter__(self) -> FaultServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.closing.set()
        with contextlib.suppress(OSError):
            self._listener.close()
        with self._lock:
            conns = list(self._conns)
        for sock in conns:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()
        self._acceptor.join(timeout=5)
        for thread in self._threads:
            thread.join(timeout=5)

    @property
    def connections(self) -> int:
        with self._lock:
            return len(self._conns)

    def _accept(self) -> None:
        while not self.closing.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            sock.settimeout(SOCKET_TIMEOUT)
            with self._lock:
                self._conns.append(sock)
            thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, sock: socket.socket) -> None:
        if self.tls is not None:
            raw = sock
            try:  # the handshake here, in the connection's thread, not in the accept loop
                sock = self.tls.wrap_socket(raw, server_side=True)
            except OSError:
                raw.close()
                return
            with self._lock:  # close() shuts down the TLS socket (the raw one is detached)
                self._conns[self._conns.index(raw)] = sock
        conn = Conn(sock, self)
        buffer = b""
        try:
            while not conn.closed and not self.closing.is_set():
                req, buffer = _read_request(sock, buffer)
                if req is None:
                    break
                with self._lock:
                    self.requests.append(req)
                self.handler(conn, req)
        except OSError:
            pass
        finally:
            conn.close()


def _read_request(sock: socket.socket, buffer: bytes) -> tuple[Req | None, bytes]:
    while b"\r\n\r\n" not in buffer:
        data = sock.recv(65536)
        if not data:
            return None, b""
        buffer += data
    head, _, rest = buffer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or 0)
    while len(rest) < length:
        data = sock.recv(65536)
        if not data:
            break
        rest += data
    return Req(method, target, headers, rest[:length]), rest[length:]


_REASONS = {
    200: "OK",
    201: "Created",
    404: "Not Found",
    410: "Gone",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


# -- building blocks for handlers ------------------------------------------------------------------


def status_body(
    code: int, reason: str, message: str, retry_after: int | None = None
) -> dict[str, Any]:
    """A metav1.Status the way kube-apiserver writes one."""
    status: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    if retry_after is not None:
        status["details"] = {"retryAfterSeconds": retry_after}
    return status


def event_line(kind: str, obj: dict[str, Any]) -> bytes:
    return json.dumps({"type": kind, "object": obj}, separators=(",", ":")).encode() + b"\n"


def config_map(name: str, rv: int, namespace: str = "default") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace, "resourceVersion": str(rv)},
        "data": {"rv": str(rv)},
    }


def lines(events: Iterable[bytes]) -> bytes:
    return b"".join(events)
