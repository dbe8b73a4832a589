"""k8s.io/apimachinery/pkg/util/diff.Diff as kube-apiserver 1.36 prints it in a few immutability
messages (ValidatePodUpdate, ValidatePersistentVolumeClaimUpdate): both values are marshalled
with ``json.MarshalIndent(v, "", " ")`` (the internal Go structs: Go field names, zero values
present), split into lines (go-difflib SplitLines: every line ends with "\\n") and compared with
go-difflib's unified diff, 3 lines of context and no file header. go-difflib is a port of
Python's difflib (same SequenceMatcher, autojunk included, same grouped opcodes and range
format), so the hunks come from the standard library here.
"""

from __future__ import annotations

import difflib
from typing import Any

from rawkube.testing.server.apivalidation import internal


def go_indent(compact: str, indent: str = " ") -> str:
    """encoding/json.Indent of compact JSON (empty objects and arrays stay ``{}``/``[]``)."""
    out: list[str] = []
    depth = 0
    pending = False  # an opening bracket whose newline waits for its first element
    in_string = escaped = False
    for ch in compact:
        if in_string:
            out.append(ch)
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
            continue
        if ch in " \t\r\n":
            continue
        if pending and ch not in "]}":
            pending = False
            depth += 1
            out.append("\n" + indent * depth)
        if ch == '"':
            in_string = True
            out.append(ch)
        elif ch in "{[":
            out.append(ch)
            pending = True
        elif ch == ",":
            out.append(",\n" + indent * depth)
        elif ch == ":":
            out.append(": ")
        elif ch in "]}":
            if pending:
                pending = False
            else:
                depth -= 1
                out.append("\n" + indent * depth)
            out.append(ch)
        else:
            out.append(ch)
    return "".join(out)


def _lines(text: str) -> list[str]:
    # go-difflib SplitLines: strings.SplitAfter(s, "\n") and a "\n" added to the last line.
    parts = text.split("\n")
    return [p + "\n" for p in parts]


def unified(a: str, b: str) -> str:
    """go-difflib GetUnifiedDiffString(UnifiedDiff{A, B, Context: 3}) of two texts."""
    hunks = list(difflib.unified_diff(_lines(a), _lines(b), n=3, lineterm="\n"))
    return "".join(hunks[2:])  # difflib always writes ---/+++; go-difflib only with file names


def diff(type_id: str, old: Any, new: Any) -> str:
    """diff.Diff(old, new) of two v1 values converted to the internal Go type ``type_id``."""
    return unified(
        go_indent(internal.render(type_id, old).text), go_indent(internal.render(type_id, new).text)
    )


__all__ = ["diff", "go_indent", "unified"]
