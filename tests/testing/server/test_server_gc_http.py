"""Cascading deletion seen the way a user sees it: through watches on a running LocalAPIServer.

Three watches (deployments, replicasets, pods) run while a Deployment is deleted with each
propagationPolicy. Every event carries the server's one global resourceVersion, so the order of
DELETED events across the three streams is the order the server removed the objects:

- Foreground: pods, then the ReplicaSet, then the Deployment (which waited, with a
  deletionTimestamp and the foregroundDeletion finalizer, as recording 041 shows);
- Background: the Deployment at once (a Status reply, recording 042), its dependents after;
- Orphan: only the Deployment; the ReplicaSet stays, without an ownerReference to it, and its
  Pods keep running.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from rawkube.testing import LocalAPIServer
from rawkube.transport import build_client

Obj = dict[str, Any]
NS = "default"
DEPLOYMENTS = f"/apis/apps/v1/namespaces/{NS}/deployments"
REPLICASETS = f"/apis/apps/v1/namespaces/{NS}/replicasets"
PODS = f"/api/v1/namespaces/{NS}/pods"


@pytest.fixture(scope="module")
def server() -> Iterator[LocalAPIServer]:
    with LocalAPIServer() as srv:
        yield srv


@pytest.fixture
def client(server: LocalAPIServer) -> Iterator[httpx.Client]:
    with build_client(server.config()) as c:
        yield c


def deployment(name: str, replicas: int = 2, image: str = "nginx:1.12") -> Obj:
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


def items(client: httpx.Client, path: str, selector: str | None = None) -> list[Obj]:
    params = {"labelSelector": selector} if selector else {}
    resp = client.get(path, params=params)
    resp.raise_for_status()
    result: list[Obj] = resp.json()["items"]
    return result


def running_pods(client: httpx.Client, app: str) -> list[Obj]:
    return [
        p
        for p in items(client, PODS, f"app={app}")
        if p["status"].get("phase") == "Running" and not p["metadata"].get("deletionTimestamp")
    ]


def start_deployment(client: httpx.Client, name: str, replicas: int = 2) -> Obj:
    resp = client.post(DEPLOYMENTS, json=deployment(name, replicas))
    assert resp.status_code == 201, resp.text
    wait_for(f"{replicas} running pods", lambda: len(running_pods(client, name)) == replicas)
    created: Obj = resp.json()
    return created


class Watcher(threading.Thread):
    """Collects the events of one watch stream (plain httpx streaming, one JSON per line).

    It stops once `until(events)` is true, or when the server ends the stream after
    `timeout` seconds (timeoutSeconds): a blocked read cannot be interrupted from outside.
    """

    def __init__(
        self,
        client: httpx.Client,
        path: str,
        resource_version: str,
        until: Callable[[list[Obj]], bool] | None,
        timeout: int = 10,
    ) -> None:
        super().__init__(daemon=True)
        self.client = client
        self.path = path
        self.until = until
        self.params = {
            "watch": "true",
            "resourceVersion": resource_version,
            "timeoutSeconds": str(timeout),
        }
        self.events: list[Obj] = []
        self.ready = threading.Event()

    def run(self) -> None:
        with self.client.stream("GET", self.path, params=self.params, timeout=20.0) as resp:
            self.ready.set()
            for line in resp.iter_lines():
                if line.strip():
                    self.events.append(json.loads(line))
                if self.until is not None and self.until(self.events):
                    return


def count(type_: str, n: int, prefix: str) -> Callable[[list[Obj]], bool]:
    """A stop condition: `n` events of `type_` about objects named `prefix...` were seen."""

    def enough(events: list[Obj]) -> bool:
        hits = [
            e
            for e in events
            if e["type"] == type_ and e["object"]["metadata"]["name"].startswith(prefix)
        ]
        return len(hits) >= n

    return enough


def deleted(watchers: list[Watcher], name_prefix: str) -> list[tuple[int, str, str]]:
    """(resourceVersion, kind, name) of every DELETED event about our objects, in order."""
    out = []
    for w in watchers:
        for ev in w.events:
            meta = ev["object"]["metadata"]
            if ev["type"] == "DELETED" and meta["name"].startswith(name_prefix):
                out.append(
                    (int(meta["resourceVersion"]), ev["object"].get("kind", ""), meta["name"])
                )
    return sorted(out)


def unowned_replicaset(events: list[Obj]) -> bool:
    return any(
        e["type"] == "MODIFIED" and not e["object"]["metadata"].get("ownerReferences")
        for e in events
    )


def watch_all(
    client: httpx.Client,
    until: tuple[Callable[[list[Obj]], bool] | None, ...],
    timeout: int = 10,
) -> list[Watcher]:
    """Watch deployments, replicasets and pods from the current resourceVersion."""
    rv = client.get(PODS).json()["metadata"]["resourceVersion"]
    watchers = [
        Watcher(client, path, rv, stop, timeout)
        for path, stop in zip((DEPLOYMENTS, REPLICASETS, PODS), until, strict=True)
    ]
    for w in watchers:
        w.start()
    for w in watchers:
        assert w.ready.wait(5), "watch did not start"
    return watchers


def finish(watchers: list[Watcher], timeout: float = 15.0) -> None:
    for w in watchers:
        w.join(timeout)
        assert not w.is_alive(), f"watch on {w.path} did not end"


def gone(client: httpx.Client, path: str) -> bool:
    return client.get(path).status_code == 404


def test_foreground_pods_go_before_the_owner(client: httpx.Client) -> None:
    start_deployment(client, "fg")
    watchers = watch_all(
        client, (count("DELETED", 1, "fg"), count("DELETED", 1, "fg"), count("DELETED", 2, "fg"))
    )
    resp = client.request("DELETE", f"{DEPLOYMENTS}/fg", json={"propagationPolicy": "Foreground"})
    assert resp.status_code == 200
    body = resp.json()
    assert body["kind"] == "Deployment"  # kept, not yet deleted (recording 041)
    assert body["metadata"]["finalizers"] == ["foregroundDeletion"]
    assert body["metadata"]["deletionTimestamp"]
    finish(watchers)
    assert gone(client, f"{DEPLOYMENTS}/fg") and not items(client, PODS, "app=fg")
    order = [kind for _, kind, _ in deleted(watchers, "fg")]
    assert order == ["Pod", "Pod", "ReplicaSet", "Deployment"]
    # Each pod was seen terminating (MODIFIED with a deletionTimestamp) before it was DELETED.
    pod_events = watchers[2].events
    for ev in (e for e in pod_events if e["type"] == "DELETED"):
        uid = ev["object"]["metadata"]["uid"]
        before = pod_events[: pod_events.index(ev)]
        assert any(
            e["type"] == "MODIFIED"
            and e["object"]["metadata"]["uid"] == uid
            and e["object"]["metadata"].get("deletionTimestamp")
            for e in before
        )


def test_background_owner_goes_first_then_pods(client: httpx.Client) -> None:
    start_deployment(client, "bg")
    watchers = watch_all(
        client, (count("DELETED", 1, "bg"), count("DELETED", 1, "bg"), count("DELETED", 2, "bg"))
    )
    resp = client.request("DELETE", f"{DEPLOYMENTS}/bg", json={"propagationPolicy": "Background"})
    assert resp.status_code == 200
    assert resp.json()["kind"] == "Status"  # removed at once (recording 042)
    finish(watchers)
    assert not items(client, PODS, "app=bg") and not items(client, REPLICASETS, "app=bg")
    order = [kind for _, kind, _ in deleted(watchers, "bg")]
    assert order == ["Deployment", "ReplicaSet", "Pod", "Pod"]


def test_orphan_keeps_pods_and_drops_the_owner_reference(client: httpx.Client) -> None:
    d = start_deployment(client, "orphan")
    # The pod watch has no stop condition: it observes for its whole timeout that no pod of
    # the orphaned ReplicaSet is touched.
    watchers = watch_all(
        client, (count("DELETED", 1, "orphan"), unowned_replicaset, None), timeout=2
    )
    resp = client.request("DELETE", f"{DEPLOYMENTS}/orphan", json={"propagationPolicy": "Orphan"})
    assert resp.status_code == 200
    assert resp.json()["metadata"]["finalizers"] == ["orphan"]  # recording 043
    finish(watchers)
    assert gone(client, f"{DEPLOYMENTS}/orphan")
    assert [kind for _, kind, _ in deleted(watchers, "orphan")] == ["Deployment"]
    [rs] = items(client, REPLICASETS, "app=orphan")
    assert all(
        ref["uid"] != d["metadata"]["uid"] for ref in rs["metadata"].get("ownerReferences", [])
    )
    # The ReplicaSet's MODIFIED event without the reference came before the Deployment's DELETED.
    rs_unowned = [
        int(e["object"]["metadata"]["resourceVersion"])
        for e in watchers[1].events
        if e["type"] == "MODIFIED" and not e["object"]["metadata"].get("ownerReferences")
    ]
    [(d_deleted, _, _)] = deleted(watchers, "orphan")
    assert rs_unowned and rs_unowned[0] < d_deleted
    assert not [e for e in watchers[2].events if e["type"] == "DELETED"]
    pods = running_pods(client, "orphan")
    assert len(pods) == 2
    assert {p["metadata"]["ownerReferences"][0]["uid"] for p in pods} == {rs["metadata"]["uid"]}
    client.request("DELETE", f"{REPLICASETS}/{rs['metadata']['name']}")


def test_gc_follows_owner_references_of_any_kind_including_custom_resources(
    client: httpx.Client, server: LocalAPIServer
) -> None:
    """The GC is generic (it walks every stored resource): a ConfigMap owned by a custom
    resource goes when its owner is deleted in the background."""
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "gadgets.example.com"},
        "spec": {
            "group": "example.com",
            "scope": "Namespaced",
            "names": {"plural": "gadgets", "singular": "gadget", "kind": "Gadget"},
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
    crds = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
    assert client.post(crds, json=crd).status_code == 201
    gadgets = f"/apis/example.com/v1/namespaces/{NS}/gadgets"
    wait_for("the CRD to be served", lambda: client.get(gadgets).status_code == 200)
    owner = client.post(
        gadgets, json={"apiVersion": "example.com/v1", "kind": "Gadget", "metadata": {"name": "g1"}}
    )
    assert owner.status_code == 201, owner.text
    ref = {
        "apiVersion": "example.com/v1",
        "kind": "Gadget",
        "name": "g1",
        "uid": owner.json()["metadata"]["uid"],
    }
    configmaps = f"/api/v1/namespaces/{NS}/configmaps"
    cm = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "g1-data", "ownerReferences": [ref]},
    }
    assert client.post(configmaps, json=cm).status_code == 201
    time.sleep(0.3)
    assert client.get(f"{configmaps}/g1-data").status_code == 200  # a live owner keeps it
    assert client.delete(f"{gadgets}/g1").status_code == 200
    wait_for(
        "the dependent ConfigMap to be collected", lambda: gone(client, f"{configmaps}/g1-data")
    )
    client.delete(f"{crds}/gadgets.example.com")
