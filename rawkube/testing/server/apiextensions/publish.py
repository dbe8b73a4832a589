"""A CRD's schema as the rest of the server reads it: managedFields / apply, and OpenAPI.

kube-apiserver builds an OpenAPI model per CRD version (apiextensions-apiserver
pkg/controller/openapi/builder/builder.go): the CRD's structural schema with ``apiVersion``,
``kind`` and a reference to ObjectMeta under ``metadata``. The type converter of server-side
apply uses it (customresource_handler.go buildOpenAPIModelsForApply), and /openapi/v2 and
/openapi/v3 publish it.
"""

from __future__ import annotations

from typing import Any

from rawkube.testing.server.openapi_schema import Schema

_DEDUCED: dict[str, Any] = {"x-kubernetes-preserve-unknown-fields": True}
OBJECT_META_REF = "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"


def with_type_meta(root: dict[str, Any] | None) -> dict[str, Any]:
    """The CRD's root schema with apiVersion, kind and metadata (ObjectMeta) declared."""
    node = dict(root or {"type": "object", "x-kubernetes-preserve-unknown-fields": True})
    props = dict(node.get("properties") or {})
    props["apiVersion"] = {"type": "string"}
    props["kind"] = {"type": "string"}
    props["metadata"] = {"$ref": OBJECT_META_REF}
    node["properties"] = props
    node.setdefault("type", "object")
    return node


class CustomSchema(Schema):
    """An `openapi.Schema` over a CRD schema node: object fields own themselves in
    managedFields (structured-merge-diff treats a CRD's objects as granular maps), and
    fields kept by x-kubernetes-preserve-unknown-fields are deduced (maps granular, lists
    atomic)."""

    @property
    def owns_itself(self) -> bool:
        node = self.node
        if "$ref" in node or node.get("x-kubernetes-map-type") == "atomic":
            return False
        return (
            node.get("type") in ("object", None)
            or "properties" in node
            or "additionalProperties" in node
        )

    @property
    def is_object(self) -> bool:
        return super().is_object or self._preserves_unknown

    @property
    def is_free_form(self) -> bool:
        return False if self._preserves_unknown else super().is_free_form

    @property
    def _preserves_unknown(self) -> bool:
        return bool(self.node.get("x-kubernetes-preserve-unknown-fields"))

    def field(self, name: str) -> Schema | None:
        child = super().field(name)
        if child is not None and "$ref" not in self.node:
            return CustomSchema(child.node)
        if child is None and self._preserves_unknown:
            return CustomSchema(_DEDUCED)
        return child

    def has_field(self, name: str) -> bool:
        return super().has_field(name) or self._preserves_unknown

    def items(self) -> Schema | None:
        child = super().items()
        return CustomSchema(child.node) if child is not None else None


def fields_schema(root: dict[str, Any] | None) -> Schema:
    return CustomSchema(with_type_meta(root))


# -- /openapi/v2 and /openapi/v3 (controller/openapi/builder/builder.go) --------------------------

_TYPE_META_DOCS = "io.k8s.api.core.v1.Pod"
_OBJECT_META_DOC = (
    "Standard object's metadata. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"
)
_LIST_META_DOC = (
    "Standard list metadata. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds"
)
OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
LIST_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta"


def model_name(group: str, version: str, kind: str) -> str:
    """gvkToModelName: the reversed group, the version and the kind (com.example.v1.Widget)."""
    return ".".join([*reversed(group.split(".")), version, kind])


def _ref(name: str, v2: bool) -> str:
    return f"#/definitions/{name}" if v2 else f"#/components/schemas/{name}"


def _ref_with_description(name: str, description: str, v2: bool) -> dict[str, Any]:
    """A described reference: v2 puts both side by side, v3 wraps the reference in allOf."""
    if v2:
        return {"description": description, "$ref": _ref(name, True)}
    return {"description": description, "allOf": [{"$ref": _ref(name, False)}]}


def _type_meta_property(name: str) -> dict[str, Any]:
    from rawkube.testing.server.openapi_schema import v2_document

    prop = v2_document()["definitions"][_TYPE_META_DOCS]["properties"][name]
    return {"description": prop["description"], "type": "string"}


def _published(node: Any, v2: bool) -> Any:
    """A CRD schema node as published: int-or-string spelled out (v3: anyOf integer|string),
    embedded resources given apiVersion/kind/metadata, v2 without nullable / anyOf."""
    if isinstance(node, list):
        return [_published(v, v2) for v in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("properties", "definitions", "patternProperties") and isinstance(value, dict):
            out[key] = {k: _published(v, v2) for k, v in value.items()}
        elif key in ("items", "additionalProperties", "not", "allOf", "anyOf", "oneOf"):
            out[key] = _published(value, v2)
        else:
            out[key] = value
    if node.get("x-kubernetes-int-or-string") and not v2:
        out.setdefault("anyOf", [{"type": "integer"}, {"type": "string"}])
    if v2:
        out.pop("nullable", None)
        if node.get("x-kubernetes-int-or-string"):
            for key in ("anyOf", "oneOf", "allOf", "not"):
                out.pop(key, None)
    if node.get("x-kubernetes-embedded-resource"):
        props = dict(out.get("properties") or {})
        props["apiVersion"] = _type_meta_property("apiVersion")
        props["kind"] = _type_meta_property("kind")
        props["metadata"] = {"type": "object"}
        out["properties"] = props
    return out


def kind_schema(custom: Any, v2: bool = False) -> dict[str, Any]:
    """buildKubeNative: the custom resource's schema with apiVersion, kind and metadata."""
    raw = custom.schema.raw if custom.schema is not None else {"type": "object"}
    schema = _published(raw, v2)
    props = dict(schema.get("properties") or {})
    props["apiVersion"] = _type_meta_property("apiVersion")
    props["kind"] = _type_meta_property("kind")
    props["metadata"] = _ref_with_description(OBJECT_META, _OBJECT_META_DOC, v2)
    schema["properties"] = dict(sorted(props.items()))
    schema["x-kubernetes-group-version-kind"] = [
        {"group": custom.group, "kind": custom.kind, "version": custom.version}
    ]
    return schema


def list_schema(custom: Any, plural: str, list_kind: str, v2: bool = False) -> dict[str, Any]:
    """buildListSchema."""
    name = model_name(custom.group, custom.version, custom.kind)
    return {
        "description": f"{list_kind} is a list of {custom.kind}",
        "type": "object",
        "required": ["items"],
        "properties": {
            "apiVersion": _type_meta_property("apiVersion"),
            "items": {
                "description": f"List of {plural}. More info: "
                "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md",
                "type": "array",
                "items": {"$ref": _ref(name, v2)},
            },
            "kind": _type_meta_property("kind"),
            "metadata": _ref_with_description(LIST_META, _LIST_META_DOC, v2),
        },
        "x-kubernetes-group-version-kind": [
            {"group": custom.group, "kind": list_kind, "version": custom.version}
        ],
    }


def schemas_for(info: Any, v2: bool = False) -> dict[str, dict[str, Any]]:
    """The definitions a served custom resource version adds (its kind and list kind)."""
    custom = info.custom
    name = model_name(custom.group, custom.version, custom.kind)
    return {
        name: kind_schema(custom, v2),
        model_name(custom.group, custom.version, info.list_kind): list_schema(
            custom, info.resource, info.list_kind, v2
        ),
    }
