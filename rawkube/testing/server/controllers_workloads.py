"""More of kube-controller-manager: Job, CronJob, StatefulSet, DaemonSet, ReplicationController,
EndpointSlice and Endpoints, each simulated as the real one behaves minus real containers.

Like controllers.py (Deployment, ReplicaSet, the kubelet): level-triggered `tick()`s over the
whole store, writes through the registry (`furniture.system_create` for what a controller
POSTs: defaulting, admission and the kind's strategy, kube-controller-manager as the field
manager), per-object isolation (`isolation.Guard`), and the real controllers' Events
(events.EventRecorder) with their reasons and messages:

- `JobController` (pkg/controller/job/job_controller.go): Pods from the template with the
  ``batch.kubernetes.io/job-tracking`` finalizer, parallelism and completions (NonIndexed and
  Indexed), the finished Pods counted through ``uncountedTerminatedPods``, the backoff limit,
  ``activeDeadlineSeconds``, suspension, the SuccessCriteriaMet/Complete and FailureTarget/Failed
  conditions; ``ttlSecondsAfterFinished`` (the ttl-after-finished controller).
- `JobPodRunner`: the kubelet's part for run-to-completion Pods (restartPolicy Never or
  OnFailure): their containers exit ``pod_run_seconds`` after they started, with exit code 0
  unless the Pod (template) is annotated ``testing.rawkube.io/exit-code`` (a simulated
  container's outcome; real containers decide it themselves).
- `CronJobController` (pkg/controller/cronjob/cronjob_controllerv2.go): Jobs named
  ``<cronjob>-<scheduled minute>`` on a wall clock tests can move (`SimulatedClock.advance`),
  concurrency policies, starting deadline, suspension, history limits, active/lastScheduleTime/
  lastSuccessfulTime.
- `StatefulSetController` (pkg/controller/statefulset): ordinal Pods ``<set>-<i>`` created in
  order (OrderedReady: the next one only when the previous is Running and Ready; Parallel: at
  once), removed from the highest ordinal, PVCs ``<template>-<set>-<i>`` from
  volumeClaimTemplates, ControllerRevisions and the controller-revision-hash label, rolling
  updates from the highest ordinal, the status counters and revisions.
- `DaemonSetController` (pkg/controller/daemon): one Pod per Node that the Pod's node selector
  and affinity admit (the simulated node, see controllers.node_object), pinned with a
  matchFields node affinity and the daemon tolerations, ControllerRevisions, and the status
  counters (currentNumberScheduled, desiredNumberScheduled, numberReady, ...).
- `ReplicationManager` (pkg/controller/replication, the ReplicaSet controller on
  ReplicationControllers): Pods for ``spec.replicas`` with the RC as owner, and its status.
- `EndpointSliceController` / `EndpointsController` (pkg/controller/endpointslice,
  pkg/controller/endpoint): for each Service with a selector, one EndpointSlice
  (``<service>-<random>``) and the Endpoints object listing the selected Pods' IPs and ports.
"""

from __future__ import annotations

import copy
import json
import logging
import zoneinfo
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from rawkube.testing.server.clock import SimulatedClock
from rawkube.testing.server.controllers import (
    NODES,
    PODS,
    Family,
    _fnv32a,
    _with_kind,
    claim,
    controller_ref,
    create_pod,
    deletion_order,
    find_condition,
    is_being_deleted,
    labels_of,
    now_utc,
    owner_reference,
    pod_is_active,
    pod_is_available,
    pod_is_ready,
    rfc3339,
    safe_encode,
    spec_replicas,
    terminating_namespaces,
)
from rawkube.testing.server.errors import APIError, Obj, ResourceKey
from rawkube.testing.server.events import EventRecorder
from rawkube.testing.server.gc import apply_change, delete_object, remove_finalizer
from rawkube.testing.server.isolation import Guard
from rawkube.testing.server.store import Store

log = logging.getLogger("rawkube.testing.server.controllers")

JOBS = ResourceKey("batch", "jobs")
CRONJOBS = ResourceKey("batch", "cronjobs")
STATEFULSETS = ResourceKey("apps", "statefulsets")
DAEMONSETS = ResourceKey("apps", "daemonsets")
CONTROLLERREVISIONS = ResourceKey("apps", "controllerrevisions")
REPLICATIONCONTROLLERS = ResourceKey("", "replicationcontrollers")
PVCS = ResourceKey("", "persistentvolumeclaims")
SERVICES = ResourceKey("", "services")
ENDPOINTS = ResourceKey("", "endpoints")
ENDPOINTSLICES = ResourceKey("discovery.k8s.io", "endpointslices")

MANAGER = "kube-controller-manager"
JOB_TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking"
COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index"
CRONJOB_SCHEDULED_TIMESTAMP = "batch.kubernetes.io/cronjob-scheduled-timestamp"
REVISION_HASH = "controller-revision-hash"  # apps.ControllerRevisionHashLabelKey (on Pods)
HISTORY_HASH = "controller.kubernetes.io/hash"  # history.ControllerRevisionHashLabel
STS_POD_NAME = "statefulset.kubernetes.io/pod-name"
POD_INDEX = "apps.kubernetes.io/pod-index"
TEMPLATE_GENERATION = "pod-template-generation"
EXIT_CODE_ANNOTATION = "testing.rawkube.io/exit-code"
BURST = 500  # controller.SlowStartInitialBatchSize grows to this; one sync creates at most


def _ns(obj: Obj) -> str:
    return str(obj["metadata"].get("namespace") or "")


def _name(obj: Obj) -> str:
    return str(obj["metadata"]["name"])


def _status(obj: Obj) -> Obj:
    status: Obj = obj.get("status") or {}
    return status


def _spec(obj: Obj) -> Obj:
    spec: Obj = obj.get("spec") or {}
    return spec


def _template_pod(owner: Obj, template: Obj, generate_name: str) -> Obj:
    """controller.GetPodFromTemplate: a Pod from a pod template, owned by ``owner``."""
    tmeta = template.get("metadata") or {}
    metadata: Obj = {
        "generateName": generate_name,
        "namespace": _ns(owner),
        "labels": dict(tmeta.get("labels") or {}),
    }
    if tmeta.get("annotations"):
        metadata["annotations"] = dict(tmeta["annotations"])
    if tmeta.get("finalizers"):
        metadata["finalizers"] = list(tmeta["finalizers"])
    metadata["ownerReferences"] = [owner_reference(owner)]
    return {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": metadata,
        "spec": copy.deepcopy(template.get("spec") or {}),
    }


def _set_conditions(status: Obj, new: Obj) -> None:
    conditions = [c for c in status.get("conditions") or [] if c.get("type") != new["type"]]
    conditions.append(new)
    status["conditions"] = conditions


def _is_finished(job: Obj) -> str | None:
    """The finished condition of a Job ("Complete" or "Failed"), if any."""
    for c in _status(job).get("conditions") or []:
        if c.get("type") in ("Complete", "Failed") and c.get("status") == "True":
            return str(c["type"])
    return None


def _owned(family: Family, owner: Obj) -> list[Obj]:
    return list(family.owned_by(owner))


# ---------------------------------------------------------------------------------------------
# Job (pkg/controller/job/job_controller.go)

# job_controller.go DefaultJobPodFailureBackOff / MaxJobPodFailureBackOff
JOB_BACKOFF_SECONDS = 10.0
JOB_MAX_BACKOFF_SECONDS = 360.0


def _job_condition(type_: str, reason: str, message: str, now: str) -> Obj:
    return {
        "type": type_,
        "status": "True",
        "lastProbeTime": now,
        "lastTransitionTime": now,
        "reason": reason,
        "message": message,
    }


def _pod_finished_at(pod: Obj) -> datetime | None:
    latest: datetime | None = None
    for cs in _status(pod).get("containerStatuses") or []:
        finished = ((cs.get("state") or {}).get("terminated") or {}).get("finishedAt")
        if finished:
            when = datetime.strptime(finished[:19], "%Y-%m-%dT%H:%M:%S").replace(
                tzinfo=timezone.utc
            )
            latest = when if latest is None or when > latest else latest
    return latest


