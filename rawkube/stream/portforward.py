"""Port forwarding to a pod (client-go tools/portforward), over the kubelet's WebSocket
channel protocol: one WebSocket per forwarded connection (``GET pods/{name}/portforward
?ports=P`` with subprotocol v4.channel.k8s.io; cri/streaming/portforward/websocket.go).

    with PortForward(client, "default", "web-0", {8080: 80, 0: 443}) as pf:
        pf.local_port(443)                # the port picked for 0
        ...                               # connect to 127.0.0.1:8080 -> the pod's port 80

    with open_tunnel(client, "default", "web-0", 80) as conn:   # socket-like, no listener
        conn.sendall(b"GET / HTTP/1.0\\r\\n\\r\\n"); conn.recv(65536)

Why this protocol and not kubectl's: every API server since 1.4 proxies it to the kubelet
unchanged, and one WebSocket per connection needs no stream multiplexing. kubectl 1.31+
speaks SPDY/3.1 tunnelled in one WebSocket (KEP-4006); the LocalAPIServer serves both. What
this protocol lacks is a half-close: when the local side stops sending, rawkube ends the whole
forwarded connection (the remote end sees it closed).

Each forwarded connection is two pumps (local -> pod, pod -> local), written once as step
generators; `PortForward` runs them in threads, `AsyncPortForward` in asyncio tasks.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import selectors
import socket
import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import httpx

from rawkube.errors import PortForwardError, StreamError
from rawkube.flow import Step
from rawkube.stream import channel as ch
from rawkube.stream import websocket as ws
from rawkube.stream._io import (
    AsyncSocketEndpoint,
    AsyncStream,
    Close,
    CloseResponse,
    DuplexSocket,
    Read,
    SocketEndpoint,
    Steps,
    Write,
    duplex_from_network_stream,
    run_async,
    run_sync,
)
from rawkube.stream.remotecommand import open_steps, pod_path, upgrade_request

log = logging.getLogger(__name__)

PROTOCOLS = (ch.V4,)
CHUNK = 32 * 1024

__all__ = [
    "Tunnel",
    "TunnelSocket",
    "AsyncTunnel",
    "PortForward",
    "AsyncPortForward",
    "open_tunnel",
    "aopen_tunnel",
    "parse_port_mappings",
]


def parse_port_mappings(
    ports: Mapping[int, int] | Iterable[int | str | tuple[int, int]] | int | str,
) -> list[tuple[int, int]]:
    """(local, remote) pairs from `{local: remote}`, `[remote, ...]` (a free local port each),
    `[(local, remote)]` or kubectl's strings `"8080:80"`, `"80"`, `":80"` (client-go
    portforward.go parsePorts)."""
    if isinstance(ports, (int, str)):
        ports = [ports]
    items: Iterable[Any] = ports.items() if isinstance(ports, Mapping) else ports
    pairs: list[tuple[int, int]] = []
    for item in items:
        if isinstance(item, tuple):
            local, remote = int(item[0]), int(item[1])
        elif isinstance(item, int):
            local, remote = 0, item
        else:
            parts = str(item).split(":")
            if len(parts) == 1:
                local_text = remote_text = parts[0]
            elif len(parts) == 2:
                local_text, remote_text = parts[0] or "0", parts[1]
            else:
                raise ValueError(f"invalid port format '{item}'")
            if not local_text.isdigit() or int(local_text) > 0xFFFF:
                raise ValueError(f"error parsing local port '{local_text}'")
            if not remote_text.isdigit() or int(remote_text) > 0xFFFF:
                raise ValueError(f"error parsing remote port '{remote_text}'")
            local, remote = int(local_text), int(remote_text)
        if not 0 <= local <= 0xFFFF or not 0 < remote <= 0xFFFF:
            raise ValueError("remote port must be > 0" if remote == 0 else f"bad port in {item!r}")
        pairs.append((local, remote))
    if not pairs:
        raise ValueError("you must specify at least 1 port")
    return pairs


# -- one forwarded connection, sans-IO ------------------------------------------------------------


class Tunnel:
    """The protocol state of one forwarded connection: data channel 0, error channel 1."""

    def __init__(self, protocol: str, port: int) -> None:
        self.protocol = protocol
        self.port = port
        self.codec = ch.ChannelCodec(protocol)
        self.ws = ws.WebSocket(client=True)
        self.channels = ch.PortForwardChannels([port])
        self._data: deque[bytes] = deque()
        self._error = bytearray()
        self._lock = threading.Lock()
        self.closed: ws.Closed | None = None

    @property
    def finished(self) -> bool:
        return self.closed is not None

    @property
    def error(self) -> str:
        with self._lock:
            return self._error.decode("utf-8", "replace")

    def receive(self, data: bytes) -> bytes:
        with self._lock:
            for event in self.ws.receive(data):
                if isinstance(event, ws.Closed):
                    self.closed = event
                    break
                try:
                    decoded = self.codec.decode(event.data)
                    if not isinstance(decoded, ch.Data):
                        continue
                    payload = self.channels.feed(decoded.channel, decoded.data)
                except ch.ProtocolError as err:
                    self.closed = ws.Closed(1002, str(err))
                    break
                if decoded.channel == 0 and payload:
                    self._data.append(payload)
                elif decoded.channel == 1:
                    self._error += payload
            return self.ws.data_to_send()

    def readable(self) -> bool:
        with self._lock:
            return bool(self._data) or self.closed is not None

    def take(self, size: int) -> bytes | None:
        with self._lock:
            if not self._data:
                return None
            chunk = self._data.popleft()
            if len(chunk) > size:
                self._data.appendleft(chunk[size:])
                chunk = chunk[:size]
            return chunk

    def data_message(self, data: bytes) -> bytes:
        with self._lock:
            return self.ws.send(self.codec.encode(0, data))

    def close_message(self) -> bytes:
        with self._lock:
            return self.ws.close()

    def end_error(self) -> PortForwardError | None:
        """The kubelet's error for this connection, if it sent one."""
        text = self.error
        return PortForwardError(text, self.port) if text else None


