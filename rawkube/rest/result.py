"""`Result` and the pure response -> Result / StatusError step (client-go `transformResponse`).

`check_response()` is sans-IO: it takes the status code, headers and body bytes, so the sync
and async clients (and tests) share it. A failure status raises the `StatusError` subclass for
the server's `metav1.Status`; a body that is not a Status (a proxy's HTML page, an empty body)
still becomes a useful error via `errors.new_generic_server_response`, like client-go's
`newUnstructuredResponseError`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from rawkube import _json
from rawkube.errors import DecodeError, StatusError, from_status, new_generic_server_response

if TYPE_CHECKING:
    import httpx

PROTOBUF_MAGIC = b"k8s\x00"
PROTOBUF = "application/vnd.kubernetes.protobuf"
# client-go maxUnstructuredResponseTextBytes: how much of a non-Status body an error keeps.
MAX_UNSTRUCTURED_BYTES = 2048

# A Result whose body was not decoded yet (`Result(decoded=...)` is given otherwise).
NOT_DECODED: Any = object()

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class FromDict(Protocol[T_co]):
    """Anything with a `from_dict` classmethod: the generated models."""

    def from_dict(self, data: Any, /) -> T_co: ...


def media_type(content_type: str | None) -> str:
    """The media type without parameters: "application/json; charset=utf-8" -> "application/json"."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def body_excerpt(body: bytes, secrets: Sequence[str] = (), limit: int = 200) -> str:
    """The start of a body for an error message, credentials masked.

    Token-like JSON fields are masked (`trace.mask_body`), and so is every credential the
    request carried (a server may echo its Authorization header back, issue 12 item 11), as
    StatusError bodies are; masked before cutting, so a secret straddling the cut cannot leak.
    """
    from rawkube.rest import trace

    window = body[: limit + 4096]
    masked = trace.mask_secrets(trace.mask_body(window), secrets)
    return repr(masked[:limit].decode(errors="replace"))


def decode_body(body: bytes, content_type: str | None, secrets: Sequence[str] = ()) -> Any:
    """Decode a response body by its media type: JSON (default), YAML, or the Kubernetes
    protobuf encoding (to the same dict its JSON gives; rawkube.protobuf).

    An empty body (204 No Content, e.g. fixtures/real-apiserver/058) decodes to None. Whatever
    the body, a failure is a `DecodeError` (never a yaml or recursion error), and its excerpt
    masks `secrets` (the request's credentials).
    """
    if not body:
        return None
    media = media_type(content_type)
    if media == PROTOBUF or body.startswith(PROTOBUF_MAGIC):
        from rawkube import protobuf  # lazily: its field table loads on the first protobuf body

        if len(body) >= _json.BIG_BODY:  # as for JSON: millions of new dicts, nothing to collect
            with _json.gc_paused():
                return protobuf.decode(body)
        return protobuf.decode(body)
    if media in ("application/yaml", "application/x-yaml", "text/yaml"):
        import yaml  # lazily: plain JSON clients never pay for importing yaml

        try:
            return yaml.safe_load(body)
        except (yaml.YAMLError, RecursionError, ValueError) as err:
            raise DecodeError(
                f"response body is not valid YAML ({content_type}): {body_excerpt(body, secrets)}",
                content_type=content_type,
            ) from err
    try:
        return _json.loads(body)
    except (ValueError, RecursionError) as err:
        raise DecodeError(
            f"response body is not valid JSON ({content_type or 'no content type'}): "
            f"{body_excerpt(body, secrets)}",
            content_type=content_type,
        ) from err


def is_success(status_code: int) -> bool:
    # client-go treats 200..206 as success (rest/request.go transformResponse).
    return 200 <= status_code <= 206


def is_text_response(content_type: str | None) -> bool:
    """client-go `isTextResponse`: no content type, or a text/* one."""
    if not content_type:
        return True
    return media_type(content_type).startswith("text/")


def retry_after_header(headers: Mapping[str, str]) -> int | None:
    """The `Retry-After` header as whole seconds (client-go `retryAfterSeconds`), else None."""
    value = headers.get("retry-after") or headers.get("Retry-After")
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None  # an HTTP date is not honoured, as in client-go


def error_from_response(
    status_code: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    method: str,
    url: str,
    group: str = "",
    resource: str = "",
    name: str = "",
) -> StatusError:
    """The StatusError for a failed response (pure)."""
    content_type = headers.get("content-type")
    plain_headers = {k.lower(): v for k, v in headers.items()}
    status: Any = None
    if body and not body.startswith(PROTOBUF_MAGIC):
        try:
            status = decode_body(body, content_type)
        except DecodeError:
            status = None
    # client-go `Result.Error()`: a decodable Status with status Failure wins.
    if (
        isinstance(status, dict)
        and status.get("kind") == "Status"
        and status.get("status") != "Success"
    ):
        err = from_status(status, code=status_code, method=method, url=url, headers=plain_headers)
        if err.retry_after_seconds is None:
            header_delay = retry_after_header(plain_headers)
            if header_delay:
                err.details["retryAfterSeconds"] = header_delay
        return err
    text = body[:MAX_UNSTRUCTURED_BYTES].decode(errors="replace").strip()
    return new_generic_server_response(
        status_code,
        method,
        group=group,
        resource=resource,
        name=name,
        server_message=text if is_text_response(content_type) else "unknown",
        retry_after_seconds=retry_after_header(plain_headers),
        url=url,
        headers=plain_headers,
    )