class JobController:
    """Runs each Job's Pods to its completions (see the module docstring)."""

    def __init__(self, store: Store, clock: Callable[[], datetime] = now_utc) -> None:
        self.store = store
        self.clock = clock
        self.events = EventRecorder(store, "job-controller", manager=MANAGER)
        self.guard = Guard("job")

    def tick(self) -> int:
        jobs, _ = self.store.list(JOBS, copy_objects=False)
        if not jobs:
            return 0
        pods, _ = self.store.list(PODS, copy_objects=False)
        family = Family(pods)
        terminating = terminating_namespaces(self.store)
        return sum(self.guard.run(job, self.sync, family, terminating) for job in jobs)

    def sync(self, job: Obj, family: Family, terminating_ns: set[str]) -> int:
        spec = _spec(job)
        owned = self.claim(job, family)
        writes = 0
        if _is_finished(job):
            # Pods of a finished Job lose the tracking finalizer; a TTL deletes the Job.
            writes += self.untrack(job, owned)
            return writes + self.ttl(job)
        if is_being_deleted(job):
            return writes + self.untrack(job, owned)
        now = self.clock()
        stamp = rfc3339(now)
        status = copy.deepcopy(_status(job))
        uncounted = status.get("uncountedTerminatedPods") or {}
        succeeded_uids = set(uncounted.get("succeeded") or [])
        failed_uids = set(uncounted.get("failed") or [])
        # 1. Finished Pods still tracked go to uncountedTerminatedPods first...
        finished = [
            p
            for p in owned
            if _status(p).get("phase") in ("Succeeded", "Failed")
            and JOB_TRACKING_FINALIZER in (p["metadata"].get("finalizers") or [])
        ]
        for pod in finished:
            uid = str(pod["metadata"]["uid"])
            if _status(pod).get("phase") == "Succeeded":
                succeeded_uids.add(uid)
            else:
                failed_uids.add(uid)
        # 2. ...then they lose the finalizer, 3. and are counted.
        {str(p["metadata"]["uid"]) for p in finished}
        for pod in finished:
            writes += remove_finalizer(self.store, PODS, pod, JOB_TRACKING_FINALIZER)
        counted_s = {u for u in succeeded_uids if True}
        status["succeeded"] = int(status.get("succeeded") or 0) + len(counted_s)
        status["failed"] = int(status.get("failed") or 0) + len(failed_uids)
        status["uncountedTerminatedPods"] = {}
        completed_indexes = self._completed_indexes(job, owned, status)
        active = [p for p in owned if pod_is_active(p)]
        terminating = [
            p
            for p in owned
            if is_being_deleted(p) and _status(p).get("phase") not in ("Succeeded", "Failed")
        ]
        if spec.get("suspend"):
            writes += self.delete_pods(job, active)
            if not find_condition(status.get("conditions"), "Suspended"):
                _set_conditions(
                    status, _job_condition("Suspended", "JobSuspended", "Job suspended", stamp)
                )
                self.events.event(job, "Normal", "Suspended", "Job suspended")
            active = []
        else:
            if find_condition(status.get("conditions"), "Suspended"):
                status["conditions"] = [
                    c for c in status["conditions"] if c.get("type") != "Suspended"
                ]
                self.events.event(job, "Normal", "Resumed", "Job resumed")
                status["startTime"] = stamp
            status.setdefault("startTime", stamp)
        failure = self._failure(job, status, now)
        completions = spec.get("completions")
        succeeded = int(status.get("succeeded") or 0)
        complete = failure is None and (
            (completions is not None and succeeded >= int(completions))
            or (completions is None and succeeded > 0 and not active)
        )
        if failure is not None:
            reason, message = failure
            writes += self.delete_pods(job, active)
            active = []
            if not find_condition(status.get("conditions"), "FailureTarget"):
                _set_conditions(status, _job_condition("FailureTarget", reason, message, stamp))
            _set_conditions(status, _job_condition("Failed", reason, message, stamp))
            self.events.event(job, "Warning", reason, message)
        elif complete:
            message = "Reached expected number of succeeded pods"
            _set_conditions(
                status, _job_condition("SuccessCriteriaMet", "CompletionsReached", message, stamp)
            )
            _set_conditions(
                status, _job_condition("Complete", "CompletionsReached", message, stamp)
            )
            status["completionTime"] = stamp
            self.events.event(job, "Normal", "Completed", "Job completed")
        elif not spec.get("suspend") and _ns(job) not in terminating_ns:
            if not self._backing_off(job, owned, now):
                writes += self.manage(job, active, succeeded, completed_indexes)
            owned = self.claim(job, Family(self.store.list(PODS, copy_objects=False)[0]))
            active = [p for p in owned if pod_is_active(p)]
        status["active"] = len(active)
        status["ready"] = sum(1 for p in active if pod_is_ready(p))
        status["terminating"] = len(terminating)
        if completed_indexes is not None:
            status["completedIndexes"] = completed_indexes
        for zero in ("active", "succeeded", "failed"):
            if not status.get(zero):
                status.pop(zero, None)
        ordered = _job_status_order(status)
        if ordered != _status(job):
            writes += int(apply_change(self.store, JOBS, job, lambda d: d.update(status=ordered)))
        return writes

    def claim(self, job: Obj, family: Family) -> list[Obj]:
        """The Pods the Job controls (ClaimPods by its selector)."""
        _, owned = claim(self.store, PODS, job, owner_reference(job), family)
        return owned

    def _completed_indexes(self, job: Obj, owned: list[Obj], status: Obj) -> str | None:
        if _spec(job).get("completionMode") != "Indexed":
            return None
        done = {
            int((p["metadata"].get("annotations") or {}).get(COMPLETION_INDEX, -1))
            for p in owned
            if _status(p).get("phase") == "Succeeded"
        }
        done |= _parse_indexes(status.get("completedIndexes") or "")
        done.discard(-1)
        return _format_indexes(done)

    def _failure(self, job: Obj, status: Obj, now: datetime) -> tuple[str, str] | None:
        spec = _spec(job)
        backoff_limit = spec.get("backoffLimit")
        limit = 6 if backoff_limit is None else int(backoff_limit)
        if int(status.get("failed") or 0) > limit:
            return "BackoffLimitExceeded", "Job has reached the specified backoff limit"
        deadline = spec.get("activeDeadlineSeconds")
        started = status.get("startTime")
        if deadline is not None and started:
            start = datetime.strptime(started[:19], "%Y-%m-%dT%H:%M:%S").replace(
                tzinfo=timezone.utc
            )
            if now >= start + timedelta(seconds=int(deadline)):
                return "DeadlineExceeded", "Job was active longer than specified deadline"
        return None

    def _backing_off(self, job: Obj, owned: list[Obj], now: datetime) -> bool:
        """getNewBackoffTime: after a failed Pod the next one waits 10 s, doubling per
        failure (at most 6 min)."""
        failed = [p for p in owned if _status(p).get("phase") == "Failed"]
        count = int(_status(job).get("failed") or 0)
        if not failed or count == 0:
            return False
        last = max((_pod_finished_at(p) for p in failed), default=None, key=lambda t: t or now)
        if last is None:
            return False
        delay = min(JOB_BACKOFF_SECONDS * 2 ** (count - 1), JOB_MAX_BACKOFF_SECONDS)
        return now < last + timedelta(seconds=delay)

    def manage(self, job: Obj, active: list[Obj], succeeded: int, indexes: str | None) -> int:
        """manageJob: as many active Pods as parallelism and the remaining completions allow."""
        spec = _spec(job)
        parallelism = int(spec.get("parallelism", 1) if spec.get("parallelism") is not None else 1)
        completions = spec.get("completions")
        if completions is None:
            wanted = 0 if succeeded > 0 else parallelism
        else:
            wanted = min(parallelism, int(completions) - succeeded)
        wanted = max(0, wanted)
        writes = 0
        if len(active) > wanted:
            extra = deletion_order(active)[: len(active) - wanted]
            return self.delete_pods(job, extra)
        indexed = spec.get("completionMode") == "Indexed"
        done = _parse_indexes(indexes or "")
        busy = {
            int((p["metadata"].get("annotations") or {}).get(COMPLETION_INDEX, -1)) for p in active
        }
        free = (
            [i for i in range(int(completions or 0)) if i not in done and i not in busy]
            if indexed
            else []
        )
        for n in range(min(wanted - len(active), BURST)):
            if indexed and n >= len(free):
                break
            index = free[n] if indexed else None
            pod = self.pod_for(job, index)
            try:
                created = create_pod(self.store, pod)
            except APIError as err:
                self.events.event(job, "Warning", "FailedCreate", f"Error creating: {err.message}")
                break
            self.events.event(job, "Normal", "SuccessfulCreate", f"Created pod: {_name(created)}")
            writes += 1
        return writes

    def pod_for(self, job: Obj, index: int | None) -> Obj:
        """A Job's Pod: from its template, owned by it, tracked by the job-tracking finalizer;
        an Indexed Job's carries its completion index (annotation, label, hostname, env)."""
        template = _spec(job).get("template") or {}
        generate = f"{_name(job)}-" if index is None else f"{_name(job)}-{index}-"
        pod = _template_pod(_with_kind(job, "batch/v1", "Job"), template, generate)
        meta = pod["metadata"]
        meta["finalizers"] = list(meta.get("finalizers") or []) + [JOB_TRACKING_FINALIZER]
        if index is not None:
            meta.setdefault("annotations", {})[COMPLETION_INDEX] = str(index)
            meta["labels"][COMPLETION_INDEX] = str(index)
            spec = pod["spec"]
            spec.setdefault("hostname", f"{_name(job)}-{index}")
            env_var = {
                "name": "JOB_COMPLETION_INDEX",
                "valueFrom": {
                    "fieldRef": {
                        "fieldPath": f"metadata.labels['{COMPLETION_INDEX}']",
                    }
                },
            }
            for container in (spec.get("containers") or []) + (spec.get("initContainers") or []):
                env = container.setdefault("env", [])
                if not any(e.get("name") == "JOB_COMPLETION_INDEX" for e in env):
                    env.append(copy.deepcopy(env_var))
        return pod

    def delete_pods(self, job: Obj, pods: list[Obj]) -> int:
        writes = 0
        for pod in pods:
            if delete_object(self.store, PODS, pod):
                writes += 1
                self.events.event(job, "Normal", "SuccessfulDelete", f"Deleted pod: {_name(pod)}")
        return writes

    def untrack(self, job: Obj, owned: list[Obj]) -> int:
        return sum(
            remove_finalizer(self.store, PODS, p, JOB_TRACKING_FINALIZER)
            for p in owned
            if JOB_TRACKING_FINALIZER in (p["metadata"].get("finalizers") or [])
            and (
                _status(p).get("phase") in ("Succeeded", "Failed")
                or _is_finished(job)
                or is_being_deleted(job)
            )
        )

    def ttl(self, job: Obj) -> int:
        """pkg/controller/ttlafterfinished: a finished Job with ttlSecondsAfterFinished is
        deleted (foreground... background propagation) once the TTL has passed."""
        ttl = _spec(job).get("ttlSecondsAfterFinished")
        if ttl is None or is_being_deleted(job):
            return 0
        finished = None
        for c in _status(job).get("conditions") or []:
            if c.get("type") in ("Complete", "Failed") and c.get("status") == "True":
                finished = c.get("lastTransitionTime")
        if not finished:
            return 0
        at = datetime.strptime(finished[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
        if self.clock() < at + timedelta(seconds=int(ttl)):
            return 0
        return int(delete_object(self.store, JOBS, job, policy="Background"))


_JOB_STATUS_ORDER = (
    "conditions",
    "startTime",
    "completionTime",
    "active",
    "succeeded",
    "failed",
    "terminating",
    "completedIndexes",
    "failedIndexes",
    "uncountedTerminatedPods",
    "ready",
)


def _job_status_order(status: Obj) -> Obj:
    ordered = {k: status[k] for k in _JOB_STATUS_ORDER if k in status}
    ordered.update((k, v) for k, v in status.items() if k not in ordered)
    return ordered


def _parse_indexes(text: str) -> set[int]:
    out: set[int] = set()
    for part in filter(None, text.split(",")):
        lo, _, hi = part.partition("-")
        out.update(range(int(lo), int(hi or lo) + 1))
    return out


def _format_indexes(indexes: set[int]) -> str:
    """The completedIndexes form: "1,3-5,7"."""
    parts: list[str] = []
    run: list[int] = []
    for i in sorted(indexes):
        if run and i == run[-1] + 1:
            run.append(i)
            continue
        if run:
            parts.append(str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}")
        run = [i]
    if run:
        parts.append(str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}")
    return ",".join(parts)


class JobPodRunner:
    """The kubelet's part for Pods that run to completion (restartPolicy Never / OnFailure):
    ``run_seconds`` after a container started it exits, with code 0, or the Pod's
    ``testing.rawkube.io/exit-code`` annotation (the Pod then fails)."""

    def __init__(
        self, store: Store, run_seconds: float = 1.0, clock: Callable[[], datetime] = now_utc
    ) -> None:
        self.store = store
        self.run_seconds = run_seconds
        self.clock = clock
        self.guard = Guard("kubelet")

    def tick(self) -> int:
        pods, _ = self.store.list(PODS, copy_objects=False)
        return sum(self.guard.run(p, self.sync) for p in pods if self._runs_to_completion(p))

    @staticmethod
    def _runs_to_completion(pod: Obj) -> bool:
        return (
            _spec(pod).get("restartPolicy") in ("Never", "OnFailure")
            and _status(pod).get("phase") == "Running"
            and not is_being_deleted(pod)
        )

    def sync(self, pod: Obj) -> int:
        started = _status(pod).get("startTime")
        if not started:
            return 0
        start = datetime.strptime(started[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
        now = self.clock()
        if now < start + timedelta(seconds=self.run_seconds):
            return 0
        code = int((pod["metadata"].get("annotations") or {}).get(EXIT_CODE_ANNOTATION, "0"))
        if code and _spec(pod).get("restartPolicy") == "OnFailure":
            code = 0  # restarted in place until it succeeds: the simulated run succeeds
        stamp = rfc3339(now)

        def finish(draft: Obj) -> None:
            status = draft.setdefault("status", {})
            status["phase"] = "Failed" if code else "Succeeded"
            statuses = []
            for cs in status.get("containerStatuses") or []:
                running = (cs.get("state") or {}).get("running") or {}
                cs = dict(cs)
                cs["state"] = {
                    "terminated": {
                        "exitCode": code,
                        "reason": "Error" if code else "Completed",
                        "startedAt": running.get("startedAt", stamp),
                        "finishedAt": stamp,
                        **({"containerID": cs["containerID"]} if cs.get("containerID") else {}),
                    }
                }
                cs["ready"] = False
                cs["started"] = False
                statuses.append(cs)
            status["containerStatuses"] = statuses
            for c in status.get("conditions") or []:
                if c.get("type") in ("Ready", "ContainersReady"):
                    c["status"] = "False"
                    c["reason"] = "PodCompleted"
                    c["lastTransitionTime"] = stamp
                    c.pop("message", None)

        return int(apply_change(self.store, PODS, pod, finish))


# ---------------------------------------------------------------------------------------------
# CronJob (pkg/controller/cronjob/cronjob_controllerv2.go, utils.go; robfig/cron's parser)

_DESCRIPTORS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    )
}
_DAYS = {d: i for i, d in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])}


