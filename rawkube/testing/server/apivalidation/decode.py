"""Decoding a request body into its kind's Go type, as kube-apiserver's JSON serializer does.

kube-apiserver (k8s.io/apimachinery/pkg/runtime/serializer/json) decodes a body with
sigs.k8s.io/json (a fork of encoding/json: case-sensitive, ints preserved, strict-mode errors)
into the Go struct of the kind. A value that does not fit its Go type fails the request with 400
``<Kind> in version "<v>" cannot be handled as a <Kind>: <error>``, where the error is the first
one the decoder met (encoding/json keeps decoding after a type error and reports the first), or
the one a custom UnmarshalJSON returned (Quantity, IntOrString, Time: those stop the decoder).
Unknown and duplicate fields are collected as strict errors (``unknown field "spec.x"``,
``duplicate field "data.a"``), in document order, reported only when decoding succeeded.

`decode_body` walks the parsed JSON against the Go type table of data/gotypes.json.gz (made by
scripts/gen_gotypes.py from the 1.36 sources), so the messages name the same Go structs, field
paths and Go types as the real server's.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources as importlib_resources
from typing import Any

from rawkube.testing.server.apivalidation.goparse import (
    RFC3339,
    RFC3339_MICRO,
    QuantityError,
    base64_error,
    go_quote,
    parse_quantity,
    parse_time_error,
)

_INT_BITS = {"int": 64, "int8": 8, "int16": 16, "int32": 32, "int64": 64}
_UINT_BITS = {"uint": 64, "uint8": 8, "uint16": 16, "uint32": 32, "uint64": 64}
_MAX_STRICT = 100  # sigs.k8s.io/json stops collecting strict errors after 100


class GoType:
    """One Go type: its kind, reflect name (``v1.RestartPolicy``, ``[]v1.Container``) and parts."""

    __slots__ = ("kind", "name", "fields", "elem", "key", "bits", "short")

    def __init__(self, kind: str, name: str) -> None:
        self.kind = kind  # struct slice map ptr string bool int uint float any + special kinds
        self.name = name
        self.short = name.rsplit(".", 1)[-1]  # reflect Type.Name(): the struct name in errors
        # json name -> (type, Go names of the inline structs on the way)
        self.fields: dict[str, tuple[GoType, tuple[str, ...]]] = {}
        self.elem: GoType | None = None
        self.key: GoType | None = None
        self.bits = 0


class _Table:
    def __init__(self, doc: dict[str, Any]) -> None:
        self.roots: dict[str, str] = doc["roots"]
        self.raw: dict[str, Any] = doc["types"]
        self.compiled: dict[str, GoType] = {}

    def resolve(self, ref: Any) -> GoType:
        if isinstance(ref, list):
            op = ref[0]
            if op == "[]":
                elem = self.resolve(ref[1])
                t = GoType("slice", "[]" + elem.name)
                t.elem = elem
            elif op == "*":
                elem = self.resolve(ref[1])
                t = GoType("ptr", "*" + elem.name)
                t.elem = elem
            else:
                key, elem = self.resolve(ref[1]), self.resolve(ref[2])
                t = GoType("map", f"map[{key.name}]{elem.name}")
                t.key, t.elem = key, elem
            return t
        if ref in self.compiled:
            return self.compiled[ref]
        if ref in _INT_BITS:
            t = GoType("int", ref)
            t.bits = _INT_BITS[ref]
        elif ref in _UINT_BITS:
            t = GoType("uint", ref)
            t.bits = _UINT_BITS[ref]
        elif ref in ("float32", "float64"):
            t = GoType("float", ref)
            t.bits = 32 if ref == "float32" else 64
        elif ref in ("string", "bool", "any"):
            t = GoType(ref, "interface {}" if ref == "any" else ref)
        else:
            entry = self.raw[ref]
            kind = entry["k"]
            if kind == "struct":
                t = GoType("struct", entry["n"])
                self.compiled[ref] = t  # before the fields: types may be recursive
                for jname, fref, via, *_rest in entry["f"]:
                    t.fields[jname] = (self.resolve(fref), tuple(via))
                return t
            if kind == "named":
                under = self.resolve(entry["u"])
                t = GoType(under.kind, entry["n"])
                t.elem, t.key, t.bits, t.fields = under.elem, under.key, under.bits, under.fields
            else:  # quantity, intorstring, time, microtime, duration, raw
                t = GoType(kind, entry["n"])
        self.compiled[ref] = t
        return t


@lru_cache(maxsize=1)
def _table() -> _Table:
    path = importlib_resources.files("rawkube.testing.server") / "data" / "gotypes.json.gz"
    return _Table(json.loads(gzip.decompress(path.read_bytes())))


def go_type(api_version: str, kind: str) -> GoType | None:
    """The Go type a kind's body decodes into (None for kinds we have no table for: CRDs)."""
    table = _table()
    ref = table.roots.get(f"{api_version}/{kind}")
    return table.resolve(ref) if ref else None


