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
    with LocalAPIServer(**kwargs) as server:
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
