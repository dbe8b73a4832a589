#!/usr/bin/env python3
"""Generate rawkube's protobuf field table from the Kubernetes sources kept in scripts/openapi/protobuf.

The Kubernetes protobuf encoding (k8s.io/apimachinery/pkg/runtime/serializer/protobuf) is written by
gogo-protobuf code generated from the Go API types (go-to-protobuf). Two sources describe it:

* ``generated.proto`` of each API package: message names, field numbers, proto types, repeated/map;
* the Go types (``types.go`` and friends, the files carrying ``protobuf:"..."`` struct tags): which
  fields are Go pointers (written only when set; every other field is always written, empty strings
  and zeros included, which byte-identical encoding needs), the JSON name (``$ref``,
  ``x-kubernetes-...``, inlined structs such as ``Volume.volumeSource``) and ``omitempty`` /
  ``omitzero`` (what a JSON encoder leaves out, which decoding to the JSON-shaped dict needs).

Kinds map to messages through the OpenAPI document's ``x-kubernetes-group-version-kind``
(``scripts/openapi/swagger.json``).

Output: ``rawkube/protobuf/fields.json`` (deterministic; ``tests/protobuf/test_protobuf_table.py`` regenerates it
and compares byte for byte).

Usage:
    python scripts/generate_protobuf.py [--check]
    python scripts/generate_protobuf.py --copy-from ~/realkube/src/kubernetes/staging/src
        (refresh the copied sources from a Kubernetes tree, then regenerate)
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SOURCES = HERE / "openapi" / "protobuf"
SWAGGER = HERE / "openapi" / "swagger.json"
OUTPUT = ROOT / "rawkube" / "protobuf" / "fields.json"

# Field flags (keep in step with rawkube/protobuf/_codec.py).
REPEATED = 1  # a proto `repeated` field (a JSON list) or a map
POINTER = 2  # written only when set: Go pointer, []byte, or a nullable list wrapper (Verbs)
OMITEMPTY = 4  # json:",omitempty": JSON leaves the zero value (false, 0, "", nil) out
OMITZERO = 8  # json:",omitzero": JSON leaves the zero value out, structs included (Time)
INLINE = 16  # json:",inline": the message's fields sit in the enclosing JSON object
MAP = 32  # a proto map<k, v>: a JSON object

# Messages whose JSON form is written by hand-written Go marshallers rather than by their fields
# (the codec treats them one by one); they need no Go struct here.
CUSTOM_JSON = {
    "k8s.io.apimachinery.pkg.apis.meta.v1.Time",  # meta/v1 time.go, time_proto.go
    "k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime",  # meta/v1 micro_time.go
    "k8s.io.apimachinery.pkg.api.resource.Quantity",  # api/resource quantity.go
    "k8s.io.apimachinery.pkg.api.resource.QuantityValue",
}

_SCALARS = ("string", "bytes", "bool", "int32", "int64", "uint32", "uint64", "double", "float")


def _package_dirs() -> list[str]:
    """Go import paths of the packages whose types the API server's OpenAPI document defines."""
    doc = json.loads(SWAGGER.read_text())
    out = set()
    for name in doc["definitions"]:
        package = name.rsplit(".", 1)[0]  # io.k8s.api.apps.v1
        path = "k8s.io/" + package[len("io.k8s.") :].replace(".", "/")
        out.add(path)
    return sorted(out)


def copy_sources(staging: Path) -> None:
    """Copy generated.proto and the tagged Go files of every package into scripts/openapi/protobuf."""
    if SOURCES.exists():
        shutil.rmtree(SOURCES)
    for path in _package_dirs():
        src = staging / path
        proto = src / "generated.proto"
        if not proto.exists():
            continue  # io.k8s.apimachinery.pkg.version: JSON only
        dest = SOURCES / path
        dest.mkdir(parents=True)
        shutil.copyfile(proto, dest / "generated.proto")
        for go in sorted(src.glob("*.go")):
            if go.name.endswith("_test.go") or go.name.startswith("generated."):
                continue
            if 'protobuf:"' in go.read_text():
                shutil.copyfile(go, dest / go.name)


# -- generated.proto ---------------------------------------------------------------------------

_PACKAGE = re.compile(r"^package\s+([\w.]+);", re.M)
_FIELD = re.compile(
    r"^\s*(optional|repeated)?\s*(map<\s*[\w.]+\s*,\s*[\w.]+\s*>|[\w.]+)\s+(\w+)\s*=\s*(\d+)\s*;"
)


def _qualify(kind: str, package: str) -> str:
    if kind in _SCALARS:
        return kind
    if kind.startswith("."):
        return kind[1:]
    return f"{package}.{kind}"


