"""GET /openapi/v2 in protobuf: ``application/com.github.proto-openapi.spec.v2@v1.0+protobuf``.

kubectl asks for the OpenAPI v2 document in this form (client-go discovery ``OpenAPISchema``; e.g.
``kubectl apply`` of a ``kind: List``) and parses the answer with ``proto.Unmarshal`` into gnostic's
``openapi.v2.Document``. kube-apiserver builds it from its JSON document the way gnostic does
(kube-openapi pkg/handler/handler.go ``ToProtoBinary`` -> gnostic-models openapiv2
``ParseDocument``, whose compiler ``OpenAPIv2.go`` maps each JSON object to a message; field
numbers from ``OpenAPIv2.proto``). This module does the same mapping, so that the bytes equal the
real server's for the same JSON (tests/testing/server/test_server_protobuf.py checks it against a recording).

proto3: zero scalars are not written; a present object is written even when empty; objects are
lists of named entries in the JSON's key order (gnostic keeps yaml.Node order). Values of
vendor extensions, ``default``, ``enum`` and ``example`` are gnostic ``Any`` messages holding
YAML text, as go-yaml v3 writes a node with its styles cleared (gnostic compiler/helpers.go
``Marshal``).
"""

from __future__ import annotations

import json
import re
import struct
from functools import lru_cache
from typing import Any

CONTENT_TYPE = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
# What clients ask for (client-go openapi_v2 mime type); the server answers with the dotted form.
ACCEPT_TYPES = (
    "application/com.github.proto-openapi.spec.v2@v1.0+protobuf",
    "application/com.github.proto-openapi.spec.v2.v1.0+protobuf",
)


# -- the proto3 writer ---------------------------------------------------------------------------


def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1
    out = bytearray()
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _bytes_field(number: int, data: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(data)) + data


def _string(number: int, value: Any) -> bytes:
    return _bytes_field(number, str(value).encode()) if value not in (None, "") else b""


def _bool(number: int, value: Any) -> bytes:
    return _varint(number << 3) + b"\x01" if value is True else b""


def _int(number: int, value: Any) -> bytes:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value:
        return b""
    return _varint(number << 3) + _varint(int(value))


def _double(number: int, value: Any) -> bytes:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value:
        return b""
    return _varint(number << 3 | 1) + struct.pack("<d", float(value))


def _strings(number: int, value: Any) -> bytes:
    items = value if isinstance(value, list) else [value]
    return b"".join(_bytes_field(number, str(v).encode()) for v in items)


# -- messages ------------------------------------------------------------------------------------
#
# name -> {JSON key: (field number, how)}; "x-" gathers the vendor extensions (repeated NamedAny).
# `how` is a scalar writer, a message name, ("repeated", message) or a special handler.

_PRIMITIVE = {  # the fields shared by the parameter sub-schemas, Header and PrimitivesItems
    "type": _string,
    "format": _string,
    "items": "PrimitivesItems",
    "collectionFormat": _string,
    "default": "Any",
    "maximum": _double,
    "exclusiveMaximum": _bool,
    "minimum": _double,
    "exclusiveMinimum": _bool,
    "maxLength": _int,
    "minLength": _int,
    "pattern": _string,
    "maxItems": _int,
    "minItems": _int,
    "uniqueItems": _bool,
    "enum": ("repeated", "Any"),
    "multipleOf": _double,
}


def _numbered(*names: str, table: dict[str, Any] | None = None) -> dict[str, tuple[int, Any]]:
    table = table or {}
    return {name: (number, table[name]) for number, name in enumerate(names, start=1)}


def _parameter_sub_schema(first: tuple[str, ...]) -> dict[str, tuple[int, Any]]:
    common = {"required": _bool, "in": _string, "description": _string, "name": _string}
    common["allowEmptyValue"] = _bool
    names = first + tuple(_PRIMITIVE) + ("x-",)
    return _numbered(*names, table={**common, **_PRIMITIVE, "x-": "x-"})


