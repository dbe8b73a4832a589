"""The four PATCH types the apiserver accepts, and field ownership (managedFields).

* ``application/json-patch+json``: RFC 6902 operations (add, remove, replace, move, copy, test).
* ``application/merge-patch+json``: RFC 7386 (null deletes, objects merge, everything else replaces).
* ``application/strategic-merge-patch+json``: like a merge patch, but lists whose schema has
  ``x-kubernetes-patch-strategy: merge`` merge item by item on ``x-kubernetes-patch-merge-key``
  (containers by name), and ``$patch: replace|delete`` directives apply
  (k8s.io/apimachinery/pkg/util/strategicpatch/patch.go).
* ``application/apply-patch+yaml``: server-side apply. Each field manager owns a set of fields;
  applying a value another manager owns (with a different value) is a 409 conflict unless
  ``force=true`` (sigs.k8s.io/structured-merge-diff, k8s.io/apiserver/pkg/endpoints/handlers/
  fieldmanager). Fields a manager applied before and no longer applies are removed if nobody else
  owns them.

A simplification worth knowing: ownership is tracked on leaf fields only; ``fieldsV1`` adds the
``.`` markers the real server writes for list items and maps so clients see the same shape.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from typing import Any

from rawkube.testing.server.errors import APIError, now_rfc3339
from rawkube.testing.server.openapi_schema import Schema

Path = tuple[str, ...]  # elements like "f:spec", 'k:{"name":"web"}', 'v:"x"'
_MISSING = object()


def _bad_patch(message: str) -> APIError:
    return APIError(422, "Invalid", message)


# -- RFC 6902 ---------------------------------------------------------------------------------


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise _bad_patch(f"invalid JSON pointer: {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _parent(doc: Any, parts: list[str]) -> tuple[Any, str]:
    node = doc
    for part in parts[:-1]:
        if isinstance(node, list):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise _bad_patch(f"doc is missing path: /{'/'.join(parts)}")
    return node, parts[-1]


def _get(doc: Any, parts: list[str]) -> Any:
    node = doc
    for part in parts:
        if isinstance(node, list):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise _bad_patch(f"doc is missing path: /{'/'.join(parts)}")
    return node


def _add(doc: Any, parts: list[str], value: Any) -> Any:
    if not parts:
        return value
    parent, last = _parent(doc, parts)
    if isinstance(parent, list):
        parent.insert(len(parent) if last == "-" else int(last), value)
    else:
        parent[last] = value
    return doc


def _remove(doc: Any, parts: list[str]) -> Any:
    parent, last = _parent(doc, parts)
    try:
        if isinstance(parent, list):
            return parent.pop(int(last))
        return parent.pop(last)
    except (KeyError, IndexError, ValueError):
        raise _bad_patch(f"doc is missing path: /{'/'.join(parts)}") from None


def json_patch(doc: Any, operations: Any) -> Any:
    """Apply an RFC 6902 patch to a copy of ``doc``."""
    if not isinstance(operations, list):
        raise APIError(400, "BadRequest", "json patch must be a list of operations")
    doc = copy.deepcopy(doc)
    for op in operations:
        kind, parts = op.get("op"), _pointer(op.get("path", ""))
        try:
            if kind == "add":
                doc = _add(doc, parts, copy.deepcopy(op.get("value")))
            elif kind == "remove":
                _remove(doc, parts)
            elif kind == "replace":
                _get(doc, parts)  # must exist
                if parts:
                    _remove(doc, parts)
                doc = _add(doc, parts, copy.deepcopy(op.get("value")))
            elif kind in ("move", "copy"):
                source = _pointer(op.get("from", ""))
                value = _remove(doc, source) if kind == "move" else copy.deepcopy(_get(doc, source))
                doc = _add(doc, parts, value)
            elif kind == "test":
                if _get(doc, parts) != op.get("value"):
                    raise _bad_patch(f"testing value /{'/'.join(parts)} failed")
            else:
                raise _bad_patch(f"Unexpected kind: {kind}")
        except (IndexError, ValueError, TypeError):
            raise _bad_patch(f"doc is missing path: {op.get('path')}") from None
    return doc


# -- RFC 7386 ---------------------------------------------------------------------------------


def merge_patch(doc: Any, patch: Any) -> Any:
    """Apply an RFC 7386 merge patch (returns a new value)."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(doc) if isinstance(doc, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


