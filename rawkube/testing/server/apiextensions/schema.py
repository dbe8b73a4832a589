"""Structural schemas of custom resources: validate, prune, default, coerce (pure functions).

A CRD version's ``openAPIV3Schema`` is compiled once into a `Schema` tree; the functions below
walk a decoded custom resource (plain dicts and lists, ints and floats as the apiserver's
unstructured JSON decoder gives int64 and float64) beside it:

* `validate`: the OpenAPI value validation of kube-openapi (pkg/validation/validate: schema.go,
  type.go, validator.go, object_validator.go, slice_validator.go, schema_props.go) turned into
  field errors as apiextensions-apiserver pkg/apiserver/validation/validation.go
  ``kubeOpenAPIResultToFieldErrors`` does, with update ratcheting (validation/ratcheting.go:
  errors inside a value that did not change are dropped);
* `prune`: pkg/apiserver/schema/pruning/algorithm.go (returns the unknown field paths, sorted);
* `prune_non_nullable_nulls`: schema/defaulting/prunenulls.go;
* `default`: schema/defaulting/algorithm.go;
* `validate_list_sets_and_maps`: schema/listtype/validation.go;
* `validate_embedded`: schema/objectmeta/validation.go.

Go iterates maps in random order, so errors of sibling properties come in any order from the
real server; here properties are walked in sorted order.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from rawkube.testing.server import field
from rawkube.testing.server.apiextensions import formats
from rawkube.testing.server.field import FieldError

MISSING: Any = object()
IN = "body"

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


class Schema:
    """One node of a (structural) JSONSchemaProps, compiled for repeated use."""

    __slots__ = (
        "raw",
        "type",
        "types",
        "nullable",
        "format",
        "enum",
        "maximum",
        "minimum",
        "exclusive_maximum",
        "exclusive_minimum",
        "multiple_of",
        "max_length",
        "min_length",
        "pattern",
        "pattern_error",
        "max_items",
        "min_items",
        "unique_items",
        "max_properties",
        "min_properties",
        "required",
        "properties",
        "additional",
        "additional_allows",
        "items",
        "all_of",
        "any_of",
        "one_of",
        "not_",
        "default",
        "preserve_unknown",
        "embedded",
        "int_or_string",
        "list_type",
        "list_map_keys",
        "map_type",
        "validations",
    )

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.type = str(raw.get("type") or "")
        self.int_or_string = bool(raw.get("x-kubernetes-int-or-string"))
        if self.int_or_string:
            self.types: tuple[str, ...] = ("integer", "string")
        else:
            self.types = (self.type,) if self.type else ()
        self.nullable = bool(raw.get("nullable"))
        single = self.types[0] if len(self.types) == 1 else ""
        self.format = formats.supported_format(single, str(raw.get("format") or ""))
        enum = raw.get("enum")
        self.enum: list[Any] | None = list(enum) if isinstance(enum, list) else None
        self.maximum = _number(raw.get("maximum"))
        self.minimum = _number(raw.get("minimum"))
        self.exclusive_maximum = bool(raw.get("exclusiveMaximum"))
        self.exclusive_minimum = bool(raw.get("exclusiveMinimum"))
        self.multiple_of = _number(raw.get("multipleOf"))
        self.max_length = _int(raw.get("maxLength"))
        self.min_length = _int(raw.get("minLength"))
        self.max_items = _int(raw.get("maxItems"))
        self.min_items = _int(raw.get("minItems"))
        self.unique_items = bool(raw.get("uniqueItems"))
        self.max_properties = _int(raw.get("maxProperties"))
        self.min_properties = _int(raw.get("minProperties"))
        self.required = [str(r) for r in raw.get("required") or []]
        self.pattern: re.Pattern[str] | None = None
        self.pattern_error = ""
        pattern = raw.get("pattern")
        if isinstance(pattern, str) and pattern:
            try:
                self.pattern = re.compile(go_regexp(pattern))
            except re.error as exc:
                self.pattern_error = str(exc)
        props = raw.get("properties")
        self.properties: dict[str, Schema] = (
            {str(k): Schema(v) for k, v in props.items() if isinstance(v, dict)}
            if isinstance(props, dict)
            else {}
        )
        extra = raw.get("additionalProperties")
        self.additional: Schema | None = Schema(extra) if isinstance(extra, dict) else None
        # additionalProperties: the structural schema's StructuralOrBool (None: not set).
        self.additional_allows: bool | None = (
            True if isinstance(extra, dict) else extra if isinstance(extra, bool) else None
        )
        items = raw.get("items")
        self.items: Schema | None = Schema(items) if isinstance(items, dict) else None
        self.all_of = [Schema(s) for s in raw.get("allOf") or [] if isinstance(s, dict)]
        self.any_of = [Schema(s) for s in raw.get("anyOf") or [] if isinstance(s, dict)]
        self.one_of = [Schema(s) for s in raw.get("oneOf") or [] if isinstance(s, dict)]
        not_ = raw.get("not")
        self.not_: Schema | None = Schema(not_) if isinstance(not_, dict) else None
        self.default = raw.get("default", MISSING)
        self.preserve_unknown = raw.get("x-kubernetes-preserve-unknown-fields") is True
        self.embedded = bool(raw.get("x-kubernetes-embedded-resource"))
        self.list_type = raw.get("x-kubernetes-list-type")
        self.list_map_keys = [str(k) for k in raw.get("x-kubernetes-list-map-keys") or []]
        self.map_type = raw.get("x-kubernetes-map-type")
        self.validations: list[dict[str, Any]] = list(raw.get("x-kubernetes-validations") or [])

    def child(self, key: str) -> Schema | None:
        """The schema of a map entry: a property, else additionalProperties' schema."""
        prop = self.properties.get(key)
        if prop is not None:
            return prop
        return self.additional

    def has_child(self, key: str) -> bool:
        return key in self.properties or self.additional_allows is not None


