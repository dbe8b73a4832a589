"""The decode step of a write: what kube-apiserver's codec does between the body and the
registry (k8s.io/apiserver/pkg/endpoints/handlers: create.go / update.go / patch.go decode,
then the scheme's defaulting).

    object_from_body   the body must be an object of the URL's kind, in the URL's namespace
    check_types        400 BadRequest for a body that does not decode into the kind's Go type
                       (OpenAPI schema type checking; see validation)
    field_warnings     unknown fields: dropped, and per fieldValidation a Warning header (Warn,
                       the default), a 400 (Strict) or nothing (Ignore)
    default            the kind's defaulting functions (defaults.py)
"""

from __future__ import annotations

from typing import Any

from rawkube.testing.server import defaults, openapi
from rawkube.testing.server.errors import APIError, Obj
from rawkube.testing.server.openapi import Schema
from rawkube.testing.server.request import Request, Target
from rawkube.testing.server.resources import ResourceInfo


def schema_of(info: ResourceInfo) -> Schema | None:
    """The OpenAPI schema of a built-in kind (None for custom resources)."""
    if info.crd:
        return None
    return Schema.for_kind(info.group, info.version, info.kind)


def object_from_body(body: Any, t: Target) -> Obj:
    """The decoded body as an object of the target's kind and namespace (400 otherwise)."""
    if not isinstance(body, dict):
        raise APIError(400, "BadRequest", "the body of the request was in an unknown format")
    body.setdefault("apiVersion", t.info.api_version)
    body.setdefault("kind", t.info.kind)
    meta = body.get("metadata")
    if not isinstance(meta, dict):
        body["metadata"] = meta = {}
    if t.info.namespaced:
        if meta.get("namespace") and meta["namespace"] != t.namespace:
            raise APIError(
                400,
                "BadRequest",
                "the namespace of the provided object does not match the namespace sent on the request",
            )
        meta["namespace"] = t.namespace
    else:
        meta.pop("namespace", None)
    return body


def check_types(info: ResourceInfo, obj: Obj) -> None:
    """Raise the real server's 400 when ``obj`` does not decode into the kind's type.

    The hook of the generic schema type check (types, enums, formats, int-or-string,
    quantities): nothing is checked yet.
    """


def field_warnings(req: Request, info: ResourceInfo, obj: Obj) -> list[tuple[str, str]]:
    """fieldValidation: Strict -> 400, Warn (the default) -> Warning headers, Ignore -> nothing.
    Unknown fields are dropped in every mode (they have nowhere to go in the Go type)."""
    mode = req.param("fieldValidation") or "Warn"
    schema = schema_of(info)
    if mode == "Ignore" or schema is None:
        return []
    unknown = openapi.unknown_fields(obj, schema)
    openapi.drop_unknown(obj, schema)
    if not unknown:
        return []
    if mode == "Strict":
        fields = ", ".join(f'unknown field "{p}"' for p in unknown)
        raise APIError(
            400,
            "BadRequest",
            f'{info.kind} in version "{info.version}" cannot be handled as a {info.kind}: '
            f"strict decoding error: {fields}",
        )
    return [("Warning", f'299 - "unknown field \\"{p}\\""') for p in unknown]


def default(info: ResourceInfo, obj: Obj, *, creating: bool) -> Obj:
    """Apply the kind's defaults; a new object of a kind with a status struct gets ``status: {}``."""
    schema = schema_of(info)
    has_status = schema is not None and schema.has_field("status")
    return defaults.apply_defaults(info, obj, has_status and creating)


def decode(
    req: Request, info: ResourceInfo, obj: Obj, *, creating: bool
) -> tuple[Obj, list[tuple[str, str]]]:
    """The whole decode step for an object already shaped by `object_from_body` (or a patch
    result): type check, unknown fields, defaults. Returns (object, Warning headers)."""
    check_types(info, obj)
    warnings = field_warnings(req, info, obj)
    return default(info, obj, creating=creating), warnings


__all__ = ["check_types", "decode", "default", "field_warnings", "object_from_body", "schema_of"]
