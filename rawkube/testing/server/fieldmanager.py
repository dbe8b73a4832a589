"""managedFields as kube-apiserver computes them (k8s.io/apimachinery/pkg/util/managedfields
over sigs.k8s.io/structured-merge-diff): field sets, the typed comparison an Update records,
and the FieldsV1 encoding.

* A field set is a set of paths; a path is a tuple of FieldsV1 elements: ``f:<field>``,
  ``k:{"name":"c"}`` (an item of a list-map, its keys sorted; a missing key takes the
  schema's default, e.g. ``protocol: TCP``), ``v:<json>`` (an item of a set list).
* `compare(live, new, schema)` is typed.Compare: every path ADDED (absent before, including
  maps, lists and list items: that is what gives FieldsV1 its ``"."`` entries), MODIFIED (a
  leaf: scalar, atomic map/list, or an empty map/list, whose value changed) or REMOVED.
* `ManagedFields.update` is structuredMergeManager.Update wrapped the way kube-apiserver wraps
  it: the current operation's set is compare's Added + Modified (minus the strategy's reset
  fields, e.g. ``status`` on the main resource), unioned with the manager's previous set; every
  other manager loses what was changed or removed; the object's own metadata (name, uid, ...)
  is stripped; a manager with nothing left disappears; the entries are sorted (Apply before
  Update, then by time, manager, apiVersion, subresource).
* On create the live object is the Go zero value of the kind (`zero_object`): non-pointer
  struct fields exist there already, so ``spec`` never gets a ``"."`` but a pointer such as
  ``rollingUpdate`` or ``securityContext`` does.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from rawkube.testing.server.errors import now_rfc3339
from rawkube.testing.server.openapi import Schema

Path = tuple[str, ...]
_MISSING: Any = object()

# stripmeta.go: never owned by anyone.
STRIPPED: frozenset[Path] = frozenset(
    {
        ("f:apiVersion",),
        ("f:kind",),
        ("f:metadata",),
        *(
            ("f:metadata", "f:" + name)
            for name in (
                "name",
                "namespace",
                "creationTimestamp",
                "selfLink",
                "uid",
                "clusterName",
                "generation",
                "managedFields",
                "resourceVersion",
            )
        ),
    }
)


# -- the typed view of a schema node ----------------------------------------------------------


def _kind(schema: Schema | None, lhs: Any, rhs: Any) -> str:
    """map | list | scalar, from the schema (or deduced from the values when it has none)."""
    if schema is not None:
        node = schema._resolved()
        if "properties" in node or "additionalProperties" in node:
            return "map"
        if node.get("type") == "array" or "items" in node:
            return "list"
        if not node.get("x-kubernetes-preserve-unknown-fields"):
            # A free-form value of a built-in type (RawExtension, JSON) is one leaf; one that
            # preserves unknown fields is deduced from the value (schemaconv "deduced").
            return "scalar"
    sample = rhs if rhs is not _MISSING and rhs is not None else lhs
    if isinstance(sample, dict):
        return "map"
    if isinstance(sample, list):
        return "atomic-list"
    return "scalar"


def list_type(schema: Schema | None) -> str:
    """atomic | set | map (schemaconv: x-kubernetes-list-type, else a merge patch strategy)."""
    if schema is None:
        return "atomic"
    node = schema.node
    declared = node.get("x-kubernetes-list-type")
    if declared:
        return str(declared)
    if "merge" in str(node.get("x-kubernetes-patch-strategy", "")):
        return "map" if node.get("x-kubernetes-patch-merge-key") else "set"
    return "atomic"


def _map_atomic(schema: Schema | None) -> bool:
    return schema is not None and schema._resolved().get("x-kubernetes-map-type") == "atomic"


def _key_default(item_schema: Schema | None, key: str) -> Any:
    """A list-map key's default (``protocol: TCP``): the +default marker of the item type."""
    if item_schema is None:
        return _MISSING
    ref = item_schema.node.get("$ref", "")
    name = str(ref).rsplit("/", 1)[-1]
    if not name.startswith("io.k8s."):
        return _MISSING
    from rawkube.testing.server.defaults import MARKERS

    parts = name.split(".")
    go_id = "k8s.io/" + "/".join(parts[2:-1]) + "." + parts[-1]
    return MARKERS.get(go_id, {}).get(key, _MISSING)