def _number(value: Any) -> float | int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return int(value)


def go_regexp(pattern: str) -> str:
    """An RE2 pattern as Python's re reads it (the common differences only)."""
    out = pattern.replace(r"\z", r"\Z").replace("(?P<", "(?P<")
    out = re.sub(r"\\p\{L\}", r"^\\W\\d_", out) if r"\p{L}" in out and "[" in out else out
    return out


def json_equal(a: Any, b: Any) -> bool:
    """reflect.DeepEqual over decoded JSON: booleans are not numbers."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, dict):
        return (
            isinstance(b, dict)
            and a.keys() == b.keys()
            and all(json_equal(v, b[k]) for k, v in a.items())
        )
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(json_equal, a, b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return type(a) is type(b) and a == b
    return type(a) is type(b) and bool(a == b)


# -- validation (kube-openapi) -----------------------------------------------------------------


class _Err:
    """A kube-openapi error: a *errors.Validation (code set) or a plain error (code None)."""

    __slots__ = ("code", "name", "message", "value", "valid", "values")

    def __init__(
        self,
        code: str | None,
        name: str,
        message: str,
        value: Any = None,
        valid: Any = None,
        values: list[Any] | None = None,
    ) -> None:
        self.code = code
        self.name = name
        self.message = message
        self.value = value
        self.valid = valid
        self.values = values


def _add(errors: list[_Err], new: list[_Err]) -> None:
    """Result.AddErrors: an error with the same message is reported once."""
    for err in new:
        if all(e.message != err.message for e in errors):
            errors.append(err)


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer" if INT64_MIN <= value <= INT64_MAX else "number"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _type_fail(name: str, type_name: str, value: Any) -> _Err:
    """errors.InvalidType: the value shown is a type name (a string) or null."""
    if isinstance(value, str):
        message = f"{name} in {IN} must be of type {type_name}: {field.go_quote(value)}"
    else:
        message = f"{name} in {IN} must be of type {type_name}"
    return _Err("type", name, message, value)


def _validate_type(s: Schema, data: Any, path: str) -> list[_Err]:
    """typeValidator (type.go)."""
    if not (s.types or s.format):
        return []
    if data is None:
        if s.types and "null" not in s.types and not s.nullable:
            return [_type_fail(path, ",".join(s.types), "null")]
        return []
    kind = _json_kind(data)
    fmt = "int64" if kind == "integer" else "float64" if kind == "number" else ""
    is_float_int = kind == "number" and float(data).is_integer() and "integer" in s.types
    is_int_float = kind == "integer" and "number" in s.types
    if (
        kind not in ("string", "array")
        and s.format
        and not (kind in s.types or fmt == s.format or is_float_int or is_int_float)
    ):
        return [_type_fail(path, s.format, fmt)]
    if (
        not ("number" in s.types or "integer" in s.types)
        and s.format
        and kind
        in (
            "string",
            "array",
        )
    ):
        return []
    if not (kind in s.types or is_float_int or is_int_float):
        return [_type_fail(path, ",".join(s.types), kind)]
    return []


def _validate_string(s: Schema, data: str, path: str) -> list[_Err]:
    """stringValidator: maxLength, minLength, pattern (the first failure only)."""
    length = len(data)
    if s.max_length is not None and length > s.max_length:
        message = f"{path} in {IN} should be at most {s.max_length} chars long"
        return [_Err("tooLong", path, message, data, s.max_length)]
    if s.min_length is not None and length < s.min_length:
        message = f"{path} in {IN} should be at least {s.min_length} chars long"
        return [_Err("tooShort", path, message, data, s.min_length)]
    raw_pattern = s.raw.get("pattern")
    if s.pattern_error:
        shown = f"{raw_pattern}, but pattern is invalid: {s.pattern_error}"
        return [_Err("pattern", path, f"{path} in {IN} should match '{shown}'", data)]
    if s.pattern is not None and not s.pattern.search(data):
        return [_Err("pattern", path, f"{path} in {IN} should match '{raw_pattern}'", data)]
    return []


def _validate_format(s: Schema, data: str, path: str) -> list[_Err]:
    if s.format and formats.known(s.format) and not formats.valid(s.format, data):
        return [_type_fail(path, s.format, data)]
    return []


def _fmt_bound(bound: float | int, data: Any) -> str:
    if isinstance(data, int):
        return str(int(bound))
    return field.go_float(float(bound))


def _range_error(bound: float | int, s: Schema, prefix: str, path: str) -> _Err | None:
    """IsValueValidAgainstRange: a bound that does not fit the schema's type/format."""
    single = s.types[0] if len(s.types) == 1 else ""
    if single != "integer":
        if single == "number" and s.format == "float" and abs(float(bound)) > 3.4028234663852886e38:
            return _Err(
                None, path, f"{prefix} value must be of type number with format float in {path}"
            )
        return None
    text = str(bound) if isinstance(bound, int) else field.go_float(float(bound))
    fits = bool(re.fullmatch(r"[-+]?\d+", text))
    if fits:
        value = int(text)
        limits = {"int32": (-(2**31), 2**31 - 1), "uint32": (0, 2**32 - 1)}.get(
            s.format, (INT64_MIN, INT64_MAX)
        )
        fits = limits[0] <= value <= limits[1]
    if fits:
        return None
    if s.format:
        return _Err(
            None, path, f"{prefix} value must be of type integer with format {s.format} in {path}"
        )
    return _Err(None, path, f"{prefix} value must be of type integer (default format) in {path}")


