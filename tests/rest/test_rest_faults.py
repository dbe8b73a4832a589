"""The REST executor against a fault-injecting server (tests/helpers/faults.py): whole-call
deadlines, typed transport failures, retries and framings (issue 12, items 3, 4 and 6).

Deadline tests assert an upper bound on the elapsed time: that bound is the feature under test
(the issue's acceptance: "Config.timeout=2: slow drip and 503+Retry-After storms end with a
typed timeout error in under 3 s"); before the executor's deadlines these calls took 11.7 s and
300 s.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

from rawkube import errors
from rawkube.config.types import Config
from rawkube.rest.client import AsyncRESTClient, RESTClient
from rawkube.rest.with_retry import RetryPolicy
from tests.helpers.faults import Conn, FaultServer, Req, config_map, event_line, status_body

CM = config_map("a", 5)


def rest(srv: FaultServer, **config: Any) -> RESTClient:
    return RESTClient(Config(host=srv.url, qps=0, **config))


def drip(conn: Conn, req: Req) -> None:
    body = b'{"kind": "ConfigMap", "metadata": {"name": "a"}}' * 20
    conn.head(200, {"Content-Type": "application/json", "Content-Length": str(len(body))})
    conn.drip(body, 0.3)


def storm(retry_after: str) -> Any:
    def handler(conn: Conn, req: Req) -> None:
        body = status_body(503, "ServiceUnavailable", "the server is overloaded")
        conn.respond(503, {"Retry-After": retry_after}, body)

    return handler


# -- item 3: a body dripped byte by byte cannot outlive the timeout ----------------------------


def test_slow_drip_ends_with_a_typed_timeout_within_the_deadline() -> None:
    with FaultServer(drip) as srv:
        start = time.monotonic()
        with pytest.raises(errors.RequestTimeout) as info:
            rest(srv, timeout=2).get().resource("configmaps").name("a").do()
        elapsed = time.monotonic() - start
    assert elapsed < 3.0, elapsed  # was 11.7 s+ (the read timeout restarted with every byte)
    assert isinstance(info.value, TimeoutError) and isinstance(info.value, errors.RawkubeError)
    assert info.value.server == srv.url and srv.url in str(info.value)
    assert "2s timeout" in str(info.value)


def test_a_per_call_timeout_bounds_the_call_too() -> None:
    with FaultServer(drip) as srv:
        start = time.monotonic()
        with pytest.raises(errors.RequestTimeout):
            rest(srv).get().resource("configmaps").name("a").timeout(1).do()
        assert time.monotonic() - start < 2.0
        assert srv.requests[0].query["timeout"] == "1s"  # sent as client-go sends it


def test_async_slow_drip_ends_within_the_deadline() -> None:
    async def main() -> float:
        async with AsyncRESTClient(Config(host=srv.url, qps=0, timeout=2)) as rc:
            start = time.monotonic()
            with pytest.raises(errors.RequestTimeout):
                await rc.get().resource("configmaps").name("a").do()
            return time.monotonic() - start

    with FaultServer(drip) as srv:
        assert asyncio.run(main()) < 3.0


# -- item 4: a Retry-After past the deadline is not waited for -------------------------------


def test_503_with_retry_after_30_ends_at_once_naming_the_server_answer() -> None:
    with FaultServer(storm("30")) as srv:
        start = time.monotonic()
        with pytest.raises(errors.RequestTimeout) as info:
            rest(srv, timeout=2).get().resource("configmaps").do()
        assert time.monotonic() - start < 3.0  # was 11 attempts and 300 s of sleeping
        assert len(srv.requests) == 1
    err = info.value
    assert isinstance(err.previous, errors.ServiceUnavailable)  # client-go WrapPreviousError
    assert "error from a previous attempt: ServiceUnavailable (503)" in str(err)


def test_a_429_storm_is_retried_until_the_deadline() -> None:
    def handler(conn: Conn, req: Req) -> None:
        conn.respond(429, {"Retry-After": "1"}, status_body(429, "TooManyRequests", "slow down"))

    with FaultServer(handler) as srv:
        start = time.monotonic()
        with pytest.raises(errors.RequestTimeout) as info:
            rest(srv, timeout=2.5).get().resource("configmaps").do()
        assert time.monotonic() - start < 3.5
        assert len(srv.requests) == 3  # at 0 s, 1 s and 2 s; the next would start past 2.5 s
    assert isinstance(info.value.previous, errors.TooManyRequests)


def test_async_storm_ends_at_once() -> None:
    async def main() -> None:
        async with AsyncRESTClient(Config(host=srv.url, qps=0, timeout=2)) as rc:
            with pytest.raises(errors.RequestTimeout):
                await rc.get().resource("configmaps").do()

    with FaultServer(storm("30")) as srv:
        start = time.monotonic()
        asyncio.run(main())
        assert time.monotonic() - start < 3.0 and len(srv.requests) == 1


def test_without_a_timeout_retry_after_is_honoured_as_client_go_does() -> None:
    def handler(conn: Conn, req: Req) -> None:
        if len(srv.requests) < 3:
            conn.respond(503, {"Retry-After": "7"}, status_body(503, "ServiceUnavailable", "x"))
        else:
            conn.respond(200, {}, CM)

    slept: list[float] = []
    with FaultServer(handler) as srv:
        rc = RESTClient(Config(host=srv.url, qps=0), sleep=slept.append)
        assert rc.get().resource("configmaps").name("a").do().json() == CM
    assert slept == [7.0, 7.0]


# -- item 6: transport failures are typed, name the server, keep the httpx error ----------------


def test_connection_refused_is_server_unreachable() -> None:
    with FaultServer(lambda c, r: None) as srv:
        url = srv.url
    with pytest.raises(errors.ServerUnreachable) as info:
        RESTClient(Config(host=url, qps=0)).get().resource("pods").do()
    err = info.value
    assert err.server == url and url.removeprefix("http://") in str(err)
    assert isinstance(err.__cause__, httpx.ConnectError)
    assert isinstance(err, errors.TransportError) and isinstance(err, errors.RawkubeError)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_reset_before_the_headers_is_a_broken_connection(method: str) -> None:
    def handler(conn: Conn, req: Req) -> None:
        conn.reset()

    with FaultServer(handler) as srv:
        rc = RESTClient(Config(host=srv.url, qps=0), sleep=lambda s: None)
        req = rc.verb(method).resource("configmaps")
        if method == "POST":
            req = req.body(CM)
        with pytest.raises(errors.ConnectionBroken) as info:
            req.do()
        # client-go retries a GET after a reset (10 times), never a write
        assert len(srv.requests) == (11 if method == "GET" else 1)
    err = info.value
    assert err.server == srv.url and isinstance(err.__cause__, httpx.HTTPError)
    assert err.may_have_been_applied is (method == "POST")


def test_a_reset_mid_body_is_retried_for_a_get() -> None:
    def handler(conn: Conn, req: Req) -> None:
        if len(srv.requests) == 1:
            conn.head(200, {"Content-Type": "application/json", "Content-Length": "500"})
            conn.send(b'{"kind": "Config')
            conn.reset()
        else:
            conn.respond(200, {}, CM)

    slept: list[float] = []
    with FaultServer(handler) as srv:
        rc = RESTClient(Config(host=srv.url, qps=0), sleep=slept.append)
        assert rc.get().resource("configmaps").name("a").do().json() == CM
    assert slept == [1.0]  # client-go's artificial Retry-After for a retryable error


def test_retries_exhausted_name_the_previous_error() -> None:
    def handler(conn: Conn, req: Req) -> None:
        conn.reset()

    with FaultServer(handler) as srv:
        rc = RESTClient(Config(host=srv.url, qps=0), retry=RetryPolicy(max_retries=1))
        rc._runtime.sleep = lambda s: None  # type: ignore[assignment]
        with pytest.raises(errors.ConnectionBroken):
            rc.get().resource("configmaps").do()
        assert len(srv.requests) == 2


@pytest.mark.parametrize("framing", ["close-delimited", "chunked", "content-length"])
def test_every_body_framing_is_read_whole(framing: str) -> None:
    import json

    body = json.dumps(CM).encode()

    def handler(conn: Conn, req: Req) -> None:
        if framing == "close-delimited":
            conn.head(200, {"Content-Type": "application/json", "Connection": "close"})
            conn.send(body)
            conn.close()
        elif framing == "chunked":
            conn.head(200, {"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
            for i in range(0, len(body), 7):
                conn.chunk(body[i : i + 7])
            conn.end_chunks()
        else:
            conn.respond(200, {"Content-Type": "application/json"}, body)

    with FaultServer(handler) as srv:
        assert rest(srv, timeout=5).get().resource("configmaps").name("a").do().json() == CM


def test_a_watch_reset_mid_stream_is_a_typed_broken_connection() -> None:
    def handler(conn: Conn, req: Req) -> None:
        conn.head(200, {"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
        conn.chunk(event_line("ADDED", CM))
        conn.chunk(event_line("MODIFIED", config_map("a", 6))[:20])
        conn.reset()

    with FaultServer(handler) as srv:
        watch = rest(srv).get().resource("configmaps").watch()
        first = next(watch)
        with pytest.raises(errors.ConnectionBroken) as info:
            next(watch)
    assert first.type == "ADDED"
    assert isinstance(info.value.__cause__, httpx.HTTPError) and info.value.server == srv.url


def test_a_close_delimited_watch_cut_mid_line_is_a_truncated_stream() -> None:
    def handler(conn: Conn, req: Req) -> None:
        conn.head(200, {"Content-Type": "application/json", "Connection": "close"})
        conn.send(event_line("ADDED", CM) + event_line("MODIFIED", config_map("a", 6))[:30])
        conn.close()

    with FaultServer(handler) as srv:
        watch = rest(srv).get().resource("configmaps").watch()
        assert next(watch).type == "ADDED"
        with pytest.raises(errors.TruncatedStream):
            next(watch)


def test_a_watch_is_opened_within_the_deadline_and_then_read_with_idle_limits() -> None:
    """The deadline covers opening a watch; the stream then lives as long as events come."""

    def handler(conn: Conn, req: Req) -> None:
        conn.head(200, {"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
        for rv in range(6):
            conn.chunk(event_line("MODIFIED", config_map("a", rv)))
            time.sleep(0.3)
        conn.end_chunks()

    with FaultServer(handler) as srv:
        events = list(rest(srv, timeout=1).get().resource("configmaps").watch())
    assert len(events) == 6  # 1.8 s of events under a 1 s timeout: not cut
