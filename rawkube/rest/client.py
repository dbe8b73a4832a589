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
from rawkube.rest import trace
from rawkube.rest._core import _UNSET, ClientCore, elapsed_since
from rawkube.rest.ratelimit import Clock, TokenBucket, shared_limiter_for
from rawkube.rest.request import PATCH_CONTENT_TYPES, Request
from rawkube.rest.result import Result, is_success
from rawkube.rest.warnings import WarningHandler
from rawkube.rest.watch import Watch
from rawkube.rest.with_retry import RetryPolicy


def patch_content_type(patch_type: str) -> str:
    """ "json" | "merge" | "strategic" | "apply" (or a full media type) -> Content-Type."""
    if patch_type in PATCH_CONTENT_TYPES:
        return PATCH_CONTENT_TYPES[patch_type]
    if patch_type in PATCH_CONTENT_TYPES.values():
        return patch_type
    raise ValueError(
        f"unknown patch type {patch_type!r}: use one of {', '.join(PATCH_CONTENT_TYPES)}"
    )


class RESTClient:
    """Requests against one API group/version of one server.

    `client=` shares an existing httpx.Client (one connection pool for a whole Clientset);
    such a client is not closed by `close()`. The rate limiter comes from `config.qps` /
    `config.burst`; every RESTClient built on the same `client=` shares one (client-go shares
    one per Clientset), and `rate_limiter=` passes one explicitly (None: no limit).
    `clock` and `sleep` are injectable so tests run retries and throttling without waiting.
    """

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
        if client is not None and rate_limiter is _UNSET:
            rate_limiter = shared_limiter_for(client, config.qps, config.burst, clock=clock)
        self._core = ClientCore(
            config,
            group,
            version,
            rate_limiter=rate_limiter,
            retry=retry,
            warning_handler=warning_handler,
            clock=clock,
        )
        self._owns_client = client is None
        if client is None:
            from rawkube.transport import build_client

            client = build_client(config)
        self.client = client
        self._sleep = sleep
        # computed once: every request of this client shares them
        self._request_kwargs = self._core.request_kwargs(str(client.base_url))

    @property
    def config(self) -> Config:
        return self._core.config

    @property
    def group(self) -> str:
        return self._core.group

    @property
    def version(self) -> str:
        return self._core.version

    @property
    def rate_limiter(self) -> TokenBucket | None:
        return self._core.rate_limiter

    # -- verbs ---------------------------------------------------------------------------------
    def verb(self, method: str, content_type: str = "application/json") -> Request:
        return Request(
            self,
            method,
            content_type=content_type,
            **self._request_kwargs,
        )

    def get(self) -> Request:
        return self.verb("GET")

    def post(self) -> Request:
        return self.verb("POST")

    def put(self) -> Request:
        return self.verb("PUT")

    def delete(self) -> Request:
        return self.verb("DELETE")

    def patch(self, patch_type: str) -> Request:
        return self.verb("PATCH", patch_content_type(patch_type))

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
                response = self.client.send(http_request, stream=stream)
            except httpx.TransportError as err:
                trace.trace_request(http_request)
                trace.trace_error(http_request, err, elapsed_since(core.clock, start))
                delay_or_none = core.retry_after_error(http_request, err, attempt)
                if delay_or_none is None:
                    raise
                self._sleep(delay_or_none)
                attempt += 1
                continue
            elapsed = elapsed_since(core.clock, start)
            # Traced after sending: the auth flow adds its headers inside send() (masked).
            trace.trace_request(response.request)
            trace.trace_response(
                response.request, response, elapsed, None if stream else response.content
            )
            delay_or_none = core.retry_after_response(http_request, response, attempt)
            if delay_or_none is None:
                return response
            response.close()
            self._sleep(delay_or_none)
            attempt += 1

    def _do(self, req: Request) -> Result:
        response = self._send(req, stream=False)
        return self._core.finish(req, response, response.content)

    def _open(self, req: Request) -> httpx.Response:
        """Send for streaming (watch, logs); a failure status is read, closed and raised."""
        response = self._send(req, stream=True)
        if is_success(response.status_code):
            self._core.handle_warnings(response)
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

    def __repr__(self) -> str:
        return f"RESTClient({self.client.base_url!s}{self._core.api_path})"


def _chunks(response: httpx.Response, chunk_size: int | None) -> Iterator[bytes]:
    try:
        yield from response.iter_bytes(chunk_size)
    finally:
        response.close()