def _validate_number(s: Schema, data: int | float, path: str) -> list[_Err]:
    """numberValidator (validator.go): multipleOf, maximum, minimum."""
    errors: list[_Err] = []
    checked = _range_error(data, s, "Checked", path)
    if checked:
        errors.append(checked)
    native = isinstance(data, int)
    if s.multiple_of is not None:
        bad = _range_error(s.multiple_of, s, "MultipleOf", path)
        if bad:
            errors.append(bad)
        if native and not bad:
            # MultipleOfNativeType: an int64 value is checked against int64(factor).
            factor_int = int(s.multiple_of)
            if factor_int <= 0:
                message = f"factor MultipleOf declared for {path} must be positive: {factor_int}"
                errors.append(_Err("multipleOf", path, message, factor_int))
            elif data % factor_int != 0:
                message = f"{path} in {IN} should be a multiple of {factor_int}"
                errors.append(_Err("multipleOf", path, message, data))
        else:
            factor = float(s.multiple_of)
            number = float(data)
            if factor <= 0:
                shown = field.go_float(factor)
                message = f"factor MultipleOf declared for {path} must be positive: {shown}"
                errors.append(_Err("multipleOf", path, message, factor))
            else:
                mult = (1 / factor * number) if factor < 1 else (number / factor)
                if not mult.is_integer():
                    shown = field.go_float(factor)
                    message = f"{path} in {IN} should be a multiple of {shown}"
                    errors.append(_Err("multipleOf", path, message, data))
    if s.maximum is not None:
        bad = _range_error(s.maximum, s, "Maximum boundary", path)
        if bad:
            errors.append(bad)
        exclusive = s.exclusive_maximum
        bound: float | int = int(s.maximum) if native and not bad else float(s.maximum)
        value: float | int = data if native and not bad else float(data)
        if (not exclusive and value > bound) or (exclusive and value >= bound):
            word = "less than" if exclusive else "less than or equal to"
            shown = str(bound) if isinstance(bound, int) else field.go_float(bound)
            errors.append(_Err("maximum", path, f"{path} in {IN} should be {word} {shown}", data))
    if s.minimum is not None:
        bad = _range_error(s.minimum, s, "Minimum boundary", path)
        if bad:
            errors.append(bad)
        exclusive = s.exclusive_minimum
        bound = int(s.minimum) if native and not bad else float(s.minimum)
        value = data if native and not bad else float(data)
        if (not exclusive and value < bound) or (exclusive and value <= bound):
            word = "greater than" if exclusive else "greater than or equal to"
            shown = str(bound) if isinstance(bound, int) else field.go_float(bound)
            errors.append(_Err("minimum", path, f"{path} in {IN} should be {word} {shown}", data))
    return errors


