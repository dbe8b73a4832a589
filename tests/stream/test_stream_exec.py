"""exec and attach with rawkube's own client (rawkube.stream.remotecommand), sync and async,
against `rawkube serve` with the simulated container of tests/helpers/stream_handlers.py."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from rawkube import load_config
from rawkube.errors import BadRequest, ExitCodeError, Forbidden, InternalError, NotFound
from rawkube.stream import channel as ch
from rawkube.stream._io import run_sync
from rawkube.stream.remotecommand import (
    ExecStream,
    aconnect_attach,
    aconnect_exec,
    aexec_command,
    connect_attach,
    connect_exec,
    exec_command,
    session_flow,
)
from rawkube.transport import build_async_client, build_client
from tests.helpers.stream_server import POD, Served, serve

pytestmark = pytest.mark.timeout(60)
MB = 1 << 20


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serve(tmp_path_factory.mktemp("exec")) as s:
        yield s


@pytest.fixture
def client(served: Served) -> Iterator[httpx.Client]:
    with build_client(load_config(kubeconfig=str(served.kubeconfig))) as c:
        yield c


def aclient(served: Served) -> httpx.AsyncClient:
    return build_async_client(load_config(kubeconfig=str(served.kubeconfig)))


# -- exec to the end -----------------------------------------------------------------------------


def test_exec_returns_stdout_stderr_and_exit_code(client: httpx.Client) -> None:
    result = exec_command(client, "default", POD, ["echo", "hello", "world"])
    assert (result.stdout, result.stderr, result.exit_code) == (b"hello world\n", b"", 0)
    result = exec_command(client, "default", POD, ["err", "oops"])
    assert (result.stdout, result.stderr, result.exit_code) == (b"", b"oops\n", 0)


def test_exit_code_3_surfaces_as_3(client: httpx.Client) -> None:
    result = exec_command(client, "default", POD, ["exit", "3"])
    assert result.exit_code == 3
    assert result.stderr == b"exiting 3\n"
    with pytest.raises(ExitCodeError) as err:
        exec_command(client, "default", POD, ["exit", "3"], check=True)
    assert err.value.exit_code == 3 and err.value.stderr == b"exiting 3\n"
    assert str(err.value) == "command terminated with exit code 3"


def test_one_megabyte_of_stdin_comes_back_intact_split_across_frames(client: httpx.Client) -> None:
    data = os.urandom(MB)
    result = exec_command(client, "default", POD, ["cat"], stdin=data)
    assert result.exit_code == 0
    assert result.stdout == data
    # 32 KiB per frame, as client-go copies: the server saw 32 stdin messages
    assert result.stderr == b"32 frames\n"


def test_a_missing_binary_is_exit_code_126(client: httpx.Client) -> None:
    result = exec_command(client, "default", POD, ["bash"])
    assert result.exit_code == 126
    assert result.stderr == (
        b"OCI runtime exec failed: exec failed: unable to start container process: "
        b'exec: "bash": executable file not found in $PATH: unknown\r\n'
    )


def test_a_command_that_cannot_run_is_the_status_error(client: httpx.Client) -> None:
    with pytest.raises(InternalError, match="the runtime fell over"):
        exec_command(client, "default", POD, ["boom"])


def test_refusals_are_typed(client: httpx.Client, served: Served) -> None:
    with pytest.raises(NotFound, match='pods "nope" not found'):
        exec_command(client, "default", "nope", ["ls"])
    with pytest.raises(BadRequest, match=f"container nope is not valid for pod {POD}"):
        exec_command(client, "default", POD, ["ls"], container="nope")


def test_rbac_refusal_on_pods_exec_is_forbidden() -> None:
    """alice may get pods but not create or get pods/exec: the upgrade is refused with 403
    (as kube-apiserver answers it, fixtures/streams/real-apiserver-errors.json)."""
    from rawkube.dynamic import DynamicClient
    from rawkube.schema import GroupVersionResource
    from rawkube.testing import LocalAPIServer

    with LocalAPIServer(controllers=False) as srv:
        srv.add_token("alice-token", user="alice", groups=("system:authenticated",))
        dyn = DynamicClient(srv.config())
        rbac = "rbac.authorization.k8s.io"
        dyn.resource(GroupVersionResource("", "v1", "pods")).namespace("default").create(
            {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
             "spec": {"containers": [{"name": "c", "image": "x"}]}}
        )  # fmt: skip
        dyn.resource(GroupVersionResource(rbac, "v1", "roles")).namespace("default").create(
            {"apiVersion": f"{rbac}/v1", "kind": "Role", "metadata": {"name": "r"},
             "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]}
        )  # fmt: skip
        dyn.resource(GroupVersionResource(rbac, "v1", "rolebindings")).namespace("default").create(
            {"apiVersion": f"{rbac}/v1", "kind": "RoleBinding", "metadata": {"name": "rb"},
             "roleRef": {"apiGroup": rbac, "kind": "Role", "name": "r"},
             "subjects": [{"apiGroup": rbac, "kind": "User", "name": "alice"}]}
        )  # fmt: skip
        cfg = srv.config(user="token")
        cfg.bearer_token = "alice-token"
        with build_client(cfg) as alice, pytest.raises(Forbidden) as err:
            exec_command(alice, "default", "p", ["ls"])
    assert err.value.message == (
        'pods "p" is forbidden: User "alice" cannot get resource "pods/exec" '
        'in API group "" in the namespace "default"'
    )
    assert err.value.code == 403


def test_v4_servers_work_too(client: httpx.Client) -> None:
    stream: ExecStream = run_sync(session_flow(
        client, "default", POD, "exec", ["echo", "v4"], container=None,
        stdin=False, stdout=True, stderr=True, tty=False, protocols=(ch.V4,),
    ))  # fmt: skip
    with stream:
        assert stream.protocol == ch.V4
        assert stream.stdout.read() == b"v4\n"
        assert stream.wait() == 0


# -- the streaming form ------------------------------------------------------------------------


def test_streaming_stdin_stdout_stderr_and_wait(client: httpx.Client) -> None:
    with connect_exec(client, "default", POD, ["cat"], stdin=True) as s:
        s.stdin.write(b"first ")
        s.stdin.write("second")
        s.stdin.close()
        assert s.stdout.read() == b"first second"
        assert list(s.stderr) == [b"2 frames\n"]
        assert s.wait() == 0
        assert s.wait() == 0  # known once finished


def test_stdout_and_stderr_read_from_two_threads(client: httpx.Client) -> None:
    data = os.urandom(300_000)
    with connect_exec(client, "default", POD, ["cat"], stdin=True) as s:
        got: dict[str, bytes] = {}
        readers = [
            threading.Thread(target=lambda: got.__setitem__("out", s.stdout.read())),
            threading.Thread(target=lambda: got.__setitem__("err", s.stderr.read())),
        ]
        for t in readers:
            t.start()
        s.stdin.write(data)
        s.stdin.close()
        for t in readers:
            t.join(30)
        assert got == {"out": data, "err": b"10 frames\n"}
        assert s.wait() == 0


def test_resize_reaches_the_handler(client: httpx.Client) -> None:
    with connect_exec(client, "default", POD, ["resize-echo"], stdin=True, tty=True) as s:
        s.resize(100, 30)
        s.resize(120, 40)
        seen = b""
        for chunk in s.stdout:
            seen += chunk
            if b"120x40" in seen:
                break
        s.stdin.close()
        assert s.wait() == 0
    assert seen == b"100x30\n120x40\n"


def test_cancel_from_another_thread_ends_a_blocked_read(client: httpx.Client) -> None:
    s = connect_exec(client, "default", POD, ["sleep"])
    timer = threading.Timer(0.3, s.cancel)
    timer.start()
    start = time.monotonic()
    assert list(s.stdout) == []  # the cut connection ends the output
    assert time.monotonic() - start < 20
    s.close()
    timer.join()


def test_attach_streams_the_simulated_log(client: httpx.Client) -> None:
    with connect_attach(client, "default", POD) as s:
        first = next(iter(s.stdout))
        assert first.startswith(b"line ")


# -- async -------------------------------------------------------------------------------------


def test_async_exec(served: Served) -> None:
    async def main() -> None:
        async with aclient(served) as c:
            data = os.urandom(MB)
            result = await aexec_command(c, "default", POD, ["cat"], stdin=data)
            assert result.stdout == data and result.stderr == b"32 frames\n"
            assert (await aexec_command(c, "default", POD, ["exit", "3"])).exit_code == 3
            with pytest.raises(NotFound):
                await aexec_command(c, "default", "nope", ["ls"])

            async with await aconnect_exec(
                c, "default", POD, ["resize-echo"], stdin=True, tty=True
            ) as s:
                await s.resize(90, 20)
                seen = b""
                async for chunk in s.stdout:
                    seen += chunk
                    if b"\n" in seen:
                        break
                await s.stdin.close()
                assert await s.wait() == 0
                assert seen == b"90x20\n"

            async with await aconnect_exec(c, "default", POD, ["cat"], stdin=True) as s:
                await s.stdin.write(b"abc")
                await s.stdin.close()
                assert await s.stdout.read() == b"abc"
                assert await s.wait() == 0

            async with await aconnect_attach(c, "default", POD) as s:
                async for chunk in s.stdout:
                    assert chunk.startswith(b"line ")
                    break

    asyncio.run(asyncio.wait_for(main(), 50))


def test_async_cancellation_closes_the_stream(served: Served) -> None:
    async def main() -> None:
        async with aclient(served) as c:
            s = await aconnect_exec(c, "default", POD, ["sleep"])
            task = asyncio.ensure_future(s.stdout.read())
            await asyncio.sleep(0.2)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            await s.close()

    asyncio.run(asyncio.wait_for(main(), 30))
