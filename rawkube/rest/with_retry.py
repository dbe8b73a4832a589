"""When to retry a request, and after how long (client-go rest/with_retry.go).

client-go retries a request up to 10 times when:
- the response is 429 or 5xx AND carries an integer `Retry-After` header (`checkWait`); the
  wait is exactly that many seconds;
- sending failed with a connection reset / unexpected EOF, but only for GET
  (`isErrRetryableFunc` in `request()`): "we are not automatically retrying write operations,
  as they are not idempotent". Such an error waits 1 second (`retryAfterResponse()`).

rawkube keeps that, with one safety rule of its own: a POST or PATCH is retried only after a
429, where the server rejected the request before any handler ran (API Priority and Fairness,
max-in-flight). A 5xx on a create may come after the object was stored, and re-sending it
would create it twice or apply a JSON patch twice.

This module is pure: the sync and async clients ask it, then sleep themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from rawkube.rest.result import retry_after_header

DEFAULT_MAX_RETRIES = 10  # client-go `maxRetries` default for `rest.Request`
NON_IDEMPOTENT = frozenset({"POST", "PATCH"})

# httpx errors that mean "the connection broke" (reset, EOF, closed by the peer), client-go's
# net.IsConnectionReset / IsProbableEOF / IsHTTP2ConnectionLost. A connection that could not be
# made at all (httpx.ConnectError: refused, DNS, TLS handshake) is not among them: client-go's
# isErrRetryableFunc does not retry ECONNREFUSED, and a wrong address should fail at once.
_RETRYABLE_ERRORS: tuple[type[Exception], ...] = (
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
)


@dataclass(frozen=True)
class RetryPolicy:
    """How many times and on what to retry; `max_retries=0` disables retries."""

    max_retries: int = DEFAULT_MAX_RETRIES
    error_delay: float = 1.0  # client-go's artificial Retry-After for retryable errors

    def delay_after_response(
        self, method: str, status_code: int, headers: Mapping[str, str], attempt: int
    ) -> float | None:
        """Seconds to wait before retry number `attempt + 1`, or None to not retry."""
        if attempt >= self.max_retries:
            return None
        if status_code != 429 and status_code < 500:
            return None
        if status_code != 429 and method.upper() in NON_IDEMPOTENT:
            return None
        seconds = retry_after_header(headers)
        if seconds is None or seconds < 0:
            return None
        return float(seconds)

    def delay_after_error(self, method: str, error: BaseException, attempt: int) -> float | None:
        """Seconds to wait after a transport error, or None to raise it."""
        if attempt >= self.max_retries or method.upper() != "GET":
            return None
        if isinstance(error, _RETRYABLE_ERRORS):
            return self.error_delay
        return None


DEFAULT_RETRY_POLICY = RetryPolicy()
NO_RETRY = RetryPolicy(max_retries=0)
