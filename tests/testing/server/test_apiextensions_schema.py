"""The structural-schema engine (apiextensions.schema), the field errors it produces, the CRD
checks and the Table cells, as pure functions. The expected strings are the real server's
(fixtures/differential/crd/*.json, recorded from kube-apiserver 1.36); the end-to-end replay of
those recordings is tests/testing/server/test_differential.py."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from rawkube.testing.server import field
from rawkube.testing.server.apiextensions import crd, printer, schema
from rawkube.testing.server.apiextensions.customresource import CustomResourceVersion
from rawkube.testing.server.apiextensions.schema import Schema

ROOT = Path(__file__).resolve().parents[3]
RECORDED = ROOT / "fixtures" / "differential" / "crd"


def _widget_crd() -> dict[str, Any]:
    from tests.helpers.differential import _substitute, load_scenarios

    scenario = next(s for s in load_scenarios("crd") if s.name == "widget-defaults")
    body: dict[str, Any] = _substitute(scenario.steps[0].body, {"name": "unit", "ns": "unit"})
    crd.default_crd(body)
    return body


WIDGET = _widget_crd()
VERSION = CustomResourceVersion.from_crd(WIDGET, WIDGET["spec"]["versions"][0])


def _recorded_causes(name: str, step: int) -> list[dict[str, str]]:
    doc = json.loads((RECORDED / f"{name}.json").read_text())
    causes: list[dict[str, str]] = doc["exchanges"][step]["response"]["body"]["details"]["causes"]
    return causes


def _causes(spec: dict[str, Any]) -> list[dict[str, str]]:
    obj = {
        "apiVersion": "unit.example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w"},
        "spec": spec,
    }
    VERSION.decode(obj)
    return [e.cause() for e in VERSION.validate(obj)]


@pytest.mark.parametrize(
    ("scenario", "spec"),
    [
        ("widget-type-string-for-integer", {"size": "big"}),
        ("widget-type-integer-for-enum-string", {"size": 1, "color": 5}),
        ("widget-enum", {"size": 3, "color": "purple"}),
        ("widget-maximum", {"size": 101}),
        ("widget-exclusive-maximum", {"size": 1, "ratio": 10}),
        ("widget-multiple-of", {"size": 1, "ratio": 2.3}),
        ("widget-pattern", {"size": 1, "name": "Bad_Name"}),
        ("widget-max-length", {"size": 1, "name": "abcdefghijklmnop"}),
        ("widget-min-length", {"size": 1, "name": "a"}),
        ("widget-required", {"color": "red"}),
        ("widget-list-set-duplicate", {"size": 1, "tags": ["a", "b", "a"]}),
        ("widget-list-max-items", {"size": 1, "tags": ["a", "b", "c", "d"]}),
        (
            "widget-list-map-duplicate",
            {
                "size": 1,
                "ports": [
                    {"name": "http", "port": 80},
                    {"name": "https", "port": 443},
                    {"name": "http", "port": 81},
                ],
            },
        ),
        ("widget-int32-out-of-range", {"size": 1, "ports": [{"name": "a", "port": 3000000000}]}),
        ("widget-max-properties", {"size": 1, "labels": {"x": "1", "y": "2", "z": "3"}}),
        (
            "widget-embedded-resource-missing-kind",
            {"size": 1, "template": {"apiVersion": "v1", "metadata": {"name": "cm"}}},
        ),
        ("widget-null-required", {"size": None}),
    ],
)
def test_validation_causes_are_the_real_servers(scenario: str, spec: dict[str, Any]) -> None:
    assert _causes(spec) == _recorded_causes(scenario, 2)


def test_defaults_fill_nested_objects_and_nulls() -> None:
    obj = {
        "apiVersion": "unit.example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w"},
        "spec": {"size": 3, "color": None, "nested": {"b": None}, "note": None},
    }
    VERSION.decode(obj)
    assert obj["spec"] == {
        "size": 3,
        "color": "blue",
        "nested": {"a": "x"},
        "note": None,
        "replicas": 1,
    }


def test_prune_reports_sorted_paths_and_keeps_type_meta() -> None:
    obj = {
        "apiVersion": "x/v1",
        "kind": "Widget",
        "metadata": {"name": "w"},
        "zeta": 1,
        "spec": {"size": 1, "bogus": 2, "free": {"kept": True}},
        "alpha": 3,
    }
    unknown = schema.prune(obj, VERSION.schema)
    assert unknown == ["alpha", "spec.bogus", "zeta"]
    assert obj == {
        "apiVersion": "x/v1",
        "kind": "Widget",
        "metadata": {"name": "w"},
        "spec": {"size": 1, "free": {"kept": True}},
    }


def test_ratcheting_keeps_an_unchanged_invalid_value() -> None:
    s = Schema(
        {
            "type": "object",
            "properties": {"a": {"type": "integer", "maximum": 5}, "b": {"type": "string"}},
        }
    )
    old = {"a": 10, "b": "x"}
    new = copy.deepcopy(old)
    new["b"] = "y"
    assert schema.validate(s, new) != []
    assert schema.validate(s, new, old=old) == []
    new["a"] = 11
    assert [e.field for e in schema.validate(s, new, old=old)] == ["a"]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (100.0, "100"),
        (1.5, "1.5"),
        (1e6, "1e+06"),
        (123456.0, "123456"),
        (0.0001, "0.0001"),
        (1e-05, "1e-05"),
    ],
)
def test_go_float_formats_as_go_v(value: float, text: str) -> None:
    assert field.go_float(value) == text


def test_invalid_status_aggregates_and_deduplicates() -> None:
    errors = [
        field.required("spec.size"),
        field.required("spec.size"),
        field.invalid("spec.a", 1, "bad"),
    ]
    status = field.invalid_status("g.example.com", "Widget", "w", errors).status()
    assert (
        status["message"]
        == 'Widget.g.example.com "w" is invalid: [spec.size: Required value, spec.a: Invalid value: 1: bad]'
    )
    assert len(status["details"]["causes"]) == 3


@pytest.mark.parametrize(
    "scenario",
    [
        "crd-non-structural",
        "crd-missing-schema",
        "crd-bad-default",
        "crd-metadata-schema",
        "crd-list-type-map-without-keys",
        "crd-properties-and-additional-properties",
        "crd-invalid-pattern",
        "crd-no-storage-version",
        "crd-bad-scope-and-group",
        "crd-printer-column-bad-type",
        "crd-scale-bad-path",
        "crd-name-mismatch",
    ],
)
def test_crd_validation_messages_are_the_real_servers(scenario: str) -> None:
    from tests.helpers.differential import _substitute, load_scenarios

    step = next(s for s in load_scenarios("crd") if s.name == scenario).steps[0]
    body = _substitute(step.body, {"name": "dunit", "ns": "unit"})
    crd.default_crd(body)
    expected = json.loads((RECORDED / f"{scenario}.json").read_text())["exchanges"][0]["response"][
        "body"
    ]
    status = field.invalid_status(
        "apiextensions.k8s.io",
        "CustomResourceDefinition",
        body["metadata"]["name"],
        crd.validate_crd(body),
    ).status()
    got = json.loads(json.dumps(status).replace("dunit", "{name}"))
    assert got["message"] == expected["message"]
    assert got["details"]["causes"] == expected["details"]["causes"]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (5, "5s"),
        (119, "119s"),
        (125, "2m5s"),
        (600, "10m"),
        (3 * 3600 + 60, "3h1m"),
        (30 * 3600, "30h"),
        (3 * 86400 + 3600, "3d1h"),
        (100 * 86400, "100d"),
        (2200 * 86400, "6y10d"),
    ],
)
def test_human_duration(seconds: int, text: str) -> None:
    assert printer.human_duration(seconds) == text


def test_printer_cells_are_typed_per_column() -> None:
    obj = {
        "metadata": {"name": "a"},
        "spec": {"size": 3, "ratio": 2, "tags": ["x", "y"]},
        "status": {"ready": True},
    }
    cells = printer.cells(obj, VERSION.columns)
    assert cells[:7] == ["a", 3, None, None, 2.0, True, None]
    assert cells[-1] == '["x","y"]'
