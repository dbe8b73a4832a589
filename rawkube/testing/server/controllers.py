"""The LocalAPIServer's controller loop: what kube-controller-manager and a kubelet would do.

A real cluster changes objects behind your back: the deployment controller creates ReplicaSets,
the replicaset controller creates Pods, a kubelet runs them, the garbage collector deletes what
lost its owner, the namespace controller empties a namespace being deleted. This module plays
those parts, in small readable pieces, against the server's store:

- `DeploymentController` (pkg/controller/deployment/): one ReplicaSet per pod template, named
  `<deployment>-<pod-template-hash>`, rolling updates, revisions, status and conditions.
- `ReplicaSetController` (pkg/controller/replicaset/): creates and deletes Pods to match
  `spec.replicas`, adopts matching orphans, reports status.
- `Kubelet`: a pretend node. Pods are scheduled onto it, go Pending -> Running shortly after,
  and a Pod being deleted (deletionTimestamp set) is removed once its (shortened) grace ends.
- `NamespaceController` (pkg/controller/namespace/deletion/): empties a Terminating namespace,
  then removes its `kubernetes` finalizer so the namespace can go.
- `GarbageCollector` lives in gc.py (pkg/controller/garbagecollector/).

Every controller is level-triggered, like client-go controllers: each `tick()` looks at the
whole current state and makes one step towards the desired state. There are no informers or
work queues (a real controller-manager needs them for scale; a test server does not), so one
tick is a plain function of the store, easy to follow and to drive from a test.
`ControllerManager` runs the ticks in one background thread, woken by store changes.

How the server uses this module (app.py): `ControllerManager(store).start()` when it starts,
`.stop()` when it stops, and `pod_log_lines(pod, container)` to answer pods/log. Tests build a
`ControllerManager` over a bare `Store` with a fake clock and call `tick()` / `sync()`.
Timings (defaults): a Pod runs 0.5 s after it is created and a deleted Pod is gone 0.5 s
later, so a demo or a `kubectl get pods -w` shows each step within a second.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from rawkube.testing.server.defaults import default_pod_spec
from rawkube.testing.server.gc import (
    apply_change,
    delete_object,
)
from rawkube.testing.server.isolation import Guard
from rawkube.testing.server.selectors import label_selector_predicate
from rawkube.testing.server.store import APIError, ResourceKey, Store

Obj = dict[str, Any]
log = logging.getLogger(__name__)

DEPLOYMENTS = ResourceKey("apps", "deployments")
REPLICASETS = ResourceKey("apps", "replicasets")
PODS = ResourceKey("", "pods")
NAMESPACES = ResourceKey("", "namespaces")

# k8s.io/apimachinery/pkg/util/rand: the alphabet of generated names and hashes has no vowels
# (so no words are spelled by accident) and no digits that look like letters (0, 1, 3).
SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"

POD_TEMPLATE_HASH = "pod-template-hash"  # apps/v1 DefaultDeploymentUniqueLabelKey
REVISION_ANNOTATION = "deployment.kubernetes.io/revision"
DESIRED_REPLICAS_ANNOTATION = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS_ANNOTATION = "deployment.kubernetes.io/max-replicas"
NODE_NAME = "rawkube-node"
MANAGER = "kube-controller-manager"  # the field manager of kube-controller-manager's writes
NODE_IP = "10.0.0.10"
NODES = ResourceKey("", "nodes")


# ---------------------------------------------------------------------------------------------
# Small helpers shared by the controllers


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def rfc3339(t: datetime) -> str:
    """metav1.Time on the wire: second precision, UTC, `Z` suffix."""
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_rfc3339(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.strptime(value[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)


def safe_encode(text: str) -> str:
    """util/rand.SafeEncodeString: map each byte onto SAFE_ALPHABET."""
    return "".join(SAFE_ALPHABET[b % len(SAFE_ALPHABET)] for b in text.encode())


def _fnv32a(data: bytes) -> int:
    h = 0x811C9DC5
    for b in data:
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h


def pod_template_hash(template: Obj, collision_count: int | None = None) -> str:
    """pkg/controller/controller_utils.go ComputeHash: fnv32a of the template, safe-encoded.

    client-go hashes a `spew` dump of the Go struct; we hash canonical JSON instead, so the
    value differs from a real cluster's but has the same properties: stable for an unchanged
    template, different for a changed one, and perturbed by `status.collisionCount`.
    """
    data = json.dumps(template, sort_keys=True, separators=(",", ":")).encode()
    if collision_count is not None:
        data += str(collision_count).encode()
    return safe_encode(str(_fnv32a(data)))


def labels_of(obj: Obj) -> dict[str, str]:
    return dict(obj.get("metadata", {}).get("labels") or {})


def is_being_deleted(obj: Obj) -> bool:
    return bool(obj.get("metadata", {}).get("deletionTimestamp"))


def controller_ref(obj: Obj) -> Obj | None:
    """metav1.GetControllerOf: the one ownerReference with `controller: true`, if any."""
    for ref in obj.get("metadata", {}).get("ownerReferences") or []:
        if ref.get("controller"):
            return dict(ref)
    return None


def owner_reference(owner: Obj, *, block: bool = True) -> Obj:
    """metav1.NewControllerRef: how a controller marks the objects it made as its own.

    `blockOwnerDeletion` makes a Foreground deletion of the owner wait for this dependent.
    """
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": block,
    }


def selector_matches(selector: Obj | None, labels: dict[str, str]) -> bool:
    """Does a LabelSelector (matchLabels + matchExpressions) select these labels?

    An empty selector selects nothing here: the deployment controller refuses to act on one
    ("selecting all pods ... is not allowed", sync.go), and adopting every Pod of a namespace
    would be a worse surprise than doing nothing.
    """
    if not selector or not (selector.get("matchLabels") or selector.get("matchExpressions")):
        return False
    return label_selector_predicate(selector)(labels)


def condition(
    type_: str, status: str, reason: str, message: str, now: str, previous: Obj | None = None
) -> Obj:
    """A status condition; lastTransitionTime only moves when `status` changes (as upstream)."""
    transition = now
    if previous is not None and previous.get("status") == status:
        transition = previous.get("lastTransitionTime", now)
    return {
        "type": type_,
        "status": status,
        "lastUpdateTime": now,
        "lastTransitionTime": transition,
        "reason": reason,
        "message": message,
    }


def find_condition(conditions: list[Obj] | None, type_: str) -> Obj | None:
    for c in conditions or []:
        if c.get("type") == type_:
            return c
    return None


def set_condition(conditions: list[Obj], new: Obj) -> list[Obj]:
    """deploymentutil.SetDeploymentCondition's list update: the condition of that type is
    removed and the new one appended, so the latest change is listed last."""
    out = [c for c in conditions if c.get("type") != new["type"]]
    out.append(new)
    return out


# ---------------------------------------------------------------------------------------------
# Pods as a kubelet would report them


def pod_is_active(pod: Obj) -> bool:
    """controller.IsPodActive: not terminal and not being deleted."""
    phase = pod.get("status", {}).get("phase")
    return phase not in ("Succeeded", "Failed") and not is_being_deleted(pod)


def pod_is_ready(pod: Obj) -> bool:
    ready = find_condition(pod.get("status", {}).get("conditions"), "Ready")
    return ready is not None and ready.get("status") == "True"


def pod_ip_for(pod: Obj) -> str:
    """A stable fake pod IP in 10.244.0.0/16, derived from the pod's uid."""
    n = _fnv32a(str(pod.get("metadata", {}).get("uid", "")).encode())
    return f"10.244.{(n >> 8) % 256}.{2 + n % 250}"


