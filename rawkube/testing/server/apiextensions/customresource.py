"""How a custom resource is decoded, prepared and validated (one CRD version's serving info).

This is apiextensions-apiserver's per-version machinery, as plain functions over dicts:

* decoding (pkg/apiserver/customresource_handler.go ``unstructuredSchemaCoercer.apply`` and
  ``unstructuredDefaulter``): metadata coerced to ObjectMeta's fields, unknown fields pruned
  (and returned, for the Warning headers or the strict-decoding 400), non-nullable nulls
  dropped, embedded resources' metadata coerced, then schema defaults filled in. Reads from
  storage are decoded the same way, so a default added to a CRD later shows up on read;
* the strategy (pkg/registry/customresource/strategy.go, status_strategy.go, validator.go):
  ``PrepareForCreate`` / ``PrepareForUpdate`` (the status split), ``Validate`` /
  ``ValidateUpdate`` / the status subresource's validation, in the real order: type meta,
  object meta, the OpenAPI schema, the scale paths, embedded object meta, list types, then CEL
  rules unless an earlier error blocks them;
* the scale subresource (pkg/registry/customresource/etcd.go ``scaleFromCustomResource``).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from rawkube.testing.server import field as fielderr
from rawkube.testing.server.apiextensions import schema
from rawkube.testing.server.apiextensions.schema import Schema
from rawkube.testing.server.field import FieldError

# metav1.ObjectMeta's JSON fields: anything else under metadata is unknown (and dropped).
OBJECT_META_FIELDS = frozenset(
    {
        "name",
        "generateName",
        "namespace",
        "selfLink",
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "labels",
        "annotations",
        "ownerReferences",
        "finalizers",
        "managedFields",
    }
)

_DNS1123_SUBDOMAIN = re.compile(
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
)
_DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_SUBDOMAIN_HELP = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.',"
    " and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
    "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
_BLOCKING = {
    fielderr.NOT_SUPPORTED,
    fielderr.REQUIRED,
    fielderr.TOO_LONG,
    fielderr.TOO_MANY,
    fielderr.TYPE_INVALID,
}


@dataclass
class CustomResourceVersion:
    """One served version of a CRD: its schemas, subresources and printer columns."""

    group: str
    version: str
    kind: str
    namespaced: bool
    schema: Schema | None = None
    status_schema: Schema | None = None
    status: bool = False
    scale: dict[str, str] | None = None
    columns: list[dict[str, Any]] = field(default_factory=list)
    preserve_unknown_fields: bool = False
    rules: Any = None  # cel.SchemaRules, built (and the CEL modules imported) when needed
    field_labels: tuple[str, ...] = ()  # selectableFields' paths, for field selectors
    # The Warning headers of every request to this version (a deprecated version's notice).
    warnings: tuple[str, ...] = ()
    storage_version: str = ""
    _fields_schema: Any = field(default=None, repr=False, compare=False)

    @classmethod
    def from_crd(cls, crd: dict[str, Any], version: dict[str, Any]) -> CustomResourceVersion:
        spec = crd.get("spec") or {}
        names = spec.get("names") or {}
        raw = ((version.get("schema") or {}).get("openAPIV3Schema")) or None
        compiled = Schema(raw) if isinstance(raw, dict) else None
        subresources = version.get("subresources") or {}
        status_schema = None
        if "status" in subresources and compiled is not None:
            status_schema = compiled.properties.get("status")
        scale = subresources.get("scale")
        return cls(
            group=str(spec.get("group", "")),
            version=str(version.get("name", "")),
            kind=str(names.get("kind", "")),
            namespaced=spec.get("scope") == "Namespaced",
            schema=compiled,
            status_schema=status_schema,
            status="status" in subresources,
            scale=dict(scale) if isinstance(scale, dict) else None,
            columns=list(version.get("additionalPrinterColumns") or []),
            preserve_unknown_fields=bool(spec.get("preserveUnknownFields")),
            rules=_rules(compiled),
            warnings=_deprecation(crd, version),
            storage_version=next(
                (str(v.get("name")) for v in spec.get("versions") or [] if v.get("storage")), ""
            ),
            field_labels=tuple(
                str(f.get("jsonPath", "")).lstrip(".")
                for f in version.get("selectableFields") or []
                if isinstance(f, dict)
            ),
        )

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}"

    def fields_schema(self) -> Any:
        """The schema managedFields and server-side apply walk (an ``openapi.Schema``): the
        CRD's schema with ObjectMeta under metadata, as the apiserver's type converter builds
        it (customresource_handler.go buildOpenAPIModelsForApply)."""
        if self._fields_schema is None:
            from rawkube.testing.server.apiextensions.publish import fields_schema

            self._fields_schema = fields_schema(self.schema.raw if self.schema else None)
        return self._fields_schema

    # -- decoding ------------------------------------------------------------------------------

    def default(self, obj: dict[str, Any]) -> None:
        """Fill in the schema's defaults (the codec's defaulter)."""
        schema.default(obj, self.schema)

    def decode(self, obj: dict[str, Any], *, defaults: bool = True) -> list[str]:
        """Coerce, prune and default ``obj`` in place; return the unknown field paths."""
        unknown = _coerce_object_meta(obj, "")
        is_ours = obj.get("kind") == self.kind and _group_of(obj.get("apiVersion")) == self.group
        if is_ours:
            if not self.preserve_unknown_fields:
                unknown.extend(schema.prune(obj, self.schema, root=True))
                schema.prune_non_nullable_nulls(obj, self.schema)
            unknown.extend(sorted(_coerce_embedded(obj, self.schema, "")))
            if defaults:
                schema.default(obj, self.schema)
        return unknown

    def read(self, obj: dict[str, Any]) -> dict[str, Any]:
        """An object as read from storage, in this version: converted (the None strategy only
        rewrites apiVersion: pkg/apiserver/conversion/nop_converter.go) and decoded again
        (defaults added since show up)."""
        converted = obj.get("apiVersion") != self.api_version
        if not converted and (self.schema is None or not _has_defaults(self.schema.raw)):
            return obj
        out = copy.deepcopy(obj)
        out["apiVersion"] = self.api_version
        if not self.preserve_unknown_fields:
            schema.prune(out, self.schema, root=True)
            schema.prune_non_nullable_nulls(out, self.schema)
        schema.default(out, self.schema)
        return out

    # -- the strategy ----------------------------------------------------------------------------

    def prepare_for_create(self, obj: dict[str, Any]) -> None:
        if self.status:
            obj.pop("status", None)

    def prepare_for_update(self, obj: dict[str, Any], old: dict[str, Any]) -> None:
        if self.status:
            if "status" in old:
                obj["status"] = old["status"]
            else:
                obj.pop("status", None)

    def validate(self, obj: dict[str, Any], old: dict[str, Any] | None = None) -> list[FieldError]:
        """Validate (create) or ValidateUpdate (update, with ``old``)."""
        errors = self._type_meta(obj)
        if errors:
            return errors
        errors.extend(_object_meta(obj, creating=old is None))
        if old is None:
            errors.extend(schema.validate(self.schema, obj))
        else:
            errors.extend(schema.validate(self.schema, obj, old=old))
        errors.extend(self._scale_spec(obj))
        errors.extend(self._scale_status(obj))
        errors.extend(validate_embedded(obj, self.schema, ""))
        if old is None or not schema.validate_list_sets_and_maps(self.schema, old):
            errors.extend(schema.validate_list_sets_and_maps(self.schema, obj))
        errors.extend(self._cel(obj, old, errors))
        return errors

    def validate_status(self, obj: dict[str, Any], old: dict[str, Any]) -> list[FieldError]:
        """ValidateStatusUpdate: only the status schema, paths under ``status``."""
        errors = self._type_meta(obj)
        if errors:
            return errors
        errors.extend(_object_meta(obj, creating=False))
        if "status" in obj:
            errors.extend(
                schema.validate(self.status_schema, obj["status"], "status", old=old.get("status"))
            )
        errors.extend(self._scale_status(obj))
        errors.extend(validate_embedded(obj, self.schema, ""))
        if not schema.validate_list_sets_and_maps(self.schema, old):
            errors.extend(schema.validate_list_sets_and_maps(self.schema, obj))
        errors.extend(self._cel(obj, old, errors))
        return errors

    def _cel(
        self, obj: dict[str, Any], old: dict[str, Any] | None, errors: list[FieldError]
    ) -> list[FieldError]:
        if self.rules is None or not self.rules.has_rules:
            return []
        if any(e.type in _BLOCKING for e in errors):
            return [
                fielderr.invalid(
                    "<nil>",
                    None,
                    "some validation rules were not checked because the object was invalid; "
                    "correct the existing errors to complete validation",
                )
            ]
        return self.rules.validate(obj, old)

    def _type_meta(self, obj: dict[str, Any]) -> list[FieldError]:
        errors = []
        if obj.get("kind") != self.kind:
            errors.append(fielderr.invalid("kind", obj.get("kind"), f"must be {self.kind}"))
        if obj.get("apiVersion") != self.api_version:
            errors.append(
                fielderr.invalid("apiVersion", obj.get("apiVersion"), f"must be {self.api_version}")
            )
        return errors

    def _scale_spec(self, obj: dict[str, Any]) -> list[FieldError]:
        if self.scale is None:
            return []
        return _replicas_errors(obj, str(self.scale.get("specReplicasPath", "")))

    def _scale_status(self, obj: dict[str, Any]) -> list[FieldError]:
        if self.scale is None:
            return []
        errors = _replicas_errors(obj, str(self.scale.get("statusReplicasPath", "")))
        selector_path = self.scale.get("labelSelectorPath")
        if selector_path:
            value, _, err = nested(obj, selector_path)
            if err or (value is not None and not isinstance(value, str)):
                detail = err or _accessor_error(selector_path, value, "string")
                errors.append(fielderr.invalid(selector_path, "", detail))
        return errors

    # -- the scale subresource --------------------------------------------------------------------

    def scale_of(self, obj: dict[str, Any]) -> dict[str, Any]:
        """scaleFromCustomResource: the autoscaling/v1 Scale view of a custom resource."""
        assert self.scale is not None
        meta = obj.get("metadata") or {}
        spec_replicas, _, _ = nested(obj, str(self.scale.get("specReplicasPath", "")))
        status_replicas, _, _ = nested(obj, str(self.scale.get("statusReplicasPath", "")))
        selector = ""
        if self.scale.get("labelSelectorPath"):
            value, _, _ = nested(obj, str(self.scale["labelSelectorPath"]))
            selector = value if isinstance(value, str) else ""
        scale_meta = {
            k: meta[k]
            for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
            if k in meta
        }
        status: dict[str, Any] = {"replicas": _int32(status_replicas)}
        if selector:
            status["selector"] = selector
        return {
            "kind": "Scale",
            "apiVersion": "autoscaling/v1",
            "metadata": scale_meta,
            "spec": {"replicas": _int32(spec_replicas)},
            "status": status,
        }

    def scale_managed_fields(
        self, entries: list[dict[str, Any]] | None, manager: str, changed: bool
    ) -> list[dict[str, Any]]:
        """The custom resource's managedFields after a write through its scale subresource, as
        the managedfields ScaleHandler records it (ToSubresource, the Scale's Update, ToParent):
        the writer's ``subresource: scale`` entry owns the replicas field (listed first, without
        a time) and the other managers lose it."""
        from rawkube.testing.server.patch import from_fields_v1, to_fields_v1

        assert self.scale is not None
        replicas = str(self.scale.get("specReplicasPath", ""))
        path = tuple("f:" + p for p in replicas.lstrip(".").split("."))
        result: list[dict[str, Any]] = []
        mine = False
        for entry in entries or []:
            copy_entry = dict(entry)
            tree = copy_entry.get("fieldsV1") or {}
            paths = from_fields_v1(tree)
            ours = (
                copy_entry.get("manager") == manager
                and copy_entry.get("operation") == "Update"
                and copy_entry.get("subresource") == "scale"
            )
            if ours:
                mine = True
                if changed:
                    paths.add(path)
            elif changed:
                paths.discard(path)
            if not paths:
                continue
            copy_entry["fieldsV1"] = to_fields_v1(paths, _marked_nodes(tree))
            result.append(copy_entry)
        if changed and not mine:
            result.insert(
                0,
                {
                    "apiVersion": self.api_version,
                    "fieldsType": "FieldsV1",
                    "fieldsV1": to_fields_v1({path}),
                    "manager": manager,
                    "operation": "Update",
                    "subresource": "scale",
                },
            )
        return result

    def with_replicas(self, obj: dict[str, Any], replicas: int) -> dict[str, Any]:
        """The custom resource with the scale's replicas written to specReplicasPath."""
        assert self.scale is not None
        out = copy.deepcopy(obj)
        parts = str(self.scale.get("specReplicasPath", "")).lstrip(".").split(".")
        node = out
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[parts[-1]] = replicas
        return out


