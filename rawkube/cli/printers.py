"""kubectl's printers, for plain dicts: YAML, JSON, name, human-readable tables, custom columns.

Each follows the kubectl 1.37 code it names and is checked byte for byte against kubectl's
output in tests/cli/test_cli_kubectl_parity.py:

- `dump_json`: printers/json.go (json.MarshalIndent, 4 spaces; Go's encoding/json sorts map
  keys and escapes `<`, `>`, `&`);
- `dump_yaml`: printers/yaml.go through sigs.k8s.io/yaml and go-yaml v2 (encode.go stringv:
  a string that would read back as another type is double-quoted, one with a line break is a
  `|` block; go-yaml's idea of "another type" is YAML 1.1's: y/n/yes/on..., 0755, 12e3);
- `TablePrinter`: printers/tableprinter.go (HumanReadablePrinter.PrintObj, decorateTable,
  printTable): upper-cased headers, priority>0 columns only with -o wide, the NAMESPACE column,
  `kind.group/` before names when several kinds are printed, `-L` label columns (header: the
  last path segment of the key), LABELS, the EVENT column of --output-watch-events, headers
  printed once per column set;
- `CustomColumnsPrinter`: kubectl/pkg/cmd/get/customcolumn.go;
- `qualified_name`: printers/name.go (`deployment.apps/web`).
"""

from __future__ import annotations

import json
import re
from typing import Any

from rawkube.cli.jsonpath import JSONPath, go_escape, go_sprint, relaxed
from rawkube.cli.tabwriter import TabWriter

# -- JSON and YAML -------------------------------------------------------------------------------


def dump_json(doc: Any) -> str:
    """`kubectl -o json`: MarshalIndent with 4 spaces, sorted keys, Go's HTML escapes."""
    return go_escape(json.dumps(doc, indent=4, sort_keys=True, ensure_ascii=False)) + "\n"


_YAML_BOOLS = frozenset(
    [
        "y",
        "Y",
        "yes",
        "Yes",
        "YES",
        "n",
        "N",
        "no",
        "No",
        "NO",
        "true",
        "True",
        "TRUE",
        "false",
        "False",
        "FALSE",
        "on",
        "On",
        "ON",
        "off",
        "Off",
        "OFF",
    ]
)
_YAML_NULLS = frozenset(["", "~", "null", "Null", "NULL"])
_YAML_SPECIAL = frozenset(
    [
        ".inf",
        ".Inf",
        ".INF",
        "+.inf",
        "+.Inf",
        "+.INF",
        "-.inf",
        "-.Inf",
        "-.INF",
        ".nan",
        ".NaN",
        ".NAN",
        "<<",
    ]
)
_YAML_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_BASE60 = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")
_GO_INT = re.compile(r"^[+-]?(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$")
_TIMESTAMP = re.compile(
    r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
    r"(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?"
    r"(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?$"
)


def yaml_reads_as_other_type(s: str) -> bool:
    """Would go-yaml v2 read this plain scalar back as something else than a string?

    go-yaml resolve.go: its null/bool/.inf table (YAML 1.1 spellings), then for text that
    starts like a number: a timestamp, a Go integer literal (strconv.ParseInt base 0: 0x1F,
    0755, 0b1, underscores dropped), a float (12e3, .5), or a base-60 float (1:20).
    """
    if s in _YAML_BOOLS or s in _YAML_NULLS or s in _YAML_SPECIAL:
        return True
    if s[0] not in "+-.0123456789":
        return False
    if _TIMESTAMP.match(s) or _BASE60.match(s):
        return True
    plain = s.replace("_", "")
    if _GO_INT.match(plain):
        try:
            value = int(re.sub(r"^([+-]?)0([0-7]+)$", r"\g<1>0o\2", plain), 0)
        except ValueError:
            return False
        return -(2**63) <= value < 2**64
    return bool(_YAML_FLOAT.match(plain))


_DUMPER: Any = None