# -- parsing that keeps what Python's json drops -----------------------------------------------


class Pairs(list[Any]):
    """A JSON object as its (key, value) pairs in document order, duplicates included."""


class FloatLiteral(float):
    """A JSON number with a fraction or exponent, remembering its literal text (``1e3``)."""

    text: str

    def __new__(cls, text: str) -> FloatLiteral:
        self = super().__new__(cls, text)
        self.text = text
        return self


def parse_exact(raw: bytes | str) -> Any:
    """json.loads keeping duplicate keys (`Pairs`) and number literals (`FloatLiteral`)."""
    return json.loads(raw, object_pairs_hook=Pairs, parse_float=FloatLiteral)


# -- the walk ----------------------------------------------------------------------------------


@dataclass
class DecodeResult:
    error: str | None = None  # the decoding error (a 400), None when the body fits
    strict: list[str] = field(default_factory=list)  # 'unknown field "x"', 'duplicate field "y"'


class _Abort(Exception):
    pass


def _describe(value: Any) -> str:
    if isinstance(value, (dict, Pairs)):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "bool"
    return "number"


def _literal(value: Any) -> str:
    if isinstance(value, FloatLiteral):
        return value.text
    if isinstance(value, float):
        return repr(value) if not value.is_integer() else f"{value:.1f}".rstrip("0") + "0"
    return str(value)


def _items(value: Any) -> Any:
    return value if isinstance(value, Pairs) else value.items()


class _Decoder:
    def __init__(self) -> None:
        self.error: str | None = None
        self.strict: list[str] = []
        self._seen: set[str] = set()

    # errors
    def type_error(self, what: str, type_name: str, struct: str, stack: tuple[str, ...]) -> None:
        if self.error is None:
            self.error = self._type_message(what, type_name, struct, stack)

    @staticmethod
    def _type_message(what: str, type_name: str, struct: str, stack: tuple[str, ...]) -> str:
        where = f"Go struct field {struct}.{'.'.join(stack)}" if struct or stack else "Go value"
        return f"json: cannot unmarshal {what} into {where} of type {type_name}"

    def strict_error(self, kind: str, path: str) -> None:
        text = f"{kind} {go_quote(path)}"
        if len(self.strict) < _MAX_STRICT and text not in self._seen:
            self._seen.add(text)
            self.strict.append(text)

    # values
    def walk(self, value: Any, t: GoType, struct: str, stack: tuple[str, ...], path: str) -> None:
        kind = t.kind
        if kind == "ptr":
            if value is None:
                return
            assert t.elem is not None
            self.walk(value, t.elem, struct, stack, path)
            return
        if kind in _SPECIAL:
            _SPECIAL[kind](self, value, t, struct, stack)
            return
        if value is None:
            return
        if kind == "struct":
            if not isinstance(value, (dict, Pairs)):
                self.type_error(_describe(value), t.name, struct, stack)
                return
            seen: set[str] = set()
            for key, item in _items(value):
                sub = f"{path}.{key}" if path else key
                entry = t.fields.get(key)
                if entry is None:
                    self.strict_error("unknown field", sub)
                    self.walk_any(item, sub)
                    continue
                if key in seen:
                    self.strict_error("duplicate field", sub)
                seen.add(key)
                ftype, via = entry
                self.walk(item, ftype, t.short, (*stack, *via, key), sub)
        elif kind == "map":
            if not isinstance(value, (dict, Pairs)):
                self.type_error(_describe(value), t.name, struct, stack)
                return
            assert t.elem is not None
            seen = set()
            for key, item in _items(value):
                sub = f"{path}.{key}" if path else key
                if key in seen:
                    self.strict_error("duplicate field", sub)
                seen.add(key)
                self.walk(item, t.elem, struct, stack, sub)
        elif kind == "slice":
            assert t.elem is not None
            if isinstance(value, str) and t.elem.kind == "uint" and t.elem.bits == 8:
                problem = base64_error(value.encode())
                if problem and self.error is None:
                    self.error = problem
                return
            if not isinstance(value, list):
                self.type_error(_describe(value), t.name, struct, stack)
                return
            for index, item in enumerate(value):
                self.walk(item, t.elem, struct, stack, f"{path}[{index}]")
        elif kind == "string":
            if not isinstance(value, str):
                self.type_error(_describe(value), t.name, struct, stack)
        elif kind == "bool":
            if not isinstance(value, bool):
                self.type_error(_describe(value), t.name, struct, stack)
        elif kind in ("int", "uint", "float"):
            self.number(value, t, struct, stack)
        elif kind == "any":
            self.walk_any(value, path)

    def number(self, value: Any, t: GoType, struct: str, stack: tuple[str, ...]) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.type_error(_describe(value), t.name, struct, stack)
            return
        if t.kind == "float":
            limit = 3.4028234663852886e38 if t.bits == 32 else float("inf")
            if abs(float(value)) > limit:
                self.type_error(f"number {_literal(value)}", t.name, struct, stack)
            return
        if isinstance(value, float):
            self.type_error(f"number {_literal(value)}", t.name, struct, stack)
            return
        if t.kind == "int":
            low, high = -(1 << (t.bits - 1)), (1 << (t.bits - 1)) - 1
        else:
            low, high = 0, (1 << t.bits) - 1
        if not low <= value <= high:
            self.type_error(f"number {_literal(value)}", t.name, struct, stack)

    def walk_any(self, value: Any, path: str) -> None:
        """An interface{} value (or an unknown field's): only duplicate keys are errors."""
        if isinstance(value, Pairs):
            seen: set[str] = set()
            for key, item in value:
                sub = f"{path}.{key}" if path else key
                if key in seen:
                    self.strict_error("duplicate field", sub)
                seen.add(key)
                self.walk_any(item, sub)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                self.walk_any(item, f"{path}[{index}]")

    # custom UnmarshalJSON implementations: their errors stop the decoder
    def abort(self, message: str) -> None:
        self.error = message
        raise _Abort

    def abort_type(self, what: str, type_name: str, struct: str, stack: tuple[str, ...]) -> None:
        """A type error from a json.Unmarshal inside UnmarshalJSON: the decoder adds its
        struct/field context (sigs.k8s.io/json addErrorContext)."""
        self.abort(self._type_message(what, type_name, struct, stack))


