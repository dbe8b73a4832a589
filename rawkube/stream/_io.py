"""The I/O under the streams: steps, their two tiny drivers, and the endpoints they act on.

Every loop of exec, attach and port-forward (open the connection, read until a channel has
data, write stdin, pump bytes between a local socket and a tunnel) is written ONCE, as a
flow of rawkube.flow: a generator that yields steps (`Send`, `ReadBody`, `Read`, `Write`,
`Close` ...) and receives their results. `run_sync` (rawkube.flow.run) performs each step with
blocking calls, `run_async` (rawkube.flow.arun) awaits it; a step's `run` and `arun` are the
only places where the sync and the async clients differ.

Endpoints are what steps read from and write to: `DuplexSocket` (sync; a socket, TLS or not,
that several threads may read and write at once) and `AsyncStream` (an httpcore/anyio network
stream), and the local side of a port forward (`SocketEndpoint`, `AsyncSocketEndpoint`).
"""

from __future__ import annotations

import asyncio
import select
import socket
import ssl
import threading
from collections.abc import Callable, Generator
from typing import Any, TypeVar

import httpx

from rawkube.flow import Step, arun, run

T = TypeVar("T")

READ_SIZE = 64 * 1024


# -- steps ------------------------------------------------------------------------------------------


class Send(Step):
    """Send a request through an httpx client (its auth flow, transport and proxies), keeping
    the response open: an upgrade answers 101 and hands over its connection."""

    def __init__(self, client: Any, request: httpx.Request) -> None:
        self.client = client
        self.request = request

    def run(self, rt: Any = None) -> httpx.Response:
        return self.client.send(self.request, stream=True)

    async def arun(self, rt: Any = None) -> httpx.Response:
        return await self.client.send(self.request, stream=True)


class ReadBody(Step):
    def __init__(self, response: httpx.Response) -> None:
        self.response = response

    def run(self, rt: Any = None) -> bytes:
        try:
            return self.response.read()
        finally:
            self.response.close()

    async def arun(self, rt: Any = None) -> bytes:
        try:
            return await self.response.aread()
        finally:
            await self.response.aclose()


class CloseResponse(Step):
    def __init__(self, response: httpx.Response) -> None:
        self.response = response

    def run(self, rt: Any = None) -> None:
        self.response.close()

    async def arun(self, rt: Any = None) -> None:
        await self.response.aclose()


class Read(Step):
    """Up to `size` bytes from an endpoint, b"" at its end. With `unless`: None without reading
    when `unless()` is true once the endpoint's read turn came (another reader may have read
    what this one waits for)."""

    def __init__(
        self, endpoint: Any, size: int = READ_SIZE, unless: Callable[[], bool] | None = None
    ):
        self.endpoint = endpoint
        self.size = size
        self.unless = unless

    def run(self, rt: Any = None) -> bytes | None:
        return self.endpoint.read(self.size, self.unless)

    async def arun(self, rt: Any = None) -> bytes | None:
        return await self.endpoint.read(self.size, self.unless)


class Write(Step):
    def __init__(self, endpoint: Any, data: bytes) -> None:
        self.endpoint = endpoint
        self.data = data

    def run(self, rt: Any = None) -> None:
        self.endpoint.write(self.data)

    async def arun(self, rt: Any = None) -> None:
        await self.endpoint.write(self.data)


class Close(Step):
    """Close an endpoint; `write_only`: only our sending side (a half-close), where it can."""

    def __init__(self, endpoint: Any, write_only: bool = False) -> None:
        self.endpoint = endpoint
        self.write_only = write_only

    def run(self, rt: Any = None) -> None:
        self.endpoint.close(self.write_only)

    async def arun(self, rt: Any = None) -> None:
        await self.endpoint.close(self.write_only)


Steps = Generator[Step, Any, T]


def run_sync(steps: Steps[T]) -> T:
    """Drive a step generator with blocking calls (rawkube.flow.run). A failed step is thrown
    into the generator, so its `finally` blocks and handlers run as in plain code."""
    return run(steps)


async def run_async(steps: Steps[T]) -> T:
    """Drive a step generator in an event loop (rawkube.flow.arun: the same steps, awaited)."""
    return await arun(steps)


# -- sync endpoints -----------------------------------------------------------------------------