def item_element(item: Any, schema: Schema | None, kind: str) -> str:
    """The FieldsV1 element of one list item (listItemToPathElement)."""
    if kind == "set":
        return "v:" + json.dumps(item, separators=(",", ":"))
    keys = list(schema.node.get("x-kubernetes-list-map-keys") or []) if schema else []
    if not keys and schema is not None and schema.node.get("x-kubernetes-patch-merge-key"):
        keys = [schema.node["x-kubernetes-patch-merge-key"]]
    item_schema = schema.items() if schema is not None else None
    values: dict[str, Any] = {}
    for key in sorted(keys):
        value = item.get(key, _MISSING) if isinstance(item, dict) else _MISSING
        if value is _MISSING or value is None:
            value = _key_default(item_schema, key)
        if value is not _MISSING:
            values[key] = value
    return "k:" + json.dumps(values, separators=(",", ":"))


# -- typed.Compare ---------------------------------------------------------------------------


class Comparison:
    def __init__(self) -> None:
        self.added: set[Path] = set()
        self.modified: set[Path] = set()
        self.removed: set[Path] = set()


def compare(lhs: Any, rhs: Any, schema: Schema | None) -> Comparison:
    """typed.Compare(lhs, rhs): what changed from ``lhs`` to ``rhs`` (whole objects)."""
    cmp = Comparison()
    _compare(lhs, rhs, schema, (), cmp)
    cmp.added.discard(())
    cmp.removed.discard(())
    cmp.modified.discard(())
    return cmp


def _leaf(lhs: Any, rhs: Any, path: Path, cmp: Comparison) -> None:
    if lhs is _MISSING:
        cmp.added.add(path)
    elif rhs is _MISSING:
        cmp.removed.add(path)
    elif lhs != rhs:
        cmp.modified.add(path)


def _compare(lhs: Any, rhs: Any, schema: Schema | None, path: Path, cmp: Comparison) -> None:
    kind = _kind(schema, lhs, rhs)
    in_leaf = False
    if kind == "map":
        left = lhs if isinstance(lhs, dict) else None
        right = rhs if isinstance(rhs, dict) else None
        if _map_atomic(schema) or (not left and not right):
            _leaf(lhs, rhs, path, cmp)
            in_leaf = True
        else:
            keys = list(left or {}) + [k for k in right or {} if k not in (left or {})]
            for key in keys:
                child = schema.field(key) if schema is not None else None
                _compare(
                    (left or {}).get(key, _MISSING),
                    (right or {}).get(key, _MISSING),
                    child,
                    (*path, "f:" + key),
                    cmp,
                )
    elif kind == "list":
        ltype = list_type(schema)
        left_items = lhs if isinstance(lhs, list) else []
        right_items = rhs if isinstance(rhs, list) else []
        if ltype == "atomic" or (not left_items and not right_items):
            _leaf(lhs, rhs, path, cmp)
            in_leaf = True
        else:
            _compare_items(left_items, right_items, schema, ltype, path, cmp)
    else:
        _leaf(lhs, rhs, path, cmp)
        in_leaf = True
    if not in_leaf:
        if lhs is _MISSING:
            cmp.added.add(path)
        elif rhs is _MISSING:
            cmp.removed.add(path)


def _compare_items(
    left: list[Any], right: list[Any], schema: Schema | None, ltype: str, path: Path,
    cmp: Comparison,
) -> None:  # fmt: skip
    item_schema = schema.items() if schema is not None else None
    by_left: dict[str, list[Any]] = {}
    by_right: dict[str, list[Any]] = {}
    order: list[str] = []
    for item in left:
        pe = item_element(item, schema, ltype)
        if pe not in by_left:
            order.append(pe)
        by_left.setdefault(pe, []).append(item)
    for item in right:
        pe = item_element(item, schema, ltype)
        if pe not in by_right and pe not in by_left:
            order.append(pe)
        by_right.setdefault(pe, []).append(item)
    for pe in order:
        lvals, rvals = by_left.get(pe, []), by_right.get(pe, [])
        child = (*path, pe)
        if len(lvals) <= 1 and len(rvals) <= 1:
            _compare(
                lvals[0] if lvals else _MISSING, rvals[0] if rvals else _MISSING,
                item_schema, child, cmp,
            )  # fmt: skip
        elif len(lvals) >= 2 and len(rvals) >= 2:
            if lvals != rvals:
                cmp.modified.add(child)
        elif len(lvals) >= 2:
            if rvals:
                _compare(_MISSING, rvals[0], item_schema, child, cmp)
            cmp.removed.add(child)
        else:
            if lvals:
                _compare(lvals[0], _MISSING, item_schema, child, cmp)
            cmp.added.add(child)


