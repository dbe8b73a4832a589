"""The OpenAPI v2 document and `Schema`, the walk over its definitions (split out of openapi.py).

`Schema` reads a definition the way the apiserver's strategic-merge-patch and
structured-merge-diff code read it (see openapi.py). It lives in this leaf, which imports no
other module of the server, so that patch.py and apiextensions/publish.py (which openapi.py's
document builder and resources.py's custom resources reach) use it without an import circle;
openapi.py re-exports `Schema` and `v2_document`.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources as importlib_resources
from typing import Any


def _data_bytes(name: str) -> bytes:
    path = importlib_resources.files("rawkube.testing.server") / "data" / name
    return path.read_bytes()


@lru_cache(maxsize=1)
def v2_document() -> dict[str, Any]:
    """The OpenAPI v2 document (2 MB of JSON: parsed on first use only)."""
    doc: dict[str, Any] = json.loads(gzip.decompress(_data_bytes("openapi-v2.json.gz")))
    return doc


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
    def owns_itself(self) -> bool:
        """Whether an Update owns this object node itself (a ``".": {}`` entry). Built-in
        structs do not; a custom resource's object fields do (see apiextensions)."""
        return False

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

    @property
    def required(self) -> frozenset[str]:
        """Fields the schema requires (a required list is always present, so SSA never
        records the list itself as set by a manager)."""
        return frozenset(self._resolved().get("required") or ())

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


__all__ = ["Schema", "v2_document"]
