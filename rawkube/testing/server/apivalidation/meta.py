"""Names, labels, annotations, label selectors and ObjectMeta, as kube-apiserver validates them.

Mirrors k8s.io/apimachinery/pkg/util/validation/validation.go (IsDNS1123Label, ...),
k8s.io/apimachinery/pkg/api/validate/content (IsLabelKey, IsLabelValue, path segments),
k8s.io/apimachinery/pkg/api/validation/objectmeta.go and generic.go (ValidateObjectMeta*,
NameIsDNSSubdomain, maskTrailingDash), k8s.io/apimachinery/pkg/apis/meta/v1/validation
(ValidateLabels, ValidateLabelSelector, ValidateManagedFields) and
pkg/apis/core/validation/validation.go (ValidateObjectMeta's finalizer checks).

Go iterates maps (labels, annotations) in random order; we go in sorted key order, so when one
object has several bad labels the causes may come in another order than a given real answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from rawkube.testing.server.apivalidation import fielderrors as fe
from rawkube.testing.server.apivalidation.fielderrors import Cause

# -- helpers for reading decoded objects (values already have their Go types) -------------------


def s(obj: Any, key: str) -> str:
    value = obj.get(key) if isinstance(obj, dict) else None
    return value if isinstance(value, str) else ""


def d(obj: Any, key: str) -> dict[str, Any]:
    value = obj.get(key) if isinstance(obj, dict) else None
    return value if isinstance(value, dict) else {}


def lst(obj: Any, key: str) -> list[Any]:
    value = obj.get(key) if isinstance(obj, dict) else None
    return value if isinstance(value, list) else []


def n(obj: Any, key: str, default: int = 0) -> int:
    value = obj.get(key) if isinstance(obj, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def opt(obj: Any, key: str) -> Any:
    """A pointer field: its value, or None."""
    return obj.get(key) if isinstance(obj, dict) else None


# -- util/validation ------------------------------------------------------------------------------

DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_SUBDOMAIN_FMT = DNS1123_LABEL_FMT + "(\\." + DNS1123_LABEL_FMT + ")*"
DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
_LABEL_RE = re.compile(f"^{DNS1123_LABEL_FMT}$")
_SUBDOMAIN_RE = re.compile(f"^{DNS1123_SUBDOMAIN_FMT}$")
_DNS1035_RE = re.compile(f"^{DNS1035_LABEL_FMT}$")
_LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character"
)
_SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character"
)
_DNS1035_MSG = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character"
)


def regex_error(msg: str, fmt: str, *examples: str) -> str:
    if not examples:
        return f"{msg} (regex used for validation is '{fmt}')"
    shown = " or ".join(f"'{e}', " for e in examples)
    return f"{msg} (e.g. {shown}regex used for validation is '{fmt}')"


def max_len_error(length: int) -> str:
    return f"must be no more than {length} characters"


def max_len_bytes_error(length: int) -> str:
    return f"must be no more than {length} bytes"


def inclusive_range_error(lo: int, hi: int) -> str:
    return f"must be between {lo} and {hi}, inclusive"


def _blen(value: str) -> int:
    return len(value.encode())


def is_dns1123_label(value: str) -> list[str]:
    errs = []
    if _blen(value) > 63:
        errs.append(max_len_error(63))
    if not _LABEL_RE.fullmatch(value):
        if _SUBDOMAIN_RE.fullmatch(value):
            errs.append("must not contain dots")
        else:
            errs.append(regex_error(_LABEL_MSG, DNS1123_LABEL_FMT, "my-name", "123-abc"))
    return errs


def is_dns1123_subdomain(value: str) -> list[str]:
    errs = []
    if _blen(value) > 253:
        errs.append(max_len_error(253))
    if not _SUBDOMAIN_RE.fullmatch(value):
        errs.append(regex_error(_SUBDOMAIN_MSG, DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errs


def is_dns1035_label(value: str) -> list[str]:
    errs = []
    if _blen(value) > 63:
        errs.append(max_len_error(63))
    if not _DNS1035_RE.fullmatch(value):
        errs.append(regex_error(_DNS1035_MSG, DNS1035_LABEL_FMT, "my-name", "abc-123"))
    return errs


# content.IsLabelKey / IsLabelValue (lengths in bytes)
_LABEL_KEY_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_LABEL_KEY_RE = re.compile(f"^{_LABEL_KEY_FMT}$")
_LABEL_KEY_MSG = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character"
)
_LABEL_VALUE_FMT = f"({_LABEL_KEY_FMT})?"
_LABEL_VALUE_RE = re.compile(f"^{_LABEL_VALUE_FMT}$")
_LABEL_VALUE_MSG = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character"
)


def _content_subdomain(value: str) -> list[str]:
    errs = []
    if _blen(value) > 253:
        errs.append(max_len_bytes_error(253))
    if not _SUBDOMAIN_RE.fullmatch(value):
        errs.append(regex_error(_SUBDOMAIN_MSG, DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errs


def is_qualified_name(value: str) -> list[str]:
    """content.IsLabelKey (= validation.IsQualifiedName)."""
    errs: list[str] = []
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            errs.extend("prefix part " + m for m in _content_subdomain(prefix))
    else:
        return [
            "a valid label key "
            + regex_error(_LABEL_KEY_MSG, _LABEL_KEY_FMT, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    if not name:
        errs.append("name part must be non-empty")
    elif _blen(name) > 63:
        errs.append("name part " + max_len_bytes_error(63))
    if not _LABEL_KEY_RE.fullmatch(name):
        errs.append(
            "name part "
            + regex_error(_LABEL_KEY_MSG, _LABEL_KEY_FMT, "MyName", "my.name", "123-abc")
        )
    return errs


def is_label_value(value: str) -> list[str]:
    errs = []
    if _blen(value) > 63:
        errs.append(max_len_bytes_error(63))
    if not _LABEL_VALUE_RE.fullmatch(value):
        errs.append(regex_error(_LABEL_VALUE_MSG, _LABEL_VALUE_FMT, "MyValue", "my_value", "12345"))
    return errs


_PORT_NAME_RE = re.compile(r"^[-a-z0-9]+$")


def is_valid_port_name(port: str) -> list[str]:
    errs = []
    if _blen(port) > 15:
        errs.append(max_len_error(15))
    if not _PORT_NAME_RE.fullmatch(port):
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not re.search("[a-z]", port):
        errs.append("must contain at least one letter (a-z)")
    if "--" in port:
        errs.append("must not contain consecutive hyphens")
    if port and (port[0] == "-" or port[-1] == "-"):
        errs.append("must not begin or end with a hyphen")
    return errs


def is_valid_port_num(port: int) -> list[str]:
    return [] if 1 <= port <= 65535 else [inclusive_range_error(1, 65535)]


_CONFIG_KEY_FMT = "[-._a-zA-Z0-9]+"
_CONFIG_KEY_RE = re.compile(f"^{_CONFIG_KEY_FMT}$")


def _chdir_prefix(value: str) -> list[str]:
    if value == ".":
        return ["must not be '.'"]
    if value == "..":
        return ["must not be '..'"]
    if value.startswith(".."):
        return ["must not start with '..'"]
    return []


def is_config_map_key(value: str) -> list[str]:
    errs = []
    if _blen(value) > 253:
        errs.append(max_len_error(253))
    if not _CONFIG_KEY_RE.fullmatch(value):
        errs.append(
            regex_error(
                "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
                _CONFIG_KEY_FMT,
                "key.name",
                "KEY_NAME",
                "key-name",
            )
        )
    return errs + _chdir_prefix(value)


_ENV_FMT = "[-._a-zA-Z][-._a-zA-Z0-9]*"
_ENV_RE = re.compile(f"^{_ENV_FMT}$")


def is_env_var_name(value: str) -> list[str]:
    errs = []
    if not _ENV_RE.fullmatch(value):
        errs.append(
            regex_error(
                "a valid environment variable name must consist of alphabetic characters, "
                "digits, '_', '-', or '.', and must not start with a digit",
                _ENV_FMT,
                "my.env-name",
                "MY_ENV.NAME",
                "MyEnvName1",
            )
        )
    return errs + _chdir_prefix(value)


def is_relaxed_env_var_name(value: str) -> list[str]:
    errs = []
    if not value:
        errs.append("environment variable name must be non-empty")
    if any(ord(c) > 127 or not c.isprintable() or c == "=" for c in value):
        errs.append(
            "a valid environment variable name must consist only of printable ASCII characters "
            "other than '='"
        )
    return errs


_C_IDENT_FMT = "[A-Za-z_][A-Za-z0-9_]*"


def is_c_identifier(value: str) -> list[str]:
    if re.fullmatch(_C_IDENT_FMT, value):
        return []
    return [
        regex_error(
            "a valid C identifier must start with alphabetic character or '_', followed by a "
            "string of alphanumeric characters or '_'",
            _C_IDENT_FMT,
            "my_name",
            "MY_NAME",
            "MyName",
        )
    ]


_HTTP_HEADER_FMT = "[-A-Za-z0-9]+"


def is_http_header_name(value: str) -> list[str]:
    if re.fullmatch(_HTTP_HEADER_FMT, value):
        return []
    return [
        regex_error(
            "a valid HTTP header must consist of alphanumeric characters or '-'",
            _HTTP_HEADER_FMT,
            "X-Header-Name",
        )
    ]


# -- name functions (api/validation/generic.go, path/name.go) ----------------------------------

NameFn = Callable[[str, bool], list[str]]


def _mask_trailing_dash(name: str) -> str:
    if len(name) > 1 and name.endswith("-"):
        return name[:-2] + "a"
    return name


def name_is_dns_subdomain(name: str, prefix: bool) -> list[str]:
    return is_dns1123_subdomain(_mask_trailing_dash(name) if prefix else name)


def name_is_dns_label(name: str, prefix: bool) -> list[str]:
    return is_dns1123_label(_mask_trailing_dash(name) if prefix else name)


def name_is_dns1035_label(name: str, prefix: bool) -> list[str]:
    return is_dns1035_label(_mask_trailing_dash(name) if prefix else name)


def path_segment_name(name: str, prefix: bool) -> list[str]:
    """ValidatePathSegmentName (RBAC objects and others)."""
    if not prefix and name in (".", ".."):
        return [f"may not be '{name}'"]
    return [f"may not contain '{c}'" for c in ("/", "%") if c in name]


# -- field-level helpers --------------------------------------------------------------------------


def validate_dns1123_label(value: str, path: str) -> list[Cause]:
    return [fe.invalid(path, value, m) for m in is_dns1123_label(value)]


def validate_dns1123_subdomain(value: str, path: str) -> list[Cause]:
    return [fe.invalid(path, value, m) for m in is_dns1123_subdomain(value)]


def validate_qualified_name(value: str, path: str) -> list[Cause]:
    return [fe.invalid(path, value, m) for m in is_qualified_name(value)]


def validate_nonnegative(value: int, path: str) -> list[Cause]:
    return [fe.invalid(path, value, "must be greater than or equal to 0")] if value < 0 else []


def validate_positive(value: int, path: str) -> list[Cause]:
    return [fe.invalid(path, value, "must be greater than zero")] if value <= 0 else []


def validate_immutable(new: Any, old: Any, path: str) -> list[Cause]:
    """ValidateImmutableField: apiequality.Semantic.DeepEqual (nil and empty are equal for
    maps and slices only when both are nil... we compare the JSON values)."""
    if _semantic(new) != _semantic(old):
        return [fe.invalid(path, new, "field is immutable")]
    return []


def _semantic(value: Any) -> Any:
    return value


def validate_labels(labels: Any, path: str) -> list[Cause]:
    causes: list[Cause] = []
    if not isinstance(labels, dict):
        return causes
    for key in sorted(labels):
        value = labels[key]
        causes.extend(fe.invalid(path, key, m) for m in is_qualified_name(key))
        if isinstance(value, str):
            causes.extend(fe.invalid(path, value, m) for m in is_label_value(value))
    return causes


TOTAL_ANNOTATION_SIZE = 256 * 1024


def validate_annotations(annotations: Any, path: str) -> list[Cause]:
    causes: list[Cause] = []
    if not isinstance(annotations, dict):
        return causes
    for key in sorted(annotations):
        causes.extend(fe.invalid(path, key, m) for m in is_qualified_name(key.lower()))
    total = sum(_blen(k) + _blen(v if isinstance(v, str) else "") for k, v in annotations.items())
    if total > TOTAL_ANNOTATION_SIZE:
        causes.append(fe.too_long(path, TOTAL_ANNOTATION_SIZE))
    return causes


def validate_label_selector(
    selector: Any, path: str, allow_invalid_values: bool = False
) -> list[Cause]:
    """metav1 validation.ValidateLabelSelector."""
    causes: list[Cause] = []
    if not isinstance(selector, dict):
        return causes
    causes.extend(validate_labels(selector.get("matchLabels"), f"{path}.matchLabels"))
    for i, expr in enumerate(lst(selector, "matchExpressions")):
        causes.extend(
            validate_selector_requirement(
                expr, f"{path}.matchExpressions[{i}]", allow_invalid_values
            )
        )
    return causes


def validate_selector_requirement(
    expr: Any, path: str, allow_invalid_values: bool = False
) -> list[Cause]:
    causes: list[Cause] = []
    op = s(expr, "operator")
    values = lst(expr, "values")
    if op in ("In", "NotIn"):
        if not values:
            causes.append(
                fe.required(
                    f"{path}.values", "must be specified when `operator` is 'In' or 'NotIn'"
                )
            )
    elif op in ("Exists", "DoesNotExist"):
        if values:
            causes.append(
                fe.forbidden(
                    f"{path}.values",
                    "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                )
            )
    else:
        causes.append(fe.invalid(f"{path}.operator", op, "not a valid selector operator"))
    causes.extend(validate_qualified_name(s(expr, "key"), f"{path}.key"))
    if not allow_invalid_values:
        for i, value in enumerate(values):
            if isinstance(value, str):
                causes.extend(
                    fe.invalid(f"{path}.values[{i}]", value, m) for m in is_label_value(value)
                )
    return causes


def validate_owner_references(refs: list[Any], path: str) -> list[Cause]:
    causes: list[Cause] = []
    first_controller = ""
    for ref in refs:
        api_version, kind = s(ref, "apiVersion"), s(ref, "kind")
        group, _, version = api_version.rpartition("/")
        if api_version.count("/") > 1:
            group, version = api_version, ""
        if not version:
            causes.append(
                fe.invalid(f"{path}.apiVersion", api_version, "version must not be empty")
            )
        if not kind:
            causes.append(fe.invalid(f"{path}.kind", kind, "must not be empty"))
        if not s(ref, "name"):
            causes.append(fe.invalid(f"{path}.name", "", "must not be empty"))
        if not s(ref, "uid"):
            causes.append(fe.invalid(f"{path}.uid", "", "must not be empty"))
        if group == "" and version == "v1" and kind == "Event":
            causes.append(
                fe.invalid(
                    path,
                    fe.GoStruct(ref),
                    "/v1, Kind=Event is disallowed from being an owner",
                )
            )
        if ref.get("controller") is True:
            current = f"{kind}/{s(ref, 'name')}"
            if first_controller:
                causes.append(
                    fe.invalid(
                        path,
                        [fe.GoStruct(r) for r in refs],
                        'Only one reference can have Controller set to true. Found "true" in '
                        f"references for {first_controller} and {current}",
                    )
                )
            else:
                first_controller = current
    return causes


_STANDARD_FINALIZERS = {"kubernetes", "orphan", "foregroundDeletion"}


def validate_finalizers(finalizers: list[Any], path: str) -> list[Cause]:
    causes: list[Cause] = []
    for f in finalizers:
        if isinstance(f, str):
            causes.extend(fe.invalid(path, f, m) for m in is_qualified_name(f))
    if "orphan" in finalizers and "foregroundDeletion" in finalizers:
        causes.append(
            fe.invalid(
                path, finalizers, "finalizer orphan and foregroundDeletion cannot be both set"
            )
        )
    return causes


def kube_finalizer(name: str, path: str) -> list[Cause]:
    """core validateKubeFinalizerName: a name without '/' must be a standard finalizer."""
    causes: list[Cause] = []
    if "/" not in name and name not in _STANDARD_FINALIZERS:
        causes.append(
            fe.invalid(
                path,
                name,
                "name is neither a standard finalizer name nor is it fully qualified",
            )
        )
    return causes


def validate_managed_fields(entries: list[Any], path: str) -> list[Cause]:
    causes: list[Cause] = []
    for i, entry in enumerate(entries):
        p = f"{path}[{i}]"
        op = s(entry, "operation")
        if op not in ("Apply", "Update"):
            causes.append(fe.invalid(f"{p}.operation", op, "must be `Apply` or `Update`"))
        ftype = s(entry, "fieldsType")
        if ftype and ftype != "FieldsV1":
            causes.append(fe.invalid(f"{p}.fieldsType", ftype, "must be `FieldsV1`"))
        manager = s(entry, "manager")
        if len(manager) > 128:
            causes.append(fe.too_long(f"{p}.manager", 128))
        if len(s(entry, "subresource")) > 256:
            causes.append(fe.too_long(f"{p}.subresource", 256))
    return causes


def validate_object_meta(
    obj: dict[str, Any],
    namespaced: bool,
    name_fn: NameFn,
    path: str = "metadata",
    kube: bool = True,
) -> list[Cause]:
    """ValidateObjectMeta (apimachinery) + core's finalizer-name check when ``kube``."""
    meta = d(obj, "metadata")
    causes: list[Cause] = []
    generate = s(meta, "generateName")
    if generate:
        causes.extend(
            fe.invalid(f"{path}.generateName", generate, m) for m in name_fn(generate, True)
        )
    name = s(meta, "name")
    if not name:
        causes.append(fe.required(f"{path}.name", "name or generateName is required"))
    else:
        causes.extend(fe.invalid(f"{path}.name", name, m) for m in name_fn(name, False))
    causes.extend(_meta_common(meta, namespaced, path))
    if kube:
        for i, f in enumerate(lst(meta, "finalizers")):
            if isinstance(f, str):
                causes.extend(kube_finalizer(f, f"{path}.finalizers[{i}]"))
    return causes


