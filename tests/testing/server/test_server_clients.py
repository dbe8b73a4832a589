"""rawkube's own clients against LocalAPIServer: the seed's walkthrough, both credentials.

The seed (client-go's create-update-delete-deployment example): create a Deployment, see its
Pods appear, update it under RetryOnConflict, list, delete with a propagation policy and see the
Pods go. Every watch here is bounded by timeout_seconds.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from rawkube import Clientset, DynamicClient, GroupVersionResource
from rawkube.errors import Unauthorized
from rawkube.models.apps_v1 import Deployment, DeploymentSpec
from rawkube.models.core_v1 import Container, ContainerPort, PodSpec, PodTemplateSpec
from rawkube.models.meta_v1 import LabelSelector, ObjectMeta
from rawkube.retry import DEFAULT_RETRY, Backoff, retry_on_conflict
from rawkube.testing import LocalAPIServer

# DEFAULT_RETRY (5 steps) is tuned for a few writers; 20 writers on one object need more tries.
PATIENT_RETRY = Backoff(duration=0.01, factor=1.0, jitter=0.5, steps=60)


@pytest.fixture(scope="module")
def server() -> Iterator[LocalAPIServer]:
    with LocalAPIServer() as srv:
        yield srv


def _deployment(name: str) -> Deployment:
    return Deployment(
        metadata=ObjectMeta(name=name),
        spec=DeploymentSpec(
            replicas=2,
            selector=LabelSelector(match_labels={"app": name}),
            template=PodTemplateSpec(
                metadata=ObjectMeta(labels={"app": name}),
                spec=PodSpec(
                    containers=[
                        Container(
                            name="web", image="nginx:1.12", ports=[ContainerPort(container_port=80)]
                        )
                    ]
                ),
            ),
        ),
    )


@pytest.mark.parametrize("user", ["cert", "token"])
def test_seed_walkthrough_with_typed_client(server: LocalAPIServer, user: str) -> None:
    cs = Clientset(server.config(user=user))
    name = f"seed-{user}"
    deployments = cs.apps_v1().deployments("default")
    pods = cs.core_v1().pods("default")
    start = pods.list(label_selector=f"app={name}").metadata.resource_version

    created = deployments.create(_deployment(name))
    assert created.metadata.uid and created.metadata.generation == 1

    # Each watch is closed by its `with` block: a watch left to the garbage collector may close
    # its response in the middle of another request on the same client (httpcore's pool lock).
    running: set[str] = set()
    with pods.watch(label_selector=f"app={name}", resource_version=start, timeout_seconds=10) as w:
        for ev in w:
            if ev.type in ("ADDED", "MODIFIED") and ev.object.status.phase == "Running":
                running.add(ev.object.metadata.name)
            if len(running) == 2:
                break
    assert len(running) == 2

    def scale_down_and_upgrade() -> None:
        current = deployments.get(name)
        current.spec.replicas = 1
        current.spec.template.spec.containers[0].image = "nginx:1.13"
        deployments.update(current)

    retry_on_conflict(DEFAULT_RETRY, scale_down_and_upgrade)
    assert deployments.get(name).spec.template.spec.containers[0].image == "nginx:1.13"
    assert name in [d.metadata.name for d in deployments.list().items]

    listed = pods.list(label_selector=f"app={name}")
    before_delete = listed.metadata.resource_version
    deployments.delete(name, propagation_policy="Foreground")
    # Read the watch until every Pod there was (or that appeared since) has its DELETED event:
    # a Pod list that is already empty says nothing about the events still to be read.
    alive = {p.metadata.name for p in listed.items}
    pod_deleted_at: list[int] = []
    with pods.watch(
        label_selector=f"app={name}", resource_version=before_delete, timeout_seconds=10
    ) as w:
        for ev in w:
            if ev.type == "ADDED":
                alive.add(ev.object.metadata.name)
            elif ev.type == "DELETED":
                alive.discard(ev.object.metadata.name)
                pod_deleted_at.append(int(ev.object.metadata.resource_version))
            if pod_deleted_at and not alive:
                break
    assert pod_deleted_at and not alive
    owner_deleted_at = None
    with deployments.watch(
        field_selector=f"metadata.name={name}", resource_version=before_delete, timeout_seconds=10
    ) as w:
        for ev in w:
            if ev.type == "DELETED":
                owner_deleted_at = int(ev.object.metadata.resource_version)
                break
    # Foreground: the Deployment goes only after its Pods (resourceVersions order all writes).
    assert owner_deleted_at is not None and owner_deleted_at > max(pod_deleted_at)


def test_dynamic_client_round_trip(server: LocalAPIServer) -> None:
    dyn = DynamicClient(server.config(user="token"))
    res = dyn.resource(GroupVersionResource("", "v1", "configmaps")).namespace("default")
    created = res.create(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "dyn"}, "data": {"a": "1"}}
    )
    created["data"]["a"] = "2"
    updated = res.update(created)
    assert updated["data"] == {"a": "2"}
    assert "dyn" in [o["metadata"]["name"] for o in res.list()["items"]]
    res.delete("dyn")
    assert "dyn" not in [o["metadata"]["name"] for o in res.list()["items"]]


def test_wrong_token_raises_unauthorized(server: LocalAPIServer) -> None:
    cfg = server.config(user="token")
    cfg.bearer_token = "not-the-token"
    with pytest.raises(Unauthorized):
        Clientset(cfg).core_v1().namespaces().list()


def test_twenty_threads_retry_on_conflict_lose_no_increment(server: LocalAPIServer) -> None:
    cs = Clientset(server.config())
    configmaps = cs.core_v1().config_maps("default")
    from rawkube.models.core_v1 import ConfigMap

    configmaps.create(ConfigMap(metadata=ObjectMeta(name="counter", annotations={"count": "0"})))
    errors: list[BaseException] = []

    def increment() -> None:
        def attempt() -> None:
            cm = configmaps.get("counter")
            annotations: dict[str, Any] = dict(cm.metadata.annotations or {})
            annotations["count"] = str(int(annotations.get("count", "0")) + 1)
            cm.metadata.annotations = annotations
            configmaps.update(cm)

        try:
            retry_on_conflict(PATIENT_RETRY, attempt)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=increment) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert configmaps.get("counter").metadata.annotations["count"] == "20"


def test_pod_log_and_follow(server: LocalAPIServer) -> None:
    import ssl
    import time

    import httpx

    assert server.ca_pem is not None
    client = httpx.Client(
        base_url=server.url,
        verify=ssl.create_default_context(cadata=server.ca_pem.decode()),
        headers={"Authorization": f"Bearer {server.token}"},
        timeout=10,
    )
    pods = "/api/v1/namespaces/default/pods"
    with client:
        client.post(
            pods,
            json={
                "metadata": {"name": "talker"},
                "spec": {"containers": [{"name": "c", "image": "busybox:1"}]},
            },
        )
        deadline = time.monotonic() + 10
        while client.get(f"{pods}/talker").json()["status"].get("phase") != "Running":
            assert time.monotonic() < deadline, "pod never ran"
            time.sleep(0.1)
        plain = client.get(f"{pods}/talker/log")
        assert plain.status_code == 200 and plain.headers["content-type"].startswith("text/plain")
        lines = plain.text.splitlines()
        assert lines and "talker" in plain.text
        stamped = client.get(f"{pods}/talker/log", params={"timestamps": "true", "tailLines": "1"})
        assert len(stamped.text.splitlines()) == 1 and stamped.text[:4].isdigit()
        with client.stream("GET", f"{pods}/talker/log", params={"follow": "true"}) as follow:
            assert follow.status_code == 200
            assert follow.headers.get("transfer-encoding") == "chunked"
            first = next(follow.iter_lines())
            assert first == lines[0]
