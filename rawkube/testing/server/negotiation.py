"""Content negotiation: request bodies by Content-Type, responses by Accept.

What k8s.io/apiserver/pkg/endpoints/handlers/negotiation and the serializers do for us: JSON
(the default), YAML, and the Kubernetes protobuf encoding (protobuf.py); CBOR is refused with
a 415 so client-go retries as JSON. The handlers call `decode_body` and `render` only.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from rawkube.testing.server.encoding import encode
from rawkube.testing.server.errors import APIError
from rawkube.testing.server.request import JSON, Request, Response
from rawkube.testing.server.resources import ResourceInfo


def decode_body(req: Request) -> Any:
    """The request body as plain data (None when there is none)."""
    if not req.body:
        return None
    ctype = req.headers.get("content-type", JSON)
    if "protobuf" in ctype:
        from rawkube.testing.server.protobuf import decode

        return decode(req.body)
    if "cbor" in ctype:
        # We speak JSON and YAML only. A 415 makes client-go retry the request as JSON.
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
    return "as=Table" in accept


def wants_yaml(accept: str) -> bool:
    return accept.split(",")[0].strip().startswith("application/yaml")


def render(obj: Any, req: Request, info: ResourceInfo | None = None, status: int = 200) -> Response:
    """Encode a response body the way the client's Accept header asks."""
    if wants_yaml(req.accept):
        text = yaml.safe_dump(obj, sort_keys=False, default_flow_style=False)
        return Response(status, text.encode(), "application/yaml")
    accept = req.accept
    if "protobuf" in accept and "json" not in accept and "*/*" not in accept:
        # Protobuf only when the client takes nothing else (recording 034): JSON is what
        # a reader of the conversation can follow, and every client-go decoder accepts it.
        return _protobuf(obj, status)
    return Response(status, encode(obj, sort_keys=bool(info and info.crd)))


def render_json(obj: Any, status: int = 200, **kw: Any) -> Response:
    return Response(status, encode(obj), **kw)


def _protobuf(obj: Any, status: int) -> Response:
    from rawkube.testing.server import protobuf

    if not isinstance(obj, dict) or not protobuf.can_encode(
        str(obj.get("apiVersion", "")), str(obj.get("kind", ""))
    ):
        raise APIError(
            406,
            "NotAcceptable",
            "only the following media types are accepted: application/json, application/yaml",
        )
    return Response(status, protobuf.encode(obj), protobuf.CONTENT_TYPE)


__all__ = ["decode_body", "render", "render_json", "wants_table", "wants_yaml"]
