"""Table output of custom resources: the CRD's additionalPrinterColumns, typed per column.

apiextensions-apiserver pkg/registry/customresource/tableconvertor/tableconvertor.go: a Name
column, then one column per printer column (the default, when a version declares none, is
``Age`` over ``.metadata.creationTimestamp``: customresource_handler.go
``serveDefaultColumnsIfEmpty``). Each cell is the first JSONPath result, converted to the
column's type: ``integer`` cells are numbers (3, not "3"), ``number`` floats, ``boolean``
booleans, ``date`` a human duration since the timestamp (``duration.HumanDuration``), and
``string`` cells the value as the JSONPath printer prints it (JSON for lists and maps). A value of
the wrong type, or a missing one, is null.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from rawkube.testing.server.apiextensions.schema import go_v
from rawkube.testing.server.printers import human_duration  # duration.HumanDuration, once

_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"


@lru_cache(maxsize=4)
def _meta_description(name: str) -> str:
    from rawkube.testing.server.openapi import v2_document

    props = v2_document()["definitions"][_META]["properties"]
    return str(props[name].get("description", ""))


def columns_of(printer_columns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The CRD version's columns, or the default Age column when it declares none."""
    if printer_columns:
        return list(printer_columns)
    return [
        {
            "name": "Age",
            "type": "date",
            "description": _meta_description("creationTimestamp"),
            "jsonPath": ".metadata.creationTimestamp",
        }
    ]


def column_definitions(printer_columns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The Table's columnDefinitions."""
    out = [
        {
            "name": "Name",
            "type": "string",
            "format": "name",
            "description": _meta_description("name"),
            "priority": 0,
        }
    ]
    for col in columns_of(printer_columns):
        path = str(col.get("jsonPath", ""))
        out.append(
            {
                "name": str(col.get("name", "")),
                "type": str(col.get("type", "")),
                "format": str(col.get("format", "")),
                "description": str(col.get("description") or "")
                or f"Custom resource definition column (in JSONPath format): {path}",
                "priority": int(col.get("priority", 0)),
            }
        )
    return out


def cells(obj: dict[str, Any], printer_columns: list[dict[str, Any]]) -> list[Any]:
    """One Table row's cells for a custom resource."""
    meta = obj.get("metadata") or {}
    row: list[Any] = [meta.get("name")]
    for col in columns_of(printer_columns):
        found = find_results(obj, str(col.get("jsonPath", "")))
        if not found:
            row.append(None)
            continue
        row.append(cell(str(col.get("type", "")), found[0]))
    return row


def cell(column_type: str, value: Any) -> Any:
    """cellForJSONValue (and the JSONPath printer for string columns)."""
    if column_type == "string":
        if isinstance(value, (dict, list)):
            return json.dumps(value, separators=(",", ":"))
        if value is None:
            return "<nil>"
        return go_v(value)
    if value is None:
        return None
    if column_type == "integer":
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            return value
        if isinstance(value, float):
            return int(value)
        return None
    if column_type == "number":
        if isinstance(value, bool):
            return None
        if isinstance(value, (int, float)):
            return float(value)
        return None
    if column_type == "boolean":
        return value if isinstance(value, bool) else None
    if column_type == "date":
        if not isinstance(value, str):
            return None
        when = parse_time(value)
        if when is None:
            return "<invalid>"
        return human_duration((datetime.now(timezone.utc) - when).total_seconds())
    return None


def parse_time(text: str) -> datetime | None:
    """metav1.Time.UnmarshalQueryParameter: RFC 3339."""
    match = re.fullmatch(
        r"(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(\.\d+)?([Zz]|[+-]\d\d:\d\d)", text
    )
    if not match:
        return None
    try:
        stamp = datetime.fromisoformat(
            text.replace("z", "Z").replace("Z", "+00:00").replace("t", "T")
        )
    except ValueError:
        return None
    return stamp.astimezone(timezone.utc)


_TOKEN = re.compile(r"\.([A-Za-z0-9_\-]+)|\[(\*|-?\d+)\]|\[['\"]([^'\"]+)['\"]\]")


def find_results(obj: Any, path: str) -> list[Any]:
    """A JSONPath of the simple forms printer columns use (.a.b, .a[0], .a[*].b, .a['x.y']):
    the values found, missing keys allowed (client-go util/jsonpath with AllowMissingKeys)."""
    text = path.strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1]
    nodes = [obj]
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            return []
        pos = match.end()
        name, index, quoted = match.groups()
        key = name if name is not None else quoted
        following: list[Any] = []
        for node in nodes:
            if key is not None:
                if isinstance(node, dict) and key in node:
                    following.append(node[key])
            elif index == "*":
                if isinstance(node, list):
                    following.extend(node)
                elif isinstance(node, dict):
                    following.extend(node[k] for k in sorted(node))
            elif isinstance(node, list):
                i = int(str(index))
                if -len(node) <= i < len(node):
                    following.append(node[i])
        nodes = following
    return nodes
