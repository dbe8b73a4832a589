"""A parser for the Common Expression Language (CEL), as kube-apiserver's cel-go reads it.

The grammar is CEL's (github.com/google/cel-spec doc/langdef.md): conditional ``?:``, ``||``,
``&&``, relations (``< <= >= > == != in``), ``+ -``, ``* / %``, unary ``! -``, member access
``a.b``, optional access ``a.?b`` / ``a[?b]``, indexing, calls and receiver calls, list and map
literals, and the literal forms (ints, ``u`` uints, doubles, strings and bytes with their escapes
and raw / triple-quoted forms, booleans, null). The parser builds a small tuple AST; macros
(``has``, ``all``, ``exists``, ...) are recognised by the evaluator. Syntax errors are reported
as cel-go reports them: ``ERROR: <input>:LINE:COL: message`` plus the source line and a caret.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# The ANTLR token names cel-go lists when an expression was expected.
EXPECTING_EXPR = (
    "{'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, "
    "STRING, BYTES, IDENTIFIER}"
)
RESERVED = frozenset(
    {
        "as",
        "break",
        "const",
        "continue",
        "else",
        "for",
        "function",
        "if",
        "import",
        "let",
        "loop",
        "package",
        "namespace",
        "return",
        "var",
        "void",
        "while",
    }
)


class CELSyntaxError(Exception):
    """A syntax error at a position of the source."""

    def __init__(self, message: str, pos: int) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos


@dataclass(frozen=True)
class Node:
    """An AST node: ``op`` names the form, ``args`` its parts, ``pos`` the source offset."""

    op: str
    args: tuple[Any, ...]
    pos: int


_TOKEN = re.compile(
    r"""
    (?P<ws>\s+|//[^\n]*)
  | (?P<float>(?:\d+\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|\.\d+(?:[eE][+-]?\d+)?))
  | (?P<uint>(?:0[xX][0-9a-fA-F]+|\d+)[uU])
  | (?P<int>0[xX][0-9a-fA-F]+|\d+)
  | (?P<string>[rR]?[bB]?[rR]?(?:\"\"\"(?:\\.|[^\\])*?\"\"\"|'''(?:\\.|[^\\])*?'''|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'))
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\.\?|\[\?|==|!=|<=|>=|&&|\|\||[-+*/%!<>?:.,\[\](){}])
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass
class Token:
    kind: str
    text: str
    pos: int


def tokenize(source: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(source):
        match = _TOKEN.match(source, pos)
        if not match:
            raise CELSyntaxError(f"Syntax error: token recognition error at: '{source[pos]}'", pos)
        kind = match.lastgroup or ""
        if kind != "ws":
            tokens.append(Token(kind, match.group(), pos))
        pos = match.end()
    tokens.append(Token("eof", "<EOF>", len(source)))
    return tokens


_ESCAPES = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
    "'": "'",
    '"': '"',
    "`": "`",
    "?": "?",
}


def unquote(text: str, pos: int) -> str | bytes:
    """A string or bytes literal's value."""
    prefix = ""
    while text[0] in "rRbB":
        prefix += text[0].lower()
        text = text[1:]
    raw = "r" in prefix
    quote = text[:3] if text[:3] in ('"""', "'''") else text[0]
    body = text[len(quote) : -len(quote)]
    if raw:
        value = body
    else:
        out: list[str] = []
        i = 0
        while i < len(body):
            ch = body[i]
            if ch != "\\":
                out.append(ch)
                i += 1
                continue
            nxt = body[i + 1] if i + 1 < len(body) else ""
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
            elif nxt in "xX":
                out.append(chr(int(body[i + 2 : i + 4], 16)))
                i += 4
            elif nxt == "u":
                out.append(chr(int(body[i + 2 : i + 6], 16)))
                i += 6
            elif nxt == "U":
                out.append(chr(int(body[i + 2 : i + 10], 16)))
                i += 10
            elif nxt.isdigit():
                out.append(chr(int(body[i + 1 : i + 4], 8)))
                i += 4
            else:
                raise CELSyntaxError(f"Syntax error: invalid escape sequence '\\{nxt}'", pos)
        value = "".join(out)
    if "b" in prefix:
        return value.encode("latin-1") if not raw else value.encode()
    return value


class Parser:
    """A recursive-descent parser over the token list."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = tokenize(source)
        self.i = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def accept(self, text: str) -> bool:
        if self.tok.kind == "op" and self.tok.text == text:
            self.i += 1
            return True
        return False

    def expect(self, text: str) -> Token:
        if self.tok.kind == "op" and self.tok.text == text:
            return self.take()
        raise CELSyntaxError(
            f"Syntax error: mismatched input '{self.tok.text}' expecting '{text}'", self.tok.pos
        )

    def parse(self) -> Node:
        node = self.expr()
        if self.tok.kind != "eof":
            raise CELSyntaxError(
                f"Syntax error: extraneous input '{self.tok.text}' expecting <EOF>", self.tok.pos
            )
        return node

    def expr(self) -> Node:
        cond = self.or_()
        if self.tok.kind == "op" and self.tok.text == "?":
            pos = self.take().pos
            then = self.or_()
            self.expect(":")
            other = self.expr()
            return Node("?:", (cond, then, other), pos)
        return cond

    def or_(self) -> Node:
        left = self.and_()
        while self.tok.kind == "op" and self.tok.text == "||":
            pos = self.take().pos
            left = Node("||", (left, self.and_()), pos)
        return left

    def and_(self) -> Node:
        left = self.relation()
        while self.tok.kind == "op" and self.tok.text == "&&":
            pos = self.take().pos
            left = Node("&&", (left, self.relation()), pos)
        return left

    def relation(self) -> Node:
        left = self.addition()
        while (self.tok.kind == "op" and self.tok.text in ("<", "<=", ">", ">=", "==", "!=")) or (
            self.tok.kind == "ident" and self.tok.text == "in"
        ):
            tok = self.take()
            left = Node(tok.text, (left, self.addition()), tok.pos)
        return left

    def addition(self) -> Node:
        left = self.multiplication()
        while self.tok.kind == "op" and self.tok.text in ("+", "-"):
            tok = self.take()
            left = Node(tok.text, (left, self.multiplication()), tok.pos)
        return left

    def multiplication(self) -> Node:
        left = self.unary()
        while self.tok.kind == "op" and self.tok.text in ("*", "/", "%"):
            tok = self.take()
            left = Node(tok.text, (left, self.unary()), tok.pos)
        return left

    def unary(self) -> Node:
        if self.tok.kind == "op" and self.tok.text in ("!", "-"):
            tok = self.take()
            if tok.text == "-" and self.tok.kind in ("int", "float"):
                # A negative literal (so -9223372036854775808 fits).
                lit = self.take()
                return self.member(self._number(lit, negative=True, pos=tok.pos))
            return Node("!_" if tok.text == "!" else "-_", (self.unary(),), tok.pos)
        return self.member(self.primary())

    def _number(self, tok: Token, negative: bool = False, pos: int | None = None) -> Node:
        where = tok.pos if pos is None else pos
        sign = -1 if negative else 1
        if tok.kind == "float":
            return Node("lit", (sign * float(tok.text),), where)
        if tok.kind == "uint":
            return Node("lit", (UInt(int(tok.text[:-1], 0)),), where)
        value = sign * int(tok.text, 0)
        if not -(2**63) <= value <= 2**63 - 1:
            raise CELSyntaxError("invalid int literal", where)
        return Node("lit", (value,), where)

    def member(self, node: Node) -> Node:
        while self.tok.kind == "op" and self.tok.text in (".", ".?", "[", "[?"):
            tok = self.take()
            if tok.text in (".", ".?"):
                if self.tok.kind != "ident":
                    raise CELSyntaxError(
                        f"Syntax error: mismatched input '{self.tok.text}' expecting IDENTIFIER",
                        self.tok.pos,
                    )
                name = self.take()
                if tok.text == "." and self.tok.kind == "op" and self.tok.text == "(":
                    call_pos = self.take().pos
                    args = self.arguments(")")
                    node = Node("call", (name.text, node, tuple(args)), call_pos)
                else:
                    op = "select" if tok.text == "." else "optselect"
                    node = Node(op, (node, name.text), tok.pos)
            else:
                index = self.expr()
                self.expect("]")
                node = Node("index" if tok.text == "[" else "optindex", (node, index), tok.pos)
        return node

    def arguments(self, close: str) -> list[Node]:
        args: list[Node] = []
        if self.accept(close):
            return args
        while True:
            args.append(self.expr())
            if self.accept(close):
                return args
            self.expect(",")

    def primary(self) -> Node:
        tok = self.tok
        if tok.kind in ("int", "uint", "float"):
            return self._number(self.take())
        if tok.kind == "string":
            self.take()
            return Node("lit", (unquote(tok.text, tok.pos),), tok.pos)
        if tok.kind == "ident":
            self.take()
            if tok.text == "true":
                return Node("lit", (True,), tok.pos)
            if tok.text == "false":
                return Node("lit", (False,), tok.pos)
            if tok.text == "null":
                return Node("lit", (None,), tok.pos)
            if tok.text in RESERVED:
                raise CELSyntaxError(f"Syntax error: reserved identifier: {tok.text}", tok.pos)
            if self.tok.kind == "op" and self.tok.text == "(":
                call_pos = self.take().pos
                args = self.arguments(")")
                return Node("call", (tok.text, None, tuple(args)), call_pos)
            return Node("ident", (tok.text,), tok.pos)
        if tok.kind == "op":
            if tok.text == ".":
                # A leading dot: a root-scoped identifier.
                self.take()
                name = self.take()
                return Node("ident", (name.text,), name.pos)
            if tok.text == "(":
                self.take()
                inner = self.expr()
                self.expect(")")
                return inner
            if tok.text == "[":
                self.take()
                items = self._list_items()
                return Node("list", tuple(items), tok.pos)
            if tok.text == "{":
                self.take()
                entries = self._map_entries()
                return Node("map", tuple(entries), tok.pos)
        raise CELSyntaxError(
            f"Syntax error: mismatched input '{tok.text}' expecting {EXPECTING_EXPR}", tok.pos
        )

    def _list_items(self) -> list[Node]:
        items: list[Node] = []
        if self.accept("]"):
            return items
        while True:
            if self.accept("?"):
                items.append(Node("optelem", (self.expr(),), self.tok.pos))
            else:
                items.append(self.expr())
            if self.accept("]"):
                return items
            self.expect(",")
            if self.accept("]"):
                return items

    def _map_entries(self) -> list[tuple[Node, Node, bool]]:
        entries: list[tuple[Node, Node, bool]] = []
        if self.accept("}"):
            return entries
        while True:
            optional = self.accept("?")
            key = self.expr()
            self.expect(":")
            value = self.expr()
            entries.append((key, value, optional))
            if self.accept("}"):
                return entries
            self.expect(",")
            if self.accept("}"):
                return entries


class UInt(int):
    """A CEL uint value (a distinct type from int)."""

    def __repr__(self) -> str:
        return f"{int(self)}u"


def parse(source: str) -> Node:
    return Parser(source).parse()


def location(source: str, pos: int) -> tuple[int, int]:
    """1-based line, 0-based column (cel-go's <input>:LINE:COL, COL counted from 0 + 1)."""
    line = source.count("\n", 0, pos) + 1
    start = source.rfind("\n", 0, pos) + 1
    return line, pos - start


def render_error(source: str, pos: int, message: str) -> str:
    """``ERROR: <input>:1:12: message`` with the source line and a caret, as cel-go prints."""
    line, col = location(source, pos)
    lines = source.split("\n")
    text = lines[line - 1] if line - 1 < len(lines) else ""
    caret = "." * col + "^"
    return f"ERROR: <input>:{line}:{col + 1}: {message}\n | {text}\n | {caret}"
