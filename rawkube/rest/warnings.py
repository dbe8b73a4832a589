"""`Warning:` response headers (client-go rest/warnings.go and util/net/http.go).

The API server sends `Warning: 299 - "message"` for deprecated APIs, unknown fields with
`fieldValidation=Warn`, and admission warnings. client-go parses them into `WarningHeader`s,
hands each to a `WarningHandler`, and keeps them on the Result. kubectl's handler writes
`Warning: ...` once per distinct message; rawkube's default does the same through Python's
`warnings` module (category `APIServerWarning`), so applications can filter or log them.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterable
from typing import NamedTuple, Protocol


class WarningHeader(NamedTuple):
    """One RFC 7234 warning value: `warn-code SP warn-agent SP warn-text [SP warn-date]`."""

    code: int
    agent: str
    text: str


class WarningHandler(Protocol):
    """Called once per warning header of every response (client-go `WarningHandler`)."""

    def __call__(self, code: int, agent: str, text: str) -> None: ...


class APIServerWarning(UserWarning):
    """Category of the warnings the default handler emits."""


def _quoted(value: str) -> tuple[str, str]:
    """Split `"quoted \\"text\\"" rest` into (text, rest); ValueError if not a quoted-string."""
    if not value.startswith('"'):
        raise ValueError("text must be a quoted string")
    out: list[str] = []
    i = 1
    while i < len(value):
        ch = value[i]
        if ch == "\\" and i + 1 < len(value):
            out.append(value[i + 1])
            i += 2
            continue
        if ch == '"':
            return "".join(out), value[i + 1 :]
        out.append(ch)
        i += 1
    raise ValueError("unterminated quoted string")


def _decode_words(text: str) -> str:
    """RFC 2047 encoded words (`=?UTF-8?Q?...?=`): the server encodes non-ASCII warnings so."""
    if "=?" not in text:
        return text
    from email.header import decode_header, make_header

    try:
        return str(make_header(decode_header(text)))
    except (ValueError, LookupError):
        return text


def parse_warning_header(value: str) -> list[WarningHeader]:
    """Parse one `Warning` header value, which may hold several comma-separated warnings.

    Mirrors apimachinery `ParseWarningHeader(s)` (pkg/util/net/http.go): `code agent "text"
    ["date"]`, the code three digits in 100-299; at the first malformed warning the rest of
    that header value is skipped.
    """
    result: list[WarningHeader] = []
    rest = value
    while rest.strip():
        parts = rest.strip().split(" ", 2)
        if len(parts) != 3:
            break
        code, agent, remainder = parts
        if not (len(code) == 3 and code.isdigit() and 100 <= int(code) <= 299) or not agent:
            break
        try:
            text, rest = _quoted(remainder)
        except ValueError:
            break
        rest = rest.lstrip(" ")
        if rest.startswith('"'):  # an optional warn-date, ignored as in client-go
            try:
                _, rest = _quoted(rest)
            except ValueError:
                break
        result.append(WarningHeader(int(code), agent, _decode_words(text)))
        rest = rest.strip()
        if rest and not rest.startswith(","):
            break
        rest = rest[1:]
    return result


def parse_warning_headers(values: Iterable[str]) -> list[WarningHeader]:
    out: list[WarningHeader] = []
    for value in values:
        out.extend(parse_warning_header(value))
    return out


class DeduplicatingWarningHandler:
    """Emit each distinct 299 warning once (kubectl's `WarningWriter{Deduplicate: true}`)."""

    def __init__(self, emit: WarningHandler | None = None) -> None:
        self._seen: set[str] = set()
        self._lock = threading.Lock()
        self._emit = emit

    def __call__(self, code: int, agent: str, text: str) -> None:
        # Only code 299 ("miscellaneous persistent warning") is meaningful to users (client-go).
        if code != 299 or not text:
            return
        with self._lock:
            if text in self._seen:
                return
            self._seen.add(text)
        if self._emit is not None:
            self._emit(code, agent, text)
        else:
            warnings.warn(text, APIServerWarning, stacklevel=2)

    def reset(self) -> None:
        with self._lock:
            self._seen.clear()


def no_warnings(code: int, agent: str, text: str) -> None:
    """A handler that drops warnings (client-go `NoWarnings`)."""


_default_handler: WarningHandler = DeduplicatingWarningHandler()


def set_default_warning_handler(handler: WarningHandler | None) -> None:
    """Replace the process-wide handler (client-go `SetDefaultWarningHandler`); None drops all."""
    global _default_handler
    _default_handler = handler if handler is not None else no_warnings


def default_warning_handler() -> WarningHandler:
    return _default_handler


def handle_warnings(header_values: Iterable[str], handler: WarningHandler | None) -> list[str]:
    """Parse the `Warning` headers of a response, pass each to the handler, return the texts."""
    parsed = parse_warning_headers(header_values)
    target = handler if handler is not None else _default_handler
    for w in parsed:
        target(w.code, w.agent, w.text)
    return [w.text for w in parsed]
