"""exec and attach: run a command in a container, or attach to its main process (client-go
tools/remotecommand, over WebSocket as in websocket.go; the v5 protocol is v4.go's plus the
stdin close signal).

    with connect_exec(client, "default", "web-0", ["sh", "-c", "cat; echo done >&2"],
                      stdin=True) as s:
        s.stdin.write(b"hello")
        s.stdin.close()                  # v5: the command sees end of input
        for chunk in s.stdout: ...       # bytes as they arrive (stderr is kept meanwhile)
        code = s.wait()                  # the exit code (0 on success)

    result = exec_command(client, "default", "web-0", ["ls", "/"])
    result.stdout, result.stderr, result.exit_code

`client` is an httpx client made by rawkube.transport (its auth, TLS and proxy settings are
used for the upgrade); `AsyncExecStream`/`aconnect_exec`/`aexec_command` are the same with an
`httpx.AsyncClient`. Refusals before the upgrade are StatusErrors (Forbidden for RBAC on
pods/exec, BadRequest for a container the pod does not have, NotFound); a command that could
not run is the StatusError from the error channel; a broken stream is a StreamError.

The protocol state lives in `RemoteCommand` (sans-IO); every loop is a step generator
(rawkube.stream._io) driven by blocking calls or awaited.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

from rawkube.errors import ExitCodeError, StreamError, from_status
from rawkube.flow import Emit, Flow, Step, aiterate, iterate
from rawkube.stream import channel as ch
from rawkube.stream import websocket as ws
from rawkube.stream._io import (
    AsyncStream,
    Close,
    CloseResponse,
    DuplexSocket,
    Read,
    ReadBody,
    Send,
    Steps,
    Write,
    duplex_from_network_stream,
    run_async,
    run_sync,
)

# stdin goes out in pieces of this size (client-go copies with io.Copy's 32 KiB buffer).
STDIN_CHUNK = 32 * 1024

__all__ = [
    "ExecResult",
    "RemoteCommand",
    "ExecStream",
    "AsyncExecStream",
    "connect_exec",
    "connect_attach",
    "exec_command",
    "aconnect_exec",
    "aconnect_attach",
    "aexec_command",
]


@dataclass
class ExecResult:
    """What a finished command produced (client-go `StreamOptions` buffers, plus the code)."""

    stdout: bytes
    stderr: bytes
    exit_code: int
    status: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def returncode(self) -> int:
        return self.exit_code

    def check_returncode(self) -> ExecResult:
        """Raise ExitCodeError if the exit code is not 0 (subprocess's check_returncode)."""
        if self.exit_code:
            raise ExitCodeError(self.exit_code, self.stdout, self.stderr)
        return self


# -- the request ------------------------------------------------------------------------------------


def pod_path(namespace: str, name: str, subresource: str) -> str:
    if not namespace or not name:
        raise ValueError("a namespace and a pod name are needed")
    return (
        f"/api/v1/namespaces/{quote(namespace, safe='')}/pods/{quote(name, safe='')}/{subresource}"
    )


def remote_command_params(
    command: Sequence[str] | None,
    container: str | None,
    stdin: bool,
    stdout: bool,
    stderr: bool,
    tty: bool,
) -> list[tuple[str, str]]:
    """PodExecOptions / PodAttachOptions as query parameters, only the true flags (as kubectl
    sends them: `command=ls&container=app&stderr=true&stdout=true`)."""
    params: list[tuple[str, str]] = [("command", c) for c in command or ()]
    if container:
        params.append(("container", container))
    for name, value in (("stdin", stdin), ("stdout", stdout), ("stderr", stderr), ("tty", tty)):
        if value:
            params.append((name, "true"))
    return params


def upgrade_request(
    client: Any, path: str, params: Sequence[tuple[str, str]], protocols: Sequence[str]
) -> tuple[httpx.Request, str]:
    """The WebSocket upgrade GET (websockets require GET, RFC 6455 4.1) and its key."""
    key = ws.new_key()
    request = client.build_request(
        "GET", path, params=list(params), headers=ws.client_headers(key, protocols)
    )
    return request, key


def upgrade_failure(
    request: httpx.Request, response: httpx.Response, body: bytes, name: str
) -> Exception:
    """The error for an upgrade the server refused: its Status as a StatusError (client-go
    transport/websocket roundtripper.go decodes it the same way), the body text otherwise."""
    from rawkube.rest.result import error_from_response
    from rawkube.rest.trace import mask_secrets, request_secrets

    secrets = request_secrets(request)
    if secrets:
        body = mask_secrets(body, secrets)
    url = (
        request.url.copy_with(username=None, password=None) if request.url.userinfo else request.url
    )
    return error_from_response(
        response.status_code,
        response.headers,
        body,
        method=request.method,
        url=str(url),
        resource="pods",
        name=name,
    )


def open_steps(
    client: Any, request: httpx.Request, key: str, protocols: Sequence[str], name: str
) -> Steps[tuple[httpx.Response, str]]:
    """Send the upgrade; the 101 response (its connection now ours) and the chosen protocol."""
    from rawkube.rest import trace

    response = yield Send(client, request)
    trace.trace_request(response.request)
    trace.trace_response(response.request, response, 0.0, None)
    if response.status_code != 101:
        body = yield ReadBody(response)
        raise upgrade_failure(request, response, body, name)
    try:
        protocol = ws.check_handshake(101, response.headers, key, protocols)
        if "network_stream" not in response.extensions:
            raise ws.HandshakeError("the transport cannot hand over an upgraded connection")
    except ws.HandshakeError as err:
        yield CloseResponse(response)
        raise StreamError(f"unable to upgrade connection: {err}") from None
    return response, protocol


# -- the protocol state, sans-IO ------------------------------------------------------------------


class RemoteCommand:
    """One exec/attach session's protocol state: bytes in, channel data and status out.

    Thread-safe: a reader feeds `receive` while writers encode stdin (wsproto's state is shared
    by both directions, so one lock guards it; no I/O happens under it).
    """

    def __init__(
        self, protocol: str, *, stdin: bool, stdout: bool, stderr: bool, tty: bool
    ) -> None:
        self.protocol = protocol
        self.codec = ch.ChannelCodec(protocol)
        self.ws = ws.WebSocket(client=True)
        self.stdin_open = stdin
        self.tty = tty
        self._wanted = {ch.STDOUT: stdout, ch.STDERR: stderr and not tty}
        self._buffers: dict[int, deque[bytes]] = {ch.STDOUT: deque(), ch.STDERR: deque()}
        self._error = bytearray()
        self._lock = threading.Lock()
        self.closed: ws.Closed | None = None

    @property
    def finished(self) -> bool:
        return self.closed is not None

    def receive(self, data: bytes) -> bytes:
        """Feed what was read (b"" at end of input); returns bytes owed to the server."""
        with self._lock:
            for event in self.ws.receive(data):
                if isinstance(event, ws.Closed):
                    self.closed = event
                    break
                try:
                    decoded = self.codec.decode(event.data)
                except ch.ProtocolError as err:
                    self.closed = ws.Closed(1002, str(err))
                    break
                if isinstance(decoded, ch.Data):
                    if decoded.channel == ch.ERROR:
                        self._error += decoded.data
                    elif decoded.channel in self._buffers and decoded.data:
                        self._buffers[decoded.channel].append(decoded.data)
            return self.ws.data_to_send()

    def has(self, channel: int) -> bool:
        with self._lock:
            return bool(self._buffers[channel]) or self.closed is not None

    def take(self, channel: int) -> bytes | None:
        """The next buffered chunk of `channel`; None when nothing is buffered."""
        with self._lock:
            buf = self._buffers[channel]
            return buf.popleft() if buf else None

    def take_all(self, channel: int) -> bytes:
        with self._lock:
            data = b"".join(self._buffers[channel])
            self._buffers[channel].clear()
            return data

    def stdin_message(self, data: bytes) -> bytes:
        if not self.stdin_open:
            raise StreamError("stdin is closed (or was not requested with stdin=True)")
        with self._lock:
            return self.ws.send(self.codec.encode(ch.STDIN, data))

    def close_stdin(self) -> bytes:
        """The v5 close signal for stdin (b"" if already closed; older protocols have none:
        the command sees end of input only when the connection closes)."""
        with self._lock:
            if not self.stdin_open:
                return b""
            self.stdin_open = False
            if not self.codec.can_close:
                return b""
            return self.ws.send(self.codec.encode_close(ch.STDIN))

    def resize_message(self, width: int, height: int) -> bytes:
        if not self.tty:
            raise StreamError("resize needs a session started with tty=True")
        with self._lock:
            return self.ws.send(self.codec.encode(ch.RESIZE, ch.encode_resize(width, height)))

    def close_message(self) -> bytes:
        with self._lock:
            return self.ws.close()

    def exit_status(self) -> ch.ExitStatus:
        """How the command ended, once the connection closed. A connection that broke before
        (no status, not a clean close) is a StreamError (client-go: "next reader: ...")."""
        if self.closed is None:
            raise StreamError("the command has not finished")
        with self._lock:
            error = bytes(self._error)
        if not error and not self.closed.clean:
            raise StreamError(
                "the connection ended before the command's status arrived "
                f"({self.closed.code} {self.closed.reason})".rstrip()
            )
        try:
            return ch.decode_exit_status(error, self.protocol)
        except ch.ProtocolError as err:
            raise StreamError(str(err)) from None


def raise_for_status(status: ch.ExitStatus) -> int:
    """The exit code, or the StatusError for a command that could not run."""
    if status.exit_code is not None:
        return status.exit_code
    body = dict(status.status)
    body.setdefault("kind", "Status")
    body.setdefault("apiVersion", "v1")
    code = body.get("code") if isinstance(body.get("code"), int) else 500
    raise from_status(body, code=code)


# -- loops, written once -------------------------------------------------------------------------


def read_chunk(core: RemoteCommand, endpoint: Any, channel: int) -> Steps[bytes | None]:
    """The next chunk of output on `channel`, None at the end. Output of the other channel
    that arrives meanwhile is kept for its reader."""
    while True:
        chunk = core.take(channel)
        if chunk is not None:
            return chunk
        if core.finished:
            return None
        data = yield Read(endpoint, unless=lambda: core.has(channel))
        if data is None:
            continue  # another reader got there first
        owed = core.receive(data)
        if owed:
            try:
                yield Write(endpoint, owed)
            except OSError:
                pass  # the close reply cannot go out: the connection is gone anyway


def output_chunks(core: RemoteCommand, endpoint: Any, channel: int) -> Flow[None]:
    """Every chunk of output on `channel` until its end, emitted (for iterate/aiterate: the
    sync and async output readers)."""
    while True:
        chunk = yield from read_chunk(core, endpoint, channel)
        if chunk is None:
            return
        yield Emit([chunk])


def read_to_end(core: RemoteCommand, endpoint: Any) -> Steps[None]:
    """Read (keeping all output) until the server closed the connection."""
    while not core.finished:
        data = yield Read(endpoint, unless=lambda: core.finished)
        if data is None:
            continue
        owed = core.receive(data)
        if owed:
            try:
                yield Write(endpoint, owed)
            except OSError:
                pass


def write_stdin(core: RemoteCommand, endpoint: Any, data: bytes) -> Steps[None]:
    view = memoryview(data)
    for i in range(0, len(view), STDIN_CHUNK):
        message = core.stdin_message(bytes(view[i : i + STDIN_CHUNK]))
        try:
            yield Write(endpoint, message)
        except OSError as err:
            raise StreamError(f"writing stdin failed: the connection is closed ({err})") from None


def send_control(endpoint: Any, message: bytes) -> Steps[None]:
    if message:
        try:
            yield Write(endpoint, message)
        except OSError as err:
            raise StreamError(f"the connection is closed ({err})") from None


def feed_stdin(core: RemoteCommand, endpoint: Any, data: bytes) -> Steps[None]:
    """All of `data`, then the close signal; a server that stopped reading ends it quietly
    (client-go ignores stdin copy errors too)."""
    try:
        yield from write_stdin(core, endpoint, data)
        yield from send_control(endpoint, core.close_stdin())
    except StreamError:
        pass


def collect(core: RemoteCommand, endpoint: Any) -> Steps[ExecResult]:
    yield from read_to_end(core, endpoint)
    status = core.exit_status()
    code = raise_for_status(status)
    return ExecResult(core.take_all(ch.STDOUT), core.take_all(ch.STDERR), code, status.status)


def shutdown(core: RemoteCommand, endpoint: Any, response: httpx.Response) -> Steps[None]:
    """Our close frame if the server has not closed yet, then the connection."""
    if not core.finished:
        try:
            yield Write(endpoint, core.close_message())
        except OSError:
            pass
    yield Close(endpoint)
    yield CloseResponse(response)


# -- the sync and async shells -------------------------------------------------------------------


class _Base:
    """What ExecStream and AsyncExecStream keep."""

    def __init__(self, core: RemoteCommand, endpoint: Any, response: httpx.Response) -> None:
        self._core = core
        self._endpoint = endpoint
        self._response = response
        self._closed = False
        self.exit_code: int | None = None

    @property
    def protocol(self) -> str:
        """The negotiated subprotocol, e.g. v5.channel.k8s.io."""
        return self._core.protocol

    def __repr__(self) -> str:
        state = (
            "closed"
            if self._closed
            else f"exit code {self.exit_code}"
            if self.exit_code is not None
            else "open"
        )
        return f"{type(self).__name__}({self.protocol}, {state})"


class ExecStream(_Base):
    """A running exec or attach session (sync). Thread-safe: one thread may write stdin while
    others read stdout and stderr."""

    _endpoint: DuplexSocket

    def __init__(
        self, core: RemoteCommand, endpoint: DuplexSocket, response: httpx.Response
    ) -> None:
        super().__init__(core, endpoint, response)
        self.stdin = StdinWriter(self)
        self.stdout = OutputReader(self, ch.STDOUT)
        self.stderr = OutputReader(self, ch.STDERR)

    def _read(self, channel: int) -> bytes | None:
        return run_sync(read_chunk(self._core, self._endpoint, channel))

    def resize(self, width: int, height: int) -> None:
        """Tell the terminal size (tty=True sessions; client-go TerminalSizeQueue)."""
        run_sync(send_control(self._endpoint, self._core.resize_message(width, height)))

    def wait(self) -> int:
        """Read until the command ended (output stays readable) and return its exit code;
        the StatusError if it could not run."""
        if self.exit_code is None:
            run_sync(read_to_end(self._core, self._endpoint))
            self.exit_code = raise_for_status(self._core.exit_status())
            self.close()
        return self.exit_code

    def run(self, stdin: bytes | str | None = None) -> ExecResult:
        """Send `stdin` (then close it), collect all output and the exit code. stdin is written
        by a second thread while this one reads, so neither side can fill up and stall."""
        writer = None
        if stdin is not None:
            data = stdin.encode() if isinstance(stdin, str) else bytes(stdin)
            writer = threading.Thread(
                target=run_sync,
                args=(feed_stdin(self._core, self._endpoint, data),),
                name="rawkube-exec-stdin",
                daemon=True,
            )
            writer.start()
        try:
            result = run_sync(collect(self._core, self._endpoint))
            self.exit_code = result.exit_code
            return result
        finally:
            self.close()
            if writer is not None:
                writer.join()

    def close(self) -> None:
        """Close the connection (a running command is left to the server to end)."""
        if not self._closed:
            self._closed = True
            run_sync(shutdown(self._core, self._endpoint, self._response))

    def cancel(self) -> None:
        """Cut the connection from another thread: blocked reads and writes end at once."""
        self._endpoint.shutdown()

    def __enter__(self) -> ExecStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        if not getattr(self, "_closed", True):
            try:
                self._endpoint.close()
                self._response.close()
            except Exception:
                pass


class StdinWriter:
    """`stream.stdin`: write bytes (or text, UTF-8) to the command; close() ends its input."""

    def __init__(self, stream: ExecStream) -> None:
        self._stream = stream

    def write(self, data: bytes | str) -> int:
        raw = data.encode() if isinstance(data, str) else bytes(data)
        run_sync(write_stdin(self._stream._core, self._stream._endpoint, raw))
        return len(raw)

    def writelines(self, lines: Iterable[bytes | str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        run_sync(send_control(self._stream._endpoint, self._stream._core.close_stdin()))

    @property
    def closed(self) -> bool:
        return not self._stream._core.stdin_open


class OutputReader:
    """`stream.stdout` / `stream.stderr`: iterate for chunks as they arrive, or `read()` all."""

    def __init__(self, stream: ExecStream, channel: int) -> None:
        self._stream = stream
        self._channel = channel

    def __iter__(self) -> Iterator[bytes]:
        return iterate(output_chunks(self._stream._core, self._stream._endpoint, self._channel))

    def read(self) -> bytes:
        return b"".join(self)


class AsyncExecStream(_Base):
    """A running exec or attach session (asyncio); the same methods, awaited."""

    _endpoint: AsyncStream

    def __init__(
        self, core: RemoteCommand, endpoint: AsyncStream, response: httpx.Response
    ) -> None:
        super().__init__(core, endpoint, response)
        self.stdin = AsyncStdinWriter(self)
        self.stdout = AsyncOutputReader(self, ch.STDOUT)
        self.stderr = AsyncOutputReader(self, ch.STDERR)

    async def _read(self, channel: int) -> bytes | None:
        return await run_async(read_chunk(self._core, self._endpoint, channel))

    async def resize(self, width: int, height: int) -> None:
        await run_async(send_control(self._endpoint, self._core.resize_message(width, height)))

    async def wait(self) -> int:
        if self.exit_code is None:
            await run_async(read_to_end(self._core, self._endpoint))
            self.exit_code = raise_for_status(self._core.exit_status())
            await self.close()
        return self.exit_code

    async def run(self, stdin: bytes | str | None = None) -> ExecResult:
        writer = None
        if stdin is not None:
            data = stdin.encode() if isinstance(stdin, str) else bytes(stdin)
            writer = asyncio.ensure_future(run_async(feed_stdin(self._core, self._endpoint, data)))
        try:
            result = await run_async(collect(self._core, self._endpoint))
            self.exit_code = result.exit_code
            return result
        finally:
            await self.close()
            if writer is not None:
                if not writer.done():
                    writer.cancel()
                await asyncio.gather(writer, return_exceptions=True)

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            await run_async(shutdown(self._core, self._endpoint, self._response))

    async def __aenter__(self) -> AsyncExecStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


class AsyncStdinWriter:
    def __init__(self, stream: AsyncExecStream) -> None:
        self._stream = stream

    async def write(self, data: bytes | str) -> int:
        raw = data.encode() if isinstance(data, str) else bytes(data)
        await run_async(write_stdin(self._stream._core, self._stream._endpoint, raw))
        return len(raw)

    async def close(self) -> None:
        await run_async(send_control(self._stream._endpoint, self._stream._core.close_stdin()))

    @property
    def closed(self) -> bool:
        return not self._stream._core.stdin_open


class AsyncOutputReader:
    def __init__(self, stream: AsyncExecStream, channel: int) -> None:
        self._stream = stream
        self._channel = channel

    def __aiter__(self) -> AsyncIterator[bytes]:
        return aiterate(output_chunks(self._stream._core, self._stream._endpoint, self._channel))

    async def read(self) -> bytes:
        return b"".join([chunk async for chunk in self])


# -- flows that open a session: the sync or async shell is made by the step -----------------


class OpenSession(Step):
    """Wrap the 101 response in a session: an ExecStream (sync; the socket taken over as a
    DuplexSocket) or an AsyncExecStream (async)."""

    def __init__(self, response: httpx.Response, protocol: str, flags: dict[str, bool]) -> None:
        self.response = response
        self.protocol = protocol
        self.flags = flags

    def run(self, rt: Any = None) -> ExecStream:
        try:
            endpoint = duplex_from_network_stream(self.response.extensions["network_stream"])
        except Exception:
            self.response.close()
            raise
        return ExecStream(RemoteCommand(self.protocol, **self.flags), endpoint, self.response)

    async def arun(self, rt: Any = None) -> AsyncExecStream:
        endpoint = AsyncStream(self.response.extensions["network_stream"])
        return AsyncExecStream(RemoteCommand(self.protocol, **self.flags), endpoint, self.response)


class RunToEnd(Step):
    """`stream.run(stdin)`: stdin written beside the reading (a thread, or a task)."""

    def __init__(self, stream: Any, stdin: bytes | str | None) -> None:
        self.stream = stream
        self.stdin = stdin

    def run(self, rt: Any = None) -> ExecResult:
        return self.stream.run(self.stdin)

    async def arun(self, rt: Any = None) -> ExecResult:
        return await self.stream.run(self.stdin)


def session_flow(
    client: Any, namespace: str, name: str, subresource: str, command: Sequence[str] | str | None,
    *, container: str | None, stdin: bool, stdout: bool, stderr: bool, tty: bool,
    protocols: Sequence[str] = ch.REMOTE_COMMAND_PROTOCOLS,
) -> Steps[Any]:  # fmt: skip
    """Open an exec (with `command`) or attach session: the sync or async session object."""
    if subresource == "exec":
        params = _exec_args(command or [], container, stdin, stdout, stderr, tty)
    else:
        params = remote_command_params(None, container, stdin, stdout, stderr, tty)
    path = pod_path(namespace, name, subresource)
    request, key = upgrade_request(client, path, params, protocols)
    response, protocol = yield from open_steps(client, request, key, protocols, name)
    flags = {"stdin": stdin, "stdout": stdout, "stderr": stderr, "tty": tty}
    session = yield OpenSession(response, protocol, flags)
    return session


def exec_flow(
    client: Any, namespace: str, name: str, command: Sequence[str] | str,
    *, container: str | None, stdin: bytes | str | None, tty: bool, check: bool,
) -> Steps[ExecResult]:  # fmt: skip
    """Run a command to its end (exec_command, pods.exec)."""
    session = yield from session_flow(
        client, namespace, name, "exec", command, container=container,
        stdin=stdin is not None, stdout=True, stderr=True, tty=tty,
    )  # fmt: skip
    result: ExecResult = yield RunToEnd(session, stdin)
    return result.check_returncode() if check else result


# -- entry points -------------------------------------------------------------------------------


def _exec_args(
    command: Sequence[str] | str,
    container: str | None,
    stdin: bool,
    stdout: bool,
    stderr: bool,
    tty: bool,
) -> list[tuple[str, str]]:
    if isinstance(command, str):
        command = [command]
    if not command:
        raise ValueError("exec needs a command (a list of arguments)")
    return remote_command_params(command, container, stdin, stdout, stderr, tty)


def connect_exec(
    client: httpx.Client, namespace: str, name: str, command: Sequence[str] | str,
    *, container: str | None = None, stdin: bool = False, stdout: bool = True,
    stderr: bool = True, tty: bool = False,
) -> ExecStream:  # fmt: skip
    """Start `command` in a container of pod `namespace/name` (pods/exec, upgraded)."""
    return run_sync(session_flow(
        client, namespace, name, "exec", command, container=container,
        stdin=stdin, stdout=stdout, stderr=stderr, tty=tty,
    ))  # fmt: skip


def connect_attach(
    client: httpx.Client, namespace: str, name: str, *, container: str | None = None,
    stdin: bool = False, stdout: bool = True, stderr: bool = True, tty: bool = False,
) -> ExecStream:  # fmt: skip
    """Attach to the main process of a container (pods/attach)."""
    return run_sync(session_flow(
        client, namespace, name, "attach", None, container=container,
        stdin=stdin, stdout=stdout, stderr=stderr, tty=tty,
    ))  # fmt: skip


def exec_command(
    client: httpx.Client, namespace: str, name: str, command: Sequence[str] | str,
    *, container: str | None = None, stdin: bytes | str | None = None, tty: bool = False,
    check: bool = False,
) -> ExecResult:  # fmt: skip
    """Run `command` to its end: its stdout, stderr and exit code. `stdin` (bytes or text) is
    sent and then closed. `check=True` raises ExitCodeError for a non-zero exit code."""
    return run_sync(exec_flow(
        client, namespace, name, command, container=container, stdin=stdin, tty=tty, check=check
    ))  # fmt: skip


async def aconnect_exec(
    client: httpx.AsyncClient, namespace: str, name: str, command: Sequence[str] | str,
    *, container: str | None = None, stdin: bool = False, stdout: bool = True,
    stderr: bool = True, tty: bool = False,
) -> AsyncExecStream:  # fmt: skip
    return await run_async(session_flow(
        client, namespace, name, "exec", command, container=container,
        stdin=stdin, stdout=stdout, stderr=stderr, tty=tty,
    ))  # fmt: skip


async def aconnect_attach(
    client: httpx.AsyncClient, namespace: str, name: str, *, container: str | None = None,
    stdin: bool = False, stdout: bool = True, stderr: bool = True, tty: bool = False,
) -> AsyncExecStream:  # fmt: skip
    return await run_async(session_flow(
        client, namespace, name, "attach", None, container=container,
        stdin=stdin, stdout=stdout, stderr=stderr, tty=tty,
    ))  # fmt: skip


async def aexec_command(
    client: httpx.AsyncClient, namespace: str, name: str, command: Sequence[str] | str,
    *, container: str | None = None, stdin: bytes | str | None = None, tty: bool = False,
    check: bool = False,
) -> ExecResult:  # fmt: skip
    return await run_async(exec_flow(
        client, namespace, name, command, container=container, stdin=stdin, tty=tty, check=check
    ))  # fmt: skip
