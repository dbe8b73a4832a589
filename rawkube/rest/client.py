"""`RESTClient`: the sync shell around the sans-IO request/response core (client-go `rest.RESTClient`).

    rc = RESTClient(config, group="apps", version="v1")
    rc.get().namespace("default").resource("deployments").name("demo").do().json()

One `send` per attempt: take a rate-limiter token (sleep if needed), send, and ask the retry
policy whether the answer (429/5xx with Retry-After, or a broken connection on a GET) calls for
another try. `rawkube.aio.rest.AsyncRESTClient` is the same loop with `await`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
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
from rawkube.rest._core import patch_content_type as patch_content_type  # public here too
from rawkube.rest.ratelimit import Clock, TokenBucket
from rawkube.rest.request import JSON, Request
from rawkube.rest.result import Result
from rawkube.rest.warnings import WarningHandler
from rawkube.rest.watch import Watch
from rawkube.rest.with_retry import RetryPolicy


class RESTClient(ClientShell[Request]):
    """Requests against one API group/version of one server.

    `client=` shares an existing httpx.Client (one connection pool for a whole Clientset);
    such a client is not closed by `close()`. The rate limiter comes from `config.qps` /
    `config.burst`; every RESTClient built on the same `client=` shares one (client-go shares
    one per Clientset), and `rate_limiter=` passes one explicitly (None: no limit).
    `clock` and `sleep` are injectable so tests run retries and throttling without waiting.
    """

    client: httpx.Client

    def __init__(
        self,
        config: Config,
        group: str = "",
        version: str = "v1",
        *,
        client: httpx.Client | None = None,
        rate_limiter: TokenBucket | None | Any = _UNSET,
        retry: RetryPolicy | None = None,
        warning_handler: WarningHandler | None = None,
        clock: Clock = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        from rawkube.transport import build_client

        self._setup(
            config,
            group,
            version,
            client,
            build_client,
            rate_limiter=rate_limiter,
            retry=retry,
            warning_handler=warning_handler,
            clock=clock,
        )
        self._sleep = sleep

    def verb(self, method: str, content_type: str = JSON) -> Request:
        return Request(self, method, content_type=content_type, **self._request_kwargs)

    # -- sending (called by Request) -------------------------------------------------------------
    def _send(self, req: Request, *, stream: bool) -> httpx.Response:
        """One request, attempt after attempt: throttle, send, ask the retry policy."""
        core = self._core
        http_request = req.to_httpx(self.client)
        attempt = 0
        while True:
            delay = core.throttle_delay(http_request)
            if delay > 0:
                self._sleep(delay)
            start = core.clock()
            try:
                response = self._transmit(http_request, stream)
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
                response.close()
            self._sleep(retry_in)
            attempt += 1

    def _transmit(self, request: httpx.Request, stream: bool) -> httpx.Response:
        """One attempt: `client.send(request, stream=stream)`, minus what a Kubernetes client
        never uses (see "the direct send path" in rawkube/rest/_core.py for why and what is kept).
        """
        client = self.client
        transport = direct_transport(client, request)
        if transport is None:
            return client.send(request, stream=stream)
        auth = client.auth
        if auth is None:
            response = _handle(transport, request)
        else:
            # httpx.Client._send_handling_auth, without redirects, hooks and cookies.
            flow = auth.sync_auth_flow(request)
            try:
                request = next(flow)
                while True:
                    response = _handle(transport, request)
                    try:
                        try:
                            next_request = flow.send(response)
                        except StopIteration:
                            break
                        response.read()  # answered a request sent again (after a 401): drain it
                    except BaseException:
                        response.close()
                        raise
                    request = next_request
            finally:
                flow.close()
        if not stream:
            try:
                response.read()
            except BaseException:
                response.close()
                raise
        return response

    def _do(self, req: Request) -> Result:
        response = self._send(req, stream=False)
        return self._core.finish(req, response, response.content)

    def _open(self, req: Request) -> httpx.Response:
        """Send for streaming (watch, logs); a failure status is read, closed and raised."""
        response = self._send(req, stream=True)
        if self._core.opened(response):
            return response
        try:
            body = response.read()
        finally:
            response.close()
        raise self._core.failure(req, response, body)

    def _watch(self, req: Request, decode: Callable[[Any], Any] | None) -> Watch:
        return Watch(self._open(req), self._core.decoder(decode))

    def _stream(self, req: Request, chunk_size: int | None) -> Iterator[bytes]:
        response = self._open(req)
        return _chunks(response, chunk_size)

    # -- lifecycle -----------------------------------------------------------------------------
    def close(self) -> None:
        if self._owns_client:
            self.client.close()

    def __enter__(self) -> RESTClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _handle(transport: httpx.BaseTransport, request: httpx.Request) -> httpx.Response:
    try:
        return bind_request(transport.handle_request(request), request)
    except httpx.RequestError as err:
        attach_request(err, request)
        raise


def _chunks(response: httpx.Response, chunk_size: int | None) -> Iterator[bytes]:
    try:
        yield from response.iter_bytes(chunk_size)
    finally:
        response.close()
