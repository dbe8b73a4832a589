"""Validation of CustomResourceDefinitions at creation (and update).

apiextensions-apiserver pkg/apis/apiextensions/validation/validation.go
``ValidateCustomResourceDefinition``, with the structural-schema rules of
pkg/apiserver/schema/validation.go ``ValidateStructural`` and the defaults check of
pkg/apiserver/schema/defaulting/validation.go ``ValidateDefaults``. Messages and paths are the
real server's: a v1 CRD is converted to the internal version first, where a schema (or
subresources, or printer columns) that all versions share is moved to the top level, so errors
in it are reported under ``spec.validation.openAPIV3Schema`` (``spec.subresources``,
``spec.additionalPrinterColumns``), and under ``spec.versions[i]`` only when versions differ.
"""

from __future__ import annotations

import json
import re
from typing import Any

from rawkube.testing.server import field
from rawkube.testing.server.apiextensions import schema
from rawkube.testing.server.apiextensions.customresource import validate_embedded
from rawkube.testing.server.apiextensions.schema import Schema
from rawkube.testing.server.field import FieldError

_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1123_SUBDOMAIN = re.compile(
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
)
_DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
LABEL_HELP = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
SUBDOMAIN_HELP = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.',"
    " and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
    "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
DNS1035_HELP = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
    "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
)
COLUMN_TYPES = ["boolean", "date", "integer", "number", "string"]
COLUMN_FORMATS = ["byte", "date", "date-time", "double", "float", "int32", "int64", "password"]
OPENAPI_TYPES = ["array", "boolean", "integer", "number", "object", "string"]
RULE_REASONS = [
    "FieldValueDuplicate",
    "FieldValueForbidden",
    "FieldValueInvalid",
    "FieldValueRequired",
]


def dns1123_label(value: str) -> list[str]:
    errs = []
    if len(value) > 63:
        errs.append("must be no more than 63 characters")
    if not _DNS1123_LABEL.match(value):
        errs.append(LABEL_HELP)
    return errs


def dns1123_subdomain(value: str) -> list[str]:
    errs = []
    if len(value) > 253:
        errs.append("must be no more than 253 characters")
    if not _DNS1123_SUBDOMAIN.match(value):
        errs.append(SUBDOMAIN_HELP)
    return errs


def dns1035_label(value: str) -> list[str]:
    errs = []
    if len(value) > 63:
        errs.append("must be no more than 63 characters")
    if not _DNS1035_LABEL.match(value):
        errs.append(DNS1035_HELP)
    return errs


def _shared(versions: list[dict[str, Any]], key: str) -> tuple[bool, Any]:
    """Whether every version carries the same ``key`` (moved to the top level internally)."""
    values = [json.dumps(v.get(key), sort_keys=True) for v in versions]
    if versions and len(set(values)) == 1:
        return True, versions[0].get(key)
    return False, None


def default_crd(crd: dict[str, Any]) -> None:
    """SetDefaults_CustomResourceDefinitionSpec (apiextensions/v1/defaults.go), in place."""
    spec = crd.setdefault("spec", {})
    names = spec.setdefault("names", {})
    if names.get("kind"):
        names.setdefault("listKind", f"{names['kind']}List")
    names.setdefault("singular", str(names.get("kind", "")).lower())
    spec.setdefault("conversion", {"strategy": "None"})


def validate_crd(crd: dict[str, Any]) -> list[FieldError]:
    """ValidateCustomResourceDefinition for a v1 CRD as posted (after defaulting)."""
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    group = str(spec.get("group") or "")
    errors: list[FieldError] = []
    name = str((crd.get("metadata") or {}).get("name") or "")
    plural = str(names.get("plural") or "")
    if not name:
        errors.append(field.required("metadata.name", "name or generateName is required"))
    else:
        problems = dns1123_subdomain(name)
        if name != f"{plural}.{group}":
            problems.append('must be spec.names.plural+"."+spec.group')
        errors.extend(field.invalid("metadata.name", name, p) for p in problems)
    errors.extend(_validate_spec(spec))
    versions = [v for v in spec.get("versions") or [] if isinstance(v, dict)]
    if not any(v.get("storage") for v in versions):
        errors.append(
            field.invalid("status.storedVersions", None, "must have at least one stored version")
        )
    return errors


