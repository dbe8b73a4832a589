"""field.Error and NewInvalid: the causes of a 422 and its message, formatted as Go formats them.

k8s.io/apimachinery/pkg/util/validation/field/errors.go (ErrorBody) and
k8s.io/apimachinery/pkg/api/errors/errors.go (NewInvalid): a cause is
``{"reason": "FieldValueInvalid", "message": "Invalid value: \\"x\\": detail", "field": "spec.a"}``;
the Status message is ``<Kind>[.<group>] "<name>" is invalid: <cause>`` or ``...: [<c1>, <c2>]``
(field + ": " + message, duplicates dropped, causes kept as they are).

The bad value is printed as Go's ErrorBody does: numbers and bools with ``%v``, strings with
``%q``, anything else as its JSON (``json.Marshal``: map keys sorted, ``GoStruct`` keeps its order).
"""

from __future__ import annotations

import json
from typing import Any

from rawkube.testing.server.apivalidation.goparse import go_quote
from rawkube.testing.server.errors import APIError
from rawkube.testing.server.field import go_float  # %v of a float64, shared with H11b's field.py

Cause = dict[str, str]

OMIT = object()  # field.OmitValueType: the value is not shown


class GoStruct(dict[str, Any]):
    """A value that is a Go struct: json.Marshal keeps its field order (maps are sorted)."""


class GoInt(int):
    """A Go ``int`` (not int32/int64): ErrorBody prints it through json.Marshal (same digits)."""


def go_value(value: Any) -> str:
    """ErrorBody's rendering of a bad value."""
    if isinstance(value, GoJSONValue):
        return go_json(value.value)
    if type(value).__name__ == "Raw":  # internal.Raw: JSON already rendered
        return str(value.text)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return go_float(value)
    if isinstance(value, str):
        return go_quote(value)
    if value is None:
        return "null"
    return go_json(value)


def go_json(value: Any) -> str:
    """encoding/json.Marshal: compact, map keys sorted, <, > and & escaped."""
    text = json.dumps(_sorted(value), separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _sorted(value: Any) -> Any:
    if isinstance(value, GoJSONValue):
        return _sorted(value.value)
    if isinstance(value, GoStruct):
        return {k: _sorted(v) for k, v in value.items()}
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value


def _cause(reason: str, field: str, body: str) -> Cause:
    return {"reason": reason, "message": body, "field": field}


def _with_value(kind: str, value: Any, detail: str) -> str:
    text = kind if value is OMIT else f"{kind}: {go_value(value)}"
    return f"{text}: {detail}" if detail else text


def required(field: str, detail: str = "") -> Cause:
    return _cause("FieldValueRequired", field, "Required value" + (f": {detail}" if detail else ""))


def forbidden(field: str, detail: str = "") -> Cause:
    return _cause("FieldValueForbidden", field, "Forbidden" + (f": {detail}" if detail else ""))


def invalid(field: str, value: Any, detail: str = "") -> Cause:
    return _cause("FieldValueInvalid", field, _with_value("Invalid value", value, detail))


def type_invalid(field: str, value: Any, detail: str = "") -> Cause:
    return _cause("FieldValueTypeInvalid", field, _with_value("Invalid value", value, detail))


def not_found(field: str, value: Any) -> Cause:
    return _cause("FieldValueNotFound", field, _with_value("Not found", value, ""))


def duplicate(field: str, value: Any) -> Cause:
    return _cause("FieldValueDuplicate", field, _with_value("Duplicate value", value, ""))


def not_supported(field: str, value: Any, valid: list[str] | tuple[str, ...]) -> Cause:
    detail = "supported values: " + ", ".join(go_quote(v) for v in valid) if valid else ""
    return _cause("FieldValueNotSupported", field, _with_value("Unsupported value", value, detail))


def too_long(field: str, max_length: int, unit: str = "bytes") -> Cause:
    """TooLong (bytes) / TooLongCharacters (unit="characters")."""
    if max_length >= 0:
        word = unit[:-1] if max_length == 1 else unit
        detail = f"may not be more than {max_length} {word}"
    else:
        detail = "value is too long"
    return _cause("FieldValueTooLong", field, f"Too long: {detail}")


def too_many(field: str, actual: int, maximum: int) -> Cause:
    if maximum >= 0:
        detail = f"must have at most {maximum} {'item' if maximum == 1 else 'items'}"
    else:
        detail = "has too many items"
    return _cause(
        "FieldValueTooMany", field, _with_value("Too many", actual if actual >= 0 else OMIT, detail)
    )


def internal(field: str, detail: str) -> Cause:
    return _cause("InternalError", field, f"Internal error: {detail}")


def aggregate(causes: list[Cause]) -> str:
    """ErrorList.ToAggregate().Error(): one message, or ``[a, b]`` without repeats."""
    seen: list[str] = []
    for c in causes:
        text = f"{c['field']}: {c['message']}"
        if text not in seen:
            seen.append(text)
    if not seen:
        return ""
    return seen[0] if len(seen) == 1 else "[" + ", ".join(seen) + "]"


def invalid_status(
    kind: str, group: str, name: str, causes: list[Cause], bare: bool = False
) -> APIError:
    """errors.NewInvalid(schema.GroupKind{group, kind}, name, causes) as an APIError
    (``bare``: only the causes in the details, as for an empty GroupKind and name)."""
    qualified = f"{kind}.{group}" if group else kind
    message = f"{qualified} {go_quote(name)} is invalid"
    if causes:
        message += ": " + aggregate(causes)
    details: dict[str, Any] = {}
    if bare:
        return APIError(422, "Invalid", message, {"causes": causes})
    if name:
        details["name"] = name
    if group:
        details["group"] = group
    details["kind"] = kind
    details["causes"] = causes
    return APIError(422, "Invalid", message, details)


class GoJSONValue:
    """A bad value ErrorBody prints through json.Marshal (an IntOrString, a pointer...)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value
