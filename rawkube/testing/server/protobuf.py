"""Decoding request bodies in the Kubernetes protobuf encoding (reading only; we answer in JSON).

Since client-go 1.31 the typed clients of built-in types send ``application/vnd.kubernetes.protobuf``
(kubectl create namespace / deployment / configmap ...). The encoding
(k8s.io/apimachinery/pkg/runtime/serializer/protobuf) is a 4-byte magic ``k8s\\0`` followed by a
``runtime.Unknown`` message whose ``typeMeta`` names the kind and whose ``raw`` bytes are the object's
own message. Field numbers come from the generated.proto files (``data/protobuf.json.gz``, built by
``_build_data.build_protobuf_table``).

Protobuf cannot tell "absent" from "zero" for the non-pointer Go fields, so, like a JSON encoder
with ``omitempty``, empty strings, empty lists/maps and empty messages are dropped; numbers and
booleans are kept.
"""

from __future__ import annotations

import base64
import json
import struct
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from rawkube.testing.server.errors import APIError
from rawkube.testing.server.resources import load_data

MAGIC = b"k8s\x00"
CONTENT_TYPE = "application/vnd.kubernetes.protobuf"
META = "k8s.io.apimachinery.pkg.apis.meta.v1."
_UNKNOWN = "k8s.io.apimachinery.pkg.runtime.Unknown"


@lru_cache(maxsize=1)
def _table() -> dict[str, list[list[Any]]]:
    table: dict[str, list[list[Any]]] = load_data("protobuf.json.gz")
    return table


@lru_cache(maxsize=1024)
def _fields(message: str) -> dict[int, tuple[str, str, str]]:
    return {number: (name, kind, label) for number, name, kind, label in _table().get(message, [])}


