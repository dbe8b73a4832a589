"""The HTTP steps of the REST flows: each one line of sync I/O and one line of async I/O.

These are the only places in `rawkube.rest` where the sync and async clients differ (see
`rawkube.flow` for the pattern): hand a request to a transport, drive an `httpx.Auth` flow one
step, read or close a response, iterate its body. Everything around them (retries, deadlines,
tracing, decoding) is written once, in `rawkube.rest.executor` and `rawkube.rest.watch`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

import httpx

from rawkube.errors import (
    ConnectionBroken,
    RequestTimeout,
    ServerUnreachable,
    TLSError,
    TransportError,
)
from rawkube.flow import END, AsyncRuntime, Runtime, Step
from rawkube.rest.chunked import direct_body


def bind_request(response: httpx.Response, request: httpx.Request) -> httpx.Response:
    """What `client.send` sets on every response that we still need: the request it answers."""
    response.request = request
    return response


def attach_request(error: httpx.RequestError, request: httpx.Request) -> None:
    """Give a transport error its request, as `send` does (`err.request` works for callers)."""
    try:
        error.request  # noqa: B018 - raises RuntimeError when unset
    except RuntimeError:
        error.request = request


def safe_url(request: httpx.Request) -> str:
    """The URL for messages: without any user:password part."""
    url = request.url
    if url.userinfo:
        url = url.copy_with(username=None, password=None)
    return str(url)


def _server_of(request: httpx.Request) -> str:
    """scheme://host:port of the request's server (never a user:password part)."""
    url = request.url
    port = f":{url.port}" if url.port else ""
    host = f"[{url.host}]" if ":" in url.host else url.host
    return f"{url.scheme}://{host}{port}"