# -- FieldsV1 ---------------------------------------------------------------------------------


def to_fields_v1(paths: Iterable[Path]) -> dict[str, Any]:
    """A set of paths as FieldsV1: nested elements, ``"."`` where a member has children."""
    members = set(paths)
    root: dict[str, Any] = {}
    for path in members:
        node = root
        for element in path:
            node = node.setdefault(element, {})
    for path in members:
        node = root
        for element in path:
            node = node[element]
        if node:
            node["."] = {}
    return _sorted(root)


def _sorted(node: dict[str, Any]) -> dict[str, Any]:
    return {k: _sorted(node[k]) for k in sorted(node)}


def from_fields_v1(tree: dict[str, Any], prefix: Path = ()) -> set[Path]:
    """The members of a FieldsV1 tree (nodes with ``"."`` and leaves)."""
    found: set[Path] = set()
    for key, child in (tree or {}).items():
        if key == ".":
            continue
        path = (*prefix, key)
        children = {k: v for k, v in (child or {}).items() if k != "."}
        if "." in (child or {}) or not children:
            found.add(path)
        found |= from_fields_v1(children, path)
    return found


def excluded(path: Path, reset: Iterable[Path]) -> bool:
    """Whether ``path`` is one of the reset fields or below one."""
    return any(path[: len(r)] == r for r in reset)


# -- the managedFields of one object -----------------------------------------------------------


def _identity(entry: dict[str, Any]) -> tuple[str, str, str, str]:
    return (
        str(entry.get("manager", "")),
        str(entry.get("operation", "")),
        str(entry.get("apiVersion", "")),
        str(entry.get("subresource", "")),
    )


def sort_entries(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """managedfields.go sortEncodedManagedFields."""
    return sorted(
        entries,
        key=lambda e: (
            str(e.get("operation", "")),
            str(e.get("time") or ""),
            str(e.get("manager", "")),
            str(e.get("apiVersion", "")),
            str(e.get("subresource", "")),
        ),
    )


def new_entry(
    manager: str, operation: str, api_version: str, subresource: str, paths: set[Path]
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "manager": manager,
        "operation": operation,
        "apiVersion": api_version,
        "time": now_rfc3339(),
        "fieldsType": "FieldsV1",
        "fieldsV1": to_fields_v1(paths),
    }
    if subresource:
        entry["subresource"] = subresource
    return entry


def update_entries(
    entries: list[dict[str, Any]] | None,
    manager: str,
    api_version: str,
    live: dict[str, Any],
    new: dict[str, Any],
    schema: Schema | None,
    subresource: str = "",
    reset: Iterable[Path] = (),
) -> list[dict[str, Any]]:
    """The managedFields after an Update operation by ``manager`` (see the module docstring).

    ``live`` is the stored object (the kind's zero value on create), ``new`` the object about to
    be stored; ``reset`` the strategy's reset fields for this endpoint.
    """
    reset = tuple(reset)
    cmp = compare(_without_managed_fields(live), _without_managed_fields(new), schema)
    changed = {p for p in cmp.added | cmp.modified if not excluded(p, reset)}
    removed = {p for p in cmp.removed if not excluded(p, reset)}
    mine_id = (manager, "Update", api_version, subresource)
    result: list[dict[str, Any]] = []
    previous: set[Path] = set()
    previous_entry: dict[str, Any] | None = None
    for entry in entries or []:
        paths = from_fields_v1(entry.get("fieldsV1") or {})
        paths -= changed | removed
        if _identity(entry) == mine_id:
            previous, previous_entry = paths, entry
            continue
        if paths:
            result.append({**entry, "fieldsV1": to_fields_v1(paths)})
    current = {p for p in changed if p not in STRIPPED}
    if current:
        result.append(new_entry(manager, "Update", api_version, subresource, current | previous))
    elif previous and previous_entry is not None:
        result.append({**previous_entry, "fieldsV1": to_fields_v1(previous)})
    return sort_entries(result)


def _without_managed_fields(obj: Any) -> Any:
    if not isinstance(obj, dict) or not isinstance(obj.get("metadata"), dict):
        return obj
    meta = {k: v for k, v in obj["metadata"].items() if k != "managedFields"}
    return {**obj, "metadata": meta}


__all__ = [
    "Comparison",
    "compare",
    "from_fields_v1",
    "item_element",
    "list_type",
    "new_entry",
    "sort_entries",
    "to_fields_v1",
    "update_entries",
]
