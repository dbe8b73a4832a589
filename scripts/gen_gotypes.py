"""Regenerate rawkube/testing/server/data/gotypes.json.gz: the Go types the apiserver decodes into.

    python scripts/gen_gotypes.py [--src $HOME/realkube/src/kubernetes]

kube-apiserver decodes a request body into the Go struct of its kind (sigs.k8s.io/json, a fork of
encoding/json) before anything else; a value that does not fit the Go type is a 400 whose message
names the Go struct, the field path and the Go type (``json: cannot unmarshal number into Go
struct field ConfigMap.data of type string``). The OpenAPI documents carry the JSON shape but not
the Go names (``v1.RestartPolicy``, ``v1.ResourceList``) nor the inline-embedded structs that appear
in those paths (``spec.volumes.VolumeSource.hostPath``), so this script reads the Go type
declarations of the exact 1.36 tree the real server was built from (../shared/tools/realkube puts
it at $HOME/realkube/src/kubernetes) and writes a table of facts: for each struct its JSON field
names, Go field types, embedding and ``omitempty``; for each named type its underlying type.

The roots are the kinds of the server's OpenAPI v2 document (scripts/openapi/swagger.json,
``x-kubernetes-group-version-kind``); every type they reach is included.

Output (JSON, gzipped, mtime 0 for reproducible bytes)::

    {"roots": {"apps/v1/Deployment": "k8s.io/api/apps/v1.Deployment", ...},
     "types": {"k8s.io/api/core/v1.Container":
                  {"k": "struct", "n": "v1.Container",
                   "f": [["name", "string", [], false], ["ports", ["[]", "...ContainerPort"], [], true]]},
               "k8s.io/api/core/v1.RestartPolicy": {"k": "named", "n": "v1.RestartPolicy", "u": "string"}}}

A type reference is a builtin name (``string``, ``int32``, ``bool``, ``float64``, ``uint8``, ``any``), a
type id (``<import path>.<Name>``) or a composite: ``["[]", ref]``, ``["*", ref]``, ``["map", key, value]``.
Struct fields: ``[json name, ref, [Go names of the inline structs on the way], omitempty]``, and
the fields' Go names in the same order under ``"g"``.
The internal (hub) types of INTERNAL_ROOTS are included too (``k8s.io/kubernetes/pkg/apis/core.PodSpec``:
no json tags, so their JSON names are the Go names): field errors print such values.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "rawkube" / "testing" / "server" / "data" / "gotypes.json.gz"
SWAGGER = ROOT / "scripts" / "openapi" / "swagger.json"

BUILTINS = {
    "string",
    "bool",
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
    "float32",
    "float64",
    "byte",
    "any",
    "interface{}",
}

_IMPORT_LINE = re.compile(r'^\s*(?:(\w+|\.)\s+)?"([^"]+)"\s*$')
_TYPE_STRUCT = re.compile(r"^type\s+(\w+)\s+struct\s*\{\s*$")
_TYPE_OTHER = re.compile(r"^type\s+(\w+)\s+(=\s*)?([^{}]+?)\s*$")
_TAG_JSON = re.compile(r'json:"([^"]*)"')


def _field(line: str) -> tuple[str, str, str] | None:
    """``Name Type `tag` `` or an embedded ``pkg.Type `tag` `` -> (Go name or "", type, tag)."""
    tag = ""
    if "`" in line:
        line, tag = line.split("`", 1)[0], "`" + line.split("`", 1)[1]
    tokens = line.split()
    if len(tokens) == 1:
        return "", tokens[0], tag
    if len(tokens) == 2:
        return tokens[0], tokens[1], tag
    return None


def _strip_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    out = []
    for line in text.splitlines():
        # A // outside a back-quoted tag starts a comment.
        in_tag = False
        cut = len(line)
        for i, ch in enumerate(line):
            if ch == "`":
                in_tag = not in_tag
            elif ch == "/" and not in_tag and line[i : i + 2] == "//":
                cut = i
                break
        out.append(line[:cut].rstrip())
    return "\n".join(out)


class Package:
    def __init__(self, path: str, src: Path) -> None:
        self.path = path
        self.name = path.rsplit("/", 1)[-1]
        self.structs: dict[str, list[tuple[str, str, str]]] = {}  # name -> [(goname, type, tag)]
        self.named: dict[str, str] = {}
        self.imports: dict[str, str] = {}
        directory = src / "staging" / "src" / path
        if path.startswith("k8s.io/kubernetes/"):
            directory = src / path.removeprefix("k8s.io/kubernetes/")
        if not directory.is_dir():
            directory = src / "vendor" / path
        for file in sorted(directory.glob("*.go")):
            base = file.name
            if (
                base.endswith("_test.go")
                or base.startswith("zz_generated")
                or base.startswith("generated.")
                or base.endswith("swagger_doc_generated.go")
            ):
                continue
            self._parse(_strip_comments(file.read_text()))

    def _parse(self, text: str) -> None:
        imports: dict[str, str] = {}
        lines = text.splitlines()
        i = 0
        while i < len(lines):
            line = lines[i]
            if line.startswith("package "):
                self.name = line.split()[1]
            elif line.startswith("import ("):
                i += 1
                while not lines[i].startswith(")"):
                    m = _IMPORT_LINE.match(lines[i])
                    if m:
                        alias, path = m.groups()
                        imports[alias or path.rsplit("/", 1)[-1]] = path
                    i += 1
            elif line.startswith("import "):
                m = _IMPORT_LINE.match(line[len("import ") :])
                if m:
                    alias, path = m.groups()
                    imports[alias or path.rsplit("/", 1)[-1]] = path
            else:
                m = _TYPE_STRUCT.match(line)
                if m:
                    fields: list[tuple[str, str, str]] = []
                    i += 1
                    while lines[i] != "}":
                        field = _field(lines[i])
                        if field:
                            fields.append(field)
                        i += 1
                    self.structs[m.group(1)] = [self._qualify(f, imports) for f in fields]
                elif re.match(r"^type\s+\w+\s+struct\s*\{\s*\}\s*$", line):
                    self.structs[line.split()[1]] = []
                else:
                    m = _TYPE_OTHER.match(line)
                    if m and not m.group(3).startswith(("interface", "func", "struct")):
                        self.named[m.group(1)] = self._qualify_type(m.group(3), imports)
            i += 1
        self.imports.update(imports)

    def _qualify(
        self, field: tuple[str, str, str], imports: dict[str, str]
    ) -> tuple[str, str, str]:
        goname, typ, tag = field
        return goname, self._qualify_type(typ, imports), tag

    def _qualify_type(self, typ: str, imports: dict[str, str]) -> str:
        """Rewrite pkg.Name into <import path>.Name and Name into <this path>.Name."""

        def one(m: re.Match[str]) -> str:
            token = m.group(0)
            if "." in token:
                alias, name = token.split(".", 1)
                return f"{imports.get(alias, alias)}.{name}" if alias in imports else token
            if token in BUILTINS or token in ("map", "interface"):
                return token
            return f"{self.path}.{token}"

        return re.sub(r"[A-Za-z_][\w]*(\.[A-Za-z_]\w*)?", one, typ)


# Types whose UnmarshalJSON decides what they accept (see rawkube/testing/server/apivalidation/decode.py).
SPECIAL = {
    "k8s.io/apimachinery/pkg/api/resource.Quantity": "quantity",
    "k8s.io/apimachinery/pkg/util/intstr.IntOrString": "intorstring",
    "k8s.io/apimachinery/pkg/apis/meta/v1.Time": "time",
    "k8s.io/apimachinery/pkg/apis/meta/v1.MicroTime": "microtime",
    "k8s.io/apimachinery/pkg/apis/meta/v1.Duration": "duration",
    "k8s.io/apimachinery/pkg/apis/meta/v1.FieldsV1": "raw",
    "k8s.io/apimachinery/pkg/runtime.RawExtension": "raw",
    "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1.JSON": "raw",
    "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1.JSONSchemaPropsOrBool": "raw",
    "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1.JSONSchemaPropsOrArray": "raw",
    "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1.JSONSchemaPropsOrStringArray": "raw",
}


INTERNAL_ROOTS = (
    "k8s.io/kubernetes/pkg/apis/core.PodTemplateSpec",
    "k8s.io/kubernetes/pkg/apis/core.PodSpec",
    "k8s.io/kubernetes/pkg/apis/core.SecurityContext",
    "k8s.io/kubernetes/pkg/apis/core.ServicePort",
    "k8s.io/kubernetes/pkg/apis/apps.DeploymentStrategy",
    "k8s.io/kubernetes/pkg/apis/apps.StatefulSetUpdateStrategy",
    "k8s.io/kubernetes/pkg/apis/apps.DaemonSetUpdateStrategy",
    "k8s.io/kubernetes/pkg/apis/rbac.RoleRef",
    "k8s.io/kubernetes/pkg/apis/policy.PodDisruptionBudgetSpec",
    "k8s.io/kubernetes/pkg/apis/core.ObjectReference",
    "k8s.io/kubernetes/pkg/apis/core.EventSource",
)


class Builder:
    def __init__(self, src: Path) -> None:
        self.src = src
        self.packages: dict[str, Package] = {}
        self.types: dict[str, Any] = {}
        self.omitzero: set[tuple[str, str]] = set()

    def package(self, path: str) -> Package:
        if path not in self.packages:
            self.packages[path] = Package(path, self.src)
        return self.packages[path]

    def ref(self, typ: str) -> Any:
        """A type expression (qualified) -> a reference, adding named types to the table."""
        typ = typ.strip()
        if typ == "interface{}":
            return "any"
        if typ == "byte":
            return "uint8"
        if typ in BUILTINS:
            return typ
        if typ.startswith("[]"):
            return ["[]", self.ref(typ[2:])]
        if typ.startswith("*"):
            return ["*", self.ref(typ[1:])]
        if typ.startswith("map["):
            depth, i = 0, 3
            for i in range(3, len(typ)):
                if typ[i] == "[":
                    depth += 1
                elif typ[i] == "]":
                    depth -= 1
                    if depth == 0:
                        break
            return ["map", self.ref(typ[4:i]), self.ref(typ[i + 1 :])]
        self.add(typ)
        return typ

    def add(self, tid: str) -> None:
        if tid in self.types:
            return
        path, name = tid.rsplit(".", 1)
        if tid in SPECIAL:
            self.types[tid] = {"k": SPECIAL[tid], "n": f"{path.rsplit('/', 1)[-1]}.{name}"}
            return
        if path in ("time",):
            self.types[tid] = {"k": "named", "n": tid, "u": "int64"}
            return
        pkg = self.package(path)
        display = f"{pkg.name}.{name}"
        self.types[tid] = {"k": "pending"}
        if name in pkg.structs:
            fields: list[Any] = []
            entry = {"k": "struct", "n": display, "f": fields}
            self.types[tid] = entry
            for goname, typ, tag in pkg.structs[name]:
                jm = _TAG_JSON.search(tag)
                jtag = jm.group(1) if jm else ""
                jname, _, opts = jtag.partition(",")
                if jname == "-":
                    continue
                embedded = goname == ""
                if embedded:
                    goname = typ.lstrip("*").rsplit(".", 1)[-1]
                if not goname[:1].isupper() and not embedded:
                    continue
                omitempty = "omitempty" in opts.split(",")
                if "omitzero" in opts.split(","):
                    self.omitzero.add((tid, jname or goname))
                if embedded and not jname:
                    fields.append(["", self.ref(typ), [goname], omitempty, goname])
                else:
                    fields.append([jname or goname, self.ref(typ), [], omitempty, goname])
            return
        if name in pkg.named:
            self.types[tid] = {"k": "named", "n": display, "u": self.ref(pkg.named[name])}
            return
        raise SystemExit(f"cannot find Go type {tid}")

    def flatten(self) -> None:
        """Promote the fields of inline-embedded structs as encoding/json's typeFields does:
        declaration order with embedded fields expanded in place, a shallower field hiding a
        deeper one of the same name; the embedded structs' Go names are kept for error paths."""
        flat = {tid: self._promoted(tid) for tid, e in self.types.items() if e["k"] == "struct"}
        for tid, fields in flat.items():
            # "f" keeps four items per field (readers unpack them); the Go names go beside it.
            self.types[tid]["f"] = [field[:4] for field in fields]
            self.types[tid]["g"] = [field[4] for field in fields]
            zero = [field[0] for field in fields if (field[5], field[0]) in self.omitzero]
            if zero:
                self.types[tid]["z"] = zero  # `json:",omitzero"`: dropped when zero

    def _promoted(self, tid: str) -> list[Any]:
        found: list[tuple[list[int], list[str], Any]] = []

        def walk(struct_id: str, index: list[int], via: list[str]) -> None:
            for i, (jname, ref, _, omit, goname) in enumerate(self.types[struct_id]["f"]):
                target = ref[1] if isinstance(ref, list) and ref[0] == "*" else ref
                if jname == "" and isinstance(target, str) and target in self.types:
                    if self.types[target]["k"] == "struct" and "f" in self.types[target]:
                        walk(target, [*index, i], [*via, target.rsplit(".", 1)[-1]])
                    continue
                found.append(([*index, i], via, [jname, ref, via, omit, goname, struct_id]))

        walk(tid, [], [])
        depth: dict[str, int] = {}
        for _, via, field in found:
            depth[field[0]] = min(depth.get(field[0], 99), len(via))
        kept = [(index, field) for index, via, field in found if len(via) == depth[field[0]]]
        kept.sort(key=lambda item: item[0])
        return [field for _, field in kept]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--src",
        default=os.environ.get(
            "KUBERNETES_SRC", str(Path.home() / "realkube" / "src" / "kubernetes")
        ),
    )
    args = parser.parse_args()
    src = Path(args.src)
    if not (src / "staging").is_dir():
        print(f"no kubernetes source tree at {src}", file=sys.stderr)
        return 1
    swagger = json.loads(SWAGGER.read_text())
    builder = Builder(src)
    roots: dict[str, str] = {}
    for name, definition in sorted(swagger["definitions"].items()):
        gvks = definition.get("x-kubernetes-group-version-kind") or []
        if not gvks or name.startswith("io.k8s.apimachinery.pkg.apis.meta.v1."):
            continue
        # io.k8s.api.core.v1.Pod -> k8s.io/api/core/v1.Pod
        parts = name.split(".")
        path = "k8s.io/" + "/".join(parts[2:-1])
        tid = f"{path}.{parts[-1]}"
        builder.add(tid)
        for gvk in gvks:
            group = gvk["group"]
            key = (
                f"{group}/{gvk['version']}/{gvk['kind']}"
                if group
                else f"{gvk['version']}/{gvk['kind']}"
            )
            roots[key] = tid
    # The internal (hub) types the validation works on: field errors show their values as
    # json.Marshal prints them (no json tags: Go field names, every field).
    for tid in INTERNAL_ROOTS:
        builder.add(tid)
    builder.flatten()
    doc = {"roots": dict(sorted(roots.items())), "types": dict(sorted(builder.types.items()))}
    raw = json.dumps(doc, separators=(",", ":")).encode()
    OUT.write_bytes(gzip.compress(raw, compresslevel=9, mtime=0))
    print(
        f"wrote {OUT.relative_to(ROOT)}: {len(roots)} kinds, {len(builder.types)} types, "
        f"{len(raw)} bytes of JSON"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
