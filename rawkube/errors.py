"""Errors: the API server's `metav1.Status` as Python exceptions (client-go `api/errors`).

Every failed call raises a `StatusError` subclass chosen by the Status `reason` (falling back to
the HTTP code), carrying the server's reason, code, message, details and causes. Nothing here
ever includes a credential in its text.
"""

from __future__ import annotations

import json
from typing import Any


class RawkubeError(Exception):
    """Base class of every error rawkube raises on purpose."""


class ConfigError(RawkubeError):
    """The configuration could not be found, read or understood (bad kubeconfig, bad input)."""


class EmptyConfigError(ConfigError):
    """No configuration was found at all: no kubeconfig defines anything and this is not a pod
    (client-go clientcmd `ErrEmptyConfig`, tested with `IsEmptyConfig`). A kubeconfig that
    exists but is wrong is a plain `ConfigError`."""


class AuthError(RawkubeError):
    """Credentials could not be obtained (e.g. an exec plugin failed or is missing)."""


class RequestError(RawkubeError, ValueError):
    """A request was rejected before it was sent (client-go `Request.err`, `requestPreflightCheck`).

    E.g. an empty or invalid name, a name set twice, an empty namespace on a create. Also a
    ValueError, since it is always a programming error in the caller's input.
    """


class DecodeError(RawkubeError):
    """A response body could not be decoded (bad JSON, or a media type rawkube cannot read yet,
    such as the protobuf envelope `k8s\\x00`). `content_type` names what the server sent."""

    def __init__(self, message: str, *, content_type: str | None = None) -> None:
        self.content_type = content_type
        super().__init__(message)


class TruncatedStream(DecodeError):
    """A stream ended inside a frame: the connection closed in the middle of a watch event
    (client-go's framer reports `io.ErrUnexpectedEOF`). What came before was whole; watch again
    from the last resourceVersion (`RetryWatcher` and the informer do)."""


class TransportError(RawkubeError):
    """No usable answer came back: the connection could not be made, broke, or took too long.

    Names the server (`server`, its URL with any password hidden) and the request (`method`,
    `url`); the httpx error it replaces is its `__cause__`. `previous` is the error of an
    earlier attempt when the request was retried (client-go rest/with_retry.go
    `WrapPreviousError`: "... - error from a previous attempt: ..."). `may_have_been_applied`
    is True for a write whose connection broke after it was sent: the server may have done it.
    """

    def __init__(
        self,
        message: str,
        *,
        server: str = "",
        method: str = "",
        url: str = "",
        may_have_been_applied: bool = False,
        previous: BaseException | None = None,
    ) -> None:
        self.server = server
        self.method = method
        self.url = url
        self.may_have_been_applied = may_have_been_applied
        self.previous = previous
        if previous is not None and str(previous) != message:
            message = f"{message} - error from a previous attempt: {previous}"
        super().__init__(message)


class ServerUnreachable(TransportError):
    """The connection to the server could not be made: refused, no route, DNS, a proxy that
    would not connect (kubectl: "The connection to the server ... was refused")."""


class TLSError(ServerUnreachable):
    """The TLS handshake failed: the server's certificate is not trusted or does not match
    (x509 errors in kubectl), or the server refused the client certificate."""


class ConnectionBroken(TransportError):
    """The connection broke after it was made: reset by the peer, closed mid-response, or a
    response that breaks the HTTP framing (client-go `IsConnectionReset` / `IsProbableEOF`)."""


class RequestTimeout(TransportError, TimeoutError):
    """The call did not finish in time: `Config.timeout` or a per-call `timeout=` (connect,
    reads, retries and Retry-After waits all count), or a single read idle for that long.
    Also a `TimeoutError`. Not to be confused with `ServerTimeout`, the server's own 504."""


class StatusError(RawkubeError):
    """The API server answered with a failure `Status` (or an error the client synthesised).

    Attributes mirror `metav1.Status`: `code`, `reason`, `message`, `details` (a dict with name,
    group, kind, uid, causes, retryAfterSeconds), plus the raw `status` dict and HTTP `headers`.
    """

    default_reason = ""
    default_code = 0

    def __init__(
        self,
        message: str = "",
        *,
        code: int | None = None,
        reason: str | None = None,
        details: dict[str, Any] | None = None,
        status: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        method: str | None = None,
        url: str | None = None,
    ) -> None:
        self.code = code if code is not None else self.default_code
        self.reason = reason if reason is not None else self.default_reason
        self.message = message
        self.details: dict[str, Any] = details or {}
        self.status: dict[str, Any] = status or {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": message,
            "reason": self.reason,
            "code": self.code,
        }
        self.headers = headers or {}
        self.method = method
        self.url = url
        super().__init__(message)

    @property
    def causes(self) -> list[dict[str, Any]]:
        causes = self.details.get("causes")
        return [c for c in causes if isinstance(c, dict)] if isinstance(causes, list) else []

    @property
    def retry_after_seconds(self) -> int | None:
        value = self.details.get("retryAfterSeconds")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        return int(value) if 0 < value < 2**31 else None  # Go's int32; inf and nan are no wait

    def __str__(self) -> str:
        where = f" ({self.method} {self.url})" if self.method and self.url else ""
        return f"{self.reason or 'Error'} ({self.code}): {self.message}{where}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, reason={self.reason!r}, message={self.message!r})"


