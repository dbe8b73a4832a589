"""The executor: one API request, attempt after attempt, written once for sync and async.

client-go sends every request through one loop, `Request.request()` in rest/request.go with the
retry state of rest/with_retry.go:

    throttle the first try (before the timeout starts: a throttled client must not time out
    before it sent anything)
    start the deadline (`Request.Timeout()`, defaulting to `Config.Timeout`)
    loop: retry.Before()  - wait the previous answer's Retry-After, throttle again
          send
          retry.IsNextRetry(...)  - 429/5xx with Retry-After, or a broken connection on a GET
          else: the answer, or retry.WrapPreviousError(err)

`RESTCore.send` is that loop as a flow (`rawkube.flow`): it yields `Sleep`, `Handle`, `ReadBody`
... and the sync `RESTClient` and the `AsyncRESTClient` drive the same generator. Around it:
`do` (the answer as a `Result`, or its `StatusError`), `open` (a streamed answer for watches and
logs). Everything the loop decides is traced (`rawkube.rest.trace`, kubectl's -v levels).

Deadlines. `Config.timeout`, or a per-call `Request.timeout(seconds)` (also sent as `?timeout=`
as client-go does), bounds the whole call: every attempt's connect, every read, every retry and
every Retry-After wait. A Retry-After that would end past the deadline is not waited for: the
call ends at once with `RequestTimeout` naming the previous attempt's error. A body that drips
in byte by byte is cut at the deadline (checked between chunks; the read timeout is what was
left when the body started). For a stream (watch, logs) the deadline covers opening it (up to
the response headers, retries included); the stream itself is then read with the timeout as
an idle limit per read, and its length is the server's business (`timeoutSeconds`).

Failures that are not an HTTP answer become `rawkube.errors.TransportError` subclasses naming
the server (`rest.steps.transport_error`), with the httpx error as `__cause__`.

The direct send path. Each attempt builds no new request and does not call `httpx.Client.send`:
on a small GET, `send` costs ~90 us of a ~280 us round trip over loopback (measured with
benchmarks/run.py's GET loop) in steps a Kubernetes client never uses: redirect following,
cookie extraction into the client's jar, event hooks, the `elapsed` timer stream wrapper and
per-request logging. client-go's `http.Client` has no cookie jar either. So the request that
`Request.to_httpx(client)` built (client headers, base URL and timeout merged exactly as `send`
would) goes straight to the transport the client would pick, with the client's `httpx.Auth`
flow driven here (a token header, the exec/oidc refresh and the 401 re-run keep working). The
transport is the client's own (`Config.transport`, `wrap_transport`, the exec-certificate and
SNI wrappers, proxies, TLS, pytest-httpx's patched `HTTPTransport`). Whenever the client is
configured for something only `send` does (redirects, cookies, event hooks, credentials in the
URL, a closed client, or an httpx without `_transport_for_url`), the request goes through
`client.send` unchanged.

Adding a request option: spell it once in `rawkube.rest.options` (a frozen dataclass with
`to_query()`), pass it to `Request.params(opts.to_query())`. Adding a content type: the request
side is `Request.accept(...)` / `Request.body(...)` (+ `Content-Type` via `set_header`); the
response side is `rawkube.rest.result.decode_body` (by media type) for whole bodies and
`rawkube.rest.watch.WatchDecoder` for watch framing. Nothing in this module needs to change.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from rawkube.config.types import Config
from rawkube.errors import DecodeError, RequestTimeout, StatusError, TransportError
from rawkube.flow import END, Flow, Sleep
from rawkube.rest import trace
from rawkube.rest.listdecode import ListDecoder
from rawkube.rest.ratelimit import Clock, TokenBucket, limiter_for
from rawkube.rest.request import Request
from rawkube.rest.result import (
    NOT_DECODED,
    Result,
    body_excerpt,
    error_from_response,
    is_success,
)
from rawkube.rest.steps import (
    AuthClose,
    AuthNext,
    AuthStart,
    BodySink,
    ClientSend,
    CloseResponse,
    Deadline,
    Exchange,
    Handle,
    ReadBody,
    safe_url,
    transport_error,
)
from rawkube.rest.warnings import WarningHandler, handle_warnings
from rawkube.rest.watch import DEFAULT_MAX_FRAME_BYTES, WatchDecoder
from rawkube.rest.with_retry import DEFAULT_RETRY_POLICY, RetryPolicy, WithRetry

_UNSET: Any = object()
# A timeout this close to the deadline is the deadline passing (the read timeout was set to
# what was left of it).
_DEADLINE_SLACK = 0.05


def api_path(group: str, version: str) -> str:
    """client-go `DefaultVersionedAPIPath`: "" -> /api/{version}, else /apis/{group}/{version}."""
    return f"/api/{version}" if not group else f"/apis/{group}/{version}"


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


_STATIC_AUTH: Any = None  # rawkube.auth.StaticAuth, imported on first use (a client has by then)


def _static_header(auth: httpx.Auth | None) -> str | None:
    """The Authorization header of a `rawkube.auth.StaticAuth` (a token or basic auth: no flow
    to step through), else None."""
    global _STATIC_AUTH
    if auth is None:
        return None
    if _STATIC_AUTH is None:
        from rawkube.auth import StaticAuth

        _STATIC_AUTH = StaticAuth
    header: str | None = auth.header if isinstance(auth, _STATIC_AUTH) else None
    return header


def _bounded(timeouts: dict[str, Any], remaining: float) -> dict[str, Any]:
    """httpx's per-request timeouts, none longer than what is left of the deadline."""
    remaining = max(remaining, 0.001)  # 0 would mean "no wait at all" to a socket
    return {k: remaining if v is None else min(v, remaining) for k, v in timeouts.items()}