def parse_proto(text: str) -> tuple[str, dict[str, list[tuple[int, str, str, bool]]], set[str]]:
    """(package, {message: [(number, proto name, type, repeated)]}, nullable messages)."""
    match = _PACKAGE.search(text)
    package = match.group(1) if match else ""
    messages: dict[str, list[tuple[int, str, str, bool]]] = {}
    nullable: set[str] = set()
    current: list[tuple[int, str, str, bool]] | None = None
    comment: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("//"):
            comment.append(stripped)
            continue
        if stripped.startswith("message "):
            name = f"{package}.{stripped.split()[1]}"
            current = messages.setdefault(name, [])
            if "// +protobuf.nullable=true" in comment:
                nullable.add(name)
        elif stripped == "}":
            current = None
        else:
            field = _FIELD.match(line)
            if current is not None and field:
                label, kind, name, number = field.groups()
                kind = kind.replace(" ", "")
                if kind.startswith("map<"):
                    key, value = kind[4:-1].split(",")
                    kind = f"map<{_qualify(key, package)},{_qualify(value, package)}>"
                else:
                    kind = _qualify(kind, package)
                current.append((int(number), name, kind, label == "repeated"))
        comment = []
    return package, messages, nullable


# -- Go types ------------------------------------------------------------------------------------

_STRUCT = re.compile(r"^type\s+(\w+)\s+struct\s*\{")
_ALIAS = re.compile(r"^type\s+(\w+)\s+(?:\w+\.)?(\w+)\s*$")
_GO_FIELD = re.compile(r"^\s*(?:(\w+)\s+)?([\w.*\[\]]+)\s+`([^`]*)`")
_TAG = re.compile(r'(\w+):"([^"]*)"')

GoFields = dict[str, tuple[str, str]]  # protobuf field name -> (Go type, json tag)


def parse_go(text: str) -> tuple[dict[str, GoFields], dict[str, str]]:
    """({struct: fields with a protobuf tag}, {type name: struct it is defined as})."""
    out: dict[str, GoFields] = {}
    aliases: dict[str, str] = {}
    current: GoFields | None = None
    depth = 0
    for line in text.splitlines():
        if line.lstrip().startswith("//"):
            continue
        code = line[: line.rindex("`") + 1] if "`" in line else line.split("//", 1)[0]
        if current is None:
            match = _STRUCT.match(code)
            if match:
                current = out.setdefault(match.group(1), {})
                depth = code.count("{") - code.count("}")  # 0 for `type Patch struct{}`
                if depth <= 0:
                    current = None
            alias = _ALIAS.match(code)
            if alias:
                aliases[alias.group(1)] = alias.group(2)  # core/v1: type List metav1.List
            continue
        depth += code.count("{") - code.count("}")
        if depth <= 0:
            current = None
            continue
        field = _GO_FIELD.match(code)
        if depth != 1 or not field:
            continue
        tags = dict(_TAG.findall(field.group(3)))
        proto = tags.get("protobuf", "")
        if not proto or proto == "-":
            continue
        go_name = field.group(1) or field.group(2).lstrip("*").rsplit(".", 1)[-1]
        # go-to-protobuf names an unnamed field after its Go name, first letter lowered
        # (core/v1 EphemeralContainer: `EphemeralContainerCommon \`protobuf:"bytes,1,req"\``).
        default = go_name[:1].lower() + go_name[1:]
        name = next((p[5:] for p in proto.split(",") if p.startswith("name=")), default)
        current[name] = (field.group(2), tags.get("json", ""))
    return out, aliases


# -- the table -----------------------------------------------------------------------------------


def _flags(go_type: str, json_tag: str, repeated: bool, kind: str, wrappers: set[str]) -> int:
    options = json_tag.split(",")[1:]
    flags = 0
    if repeated:
        flags |= REPEATED
    if kind.startswith("map<"):
        flags |= MAP | REPEATED
    if go_type.startswith("*") or (kind == "bytes" and not repeated) or kind in wrappers:
        flags |= POINTER
    if "omitempty" in options:
        flags |= OMITEMPTY
    if "omitzero" in options:
        flags |= OMITZERO
    if "inline" in options:
        flags |= INLINE
    return flags


