"""Garbage collection and namespace deletion, driven tick by tick against a bare Store.

Each propagation policy is observed through the store's event stream (what a watch serves):
the order of DELETED events is the contract (pkg/controller/garbagecollector/garbagecollector.go
attemptToDeleteItem / processDeletingDependentsItem / attemptToOrphanWorker).
"""

from __future__ import annotations

from typing import Any

import pytest

from rawkube.testing.server.controller_manager import ControllerManager
from rawkube.testing.server.controllers import (
    DEPLOYMENTS,
    NAMESPACES,
    PODS,
    REPLICASETS,
)
from rawkube.testing.server.gc import GarbageCollector
from rawkube.testing.server.store import Event, ResourceKey, Store, Subscription
from tests.testing.server.test_server_controllers import FakeClock, deployment, items, settle

Obj = dict[str, Any]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store() -> Store:
    s = Store()
    s.create(NAMESPACES, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}})
    return s


@pytest.fixture
def manager(store: Store, clock: FakeClock) -> ControllerManager:
    return ControllerManager(store, pod_start_seconds=1.0, pod_stop_seconds=1.0, clock=clock)


def running_deployment(
    store: Store, manager: ControllerManager, clock: FakeClock, replicas: int = 2
) -> None:
    store.create(DEPLOYMENTS, deployment(replicas=replicas))
    settle(manager, clock)
    assert len(items(store, PODS)) == replicas


def drain(sub: Subscription) -> list[Event]:
    events = []
    while (ev := sub.get(timeout=0)) is not None:
        events.append(ev)
    return events


def deleted_order(events: list[Event]) -> list[str]:
    return [ev.key.resource for ev in events if ev.type == "DELETED"]


def test_foreground_removes_pods_and_replicaset_before_the_deployment(
    store: Store, manager: ControllerManager, clock: FakeClock
) -> None:
    running_deployment(store, manager, clock)
    sub = store.watch(None)
    obj, removed = store.delete(DEPLOYMENTS, "default", "web", propagation_policy="Foreground")
    assert not removed and obj["metadata"]["finalizers"] == ["foregroundDeletion"]
    manager.sync()
    # The deployment waits: its RS is deleting in the foreground too, its pods terminate.
    d = store.must_get(DEPLOYMENTS, "default", "web")
    [rs] = items(store, REPLICASETS)
    assert d["metadata"]["deletionTimestamp"]
    assert rs["metadata"]["deletionTimestamp"] and rs["metadata"]["finalizers"] == [
        "foregroundDeletion"
    ]
    assert all(p["metadata"]["deletionTimestamp"] for p in items(store, PODS))
    settle(manager, clock)
    events = drain(sub)
    sub.close()
    assert deleted_order(events) == ["pods", "pods", "replicasets", "deployments"]
    assert items(store, DEPLOYMENTS) == items(store, REPLICASETS) == items(store, PODS) == []
    # The pods were seen terminating (MODIFIED with deletionTimestamp) before DELETED.
    for ev in (e for e in events if e.type == "DELETED" and e.key.resource == "pods"):
        uid = ev.object["metadata"]["uid"]
        earlier = [
            e
            for e in events[: events.index(ev)]
            if e.key.resource == "pods" and e.object["metadata"]["uid"] == uid
        ]
        assert any(
            e.type == "MODIFIED" and e.object["metadata"].get("deletionTimestamp") for e in earlier
        )


def test_background_removes_the_deployment_first_then_its_dependents(
    store: Store, manager: ControllerManager, clock: FakeClock
) -> None:
    running_deployment(store, manager, clock)
    sub = store.watch(None)
    _, removed = store.delete(DEPLOYMENTS, "default", "web", propagation_policy="Background")
    assert removed
    settle(manager, clock)
    events = drain(sub)
    sub.close()
    assert deleted_order(events) == ["deployments", "replicasets", "pods", "pods"]
    assert items(store, REPLICASETS) == items(store, PODS) == []


def test_orphan_keeps_dependents_without_the_owner_reference(
    store: Store, manager: ControllerManager, clock: FakeClock
) -> None:
    running_deployment(store, manager, clock)
    d_uid = store.must_get(DEPLOYMENTS, "default", "web")["metadata"]["uid"]
    sub = store.watch(None)
    obj, removed = store.delete(DEPLOYMENTS, "default", "web", propagation_policy="Orphan")
    assert not removed and obj["metadata"]["finalizers"] == ["orphan"]
    settle(manager, clock)
    events = drain(sub)
    sub.close()
    assert deleted_order(events) == ["deployments"]
    [rs] = items(store, REPLICASETS)
    assert "ownerReferences" not in rs["metadata"]
    assert all(ref["uid"] != d_uid for ref in rs["metadata"].get("ownerReferences", []))
    # The ReplicaSet was orphaned (MODIFIED) before the deployment went.
    rs_modified = [
        i for i, e in enumerate(events) if e.key.resource == "replicasets" and e.type == "MODIFIED"
    ]
    d_deleted = [
        i for i, e in enumerate(events) if e.key.resource == "deployments" and e.type == "DELETED"
    ]
    assert rs_modified and rs_modified[0] < d_deleted[0]
    pods = items(store, PODS)
    assert len(pods) == 2 and all(p["status"]["phase"] == "Running" for p in pods)
    assert all(p["metadata"]["ownerReferences"][0]["uid"] == rs["metadata"]["uid"] for p in pods)


