"""Go's encoding/json syntax errors, for messages the apiserver passes on verbatim.

A port of the state machine of encoding/json/scanner.go (checkValid): `syntax_error(data)` is
the message ``json.Unmarshal`` gives for malformed input ("invalid character 'x' looking for
beginning of value", "unexpected end of JSON input"), or None when the input is valid JSON.
The kube-apiserver shows such messages for a bad continue token (storage/continue.go).
"""

from __future__ import annotations

from rawkube.testing.server.apivalidation.goparse import go_quote

_WS = b" \t\r\n"


def _quote_char(c: int) -> str:
    """encoding/json quoteChar: the byte as a rune, quoted with single quotes."""
    if c == ord("'"):
        return "'\\''"
    if c == ord('"'):
        return "'\"'"
    return "'" + go_quote(chr(c))[1:-1] + "'"


class _Syntax(Exception):
    pass


class _Scanner:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def error(self, c: int, context: str) -> _Syntax:
        return _Syntax(f"invalid character {_quote_char(c)} {context}")

    def peek(self) -> int | None:
        return self.data[self.pos] if self.pos < len(self.data) else None

    def next(self) -> int:
        c = self.peek()
        if c is None:
            raise _Syntax("unexpected end of JSON input")
        self.pos += 1
        return c

    def skip_ws(self) -> None:
        while (c := self.peek()) is not None and c in _WS:
            self.pos += 1

    def value(self, context: str = "looking for beginning of value") -> None:
        self.skip_ws()
        c = self.next()
        if c == ord("{"):
            self.object()
        elif c == ord("["):
            self.array()
        elif c == ord('"'):
            self.string()
        elif c == ord("-") or ord("0") <= c <= ord("9"):
            self.number(c)
        elif c in b"tfn":
            word = {ord("t"): b"true", ord("f"): b"false", ord("n"): b"null"}[c]
            for expected in word[1:]:
                got = self.next()
                if got != expected:
                    raise self.error(
                        got, f"in literal {word.decode()} (expecting {_quote_char(expected)})"
                    )
        else:
            raise self.error(c, context)

    def object(self) -> None:
        self.skip_ws()
        c = self.next()
        if c == ord("}"):
            return
        while True:
            if c != ord('"'):
                raise self.error(c, "looking for beginning of object key string")
            self.string()
            self.skip_ws()
            c = self.next()
            if c != ord(":"):
                raise self.error(c, "after object key")
            self.value()
            self.skip_ws()
            c = self.next()
            if c == ord("}"):
                return
            if c != ord(","):
                raise self.error(c, "after object key:value pair")
            self.skip_ws()
            c = self.next()

    def array(self) -> None:
        self.skip_ws()
        if self.peek() == ord("]"):
            self.pos += 1
            return
        while True:
            self.value()
            self.skip_ws()
            c = self.next()
            if c == ord("]"):
                return
            if c != ord(","):
                raise self.error(c, "after array element")

    def string(self) -> None:
        while True:
            c = self.next()
            if c == ord('"'):
                return
            if c == ord("\\"):
                e = self.next()
                if e == ord("u"):
                    for _ in range(4):
                        h = self.next()
                        if chr(h) not in "0123456789abcdefABCDEF":
                            raise self.error(h, "in \\u hexadecimal character escape")
                elif e not in b'"\\/bfnrt':
                    raise self.error(e, "in string escape code")
            elif c < 0x20:
                raise self.error(c, "in string literal")

    def number(self, first: int) -> None:
        c = first
        if c == ord("-"):
            c = self.next()
            if not ord("0") <= c <= ord("9"):
                raise self.error(c, "in numeric literal")
        if c != ord("0"):
            while (p := self.peek()) is not None and ord("0") <= p <= ord("9"):
                self.pos += 1
        if self.peek() == ord("."):
            self.pos += 1
            c = self.next()
            if not ord("0") <= c <= ord("9"):
                raise self.error(c, "after decimal point in numeric literal")
            while (p := self.peek()) is not None and ord("0") <= p <= ord("9"):
                self.pos += 1
        if self.peek() in (ord("e"), ord("E")):
            self.pos += 1
            c = self.next()
            if c in (ord("+"), ord("-")):
                c = self.next()
            if not ord("0") <= c <= ord("9"):
                raise self.error(c, "in exponent of numeric literal")
            while (p := self.peek()) is not None and ord("0") <= p <= ord("9"):
                self.pos += 1


def syntax_error(data: bytes) -> str | None:
    """The message of json.Unmarshal's SyntaxError for ``data``, or None if it is valid JSON."""
    scanner = _Scanner(data)
    try:
        scanner.value()
        scanner.skip_ws()
        c = scanner.peek()
        if c is not None:
            raise scanner.error(c, "after top-level value")
    except _Syntax as err:
        return str(err)
    return None


__all__ = ["syntax_error"]