def tunnel_read(core: Tunnel, endpoint: Any, size: int) -> Steps[bytes]:
    """Up to `size` bytes from the pod; b"" at the end; PortForwardError if the kubelet said
    why the connection failed."""
    while True:
        chunk = core.take(size)
        if chunk is not None:
            return chunk
        if core.finished:
            error = core.end_error()
            if error is not None:
                raise error
            if not core.closed or not core.closed.clean:
                code = core.closed.code if core.closed else 0
                raise StreamError(f"the port-forward connection broke ({code})")
            return b""
        data = yield Read(endpoint, CHUNK * 2, unless=core.readable)
        if data is None:
            continue
        owed = core.receive(data)
        if owed:
            try:
                yield Write(endpoint, owed)
            except OSError:
                pass


def tunnel_write(core: Tunnel, endpoint: Any, data: bytes) -> Steps[None]:
    view = memoryview(data)
    for i in range(0, len(view), CHUNK):
        message = core.data_message(bytes(view[i : i + CHUNK]))
        try:
            yield Write(endpoint, message)
        except OSError as err:
            raise StreamError(f"the port-forward connection is closed ({err})") from None


def tunnel_close(core: Tunnel, endpoint: Any, response: httpx.Response) -> Steps[None]:
    if not core.finished:
        try:
            yield Write(endpoint, core.close_message())
        except OSError:
            pass
    yield Close(endpoint)
    yield CloseResponse(response)


def pump_to_pod(local: Any, core: Tunnel, endpoint: Any) -> Steps[None]:
    """Local bytes into the tunnel; at the local end of input, the tunnel is closed (the
    protocol has no half-close)."""
    try:
        while True:
            data = yield Read(local, CHUNK)
            if not data:
                break
            yield from tunnel_write(core, endpoint, data)
    except StreamError:
        pass
    if not core.finished:
        try:
            yield Write(endpoint, core.close_message())
        except OSError:
            pass


def pump_to_local(core: Tunnel, endpoint: Any, local: Any) -> Steps[PortForwardError | None]:
    """Tunnel bytes to the local connection until the pod side ends; then the local
    connection is closed. Returns the kubelet's error, if any."""
    failure: PortForwardError | None = None
    try:
        while True:
            data = yield from tunnel_read(core, endpoint, CHUNK * 2)
            if not data:
                break
            yield Write(local, data)
    except PortForwardError as err:
        failure = err
    except (StreamError, OSError):
        pass
    yield Close(local)
    return failure


def _open_request(client: Any, namespace: str, name: str, port: int) -> tuple[httpx.Request, str]:
    if not 0 < int(port) <= 0xFFFF:
        raise ValueError(f"remote port must be in 1..65535, got {port}")
    return upgrade_request(
        client, pod_path(namespace, name, "portforward"), [("ports", str(int(port)))], PROTOCOLS
    )