def _validate_spec(spec: dict[str, Any]) -> list[FieldError]:
    errors: list[FieldError] = []
    group = str(spec.get("group") or "")
    if not group:
        errors.append(field.required("spec.group"))
    elif dns1123_subdomain(group):
        errors.append(field.invalid("spec.group", group, ",".join(dns1123_subdomain(group))))
    elif len(group.split(".")) < 2:
        errors.append(
            field.invalid("spec.group", group, "should be a domain with at least one dot")
        )
    scope = str(spec.get("scope") or "")
    if not scope:
        errors.append(field.required("spec.scope"))
    elif scope not in ("Cluster", "Namespaced"):
        errors.append(field.not_supported("spec.scope", scope, ["Cluster", "Namespaced"]))
    versions = [v for v in spec.get("versions") or [] if isinstance(v, dict)]
    shared_schema, top_schema = _shared(versions, "schema")
    shared_subresources, top_subresources = _shared(versions, "subresources")
    shared_columns, top_columns = _shared(versions, "additionalPrinterColumns")
    shared_fields, top_fields = _shared(versions, "selectableFields")
    for i, version in enumerate(versions):
        raw = (version.get("schema") or {}).get("openAPIV3Schema")
        if not isinstance(raw, dict):
            errors.append(field.required(f"spec.versions[{i}].schema.openAPIV3Schema"))
    storage = 0
    seen: set[str] = set()
    unique = True
    for i, version in enumerate(versions):
        vname = str(version.get("name") or "")
        storage += 1 if version.get("storage") else 0
        unique = unique and vname not in seen
        seen.add(vname)
        if dns1035_label(vname):
            errors.append(
                field.invalid(f"spec.versions[{i}].name", vname, ",".join(dns1035_label(vname)))
            )
        base = f"spec.versions[{i}]"
        subresources = top_subresources if shared_subresources else version.get("subresources")
        status_enabled = isinstance(subresources, dict) and "status" in subresources
        if not shared_schema:
            errors.extend(
                _validate_validation(version.get("schema"), f"{base}.schema", status_enabled)
            )
        if not shared_subresources:
            errors.extend(
                _validate_subresources(version.get("subresources"), f"{base}.subresources")
            )
        if not shared_columns:
            for j, col in enumerate(version.get("additionalPrinterColumns") or []):
                errors.extend(_validate_column(col, f"{base}.additionalPrinterColumns[{j}]"))
        if not shared_fields and version.get("selectableFields"):
            errors.extend(
                _validate_selectable_fields(
                    version["selectableFields"], version.get("schema"), f"{base}.selectableFields"
                )
            )
    if not unique:
        errors.append(
            field.invalid(
                "spec.versions",
                _versions_value(versions, spec),
                "must contain unique version names",
            )
        )
    if storage != 1:
        errors.append(
            field.invalid(
                "spec.versions",
                _versions_value(versions, spec),
                "must have exactly one version marked as storage version",
            )
        )
    names = spec.get("names") or {}
    for key in ("plural", "singular", "kind", "listKind"):
        if not names.get(key):
            errors.append(field.required(f"spec.names.{key}"))
    errors.extend(_validate_names(names))
    if shared_schema:
        status_enabled = isinstance(top_subresources, dict) and "status" in (top_subresources or {})
        errors.extend(_validate_validation(top_schema, "spec.validation", status_enabled))
    if shared_subresources:
        errors.extend(_validate_subresources(top_subresources, "spec.subresources"))
    if shared_columns:
        for j, col in enumerate(top_columns or []):
            errors.extend(_validate_column(col, f"spec.additionalPrinterColumns[{j}]"))
    if shared_fields and top_fields:
        errors.extend(_validate_selectable_fields(top_fields, top_schema, "spec.selectableFields"))
    conversion = spec.get("conversion") or {}
    strategy = conversion.get("strategy", "None")
    if strategy not in ("None", "Webhook"):
        errors.append(
            field.not_supported("spec.conversion.strategy", strategy, ["None", "Webhook"])
        )
    return errors


