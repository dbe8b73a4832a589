"""`rawkube serve --handlers tests.helpers.stream_handlers:configure` in a subprocess, with a
Running pod: the server of the stream acceptance tests. Another process, so that counting this
process's file descriptors and threads sees the client's alone."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
HANDLERS = "tests.helpers.stream_handlers:configure"
POD = "sim"


@dataclass
class Served:
    kubeconfig: Path
    namespace: str = "default"
    pod: str = POD


def pod_manifest(name: str = POD) -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"app": "sim"}},
        "spec": {"containers": [{"name": "main", "image": "simulated"}]},
    }


def wait_running(kubeconfig: Path, name: str = POD, timeout: float = 20.0) -> None:
    from rawkube import Clientset, load_config

    with Clientset(load_config(kubeconfig=str(kubeconfig))) as cs:
        pods = cs.core_v1().pods("default")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if pods.get(name).status.phase == "Running":
                return
            time.sleep(0.05)
    raise TimeoutError(f"pod {name} is not Running after {timeout}s")


@contextmanager
def serve(tmp: Path, *, pods: tuple[str, ...] = (POD,)) -> Iterator[Served]:
    """Start the server, create `pods` and wait until they run; stop it at the end."""
    from rawkube import Clientset, load_config

    kubeconfig = tmp / "kubeconfig"
    log = open(tmp / "serve.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "rawkube",
            "serve",
            "--handlers",
            HANDLERS,
            "--kubeconfig-out",
            str(kubeconfig),
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        deadline = time.monotonic() + 30
        while not kubeconfig.exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"rawkube serve did not start: {(tmp / 'serve.log').read_text()}"
                )
            time.sleep(0.05)
        with Clientset(load_config(kubeconfig=str(kubeconfig))) as cs:
            for name in pods:
                cs.core_v1().pods("default").create(pod_manifest(name))
        for name in pods:
            wait_running(kubeconfig, name)
        yield Served(kubeconfig)
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        log.close()