def _bad(message: str) -> APIError:
    return APIError(400, "BadRequest", f"unable to decode protobuf body: {message}")


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data):
            raise _bad("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _fields_of(data: bytes) -> list[tuple[int, int, Any]]:
    """(field number, wire type, raw value) triples of one message."""
    out = []
    pos = 0
    while pos < len(data):
        value: Any
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 2:
            length, pos = _varint(data, pos)
            value, pos = data[pos : pos + length], pos + length
        elif wire == 1:
            value, pos = data[pos : pos + 8], pos + 8
        elif wire == 5:
            value, pos = data[pos : pos + 4], pos + 4
        else:
            raise _bad(f"unsupported wire type {wire}")
        out.append((number, wire, value))
    return out


def _signed(value: int, bits: int) -> int:
    return value - (1 << bits) if value >= 1 << (bits - 1) else value


def _scalar(kind: str, wire: int, value: Any) -> Any:
    if kind == "string":
        return bytes(value).decode("utf-8")
    if kind == "bytes":
        return base64.b64encode(bytes(value)).decode()  # []byte is base64 in JSON
    if kind == "bool":
        return bool(value)
    if kind in ("int32", "int64"):
        return _signed(value, 64)
    if kind in ("uint32", "uint64"):
        return value
    if kind == "double":
        return float(struct.unpack("<d", value)[0])
    if kind == "float":
        return float(struct.unpack("<f", value)[0])
    raise _bad(f"unknown scalar type {kind}")


def _special(kind: str, data: bytes) -> tuple[bool, Any]:
    """Types whose JSON form is not their message form (custom marshallers in Go)."""
    if kind in (META + "Time", META + "MicroTime"):
        fields = {n: v for n, _, v in _fields_of(data)}
        seconds = _signed(fields.get(1, 0), 64)
        if not seconds and not fields.get(2):
            return True, None
        moment = datetime.fromtimestamp(seconds, timezone.utc)
        return True, moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    if kind == "k8s.io.apimachinery.pkg.api.resource.Quantity":
        fields = {n: v for n, _, v in _fields_of(data)}
        return True, bytes(fields.get(1, b"")).decode()
    if kind == "k8s.io.apimachinery.pkg.util.intstr.IntOrString":
        fields = {n: v for n, _, v in _fields_of(data)}
        if fields.get(1, 0) == 1:
            return True, bytes(fields.get(3, b"")).decode()
        return True, _signed(fields.get(2, 0), 64)
    if kind in ("k8s.io.apimachinery.pkg.runtime.RawExtension", META + "FieldsV1"):
        fields = {n: v for n, _, v in _fields_of(data)}
        raw = bytes(fields.get(1, b""))
        return True, json.loads(raw) if raw else None
    if kind == META + "Duration":
        fields = {n: v for n, _, v in _fields_of(data)}
        return True, f"{_signed(fields.get(1, 0), 64) / 1e9:g}s"
    return False, None


def decode_message(data: bytes, message: str) -> dict[str, Any]:
    """One message as a JSON-style dict (field names are the proto names: the JSON names)."""
    fields = _fields(message)
    out: dict[str, Any] = {}
    for number, wire, raw in _fields_of(data):
        if number not in fields:
            continue  # a field newer than our table: skipped, as an old server would
        name, kind, label = fields[number]
        value = _value(kind, wire, raw)
        if kind.startswith("map<"):
            key, item = value
            out.setdefault(name, {})[key] = item
        elif label == "repeated":
            out.setdefault(name, []).append(value)
        else:
            out[name] = value
    in_meta = message == META + "ObjectMeta"
    return {k: v for k, v in out.items() if not _omitted(v, in_meta)}


def _omitted(value: Any, in_meta: bool) -> bool:
    """omitempty, as far as protobuf lets us know: empty strings, lists, maps and messages.
    In ObjectMeta also zero numbers (generation 0: server-set, never meaningful in a request)."""
    if value is None or (isinstance(value, (str, list, dict)) and not value):
        return True
    return in_meta and type(value) is int and value == 0


def _value(kind: str, wire: int, raw: Any) -> Any:
    if kind.startswith("map<"):
        key_kind, value_kind = kind[4:-1].split(",")
        entry = {n: (w, v) for n, w, v in _fields_of(bytes(raw))}
        key = _value(key_kind, *entry[1]) if 1 in entry else ""
        item = _value(value_kind, *entry[2]) if 2 in entry else ""
        return key, item
    if "." not in kind:
        return _scalar(kind, wire, raw)
    handled, value = _special(kind, bytes(raw))
    if handled:
        return value
    return decode_message(bytes(raw), kind)


def _package(api_version: str) -> str:
    group, _, version = api_version.rpartition("/")
    if not group:
        return f"k8s.io.api.core.{version}"
    return f"k8s.io.api.{group.split('.')[0]}.{version}"


def decode(body: bytes) -> dict[str, Any]:
    """A protobuf-encoded request body as the object dict a JSON body would have given."""
    if not body.startswith(MAGIC):
        raise _bad("missing the k8s protobuf magic prefix")
    envelope = decode_message(body[len(MAGIC) :], _UNKNOWN)
    type_meta = envelope.get("typeMeta") or {}
    api_version, kind = type_meta.get("apiVersion", ""), type_meta.get("kind", "")
    message = f"{_package(api_version)}.{kind}"
    if message not in _table():
        raise APIError(
            415,
            "UnsupportedMediaType",
            f"the body of the request was in an unknown format - accepted media types include: "
            f"application/json, application/yaml ({api_version} {kind} has no protobuf form here)",
        )
    raw = base64.b64decode(envelope.get("raw", ""))
    return {"apiVersion": api_version, "kind": kind, **decode_message(raw, message)}


# -- encoding (answers to clients that accept only protobuf, recording 034) -----------------------


def _key(number: int, wire: int) -> bytes:
    return _put_varint(number << 3 | wire)


def _put_varint(value: int) -> bytes:
    value &= (1 << 64) - 1  # negative numbers: two's complement, as Go writes them
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _length_delimited(number: int, data: bytes) -> bytes:
    return _key(number, 2) + _put_varint(len(data)) + data


def _encode_special(kind: str, value: Any) -> bytes | None:
    """Inverse of `_special`; None if ``kind`` is an ordinary message."""
    if kind in (META + "Time", META + "MicroTime"):
        moment = datetime.strptime(str(value)[:19], "%Y-%m-%dT%H:%M:%S").replace(
            tzinfo=timezone.utc
        )
        return _key(1, 0) + _put_varint(int(moment.timestamp())) + _key(2, 0) + _put_varint(0)
    if kind == "k8s.io.apimachinery.pkg.api.resource.Quantity":
        return _length_delimited(1, str(value).encode())
    if kind == "k8s.io.apimachinery.pkg.util.intstr.IntOrString":
        if isinstance(value, str):
            return _key(1, 0) + _put_varint(1) + _length_delimited(3, value.encode())
        return _key(1, 0) + _put_varint(0) + _key(2, 0) + _put_varint(int(value))
    if kind in ("k8s.io.apimachinery.pkg.runtime.RawExtension", META + "FieldsV1"):
        return _length_delimited(1, json.dumps(value, separators=(",", ":")).encode())
    if kind == META + "Duration":
        return _key(1, 0) + _put_varint(int(float(str(value).rstrip("s")) * 1e9))
    return None


def _encode_value(number: int, kind: str, value: Any) -> bytes:
    if kind == "string":
        return _length_delimited(number, str(value).encode())
    if kind == "bytes":
        return _length_delimited(number, base64.b64decode(value))
    if kind == "bool":
        return _key(number, 0) + _put_varint(1 if value else 0)
    if kind in ("int32", "int64", "uint32", "uint64"):
        return _key(number, 0) + _put_varint(int(value))
    if kind == "double":
        return _key(number, 1) + struct.pack("<d", float(value))
    if kind == "float":
        return _key(number, 5) + struct.pack("<f", float(value))
    if kind.startswith("map<"):
        key_kind, value_kind = kind[4:-1].split(",")
        return b"".join(
            _length_delimited(
                number, _encode_value(1, key_kind, k) + _encode_value(2, value_kind, v)
            )
            for k, v in value.items()
        )
    special = _encode_special(kind, value)
    if special is not None:
        return _length_delimited(number, special)
    return _length_delimited(number, encode_message(value, kind))


def encode_message(obj: dict[str, Any], message: str) -> bytes:
    """One message's bytes, fields in number order; JSON fields with no proto field are lost."""
    out = bytearray()
    for number, (name, kind, label) in sorted(_fields(message).items()):
        value = obj.get(name)
        if value is None:
            continue
        if label == "repeated" and not kind.startswith("map<"):
            for item in value:
                out += _encode_value(number, kind, item)
        else:
            out += _encode_value(number, kind, value)
    return bytes(out)


def can_encode(api_version: str, kind: str) -> bool:
    return f"{_package(api_version)}.{kind}" in _table()


def encode(obj: dict[str, Any]) -> bytes:
    """An object in the Kubernetes protobuf encoding (magic + runtime.Unknown envelope)."""
    api_version, kind = str(obj.get("apiVersion", "")), str(obj.get("kind", ""))
    raw = encode_message(obj, f"{_package(api_version)}.{kind}")
    type_meta = _length_delimited(1, api_version.encode()) + _length_delimited(2, kind.encode())
    envelope = (
        _length_delimited(1, type_meta)
        + _length_delimited(2, raw)
        + _length_delimited(3, b"")
        + _length_delimited(4, b"")
    )
    return MAGIC + envelope