class BadRequest(StatusError):
    default_reason, default_code = "BadRequest", 400


class Unauthorized(StatusError):
    default_reason, default_code = "Unauthorized", 401


class Forbidden(StatusError):
    default_reason, default_code = "Forbidden", 403


class NotFound(StatusError):
    default_reason, default_code = "NotFound", 404


class MethodNotAllowed(StatusError):
    default_reason, default_code = "MethodNotAllowed", 405


class NotAcceptable(StatusError):
    default_reason, default_code = "NotAcceptable", 406


class Conflict(StatusError):
    default_reason, default_code = "Conflict", 409


class AlreadyExists(Conflict):
    """409 with reason AlreadyExists. A Conflict subclass as both are 409, but
    `is_conflict()` (like client-go's IsConflict) only matches reason Conflict."""

    default_reason, default_code = "AlreadyExists", 409


class Gone(StatusError):
    default_reason, default_code = "Gone", 410


class Expired(Gone):
    """410 with reason Expired (e.g. an expired continue token or a too old resourceVersion)."""

    default_reason, default_code = "Expired", 410


class RequestEntityTooLarge(StatusError):
    default_reason, default_code = "RequestEntityTooLarge", 413


class UnsupportedMediaType(StatusError):
    default_reason, default_code = "UnsupportedMediaType", 415


class Invalid(StatusError):
    default_reason, default_code = "Invalid", 422


class TooManyRequests(StatusError):
    default_reason, default_code = "TooManyRequests", 429


class InternalError(StatusError):
    default_reason, default_code = "InternalError", 500


class ServiceUnavailable(StatusError):
    default_reason, default_code = "ServiceUnavailable", 503


class ServerTimeout(StatusError):
    default_reason, default_code = "ServerTimeout", 504


class Timeout(ServerTimeout):
    """reason Timeout (504): the request could not be completed in time."""

    default_reason, default_code = "Timeout", 504


class StreamError(RawkubeError):
    """An exec, attach or port-forward stream broke: the upgrade was not a usable WebSocket, the
    peer broke the channel protocol, or the connection ended before the command's status came
    (e.g. in the middle of a frame). A refusal by the server is a StatusError instead."""


class PortForwardError(StreamError):
    """The kubelet could not forward a connection: its message (e.g. "error forwarding port 80
    to pod ...: connection refused") arrived on the port's error channel."""

    def __init__(self, message: str, port: int = 0) -> None:
        self.port = port
        super().__init__(message)


class ExitCodeError(RawkubeError):
    """A command run with `exec(..., check=True)` (or `ExecResult.check_returncode()`) ended
    with a non-zero exit code (client-go util/exec `CodeExitError`): `exit_code`, and what it
    wrote to `stdout` and `stderr`."""

    def __init__(self, exit_code: int, stdout: bytes = b"", stderr: bytes = b"") -> None:
        self.exit_code = exit_code
        self.stdout = stdout
        self.stderr = stderr
        super().__init__(f"command terminated with exit code {exit_code}")