def _quantity(d: _Decoder, value: Any, t: GoType, struct: str, stack: tuple[str, ...]) -> None:
    # resource.Quantity.UnmarshalJSON: the bytes between quotes, or the raw JSON otherwise.
    if value is None:
        return
    if isinstance(value, str):
        text = value
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (int, float)):
        text = _literal(value)
    else:
        text = "{" if isinstance(value, (dict, Pairs)) else "["
    try:
        parse_quantity(text.strip())
    except QuantityError as exc:
        d.abort(str(exc))


def _int_or_string(d: _Decoder, value: Any, t: GoType, struct: str, stack: tuple[str, ...]) -> None:
    # intstr.IntOrString.UnmarshalJSON: a string, else json.Unmarshal into an int32.
    if value is None or isinstance(value, str):
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        d.abort_type(_describe(value), "int32", struct, stack)
    if isinstance(value, float) or not -(1 << 31) <= value < (1 << 31):
        d.abort_type(f"number {_literal(value)}", "int32", struct, stack)


def _time(layout: str) -> Any:
    def check(d: _Decoder, value: Any, t: GoType, struct: str, stack: tuple[str, ...]) -> None:
        # metav1.Time/MicroTime.UnmarshalJSON: null, or a string time.Parse accepts.
        if value is None:
            return
        if not isinstance(value, str):
            d.abort_type(_describe(value), "string", struct, stack)
        problem = parse_time_error(layout, value)
        if problem:
            d.abort(problem)

    return check


def _duration(d: _Decoder, value: Any, t: GoType, struct: str, stack: tuple[str, ...]) -> None:
    if value is not None and not isinstance(value, str):
        d.abort_type(_describe(value), "string", struct, stack)


def _raw(d: _Decoder, value: Any, t: GoType, struct: str, stack: tuple[str, ...]) -> None:
    return  # RawExtension, FieldsV1, apiextensions JSON: any JSON is kept as it is


_SPECIAL = {
    "quantity": _quantity,
    "intorstring": _int_or_string,
    "time": _time(RFC3339),
    "microtime": _time(RFC3339_MICRO),
    "duration": _duration,
    "raw": _raw,
}


def decode_body(t: GoType, body: Any) -> DecodeResult:
    """Decode ``body`` (parsed JSON: plain or from `parse_exact`) into the Go type ``t``."""
    d = _Decoder()
    try:
        d.walk(body, t, "", (), "")
    except _Abort:
        pass
    return DecodeResult(d.error, d.strict if d.error is None else [])


def strip_exact(value: Any) -> Any:
    """`parse_exact` output -> plain JSON values (the last of duplicate keys wins, as in Go)."""
    if isinstance(value, Pairs):
        return {k: strip_exact(v) for k, v in value}
    if isinstance(value, list):
        return [strip_exact(v) for v in value]
    if isinstance(value, FloatLiteral):
        return float(value)
    return value