class Result:
    """The outcome of `Request.do()` (client-go `rest.Result`): a successful response."""

    __slots__ = (
        "status_code",
        "headers",
        "warnings",
        "content_type",
        "_body",
        "_decoded",
        "_url",
        "_request",
    )

    _UNSET: Any = NOT_DECODED

    def __init__(
        self,
        status_code: int,
        headers: Mapping[str, str],
        body: bytes,
        *,
        warnings: list[str] | None = None,
        url: str | None = None,
        request: httpx.Request | None = None,
        decoded: Any = NOT_DECODED,
    ) -> None:
        self.status_code = status_code
        self.headers = headers
        self.content_type: str | None = headers.get("content-type")
        self.warnings: list[str] = warnings or []
        self._url = url  # None: the request's, made when first read (most results never are)
        self._body = body
        # Decoded already when the body was decoded as it arrived (`rest.listdecode`).
        self._decoded: Any = decoded
        # The request answered: only read to mask its credentials in a DecodeError's excerpt.
        self._request = request

    @property
    def url(self) -> str:
        """The URL that was answered (without any user:password part)."""
        if self._url is None:
            from rawkube.rest.steps import safe_url

            self._url = safe_url(self._request) if self._request is not None else ""
        return self._url

    def _secrets(self) -> list[str]:
        if self._request is None:
            return []
        from rawkube.rest.trace import request_secrets

        return request_secrets(self._request)

    def raw(self) -> bytes:
        """The body bytes as received (client-go `Result.Raw()`).

        For an answer decoded while it arrived (a LIST, `Request.streamed_list()`) the bytes
        were not kept: this is the decoded object encoded again (the same JSON value)."""
        if not self._body and self._decoded is not Result._UNSET and self._decoded is not None:
            self._body = _json.dumps(self._decoded)
        return self._body

    def text(self) -> str:
        return self._body.decode(errors="replace")

    def json(self) -> Any:
        """The decoded body (JSON, or YAML for application/yaml); None for an empty body."""
        if self._decoded is Result._UNSET:
            try:
                self._decoded = decode_body(self._body, self.content_type)
            except DecodeError:
                # Again, with the excerpt masked: the credentials are only looked up on failure.
                self._decoded = decode_body(self._body, self.content_type, self._secrets())
        return self._decoded

    def into(self, model: FromDict[T]) -> T:
        """`model.from_dict(self.json())` (client-go `Result.Into(obj)`).

        Like client-go, a `Status` body whose status is not Success is raised as its error.
        A Success Status (what a DELETE answers when the object is gone at once) is not the
        object asked for: client-go's `Into` then returns nil and leaves `obj` unfilled
        (rest/request.go); a Python caller would get a `model` around a Status, so it is a
        `DecodeError` unless `model` is Status itself.
        """
        data = self.json()
        if not isinstance(data, dict):
            name = getattr(model, "__name__", "the model")
            raise DecodeError(
                f"the server answered with {type(data).__name__ if data is not None else 'no body'}"
                f", not a {name} object",
                content_type=self.content_type,
            )
        if data.get("kind") == "Status":
            if data.get("status") != "Success":
                raise from_status(data, code=self.status_code, url=self.url)
            if getattr(model, "__name__", "") != "Status":
                name = getattr(model, "__name__", "the model")
                raise DecodeError(
                    f"the server answered with a Status (Success), not a {name}: "
                    "read it with result.json()",
                    content_type=self.content_type,
                )
        try:
            return model.from_dict(data)
        except (TypeError, ValueError, AttributeError) as err:  # a model refusing the shape
            raise DecodeError(
                f"the answer does not decode into {getattr(model, '__name__', 'the model')}: {err}",
                content_type=self.content_type,
            ) from err

    def __repr__(self) -> str:
        return f"<Result {self.status_code} {self.content_type or ''} {len(self._body)} bytes>"


def check_response(
    status_code: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    method: str,
    url: str,
    warnings: list[str] | None = None,
    resource_info: tuple[str, str, str] = ("", "", ""),
) -> Result:
    """A Result for a 2xx response; raises the matching StatusError otherwise (pure)."""
    if not is_success(status_code):
        group, resource, name = resource_info
        raise error_from_response(
            status_code,
            headers,
            body,
            method=method,
            url=url,
            group=group,
            resource=resource,
            name=name,
        )
    return Result(status_code, headers, body, warnings=warnings, url=url)