MESSAGES: dict[str, dict[str, tuple[int, Any]]] = {
    "Document": _numbered(
        "swagger",
        "info",
        "host",
        "basePath",
        "schemes",
        "consumes",
        "produces",
        "paths",
        "definitions",
        "parameters",
        "responses",
        "security",
        "securityDefinitions",
        "tags",
        "externalDocs",
        "x-",
        table={
            "swagger": _string,
            "info": "Info",
            "host": _string,
            "basePath": _string,
            "schemes": _strings,
            "consumes": _strings,
            "produces": _strings,
            "paths": "Paths",
            "definitions": "Definitions",
            "parameters": "ParameterDefinitions",
            "responses": "ResponseDefinitions",
            "security": ("repeated", "SecurityRequirement"),
            "securityDefinitions": "SecurityDefinitions",
            "tags": ("repeated", "Tag"),
            "externalDocs": "ExternalDocs",
            "x-": "x-",
        },
    ),  # fmt: skip
    "Info": _numbered(
        "title",
        "version",
        "description",
        "termsOfService",
        "contact",
        "license",
        "x-",
        table={
            "title": _string,
            "version": _string,
            "description": _string,
            "termsOfService": _string,
            "contact": "Contact",
            "license": "License",
            "x-": "x-",
        },
    ),  # fmt: skip
    "Contact": _numbered(
        "name",
        "url",
        "email",
        "x-",
        table={"name": _string, "url": _string, "email": _string, "x-": "x-"},
    ),
    "License": _numbered("name", "url", "x-", table={"name": _string, "url": _string, "x-": "x-"}),
    "ExternalDocs": _numbered(
        "description", "url", "x-", table={"description": _string, "url": _string, "x-": "x-"}
    ),
    "Tag": _numbered(
        "name",
        "description",
        "externalDocs",
        "x-",
        table={"name": _string, "description": _string, "externalDocs": "ExternalDocs", "x-": "x-"},
    ),  # fmt: skip
    "PathItem": _numbered(
        "$ref",
        "get",
        "put",
        "post",
        "delete",
        "options",
        "head",
        "patch",
        "parameters",
        "x-",
        table={
            "$ref": _string,
            "get": "Operation",
            "put": "Operation",
            "post": "Operation",
            "delete": "Operation",
            "options": "Operation",
            "head": "Operation",
            "patch": "Operation",
            "parameters": ("repeated", "ParametersItem"),
            "x-": "x-",
        },
    ),  # fmt: skip
    "Operation": _numbered(
        "tags",
        "summary",
        "description",
        "externalDocs",
        "operationId",
        "produces",
        "consumes",
        "parameters",
        "responses",
        "schemes",
        "deprecated",
        "security",
        "x-",
        table={
            "tags": _strings,
            "summary": _string,
            "description": _string,
            "externalDocs": "ExternalDocs",
            "operationId": _string,
            "produces": _strings,
            "consumes": _strings,
            "parameters": ("repeated", "ParametersItem"),
            "responses": "Responses",
            "schemes": _strings,
            "deprecated": _bool,
            "security": ("repeated", "SecurityRequirement"),
            "x-": "x-",
        },
    ),  # fmt: skip
    "BodyParameter": _numbered(
        "description",
        "name",
        "in",
        "required",
        "schema",
        "x-",
        table={
            "description": _string,
            "name": _string,
            "in": _string,
            "required": _bool,
            "schema": "Schema",
            "x-": "x-",
        },
    ),  # fmt: skip
    "HeaderParameterSubSchema": _parameter_sub_schema(("required", "in", "description", "name")),
    "FormDataParameterSubSchema": _parameter_sub_schema(
        ("required", "in", "description", "name", "allowEmptyValue")
    ),
    "QueryParameterSubSchema": _parameter_sub_schema(
        ("required", "in", "description", "name", "allowEmptyValue")
    ),
    "PathParameterSubSchema": _parameter_sub_schema(("required", "in", "description", "name")),
    "PrimitivesItems": _numbered(*_PRIMITIVE, "x-", table={**_PRIMITIVE, "x-": "x-"}),
    "Header": _numbered(
        *_PRIMITIVE, "description", "x-", table={**_PRIMITIVE, "description": _string, "x-": "x-"}
    ),
    "Response": _numbered(
        "description",
        "schema",
        "headers",
        "examples",
        "x-",
        table={
            "description": _string,
            "schema": "SchemaItem",
            "headers": "Headers",
            "examples": "Examples",
            "x-": "x-",
        },
    ),  # fmt: skip
    "Schema": _numbered(
        "$ref",
        "format",
        "title",
        "description",
        "default",
        "multipleOf",
        "maximum",
        "exclusiveMaximum",
        "minimum",
        "exclusiveMinimum",
        "maxLength",
        "minLength",
        "pattern",
        "maxItems",
        "minItems",
        "uniqueItems",
        "maxProperties",
        "minProperties",
        "required",
        "enum",
        "additionalProperties",
        "type",
        "items",
        "allOf",
        "properties",
        "discriminator",
        "readOnly",
        "xml",
        "externalDocs",
        "example",
        "x-",
        table={
            "$ref": _string,
            "format": _string,
            "title": _string,
            "description": _string,
            "default": "Any",
            "multipleOf": _double,
            "maximum": _double,
            "exclusiveMaximum": _bool,
            "minimum": _double,
            "exclusiveMinimum": _bool,
            "maxLength": _int,
            "minLength": _int,
            "pattern": _string,
            "maxItems": _int,
            "minItems": _int,
            "uniqueItems": _bool,
            "maxProperties": _int,
            "minProperties": _int,
            "required": _strings,
            "enum": ("repeated", "Any"),
            "additionalProperties": "AdditionalPropertiesItem",
            "type": "TypeItem",
            "items": "ItemsItem",
            "allOf": ("repeated", "Schema"),
            "properties": "Properties",
            "discriminator": _string,
            "readOnly": _bool,
            "xml": "Xml",
            "externalDocs": "ExternalDocs",
            "example": "Any",
            "x-": "x-",
        },
    ),  # fmt: skip
    "FileSchema": _numbered(
        "format",
        "title",
        "description",
        "default",
        "required",
        "type",
        "readOnly",
        "externalDocs",
        "example",
        "x-",
        table={
            "format": _string,
            "title": _string,
            "description": _string,
            "default": "Any",
            "required": _strings,
            "type": _string,
            "readOnly": _bool,
            "externalDocs": "ExternalDocs",
            "example": "Any",
            "x-": "x-",
        },
    ),  # fmt: skip
    "Xml": _numbered(
        "name",
        "namespace",
        "prefix",
        "attribute",
        "wrapped",
        "x-",
        table={
            "name": _string,
            "namespace": _string,
            "prefix": _string,
            "attribute": _bool,
            "wrapped": _bool,
            "x-": "x-",
        },
    ),  # fmt: skip
    "ApiKeySecurity": _numbered(
        "type",
        "name",
        "in",
        "description",
        "x-",
        table={"type": _string, "name": _string, "in": _string, "description": _string, "x-": "x-"},
    ),  # fmt: skip
    "BasicAuthenticationSecurity": _numbered(
        "type", "description", "x-", table={"type": _string, "description": _string, "x-": "x-"}
    ),
}
_OAUTH = {
    "Oauth2ImplicitSecurity": ("type", "flow", "scopes", "authorizationUrl", "description", "x-"),
    "Oauth2PasswordSecurity": ("type", "flow", "scopes", "tokenUrl", "description", "x-"),
    "Oauth2ApplicationSecurity": ("type", "flow", "scopes", "tokenUrl", "description", "x-"),
    "Oauth2AccessCodeSecurity": (
        "type", "flow", "scopes", "authorizationUrl", "tokenUrl", "description", "x-",
    ),
}  # fmt: skip
for _name, _keys in _OAUTH.items():
    MESSAGES[_name] = _numbered(
        *_keys,
        table={
            k: ("x-" if k == "x-" else "Oauth2Scopes" if k == "scopes" else _string) for k in _keys
        },
    )