def _causes(err: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        out.append(current)
        current = current.__cause__ or current.__context__
    return out


def _reason(err: BaseException) -> str:
    text = str(err).strip() or type(err).__name__
    return text.splitlines()[0]


# httpx errors after which a write may have reached the server and been applied: the request
# was sent (or partly sent) and no answer came back.
_AFTER_SENDING = (httpx.ReadError, httpx.RemoteProtocolError, httpx.ReadTimeout, httpx.WriteError)


def transport_error(
    err: httpx.HTTPError, request: httpx.Request, *, server: str | None = None
) -> TransportError:
    """The `rawkube.errors` type for an httpx failure, naming the server and the request.

    ConnectError -> `ServerUnreachable` (`TLSError` when the TLS handshake failed), timeouts ->
    `RequestTimeout`, a connection that broke -> `ConnectionBroken`; the httpx error becomes
    the `__cause__` (set by the caller's `raise ... from err`). A write whose connection broke
    after sending says that it may have been applied (client-go leaves writes unretried for
    the same reason: they are not idempotent).
    """
    import ssl

    server = server or _server_of(request)
    method = request.method
    url = safe_url(request)
    where = f"{method} {url}"
    reason = _reason(err)
    applied = method not in ("GET", "HEAD") and isinstance(err, _AFTER_SENDING)
    kw: dict[str, Any] = {"server": server, "method": method, "url": url}
    if isinstance(err, httpx.TimeoutException):
        phase = {
            httpx.ConnectTimeout: "connecting to",
            httpx.PoolTimeout: "waiting for a free connection to",
            httpx.WriteTimeout: "sending to",
        }.get(type(err), "waiting for an answer from")
        text = f"{where}: timed out {phase} the server {server}"
        if applied:
            text += " (the request may have been applied on the server)"
        return RequestTimeout(text, may_have_been_applied=applied, **kw)
    if isinstance(err, (httpx.ConnectError, httpx.ProxyError)):
        if any(isinstance(c, ssl.SSLError) for c in _causes(err)) or "SSL" in reason:
            return TLSError(
                f"{where}: TLS handshake with the server {server} failed: {reason}", **kw
            )
        if (
            any(isinstance(c, ConnectionRefusedError) for c in _causes(err))
            or "refused" in reason.lower()
        ):
            hostport = server.split("://", 1)[-1]
            return ServerUnreachable(
                f"The connection to the server {hostport} was refused - did you specify the "
                f"right host or port? ({where})",
                **kw,
            )
        return ServerUnreachable(f"{where}: cannot connect to the server {server}: {reason}", **kw)
    if isinstance(
        err, (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError, httpx.CloseError)
    ):
        text = f"{where}: the connection to the server {server} broke: {reason}"
        if applied:
            text += " (the request may have been applied on the server)"
        return ConnectionBroken(text, may_have_been_applied=applied, **kw)
    return TransportError(f"{where}: {type(err).__name__}: {reason}", **kw)


class Handle(Step):
    """One request straight to a transport (`transport.handle_request`), see "the direct send
    path" in rawkube/rest/executor.py."""

    __slots__ = ("transport", "request")

    def __init__(self, transport: Any, request: httpx.Request) -> None:
        self.transport = transport
        self.request = request

    def run(self, rt: Runtime) -> httpx.Response:
        try:
            return bind_request(self.transport.handle_request(self.request), self.request)
        except httpx.RequestError as err:
            attach_request(err, self.request)
            raise

    async def arun(self, rt: AsyncRuntime) -> httpx.Response:
        try:
            response = await self.transport.handle_async_request(self.request)
        except httpx.RequestError as err:
            attach_request(err, self.request)
            raise
        return bind_request(response, self.request)


class ClientSend(Step):
    """`client.send(request, stream=...)`: for clients configured for what only it does."""

    __slots__ = ("client", "request", "stream")

    def __init__(self, client: Any, request: httpx.Request, stream: bool) -> None:
        self.client = client
        self.request = request
        self.stream = stream

    def run(self, rt: Runtime) -> httpx.Response:
        response: httpx.Response = self.client.send(self.request, stream=self.stream)
        return response

    async def arun(self, rt: AsyncRuntime) -> httpx.Response:
        response: httpx.Response = await self.client.send(self.request, stream=self.stream)
        return response


class AuthStart(Step):
    """Start an `httpx.Auth` flow for a request (`sync_auth_flow` / `async_auth_flow`)."""

    __slots__ = ("auth", "request")

    def __init__(self, auth: httpx.Auth, request: httpx.Request) -> None:
        self.auth = auth
        self.request = request

    def run(self, rt: Runtime) -> Any:
        return self.auth.sync_auth_flow(self.request)

    async def arun(self, rt: AsyncRuntime) -> Any:
        return self.auth.async_auth_flow(self.request)


class AuthNext(Step):
    """The auth flow's next request, given the last response (None at first); END when done."""

    __slots__ = ("flow", "response")

    def __init__(self, flow: Any, response: httpx.Response | None) -> None:
        self.flow = flow
        self.response = response

    def run(self, rt: Runtime) -> Any:
        try:
            return next(self.flow) if self.response is None else self.flow.send(self.response)
        except StopIteration:
            return END

    async def arun(self, rt: AsyncRuntime) -> Any:
        try:
            if self.response is None:
                return await self.flow.__anext__()
            return await self.flow.asend(self.response)
        except StopAsyncIteration:
            return END


class AuthClose(Step):
    """Close an auth flow (its `finally` blocks run)."""

    __slots__ = ("flow",)

    def __init__(self, flow: Any) -> None:
        self.flow = flow

    def run(self, rt: Runtime) -> None:
        self.flow.close()

    async def arun(self, rt: AsyncRuntime) -> None:
        await self.flow.aclose()


class Deadline:
    """When a whole call must be over: `timeout` seconds after `start` on `clock`.

    `expired()` builds the error to raise (the executor's typed `RequestTimeout`, naming the
    server, the timeout and a previous attempt's error)."""

    __slots__ = ("timeout", "at", "clock", "expired")

    def __init__(
        self,
        timeout: float,
        clock: Callable[[], float] = time.monotonic,
        expired: Callable[[], BaseException] | None = None,
    ) -> None:
        self.timeout = timeout
        self.clock = clock
        self.at = clock() + timeout
        self.expired = expired or (lambda: httpx.ReadTimeout("the deadline passed"))

    def remaining(self) -> float:
        return self.at - self.clock()


class BodySink(Protocol):
    """Where a body goes chunk by chunk instead of being joined (`rest.listdecode.ListDecoder`):
    `reset(engaged)` starts an attempt (`engaged`: this attempt's body goes to the sink)."""

    engaged: bool

    def reset(self, engaged: bool = False) -> None: ...
    def feed(self, chunk: bytes) -> None: ...
    def abort(self) -> None: ...


def _sinks(response: httpx.Response) -> bool:
    """Whether a body sink takes this answer: a success in JSON (failures, protobuf, YAML and
    text are read whole, as always)."""
    ctype = response.headers.get("content-type") or ""
    return 200 <= response.status_code <= 206 and ctype.split(";", 1)[0].strip() == JSON


JSON = "application/json"


class ReadBody(Step):
    """Read a response's whole body; closes the response if reading fails.

    With a `deadline` the body is read chunk by chunk and the deadline checked between chunks,
    so a server that drips bytes cannot outlive it (the executor has set the read timeout to
    what was left when the body started, which bounds a silent wait too); async reads are
    cancelled at the deadline. With a `sink` a successful JSON body is fed to it chunk by chunk
    and not kept (`response.content` is then empty; `sink.engaged` says so).
    """

    __slots__ = ("response", "deadline", "sink")

    def __init__(
        self,
        response: httpx.Response,
        deadline: Deadline | None = None,
        sink: BodySink | None = None,
    ) -> None:
        self.response = response
        self.deadline = deadline
        self.sink = sink

    def _sink(self) -> BodySink | None:
        sink = self.sink
        if sink is None:
            return None
        engaged = _sinks(self.response)
        sink.reset(engaged)  # a new attempt starts afresh
        return sink if engaged else None

    def run(self, rt: Runtime) -> bytes:
        response, deadline = self.response, self.deadline
        sink = self._sink()
        try:
            if deadline is None and sink is None:
                return response.read()
            chunks = []
            for chunk in response.iter_bytes():
                if sink is not None:
                    sink.feed(chunk)
                else:
                    chunks.append(chunk)
                if deadline is not None and deadline.remaining() <= 0:
                    raise deadline.expired()
            body = b"".join(chunks)
            response._content = body  # what `read()` keeps: `response.content` works
            return body
        except BaseException:
            if sink is not None:
                sink.abort()
            response.close()
            raise

    async def arun(self, rt: AsyncRuntime) -> bytes:
        response, deadline = self.response, self.deadline
        sink = self._sink()
        try:
            if sink is not None:
                read: Any = _feed_async(response, sink)
            elif deadline is None:
                return await response.aread()
            else:
                read = response.aread()
            if deadline is None:
                return await read
            import asyncio

            try:
                return await asyncio.wait_for(read, max(deadline.remaining(), 0.0))
            except asyncio.TimeoutError:
                raise deadline.expired() from None
        except BaseException:
            if sink is not None:
                sink.abort()
            await response.aclose()
            raise


async def _feed_async(response: httpx.Response, sink: BodySink) -> bytes:
    async for chunk in response.aiter_bytes():
        sink.feed(chunk)
    response._content = b""
    return b""


class Exchange(Step):
    """`Handle` and then `ReadBody` of its answer as one step, for a request with nothing to do
    between the two (no auth flow to step through, no deadline to re-arm, not streamed): most
    requests. One trip through the flows instead of two (issue 12: the per-GET cost)."""

    __slots__ = ("handle", "sink")

    def __init__(
        self, transport: Any, request: httpx.Request, sink: BodySink | None = None
    ) -> None:
        self.handle = Handle(transport, request)
        self.sink = sink

    @property
    def request(self) -> httpx.Request:
        return self.handle.request

    def run(self, rt: Runtime) -> httpx.Response:
        response = self.handle.run(rt)
        ReadBody(response, None, self.sink).run(rt)
        return response

    async def arun(self, rt: AsyncRuntime) -> httpx.Response:
        response = await self.handle.arun(rt)
        await ReadBody(response, None, self.sink).arun(rt)
        return response


class CloseResponse(Step):
    """Release a response (its connection goes back to the pool, or is closed)."""

    __slots__ = ("response",)

    def __init__(self, response: httpx.Response) -> None:
        self.response = response

    def run(self, rt: Runtime) -> None:
        self.response.close()

    async def arun(self, rt: AsyncRuntime) -> None:
        await self.response.aclose()


class Chunks(Step):
    """An iterator over a streamed response's body, for `Next`: read straight from the
    connection when `rawkube.rest.chunked` can (a watch over HTTP/1.1), else httpx's
    `iter_bytes` / `aiter_bytes`."""

    __slots__ = ("response", "chunk_size")

    def __init__(self, response: httpx.Response, chunk_size: int | None = None) -> None:
        self.response = response
        self.chunk_size = chunk_size

    def run(self, rt: Runtime) -> Any:
        return direct_body(self.response, self.chunk_size) or self.response.iter_bytes(
            self.chunk_size
        )

    async def arun(self, rt: AsyncRuntime) -> Any:
        return direct_body(self.response, self.chunk_size) or self.response.aiter_bytes(
            self.chunk_size
        )


__all__ = [
    "AuthClose",
    "AuthNext",
    "AuthStart",
    "Chunks",
    "ClientSend",
    "CloseResponse",
    "Handle",
    "Deadline",
    "Exchange",
    "ReadBody",
    "attach_request",
    "bind_request",
    "safe_url",
    "transport_error",
]