class DuplexSocket:
    """A connected socket that several threads use at once: one reads while others write.

    OpenSSL objects must not be used by two threads at the same time (python/cpython#77271;
    python-engineio#461 saw TLS records corrupted by a read thread and a write thread on one
    SSLSocket). So the socket is non-blocking, every recv/send runs under one lock, and the
    waiting for readiness happens outside the lock (poll). A plain socket works the same way.
    `shutdown()` may be called from any thread: blocked readers and writers wake up and see
    the end.
    """

    def __init__(self, sock: socket.socket, leading: bytes = b"") -> None:
        self.sock = sock
        self._leading = bytearray(leading)
        self._lock = threading.Lock()
        self._read_turn = threading.Lock()  # one reader at a time (see Read.unless)
        self._write_turn = threading.Lock()  # whole writes do not interleave
        self._down = False
        sock.setblocking(False)

    @property
    def closed(self) -> bool:
        return self._down

    def read(self, size: int = READ_SIZE, unless: Callable[[], bool] | None = None) -> bytes | None:
        with self._read_turn:
            if unless is not None and unless():
                return None
            return self.recv(size)

    def recv(self, size: int = READ_SIZE) -> bytes:
        if self._leading:
            data = bytes(self._leading[:size])
            del self._leading[:size]
            return data
        while True:
            with self._lock:
                if self._down:
                    return b""
                try:
                    return self.sock.recv(size)
                except (ssl.SSLWantReadError, BlockingIOError, InterruptedError):
                    want = select.POLLIN
                except ssl.SSLWantWriteError:
                    want = select.POLLOUT
                except (OSError, ValueError):  # reset, shut down, closed
                    return b""
            self._wait(want)

    def write(self, data: bytes) -> None:
        with self._write_turn:
            self.sendall(data)

    def sendall(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            with self._lock:
                if self._down:
                    raise BrokenPipeError("the connection is closed")
                try:
                    n = self.sock.send(view)
                    view = view[n:]
                    continue
                except (ssl.SSLWantWriteError, BlockingIOError, InterruptedError):
                    want = select.POLLOUT
                except ssl.SSLWantReadError:
                    want = select.POLLIN
            self._wait(want)

    def _wait(self, events: int) -> None:
        poller = select.poll()
        try:
            poller.register(self.sock, events | select.POLLERR | select.POLLHUP)
        except (OSError, ValueError):
            return  # closed meanwhile: the next attempt says so
        poller.poll(1000)  # bounded: a shutdown from another thread is noticed within a second

    def shutdown(self) -> None:
        """End the connection for every thread (the fd stays until `close`)."""
        with self._lock:
            self._down = True
            try:
                socket.socket.shutdown(self.sock, socket.SHUT_RDWR)
            except (OSError, ValueError):
                pass

    def close(self, write_only: bool = False) -> None:
        if write_only:
            return  # TLS has no half-close that both ends understand
        self.shutdown()
        try:
            self.sock.close()
        except OSError:
            pass


def duplex_from_network_stream(stream: Any) -> DuplexSocket:
    """Take over the socket of an httpcore network stream after an upgrade, with the bytes the
    HTTP parser had already read past the 101 answer (read without blocking)."""
    import httpcore

    leading = bytearray()
    while True:
        try:
            chunk = stream.read(READ_SIZE, timeout=0)
        except (httpcore.ReadError, httpcore.ReadTimeout):
            break
        if not chunk:
            break
        leading += chunk
    sock = stream.get_extra_info("socket")
    if sock is None:
        raise TypeError("the transport gave no socket to take over")
    return DuplexSocket(sock, bytes(leading))


class SocketEndpoint:
    """A local TCP connection (the near end of a port forward): plain blocking calls.

    Two threads use it at once (one reads, one writes), so `close` only shuts it down, which
    wakes both; the owner frees the descriptor with `release` once neither can still be in a
    call on it. (A descriptor closed under another thread's call may be reused by a new
    connection before that call reaches the kernel: the new connection's bytes would be read
    here.)
    """

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def read(self, size: int = READ_SIZE, unless: Callable[[], bool] | None = None) -> bytes:
        try:
            return self.sock.recv(size)
        except OSError:
            return b""

    def write(self, data: bytes) -> None:
        self.sock.sendall(data)

    def close(self, write_only: bool = False) -> None:
        try:
            self.sock.shutdown(socket.SHUT_WR if write_only else socket.SHUT_RDWR)
        except OSError:
            pass

    def shutdown(self) -> None:
        """Wake a thread blocked on this connection (`release` frees it later)."""
        self.close()

    def release(self) -> None:
        """Free the descriptor: by the owner, once no other thread uses the connection."""
        self.close()
        self.sock.close()


# -- async endpoints ----------------------------------------------------------------------------


class AsyncStream:
    """An httpcore async network stream after an upgrade (anyio, one event loop): reads take
    turns, writes take turns."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self._read_turn = asyncio.Lock()
        self._write_turn = asyncio.Lock()
        self._down = False

    @property
    def closed(self) -> bool:
        return self._down

    async def read(
        self, size: int = READ_SIZE, unless: Callable[[], bool] | None = None
    ) -> bytes | None:
        import httpcore

        async with self._read_turn:
            if unless is not None and unless():
                return None
            if self._down:
                return b""
            try:
                return await self.stream.read(size)
            except (httpcore.ReadError, OSError):
                return b""

    async def write(self, data: bytes) -> None:
        import httpcore

        async with self._write_turn:
            if self._down:
                raise BrokenPipeError("the connection is closed")
            try:
                await self.stream.write(data)
            except httpcore.WriteError as err:
                raise BrokenPipeError(str(err) or "the connection broke") from None

    async def close(self, write_only: bool = False) -> None:
        if write_only or self._down:
            return
        self._down = True
        try:
            await self.stream.aclose()
        except Exception:  # already broken: closed is closed
            pass


class AsyncSocketEndpoint:
    """A local TCP connection in asyncio (the near end of a port forward)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def read(self, size: int = READ_SIZE, unless: Callable[[], bool] | None = None) -> bytes:
        try:
            return await self.reader.read(size)
        except OSError:
            return b""

    async def write(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def close(self, write_only: bool = False) -> None:
        if write_only:
            if self.writer.can_write_eof():
                try:
                    self.writer.write_eof()
                except OSError:
                    pass
            return
        self.writer.close()
        try:
            await self.writer.wait_closed()
        except OSError:
            pass