def _meta_common(meta: dict[str, Any], namespaced: bool, path: str) -> list[Cause]:
    causes: list[Cause] = []
    ns = s(meta, "namespace")
    if namespaced:
        if not ns:
            causes.append(fe.required(f"{path}.namespace"))
        else:
            causes.extend(
                fe.invalid(f"{path}.namespace", ns, m) for m in name_is_dns_label(ns, False)
            )
    elif ns:
        causes.append(fe.forbidden(f"{path}.namespace", "not allowed on this type"))
    causes.extend(validate_nonnegative(n(meta, "generation"), f"{path}.generation"))
    causes.extend(validate_labels(meta.get("labels"), f"{path}.labels"))
    causes.extend(validate_annotations(meta.get("annotations"), f"{path}.annotations"))
    causes.extend(
        validate_owner_references(lst(meta, "ownerReferences"), f"{path}.ownerReferences")
    )
    causes.extend(validate_finalizers(lst(meta, "finalizers"), f"{path}.finalizers"))
    causes.extend(validate_managed_fields(lst(meta, "managedFields"), f"{path}.managedFields"))
    return causes


def validate_object_meta_update(
    new: dict[str, Any], old: dict[str, Any], path: str = "metadata", kube: bool = True
) -> list[Cause]:
    """ValidateObjectMetaUpdate (apimachinery objectmeta.go) + core's finalizer-name check."""
    nm, om = d(new, "metadata"), d(old, "metadata")
    causes: list[Cause] = []
    if om.get("deletionTimestamp"):
        extra = sorted(set(lst(nm, "finalizers")) - set(lst(om, "finalizers")))
        if extra:
            shown = "[]string{" + ", ".join(f'"{e}"' for e in extra) + "}"
            causes.append(
                fe.forbidden(
                    f"{path}.finalizers",
                    "no new finalizers can be added if the object is being deleted, found new "
                    f"finalizers {shown}",
                )
            )
    # "resourceVersion: must be specified for an update" cannot happen here: the registry fills
    # in the stored resourceVersion of an unconditional update before validating it.
    # "generation: must not be decremented" cannot happen either: BeforeUpdate copies the stored
    # generation into the new object before the strategy runs.
    for key in ("name", "namespace", "uid"):
        if s(nm, key) != s(om, key):
            causes.append(fe.invalid(f"{path}.{key}", s(nm, key), "field is immutable"))
    causes.extend(validate_labels(nm.get("labels"), f"{path}.labels"))
    causes.extend(validate_annotations(nm.get("annotations"), f"{path}.annotations"))
    causes.extend(validate_owner_references(lst(nm, "ownerReferences"), f"{path}.ownerReferences"))
    causes.extend(validate_managed_fields(lst(nm, "managedFields"), f"{path}.managedFields"))
    if kube:
        for i, f in enumerate(lst(nm, "finalizers")):
            if isinstance(f, str):
                causes.extend(kube_finalizer(f, f"{path}.finalizers[{i}]"))
    return causes