def _versions_value(versions: list[dict[str, Any]], spec: dict[str, Any]) -> Any:
    """The internal CustomResourceDefinitionVersion structs as Go's JSON shows them (no json
    tags: field names as declared), with the fields moved to the top level shown as null."""
    shared_schema, _ = _shared(versions, "schema")
    shared_sub, _ = _shared(versions, "subresources")
    shared_cols, _ = _shared(versions, "additionalPrinterColumns")
    out = []
    for v in versions:
        out.append(
            field.GoStruct(
                {
                    "Name": v.get("name", ""),
                    "Served": bool(v.get("served")),
                    "Storage": bool(v.get("storage")),
                    "Deprecated": bool(v.get("deprecated")),
                    "DeprecationWarning": v.get("deprecationWarning"),
                    "Schema": None if shared_schema else v.get("schema"),
                    "Subresources": None if shared_sub else v.get("subresources"),
                    "AdditionalPrinterColumns": None
                    if shared_cols
                    else v.get("additionalPrinterColumns"),
                    "SelectableFields": v.get("selectableFields"),
                }
            )
        )
    return out


MAX_SELECTABLE_FIELDS = 8


def _validate_selectable_fields(
    selectable: list[Any], validation: Any, path: str
) -> list[FieldError]:
    """ValidateCustomResourceSelectableFields."""
    raw = (validation or {}).get("openAPIV3Schema") if isinstance(validation, dict) else None
    if not isinstance(raw, dict):
        return [field.invalid(path, "", "may only be set when validations.schema is included")]
    root = Schema(raw)
    errors: list[FieldError] = []
    seen: set[str] = set()
    for i, entry in enumerate(selectable):
        where = f"{path}[{i}].jsonPath"
        json_path = str((entry or {}).get("jsonPath") or "")
        if not json_path:
            errors.append(field.required(where))
            continue
        target = _schema_at(root, json_path)
        if target is None:
            errors.append(
                field.invalid(
                    where, json_path, "is an invalid path: does not refer to a valid field"
                )
            )
            continue
        if json_path.startswith(".metadata"):
            errors.append(field.invalid(where, json_path, "must not point to fields in metadata"))
        elif target.type not in ("string", "boolean", "integer") or target.int_or_string:
            errors.append(
                field.invalid(
                    where,
                    json_path,
                    "must point to a field of type string, boolean or integer. Enum string "
                    "fields and strings with formats are allowed.",
                )
            )
        if json_path in seen:
            errors.append(field.duplicate(where, json_path))
        seen.add(json_path)
    if len(seen) > MAX_SELECTABLE_FIELDS:
        errors.append(field.too_many(path, len(seen), MAX_SELECTABLE_FIELDS))
    return errors


def _schema_at(root: Schema, json_path: str) -> Schema | None:
    """cel.ValidFieldPath over dotted paths: the schema a path names, None if it names none."""
    node: Schema | None = root
    for part in json_path.lstrip(".").split("."):
        if node is None or not part:
            return None
        if node.properties:
            node = node.properties.get(part)
        elif node.additional is not None:
            node = node.additional
        else:
            return None
    return node


def _validate_names(names: dict[str, Any]) -> list[FieldError]:
    errors: list[FieldError] = []
    for key in ("plural", "singular"):
        value = str(names.get(key) or "")
        if value and dns1123_label(value):
            errors.append(field.invalid(f"spec.names.{key}", value, ",".join(dns1123_label(value))))
    for key in ("kind", "listKind"):
        value = str(names.get(key) or "")
        if value and dns1035_label(value.lower()):
            errors.append(
                field.invalid(
                    f"spec.names.{key}",
                    value,
                    "may have mixed case, but should otherwise match: "
                    + ",".join(dns1035_label(value.lower())),
                )
            )
    for i, short in enumerate(names.get("shortNames") or []):
        if dns1123_label(str(short)):
            errors.append(
                field.invalid(
                    f"spec.names.shortNames[{i}]", short, ",".join(dns1123_label(str(short)))
                )
            )
    if names.get("kind") and names.get("kind") == names.get("listKind"):
        errors.append(
            field.invalid(
                "spec.names.listKind",
                names.get("listKind"),
                "kind and listKind may not be the same",
            )
        )
    for i, category in enumerate(names.get("categories") or []):
        if dns1123_label(str(category)):
            errors.append(
                field.invalid(
                    f"spec.names.categories[{i}]", category, ",".join(dns1123_label(str(category)))
                )
            )
    return errors