class CronSchedule:
    """A standard cron schedule (minute hour day-of-month month day-of-week), as
    cron.ParseStandard reads it: lists, ranges, steps, names, ``?``, the @descriptors, and
    ``CRON_TZ=``/``TZ=`` prefixes; day-of-month and day-of-week are OR-ed when both are
    restricted (robfig/cron dayMatches)."""

    def __init__(self, text: str, tz: str | None = None) -> None:
        text = text.strip()
        zone = tz
        if text.startswith(("CRON_TZ=", "TZ=")):
            prefix, _, text = text.partition(" ")
            zone = prefix.split("=", 1)[1]
        self.zone = zoneinfo.ZoneInfo(zone) if zone else timezone.utc
        text = _DESCRIPTORS.get(text, text)
        if text.startswith("@every "):
            raise ValueError("@every is not supported by the simulated cron")
        fields = text.split()
        if len(fields) != 5:
            raise ValueError(f"expected exactly 5 fields, found {len(fields)}: {text}")
        self.minutes, _ = self._field(fields[0], 0, 59, {})
        self.hours, _ = self._field(fields[1], 0, 23, {})
        self.dom, dom_star = self._field(fields[2], 1, 31, {})
        self.months, _ = self._field(fields[3], 1, 12, _MONTHS)
        self.dow, dow_star = self._field(fields[4], 0, 7, _DAYS)
        if 7 in self.dow:
            self.dow = (self.dow - {7}) | {0}
        self.any_day = dom_star or dow_star
        self.dom_star, self.dow_star = dom_star, dow_star

    @staticmethod
    def _field(text: str, lo: int, hi: int, names: dict[str, int]) -> tuple[set[int], bool]:
        values: set[int] = set()
        star = False
        for part in text.split(","):
            rng, _, step_text = part.partition("/")
            step = int(step_text) if step_text else 1
            if rng in ("*", "?"):
                start, end = lo, hi
                star = star or not step_text
            else:
                a, _, b = rng.partition("-")

                def value(v: str) -> int:
                    return names[v.lower()] if v.lower() in names else int(v)

                start = value(a)
                end = value(b) if b else (hi if step_text else start)
            if not (lo <= start <= hi and lo <= end <= hi) or start > end or step < 1:
                raise ValueError(f"value out of range in {text!r}")
            values.update(range(start, end + 1, step))
        return values, star

    def _day_matches(self, t: datetime) -> bool:
        dom = t.day in self.dom
        dow = ((t.weekday() + 1) % 7) in self.dow
        if self.dom_star or self.dow_star:
            return dom and dow
        return dom or dow

    def next_after(self, t: datetime) -> datetime:
        """The first scheduled time strictly after ``t`` (minute precision)."""
        local = t.astimezone(self.zone).replace(second=0, microsecond=0) + timedelta(minutes=1)
        for _ in range(5 * 366 * 24 * 60):
            if (
                local.month in self.months
                and self._day_matches(local)
                and local.hour in self.hours
                and local.minute in self.minutes
            ):
                return local.astimezone(timezone.utc)
            if local.month not in self.months or not self._day_matches(local):
                local = (local + timedelta(days=1)).replace(hour=0, minute=0)
            elif local.hour not in self.hours:
                local = (local + timedelta(hours=1)).replace(minute=0)
            else:
                local += timedelta(minutes=1)
        raise ValueError("no time matches the schedule")


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.strptime(value[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)


class CronJobController:
    """Creates each CronJob's Jobs when its schedule comes round on ``clock``."""

    def __init__(self, store: Store, clock: Callable[[], datetime] = now_utc) -> None:
        self.store = store
        self.clock = clock
        self.events = EventRecorder(store, "cronjob-controller", manager=MANAGER)
        self.guard = Guard("cronjob")

    def tick(self) -> int:
        cronjobs, _ = self.store.list(CRONJOBS, copy_objects=False)
        if not cronjobs:
            return 0
        jobs, _ = self.store.list(JOBS, copy_objects=False)
        family = Family(jobs)
        return sum(self.guard.run(cj, self.sync, family) for cj in cronjobs)

    def sync(self, cj: Obj, family: Family) -> int:
        if is_being_deleted(cj):
            return 0
        spec = _spec(cj)
        status = copy.deepcopy(_status(cj))
        jobs = [j for j in family.owned_by(cj)]
        by_uid = {str(j["metadata"]["uid"]): j for j in jobs}
        writes = 0
        active: list[Obj] = []
        for ref in status.get("active") or []:
            job = by_uid.get(str(ref.get("uid")))
            if job is None:
                continue  # gone: dropped from active
            finished = _is_finished(job)
            if finished:
                self.events.event(
                    cj,
                    "Normal",
                    "SawCompletedJob",
                    f"Saw completed job: {_name(job)}, condition: {finished}",
                )
                if finished == "Complete":
                    done = _status(job).get("completionTime")
                    if done and (
                        not status.get("lastSuccessfulTime") or done > status["lastSuccessfulTime"]
                    ):
                        status["lastSuccessfulTime"] = done
                continue
            active.append(ref)
        known = {str(r.get("uid")) for r in active}
        for job in jobs:  # an active Job the status misses (e.g. after a restart)
            if not _is_finished(job) and str(job["metadata"]["uid"]) not in known:
                active.append(_job_ref(job))
        writes += self.cleanup(cj, jobs)
        now = self.clock()
        if not spec.get("suspend"):
            try:
                schedule = CronSchedule(str(spec.get("schedule", "")), spec.get("timeZone"))
            except (ValueError, zoneinfo.ZoneInfoNotFoundError) as err:
                self.events.event(
                    cj, "Warning", "UnparseableSchedule", f"unparseable schedule: {err}"
                )
                schedule = None
            if schedule is not None:
                due = self._most_recent(cj, schedule, status, now)
                if due is not None:
                    created, active = self.start_job(cj, due, active, family)
                    writes += created
                    if created or any(r.get("name") == _job_name(cj, due) for r in active):
                        status["lastScheduleTime"] = rfc3339(due)
        if active:
            status["active"] = active
        else:
            status.pop("active", None)
        ordered = {
            k: status[k]
            for k in ("active", "lastScheduleTime", "lastSuccessfulTime")
            if k in status
        }
        if ordered != _status(cj):
            writes += int(
                apply_change(self.store, CRONJOBS, cj, lambda d: d.update(status=ordered))
            )
        return writes

    def _most_recent(
        self, cj: Obj, schedule: CronSchedule, status: Obj, now: datetime
    ) -> datetime | None:
        """mostRecentScheduleTime: the latest scheduled time not after now and after the last
        one handled (or the CronJob's creation), within startingDeadlineSeconds."""
        start = _parse_time(status.get("lastScheduleTime")) or _parse_time(
            cj["metadata"].get("creationTimestamp")
        )
        if start is None:
            return None
        deadline = _spec(cj).get("startingDeadlineSeconds")
        if deadline is not None:
            start = max(start, now - timedelta(seconds=int(deadline)))
        latest = None
        t = schedule.next_after(start)
        missed = 0
        while t <= now:
            latest = t
            missed += 1
            if missed > 100:  # cronjob_controllerv2: too many missed start times
                self.events.event(
                    cj,
                    "Warning",
                    "TooManyMissedTimes",
                    "too many missed start times. Set or decrease .spec.startingDeadlineSeconds "
                    "or check clock skew",
                )
                latest = None
                t = schedule.next_after(now - timedelta(minutes=1))
                if t <= now:
                    latest = t
                break
            t = schedule.next_after(t)
        return latest

    def start_job(
        self, cj: Obj, due: datetime, active: list[Obj], family: Family
    ) -> tuple[int, list[Obj]]:
        name = _job_name(cj, due)
        if any(r.get("name") == name for r in active) or self.store.get(JOBS, _ns(cj), name):
            return 0, active
        policy = _spec(cj).get("concurrencyPolicy") or "Allow"
        if policy == "Forbid" and active:
            self.events.event(
                cj,
                "Normal",
                "JobAlreadyActive",
                "Not starting job because prior execution is running and concurrency policy is Forbid",
            )
            return 0, active
        writes = 0
        if policy == "Replace":
            for ref in list(active):
                job = self.store.get(JOBS, _ns(cj), str(ref.get("name")))
                if job is not None and delete_object(self.store, JOBS, job, policy="Background"):
                    writes += 1
                    self.events.event(cj, "Normal", "SuccessfulDelete", f"Deleted job {_name(job)}")
            active = []
        job = self.job_for(cj, due, name)
        from rawkube.testing.server.furniture import system_create

        try:
            created = system_create(self.store, "batch", "v1", "jobs", job, MANAGER, admit=True)
        except APIError as err:
            self.events.event(cj, "Warning", "FailedCreate", f"Error creating job: {err.message}")
            return writes, active
        if created is None:
            return writes, active
        self.events.event(cj, "Normal", "SuccessfulCreate", f"Created job {name}")
        return writes + 1, [*active, _job_ref(created)]

    def job_for(self, cj: Obj, due: datetime, name: str) -> Obj:
        """getJobFromTemplate2: the jobTemplate's labels, annotations and spec, the scheduled
        time as an annotation, owned by the CronJob."""
        template = _spec(cj).get("jobTemplate") or {}
        tmeta = template.get("metadata") or {}
        zone = _spec(cj).get("timeZone")
        scheduled = due.astimezone(zoneinfo.ZoneInfo(zone)) if zone else due
        stamp = (
            scheduled.strftime("%Y-%m-%dT%H:%M:%SZ")
            if scheduled.utcoffset() == timedelta(0)
            else scheduled.isoformat()
        )
        annotations = dict(tmeta.get("annotations") or {})
        annotations[CRONJOB_SCHEDULED_TIMESTAMP] = stamp
        meta: Obj = {"name": name, "namespace": _ns(cj)}
        if tmeta.get("labels"):
            meta["labels"] = dict(tmeta["labels"])
        meta["annotations"] = annotations
        meta["ownerReferences"] = [owner_reference(_with_kind(cj, "batch/v1", "CronJob"))]
        return {
            "kind": "Job",
            "apiVersion": "batch/v1",
            "metadata": meta,
            "spec": copy.deepcopy(template.get("spec") or {}),
        }

    def cleanup(self, cj: Obj, jobs: list[Obj]) -> int:
        """cleanupFinishedJobs: keep successfulJobsHistoryLimit (3) succeeded and
        failedJobsHistoryLimit (1) failed Jobs, the oldest go first."""
        spec = _spec(cj)
        writes = 0
        for kind, field_name, default in (
            ("Complete", "successfulJobsHistoryLimit", 3),
            ("Failed", "failedJobsHistoryLimit", 1),
        ):
            limit = spec.get(field_name)
            limit = default if limit is None else int(limit)
            done = [j for j in jobs if _is_finished(j) == kind and not is_being_deleted(j)]
            done.sort(
                key=lambda j: _status(j).get("startTime") or j["metadata"]["creationTimestamp"]
            )
            for job in done[: max(0, len(done) - limit)]:
                if delete_object(self.store, JOBS, job, policy="Background"):
                    writes += 1
                    self.events.event(cj, "Normal", "SuccessfulDelete", f"Deleted job {_name(job)}")
        return writes


def _job_name(cj: Obj, due: datetime) -> str:
    """getJobName: the CronJob's name and the scheduled time in minutes since the epoch."""
    return f"{_name(cj)}-{int(due.timestamp()) // 60}"


def _job_ref(job: Obj) -> Obj:
    meta = job["metadata"]
    return {
        "kind": "Job",
        "namespace": meta.get("namespace"),
        "name": meta["name"],
        "uid": meta["uid"],
        "apiVersion": "batch/v1",
        "resourceVersion": meta.get("resourceVersion"),
    }


# ---------------------------------------------------------------------------------------------
# ControllerRevisions (pkg/controller/history) for StatefulSets and DaemonSets


def _revision_patch(template: Obj) -> Obj:
    """getPatch: the template a revision restores, as a strategic merge patch."""
    data = copy.deepcopy(template)
    data["$patch"] = "replace"
    return {"spec": {"template": data}}


def _revision_hash(data: Obj, collision_count: int | None) -> str:
    """history.HashControllerRevision: fnv32 of the revision's data (and the collision count),
    safe-encoded. The bytes hashed differ from Go's, the properties are the same."""
    raw = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
    if collision_count:
        raw += str(collision_count).encode()
    return safe_encode(str(_fnv32a(raw)))


def _sync_revision(
    store: Store, owner: Obj, kind: str, revisions: list[Obj], template: Obj
) -> tuple[Obj, int]:
    """The ControllerRevision of ``owner``'s current template (created when new, renumbered
    when an old one comes back); returns it and the writes made."""
    from rawkube.testing.server.furniture import system_create

    data = _revision_patch(template)
    collision = _status(owner).get("collisionCount")
    hash_ = _revision_hash(data, collision)
    name = f"{_name(owner)}-{hash_}"
    newest = max((int(r.get("revision") or 0) for r in revisions), default=0)
    for rev in revisions:
        if _name(rev) == name:
            if int(rev.get("revision") or 0) < newest:
                changed = apply_change(
                    store, CONTROLLERREVISIONS, rev, lambda d: d.update(revision=newest + 1)
                )
                rev = store.get(CONTROLLERREVISIONS, _ns(owner), name) or rev
                return rev, int(changed)
            return rev, 0
    labels = dict(((template.get("metadata") or {}).get("labels")) or {})
    labels[HISTORY_HASH] = hash_
    revision = {
        "kind": "ControllerRevision",
        "apiVersion": "apps/v1",
        "metadata": {
            "name": name,
            "namespace": _ns(owner),
            "labels": labels,
            "ownerReferences": [owner_reference(_with_kind(owner, "apps/v1", kind))],
        },
        "data": data,
        "revision": newest + 1,
    }
    created = system_create(store, "apps", "v1", "controllerrevisions", revision, MANAGER)
    return (created or store.must_get(CONTROLLERREVISIONS, _ns(owner), name)), 1


def _prune_revisions(store: Store, owner: Obj, revisions: list[Obj], live: set[str]) -> int:
    """truncateHistory: keep revisionHistoryLimit (10) unused revisions besides the live ones."""
    limit = _spec(owner).get("revisionHistoryLimit")
    limit = 10 if limit is None else int(limit)
    unused = sorted(
        (r for r in revisions if _name(r) not in live), key=lambda r: int(r.get("revision") or 0)
    )
    return sum(
        int(delete_object(store, CONTROLLERREVISIONS, r))
        for r in unused[: max(0, len(unused) - limit)]
    )


# ---------------------------------------------------------------------------------------------
# StatefulSet (pkg/controller/statefulset: stateful_set_control.go, stateful_set_utils.go)


def _ordinal(pod: Obj, set_name: str) -> int:
    name = _name(pod)
    prefix = set_name + "-"
    if name.startswith(prefix) and name[len(prefix) :].isdigit():
        return int(name[len(prefix) :])
    return -1


def _running_and_ready(pod: Obj) -> bool:
    return _status(pod).get("phase") == "Running" and pod_is_ready(pod)


class StatefulSetController:
    """Ordinal Pods, their claims and revisions for each StatefulSet (module docstring)."""

    def __init__(self, store: Store, clock: Callable[[], datetime] = now_utc) -> None:
        self.store = store
        self.clock = clock
        self.events = EventRecorder(store, "statefulset-controller", manager=MANAGER)
        self.guard = Guard("statefulset")

    def tick(self) -> int:
        sets, _ = self.store.list(STATEFULSETS, copy_objects=False)
        if not sets:
            return 0
        pods = Family(self.store.list(PODS, copy_objects=False)[0])
        revisions = Family(self.store.list(CONTROLLERREVISIONS, copy_objects=False)[0])
        terminating = terminating_namespaces(self.store)
        return sum(self.guard.run(s, self.sync, pods, revisions, terminating) for s in sets)

    def sync(self, sts: Obj, pods: Family, revisions: Family, terminating_ns: set[str]) -> int:
        sts = _with_kind(sts, "apps/v1", "StatefulSet")
        writes, owned = claim(self.store, PODS, sts, owner_reference(sts), pods)
        if is_being_deleted(sts) or _ns(sts) in terminating_ns:
            return writes
        revs = list(revisions.owned_by(sts))
        template = _spec(sts).get("template") or {}
        update_rev, made = _sync_revision(self.store, sts, "StatefulSet", revs, template)
        writes += made
        update_name = _name(update_rev)
        current_name = _status(sts).get("currentRevision") or update_name
        start = int((_spec(sts).get("ordinals") or {}).get("start") or 0)
        replicas = spec_replicas(sts)
        by_ordinal: dict[int, Obj] = {}
        condemned: list[Obj] = []
        for pod in owned:
            ordinal = _ordinal(pod, _name(sts))
            if start <= ordinal < start + replicas:
                by_ordinal[ordinal] = pod
            else:
                condemned.append(pod)
        parallel = _spec(sts).get("podManagementPolicy") == "Parallel"
        # Failed Pods are deleted and recreated (stateful_set_control.go processReplica).
        for existing in by_ordinal.values():
            phase = _status(existing).get("phase")
            if phase in ("Failed", "Succeeded") and not is_being_deleted(existing):
                writes += self.delete_pod(sts, existing)
        blocked = False
        for ordinal in range(start, start + replicas):
            found = by_ordinal.get(ordinal)
            if found is None:
                writes += self.create_pod(sts, ordinal, update_name, template)
                if not parallel:
                    blocked = True
                    break
                continue
            if not parallel and (is_being_deleted(found) or not _running_and_ready(found)):
                blocked = True
                break
        if not blocked:
            # Scale down: the highest ordinal first, one at a time unless Parallel.
            for pod in sorted(condemned, key=lambda p: -_ordinal(p, _name(sts))):
                if is_being_deleted(pod):
                    if not parallel:
                        break
                    continue
                writes += self.delete_pod(sts, pod)
                if not parallel:
                    break
            # Rolling update: the highest ordinal not at the update revision, when all ready.
            strategy = _spec(sts).get("updateStrategy") or {}
            if strategy.get("type", "RollingUpdate") == "RollingUpdate" and not condemned:
                partition = int((strategy.get("rollingUpdate") or {}).get("partition") or 0)
                all_ready = all(_running_and_ready(p) for p in by_ordinal.values())
                for ordinal in sorted(by_ordinal, reverse=True):
                    pod = by_ordinal[ordinal]
                    if ordinal < start + partition:
                        break
                    if labels_of(pod).get(REVISION_HASH) != update_name and not is_being_deleted(
                        pod
                    ):
                        if all_ready or parallel:
                            writes += self.delete_pod(sts, pod)
                        break
        owned = [
            p
            for p in self.store.list(PODS, _ns(sts), copy_objects=False)[0]
            if (controller_ref(p) or {}).get("uid") == sts["metadata"]["uid"]
        ]
        status = self.status(sts, owned, current_name, update_name)
        if status != _status(sts):
            writes += int(
                apply_change(self.store, STATEFULSETS, sts, lambda d: d.update(status=status))
            )
        live = {update_name, current_name}
        writes += _prune_revisions(self.store, sts, revs, live)
        return writes

    def create_pod(self, sts: Obj, ordinal: int, revision: str, template: Obj) -> int:
        from rawkube.testing.server.furniture import system_create

        name = f"{_name(sts)}-{ordinal}"
        writes = 0
        claims = self.claims(sts, ordinal)
        for claim_obj in claims:
            if self.store.get(PVCS, _ns(sts), _name(claim_obj)) is None:
                try:
                    system_create(
                        self.store,
                        "",
                        "v1",
                        "persistentvolumeclaims",
                        claim_obj,
                        MANAGER,
                        admit=True,
                    )
                except APIError as err:
                    self.events.event(
                        sts,
                        "Warning",
                        "FailedCreate",
                        f"Create Claim {_name(claim_obj)} for Pod {name} in StatefulSet "
                        f"{_name(sts)} failed error: {err.message}",
                    )
                    return writes
                writes += 1
                self.events.event(
                    sts,
                    "Normal",
                    "SuccessfulCreate",
                    f"Create Claim {_name(claim_obj)} Pod {name} in StatefulSet {_name(sts)} success",
                )
        pod = _template_pod(sts, template, f"{_name(sts)}-")
        pod["metadata"]["name"] = name
        labels = pod["metadata"]["labels"]
        labels[STS_POD_NAME] = name
        labels[POD_INDEX] = str(ordinal)
        labels[REVISION_HASH] = revision
        spec = pod["spec"]
        spec["hostname"] = name
        if _spec(sts).get("serviceName"):
            spec["subdomain"] = _spec(sts)["serviceName"]
        volumes = [
            {
                "name": (t.get("metadata") or {}).get("name"),
                "persistentVolumeClaim": {"claimName": _name(c)},
            }
            for t, c in zip(_spec(sts).get("volumeClaimTemplates") or [], claims, strict=False)
        ]
        names = {v["name"] for v in volumes}
        spec["volumes"] = volumes + [
            v for v in spec.get("volumes") or [] if v.get("name") not in names
        ]
        if not spec["volumes"]:
            spec.pop("volumes")
        try:
            create_pod(self.store, pod)
        except APIError as err:
            if err.reason == "AlreadyExists":
                return writes
            self.events.event(
                sts,
                "Warning",
                "FailedCreate",
                f"Create Pod {name} in StatefulSet {_name(sts)} failed error: {err.message}",
            )
            return writes
        self.events.event(
            sts,
            "Normal",
            "SuccessfulCreate",
            f"Create Pod {name} in StatefulSet {_name(sts)} successful",
        )
        return writes + 1

    def claims(self, sts: Obj, ordinal: int) -> list[Obj]:
        """getPersistentVolumeClaims: ``<template>-<set>-<ordinal>``, labelled with the
        selector's matchLabels; owned by the set or the Pod as the retention policy says."""
        out = []
        selector = ((_spec(sts).get("selector") or {}).get("matchLabels")) or {}
        policy = _spec(sts).get("persistentVolumeClaimRetentionPolicy") or {}
        for template in _spec(sts).get("volumeClaimTemplates") or []:
            claim_obj = copy.deepcopy(template)
            meta = claim_obj.setdefault("metadata", {})
            meta["name"] = f"{meta.get('name')}-{_name(sts)}-{ordinal}"
            meta["namespace"] = _ns(sts)
            meta["labels"] = {**(meta.get("labels") or {}), **selector}
            if policy.get("whenDeleted") == "Delete":
                meta["ownerReferences"] = [owner_reference(sts, block=True)]
                meta["ownerReferences"][0]["controller"] = True
            claim_obj["kind"] = "PersistentVolumeClaim"
            claim_obj["apiVersion"] = "v1"
            claim_obj.pop("status", None)
            out.append(claim_obj)
        return out

    def delete_pod(self, sts: Obj, pod: Obj) -> int:
        if not delete_object(self.store, PODS, pod):
            return 0
        self.events.event(
            sts,
            "Normal",
            "SuccessfulDelete",
            f"Delete Pod {_name(pod)} in StatefulSet {_name(sts)} successful",
        )
        return 1

    def status(self, sts: Obj, owned: list[Obj], current: str, update: str) -> Obj:
        """computeReplicaStatus + the revisions (stateful_set_control.go)."""
        now = self.clock()
        min_ready = int(_spec(sts).get("minReadySeconds") or 0)
        live = [p for p in owned if not is_being_deleted(p)]
        ready = [p for p in live if _running_and_ready(p)]
        updated = [p for p in live if labels_of(p).get(REVISION_HASH) == update]
        currents = [p for p in live if labels_of(p).get(REVISION_HASH) == current]
        replicas = spec_replicas(sts)
        if len(updated) == replicas and all(_running_and_ready(p) for p in updated):
            current, currents = update, updated
        status: Obj = {
            "observedGeneration": sts["metadata"].get("generation", 1),
            "replicas": len(live),
            "readyReplicas": len(ready),
            "currentReplicas": len(currents),
            "updatedReplicas": len(updated),
            "currentRevision": current,
            "updateRevision": update,
            "collisionCount": int(_status(sts).get("collisionCount") or 0),
            "availableReplicas": sum(1 for p in ready if pod_is_available(p, min_ready, now)),
        }
        for key in ("readyReplicas", "currentReplicas", "updatedReplicas"):
            if not status[key]:
                del status[key]
        return status


# ---------------------------------------------------------------------------------------------
# DaemonSet (pkg/controller/daemon/daemon_controller.go, util/daemonset_util.go)

# util.AddOrUpdateDaemonPodTolerations, in its order.
_DAEMON_TOLERATIONS = (
    ("node.kubernetes.io/not-ready", "NoExecute"),
    ("node.kubernetes.io/unreachable", "NoExecute"),
    ("node.kubernetes.io/disk-pressure", "NoSchedule"),
    ("node.kubernetes.io/memory-pressure", "NoSchedule"),
    ("node.kubernetes.io/pid-pressure", "NoSchedule"),
    ("node.kubernetes.io/unschedulable", "NoSchedule"),
)
TEMPLATE_GENERATION_ANNOTATION = "deprecated.daemonset.template.generation"


def _node_selector_term_matches(term: Obj, node: Obj) -> bool:
    labels = labels_of(node)
    for expr in term.get("matchExpressions") or []:
        key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        have = labels.get(key)
        ok = {
            "In": have in values,
            "NotIn": have not in values,
            "Exists": key in labels,
            "DoesNotExist": key not in labels,
            "Gt": have is not None and have.isdigit() and int(have) > int(values[0]),
            "Lt": have is not None and have.isdigit() and int(have) < int(values[0]),
        }.get(op, False)
        if not ok:
            return False
    for expr in term.get("matchFields") or []:
        if expr.get("key") == "metadata.name":
            inside = _name(node) in (expr.get("values") or [])
            if (expr.get("operator") == "In") != inside:
                return False
    return True


def node_admits(pod_spec: Obj, node: Obj, extra_tolerations: list[Obj]) -> bool:
    """NodeShouldRunDaemonPod's predicates: node selector, required node affinity, and the
    node's NoSchedule/NoExecute taints against the tolerations."""
    labels = labels_of(node)
    if any(labels.get(k) != v for k, v in (pod_spec.get("nodeSelector") or {}).items()):
        return False
    required = ((pod_spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    ) or {}
    terms = required.get("nodeSelectorTerms") or []
    if terms and not any(_node_selector_term_matches(t, node) for t in terms):
        return False
    tolerations = list(pod_spec.get("tolerations") or []) + extra_tolerations
    for taint in _spec(node).get("taints") or []:
        if taint.get("effect") not in ("NoSchedule", "NoExecute"):
            continue
        if not any(_tolerates(t, taint) for t in tolerations):
            return False
    return True


def _tolerates(toleration: Obj, taint: Obj) -> bool:
    if toleration.get("effect") and toleration["effect"] != taint.get("effect"):
        return False
    if toleration.get("operator") == "Exists":
        return not toleration.get("key") or toleration["key"] == taint.get("key")
    return toleration.get("key") == taint.get("key") and toleration.get("value", "") == taint.get(
        "value", ""
    )


def _daemon_tolerations(pod_spec: Obj) -> list[Obj]:
    wanted = list(_DAEMON_TOLERATIONS)
    if pod_spec.get("hostNetwork"):
        wanted.append(("node.kubernetes.io/network-unavailable", "NoSchedule"))
    return [{"key": k, "operator": "Exists", "effect": e} for k, e in wanted]


class DaemonSetController:
    """One Pod per admitting Node for each DaemonSet, and its status counters."""

    def __init__(self, store: Store, clock: Callable[[], datetime] = now_utc) -> None:
        self.store = store
        self.clock = clock
        self.events = EventRecorder(store, "daemonset-controller", manager=MANAGER)
        self.guard = Guard("daemonset")

    def tick(self) -> int:
        sets, _ = self.store.list(DAEMONSETS, copy_objects=False)
        if not sets:
            return 0
        nodes, _ = self.store.list(NODES, copy_objects=False)
        pods = Family(self.store.list(PODS, copy_objects=False)[0])
        revisions = Family(self.store.list(CONTROLLERREVISIONS, copy_objects=False)[0])
        terminating = terminating_namespaces(self.store)
        return sum(
            self.guard.run(ds, self.sync, nodes, pods, revisions, terminating) for ds in sets
        )

    def sync(
        self, ds: Obj, nodes: list[Obj], pods: Family, revisions: Family, terminating_ns: set[str]
    ) -> int:
        ds = _with_kind(ds, "apps/v1", "DaemonSet")
        writes, owned = claim(self.store, PODS, ds, owner_reference(ds), pods)
        if is_being_deleted(ds):
            return writes
        template = _spec(ds).get("template") or {}
        revs = list(revisions.owned_by(ds))
        revision, made = _sync_revision(self.store, ds, "DaemonSet", revs, template)
        writes += made
        hash_ = labels_of(revision).get(HISTORY_HASH, "")
        pod_spec = template.get("spec") or {}
        extra = _daemon_tolerations(pod_spec)
        by_node: dict[str, list[Obj]] = {}
        for pod in owned:
            node = _spec(pod).get("nodeName") or _affinity_node(pod)
            by_node.setdefault(str(node or ""), []).append(pod)
        if _ns(ds) not in terminating_ns:
            for node in nodes:
                should = node_admits(pod_spec, node, extra) and not is_being_deleted(node)
                running = [p for p in by_node.get(_name(node), []) if not is_being_deleted(p)]
                failed = [p for p in running if _status(p).get("phase") == "Failed"]
                for pod in failed:
                    self.events.event(
                        ds,
                        "Warning",
                        "FailedDaemonPod",
                        f"Found failed daemon pod {_ns(pod)}/{_name(pod)} on node {_name(node)}, "
                        "will try to kill it",
                    )
                    writes += self.delete_pod(ds, pod)
                running = [p for p in running if p not in failed]
                if should and not running:
                    writes += self.create_pod(ds, node, hash_, template, extra)
                elif should and len(running) > 1:
                    for pod in deletion_order(running)[: len(running) - 1]:
                        writes += self.delete_pod(ds, pod)
                elif not should:
                    for pod in running:
                        writes += self.delete_pod(ds, pod)
                elif self._outdated(ds, running[0], hash_):
                    # RollingUpdate with maxUnavailable: replace the old Pod.
                    writes += self.delete_pod(ds, running[0])
        owned = [
            p
            for p in self.store.list(PODS, _ns(ds), copy_objects=False)[0]
            if (controller_ref(p) or {}).get("uid") == ds["metadata"]["uid"]
        ]
        status = self.status(ds, nodes, owned, hash_, extra)
        if status != _status(ds):
            writes += int(
                apply_change(self.store, DAEMONSETS, ds, lambda d: d.update(status=status))
            )
        writes += _prune_revisions(self.store, ds, revs, {_name(revision)})
        return writes

    @staticmethod
    def _outdated(ds: Obj, pod: Obj, hash_: str) -> bool:
        strategy = (_spec(ds).get("updateStrategy") or {}).get("type", "RollingUpdate")
        return strategy == "RollingUpdate" and labels_of(pod).get(REVISION_HASH) != hash_

    def create_pod(self, ds: Obj, node: Obj, hash_: str, template: Obj, extra: list[Obj]) -> int:
        pod = _template_pod(ds, template, f"{_name(ds)}-")
        labels = pod["metadata"]["labels"]
        labels[REVISION_HASH] = hash_
        generation = (ds["metadata"].get("annotations") or {}).get(
            TEMPLATE_GENERATION_ANNOTATION, str(ds["metadata"].get("generation", 1))
        )
        labels[TEMPLATE_GENERATION] = generation
        spec = pod["spec"]
        # util.ReplaceDaemonSetPodNodeNameNodeAffinity: pinned to its node by name.
        affinity = spec.setdefault("affinity", {})
        node_affinity = affinity.setdefault("nodeAffinity", {})
        node_affinity["requiredDuringSchedulingIgnoredDuringExecution"] = {
            "nodeSelectorTerms": [
                {
                    "matchFields": [
                        {"key": "metadata.name", "operator": "In", "values": [_name(node)]}
                    ]
                }
            ]
        }
        tolerations = list(spec.get("tolerations") or [])
        for toleration in extra:
            if not any(
                t.get("key") == toleration["key"] and t.get("effect") == toleration["effect"]
                for t in tolerations
            ):
                tolerations.append(toleration)
        spec["tolerations"] = tolerations
        try:
            created = create_pod(self.store, pod)
        except APIError as err:
            self.events.event(ds, "Warning", "FailedCreate", f"Error creating: {err.message}")
            return 0
        self.events.event(ds, "Normal", "SuccessfulCreate", f"Created pod: {_name(created)}")
        return 1

    def delete_pod(self, ds: Obj, pod: Obj) -> int:
        if not delete_object(self.store, PODS, pod):
            return 0
        self.events.event(ds, "Normal", "SuccessfulDelete", f"Deleted pod: {_name(pod)}")
        return 1

    def status(
        self, ds: Obj, nodes: list[Obj], owned: list[Obj], hash_: str, extra: list[Obj]
    ) -> Obj:
        """updateDaemonSetStatus: the counters over the nodes."""
        pod_spec = (_spec(ds).get("template") or {}).get("spec") or {}
        now = self.clock()
        min_ready = int(_spec(ds).get("minReadySeconds") or 0)
        desired = current = misscheduled = ready = available = updated = 0
        for node in nodes:
            on_node = [
                p
                for p in owned
                if (_spec(p).get("nodeName") or _affinity_node(p)) == _name(node)
                and not is_being_deleted(p)
            ]
            if node_admits(pod_spec, node, extra):
                desired += 1
                if on_node:
                    current += 1
                    newest = on_node[0]
                    if pod_is_ready(newest):
                        ready += 1
                        if pod_is_available(newest, min_ready, now):
                            available += 1
                    if labels_of(newest).get(REVISION_HASH) == hash_:
                        updated += 1
            elif on_node:
                misscheduled += 1
        status: Obj = {
            "currentNumberScheduled": current,
            "numberMisscheduled": misscheduled,
            "desiredNumberScheduled": desired,
            "numberReady": ready,
            "observedGeneration": ds["metadata"].get("generation", 1),
        }
        if updated:
            status["updatedNumberScheduled"] = updated
        if available:
            status["numberAvailable"] = available
        if desired - available:
            status["numberUnavailable"] = desired - available
        return status


def _affinity_node(pod: Obj) -> str | None:
    """The node a daemon Pod is pinned to before it is bound."""
    required = ((_spec(pod).get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    ) or {}
    for term in required.get("nodeSelectorTerms") or []:
        for expr in term.get("matchFields") or []:
            if expr.get("key") == "metadata.name" and expr.get("values"):
                return str(expr["values"][0])
    return None


# ---------------------------------------------------------------------------------------------
# ReplicationController (pkg/controller/replication: the ReplicaSet controller on RCs)


class ReplicationManager:
    """``spec.replicas`` Pods for every ReplicationController, and its status."""

    def __init__(self, store: Store, clock: Callable[[], datetime] = now_utc) -> None:
        self.store = store
        self.clock = clock
        self.events = EventRecorder(store, "replication-controller", manager=MANAGER)
        self.guard = Guard("replicationcontroller")

    def tick(self) -> int:
        rcs, _ = self.store.list(REPLICATIONCONTROLLERS, copy_objects=False)
        if not rcs:
            return 0
        family = Family(self.store.list(PODS, copy_objects=False)[0])
        terminating = terminating_namespaces(self.store)
        return sum(self.guard.run(rc, self.sync, family, terminating) for rc in rcs)

    def sync(self, rc: Obj, family: Family, terminating_ns: set[str]) -> int:
        rc = _with_kind(rc, "v1", "ReplicationController")
        # An RC's selector is a plain map: as a LabelSelector it is matchLabels.
        as_rs = {
            **rc,
            "spec": {**_spec(rc), "selector": {"matchLabels": _spec(rc).get("selector") or {}}},
        }
        writes, owned = claim(self.store, PODS, as_rs, owner_reference(rc), family)
        if not is_being_deleted(rc) and _ns(rc) not in terminating_ns:
            writes += self.manage(rc, owned)
            owned = [
                p
                for p in self.store.list(PODS, _ns(rc), copy_objects=False)[0]
                if (controller_ref(p) or {}).get("uid") == rc["metadata"]["uid"]
            ]
        status = self.status(rc, owned)
        if status != _status(rc):
            writes += int(
                apply_change(
                    self.store, REPLICATIONCONTROLLERS, rc, lambda d: d.update(status=status)
                )
            )
        return writes

    def manage(self, rc: Obj, owned: list[Obj]) -> int:
        active = [p for p in owned if pod_is_active(p)]
        diff = len(active) - spec_replicas(rc)
        writes = 0
        if diff < 0:
            for _ in range(min(-diff, BURST)):
                pod = _template_pod(rc, _spec(rc).get("template") or {}, f"{_name(rc)}-")
                try:
                    created = create_pod(self.store, pod)
                except APIError as err:
                    self.events.event(
                        rc, "Warning", "FailedCreate", f"Error creating: {err.message}"
                    )
                    break
                self.events.event(
                    rc, "Normal", "SuccessfulCreate", f"Created pod: {_name(created)}"
                )
                writes += 1
        elif diff > 0:
            for pod in deletion_order(active)[:diff]:
                if delete_object(self.store, PODS, pod):
                    self.events.event(
                        rc, "Normal", "SuccessfulDelete", f"Deleted pod: {_name(pod)}"
                    )
                    writes += 1
        return writes

    def status(self, rc: Obj, owned: list[Obj]) -> Obj:
        """calculateStatus on an RC (ReplicationControllerStatus has no terminatingReplicas)."""
        active = [p for p in owned if pod_is_active(p)]
        template_labels = ((_spec(rc).get("template") or {}).get("metadata") or {}).get(
            "labels"
        ) or {}
        min_ready = int(_spec(rc).get("minReadySeconds") or 0)
        now = self.clock()
        status: Obj = {"replicas": len(active)}
        fully = sum(1 for p in active if template_labels.items() <= labels_of(p).items())
        if fully:
            status["fullyLabeledReplicas"] = fully
        ready = sum(1 for p in active if pod_is_ready(p))
        if ready:
            status["readyReplicas"] = ready
        available = sum(1 for p in active if pod_is_available(p, min_ready, now))
        if available:
            status["availableReplicas"] = available
        status["observedGeneration"] = rc["metadata"].get("generation", 1)
        if "conditions" in _status(rc):
            status["conditions"] = _status(rc)["conditions"]
        return status


# ---------------------------------------------------------------------------------------------
# EndpointSlices and Endpoints (pkg/controller/endpointslice, pkg/controller/endpoint)

MANAGED_BY = "endpointslice.kubernetes.io/managed-by"
SLICE_CONTROLLER = "endpointslice-controller.k8s.io"
SERVICE_NAME = "kubernetes.io/service-name"
TRIGGER_TIME = "endpoints.kubernetes.io/last-change-trigger-time"
ENDPOINTS_MANAGED_BY = "endpoints.kubernetes.io/managed-by"


class TriggerTimeTracker:
    """endpointslice/util/trigger_time_tracker.go: the last-change-trigger-time of a Service's
    endpoints is the earliest change since the last sync: a selected Pod's Ready transition,
    or the Service's creation when it is new; none (the annotation goes) otherwise."""

    def __init__(self) -> None:
        self._pods: dict[tuple[str, str], dict[str, str]] = {}
        self._services: dict[tuple[str, str], str] = {}

    def compute(self, service: Obj, pods: list[Obj]) -> str | None:
        key = (_ns(service), _name(service))
        known = key in self._services
        last_pods = self._pods.get(key, {})
        changed: list[str] = []
        now_pods: dict[str, str] = {}
        for pod in pods:
            ready = find_condition(_status(pod).get("conditions"), "Ready") or {}
            when = ready.get("lastTransitionTime")
            if when:
                now_pods[_name(pod)] = when
                if when > last_pods.get(_name(pod), ""):
                    changed.append(when)
        created = str(service["metadata"].get("creationTimestamp") or "")
        if not known or created > self._services[key]:
            changed.append(created)
        self._pods[key] = now_pods
        self._services[key] = created
        return min((c for c in changed if c), default=None)


def _set_trigger(draft: Obj, trigger: str | None) -> None:
    """The annotation when there is a trigger time, none otherwise (EndpointsController
    syncService, endpointslice addTriggerTimeAnnotation)."""
    annotations = draft["metadata"].setdefault("annotations", {})
    if trigger:
        annotations[TRIGGER_TIME] = trigger
    else:
        annotations.pop(TRIGGER_TIME, None)
    if not annotations:
        del draft["metadata"]["annotations"]


def _service_pods(service: Obj, pods: list[Obj]) -> list[Obj]:
    selector = _spec(service).get("selector") or {}
    return sorted(
        (
            p
            for p in pods
            if _ns(p) == _ns(service)
            and all(labels_of(p).get(k) == v for k, v in selector.items())
            and _status(p).get("phase") not in ("Succeeded", "Failed")
            and (_status(p).get("podIP") or (_status(p).get("podIPs") or [{}])[0].get("ip"))
        ),
        key=_name,
    )


def _target_port(service_port: Obj, pod: Obj) -> int | None:
    """podutil.FindPort: a numeric targetPort as it is, a named one from the Pod's containers."""
    target = service_port.get("targetPort", service_port.get("port"))
    if isinstance(target, int):
        return target
    if isinstance(target, str) and target.isdigit():
        return int(target)
    for container in _spec(pod).get("containers") or []:
        for port in container.get("ports") or []:
            if port.get("name") == target and port.get("protocol", "TCP") == service_port.get(
                "protocol", "TCP"
            ):
                return int(port["containerPort"])
    return None


def _pod_ready(pod: Obj) -> bool:
    return pod_is_ready(pod) and not is_being_deleted(pod)


class EndpointSliceController:
    """One EndpointSlice per Service with a selector (pkg/controller/endpointslice)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.guard = Guard("endpointslice")
        self.triggers = TriggerTimeTracker()

    def tick(self) -> int:
        services, _ = self.store.list(SERVICES, copy_objects=False)
        if not services:
            return 0
        pods, _ = self.store.list(PODS, copy_objects=False)
        slices = Family(self.store.list(ENDPOINTSLICES, copy_objects=False)[0])
        nodes = {_name(n) for n in self.store.list(NODES, copy_objects=False)[0]}
        return sum(
            self.guard.run(s, self.sync, pods, slices, nodes)
            for s in services
            if _spec(s).get("selector") and _spec(s).get("type") != "ExternalName"
        )

    def desired(
        self, service: Obj, pods: list[Obj], nodes: set[str] | None = None
    ) -> tuple[list[Obj] | None, list[Obj] | None]:
        """The endpoints and ports of a Service's slice (None, None when it selects nothing).
        A Pod on a Node that does not exist is left out (reconciler.go: "skipping Pod for
        Service, Node not found") unless the Service publishes not-ready addresses."""
        selected = [
            p
            for p in _service_pods(service, pods)
            if nodes is None
            or _spec(service).get("publishNotReadyAddresses")
            or (_spec(p).get("nodeName") or "") in nodes
        ]
        if not selected:
            return None, None
        ports: list[Obj] | None = None
        endpoints: list[Obj] = []
        for pod in selected:
            pod_ports = []
            for sp in _spec(service).get("ports") or []:
                number = _target_port(sp, pod)
                if number is None:
                    continue
                entry: Obj = {
                    "name": sp.get("name", ""),
                    "protocol": sp.get("protocol", "TCP"),
                    "port": number,
                }
                if sp.get("appProtocol"):
                    entry["appProtocol"] = sp["appProtocol"]
                pod_ports.append(entry)
            ports = pod_ports if ports is None else ports
            ready = _pod_ready(pod)
            ip = _status(pod).get("podIP") or (_status(pod).get("podIPs") or [{}])[0].get("ip")
            endpoint: Obj = {
                "addresses": [ip],
                "conditions": {
                    "ready": ready,
                    "serving": pod_is_ready(pod),
                    "terminating": is_being_deleted(pod),
                },
            }
            if _spec(pod).get("hostname") and _spec(pod).get("subdomain") == _name(service):
                endpoint["hostname"] = _spec(pod)["hostname"]
            endpoint["targetRef"] = {
                "kind": "Pod",
                "namespace": _ns(pod),
                "name": _name(pod),
                "uid": pod["metadata"]["uid"],
            }
            if _spec(pod).get("nodeName"):
                endpoint["nodeName"] = _spec(pod)["nodeName"]
            if ready or _spec(service).get("publishNotReadyAddresses") or not is_being_deleted(pod):
                endpoints.append(endpoint)
        return endpoints, ports

    def sync(self, service: Obj, pods: list[Obj], slices: Family, nodes: set[str]) -> int:
        from rawkube.testing.server.furniture import system_create

        service = _with_kind(service, "v1", "Service")
        endpoints, ports = self.desired(service, pods, nodes)
        owned = [
            s for s in slices.owned_by(service) if labels_of(s).get(MANAGED_BY) == SLICE_CONTROLLER
        ]
        trigger = self.triggers.compute(service, _service_pods(service, pods))
        labels = {
            **{k: v for k, v in labels_of(service).items() if k not in (MANAGED_BY, SERVICE_NAME)},
            MANAGED_BY: SLICE_CONTROLLER,
            SERVICE_NAME: _name(service),
        }
        if not owned:
            family = (
                "IPv6" if (_spec(service).get("ipFamilies") or ["IPv4"])[0] == "IPv6" else "IPv4"
            )
            slice_obj: Obj = {
                "kind": "EndpointSlice",
                "apiVersion": "discovery.k8s.io/v1",
                "metadata": {
                    "generateName": f"{_name(service)}-",
                    "namespace": _ns(service),
                    "labels": labels,
                    "annotations": {TRIGGER_TIME: trigger} if trigger else {},
                    "ownerReferences": [owner_reference(service)],
                },
                "addressType": family,
                "endpoints": endpoints,
                "ports": ports,
            }
            created = system_create(
                self.store, "discovery.k8s.io", "v1", "endpointslices", slice_obj, MANAGER
            )
            return int(created is not None)
        current = owned[0]
        writes = sum(int(delete_object(self.store, ENDPOINTSLICES, s)) for s in owned[1:])
        if (
            current.get("endpoints") != endpoints
            or current.get("ports") != ports
            or labels_of(current) != labels
        ):

            def change(draft: Obj) -> None:
                draft["endpoints"] = endpoints
                draft["ports"] = ports
                draft["metadata"]["labels"] = labels
                _set_trigger(draft, trigger)

            writes += int(apply_change(self.store, ENDPOINTSLICES, current, change))
        return writes


class EndpointsController:
    """The v1 Endpoints of each Service with a selector (pkg/controller/endpoint)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.guard = Guard("endpoints")
        self.triggers = TriggerTimeTracker()

    def tick(self) -> int:
        services, _ = self.store.list(SERVICES, copy_objects=False)
        if not services:
            return 0
        pods, _ = self.store.list(PODS, copy_objects=False)
        return sum(
            self.guard.run(s, self.sync, pods)
            for s in services
            if _spec(s).get("selector") and _spec(s).get("type") != "ExternalName"
        )

    def sync(self, service: Obj, pods: list[Obj]) -> int:
        from rawkube.testing.server.furniture import system_create

        ready: list[Obj] = []
        not_ready: list[Obj] = []
        ports: list[Obj] = []
        for pod in _service_pods(service, pods):
            if is_being_deleted(pod) and not _spec(service).get("publishNotReadyAddresses"):
                continue
            address: Obj = {"ip": _status(pod).get("podIP")}
            if _spec(pod).get("nodeName"):
                address["nodeName"] = _spec(pod)["nodeName"]
            address["targetRef"] = {
                "kind": "Pod",
                "namespace": _ns(pod),
                "name": _name(pod),
                "uid": pod["metadata"]["uid"],
            }
            (
                ready
                if pod_is_ready(pod) or _spec(service).get("publishNotReadyAddresses")
                else not_ready
            ).append(address)
            if not ports:
                for sp in _spec(service).get("ports") or []:
                    number = _target_port(sp, pod)
                    if number is not None:
                        entry: Obj = {
                            "name": sp.get("name", ""),
                            "port": number,
                            "protocol": sp.get("protocol", "TCP"),
                        }
                        if not entry["name"]:
                            del entry["name"]
                        ports.append(entry)
        subsets: list[Obj] = []
        if ready or not_ready:
            subset: Obj = {}
            if ready:
                subset["addresses"] = ready
            if not_ready:
                subset["notReadyAddresses"] = not_ready
            subset["ports"] = ports
            subsets.append(subset)
        labels = {**labels_of(service), ENDPOINTS_MANAGED_BY: "endpoint-controller"}
        existing = self.store.get(ENDPOINTS, _ns(service), _name(service))
        trigger = self.triggers.compute(service, _service_pods(service, pods))
        if existing is None:
            obj: Obj = {
                "kind": "Endpoints",
                "apiVersion": "v1",
                "metadata": {
                    "name": _name(service),
                    "namespace": _ns(service),
                    "labels": labels,
                    "annotations": {TRIGGER_TIME: trigger} if trigger else {},
                },
            }
            if subsets:
                obj["subsets"] = subsets
            return int(system_create(self.store, "", "v1", "endpoints", obj, MANAGER) is not None)
        if (existing.get("subsets") or []) == subsets and labels_of(existing) == labels:
            return 0

        def change(draft: Obj) -> None:
            if subsets:
                draft["subsets"] = subsets
            else:
                draft.pop("subsets", None)
            draft["metadata"]["labels"] = labels
            _set_trigger(draft, trigger)

        return int(apply_change(self.store, ENDPOINTS, existing, change))


def workload_controllers(
    store: Store, wall_clock: Callable[[], datetime] = now_utc, pod_run_seconds: float = 1.0
) -> list[tuple[str, Any]]:
    """This module's controllers, as ControllerManager runs them (kube-controller-manager's
    names for them)."""
    return [
        ("job", JobController(store, wall_clock)),
        ("cronjob", CronJobController(store, wall_clock)),
        ("statefulset", StatefulSetController(store)),
        ("daemonset", DaemonSetController(store)),
        ("replicationcontroller", ReplicationManager(store)),
        ("endpointslice", EndpointSliceController(store)),
        ("endpoints", EndpointsController(store)),
        ("job-pods", JobPodRunner(store, pod_run_seconds, wall_clock)),
    ]


__all__ = [
    "CronJobController",
    "CronSchedule",
    "DaemonSetController",
    "EndpointSliceController",
    "EndpointsController",
    "JobController",
    "JobPodRunner",
    "ReplicationManager",
    "SimulatedClock",
    "StatefulSetController",
    "workload_controllers",
]
