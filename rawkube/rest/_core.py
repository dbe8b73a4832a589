"""What the sync and async REST clients share: everything except sending and sleeping.

`ClientCore` owns the per-client policy objects (rate limiter, retry policy, warning handler,
clock) and the pure steps around one attempt (`after_error`, `after_response`). `ClientShell`
holds what both clients keep and the verbs (`get() post() put() delete() patch()`).
`RESTClient` (rest/client.py) and `AsyncRESTClient` (aio/rest.py) subclass it and add only the
send loop, which differs in `await`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import httpx

from rawkube.config.types import Config, redact_url
from rawkube.errors import StatusError
from rawkube.rest import trace
from rawkube.rest.ratelimit import Clock, TokenBucket, limiter_for, shared_limiter_for
from rawkube.rest.request import JSON, PATCH_CONTENT_TYPES, RequestBase
from rawkube.rest.result import Result, error_from_response, is_success
from rawkube.rest.warnings import WarningHandler, handle_warnings
from rawkube.rest.watch import DEFAULT_MAX_FRAME_BYTES, WatchDecoder
from rawkube.rest.with_retry import DEFAULT_RETRY_POLICY, RetryPolicy

_UNSET: Any = object()

RequestT = TypeVar("RequestT", bound=RequestBase)


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

    def after_error(
        self, request: httpx.Request, error: BaseException, start: float, attempt: int
    ) -> float | None:
        """An attempt failed to get an answer: trace it; seconds until the next, or None."""
        trace.trace_request(request)
        trace.trace_error(request, error, elapsed_since(self.clock, start))
        return self.retry_after_error(request, error, attempt)

    def after_response(
        self,
        request: httpx.Request,
        response: httpx.Response,
        start: float,
        attempt: int,
        *,
        stream: bool,
    ) -> float | None:
        """An attempt got an answer: trace it; seconds until the next (429/5xx), or None."""
        elapsed = elapsed_since(self.clock, start)
        # Traced after sending: the auth flow adds its headers inside send() (masked).
        trace.trace_request(response.request)
        trace.trace_response(
            response.request, response, elapsed, None if stream else response.content
        )
        return self.retry_after_response(request, response, attempt)

    def opened(self, response: httpx.Response) -> bool:
        """A streamed response (watch, logs) may be read: success, its warnings handled.

        False: the caller reads the body, closes it and raises `failure(...)`.
        """
        if not is_success(response.status_code):
            return False
        self.handle_warnings(response)
        return True

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
        if not is_success(response.status_code):
            raise self.failure(req, response, body)
        warnings = self.handle_warnings(response)
        url = _safe_url(response.request)
        return Result(
            response.status_code,
            response.headers,
            body,
            warnings=warnings,
            url=url,
            request=response.request,
        )

    def failure(self, req: RequestBase, response: httpx.Response, body: bytes) -> StatusError:
        """The StatusError for a response that is not a success (its warnings handled too)."""
        self.handle_warnings(response)
        group, resource, name = req.resource_info
        headers: Any = response.headers
        secrets = trace.request_secrets(response.request)
        if secrets:  # a server may echo the credential back ("invalid token abc..."): mask it
            body = trace.mask_secrets(body, secrets)
            headers = httpx.Headers(
                [(k, trace.mask_secrets(v.encode(), secrets).decode()) for k, v in headers.items()]
            )
        return error_from_response(
            response.status_code,
            headers,
            body,
            method=response.request.method,
            url=_safe_url(response.request),
            group=group,
            resource=resource,
            name=name,
        )

    def decoder(self, decode: Callable[[Any], Any] | None) -> WatchDecoder:
        return WatchDecoder(decode, max_frame_bytes=self.max_frame_bytes)


def patch_content_type(patch_type: str) -> str:
    """ "json" | "merge" | "strategic" | "apply" (or a full media type) -> Content-Type."""
    if patch_type in PATCH_CONTENT_TYPES:
        return PATCH_CONTENT_TYPES[patch_type]
    if patch_type in PATCH_CONTENT_TYPES.values():
        return patch_type
    raise ValueError(
        f"unknown patch type {patch_type!r}: use one of {', '.join(PATCH_CONTENT_TYPES)}"
    )


class ClientShell(Generic[RequestT]):
    """What `RESTClient` and `AsyncRESTClient` keep, and their verbs (client-go `Get()` ...).

    A subclass passes its httpx client (or None and a builder for one) to `_setup` and
    defines `verb()`, which makes its own kind of request (`Request` / `AsyncRequest`).
    """

    client: Any
    _core: ClientCore

    def _setup(
        self,
        config: Config,
        group: str,
        version: str,
        client: httpx.Client | httpx.AsyncClient | None,
        build: Callable[[Config], Any],
        *,
        rate_limiter: TokenBucket | None | Any,
        retry: RetryPolicy | None,
        warning_handler: WarningHandler | None,
        clock: Clock,
    ) -> None:
        if client is not None and rate_limiter is _UNSET:
            # One limiter per shared httpx client (client-go shares one per Clientset).
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
        self.client = client if client is not None else build(config)
        # computed once: every request of this client shares them
        self._request_kwargs = self._core.request_kwargs(str(self.client.base_url))

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
    def verb(self, method: str, content_type: str = JSON) -> RequestT:
        raise NotImplementedError  # pragma: no cover - each client makes its own Request

    def get(self) -> RequestT:
        return self.verb("GET")

    def post(self) -> RequestT:
        return self.verb("POST")

    def put(self) -> RequestT:
        return self.verb("PUT")

    def delete(self) -> RequestT:
        return self.verb("DELETE")

    def patch(self, patch_type: str) -> RequestT:
        return self.verb("PATCH", patch_content_type(patch_type))

    def __repr__(self) -> str:
        base = redact_url(str(self.client.base_url))
        return f"{type(self).__name__}({base}{self._core.api_path})"


# -- the direct send path ---------------------------------------------------------------------
#
# Why rawkube does not call `httpx.Client.send` for every request: on a small GET, `send` costs
# ~90 us of a ~280 us round trip over loopback (measured with benchmarks/run.py's GET loop) in
# steps a Kubernetes client never uses: redirect following, cookie extraction into the client's
# jar, event hooks, the `elapsed` timer stream wrapper and per-request logging. client-go's
# `http.Client` has no cookie jar either. So the REST clients send the `httpx.Request` that
# `Request.to_httpx(client)` built (client headers, base URL and timeout merged exactly as
# `send` would) straight to the transport the client would pick, driving the client's
# `httpx.Auth` flow themselves (a token header, the exec/oidc refresh and the 401 re-run keep
# working as before).
#
# What stays the same: the transport is the client's own (`Config.transport`,
# `wrap_transport`, the exec-certificate and SNI wrappers, proxies, TLS, pytest-httpx's patched
# `HTTPTransport`), so are the auth flow, timeouts (the request's `timeout` extension), streaming
# (watches read the transport's stream), and rawkube's own retries, rate limiting and tracing
# around each attempt. Whenever the client is configured for something only `send` does
# (redirects, cookies, event hooks, credentials in the URL, a closed client, or an httpx
# without `_transport_for_url`), the request goes through `client.send` unchanged.


def direct_transport(client: Any, request: httpx.Request) -> Any | None:
    """The transport `client.send(request)` would use, when sending straight to it (with the
    client's auth flow) behaves the same; None when only `client.send` is right."""
    pick = getattr(client, "_transport_for_url", None)
    if (
        pick is None
        or client.is_closed
        or client.follow_redirects
        or client.cookies
        or any(client.event_hooks.values())
        or (client.auth is None and (request.url.username or request.url.password))
    ):
        return None
    return pick(request.url)


def bind_request(response: httpx.Response, request: httpx.Request) -> httpx.Response:
    """What `send` sets on every response that we still need: the request it answers."""
    response.request = request
    return response


def attach_request(error: httpx.RequestError, request: httpx.Request) -> None:
    """Give a transport error its request, as `send` does (`err.request` works for callers)."""
    try:
        error.request  # noqa: B018 - raises RuntimeError when unset
    except RuntimeError:
        error.request = request


def _safe_url(request: httpx.Request) -> str:
    """The URL for messages: without any user:password part."""
    url = request.url
    if url.userinfo:
        url = url.copy_with(username=None, password=None)
    return str(url)


def elapsed_since(clock: Callable[[], float], start: float) -> float:
    return max(0.0, clock() - start)
