"""What the sync and async REST clients share: everything except sending and sleeping.

`ClientCore` owns the per-client policy objects (rate limiter, retry policy, warning handler,
clock) and the pure steps around one attempt. `RESTClient` (rest/client.py) and
`AsyncRESTClient` (aio/rest.py) are thin shells whose send loops differ only in `await`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from rawkube.config.types import Config
from rawkube.errors import StatusError
from rawkube.rest import trace
from rawkube.rest.ratelimit import Clock, TokenBucket, limiter_for
from rawkube.rest.request import RequestBase
from rawkube.rest.result import Result, check_response, error_from_response
from rawkube.rest.warnings import WarningHandler, handle_warnings
from rawkube.rest.watch import DEFAULT_MAX_FRAME_BYTES, WatchDecoder
from rawkube.rest.with_retry import DEFAULT_RETRY_POLICY, RetryPolicy

_UNSET: Any = object()


def api_path(group: str, version: str) -> str:
    """client-go `DefaultVersionedAPIPath`: "" -> /api/{version}, else /apis/{group}/{version}."""
    return f"/api/{version}" if not group else f"/apis/{group}/{version}"


class ClientCore:
    """Settings and pure helpers common to `RESTClient` and `AsyncRESTClient`."""

    def __init__(
        self,
        config: Config,
        group: str,
        version: str,
        *,
        rate_limiter: TokenBucket | None | Any = _UNSET,
        retry: RetryPolicy | None = None,
        warning_handler: WarningHandler | None = None,
        clock: Clock = time.monotonic,
        max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES,
    ) -> None:
        self.config = config
        self.group = group
        self.version = version
        self.api_path = api_path(group, version)
        if rate_limiter is _UNSET:
            rate_limiter = limiter_for(config.qps, config.burst, clock=clock)
        self.rate_limiter: TokenBucket | None = rate_limiter
        self.retry = retry if retry is not None else DEFAULT_RETRY_POLICY
        self.warning_handler = warning_handler
        self.clock = clock
        self.max_frame_bytes = max_frame_bytes

    def request_kwargs(self, base_url: str) -> dict[str, Any]:
        return {"base_url": base_url, "api_path": self.api_path, "group": self.group}

    def throttle_delay(self, request: httpx.Request) -> float:
        """Take a rate-limiter token; the seconds to sleep first (client-go `tryThrottle`)."""
        if self.rate_limiter is None:
            return 0.0
        delay = self.rate_limiter.reserve()
        if delay > 0:
            trace.trace_throttle(request, delay)
        return delay

    def retry_after_response(
        self, request: httpx.Request, response: httpx.Response, attempt: int
    ) -> float | None:
        delay = self.retry.delay_after_response(
            request.method, response.status_code, response.headers, attempt
        )
        if delay is not None:
            trace.trace_retry(request, delay, attempt + 1, f"status {response.status_code}")
        return delay

    def retry_after_error(
        self, request: httpx.Request, error: BaseException, attempt: int
    ) -> float | None:
        delay = self.retry.delay_after_error(request.method, error, attempt)
        if delay is not None:
            trace.trace_retry(request, delay, attempt + 1, type(error).__name__)
        return delay

    def handle_warnings(self, response: httpx.Response) -> list[str]:
        """Pass the `Warning` headers to the handler; return their texts."""
        return handle_warnings(response.headers.get_list("warning"), self.warning_handler)

    def finish(self, req: RequestBase, response: httpx.Response, body: bytes) -> Result:
        """Response (body read) -> Result, or raise its StatusError (client-go `transformResponse`)."""
        return check_response(
            response.status_code,
            response.headers,
            body,
            method=response.request.method,
            url=_safe_url(response.request),
            warnings=self.handle_warnings(response),
            resource_info=req.resource_info,
        )

    def failure(self, req: RequestBase, response: httpx.Response, body: bytes) -> StatusError:
        """The StatusError for a watch/stream whose response is not a success."""
        self.handle_warnings(response)
        group, resource, name = req.resource_info
        return error_from_response(
            response.status_code,
            response.headers,
            body,
            method=response.request.method,
            url=_safe_url(response.request),
            group=group,
            resource=resource,
            name=name,
        )

    def decoder(self, decode: Callable[[Any], Any] | None) -> WatchDecoder:
        return WatchDecoder(decode, max_frame_bytes=self.max_frame_bytes)


def _safe_url(request: httpx.Request) -> str:
    """The URL for messages: without any user:password part."""
    url = request.url
    if url.userinfo:
        url = url.copy_with(username=None, password=None)
    return str(url)


def elapsed_since(clock: Callable[[], float], start: float) -> float:
    return max(0.0, clock() - start)