def _dumper() -> Any:
    global _DUMPER
    if _DUMPER is not None:
        return _DUMPER
    import yaml

    str_tag = "tag:yaml.org,2002:str"

    class GoYAMLDumper(yaml.SafeDumper):
        """PyYAML's emitter (a port of libyaml, as go-yaml's is) with go-yaml's resolver."""

        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
            if kind is yaml.ScalarNode and implicit[0] and not yaml_reads_as_other_type(value):
                return str_tag  # plain is fine where go-yaml reads a string (`=`, `a: b` keys)
            return super().resolve(kind, value, implicit)

        def represent_str(self, data: str) -> Any:
            style = None
            if "\n" in data:
                style = "|"
            elif yaml_reads_as_other_type(data):
                style = '"'
            return self.represent_scalar(str_tag, data, style=style)

    GoYAMLDumper.add_representer(str, GoYAMLDumper.represent_str)
    _DUMPER = GoYAMLDumper
    return _DUMPER


def dump_yaml(doc: Any) -> str:
    """`kubectl -o yaml`: sorted keys, go-yaml quoting, lines wrapped at 80 as go-yaml does."""
    import yaml

    text: str = yaml.dump(
        doc, Dumper=_dumper(), default_flow_style=False, sort_keys=True, allow_unicode=True
    )
    return text


# -- names ---------------------------------------------------------------------------------------


def qualified_kind(api_version: str, kind: str) -> str:
    """`deployment.apps`, `pod`: the lower-cased kind and its group (GroupKind.String)."""
    group = api_version.rpartition("/")[0] if "/" in api_version else ""
    return f"{kind.lower()}.{group}" if group else kind.lower()


def qualified_name(obj: dict[str, Any]) -> str:
    """printers/name.go: `kind.group/name` of an object that carries apiVersion and kind."""
    meta = obj.get("metadata") or {}
    kind = qualified_kind(str(obj.get("apiVersion") or ""), str(obj.get("kind") or ""))
    return f"{kind}/{meta.get('name', '')}"


# -- human-readable tables -----------------------------------------------------------------------

_EVENT_NAMES = {
    "ADDED": "ADDED   ",
    "MODIFIED": "MODIFIED",
    "DELETED": "DELETED ",
    "ERROR": "ERROR   ",
}
_TERMINAL = str.maketrans({"\x1b": "^[", "\r": "\\r"})


def escape_terminal(text: str) -> str:
    """printers/terminal.go EscapeTerminal: an ESC or CR in a value cannot drive the terminal."""
    return text.translate(_TERMINAL)