class OpenTunnel(Step):
    """Wrap the 101 response in a socket-like tunnel: TunnelSocket (sync) or AsyncTunnel."""

    def __init__(self, response: httpx.Response, protocol: str, port: int) -> None:
        self.response = response
        self.protocol = protocol
        self.port = port

    def run(self, rt: Any = None) -> TunnelSocket:
        try:
            endpoint = duplex_from_network_stream(self.response.extensions["network_stream"])
        except Exception:
            self.response.close()
            raise
        return TunnelSocket(Tunnel(self.protocol, self.port), endpoint, self.response)

    async def arun(self, rt: Any = None) -> AsyncTunnel:
        endpoint = AsyncStream(self.response.extensions["network_stream"])
        return AsyncTunnel(Tunnel(self.protocol, self.port), endpoint, self.response)


def tunnel_flow(client: Any, namespace: str, name: str, port: int) -> Steps[Any]:
    """One forwarded connection to `port` of the pod: a TunnelSocket or an AsyncTunnel."""
    request, key = _open_request(client, namespace, name, port)
    response, protocol = yield from open_steps(client, request, key, PROTOCOLS, name)
    tunnel = yield OpenTunnel(response, protocol, port)
    return tunnel


class StartForward(Step):
    """Listen on the local ports: a started PortForward (threads) or AsyncPortForward."""

    def __init__(self, client: Any, namespace: str, name: str, ports: Any, address: str) -> None:
        self.args = (client, namespace, name, ports)
        self.address = address

    def run(self, rt: Any = None) -> PortForward:
        return PortForward(*self.args, address=self.address).start()

    async def arun(self, rt: Any = None) -> AsyncPortForward:
        return await AsyncPortForward(*self.args, address=self.address).start()


def forward_flow(client: Any, namespace: str, name: str, ports: Any, address: str) -> Steps[Any]:
    forward = yield StartForward(client, namespace, name, ports, address)
    return forward


# -- socket-like tunnels -------------------------------------------------------------------------


class TunnelSocket:
    """One connection to a port of the pod, used like a socket (sync, thread-safe)."""

    def __init__(self, core: Tunnel, endpoint: DuplexSocket, response: httpx.Response) -> None:
        self._core = core
        self._endpoint = endpoint
        self._response = response
        self._closed = False

    @classmethod
    def open(cls, client: httpx.Client, namespace: str, name: str, port: int) -> TunnelSocket:
        return run_sync(tunnel_flow(client, namespace, name, port))

    @property
    def port(self) -> int:
        return self._core.port

    def recv(self, size: int = CHUNK) -> bytes:
        """Up to `size` bytes, b"" when the pod side closed; PortForwardError if it failed."""
        return run_sync(tunnel_read(self._core, self._endpoint, size))

    def sendall(self, data: bytes) -> None:
        run_sync(tunnel_write(self._core, self._endpoint, bytes(data)))

    read = recv
    write = sendall

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            run_sync(tunnel_close(self._core, self._endpoint, self._response))

    def cancel(self) -> None:
        """Cut the connection from another thread."""
        self._endpoint.shutdown()

    def __enter__(self) -> TunnelSocket:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"TunnelSocket(port {self.port}, {'closed' if self._closed else 'open'})"


class AsyncTunnel:
    """One connection to a port of the pod (asyncio): `await read(n)`, `await write(data)`."""

    def __init__(self, core: Tunnel, endpoint: AsyncStream, response: httpx.Response) -> None:
        self._core = core
        self._endpoint = endpoint
        self._response = response
        self._closed = False

    @classmethod
    async def open(
        cls, client: httpx.AsyncClient, namespace: str, name: str, port: int
    ) -> AsyncTunnel:
        return await run_async(tunnel_flow(client, namespace, name, port))

    @property
    def port(self) -> int:
        return self._core.port

    async def read(self, size: int = CHUNK) -> bytes:
        return await run_async(tunnel_read(self._core, self._endpoint, size))

    async def write(self, data: bytes) -> None:
        await run_async(tunnel_write(self._core, self._endpoint, bytes(data)))

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            await run_async(tunnel_close(self._core, self._endpoint, self._response))

    async def __aenter__(self) -> AsyncTunnel:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


def open_tunnel(client: httpx.Client, namespace: str, name: str, port: int) -> TunnelSocket:
    """A socket-like connection to `port` of pod `namespace/name`."""
    return TunnelSocket.open(client, namespace, name, port)