def _validate_enum(s: Schema, data: Any, path: str) -> list[_Err]:
    """basicCommonValidator: the value must equal one of the enum values."""
    if not s.enum:
        return []
    for candidate in s.enum:
        if json_equal(data, candidate):
            return []
        if (
            isinstance(data, (int, float))
            and not isinstance(data, bool)
            and isinstance(candidate, (int, float))
            and not isinstance(candidate, bool)
            and float(data) == float(candidate)
            and (isinstance(candidate, float) or float(data).is_integer())
        ):
            return []
    message = f"{path} in {IN} should be one of [{' '.join(go_v(v) for v in s.enum)}]"
    return [_Err("enum", path, message, data, values=s.enum)]


def go_v(value: Any) -> str:
    """fmt's %v of a decoded JSON value."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return field.go_float(value)
    if isinstance(value, (int, str)):
        return str(value)
    if isinstance(value, list):
        return "[" + " ".join(go_v(v) for v in value) + "]"
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{go_v(v)}" for k, v in sorted(value.items())) + "]"
    return str(value)


class _Old:
    """The correlated old value of a node during an update (validation/ratcheting.go)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def _old_key(old: _Old | None, key: str, s: Schema) -> _Old | None:
    if old is None or not isinstance(old.value, dict) or key not in old.value:
        return None
    if s.child(key) is None:
        return None
    return _Old(old.value[key])


def _old_index(old: _Old | None, s: Schema, item: Any) -> _Old | None:
    """CorrelatedObject.Index: only list-type=map lists correlate (by their keys)."""
    if old is None or s.list_type != "map" or not isinstance(old.value, list):
        return None
    if not isinstance(item, dict):
        return None
    keys = s.list_map_keys
    for candidate in old.value:
        if isinstance(candidate, dict) and all(
            json_equal(candidate.get(k, MISSING), item.get(k, MISSING))
            if k in candidate or k in item
            else True
            for k in keys
        ):
            return _Old(candidate)
    return None


def _validate_node(s: Schema, data: Any, path: str, old: _Old | None) -> list[_Err]:
    """SchemaValidator.Validate for one node (with the ratcheting wrapper when ``old``)."""
    errors: list[_Err] = []
    if data is None:
        _add(errors, _validate_type(s, data, path))
        _add(errors, _validate_enum(s, data, path))
    else:
        kind = _json_kind(data)
        _add(errors, _validate_type(s, data, path))
        _add(errors, _validate_composition(s, data, path, old))
        if kind == "string":
            _add(errors, _validate_string(s, data, path))
            _add(errors, _validate_format(s, data, path))
        if kind in ("integer", "number"):
            _add(errors, _validate_number(s, data, path))
        if kind == "array":
            _add(errors, _validate_slice(s, data, path, old))
        _add(errors, _validate_enum(s, data, path))
        if kind == "object":
            _add(errors, _validate_object(s, data, path, old))
    if errors and old is not None and json_equal(data, old.value):
        return []  # ratcheting: an unchanged invalid value stays allowed
    return errors


