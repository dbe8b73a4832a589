"""When to retry a request, and after how long (client-go rest/with_retry.go).

`RetryPolicy` is the rule (how many times, on what); `WithRetry` is one call's state under it,
in client-go's shape: `is_next_retry(...)` after each attempt decides and remembers the wait,
and `wrap_previous_error(err)` names the previous attempt's error in the final one
("... - error from a previous attempt: ...").

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

import httpx

from rawkube._record import record
from rawkube.errors import ConnectionBroken, TransportError
from rawkube.rest.result import retry_after_header

DEFAULT_MAX_RETRIES = 10  # client-go `maxRetries` default for `rest.Request`
NON_IDEMPOTENT = frozenset({"POST", "PATCH"})

# Errors that mean "the connection broke" (reset, EOF, closed by the peer), client-go's
# net.IsConnectionReset / IsProbableEOF / IsHTTP2ConnectionLost: rawkube's `ConnectionBroken`
# (and the httpx errors it is made from, for callers that ask with those). A connection that
# could not be made at all (refused, DNS, TLS handshake: `ServerUnreachable`) is not among them:
# client-go's isErrRetryableFunc does not retry ECONNREFUSED, and a wrong address should fail
# at once.
_RETRYABLE_ERRORS: tuple[type[Exception], ...] = (
    ConnectionBroken,
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
)


@record()
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


class WithRetry:
    """One call's retry state (client-go `withRetry`): attempts so far, the wait before the
    next one, and the errors of the last two attempts."""

    __slots__ = ("policy", "method", "attempts", "wait", "reason", "previous", "current")

    def __init__(self, policy: RetryPolicy, method: str) -> None:
        self.policy = policy
        self.method = method
        self.attempts = 0
        self.wait = 0.0  # seconds to wait before the next attempt (Retry-After, or 1 s)
        self.reason = ""
        self.previous: BaseException | None = None
        self.current: BaseException | None = None

    def _track(self, err: BaseException | None) -> None:
        if self.current is not None:
            self.previous = self.current
        self.current = err

    def is_next_retry(
        self,
        *,
        status_code: int | None = None,
        headers: Mapping[str, str] | None = None,
        error: BaseException | None = None,
    ) -> bool:
        """After an attempt: another one? (`wait` holds how long to wait first.)

        A transport error is remembered for `wrap_previous_error`; a failed response is
        remembered by `note_failure` (its StatusError), when the caller builds one."""
        if error is not None:
            self._track(error)
            delay = self.policy.delay_after_error(self.method, error, self.attempts)
            if delay is None:
                return False
            self.reason = type(error).__name__
        else:
            assert status_code is not None
            delay = self.policy.delay_after_response(
                self.method, status_code, headers or {}, self.attempts
            )
            if delay is None:
                return False
            self.reason = f"status {status_code}"
        self.attempts += 1
        self.wait = delay
        return True

    def note_failure(self, err: BaseException) -> None:
        """Remember a failed attempt that is retried (a 429/5xx answer, as its error)."""
        self._track(err)

    def wrap_previous_error(self, err: TransportError) -> TransportError:
        """`err`, naming the previous attempt's error when there was a different one."""
        previous = self.current if self.current is not err else self.previous
        if previous is None or previous is err or err.previous is not None:
            return err
        if str(previous) == str(err):
            return err
        err.previous = previous
        err.args = (f"{err} - error from a previous attempt: {previous}",)
        return err


DEFAULT_RETRY_POLICY = RetryPolicy()
NO_RETRY = RetryPolicy(max_retries=0)
