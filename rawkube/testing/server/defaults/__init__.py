"""Defaulting: what kube-apiserver fills in when it decodes an object, and what its Go types
make of the JSON on the way back out.

One walk over the object guided by its Go type (data/gotypes.json.gz, the table of every
built-in kind's Go structs read from the 1.36 sources by scripts/gen_gotypes.py), doing at each
value what the real server does to it:

1. the kind-specific defaulting functions (pkg/apis/<group>/<version>/defaults.go
   ``SetDefaults_<Type>``), registered per Go type in this package's group modules and called for
   every value of that type, parent before children, as the generated
   ``SetObjectDefaults_<Kind>`` (zz_generated.defaults.go) does; and the ``+default=`` markers
   (``protocol: TCP``) that generated code applies (`MARKERS`);
2. the encoding of the Go value: a field that is not ``omitempty`` is always written (its zero
   value: ``""``, ``0``, ``false``, ``{}`` for a struct, ``null`` for a nil slice, map, pointer or a
   zero time), a struct is always written (``resources: {}``, ``firstTimestamp: null``), an
   ``omitempty`` field with an empty value is left out; empty slices and maps come back nil from
   the storage's protobuf round trip (``drivers: []`` -> ``null``, ``labels: {}`` -> absent);
3. quantities in canonical form (``0.5`` -> ``500m``), ResourceLists rounded up to milli
   (SetDefaults_ResourceList).

Decoding a v1 Secret also merges ``stringData`` into ``data`` (conversion).
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from functools import lru_cache
from math import ceil
from typing import Any

from rawkube.testing.server.resources import ResourceInfo, load_data

Obj = dict[str, Any]
Defaulter = Callable[[Obj], None]

RESOURCE_LIST = "k8s.io/api/core/v1.ResourceList"
OBJECT_META = "k8s.io/apimachinery/pkg/apis/meta/v1.ObjectMeta"
_STRUCT_KINDS = ("struct", "time", "microtime", "quantity", "intorstring", "raw")
_MISSING: Any = object()

# +default= markers (generated defaulting, published as OpenAPI defaults): Go type -> field ->
# value, applied when the field is unset or "" (staging/src/k8s.io/api/core/v1/types.go,
# resource/v1/types.go).
_CORE = "k8s.io/api/core/v1."
MARKERS: dict[str, dict[str, Any]] = {
    _CORE + "ContainerPort": {"protocol": "TCP"},
    _CORE + "GRPCAction": {"service": ""},
    _CORE + "FileKeySelector": {"optional": False},
    _CORE + "ServicePort": {"protocol": "TCP"},
    _CORE + "ReplicationControllerSpec": {"replicas": 1},
    _CORE + "AzureDiskVolumeSource": {"cachingMode": "ReadWrite", "fsType": "ext4", "kind": "Shared", "readOnly": False},
    _CORE + "ISCSIVolumeSource": {"iscsiInterface": "default"},
    _CORE + "ISCSIPersistentVolumeSource": {"iscsiInterface": "default"},
    _CORE + "RBDVolumeSource": {"keyring": "/etc/ceph/keyring", "pool": "rbd", "user": "admin"},
    _CORE + "RBDPersistentVolumeSource": {"keyring": "/etc/ceph/keyring", "pool": "rbd", "user": "admin"},
    _CORE + "ScaleIOVolumeSource": {"fsType": "xfs", "storageMode": "ThinProvisioned"},
    _CORE + "ScaleIOPersistentVolumeSource": {"fsType": "xfs", "storageMode": "ThinProvisioned"},
    "k8s.io/api/resource/v1.DeviceToleration": {"operator": "Equal"},
}  # fmt: skip


@lru_cache(maxsize=1)
def _gotypes() -> dict[str, Any]:
    data: dict[str, Any] = load_data("gotypes.json.gz")
    return data


@lru_cache(maxsize=1)
def _defaulters() -> dict[str, list[Defaulter]]:
    from rawkube.testing.server.defaults import apps, batch, core, others

    table: dict[str, list[Defaulter]] = {}
    for module in (core, apps, batch, others):
        for name, fn in module.DEFAULTERS.items():
            table.setdefault(name, []).append(fn)
    return table


def type_of(api_version: str, kind: str) -> str | None:
    """The Go type id of a built-in kind (None: not a built-in kind)."""
    ref: str | None = _gotypes()["roots"].get(f"{api_version}/{kind}")
    return ref


class _Walker:
    """One pass over a value of a Go type: ``defaulting`` runs the defaulting functions and
    markers; ``nil_empty`` turns empty slices and maps of fields that are not omitempty into
    null (what comes back from storage)."""

    def __init__(self, *, defaulting: bool = True, nil_empty: bool = False) -> None:
        self.types: dict[str, Any] = _gotypes()["types"]
        self.defaulters = _defaulters() if defaulting else {}
        self.defaulting = defaulting
        self.nil_empty = nil_empty

    def kind(self, ref: Any) -> str:
        """struct | slice | map | ptr | string | bool | number | any | time | quantity | ..."""
        if isinstance(ref, list):
            return {"[]": "slice", "*": "ptr", "map": "map"}[ref[0]]
        if ref in ("string", "bool", "any"):
            return str(ref)
        entry = self.types.get(ref)
        if entry is None:
            return "number"
        if entry["k"] == "named":
            return self.kind(entry["u"])
        return str(entry["k"])

    def zero(self, ref: Any) -> Any:
        kind = self.kind(ref)
        if kind == "string":
            return ""
        if kind == "bool":
            return False
        if kind == "number":
            return 0
        if kind == "struct":
            return {}
        if kind == "quantity":
            return "0"
        if kind == "intorstring":
            return 0
        return None  # slices, maps, pointers, interfaces, times, raw JSON

    def empty(self, value: Any, ref: Any) -> bool:
        """encoding/json isEmptyValue (structs are never empty)."""
        kind = self.kind(ref)
        if kind in _STRUCT_KINDS:
            return False
        if kind in ("ptr", "any"):
            return value is None  # a pointer to an empty struct or "" is not empty
        return (
            value is None
            or value == ""
            or value is False
            or value in ([], {})
            or (value == 0 and not isinstance(value, bool) and kind == "number")
        )

    def visit(self, value: Any, ref: Any) -> Any:
        if value is None:
            return {} if self.kind(ref) == "struct" else None
        if isinstance(ref, list):
            op = ref[0]
            if op == "*":
                return self.visit(value, ref[1])
            if op == "[]":
                if isinstance(value, list):
                    return [self.visit(v, ref[1]) for v in value]
                return value
            if isinstance(value, dict):
                return {k: self.visit(v, ref[2]) for k, v in value.items()}
            return value
        entry = self.types.get(ref)
        if entry is None:
            return value
        kind = entry["k"]
        if kind == "named":
            if ref == RESOURCE_LIST and isinstance(value, dict):
                # SetDefaults_ResourceList: quantities rounded up to milli scale.
                return {k: _quantity(v, milli=True) for k, v in value.items()}
            return self.visit(value, entry["u"])
        if kind == "quantity":
            return _quantity(value)
        if kind == "struct" and isinstance(value, dict):
            self.struct(value, ref, entry)
        return value

    def struct(self, node: Obj, ref: str, entry: dict[str, Any]) -> None:
        fields = [f for f in entry["f"] if f[0]]
        # The Go value first: every field that is always written holds its zero value, as
        # it does in the struct the defaulting functions see.
        for jname, fref, _via, omitempty in fields:
            if jname in node:
                continue
            if omitempty and self.kind(fref) not in _STRUCT_KINDS:
                continue
            if ref == OBJECT_META and jname == "creationTimestamp":
                continue  # `omitzero` (the only field that has it)
            node[jname] = self.zero(fref)
        for fn in self.defaulters.get(ref, ()):
            fn(node)
        markers = MARKERS.get(ref, {}) if self.defaulting else {}
        for jname, fref, _via, omitempty in fields:
            value = node.get(jname, _MISSING)
            if jname in markers and (value is _MISSING or value is None or value == ""):
                value = node[jname] = markers[jname]
            if value is _MISSING:
                continue
            value = self.visit(value, fref)
            kind = self.kind(fref)
            if omitempty and self.empty(value, fref):
                node.pop(jname, None)
            elif self.nil_empty and kind in ("slice", "map") and value in ([], {}):
                node[jname] = None  # nil after the storage's protobuf round trip
            else:
                node[jname] = value


def _quantity(value: Any, milli: bool = False) -> Any:
    from rawkube.testing.server.apivalidation.goparse import canonical_quantity, quantity

    parsed = quantity(value)
    if parsed is None:
        return value
    amount, canonical = parsed
    if not milli:
        return canonical
    rounded = Fraction(ceil(amount * 1000), 1000)
    if rounded == amount:
        return canonical
    from rawkube.testing.server.apivalidation.goparse import parse_quantity

    return canonical_quantity(rounded, parse_quantity(str(value).strip())[1])


def default_value(ref: str, node: Obj) -> Obj:
    """Default ``node``, a value of Go type ``ref``, in place (and return it)."""
    _Walker().visit(node, ref)
    return node


def zero_object(api_version: str, kind: str) -> Obj:
    """The Go zero value of a kind as the field manager sees it (runtime.DefaultUnstructured
    Converter): every field that is not omitempty, every struct; {} for unknown kinds."""
    ref = type_of(api_version, kind)
    node: Obj = {}
    if ref is not None:
        _Walker(defaulting=False).visit(node, ref)
    return node


def storage_roundtrip(obj: Obj) -> Obj:
    """What a built-in object looks like once stored and read back (protobuf in etcd): empty
    slices and maps are nil (left out when omitempty, null otherwise). In place."""
    ref = type_of(str(obj.get("apiVersion") or ""), str(obj.get("kind") or ""))
    if ref is not None:
        # Decoding from storage runs the defaulting functions again (a Job's labels come
        # from its template's only then: recording defaults/job-minimal).
        _Walker(nil_empty=True).visit(obj, ref)
    return obj


def merge_string_data(secret: Obj) -> None:
    """`stringData` is write-only: merged into `data` (base64), its keys winning, then dropped
    (k8s.io/api/core/v1 Secret doc; pkg/apis/core/v1/conversion.go)."""
    import base64

    string_data = secret.pop("stringData", None)
    if isinstance(string_data, dict) and string_data:
        existing = secret.get("data")
        data: dict[str, Any] = existing if isinstance(existing, dict) else {}
        for key, value in string_data.items():
            data[key] = base64.b64encode(str(value).encode()).decode()
        secret["data"] = data


def apply_defaults(info: ResourceInfo, obj: Obj) -> Obj:
    """Default a decoded built-in object and return it with its top-level fields in the
    server's order (custom resources are defaulted from their CRD's schema instead)."""
    if info.crd:
        return obj
    if (info.group, info.kind) == ("", "Secret"):
        merge_string_data(obj)
    ref = type_of(info.api_version, info.kind)
    if ref is not None:
        default_value(ref, obj)
    ordered = {
        "kind": obj.get("kind"),
        "apiVersion": obj.get("apiVersion"),
        "metadata": obj.get("metadata"),
    }
    ordered.update((k, v) for k, v in obj.items() if k not in ordered)
    if "status" in ordered:
        ordered["status"] = ordered.pop("status")
    return ordered


def default_pod_spec(spec: Obj) -> None:
    """Default a PodSpec (with its containers and volumes) as a Pod template's would be."""
    default_value(_CORE + "PodSpec", spec)


__all__ = [
    "MARKERS",
    "apply_defaults",
    "default_pod_spec",
    "default_value",
    "storage_roundtrip",
    "type_of",
    "zero_object",
]