# Objects whose keys are names: (field number of the entries, value message), per container.
_NAMED = {
    "Definitions": (1, "Schema"),
    "Properties": (1, "Schema"),
    "ParameterDefinitions": (1, "Parameter"),
    "ResponseDefinitions": (1, "Response"),
    "SecurityDefinitions": (1, "SecurityDefinitionsItem"),
    "Headers": (1, "Header"),
    "Examples": (1, "Any"),
    "Oauth2Scopes": (1, "string"),
    "SecurityRequirement": (1, "StringArray"),
}


def _message(name: str, value: Any) -> bytes:
    """The bytes of one message for a JSON value."""
    special = _SPECIAL.get(name)
    if special is not None:
        return special(value)
    if name in _NAMED:
        number, item = _NAMED[name]
        return b"".join(_bytes_field(number, _named(key, item, v)) for key, v in _items(value))
    fields = MESSAGES[name]
    parts: list[tuple[int, bytes]] = []
    extensions = b""
    if isinstance(value, dict):
        for key, item in value.items():
            if key.startswith("x-") and "x-" in fields:
                extensions += _bytes_field(fields["x-"][0], _named(key, "Any", item))
                continue
            if key not in fields:
                continue  # gnostic reports an invalid key; kube-apiserver's documents have none
            number, how = fields[key]
            parts.append((number, _field(number, how, item)))
    if "x-" in fields and extensions:
        parts.append((fields["x-"][0], extensions))
    return b"".join(data for _, data in sorted(parts, key=lambda p: p[0]))


