"""`rawkube serve`: run the embedded local API server until interrupted."""

from __future__ import annotations

import argparse
import os
import signal
import threading
from typing import Any


def run_serve(args: argparse.Namespace) -> int:
    from rawkube.testing import LocalAPIServer

    kwargs: dict[str, Any] = {"port": args.port}
    if args.data_dir:
        kwargs["data_dir"] = args.data_dir
    if args.http:
        kwargs["tls"] = False
    stop = threading.Event()
    configure = _load_handlers(args.handlers) if getattr(args, "handlers", None) else None
    with LocalAPIServer(**kwargs) as server:
        if configure is not None:
            configure(server)
        cfg = server.config()
        print(f"rawkube local API server listening on {cfg.host}", flush=True)
        if args.kubeconfig_out:
            path = os.path.abspath(args.kubeconfig_out)
            try:
                # overwrite=False: no check-then-write race, and a dangling symlink at `path`
                # is refused too (os.path.exists says False for it).
                server.write_kubeconfig(path, overwrite=False)
            except FileExistsError:
                print(f"error: {path} exists; refusing to overwrite it", flush=True)
                return 1
            print(f"kubeconfig written to {path}: kubectl --kubeconfig {path} get pods", flush=True)
        if args.data_dir:
            print(f"state is kept in {os.path.abspath(args.data_dir)}", flush=True)
        print("press Ctrl-C to stop", flush=True)
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
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
