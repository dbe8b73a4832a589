"""Content negotiation: request bodies by Content-Type, responses by Accept.

What k8s.io/apiserver/pkg/endpoints/handlers/negotiation and the serializers do for us: JSON
(the default), YAML, and the Kubernetes protobuf encoding (through the client's codec,
rawkube.protobuf); CBOR is refused with a 415 so client-go retries as JSON. The handlers call
`decode_body` and `render` only; `API.handle` passes every answer through `negotiated`.

Responses (negotiate.go ``NegotiateOutputMediaType``): the Accept header's media types are walked
by preference (q-value, then order; recorded from the real 1.36 server: ``q=0`` does not exclude a
type) and the first the server can serialize wins: ``application/json``, ``application/yaml``,
``application/vnd.kubernetes.protobuf`` (built-in kinds only: a custom resource has no protobuf
form), or ``*/*`` (JSON). ``application/*`` matches nothing. ``as=Table`` asks for a Table (JSON or
YAML only: ``protobuf;as=Table`` is skipped). None acceptable: 406 NotAcceptable, its Status in
protobuf when plain protobuf was asked. Handlers build JSON (or YAML); `negotiated` turns a
finished JSON answer, or a JSON watch stream, into protobuf: the one place the server writes it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from rawkube import protobuf
from rawkube.testing.server.encoding import encode
from rawkube.testing.server.errors import APIError
from rawkube.testing.server.request import JSON, Request, Response, Target
from rawkube.testing.server.resources import ResourceInfo

YAML = "application/yaml"
PROTOBUF = protobuf.CONTENT_TYPE
_SERVED = (JSON, YAML, PROTOBUF)


def decode_body(req: Request, t: Target | None = None) -> Any:
    """The request body as plain data (None when there is none); ``t`` is where it goes."""
    if not req.body:
        return None
    ctype = req.headers.get("content-type", JSON)
    if "protobuf" in ctype:
        kind = t.info.kind if t else None
        return decode_protobuf(req.body, kind, custom=bool(t and t.info.crd))
    if "cbor" in ctype:
        # We speak JSON, YAML and protobuf. A 415 makes client-go retry the request as JSON.
        raise APIError(
            415,
            "UnsupportedMediaType",
            "the body of the request was in an unknown format - accepted media types include: "
            "application/json, application/yaml",
        )
    try:
        if "yaml" in ctype:
            return yaml.safe_load(req.body)
        return json.loads(req.body)
    except (ValueError, yaml.YAMLError) as exc:
        raise APIError(
            400, "BadRequest", f"the body of the request could not be decoded: {exc}"
        ) from None


def wants_table(accept: str) -> bool:
    chosen = choose(accept)
    return chosen is not None and chosen.table


def wants_yaml(accept: str) -> bool:
    chosen = choose(accept)
    return chosen is not None and chosen.type == YAML


def render(obj: Any, req: Request, info: ResourceInfo | None = None, status: int = 200) -> Response:
    """Encode a response body the way the client's Accept header asks (protobuf: `negotiated`),
    as PartialObjectMetadata[List] when asked (handlers/response.go transformObject)."""
    obj = partial_metadata(obj, req.accept, info)
    if wants_yaml(req.accept):
        text = yaml.safe_dump(obj, sort_keys=False, default_flow_style=False)
        return Response(status, text.encode(), YAML)
    return Response(status, encode(obj, sort_keys=bool(info and info.crd)))


def _go_type(info: ResourceInfo | None, kind: str) -> str:
    """The Go type a transform error names (%T): the internal type of a built-in kind
    (``*core.Secret``), ``*unstructured.Unstructured`` for a custom resource."""
    if info is None or info.crd:
        return (
            "*unstructured.UnstructuredList"
            if kind.endswith("List")
            else ("*unstructured.Unstructured")
        )
    group = info.group
    package = {
        "": "core",
        "events.k8s.io": "core",
        "internal.apiserver.k8s.io": "apiserverinternal",
    }
    name = package.get(group, group.split(".", 1)[0])
    return f"*{name}.{kind}"


def partial_metadata(obj: Any, accept: str, info: ResourceInfo | None = None) -> Any:
    """asPartialObjectMetadata / asPartialObjectMetadataList (handlers/response.go) when the
    Accept header asked for one (406 for an object vs list mismatch)."""
    chosen = choose(accept)
    wanted = chosen.convert if chosen is not None else None
    if wanted not in ("PartialObjectMetadata", "PartialObjectMetadataList") or not isinstance(
        obj, dict
    ):
        return obj
    assert chosen is not None
    api_version = "meta.k8s.io/" + chosen.params.get("v", "v1")
    kind = str(obj.get("kind") or (info.kind if info else ""))
    is_list = isinstance(obj.get("items"), list)
    if is_list and info is not None and not kind.endswith("List"):
        kind = info.list_kind
    if wanted == "PartialObjectMetadata":
        if is_list:
            raise APIError(
                406,
                "NotAcceptable",
                "you requested PartialObjectMetadata, but the requested object is a list "
                f"({_go_type(info, kind)})",
            )
        return {
            "kind": "PartialObjectMetadata",
            "apiVersion": api_version,
            "metadata": obj["metadata"],
        }
    if not is_list:
        raise APIError(
            406,
            "NotAcceptable",
            "you requested PartialObjectMetadataList, but the requested object is not a list "
            f"({_go_type(info, kind)})",
        )
    return {
        "kind": "PartialObjectMetadataList",
        "apiVersion": api_version,
        "metadata": obj.get("metadata") or {},
        "items": [
            {
                "kind": "PartialObjectMetadata",
                "apiVersion": api_version,
                "metadata": i.get("metadata"),
            }
            for i in obj["items"]
        ],
    }


def discovery_choice(accept: str) -> str | None:
    """The aggregated discovery handler's negotiation (endpoints/discovery/aggregated):
    "aggregated" for apidiscovery.k8s.io/v2 APIGroupDiscoveryList, "legacy" for the plain
    documents, None (406) for anything else (v2beta1 is no longer served)."""
    if not accept:
        return "legacy"
    for clause in parse_accept(accept):
        ctype, _, csub = clause.type.partition("/")
        if not any(
            (ctype, csub) in ((t, sub), (t, "*"), ("*", "*"))
            for t, _, sub in (m.partition("/") for m in _SERVED)
        ):
            continue
        params = clause.params
        if params.get("as") == "APIGroupDiscoveryList":
            if params.get("g") == "apidiscovery.k8s.io" and params.get("v") == "v2":
                return "aggregated"
            continue
        if not any(k in params for k in ("as", "g", "v")):
            return "legacy"
    return None


def render_json(obj: Any, status: int = 200, **kw: Any) -> Response:
    return Response(status, encode(obj), **kw)


# -- the Accept header -------------------------------------------------------------------------


@dataclass(frozen=True)
class MediaType:
    type: str  # "application/json", ...
    params: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    @property
    def table(self) -> bool:
        return self.convert == "Table"

    @property
    def convert(self) -> str | None:
        """The kind asked for with ``as=`` (Table, PartialObjectMetadata[List]), if any."""
        return self.params.get("as") or None


_META_GROUP_VERSIONS = (("meta.k8s.io", "v1"), ("meta.k8s.io", "v1beta1"))


def parse_accept(accept: str) -> list[MediaType]:
    """The Accept header's media types, most preferred first (goautoneg.ParseAccept: q-value,
    then position)."""
    entries: list[tuple[float, int, MediaType]] = []
    for position, part in enumerate(accept.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        if not pieces[0]:
            continue
        params: dict[str, str] = {}
        q = 1.0
        for piece in pieces[1:]:
            name, _, value = piece.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 1.0
            else:
                params[name.strip()] = value.strip()
        entries.append((-q, position, MediaType(pieces[0].lower(), params)))
    return [m for _, _, m in sorted(entries, key=lambda e: (e[0], e[1]))]


def _allowed(media: str, params: dict[str, str], protobuf_ok: bool) -> bool:
    """negotiate.go acceptMediaTypeOptions + RequestScope.AllowsMediaTypeTransform: the
    clause's parameters for one served media type."""
    if media == PROTOBUF and not protobuf_ok:
        return False
    stream = params.get("stream")
    if stream and stream != "watch":
        return False
    if params.get("sv") and params["sv"] != "v1":
        return False
    kind = params.get("as")
    if "as" in params or "g" in params or "v" in params:
        group_version = (params.get("g", ""), params.get("v", ""))
        if group_version not in _META_GROUP_VERSIONS:
            return False
        if kind == "Table":
            return media in (JSON, YAML)
        return kind in ("PartialObjectMetadata", "PartialObjectMetadataList")
    return True