def _field(number: int, how: Any, value: Any) -> bytes:
    if callable(how):
        result: bytes = how(number, value)
        return result
    if isinstance(how, tuple):
        items = value if isinstance(value, list) else [value]
        return b"".join(_bytes_field(number, _message(how[1], v)) for v in items)
    return _bytes_field(number, _message(how, value))


def _items(value: Any) -> list[tuple[str, Any]]:
    return list(value.items()) if isinstance(value, dict) else []


def _named(key: str, item: str, value: Any) -> bytes:
    data = _string(1, key)
    if item == "string":
        return data + _string(2, value)
    return data + _bytes_field(2, _message(item, value))


def _paths(value: Any) -> bytes:
    extensions = b"".join(
        _bytes_field(1, _named(k, "Any", v)) for k, v in _items(value) if k.startswith("x-")
    )
    paths = b"".join(
        _bytes_field(2, _named(k, "PathItem", v))
        for k, v in _items(value)
        if not k.startswith("x-")
    )
    return extensions + paths


def _responses(value: Any) -> bytes:
    codes = b"".join(
        _bytes_field(1, _named(k, "ResponseValue", v))
        for k, v in _items(value)
        if not k.startswith("x-")
    )
    extensions = b"".join(
        _bytes_field(2, _named(k, "Any", v)) for k, v in _items(value) if k.startswith("x-")
    )
    return codes + extensions


def _reference_or(message: str, value: Any, own: int, ref: int) -> bytes:
    if isinstance(value, dict) and "$ref" in value:
        reference = _string(1, value["$ref"]) + _string(2, value.get("description"))
        return _bytes_field(ref, reference)
    return _bytes_field(own, _message(message, value))


def _parameter(value: Any) -> bytes:
    where = value.get("in") if isinstance(value, dict) else None
    if where == "body":
        return _bytes_field(1, _message("BodyParameter", value))
    sub = {"header": 1, "formData": 2, "query": 3, "path": 4}.get(str(where), 3)
    name = {1: "Header", 2: "FormData", 3: "Query", 4: "Path"}[sub] + "ParameterSubSchema"
    return _bytes_field(2, _bytes_field(sub, _message(name, value)))


def _schema_item(value: Any) -> bytes:
    if isinstance(value, dict) and value.get("type") == "file":
        return _bytes_field(2, _message("FileSchema", value))
    return _bytes_field(1, _message("Schema", value))


def _security_item(value: Any) -> bytes:
    kind = value.get("type") if isinstance(value, dict) else None
    flow = value.get("flow") if isinstance(value, dict) else None
    if kind == "basic":
        return _bytes_field(1, _message("BasicAuthenticationSecurity", value))
    if kind == "apiKey":
        return _bytes_field(2, _message("ApiKeySecurity", value))
    number, name = {
        "implicit": (3, "Oauth2ImplicitSecurity"),
        "password": (4, "Oauth2PasswordSecurity"),
        "application": (5, "Oauth2ApplicationSecurity"),
    }.get(str(flow), (6, "Oauth2AccessCodeSecurity"))
    return _bytes_field(number, _message(name, value))


def _additional_properties(value: Any) -> bytes:
    if isinstance(value, bool):
        return _varint(2 << 3) + (b"\x01" if value else b"\x00")  # a oneof: written even if false
    return _bytes_field(1, _message("Schema", value))


def _items_item(value: Any) -> bytes:
    schemas = value if isinstance(value, list) else [value]
    return b"".join(_bytes_field(1, _message("Schema", s)) for s in schemas)


def _type_item(value: Any) -> bytes:
    return _strings(1, value)


def _string_array(value: Any) -> bytes:
    return _strings(1, value) if isinstance(value, list) else b""


def _any(value: Any) -> bytes:
    return _string(2, yaml_text(value))  # Any.value (a google.protobuf.Any) stays unset