def build() -> str:
    messages: dict[str, list[tuple[int, str, str, bool]]] = {}
    nullable: set[str] = set()
    go_structs: dict[str, dict[str, GoFields]] = {}  # proto package -> Go struct -> fields
    aliases: dict[str, str] = {}
    for proto in sorted(SOURCES.rglob("generated.proto")):
        package, found, wrapped = parse_proto(proto.read_text())
        messages.update(found)
        nullable |= wrapped
        structs: dict[str, GoFields] = {}
        for go in sorted(proto.parent.glob("*.go")):
            found_structs, found_aliases = parse_go(go.read_text())
            structs.update(found_structs)
            aliases.update(found_aliases)
        go_structs[package] = structs

    # A nullable message that only wraps `repeated items = 1` is a Go slice type (metav1.Verbs,
    # ExtraValue): JSON shows the list itself.
    wrappers = {
        name
        for name in nullable
        if [(n, p, r) for n, p, _, r in messages[name]] == [(1, "items", True)]
    }

    missing = sorted(
        name
        for name, fields in messages.items()
        if fields
        and name not in wrappers
        and name not in CUSTOM_JSON
        and not (
            go_structs[name.rsplit(".", 1)[0]].get(name.rsplit(".", 1)[1])
            or aliases.get(name.rsplit(".", 1)[1])
        )
    )
    if missing:
        raise SystemExit(f"no Go struct found for {missing}: the copied sources are incomplete")

    # JSON, one message per line: loading it (json.loads, ~1 ms) is far cheaper than importing
    # an equivalent Python module whenever its bytecode is not cached (~150 ms to compile).
    out: dict[str, Any] = {
        "generated": "by scripts/generate_protobuf.py from scripts/openapi/protobuf (the "
        "generated.proto files and Go types of Kubernetes) and scripts/openapi/swagger.json; "
        "do not edit",
        "fields": "[number, JSON name, type, flags]; flags: REPEATED=1, POINTER=2, OMITEMPTY=4, "
        "OMITZERO=8, INLINE=16, MAP=32 (rawkube/protobuf/_codec.py)",
    }
    messages_out: dict[str, list[list[Any]]] = {}
    for name in sorted(messages):
        package, short = name.rsplit(".", 1)
        go = go_structs[package].get(short) or _aliased(go_structs, aliases.get(short))
        fields: list[list[Any]] = []
        for number, proto_name, kind, repeated in sorted(messages[name]):
            go_type, json_tag = go.get(proto_name, ("", ""))
            json_name = json_tag.split(",")[0] if json_tag else proto_name
            if json_name == "-":
                continue  # not part of the JSON object (FieldsV1.Raw is handled as a whole)
            fields.append(
                [number, json_name, kind, _flags(go_type, json_tag, repeated, kind, wrappers)]
            )
        messages_out[name] = fields
    kinds = _kinds(set(messages))
    lines = ["{"]
    for key, value in out.items():
        lines.append(f"{json.dumps(key)}: {json.dumps(value)},")
    lines.append('"list_wrappers": ' + json.dumps(sorted(wrappers)) + ",")
    lines.append('"kinds": {')
    lines.append(
        ",\n".join(
            f"{json.dumps(v)}: {json.dumps(kinds[v], sort_keys=True)}" for v in sorted(kinds)
        )
    )
    lines.append("},")
    lines.append('"messages": {')
    lines.append(",\n".join(f"{json.dumps(m)}: {json.dumps(f)}" for m, f in messages_out.items()))
    lines.append("}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _aliased(go_structs: dict[str, dict[str, GoFields]], target: str | None) -> GoFields:
    for structs in go_structs.values():
        if target in structs:
            return structs[target]
    return {}


def _message_name(definition: str) -> str:
    # io.k8s.api.apps.v1.Deployment -> k8s.io.api.apps.v1.Deployment; dashes become underscores
    # in proto package names (k8s.io.apiextensions_apiserver..., k8s.io.kube_aggregator...).
    return "k8s.io." + definition[len("io.k8s.") :].replace("-", "_")


# meta.k8s.io/v1 kinds the OpenAPI document does not list (apimachinery meta/v1 register.go
# AddMetaToScheme; Table has no protobuf form): what `Accept: ...;as=PartialObjectMetadataList`
# answers with.
META_KINDS = {
    "meta.k8s.io/v1": {
        "PartialObjectMetadata": "k8s.io.apimachinery.pkg.apis.meta.v1.PartialObjectMetadata",
        "PartialObjectMetadataList": "k8s.io.apimachinery.pkg.apis.meta.v1.PartialObjectMetadataList",
    }
}


def _kinds(known: set[str]) -> dict[str, dict[str, str]]:
    doc = json.loads(SWAGGER.read_text())
    out: dict[str, dict[str, str]] = {k: dict(v) for k, v in META_KINDS.items()}
    for name, schema in doc["definitions"].items():
        message = _message_name(name)
        if message not in known:
            continue
        for gvk in schema.get("x-kubernetes-group-version-kind", []):
            group, version = gvk["group"], gvk["version"]
            api_version = f"{group}/{version}" if group else version
            out.setdefault(api_version, {})[gvk["kind"]] = message
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="fail if the output is stale")
    parser.add_argument("--copy-from", type=Path, help="a Kubernetes staging/src directory")
    args = parser.parse_args(argv)
    if args.copy_from:
        copy_sources(args.copy_from.expanduser())
    text = build()
    if args.check:
        if OUTPUT.read_text() != text:
            print(f"{OUTPUT} is stale: run scripts/generate_protobuf.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
