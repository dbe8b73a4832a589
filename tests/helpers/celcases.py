"""The CEL case corpus (tests/cel/cases.yaml): how each case becomes a CRD.

Shared by scripts/record_cel_cases.py (which records the real server's answers into
tests/cel/results.json), scripts/measure_cel.py and tests/testing/server/test_apiextensions_cel.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "tests" / "cel" / "cases.yaml"
RESULTS = ROOT / "tests" / "cel" / "results.json"
GROUP = "h11b-cel.example.com"


def load_cases() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = yaml.safe_load(CASES.read_text())
    return cases


def load_results() -> dict[str, Any]:
    results: dict[str, Any] = json.loads(RESULTS.read_text())
    return results


SCHEMAS: dict[str, dict[str, Any]] = {
    "S": {"type": "string", "maxLength": 32},
    "I": {"type": "integer"},
    "L": {"type": "array", "maxItems": 8, "items": {"type": "string", "maxLength": 16}},
    "M": {
        "type": "object",
        "maxProperties": 8,
        "additionalProperties": {"type": "string", "maxLength": 16},
    },
    "O": {
        "type": "object",
        "properties": {"name": {"type": "string", "maxLength": 16}, "count": {"type": "integer"}},
    },
    "IS": {"x-kubernetes-int-or-string": True, "maxLength": 16},
    "DT": {"type": "string", "format": "date-time"},
    "DU": {"type": "string", "format": "duration"},
}


def property_schema(case: dict[str, Any]) -> dict[str, Any]:
    """The schema of ``spec.f`` for a case (with its rule), as the recorder declares it."""
    schema = dict(SCHEMAS[case["schema"]])
    schema["x-kubernetes-validations"] = [{"rule": case["rule"]}]
    return schema


def crd_for(index: int, case: dict[str, Any]) -> dict[str, Any]:
    if case["schema"] == "ROOT":
        root: dict[str, Any] = {
            "type": "object",
            "x-kubernetes-validations": [{"rule": case["rule"]}],
            "properties": {
                "spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
            },
        }
    else:
        root = {
            "type": "object",
            "properties": {"spec": {"type": "object", "properties": {"f": property_schema(case)}}},
        }
    plural = f"case{index}s"
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{GROUP}"},
        "spec": {
            "group": GROUP,
            "scope": "Namespaced",
            "names": {"plural": plural, "singular": f"case{index}", "kind": "CelCase"},
            "versions": [
                {"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": root}}
            ],
        },
    }