def _validate_column(col: dict[str, Any], path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    if not col.get("name"):
        errors.append(field.required(f"{path}.name"))
    ctype = col.get("type")
    if not ctype:
        errors.append(field.required(f"{path}.type", f"must be one of {','.join(COLUMN_TYPES)}"))
    elif ctype not in COLUMN_TYPES:
        errors.append(
            field.invalid(f"{path}.type", ctype, f"must be one of {','.join(COLUMN_TYPES)}")
        )
    fmt = col.get("format")
    if fmt and fmt not in COLUMN_FORMATS:
        errors.append(
            field.invalid(f"{path}.format", fmt, f"must be one of {','.join(COLUMN_FORMATS)}")
        )
    if not col.get("jsonPath"):
        errors.append(field.required(f"{path}.JSONPath"))
    else:
        errors.extend(_simple_json_path(str(col["jsonPath"]), f"{path}.jsonPath"))
    return errors


def _simple_json_path(path_text: str, where: str) -> list[FieldError]:
    if not path_text:
        return [field.invalid(where, path_text, "must not be empty")]
    if not path_text.startswith("."):
        return [field.invalid(where, path_text, "must be a simple json path starting with .")]
    return []


def _validate_subresources(subresources: Any, path: str) -> list[FieldError]:
    if not isinstance(subresources, dict):
        return []
    scale = subresources.get("scale")
    if not isinstance(scale, dict):
        return []
    errors: list[FieldError] = []
    spec_path = str(scale.get("specReplicasPath") or "")
    if not spec_path:
        errors.append(field.required(f"{path}.scale.specReplicasPath"))
    else:
        problems = _simple_json_path(spec_path, f"{path}.scale.specReplicasPath")
        if problems:
            errors.extend(problems)
        elif spec_path == ".spec" or not spec_path.startswith(".spec."):
            errors.append(
                field.invalid(
                    f"{path}.scale.specReplicasPath", spec_path, "should be a json path under .spec"
                )
            )
    status_path = str(scale.get("statusReplicasPath") or "")
    if not status_path:
        errors.append(field.required(f"{path}.scale.statusReplicasPath"))
    else:
        problems = _simple_json_path(status_path, f"{path}.scale.statusReplicasPath")
        if problems:
            errors.extend(problems)
        elif status_path == ".status" or not status_path.startswith(".status."):
            errors.append(
                field.invalid(
                    f"{path}.scale.statusReplicasPath",
                    status_path,
                    "should be a json path under .status",
                )
            )
    selector = scale.get("labelSelectorPath")
    if selector:
        problems = _simple_json_path(str(selector), f"{path}.scale.labelSelectorPath")
        if problems:
            errors.extend(problems)
        elif not (str(selector).startswith(".spec.") or str(selector).startswith(".status.")):
            errors.append(
                field.invalid(
                    f"{path}.scale.labelSelectorPath",
                    selector,
                    "should be a json path under either .spec or .status",
                )
            )
    return errors


# -- schemas -----------------------------------------------------------------------------------


def _validate_validation(validation: Any, path: str, status_enabled: bool) -> list[FieldError]:
    """validateCustomResourceDefinitionValidation."""
    if not isinstance(validation, dict):
        return []
    raw = validation.get("openAPIV3Schema")
    if not isinstance(raw, dict):
        return []
    base = f"{path}.openAPIV3Schema"
    errors: list[FieldError] = []
    if raw.get("nullable"):
        errors.append(field.forbidden(f"{base}.nullable", "nullable cannot be true at the root"))
    structural = structural_errors(raw, base)
    if structural:
        errors.extend(structural)
    else:
        errors.extend(default_errors(Schema(raw), base, root=True))
    schema_errors, cel_errors = _openapi_schema_errors(raw, base, root=True, meta=False)
    errors.extend(schema_errors)
    errors.extend(cel_errors)
    return errors


def structural_errors(raw: dict[str, Any], base: str) -> list[FieldError]:
    """ValidateStructural: the invariants of a structural schema, sorted by message."""
    errors = _structural_invariants(raw, "root", base)
    errors.sort(key=str)
    return errors


def _structural_invariants(s: dict[str, Any], level: str, path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    stype = str(s.get("type") or "")
    items = s.get("items")
    if stype == "array" and not isinstance(items, dict):
        errors.append(field.required(f"{path}.items", "must be specified"))
    if isinstance(items, dict):
        errors.extend(_structural_invariants(items, "item", f"{path}.items"))
    props = s.get("properties") or {}
    for key in sorted(props):
        if isinstance(props[key], dict):
            errors.extend(_structural_invariants(props[key], "field", f"{path}.properties[{key}]"))
    extra = s.get("additionalProperties")
    if extra is not None and extra is not False:
        if level == "root":
            errors.append(
                field.forbidden(f"{path}.additionalProperties", "must not be used at the root")
            )
        if isinstance(extra, dict):
            errors.extend(_structural_invariants(extra, "field", f"{path}.additionalProperties"))
    int_or_string = bool(s.get("x-kubernetes-int-or-string"))
    preserve = s.get("x-kubernetes-preserve-unknown-fields") is True
    embedded = bool(s.get("x-kubernetes-embedded-resource"))
    if int_or_string and preserve:
        errors.append(
            field.invalid(
                f"{path}.x-kubernetes-preserve-unknown-fields",
                True,
                "must be false if x-kubernetes-int-or-string is true",
            )
        )
    if int_or_string and embedded:
        errors.append(
            field.invalid(
                f"{path}.x-kubernetes-embedded-resource",
                True,
                "must be false if x-kubernetes-int-or-string is true",
            )
        )
    for key in ("anyOf", "allOf", "oneOf"):
        for i, sub in enumerate(s.get(key) or []):
            if int_or_string and key == "anyOf":
                continue
            if isinstance(sub, dict):
                errors.extend(_nested_value_validation(sub, f"{path}.{key}[{i}]"))
    if isinstance(s.get("not"), dict):
        errors.extend(_nested_value_validation(s["not"], f"{path}.not"))
    pattern = s.get("pattern")
    if isinstance(pattern, str) and pattern:
        problem = regexp_error(pattern)
        if problem:
            errors.append(
                field.invalid(
                    f"{path}.pattern",
                    pattern,
                    f"must be a valid regular expression, but isn't: {problem}",
                )
            )
    check_metadata = level == "root" or embedded
    if embedded and stype != "object":
        if not stype:
            errors.append(
                field.required(
                    f"{path}.type", "must be object if x-kubernetes-embedded-resource is true"
                )
            )
        else:
            errors.append(
                field.invalid(
                    f"{path}.type",
                    stype,
                    "must be object if x-kubernetes-embedded-resource is true",
                )
            )
    elif not stype and not int_or_string and not preserve:
        where = {
            "root": "must not be empty at the root",
            "item": "must not be empty for specified array items",
            "field": "must not be empty for specified object fields",
        }[level]
        errors.append(field.required(f"{path}.type", where))
    if embedded and extra is not None:
        errors.append(
            field.forbidden(
                f"{path}.additionalProperties",
                "must not be used if x-kubernetes-embedded-resource is set",
            )
        )
    if level == "root" and stype and stype != "object":
        errors.append(field.invalid(f"{path}.type", stype, "must be object at the root"))
    for key in ("kind", "apiVersion"):
        if key in props and check_metadata and (props[key] or {}).get("type") != "string":
            errors.append(
                field.invalid(
                    f"{path}.properties[{key}].type",
                    (props[key] or {}).get("type", ""),
                    "must be string",
                )
            )
    if "metadata" in props and isinstance(props["metadata"], dict):
        meta = props["metadata"]
        mpath = f"{path}.properties[metadata]"
        if check_metadata and meta.get("type") != "object":
            errors.append(field.invalid(f"{mpath}.type", meta.get("type", ""), "must be object"))
        if level == "root":
            rest = {k: v for k, v in meta.items() if k not in ("type", "default")}
            mprops = rest.get("properties") or {}
            if set(mprops) <= {"name", "generateName"}:
                rest.pop("properties", None)
            if rest:
                errors.append(
                    field.forbidden(
                        mpath,
                        "must not specify anything other than name and generateName, but "
                        "metadata is implicitly specified",
                    )
                )
    if embedded and not preserve and not props:
        errors.append(
            field.required(
                f"{path}.properties",
                "must not be empty if x-kubernetes-embedded-resource is true without "
                "x-kubernetes-preserve-unknown-fields",
            )
        )
    return errors


_FORBIDDEN_NESTED = [
    ("type", "must be empty to be structural", lambda v: bool(v)),
    ("default", "must be undefined to be structural", lambda v: v is not None),
    ("title", "must be empty to be structural", lambda v: bool(v)),
    ("description", "must be empty to be structural", lambda v: bool(v)),
    ("nullable", "must be false to be structural", lambda v: bool(v)),
    ("x-kubernetes-preserve-unknown-fields", "must be false to be structural", lambda v: bool(v)),
    ("x-kubernetes-embedded-resource", "must be false to be structural", lambda v: bool(v)),
    ("x-kubernetes-int-or-string", "must be false to be structural", lambda v: bool(v)),
    ("x-kubernetes-list-map-keys", "must be empty to be structural", lambda v: bool(v)),
    ("x-kubernetes-list-type", "must be undefined to be structural", lambda v: v is not None),
    ("x-kubernetes-map-type", "must be undefined to be structural", lambda v: v is not None),
]


def _nested_value_validation(s: dict[str, Any], path: str) -> list[FieldError]:
    """validateNestedValueValidation: what allOf/anyOf/oneOf/not may not carry."""
    errors: list[FieldError] = []
    for key in ("anyOf", "allOf", "oneOf"):
        for i, sub in enumerate(s.get(key) or []):
            if isinstance(sub, dict):
                errors.extend(_nested_value_validation(sub, f"{path}.{key}[{i}]"))
    if isinstance(s.get("not"), dict):
        errors.extend(_nested_value_validation(s["not"], f"{path}.not"))
    if isinstance(s.get("items"), dict):
        errors.extend(_nested_value_validation(s["items"], f"{path}.items"))
    for key, sub in sorted((s.get("properties") or {}).items()):
        if isinstance(sub, dict):
            errors.extend(_nested_value_validation(sub, f"{path}.properties[{key}]"))
    if s.get("additionalProperties") is not None:
        errors.append(
            field.forbidden(f"{path}.additionalProperties", "must be undefined to be structural")
        )
    for key, detail, present in _FORBIDDEN_NESTED:
        if present(s.get(key)):
            errors.append(field.forbidden(f"{path}.{key}", detail))
    if s.get("x-kubernetes-validations"):
        errors.append(
            field.forbidden(f"{path}.x-kubernetes-validations", "must be empty to be structural")
        )
    if "metadata" in (s.get("properties") or {}):
        errors.append(
            field.forbidden(
                f"{path}.properties[metadata]", "must not be specified in a nested context"
            )
        )
    return errors


def regexp_error(pattern: str) -> str:
    """Whether Go's regexp accepts a pattern, with its error text for the common mistakes."""
    depth = 0
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            end = _class_end(pattern, i)
            if end < 0:
                return f"error parsing regexp: missing closing ]: `{pattern[i:]}`"
            i = end + 1
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                return f"error parsing regexp: unexpected ): `{pattern}`"
        i += 1
    if depth > 0:
        return f"error parsing regexp: missing closing ): `{pattern}`"
    try:
        re.compile(schema.go_regexp(pattern))
    except re.error as exc:
        return f"error parsing regexp: {exc}"
    return ""


def _class_end(pattern: str, start: int) -> int:
    i = start + 1
    if i < len(pattern) and pattern[i] == "^":
        i += 1
    if i < len(pattern) and pattern[i] == "]":
        i += 1
    while i < len(pattern):
        if pattern[i] == "\\":
            i += 2
            continue
        if pattern[i] == "]":
            return i
        i += 1
    return -1


def default_errors(
    s: Schema, path: str, root: bool = False, inside_meta: bool = False
) -> list[FieldError]:
    """ValidateDefaults: every default must be pruned and valid against its own schema."""
    errors: list[FieldError] = []
    embedded = s.embedded or root
    if s.default is not schema.MISSING and s.default is not None and not inside_meta:
        value = s.default
        pruned = json.loads(json.dumps(value))
        schema.prune(pruned, s, root=s.embedded)
        if not schema.json_equal(pruned, value):
            errors.append(field.invalid(f"{path}.default", value, "must not have unknown fields"))
        problems = validate_embedded(value, s, "") if s.embedded else []
        if problems:
            errors.extend(problems)
        else:
            found = schema.validate(s, value, f"{path}.default")
            errors.extend(found)
            if not found and s.validations:
                from rawkube.testing.server.apiextensions import cel

                errors.extend(cel.validate_default(s, value, f"{path}.default"))
    if s.items is not None:
        errors.extend(default_errors(s.items, f"{path}.items", inside_meta=inside_meta))
    for key in sorted(s.properties):
        sub_meta = inside_meta or (embedded and key in ("metadata", "apiVersion", "kind"))
        errors.extend(
            default_errors(s.properties[key], f"{path}.properties[{key}]", inside_meta=sub_meta)
        )
    return errors


def _openapi_schema_errors(
    s: dict[str, Any], path: str, *, root: bool, meta: bool
) -> tuple[list[FieldError], list[FieldError]]:
    """ValidateCustomResourceDefinitionOpenAPISchema: (schema errors, CEL errors)."""
    errors: list[FieldError] = []
    cel_errors: list[FieldError] = []
    stype = s.get("type")
    if stype not in (None, "", *OPENAPI_TYPES):
        if stype == "null":
            errors.append(
                field.forbidden(
                    f"{path}.type", "type cannot be set to null, use nullable as an alternative"
                )
            )
        else:
            errors.append(field.not_supported(f"{path}.type", stype, OPENAPI_TYPES))
    if meta and s.get("default") is not None and root is False:
        pass
    for key, detail in (
        ("id", "id is not supported"),
        ("additionalItems", "additionalItems is not supported"),
        ("patternProperties", "patternProperties is not supported"),
        ("definitions", "definitions is not supported"),
        ("dependencies", "dependencies is not supported"),
        ("$ref", "$ref is not supported"),
    ):
        if s.get(key):
            errors.append(field.forbidden(f"{path}.{key}", detail))
    if isinstance(s.get("items"), list):
        errors.append(
            field.forbidden(f"{path}.items", "items must be a schema object and not an array")
        )
    if s.get("uniqueItems"):
        errors.append(
            field.forbidden(
                f"{path}.uniqueItems",
                "uniqueItems cannot be set to true since the runtime complexity becomes quadratic",
            )
        )
    extra = s.get("additionalProperties")
    props = s.get("properties") or {}
    if extra is not None:
        if props and (extra is False or isinstance(extra, dict)):
            errors.append(
                field.forbidden(
                    f"{path}.additionalProperties",
                    "additionalProperties and properties are mutual exclusive",
                )
            )
        if isinstance(extra, dict):
            more, more_cel = _openapi_schema_errors(
                extra, f"{path}.additionalProperties", root=False, meta=meta
            )
            errors.extend(more)
            cel_errors.extend(more_cel)
    for key in sorted(props):
        if isinstance(props[key], dict):
            sub_meta = meta or (
                (root or bool(s.get("x-kubernetes-embedded-resource")))
                and key in ("metadata", "kind", "apiVersion")
            )
            more, more_cel = _openapi_schema_errors(
                props[key], f"{path}.properties[{key}]", root=False, meta=sub_meta
            )
            errors.extend(more)
            cel_errors.extend(more_cel)
    for key in ("allOf", "oneOf", "anyOf"):
        for i, sub in enumerate(s.get(key) or []):
            if isinstance(sub, dict):
                more, more_cel = _openapi_schema_errors(
                    sub, f"{path}.{key}[{i}]", root=False, meta=meta
                )
                errors.extend(more)
                cel_errors.extend(more_cel)
    items = s.get("items")
    if isinstance(items, dict):
        more, more_cel = _openapi_schema_errors(items, f"{path}.items", root=False, meta=meta)
        errors.extend(more)
        cel_errors.extend(more_cel)
    if s.get("x-kubernetes-preserve-unknown-fields") is False:
        errors.append(
            field.invalid(
                f"{path}.x-kubernetes-preserve-unknown-fields", False, "must be true or undefined"
            )
        )
    map_type = s.get("x-kubernetes-map-type")
    if map_type is not None and stype != "object":
        if not stype:
            errors.append(
                field.required(
                    f"{path}.type", "must be object if x-kubernetes-map-type is specified"
                )
            )
        else:
            errors.append(
                field.invalid(
                    f"{path}.type", stype, "must be object if x-kubernetes-map-type is specified"
                )
            )
    if map_type is not None and map_type not in ("atomic", "granular"):
        errors.append(
            field.not_supported(f"{path}.x-kubernetes-map-type", map_type, ["atomic", "granular"])
        )
    errors.extend(_list_type_errors(s, path))
    for i, rule in enumerate(s.get("x-kubernetes-validations") or []):
        rule_errors, compile_errors = _rule_errors(
            rule,
            s,
            f"{path}.x-kubernetes-validations[{i}]",
            root or bool(s.get("x-kubernetes-embedded-resource")),
        )
        errors.extend(rule_errors)
        cel_errors.extend(compile_errors)
    return errors, cel_errors


def _list_type_errors(s: dict[str, Any], path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    stype = s.get("type")
    list_type = s.get("x-kubernetes-list-type")
    keys = s.get("x-kubernetes-list-map-keys") or []
    items = s.get("items") if isinstance(s.get("items"), dict) else None
    if list_type is not None and stype != "array":
        if not stype:
            errors.append(
                field.required(
                    f"{path}.type", "must be array if x-kubernetes-list-type is specified"
                )
            )
        else:
            errors.append(
                field.invalid(
                    f"{path}.type", stype, "must be array if x-kubernetes-list-type is specified"
                )
            )
    elif (
        list_type == "set"
        and items is not None
        and items.get("type") == "object"
        and items.get("x-kubernetes-map-type") != "atomic"
    ):
        errors.append(
            field.invalid(
                f"{path}.items.x-kubernetes-map-type",
                items.get("x-kubernetes-map-type"),
                "must be atomic as item of a list with x-kubernetes-list-type=set",
            )
        )
    if list_type is not None and list_type not in ("atomic", "set", "map"):
        errors.append(
            field.not_supported(
                f"{path}.x-kubernetes-list-type", list_type, ["atomic", "set", "map"]
            )
        )
    if keys and list_type != "map":
        if list_type is None:
            errors.append(
                field.required(
                    f"{path}.x-kubernetes-list-type",
                    "must be map if x-kubernetes-list-map-keys is non-empty",
                )
            )
        else:
            errors.append(
                field.invalid(
                    f"{path}.x-kubernetes-list-type",
                    list_type,
                    "must be map if x-kubernetes-list-map-keys is non-empty",
                )
            )
    if list_type == "map":
        if not keys:
            errors.append(
                field.required(
                    f"{path}.x-kubernetes-list-map-keys",
                    "must not be empty if x-kubernetes-list-type is map",
                )
            )
        if items is None:
            errors.append(
                field.required(
                    f"{path}.items", "must have a schema if x-kubernetes-list-type is map"
                )
            )
        elif items.get("type") != "object":
            errors.append(
                field.invalid(
                    f"{path}.items.type",
                    items.get("type", ""),
                    "must be object if parent array's x-kubernetes-list-type is map",
                )
            )
        else:
            item_props = items.get("properties") or {}
            for key in keys:
                if key in item_props and (item_props[key] or {}).get("type") in ("object", "array"):
                    errors.append(
                        field.invalid(
                            f"{path}.items.properties[{key}].type",
                            items.get("type"),
                            "must be a scalar type if parent array's x-kubernetes-list-type is map",
                        )
                    )
            if keys and not all(k in item_props for k in keys):
                errors.append(
                    field.invalid(
                        f"{path}.x-kubernetes-list-map-keys",
                        keys,
                        "entries must all be names of item properties",
                    )
                )
            if len(set(keys)) != len(keys):
                errors.append(
                    field.invalid(
                        f"{path}.x-kubernetes-list-map-keys",
                        keys,
                        "must not contain duplicate entries",
                    )
                )
            required = set(items.get("required") or [])
            for key in keys:
                prop = item_props.get(key) or {}
                if key in item_props and key not in required and "default" not in prop:
                    errors.append(
                        field.required(
                            f"{path}.items.properties[{key}].default",
                            "this property is in x-kubernetes-list-map-keys, so it must have a "
                            "default or be a required property",
                        )
                    )
    return errors


def _rule_errors(
    rule: Any, s: dict[str, Any], path: str, resource: bool = False
) -> tuple[list[FieldError], list[FieldError]]:
    errors: list[FieldError] = []
    if not isinstance(rule, dict):
        return errors, []
    text = str(rule.get("rule") or "")
    if not text.strip():
        errors.append(field.required(f"{path}.rule", "rule is not specified"))
    message = rule.get("message")
    if message is not None and "message" in rule:
        if not str(message).strip():
            errors.append(
                field.invalid(f"{path}.message", message, "must be non-empty if specified")
            )
        elif "\n" in str(message):
            errors.append(field.invalid(f"{path}.message", message, "must not contain line breaks"))
    elif "\n" in text:
        errors.append(
            field.required(
                f"{path}.message", "message must be specified if rule contains line breaks"
            )
        )
    if "messageExpression" in rule and not str(rule.get("messageExpression") or "").strip():
        errors.append(
            field.required(
                f"{path}.messageExpression", "messageExpression must be non-empty if specified"
            )
        )
    reason = rule.get("reason")
    if reason is not None and reason not in RULE_REASONS:
        errors.append(field.not_supported(f"{path}.reason", reason, RULE_REASONS))
    compile_errors: list[FieldError] = []
    if text.strip():
        from rawkube.testing.server.apiextensions import cel

        compile_errors = cel.compile_errors(rule, Schema(s), path, resource)
    return errors, compile_errors