def table_cell(value: Any) -> str:
    """One cell as printTable writes it: nothing for nil, Go's %v otherwise; a value with a
    line break is cut there and ends in `...` (appendCellValue)."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else go_sprint(value)
    cut = re.search(r"[\f\n\r]", text)
    if cut:
        return escape_terminal(text[: cut.start()]) + "..."
    return escape_terminal(text)


def format_labels(labels: dict[str, str] | None) -> str:
    """labels.FormatLabels: the `key=value` strings sorted (as strings: `a.b=1` before `a=2`),
    joined by commas; `<none>` when there are none (apimachinery pkg/labels/labels.go)."""
    if not labels:
        return "<none>"
    return ",".join(sorted(f"{k}={v}" for k, v in labels.items()))


class TablePrinter:
    """HumanReadablePrinter for server-side Tables (one instance per resource type)."""

    def __init__(
        self,
        *,
        wide: bool = False,
        with_namespace: bool = False,
        kind: str = "",
        label_columns: tuple[str, ...] = (),
        show_labels: bool = False,
    ) -> None:
        self.wide = wide
        self.with_namespace = with_namespace
        self.kind = kind  # "deployment.apps" when names get a kind prefix
        self.label_columns = label_columns
        self.show_labels = show_labels
        self._last_columns: list[dict[str, Any]] | None = None
        self._printed_headers = False

    def print_table(self, table: dict[str, Any], out: TabWriter, event: str = "") -> None:
        columns = table.get("columnDefinitions") or []
        no_headers = self._printed_headers and (not columns or columns == self._last_columns)
        if not columns:
            columns = self._last_columns or []
        elif columns != self._last_columns:
            self._last_columns = columns
            self._printed_headers = False
        rows = table.get("rows") or []
        if rows:
            self._printed_headers = True
        visible = [i for i, c in enumerate(columns) if self.wide or not c.get("priority")]
        name_column = next(
            (
                i
                for i, c in enumerate(columns)
                if c.get("format") == "name" and c.get("type") == "string"
            ),
            -1,
        )
        if not no_headers:
            if not rows:  # printTable: no header without rows
                return
            header = [str(columns[i].get("name", "")).upper() for i in visible]
            header = self._decorate_header(header, event)
            out.writeline(header)
        for row in rows:
            cells = row.get("cells") or []
            texts = []
            for i in visible:
                value = cells[i] if i < len(cells) else None
                if i == name_column and self.kind:
                    value = f"{self.kind}/{go_sprint(value)}"
                texts.append(table_cell(value))
            meta = (row.get("object") or {}).get("metadata") or {}
            out.writeline(self._decorate_row(texts, meta, event))

    def _decorate_header(self, header: list[str], event: str) -> list[str]:
        header = (["NAMESPACE"] if self.with_namespace else []) + header
        header += [key.split("/")[-1].upper() for key in self.label_columns]
        if self.show_labels:
            header.append("LABELS")
        return (["EVENT"] if event else []) + header

    def _decorate_row(self, cells: list[str], meta: dict[str, Any], event: str) -> list[str]:
        labels = meta.get("labels") or {}
        if self.with_namespace:
            cells = [str(meta.get("namespace") or ""), *cells]
        cells += [str(labels.get(key, "")) for key in self.label_columns]
        if self.show_labels:
            cells.append(format_labels(labels))
        return ([_EVENT_NAMES.get(event, event)] if event else []) + cells


# -- custom columns ------------------------------------------------------------------------------


class CustomColumnsPrinter:
    """`-o custom-columns=NAME:.metadata.name,IMAGE:.spec.containers[*].image`."""

    def __init__(self, spec: str) -> None:
        if not spec:
            raise ValueError("custom-columns format specified but no custom columns given")
        self.headers: list[str] = []
        self.paths: list[JSONPath] = []
        for part in spec.split(","):
            header, colon, path = part.partition(":")
            if not colon:
                raise ValueError(
                    f"unexpected custom-columns spec: {part}, expected <header>:<json-path-expr>"
                )
            self.headers.append(header)
            self.paths.append(JSONPath(relaxed(path)))
        self._printed_header = False

    @classmethod
    def from_template(cls, text: str) -> CustomColumnsPrinter:
        """custom-columns-file: a line of headers and a line of paths, whitespace separated."""
        lines = text.splitlines()
        if len(lines) < 2:
            raise ValueError(
                "invalid template, missing header or spec line. Expected format is one line of "
                "space separated headers, one line of space separated column specs."
            )
        headers, specs = lines[0].split(), lines[1].split()
        if len(headers) != len(specs):
            raise ValueError(
                f"number of headers ({len(headers)}) and field specifications ({len(specs)}) "
                "don't match"
            )
        return cls(",".join(f"{h}:{s}" for h, s in zip(headers, specs, strict=True)))

    def print_objects(self, objects: list[dict[str, Any]], out: TabWriter) -> None:
        if not self._printed_header:
            out.writeline(self.headers)
            self._printed_header = True
        for obj in objects:
            cells = []
            for path in self.paths:
                results = path.find_results(obj)
                values = [escape_terminal(go_sprint(v)) for r in results for v in r]
                if not results or not results[0]:
                    values.insert(0, "<none>")
                cells.append(",".join(values))
            out.writeline(cells)
