"""Job, CronJob, StatefulSet, DaemonSet, ReplicationController, endpoints and Events, driven tick
by tick against a bare Store (controllers_workloads.py, events.py).

The differential scenarios (tests/differential/controllers.yaml, events.yaml) compare what the
real server does without nodes; these tests cover what needs the simulated node and kubelet:
Pods that run, finish and fail, the order a StatefulSet keeps, a DaemonSet's Pod on the node,
endpoints of ready Pods, the kubelet's and the scheduler's events, and a CronJob's schedule on
a clock the test moves (pkg/controller/{job,cronjob,statefulset,daemon,replication,
endpointslice,endpoint}, pkg/kubelet events).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from rawkube.testing.server.controller_manager import ControllerManager
from rawkube.testing.server.controllers import NAMESPACES, NODE_NAME, PODS
from rawkube.testing.server.controllers_workloads import (
    CRONJOBS,
    DAEMONSETS,
    ENDPOINTS,
    ENDPOINTSLICES,
    JOBS,
    PVCS,
    REPLICATIONCONTROLLERS,
    SERVICES,
    STATEFULSETS,
    CronSchedule,
    SimulatedClock,
)
from rawkube.testing.server.events import EVENTS, EventRecorder
from rawkube.testing.server.store import ResourceKey, Store
from tests.testing.server.test_server_controllers import FakeClock

Obj = dict[str, Any]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def wall() -> SimulatedClock:
    return SimulatedClock()


@pytest.fixture
def store() -> Store:
    s = Store()
    s.create(NAMESPACES, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}})
    return s


@pytest.fixture
def manager(store: Store, clock: FakeClock, wall: SimulatedClock) -> ControllerManager:
    return ControllerManager(
        store,
        pod_start_seconds=1.0,
        pod_stop_seconds=1.0,
        clock=clock,
        wall_clock=wall,
        pod_run_seconds=2.0,
    )


def settle(
    manager: ControllerManager, clock: FakeClock, wall: SimulatedClock, rounds: int = 12
) -> None:
    for _ in range(rounds):
        manager.sync()
        clock.advance(1.0)
        wall.advance(1.0)
    manager.sync()


def items(store: Store, key: Any, namespace: str = "default") -> list[Obj]:
    return store.list(key, namespace)[0]


def events_of(store: Store, kind: str) -> list[tuple[str, str]]:
    return [
        (e["reason"], e["message"])
        for e in items(store, EVENTS)
        if e["involvedObject"].get("kind") == kind
    ]


def template(**spec: Any) -> Obj:
    return {
        "metadata": {"labels": {"app": "w"}},
        "spec": {"containers": [{"name": "c", "image": "busybox"}], **spec},
    }


# -- Job ------------------------------------------------------------------------------------------


def job(name: str = "j", **spec: Any) -> Obj:
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"template": template(restartPolicy="Never"), **spec},
    }


def create(store: Store, key: ResourceKey, obj: Obj) -> Obj:
    from rawkube.testing.server.furniture import system_create

    created = system_create(store, key.group, "v1", key.resource, obj, "test")
    assert created is not None
    return created


def test_job_runs_its_pods_to_completion(
    store: Store, manager: ControllerManager, clock: FakeClock, wall: SimulatedClock
) -> None:
    create(store, JOBS, job(completions=2, parallelism=1))
    manager.sync()
    pods = items(store, PODS)
    assert len(pods) == 1
    pod = pods[0]
    assert pod["metadata"]["generateName"] == "j-"
    assert pod["metadata"]["finalizers"] == ["batch.kubernetes.io/job-tracking"]
    assert pod["metadata"]["labels"]["job-name"] == "j"
    status = store.must_get(JOBS, "default", "j")["status"]
    assert (
        status["active"] == 1 and status["ready"] == 0 and status["uncountedTerminatedPods"] == {}
    )
    settle(manager, clock, wall)
    done = store.must_get(JOBS, "default", "j")
    assert done["status"]["succeeded"] == 2
    assert [c["type"] for c in done["status"]["conditions"]] == ["SuccessCriteriaMet", "Complete"]
    assert done["status"]["conditions"][1]["reason"] == "CompletionsReached"
    assert "completionTime" in done["status"] and "active" not in done["status"]
    finished = items(store, PODS)
    assert len(finished) == 2
    assert all(p["status"]["phase"] == "Succeeded" for p in finished)
    assert all("finalizers" not in p["metadata"] for p in finished)
    reasons = [r for r, _ in events_of(store, "Job")]
    assert reasons.count("SuccessfulCreate") == 2 and reasons[-1] == "Completed"
    assert ("Completed", "Job completed") in events_of(store, "Job")


def test_a_failing_pod_exhausts_the_backoff_limit(
    store: Store, manager: ControllerManager, clock: FakeClock, wall: SimulatedClock
) -> None:
    failing = job("f", backoffLimit=0)
    failing["spec"]["template"]["metadata"]["annotations"] = {"testing.rawkube.io/exit-code": "1"}
    create(store, JOBS, failing)
    settle(manager, clock, wall)
    status = store.must_get(JOBS, "default", "f")["status"]
    assert status["failed"] == 1
    assert [c["type"] for c in status["conditions"]] == ["FailureTarget", "Failed"]
    assert status["conditions"][1]["reason"] == "BackoffLimitExceeded"
    assert (
        "BackoffLimitExceeded",
        "Job has reached the specified backoff limit",
    ) in events_of(store, "Job")
    [pod] = items(store, PODS)
    terminated = pod["status"]["containerStatuses"][0]["state"]["terminated"]
    assert terminated["exitCode"] == 1 and terminated["reason"] == "Error"


def test_indexed_job_pods_carry_their_index(store: Store, manager: ControllerManager) -> None:
    create(store, JOBS, job("ix", completionMode="Indexed", completions=3, parallelism=3))
    manager.sync()
    pods = sorted(
        items(store, PODS),
        key=lambda p: p["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"],
    )
    assert [p["metadata"]["generateName"] for p in pods] == ["ix-0-", "ix-1-", "ix-2-"]
    assert [p["spec"]["hostname"] for p in pods] == ["ix-0", "ix-1", "ix-2"]
    env = pods[0]["spec"]["containers"][0]["env"][0]
    assert env["name"] == "JOB_COMPLETION_INDEX"


# -- CronJob --------------------------------------------------------------------------------------


def test_cron_schedules() -> None:
    at = datetime(2026, 1, 1, 10, 7, tzinfo=timezone.utc)
    assert CronSchedule("*/5 * * * *").next_after(at) == datetime(
        2026, 1, 1, 10, 10, tzinfo=timezone.utc
    )
    assert CronSchedule("@hourly").next_after(at) == datetime(
        2026, 1, 1, 11, 0, tzinfo=timezone.utc
    )
    assert CronSchedule("0 9 * * MON").next_after(at) == datetime(
        2026, 1, 5, 9, 0, tzinfo=timezone.utc
    )
    # day-of-month and day-of-week both restricted: either matches (robfig/cron)
    assert CronSchedule("0 0 13 * 5").next_after(at) == datetime(
        2026, 1, 2, 0, 0, tzinfo=timezone.utc
    )
    local = CronSchedule("0 9 * * *", "Europe/Paris").next_after(at)
    assert local == datetime(2026, 1, 2, 8, 0, tzinfo=timezone.utc)
    with pytest.raises(ValueError):
        CronSchedule("61 * * * *")


def cronjob(name: str = "cj", **spec: Any) -> Obj:
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "schedule": "*/5 * * * *",
            "jobTemplate": {"spec": {"template": template(restartPolicy="Never")}},
            **spec,
        },
    }


def test_cronjob_creates_jobs_when_the_clock_reaches_its_schedule(
    store: Store, manager: ControllerManager, wall: SimulatedClock
) -> None:
    create(store, CRONJOBS, cronjob(concurrencyPolicy="Forbid"))
    manager.sync()
    assert items(store, JOBS) == []
    now = wall.now()
    minutes = now.minute % 5
    wall.advance((5 - minutes) * 60 - now.second + 1)  # just past the next */5 minute
    manager.sync()
    [created] = items(store, JOBS)
    due = wall.now().replace(second=0, microsecond=0)
    assert created["metadata"]["name"] == f"cj-{int(due.timestamp()) // 60}"
    assert created["metadata"]["annotations"][
        "batch.kubernetes.io/cronjob-scheduled-timestamp"
    ] == (due.strftime("%Y-%m-%dT%H:%M:%SZ"))
    assert created["metadata"]["ownerReferences"][0]["kind"] == "CronJob"
    status = store.must_get(CRONJOBS, "default", "cj")["status"]
    assert [a["name"] for a in status["active"]] == [created["metadata"]["name"]]
    assert status["lastScheduleTime"] == due.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ("SuccessfulCreate", f"Created job {created['metadata']['name']}") in events_of(
        store, "CronJob"
    )
    # Forbid: the next schedule while the first Job runs creates nothing.
    wall.advance(300)
    manager.sync()
    assert len(items(store, JOBS)) == 1
    assert any(r == "JobAlreadyActive" for r, _ in events_of(store, "CronJob"))


def test_cronjob_suspended_creates_nothing(
    store: Store, manager: ControllerManager, wall: SimulatedClock
) -> None:
    create(store, CRONJOBS, cronjob(suspend=True))
    wall.advance(3600)
    manager.sync()
    assert items(store, JOBS) == []


# -- StatefulSet -----------------------------------------------------------------------------------


def statefulset(replicas: int = 3, **spec: Any) -> Obj:
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "s", "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "serviceName": "s",
            "selector": {"matchLabels": {"app": "w"}},
            "template": template(),
            "volumeClaimTemplates": [
                {
                    "metadata": {"name": "data"},
                    "spec": {
                        "accessModes": ["ReadWriteOnce"],
                        "resources": {"requests": {"storage": "1Gi"}},
                    },
                }
            ],
            **spec,
        },
    }


def test_statefulset_creates_pods_in_order_with_claims(
    store: Store, manager: ControllerManager, clock: FakeClock, wall: SimulatedClock
) -> None:
    create(store, STATEFULSETS, statefulset())
    manager.sync()
    assert [p["metadata"]["name"] for p in items(store, PODS)] == ["s-0"]  # OrderedReady
    pod = items(store, PODS)[0]
    assert pod["metadata"]["labels"]["statefulset.kubernetes.io/pod-name"] == "s-0"
    assert pod["metadata"]["labels"]["apps.kubernetes.io/pod-index"] == "0"
    assert pod["metadata"]["labels"]["controller-revision-hash"].startswith("s-")
    assert pod["spec"]["hostname"] == "s-0" and pod["spec"]["subdomain"] == "s"
    assert pod["spec"]["volumes"][0] == {
        "name": "data",
        "persistentVolumeClaim": {"claimName": "data-s-0"},
    }
    settle(manager, clock, wall)
    assert [p["metadata"]["name"] for p in items(store, PODS)] == ["s-0", "s-1", "s-2"]
    assert [c["metadata"]["name"] for c in items(store, PVCS)] == [
        "data-s-0",
        "data-s-1",
        "data-s-2",
    ]
    status = store.must_get(STATEFULSETS, "default", "s")["status"]
    assert status["replicas"] == 3 and status["readyReplicas"] == 3
    assert status["currentRevision"] == status["updateRevision"]
    messages = [m for _, m in events_of(store, "StatefulSet")]
    assert "Create Pod s-0 in StatefulSet s successful" in messages
    assert "Create Claim data-s-1 Pod s-1 in StatefulSet s success" in messages
    # Scale down: the highest ordinal goes first.
    store.mutate(STATEFULSETS, "default", "s", lambda o: o["spec"].update(replicas=1))
    manager.sync()
    assert "Delete Pod s-2 in StatefulSet s successful" in [
        m for _, m in events_of(store, "StatefulSet")
    ]
    settle(manager, clock, wall)
    assert [p["metadata"]["name"] for p in items(store, PODS)] == ["s-0"]
    assert len(items(store, PVCS)) == 3  # claims are retained (Retain policy)


# -- DaemonSet -------------------------------------------------------------------------------------


def daemonset(**pod_spec: Any) -> Obj:
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "ds", "namespace": "default"},
        "spec": {"selector": {"matchLabels": {"app": "w"}}, "template": template(**pod_spec)},
    }


def test_daemonset_runs_one_pod_on_the_simulated_node(
    store: Store, manager: ControllerManager, clock: FakeClock, wall: SimulatedClock
) -> None:
    manager.sync()  # the kubelet registers its Node
    create(store, DAEMONSETS, daemonset())
    settle(manager, clock, wall)
    [pod] = items(store, PODS)
    terms = pod["spec"]["affinity"]["nodeAffinity"][
        "requiredDuringSchedulingIgnoredDuringExecution"
    ]
    assert terms["nodeSelectorTerms"][0]["matchFields"][0]["values"] == [NODE_NAME]
    keys = {t["key"] for t in pod["spec"]["tolerations"]}
    assert {"node.kubernetes.io/not-ready", "node.kubernetes.io/unschedulable"} <= keys
    assert pod["metadata"]["labels"]["pod-template-generation"] == "1"
    assert pod["spec"]["nodeName"] == NODE_NAME and pod["status"]["phase"] == "Running"
    status = store.must_get(DAEMONSETS, "default", "ds")["status"]
    assert status["desiredNumberScheduled"] == 1 and status["currentNumberScheduled"] == 1
    assert status["numberReady"] == 1 and status["numberAvailable"] == 1
    assert status["updatedNumberScheduled"] == 1 and status["numberMisscheduled"] == 0


def test_daemonset_skips_a_node_its_selector_refuses(
    store: Store, manager: ControllerManager, clock: FakeClock, wall: SimulatedClock
) -> None:
    manager.sync()
    create(store, DAEMONSETS, daemonset(nodeSelector={"disk": "ssd"}))
    settle(manager, clock, wall)
    assert items(store, PODS) == []
    status = store.must_get(DAEMONSETS, "default", "ds")["status"]
    assert status == {
        "currentNumberScheduled": 0,
        "numberMisscheduled": 0,
        "desiredNumberScheduled": 0,
        "numberReady": 0,
        "observedGeneration": 1,
    }


# -- ReplicationController, Service endpoints -------------------------------------------------------


def test_replication_controller_and_its_service_endpoints(
    store: Store, manager: ControllerManager, clock: FakeClock, wall: SimulatedClock
) -> None:
    create(
        store,
        REPLICATIONCONTROLLERS,
        {
            "apiVersion": "v1",
            "kind": "ReplicationController",
            "metadata": {"name": "rc", "namespace": "default"},
            "spec": {"replicas": 2, "selector": {"app": "w"}, "template": template()},
        },
    )
    create(
        store,
        SERVICES,
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {
                "selector": {"app": "w"},
                "ports": [{"name": "http", "port": 80, "targetPort": 8080}],
            },
        },
    )
    settle(manager, clock, wall)
    rc = store.must_get(REPLICATIONCONTROLLERS, "default", "rc")["status"]
    assert rc["replicas"] == 2 and rc["readyReplicas"] == 2 and rc["availableReplicas"] == 2
    assert [r for r, _ in events_of(store, "ReplicationController")] == ["SuccessfulCreate"] * 2
    [slice_] = items(store, ENDPOINTSLICES)
    assert slice_["metadata"]["labels"]["kubernetes.io/service-name"] == "web"
    assert slice_["ports"] == [{"name": "http", "protocol": "TCP", "port": 8080}]
    assert len(slice_["endpoints"]) == 2
    assert all(e["conditions"]["ready"] and e["nodeName"] == NODE_NAME for e in slice_["endpoints"])
    endpoints = store.must_get(ENDPOINTS, "default", "web")
    assert len(endpoints["subsets"][0]["addresses"]) == 2
    assert endpoints["subsets"][0]["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]


# -- Events ---------------------------------------------------------------------------------------


def test_kubelet_and_scheduler_events(
    store: Store, manager: ControllerManager, clock: FakeClock, wall: SimulatedClock
) -> None:
    from rawkube.testing.server.events import from_core

    create(
        store,
        PODS,
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "p", "namespace": "default"},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]},
        },
    )
    settle(manager, clock, wall, rounds=3)
    by_reason = {e["reason"]: e for e in items(store, EVENTS)}
    scheduled = from_core(by_reason["Scheduled"])
    assert scheduled["reportingController"] == "default-scheduler"
    assert scheduled["action"] == "Binding"
    assert scheduled["note"] == f"Successfully assigned default/p to {NODE_NAME}"
    assert by_reason["Pulling"]["message"] == 'Pulling image "nginx"'
    assert by_reason["Created"]["message"] == "Container created"
    assert by_reason["Started"]["message"] == "Container started"
    started = by_reason["Started"]
    assert started["source"] == {"component": "kubelet", "host": NODE_NAME}
    assert started["involvedObject"]["fieldPath"] == "spec.containers{c}"
    store.delete(PODS, "default", "p", grace_period_seconds=30)
    manager.sync()
    assert {e["reason"]: e for e in items(store, EVENTS)}["Killing"][
        "message"
    ] == "Stopping container c"


def test_the_recorder_counts_an_event_repeated(store: Store) -> None:
    obj = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "c", "namespace": "default", "uid": "u1"},
    }
    recorder = EventRecorder(store, "example-controller", manager="test")
    recorder.event(obj, "Normal", "Poked", "poked once")
    recorder.event(obj, "Normal", "Poked", "poked once")
    recorder.event(obj, "Normal", "Poked", "poked differently")
    events = sorted(items(store, EVENTS), key=lambda e: e["message"])
    assert [(e["message"], e["count"]) for e in events] == [
        ("poked differently", 1),
        ("poked once", 2),
    ]
    assert events[1]["metadata"]["name"].startswith("c.")
    assert events[1]["reportingComponent"] == "example-controller"
