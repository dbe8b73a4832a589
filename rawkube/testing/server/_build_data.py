"""Regenerate the LocalAPIServer's packaged data (run from the repository root).

    python -m rawkube.testing.server._build_data

Inputs are the repository's copies of what a real Kubernetes 1.36 API server serves:
``scripts/openapi/swagger.json`` (GET /openapi/v2), ``scripts/openapi/v3/*.json`` and the recorded
discovery exchanges in ``fixtures/real-apiserver/``. Outputs are gzipped JSON under ``data/``,
which pyproject packages (``**/*.json.gz``); the server never reads the repository at run time.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
from typing import Any

HERE = os.path.join(os.path.dirname(__file__), "data")


def _recorded(root: str, prefix: str) -> Any:
    folder = os.path.join(root, "fixtures", "real-apiserver")
    name = next(f for f in sorted(os.listdir(folder)) if f.startswith(prefix))
    with open(os.path.join(folder, name)) as fh:
        return json.load(fh)["response"]["body"]


def _write(name: str, doc: Any) -> None:
    raw = json.dumps(doc, separators=(",", ":")).encode()
    # mtime=0 keeps the output byte-for-byte reproducible.
    with open(os.path.join(HERE, name), "wb") as fh:
        fh.write(gzip.compress(raw, compresslevel=9, mtime=0))


def main(root: str = ".") -> None:
    discovery = {
        "version": _recorded(root, "001"),
        "api": _recorded(root, "006"),
        "apis": _recorded(root, "007"),
    }
    _write("discovery.json.gz", discovery)
    with open(os.path.join(root, "scripts", "openapi", "swagger.json")) as fh:
        _write("openapi-v2.json.gz", json.load(fh))
    v3_dir = os.path.join(root, "scripts", "openapi", "v3")
    for name in sorted(os.listdir(v3_dir)):
        with open(os.path.join(v3_dir, name)) as fh:
            _write("openapi-v3-" + name.replace("_", "-") + ".gz", json.load(fh))


if __name__ == "__main__":
    main()


# -- protobuf field tables ------------------------------------------------------------------------
#
# kubectl's typed clients (create namespace, create deployment, ...) send request bodies in the
# Kubernetes protobuf encoding. Decoding needs each message's field numbers, which are facts of
# the wire format published in the generated.proto files of k8s.io/api and k8s.io/apimachinery.
# `build_protobuf_table(api_git, apimachinery_git)` reads them from git checkouts of those repos
# (`git show HEAD:<file>`) and writes data/protobuf.json.gz:
#     {"k8s.io.api.core.v1.Namespace": [[1, "metadata", ".k8s.io...ObjectMeta", "optional"], ...]}


_PACKAGE = re.compile(r"^package\s+([\w.]+);", re.M)
_FIELD = re.compile(
    r"^\s*(optional|repeated)?\s*(map<\s*[\w.]+\s*,\s*[\w.]+\s*>|[\w.]+)\s+(\w+)\s*=\s*(\d+)\s*;"
)


def _proto_files(git_dir: str, wanted: tuple[str, ...]) -> dict[str, str]:
    names = subprocess.run(
        ["git", "--git-dir", git_dir, "ls-tree", "-r", "--name-only", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    files = {}
    for name in names:
        if name.endswith("generated.proto") and any(name.startswith(w) for w in wanted):
            files[name] = subprocess.run(
                ["git", "--git-dir", git_dir, "show", f"HEAD:{name}"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
    return files


def _messages(text: str) -> dict[str, list[list[Any]]]:
    package = _PACKAGE.search(text)
    prefix = package.group(1) if package else ""
    out: dict[str, list[list[Any]]] = {}
    current: list[list[Any]] | None = None
    for line in text.splitlines():
        stripped = line.split("//", 1)[0].rstrip()
        if stripped.startswith("message "):
            current = out.setdefault(f"{prefix}.{stripped.split()[1]}", [])
            continue
        if stripped == "}":
            current = None
            continue
        match = _FIELD.match(stripped)
        if current is not None and match:
            label, kind, name, number = match.groups()
            kind = kind.replace(" ", "")
            if not kind.startswith(("map<", ".")) and kind not in _SCALARS:
                kind = f".{prefix}.{kind}"  # a message of the same package
            current.append([int(number), name, kind.lstrip("."), label or "optional"])
    return out


_SCALARS = {"string", "bytes", "bool", "int32", "int64", "uint32", "uint64", "double", "float"}


def build_protobuf_table(api_git: str, apimachinery_git: str) -> None:
    """Write data/protobuf.json.gz from git checkouts of k8s.io/api and k8s.io/apimachinery."""
    table: dict[str, list[list[Any]]] = {}
    stable = tuple(
        f"{group}/{version}/"
        for group in (
            "core",
            "apps",
            "batch",
            "autoscaling",
            "coordination",
            "networking",
            "policy",
            "rbac",
            "storage",
            "scheduling",
            "discovery",
            "events",
            "node",
            "certificates",
            "admissionregistration",
            "flowcontrol",
            "authentication",
            "authorization",
            "resource",
        )
        for version in ("v1", "v2")
    )
    for text in _proto_files(api_git, stable).values():
        table.update(_messages(text))
    for text in _proto_files(apimachinery_git, ("pkg/",)).values():
        table.update(_messages(text))
    _write("protobuf.json.gz", table)