def test_orphaned_replicaset_is_adopted_by_a_new_deployment(
    store: Store, manager: ControllerManager, clock: FakeClock
) -> None:
    running_deployment(store, manager, clock)
    store.delete(DEPLOYMENTS, "default", "web", propagation_policy="Orphan")
    settle(manager, clock)
    [rs] = items(store, REPLICASETS)
    d = store.create(DEPLOYMENTS, deployment(replicas=2))
    settle(manager, clock)
    [again] = items(store, REPLICASETS)
    assert again["metadata"]["uid"] == rs["metadata"]["uid"]
    assert again["metadata"]["ownerReferences"][0]["uid"] == d["metadata"]["uid"]
    assert len(items(store, PODS)) == 2


def test_gc_deletes_objects_whose_owner_never_existed_and_keeps_ones_with_a_live_owner(
    store: Store,
) -> None:
    cm = {"apiVersion": "v1", "kind": "ConfigMap"}
    owner = store.create(
        ResourceKey("", "configmaps"), {**cm, "metadata": {"name": "owner", "namespace": "default"}}
    )
    ref = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "name": "owner",
        "uid": owner["metadata"]["uid"],
    }
    gone = {"apiVersion": "v1", "kind": "ConfigMap", "name": "ghost", "uid": "no-such-uid"}
    key = ResourceKey("", "configmaps")
    store.create(
        key, {**cm, "metadata": {"name": "kept", "namespace": "default", "ownerReferences": [ref]}}
    )
    store.create(
        key,
        {
            **cm,
            "metadata": {"name": "mixed", "namespace": "default", "ownerReferences": [ref, gone]},
        },
    )
    store.create(
        key,
        {**cm, "metadata": {"name": "dangling", "namespace": "default", "ownerReferences": [gone]}},
    )
    gc = GarbageCollector(store)
    while gc.tick():
        pass
    names = {o["metadata"]["name"] for o in items(store, key)}
    assert names == {"owner", "kept", "mixed"}
    # A dangling reference next to a live owner is dropped, the object kept.
    assert store.must_get(key, "default", "mixed")["metadata"]["ownerReferences"] == [ref]


def test_foreground_does_not_wait_for_non_blocking_dependents(store: Store) -> None:
    key = ResourceKey("", "configmaps")
    owner = store.create(key, {"metadata": {"name": "owner", "namespace": "default"}})
    ref = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "name": "owner",
        "uid": owner["metadata"]["uid"],
        "blockOwnerDeletion": False,
    }
    store.create(
        key, {"metadata": {"name": "dep", "namespace": "default", "ownerReferences": [ref]}}
    )
    sub = store.watch(None)
    store.delete(key, "default", "owner", propagation_policy="Foreground")
    gc = GarbageCollector(store)
    while gc.tick():
        pass
    events = drain(sub)
    sub.close()
    deleted = [e.object["metadata"]["name"] for e in events if e.type == "DELETED"]
    assert sorted(deleted) == ["dep", "owner"]
    assert items(store, key) == []


def test_namespace_deletion_removes_contents_then_the_namespace(
    store: Store, manager: ControllerManager, clock: FakeClock
) -> None:
    store.create(NAMESPACES, {"metadata": {"name": "demo"}, "spec": {"finalizers": ["kubernetes"]}})
    d = deployment(replicas=2)
    d["metadata"]["namespace"] = "demo"
    store.create(DEPLOYMENTS, d)
    store.create(ResourceKey("", "configmaps"), {"metadata": {"name": "cfg", "namespace": "demo"}})
    settle(manager, clock)
    assert len(items(store, PODS, "demo")) == 2
    sub = store.watch(None)
    ns, removed = store.delete(NAMESPACES, "", "demo")
    assert not removed
    assert ns["status"]["phase"] == "Terminating" and ns["metadata"]["deletionTimestamp"]
    assert ns["spec"]["finalizers"] == ["kubernetes"]
    manager.sync()
    ns = store.must_get(NAMESPACES, "", "demo")
    conditions = {c["type"]: c for c in ns["status"]["conditions"]}
    assert conditions["NamespaceContentRemaining"]["status"] == "True"
    assert "pods has 2 resource instances" in conditions["NamespaceContentRemaining"]["message"]
    settle(manager, clock)
    events = drain(sub)
    sub.close()
    assert store.get(NAMESPACES, "", "demo") is None
    assert events[-1].type == "DELETED" and events[-1].key == NAMESPACES
    resources = store.keys()
    for key in resources:
        assert items(store, key, "demo") == []
    # Nothing new was created in the terminating namespace (no pod re-created by an RS).
    added = [e for e in events if e.type == "ADDED"]
    assert added == []
    # Another namespace is untouched.
    assert store.get(NAMESPACES, "", "default") is not None