def _pod_conditions(now: str, unready: list[str]) -> list[Obj]:
    """The five pod conditions a kubelet reports; `unready` names containers not yet ready."""
    ready = "False" if unready else "True"
    conds: list[Obj] = []
    for type_, status in (
        ("PodReadyToStartContainers", "True"),
        ("Initialized", "True"),
        ("Ready", ready),
        ("ContainersReady", ready),
        ("PodScheduled", "True"),
    ):
        c: Obj = {"type": type_, "status": status, "lastProbeTime": None, "lastTransitionTime": now}
        if status == "False":
            c["reason"] = "ContainersNotReady"
            c["message"] = f"containers with unready status: [{' '.join(unready)}]"
        conds.append(c)
    return conds


def scheduled_pod_status(pod: Obj, now: str) -> Obj:
    """Status of a pod bound to the node whose containers are being created (Pending)."""
    containers = pod.get("spec", {}).get("containers") or []
    return {
        "phase": "Pending",
        "conditions": _pod_conditions(now, [c.get("name", "") for c in containers]),
        "hostIP": NODE_IP,
        "hostIPs": [{"ip": NODE_IP}],
        "startTime": now,
        "containerStatuses": [
            {
                "name": c.get("name", ""),
                "state": {"waiting": {"reason": "ContainerCreating"}},
                "lastState": {},
                "ready": False,
                "restartCount": 0,
                "image": c.get("image", ""),
                "imageID": "",
                "started": False,
            }
            for c in containers
        ],
        "qosClass": pod.get("status", {}).get("qosClass", "BestEffort"),
    }


def running_pod_status(pod: Obj, now: str) -> Obj:
    """Status of a pod whose containers all run and are ready (what `kubectl get` shows as
    `1/1 Running`): phase, the five pod conditions, IPs and one containerStatus each."""
    status = pod.get("status", {})
    started = status.get("startTime", now)
    ip = pod_ip_for(pod)
    containers = pod.get("spec", {}).get("containers") or []
    uid = str(pod.get("metadata", {}).get("uid", ""))
    return {
        "phase": "Running",
        "conditions": _pod_conditions(now, []),
        "hostIP": NODE_IP,
        "hostIPs": [{"ip": NODE_IP}],
        "podIP": ip,
        "podIPs": [{"ip": ip}],
        "startTime": started,
        "containerStatuses": [
            {
                "name": c.get("name", ""),
                "state": {"running": {"startedAt": now}},
                "lastState": {},
                "ready": True,
                "restartCount": 0,
                "image": c.get("image", ""),
                "imageID": "rawkube.local/" + c.get("image", ""),
                "containerID": "rawkube://" + safe_encode(uid + c.get("name", ""))[:32],
                "started": True,
            }
            for c in containers
        ],
        "qosClass": status.get("qosClass", "BestEffort"),
    }


# ---------------------------------------------------------------------------------------------
# pods/log: what the core serves for GET .../pods/NAME/log

LOG_INTERVAL_SECONDS = 5
MAX_LOG_LINES = 1000


def node_object() -> Obj:
    """The simulated node as its kubelet registers it: Ready, one address, a modest capacity."""
    now = rfc3339(now_utc())
    capacity = {"cpu": "4", "ephemeral-storage": "100Gi", "memory": "8Gi", "pods": "110"}
    conditions = [
        ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
        ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
        ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
    ]  # fmt: skip
    return {
        "kind": "Node",
        "apiVersion": "v1",
        "metadata": {
            "name": NODE_NAME,
            "labels": {
                "beta.kubernetes.io/arch": "amd64",
                "beta.kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "kubernetes.io/hostname": NODE_NAME,
                "kubernetes.io/os": "linux",
            },
        },
        "spec": {},
        "status": {
            "capacity": capacity,
            "allocatable": dict(capacity),
            "conditions": [
                {
                    "type": type_,
                    "status": status,
                    "lastHeartbeatTime": now,
                    "lastTransitionTime": now,
                    "reason": reason,
                    "message": message,
                }
                for type_, status, reason, message in conditions
            ],
            "addresses": [
                {"type": "InternalIP", "address": NODE_IP},
                {"type": "Hostname", "address": NODE_NAME},
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "machineID": "",
                "systemUUID": "",
                "bootID": "",
                "kernelVersion": "",
                "osImage": "rawkube simulated node",
                "containerRuntimeVersion": "rawkube://simulated",
                "kubeletVersion": "v1.36.2",
                "kubeProxyVersion": "",
                "operatingSystem": "linux",
                "architecture": "amd64",
            },
        },
    }


