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


def _group(api_version: str) -> str:
    return api_version.rpartition("/")[0]


def _reachable(entries: list[dict[str, Any]] | None, api_version: str) -> list[dict[str, Any]]:
    """The entries whose version the request's version converts to.

    structured-merge-diff merge/update.go Updater.update deletes every other manager whose
    apiVersion the versionConverter cannot convert to (IsMissingVersionError: no such version
    in the request's API group, e.g. an events.k8s.io/v1 entry on a core v1 update of the same
    Event; apimachinery/pkg/util/managedfields/internal/versionconverter.go). Within a group
    every served version converts (built-ins through the internal hub, CRDs by their conversion).
    """
    group = _group(api_version)
    return [e for e in entries or [] if _group(str(e.get("apiVersion", ""))) == group]


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
    for entry in _reachable(entries, api_version):
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


# -- server-side apply (structuredMergeManager.Apply over SMD's Updater.Apply) ----------------


def to_field_set(obj: Any, schema: Schema | None) -> set[Path]:
    """typed ToFieldSet: the fields an applied configuration sets (tofieldset.go)."""
    found: set[Path] = set()
    _to_field_set(obj, schema, (), found)
    found.discard(())
    return found


def _struct_field(schema: Schema | None, key: str) -> bool:
    return schema is not None and key in (schema._resolved().get("properties") or {})


def _to_field_set(value: Any, schema: Schema | None, path: Path, found: set[Path]) -> None:
    kind = _kind(schema, _MISSING, value)
    if kind == "map":
        if _map_atomic(schema):
            found.add(path)
            return
        if not isinstance(value, dict):
            return
        for key, child_value in value.items():
            child = schema.field(key) if schema is not None else None
            child_path = (*path, "f:" + key)
            _to_field_set(child_value, child, child_path, found)
            # An empty or null value, or an entry of a map (not a struct field), is a member.
            if child_value is None or child_value == {} or not _struct_field(schema, key):
                found.add(child_path)
    elif kind == "list":
        ltype = list_type(schema)
        if ltype == "atomic":
            found.add(path)
            return
        if not isinstance(value, list):
            return
        item_schema = schema.items() if schema is not None else None
        for item in value:
            item_path = (*path, item_element(item, schema, ltype))
            _to_field_set(item, item_schema, item_path, found)
            found.add(item_path)
    else:
        found.add(path)


def merge(lhs: Any, rhs: Any, schema: Schema | None) -> Any:
    """typed Merge(lhs, rhs): the configuration ``rhs`` merged into ``lhs`` (merge.go)."""
    import copy as _copy

    if rhs is _MISSING:
        return _copy.deepcopy(lhs)
    if lhs is _MISSING:
        return _copy.deepcopy(rhs)
    kind = _kind(schema, lhs, rhs)
    if kind == "map" and isinstance(lhs, dict) and isinstance(rhs, dict):
        if _map_atomic(schema) or (not lhs and not rhs):
            return _copy.deepcopy(rhs)
        out = _copy.deepcopy(lhs)
        for key, value in rhs.items():
            child = schema.field(key) if schema is not None else None
            out[key] = merge(lhs.get(key, _MISSING), value, child)
        return out
    if kind == "list" and isinstance(lhs, list) and isinstance(rhs, list):
        ltype = list_type(schema)
        if ltype == "atomic" or (not lhs and not rhs):
            return _copy.deepcopy(rhs)
        return _merge_items(lhs, rhs, schema, ltype)
    return _copy.deepcopy(rhs)


def _merge_items(lhs: list[Any], rhs: list[Any], schema: Schema | None, ltype: str) -> list[Any]:
    """mergingWalker.visitListItems: the live order, with the configuration's items where it
    puts them relative to the items both share."""
    item_schema = schema.items() if schema is not None else None

    def index(items: list[Any]) -> tuple[list[str], dict[str, Any]]:
        order: list[str] = []
        seen: dict[str, Any] = {}
        for item in items:
            pe = item_element(item, schema, ltype)
            if pe not in seen:
                order.append(pe)
                seen[pe] = item
        return order, seen

    rhs_pes, observed_r = index(rhs)
    lhs_pes, observed_l = index(lhs)
    shared = [pe for pe in rhs_pes if pe in observed_l]
    next_shared = shared.pop(0) if shared else None
    merged_rhs: set[str] = set()
    out: list[Any] = []
    li = ri = 0
    while li < len(lhs_pes) or ri < len(rhs_pes):
        if li < len(lhs_pes) and ri < len(rhs_pes):
            pe = lhs_pes[li]
            if pe == rhs_pes[ri]:
                merged_rhs.add(pe)
                out.append(merge(observed_l[pe], observed_r[pe], item_schema))
                li += 1
                ri += 1
                next_shared = shared.pop(0) if shared else None
                continue
            if pe in observed_r and next_shared is not None and next_shared != pe:
                li += 1
                continue
        if li < len(lhs_pes):
            pe = lhs_pes[li]
            if pe not in observed_r:
                out.append(merge(observed_l[pe], _MISSING, item_schema))
                li += 1
                continue
            if pe in merged_rhs:
                li += 1
        if ri < len(rhs_pes):
            pe = rhs_pes[ri]
            merged_rhs.add(pe)
            out.append(merge(observed_l.get(pe, _MISSING), observed_r[pe], item_schema))
            ri += 1
            if next_shared is not None and next_shared == pe:
                next_shared = shared.pop(0) if shared else None
    return out