class RESTCore:
    """What one REST client holds and the flows it runs (sync and async alike).

    `client` is the httpx client (sync or async: only the steps differ). The flows: `send`
    (the retry loop), `do` (a `Result`), `do_raw` (bytes), `open` (a streamed response).
    """

    def __init__(
        self,
        config: Config,
        group: str,
        version: str,
        client: Any,
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
        self.client = client
        if rate_limiter is _UNSET:
            rate_limiter = limiter_for(config.qps, config.burst, clock=clock)
        self.rate_limiter: TokenBucket | None = rate_limiter
        self.retry = retry if retry is not None else DEFAULT_RETRY_POLICY
        self.warning_handler = warning_handler
        self.clock = clock
        self.max_frame_bytes = max_frame_bytes
        self.base_url = str(client.base_url)

    def request(self, verb: str, content_type: str) -> dict[str, Any]:
        """The keyword arguments of a `Request` for this client's group/version."""
        return {
            "base_url": self.base_url,
            "api_path": self.api_path,
            "group": self.group,
            "content_type": content_type,
        }

    # -- the retry loop ----------------------------------------------------------------------

    def send(
        self, req: Request, *, stream: bool = False, sink: BodySink | None = None
    ) -> Flow[httpx.Response]:
        """Attempt after attempt until an answer that is not retried (client-go `request()`).

        Non-streamed answers come back read (`response.content`, or fed to `sink`: see
        `ReadBody`); streamed ones unread.
        """
        request = req.to_httpx(self.client)
        timeout = req.get_timeout()
        if timeout is None:
            timeout = self.config.timeout
        retry = WithRetry(self.retry, request.method)
        delay = self.throttle_delay(request)  # before the deadline starts, as client-go does
        if delay > 0:
            yield Sleep(delay)
        deadline = None
        timeouts: dict[str, Any] = {}
        if timeout:
            timeouts = dict(request.extensions.get("timeout") or {})
            deadline = Deadline(
                timeout, self.clock, lambda: self._expired(request, timeout, retry, True)
            )
        while True:
            if deadline is not None:
                if deadline.remaining() <= 0:
                    raise self._expired(request, timeout, retry, False)
                request.extensions["timeout"] = _bounded(timeouts, deadline.remaining())
            start = self.clock()
            try:
                response = yield from self._transmit(request, stream, deadline, sink)
            except httpx.HTTPError as err:
                if (
                    deadline is not None
                    and isinstance(err, httpx.TimeoutException)
                    and deadline.remaining() <= _DEADLINE_SLACK
                ):  # the read timeout was what was left: this is the deadline passing
                    raise self._expired(request, timeout, retry, True) from err
                typed = transport_error(err, request)
                again = retry.is_next_retry(error=typed)
                trace.trace_request(request)
                trace.trace_error(request, err, self.clock() - start)
                if not again:
                    raise retry.wrap_previous_error(typed) from err
            else:
                elapsed = self.clock() - start
                # Traced after sending: the auth flow adds its headers inside (masked).
                trace.trace_request(response.request)
                trace.trace_response(
                    response.request, response, elapsed, None if stream else response.content
                )
                if deadline is not None and stream:
                    request.extensions["timeout"] = timeouts  # the stream: idle limit per read
                if not retry.is_next_retry(
                    status_code=response.status_code, headers=response.headers
                ):
                    return response
                # Kept as the previous attempt's error (client-go with_retry.go).
                body = response.content if not stream else b""
                retry.note_failure(self.failure(req, response, body, warnings=False))
                yield CloseResponse(response)
            trace.trace_retry(request, retry.wait, retry.attempts, retry.reason)
            if deadline is not None and retry.wait >= deadline.remaining():
                # Not worth waiting for: the next attempt would start past the deadline.
                raise self._expired(request, timeout, retry, False)
            yield Sleep(retry.wait)
            delay = self.throttle_delay(request)
            if delay > 0:
                if deadline is not None and delay >= deadline.remaining():
                    raise self._expired(request, timeout, retry, False)
                yield Sleep(delay)

    def _expired(
        self, request: httpx.Request, timeout: float | None, retry: WithRetry, inflight: bool
    ) -> RequestTimeout:
        """The error of a call past its deadline; `inflight`: an attempt was under way (a
        write may then have been applied)."""
        applied = inflight and request.method not in ("GET", "HEAD")
        text = (
            f"{request.method} {safe_url(request)}: not done within the {timeout or 0:g}s "
            "timeout (Config.timeout or the call's timeout=)"
        )
        if applied:
            text += " (the request may have been applied on the server)"
        err = RequestTimeout(
            text,
            server=_server(request),
            method=request.method,
            url=safe_url(request),
            may_have_been_applied=applied,
        )
        wrapped = retry.wrap_previous_error(err)
        assert isinstance(wrapped, RequestTimeout)
        return wrapped

    def _transmit(
        self,
        request: httpx.Request,
        stream: bool,
        deadline: Deadline | None,
        sink: BodySink | None = None,
    ) -> Flow[httpx.Response]:
        """One attempt: `client.send(request, stream=stream)`, minus what a Kubernetes client
        never uses (the direct send path, module docstring)."""
        client = self.client
        transport = direct_transport(client, request)
        if transport is None:
            sent: httpx.Response = yield ClientSend(client, request, stream)
            return sent
        auth = client.auth
        header = _static_header(auth)
        if auth is None or header is not None:
            if header is not None and "Authorization" not in request.headers:
                request.headers["Authorization"] = header  # what its auth flow would do
            if not stream and deadline is None:
                exchanged: httpx.Response = yield Exchange(transport, request, sink)
                return exchanged
            response: httpx.Response = yield Handle(transport, request)
        else:
            # httpx.Client._send_handling_auth, without redirects, hooks and cookies.
            flow = yield AuthStart(auth, request)
            response = None  # type: ignore[assignment]
            try:
                request = yield AuthNext(flow, None)
                while True:
                    response = yield Handle(transport, request)
                    next_request = yield AuthNext(flow, response)
                    if next_request is END:
                        break
                    yield ReadBody(response)  # answered a request sent again (after a 401)
                    request = next_request
            except Exception:
                if response is not None:
                    yield CloseResponse(response)
                yield AuthClose(flow)
                raise
            yield AuthClose(flow)
        if not stream:
            if deadline is not None:  # the body's reads get what is left, no more
                request.extensions["timeout"] = _bounded(
                    dict(request.extensions.get("timeout") or {}), deadline.remaining()
                )
            yield ReadBody(response, deadline, sink)
        return response

    # -- around it ------------------------------------------------------------------------------

    def do(self, req: Request) -> Flow[Result]:
        """Send and read the answer (client-go `Do()`): a Result, or raise its StatusError.

        A request marked `streamed_list()` (the typed and dynamic LIST verbs) has a successful
        JSON answer decoded while it arrives (`rest.listdecode`: the body is never held whole,
        a third of a big LIST's peak memory); unless the trace shows bodies (-v 8).
        """
        sink = ListDecoder() if req.is_streamed_list() and not trace.enabled(8) else None
        response = yield from self.send(req, sink=sink)
        if sink is None or not sink.engaged:
            return self.finish(req, response, response.content)
        try:
            decoded = sink.close()
        except (ValueError, RecursionError) as err:
            ctype = response.headers.get("content-type")
            excerpt = body_excerpt(sink.raw, trace.request_secrets(response.request))
            raise DecodeError(
                f"response body is not valid JSON ({ctype}): {excerpt}", content_type=ctype
            ) from err
        return self.finish(req, response, b"", decoded=decoded)

    def do_raw(self, req: Request) -> Flow[bytes]:
        """The answer's body bytes (client-go `DoRaw()`)."""
        result = yield from self.do(req)
        return result.raw()

    def open(self, req: Request) -> Flow[httpx.Response]:
        """Send for streaming (watch, logs); a failure status is read, closed and raised."""
        response = yield from self.send(req, stream=True)
        if self.opened(response):
            return response
        try:
            body = yield ReadBody(response)
        except TransportError:
            body = b""
        except httpx.HTTPError:
            body = b""
        yield CloseResponse(response)
        raise self.failure(req, response, body)

    # -- pure pieces ------------------------------------------------------------------------------

    def throttle_delay(self, request: httpx.Request) -> float:
        """Take a rate-limiter token; the seconds to sleep first (client-go `tryThrottle`)."""
        if self.rate_limiter is None:
            return 0.0
        delay = self.rate_limiter.reserve()
        if delay > 0:
            trace.trace_throttle(request, delay)
        return delay

    def opened(self, response: httpx.Response) -> bool:
        """A streamed response (watch, logs) may be read: success, its warnings handled."""
        if not is_success(response.status_code):
            return False
        self.handle_warnings(response)
        return True

    def handle_warnings(self, response: httpx.Response) -> list[str]:
        """Pass the `Warning` headers to the handler; return their texts."""
        return handle_warnings(response.headers.get_list("warning"), self.warning_handler)

    def finish(
        self, req: Request, response: httpx.Response, body: bytes, decoded: Any = NOT_DECODED
    ) -> Result:
        """Response (body read) -> Result, or raise its StatusError (client-go `transformResponse`).

        `decoded`: the body was decoded as it arrived (not kept): the Result holds that."""
        if not is_success(response.status_code):
            raise self.failure(req, response, body)
        warnings = self.handle_warnings(response)
        return Result(
            response.status_code,
            response.headers,
            body,
            warnings=warnings,
            request=response.request,
            decoded=decoded,
        )

    def failure(
        self, req: Request, response: httpx.Response, body: bytes, *, warnings: bool = True
    ) -> StatusError:
        """The StatusError for a response that is not a success (its warnings handled too)."""
        if warnings:
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
            url=safe_url(response.request),
            group=group,
            resource=resource,
            name=name,
        )

    def decoder(self, decode: Callable[[Any], Any] | None) -> WatchDecoder:
        return WatchDecoder(decode, max_frame_bytes=self.max_frame_bytes)


def _server(request: httpx.Request) -> str:
    from rawkube.rest.steps import _server_of

    return _server_of(request)


def elapsed_since(clock: Callable[[], float], start: float) -> float:
    return max(0.0, clock() - start)


__all__ = ["RESTCore", "api_path", "direct_transport"]
