"""Simulated containers for the stream tests: exec, attach and port-forward handlers.

    rawkube serve --handlers tests.helpers.stream_handlers:configure

`configure(server)` registers them on a LocalAPIServer (in this process or in `rawkube serve`).
The "container" knows a few commands (anything else is missing, exit 126 as runc says):

    echo ARGS...        ARGS on stdout
    cat                 stdin to stdout, piece by piece; at the end "N frames" on stderr
    err TEXT            TEXT on stderr
    exit N              "exiting N" on stderr, exit code N
    tty-info            with a TTY: the first terminal size, then echoes one typed line
    resize-echo         prints each terminal size it is told, until stdin closes
    sleep               waits until the client goes away
    boom                raises (the command "fails to run": an InternalError status)
    test -d PATH        0 if PATH is a directory of the in-memory filesystem, else 1
    tar cf - PATH       a tar of PATH from the in-memory filesystem (kubectl cp from a pod)
    tar -xmf - [-C D]   unpacks stdin into the in-memory filesystem (kubectl cp to a pod)

Port 80 and 81 reach an echo server; other ports are refused. The simulated log gains a
line every 0.2 s (so attach and `logs -f` show new output quickly).
"""

from __future__ import annotations

import io
import socket
import tarfile
import threading
import time
from datetime import datetime, timezone
from typing import Any

from rawkube.testing.server.streams import ExecSession

ECHO_PORTS = (80, 81)
FILES: dict[str, bytes] = {"/etc/hostname": b"simulated\n", "/data/a.txt": b"alpha\n"}
DIRS = {"/", "/etc", "/data", "/tmp"}
RESIZES: list[tuple[int, int]] = []
LOG_INTERVAL = 0.2


def exec_stream_handler(session: ExecSession) -> int:
    cmd = session.command
    name = cmd[0] if cmd else ""
    if name == "echo":
        session.stdout.write(" ".join(cmd[1:]) + "\n")
        return 0
    if name == "cat":
        assert session.stdin is not None
        while True:
            piece = session.stdin.read(65536)
            if not piece:
                session.stderr.write(f"{session.stdin_frames} frames\n")
                return 0
            session.stdout.write(piece)
    if name == "err":
        session.stderr.write(" ".join(cmd[1:]) + "\n")
        return 0
    if name == "exit":
        session.stderr.write(f"exiting {cmd[1]}\n")
        return int(cmd[1])
    if name == "tty-info":
        size = session.next_resize(timeout=10)
        session.stdout.write(f"size {size[0]}x{size[1]}\r\n" if size else "no size\r\n")
        line = b""
        assert session.stdin is not None
        while not line.endswith((b"\r", b"\n")):
            piece = session.stdin.read(1)
            if not piece:
                break
            line += piece
        session.stdout.write(b"got: " + line.strip() + b"\r\n")
        return 0
    if name == "resize-echo":
        while not session.closed.is_set():
            size = session.next_resize(timeout=0.1)
            if size is not None:
                RESIZES.append(size)
                session.stdout.write(f"{size[0]}x{size[1]}\n")
            if session.stdin is not None and session.stdin.ended:
                return 0
        return 0
    if name == "sleep":
        session.closed.wait(60)
        return 0
    if name == "boom":
        raise RuntimeError("the runtime fell over")
    if name == "test" and cmd[1:2] == ["-d"]:
        return 0 if cmd[2].rstrip("/") in DIRS or cmd[2] == "/" else 1
    if name == "tar":
        return _tar(session, cmd[1:])
    session.stderr.write(
        "OCI runtime exec failed: exec failed: unable to start container process: "
        f'exec: "{name}": executable file not found in $PATH: unknown\r\n'
    )
    return 126


def _tar(session: ExecSession, args: list[str]) -> int:
    if args[:2] == ["cf", "-"]:
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            for path in args[2:]:
                if path not in FILES:
                    session.stderr.write(f"tar: {path.lstrip('/')}: Cannot stat: No such file\n")
                    return 2
                info = tarfile.TarInfo(path.lstrip("/"))
                info.size = len(FILES[path])
                tar.addfile(info, io.BytesIO(FILES[path]))
        session.stdout.write(buf.getvalue())
        return 0
    if "-xmf" in args or "xmf" in args:
        assert session.stdin is not None
        target = args[args.index("-C") + 1] if "-C" in args else "/"
        data = session.stdin.read_all()
        with tarfile.open(fileobj=io.BytesIO(data), mode="r") as tar:
            for member in tar.getmembers():
                if member.isfile():
                    extracted = tar.extractfile(member)
                    assert extracted is not None
                    FILES["/" + "/".join(p for p in (target.strip("/"), member.name) if p)] = (
                        extracted.read()
                    )
        return 0
    session.stderr.write("tar: unsupported\n")
    return 2


def attach_handler(session: ExecSession) -> int | None:
    """The default attach (the simulated log) is used; this one only exists to be swapped in
    by tests that want stdin echoed."""
    assert session.stdin is not None
    for piece in iter(lambda: session.stdin.read(4096) if session.stdin else b"", b""):
        session.stdout.write(b"attached: " + piece)
    return 0


def log_lines(pod: dict[str, Any], container: str | None = None) -> list[str]:
    """A log that gains a line every LOG_INTERVAL seconds after the pod started."""
    status = pod.get("status") or {}
    if status.get("phase") != "Running":
        return []
    started = status.get("startTime")
    start = (
        datetime.strptime(started, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp()
        if started
        else time.time()
    )
    count = max(1, int((time.time() - start) / LOG_INTERVAL))
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f000Z")
    return [f"{stamp} line {i}" for i in range(1, min(count, 5000) + 1)]


_echo: tuple[str, int] | None = None
_echo_lock = threading.Lock()


def echo_address() -> tuple[str, int]:
    """An echo server on 127.0.0.1 (one per process, daemon threads)."""
    global _echo
    with _echo_lock:
        if _echo is None:
            listener = socket.create_server(("127.0.0.1", 0))

            def serve(conn: socket.socket) -> None:
                with conn:
                    while True:
                        data = conn.recv(65536)
                        if not data:
                            return
                        conn.sendall(data)

            def accept() -> None:
                while True:
                    conn, _ = listener.accept()
                    threading.Thread(target=serve, args=(conn,), daemon=True).start()

            threading.Thread(target=accept, daemon=True).start()
            _echo = listener.getsockname()[:2]
        return _echo


def port_forward_handler(pod: dict[str, Any], port: int) -> tuple[str, int] | None:
    return echo_address() if port in ECHO_PORTS else None


def configure(server: Any) -> None:
    server.exec_stream_handler = exec_stream_handler
    server.port_forward_handler = port_forward_handler
    server.api.log_lines = log_lines
