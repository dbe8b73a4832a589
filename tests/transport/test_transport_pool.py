"""rawkube's connection pool never closes a connection on its own while requests come and go
(rawkube/transport.py LIMITS).

Why it matters: httpcore 1.0.x's pool closes "surplus" idle connections as soon as there are
more connections than max_keepalive_connections (it counts all of them, encode/httpcore#1000;
httpx's default is 20), and a connection that looks idle may just have been handed to another
thread's request (encode/httpcore#1110). Under load (tests/test_concurrency.py, 20 threads)
that closed sockets under requests in flight: "connection reset by peer", and once the fd
number was reused by a new connection, a TLS record on the wrong connection (the server's
"tlsv1 alert decode error"). The race itself needs a precise interleaving; what these tests
pin down deterministically is the pass that causes it: with 30 connections in use, releasing
them closes 10 with httpx's default cap of 20 idle, 5 with client-go's 25, none with rawkube's
limits (no caps).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpcore
import httpx
import pytest

from rawkube.testing import LocalAPIServer
from rawkube.transport import build_async_client, build_client

pytestmark = pytest.mark.timeout(60)
IN_USE = 30  # more than httpx's default max_keepalive_connections (20), and client-go's 25


@pytest.fixture(scope="module")
def server() -> Iterator[LocalAPIServer]:
    with LocalAPIServer(controllers=False) as srv:
        yield srv


def _count_closes(monkeypatch: pytest.MonkeyPatch, cls: Any) -> list[str]:
    """Record every close of a connection of class `cls` (close, or aclose for async)."""
    closed: list[str] = []
    name = "aclose" if cls is httpcore.AsyncHTTP11Connection else "close"
    original = getattr(cls, name)

    def sync_close(self: Any) -> None:
        closed.append(repr(self))
        original(self)

    async def async_close(self: Any) -> None:
        closed.append(repr(self))
        await original(self)

    monkeypatch.setattr(cls, name, async_close if name == "aclose" else sync_close)
    return closed


def test_connections_released_by_many_requests_stay_open(
    server: LocalAPIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed = _count_closes(monkeypatch, httpcore.HTTP11Connection)
    with build_client(server.config()) as client:
        responses = [
            client.send(client.build_request("GET", "/version"), stream=True) for _ in range(IN_USE)
        ]
        assert all(r.status_code == 200 for r in responses)
        for r in responses:
            r.read()
            r.close()
        assert closed == []  # none closed behind the requests' backs
        pool = client._transport._pool  # type: ignore[attr-defined]
        assert len(pool.connections) == IN_USE and all(c.is_idle() for c in pool.connections)
        assert client.get("/version").status_code == 200  # and they are reused
        assert closed == []


def test_the_async_pool_too(server: LocalAPIServer, monkeypatch: pytest.MonkeyPatch) -> None:
    closed = _count_closes(monkeypatch, httpcore.AsyncHTTP11Connection)

    async def main() -> None:
        async with build_async_client(server.config()) as client:
            responses = [
                await client.send(client.build_request("GET", "/version"), stream=True)
                for _ in range(IN_USE)
            ]
            for r in responses:
                await r.aread()
                await r.aclose()
            assert closed == []
            pool = client._transport._pool  # type: ignore[attr-defined]
            assert len(pool.connections) == IN_USE

    asyncio.run(main())


@pytest.mark.parametrize("idle_cap", [20, 25])  # httpx's default, client-go's MaxIdleConnsPerHost
def test_a_cap_on_idle_connections_closes_connections_in_this_pass(
    server: LocalAPIServer, monkeypatch: pytest.MonkeyPatch, idle_cap: int
) -> None:
    """The control experiment: the same steps with a cap on idle connections close some
    (so the tests above would fail if rawkube had such a cap)."""
    closed = _count_closes(monkeypatch, httpcore.HTTP11Connection)
    config = server.config()
    with build_client(config) as client:
        ssl_context = client._transport._pool._ssl_context  # type: ignore[attr-defined]
    with httpx.Client(
        base_url=config.host,
        transport=httpx.HTTPTransport(
            verify=ssl_context,
            limits=httpx.Limits(max_connections=None, max_keepalive_connections=idle_cap),
        ),
    ) as client:
        responses = [
            client.send(
                client.build_request(
                    "GET", "/version", headers={"Authorization": f"Bearer {server.token}"}
                ),
                stream=True,
            )
            for _ in range(IN_USE)
        ]
        for r in responses:
            r.read()
            r.close()
        assert len(closed) == IN_USE - idle_cap
