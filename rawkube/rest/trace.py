"""An HTTP trace like kubectl's `-v=N`, on the logger `rawkube.http`.

client-go's round_trippers.go (debuggingRoundTripper) and rest/request.go log, by verbosity:

- 6: method, URL, status and latency          `GET https://host/api/v1/pods 200 OK in 5 milliseconds`
- 7: + request headers
- 8: + response headers and bodies truncated to 1024 characters (9: 10240)
- 9: + the request as an equivalent curl command

Credentials never appear: Authorization / Proxy-Authorization / Cookie values are masked,
token-like JSON fields in bodies are masked, and the curl command carries no key material
(client certificates are configured on the transport, never in headers).

Verbosity is process-wide, like klog's `-v` flag: `set_verbosity(8)`. Records go to
`logging.getLogger("rawkube.http")` at INFO level; the CLI attaches a handler.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping

import httpx

logger = logging.getLogger("rawkube.http")

_verbosity = 0

MASKED = "<masked>"
_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
# JSON string fields whose values are credentials (TokenRequest, kubeconfig-like bodies, Secrets
# are left alone: their data is base64 the user asked for, but tokens are masked).
_SECRET_FIELDS = re.compile(
    rb'("(?:token|password|bearerToken|client-key-data|client-certificate-data|id-token|'
    rb'refresh-token|client-secret)"\s*:\s*)"(?:[^"\\]|\\.)*"'
)


def set_verbosity(level: int) -> None:
    """Set the trace level (0 = off; 6, 7, 8, 9 as kubectl's -v)."""
    global _verbosity
    _verbosity = int(level)


def get_verbosity() -> int:
    return _verbosity


def enabled(level: int) -> bool:
    return _verbosity >= level and logger.isEnabledFor(logging.INFO)


def mask_header(name: str, value: str) -> str:
    """Keep the scheme ("Bearer", "Basic") so the trace still teaches, hide the credential."""
    if name.lower() not in _SECRET_HEADERS:
        return value
    scheme, _, rest = value.partition(" ")
    if rest and scheme.lower() in ("bearer", "basic", "negotiate", "digest"):
        return f"{scheme} {MASKED}"
    return MASKED


def mask_body(body: bytes) -> bytes:
    return _SECRET_FIELDS.sub(rb'\1"' + MASKED.encode() + rb'"', body)


_MIN_SECRET_LEN = 4  # masking "ab" everywhere would shred the text and hide nothing


def request_secrets(request: httpx.Request) -> list[str]:
    """The credentials this request carries in its Authorization header: the token, or for
    basic auth the encoded blob, `user:password` and the password. A server may echo them
    back (in a 401 message, say); whatever rawkube shows of a response masks them."""
    value = request.headers.get("authorization")
    if not value:
        return []
    scheme, _, credential = value.strip().partition(" ")
    credential = credential.strip() or scheme
    found = [credential]
    if scheme.lower() == "basic":
        import base64
        import binascii

        try:
            decoded = base64.b64decode(credential, validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            decoded = ""
        found += [decoded, decoded.partition(":")[2]]
    return sorted({s for s in found if len(s) >= _MIN_SECRET_LEN}, key=len, reverse=True)


def mask_secrets(data: bytes, secrets: Iterable[str]) -> bytes:
    """`data` with each secret (as is, and as it looks inside a JSON string) masked."""
    import json

    for secret in secrets:
        for form in {secret, json.dumps(secret)[1:-1]}:
            data = data.replace(form.encode(), MASKED.encode())
    return data


def _url(request: httpx.Request) -> str:
    """The URL without any user:password part (never log credentials)."""
    url = request.url
    if url.userinfo:
        url = url.copy_with(username=None, password=None)
    return str(url)


def _header_lines(headers: Iterable[tuple[str, str]], secrets: Iterable[str] = ()) -> str:
    secrets = list(secrets)
    if secrets:
        headers = [(k, mask_secrets(v.encode(), secrets).decode()) for k, v in headers]
    return "".join(f"\n\t{k}: {mask_header(k, v)}" for k, v in headers)


def _truncate(text: str) -> str:
    # client-go truncateBody: 1024 chars at -v=8, 10240 at -v=9, everything at -v=10.
    limit = None if _verbosity >= 10 else 10240 if _verbosity >= 9 else 1024
    if limit is None or len(text) <= limit:
        return text
    return text[:limit] + f" [truncated {len(text) - limit} chars]"


def _is_binary(body: bytes) -> bool:
    return any(b < 0x0A for b in body[:4096])  # protobuf (its "k8s\x00" magic), not text


def _body_text(body: bytes, secrets: Iterable[str] = (), secret_resource: bool = False) -> str:
    if _is_binary(body):
        if secret_resource:
            return f"<{len(body)} bytes of a Secret in binary: not shown>"
        return _hex_dump(body)
    masked = _mask_secret_data(body, secret_resource)
    return mask_secrets(mask_body(masked), secrets).decode(errors="replace")


def _hex_dump(body: bytes) -> str:
    """kubectl -v 8: Go's hex.Dump of the body, cut like any body (client-go truncateBody);
    only the bytes that show are dumped (a LIST's dump would be 4.5 times its size)."""
    from rawkube.protobuf.content import hex_dump

    limit = None if _verbosity >= 10 else 10240 if _verbosity >= 9 else 1024
    if limit is None:
        return hex_dump(body).rstrip("\n")
    whole, rest = divmod(len(body), 16)
    total = whole * 79 + (63 + rest if rest else 0) - 1  # 79 chars a line of 16, newlines between
    text = hex_dump(body[: limit // 16 * 16 + 16]).rstrip("\n")
    if total <= limit:
        return text
    return text[:limit] + f" [truncated {total - limit} chars]"


def _log_body(label: str, text: str, binary: bool) -> None:
    if binary and not text.startswith("<"):
        # as kubectl shows a protobuf body: `"Response Body" body=<`, the dump indented, ` >`
        dump = "\n".join("\t" + line for line in text.split("\n"))
        logger.info("%s body=<\n%s\n >", label, dump)
    else:
        logger.info('%s body="%s"', label, _truncate(text))


def is_secret_path(path: str) -> bool:
    """Does this request path address core/v1 Secrets (one, a list, or a watch of them)?

    `/api/v1/secrets`, `/api/v1/namespaces/{ns}/secrets[/{name}]`, the legacy `/api/v1/watch/...`
    forms, after any path prefix of the server URL. Secret bodies are masked by the resource
    they belong to, not by the `kind` inside them: a Secret created from a dict without `kind`
    carries its data just the same (issue 12, item 12).
    """
    parts = [p for p in path.split("?", 1)[0].split("/") if p]
    for i in range(len(parts) - 1):
        if parts[i] != "api" or parts[i + 1] != "v1":
            continue
        rest = parts[i + 2 :]
        if rest[:1] == ["watch"]:
            rest = rest[1:]
        if rest[:1] == ["namespaces"] and len(rest) >= 3:
            rest = rest[2:]
        if rest[:1] == ["secrets"]:
            return True
    return False


def _mask_secret_data(body: bytes, secret_resource: bool = False) -> bytes:
    """A Secret's (or SecretList's) `data` / `stringData` values masked; other bodies as
    they are. kubectl -v8 prints them; rawkube's trace never does. With `secret_resource`
    (the request addressed Secrets), every object in the body is taken for a Secret."""
    if not secret_resource and b'"Secret' not in body:  # also matches "SecretList"
        return body
    import json

    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):
        return b"<a body holding a Secret that is not valid JSON: not shown>"
    return json.dumps(mask_secret_values(doc, secret_resource), separators=(",", ":")).encode()


def mask_secret_values(
    doc: object, secret_resource: bool = False, masked: object = MASKED
) -> object:
    """`doc` with the `data`/`stringData` values of every Secret in it replaced by `masked`.

    A Secret is an object of kind Secret, an item of a SecretList (items carry no kind), and
    with `secret_resource` any object the body holds: itself, the items of a list, the object
    of a watch event. Shared by the trace and the recorder.
    """
    if isinstance(doc, dict) and "type" in doc and isinstance(doc.get("object"), dict):
        return {**doc, "object": mask_secret_values(doc["object"], secret_resource, masked)}
    return _masked_secrets(doc, secret_resource, masked)


def _masked_secrets(value: object, secret: bool, masked: object) -> object:
    if isinstance(value, list):
        return [_masked_secrets(v, secret, masked) for v in value]
    if not isinstance(value, dict):
        return value
    kind = value.get("kind")
    if kind == "Secret" or secret and not isinstance(value.get("items"), list):
        return {
            k: {name: masked for name in v}
            if k in ("data", "stringData") and isinstance(v, dict)
            else v
            for k, v in value.items()
        }
    # SecretList items carry no kind; watch events and other wrappers hold objects inside.
    return {
        k: _masked_secrets(v, secret or (kind == "SecretList" and k == "items"), masked)
        if k in ("items", "object") or not secret
        else v
        for k, v in value.items()
    }


def curl_command(request: httpx.Request) -> str:
    """The request as a curl command line, credentials masked (client-go `toCurl`)."""
    import shlex  # only at -v=9: keep the import cost off every client

    parts = ["curl", "-v", f"-X{request.method}"]
    for name, value in request.headers.multi_items():
        if name.lower() in ("content-length", "host", "accept-encoding", "connection"):
            continue
        parts += ["-H", shlex.quote(f"{_title(name)}: {mask_header(name, value)}")]
    parts.append(shlex.quote(_url(request)))
    return " ".join(parts)


def _title(name: str) -> str:
    return "-".join(p[:1].upper() + p[1:] for p in name.split("-"))


def _titled(headers: httpx.Headers | Mapping[str, str]) -> list[tuple[str, str]]:
    items = headers.multi_items() if isinstance(headers, httpx.Headers) else list(headers.items())
    return [(_title(k), v) for k, v in sorted(items)]


def trace_request(request: httpx.Request) -> None:
    """Log a request about to be sent (levels 7-9; level 6 logs with the response)."""
    if not enabled(7):
        return
    if enabled(9):
        logger.info("Request curlCommand=\n\t%s", curl_command(request))
    else:
        logger.info(
            'Request verb="%s" url="%s" headers=<%s\n >',
            request.method,
            _url(request),
            _header_lines(_titled(request.headers)),
        )
    if enabled(8) and request.content:
        text = _body_text(request.content, secret_resource=is_secret_path(request.url.path))
        _log_body("Request Body", text, _is_binary(request.content))


def trace_response(
    request: httpx.Request, response: httpx.Response, elapsed: float, body: bytes | None
) -> None:
    """Log a response: status line and latency at 6, headers and body at 8."""
    if not enabled(6):
        return
    millis = int(elapsed * 1000)
    status = f"{response.status_code} {response.reason_phrase}".strip()
    if enabled(8):
        logger.info(
            'Response verb="%s" url="%s" status="%s" headers=<%s\n > milliseconds=%d',
            request.method,
            _url(request),
            status,
            _header_lines(_titled(response.headers), request_secrets(request)),
            millis,
        )
        if body:
            # a server may echo the token; a Secret's data is masked by its resource
            text = _body_text(body, request_secrets(request), is_secret_path(request.url.path))
            _log_body("Response Body", text, _is_binary(body))
    else:
        logger.info("%s %s %s in %d milliseconds", request.method, _url(request), status, millis)


def trace_error(request: httpx.Request, error: BaseException, elapsed: float) -> None:
    if enabled(6):
        logger.info(
            "%s %s failed after %d milliseconds: %s",
            request.method,
            _url(request),
            int(elapsed * 1000),
            type(error).__name__,
        )


def trace_retry(request: httpx.Request, delay: float, attempt: int, why: str) -> None:
    # client-go logs "Got a Retry-After response" at V(4); shown from 6 up here, with the URL.
    if enabled(6):
        logger.info(
            "Retrying %s %s in %.3gs (attempt %d): %s",
            request.method,
            _url(request),
            delay,
            attempt,
            why,
        )


def trace_throttle(request: httpx.Request, delay: float) -> None:
    # kubectl: "Waited for 1.1s due to client-side throttling, not priority and fairness".
    if delay >= 1.0 and enabled(1) or delay > 0 and enabled(6):
        logger.info(
            "Waited for %.3gs due to client-side throttling, request: %s:%s",
            delay,
            request.method,
            _url(request),
        )
