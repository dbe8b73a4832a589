"""`rawkube exec`, `rawkube logs [-f]` and `rawkube port-forward` against `rawkube serve
--handlers ...`: kubectl's flags, output and exit codes."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest

from rawkube import Clientset, load_config
from tests.helpers.stream_server import POD, Served, serve

pytestmark = pytest.mark.timeout(90)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serve(tmp_path_factory.mktemp("cli"), pods=(POD, "gone")) as s:
        yield s


def rawkube(
    served: Served, *args: str, stdin: bytes = b"", timeout: float = 30
) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "KUBECONFIG": str(served.kubeconfig)}
    return subprocess.run(
        [sys.executable, "-m", "rawkube", *args],
        input=stdin,
        capture_output=True,
        env=env,
        timeout=timeout,
    )


def popen(served: Served, *args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "KUBECONFIG": str(served.kubeconfig)}
    return subprocess.Popen(
        [sys.executable, "-m", "rawkube", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL, env=env,
    )  # fmt: skip


def test_exec_output_exit_code_and_stdin(served: Served) -> None:
    done = rawkube(served, "exec", POD, "--", "echo", "hi", "-n")
    assert (done.returncode, done.stdout, done.stderr) == (0, b"hi -n\n", b"")
    done = rawkube(served, "exec", POD, "-c", "main", "--", "exit", "3")
    assert (done.returncode, done.stderr) == (
        3,
        b"exiting 3\ncommand terminated with exit code 3\n",
    )
    data = os.urandom(100_000)
    done = rawkube(served, "exec", "-i", POD, "--", "cat", stdin=data)
    assert done.returncode == 0 and done.stdout == data


def test_exec_refusals_are_worded_like_kubectl(served: Served) -> None:
    done = rawkube(served, "exec", "nope", "--", "ls")
    assert (done.returncode, done.stderr) == (
        1,
        b'Error from server (NotFound): pods "nope" not found\n',
    )
    done = rawkube(served, "exec", POD, "-c", "zz", "--", "ls")
    assert (done.returncode, done.stderr) == (
        1,
        f"error: container zz is not valid for pod {POD} out of: main\n".encode(),
    )
    done = rawkube(served, "exec", POD)
    assert done.returncode == 1
    assert done.stderr == b"error: you must specify at least one command for the container\n"
    done = rawkube(served, "exec", "-t", POD, "--", "echo", "x")  # stdin is not a terminal
    assert done.stdout == b"x\n"
    assert (
        done.stderr == b"Unable to use a TTY - input is not a terminal or the right kind of file\n"
    )


def test_logs_and_logs_follow(served: Served) -> None:
    done = rawkube(served, "logs", POD, "--tail", "2")
    assert done.returncode == 0
    lines = done.stdout.decode().splitlines()
    assert len(lines) == 2 and all(re.fullmatch(r"line \d+", line) for line in lines)
    proc = popen(served, "logs", "-f", "gone")
    try:
        assert proc.stdout is not None
        assert re.fullmatch(rb"line \d+\n", proc.stdout.readline())
        with Clientset(load_config(kubeconfig=str(served.kubeconfig))) as cs:
            cs.core_v1().pods("default").delete("gone", grace_period_seconds=0)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
    assert (proc.returncode, err) == (0, b"")


def test_port_forward_forwards_and_reports_like_kubectl(served: Served) -> None:
    proc = popen(served, "port-forward", POD, ":80", ":82")
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline().decode()
        second = proc.stdout.readline().decode()
        match80 = re.fullmatch(r"Forwarding from 127\.0\.0\.1:(\d+) -> 80\n", first)
        match82 = re.fullmatch(r"Forwarding from 127\.0\.0\.1:(\d+) -> 82\n", second)
        assert match80 and match82, (first, second)
        port80, port82 = int(match80.group(1)), int(match82.group(1))
        with socket.create_connection(("127.0.0.1", port80), timeout=10) as s:
            s.sendall(b"echo me")
            assert s.recv(100) == b"echo me"
        assert proc.stdout.readline() == f"Handling connection for {port80}\n".encode()
        with socket.create_connection(("127.0.0.1", port82), timeout=10) as s:
            assert s.recv(1) == b""  # refused by the pod: the connection ends
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
    assert proc.returncode == 1
    assert out == f"Handling connection for {port82}\n".encode()
    assert err.startswith(
        f"an error occurred forwarding {port82} -> 82: error forwarding port 82 to pod ".encode()
    )
    assert err.endswith(b"error: lost connection to pod\n")
