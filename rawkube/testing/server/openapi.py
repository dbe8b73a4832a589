"""The server's OpenAPI documents: serving them, and reading their schemas.

The documents are the real 1.36 server's (packaged gzipped under ``data/``). `Schema` walks one
definition the way the apiserver's strategic-merge-patch and structured-merge-diff code read it:
``x-kubernetes-patch-merge-key`` / ``x-kubernetes-patch-strategy`` (strategic merge patch),
``x-kubernetes-list-map-keys`` / ``x-kubernetes-list-type`` / ``x-kubernetes-map-type`` (server-side
apply), ``properties`` (unknown-field validation).
"""

from __future__ import annotations

import gzip
import hashlib
import json
from functools import lru_cache
from typing import Any

from rawkube.testing.server.openapi_schema import Schema, _data_bytes, v2_document
from rawkube.testing.server.resources import ResourceInfo, ResourceTable


@lru_cache(maxsize=1)
def v2_bytes() -> bytes:
    """GET /openapi/v2 body, uncompressed JSON."""
    return gzip.decompress(_data_bytes("openapi-v2.json.gz"))


# OpenAPI v3 documents we ship: the path kubectl asks for -> packaged file.
V3_FILES = {
    "api/v1": "openapi-v3-api-v1.json.gz",
    "apis/apps/v1": "openapi-v3-apis-apps-v1.json.gz",
}


@lru_cache(maxsize=4)
def v3_bytes(path: str) -> bytes:
    return gzip.decompress(_data_bytes(V3_FILES[path]))


def v3_paths(table: ResourceTable) -> list[str]:
    """Every group-version the /openapi/v3 index lists (all served ones, CRD groups included)."""
    paths = ["api/v1"]
    for group, versions in table.groups():
        paths.extend(f"apis/{group}/{version}" for version in versions if group)
    return paths


def _v3_hash(path: str, table: ResourceTable) -> str:
    # The real hash is of the document; any value that changes when the document does will do
    # as the client's cache key, and this one costs nothing to compute.
    crds = ",".join(
        sorted(
            f"{i.resource}.{i.kind}.{json.dumps(i.custom.schema.raw if i.custom and i.custom.schema else None, sort_keys=True)}"
            for i in _resources_of(path, table)
            if i.crd
        )
    )
    return hashlib.sha512(f"{path}|{crds}".encode()).hexdigest().upper()


def v3_index(table: ResourceTable) -> dict[str, Any]:
    """GET /openapi/v3: where each group-version's document is (handler3.OpenAPIV3Discovery)."""
    return {
        "paths": {
            path: {"serverRelativeURL": f"/openapi/v3/{path}?hash={_v3_hash(path, table)}"}
            for path in v3_paths(table)
        }
    }


def _resources_of(path: str, table: ResourceTable) -> list[ResourceInfo]:
    parts = path.split("/")
    if parts == ["api", "v1"]:
        return table.resources("", "v1")
    if len(parts) == 3 and parts[0] == "apis":
        return table.resources(parts[1], parts[2])
    return []


def _v3_refs(node: Any) -> Any:
    """Rewrite v2 references (#/definitions/X) into v3 ones (#/components/schemas/X)."""
    if isinstance(node, dict):
        return {
            k: (
                v.replace("#/definitions/", "#/components/schemas/")
                if k == "$ref" and isinstance(v, str)
                else _v3_refs(v)
            )
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_v3_refs(v) for v in node]
    return node


def _closure(names: list[str], definitions: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    pending = list(names)
    while pending:
        name = pending.pop()
        if name in found or name not in definitions:
            continue
        found[name] = definitions[name]
        text = json.dumps(definitions[name])
        pending.extend(ref.split('"')[0] for ref in text.split('"$ref": "#/definitions/')[1:])
    return found


def v3_document(path: str, table: ResourceTable) -> bytes | None:
    """GET /openapi/v3/{path}: the recorded documents where we have them, else one built from
    the v2 definitions of that group-version (and a permissive schema per custom resource)."""
    if path in V3_FILES:
        return v3_bytes(path)
    infos = _resources_of(path, table)
    if not infos:
        return None
    group, version = infos[0].group, infos[0].version
    definitions = v2_document()["definitions"]
    roots = [
        name
        for name, d in definitions.items()
        if any(
            g["group"] == group and g["version"] == version
            for g in d.get("x-kubernetes-group-version-kind") or []
        )
    ]
    schemas = {k: _v3_refs(v) for k, v in _closure(roots, definitions).items()}
    for info in infos:
        if info.crd:
            schemas.update(_crd_schemas(info, definitions))
    prefix = f"/apis/{group}/{version}/" if group else "/api/v1/"
    paths = {
        url: _v3_path_item(item)
        for url, item in v2_document()["paths"].items()
        if url.startswith(prefix)
    }
    for info in infos:
        if info.crd:
            paths.update(_crd_paths(info))
    doc = {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "1.36"},
        "paths": paths,
        "components": {"schemas": schemas},
    }
    return json.dumps(doc, separators=(",", ":")).encode()


def _v3_parameter(param: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in param.items() if k in ("name", "in", "description", "required")}
    out["schema"] = {"type": param.get("type", "string")}
    return out