_SPECIAL: dict[str, Any] = {
    "Paths": _paths,
    "Responses": _responses,
    "ResponseValue": lambda v: _reference_or("Response", v, 1, 2),
    "ParametersItem": lambda v: (
        _reference_or("", v, 1, 2)
        if isinstance(v, dict) and "$ref" in v
        else _bytes_field(1, _parameter(v))
    ),
    "Parameter": _parameter,
    "SchemaItem": _schema_item,
    "SecurityDefinitionsItem": _security_item,
    "AdditionalPropertiesItem": _additional_properties,
    "ItemsItem": _items_item,
    "TypeItem": _type_item,
    "StringArray": _string_array,
    "Any": _any,
}


def wanted(accept: str) -> bool:
    """Whether GET /openapi/v2 should answer in protobuf (the first acceptable type decides)."""
    for part in accept.split(","):
        media = part.split(";", 1)[0].strip().lower()
        if media in ACCEPT_TYPES:
            return True
        if media in ("application/json", "*/*"):
            return False
    return False


@lru_cache(maxsize=1)
def v2_protobuf() -> bytes:
    """The server's OpenAPI v2 document in protobuf (built once, from the JSON one)."""
    from rawkube.testing.server import openapi

    return encode_document(json.loads(openapi.v2_bytes()))


def encode_document(doc: dict[str, Any]) -> bytes:
    """The OpenAPI v2 document (its JSON as a dict) as a serialized ``openapi.v2.Document``."""
    return _message("Document", doc)


# -- YAML text, as go-yaml v3 writes a node with its styles cleared ---------------------------


def yaml_text(value: Any) -> str:
    """go-yaml v3 ``Marshal`` of a JSON value: block style, 4-space indent, minimal quoting."""
    if isinstance(value, (dict, list)) and value:
        out: list[str] = []
        _emit(value, -1, False, out)
        return "".join(out).lstrip("\n") + "\n"
    return _inline(value) + "\n"


def _emit(value: Any, parent: int, in_item: bool, out: list[str]) -> None:
    """A block collection; go-yaml emitterc.go ``yaml_emitter_increase_indent``: the top level is
    at 0, a collection that is a sequence item skips the "- " (+2), any other aligns to the next
    multiple of 4."""
    if parent < 0:
        indent = 0
    elif in_item:
        indent = parent + 2
    else:
        indent = 4 * ((parent + 4) // 4)
    first = True
    entries = value.items() if isinstance(value, dict) else ((None, v) for v in value)
    for key, item in entries:
        if not (first and in_item):
            out.append("\n" + " " * indent)
        first = False
        if isinstance(value, dict):
            out.append(_scalar(key) + ":")
            if isinstance(item, (dict, list)) and item:
                _emit(item, indent, False, out)
            else:
                out.append(" " + _inline(item))
        else:
            out.append("- ")
            if isinstance(item, (dict, list)) and item:
                _emit(item, indent, True, out)
            else:
                out.append(_inline(item))


def _inline(value: Any) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return _scalar(value)


_PLAIN_RESOLVES = re.compile(
    r"^(?:true|True|TRUE|false|False|FALSE|null|Null|NULL|~|"
    r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|"
    r"0x[0-9a-fA-F]+|0o[0-7]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_OLD_BOOLS = {
    "y",
    "Y",
    "yes",
    "Yes",
    "YES",
    "n",
    "N",
    "no",
    "No",
    "NO",
    "on",
    "On",
    "ON",
    "off",
    "Off",
    "OFF",
}
_INDICATORS = set("-?:,[]{}#&*!|>'\"%@`")


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    text = str(value)
    if text == "" or _PLAIN_RESOLVES.match(text) or text in _OLD_BOOLS:
        return _double_quoted(text)
    if _plain_allowed(text):
        return text
    if "\n" in text or any(ord(c) < 0x20 for c in text):
        return _double_quoted(text)
    return "'" + text.replace("'", "''") + "'"


def _plain_allowed(text: str) -> bool:
    """go-yaml's emitter analysis (yaml_emitter_analyze_scalar), for flow-free block context."""
    if text[0] in _INDICATORS and not (text[0] in "-?:" and len(text) > 1 and text[1] != " "):
        return False
    if text[0] == " " or text[-1] == " " or text.startswith(("---", "...")):
        return False
    if ": " in text or " #" in text or text.endswith(":"):
        return False
    return not any(ord(c) < 0x20 or c in "\x7f\ufeff" for c in text)


def _double_quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)
