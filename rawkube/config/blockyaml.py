"""The block-style YAML that kubectl writes, read without PyYAML (a cold-start cut, issue 15).

`kubectl config` (client-go `clientcmd.Write`: JSON through sigs.k8s.io/yaml) and the cloud
CLIs (`kind`, `aws eks update-kubeconfig`, `gcloud`) write kubeconfigs as block mappings and
sequences of one-line scalars: `key: value`, `- item`, `preferences: {}`. Importing PyYAML costs
more than the rest of loading such a file (~10 ms of a ~100 ms cold start: its scanner compiles
big regular expressions at import), so `load(text)` reads exactly that subset itself and answers
`None` for anything else: the caller then hands the document to PyYAML, whose answer (and
error messages) stay the reference.

For the subset, the result is what `yaml.safe_load` gives (checked against it by
tests/config/test_blockyaml.py, hypothesis included): YAML 1.1 plain scalars resolve as
PyYAML's SafeLoader resolves them for the forms read here (null, booleans `true/yes/on/...`,
decimal integers); a plain scalar that could be anything else (a float, an octal or sexagesimal
number, a timestamp, a merge key) sends the whole document to PyYAML. So do anchors, aliases,
tags, block scalars (`|`, `>`), flow collections other than `{}` and `[]`, multi-line scalars,
comments after a value, document markers, tabs, CRs and non-ASCII text.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["load"]

# YAML 1.1 booleans and nulls as PyYAML's resolver spells them (yaml.org/type/bool.html,
# yaml.org/type/null.html): the only plain scalars starting with a letter that are not strings.
_BOOL = {
    **dict.fromkeys(("yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), True),
    **dict.fromkeys(("no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), False),
}
_NULL = frozenset(("~", "null", "Null", "NULL", ""))
# A plain scalar may not start with an indicator (YAML 1.1 spec 4.1.2/9.1.3); "-" is handled
# on its own (a sequence entry, or a scalar such as "--region").
_INDICATORS = frozenset("[]{},?:#&*!|>'\"%@`")
# Starts of the other implicit types (int, float, timestamp, merge, value): checked in full.
_NUMERIC_START = frozenset("+-.0123456789<=~")
# JSON and YAML 1.1 double-quoted scalars agree on these escapes (PyYAML's scanner.py
# ESCAPE_REPLACEMENTS; "\\/" and "\\u" are left to PyYAML).
_JSON_ESCAPES = frozenset('"\\bfnrt')
_MAX_DEPTH = 64


class _Unsupported(Exception):
    """Outside the subset: PyYAML reads this document."""


def load(text: bytes) -> Any:
    """`yaml.safe_load(text)` for kubectl-style block YAML, or None when `text` is outside the
    subset (None is also the answer for an empty document, which the caller treats alike)."""
    if b"\t" in text or b"\r" in text or not text.isascii():
        return None
    lines: list[tuple[int, str]] = []
    for raw in text.decode("ascii").split("\n"):
        content = raw.lstrip(" ")
        if not content or content.startswith("#"):
            continue  # blank lines and whole-line comments
        if not content.isprintable():
            return None
        lines.append((len(raw) - len(content), content.rstrip(" ")))
    if not lines:
        return None
    try:
        value, end = _node(lines, 0, 0, 0)
    except _Unsupported:
        return None
    if end != len(lines) or not isinstance(value, dict):
        return None
    return value


def _node(lines: list[tuple[int, str]], i: int, indent: int, depth: int) -> tuple[Any, int]:
    if depth > _MAX_DEPTH:
        raise _Unsupported
    if lines[i][0] != indent:
        raise _Unsupported
    if _is_entry(lines[i][1]):
        return _sequence(lines, i, indent, depth)
    return _mapping(lines, i, indent, depth)


def _is_entry(content: str) -> bool:
    return content == "-" or content.startswith("- ")


def _mapping(lines: list[tuple[int, str]], i: int, indent: int, depth: int) -> tuple[Any, int]:
    out: dict[str, Any] = {}
    while i < len(lines) and lines[i][0] >= indent:
        at, content = lines[i]
        if at != indent or _is_entry(content):
            raise _Unsupported
        key, rest = _split_key(content)
        i += 1
        if rest:
            out[key] = _scalar(rest)
            if i < len(lines) and lines[i][0] > indent:
                raise _Unsupported  # a multi-line scalar
        elif i < len(lines) and lines[i][0] > indent:
            out[key], i = _node(lines, i, lines[i][0], depth + 1)
        elif i < len(lines) and lines[i][0] == indent and _is_entry(lines[i][1]):
            out[key], i = _sequence(lines, i, indent, depth + 1)  # "key:\n- a": same column
        else:
            out[key] = None
    return out, i


def _sequence(lines: list[tuple[int, str]], i: int, indent: int, depth: int) -> tuple[Any, int]:
    out: list[Any] = []
    while i < len(lines) and lines[i][0] == indent and _is_entry(lines[i][1]):
        rest = lines[i][1][2:].lstrip(" ")
        inner = indent + len(lines[i][1]) - len(rest)  # the column `rest` starts at
        if not rest:
            i += 1
            if i < len(lines) and lines[i][0] > indent:
                item, i = _node(lines, i, lines[i][0], depth + 1)
            else:
                item = None
        elif _is_entry(rest):
            raise _Unsupported  # "- - a": a sequence in a sequence on one line
        elif _has_key(rest):
            # "- key: value" opens a mapping whose keys are in the column of "key"
            lines[i] = (inner, rest)
            item, i = _mapping(lines, i, inner, depth + 1)
        else:
            item = _scalar(rest)
            i += 1
            if i < len(lines) and lines[i][0] > indent:
                raise _Unsupported  # a multi-line scalar
        out.append(item)
    if i < len(lines) and lines[i][0] > indent:
        raise _Unsupported
    return out, i


def _has_key(content: str) -> bool:
    if content[0] in "\"'":
        return False  # a quoted scalar (a quoted key is outside the subset anyway)
    return ": " in content or content.endswith(":")


def _split_key(content: str) -> tuple[str, str]:
    key, sep, rest = content.partition(": ")
    if not sep:
        if not content.endswith(":"):
            raise _Unsupported  # not "key: value": a plain multi-line scalar, "---", ...
        key, rest = content[:-1], ""
    if not key or key[0] in _INDICATORS or key[0] in _NUMERIC_START or key in _BOOL:
        raise _Unsupported
    if key in _NULL or key != key.strip() or " #" in key or ":" in key:
        raise _Unsupported
    return key, rest.strip(" ")


def _scalar(text: str) -> Any:
    first = text[0]
    if first == '"':
        return _double_quoted(text)
    if first == "'":
        return _single_quoted(text)
    if text == "{}":
        return {}
    if text == "[]":
        return []
    if (
        first in _INDICATORS
        or text == "-"
        or text.startswith("- ")
        or " #" in text
        or ": " in text
        or text.endswith(":")
    ):
        raise _Unsupported
    if text in _BOOL:
        return _BOOL[text]
    if text in _NULL:
        return None
    if first in _NUMERIC_START:
        digits = text[1:] if first in "+-" else text
        if digits.isdigit() and (digits == "0" or digits[0] != "0"):
            return int(text)  # a decimal integer ("0755" is octal in YAML 1.1: PyYAML's)
        if first in "+-" and not (digits[:1].isdigit() or digits[:1] == "."):
            return text  # "--region": no number starts like this
        raise _Unsupported
    return text


def _double_quoted(text: str) -> str:
    if len(text) < 2 or not text.endswith('"'):
        raise _Unsupported  # a comment after it, or a multi-line scalar
    body = text[1:-1]
    if "\\" not in body:
        if '"' in body:
            raise _Unsupported
        return body
    i = body.find("\\")
    while i != -1:
        if i + 1 >= len(body) or body[i + 1] not in _JSON_ESCAPES:
            raise _Unsupported  # \x41, \e, \N, \_, line folding: YAML-only escapes
        i = body.find("\\", i + 2)
    try:
        value = json.loads(text)
    except ValueError:
        raise _Unsupported from None
    if not isinstance(value, str):
        raise _Unsupported
    return value


def _single_quoted(text: str) -> str:
    if len(text) < 2 or not text.endswith("'"):
        raise _Unsupported
    body = text[1:-1]
    if "'" in body.replace("''", ""):
        raise _Unsupported  # a quote that ends the scalar early: "'a' # c", "'a' 'b'"
    return body.replace("''", "'")
