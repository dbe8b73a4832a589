"""Port forwarding with rawkube's own client (rawkube.stream.portforward), sync and async,
against `rawkube serve` whose simulated pod echoes on ports 80 and 81 and refuses the rest."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
from collections.abc import Iterator

import httpx
import pytest

from rawkube import load_config
from rawkube.errors import NotFound, PortForwardError
from rawkube.stream.portforward import (
    AsyncPortForward,
    PortForward,
    aopen_tunnel,
    open_tunnel,
    parse_port_mappings,
)
from rawkube.transport import build_async_client, build_client
from tests.helpers.stream_server import POD, Served, serve

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serve(tmp_path_factory.mktemp("portforward")) as s:
        yield s


@pytest.fixture
def client(served: Served) -> Iterator[httpx.Client]:
    with build_client(load_config(kubeconfig=str(served.kubeconfig))) as c:
        yield c


def echo_through(port: int, size: int) -> bytes:
    """Send `size` random bytes to 127.0.0.1:port, half-close, read everything back."""
    data = os.urandom(size)
    with socket.create_connection(("127.0.0.1", port), timeout=20) as s:
        sender = threading.Thread(target=s.sendall, args=(data,))
        sender.start()
        got = bytearray()
        while len(got) < size:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
        sender.join()
    assert bytes(got) == data
    return bytes(got)


def test_parse_port_mappings_like_kubectl() -> None:
    assert parse_port_mappings({8080: 80}) == [(8080, 80)]
    assert parse_port_mappings([80, "8443:443", ":81", "82", (9000, 90)]) == [
        (0, 80), (8443, 443), (0, 81), (82, 82), (9000, 90),
    ]  # fmt: skip
    for bad, message in (
        ("1:2:3", "invalid port format"),
        ("x:80", "local port"),
        ("80:0", "> 0"),
        ([], "at least 1"),
    ):
        with pytest.raises(ValueError, match=message):
            parse_port_mappings(bad)  # type: ignore[arg-type]


def test_two_ports_at_once_with_concurrent_connections(client: httpx.Client) -> None:
    with PortForward(client, "default", POD, [80, 81]) as pf:
        local80, local81 = pf.local_port(80), pf.local_port(81)
        assert local80 != local81 and local80 > 0 and local81 > 0
        results: list[int] = []
        errors: list[BaseException] = []

        def use(port: int) -> None:
            try:
                results.append(len(echo_through(port, 256 * 1024)))
            except BaseException as err:  # reported below
                errors.append(err)

        threads = [threading.Thread(target=use, args=(p,)) for p in (local80, local81) * 4]
        for t in threads:
            t.start()
        for t in threads:
            t.join(40)
        assert errors == []
        assert results == [256 * 1024] * 8
        assert pf.errors == []


def test_a_refused_port_closes_the_local_connection_and_is_reported(client: httpx.Client) -> None:
    with PortForward(client, "default", POD, {0: 82}) as pf:
        with socket.create_connection(("127.0.0.1", pf.local_port(82)), timeout=10) as s:
            assert s.recv(10) == b""
        deadline = threading.Event()
        for _ in range(100):
            if pf.errors:
                break
            deadline.wait(0.05)
        assert len(pf.errors) == 1
        error = pf.errors[0]
        assert isinstance(error, PortForwardError) and error.port == 82
        assert str(error).startswith("error forwarding port 82 to pod ")
        assert "connect: connection refused" in str(error)


def test_a_tunnel_is_socket_like(client: httpx.Client) -> None:
    with open_tunnel(client, "default", POD, 80) as t:
        t.sendall(b"hello")
        assert t.recv(5) == b"hello"
        t.sendall(b"x" * 100_000)
        got = b""
        while len(got) < 100_000:
            got += t.recv(65536)
        assert got == b"x" * 100_000
    with open_tunnel(client, "default", POD, 83) as t, pytest.raises(PortForwardError):
        t.recv()
    with pytest.raises(NotFound):
        open_tunnel(client, "default", "nope", 80)


def test_async_two_ports_with_concurrent_connections(served: Served) -> None:
    async def echo(port: int, size: int) -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        data = os.urandom(size)
        writer.write(data)
        await writer.drain()
        got = await reader.readexactly(size)
        writer.close()
        await writer.wait_closed()
        assert got == data
        return got

    async def main() -> None:
        async with build_async_client(load_config(kubeconfig=str(served.kubeconfig))) as c:
            async with AsyncPortForward(c, "default", POD, [80, 81]) as pf:
                ports = [pf.local_port(80), pf.local_port(81)] * 4
                got = await asyncio.gather(*(echo(p, 200_000) for p in ports))
                assert [len(g) for g in got] == [200_000] * 8
            async with await aopen_tunnel(c, "default", POD, 81) as t:
                await t.write(b"async tunnel")
                assert await t.read(100) == b"async tunnel"

    asyncio.run(asyncio.wait_for(main(), 50))