def choose(accept: str, *, protobuf_ok: bool = True) -> MediaType | None:
    """NegotiateMediaTypeOptions: the first clause (by preference) that one of the served types
    (JSON, YAML, protobuf, in that order) matches exactly, by ``type/*`` or ``*/*``, with
    parameters the endpoint allows; None: 406."""
    if not accept:
        return MediaType(JSON)
    for clause in parse_accept(accept):
        ctype, _, csub = clause.type.partition("/")
        for served in _SERVED:
            stype, _, ssub = served.partition("/")
            matches = (ctype, csub) in ((stype, ssub), (stype, "*"), ("*", "*"))
            if matches and _allowed(served, clause.params, protobuf_ok):
                return MediaType(served, clause.params)
    return None


# go-restful's route selection (jsr311.go detectRoute) runs before any handler: an Accept header
# none of whose types (parameters dropped, no wildcard but */*) a route produces is 406 there.
_STREAM_TYPES = (JSON + ";stream=watch", PROTOBUF + ";stream=watch")


def route_produces(list_route: bool) -> tuple[str, ...]:
    """What a resource route produces (installer.go): the serializers' media types, and for
    the LIST/WATCH routes their watch-stream forms too."""
    return _SERVED + _STREAM_TYPES if list_route else _SERVED