async def aopen_tunnel(
    client: httpx.AsyncClient, namespace: str, name: str, port: int
) -> AsyncTunnel:
    return await AsyncTunnel.open(client, namespace, name, port)


# -- local listeners ---------------------------------------------------------------------------


class _Forwarder:
    """What PortForward and AsyncPortForward share: the mappings and what went wrong."""

    def __init__(
        self, namespace: str, name: str,
        ports: Mapping[int, int] | Iterable[int | str | tuple[int, int]] | int | str,
        address: str,
    ) -> None:  # fmt: skip
        self.namespace = namespace
        self.name = name
        self.address = address
        self.mappings = parse_port_mappings(ports)  # (local, remote); local 0 until bound
        self.errors: list[Exception] = []
        self.on_connection: Callable[[int, int], None] | None = None
        self.on_error: Callable[[int, int, Exception], None] | None = None

    def local_port(self, remote: int) -> int:
        """The local port that forwards to `remote` (the first, if several do)."""
        for local, rem in self.mappings:
            if rem == remote:
                return local
        raise KeyError(f"port {remote} is not forwarded")

    @property
    def ports(self) -> list[tuple[int, int]]:
        """(local, remote) pairs, local ports as bound."""
        return list(self.mappings)

    def _failed(self, remote: int, error: Exception, local: int = 0) -> None:
        # kubectl: "an error occurred forwarding 8080 -> 80: ..."
        self.errors.append(error)
        if self.on_error is not None:
            self.on_error(local, remote, error)
            return
        log.warning(
            "an error occurred forwarding to %s/%s port %d: %s",
            self.namespace,
            self.name,
            remote,
            error,
        )


