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
from typing import Any

from rawkube.testing.server.resources import ResourceInfo
from rawkube.testing.server.selectors import field_value, selector_to_string

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


def _containers(obj: dict[str, Any]) -> list[dict[str, Any]]:
    template = (obj.get("spec") or {}).get("template") or {}
    containers: list[dict[str, Any]] = (template.get("spec") or {}).get("containers") or []
    return containers


def _deployment_row(obj: dict[str, Any]) -> list[Any]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    return [
        _meta(obj).get("name"),
        f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 0)}",
        status.get("updatedReplicas", 0),
        status.get("availableReplicas", 0),
        age(_meta(obj).get("creationTimestamp")),
        ",".join(c.get("name", "") for c in _containers(obj)),
        ",".join(c.get("image", "") for c in _containers(obj)),
        selector_to_string(spec.get("selector")),
    ]


def _replicaset_row(obj: dict[str, Any]) -> list[Any]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    return [
        _meta(obj).get("name"),
        spec.get("replicas", 0),
        status.get("replicas", 0),
        status.get("readyReplicas", 0),
        age(_meta(obj).get("creationTimestamp")),
        ",".join(c.get("name", "") for c in _containers(obj)),
        ",".join(c.get("image", "") for c in _containers(obj)),
        selector_to_string(spec.get("selector")),
    ]


def _pod_row(obj: dict[str, Any]) -> list[Any]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    statuses = status.get("containerStatuses") or []
    ready = sum(1 for s in statuses if s.get("ready"))
    phase = status.get("phase", "")
    if _meta(obj).get("deletionTimestamp"):
        phase = "Terminating"
    restarts = sum(int(s.get("restartCount", 0)) for s in statuses)
    return [
        _meta(obj).get("name"),
        f"{ready}/{len(spec.get('containers') or [])}",
        phase,
        restarts,
        age(_meta(obj).get("creationTimestamp")),
        status.get("podIP") or "<none>",
        spec.get("nodeName") or "<none>",
        "<none>",
        "<none>",
    ]


def _namespace_row(obj: dict[str, Any]) -> list[Any]:
    return [
        _meta(obj).get("name"),
        (obj.get("status") or {}).get("phase", ""),
        age(_meta(obj).get("creationTimestamp")),
    ]


def _configmap_row(obj: dict[str, Any]) -> list[Any]:
    data = len(obj.get("data") or {}) + len(obj.get("binaryData") or {})
    return [_meta(obj).get("name"), data, age(_meta(obj).get("creationTimestamp"))]


def _service_row(obj: dict[str, Any]) -> list[Any]:
    spec = obj.get("spec") or {}
    ingress = ((obj.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    external = ",".join(i.get("ip") or i.get("hostname", "") for i in ingress)
    ports = ",".join(
        f"{p.get('port')}{':' + str(p['nodePort']) if p.get('nodePort') else ''}/{p.get('protocol', 'TCP')}"
        for p in spec.get("ports") or []
    )
    return [
        _meta(obj).get("name"),
        spec.get("type", ""),
        spec.get("clusterIP") or "<none>",
        external or ("<pending>" if spec.get("type") == "LoadBalancer" else "<none>"),
        ports or "<none>",
        age(_meta(obj).get("creationTimestamp")),
        selector_to_string({"matchLabels": spec.get("selector")} if spec.get("selector") else None),
    ]


def _secret_row(obj: dict[str, Any]) -> list[Any]:
    return [
        _meta(obj).get("name"),
        obj.get("type", "Opaque"),
        len(obj.get("data") or {}),
        age(_meta(obj).get("creationTimestamp")),
    ]


def _col(name: str, priority: int = 0, kind: str = "string") -> Column:
    return (name, kind, "", priority)


_PRINTERS: dict[tuple[str, str], tuple[list[Column], Row]] = {
    ("apps", "deployments"): (
        [
            _NAME,
            _col("Ready"),
            _col("Up-to-date", kind="integer"),
            _col("Available", kind="integer"),
            _AGE,
            _col("Containers", 1),
            _col("Images", 1),
            _col("Selector", 1),
        ],
        _deployment_row,
    ),
    ("apps", "replicasets"): (
        [
            _NAME,
            _col("Desired", kind="integer"),
            _col("Current", kind="integer"),
            _col("Ready", kind="integer"),
            _AGE,
            _col("Containers", 1),
            _col("Images", 1),
            _col("Selector", 1),
        ],
        _replicaset_row,
    ),
    ("", "pods"): (
        [
            _NAME,
            _col("Ready"),
            _col("Status"),
            _col("Restarts", kind="string"),
            _AGE,
            _col("IP", 1),
            _col("Node", 1),
            _col("Nominated Node", 1),
            _col("Readiness Gates", 1),
        ],
        _pod_row,
    ),
    ("", "namespaces"): ([_NAME, _col("Status"), _AGE], _namespace_row),
    ("", "configmaps"): ([_NAME, _col("Data", kind="integer"), _AGE], _configmap_row),
    ("", "services"): (
        [
            _NAME,
            _col("Type"),
            _col("Cluster-IP"),
            _col("External-IP"),
            _col("Port(s)"),
            _AGE,
            _col("Selector", 1),
        ],
        _service_row,
    ),
    ("", "secrets"): ([_NAME, _col("Type"), _col("Data", kind="integer"), _AGE], _secret_row),
}


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


def _default_printer() -> tuple[list[Column], Row]:
    created = (
        "Created At",
        "date",
        "CreationTimestamp is a timestamp representing the server time when this object was created.",
        0,
    )
    return [_NAME, created], lambda obj: [
        _meta(obj).get("name"),
        _meta(obj).get("creationTimestamp"),
    ]


def to_table(
    info: ResourceInfo,
    items: list[dict[str, Any]],
    list_meta: dict[str, Any],
    include_object: str = "Metadata",
) -> dict[str, Any]:
    """A meta.k8s.io/v1 Table of ``items`` (recording 033's shape)."""
    if info.custom is not None:
        return _custom_table(info, items, list_meta, include_object)
    if info.key in _PRINTERS:
        columns, row = _PRINTERS[info.key]
    elif info.crd:
        columns, row = _crd_printer(info)
    else:
        columns, row = _default_printer()
    rows = []
    for obj in items:
        entry: dict[str, Any] = {"cells": row(obj)}
        if include_object == "Object":
            entry["object"] = obj
        elif include_object != "None":
            entry["object"] = {
                "kind": "PartialObjectMetadata",
                "apiVersion": "meta.k8s.io/v1",
                "metadata": _meta(obj),
            }
        rows.append(entry)
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": list_meta,
        "columnDefinitions": [
            {
                "name": n,
                "type": t,
                "format": "name" if n == "Name" else "",
                "description": d,
                "priority": p,
            }
            for n, t, d, p in columns
        ],
        "rows": rows,
    }


def _row_object(obj: dict[str, Any], include_object: str) -> dict[str, Any] | None:
    if include_object == "Object":
        return obj
    if include_object == "None":
        return None
    return {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
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