# reason -> class; the reason wins over the code, as in client-go's ReasonForError.
_BY_REASON: dict[str, type[StatusError]] = {
    cls.default_reason: cls
    for cls in (
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
        MethodNotAllowed,
        NotAcceptable,
        Conflict,
        AlreadyExists,
        Gone,
        Expired,
        RequestEntityTooLarge,
        UnsupportedMediaType,
        Invalid,
        TooManyRequests,
        InternalError,
        ServiceUnavailable,
        ServerTimeout,
        Timeout,
    )
}
_BY_CODE: dict[int, type[StatusError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    405: MethodNotAllowed,
    406: NotAcceptable,
    409: Conflict,
    410: Gone,
    413: RequestEntityTooLarge,
    415: UnsupportedMediaType,
    422: Invalid,
    429: TooManyRequests,
    500: InternalError,
    503: ServiceUnavailable,
    504: ServerTimeout,
}


def error_class(reason: object, code: object) -> type[StatusError]:
    """The exception class for a Status reason and HTTP code.

    Anything may arrive from a server: a reason that is not a string (a list, a mapping) or a
    code that is not an int is ignored, as Go's JSON decoding into `metav1.Status` would refuse
    it, never raised as a `TypeError` (issue 12, item 7).
    """
    if isinstance(reason, str) and reason in _BY_REASON:
        return _BY_REASON[reason]
    if isinstance(code, int) and not isinstance(code, bool) and code in _BY_CODE:
        return _BY_CODE[code]
    return StatusError


def _text(value: object) -> str:
    """A Status string field: a string as is, anything else (a server bug) as "" ."""
    return value if isinstance(value, str) else ""


def from_status(status: dict[str, Any], *, code: int | None = None, **kw: Any) -> StatusError:
    """Build the matching StatusError from a `metav1.Status` dict.

    Fields of the wrong type (what a broken or hostile server may send) are dropped rather than
    raised: the result is always a `StatusError` (issue 12, item 7).
    """
    if not isinstance(status, dict):
        status = {}
    raw_code = status.get("code")
    st_code = raw_code if isinstance(raw_code, int) and not isinstance(raw_code, bool) else code
    reason = _text(status.get("reason")) or None
    cls = error_class(reason, st_code)
    details = status.get("details") if isinstance(status.get("details"), dict) else {}
    return cls(
        _text(status.get("message")),
        code=st_code,
        reason=reason or cls.default_reason,
        details=details,
        status=status,
        **kw,
    )


def _reason_of(err: BaseException) -> str | None:
    return err.reason if isinstance(err, StatusError) else None


# metav1's StatusReason constants (apimachinery pkg/api/errors `knownReasons`). A predicate
# falls back to the HTTP code only when the reason is not one of these (e.g. empty).
KNOWN_REASONS = frozenset(
    {
        "Unauthorized",
        "Forbidden",
        "NotFound",
        "AlreadyExists",
        "Conflict",
        "Gone",
        "Invalid",
        "ServerTimeout",
        "StorageReadError",
        "Timeout",
        "TooManyRequests",
        "BadRequest",
        "MethodNotAllowed",
        "NotAcceptable",
        "RequestEntityTooLarge",
        "UnsupportedMediaType",
        "InternalError",
        "Expired",
        "ServiceUnavailable",
    }
)


def _reason_or_code(err: BaseException, reason: str, code: int) -> bool:
    """apimachinery's `IsNotFound` & co: the reason matches, or the reason is unknown and the
    HTTP code matches."""
    if not isinstance(err, StatusError):
        return False
    if err.reason == reason:
        return True
    return err.reason not in KNOWN_REASONS and err.code == code


def is_not_found(err: BaseException) -> bool:
    return _reason_or_code(err, "NotFound", 404)


def is_already_exists(err: BaseException) -> bool:
    return _reason_of(err) == "AlreadyExists"


def is_conflict(err: BaseException) -> bool:
    """Reason Conflict only: an AlreadyExists (also 409) is not a conflict, as in client-go."""
    return _reason_or_code(err, "Conflict", 409)


def is_invalid(err: BaseException) -> bool:
    return _reason_or_code(err, "Invalid", 422)


def is_bad_request(err: BaseException) -> bool:
    return _reason_or_code(err, "BadRequest", 400)


def is_unauthorized(err: BaseException) -> bool:
    return _reason_or_code(err, "Unauthorized", 401)


def is_forbidden(err: BaseException) -> bool:
    return _reason_or_code(err, "Forbidden", 403)


def is_gone(err: BaseException) -> bool:
    """410 Gone, including reason Expired: both mean "re-list". client-go callers write
    `IsResourceExpired(err) || IsGone(err)`; here `Expired` subclasses `Gone` and one test covers
    both. Use `is_resource_expired` to tell them apart."""
    return _reason_or_code(err, "Gone", 410) or _reason_of(err) == "Expired"


def is_resource_expired(err: BaseException) -> bool:
    return _reason_of(err) == "Expired"


def is_too_many_requests(err: BaseException) -> bool:
    # apimachinery checks the code whatever the reason here.
    return _reason_of(err) == "TooManyRequests" or (
        isinstance(err, StatusError) and err.code == 429
    )


def is_server_timeout(err: BaseException) -> bool:
    return _reason_of(err) == "ServerTimeout"


def is_timeout(err: BaseException) -> bool:
    return _reason_or_code(err, "Timeout", 504)


def is_internal_error(err: BaseException) -> bool:
    return _reason_or_code(err, "InternalError", 500)


def is_service_unavailable(err: BaseException) -> bool:
    return _reason_or_code(err, "ServiceUnavailable", 503)


def is_method_not_supported(err: BaseException) -> bool:
    return _reason_or_code(err, "MethodNotAllowed", 405)


def is_not_acceptable(err: BaseException) -> bool:
    return _reason_or_code(err, "NotAcceptable", 406)


def is_request_entity_too_large(err: BaseException) -> bool:
    # apimachinery checks the code whatever the reason here (backward compatibility).
    return _reason_of(err) == "RequestEntityTooLarge" or (
        isinstance(err, StatusError) and err.code == 413
    )


def is_unsupported_media_type(err: BaseException) -> bool:
    return _reason_or_code(err, "UnsupportedMediaType", 415)


def is_unexpected_server_error(err: BaseException) -> bool:
    """True for errors synthesised from a non-Status body (client-go `IsUnexpectedServerError`)."""
    return isinstance(err, StatusError) and any(
        c.get("type") == CAUSE_UNEXPECTED_SERVER_RESPONSE for c in err.causes
    )


def suggests_client_delay(err: BaseException) -> int | None:
    """Seconds the server asked us to wait (client-go `SuggestsClientDelay`), else None."""
    return err.retry_after_seconds if isinstance(err, StatusError) else None


# metav1.CauseTypeUnexpectedServerResponse: marks an error built from a body that was no Status.
CAUSE_UNEXPECTED_SERVER_RESPONSE = "UnexpectedServerResponse"

# (reason, message) per HTTP code, as k8s.io/apimachinery/pkg/api/errors NewGenericServerResponse
# chooses them when the server did not send a Status (a proxy's HTML page, an empty body).
_GENERIC: dict[int, tuple[str, str]] = {
    400: ("BadRequest", "the server rejected our request for an unknown reason"),
    401: ("Unauthorized", "the server has asked for the client to provide credentials"),
    403: ("Forbidden", ""),
    404: ("NotFound", "the server could not find the requested resource"),
    405: ("MethodNotAllowed", "the server does not allow this method on the requested resource"),
    406: ("NotAcceptable", ""),
    409: ("Conflict", "the server reported a conflict"),
    415: ("UnsupportedMediaType", ""),
    422: ("Invalid", "the server rejected our request due to an error in our request"),
    429: (
        "TooManyRequests",
        "the server has received too many requests and has asked us to try again later",
    ),
    503: ("ServiceUnavailable", "the server is currently unable to handle the request"),
    504: (
        "Timeout",
        "the server was unable to return a response in the time allotted, "
        "but may still be processing the request",
    ),
}


def new_generic_server_response(
    code: int,
    method: str,
    *,
    group: str = "",
    resource: str = "",
    name: str = "",
    server_message: str = "",
    retry_after_seconds: int | None = None,
    url: str | None = None,
    headers: dict[str, str] | None = None,
) -> StatusError:
    """A StatusError for a failed response whose body was not a `metav1.Status`.

    Mirrors apimachinery's `NewGenericServerResponse` as called by client-go's
    `newUnstructuredResponseError` (rest/request.go): the reason comes from the HTTP code, the
    message names the verb and resource, and the (truncated) body text is kept as a cause of
    type UnexpectedServerResponse so nothing the proxy said is lost.
    """
    reason, message = _GENERIC.get(code, ("", ""))
    if code == 409 and method.upper() == "POST":
        reason = "AlreadyExists"
    if code in (403, 415) or (code == 406 and server_message not in ("", "unknown")):
        message = server_message
    elif code == 406:
        message = "the server was unable to respond with a content type that the client supports"
    if not reason:
        if code >= 500:
            reason = "InternalError"
            quoted = json.dumps(server_message, ensure_ascii=False)  # Go's %q
            message = f"an error on the server ({quoted}) has prevented the request from succeeding"
        else:
            # metav1.StatusReasonUnknown is ""; from_status then picks the class by code.
            message = f"the server responded with the status code {code} but did not return more information"
    qualified = f"{resource}.{group}" if group and resource else resource
    if qualified and name:
        message = f"{message} ({method.lower()} {qualified} {name})"
    elif qualified:
        message = f"{message} ({method.lower()} {qualified})"
    details: dict[str, Any] = {
        "causes": [{"type": CAUSE_UNEXPECTED_SERVER_RESPONSE, "message": server_message}]
    }
    for key, value in (("group", group), ("kind", resource), ("name", name)):
        if value:
            details[key] = value
    if retry_after_seconds:
        details["retryAfterSeconds"] = retry_after_seconds
    status = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "details": details,
        "code": code,
    }
    return from_status(status, code=code, method=method, url=url, headers=headers)
