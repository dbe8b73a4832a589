"""Every example in examples/ runs top to bottom against the embedded LocalAPIServer.

The out-of-cluster example runs as a real subprocess with a kubeconfig file (as a user would
run it); the others run in-process (faster) and their printed output is checked.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rawkube.testing import LocalAPIServer

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(scope="module")
def server() -> Iterator[LocalAPIServer]:
    with LocalAPIServer() as srv:
        yield srv


@pytest.fixture
def kubeconfig(server: LocalAPIServer, tmp_path: Path) -> str:
    return server.write_kubeconfig(str(tmp_path / "kubeconfig"))


def run_example(name: str, argv: list[str]) -> int:
    path = EXAMPLES / name / "main.py"
    spec = importlib.util.spec_from_file_location(f"example_{name.replace('-', '_')}", path)
    assert spec is not None and spec.loader is not None
    module: Any = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result: int = module.main(argv)
    return result


def test_examples_directory_has_the_six_examples() -> None:
    names = sorted(p.parent.name for p in EXAMPLES.glob("*/main.py"))
    assert names == [
        "create-update-delete-deployment",
        "custom-resource-definition",
        "dynamic-create-update-delete-deployment",
        "in-cluster-client-configuration",
        "informer",
        "out-of-cluster-client-configuration",
    ]


@pytest.mark.parametrize(
    "name", ["create-update-delete-deployment", "dynamic-create-update-delete-deployment"]
)
def test_create_update_delete_deployment(
    name: str, kubeconfig: str, server: LocalAPIServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_example(name, ["--kubeconfig", kubeconfig]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:4] == [
        "Creating deployment...",
        "Created deployment 'demo-deployment'.",
        "Updating deployment...",
        "Updated deployment...",
    ]
    assert " * demo-deployment (1 replicas)" in out  # the update took effect
    assert out[-1] == "Deleted deployment."
    # The example returns once the Foreground deletion has finished (it used to return while
    # the Deployment was still there, waiting for its dependents).
    from rawkube import Clientset
    from rawkube.errors import NotFound

    with pytest.raises(NotFound):
        Clientset(server.config()).apps_v1().deployments("default").get("demo-deployment")


def test_out_of_cluster_client_configuration_as_a_script(kubeconfig: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
    proc = subprocess.run(
        [
            sys.executable,
            str(EXAMPLES / "out-of-cluster-client-configuration" / "main.py"),
            "--kubeconfig",
            kubeconfig,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("There are ") and lines[0].endswith(" pods in the cluster")
    assert lines[1] == "Pod example-xxxxx in namespace default not found"


def test_in_cluster_client_configuration(
    server: LocalAPIServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # What the kubelet mounts into a pod, in a temporary directory.
    sa = tmp_path / "serviceaccount"
    sa.mkdir()
    (sa / "token").write_text(server.token)
    ca = server.config().ca_data
    assert ca is not None
    (sa / "ca.crt").write_bytes(ca)
    (sa / "namespace").write_text("kube-system")
    import rawkube.config.incluster as incluster

    monkeypatch.setattr(incluster, "SERVICE_ACCOUNT_DIR", str(sa))
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", str(server.port))
    monkeypatch.delenv("POD_NAMESPACE", raising=False)

    assert run_example("in-cluster-client-configuration", []) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("There are ")
    assert lines[1] == "Pod example-xxxxx in namespace kube-system not found"


def test_custom_resource_definition(kubeconfig: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_example("custom-resource-definition", ["--kubeconfig", kubeconfig]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "Creating CustomResourceDefinition widgets.example.com...",
        "CRD is Established.",
        "Kind Widget is served as resource 'widgets' (namespace)",
        "Created widget 'w1' (size 3)",
        "Widget status: Ready",
        "Widgets in 'default': w1",
        "Deleted widget w1.",
        "Deleted CRD widgets.example.com.",
    ]


def test_informer_prints_the_pods_of_a_deployment_as_they_come_and_go(
    kubeconfig: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_example("informer", ["--kubeconfig", kubeconfig, "--timeout", "30"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Cache synced: 0 Pods labelled app=informer-demo."
    assert out[-1] == "Done."
    events = [line.split()[:2] for line in out if line.split()[0] in ("ADD", "UPDATE", "DELETE")]
    pods = {pod for _, pod in events}
    assert len(pods) == 2  # two replicas, each seen from its add to its delete
    for pod in pods:
        kinds = [kind for kind, p in events if p == pod]
        assert kinds[0] == "ADD" and kinds[-1] == "DELETE" and kinds.count("ADD") == 1
        assert "UPDATE" in kinds
    assert any(line.endswith("Pending -> Running") for line in out)
    assert out.index("Scaling to 1 replica...") < out.index("1 Pod left in the cache.")


def test_examples_run_back_to_back_without_colliding(
    kubeconfig: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each example returns only once its objects are gone (issue 16): `create-update-delete`
    printed "Deleted deployment." while the Foreground delete was still in progress, and the
    next example, run at once, failed with AlreadyExists. No waiting between runs here."""
    order = [
        "create-update-delete-deployment",
        "dynamic-create-update-delete-deployment",
        "create-update-delete-deployment",
        "custom-resource-definition",
        "custom-resource-definition",
        "informer",
        "informer",
    ]
    for name in order:
        extra = ["--timeout", "30"] if name == "informer" else []
        assert run_example(name, ["--kubeconfig", kubeconfig, *extra]) == 0, name
        out = capsys.readouterr().out.splitlines()
        assert out[-1] in ("Deleted deployment.", "Deleted CRD widgets.example.com.", "Done.")