_KUBE_VERSION = re.compile(r"^v(\d+)(?:(alpha|beta)(\d+))?$")


def kube_version_key(name: str) -> tuple[int, int, int, str]:
    """version.CompareKubeAwareVersionStrings as a sort key (larger is newer): GA over beta over
    alpha, then major, then minor; names that are not kube-like sort below, by name."""
    match = _KUBE_VERSION.match(name)
    if not match:
        return (-1, 0, 0, name)
    rank = {"alpha": 0, "beta": 1, None: 2}[match.group(2)]
    return (rank, int(match.group(1)), int(match.group(3) or 0), "")


def _deprecation(crd: dict[str, Any], version: dict[str, Any]) -> tuple[str, ...]:
    """defaultDeprecationWarning (or the version's own deprecationWarning)."""
    if not version.get("deprecated"):
        return ()
    if version.get("deprecationWarning") is not None:
        return (str(version["deprecationWarning"]),)
    spec = crd.get("spec") or {}
    group = spec.get("group", "")
    kind = (spec.get("names") or {}).get("kind", "")
    name = str(version.get("name", ""))
    message = f"{group}/{name} {kind} is deprecated"
    newer = [
        str(v.get("name", ""))
        for v in spec.get("versions") or []
        if v.get("served")
        and not v.get("deprecated")
        and kube_version_key(name) < kube_version_key(str(v.get("name", "")))
    ]
    if newer:
        best = max(newer, key=kube_version_key)
        message += f"; use {group}/{best} {kind}"
    return (message,)


