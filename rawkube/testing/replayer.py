"""Answer HTTP requests from a recorded fixture instead of an API server.

`ReplayTransport` is an httpx transport (sync and async), so it plugs in where the network
transport would be: `Config.transport`, the seam client-go calls `rest.Config.Transport`::

    with replay("fixtures/seed-flow-typed.yaml") as rp:
        cs = Clientset(rp.config())
        ...                        # same results as when it was recorded, offline
    # leaving the block checks that every recorded exchange was used

Matching: method + path + query, the query compared as a multiset of parameters (order and
percent-encoding do not matter); optionally the request body too. Identical requests are answered
in recorded order (a create that succeeds, then the same create failing with AlreadyExists).
When several recorded answers fit, one whose `Accept` header matches is preferred (the server
answers `/api` differently for aggregated discovery). Watch responses come back as a stream of
lines, optionally with the recorded gaps between them.
"""

from __future__ import annotations

import difflib
import json
import logging
import os
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote

import httpx

from rawkube.testing.fixture import Exchange, decode_body, decode_line, encode_body, load_fixture

if TYPE_CHECKING:
    from rawkube.config.types import Config

__all__ = [
    "ReplayTransport",
    "Replay",
    "replay",
    "ReplayMismatch",
    "UnusedExchanges",
    "REPLAY_HOST",
]

log = logging.getLogger(__name__)

# No connection is ever made: the transport answers everything. `.invalid` can never resolve
# (RFC 2606), so a client that bypasses the transport by mistake fails at once.
REPLAY_HOST = "https://replay.rawkube.invalid"
# Headers describing the recorded framing, not the replayed one: httpx sets its own.
_FRAMING_HEADERS = frozenset(
    {"transfer-encoding", "content-length", "content-encoding", "connection"}
)


class ReplayMismatch(AssertionError):
    """A request has no recorded answer (strict mode). The message shows the closest one."""


class UnusedExchanges(AssertionError):
    """Recorded exchanges the code under test never requested."""


def _query_items(query: str) -> list[tuple[str, str]]:
    return sorted(parse_qsl(query, keep_blank_values=True))


