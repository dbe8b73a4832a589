"""The workload controllers seen through a running LocalAPIServer, as a client sees them.

What the official Python client's e2e suite waits for (a DaemonSet's
status.currentNumberScheduled, a ReplicationController's status.replicas), a CronJob fired by
moving the server's clock (`LocalAPIServer.clock`), a Job run to completion by the simulated
kubelet, a Service's EndpointSlice and Endpoints, and the controllers' Events read through
both core/v1 and events.k8s.io/v1 (one storage).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from rawkube.testing import LocalAPIServer
from rawkube.transport import build_client

Obj = dict[str, Any]
NS = "/api/v1/namespaces/default"
APPS = "/apis/apps/v1/namespaces/default"
BATCH = "/apis/batch/v1/namespaces/default"


@pytest.fixture(scope="module")
def server() -> Iterator[LocalAPIServer]:
    with LocalAPIServer() as srv:
        yield srv


@pytest.fixture
def client(server: LocalAPIServer) -> Iterator[httpx.Client]:
    with build_client(server.config()) as c:
        yield c


def wait_for(what: str, check: Callable[[], Any], timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


def get(client: httpx.Client, path: str, **params: str) -> Obj:
    resp = client.get(path, params=params)
    resp.raise_for_status()
    result: Obj = resp.json()
    return result


def post(client: httpx.Client, path: str, body: Obj) -> Obj:
    resp = client.post(path, json=body)
    assert resp.status_code == 201, resp.text
    result: Obj = resp.json()
    return result


def template(app: str, **spec: Any) -> Obj:
    return {
        "metadata": {"labels": {"app": app}},
        "spec": {"containers": [{"name": "c", "image": "busybox:1.36"}], **spec},
    }


def reasons(client: httpx.Client, kind: str, name: str) -> set[tuple[str, str]]:
    selector = f"involvedObject.kind={kind},involvedObject.name={name}"
    core = get(client, f"{NS}/events", fieldSelector=selector)["items"]
    return {(e["reason"], e["message"]) for e in core}


def test_daemonset_status_counts_the_simulated_node(client: httpx.Client) -> None:
    post(
        client,
        f"{APPS}/daemonsets",
        {
            "apiVersion": "apps/v1",
            "kind": "DaemonSet",
            "metadata": {"name": "ds"},
            "spec": {"selector": {"matchLabels": {"app": "ds"}}, "template": template("ds")},
        },
    )

    def ready() -> Obj | None:
        status: Obj = get(client, f"{APPS}/daemonsets/ds").get("status") or {}
        return status if status.get("numberReady") == 1 else None

    status = wait_for("the DaemonSet's Pod to be ready", ready)
    assert status["currentNumberScheduled"] == 1
    assert status["desiredNumberScheduled"] == 1
    assert status["numberAvailable"] == 1
    assert status["updatedNumberScheduled"] == 1
    assert status["numberMisscheduled"] == 0
    [pod] = get(client, f"{NS}/pods", labelSelector="app=ds")["items"]
    assert pod["spec"]["nodeName"] == "rawkube-node"
    assert pod["metadata"]["labels"]["controller-revision-hash"]
    assert ("SuccessfulCreate", f"Created pod: {pod['metadata']['name']}") in reasons(
        client, "DaemonSet", "ds"
    )


def test_replication_controller_status_and_service_endpoints(client: httpx.Client) -> None:
    post(
        client,
        f"{NS}/replicationcontrollers",
        {
            "apiVersion": "v1",
            "kind": "ReplicationController",
            "metadata": {"name": "rc"},
            "spec": {"replicas": 2, "selector": {"app": "rc"}, "template": template("rc")},
        },
    )
    post(
        client,
        f"{NS}/services",
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "rc"},
            "spec": {"selector": {"app": "rc"}, "ports": [{"port": 80, "targetPort": 8080}]},
        },
    )

    def replicas_ready() -> bool:
        status = get(client, f"{NS}/replicationcontrollers/rc").get("status") or {}
        return status.get("replicas") == 2 and status.get("readyReplicas") == 2

    wait_for("the RC's replicas", replicas_ready)

    def endpoints() -> list[Obj] | None:
        slices = get(
            client,
            "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices",
            labelSelector="kubernetes.io/service-name=rc",
        )["items"]
        ready = [
            e for s in slices for e in s.get("endpoints") or [] if e["conditions"].get("ready")
        ]
        return ready if len(ready) == 2 else None

    ready = wait_for("two ready endpoints", endpoints)
    pods = get(client, f"{NS}/pods", labelSelector="app=rc")["items"]
    assert {e["addresses"][0] for e in ready} == {p["status"]["podIP"] for p in pods}
    subsets = get(client, f"{NS}/endpoints/rc")["subsets"]
    assert {a["ip"] for a in subsets[0]["addresses"]} == {p["status"]["podIP"] for p in pods}
    assert subsets[0]["ports"] == [{"port": 8080, "protocol": "TCP"}]


def test_cronjob_fires_when_the_server_clock_moves(
    server: LocalAPIServer, client: httpx.Client
) -> None:
    post(
        client,
        f"{BATCH}/cronjobs",
        {
            "apiVersion": "batch/v1",
            "kind": "CronJob",
            "metadata": {"name": "hourly"},
            "spec": {
                "schedule": "@hourly",
                "jobTemplate": {"spec": {"template": template("hourly", restartPolicy="Never")}},
            },
        },
    )
    time.sleep(0.3)
    assert get(client, f"{BATCH}/jobs", labelSelector="app=hourly")["items"] == []
    server.clock.advance(3600)

    def job() -> Obj | None:
        jobs = get(client, f"{BATCH}/jobs")["items"]
        mine = [j for j in jobs if j["metadata"]["name"].startswith("hourly-")]
        return mine[0] if mine else None

    created = job()
    created = created or wait_for("the CronJob's Job", job)
    name = created["metadata"]["name"]
    assert created["metadata"]["ownerReferences"][0]["name"] == "hourly"

    def complete() -> Obj | None:
        status: Obj = get(client, f"{BATCH}/jobs/{name}").get("status") or {}
        conditions = {c["type"] for c in status.get("conditions") or []}
        return status if "Complete" in conditions else None

    status = wait_for("the Job to complete", complete)
    assert status["succeeded"] == 1
    assert status["completionTime"]
    assert ("Completed", "Job completed") in reasons(client, "Job", name)
    cron = wait_for(
        "the CronJob to see its Job succeed",
        lambda: (get(client, f"{BATCH}/cronjobs/hourly").get("status") or {}).get(
            "lastSuccessfulTime"
        ),
    )
    assert cron
    # The CronJob's events, through events.k8s.io/v1 (the same storage as core/v1 Events).
    v1 = get(
        client,
        "/apis/events.k8s.io/v1/namespaces/default/events",
        fieldSelector="regarding.kind=CronJob,regarding.name=hourly",
    )["items"]
    assert ("SuccessfulCreate", f"Created job {name}") in {(e["reason"], e["note"]) for e in v1}
    assert all(e["reportingController"] == "cronjob-controller" for e in v1)