# -- strategic merge patch ----------------------------------------------------------------------


def strategic_merge_patch(doc: Any, patch: Any, schema: Schema | None) -> Any:
    """Apply a strategic merge patch guided by the OpenAPI schema (None: plain merge patch)."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    directive = patch.get("$patch")
    if directive == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
    if directive == "delete":
        return None
    result = copy.deepcopy(doc) if isinstance(doc, dict) else {}
    orders = {
        key.split("/", 1)[1]: value
        for key, value in patch.items()
        if key.startswith("$setElementOrder/") and isinstance(value, list)
    }
    for key, value in patch.items():
        if key.startswith("$setElementOrder/") or key in ("$retainKeys", "$patch"):
            continue
        if key.startswith("$deleteFromPrimitiveList/"):
            name = key.split("/", 1)[1]
            result[name] = [v for v in result.get(name) or [] if v not in value]
            continue
        field = schema.field(key) if schema is not None else None
        if value is None:
            result.pop(key, None)
        elif isinstance(value, list) and field is not None and "merge" in field.patch_strategy:
            result[key] = _merge_list(result.get(key) or [], value, field, orders.get(key))
        elif isinstance(value, dict):
            merged = strategic_merge_patch(result.get(key), value, field)
            if merged is None:
                result.pop(key, None)
            else:
                result[key] = merged
        else:
            result[key] = copy.deepcopy(value)
    # A $setElementOrder without the list itself only reorders what is there.
    for key, order in orders.items():
        field = schema.field(key) if schema is not None else None
        if key not in patch and isinstance(result.get(key), list) and field is not None:
            current = result[key]
            merge_key = field.patch_merge_key
            inside = [v for v in current if _index(order, v, merge_key) >= 0]
            outside = [v for v in current if _index(order, v, merge_key) < 0]
            result[key] = _normalize(inside, outside, order, current, merge_key)
    return result


def _key_of(item: Any, merge_key: str | None) -> Any:
    if merge_key:
        return item.get(merge_key) if isinstance(item, dict) else None
    return item


def _index(items: list[Any], item: Any, merge_key: str | None) -> int:
    """strategicpatch index(): where an item (by merge key, or itself) is in a list; -1."""
    wanted = _key_of(item, merge_key)
    for i, value in enumerate(items):
        if _key_of(value, merge_key) == wanted:
            return i
    return -1


def _normalize(
    patch_items: list[Any],
    server_only: list[Any],
    patch_order: list[Any],
    server_order: list[Any],
    merge_key: str | None,
) -> list[Any]:
    """normalizeElementOrder + mergeSortedSlice: the patch's items in the patch's order, the
    others in the original order, interleaved where both orders know them; an item the
    original did not have comes before the original items it meets."""
    patch_items = sorted(patch_items, key=lambda v: _index(patch_order, v, merge_key))
    server_only = sorted(server_only, key=lambda v: _index(server_order, v, merge_key))
    out: list[Any] = []
    i = j = 0
    while i < len(server_only) or j < len(patch_items):
        if i >= len(server_only):
            out.append(patch_items[j])
            j += 1
        elif j >= len(patch_items):
            out.append(server_only[i])
            i += 1
        else:
            left = _index(server_order, server_only[i], merge_key)
            right = _index(server_order, patch_items[j], merge_key)
            if left >= 0 and right >= 0 and left < right:
                out.append(server_only[i])
                i += 1
            else:
                out.append(patch_items[j])
                j += 1
    return out


def _merge_list(
    live: list[Any], patch: list[Any], schema: Schema, order: list[Any] | None = None
) -> list[Any]:
    """strategicpatch mergeSlice: merge the items by merge key (primitives: a union), then
    put them in order (normalizeElementOrder): a new container goes before the existing ones
    (``[c, a, b]``), unless a ``$setElementOrder`` says otherwise."""
    merge_key = schema.patch_merge_key
    patch_order = order if order is not None else patch
    if not merge_key or not all(isinstance(v, dict) for v in patch):
        merged: list[Any] = []
        for value in list(live) + list(patch):  # deduplicateScalars
            if value not in merged:
                merged.append(value)
        inside = [v for v in merged if v in patch_order]
        outside = [v for v in merged if v not in patch_order]
        return _normalize(inside, outside, patch_order, list(live), None)
    if any(isinstance(v, dict) and v.get("$patch") == "replace" for v in patch):
        return [
            {k: v for k, v in item.items() if k != "$patch"}
            for item in patch
            if not (isinstance(item, dict) and item.get("$patch") == "replace")
        ]
    result = copy.deepcopy(live)
    item_schema = schema.items()
    for item in patch:
        key_value = item.get(merge_key)
        index = next(
            (
                i
                for i, v in enumerate(result)
                if isinstance(v, dict) and v.get(merge_key) == key_value
            ),
            None,
        )
        if item.get("$patch") == "delete":
            if index is not None:
                result.pop(index)
            continue
        if index is None:
            result.append({k: v for k, v in item.items() if k != "$patch"})
        else:
            result[index] = strategic_merge_patch(result[index], item, item_schema)
    kept_order = [v for v in patch_order if not (isinstance(v, dict) and v.get("$patch"))]
    inside = [v for v in result if _index(kept_order, v, merge_key) >= 0]
    outside = [v for v in result if _index(kept_order, v, merge_key) < 0]
    return _normalize(inside, outside, kept_order, live, merge_key)


# -- field sets (structured-merge-diff, simplified to leaves) ------------------------------------


def _key_element(item: dict[str, Any], keys: list[str]) -> str:
    # Keys are sorted, as structured-merge-diff serialises them: k:{"containerPort":80,"protocol":"TCP"}
    present = {k: item[k] for k in sorted(keys) if k in item}
    return "k:" + json.dumps(present, separators=(",", ":"))


def leaves(obj: Any, schema: Schema | None, prefix: Path = ()) -> dict[Path, Any]:
    """Every leaf field of ``obj`` with its value: what a manager can own."""
    found: dict[Path, Any] = {}
    if isinstance(obj, dict) and obj and not (schema is not None and schema.is_atomic):
        for key, value in obj.items():
            child = schema.field(key) if schema is not None else None
            found.update(leaves(value, child, (*prefix, "f:" + key)))
        return found
    if isinstance(obj, list) and obj and schema is not None:
        keys = schema.list_map_keys
        if keys and schema.list_type == "map" and all(isinstance(v, dict) for v in obj):
            for item in obj:
                found.update(leaves(item, schema.items(), (*prefix, _key_element(item, keys))))
            return found
        if schema.list_type == "set" and not any(isinstance(v, (dict, list)) for v in obj):
            # A set's items are owned one by one: v:"x" (structured-merge-diff value elements).
            for item in obj:
                element = "v:" + json.dumps(item, separators=(",", ":"))
                path = (*prefix, element)
                found[path] = item
            return found
    found[prefix] = obj
    return found


def value_at(obj: Any, path: Path) -> Any:
    """The value at a field-set path (``_MISSING`` when absent)."""
    node = obj
    for element in path:
        if element.startswith("f:") and isinstance(node, dict):
            name = element[2:]
            if name not in node:
                return _MISSING
            node = node[name]
        elif element.startswith("k:") and isinstance(node, list):
            wanted = json.loads(element[2:])
            node = next(
                (
                    v
                    for v in node
                    if isinstance(v, dict) and all(v.get(k) == x for k, x in wanted.items())
                ),
                _MISSING,
            )
            if node is _MISSING:
                return _MISSING
        elif element.startswith("v:") and isinstance(node, list):
            wanted = json.loads(element[2:])
            if wanted not in node:
                return _MISSING
            node = wanted
        else:
            return _MISSING
    return node


def remove_at(obj: Any, path: Path) -> None:
    """Delete the field at ``path`` (no error if it is already gone)."""
    if not path:
        return
    parent = value_at(obj, path[:-1])
    last = path[-1]
    if last.startswith("f:") and isinstance(parent, dict):
        parent.pop(last[2:], None)
    elif last.startswith("v:") and isinstance(parent, list):
        wanted = json.loads(last[2:])
        parent[:] = [v for v in parent if v != wanted]
    elif last.startswith("k:") and isinstance(parent, list):
        wanted = json.loads(last[2:])
        parent[:] = [
            v
            for v in parent
            if not (isinstance(v, dict) and all(v.get(k) == x for k, x in wanted.items()))
        ]


def render_path(path: Path) -> str:
    """``.spec.template.spec.containers[name="web"].image``, as conflict messages print paths."""
    out = ""
    for element in path:
        if element.startswith("f:"):
            out += "." + element[2:]
        elif element.startswith("k:"):
            keys = json.loads(element[2:])
            out += "[" + ",".join(f"{k}={json.dumps(v)}" for k, v in keys.items()) + "]"
    return out


def to_fields_v1(paths: Iterable[Path], marked: frozenset[Path] = frozenset()) -> dict[str, Any]:
    """Nest a set of leaf paths into the FieldsV1 JSON form.

    ``.`` says "this node itself is owned, not just its children": always for list items, and
    for the ``marked`` nodes (see `owned_containers`).
    """
    root: dict[str, Any] = {}
    for path in sorted(paths):
        node = root
        for depth, element in enumerate(path, 1):
            node = node.setdefault(element, {})
            if element.startswith("k:") or (depth < len(path) and path[:depth] in marked):
                node.setdefault(".", {})
    return _sorted_tree(root)


# Optional structs held by pointer in Go are owned as nodes too, but the OpenAPI document cannot
# tell a pointer from a value: the ones workloads use are listed.
_POINTER_STRUCTS = frozenset({"rollingUpdate", "securityContext", "affinity", "conversion"})


def owned_containers(obj: Any, schema: Schema | None, prefix: Path = ()) -> frozenset[Path]:
    """Maps and optional lists in ``obj``: an Update operation owns these nodes themselves
    (the ``".": {}`` entries of recording 008: labels, ports; not the required containers)."""
    found: set[Path] = set()
    if schema is None or not isinstance(obj, dict) or schema.is_atomic:
        return frozenset()
    for key, value in obj.items():
        child = schema.field(key)
        path = (*prefix, "f:" + key)
        if child is None or not value:
            continue
        if isinstance(value, dict):
            if (child.is_map and not schema.is_map) or key in _POINTER_STRUCTS or child.owns_itself:
                found.add(path)
            found |= owned_containers(value, child, path)
        elif isinstance(value, list) and (child.list_map_keys or child.list_type == "set"):
            if key not in schema.required:
                found.add(path)
            item_schema = child.items()
            for item in value:
                if isinstance(item, dict):
                    found |= owned_containers(
                        item, item_schema, (*path, _key_element(item, child.list_map_keys))
                    )
    return frozenset(found)


def _sorted_tree(node: dict[str, Any]) -> dict[str, Any]:
    return {k: _sorted_tree(node[k]) for k in sorted(node)}


def from_fields_v1(tree: dict[str, Any], prefix: Path = ()) -> set[Path]:
    """The leaf paths of a FieldsV1 tree."""
    paths: set[Path] = set()
    children = {k: v for k, v in tree.items() if k != "."}
    if not children:
        if prefix:
            paths.add(prefix)
        return paths
    for key, child in children.items():
        paths |= from_fields_v1(child, (*prefix, key))
    return paths


# What no manager owns: identity and server-set metadata, and (for the main resource) status.
_UNOWNED_META = {
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "managedFields",
    "selfLink",
    "generateName",
}


def ownable(obj: dict[str, Any], subresource: str) -> dict[str, Any]:
    """The part of an object field managers own (status only through the status subresource)."""
    result: dict[str, Any] = {}
    for key, value in obj.items():
        if key in ("apiVersion", "kind"):
            continue
        if key == "metadata":
            meta = {k: v for k, v in (value or {}).items() if k not in _UNOWNED_META}
            if meta:
                result["metadata"] = meta
        elif (key == "status") == (subresource == "status"):
            result[key] = value
    return result


class ManagedFields:
    """The managedFields of one object, as manager -> entry, with the operations that change them."""

    def __init__(self, entries: list[dict[str, Any]] | None) -> None:
        self.entries = [dict(e) for e in entries or []]

    def _sets(self) -> list[tuple[dict[str, Any], set[Path]]]:
        return [(e, from_fields_v1(e.get("fieldsV1") or {})) for e in self.entries]

    def _store(
        self, sets: list[tuple[dict[str, Any], set[Path]]], marked: frozenset[Path] = frozenset()
    ) -> None:
        self.entries = []
        for entry, paths in sets:
            paths = {p for p in paths if p}  # the object itself is nobody's field
            if paths:
                updates = entry.get("operation") == "Update"
                entry["fieldsV1"] = to_fields_v1(paths, marked if updates else frozenset())
                self.entries.append(entry)

    def record_update(
        self,
        manager: str,
        api_version: str,
        old: dict[str, Any] | None,
        new: dict[str, Any],
        schema: Schema | None,
        subresource: str = "",
    ) -> None:
        """An Update operation (POST/PUT/PATCH that is not apply): changed fields move to ``manager``."""
        new_leaves = leaves(ownable(new, subresource), schema)
        old_leaves = leaves(ownable(old, subresource), schema) if old is not None else {}
        changed = {p for p, v in new_leaves.items() if old_leaves.get(p, _MISSING) != v}
        # Fields that are gone are nobody's; the other side of the status split keeps its stored
        # state (the strategy resets it), so its owners keep their fields.
        other = ownable(old if old is not None else new, "" if subresource else "status")
        present = {**new_leaves, **leaves(other, schema)}
        sets = []
        mine: set[Path] | None = None
        for entry, paths in self._sets():
            paths = {p for p in paths if p in present or _prefix_of(p, present)}
            if (
                entry.get("manager") == manager
                and entry.get("operation") == "Update"
                and (entry.get("subresource", "") == subresource)
            ):
                mine = paths | changed
                entry["time"] = now_rfc3339()
                sets.append((entry, mine))
            else:
                sets.append((entry, paths - changed))
        if mine is None and changed:
            sets.append((self._entry(manager, "Update", api_version, subresource), changed))
        marked = owned_containers(ownable(new, ""), schema) | owned_containers(
            ownable(new, "status"), schema
        )
        self._store(sets, marked)

    def apply(
        self,
        manager: str,
        api_version: str,
        live: dict[str, Any],
        applied: dict[str, Any],
        schema: Schema | None,
        force: bool,
        subresource: str = "",
    ) -> dict[str, Any]:
        """Server-side apply: return the merged object, updating ownership; 409 on conflicts."""
        applied_leaves = leaves(ownable(applied, subresource), schema)
        live_leaves = leaves(ownable(live, subresource), schema) if live else {}
        sets = self._sets()
        conflicts: list[tuple[str, Path]] = []
        for entry, paths in sets:
            if entry.get("manager") == manager and entry.get("operation") == "Apply":
                continue
            for path in sorted(paths & set(applied_leaves)):
                if live_leaves.get(path, _MISSING) != applied_leaves[path]:
                    who = f'"{entry.get("manager")}"'
                    if entry.get("operation") != "Apply":
                        who += f" using {entry.get('apiVersion')}"
                    conflicts.append((who, path))
        if conflicts and not force:
            raise _conflict_error(conflicts)
        merged = _structural_merge(live, applied, schema)
        previous = next(
            (p for e, p in sets if e.get("manager") == manager and e.get("operation") == "Apply"),
            set(),
        )
        others = set().union(
            *(
                p
                for e, p in sets
                if not (e.get("manager") == manager and e.get("operation") == "Apply")
            )
        )
        for path in previous - set(applied_leaves) - others:
            remove_at(merged, path)
        taken = {path for _, path in conflicts}
        new_sets = []
        for entry, paths in sets:
            if entry.get("manager") == manager and entry.get("operation") == "Apply":
                continue
            new_sets.append((entry, paths - taken))
        new_sets.insert(
            0, (self._entry(manager, "Apply", api_version, subresource), set(applied_leaves))
        )
        self._store(new_sets)
        return merged

    @staticmethod
    def _entry(manager: str, operation: str, api_version: str, subresource: str) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "manager": manager,
            "operation": operation,
            "apiVersion": api_version,
            "time": now_rfc3339(),
            "fieldsType": "FieldsV1",
            "fieldsV1": {},
        }
        if subresource:
            entry["subresource"] = subresource
        return entry


def _prefix_of(path: Path, new_leaves: dict[Path, Any]) -> bool:
    return any(p[: len(path)] == path for p in new_leaves)


def _conflict_error(conflicts: list[tuple[str, Path]]) -> APIError:
    by_manager: dict[str, list[str]] = {}
    for who, path in conflicts:
        by_manager.setdefault(who, []).append(render_path(path))
    noun = "conflict" if len(conflicts) == 1 else "conflicts"
    parts = [
        f"conflicts with {who}:\n" + "\n".join(f"- {p}" for p in paths)
        for who, paths in by_manager.items()
    ]
    if len(conflicts) == 1:
        who, path = conflicts[0]
        message = f"Apply failed with 1 conflict: conflict with {who}: {render_path(path)}"
    else:
        message = f"Apply failed with {len(conflicts)} {noun}: " + "\n".join(parts)
    causes = [
        {
            "reason": "FieldManagerConflict",
            "message": f"conflict with {who}",
            "field": render_path(path),
        }
        for who, path in conflicts
    ]
    return APIError(409, "Conflict", message, {"causes": causes})


def _structural_merge(live: Any, applied: Any, schema: Schema | None) -> Any:
    """Merge an applied configuration into the live object: maps by key, list-maps by item key."""
    if isinstance(applied, dict) and isinstance(live, dict) and not (schema and schema.is_atomic):
        result = copy.deepcopy(live)
        for key, value in applied.items():
            child = schema.field(key) if schema is not None else None
            result[key] = (
                _structural_merge(live.get(key), value, child)
                if key in live
                else copy.deepcopy(value)
            )
        return result
    if isinstance(applied, list) and isinstance(live, list) and schema is not None:
        keys = schema.list_map_keys
        if keys and schema.list_type == "map":
            result_list = copy.deepcopy(live)
            for item in applied:
                element = _key_element(item, keys)
                index = next(
                    (
                        i
                        for i, v in enumerate(result_list)
                        if isinstance(v, dict) and _key_element(v, keys) == element
                    ),
                    None,
                )
                if index is None:
                    result_list.append(copy.deepcopy(item))
                else:
                    result_list[index] = _structural_merge(result_list[index], item, schema.items())
            return result_list
    return copy.deepcopy(applied)
