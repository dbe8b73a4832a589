"""A watch body read straight from its connection (rawkube/rest/chunked.py): the sans-IO
chunked decoder (RFC 9112 section 7.1), when the direct read is used and when it is not, and
that events, failures and stops come out exactly as they do through httpx."""

from __future__ import annotations

import asyncio
import gzip
import ssl
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rawkube import errors
from rawkube.aio.rest import AsyncRESTClient
from rawkube.config.types import Config
from rawkube.rest import steps
from rawkube.rest.chunked import MAX_LINE, ChunkedDecoder, DirectBody
from rawkube.rest.client import RESTClient
from tests.helpers.certs import CA
from tests.helpers.faults import Conn, FaultServer, Req, config_map, event_line
from tests.helpers.fuzzing import no_local_constants  # noqa: F401 (autouse fixture)

WATCH_HEAD = {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}


def framed(*chunks: bytes, trailer: bytes = b"") -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n" + trailer + b"\r\n"


def decode_all(pieces: list[bytes]) -> tuple[bytes, bool]:
    decoder = ChunkedDecoder()
    return b"".join(decoder.feed(p) for p in pieces), decoder.done


# -- the decoder -----------------------------------------------------------------------------


def test_whole_body_in_one_feed() -> None:
    assert decode_all([framed(b"hello ", b"world")]) == (b"hello world", True)


def test_extensions_trailers_and_uppercase_hex_as_rfc_9112_allows() -> None:
    body = b"A;name=value\r\n0123456789\r\n5 ; x\r\nabcde\r\n0;last\r\nX-Trailer: 1\r\n\r\n"
    assert decode_all([body]) == (b"0123456789abcde", True)


def test_not_done_until_the_trailer_section_ends() -> None:
    decoder = ChunkedDecoder()
    assert decoder.feed(b"3\r\nabc\r\n0\r\n") == b"abc"
    assert not decoder.done
    assert decoder.feed(b"\r\n") == b"" and decoder.done


def test_bytes_after_the_end_are_ignored() -> None:
    decoder = ChunkedDecoder()
    assert decoder.feed(framed(b"abc") + b"HTTP/1.1 200 OK\r\n") == b"abc"
    assert decoder.done


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    chunks=st.lists(st.binary(min_size=1, max_size=300), max_size=8),
    cuts=st.lists(st.integers(min_value=0, max_value=3000), max_size=12),
)
def test_any_split_of_the_bytes_gives_the_same_body(chunks: list[bytes], cuts: list[int]) -> None:
    wire = framed(*chunks, trailer=b"Expires: never\r\n")
    points = sorted({min(c, len(wire)) for c in cuts} | {0, len(wire)})
    pieces = [wire[a:b] for a, b in zip(points, points[1:], strict=False)]
    assert decode_all(pieces) == (b"".join(chunks), True)


@pytest.mark.parametrize(
    "wire",
    [
        b"zz\r\nabc\r\n",  # not hex
        b"-3\r\nabc\r\n",  # int() would take it
        b"0x3\r\nabc\r\n",  # int(x, 16) would take it
        b" 3\r\nabc\r\n",  # int() strips, the grammar does not allow it
        b"\r\n",  # no size at all
        b"3\r\nabcX\r\n",  # data longer than its size
        b"3\r\nabcXY",  # no CRLF after the data, and more than one byte to wait on
        b"1" * 21 + b"\r\n",  # a size no server sends
    ],
)
def test_malformed_framing_is_a_remote_protocol_error(wire: bytes) -> None:
    decoder = ChunkedDecoder()
    with pytest.raises(httpx.RemoteProtocolError, match="malformed chunked encoding"):
        decoder.feed(wire)  # raises at once, or after handing on the data before the fault
        decoder.feed(b"")


def test_the_data_before_bad_framing_is_delivered_first() -> None:
    """As h11 does: what was framed well comes out; the error is raised by the next call."""
    decoder = ChunkedDecoder()
    assert decoder.feed(b"3\r\nabc\r\nnot-a-size\r\n") == b"abc"
    assert isinstance(decoder.error, httpx.RemoteProtocolError)
    with pytest.raises(httpx.RemoteProtocolError):
        decoder.feed(b"")


def test_a_size_line_without_end_is_bounded() -> None:
    decoder = ChunkedDecoder()
    decoder.feed(b"a" * MAX_LINE)  # could still be a (long) line
    with pytest.raises(httpx.RemoteProtocolError):
        decoder.feed(b"a")


# -- when the direct read is used ------------------------------------------------------------


