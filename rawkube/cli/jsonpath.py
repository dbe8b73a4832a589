"""kubectl's JSONPath template dialect (`kubectl get -o jsonpath=...`, custom columns).

Not RFC 9535 JSONPath: the template language of k8s.io/client-go/util/jsonpath
(parser.go, jsonpath.go, node.go), learnt from its source and checked against kubectl 1.37:

- text outside braces is printed as it is; `{...}` is an action;
- inside an action: `.field` (a backslash escapes a dot: `.metadata.labels.app\\.kubernetes\\.io/name`),
  `..field` (recursive descent), `*` and `[*]`, `[n]`, `[a:b]` (negative indexes count from
  the end; a third `:c` is accepted and ignored, as Go's three-index slice is), `['key']`,
  unions `[a,b]`, filters `[?(@.x == "y")]` with `== != < > <= >=` or bare existence
  `[?(@.x)]`, quoted text `{"\\n"}`, numbers, `true`/`false`, `@` / `$` (the current object);
- `{range EXPR}...{end}` repeats its body for every result, relative to that result;
- the results of one action are joined by a space; a string is printed raw, a number or bool
  as Go prints it, a map or list as compact JSON (keys sorted, `<>&` escaped, as Go's
  encoding/json); a missing key prints nothing (kubectl allows missing keys), an index out of
  range is an error.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any


class JSONPathError(ValueError):
    """A template that does not parse, or that cannot be applied to the object."""


# -- nodes ---------------------------------------------------------------------------------------


@dataclass
class Text:
    text: str


@dataclass
class Field:
    name: str


@dataclass
class Wildcard:
    pass


@dataclass
class Recursive:
    pass


@dataclass
class Array:
    start: int | None
    stop: int | None
    derived_stop: bool  # `[n]`: one element


@dataclass
class Union:
    branches: list[list[Any]]


@dataclass
class Filter:
    left: list[Any]
    right: list[Any]
    op: str  # "exists" for [?(@.x)]


@dataclass
class Literal:
    value: Any


@dataclass
class Identifier:
    name: str  # range / end


@dataclass
class Action:
    nodes: list[Any]


@dataclass
class Range:
    expr: list[Any]
    body: list[Any] = field(default_factory=list)


# -- parsing (client-go util/jsonpath/parser.go) -------------------------------------------------

_DICT_KEY = re.compile(r"^'([^']*)'$")
_SLICE = re.compile(r"^(-?\d*)(:-?\d*)?(:-?\d*)?$")
_FILTER = re.compile(r"^([^!<>=]+)([!<>=]+)(.+?)$", re.S)
_TERMINATORS = set(" \t\r\n.,[]$@{}")


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def parse_template(self) -> list[Any]:
        """Text and actions at the top level."""
        out: list[Any] = []
        while self.pos < len(self.text):
            brace = self.text.find("{", self.pos)
            if brace < 0:
                out.append(Text(self.text[self.pos :]))
                break
            if brace > self.pos:
                out.append(Text(self.text[self.pos : brace]))
            self.pos = brace + 1
            out.append(Action(self.parse_action()))
        return out

    def parse_action(self) -> list[Any]:
        """The nodes of one `{...}`, up to and including its closing brace."""
        nodes: list[Any] = []
        text = self.text
        while True:
            if self.pos >= len(text) or text[self.pos] in "\r\n":
                raise JSONPathError("unclosed action")
            if text.startswith("}", self.pos):
                self.pos += 1
                return nodes
            if text.startswith("[?(", self.pos):
                nodes.append(self._filter())
                continue
            if text.startswith("..", self.pos):
                if nodes and isinstance(nodes[-1], Recursive):
                    raise JSONPathError("invalid multiple recursive descent")
                self.pos += 2
                nodes.append(Recursive())
                if self.pos < len(text) and _alnum(text[self.pos]):
                    nodes.append(self._field())
                continue
            ch = text[self.pos]
            self.pos += 1
            if ch in " @$":
                continue
            if ch == "[":
                nodes.extend(self._array())
            elif ch in "\"'":
                nodes.append(Text(self._quoted(ch)))
            elif ch == ".":
                nodes.append(self._field())
            elif ch in "+-" or ch.isdigit():
                self.pos -= 1
                nodes.append(self._number())
            elif _alnum(ch):
                self.pos -= 1
                nodes.append(self._identifier())
            else:
                raise JSONPathError(f"unrecognized character in action: {ch!r}")

    def _field(self) -> Any:
        start = self.pos
        text = self.text
        while self.pos < len(text):
            ch = text[self.pos]
            if ch == "\\":
                self.pos += 2
                continue
            if ch in _TERMINATORS:
                break
            self.pos += 1
        value = text[start : self.pos]
        return Wildcard() if value == "*" else Field(value.replace("\\", ""))

    def _identifier(self) -> Any:
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in _TERMINATORS:
            self.pos += 1
        value = self.text[start : self.pos]
        if value in ("true", "false"):
            return Literal(value == "true")
        return Identifier(value)

    def _number(self) -> Any:
        start = self.pos
        if self.text[self.pos] in "+-":
            self.pos += 1
        while self.pos < len(self.text) and (
            self.text[self.pos] == "." or self.text[self.pos].isdigit()
        ):
            self.pos += 1
        value = self.text[start : self.pos]
        try:
            return Literal(int(value))
        except ValueError:
            pass
        try:
            return Literal(float(value))
        except ValueError:
            raise JSONPathError(f"cannot parse number {value}") from None

    def _quoted(self, quote: str) -> str:
        start = self.pos - 1
        text = self.text
        while True:
            if self.pos >= len(text) or text[self.pos] == "\n":
                raise JSONPathError("unterminated quoted string")
            ch = text[self.pos]
            self.pos += 1
            if ch == quote and text[self.pos - 2] != "\\":
                break
        return _unquote(text[start : self.pos])

    def _array(self) -> list[Any]:
        end = self.pos
        while True:
            if end >= len(self.text) or self.text[end] == "\n":
                raise JSONPathError("unterminated array")
            if self.text[end] == "]":
                break
            end += 1
        inner = self.text[self.pos : end]
        self.pos = end + 1
        if inner == "*":
            inner = ":"
        parts = inner.split(",")
        if len(parts) > 1:
            return [Union([_Parser("[" + p.strip(" ") + "]").parse_action_text() for p in parts])]
        key = _DICT_KEY.match(inner)
        if key:
            return _Parser("." + key.group(1)).parse_action_text()
        m = _SLICE.match(inner)
        if not m:
            raise JSONPathError(f'invalid array index "{inner}"')
        first, second, third = m.group(1), m.group(2), m.group(3)
        try:
            start = int(first) if first else None
            if second is None:
                return [Array(start if start is not None else 0, None, derived_stop=True)]
            stop = int(second[1:]) if second[1:] else None
            if third is not None and third[1:]:
                int(third[1:])  # validated, then ignored (Go's 3-index slice sets capacity)
        except ValueError:
            raise JSONPathError(f"array index {inner} is not a number") from None
        return [Array(start, stop, derived_stop=False)]

    def parse_action_text(self) -> list[Any]:
        """Parse `self.text` as the inside of one action (parseAction in parser.go)."""
        self.text += "}"
        return self.parse_action()

    def _filter(self) -> Any:
        self.pos += 3
        start = self.pos
        text = self.text
        begin = end = False
        pair = ""
        while True:
            if self.pos >= len(text) or text[self.pos] == "\n":
                raise JSONPathError("unterminated filter")
            ch = text[self.pos]
            self.pos += 1
            if ch in "\"'":
                if not begin:
                    begin, pair = True, ch
                    continue
                if text[self.pos - 2] != "\\" and ch == pair:
                    end = True
            elif ch == ")" and begin == end:
                break
        if self.pos >= len(text) or text[self.pos] != "]":
            raise JSONPathError("unclosed array expect ]")
        self.pos += 1
        inner = text[start : self.pos - 2]
        m = _FILTER.match(inner)
        if m is None:
            return Filter(_Parser(inner).parse_action_text(), [], "exists")
        left = _Parser(m.group(1)).parse_action_text()
        right = _Parser(m.group(3)).parse_action_text()
        return Filter(left, right, m.group(2))


def _alnum(ch: str) -> bool:
    return ch == "_" or ch.isalnum()


_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_ESCAPE = re.compile(
    r"\\(?:([abfnrtv\\'\"])|x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|([0-7]{3}))"
)


def _unquote(quoted: str) -> str:
    """Go strconv.Unquote, extended to single quotes (UnquoteExtend in parser.go)."""
    body = quoted[1:-1]
    if "\\" not in body:
        return body

    def one(m: re.Match[str]) -> str:
        simple, hex2, hex4, hex8, octal = m.groups()
        if simple:
            return _ESCAPES.get(simple, simple)
        return chr(int(hex2 or hex4 or hex8, 16) if not octal else int(octal, 8))

    text = _ESCAPE.sub(one, body)
    if "\\" in _ESCAPE.sub("", body):
        raise JSONPathError(f"unquote string {quoted} error invalid syntax")
    return text


def _structure(nodes: list[Any]) -> list[Any]:
    """Turn `{range X}` ... `{end}` actions into nested Range blocks."""
    root: list[Any] = []
    stack: list[list[Any]] = [root]
    for node in nodes:
        if isinstance(node, Action) and node.nodes and isinstance(node.nodes[0], Identifier):
            name = node.nodes[0].name
            if name == "range":
                block = Range(node.nodes[1:])
                stack[-1].append(block)
                stack.append(block.body)
                continue
            if name == "end":
                if len(stack) == 1:
                    raise JSONPathError("not in range, nothing to end")
                stack.pop()
                continue
            raise JSONPathError(f"unrecognized identifier {name}")
        stack[-1].append(node)
    return root


# -- evaluation (client-go util/jsonpath/jsonpath.go) --------------------------------------------


class JSONPath:
    """A parsed template: `JSONPath("{.metadata.name}").execute(obj)` -> the printed text."""

    def __init__(self, template: str) -> None:
        self.template = template
        self._nodes = _structure(_Parser(template).parse_template())

    def find_results(self, data: Any) -> list[list[Any]]:
        """One list of values per text or action, in order (FindResults)."""
        out: list[list[Any]] = []
        self._run(self._nodes, data, out)
        return out

    def execute(self, data: Any) -> str:
        return "".join(print_results(r) for r in self.find_results(data))

    def _run(self, nodes: list[Any], data: Any, out: list[list[Any]]) -> None:
        for node in nodes:
            if isinstance(node, Text):
                out.append([node.text])
            elif isinstance(node, Range):
                for item in _walk_list([data], node.expr):
                    self._run(node.body, item, out)
            else:
                out.append(_walk_list([data], node.nodes))


def _walk_list(values: list[Any], nodes: list[Any]) -> list[Any]:
    for node in nodes:
        values = _walk(values, node)
    return values


def _walk(values: list[Any], node: Any) -> list[Any]:
    if isinstance(node, Text):
        return [node.text]
    if isinstance(node, Literal):
        return [node.value for _ in values]
    if isinstance(node, Field):
        return [v[node.name] for v in values if isinstance(v, dict) and node.name in v]
    if isinstance(node, Wildcard):
        out: list[Any] = []
        for v in values:
            out.extend(_children(v))
        return out
    if isinstance(node, Recursive):
        return _recursive(values)
    if isinstance(node, Array):
        return _array(values, node)
    if isinstance(node, Union):
        return [r for branch in node.branches for r in _walk_list(values, branch)]
    if isinstance(node, Filter):
        return _filter(values, node)
    if isinstance(node, Identifier):
        raise JSONPathError(f"unrecognized identifier {node.name}")
    raise JSONPathError(f"unexpected node {node!r}")  # pragma: no cover


def _children(v: Any) -> list[Any]:
    """What Go's reflection walks into: map values, list items, a string's bytes."""
    if isinstance(v, dict):
        return list(v.values())
    if isinstance(v, list):
        return list(v)
    if isinstance(v, str):
        return list(v.encode())
    return []


def _recursive(values: list[Any]) -> list[Any]:
    """evalRecursive: every value that has children, then its descendants, depth first."""
    out: list[Any] = []
    for v in values:
        children = _children(v)
        if children:
            out.append(v)
            out.extend(_recursive(children))
    return out


def _array(values: list[Any], node: Array) -> list[Any]:
    out: list[Any] = []
    for v in values:
        if v is None:
            continue
        if not isinstance(v, list):
            raise JSONPathError(f"{_go_type(v)} is not array or slice")
        n = len(v)
        start = 0 if node.start is None else node.start
        if start < 0:
            start += n
        if node.derived_stop:
            stop = start + 1
        else:
            stop = n if node.stop is None else node.stop
            if stop < 0:
                stop += n
        if stop != start:
            if start >= n:
                raise JSONPathError(f"array index out of bounds: index {start}, length {n}")
            if stop > n:
                raise JSONPathError(f"array index out of bounds: index {stop - 1}, length {n}")
        if start < 0 or stop < start:
            raise JSONPathError(f"slice bounds out of range [{start}:{stop}]")
        out.extend(v[start:stop])
    return out


def _filter(values: list[Any], node: Filter) -> list[Any]:
    out: list[Any] = []
    for v in values:
        if not isinstance(v, list):
            raise JSONPathError(f"{go_sprint(v)} is not array or slice and cannot be filtered")
        for item in v:
            lefts = _walk_list([item], node.left)
            if node.op == "exists":
                if lefts:
                    out.append(item)
                continue
            rights = _walk_list([item], node.right)
            if not lefts or not rights:  # a missing key does not match (kubectl 1.37)
                continue
            if len(lefts) != 1 or len(rights) != 1:
                raise JSONPathError("can only compare one element at a time")
            if _compare(lefts[0], rights[0], node.op):
                out.append(item)
    return out


def _compare(left: Any, right: Any, op: str) -> bool:
    """text/template's eq/ne/lt/le/gt/ge (the fork in client-go third_party): numbers compare as
    numbers, strings as strings; anything else can only be equal or not."""
    numeric = (int, float)
    if isinstance(left, bool) or isinstance(right, bool):
        if op in ("==", "!="):
            return (left == right) == (op == "==")
        raise JSONPathError("invalid type for comparison")
    if (
        isinstance(left, numeric)
        and isinstance(right, numeric)
        or isinstance(left, str)
        and isinstance(right, str)
    ):
        pass
    elif op in ("==", "!="):
        if type(left) is not type(right):
            raise JSONPathError("incompatible types for comparison")
    else:
        raise JSONPathError("invalid type for comparison")
    if op == "==":
        return bool(left == right)
    if op == "!=":
        return bool(left != right)
    if op == "<":
        return bool(left < right)
    if op == ">":
        return bool(left > right)
    if op == "<=":
        return bool(left <= right)
    if op == ">=":
        return bool(left >= right)
    raise JSONPathError(f"unrecognized filter operator {op}")


def _go_type(v: Any) -> str:
    if isinstance(v, dict):
        return "map[string]interface {}"
    if isinstance(v, str):
        return "string"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int64"
    if isinstance(v, float):
        return "float64"
    return "interface {}"


# -- printing ------------------------------------------------------------------------------------


def print_results(results: list[Any]) -> str:
    """PrintResults: maps and lists as JSON, the rest as Go prints them, joined by a space."""
    return " ".join(go_json(r) if isinstance(r, (dict, list)) else go_sprint(r) for r in results)


def go_sprint(v: Any) -> str:
    """Go's fmt.Sprint of a decoded JSON value (`%v`): map[a:1 b:[x y]], <nil>, 1e+06."""
    if v is None:
        return "<nil>"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return go_float(v)
    if isinstance(v, str):
        return v
    if isinstance(v, dict):
        return "map[" + " ".join(f"{k}:{go_sprint(v[k])}" for k in sorted(v)) + "]"
    if isinstance(v, list):
        return "[" + " ".join(go_sprint(x) for x in v) + "]"
    return str(v)