def pod_log_lines(
    pod: Obj, container: str | None = None, *, now: datetime | None = None
) -> list[str]:
    """Generated log lines of `container` (default: the first) of a Running pod.

    A few start-up lines, then one line every LOG_INTERVAL_SECONDS since the container
    started, so a `follow=true` reader that polls sees new lines appear. Deterministic for a
    given pod and time. A pod that is not running has no log yet: [] (the real API server
    answers such a request with an empty body, see fixtures/real-apiserver/058).
    Each line is `RFC3339NANO-timestamp SP text`; the core strips the timestamp unless the
    request asked for `timestamps=true` (kubelet's log format, pkg/kubelet/kuberuntime/logs).
    """
    status = pod.get("status", {})
    if status.get("phase") != "Running":
        return []
    containers = pod.get("spec", {}).get("containers") or []
    if not containers:
        return []
    name = container or containers[0].get("name", "")
    spec = next((c for c in containers if c.get("name") == name), None)
    if spec is None:
        return []
    started = parse_rfc3339(status.get("startTime")) or now_utc()
    now = now or now_utc()
    pod_name = pod.get("metadata", {}).get("name", "")
    image = spec.get("image", "")

    def stamp(t: datetime) -> str:
        return t.strftime("%Y-%m-%dT%H:%M:%S.%f") + "000Z"

    lines = [
        f"{stamp(started)} rawkube: container {name} (image {image}) started in pod {pod_name}",
        f"{stamp(started)} rawkube: listening on {pod_ip_for(pod)}",
    ]
    elapsed = max(0, int((now - started).total_seconds()))
    beats = min(elapsed // LOG_INTERVAL_SECONDS, MAX_LOG_LINES - len(lines))
    for i in range(1, beats + 1):
        t = started + timedelta(seconds=i * LOG_INTERVAL_SECONDS)
        lines.append(f"{stamp(t)} rawkube: {name} alive, tick {i}")
    return lines


# ---------------------------------------------------------------------------------------------
# The ReplicaSet controller (pkg/controller/replicaset/replica_set.go)


def pod_from_template(rs: Obj) -> Obj:
    """controller.GetPodFromTemplate: a Pod for `rs`, named by generateName `<rs>-`.

    The store's create fills in the 5-character suffix, uid and resourceVersion; the Pod starts
    Pending with no node, as the API server's pod strategy leaves a new Pod.
    """
    template = rs.get("spec", {}).get("template") or {}
    tmeta = template.get("metadata") or {}
    metadata: Obj = {
        "generateName": rs["metadata"]["name"] + "-",
        "namespace": rs["metadata"].get("namespace", "default"),
        "labels": dict(tmeta.get("labels") or {}),
    }
    if tmeta.get("annotations"):
        metadata["annotations"] = dict(tmeta["annotations"])
    metadata["ownerReferences"] = [owner_reference(_with_kind(rs, "apps/v1", "ReplicaSet"))]
    if tmeta.get("finalizers"):
        metadata["finalizers"] = list(tmeta["finalizers"])
    spec = json.loads(json.dumps(template.get("spec") or {}))
    default_pod_spec(spec)  # the API server would default a Pod created over HTTP
    return {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": metadata,
        "spec": spec,
        "status": {"phase": "Pending", "qosClass": qos_class(spec)},
    }


def create_pod(store: Store, pod: Obj) -> Obj:
    """The ReplicaSet controller's POST of a Pod: through defaulting, the admission plugins
    (ServiceAccount token volume, priority, tolerations) and the pod strategy, as a real
    controller's request goes, with kube-controller-manager as its field manager."""
    from rawkube.testing.server.furniture import system_create

    created = system_create(store, "", "v1", "pods", pod, "kube-controller-manager", admit=True)
    assert created is not None  # generateName: a collision is retried by the registry
    return created


def qos_class(spec: Obj) -> str:
    """pkg/apis/core/helper/qos GetPodQOS, simplified: no resources at all is BestEffort;
    requests equal to limits for cpu and memory in every container is Guaranteed."""
    resources = [c.get("resources") or {} for c in spec.get("containers") or []]
    if not any(r.get("requests") or r.get("limits") for r in resources):
        return "BestEffort"
    for r in resources:
        limits = r.get("limits") or {}
        requests = r.get("requests") or limits
        if any(
            limits.get(k) is None or limits.get(k) != requests.get(k) for k in ("cpu", "memory")
        ):
            return "Burstable"
    return "Guaranteed"


def deletion_order(pods: list[Obj]) -> list[Obj]:
    """controller.ActivePods' order, simplified: the pod to delete first comes first.

    Unscheduled before scheduled, Pending before Running, not ready before ready, and among
    equals the newest first (it has done the least work).
    """

    def rank(pod: Obj) -> tuple[int, int, int]:
        scheduled = 1 if pod.get("spec", {}).get("nodeName") else 0
        phase = {"Pending": 0, "Unknown": 1, "Running": 2}.get(
            pod.get("status", {}).get("phase", ""), 0
        )
        return scheduled, phase, 1 if pod_is_ready(pod) else 0

    newest_first = sorted(
        pods, key=lambda p: p["metadata"].get("creationTimestamp", ""), reverse=True
    )
    return sorted(newest_first, key=rank)  # a stable sort keeps newest-first among equals


def pod_is_available(pod: Obj, min_ready_seconds: int, now: datetime) -> bool:
    """podutil.IsPodAvailable: ready for at least minReadySeconds."""
    if not pod_is_ready(pod):
        return False
    if min_ready_seconds <= 0:
        return True
    ready = find_condition(pod.get("status", {}).get("conditions"), "Ready") or {}
    since = parse_rfc3339(ready.get("lastTransitionTime"))
    return since is not None and since + timedelta(seconds=min_ready_seconds) <= now


def replicaset_status(rs: Obj, pods: list[Obj], now: datetime) -> Obj:
    """calculateStatus: counts over the Pods the ReplicaSet owns.

    Zero counts are omitted (`omitempty` in apps/v1 types.go) except `replicas`, and
    `terminatingReplicas` (a pointer) which the 1.36 server always reports.
    """
    active = [p for p in pods if pod_is_active(p)]
    template_labels = (rs.get("spec", {}).get("template", {}).get("metadata") or {}).get(
        "labels"
    ) or {}
    min_ready = int(rs.get("spec", {}).get("minReadySeconds") or 0)
    counts = {
        "replicas": len(active),
        "fullyLabeledReplicas": sum(
            1 for p in active if template_labels.items() <= labels_of(p).items()
        ),
        "readyReplicas": sum(1 for p in active if pod_is_ready(p)),
        "availableReplicas": sum(1 for p in active if pod_is_available(p, min_ready, now)),
    }
    status: Obj = {k: v for k, v in counts.items() if v or k == "replicas"}
    status["terminatingReplicas"] = sum(1 for p in pods if is_being_deleted(p))
    status["observedGeneration"] = rs["metadata"].get("generation", 1)
    if "conditions" in (rs.get("status") or {}):
        status["conditions"] = rs["status"]["conditions"]  # ReplicaFailure: not produced here
    return status


class ReplicaSetController:
    """Keeps `spec.replicas` Pods alive for every ReplicaSet, and reports their status."""

    def __init__(self, store: Store, clock: Callable[[], datetime] = now_utc) -> None:
        from rawkube.testing.server.events import EventRecorder

        self.store = store
        self.clock = clock
        self.guard = Guard("replicaset")
        self.events = EventRecorder(store, "replicaset-controller", manager=MANAGER)

    def tick(self) -> int:
        replicasets, _ = self.store.list(REPLICASETS, copy_objects=False)
        if not replicasets:
            return 0
        pods, _ = self.store.list(PODS, copy_objects=False)
        family = Family(pods)
        terminating = terminating_namespaces(self.store)
        writes = 0
        for rs in replicasets:
            writes += self.guard.run(rs, self.sync, family, terminating)
        return writes

    def sync(self, rs: Obj, family: Family, terminating_ns: set[str]) -> int:
        """syncReplicaSet: claim Pods, create or delete the difference, then update status."""
        namespace = rs["metadata"].get("namespace", "")
        writes, owned = self.claim_pods(rs, family)
        if not is_being_deleted(rs) and namespace not in terminating_ns:
            writes += self.manage_replicas(rs, owned)
        status = replicaset_status(rs, owned, self.clock())
        if status != rs.get("status"):
            writes += apply_change(self.store, REPLICASETS, rs, lambda d: d.update(status=status))
        return writes

    def claim_pods(self, rs: Obj, family: Family) -> tuple[int, list[Obj]]:
        """ClaimPods: the Pods this ReplicaSet controls, adopting and releasing by selector."""
        owner_ref = owner_reference(_with_kind(rs, "apps/v1", "ReplicaSet"))
        return claim(self.store, PODS, rs, owner_ref, family)

    def manage_replicas(self, rs: Obj, owned: list[Obj]) -> int:
        """manageReplicas: create missing Pods, delete surplus ones (best ranked first)."""
        active = [p for p in owned if pod_is_active(p)]
        diff = len(active) - spec_replicas(rs)
        writes = 0
        if diff < 0:
            for _ in range(min(-diff, BURST_REPLICAS)):
                pod = create_pod(self.store, pod_from_template(rs))
                log.debug(
                    "replicaset %s created pod %s", rs["metadata"]["name"], pod["metadata"]["name"]
                )
                # controller_utils.go RealPodControl: SuccessfulCreatePodReason
                self.events.event(
                    _with_kind(rs, "apps/v1", "ReplicaSet"),
                    "Normal",
                    "SuccessfulCreate",
                    f"Created pod: {pod['metadata']['name']}",
                )
                writes += 1
        elif diff > 0:
            for pod in deletion_order(active)[:diff]:
                log.debug(
                    "replicaset %s deletes pod %s", rs["metadata"]["name"], pod["metadata"]["name"]
                )
                if delete_object(self.store, PODS, pod):
                    self.events.event(
                        _with_kind(rs, "apps/v1", "ReplicaSet"),
                        "Normal",
                        "SuccessfulDelete",
                        f"Deleted pod: {pod['metadata']['name']}",
                    )
                    writes += 1
        return writes


# replica_set.go BurstReplicas: the most Pods one sync creates or deletes.
BURST_REPLICAS = 500


class Family:
    """Objects indexed by their controller's uid, and the orphans (no controller) of each
    namespace: what a controller's informer indexes give it, so each sync finds its own
    objects without scanning all of them."""

    def __init__(self, objects: list[Obj]) -> None:
        self._owned: dict[str, list[Obj]] = {}
        self._orphans: dict[str, list[Obj]] = {}
        for obj in objects:
            ref = controller_ref(obj)
            if ref is None:
                self._orphans.setdefault(obj["metadata"].get("namespace", ""), []).append(obj)
            else:
                self._owned.setdefault(str(ref.get("uid")), []).append(obj)

    def owned_by(self, owner: Obj) -> list[Obj]:
        return self._owned.get(str(owner["metadata"].get("uid")), [])

    def orphans_in(self, namespace: str) -> list[Obj]:
        return self._orphans.get(namespace, [])


def claim(
    store: Store, key: ResourceKey, owner: Obj, owner_ref: Obj, family: Family
) -> tuple[int, list[Obj]]:
    """controller.ControllerRefManager.ClaimObject: what `owner` controls, and the writes made.

    Objects it controls stay its own while its selector matches them; one whose labels no
    longer match is released (its controller reference removed: relabelling a Pod takes it
    out of service for debugging, and the ReplicaSet starts a replacement). Orphans that match
    are adopted. An owner being deleted neither adopts nor releases.
    """
    selector = (owner.get("spec") or {}).get("selector")
    deleting = is_being_deleted(owner)
    owned: list[Obj] = []
    writes = 0
    for obj in family.owned_by(owner):
        if deleting or selector_matches(selector, labels_of(obj)):
            owned.append(obj)
        elif apply_change(store, key, obj, _release(owner_ref["uid"])):
            log.debug("%s releases %s", owner["metadata"]["name"], obj["metadata"]["name"])
            writes += 1
    if deleting:
        return writes, owned
    for obj in family.orphans_in(owner["metadata"].get("namespace", "")):
        if is_being_deleted(obj) or not selector_matches(selector, labels_of(obj)):
            continue
        if apply_change(store, key, obj, _add_owner_ref(owner_ref)):
            log.debug("%s adopts %s", owner["metadata"]["name"], obj["metadata"]["name"])
            writes += 1
            owned.append(obj)
    return writes, owned


def _release(owner_uid: str) -> Callable[[Obj], None]:
    def change(draft: Obj) -> None:
        refs = [
            r for r in draft["metadata"].get("ownerReferences") or [] if r.get("uid") != owner_uid
        ]
        if refs:
            draft["metadata"]["ownerReferences"] = refs
        else:
            draft["metadata"].pop("ownerReferences", None)

    return change


def _add_owner_ref(ref: Obj) -> Callable[[Obj], None]:
    def change(draft: Obj) -> None:
        refs = draft["metadata"].setdefault("ownerReferences", [])
        if controller_ref(draft) is None:
            refs.append(ref)

    return change


def terminating_namespaces(store: Store) -> set[str]:
    """Namespaces being deleted: nothing new may be created in them (the NamespaceLifecycle
    admission plugin answers such a create with 403 Forbidden)."""
    namespaces, _ = store.list(NAMESPACES, copy_objects=False)
    return {n["metadata"]["name"] for n in namespaces if is_being_deleted(n)}


# ---------------------------------------------------------------------------------------------
# The Deployment controller (pkg/controller/deployment/: sync.go, rolling.go, recreate.go,
# util/deployment_util.go)


def spec_replicas(obj: Obj) -> int:
    """`spec.replicas`, whose API default is 1."""
    value = (obj.get("spec") or {}).get("replicas")
    return 1 if value is None else int(value)


def revision_of(rs: Obj) -> int:
    try:
        return int((rs["metadata"].get("annotations") or {}).get(REVISION_ANNOTATION, "0"))
    except ValueError:
        return 0


def _int_or_percent(value: Any, total: int, round_up: bool) -> int:
    """intstr.GetScaledValueFromIntOrPercent: 2 stays 2, "25%" of 10 is 3 (up) or 2 (down)."""
    if isinstance(value, str) and value.endswith("%"):
        scaled = int(value[:-1]) * total / 100
        return math.ceil(scaled) if round_up else math.floor(scaled)
    return int(value)


def surge_and_unavailable(d: Obj) -> tuple[int, int]:
    """deploymentutil.ResolveFenceposts: maxSurge rounds up, maxUnavailable down, and both
    zero would deadlock a rollout, so maxUnavailable becomes 1 (defaults: 25% and 25%)."""
    desired = spec_replicas(d)
    strategy = (d.get("spec") or {}).get("strategy") or {}
    if strategy.get("type") == "Recreate":
        return 0, desired
    rolling = strategy.get("rollingUpdate") or {}
    surge = _int_or_percent(rolling.get("maxSurge", "25%"), desired, round_up=True)
    unavailable = _int_or_percent(rolling.get("maxUnavailable", "25%"), desired, round_up=False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def template_without_hash(template: Obj) -> Obj:
    """The pod template minus the pod-template-hash label (util.EqualIgnoreHash)."""
    copy = json.loads(json.dumps(template or {}))
    labels = (copy.get("metadata") or {}).get("labels")
    if labels is not None:
        labels.pop(POD_TEMPLATE_HASH, None)
        if not labels:
            del copy["metadata"]["labels"]
    return copy


def find_new_replicaset(d: Obj, owned: list[Obj]) -> Obj | None:
    """deploymentutil.FindNewReplicaSet: the oldest ReplicaSet running the current template."""
    wanted = template_without_hash((d.get("spec") or {}).get("template") or {})
    matching = [
        rs
        for rs in owned
        if template_without_hash((rs.get("spec") or {}).get("template") or {}) == wanted
    ]
    matching.sort(
        key=lambda rs: (rs["metadata"].get("creationTimestamp", ""), rs["metadata"]["name"])
    )
    return matching[0] if matching else None


def new_replicaset_for(d: Obj, revision: int, replicas: int) -> Obj:
    """The ReplicaSet for the Deployment's current template (getNewReplicaSet's create branch).

    Its name and its Pods' label `pod-template-hash` tie it to the template, its selector
    gains that label so two ReplicaSets of one Deployment never fight over Pods, and it is
    owned by the Deployment (controller=true, blockOwnerDeletion=true).
    """
    spec = d.get("spec") or {}
    collision_count = (d.get("status") or {}).get("collisionCount")
    template = json.loads(json.dumps(spec.get("template") or {}))
    hash_ = pod_template_hash(template, collision_count)
    template.setdefault("metadata", {}).setdefault("labels", {})[POD_TEMPLATE_HASH] = hash_
    selector = json.loads(json.dumps(spec.get("selector") or {}))
    selector.setdefault("matchLabels", {})[POD_TEMPLATE_HASH] = hash_
    surge, _ = surge_and_unavailable(d)
    desired = spec_replicas(d)
    rs_spec: Obj = {"replicas": replicas}
    if spec.get("minReadySeconds"):
        rs_spec["minReadySeconds"] = spec["minReadySeconds"]
    rs_spec["selector"] = selector
    rs_spec["template"] = template
    return {
        "kind": "ReplicaSet",
        "apiVersion": "apps/v1",
        "metadata": {
            "name": f"{d['metadata']['name']}-{hash_}",
            "namespace": d["metadata"].get("namespace", "default"),
            "labels": dict(template["metadata"]["labels"]),
            "annotations": {
                DESIRED_REPLICAS_ANNOTATION: str(desired),
                MAX_REPLICAS_ANNOTATION: str(desired + surge),
                REVISION_ANNOTATION: str(revision),
            },
            "ownerReferences": [owner_reference(_with_kind(d, "apps/v1", "Deployment"))],
        },
        "spec": rs_spec,
    }


def _with_kind(obj: Obj, api_version: str, kind: str) -> Obj:
    """Storage is versionless: an object may lack apiVersion/kind, an ownerReference needs them."""
    return {
        **obj,
        "apiVersion": obj.get("apiVersion") or api_version,
        "kind": obj.get("kind") or kind,
    }


def new_rs_target(d: Obj, new_rs: Obj, all_rs: list[Obj]) -> int:
    """deploymentutil.NewRSNewReplicas + reconcileNewReplicaSet: the new ReplicaSet's size.

    Scale up only as far as maxSurge allows above the desired count (old Pods included);
    scale down straight to the desired count.
    """
    desired = spec_replicas(d)
    current = spec_replicas(new_rs)
    if current >= desired:
        return desired
    surge, _ = surge_and_unavailable(d)
    total = sum(spec_replicas(rs) for rs in all_rs)
    room = desired + surge - total
    return current + max(0, min(room, desired - current))


def available_of(rs: Obj) -> int:
    return int((rs.get("status") or {}).get("availableReplicas") or 0)


def old_rs_targets(d: Obj, new_rs: Obj, old: list[Obj]) -> dict[str, int]:
    """reconcileOldReplicaSets: new sizes for old ReplicaSets during a rolling update.

    Never let availability drop below `replicas - maxUnavailable`: first shed old Pods that
    are not available anyway (cleanupUnhealthyReplicas), then available ones as far as the
    budget allows (scaleDownOldReplicaSetsForRollingUpdate), oldest ReplicaSet first.
    """
    sizes = {rs["metadata"]["name"]: spec_replicas(rs) for rs in old}
    if sum(sizes.values()) == 0:
        return {}
    desired = spec_replicas(d)
    _, max_unavailable = surge_and_unavailable(d)
    min_available = desired - max_unavailable
    all_pods = sum(sizes.values()) + spec_replicas(new_rs)
    new_unavailable = spec_replicas(new_rs) - available_of(new_rs)
    budget = all_pods - min_available - new_unavailable
    if budget <= 0:
        return {}
    by_age = sorted(old, key=lambda rs: rs["metadata"].get("creationTimestamp", ""))
    for rs in by_age:
        name = rs["metadata"]["name"]
        unhealthy = sizes[name] - available_of(rs)
        if budget <= 0 or sizes[name] == 0 or unhealthy <= 0:
            continue
        down = min(budget, unhealthy)
        sizes[name] -= down
        budget -= down
    available = sum(min(available_of(rs), sizes[rs["metadata"]["name"]]) for rs in old)
    excess = available + available_of(new_rs) - min_available
    for rs in by_age:
        name = rs["metadata"]["name"]
        if excess <= 0:
            break
        down = min(sizes[name], excess)
        sizes[name] -= down
        excess -= down
    return {name: n for name, n in sizes.items() if n != spec_replicas(_by_name(old, name))}


def _by_name(items: list[Obj], name: str) -> Obj:
    return next(o for o in items if o["metadata"]["name"] == name)


def deployment_status(d: Obj, all_rs: list[Obj], new_rs: Obj | None) -> Obj:
    """calculateStatus: counts summed over the Deployment's ReplicaSets (omitempty zeros
    dropped; terminatingReplicas always present, as the 1.36 recordings show)."""

    def total(field: str, rss: list[Obj]) -> int:
        return sum(int((rs.get("status") or {}).get(field) or 0) for rs in rss)

    available = total("availableReplicas", all_rs)
    counts = {
        "replicas": total("replicas", all_rs),
        "updatedReplicas": total("replicas", [new_rs] if new_rs else []),
        "readyReplicas": total("readyReplicas", all_rs),
        "availableReplicas": available,
        "unavailableReplicas": max(0, sum(spec_replicas(rs) for rs in all_rs) - available),
    }
    status: Obj = {"observedGeneration": d["metadata"].get("generation", 1)}
    status.update((k, v) for k, v in counts.items() if v)
    status["terminatingReplicas"] = total("terminatingReplicas", all_rs)
    old = d.get("status") or {}
    status["conditions"] = list(old.get("conditions") or [])
    if "collisionCount" in old:
        status["collisionCount"] = old["collisionCount"]
    return status


def put_condition(status: Obj, type_: str, value: str, reason: str, message: str) -> None:
    """deploymentutil.SetDeploymentCondition: nothing changes if status and reason are the
    same; otherwise the condition moves to the end, keeping lastTransitionTime if only the
    reason changed."""
    conditions: list[Obj] = status.setdefault("conditions", [])
    current = find_condition(conditions, type_)
    if current is not None and current.get("status") == value and current.get("reason") == reason:
        return
    now = rfc3339(now_utc())
    status["conditions"] = set_condition(
        conditions, condition(type_, value, reason, message, now, current)
    )


def is_complete(d: Obj, status: Obj) -> bool:
    """deploymentutil.DeploymentComplete."""
    want = spec_replicas(d)
    return (
        status.get("updatedReplicas", 0) == want
        and status.get("replicas", 0) == want
        and status.get("availableReplicas", 0) == want
        and status.get("observedGeneration", 0) >= d["metadata"].get("generation", 1)
    )


def is_progressing(old: Obj, new: Obj) -> bool:
    """deploymentutil.DeploymentProgressing: any count moved towards the goal."""

    def g(s: Obj, k: str) -> int:
        return int(s.get(k) or 0)

    old_stale = g(old, "replicas") - g(old, "updatedReplicas")
    new_stale = g(new, "replicas") - g(new, "updatedReplicas")
    return (
        g(new, "updatedReplicas") > g(old, "updatedReplicas")
        or new_stale < old_stale
        or g(new, "readyReplicas") > g(old, "readyReplicas")
        or g(new, "availableReplicas") > g(old, "availableReplicas")
    )


def set_rollout_conditions(d: Obj, status: Obj, new_rs: Obj | None) -> None:
    """syncRolloutStatus: the Available and Progressing conditions."""
    _, max_unavailable = surge_and_unavailable(d)
    if status.get("availableReplicas", 0) >= spec_replicas(d) - max_unavailable:
        put_condition(
            status,
            "Available",
            "True",
            "MinimumReplicasAvailable",
            "Deployment has minimum availability.",
        )
    else:
        put_condition(
            status,
            "Available",
            "False",
            "MinimumReplicasUnavailable",
            "Deployment does not have minimum availability.",
        )
    if new_rs is None:
        return
    name = new_rs["metadata"]["name"]
    if is_complete(d, status):
        put_condition(
            status,
            "Progressing",
            "True",
            "NewReplicaSetAvailable",
            f'ReplicaSet "{name}" has successfully progressed.',
        )
    elif find_condition(status.get("conditions"), "Progressing") is None:
        put_condition(
            status, "Progressing", "True", "FoundNewReplicaSet", f'Found new replica set "{name}"'
        )
    elif is_progressing(d.get("status") or {}, status):
        put_condition(
            status,
            "Progressing",
            "True",
            "ReplicaSetUpdated",
            f'ReplicaSet "{name}" is progressing.',
        )


def set_paused_condition(d: Obj, status: Obj) -> None:
    """checkPausedConditions: Progressing=Unknown while paused, and once on resume."""
    progressing = find_condition(status.get("conditions"), "Progressing") or {}
    paused = bool((d.get("spec") or {}).get("paused"))
    if paused and progressing.get("reason") != "DeploymentPaused":
        put_condition(status, "Progressing", "Unknown", "DeploymentPaused", "Deployment is paused")
    elif not paused and progressing.get("reason") == "DeploymentPaused":
        put_condition(
            status, "Progressing", "Unknown", "DeploymentResumed", "Deployment is resumed"
        )


class DeploymentController:
    """Turns each Deployment into ReplicaSets: one per template, rolled by the strategy."""

    def __init__(self, store: Store) -> None:
        from rawkube.testing.server.events import EventRecorder

        self.store = store
        self.guard = Guard("deployment")
        self.events = EventRecorder(store, "deployment-controller", manager=MANAGER)

    def tick(self) -> int:
        deployments, _ = self.store.list(DEPLOYMENTS, copy_objects=False)
        if not deployments:
            return 0
        replicasets, _ = self.store.list(REPLICASETS, copy_objects=False)
        family = Family(replicasets)
        terminating = terminating_namespaces(self.store)
        writes = 0
        for d in deployments:
            in_terminating = d["metadata"].get("namespace", "") in terminating
            writes += self.guard.run(d, self.sync, family, in_terminating)
        return writes

    def sync(self, d: Obj, family: Family, namespace_terminating: bool) -> int:
        """syncDeployment: claim ReplicaSets, make sure the new one exists, roll, report."""
        if is_being_deleted(d) or namespace_terminating:
            owned = family.owned_by(d)
            return self.sync_status(d, owned, find_new_replicaset(d, owned), rollout=False)
        if (d.get("spec") or {}).get("paused"):
            return self.sync_paused(d, family)
        writes, owned = self.claim_replicasets(d, family)
        new_rs = find_new_replicaset(d, owned)
        old = [rs for rs in owned if rs is not new_rs]
        if new_rs is None:
            return writes + self.create_new_replicaset(d, old)
        writes += self.sync_revision(d, new_rs, old)
        if ((d.get("spec") or {}).get("strategy") or {}).get("type") == "Recreate":
            writes += self.rollout_recreate(d, new_rs, old)
        else:
            writes += self.rollout_rolling(d, new_rs, old)
        writes += self.cleanup(d, old)
        return writes + self.sync_status(d, owned, new_rs, rollout=True)

    def claim_replicasets(self, d: Obj, family: Family) -> tuple[int, list[Obj]]:
        """ClaimReplicaSets: the ReplicaSets this Deployment controls (adopt / release)."""
        owner_ref = owner_reference(_with_kind(d, "apps/v1", "Deployment"))
        return claim(self.store, REPLICASETS, d, owner_ref, family)

    def create_new_replicaset(self, d: Obj, old: list[Obj]) -> int:
        """Create the ReplicaSet of the current template; on a name clash with a foreign
        ReplicaSet bump status.collisionCount so the next hash differs (as upstream)."""
        revision = max([revision_of(rs) for rs in old], default=0) + 1
        strategy = ((d.get("spec") or {}).get("strategy") or {}).get("type")
        if strategy == "Recreate":
            replicas = 0 if any(spec_replicas(rs) for rs in old) else spec_replicas(d)
        else:
            replicas = new_rs_target(d, {"spec": {"replicas": 0}}, old)
        rs = new_replicaset_for(d, revision, replicas)
        try:
            created = self.store.create(REPLICASETS, rs)
        except APIError as err:
            if err.code != 409:
                raise
            bump = (int((d.get("status") or {}).get("collisionCount") or 0)) + 1
            return int(
                apply_change(
                    self.store,
                    DEPLOYMENTS,
                    d,
                    lambda o: o.setdefault("status", {}).update(collisionCount=bump),
                )
            )
        name = created["metadata"]["name"]
        log.debug(
            "deployment %s created replicaset %s (revision %d)",
            d["metadata"]["name"],
            name,
            revision,
        )
        if replicas > 0:  # sync.go getNewReplicaSet
            self.events.event(
                _with_kind(d, "apps/v1", "Deployment"),
                "Normal",
                "ScalingReplicaSet",
                f"Scaled up replica set {name} from 0 to {replicas}",
            )

        def record(draft: Obj) -> None:
            draft["metadata"].setdefault("annotations", {})[REVISION_ANNOTATION] = str(revision)
            status = draft.setdefault("status", {})
            put_condition(
                status,
                "Progressing",
                "True",
                "NewReplicaSetCreated",
                f'Created new replica set "{name}"',
            )

        return 1 + int(apply_change(self.store, DEPLOYMENTS, d, record))

    def sync_revision(self, d: Obj, new_rs: Obj, old: list[Obj]) -> int:
        """A template rolled back to an old ReplicaSet makes it the newest revision again;
        the Deployment's revision annotation always follows its new ReplicaSet."""
        writes = 0
        revision = revision_of(new_rs)
        newest_old = max([revision_of(rs) for rs in old], default=0)
        if revision <= newest_old:
            revision = newest_old + 1
            writes += apply_change(
                self.store, REPLICASETS, new_rs, _annotate({REVISION_ANNOTATION: str(revision)})
            )
        current = (d["metadata"].get("annotations") or {}).get(REVISION_ANNOTATION)
        if current != str(revision):
            writes += apply_change(
                self.store, DEPLOYMENTS, d, _annotate({REVISION_ANNOTATION: str(revision)})
            )
        return writes

    def scale(self, d: Obj, rs: Obj, replicas: int) -> int:
        """scaleReplicaSet: new size plus the desired/max-replicas annotations."""
        if spec_replicas(rs) == replicas:
            return 0
        surge, _ = surge_and_unavailable(d)
        log.debug(
            "deployment %s scales replicaset %s to %d",
            d["metadata"]["name"],
            rs["metadata"]["name"],
            replicas,
        )
        annotations = {
            DESIRED_REPLICAS_ANNOTATION: str(spec_replicas(d)),
            MAX_REPLICAS_ANNOTATION: str(spec_replicas(d) + surge),
        }

        def change(draft: Obj) -> None:
            _annotate(annotations)(draft)
            draft.setdefault("spec", {})["replicas"] = replicas

        before = spec_replicas(rs)
        if not apply_change(self.store, REPLICASETS, rs, change):
            return 0
        # sync.go scaleReplicaSet
        self.events.event(
            _with_kind(d, "apps/v1", "Deployment"),
            "Normal",
            "ScalingReplicaSet",
            f"Scaled {'up' if replicas > before else 'down'} replica set "
            f"{rs['metadata']['name']} from {before} to {replicas}",
        )
        return 1

    def rollout_rolling(self, d: Obj, new_rs: Obj, old: list[Obj]) -> int:
        """rolloutRolling: scale the new ReplicaSet up first; only when it cannot grow this
        step, scale old ones down within the availability budget."""
        writes = self.scale(d, new_rs, new_rs_target(d, new_rs, old + [new_rs]))
        if writes:
            return writes
        for name, replicas in old_rs_targets(d, new_rs, old).items():
            writes += self.scale(d, _by_name(old, name), replicas)
        return writes

    def rollout_recreate(self, d: Obj, new_rs: Obj, old: list[Obj]) -> int:
        """rolloutRecreate: old Pods all gone first, then the new ReplicaSet at full size."""
        writes = sum(self.scale(d, rs, 0) for rs in old if spec_replicas(rs) > 0)
        if writes:
            return writes
        still_running = any(
            (rs.get("status") or {}).get("replicas")
            or (rs.get("status") or {}).get("terminatingReplicas")
            for rs in old
        )
        if still_running:
            return 0
        return self.scale(d, new_rs, spec_replicas(d))

    def cleanup(self, d: Obj, old: list[Obj]) -> int:
        """cleanupDeployment: keep at most revisionHistoryLimit (default 10) idle old ones."""
        limit = (d.get("spec") or {}).get("revisionHistoryLimit")
        limit = 10 if limit is None else int(limit)
        idle = [
            rs
            for rs in old
            if spec_replicas(rs) == 0
            and not (rs.get("status") or {}).get("replicas")
            and not is_being_deleted(rs)
        ]
        idle.sort(key=revision_of)
        return sum(
            delete_object(self.store, REPLICASETS, rs, policy="Background")
            for rs in idle[: max(0, len(idle) - limit)]
        )

    def sync_paused(self, d: Obj, family: Family) -> int:
        """A paused Deployment (`kubectl rollout pause`) starts no rollout: a changed template
        gets no ReplicaSet until it is resumed. Scaling still works while only one
        ReplicaSet runs (the upstream controller also scales proportionally across several)."""
        writes, owned = self.claim_replicasets(d, family)
        new_rs = find_new_replicaset(d, owned)
        active = [rs for rs in owned if spec_replicas(rs) > 0]
        if new_rs is not None and all(rs is new_rs for rs in active):
            writes += self.scale(d, new_rs, spec_replicas(d))
        return writes + self.sync_status(d, owned, new_rs, rollout=False)

    def sync_status(self, d: Obj, owned: list[Obj], new_rs: Obj | None, *, rollout: bool) -> int:
        status = deployment_status(d, owned, new_rs)
        set_paused_condition(d, status)
        if rollout:
            set_rollout_conditions(d, status, new_rs)
        if status == d.get("status"):
            return 0
        return int(apply_change(self.store, DEPLOYMENTS, d, lambda o: o.update(status=status)))


def _annotate(values: dict[str, str]) -> Callable[[Obj], None]:
    def change(draft: Obj) -> None:
        draft["metadata"].setdefault("annotations", {}).update(values)

    return change


# ---------------------------------------------------------------------------------------------
# A pretend node: scheduler + kubelet


class Kubelet:
    """Binds Pods to the one fake node and runs them, without containers.

    - A new Pod is bound at once (spec.nodeName, status Pending / ContainerCreating).
    - `start_seconds` later it is Running and Ready, with a podIP and containerStatuses.
    - A Pod with a deletionTimestamp is removed (DELETE with grace period 0, as a kubelet does
      once the containers stopped) after `stop_seconds`, or its grace period if shorter, so a
      watcher sees MODIFIED (terminating) and then DELETED. A real kubelet may use the whole
      grace period (30 s by default); containers that do not exist stop at once.

    Times are measured on `clock` (monotonic seconds) from when this kubelet first saw the
    Pod in that state, so tests can pass a fake clock and step through the life cycle.
    """

    def __init__(
        self,
        store: Store,
        *,
        start_seconds: float = 0.5,
        stop_seconds: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.start_seconds = start_seconds
        self.stop_seconds = stop_seconds
        self.clock = clock
        self._bound_at: dict[str, float] = {}
        self._stopping_at: dict[str, float] = {}
        self.guard = Guard("kubelet")
        from rawkube.testing.server.events import EventRecorder, SeriesRecorder

        # The kubelet's events (source.host = its node) and the scheduler's (events.k8s.io).
        self.events = EventRecorder(store, "kubelet", manager="kubelet", host=NODE_NAME)
        self.scheduler_events = SeriesRecorder(
            store, "default-scheduler", f"default-scheduler-{NODE_NAME}", manager="kube-scheduler"
        )
        self._images: set[str] = set()  # images present on the node

    def tick(self) -> int:
        pods, _ = self.store.list(PODS, copy_objects=False)
        now = self.clock()
        seen = {str(p["metadata"].get("uid")) for p in pods}
        # Forget Pods that are gone, so the bookkeeping stays as small as the store.
        self._bound_at = {u: t for u, t in self._bound_at.items() if u in seen}
        self._stopping_at = {u: t for u, t in self._stopping_at.items() if u in seen}
        writes = self.register_node()
        return writes + sum(self.guard.run(pod, self.sync, now) for pod in pods)

    def sync(self, pod: Obj, now: float) -> int:
        uid = str(pod["metadata"].get("uid"))
        phase = (pod.get("status") or {}).get("phase", "Pending")
        node = (pod.get("spec") or {}).get("nodeName")
        if node and node != NODE_NAME:
            return 0  # bound to another node: its kubelet's business (there is none here)
        if is_being_deleted(pod):
            return self.stop(pod, uid, now)
        if phase in ("Succeeded", "Failed"):
            return 0
        if not node:
            if not self.schedulable(pod):
                return 0
            return self.bind(pod, uid, now)
        if phase != "Pending":
            self._bound_at.pop(uid, None)
            return 0
        if now - self._bound_at.setdefault(uid, now) >= self.start_seconds:
            log.debug("kubelet: pod %s is running", pod["metadata"]["name"])
            started = apply_change(self.store, PODS, pod, _set_status(running_pod_status))
            if started:
                self.container_events(pod)
            return int(started)
        return 0

    def container_events(self, pod: Obj) -> None:
        """What a kubelet reports starting each container (images/image_manager.go,
        kuberuntime/kuberuntime_container.go): the image pull, then created and started."""
        for container in (pod.get("spec") or {}).get("containers") or []:
            image = str(container.get("image", ""))
            path = f"spec.containers{{{container.get('name', '')}}}"
            policy = container.get("imagePullPolicy", "IfNotPresent")
            if policy == "Always" or image not in self._images:
                self.events.event(
                    pod, "Normal", "Pulling", f'Pulling image "{image}"', field_path=path
                )
                self.events.event(
                    pod,
                    "Normal",
                    "Pulled",
                    f'Successfully pulled image "{image}" in 100ms (100ms including waiting). '
                    f"Image size: {_image_size(image)} bytes.",
                    field_path=path,
                )
                self._images.add(image)
            else:
                self.events.event(
                    pod,
                    "Normal",
                    "Pulled",
                    f'Container image "{image}" already present on machine and can be accessed '
                    "by the pod",
                    field_path=path,
                )
            self.events.event(pod, "Normal", "Created", "Container created", field_path=path)
            self.events.event(pod, "Normal", "Started", "Container started", field_path=path)

    def register_node(self) -> int:
        """A kubelet registers its Node (kubelet_node_status.go registerWithAPIServer) and
        keeps it Ready: the Node the Pods are bound to."""
        if self.store.get(NODES, "", NODE_NAME) is not None:
            return 0
        from rawkube.testing.server.furniture import system_create

        return int(
            system_create(self.store, "", "v1", "nodes", node_object(), "kubelet") is not None
        )

    def schedulable(self, pod: Obj) -> bool:
        """The scheduler's NodeSelector filter against the one node: a Pod whose nodeSelector
        the node's labels do not satisfy stays Pending, as on a cluster with no such node."""
        wanted = (pod.get("spec") or {}).get("nodeSelector") or {}
        labels = node_object()["metadata"]["labels"]
        return all(labels.get(k) == v for k, v in wanted.items())

    def bind(self, pod: Obj, uid: str, now: float) -> int:
        """The scheduler's pods/binding plus the kubelet's first status."""

        def change(draft: Obj) -> None:
            draft.setdefault("spec", {})["nodeName"] = NODE_NAME
            draft["status"] = scheduled_pod_status(draft, rfc3339(now_utc()))

        self._bound_at[uid] = now
        bound = apply_change(self.store, PODS, pod, change)
        if bound:  # schedule_one.go: the scheduler's event after the binding
            meta = pod["metadata"]
            self.scheduler_events.eventf(
                {**pod, "kind": "Pod", "apiVersion": "v1"},
                "Normal",
                "Scheduled",
                "Binding",
                f"Successfully assigned {meta.get('namespace')}/{meta['name']} to {NODE_NAME}",
            )
        return int(bound)

    def stop(self, pod: Obj, uid: str, now: float) -> int:
        if uid not in self._stopping_at and (pod.get("status") or {}).get("phase") == "Running":
            # kuberuntime_container.go killContainer: "Stopping container <name>"
            for container in (pod.get("spec") or {}).get("containers") or []:
                name = container.get("name", "")
                self.events.event(
                    pod,
                    "Normal",
                    "Killing",
                    f"Stopping container {name}",
                    field_path=f"spec.containers{{{name}}}",
                )
        since = self._stopping_at.setdefault(uid, now)
        grace = pod["metadata"].get("deletionGracePeriodSeconds")
        wait = self.stop_seconds if grace is None else min(self.stop_seconds, float(grace))
        if now - since < wait:
            return 0
        log.debug("kubelet: pod %s stopped, removing it", pod["metadata"]["name"])
        return int(delete_object(self.store, PODS, pod, grace_period_seconds=0))

    def next_due(self, now: float) -> float | None:
        """Seconds until a timed transition is due (None if nothing waits on the clock)."""
        # Only future deadlines count: one that has passed was acted on by the last tick (or
        # cannot be, e.g. a Pod held by a finalizer) and must not turn the wait into a spin.
        due = [t + self.start_seconds for t in self._bound_at.values()]
        due += [t + self.stop_seconds for t in self._stopping_at.values()]
        future = [t - now for t in due if t > now]
        return min(future) if future else None


def _image_size(image: str) -> int:
    """A stable simulated image size (the real one comes from the registry)."""
    return 10_000_000 + _fnv32a(image.encode()) % 90_000_000


def _set_status(make: Callable[[Obj, str], Obj]) -> Callable[[Obj], None]:
    def change(draft: Obj) -> None:
        draft["status"] = make(draft, rfc3339(now_utc()))

    return change


__all__ = [
    "DeploymentController",
    "Kubelet",
    "ReplicaSetController",
    "pod_log_lines",
    "pod_template_hash",
]