class Spy:
    """Records what the Chunks step read each body with."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.kinds: list[str] = []
        real = steps.direct_body

        def spy(response: httpx.Response, chunk_size: int | None = None) -> Any:
            body = real(response, chunk_size)
            self.kinds.append("direct" if isinstance(body, DirectBody) else "httpx")
            return body

        monkeypatch.setattr(steps, "direct_body", spy)


def events_in_one_send(conn: Conn, req: Req) -> None:
    """Head, three events and the end in a single write: h11 holds body bytes past the head
    when rawkube takes the connection over (they must not be lost)."""
    head = "".join(f"{k}: {v}\r\n" for k, v in WATCH_HEAD.items())
    lines = [event_line("ADDED", config_map("a", rv)) for rv in (1, 2, 3)]
    conn.send(f"HTTP/1.1 200 OK\r\n{head}\r\n".encode() + framed(*lines))


def test_a_watch_over_http_1_1_is_read_directly_and_loses_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spy = Spy(monkeypatch)
    with FaultServer(events_in_one_send) as srv:
        rest = RESTClient(Config(host=srv.url, qps=0))
        events = list(rest.get().resource("configmaps").watch())
    assert [e.object["metadata"]["resourceVersion"] for e in events] == ["1", "2", "3"]
    assert spy.kinds == ["direct"]


@pytest.fixture(scope="module")
def tls() -> Iterator[tuple[ssl.SSLContext, bytes]]:
    ca = CA("chunked-test-ca")
    with tempfile.TemporaryDirectory() as tmp:
        cert, key = ca.issue("server", ips=["127.0.0.1"]).write(Path(tmp))
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        yield ctx, ca.cert_pem


def test_over_tls_big_events_across_many_records_arrive_whole(
    monkeypatch: pytest.MonkeyPatch, tls: tuple[ssl.SSLContext, bytes]
) -> None:
    """A 1 MiB event spans many TLS records and reads; chunks cut mid-line and mid-size-line."""
    big = config_map("big", 7)
    big["data"] = {"blob": "x" * (1 << 20)}
    wire = framed(
        event_line("ADDED", config_map("a", 1)),
        event_line("MODIFIED", big)[:5000],
        event_line("MODIFIED", big)[5000:],
        event_line("DELETED", config_map("a", 8)),
    )

    def handler(conn: Conn, req: Req) -> None:
        conn.head(200, WATCH_HEAD)
        for i in range(0, len(wire), 7777):  # cut anywhere, chunk-size lines included
            conn.send(wire[i : i + 7777])

    spy = Spy(monkeypatch)
    with FaultServer(handler, tls=tls[0]) as srv:
        rest = RESTClient(Config(host=srv.url, qps=0, ca_data=tls[1]))
        events = list(rest.get().resource("configmaps").watch())
    assert [e.type for e in events] == ["ADDED", "MODIFIED", "DELETED"]
    assert events[1].object["data"]["blob"] == "x" * (1 << 20)
    assert spy.kinds == ["direct"]


def test_async_watch_reads_directly_too(
    monkeypatch: pytest.MonkeyPatch, tls: tuple[ssl.SSLContext, bytes]
) -> None:
    async def main(url: str) -> list[str]:
        async with AsyncRESTClient(Config(host=url, qps=0, ca_data=tls[1])) as rest:
            watch = rest.get().resource("configmaps").watch()
            return [e.object["metadata"]["resourceVersion"] async for e in watch]

    spy = Spy(monkeypatch)
    with FaultServer(events_in_one_send, tls=tls[0]) as srv:
        assert asyncio.run(asyncio.wait_for(main(srv.url), 30)) == ["1", "2", "3"]
    assert spy.kinds == ["direct"]


def test_a_compressed_watch_is_read_through_httpx(monkeypatch: pytest.MonkeyPatch) -> None:
    """Content-Encoding must be undone by httpx's decoders: no direct read."""

    def handler(conn: Conn, req: Req) -> None:
        conn.head(200, {**WATCH_HEAD, "Content-Encoding": "gzip"})
        conn.chunk(gzip.compress(event_line("ADDED", config_map("a", 1))))
        conn.end_chunks()

    spy = Spy(monkeypatch)
    with FaultServer(handler) as srv:
        events = list(RESTClient(Config(host=srv.url, qps=0)).get().resource("x").watch())
    assert [e.type for e in events] == ["ADDED"] and spy.kinds == ["httpx"]


def test_a_mocked_response_is_read_through_httpx(monkeypatch: pytest.MonkeyPatch) -> None:
    body = event_line("ADDED", config_map("a", 1))
    transport = httpx.MockTransport(
        lambda req: httpx.Response(200, headers=WATCH_HEAD, content=iter([body]))
    )
    spy = Spy(monkeypatch)
    rest = RESTClient(Config(host="https://127.0.0.1:1", qps=0, transport=transport))
    assert [e.type for e in rest.get().resource("x").watch()] == ["ADDED"]
    assert spy.kinds == ["httpx"]


# -- failures and stops: the same as through httpx -------------------------------------------


@pytest.mark.parametrize("how", ["reset", "close", "garbage"])
def test_a_broken_stream_fails_as_it_does_through_httpx(
    monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    def handler(conn: Conn, req: Req) -> None:
        conn.head(200, WATCH_HEAD)
        conn.chunk(event_line("ADDED", config_map("a", 1)))
        if how == "garbage":
            conn.send(b"not-a-size\r\n")
            time.sleep(0.2)
        else:  # cut inside the next event's chunk
            conn.send(b"400\r\n" + event_line("MODIFIED", config_map("a", 2))[:50])
        conn.reset() if how == "reset" else conn.close()

    def failure(direct: bool) -> tuple[list[str], type[BaseException], str]:
        if not direct:
            monkeypatch.setattr(steps, "direct_body", lambda response, chunk_size=None: None)
        seen: list[str] = []
        with FaultServer(handler) as srv:
            with pytest.raises(errors.TransportError) as info:
                for event in RESTClient(Config(host=srv.url, qps=0)).get().resource("x").watch():
                    seen.append(event.type)
            assert info.value.server == srv.url
        assert isinstance(info.value.__cause__, httpx.HTTPError)
        return seen, type(info.value), type(info.value.__cause__).__name__

    direct = failure(True)
    assert direct == failure(False)
    assert direct[0] == ["ADDED"]


def test_stop_from_another_thread_wakes_a_direct_reader() -> None:
    def handler(conn: Conn, req: Req) -> None:
        conn.head(200, WATCH_HEAD)
        conn.chunk(event_line("ADDED", config_map("a", 1)))
        time.sleep(5)  # then nothing: the reader blocks

    with FaultServer(handler) as srv:
        watch = RESTClient(Config(host=srv.url, qps=0)).get().resource("x").watch()
        assert next(watch).type == "ADDED"
        threading.Timer(0.2, watch.stop).start()
        start = time.monotonic()
        assert list(watch) == []  # a clean end, not an error
        assert time.monotonic() - start < 3
