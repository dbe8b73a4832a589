"""The type check of a server-side apply configuration, as structured-merge-diff words it.

An apply body is not decoded into the Go type: the field manager converts it to a typed value
(sigs.k8s.io/structured-merge-diff/v6 typed/validate.go) and refuses a value of the wrong type with
a 500: ``failed to create typed patch object (/d; apps/v1, Kind=Deployment): .spec.replicas:
expected numeric (int or float), got string`` (k8s.io/apimachinery/pkg/util/managedfields/
internal/structuredmerge.go). Paths are structured-merge-diff's (``.spec.containers[name="c"]``,
list-map keys from the OpenAPI schema, ``protocol`` defaulting to ``TCP``). Several errors come
in Go map order (random) on the real server; here in document order.
"""

from __future__ import annotations

import json
from typing import Any

from rawkube.testing.server.openapi import Schema

# Defaults structured-merge-diff uses for list-map key fields the item leaves out
# (getAssociativeKeyDefault: the schema's default; the only one among built-in keys).
_KEY_DEFAULTS = {"protocol": "TCP"}


def _go_type_name(value: Any) -> str:
    """%T of the unstructured value."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "map[string]interface {}"
    if isinstance(value, list):
        return "[]interface {}"
    if isinstance(value, float):
        return "float64"
    return "int64"


def _go_v(value: Any) -> str:
    """%v of a value.Value holding ``value`` (a *valueUnstructured: ``&{two}``)."""
    return "&{" + _plain_v(value) + "}"


def _plain_v(value: Any) -> str:
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        inner = " ".join(f"{k}:{_plain_v(v)}" for k, v in sorted(value.items()))
        return f"map[{inner}]"
    if isinstance(value, list):
        return "[" + " ".join(_plain_v(v) for v in value) + "]"
    return str(value)


def _go_sharp_v(value: Any) -> str:
    """%#v of a value.Value holding a non-string scalar."""
    if isinstance(value, bool):
        shown = "true" if value else "false"
    elif isinstance(value, (int, float)):
        shown = str(value)
    else:
        shown = _go_sharp_plain(value)
    return "&value.valueUnstructured{Value:" + shown + "}"


def _go_sharp_plain(value: Any) -> str:
    if isinstance(value, dict):
        inner = ", ".join(f"{json.dumps(k)}:{_go_sharp_plain(v)}" for k, v in sorted(value.items()))
        return "map[string]interface {}{" + inner + "}"
    if isinstance(value, list):
        return "[]interface {}{" + ", ".join(_go_sharp_plain(v) for v in value) + "}"
    if isinstance(value, str):
        return json.dumps(value)
    if value is None:
        return "interface {}(nil)"
    return str(value).lower() if isinstance(value, bool) else str(value)


def _key_element(item: Any, keys: list[str]) -> str | None:
    parts = []
    for key in keys:
        value = item.get(key, _KEY_DEFAULTS.get(key)) if isinstance(item, dict) else None
        if value is None:
            return None
        parts.append(f"{key}={json.dumps(value)}")
    return "[" + ",".join(parts) + "]"


def apply_type_errors(schema: Schema | None, obj: Any) -> list[str]:
    """``path: expected ..., got ...`` for each value of the wrong type in an apply body."""
    errors: list[str] = []
    if schema is not None:
        _walk(schema, obj, "", errors)
    return errors


def _scalar_type(node: dict[str, Any]) -> str:
    if node.get("format") == "int-or-string" or node.get("x-kubernetes-int-or-string"):
        return "untyped"
    kind = node.get("type")
    if kind in ("integer", "number"):
        return "numeric"
    if kind == "boolean":
        return "boolean"
    if kind == "string":
        return "string"
    return "untyped"


def _walk(schema: Schema, value: Any, path: str, errors: list[str]) -> None:
    if value is None or schema.is_free_form:
        return
    node = schema._resolved()
    if schema.is_object or schema.is_map:
        if not isinstance(value, dict):
            errors.append(f"{path}: expected map, got {_go_v(value)}")
            return
        for key, item in value.items():
            sub = schema.field(key)
            if sub is not None:
                _walk(sub, item, f"{path}.{key}", errors)
        return
    if node.get("type") == "array":
        if not isinstance(value, list):
            errors.append(f"{path}: expected list, got {_go_v(value)}")
            return
        items = schema.items()
        if items is None:
            return
        keys = schema.list_map_keys if schema.list_type == "map" else []
        for index, item in enumerate(value):
            element = _key_element(item, keys) if keys else f"[{index}]"
            if element is None:
                element = f"[{index}]"
            _walk(items, item, f"{path}{element}", errors)
        return
    kind = _scalar_type(node)
    if node.get("type") == "string" and "Quantity" in str(schema.node.get("$ref", "")):
        kind = "untyped"
    if kind == "numeric" and (isinstance(value, bool) or not isinstance(value, (int, float))):
        errors.append(f"{path}: expected numeric (int or float), got {_go_type_name(value)}")
    elif kind == "string" and not isinstance(value, str):
        errors.append(f"{path}: expected string, got {_go_sharp_v(value)}")
    elif kind == "boolean" and not isinstance(value, bool):
        errors.append(f"{path}: expected boolean, got {_go_v(value)}")
    elif kind == "untyped" and isinstance(value, (dict, list)):
        errors.append(f"{path}: expected any scalar, got {_go_v(value)}")


def typed_patch_message(
    name: str, namespace: str, api_version: str, kind: str, errors: list[str]
) -> str:
    """The 500 message (structuredmerge.go: objectGVKNN, then ValidationErrors.Error())."""
    group, _, version = api_version.rpartition("/")
    gvk = f"{group}/{version}, Kind={kind}" if group else f"/{version}, Kind={kind}"
    text = errors[0] if len(errors) == 1 else "errors:\n" + "\n".join("  " + e for e in errors)
    return f"failed to create typed patch object ({namespace}/{name}; {gvk}): {text}"
