"""A v1 object as the apiserver's internal (hub) Go type prints in a field error.

Validation runs on the internal types (pkg/apis/core.PodSpec, ...), which have no json tags:
``field.Invalid(path, template, "field is immutable")`` prints the value with json.Marshal, so a
field error shows every field of the Go struct, named as in Go, in declaration order, zero values
included (``{"Volumes":null,"InitContainers":null,"Containers":[{"Name":"c",...``). `render`
builds that JSON from the v1 object, through the Go type table of data/gotypes.json.gz (which
holds the internal types of scripts/gen_gotypes.py INTERNAL_ROOTS and the v1 field names).
Conversions that move fields are applied (the v1 PodSpec's hostNetwork, hostPID, hostIPC,
shareProcessNamespace and hostUsers live in the internal PodSecurityContext).
"""

from __future__ import annotations

import base64
import json
from functools import lru_cache
from typing import Any

from rawkube.testing.server.apivalidation.goparse import quantity

_INTERNAL = "k8s.io/kubernetes/pkg/apis/"
_V1_PACKAGES = {
    "core": "k8s.io/api/core/v1",
    "apps": "k8s.io/api/apps/v1",
    "rbac": "k8s.io/api/rbac/v1",
    "policy": "k8s.io/api/policy/v1",
    "batch": "k8s.io/api/batch/v1",
}
_HOISTED = ("hostNetwork", "hostPID", "hostIPC", "shareProcessNamespace", "hostUsers")


class Raw:
    """Pre-rendered JSON (go_json prints it as it is)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


@lru_cache(maxsize=1)
def _types() -> dict[str, Any]:
    from rawkube.testing.server.apivalidation import gotypes

    return gotypes.load()[1]


@lru_cache(maxsize=512)
def _v1_names(internal_id: str) -> dict[str, str]:
    """Go field name -> v1 json name, from the v1 struct of the same name ("" for a struct the
    v1 type embeds inline: its fields are at the v1 object's own level)."""
    package, _, name = internal_id.rpartition(".")
    group = package.removeprefix(_INTERNAL)
    v1 = _V1_PACKAGES.get(group)
    entry = _types().get(f"{v1}.{name}") if v1 else None
    names: dict[str, str] = {}
    if entry and entry.get("k") == "struct":
        for field, go_name in zip(entry["f"], entry.get("g") or [], strict=False):
            if field[0]:
                names[go_name] = field[0]
            for embedded in field[2]:
                names.setdefault(embedded, "")
    return names


def _v1_key(internal_id: str, go_name: str) -> str:
    names = _v1_names(internal_id)
    if go_name in names:
        return names[go_name]
    return go_name[:1].lower() + go_name[1:]


_NEVER_EMPTY = {"struct", "time", "microtime", "quantity", "intorstring", "duration"}


def _never_omitted(ref: Any) -> bool:
    """encoding/json's omitempty never drops a struct value."""
    if isinstance(ref, list) or not isinstance(ref, str):
        return False
    entry = _types().get(ref)
    return isinstance(entry, dict) and entry.get("k") in _NEVER_EMPTY


def render(type_id: str, value: Any) -> Raw:
    """The json.Marshal text of ``value`` (a v1 JSON value) converted to the internal type."""
    return Raw(_render(type_id, value))


def _render(ref: Any, value: Any) -> str:
    types = _types()
    if isinstance(ref, list):
        op = ref[0]
        if op == "*":
            return "null" if value is None else _render(ref[1], value)
        if op == "[]":
            if value is None:
                return "null"
            if ref[1] == "uint8":
                return json.dumps(
                    value if isinstance(value, str) else base64.b64encode(bytes(value)).decode()
                )
            return "[" + ",".join(_render(ref[1], v) for v in value) + "]"
        # map
        if value is None:
            return "null"
        return (
            "{"
            + ",".join(f"{json.dumps(str(k))}:{_render(ref[2], value[k])}" for k in sorted(value))
            + "}"
        )
    if ref in ("string",):
        return _json_string(value if isinstance(value, str) else "")
    if ref == "bool":
        return "true" if value is True else "false"
    if ref in (
        "int",
        "int8",
        "int16",
        "int32",
        "int64",
        "uint",
        "uint8",
        "uint16",
        "uint32",
        "uint64",
    ):
        return str(value if isinstance(value, int) and not isinstance(value, bool) else 0)
    if ref in ("float32", "float64"):
        return json.dumps(value if isinstance(value, (int, float)) else 0)
    if ref == "any":
        return json.dumps(value, separators=(",", ":"), sort_keys=True)
    entry = types.get(ref)
    if entry is None:
        return json.dumps(value, separators=(",", ":"), sort_keys=True)
    kind = entry["k"]
    if kind == "named":
        return _render(entry["u"], value)
    if kind == "quantity":
        parsed = quantity(value) if value is not None else None
        return _json_string(parsed[1] if parsed else "0")
    if kind == "intorstring":
        if isinstance(value, str):
            return _json_string(value)
        return str(value if isinstance(value, int) else 0)
    if kind in ("time", "microtime"):
        return "null" if not value else _json_string(str(value))
    if kind == "duration":
        return _json_string(str(value or "0s"))
    if kind == "raw":
        return "null" if value is None else json.dumps(value, separators=(",", ":"))
    if kind != "struct":
        return "null"
    return _struct(ref, entry, value if isinstance(value, dict) else {})


def _struct(type_id: str, entry: dict[str, Any], value: dict[str, Any]) -> str:
    if type_id.endswith("/core.PodSpec"):
        sc = dict(value.get("securityContext") or {})
        for key in _HOISTED:
            if key in value:
                sc[key] = value[key]
        value = {**value, "securityContext": sc}
    parts = []
    package = type_id.rpartition(".")[0]
    internal = type_id.startswith(_INTERNAL)
    go_names = entry.get("g") or [f[0] for f in entry["f"]]
    omitzero = set(entry.get("z") or ())
    for field, go_name in zip(entry["f"], go_names, strict=True):
        jname, ref, via, omitempty = field[0], field[1], field[2], field[3]
        source: Any = value
        holder = type_id
        for embedded in via:
            key = _v1_key(holder, embedded) if internal else ""
            if key:
                source = source.get(key) if isinstance(source, dict) else None
            holder = f"{package}.{embedded}"
        # A json-tagged field (or one promoted from metav1.ObjectMeta) is named as in v1.
        key = _v1_key(holder, go_name) if internal and jname[:1].isupper() else jname
        item = source.get(key) if isinstance(source, dict) else None
        if omitempty and _empty(item) and not _never_omitted(ref):
            continue
        if jname in omitzero and not item:
            continue
        parts.append(f"{json.dumps(jname)}:{_render(ref, item)}")
    return "{" + ",".join(parts) + "}"


def _empty(value: Any) -> bool:
    return value in (None, "", 0, False) or value == [] or value == {}


def _json_string(text: str) -> str:
    out = json.dumps(text, ensure_ascii=False)
    return out.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