def _v3_path_item(item: dict[str, Any]) -> dict[str, Any]:
    """A v2 path item in v3 form, reduced to what clients read: operations, their
    x-kubernetes-* extensions and query parameters (kubectl looks for fieldValidation)."""
    out: dict[str, Any] = {}
    for method, op in item.items():
        if method == "parameters":
            out["parameters"] = [_v3_parameter(p) for p in op if p.get("in") != "body"]
            continue
        converted = {
            k: v
            for k, v in op.items()
            if k.startswith("x-kubernetes-") or k in ("operationId", "description")
        }
        converted["parameters"] = [
            _v3_parameter(p) for p in op.get("parameters") or [] if p.get("in") != "body"
        ]
        converted["responses"] = {"200": {"description": "OK"}}
        out[method] = converted
    return out


def _crd_paths(info: ResourceInfo) -> dict[str, Any]:
    gvk = {"group": info.group, "version": info.version, "kind": info.kind}
    params = [
        {"name": n, "in": "query", "schema": {"type": "string"}}
        for n in ("dryRun", "fieldManager", "fieldValidation")
    ]
    scope = "/namespaces/{namespace}" if info.namespaced else ""
    base = f"/apis/{info.group}/{info.version}{scope}/{info.resource}"

    def op(action: str) -> dict[str, Any]:
        return {
            "x-kubernetes-action": action,
            "x-kubernetes-group-version-kind": gvk,
            "parameters": params,
            "responses": {"200": {"description": "OK"}},
        }

    return {
        base: {"post": op("post"), "get": op("list")},
        base + "/{name}": {
            "put": op("put"),
            "patch": op("patch"),
            "get": op("get"),
            "delete": op("delete"),
        },
    }


def _crd_schemas(info: ResourceInfo, definitions: dict[str, Any]) -> dict[str, Any]:
    """A custom resource's published schemas (apiextensions-apiserver controller/openapi/builder)
    and the meta definitions they refer to."""
    from rawkube.testing.server.apiextensions import publish

    roots = [
        "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
        "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta",
        "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions",
        "io.k8s.apimachinery.pkg.apis.meta.v1.Status",
        "io.k8s.apimachinery.pkg.apis.meta.v1.Patch",
    ]
    if "scale" in info.subresources:
        roots.append("io.k8s.api.autoscaling.v1.Scale")
    schemas = {k: _v3_refs(v) for k, v in _closure(roots, definitions).items()}
    if info.custom is not None:
        schemas.update(publish.schemas_for(info))
    return schemas


def v2_with_crds(table: ResourceTable) -> bytes:
    """GET /openapi/v2: the built-in document plus every served custom resource's definitions."""
    crds = [
        i
        for g, versions in table.groups()
        for v in versions
        for i in table.resources(g, v)
        if i.custom is not None
    ]
    if not crds:
        return v2_bytes()
    key = json.dumps(
        [
            [i.group, i.version, i.resource, i.custom.schema.raw if i.custom.schema else None]
            for i in crds
        ],
        sort_keys=True,
    )
    return _v2_merged(key, tuple(crds))


_V2_CACHE: dict[str, bytes] = {}


def _v2_merged(key: str, crds: tuple[ResourceInfo, ...]) -> bytes:
    from rawkube.testing.server.apiextensions import publish

    cached = _V2_CACHE.get(key)
    if cached is not None:
        return cached
    doc = dict(v2_document())
    definitions = dict(doc["definitions"])
    for info in crds:
        definitions.update(publish.schemas_for(info, v2=True))
    doc["definitions"] = definitions
    body = json.dumps(doc, separators=(",", ":")).encode()
    _V2_CACHE.clear()
    _V2_CACHE[key] = body
    return body


def unknown_fields(obj: Any, schema: Schema | None, prefix: str = "") -> list[str]:
    """Paths (``spec.bogusField``) present in ``obj`` but not in its schema, sorted.

    What the apiserver's strict decoding reports (fieldValidation=Strict -> 400, Warn -> Warning).
    """
    if schema is None or schema.is_free_form:
        return []
    found: list[str] = []
    if isinstance(obj, dict):
        if not (schema.is_object or schema.is_map):
            return []
        for key, value in obj.items():
            path = f"{prefix}.{key}" if prefix else key
            if not schema.has_field(key):
                found.append(path)
                continue
            found.extend(unknown_fields(value, schema.field(key), path))
    elif isinstance(obj, list):
        item_schema = schema.items()
        for index, value in enumerate(obj):
            found.extend(unknown_fields(value, item_schema, f"{prefix}[{index}]"))
    return sorted(found)


def drop_unknown(obj: Any, schema: Schema | None) -> None:
    """Remove (in place) the fields `unknown_fields` reports: what the decoder drops."""
    if schema is None or schema.is_free_form:
        return
    if isinstance(obj, dict) and (schema.is_object or schema.is_map):
        for key in list(obj):
            if not schema.has_field(key):
                del obj[key]
            else:
                drop_unknown(obj[key], schema.field(key))
    elif isinstance(obj, list):
        item_schema = schema.items()
        for value in obj:
            drop_unknown(value, item_schema)
