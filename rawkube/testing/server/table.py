"""Table output (``Accept: application/json;as=Table;v=v1;g=meta.k8s.io``), what ``kubectl get`` prints.

Columns follow the built-in printers of pkg/printers/internalversion/printers.go for the kinds we
model; any other resource gets the default Name/Created At table
(k8s.io/apiserver/pkg/registry/rest/table.go), and a custom resource its CRD's
additionalPrinterColumns plus Age. Each row's ``object`` is PartialObjectMetadata unless the client
asked for the full object with ``includeObject=Object``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from rawkube.testing.server.resources import ResourceInfo
from rawkube.testing.server.selectors import field_value

Column = tuple[str, str, str, int]  # name, type, description, priority
Row = Callable[[dict[str, Any]], list[Any]]

_NAME = ("Name", "string", "Name must be unique within a namespace.", 0)
_AGE = (
    "Age",
    "string",
    "CreationTimestamp is a timestamp representing the server time when this object was created.",
    0,
)


def age(timestamp: str | None, now: datetime | None = None) -> str:
    """kubectl's short human duration (duration.HumanDuration): 5s, 3m, 2h, 4d."""
    if not timestamp:
        return "<unknown>"
    created = datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    seconds = max(0, int(((now or datetime.now(timezone.utc)) - created).total_seconds()))
    if seconds < 120:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 10:
        return f"{minutes}m{seconds % 60}s" if seconds % 60 else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 48:
        return f"{hours}h"
    return f"{hours // 24}d"


def _meta(obj: dict[str, Any]) -> dict[str, Any]:
    meta: dict[str, Any] = obj.get("metadata") or {}
    return meta


def _crd_printer(info: ResourceInfo) -> tuple[list[Column], Row]:
    columns: list[Column] = [_NAME]
    paths: list[str] = []
    for col in info.printer_columns:
        columns.append(
            (
                str(col.get("name")),
                str(col.get("type", "string")),
                str(col.get("description", "")),
                int(col.get("priority", 0)),
            )
        )
        paths.append(str(col.get("jsonPath", "")).lstrip("."))
    columns.append(_AGE)

    def row(obj: dict[str, Any]) -> list[Any]:
        cells: list[Any] = [_meta(obj).get("name")]
        cells.extend(field_value(obj, p) for p in paths)
        cells.append(age(_meta(obj).get("creationTimestamp")))
        return cells

    return columns, row


@lru_cache(maxsize=1)
def _recorded_columns() -> dict[str, list[dict[str, Any]]]:
    """The real server's column definitions of each built-in resource
    (data/table-columns.json.gz, scripts/record_table_columns.py)."""
    from rawkube.testing.server.resources import load_data

    data: dict[str, list[dict[str, Any]]] = load_data("table-columns.json.gz")
    return data


_DEFAULT_COLUMNS = [
    {
        "name": "Name",
        "type": "string",
        "format": "name",
        "description": "Name must be unique within a namespace. Is required when creating "
        "resources, although some resources may allow a client to request the generation of "
        "an appropriate name automatically. Name is primarily intended for creation "
        "idempotence and configuration definition. Cannot be updated. More info: "
        "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names",
        "priority": 0,
    },
    {
        "name": "Created At",
        "type": "date",
        "format": "",
        "description": "CreationTimestamp is a timestamp representing the server time when "
        "this object was created. It is not guaranteed to be set in happens-before order "
        "across separate operations. Clients may not set this value. It is represented in "
        "RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. "
        "More info: https://git.k8s.io/community/contributors/devel/sig-architecture/"
        "api-conventions.md#metadata",
        "priority": 0,
    },
]


def table_for(
    req: Any, info: ResourceInfo, items: list[dict[str, Any]], list_meta: dict[str, Any]
) -> dict[str, Any]:
    """The Table a request asked for: its includeObject and the Table's version (meta.k8s.io
    v1 or v1beta1, from the Accept header's ``v``)."""
    from rawkube.testing.server.negotiation import choose

    chosen = choose(req.accept)
    version = chosen.params.get("v", "v1") if chosen is not None else "v1"
    include = req.param("includeObject") or "Metadata"
    return to_table(info, items, list_meta, include, f"meta.k8s.io/{version}")


def to_table(
    info: ResourceInfo,
    items: list[dict[str, Any]],
    list_meta: dict[str, Any],
    include_object: str = "Metadata",
    api_version: str = "meta.k8s.io/v1",
) -> dict[str, Any]:
    """A meta.k8s.io/v1 Table of ``items``: the kind's printer (printers.py) under the real
    server's column definitions, or the default Name/Created At table."""
    from rawkube.testing.server import printers

    if info.custom is not None:
        return _custom_table(info, items, list_meta, include_object)
    if info.crd:
        columns, row = _crd_printer(info)
        definitions = [
            {
                "name": n,
                "type": t,
                "format": "name" if n == "Name" else "",
                "description": d,
                "priority": p,
            }
            for n, t, d, p in columns
        ]
        make: Row = row
    else:
        definitions = _recorded_columns().get(f"{info.group}/{info.resource}", _DEFAULT_COLUMNS)

        def make(obj: dict[str, Any]) -> list[Any]:
            return printers.cells(info.group, info.resource, obj)

    rows = []
    for obj in items:
        entry: dict[str, Any] = {"cells": make(obj)}
        conditions = printers.pod_row_conditions(obj) if info.key == ("", "pods") else None
        if conditions:
            entry["conditions"] = conditions
        entry["object"] = _row_object(obj, include_object, api_version)
        rows.append(entry)
    # printers.go's list printers make their rows (an empty list is []); the default
    # convertor (registry/rest/table.go) appends to nil (null).
    printed = info.crd or (info.group, info.resource) in printers.PRINTERS
    return {
        "kind": "Table",
        "apiVersion": api_version,
        "metadata": list_meta,
        "columnDefinitions": [dict(c) for c in definitions],
        "rows": rows if rows or printed else None,
    }


def _row_object(
    obj: dict[str, Any], include_object: str, api_version: str = "meta.k8s.io/v1"
) -> dict[str, Any] | None:
    if include_object == "Object":
        return obj
    if include_object == "None":
        return None
    return {
        "kind": "PartialObjectMetadata",
        "apiVersion": api_version,
        "metadata": _meta(obj),
    }


def _custom_table(
    info: ResourceInfo,
    items: list[dict[str, Any]],
    list_meta: dict[str, Any],
    include_object: str,
) -> dict[str, Any]:
    """A custom resource's Table, typed per its CRD's printer columns (apiextensions)."""
    from rawkube.testing.server.apiextensions import printer

    columns = list(info.custom.columns)
    rows = []
    for obj in items:
        entry: dict[str, Any] = {"cells": printer.cells(obj, columns)}
        row_object = _row_object(obj, include_object)
        if row_object is not None:
            entry["object"] = row_object
        rows.append(entry)
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": list_meta,
        "columnDefinitions": printer.column_definitions(columns),
        "rows": rows,
    }
