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
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources as importlib_resources
from typing import Any

from rawkube.testing.server.resources import load_data


def _data_bytes(name: str) -> bytes:
    path = importlib_resources.files("rawkube.testing.server") / "data" / name
    return path.read_bytes()


@lru_cache(maxsize=1)
def v2_document() -> dict[str, Any]:
    """The OpenAPI v2 document (2 MB of JSON: parsed on first use only)."""
    doc: dict[str, Any] = load_data("openapi-v2.json.gz")
    return doc


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


def v3_hash(path: str) -> str:
    """The content hash the /openapi/v3 index puts in serverRelativeURL (lets clients cache)."""
    return hashlib.sha512(v3_bytes(path)).hexdigest().upper()[:128]


def v3_index() -> dict[str, Any]:
    """GET /openapi/v3: the discovery of per-group-version documents (handler3.OpenAPIV3Discovery)."""
    return {
        "paths": {
            path: {"serverRelativeURL": f"/openapi/v3/{path}?hash={v3_hash(path)}"}
            for path in V3_FILES
        }
    }


@lru_cache(maxsize=1)
def _definitions_by_gvk() -> dict[tuple[str, str, str], str]:
    index: dict[tuple[str, str, str], str] = {}
    for name, definition in v2_document()["definitions"].items():
        for gvk in definition.get("x-kubernetes-group-version-kind") or []:
            index.setdefault((gvk["group"], gvk["version"], gvk["kind"]), name)
    return index


@dataclass(frozen=True)
class Schema:
    """A node of the OpenAPI v2 schema, with ``$ref`` resolved lazily."""

    node: dict[str, Any]

    @classmethod
    def for_kind(cls, group: str, version: str, kind: str) -> Schema | None:
        name = _definitions_by_gvk().get((group, version, kind))
        return cls.named(name) if name else None

    @classmethod
    def named(cls, name: str) -> Schema:
        return cls(v2_document()["definitions"][name])

    def _resolved(self) -> dict[str, Any]:
        node = self.node
        for _ in range(10):  # refs never chain deeply; bounded to be safe
            ref = node.get("$ref")
            if not ref:
                break
            node = v2_document()["definitions"][ref.rsplit("/", 1)[-1]]
        return node

    @property
    def is_object(self) -> bool:
        return "properties" in self._resolved()

    @property
    def is_map(self) -> bool:
        return "additionalProperties" in self._resolved()

    @property
    def is_atomic(self) -> bool:
        node = self._resolved()
        return (
            node.get("x-kubernetes-map-type") == "atomic"
            or node.get("x-kubernetes-list-type") == "atomic"
        )

    @property
    def is_free_form(self) -> bool:
        """Types such as RawExtension, JSON and IntOrString accept anything."""
        node = self._resolved()
        return (
            "properties" not in node
            and "additionalProperties" not in node
            and (node.get("type") in (None, "object") and "items" not in node)
        )

    def field(self, name: str) -> Schema | None:
        node = self._resolved()
        props = node.get("properties")
        if props is not None and name in props:
            return Schema(props[name])
        extra = node.get("additionalProperties")
        if isinstance(extra, dict):
            return Schema(extra)
        return None

    def has_field(self, name: str) -> bool:
        node = self._resolved()
        return name in (node.get("properties") or {}) or "additionalProperties" in node

    def items(self) -> Schema | None:
        items = self._resolved().get("items")
        return Schema(items) if isinstance(items, dict) else None

    @property
    def patch_merge_key(self) -> str | None:
        return self.node.get("x-kubernetes-patch-merge-key")

    @property
    def patch_strategy(self) -> str:
        return str(self.node.get("x-kubernetes-patch-strategy", ""))

    @property
    def list_map_keys(self) -> list[str]:
        keys = self.node.get("x-kubernetes-list-map-keys")
        if keys:
            return list(keys)
        merge_key = self.patch_merge_key
        return [merge_key] if merge_key else []

    @property
    def list_type(self) -> str:
        node = self.node
        if node.get("x-kubernetes-list-type"):
            return str(node["x-kubernetes-list-type"])
        return "map" if self.list_map_keys else "atomic"


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