def check_route(accept: str, produces: tuple[str, ...]) -> None:
    """RouterJSR311: 406 "Available representations" unless a listed type matches."""
    for part in (accept or "*/*").split(","):
        media = part.split(";", 1)[0].strip()
        if media == "*/*" or media in produces:
            return
    raise APIError(
        406,
        "NotAcceptable",
        "406: Not Acceptable\n\nAvailable representations: " + ", ".join(produces),
        {},
    )


def wants_protobuf(accept: str, *, protobuf_ok: bool = True) -> bool:
    chosen = choose(accept, protobuf_ok=protobuf_ok)
    return chosen is not None and chosen.type == PROTOBUF


def not_acceptable() -> APIError:
    return APIError(
        406,
        "NotAcceptable",
        "only the following media types are accepted: application/json, application/yaml, "
        "application/vnd.kubernetes.protobuf",
    )


def check_acceptable(accept: str, *, protobuf_ok: bool) -> None:
    """Before a handler runs (a custom resource asked only in protobuf): 406, no side effect."""
    if choose(accept, protobuf_ok=protobuf_ok) is None:
        raise not_acceptable()


def _protobuf_body(body: bytes) -> bytes | None:
    try:
        obj = json.loads(body)
    except ValueError:
        return None
    if not isinstance(obj, dict) or not protobuf.supports(
        str(obj.get("apiVersion", "")), str(obj.get("kind", ""))
    ):
        return None
    return protobuf.encode(obj)


def to_protobuf(accept: str, status: int, content_type: str, body: bytes) -> tuple[int, str, bytes]:
    """A finished JSON answer re-encoded as the Accept header asks; others pass unchanged.

    An object with no protobuf form (a custom resource, /version) falls back to the next
    acceptable type, or is a 406 Status (itself in protobuf) when protobuf was all that was asked.
    """
    if content_type != JSON:
        return status, content_type, body
    chosen = choose(accept)
    if chosen is None and status >= 400:
        # responsewriters.ErrorNegotiated: an error nothing acceptable can carry goes as JSON.
        return status, content_type, body
    if chosen is not None and chosen.type != PROTOBUF:
        return status, content_type, body
    if chosen is not None:
        encoded = _protobuf_body(body)
        if encoded is not None:
            return status, PROTOBUF, encoded
        if choose(accept, protobuf_ok=False) is not None:
            return status, content_type, body
    refusal = not_acceptable().status()
    if any(m.type == PROTOBUF and not m.params.get("as") for m in parse_accept(accept)):
        return 406, PROTOBUF, protobuf.encode(refusal)
    return 406, JSON, json.dumps(refusal, separators=(",", ":")).encode() + b"\n"