def _rules(compiled: Schema | None) -> Any:
    """The schema's CEL rules; the interpreter is imported only for schemas that have some."""
    if compiled is None or not _has_rules(compiled.raw):
        return None
    from rawkube.testing.server.apiextensions import cel

    return cel.SchemaRules.build(compiled)


def _has_rules(raw: Any) -> bool:
    if isinstance(raw, dict):
        return bool(raw.get("x-kubernetes-validations")) or any(_has_rules(v) for v in raw.values())
    if isinstance(raw, list):
        return any(_has_rules(v) for v in raw)
    return False


def _marked_nodes(tree: dict[str, Any], prefix: tuple[str, ...] = ()) -> frozenset[tuple[str, ...]]:
    """The nodes of a FieldsV1 tree that carry a ``"."`` (owned themselves)."""
    found: set[tuple[str, ...]] = set()
    for key, child in tree.items():
        if key == ".":
            found.add(prefix)
        elif isinstance(child, dict):
            found |= _marked_nodes(child, (*prefix, key))
    return frozenset(found)


def _int32(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        return 0
    return ((value + 2**31) % 2**32) - 2**31


def _group_of(api_version: Any) -> str:
    if not isinstance(api_version, str):
        return ""
    return api_version.rpartition("/")[0]


def _has_defaults(raw: Any) -> bool:
    if isinstance(raw, dict):
        return "default" in raw or any(_has_defaults(v) for v in raw.values())
    if isinstance(raw, list):
        return any(_has_defaults(v) for v in raw)
    return False


def nested(obj: Any, path: str) -> tuple[Any, bool, str]:
    """unstructured.NestedFieldNoCopy over a ``.a.b`` path: (value, found, error)."""
    parts = path.lstrip(".").split(".")
    node = obj
    for i, part in enumerate(parts):
        if not isinstance(node, dict):
            where = "." + ".".join(parts[: i + 1]) if i else path
            return (
                None,
                False,
                (
                    f"{where} accessor error: {schema.go_v(node)} is of the type "
                    f"{_go_type(node)}, expected map[string]interface{{}}"
                ),
            )
        if part not in node:
            return None, False, ""
        node = node[part]
    return node, True, ""


def _go_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int64"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "[]interface {}"
    if isinstance(value, dict):
        return "map[string]interface {}"
    return "<nil>"


def _accessor_error(path: str, value: Any, expected: str) -> str:
    return (
        f"{path} accessor error: {schema.go_v(value)} is of the type {_go_type(value)}, "
        f"expected {expected}"
    )


def _replicas_errors(obj: dict[str, Any], path: str) -> list[FieldError]:
    """ValidateScaleSpec / ValidateScaleStatus for one replicas path."""
    value, found, err = nested(obj, path)
    if err:
        return [fielderr.invalid(path, 0, err)]
    if not found:
        return []
    if isinstance(value, bool) or not isinstance(value, int):
        return [fielderr.invalid(path, 0, _accessor_error(path, value, "int64"))]
    if value < 0:
        return [fielderr.invalid(path, value, "should be a non-negative integer")]
    if value > 2**31 - 1:
        return [fielderr.invalid(path, value, f"should be less than or equal to {2**31 - 1}")]
    return []


def _object_meta(obj: dict[str, Any], creating: bool) -> list[FieldError]:
    """The part of ValidateObjectMetaAccessor a custom resource's name needs (NameIsDNSSubdomain)."""
    meta = obj.get("metadata") or {}
    name = meta.get("name") or ""
    if creating and not name and not meta.get("generateName"):
        return [fielderr.required("metadata.name", "name or generateName is required")]
    errors = []
    if name and (len(name) > 253 or not _DNS1123_SUBDOMAIN.match(name)):
        errors.append(fielderr.invalid("metadata.name", name, _SUBDOMAIN_HELP))
    return errors


def _coerce_object_meta(obj: dict[str, Any], prefix: str) -> list[str]:
    """GetObjectMetaWithOptions + SetObjectMeta: unknown metadata fields are dropped."""
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        return []
    unknown = []
    for key in list(meta):
        if key not in OBJECT_META_FIELDS:
            unknown.append(f"{prefix}metadata.{key}")
            del meta[key]
    if meta.get("creationTimestamp", "") is None:
        del meta["creationTimestamp"]
    return sorted(unknown)


def _coerce_embedded(x: Any, s: Schema | None, path: str) -> list[str]:
    """objectmeta.Coerce below the root: the metadata of embedded resources."""
    if s is None:
        return []
    unknown: list[str] = []
    if isinstance(x, dict):
        if s.embedded and path:
            unknown.extend(_coerce_object_meta(x, path + "."))
        for key, value in x.items():
            child = s.properties.get(key)
            if child is not None:
                unknown.extend(_coerce_embedded(value, child, f"{path}.{key}" if path else key))
            elif s.additional is not None:
                unknown.extend(
                    _coerce_embedded(value, s.additional, f"{path}.{key}" if path else key)
                )
    elif isinstance(x, list):
        for i, value in enumerate(x):
            unknown.extend(_coerce_embedded(value, s.items, f"{path}[{i}]"))
    return unknown


_SEGMENT_BAD = ("/", "%")


def _path_segment_errors(name: str) -> list[str]:
    """content.IsPathSegmentName."""
    if name in (".", ".."):
        return [f"may not be '{name}'"]
    return [f"may not contain '{c}'" for c in _SEGMENT_BAD if c in name]


def validate_embedded(x: Any, s: Schema | None, path: str) -> list[FieldError]:
    """objectmeta.Validate: apiVersion, kind and metadata of embedded resources."""
    if s is None:
        return []
    errors: list[FieldError] = []
    if isinstance(x, dict):
        if s.embedded and path:
            errors.extend(_embedded_resource(x, path))
        for key in sorted(x):
            child = s.properties.get(key)
            if child is not None:
                errors.extend(validate_embedded(x[key], child, fielderr.path_child(path, key)))
            elif s.additional is not None:
                errors.extend(validate_embedded(x[key], s.additional, fielderr.path_key(path, key)))
    elif isinstance(x, list):
        for i, value in enumerate(x):
            errors.extend(validate_embedded(value, s.items, fielderr.path_index(path, i)))
    return errors


def _embedded_resource(x: dict[str, Any], path: str) -> list[FieldError]:
    errors = []
    if "apiVersion" not in x:
        errors.append(fielderr.required(f"{path}.apiVersion"))
    if "kind" not in x:
        errors.append(fielderr.required(f"{path}.kind"))
    api_version = x.get("apiVersion")
    if "apiVersion" in x:
        if not isinstance(api_version, str):
            errors.append(fielderr.invalid(f"{path}.apiVersion", api_version, "must be a string"))
        elif not api_version:
            errors.append(fielderr.invalid(f"{path}.apiVersion", api_version, "must not be empty"))
        elif api_version.count("/") > 1:
            errors.append(
                fielderr.invalid(
                    f"{path}.apiVersion",
                    api_version,
                    f"unexpected GroupVersion string: {api_version}",
                )
            )
    kind = x.get("kind")
    if "kind" in x:
        if not isinstance(kind, str):
            errors.append(fielderr.invalid(f"{path}.kind", kind, "must be a string"))
        elif not kind:
            errors.append(fielderr.invalid(f"{path}.kind", kind, "must not be empty"))
        elif not _DNS1035_LABEL.match(kind.lower()) or len(kind) > 63:
            errors.append(
                fielderr.invalid(
                    f"{path}.kind",
                    kind,
                    "may have mixed case, but should otherwise match: a DNS-1035 label must "
                    "consist of lower case alphanumeric characters or '-', start with an "
                    "alphabetic character, and end with an alphanumeric character (e.g. "
                    "'my-name',  or 'abc-123', regex used for validation is "
                    "'[a-z]([-a-z0-9]*[a-z0-9])?')",
                )
            )
    meta = x.get("metadata")
    if isinstance(meta, dict):
        name = meta.get("name")
        if isinstance(name, str) and name:
            for problem in _path_segment_errors(name):
                errors.append(fielderr.invalid(f"{path}.metadata.name", name, problem))
    return errors