def go_float(f: float) -> str:
    """fmt's %v of a float64, strconv.FormatFloat(f, 'g', -1, 64) (strconv/ftoa.go
    formatDigits): the shortest digits; exponent form when the exponent is < -4 or >= 6."""
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "+Inf" if f > 0 else "-Inf"
    if f == 0:
        return "-0" if math.copysign(1.0, f) < 0 else "0"
    digits = repr(abs(f))  # the shortest round-trip digits, as Go's shortest formatting
    mantissa, _, exp_text = digits.partition("e")
    int_part, _, frac_part = mantissa.partition(".")
    frac_part = frac_part.rstrip("0") if frac_part != "0" else ""
    all_digits = (int_part + frac_part).lstrip("0")
    exp = int(exp_text or 0) + len(int_part) - 1 if int_part != "0" else 0
    if int_part == "0":  # 0.000123 -> digits after the leading zeros
        stripped = frac_part.lstrip("0")
        exp = -(len(frac_part) - len(stripped)) - 1 + int(exp_text or 0)
        all_digits = stripped
    all_digits = all_digits.rstrip("0") or "0"
    sign = "-" if f < 0 else ""
    if exp < -4 or exp >= 6:
        body = all_digits[0] + ("." + all_digits[1:] if len(all_digits) > 1 else "")
        return f"{sign}{body}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    if exp < 0:
        return f"{sign}0.{'0' * (-exp - 1)}{all_digits}"
    if len(all_digits) <= exp + 1:
        return f"{sign}{all_digits}{'0' * (exp + 1 - len(all_digits))}"
    return f"{sign}{all_digits[: exp + 1]}.{all_digits[exp + 1 :]}"