def _validate_composition(s: Schema, data: Any, path: str, old: _Old | None) -> list[_Err]:
    """schemaPropsValidator (schema_props.go): anyOf, oneOf, allOf, not."""
    errors: list[_Err] = []
    quoted = field.go_quote(path)
    if s.any_of:
        best: list[_Err] | None = None
        ok = False
        for sub in s.any_of:
            result = _validate_node(sub, data, path, old)
            if not result:
                ok = True
                best = None
                break
            if best is None:
                best = result
        if not ok:
            _add(errors, [_Err(None, path, f"{quoted} must validate at least one schema (anyOf)")])
        if best:
            _add(errors, best)
    if s.one_of:
        validated = 0
        best = None
        for sub in s.one_of:
            result = _validate_node(sub, data, path, old)
            if not result:
                validated += 1
                best = None
                continue
            if validated == 0 and best is None:
                best = result
        if validated != 1:
            extra = (
                "Found none valid" if validated == 0 else f"Found {validated} valid alternatives"
            )
            message = f"{quoted} must validate one and only one schema (oneOf). {extra}"
            _add(errors, [_Err(None, path, message)])
            if best:
                _add(errors, best)
    if s.all_of:
        validated = 0
        for sub in s.all_of:
            result = _validate_node(sub, data, path, old)
            if not result:
                validated += 1
            _add(errors, result)
        if validated != len(s.all_of):
            extra = ". None validated" if validated == 0 else ""
            _add(
                errors, [_Err(None, path, f"{quoted} must validate all the schemas (allOf){extra}")]
            )
    if s.not_ is not None and not _validate_node(s.not_, data, path, old):
        _add(errors, [_Err(None, path, f"{quoted} must not validate the schema (not)")])
    return errors


def _validate_slice(s: Schema, data: list[Any], path: str, old: _Old | None) -> list[_Err]:
    errors: list[_Err] = []
    if s.items is not None:
        for i, item in enumerate(data):
            _add(errors, _validate_node(s.items, item, f"{path}[{i}]", _old_index(old, s, item)))
    size = len(data)
    if s.min_items is not None and size < s.min_items:
        message = f"{path} in {IN} should have at least {s.min_items} items"
        _add(errors, [_Err("minItems", path, message, size, s.min_items)])
    if s.max_items is not None and size > s.max_items:
        message = f"{path} in {IN} should have at most {s.max_items} items"
        _add(errors, [_Err("maxItems", path, message, size, s.max_items)])
    if s.unique_items:
        for i, item in enumerate(data):
            if any(json_equal(item, prior) for prior in data[:i]):
                message = f"{path} in {IN} shouldn't contain duplicates"
                _add(errors, [_Err("unique", path, message)])
                break
    return errors


def _validate_object(s: Schema, data: dict[str, Any], path: str, old: _Old | None) -> list[_Err]:
    errors: list[_Err] = []
    count = len(data)
    if s.min_properties is not None and count < s.min_properties:
        message = f"{path} in {IN} should have at least {s.min_properties} properties"
        _add(errors, [_Err("tooFewProperties", path, message, count, s.min_properties)])
    if s.max_properties is not None and count > s.max_properties:
        message = f"{path} in {IN} should have at most {s.max_properties} properties"
        _add(errors, [_Err("tooManyProperties", path, message, count, s.max_properties)])
    if s.additional_allows is False:
        for key in sorted(data):
            if key not in s.properties:
                message = f"{path}.{key} in {IN} is a forbidden property"
                _add(errors, [_Err("unallowedProperty", path, message, key)])
    elif s.additional is not None:
        for key in sorted(data):
            if key not in s.properties:
                child_old = _old_key(old, key, s)
                _add(errors, _validate_node(s.additional, data[key], f"{path}.{key}", child_old))
    for name in sorted(s.properties):
        if name in data:
            child_path = f"{path}.{name}" if path else name
            child_old = (
                _old_key(old, name, s) if (path or name not in ("kind", "apiVersion")) else None
            )
            _add(errors, _validate_node(s.properties[name], data[name], child_path, child_old))
    for name in s.required:
        if name not in data:
            _add(errors, [_Err("required", f"{path}.{name}", f"{path}.{name} in {IN} is required")])
    return errors