@dataclass(frozen=True)
class _Key:
    """What identifies a request for matching."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, method: str, path: str, query: str) -> _Key:
        return cls(method.upper(), unquote(path), tuple(_query_items(query)))


@dataclass
class _Sent:
    """The incoming request, reduced to what matching and error messages need."""

    key: _Key
    target: str
    accept: str
    body: Any


class ReplayTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """An httpx transport answering from recorded exchanges (see the module docstring).

    `strict=True` raises `ReplayMismatch` for an unmatched request; `strict=False` answers it
    with a 404 `Status` instead, as a server would for an unknown path. `match_body=True` also
    requires the (parsed) request body to equal the recorded one. `timing=True` sleeps the
    recorded `line_gaps` (each capped at `max_gap` seconds) between streamed lines.
    """

    def __init__(
        self,
        fixture: str | os.PathLike[str] | Sequence[Exchange],
        *,
        strict: bool = True,
        match_body: bool = False,
        timing: bool = False,
        max_gap: float = 1.0,
    ) -> None:
        if isinstance(fixture, (str, os.PathLike)):
            self.source = str(fixture)
            self.exchanges = load_fixture(fixture)
        else:
            self.source = "<exchanges>"
            self.exchanges = list(fixture)
        self.strict = strict
        self.match_body = match_body
        self.timing = timing
        self.max_gap = max_gap
        self.used = [False] * len(self.exchanges)
        self.mismatches: list[str] = []
        self._keys = [
            _Key.of(ex.request.method, ex.request.path, ex.request.query) for ex in self.exchanges
        ]
        # Exchanges per request key, in recorded order: a lookup stays cheap in big fixtures.
        self._by_key: dict[_Key, list[int]] = {}
        for i, key in enumerate(self._keys):
            self._by_key.setdefault(key, []).append(i)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        used = sum(self.used)
        return f"ReplayTransport({self.source!r}, used={used}/{len(self.exchanges)})"

    # --- httpx transport API ---

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        exchange = self._match(request)
        if exchange is None:
            return self._not_found(request)
        if exchange.response.body_lines is not None:
            return self._response(
                exchange, _LineStream(self._lines(exchange), self._sleeps(exchange))
            )
        return self._response(exchange, httpx.ByteStream(decode_body(exchange.response.body)))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        exchange = self._match(request)
        if exchange is None:
            return self._not_found(request)
        if exchange.response.body_lines is not None:
            stream = _AsyncLineStream(self._lines(exchange), self._sleeps(exchange))
            return self._response(exchange, stream)
        return self._response(exchange, httpx.ByteStream(decode_body(exchange.response.body)))

    # --- checks ---

    def unused(self) -> list[Exchange]:
        return [ex for ex, used in zip(self.exchanges, self.used, strict=True) if not used]

    def assert_all_used(self) -> None:
        """Raise `UnusedExchanges` naming every recorded exchange nobody asked for."""
        unused = [(i, ex) for i, ex in enumerate(self.exchanges) if not self.used[i]]
        if unused:
            lines = [f"  #{i} {ex.describe()}" for i, ex in unused]
            raise UnusedExchanges(
                f"{len(unused)} of {len(self.exchanges)} recorded exchange(s) in {self.source} "
                "were never requested:\n" + "\n".join(lines)
            )

    def config(self, base: Config | None = None) -> Config:
        """A Config whose clients talk to this transport (a copy of `base`, if given)."""
        from rawkube.config.types import Config

        if base is not None:
            return base.copy(transport=self)
        # qps=0: nothing to protect from a burst, and a throttled replay only makes tests slow.
        return Config(host=REPLAY_HOST, transport=self, qps=0)

    # --- matching ---

    def _match(self, request: httpx.Request) -> Exchange | None:
        sent = self._describe(request)
        with self._lock:
            index = self._find(sent)
            if index is not None:
                self.used[index] = True
                exchange = self.exchanges[index]
                log.debug(
                    "replay %s %s -> %s from exchange #%d %s",
                    sent.key.method,
                    sent.target,
                    exchange.response.status,
                    index,
                    exchange.name,
                )
                return exchange
            message = self._mismatch_message(sent)
            self.mismatches.append(message)
        if self.strict:
            raise ReplayMismatch(message)
        return None

    @staticmethod
    def _describe(request: httpx.Request) -> _Sent:
        path, _, _ = request.url.raw_path.decode("ascii", "replace").partition("?")
        query = request.url.query.decode("ascii", "replace")
        return _Sent(
            key=_Key.of(request.method, path, query),
            target=f"{path}?{query}" if query else path,
            accept=request.headers.get("accept", ""),
            body=encode_body(request.content),
        )

    def _find(self, sent: _Sent) -> int | None:
        candidates = [
            i
            for i in self._by_key.get(sent.key, ())
            if not self.used[i]
            and (not self.match_body or self.exchanges[i].request.body == sent.body)
        ]
        for i in candidates:
            if self.exchanges[i].request.headers.get("accept", sent.accept) == sent.accept:
                return i
        return candidates[0] if candidates else None

    def _mismatch_message(self, sent: _Sent) -> str:
        head = (
            f"rawkube replay: no recorded exchange in {self.source} matches\n"
            f"  {sent.key.method} {sent.target}\n"
        )
        same = self._by_key.get(sent.key, [])
        if same and not self.match_body:
            return head + (
                f"it was recorded {len(same)} time(s) and every one was already used "
                f"(exchanges {', '.join('#' + str(i) for i in same)}); this is call "
                f"{len(same) + 1}. Record the extra call or reuse fewer."
            )
        if not self.exchanges:
            return head + "the fixture holds no exchanges."
        best = min(
            range(len(self.exchanges)), key=lambda i: (self._distance(sent, i), self.used[i])
        )
        recorded = self.exchanges[best]
        status = "already used" if self.used[best] else "unused"
        lines = [
            f"closest recorded exchange #{best} ({status}):",
            f"  {recorded.describe()}",
            "differences (recorded -> sent):",
            *self._differences(sent, recorded),
        ]
        return head + "\n".join(lines)

    def _distance(self, sent: _Sent, index: int) -> int:
        key = self._keys[index]
        score = 0 if key.method == sent.key.method else 4
        a, b = key.path.split("/"), sent.key.path.split("/")
        # A different name (p1 vs p2) is closer than a different shape (collection vs item).
        score += 2 * sum(x != y for x, y in zip(a, b, strict=False)) + 3 * abs(len(a) - len(b))
        diff = Counter(key.query)
        diff.subtract(Counter(sent.key.query))
        score += sum(abs(n) for n in diff.values())
        if self.match_body and self.exchanges[index].request.body != sent.body:
            score += 1
        return score

    def _differences(self, sent: _Sent, recorded: Exchange) -> list[str]:
        req = recorded.request
        out = []
        if req.method.upper() != sent.key.method:
            out.append(f"  method: {req.method} -> {sent.key.method}")
        rec_path = unquote(req.path)
        if rec_path != sent.key.path:
            out.append(f"  path:   {rec_path} -> {sent.key.path}")
        rec_q, sent_q = Counter(_query_items(req.query)), Counter(sent.key.query)
        for k, v in sorted((rec_q - sent_q).elements()):
            out.append(f"  query:  - {k}={v}  (recorded, not sent)")
        for k, v in sorted((sent_q - rec_q).elements()):
            out.append(f"  query:  + {k}={v}  (sent, not recorded)")
        if self.match_body and req.body != sent.body:
            # The message lands in test logs: Secret data and token fields are masked as the
            # recorder masks them (a test may send real ones).
            from rawkube.rest.trace import is_secret_path
            from rawkube.testing.recorder import mask_secret_objects, scrub

            secret = is_secret_path(str(req.path or ""))
            shown = [scrub(mask_secret_objects(b, secret)) for b in (req.body, sent.body)]
            out.append("  body:")
            out.extend("    " + line for line in _body_diff(*shown))
            if shown[0] == shown[1]:
                out.append("    (they differ only in masked Secret data or token fields)")
        return out or ["  (none in method, path and query)"]

    # --- answering ---

    @staticmethod
    def _headers(exchange: Exchange) -> list[tuple[str, str]]:
        headers = []
        for name, value in exchange.response.headers.items():
            if name in _FRAMING_HEADERS:
                continue
            for v in value if isinstance(value, list) else [value]:
                headers.append((name, str(v)))
        return headers

    def _response(self, exchange: Exchange, stream: Any) -> httpx.Response:
        return httpx.Response(
            exchange.response.status, headers=self._headers(exchange), stream=stream
        )

    @staticmethod
    def _lines(exchange: Exchange) -> list[bytes]:
        return [decode_line(line) for line in exchange.response.body_lines or []]

    def _sleeps(self, exchange: Exchange) -> list[float]:
        gaps = exchange.response.line_gaps
        if not self.timing or not gaps:
            return []
        return [min(max(g, 0.0), self.max_gap) for g in gaps]

    def _not_found(self, request: httpx.Request) -> httpx.Response:
        # The shape of the API server's own 404 (fixtures/real-apiserver/019-*.json).
        status = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.mismatches[-1],
            "reason": "NotFound",
            "code": 404,
        }
        return httpx.Response(
            404,
            headers=[("content-type", "application/json")],
            content=json.dumps(status).encode(),
        )


def _body_diff(recorded: Any, sent: Any) -> list[str]:
    def lines(body: Any) -> list[str]:
        if isinstance(body, (dict, list)):
            return json.dumps(body, indent=1, sort_keys=True).splitlines()
        return repr(body).splitlines()

    diff = list(difflib.unified_diff(lines(recorded), lines(sent), "recorded", "sent", lineterm=""))
    return diff[:40] + (["..."] if len(diff) > 40 else [])


class _LineStream(httpx.SyncByteStream):
    """Yields recorded lines one chunk each, as the server flushed each watch event."""

    def __init__(self, lines: list[bytes], sleeps: list[float]) -> None:
        self._lines = lines
        self._sleeps = sleeps

    def __iter__(self) -> Iterator[bytes]:
        for i, line in enumerate(self._lines):
            if i < len(self._sleeps) and self._sleeps[i] > 0:
                time.sleep(self._sleeps[i])
            yield line


class _AsyncLineStream(httpx.AsyncByteStream):
    def __init__(self, lines: list[bytes], sleeps: list[float]) -> None:
        self._lines = lines
        self._sleeps = sleeps

    async def __aiter__(self) -> AsyncIterator[bytes]:
        import asyncio

        for i, line in enumerate(self._lines):
            if i < len(self._sleeps) and self._sleeps[i] > 0:
                await asyncio.sleep(self._sleeps[i])
            yield line


class Replay:
    """What `replay(path)` returns: the transport, a Config factory, and the end-of-use check."""

    def __init__(self, transport: ReplayTransport, check_unused: bool = True) -> None:
        self.transport = transport
        self.check_unused = check_unused

    def config(self, base: Config | None = None) -> Config:
        return self.transport.config(base)

    def assert_all_used(self) -> None:
        self.transport.assert_all_used()

    def __enter__(self) -> Replay:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # A failing block already has its own error; an "unused" report would only bury it.
        if exc_type is None and self.check_unused:
            self.transport.assert_all_used()


def replay(
    fixture: str | os.PathLike[str] | Sequence[Exchange],
    *,
    strict: bool = True,
    match_body: bool = False,
    check_unused: bool = True,
    timing: bool = False,
) -> Replay:
    """Replay a fixture file, directory or exchange list: `with replay(p) as rp: rp.config()`."""
    transport = ReplayTransport(fixture, strict=strict, match_body=match_body, timing=timing)
    return Replay(transport, check_unused=check_unused)