class PortForward(_Forwarder):
    """Listen on local ports and forward each accepted connection to the pod (threads).

    A context manager; `close()` stops listening and cuts every forwarded connection. Each
    connection has its own WebSocket, so connections to one or several ports run at once.
    A failure of one connection (the port refused, say) is logged and kept in `errors`; the
    others go on.
    """

    def __init__(
        self, client: httpx.Client, namespace: str, name: str,
        ports: Mapping[int, int] | Iterable[int | str | tuple[int, int]] | int | str,
        *, address: str = "127.0.0.1",
        on_connection: Callable[[int, int], None] | None = None,
        on_error: Callable[[int, int, Exception], None] | None = None,
    ) -> None:  # fmt: skip
        super().__init__(namespace, name, ports, address)
        self.on_connection = on_connection  # (local port, remote port) per accepted connection
        self.on_error = on_error  # (local port, remote port, error) per failed connection
        self.client = client
        self._listeners: list[tuple[socket.socket, tuple[int, int]]] = []
        self._wake_r, self._wake_w = socket.socketpair()
        self._lock = threading.Lock()
        self._live: set[Any] = set()
        self._threads: set[threading.Thread] = set()
        self._stopped = False
        self._acceptor: threading.Thread | None = None

    def start(self) -> PortForward:
        if self._acceptor is not None:
            return self
        try:
            for i, (local, remote) in enumerate(self.mappings):
                sock = socket.create_server((self.address, local), reuse_port=False)
                sock.setblocking(False)
                self._listeners.append((sock, (sock.getsockname()[1], remote)))
                self.mappings[i] = (sock.getsockname()[1], remote)
        except OSError:
            self._close_listeners()
            raise
        self._acceptor = threading.Thread(
            target=self._accept_loop, name="rawkube-port-forward", daemon=True
        )
        self._acceptor.start()
        return self

    def _accept_loop(self) -> None:
        with selectors.DefaultSelector() as sel:
            sel.register(self._wake_r, selectors.EVENT_READ)
            for sock, ports in self._listeners:
                sel.register(sock, selectors.EVENT_READ, ports)
            while not self._stopped:
                for key, _ in sel.select():
                    if key.fileobj is self._wake_r:
                        return
                    try:
                        conn, _addr = key.fileobj.accept()  # type: ignore[union-attr]
                    except OSError:
                        continue
                    conn.setblocking(True)
                    self._spawn(self._serve, conn, key.data)

    def _spawn(self, target: Any, *args: Any) -> threading.Thread | None:
        with self._lock:
            if self._stopped:
                for arg in args:
                    if isinstance(arg, socket.socket):
                        arg.close()
                return None
            thread = threading.Thread(target=self._tracked, args=(target, *args), daemon=True)
            self._threads.add(thread)
        thread.start()
        return thread

    def _tracked(self, target: Any, *args: Any) -> None:
        try:
            target(*args)
        finally:
            with self._lock:
                self._threads.discard(threading.current_thread())

    def _serve(self, conn: socket.socket, ports: tuple[int, int]) -> None:
        local_port, remote = ports
        if self.on_connection is not None:
            self.on_connection(local_port, remote)
        local = SocketEndpoint(conn)
        tunnel: TunnelSocket | None = None
        to_pod: threading.Thread | None = None
        with self._lock:
            self._live.add(local)
        try:
            try:
                tunnel = TunnelSocket.open(self.client, self.namespace, self.name, remote)
            except Exception as err:
                self._failed(remote, err, local_port)
                return
            with self._lock:
                self._live.add(tunnel)
                stopped = self._stopped
            if stopped:
                return
            to_pod = self._spawn(run_sync, pump_to_pod(local, tunnel._core, tunnel._endpoint))
            failure = run_sync(pump_to_local(tunnel._core, tunnel._endpoint, local))
            if failure is not None:
                self._failed(remote, failure, local_port)
        finally:
            if tunnel is not None:
                tunnel.close()
            local.close()  # wakes the other pump (a shutdown: it may still be reading)
            if to_pod is not None:
                to_pod.join(10.0)
            if to_pod is None or not to_pod.is_alive():
                local.release()  # no other thread can be in a call on it now
            with self._lock:
                self._live.discard(local)
                self._live.discard(tunnel)

    def _close_listeners(self) -> None:
        for sock, _ in self._listeners:
            sock.close()
        self._listeners.clear()

    def close(self, timeout: float = 10.0) -> None:
        """Stop listening, cut every connection, wait for the threads (at most `timeout`)."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
            live = list(self._live)
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass
        if self._acceptor is not None:
            self._acceptor.join(timeout)
        self._close_listeners()
        for item in live:  # wake the threads; each closes its own connections
            if isinstance(item, TunnelSocket):
                item.cancel()
            else:
                item.shutdown()
        while True:
            with self._lock:
                threads = list(self._threads)
            if not threads:
                break
            for t in threads:
                t.join(timeout)
            if all(t.is_alive() for t in threads):
                break
        self._wake_r.close()
        self._wake_w.close()

    def __enter__(self) -> PortForward:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncPortForward(_Forwarder):
    """PortForward in asyncio: `async with AsyncPortForward(client, ns, pod, {0: 80}) as pf`."""

    def __init__(
        self, client: httpx.AsyncClient, namespace: str, name: str,
        ports: Mapping[int, int] | Iterable[int | str | tuple[int, int]] | int | str,
        *, address: str = "127.0.0.1",
    ) -> None:  # fmt: skip
        super().__init__(namespace, name, ports, address)
        self.client = client
        self._servers: list[asyncio.AbstractServer] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._stopped = False

    async def start(self) -> AsyncPortForward:
        if self._servers:
            return self
        try:
            for i, (local, remote) in enumerate(self.mappings):
                accept = functools.partial(self._accepted, remote=remote)
                server = await asyncio.start_server(accept, self.address, local)
                self._servers.append(server)
                self.mappings[i] = (server.sockets[0].getsockname()[1], remote)
        except OSError:
            await self.close()
            raise
        return self

    def _accepted(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, remote: int
    ) -> None:
        task = asyncio.ensure_future(self._serve(AsyncSocketEndpoint(reader, writer), remote))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve(self, local: AsyncSocketEndpoint, remote: int) -> None:
        tunnel: AsyncTunnel | None = None
        try:
            try:
                tunnel = await AsyncTunnel.open(self.client, self.namespace, self.name, remote)
            except Exception as err:
                self._failed(remote, err)
                return
            to_pod = asyncio.ensure_future(
                run_async(pump_to_pod(local, tunnel._core, tunnel._endpoint))
            )
            try:
                failure = await run_async(pump_to_local(tunnel._core, tunnel._endpoint, local))
            finally:
                to_pod.cancel()
                await asyncio.gather(to_pod, return_exceptions=True)
            if failure is not None:
                self._failed(remote, failure)
        finally:
            if tunnel is not None:
                await tunnel.close()
            await local.close()

    async def close(self) -> None:
        """Stop listening and cancel every forwarded connection."""
        self._stopped = True
        for server in self._servers:
            server.close()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for server in self._servers:  # (3.12+ waits for the connections, all ended above)
            await server.wait_closed()
        self._servers.clear()

    async def __aenter__(self) -> AsyncPortForward:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