def _to_field_errors(errors: list[_Err], base: str | None) -> list[FieldError]:
    """kubeOpenAPIResultToFieldErrors."""
    out: list[FieldError] = []
    shown_base = "<nil>" if base is None else base
    for err in errors:
        if err.code is None:
            out.append(field.invalid(shown_base, "", err.message))
            continue
        name = err.name
        where = base
        if name and name != ".":
            child = name.lstrip(".") if name.startswith(".") else name
            where = f"{base}.{child}" if base else child
        path = "<nil>" if where is None else where
        if err.code == "required":
            out.append(field.required(path))
        elif err.code == "enum":
            values = [v if isinstance(v, str) else field.go_json(v) for v in err.values or []]
            out.append(field.not_supported(path, err.value, values))
        elif err.code == "tooLong":
            out.append(field.too_long(path, int(err.valid)))
        elif err.code in ("maxItems", "tooManyProperties"):
            out.append(field.too_many(path, int(err.value), int(err.valid)))
        elif err.code == "type":
            out.append(
                field.type_invalid(path, "" if err.value is None else err.value, err.message)
            )
        else:
            out.append(field.invalid(path, "" if err.value is None else err.value, err.message))
    return out


def validate(
    s: Schema | None, value: Any, base: str | None = None, old: Any = MISSING
) -> list[FieldError]:
    """Validate a decoded value against its schema (ratcheting against ``old`` if given)."""
    if s is None:
        return []
    correlated = None if old is MISSING else _Old(old)
    return _to_field_errors(_validate_node(s, value, "", correlated), base)


# -- pruning and defaulting --------------------------------------------------------------------

_META_FIELDS = ("apiVersion", "kind", "metadata")


def prune(obj: Any, s: Schema | None, root: bool = True) -> list[str]:
    """Remove fields the schema does not know; return their paths, sorted (pruning.Prune)."""
    unknown: list[str] = []
    _prune(obj, s, "", unknown, root_embedded=root)
    return sorted(unknown)


def _join(parent: str, key: str) -> str:
    return f"{parent}.{key}" if parent else key


def _prune(
    x: Any, s: Schema | None, path: str, unknown: list[str], root_embedded: bool = False
) -> None:
    if s is not None and s.preserve_unknown:
        _skip_prune(x, s, path, unknown, root_embedded)
        return
    embedded = root_embedded or (s is not None and s.embedded)
    if isinstance(x, dict):
        if s is None:
            for key in list(x):
                unknown.append(_join(path, key))
                del x[key]
            return
        for key in list(x):
            if embedded and key in _META_FIELDS:
                continue
            prop = s.properties.get(key)
            if prop is not None:
                _prune(x[key], prop, _join(path, key), unknown)
            elif s.additional_allows is not None:
                _prune(x[key], s.additional, _join(path, key), unknown)
            else:
                if key not in _META_FIELDS or path:
                    unknown.append(_join(path, key))
                del x[key]
    elif isinstance(x, list):
        item = s.items if s is not None else None
        for i, value in enumerate(x):
            _prune(value, item, f"{path}[{i}]", unknown)


def _skip_prune(x: Any, s: Schema, path: str, unknown: list[str], root_embedded: bool) -> None:
    embedded = root_embedded or s.embedded
    if isinstance(x, dict):
        for key in list(x):
            if embedded and key in _META_FIELDS:
                continue
            prop = s.properties.get(key)
            if prop is not None:
                _prune(x[key], prop, _join(path, key), unknown)
            elif s.additional_allows is not None:
                _prune(x[key], s.additional, _join(path, key), unknown)
    elif isinstance(x, list) and s.items is not None:
        for i, value in enumerate(x):
            _skip_prune(value, s.items, f"{path}[{i}]", unknown, False)


def prune_non_nullable_nulls(x: Any, s: Schema | None) -> None:
    """Drop ``null`` map values the schema does not allow and cannot default (prunenulls.go)."""
    if isinstance(x, dict):
        for key in list(x):
            child = s.child(key) if s is not None else None
            value = x[key]
            if (
                value is None
                and child is not None
                and not child.nullable
                and child.default is MISSING
            ):
                del x[key]
            else:
                prune_non_nullable_nulls(value, child)
    elif isinstance(x, list):
        item = s.items if s is not None else None
        for value in x:
            prune_non_nullable_nulls(value, item)


