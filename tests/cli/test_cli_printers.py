"""Unit tests of the CLI's printing pieces: tabwriter, JSONPath, go-yaml quoting, Go's %v.

The byte-for-byte comparisons with kubectl are in tests/cli/test_cli_kubectl_parity.py; these pin
the rules on small inputs, including the corners kubectl's own tests pin.
"""

from __future__ import annotations

import io

import pytest

from rawkube.cli.jsonpath import JSONPath, JSONPathError, go_float, go_sprint, relaxed
from rawkube.cli.printers import format_labels, table_cell, yaml_reads_as_other_type
from rawkube.cli.tabwriter import TabWriter


def _tab(lines: list[list[str]], **kw: object) -> str:
    out = io.StringIO()
    w = TabWriter(out, **kw)  # type: ignore[arg-type]
    for cells in lines:
        w.writeline(cells)
    w.flush()
    return out.getvalue()


def test_tabwriter_pads_all_but_the_last_cell_min_width_6() -> None:
    assert _tab([["NAME", "A", "AGE"], ["x", "", "1s"]]) == "NAME   A     AGE\nx            1s\n"


def test_tabwriter_remembers_widths_across_flushes() -> None:
    """liggitt/tabwriter RememberWidths: a later, wider row does not shrink earlier columns;
    a narrower one keeps the wide column (kubectl get -w)."""
    out = io.StringIO()
    w = TabWriter(out)
    w.writeline(["NAME", "READY"])
    w.writeline(["web-1", "1/1"])
    w.flush()
    w.writeline(["a-much-longer-name", "0/1"])
    w.flush()
    w.writeline(["web-2", "1/1"])
    w.flush()
    assert out.getvalue().splitlines() == [
        "NAME    READY",
        "web-1   1/1",
        "a-much-longer-name   0/1",
        "web-2                1/1",
    ]
    w.set_remembered_widths(None)
    w.writeline(["x", "y"])
    w.flush()
    assert out.getvalue().splitlines()[-1] == "x     y"


def test_tabwriter_blank_line_ends_a_column_block() -> None:
    assert _tab([["a", "b"], [""], ["longer-cell", "c"]], remember_widths=False) == (
        "a     b\n\nlonger-cell   c\n"
    )


DOC = {
    "kind": "List",
    "items": [
        {"metadata": {"name": "a", "labels": {"x": "1"}}, "spec": {"replicas": 1, "ok": True}},
        {"metadata": {"name": "b"}, "spec": {"replicas": 3, "ratio": 0.5}},
    ],
}


@pytest.mark.parametrize(
    ("template", "printed"),
    [
        ("{.items[*].metadata.name}", "a b"),
        ("{.items[0].metadata}", '{"labels":{"x":"1"},"name":"a"}'),
        ("{.items[-1].metadata.name}", "b"),
        ("{.items[-1:].metadata.name}", "b"),
        ("{.items[0:1].metadata.name}", "a"),
        ("{.items[0:2:1].metadata.name}", "a b"),  # the third index is Go's capacity: ignored
        ("{.items[0,1].metadata.name}", "a b"),
        ("{.items[*]['metadata']['name']}", "a b"),
        ("{.items[?(@.spec.replicas > 1)].metadata.name}", "b"),
        ("{.items[?(@.spec.replicas != 1)].metadata.name}", "b"),
        ("{.items[?(@.metadata.name == 'a')].spec.replicas}", "1"),
        ('{.items[?(@.metadata.name=="b")].spec.ratio}', "0.5"),
        ("{.items[?(@.metadata.labels)].metadata.name}", "a"),
        ("{.items[?(@.spec.ok == true)].metadata.name}", "a"),
        ("{..name}", "a b"),
        ("{.items[0].spec.*}", "1 true"),
        ("{.items[*].nope}", ""),
        ("x{.kind}y", "xListy"),
        ('{range .items[*]}{.metadata.name}:{.spec.replicas}{"\\n"}{end}', "a:1\nb:3\n"),
        ("{range .items[*]}[{range .metadata.labels.*}{@}{end}]{end}", "[1][]"),
        ("{range .nothing[*]}x{end}after", "after"),
        ('{"a\\tb"} {\'c\'}', "a\tb c"),
        ("{.items[0].spec.replicas}{.items[1].spec.replicas}", "13"),
        ("{$.kind}", "List"),
    ],
)
def test_jsonpath_templates(template: str, printed: str) -> None:
    assert JSONPath(template).execute(DOC) == printed


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{.items[5].metadata.name}", "array index out of bounds: index 5, length 2"),
        ("{.kind[0]}", "string is not array or slice"),
        ("{.items", "unclosed action"),
        ("{.items[0}", "unterminated array"),
        ('{"abc}', "unterminated quoted string"),
        ("{end}", "not in range, nothing to end"),
        ("{.a[x]}", 'invalid array index "x"'),
        ("{nope}", "unrecognized identifier nope"),
        ("{....a}", "invalid multiple recursive descent"),
    ],
)
def test_jsonpath_errors(template: str, message: str) -> None:
    with pytest.raises(JSONPathError, match=message.replace("[", "\\[")):
        JSONPath(template).execute(DOC)


def test_relaxed_paths_as_custom_columns_take_them() -> None:
    for spec in ("metadata.name", ".metadata.name", "{metadata.name}", "{.metadata.name}"):
        assert relaxed(spec) == "{.metadata.name}"
    with pytest.raises(JSONPathError):
        relaxed("{a}{b}")


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (1e6, "1e+06"),
        (123456.0, "123456"),
        (1234567.0, "1.234567e+06"),
        (0.0001, "0.0001"),
        (0.00001, "1e-05"),
        (2.0, "2"),
        (-3.25, "-3.25"),
        (0.1 + 0.2, "0.30000000000000004"),
    ],
)
def test_go_float(value: float, shown: str) -> None:
    """Go's %v of a float64 (strconv 'g', shortest, exponent from 1e6 on)."""
    assert go_float(value) == shown


def test_go_sprint_of_json_values() -> None:
    assert go_sprint({"b": [1, "x"], "a": None, "c": {"d": True}}) == "map[a:<nil> b:[1 x] c:map[d:true]]"


@pytest.mark.parametrize(
    "text",
    ["y", "N", "yes", "Off", "true", "~", "null", "", "0755", "0x1F", "12e3", ".5", "+1", "1_000",
     "2026-01-01", "1:20", ".inf", "<<", "0b101"],
)
def test_go_yaml_reads_these_strings_as_other_types(text: str) -> None:
    assert yaml_reads_as_other_type(text)


@pytest.mark.parametrize("text", ["=", "web", "x: y", "1.2.3", "0x", "nginx:1.13", "v1", "08x", "-"])
def test_go_yaml_reads_these_as_strings(text: str) -> None:
    assert not yaml_reads_as_other_type(text)


def test_table_cells_and_labels() -> None:
    assert table_cell(None) == "" and table_cell(True) == "true" and table_cell(3) == "3"
    assert table_cell("first\nsecond") == "first..." and table_cell("a\x1bb") == "a^[b"
    assert format_labels({}) == "<none>"
    assert format_labels({"app": "x", "app.kubernetes.io/name": "y"}) == (
        "app.kubernetes.io/name=y,app=x"  # sorted as key=value strings, as FormatLabels does
    )