def go_json(v: Any, indent: int | None = None) -> str:
    """Go's encoding/json of a decoded value: map keys sorted, `<`, `>`, `&`, U+2028 and U+2029
    escaped; compact, or `indent` spaces per level (json.MarshalIndent)."""
    separators = (",", ":") if indent is None else (",", ": ")
    text = json.dumps(
        v,
        sort_keys=True,
        ensure_ascii=False,
        separators=separators,
        indent=indent,
        default=str,
    )
    return go_escape(text)


def go_escape(text: str) -> str:
    """The HTML-safe escapes Go's encoding/json adds inside strings (they only occur there)."""
    if not any(c in text for c in "<>&\u2028\u2029"):
        return text
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def relaxed(expression: str) -> str:
    """RelaxedJSONPathExpression (kubectl get/customcolumn.go): `metadata.name`, `.metadata.name`,
    `{metadata.name}` and `{.metadata.name}` all become `{.metadata.name}`."""
    if not expression:
        return expression
    m = re.match(r"^\{\.?([^{}]+)\}$|^\.?([^{}]+)$", expression)
    if m is None:
        raise JSONPathError(
            "unexpected path string, expected a 'name1.name2' or '.name1.name2' or "
            "'{name1.name2}' or '{.name1.name2}'"
        )
    return "{." + (m.group(1) or m.group(2)) + "}"
