"""Watch decoding and the Watch iterators (client-go rest/watch/decoder.go, watch.StreamWatcher)."""

from __future__ import annotations

import asyncio
import gc
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from rawkube import errors
from rawkube.aio.rest import AsyncRESTClient
from rawkube.config.types import Config
from rawkube.rest.client import RESTClient
from rawkube.rest.watch import WatchDecoder, WatchEvent


def ev(type_: str, name: str, rv: str) -> dict[str, Any]:
    return {
        "type": type_,
        "object": {"kind": "Pod", "metadata": {"name": name, "resourceVersion": rv}},
    }


EXPIRED = {
    "type": "ERROR",
    "object": {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "too old resource version: 2 (300)",
        "reason": "Expired",
        "code": 410,
    },
}
BOOKMARK = {"type": "BOOKMARK", "object": {"kind": "Pod", "metadata": {"resourceVersion": "412"}}}


def lines(*events: dict[str, Any]) -> bytes:
    return b"".join(json.dumps(e).encode() + b"\n" for e in events)


class TrackedStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body that records whether the client closed it."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        yield from self.chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            yield chunk

    def close(self) -> None:
        self.closed = True

    async def aclose(self) -> None:
        self.closed = True


def watch_client(
    stream: TrackedStream, seen: list[httpx.Request] | None = None, status: int = 200
) -> RESTClient:
    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        return httpx.Response(status, stream=stream, headers={"content-type": "application/json"})

    return RESTClient(
        Config(host="https://h", transport=httpx.MockTransport(handler), qps=0), "", "v1"
    )


# -- decoder ---------------------------------------------------------------------------------
def test_decoder_any_chunk_boundary() -> None:
    data = lines(ev("ADDED", "a", "1"), BOOKMARK, ev("MODIFIED", "a", "2"), ev("DELETED", "a", "3"))
    whole = WatchDecoder().feed(data)
    assert [e.type for e in whole] == ["ADDED", "BOOKMARK", "MODIFIED", "DELETED"]
    for cut in range(1, len(data)):
        dec = WatchDecoder()
        got = dec.feed(data[:cut]) + dec.feed(data[cut:]) + dec.close()
        assert [e.raw for e in got] == [e.raw for e in whole]


def test_bookmark_carries_resource_version() -> None:
    (bookmark,) = WatchDecoder().feed(lines(BOOKMARK))
    assert bookmark.type == "BOOKMARK" and bookmark.resource_version == "412"


def test_decode_function_applies_to_objects_but_not_errors() -> None:
    dec = WatchDecoder(decode=lambda obj: ("decoded", obj["metadata"].get("name")))
    added, err = dec.feed(lines(ev("ADDED", "a", "1"), EXPIRED))
    assert added.object == ("decoded", "a")
    assert err.object["reason"] == "Expired"
    assert isinstance(err.error(), errors.Expired)


def test_blank_lines_crlf_and_last_line_without_newline() -> None:
    dec = WatchDecoder()
    events = dec.feed(b"\n" + json.dumps(ev("ADDED", "a", "1")).encode() + b"\r\n\n")
    events += dec.feed(json.dumps(ev("ADDED", "b", "2")).encode())
    assert dec.buffered > 0
    events += dec.close()
    assert [e.object["metadata"]["name"] for e in events] == ["a", "b"]


def test_frame_size_is_bounded() -> None:
    dec = WatchDecoder(max_frame_bytes=1024)
    dec.feed(b"x" * 1000)
    with pytest.raises(errors.DecodeError, match="larger than 1024"):
        dec.feed(b"x" * 100)


def test_garbage_is_a_decode_error() -> None:
    with pytest.raises(errors.DecodeError):
        WatchDecoder().feed(b"<html>\n")
    with pytest.raises(errors.DecodeError):
        WatchDecoder().feed(b'{"kind":"Pod"}\n')


# -- Watch iterator ----------------------------------------------------------------------------
def test_watch_iterates_and_ends_cleanly_when_server_closes() -> None:
    stream = TrackedStream(
        [lines(ev("ADDED", "a", "1"))[:10], lines(ev("ADDED", "a", "1"))[10:], lines(BOOKMARK)]
    )
    seen: list[httpx.Request] = []
    events = list(watch_client(stream, seen).get().resource("pods").watch())
    assert [e.type for e in events] == ["ADDED", "BOOKMARK"]
    assert all(isinstance(e, WatchEvent) for e in events)
    assert stream.closed
    assert seen[0].url.params["watch"] == "true"


def test_error_event_410_raises_expired_and_closes() -> None:
    stream = TrackedStream([lines(ev("ADDED", "a", "1"), EXPIRED, ev("ADDED", "b", "2"))])
    watch = watch_client(stream).get().resource("pods").watch()
    assert next(watch).type == "ADDED"
    with pytest.raises(errors.Expired) as info:
        next(watch)
    assert info.value.code == 410 and errors.is_gone(info.value)
    assert stream.closed


def test_stop_closes_the_response() -> None:
    stream = TrackedStream([lines(ev("ADDED", "a", "1"), ev("ADDED", "b", "2"))])
    watch = watch_client(stream).get().resource("pods").watch()
    next(watch)
    watch.stop()
    assert stream.closed
    assert list(watch) == []


def test_context_manager_closes_the_response() -> None:
    stream = TrackedStream([lines(ev("ADDED", "a", "1"), ev("ADDED", "b", "2"))])
    with watch_client(stream).get().resource("pods").watch() as watch:
        next(watch)
    assert stream.closed


