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


def _quoted(value: str, start: int) -> tuple[str, int]:
    """Read a quoted-string starting at `value[start] == '"'`; returns (text, index after)."""
    out: list[str] = []
    i = start + 1
    while i < len(value):
        ch = value[i]
        if ch == "\\" and i + 1 < len(value):
            out.append(value[i + 1])
            i += 2
            continue
        if ch == '"':
            return "".join(out), i + 1
        out.append(ch)
        i += 1
    raise ValueError("unterminated quoted string")


def parse_warning_header(value: str) -> list[WarningHeader]:
    """Parse one `Warning` header value, which may hold several comma-separated warnings.

    Malformed entries are skipped (client-go `ParseWarningHeaders` collects them as errors
    and keeps the good ones).
    """
    result: list[WarningHeader] = []
    i = 0
    n = len(value)
    while i < n:
        while i < n and value[i] in " ,":
            i += 1
        if i >= n:
            break
        try:
            code_end = value.index(" ", i)
            code = int(value[i:code_end])
            agent_end = value.index(" ", code_end + 1)
            agent = value[code_end + 1 : agent_end]
            if agent_end + 1 >= n or value[agent_end + 1] != '"':
                raise ValueError("warn-text must be quoted")
            text, i = _quoted(value, agent_end + 1)
        except ValueError:
            # skip to the next comma outside quotes: resynchronise on the next entry
            nxt = value.find(",", i + 1)
            i = n if nxt < 0 else nxt
            continue
        if i < n and value[i] == " " and i + 1 < n and value[i + 1] == '"':
            _, i = _quoted(value, i + 1)  # optional warn-date: ignored, as in client-go
        result.append(WarningHeader(code, agent, text))
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
