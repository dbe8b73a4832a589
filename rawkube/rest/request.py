"""The request builder: client-go's `rest.Request` (k8s.io/client-go/rest/request.go).

A `Request` is data: the verb, the path parts, query parameters, headers and body, and the
pure outputs `path()`, `url()`, `headers()` and `to_httpx()`. It holds no client and does no
I/O, so a learner (or a test) can see exactly what would go on the wire. Sending belongs to
the clients: `rest_client.do(request)`, or `rest_client.get()...do()`, where the verbs return a
`BoundRequest` (rawkube/rest/client.py): this builder plus the client that will send it.

Invalid input raises `RequestError` at the builder call that caused it (client-go records the
first error in `r.err` and returns it from `Do()`; raising at once points the traceback at the
culprit), so nothing invalid ever reaches the server.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from urllib.parse import quote, quote_plus

import httpx

from rawkube import _json
from rawkube.errors import RequestError

Self = TypeVar("Self", bound="Request")

# patch_type -> Content-Type (k8s.io/apimachinery/pkg/types/patch.go).
PATCH_CONTENT_TYPES: dict[str, str] = {
    "json": "application/json-patch+json",
    "merge": "application/merge-patch+json",
    "strategic": "application/strategic-merge-patch+json",
    "apply": "application/apply-patch+yaml",
}

JSON = "application/json"
# client-go's ContentConfig default; the typed clients of kubectl send exactly this.
DEFAULT_ACCEPT = JSON
# Server-side printing: the server renders the columns `kubectl get` shows (meta.k8s.io/v1
# Table), falling back to plain JSON (fixtures/real-apiserver/033-get-table.json).
ACCEPT_TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
# Aggregated discovery v2 (fixtures/real-apiserver/006-discovery-aggregated-api.json).
ACCEPT_AGGREGATED_DISCOVERY = (
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"
)
ACCEPT_YAML = "application/yaml"
ACCEPT_PROTOBUF = "application/vnd.kubernetes.protobuf"
PROTOBUF = ACCEPT_PROTOBUF
# What kubectl's typed clients ask for (client-go rest/request.go UseProtobufAsDefault).
ACCEPT_PROTOBUF_THEN_JSON = f"{PROTOBUF},{JSON}"
_PROTOBUF_MAGIC = b"k8s\x00"

# k8s.io/client-go/rest/request.go NameMayNotBe / NameMayNotContain.
_NAME_MAY_NOT_BE = (".", "..")
_NAME_MAY_NOT_CONTAIN = ("/", "%")

# Go's url.URL.EscapedPath leaves these unescaped in a path (net/url shouldEscape, encodePath).
_PATH_SAFE = "$&+,:;=@"


def validate_path_segment(kind: str, value: str) -> None:
    """client-go `IsValidPathSegmentName`: no ".", "..", and no "/" or "%" anywhere."""
    if not isinstance(value, str):  # Go's type checker catches this; Python needs a clear error
        raise TypeError(f"{kind} must be a str, not {type(value).__name__}")
    if value in _NAME_MAY_NOT_BE:
        raise RequestError(f"invalid {kind} {value!r}: may not be {value!r}")
    for bad in _NAME_MAY_NOT_CONTAIN:
        if bad in value:
            raise RequestError(f"invalid {kind} {value!r}: may not contain {bad!r}")


def escape_path(path: str) -> str:
    """Percent-escape a path the way Go's net/url does, keeping "/" between segments."""
    return quote(path, safe="/" + _PATH_SAFE)


def encode_query(params: Mapping[str, list[str]]) -> str:
    """Go's `url.Values.Encode()`: keys sorted, values in insertion order, QueryEscape'd.

    kubectl -v=8 shows `?allowWatchBookmarks=true&fieldSelector=...&watch=true`: sorted.
    QueryEscape turns a space into "+" and escapes everything but letters, digits and "-_.~",
    which is exactly `quote_plus(..., safe="")`.
    """
    parts = []
    for key in sorted(params):
        for value in params[key]:
            parts.append(f"{quote_plus(key, safe='')}={quote_plus(value, safe='')}")
    return "&".join(parts)


