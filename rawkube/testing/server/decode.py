"""The decode step of a write: what kube-apiserver's codec does between the body and the
registry (k8s.io/apiserver/pkg/endpoints/handlers: create.go / update.go / patch.go decode,
then the scheme's defaulting).

    object_from_body   the body must be an object of the URL's kind, in the URL's namespace
    check_types        400 BadRequest for a body that does not decode into the kind's Go type
                       (the Go type table of apivalidation.decode), and the strict errors
    field_warnings     unknown fields: dropped, and per fieldValidation a Warning header (Warn,
                       the default), a 400 (Strict) or nothing (Ignore)
    default            the kind's defaulting functions (defaults.py)
"""

from __future__ import annotations

import json
from typing import Any

from rawkube.testing.server import apivalidation, defaults, openapi
from rawkube.testing.server.errors import APIError, Obj
from rawkube.testing.server.openapi import Schema
from rawkube.testing.server.request import Request, Target
from rawkube.testing.server.resources import ResourceInfo


def schema_of(info: ResourceInfo) -> Schema | None:
    """The OpenAPI schema of a built-in kind; for a custom resource, its CRD's schema as the
    type converter of managedFields and server-side apply reads it (apiextensions.publish)."""
    if info.crd:
        return info.custom.fields_schema() if info.custom is not None else None
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


def check_types(info: ResourceInfo, obj: Obj, req: Request | None = None) -> list[str] | None:
    """Decode the body into the kind's Go type as kube-apiserver's JSON serializer does
    (sigs.k8s.io/json; rawkube.testing.server.apivalidation.decode): raise its 400 when a value
    does not fit (for a patch result, the patcher's 422 on the field "patch"), else return the
    strict-decoding errors (unknown / duplicate fields, in document order). None for kinds
    without a Go type (custom resources).

    A JSON create/PUT body is decoded from its bytes, so duplicate keys and number literals are
    seen as the Go decoder sees them; other bodies (YAML, protobuf, patch results) from ``obj``.
    """
    raw: Any = obj
    if (
        req is not None
        and req.method in ("POST", "PUT")
        and req.body
        and "json" in (req.content_type or "application/json")
    ):
        raw = req.body
    result = apivalidation.decode_check(info, raw)
    if result is None:
        return None
    if result.error:
        raise _decode_error(info, obj, result.error, req is not None and req.method == "PATCH")
    return result.strict


def _decode_error(info: ResourceInfo, obj: Obj, error: str, patch: bool) -> APIError:
    if not patch:
        return APIError(400, "BadRequest", apivalidation.decode_error_message(info, error))
    # A patched object that does not decode: 422 on the field "patch" whose value is the
    # patched JSON (staging/src/k8s.io/apiserver/pkg/endpoints/handlers/patch.go). The real
    # server echoes a patched Secret's values; we never put secret values in a message.
    shown_obj = obj
    if info.kind == "Secret" and not info.group:
        shown_obj = {k: v for k, v in obj.items() if k not in ("data", "stringData")}
    shown = json.dumps(shown_obj, sort_keys=True, separators=(",", ":"))
    return apivalidation.patch_decode_error(shown, error)


def _check_apply_types(req: Request, info: ResourceInfo, obj: Obj, schema: Schema) -> None:
    """A server-side apply body with a value of the wrong type: structured-merge-diff's 500
    (k8s.io/apimachinery/pkg/util/managedfields/internal/structuredmerge.go)."""
    from rawkube.testing.server.apivalidation import smd

    errors = smd.apply_type_errors(schema, obj)
    if not errors:
        return
    sent: Any = None
    try:
        import yaml

        sent = yaml.safe_load(req.body)
    except Exception:
        pass
    meta = sent.get("metadata") if isinstance(sent, dict) else None
    meta = meta if isinstance(meta, dict) else {}
    name = str(meta.get("name") or (obj.get("metadata") or {}).get("name") or "")
    namespace = str(meta.get("namespace") or "")
    message = smd.typed_patch_message(name, namespace, info.api_version, info.kind, errors)
    raise APIError(500, "", message)


def field_warnings(
    req: Request, info: ResourceInfo, obj: Obj, strict: list[str] | None = None
) -> list[tuple[str, str]]:
    """fieldValidation: Strict -> 400, Warn (the default) -> Warning headers, Ignore -> nothing.
    Unknown fields are dropped in every mode (they have nowhere to go in the Go type).
    ``strict`` are `check_types`' strict-decoding errors; without them (server-side apply,
    custom resources) the unknown fields come from the OpenAPI schema."""
    mode = req.param("fieldValidation") or "Warn"
    if info.custom is not None:
        # A custom resource is decoded by pruning what its schema does not know
        # (apiextensions-apiserver customresource_handler.go unstructuredSchemaCoercer).
        strict = [f'unknown field "{p}"' for p in info.custom.decode(obj, defaults=False)]
        return _unknown_field_answer(req, info, obj, mode, strict)
    schema = schema_of(info)
    if req.content_type == "application/apply-patch+yaml" and schema is not None:
        _check_apply_types(req, info, obj, schema)
    if strict is None:
        if mode == "Ignore" or schema is None:
            return []
        strict = [f'unknown field "{p}"' for p in openapi.unknown_fields(obj, schema)]
    if schema is not None:
        openapi.drop_unknown(obj, schema)
    return _unknown_field_answer(req, info, obj, mode, strict)


def _unknown_field_answer(
    req: Request, info: ResourceInfo, obj: Obj, mode: str, strict: list[str]
) -> list[tuple[str, str]]:
    if not strict or mode == "Ignore":
        return []
    if mode == "Strict":
        error = "strict decoding error: " + ", ".join(strict)
        raise _decode_error(info, obj, error, req.method == "PATCH")
    return [("Warning", '299 - "' + p.replace('"', '\\"') + '"') for p in strict]


def default(info: ResourceInfo, obj: Obj, *, creating: bool) -> Obj:
    """Apply the kind's defaults (defaults/: defaulting functions and Go zero values); a
    custom resource gets its CRD schema's defaults (apiextensions structural defaulting)."""
    if info.custom is not None:
        info.custom.default(obj)
        return obj
    return defaults.apply_defaults(info, obj)


def decode(
    req: Request, info: ResourceInfo, obj: Obj, *, creating: bool
) -> tuple[Obj, list[tuple[str, str]]]:
    """The whole decode step for an object already shaped by `object_from_body` (or a patch
    result): type check, unknown fields, defaults. Returns (object, Warning headers)."""
    strict = check_types(info, obj, req)
    warnings = field_warnings(req, info, obj, strict)
    return default(info, obj, creating=creating), warnings


__all__ = ["check_types", "decode", "default", "field_warnings", "object_from_body", "schema_of"]
