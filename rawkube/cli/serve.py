"""`rawkube serve`: run the embedded local API server until interrupted.

`--kubeconfig-out PATH` writes a kubeconfig for the server. Its first line marks it as written
by `rawkube serve` and carries the SHA-256 of the rest, so the next run recognises a file it
wrote itself and still unchanged, and replaces it (a new server has a new port and CA). Anything
else at PATH (a user's kubeconfig, one edited since, a symlink, a directory) is never replaced.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import stat
import tempfile
from typing import Any

_MARK = "# written by `rawkube serve`, which replaces this file while it is unchanged (sha256 {})\n"
_MARK_RE = re.compile(
    rb"# written by `rawkube serve`, which replaces this file while it is unchanged "
    rb"\(sha256 ([0-9a-f]{64})\)"
)


HELP = "run the embedded local API server until interrupted"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: random)")
    p.add_argument("--kubeconfig-out", help="write a kubeconfig for the server to this path")
    p.add_argument("--data-dir", help="keep the server's state in this directory")
    p.add_argument("--http", action="store_true", help="serve plain HTTP instead of HTTPS")
    p.add_argument(
        "--handlers",
        metavar="MODULE:FUNCTION",
        help="call FUNCTION(server) (from a module, or a file.py) before serving, e.g. to set "
        "exec_handler / port_forward_handler for the simulated containers",
    )


def run(args: argparse.Namespace) -> int:
    return run_serve(args)


def run_serve(args: argparse.Namespace) -> int:
    from rawkube.cli.common import Termination
    from rawkube.testing import LocalAPIServer

    kwargs: dict[str, Any] = {"port": args.port}
    if args.data_dir:
        kwargs["data_dir"] = args.data_dir
    if args.http:
        kwargs["tls"] = False
    configure = _load_handlers(args.handlers) if getattr(args, "handlers", None) else None
    with LocalAPIServer(**kwargs) as server:
        if configure is not None:
            configure(server)
        cfg = server.config()
        print(f"rawkube local API server listening on {cfg.host}", flush=True)
        if args.kubeconfig_out:
            path = os.path.abspath(args.kubeconfig_out)
            try:
                write_kubeconfig(server.kubeconfig(), path)
            except FileExistsError:
                print(
                    f"error: {path} exists and is not a kubeconfig this command wrote; "
                    "refusing to overwrite it",
                    flush=True,
                )
                return 1
            print(f"kubeconfig written to {path}: kubectl --kubeconfig {path} get pods", flush=True)
        if args.data_dir:
            print(f"state is kept in {os.path.abspath(args.data_dir)}", flush=True)
        termination = Termination()  # before saying we are ready
        print("press Ctrl-C to stop", flush=True)
        termination.wait()
    print("stopped", flush=True)
    return 0


def _load_handlers(spec: str) -> Any:
    """MODULE:FUNCTION or path/to/file.py:FUNCTION -> the function (a ConfigError otherwise)."""
    import importlib
    import importlib.util

    from rawkube.errors import ConfigError

    target, sep, attr = spec.rpartition(":")
    if not sep or not target or not attr:
        raise ConfigError(f"--handlers wants MODULE:FUNCTION, got {spec!r}")
    try:
        if target.endswith(".py"):
            loader_spec = importlib.util.spec_from_file_location("rawkube_serve_handlers", target)
            if loader_spec is None or loader_spec.loader is None:
                raise ImportError(target)
            module = importlib.util.module_from_spec(loader_spec)
            loader_spec.loader.exec_module(module)
        else:
            module = importlib.import_module(target)
        return getattr(module, attr)
    except (ImportError, AttributeError, OSError) as err:
        raise ConfigError(f"--handlers {spec}: {err}") from None


def write_kubeconfig(doc: dict[str, Any], path: str) -> None:
    """Write `doc` to `path` (mode 0600, atomically) with the marker line.

    Replaces only a file `written_by_serve`; anything else at `path` raises FileExistsError
    (a hard link to the finished file fails on any existing name, dangling symlinks included).
    """
    import yaml

    body = yaml.safe_dump(doc, sort_keys=False)
    text = _MARK.format(hashlib.sha256(body.encode()).hexdigest()) + body
    directory = os.path.dirname(path)
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".kubeconfig-")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.chmod(tmp, 0o600)
        if written_by_serve(path):
            os.replace(tmp, path)
            return
        os.link(tmp, path)
    finally:
        if os.path.lexists(tmp):
            os.unlink(tmp)


def written_by_serve(path: str) -> bool:
    """True for a regular file of ours (not a symlink) whose marker's digest matches its rest."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return False
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode) or st.st_uid != os.getuid() or st.st_size > 1 << 20:
            return False
        data = fh.read()
    first, _, rest = data.partition(b"\n")
    match = _MARK_RE.fullmatch(first)
    return match is not None and hashlib.sha256(rest).hexdigest().encode() == match.group(1)
