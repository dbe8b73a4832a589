"""`AsyncRESTClient`: the asyncio twin of `rawkube.rest.client.RESTClient`.

The builder, the retry/throttle decisions, response checking, warnings, tracing and watch
decoding all come from the same sans-IO code as the sync client (`rawkube.rest._core`,
`request`, `result`, `watch`); only the lines that send and sleep differ (`await`).

    async with AsyncRESTClient(config, "apps", "v1") as rc:
        result = await rc.get().namespace("default").resource("deployments").do()
        async for ev in rc.get().resource("deployments").watch(): ...
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from types import TracebackType
from typing import Any

import httpx

from rawkube.config.types import Config
from rawkube.rest._core import (
    _UNSET,
    ClientShell,
    attach_request,
    bind_request,
    direct_transport,
)
from rawkube.rest.ratelimit import Clock, TokenBucket
from rawkube.rest.request import JSON, RequestBase
from rawkube.rest.result import Result
from rawkube.rest.warnings import WarningHandler
from rawkube.rest.watch import AsyncWatch
from rawkube.rest.with_retry import RetryPolicy


class AsyncRequest(RequestBase):
    """The same builder as `Request`; `do()` is awaitable, `watch()` / `stream()` are async
    iterators."""

    __slots__ = ("_client",)

    def __init__(self, client: AsyncRESTClient, verb: str, **kw: Any) -> None:
        super().__init__(verb, **kw)
        self._client = client

    async def do(self) -> Result:
        return await self._client._do(self)

    async def do_raw(self) -> bytes:
        return (await self.do()).raw()

    def watch(self, decode: Callable[[Any], Any] | None = None) -> AsyncWatch:
        """A watch, sent on first iteration: `async for ev in req.watch()`."""
        if "watch" not in self._params:
            self.param("watch", True)
        return self._client._watch(self, decode)

    def stream(self, chunk_size: int | None = None) -> AsyncIterator[bytes]:
        """Body chunks, sent on first iteration: `async for chunk in req.stream()`."""
        return self._client._stream(self, chunk_size)


class AsyncRESTClient(ClientShell[AsyncRequest]):
    """Async requests against one API group/version (see `RESTClient` for the arguments)."""

    client: httpx.AsyncClient

    def __init__(
        self,
        config: Config,
        group: str = "",
        version: str = "v1",
        *,
        client: httpx.AsyncClient | None = None,
        rate_limiter: TokenBucket | None | Any = _UNSET,
        retry: RetryPolicy | None = None,
        warning_handler: WarningHandler | None = None,
        clock: Clock = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        from rawkube.transport import build_async_client

        self._setup(
            config,
            group,
            version,
            client,
            build_async_client,
            rate_limiter=rate_limiter,
            retry=retry,
            warning_handler=warning_handler,
            clock=clock,
        )
        self._sleep = sleep

    def verb(self, method: str, content_type: str = JSON) -> AsyncRequest:
        return AsyncRequest(self, method, content_type=content_type, **self._request_kwargs)

    async def _send(self, req: AsyncRequest, *, stream: bool) -> httpx.Response:
        """RESTClient._send with await: throttle, send, ask the retry policy."""
        core = self._core
        http_request = req.to_httpx(self.client)
        attempt = 0
        while True:
            delay = core.throttle_delay(http_request)
            if delay > 0:
                await self._sleep(delay)
            start = core.clock()
            try:
                response = await self._transmit(http_request, stream)
            except httpx.TransportError as err:
                retry_in = core.after_error(http_request, err, start, attempt)
                if retry_in is None:
                    raise
            else:
                retry_in = core.after_response(
                    http_request, response, start, attempt, stream=stream
                )
                if retry_in is None:
                    return response
                await response.aclose()
            await self._sleep(retry_in)
            attempt += 1

    async def _transmit(self, request: httpx.Request, stream: bool) -> httpx.Response:
        """RESTClient._transmit with await: the client's transport and auth flow, without
        `client.send` (see "the direct send path" in rawkube/rest/_core.py)."""
        client = self.client
        transport = direct_transport(client, request)
        if transport is None:
            return await client.send(request, stream=stream)
        auth = client.auth
        if auth is None:
            response = await _handle(transport, request)
        else:
            flow = auth.async_auth_flow(request)
            try:
                request = await flow.__anext__()
                while True:
                    response = await _handle(transport, request)
                    try:
                        try:
                            next_request = await flow.asend(response)
                        except StopAsyncIteration:
                            break
                        await response.aread()  # answered a request sent again (after a 401)
                    except BaseException:
                        await response.aclose()
                        raise
                    request = next_request
            finally:
                await flow.aclose()
        if not stream:
            try:
                await response.aread()
            except BaseException:
                await response.aclose()
                raise
        return response

    async def _do(self, req: AsyncRequest) -> Result:
        response = await self._send(req, stream=False)
        return self._core.finish(req, response, response.content)

    async def _open(self, req: AsyncRequest) -> httpx.Response:
        """Send for streaming (watch, logs); a failure status is read, closed and raised."""
        response = await self._send(req, stream=True)
        if self._core.opened(response):
            return response
        try:
            body = await response.aread()
        finally:
            await response.aclose()
        raise self._core.failure(req, response, body)

    def _watch(self, req: AsyncRequest, decode: Callable[[Any], Any] | None) -> AsyncWatch:
        return AsyncWatch(lambda: self._open(req), self._core.decoder(decode))

    async def _stream(self, req: AsyncRequest, chunk_size: int | None) -> AsyncIterator[bytes]:
        response = await self._open(req)
        try:
            async for chunk in response.aiter_bytes(chunk_size):
                yield chunk
        finally:
            await response.aclose()

    async def aclose(self) -> None:
        if self._owns_client:
            await self.client.aclose()

    async def __aenter__(self) -> AsyncRESTClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


async def _handle(transport: httpx.AsyncBaseTransport, request: httpx.Request) -> httpx.Response:
    try:
        return bind_request(await transport.handle_async_request(request), request)
    except httpx.RequestError as err:
        attach_request(err, request)
        raise