def _non_nullable_null(x: Any, s: Schema | None) -> bool:
    return x is None and s is not None and not s.nullable


def default(x: Any, s: Schema | None) -> None:
    """Fill in schema defaults, in place (defaulting/algorithm.go)."""
    if s is None:
        return
    if isinstance(x, dict):
        for key in sorted(s.properties):
            prop = s.properties[key]
            if prop.default is MISSING or prop.default is None:
                continue
            if key not in x or _non_nullable_null(x[key], prop):
                x[key] = copy.deepcopy(prop.default)
        for key in list(x):
            declared = s.properties.get(key)
            if declared is not None:
                default(x[key], declared)
            elif s.additional is not None:
                if _non_nullable_null(x[key], s.additional) and s.additional.default is not MISSING:
                    x[key] = copy.deepcopy(s.additional.default)
                default(x[key], s.additional)
    elif isinstance(x, list) and s.items is not None:
        for i in range(len(x)):
            if _non_nullable_null(x[i], s.items) and s.items.default is not MISSING:
                x[i] = copy.deepcopy(s.items.default)
            default(x[i], s.items)


# -- list types (listtype/validation.go) -------------------------------------------------------


def validate_list_sets_and_maps(s: Schema | None, obj: Any, path: str = "") -> list[FieldError]:
    """Duplicate entries of x-kubernetes-list-type=set|map lists."""
    if s is None or not isinstance(obj, dict):
        return []
    errors: list[FieldError] = []
    if s.additional is not None:
        for key in sorted(obj):
            errors.extend(_list_sets_value(s.additional, obj[key], field.path_key(path, key)))
    for key in sorted(obj):
        prop = s.properties.get(key)
        if prop is not None:
            errors.extend(_list_sets_value(prop, obj[key], field.path_child(path, key)))
    return errors


def _list_sets_value(s: Schema, value: Any, path: str) -> list[FieldError]:
    if isinstance(value, list):
        return _list_sets_array(s, value, path)
    if isinstance(value, dict):
        return validate_list_sets_and_maps(s, value, path)
    return []


def _hashable(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return ("compound", json.dumps(value, sort_keys=True, separators=(",", ":")))
    return (type(value).__name__, value)


def _non_unique(values: list[Any]) -> list[int]:
    """validateListSet: the index of each value's second occurrence."""
    if len(values) <= 1:
        return []
    seen: dict[Any, int] = {}
    indices: list[int] = []
    for i, value in enumerate(values):
        key = _hashable(value)
        times = seen.get(key, 0)
        seen[key] = times + 1
        if times == 1:
            indices.append(i)
    return indices


_UNSPECIFIED = ("unspecified", None)


def _list_sets_array(s: Schema, value: list[Any], path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    if s.list_type == "set":
        for i in _non_unique(value):
            errors.append(field.duplicate(field.path_index(path, i), value[i]))
    elif s.list_type == "map":
        errors.extend(_list_map(s, value, path))
    if s.items is not None:
        for i, item in enumerate(value):
            errors.extend(_list_sets_value(s.items, item, field.path_index(path, i)))
    return errors


def _list_map(s: Schema, value: list[Any], path: str) -> list[FieldError]:
    for i, item in enumerate(value):
        if item is not None and not isinstance(item, dict):
            return [
                field.invalid(
                    field.path_index(path, i),
                    item,
                    "must be an object for an array of list-type map",
                )
            ]
    if len(value) <= 1:
        return []
    keys: list[Any]
    if len(s.list_map_keys) == 1:
        key_field = s.list_map_keys[0]
        keys = [
            item[key_field] if isinstance(item, dict) and key_field in item else _UNSPECIFIED
            for item in value
        ]
        errors = []
        for i in _non_unique(keys):
            shown: Any = {} if keys[i] == _UNSPECIFIED else {key_field: keys[i]}
            errors.append(field.duplicate(field.path_index(path, i), shown))
        return errors
    keys = [
        {k: item[k] for k in s.list_map_keys if k in item} if isinstance(item, dict) else {}
        for item in value
    ]
    return [field.duplicate(field.path_index(path, i), keys[i]) for i in _non_unique(keys)]