def go_duration(seconds: float) -> str:
    """A timeout as Go's `time.Duration.String()` spells it ("32s", "1m30s", "500ms"),
    because client-go sends `Request.Timeout()` as the `timeout` query parameter."""
    if seconds <= 0:
        return "0s"
    if seconds < 1:
        millis = seconds * 1000
        return f"{millis:g}ms"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    out = ""
    if hours:
        out += f"{int(hours)}h"
    if hours or minutes:
        out += f"{int(minutes)}m"
    out += f"{round(secs, 9):g}s"
    return out


def param_values(value: Any) -> list[str] | None:
    """A query value as wire strings: bool -> "true"/"false", list -> repeated, None -> omitted."""
    if value is None:
        return None
    if isinstance(value, bool):
        return ["true" if value else "false"]
    if isinstance(value, (list, tuple)):
        out: list[str] = []
        for item in value:
            out.extend(param_values(item) or [])
        return out
    return [str(value)]


def encode_body(body: Any, content_type: str = JSON) -> tuple[bytes, str | None]:
    """Body bytes plus the content type they imply (None: keep the verb's default).

    A dict/list is JSON; a model is JSON of its `to_dict()`, or, when `content_type` is the
    Kubernetes protobuf encoding, protobuf for an object of a built-in kind (client-go encodes
    with the configured ContentType; a custom resource has no protobuf form and goes as JSON).
    bytes/str are sent as they are: the protobuf envelope (`k8s\x00`) is labelled protobuf,
    other text that does not look like JSON `application/yaml`, which the API server decodes for
    create and update too (kubectl converts YAML files to JSON first).
    """
    if body is None:
        return b"", None
    if isinstance(body, (bytes, bytearray, memoryview)):
        raw = bytes(body)
    elif isinstance(body, str):
        raw = body.encode()
    elif isinstance(body, (dict, list)) or callable(getattr(body, "to_dict", None)):
        obj = body if isinstance(body, (dict, list)) else body.to_dict()
        if content_type.split(";", 1)[0].strip() == PROTOBUF:
            from rawkube.protobuf import content

            return content.encode_body(obj, content_type)
        return _json.dumps(obj), JSON
    else:
        raise RequestError(f"cannot send a body of type {type(body).__name__}")
    if raw.startswith(_PROTOBUF_MAGIC):
        return raw, PROTOBUF
    looks_json = raw.lstrip()[:1] in (b"{", b"[")
    return raw, (JSON if looks_json else "application/yaml")