def _element_matches(value: Any, element: str, schema: Schema | None, ltype: str) -> bool:
    return item_element(value, schema, ltype) == element


def remove_path(obj: Any, path: Path, schema: Schema | None) -> None:
    """Remove the value at a field-set path (RemoveItems for one path)."""
    if not path or obj is None:
        return
    head, rest = path[0], path[1:]
    if head.startswith("f:") and isinstance(obj, dict):
        name = head[2:]
        if name not in obj:
            return
        child = schema.field(name) if schema is not None else None
        if rest:
            remove_path(obj[name], rest, child)
        else:
            del obj[name]
    elif isinstance(obj, list) and schema is not None:
        ltype = list_type(schema)
        item_schema = schema.items()
        for item in list(obj):
            if _element_matches(item, head, schema, ltype):
                if rest:
                    remove_path(item, rest, item_schema)
                else:
                    obj.remove(item)
                return


class ApplyConflict(Exception):
    """Other managers own fields the configuration changes (and force was not given)."""

    def __init__(self, conflicts: list[tuple[dict[str, Any], Path]]) -> None:
        super().__init__("apply conflicts")
        self.conflicts = conflicts


def apply_entries(
    entries: list[dict[str, Any]] | None,
    manager: str,
    api_version: str,
    live: dict[str, Any],
    config: dict[str, Any],
    schema: Schema | None,
    force: bool,
    subresource: str = "",
    reset: Iterable[Path] = (),
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """Server-side apply: (the merged object, or None when nothing changes; managedFields).

    Updater.Apply: merge the configuration into the live object; the manager's Apply set is the
    configuration's fields (minus reset and stripped fields); fields it applied before and no
    longer applies go when nobody else owns them (prune); other managers lose what changes, or
    the apply fails with their conflicts (ApplyConflict) unless ``force``.
    """
    import copy as _copy

    reset = tuple(reset)
    live_plain = _without_managed_fields(live)
    merged = merge(live_plain, _without_managed_fields(config), schema)
    mine_id = (manager, "Apply", api_version, subresource)
    entries = _reachable(entries, api_version)
    previous_entry = next((e for e in entries if _identity(e) == mine_id), None)
    last = from_fields_v1(previous_entry.get("fieldsV1") or {}) if previous_entry else set()
    applied = {
        p for p in to_field_set(config, schema) if p not in STRIPPED and not excluded(p, reset)
    }
    others = [
        (e, from_fields_v1(e.get("fieldsV1") or {}))
        for e in entries or []
        if _identity(e) != mine_id
    ]
    # prune: what this manager applied before and no longer applies, unless someone owns it
    # (or something below it).
    keep = set(applied).union(*(paths for _, paths in others)) if others else set(applied)
    for path in sorted(last - applied, key=len):
        if any(k[: len(path)] == path for k in keep):
            continue
        remove_path(merged, path, schema)
    cmp = compare(live_plain, merged, schema)
    changed = cmp.modified | cmp.added
    conflicts: list[tuple[dict[str, Any], Path]] = []
    result: list[dict[str, Any]] = []
    for entry, paths in others:
        taken = paths & changed
        if taken:
            conflicts.extend((entry, p) for p in sorted(taken))
        remaining = paths - taken - cmp.removed
        if remaining:
            result.append({**entry, "fieldsV1": to_fields_v1(remaining)})
    if conflicts and not force:
        raise ApplyConflict(conflicts)
    unchanged = merged == live_plain
    if applied:
        entry = new_entry(manager, "Apply", api_version, subresource, applied)
        if unchanged:
            # managedFieldsUpdater.Apply: the time moves only when the object changes; a
            # manager that is new and changed nothing has none (and sorts first).
            if previous_entry is not None and previous_entry.get("time"):
                entry["time"] = previous_entry["time"]
            else:
                entry.pop("time")
        result.append(entry)
    if unchanged:
        return None, sort_entries(result)
    return _copy.deepcopy(merged), sort_entries(result)


# -- the scale subresource (k8s.io/apimachinery/pkg/util/managedfields/scalehandler.go) -------

REPLICAS: Path = ("f:spec", "f:replicas")


def scale_entries(
    entries: list[dict[str, Any]] | None,
    manager: str,
    api_version: str,
    changed: bool,
    replicas_path: Path = REPLICAS,
) -> list[dict[str, Any]]:
    """The parent's managedFields after a write through /scale (ToSubresource, the Scale's
    Update, ToParent): when the replicas change, the writer's ``subresource: scale`` entry takes
    the replicas path from every other manager (an entry left empty goes); the new entry has
    no time of its own (ToParent takes the times of the parent's entries) and sorts first."""
    if not changed:
        return list(entries or [])
    mine = (manager, "Update", api_version, "scale")
    result: list[dict[str, Any]] = []
    had_entry = None
    for entry in entries or []:
        paths = from_fields_v1(entry.get("fieldsV1") or {})
        if _identity(entry) == mine:
            had_entry = entry
            continue
        if replicas_path in paths:
            paths = {p for p in paths if p != replicas_path}
            if not paths:
                continue
            entry = {**entry, "fieldsV1": to_fields_v1(paths)}
        result.append(entry)
    scale_entry: dict[str, Any] = {
        "manager": manager,
        "operation": "Update",
        "apiVersion": api_version,
        "fieldsType": "FieldsV1",
        "fieldsV1": to_fields_v1({replicas_path}),
        "subresource": "scale",
    }
    if had_entry is not None and had_entry.get("time"):
        scale_entry["time"] = had_entry["time"]
    result.append(scale_entry)
    return sort_entries(result)
