"""Field errors as the apiserver reports them (k8s.io/apimachinery/pkg/util/validation/field).

`FieldError` mirrors ``field.Error``: a type (the cause's ``reason``), a field path, the bad value
and a detail. ``body()`` renders ``Error.ErrorBody()`` (the cause's ``message``) and ``str()``
renders ``Error.Error()`` (``field: body``, as in the Status message). `invalid_status` builds the
422 ``StatusError`` of ``k8s.io/apimachinery/pkg/api/errors.NewInvalid``: one cause per error, the
message the aggregate of the (deduplicated) errors.

Go formats the bad value by its dynamic type: numbers and booleans with ``%v``, strings with
``%q``, anything else as JSON; `go_value` reproduces that for JSON-decoded Python values.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from rawkube.testing.server.errors import APIError

REQUIRED = "FieldValueRequired"
INVALID = "FieldValueInvalid"
TYPE_INVALID = "FieldValueTypeInvalid"
NOT_SUPPORTED = "FieldValueNotSupported"
FORBIDDEN = "FieldValueForbidden"
DUPLICATE = "FieldValueDuplicate"
TOO_LONG = "FieldValueTooLong"
TOO_MANY = "FieldValueTooMany"
TOO_SHORT = "FieldValueTooShort"
NOT_FOUND = "FieldValueNotFound"
INTERNAL = "InternalError"

_TYPE_TEXT = {
    NOT_FOUND: "Not found",
    REQUIRED: "Required value",
    DUPLICATE: "Duplicate value",
    INVALID: "Invalid value",
    NOT_SUPPORTED: "Unsupported value",
    FORBIDDEN: "Forbidden",
    TOO_LONG: "Too long",
    TOO_MANY: "Too many",
    "FieldValueTooFew": "Too few",
    INTERNAL: "Internal error",
    TYPE_INVALID: "Invalid value",
    TOO_SHORT: "Too short",
}
# Types whose body never shows the value (ErrorBody's first case).
_NO_VALUE = {REQUIRED, FORBIDDEN, TOO_LONG, TOO_SHORT, INTERNAL}


class _Omit:
    """field.omitValue: a TooMany error whose actual count is unknown."""


OMIT = _Omit()


def go_float(value: float) -> str:
    """Go's ``%v`` of a float64: strconv's shortest 'g' form, an exponent when it is < -4 or
    >= 6 (``1e+06``, ``1.5``, ``0.0001``, ``1e-05``)."""
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if math.isnan(value):
        return "NaN"
    if value == 0:
        return "0"
    mantissa, _, exp_text = f"{value:.17e}".partition("e")
    # The shortest digits that round-trip (what repr finds), and the decimal exponent.
    short = repr(abs(value))
    if "e" in short:
        digits_part, _, e = short.partition("e")
        exponent = int(e)
        digits = digits_part.replace(".", "")
        exponent += len(digits_part.split(".")[0]) - 1
    else:
        whole, _, frac = short.partition(".")
        frac = "" if frac == "0" else frac
        if whole != "0":
            digits = whole + frac
            exponent = len(whole) - 1
        else:
            stripped = frac.lstrip("0")
            exponent = -(len(frac) - len(stripped)) - 1
            digits = stripped
    digits = digits.lstrip("0").rstrip("0") or "0"
    sign = "-" if value < 0 else ""
    if exponent < -4 or exponent >= 6:
        head = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{head}e{'+' if exponent >= 0 else '-'}{abs(exponent):02d}"
    if exponent < 0:
        return f"{sign}0.{'0' * (-exponent - 1)}{digits}"
    whole_digits = digits[: exponent + 1].ljust(exponent + 1, "0")
    frac_digits = digits[exponent + 1 :]
    return f"{sign}{whole_digits}" + (f".{frac_digits}" if frac_digits else "")


class GoStruct(dict[str, Any]):
    """A Go struct value: marshalled with its fields in declaration (insertion) order."""


def go_json(value: Any) -> str:
    """encoding/json's Marshal of a decoded JSON value (sorted keys, no spaces, Go's float
    format, HTML characters escaped as Go does; a `GoStruct` keeps its field order)."""
    if isinstance(value, GoStruct):
        return "{" + ",".join(f"{go_json(str(k))}:{go_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, float):
        if value == int(value) and abs(value) < 1e21:
            return str(int(value))
        return go_float(value)
    if isinstance(value, dict):
        return (
            "{"
            + ",".join(f"{go_json(str(k))}:{go_json(v)}" for k, v in sorted(value.items()))
            + "}"
        )
    if isinstance(value, list):
        return "[" + ",".join(go_json(v) for v in value) + "]"
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, str):
        text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return text


def go_quote(text: str) -> str:
    """strconv.Quote (Go's %q) for the printable strings API values are."""
    out = ['"']
    for ch in text:
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def go_value(value: Any) -> str:
    """How ErrorBody shows a bad value: %v for numbers/bools, %q for strings, else JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return go_float(value)
    if isinstance(value, str):
        return go_quote(value)
    return go_json(value)


@dataclass
class FieldError:
    """One ``field.Error``."""

    type: str
    field: str
    value: Any = ""
    detail: str = ""

    def body(self) -> str:
        text = _TYPE_TEXT.get(self.type, self.type)
        if self.type not in _NO_VALUE and self.value is not OMIT:
            text = f"{text}: {go_value(self.value)}"
        if self.detail:
            text += f": {self.detail}"
        return text

    def __str__(self) -> str:
        return f"{self.field}: {self.body()}"

    def cause(self) -> dict[str, str]:
        return {"reason": self.type, "message": self.body(), "field": self.field}


def required(path: str, detail: str = "") -> FieldError:
    return FieldError(REQUIRED, path, "", detail)


def invalid(path: str, value: Any, detail: str) -> FieldError:
    return FieldError(INVALID, path, value, detail)


def type_invalid(path: str, value: Any, detail: str) -> FieldError:
    return FieldError(TYPE_INVALID, path, value, detail)


def forbidden(path: str, detail: str) -> FieldError:
    return FieldError(FORBIDDEN, path, "", detail)


def duplicate(path: str, value: Any) -> FieldError:
    return FieldError(DUPLICATE, path, value)


def not_supported(path: str, value: Any, valid: list[str]) -> FieldError:
    detail = ""
    if valid:
        detail = "supported values: " + ", ".join(go_quote(str(v)) for v in valid)
    return FieldError(NOT_SUPPORTED, path, value, detail)


def too_long(path: str, max_length: int) -> FieldError:
    if max_length >= 0:
        unit = "byte" if max_length == 1 else "bytes"
        detail = f"may not be more than {max_length} {unit}"
    else:
        detail = "value is too long"
    return FieldError(TOO_LONG, path, "<value omitted>", detail)


def too_many(path: str, actual: int, maximum: int) -> FieldError:
    if maximum >= 0:
        detail = f"must have at most {maximum} {'item' if maximum == 1 else 'items'}"
    else:
        detail = "has too many items"
    return FieldError(TOO_MANY, path, actual if actual >= 0 else OMIT, detail)


def aggregate_message(errors: list[FieldError]) -> str:
    """utilerrors.NewAggregate(errs.ToAggregate()).Error(): deduplicated, [a, b] when several."""
    seen: list[str] = []
    for err in errors:
        text = str(err)
        if text not in seen:
            seen.append(text)
    if len(seen) == 1:
        return seen[0]
    return "[" + ", ".join(seen) + "]"


def invalid_status(group: str, kind: str, name: str, errors: list[FieldError]) -> APIError:
    """apierrors.NewInvalid(GroupKind{group, kind}, name, errors)."""
    qualified = f"{kind}.{group}" if group else kind
    details: dict[str, Any] = {}
    if name:
        details["name"] = name
    if group:
        details["group"] = group
    details["kind"] = kind
    details["causes"] = [e.cause() for e in errors]
    message = f"{qualified} {go_quote(name)} is invalid"
    if errors:
        message += ": " + aggregate_message(errors)
    return APIError(422, "Invalid", message, details)


def path_child(path: str, name: str) -> str:
    """field.Path.Child: ``a.b``."""
    return f"{path}.{name}" if path else name


def path_key(path: str, key: str) -> str:
    """field.Path.Key: ``a[key]``."""
    return f"{path}[{key}]"


def path_index(path: str, index: int) -> str:
    """field.Path.Index: ``a[0]``."""
    return f"{path}[{index}]"