class Request:
    """Builder for one API request (client-go `rest.Request`); every setter returns self."""

    # Requests are made by the thousand: slots keep each one small.
    __slots__ = (
        "verb",
        "_base_url",
        "_api_path",
        "_group",
        "_abs_path",
        "_namespace",
        "_namespace_set",
        "_resource",
        "_name",
        "_subresource",
        "_params",
        "_headers",
        "_content_type",
        "_body",
        "_body_obj",
        "_body_type",
        "_timeout",
        "_streamed_list",
    )

    def __init__(
        self,
        verb: str,
        *,
        base_url: str,
        api_path: str,
        content_type: str = JSON,
        accept: str = DEFAULT_ACCEPT,
        group: str = "",
    ) -> None:
        self.verb = verb.upper()
        self._base_url = base_url.rstrip("/")
        self._api_path = api_path  # "/api/v1" or "/apis/{group}/{version}"
        self._group = group
        self._abs_path: str | None = None
        self._namespace: str | None = None
        self._namespace_set = False
        self._resource = ""
        self._name = ""
        self._subresource = ""
        self._params: dict[str, list[str]] = {}
        self._headers: dict[str, str] = {"Accept": accept}
        self._content_type = content_type  # object bodies are sent as this (client-go ContentType)
        self._body: bytes | None = None
        self._body_obj: Any = None  # the object `body()` encoded, re-encoded by `content_type()`
        self._body_type: str | None = None  # what the body went as, when not `_content_type`
        self._timeout: float | None = None
        self._streamed_list = False

    # -- path -----------------------------------------------------------------------------
    def namespace(self: Self, namespace: str | None) -> Self:
        """Scope to a namespace (client-go `Namespace`).

        None leaves the request unscoped (cluster-scoped resources, or a LIST/WATCH across all
        namespaces), like client-go's `NamespaceIfScoped(ns, false)`. An explicit "" is also
        all namespaces for a collection read, but is rejected for a create or a named request
        (`preflight`), exactly as client-go rejects it.
        """
        if namespace is None:
            return self
        if self._namespace_set:
            raise RequestError(
                f"namespace already set to {self._namespace!r}, cannot change to {namespace!r}"
            )
        if namespace:
            validate_path_segment("namespace", namespace)
        self._namespace_set = True
        self._namespace = namespace or ""
        return self

    def resource(self: Self, resource: str) -> Self:
        if self._resource:
            raise RequestError(
                f"resource already set to {self._resource!r}, cannot change to {resource!r}"
            )
        validate_path_segment("resource", resource)
        self._resource = resource
        return self

    def name(self: Self, name: str) -> Self:
        if not name:
            raise RequestError("resource name may not be empty")
        if self._name:
            raise RequestError(
                f"resource name already set to {self._name!r}, cannot change to {name!r}"
            )
        validate_path_segment("resource name", name)
        self._name = name
        return self

    def sub_resource(self: Self, *parts: str) -> Self:
        """A subresource after the name: `status`, `scale`, `log`, `eviction`, `proxy/...`."""
        if self._subresource:
            raise RequestError(f"subresource already set to {self._subresource!r}")
        for part in parts:
            if not part:
                raise RequestError("subresource segments may not be empty")
            validate_path_segment("subresource", part)
        self._subresource = "/".join(parts)
        return self

    def abs_path(self: Self, *segments: str) -> Self:
        """Replace the group/version path (`/version`, `/apis`, `/openapi/v2`); the server URL's
        own path prefix is kept, and a single segment's trailing slash is preserved."""
        joined = "/".join(s.strip("/") for s in segments if s.strip("/"))
        trailing = len(segments) == 1 and segments[0].endswith("/") and joined
        self._abs_path = "/" + joined + ("/" if trailing else "")
        return self

    # -- query, headers, body ---------------------------------------------------------------
    def param(self: Self, key: str, value: Any) -> Self:
        """Add a query parameter (repeats add values, as Go's `url.Values.Add`)."""
        values = param_values(value)
        if values:
            self._params.setdefault(key, []).extend(values)
        return self

    def params(self: Self, mapping: Mapping[str, Any] | None) -> Self:
        """Add many parameters, e.g. from `rawkube.rest.options.list_params(...)`."""
        for key, value in (mapping or {}).items():
            self.param(key, value)
        return self

    def set_header(self: Self, key: str, value: str) -> Self:
        self._headers[key] = value
        return self

    def accept(self: Self, *media_types: str) -> Self:
        """Content negotiation, most preferred first (e.g. `ACCEPT_TABLE`, `ACCEPT_YAML`)."""
        return self.set_header("Accept", ",".join(media_types))

    def as_table(self: Self) -> Self:
        """Ask for a meta.k8s.io/v1 Table (`kubectl get` output), like `Accept: ...;as=Table`."""
        return self.accept(ACCEPT_TABLE)

    def content_type(self: Self, media_type: str) -> Self:
        """What object bodies are sent as, for this request (client-go's per-request
        ContentType): e.g. `PROTOBUF` (built-in kinds; others stay JSON) or `JSON`."""
        self._content_type = media_type
        if self._body_obj is not None:
            self.body(self._body_obj)
        return self

    def body(self: Self, obj: Any) -> Self:
        """Dict/list (JSON, or protobuf when the content type says so), a model (`to_dict()`),
        or bytes/str sent as they are; None: no body (so `body(options.delete_options())` sends
        a bare DELETE when no option is set)."""
        self._body_obj = self._body_type = None
        if obj is None:
            self._body = None
            return self
        if isinstance(obj, (dict, list)) or callable(getattr(obj, "to_dict", None)):
            self._body_obj = obj
        raw, implied = encode_body(obj, self._content_type)
        self._body = raw
        # A patch keeps its patch content type; JSON is also valid YAML for apply patches.
        if implied is not None and self._content_type in (JSON, PROTOBUF):
            self._body_type = implied
        return self

    def timeout(self: Self, seconds: float | None) -> Self:
        """A deadline for the whole call (connect, reads, retries and their waits), also sent
        as `?timeout=` like client-go's `Request.Timeout()`; None: `Config.timeout`."""
        if seconds is not None and (isinstance(seconds, bool) or not seconds > 0):
            raise RequestError(f"timeout must be a positive number of seconds; got {seconds!r}")
        self._timeout = seconds
        return self

    def get_timeout(self) -> float | None:
        """The timeout set with `timeout()`, if any."""
        return self._timeout

    def streamed_list(self: Self, on: bool = True) -> Self:
        """The answer is a list object: decode its items as they arrive instead of holding the
        whole body first (`rawkube.rest.listdecode`; the LIST verbs ask for it). `Result.raw()`
        then gives the decoded list encoded again, not the bytes received."""
        self._streamed_list = on
        return self

    def is_streamed_list(self) -> bool:
        return self._streamed_list

    def options(self: Self, opts: Any) -> Self:
        """Add the query parameters of an options value (`rawkube.rest.options.ListOptions`
        ...): client-go's `VersionedParams(&opts, ...)`."""
        return self.params(opts.to_query())

    # -- pure outputs -------------------------------------------------------------------------
    def path(self) -> str:
        """The escaped request path (after the server URL), as client-go's `URL()` builds it:
        `prefix [/namespaces/{ns}] [/{resource}] [/{name}] [/{subresource}]`."""
        prefix = self._abs_path if self._abs_path is not None else self._api_path
        extra: list[str] = []
        if self._namespace_set and self._namespace:
            extra += ["namespaces", self._namespace]
        if self._resource:
            # client-go lower-cases the resource (`strings.ToLower(r.resource)`).
            extra.append(self._resource.lower())
        if self._name:
            extra.append(self._name)
        if self._subresource:
            extra.append(self._subresource)
        if not extra:
            return escape_path(prefix or "/")
        return escape_path(prefix.rstrip("/") + "/" + "/".join(extra))

    def query(self) -> dict[str, list[str]]:
        params = {k: list(v) for k, v in self._params.items()}
        if self._timeout:
            params["timeout"] = [go_duration(self._timeout)]
        return params

    def url(self) -> str:
        """The full URL this request will use (pure)."""
        self.preflight()
        query = encode_query(self.query())
        return self._base_url + self.path() + (f"?{query}" if query else "")

    def headers(self) -> dict[str, str]:
        headers = dict(self._headers)
        if self._body is not None:
            headers.setdefault("Content-Type", self._body_type or self._content_type)
        return headers

    def preflight(self) -> None:
        """client-go `requestPreflightCheck`: an explicitly empty namespace is only valid for
        collection reads; a create, or a named get/update/delete, needs a real namespace."""
        if not self._namespace_set or self._namespace:
            return
        if self.verb == "POST":
            raise RequestError("an empty namespace may not be set during creation")
        # client-go checks GET, PUT and DELETE; a named PATCH is refused too (it would go to
        # the cluster-scoped path of a namespaced resource and answer 404).
        if self.verb in ("GET", "PUT", "DELETE", "PATCH") and self._name:
            raise RequestError("an empty namespace may not be set when a resource name is provided")

    def to_httpx(self, client: httpx.Client | httpx.AsyncClient | None = None) -> httpx.Request:
        """The httpx.Request to send (pure). With a client, its default headers (User-Agent,
        auth headers) and timeout are merged in exactly as `client.send` will see them."""
        url = self.url()
        content = self._body
        headers = self.headers()
        if client is None:
            return httpx.Request(self.verb, url, headers=headers, content=content)
        timeout: Any = self._timeout if self._timeout is not None else httpx.USE_CLIENT_DEFAULT
        return client.build_request(
            self.verb, url, headers=headers, content=content, timeout=timeout
        )

    # -- for error messages and client-go's unstructured errors ------------------------------
    @property
    def resource_info(self) -> tuple[str, str, str]:
        """(group, resource, name) this request targets, for synthesised errors."""
        return (self._group if self._resource else "", self._resource, self._name)

    def __repr__(self) -> str:
        try:
            where = self.url()
        except RequestError as err:
            where = f"<invalid: {err}>"
        from rawkube.config.types import redact_url

        return f"<{type(self).__name__} {self.verb} {redact_url(where)}>"


# The name of the builder before the bound requests of rawkube.rest.client took `Request`'s
# sending methods: kept for code that subclassed or annotated with it.
RequestBase = Request
