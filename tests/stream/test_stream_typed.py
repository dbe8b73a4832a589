"""pods.exec / exec_stream / attach / port_forward / open_port on the typed clients (sync and
async), against `rawkube serve` with the simulated container."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Iterator

import pytest

from rawkube import Clientset, load_config
from rawkube.aio import AsyncClientset
from rawkube.errors import ExitCodeError, Forbidden, NotFound, RequestError
from rawkube.typed.resource import UnsupportedVerb
from tests.helpers.stream_server import POD, Served, serve

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serve(tmp_path_factory.mktemp("typed")) as s:
        yield s


def test_typed_exec_attach_and_port_forward(served: Served) -> None:
    with Clientset(load_config(kubeconfig=str(served.kubeconfig))) as cs:
        pods = cs.core_v1().pods("default")
        data = os.urandom(1 << 20)
        result = pods.exec(POD, ["cat"], stdin=data)
        assert (result.stdout, result.stderr, result.exit_code) == (data, b"32 frames\n", 0)
        assert pods.exec(POD, ["exit", "3"]).exit_code == 3
        with pytest.raises(ExitCodeError):
            pods.exec(POD, ["exit", "3"], check=True)
        with pytest.raises(NotFound):
            pods.exec("nope", ["ls"])
        with pods.exec_stream(POD, ["resize-echo"], stdin=True, tty=True) as s:
            s.resize(81, 25)
            assert next(iter(s.stdout)) == b"81x25\n"
            s.stdin.close()
            assert s.wait() == 0
        with pods.attach(POD) as s:
            assert next(iter(s.stdout)).startswith(b"line ")
        with pods.port_forward(POD, [80, 81]) as pf:
            for remote in (80, 81):
                with socket.create_connection(
                    ("127.0.0.1", pf.local_port(remote)), timeout=10
                ) as c:
                    c.sendall(b"typed")
                    assert c.recv(5) == b"typed"
        with pods.open_port(POD, 81) as t:
            t.sendall(b"x")
            assert t.recv(1) == b"x"


def test_streams_are_for_pods_in_a_namespace(served: Served) -> None:
    with Clientset(load_config(kubeconfig=str(served.kubeconfig))) as cs:
        with pytest.raises(UnsupportedVerb):
            cs.apps_v1().deployments("default").exec("d", ["ls"])
        with pytest.raises(RequestError, match="needs a namespace"):
            cs.core_v1().pods().exec(POD, ["ls"])


def test_async_typed_exec_attach_and_port_forward(served: Served) -> None:
    async def main() -> None:
        async with AsyncClientset(load_config(kubeconfig=str(served.kubeconfig))) as cs:
            pods = cs.core_v1().pods("default")
            result = await pods.exec(POD, ["echo", "async"])
            assert (result.stdout, result.exit_code) == (b"async\n", 0)
            assert (await pods.exec(POD, ["exit", "3"])).exit_code == 3
            async with await pods.exec_stream(POD, ["cat"], stdin=True) as s:
                await s.stdin.write(b"abc")
                await s.stdin.close()
                assert await s.stdout.read() == b"abc"
                assert await s.wait() == 0
            async with await pods.attach(POD) as a:
                async for chunk in a.stdout:
                    assert chunk.startswith(b"line ")
                    break
            async with await pods.port_forward(POD, {0: 80}) as pf:
                reader, writer = await asyncio.open_connection("127.0.0.1", pf.local_port(80))
                writer.write(b"hey")
                await writer.drain()
                assert await reader.readexactly(3) == b"hey"
                writer.close()
                await writer.wait_closed()
            tunnel = await pods.open_port(POD, 80)
            async with tunnel:
                await tunnel.write(b"t")
                assert await tunnel.read(1) == b"t"

    asyncio.run(asyncio.wait_for(main(), 50))


def test_forbidden_is_typed_through_the_clientset() -> None:
    from rawkube.testing import LocalAPIServer

    with LocalAPIServer(controllers=False) as srv:
        srv.add_token("nobody-token", user="nobody", groups=("system:authenticated",))
        cfg = srv.config(user="token")
        cfg.bearer_token = "nobody-token"
        with (
            Clientset(cfg) as cs,
            pytest.raises(Forbidden, match='cannot get resource "pods/exec"'),
        ):
            cs.core_v1().pods("default").exec("p", ["ls"])