def test_abandoned_watch_is_closed_by_gc() -> None:
    stream = TrackedStream([lines(ev("ADDED", "a", "1"), ev("ADDED", "b", "2"))])
    watch = watch_client(stream).get().resource("pods").watch()
    next(watch)
    del watch
    gc.collect()
    assert stream.closed


def test_decode_model_passed_to_watch() -> None:
    class Pod:
        def __init__(self, d: dict[str, Any]) -> None:
            self.name = d["metadata"]["name"]

    stream = TrackedStream([lines(ev("ADDED", "a", "1"))])
    (event,) = list(watch_client(stream).get().resource("pods").watch(decode=Pod))
    assert isinstance(event.object, Pod) and event.object.name == "a"
    assert event.raw["object"]["metadata"]["name"] == "a"


def test_failed_watch_start_raises_status_error() -> None:
    body = json.dumps(
        {"kind": "Status", "status": "Failure", "reason": "Forbidden", "code": 403, "message": "no"}
    )
    stream = TrackedStream([body.encode()])
    with pytest.raises(errors.Forbidden):
        watch_client(stream, status=403).get().resource("pods").watch()
    assert stream.closed


def test_stream_yields_chunks_and_closes() -> None:
    stream = TrackedStream([b"line 1\n", b"line 2\n"])
    chunks = list(
        watch_client(stream)
        .get()
        .namespace("d")
        .resource("pods")
        .name("p")
        .sub_resource("log")
        .stream()
    )
    assert b"".join(chunks) == b"line 1\nline 2\n"
    assert stream.closed


# -- a real socket: client-side timeout and stop() releasing the connection ------------------
class SlowWatchServer:
    """Answers one watch with a first event, then keeps the connection open, silent."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.sock.settimeout(5)
        self.port = self.sock.getsockname()[1]
        self.disconnected = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        conn, _ = self.sock.accept()
        conn.settimeout(5)
        with conn:
            conn.recv(65536)
            first = json.dumps(ev("ADDED", "a", "1")).encode() + b"\n"
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                + f"{len(first):x}\r\n".encode()
                + first
                + b"\r\n"
            )
            try:
                while conn.recv(1024):
                    pass
            except OSError:
                pass
            self.disconnected.set()

    def close(self) -> None:
        self.sock.close()
        self.thread.join(timeout=5)


def test_client_timeout_honoured_and_stop_releases_the_socket() -> None:
    server = SlowWatchServer()
    try:
        rc = RESTClient(Config(host=f"http://127.0.0.1:{server.port}", qps=0), "", "v1")
        watch = rc.get().resource("pods").timeout(0.3).watch()
        assert next(watch).type == "ADDED"
        start = time.monotonic()
        with pytest.raises(errors.RequestTimeout) as info:
            next(watch)
        assert isinstance(info.value.__cause__, httpx.ReadTimeout)
        assert time.monotonic() - start < 3
        watch.stop()
        assert server.disconnected.wait(5)
        rc.close()
    finally:
        server.close()


# -- async twin ---------------------------------------------------------------------------------
def test_async_watch_same_events_and_errors() -> None:
    async def main() -> tuple[list[str], bool]:
        stream = TrackedStream([lines(ev("ADDED", "a", "1"), BOOKMARK), lines(EXPIRED)])

        async def handler(request: httpx.Request) -> httpx.Response:
            assert request.url.params["watch"] == "true"
            return httpx.Response(200, stream=stream)

        cfg = Config(host="https://h", transport=httpx.MockTransport(handler), qps=0)
        async with AsyncRESTClient(cfg, "", "v1") as rc:
            types: list[str] = []
            with pytest.raises(errors.Expired):
                async for event in rc.get().resource("pods").watch():
                    types.append(event.type)
        return types, stream.closed

    types, closed = asyncio.run(main())
    assert types == ["ADDED", "BOOKMARK"]
    assert closed


def test_async_watch_stop_and_context_manager() -> None:
    async def main() -> bool:
        stream = TrackedStream([lines(ev("ADDED", "a", "1"), ev("ADDED", "b", "2"))])

        async def handler(request: httpx.Request) -> httpx.Response:
            return httpx.Response(200, stream=stream)

        cfg = Config(host="https://h", transport=httpx.MockTransport(handler), qps=0)
        rc = AsyncRESTClient(cfg)
        async with rc.get().resource("pods").watch() as watch:
            first = await watch.__anext__()
            assert first.type == "ADDED"
        return stream.closed

    assert asyncio.run(main())


def test_stop_from_another_thread_wakes_a_blocked_reader() -> None:
    """client-go's Stop() is called from another goroutine; the reader must not hang."""
    server = SlowWatchServer()
    try:
        rc = RESTClient(Config(host=f"http://127.0.0.1:{server.port}", qps=0), "", "v1")
        watch = rc.get().resource("pods").watch()
        seen: list[str] = []

        def reader() -> None:
            for event in watch:  # blocks after the first event: the server stays silent
                seen.append(event.type)
            seen.append("END")

        thread = threading.Thread(target=reader, daemon=True)
        thread.start()
        deadline = time.monotonic() + 5
        while not seen and time.monotonic() < deadline:
            time.sleep(0.01)
        watch.stop()
        thread.join(5)
        assert not thread.is_alive()
        assert seen == ["ADDED", "END"]
        assert server.disconnected.wait(5)
        rc.close()
    finally:
        server.close()


def test_a_model_class_decodes_through_from_dict() -> None:
    class Pod:
        def __init__(self, name: str) -> None:
            self.name = name

        @classmethod
        def from_dict(cls, data: dict[str, Any]) -> Pod:
            return cls(data["metadata"]["name"])

    (event,) = WatchDecoder(Pod).feed(lines(ev("ADDED", "a", "1")))
    assert isinstance(event.object, Pod) and event.object.name == "a"
