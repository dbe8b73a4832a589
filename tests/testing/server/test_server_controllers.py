"""The LocalAPIServer's controllers, driven tick by tick against a bare Store (no HTTP).

A fake clock makes the Pod life cycle (Pending -> Running, terminating -> gone) deterministic;
`ControllerManager.sync()` runs ticks until nothing changes.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from rawkube.testing.server.controller_manager import ControllerManager
from rawkube.testing.server.controllers import (
    DEPLOYMENTS,
    NAMESPACES,
    NODE_NAME,
    POD_TEMPLATE_HASH,
    PODS,
    REPLICASETS,
    REVISION_ANNOTATION,
    SAFE_ALPHABET,
    pod_log_lines,
    pod_template_hash,
    surge_and_unavailable,
)
from rawkube.testing.server.store import Store

Obj = dict[str, Any]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def deployment(name: str = "web", replicas: int = 3, image: str = "nginx:1.12", **spec: Any) -> Obj:
    body: Obj = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "default", "labels": {"app": name}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "web", "image": image}]},
            },
        },
    }
    body["spec"].update(spec)
    return body


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


def settle(manager: ControllerManager, clock: FakeClock, rounds: int = 20) -> None:
    """Let the pretend cluster reach its steady state, advancing the fake clock as needed."""
    for _ in range(rounds):
        manager.sync()
        clock.advance(1.0)
    manager.sync()


def items(store: Store, key: Any, namespace: str = "default") -> list[Obj]:
    return store.list(key, namespace)[0]


def active_pods(store: Store) -> list[Obj]:
    return [p for p in items(store, PODS) if not p["metadata"].get("deletionTimestamp")]


# --- Deployment -> ReplicaSet -> Pods ---------------------------------------------------------


def test_deployment_creates_replicaset_named_by_template_hash(
    store: Store, manager: ControllerManager
) -> None:
    d = store.create(DEPLOYMENTS, deployment())
    manager.sync()
    [rs] = items(store, REPLICASETS)
    h = rs["metadata"]["labels"][POD_TEMPLATE_HASH]
    assert rs["metadata"]["name"] == f"web-{h}"
    assert h == pod_template_hash(d["spec"]["template"])
    assert set(h) <= set(SAFE_ALPHABET)
    assert rs["spec"]["selector"]["matchLabels"] == {"app": "web", POD_TEMPLATE_HASH: h}
    assert rs["spec"]["template"]["metadata"]["labels"][POD_TEMPLATE_HASH] == h
    assert rs["metadata"]["ownerReferences"] == [
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": "web",
            "uid": d["metadata"]["uid"],
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]
    assert rs["metadata"]["annotations"][REVISION_ANNOTATION] == "1"
    assert store.must_get(DEPLOYMENTS, "default", "web")["metadata"]["annotations"] == {
        REVISION_ANNOTATION: "1"
    }


def test_pods_are_created_pending_then_run(
    store: Store, manager: ControllerManager, clock: FakeClock
) -> None:
    store.create(DEPLOYMENTS, deployment(replicas=3))
    manager.sync()
    [rs] = items(store, REPLICASETS)
    pods = items(store, PODS)
    assert len(pods) == 3
    for pod in pods:
        assert re.fullmatch(
            re.escape(rs["metadata"]["name"]) + f"-[{SAFE_ALPHABET}]{{5}}", pod["metadata"]["name"]
        )
        assert pod["metadata"]["ownerReferences"][0]["uid"] == rs["metadata"]["uid"]
        assert pod["metadata"]["ownerReferences"][0]["kind"] == "ReplicaSet"
        assert (
            pod["metadata"]["labels"][POD_TEMPLATE_HASH]
            == rs["metadata"]["labels"][POD_TEMPLATE_HASH]
        )
        assert pod["spec"]["nodeName"] == NODE_NAME
        assert pod["status"]["phase"] == "Pending"
        assert pod["status"]["containerStatuses"][0]["state"] == {
            "waiting": {"reason": "ContainerCreating"}
        }
    clock.advance(1.0)
    manager.sync()
    for pod in items(store, PODS):
        status = pod["status"]
        assert status["phase"] == "Running"
        assert re.fullmatch(r"10\.244\.\d+\.\d+", status["podIP"])
        assert {c["type"]: c["status"] for c in status["conditions"]}["Ready"] == "True"
        [cs] = status["containerStatuses"]
        assert cs["ready"] is True and "running" in cs["state"] and cs["image"] == "nginx:1.12"


def test_deployment_and_replicaset_status(
    store: Store, manager: ControllerManager, clock: FakeClock
) -> None:
    store.create(DEPLOYMENTS, deployment(replicas=2))
    manager.sync()
    d = store.must_get(DEPLOYMENTS, "default", "web")
    assert d["status"]["replicas"] == 2 and "availableReplicas" not in d["status"]
    assert d["status"]["unavailableReplicas"] == 2
    conditions = {c["type"]: c for c in d["status"]["conditions"]}
    assert conditions["Available"]["status"] == "False"
    assert conditions["Available"]["reason"] == "MinimumReplicasUnavailable"
    settle(manager, clock)
    d = store.must_get(DEPLOYMENTS, "default", "web")
    [rs] = items(store, REPLICASETS)
    assert rs["status"] == {
        "replicas": 2,
        "fullyLabeledReplicas": 2,
        "readyReplicas": 2,
        "availableReplicas": 2,
        "terminatingReplicas": 0,
        "observedGeneration": 1,
    }
    status = d["status"]
    assert status["observedGeneration"] == d["metadata"]["generation"]
    for field in ("replicas", "updatedReplicas", "readyReplicas", "availableReplicas"):
        assert status[field] == 2, field
    assert "unavailableReplicas" not in status and status["terminatingReplicas"] == 0
    conditions = {c["type"]: c for c in status["conditions"]}
    assert (conditions["Available"]["status"], conditions["Available"]["reason"]) == (
        "True",
        "MinimumReplicasAvailable",
    )
    assert (conditions["Progressing"]["status"], conditions["Progressing"]["reason"]) == (
        "True",
        "NewReplicaSetAvailable",
    )
    assert (
        conditions["Progressing"]["message"]
        == f'ReplicaSet "{rs["metadata"]["name"]}" has successfully progressed.'
    )


def test_scaling_up_and_down(store: Store, manager: ControllerManager, clock: FakeClock) -> None:
    store.create(DEPLOYMENTS, deployment(replicas=2))
    settle(manager, clock)
    store.mutate(DEPLOYMENTS, "default", "web", lambda d: d["spec"].update(replicas=5))
    settle(manager, clock)
    assert len(items(store, PODS)) == 5
    assert store.must_get(DEPLOYMENTS, "default", "web")["status"]["availableReplicas"] == 5
    store.mutate(DEPLOYMENTS, "default", "web", lambda d: d["spec"].update(replicas=1))
    manager.sync()
    # Surplus pods terminate first (deletionTimestamp set) ...
    assert len(active_pods(store)) == 1
    assert len(items(store, PODS)) == 5
    settle(manager, clock)
    # ... and are gone once the kubelet stopped them.
    assert len(items(store, PODS)) == 1
    [rs] = items(store, REPLICASETS)
    assert rs["spec"]["replicas"] == 1 and rs["status"]["replicas"] == 1


def test_deleted_pod_is_replaced(
    store: Store, manager: ControllerManager, clock: FakeClock
) -> None:
    store.create(DEPLOYMENTS, deployment(replicas=2))
    settle(manager, clock)
    victim = items(store, PODS)[0]
    store.delete(PODS, "default", victim["metadata"]["name"], grace_period_seconds=0)
    settle(manager, clock)
    names = [p["metadata"]["name"] for p in items(store, PODS)]
    assert len(names) == 2 and victim["metadata"]["name"] not in names
    assert all(p["status"]["phase"] == "Running" for p in items(store, PODS))


def test_rolling_update_respects_surge_and_unavailability(
    store: Store, manager: ControllerManager, clock: FakeClock
) -> None:
    store.create(DEPLOYMENTS, deployment(replicas=4))
    settle(manager, clock)
    [old_rs] = items(store, REPLICASETS)
    d = store.mutate(
        DEPLOYMENTS,
        "default",
        "web",
        lambda o: o["spec"]["template"]["spec"]["containers"][0].update(image="nginx:1.13"),
    )
    surge, unavailable = surge_and_unavailable(d)
    assert (surge, unavailable) == (1, 1)  # 25% of 4, rounded up and down
    for _ in range(60):  # one controller step at a time, checking the rollout's invariants
        manager.tick()
        clock.advance(0.5)
        pods = active_pods(store)
        assert len(pods) <= 4 + surge
        running = [p for p in pods if p["status"].get("phase") == "Running"]
        assert len(running) >= 4 - unavailable
    settle(manager, clock)
    rss = {rs["metadata"]["name"]: rs for rs in items(store, REPLICASETS)}
    assert len(rss) == 2
    new_rs = next(rs for name, rs in rss.items() if name != old_rs["metadata"]["name"])
    assert rss[old_rs["metadata"]["name"]]["spec"]["replicas"] == 0
    assert new_rs["spec"]["replicas"] == 4
    assert new_rs["metadata"]["annotations"][REVISION_ANNOTATION] == "2"
    d = store.must_get(DEPLOYMENTS, "default", "web")
    assert d["metadata"]["annotations"][REVISION_ANNOTATION] == "2"
    assert d["status"]["updatedReplicas"] == 4 and d["status"]["availableReplicas"] == 4
    pods = items(store, PODS)
    assert len(pods) == 4
    assert {p["spec"]["containers"][0]["image"] for p in pods} == {"nginx:1.13"}
    assert {p["metadata"]["ownerReferences"][0]["uid"] for p in pods} == {new_rs["metadata"]["uid"]}


def test_rollback_to_an_old_template_reuses_its_replicaset(
    store: Store, manager: ControllerManager, clock: FakeClock
) -> None:
    store.create(DEPLOYMENTS, deployment(replicas=2))
    settle(manager, clock)
    [first] = items(store, REPLICASETS)

    def set_image(image: str) -> None:
        store.mutate(
            DEPLOYMENTS,
            "default",
            "web",
            lambda o: o["spec"]["template"]["spec"]["containers"][0].update(image=image),
        )
        settle(manager, clock)

    set_image("nginx:1.13")
    set_image("nginx:1.12")
    rss = {rs["metadata"]["name"]: rs for rs in items(store, REPLICASETS)}
    assert len(rss) == 2
    assert rss[first["metadata"]["name"]]["spec"]["replicas"] == 2
    assert rss[first["metadata"]["name"]]["metadata"]["annotations"][REVISION_ANNOTATION] == "3"
    d = store.must_get(DEPLOYMENTS, "default", "web")
    assert d["metadata"]["annotations"][REVISION_ANNOTATION] == "3"


def test_recreate_strategy_stops_old_pods_before_starting_new(
    store: Store, manager: ControllerManager, clock: FakeClock
) -> None:
    store.create(DEPLOYMENTS, deployment(replicas=2, strategy={"type": "Recreate"}))
    settle(manager, clock)
    store.mutate(
        DEPLOYMENTS,
        "default",
        "web",
        lambda o: o["spec"]["template"]["spec"]["containers"][0].update(image="nginx:1.13"),
    )
    for _ in range(40):
        manager.tick()
        clock.advance(0.5)
        images = {p["spec"]["containers"][0]["image"] for p in items(store, PODS)}
        assert len(images) <= 1, "old and new pods never run side by side"
    settle(manager, clock)
    pods = items(store, PODS)
    assert len(pods) == 2 and {p["spec"]["containers"][0]["image"] for p in pods} == {"nginx:1.13"}


def test_revision_history_limit_deletes_old_replicasets(
    store: Store, manager: ControllerManager, clock: FakeClock
) -> None:
    store.create(DEPLOYMENTS, deployment(replicas=1, revisionHistoryLimit=1))
    for tag in ("1", "2", "3", "4"):
        store.mutate(
            DEPLOYMENTS,
            "default",
            "web",
            lambda o, tag=tag: o["spec"]["template"]["spec"]["containers"][0].update(
                image="nginx:" + tag
            ),
        )
        settle(manager, clock)
    revisions = sorted(
        int(rs["metadata"]["annotations"][REVISION_ANNOTATION]) for rs in items(store, REPLICASETS)
    )
    # Four templates made revisions 1..4 (the first image was replaced before any sync);
    # only the current one and revisionHistoryLimit=1 old one remain.
    assert revisions == [3, 4]


def test_replicaset_adopts_matching_orphan_pod(
    store: Store, manager: ControllerManager, clock: FakeClock
) -> None:
    store.create(DEPLOYMENTS, deployment(replicas=2))
    settle(manager, clock)
    [rs] = items(store, REPLICASETS)
    labels = dict(rs["spec"]["template"]["metadata"]["labels"])
    store.create(
        PODS,
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "stray", "namespace": "default", "labels": labels},
            "spec": {"containers": [{"name": "web", "image": "nginx:1.12"}]},
        },
    )
    settle(manager, clock)
    pods = items(store, PODS)
    assert len(pods) == 2  # adopted, then one surplus pod scaled away
    assert all(p["metadata"]["ownerReferences"][0]["uid"] == rs["metadata"]["uid"] for p in pods)


def test_paused_deployment_is_not_rolled(
    store: Store, manager: ControllerManager, clock: FakeClock
) -> None:
    store.create(DEPLOYMENTS, deployment(replicas=1, paused=True))
    settle(manager, clock)
    assert items(store, REPLICASETS) == []
    progressing = {
        c["type"]: c for c in store.must_get(DEPLOYMENTS, "default", "web")["status"]["conditions"]
    }["Progressing"]
    assert (progressing["status"], progressing["reason"]) == ("Unknown", "DeploymentPaused")


def test_pause_scale_change_resume(
    store: Store, manager: ControllerManager, clock: FakeClock
) -> None:
    """kubectl rollout pause; set image; scale; rollout resume."""
    store.create(DEPLOYMENTS, deployment(replicas=2))
    settle(manager, clock)
    [first] = items(store, REPLICASETS)

    def change(o: Obj) -> None:
        o["spec"]["paused"] = True
        o["spec"]["replicas"] = 3

    store.mutate(DEPLOYMENTS, "default", "web", change)
    settle(manager, clock)
    assert len(items(store, PODS)) == 3  # scaling works while paused
    store.mutate(
        DEPLOYMENTS,
        "default",
        "web",
        lambda o: o["spec"]["template"]["spec"]["containers"][0].update(image="nginx:1.13"),
    )
    settle(manager, clock)
    assert [rs["metadata"]["uid"] for rs in items(store, REPLICASETS)] == [first["metadata"]["uid"]]
    store.mutate(DEPLOYMENTS, "default", "web", lambda o: o["spec"].update(paused=False))
    manager.sync()
    progressing = {
        c["type"]: c for c in store.must_get(DEPLOYMENTS, "default", "web")["status"]["conditions"]
    }["Progressing"]
    assert progressing["reason"] in (
        "DeploymentResumed",
        "ReplicaSetUpdated",
        "NewReplicaSetCreated",
    )
    settle(manager, clock)
    pods = items(store, PODS)
    assert len(pods) == 3 and {p["spec"]["containers"][0]["image"] for p in pods} == {"nginx:1.13"}
    d = store.must_get(DEPLOYMENTS, "default", "web")
    progressing = {c["type"]: c for c in d["status"]["conditions"]}["Progressing"]
    assert (progressing["status"], progressing["reason"]) == ("True", "NewReplicaSetAvailable")


# --- pods/log ----------------------------------------------------------------------------------


def test_pod_log_lines_grow_with_time_and_are_empty_before_running(
    store: Store, manager: ControllerManager, clock: FakeClock
) -> None:
    store.create(DEPLOYMENTS, deployment(replicas=1))
    manager.sync()
    [pod] = items(store, PODS)
    assert pod_log_lines(pod) == []  # Pending: nothing logged yet (cf. recording 058)
    settle(manager, clock, rounds=2)
    [pod] = items(store, PODS)
    started = datetime.strptime(pod["status"]["startTime"], "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=timezone.utc
    )
    first = pod_log_lines(pod, now=started)
    later = pod_log_lines(pod, "web", now=started + timedelta(seconds=12))
    assert len(first) == 2 and later[:2] == first and len(later) == 4
    assert all(re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z ", line) for line in later)
    assert "nginx:1.12" in first[0] and pod["metadata"]["name"] in first[0]
    assert pod_log_lines(pod, "no-such-container") == []


# --- the background thread ---------------------------------------------------------------------


def test_background_loop_runs_pods_within_a_second_and_stops(store: Store) -> None:
    manager = ControllerManager(store, pod_start_seconds=0.2, pod_stop_seconds=0.2).start()
    try:
        store.create(DEPLOYMENTS, deployment(replicas=2))
        deadline = time.monotonic() + 5.0
        started = time.monotonic()
        while time.monotonic() < deadline:
            pods = items(store, PODS)
            if len(pods) == 2 and all(p["status"].get("phase") == "Running" for p in pods):
                break
            time.sleep(0.02)
        else:
            pytest.fail("pods did not become Running")
        assert time.monotonic() - started < 1.5
        # Once settled the loop sleeps: it wakes on store events and a 1 s period, not in a spin.
        time.sleep(0.3)
        before = manager.ticks
        time.sleep(1.0)
        assert manager.ticks - before <= 2
    finally:
        t0 = time.monotonic()
        manager.stop()
        assert time.monotonic() - t0 < 1.0
    assert not manager.running and manager.errors == 0


def test_sync_raises_when_controllers_never_settle(store: Store) -> None:
    manager = ControllerManager(store)

    class Restless:
        def tick(self) -> int:
            return 1

    manager.controllers.append(("restless", Restless()))
    with pytest.raises(RuntimeError, match="did not settle"):
        manager.sync(max_ticks=5)


def test_terminating_pod_with_a_finalizer_waits_for_it_without_spinning(
    store: Store, manager: ControllerManager, clock: FakeClock
) -> None:
    store.create(
        PODS,
        {
            "metadata": {
                "name": "held",
                "namespace": "default",
                "finalizers": ["example.com/hold"],
            },
            "spec": {"containers": [{"name": "c", "image": "busybox"}]},
        },
    )
    settle(manager, clock)
    obj, removed = store.delete(PODS, "default", "held")
    assert not removed and obj["metadata"]["deletionGracePeriodSeconds"] == 30
    settle(manager, clock)  # sync() would raise if the kubelet kept "writing" the same delete
    pod = store.must_get(PODS, "default", "held")
    assert (
        pod["metadata"]["deletionTimestamp"] and pod["metadata"]["deletionGracePeriodSeconds"] == 0
    )
    store.mutate(PODS, "default", "held", lambda p: p["metadata"].pop("finalizers"))
    assert store.get(PODS, "default", "held") is None


def test_scale_down_removes_pending_pods_before_running_ones(
    store: Store, manager: ControllerManager, clock: FakeClock
) -> None:
    store.create(DEPLOYMENTS, deployment(replicas=3))
    settle(manager, clock)
    running = {p["metadata"]["name"] for p in items(store, PODS)}
    store.mutate(DEPLOYMENTS, "default", "web", lambda d: d["spec"].update(replicas=4))
    manager.sync()  # the fourth pod exists but is still Pending (start takes 1 s on the clock)
    [pending] = [p for p in items(store, PODS) if p["metadata"]["name"] not in running]
    assert pending["status"]["phase"] == "Pending"
    store.mutate(DEPLOYMENTS, "default", "web", lambda d: d["spec"].update(replicas=3))
    settle(manager, clock)
    assert {p["metadata"]["name"] for p in items(store, PODS)} == running


def test_a_replicaset_on_its_own_runs_its_pods(
    store: Store, manager: ControllerManager, clock: FakeClock
) -> None:
    # Stored without apiVersion/kind (storage is versionless): the ownerReference still names it.
    store.create(
        REPLICASETS,
        {
            "metadata": {"name": "solo", "namespace": "default"},
            "spec": {
                "replicas": 2,
                "selector": {
                    "matchExpressions": [{"key": "app", "operator": "In", "values": ["solo"]}]
                },
                "template": {
                    "metadata": {"labels": {"app": "solo"}},
                    "spec": {"containers": [{"name": "c", "image": "busybox"}]},
                },
            },
        },
    )
    settle(manager, clock)
    pods = items(store, PODS)
    assert len(pods) == 2 and all(p["status"]["phase"] == "Running" for p in pods)
    ref = pods[0]["metadata"]["ownerReferences"][0]
    assert (ref["apiVersion"], ref["kind"], ref["name"]) == ("apps/v1", "ReplicaSet", "solo")
    assert pods[0]["spec"]["restartPolicy"] == "Always"  # defaulted like an API-created Pod


def test_deployment_with_zero_replicas_has_an_empty_replicaset(
    store: Store, manager: ControllerManager, clock: FakeClock
) -> None:
    store.create(DEPLOYMENTS, deployment(replicas=0))
    settle(manager, clock)
    [rs] = items(store, REPLICASETS)
    assert rs["spec"]["replicas"] == 0 and rs["status"]["replicas"] == 0
    assert items(store, PODS) == []
    d = store.must_get(DEPLOYMENTS, "default", "web")
    conditions = {c["type"]: c["status"] for c in d["status"]["conditions"]}
    assert conditions == {"Available": "True", "Progressing": "True"}


def test_relabelled_pod_is_released_and_replaced(
    store: Store, manager: ControllerManager, clock: FakeClock
) -> None:
    store.create(DEPLOYMENTS, deployment(replicas=2))
    settle(manager, clock)
    [rs] = items(store, REPLICASETS)
    victim = items(store, PODS)[0]["metadata"]["name"]
    # The classic debugging move: take a pod out of its ReplicaSet by changing its labels.
    store.mutate(PODS, "default", victim, lambda p: p["metadata"]["labels"].update(app="debug"))
    settle(manager, clock)
    released = store.must_get(PODS, "default", victim)
    assert "ownerReferences" not in released["metadata"]
    assert released["status"]["phase"] == "Running"  # still running, just not managed
    owned = [
        p
        for p in items(store, PODS)
        if (p["metadata"].get("ownerReferences") or [{}])[0].get("uid") == rs["metadata"]["uid"]
    ]
    assert len(owned) == 2 and victim not in {p["metadata"]["name"] for p in owned}


def test_graceful_pod_deletion_in_the_store(store: Store, manager: ControllerManager) -> None:
    """The store behaviour the kubelet relies on (store.py `_pod_grace_period`, added for the
    controllers): k8s.io/apiserver/pkg/registry/rest/delete.go BeforeDelete may only shorten."""
    pod = {
        "metadata": {"name": "p", "namespace": "default"},
        "spec": {"containers": [{"name": "c"}]},
    }
    store.create(PODS, pod)
    _, removed = store.delete(PODS, "default", "p")
    assert removed  # never bound to a node: nothing to wait for
    store.create(PODS, pod)
    manager.sync()  # bound by the kubelet
    first, removed = store.delete(PODS, "default", "p")
    assert not removed and first["metadata"]["deletionGracePeriodSeconds"] == 30
    again, _ = store.delete(PODS, "default", "p")
    assert again["metadata"]["deletionTimestamp"] == first["metadata"]["deletionTimestamp"]
    assert again["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"]
    shorter, _ = store.delete(PODS, "default", "p", grace_period_seconds=5)
    assert shorter["metadata"]["deletionGracePeriodSeconds"] == 5
    # A status update during the grace period does not finish the deletion ...
    store.mutate(PODS, "default", "p", lambda p: p["status"].update(reason="Stopping"))
    assert store.get(PODS, "default", "p") is not None
    # ... a delete with grace 0 (what the kubelet sends) does.
    _, removed = store.delete(PODS, "default", "p", grace_period_seconds=0)
    assert removed and store.get(PODS, "default", "p") is None