class ProtobufWatch(Iterator[bytes]):
    """A JSON watch stream (one event per line) re-framed as protobuf WatchEvents."""

    def __init__(self, lines: Iterator[bytes]) -> None:
        self._lines = lines
        self._frames = self._reframe()

    def _reframe(self) -> Iterator[bytes]:
        for line in self._lines:
            for text in line.splitlines():
                if text.strip():
                    event = json.loads(text)
                    yield protobuf.encode_watch_event(event["type"], event["object"])

    def __next__(self) -> bytes:
        return next(self._frames)

    def close(self) -> None:
        """Closing ends the underlying stream too (it releases the store subscription)."""
        close = getattr(self._lines, "close", None)
        if close is not None:
            close()


def status_in_protobuf(accept: str, resp: Response) -> Response:
    """An error answered before the API ran (401, impersonation, 500) in protobuf when the client
    prefers it, as kube-apiserver's filters answer (recorded: 401 and 403 in protobuf)."""
    if resp.stream is None and resp.content_type == JSON and wants_protobuf(accept):
        encoded = _protobuf_body(resp.body)
        if encoded is not None:
            resp.content_type, resp.body = PROTOBUF, encoded
    return resp


def negotiated(req: Request, resp: Response) -> Response:
    """The answer in protobuf when the Accept header prefers it (a watch stream re-framed)."""
    if resp.stream is not None:
        if resp.content_type == JSON and wants_protobuf(req.accept):
            resp.stream = ProtobufWatch(resp.stream)
            resp.content_type = protobuf.WATCH_CONTENT_TYPE
        return resp
    resp.status, resp.content_type, resp.body = to_protobuf(
        req.accept, resp.status, resp.content_type, resp.body
    )
    return resp


def decode_protobuf(body: bytes, kind: str | None = None, *, custom: bool = False) -> Any:
    """A protobuf request body as the dict its JSON form would be (APIError if it is not).

    ``kind`` is what the endpoint takes (the messages are the real server's, recorded against
    1.36: k8s.io/apimachinery runtime/serializer/protobuf). A custom resource has no protobuf
    form: 415, as for any body the server cannot read (kube-apiserver 1.36 panics there)."""
    if custom:
        raise APIError(
            415,
            "UnsupportedMediaType",
            "the body of the request was in an unknown format - accepted media types include: "
            "application/json, application/yaml, application/apply-patch+yaml",
        )
    expected = f" (must be of type {kind})" if kind else ""
    if not body.startswith(protobuf.MAGIC):
        raise APIError(
            400,
            "BadRequest",
            f"the object provided is unrecognized{expected}: provided data does not appear to "
            f"be a protobuf message, expected prefix [107 56 115 0] ({body[:64].hex()})",
        )
    try:
        api_version, sent_kind, _raw = protobuf.unwrap(body)
        if not protobuf.supports(api_version, sent_kind):
            version = api_version.rpartition("/")[2]
            raise APIError(
                400,
                "BadRequest",
                f'{sent_kind} in version "{version}" cannot be handled as a {kind or sent_kind}: '
                f'no kind "{sent_kind}" is registered for version "{api_version}" in scheme '
                '"pkg/api/legacyscheme/scheme.go:30"',
            )
        return protobuf.decode(body)
    except protobuf.ProtobufError:
        raise APIError(
            400,
            "BadRequest",
            f"the object provided is unrecognized{expected}: unexpected EOF ({body[:64].hex()})",
        ) from None


__all__ = [
    "check_acceptable",
    "choose",
    "decode_body",
    "negotiated",
    "render",
    "render_json",
    "wants_table",
    "wants_yaml",
]
