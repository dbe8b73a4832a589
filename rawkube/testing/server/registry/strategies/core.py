"""Strategies of the core group (/api/v1): pkg/registry/core/<kind>/strategy.go."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from rawkube.testing.server import ephemeral
from rawkube.testing.server.apivalidation.fielderrors import Cause
from rawkube.testing.server.apivalidation.goparse import quantity
from rawkube.testing.server.errors import Obj, now_rfc3339
from rawkube.testing.server.registry.context import RequestContext
from rawkube.testing.server.registry.strategy import Strategy

_QOS_RESOURCES = ("cpu", "memory")


def _amount(value: Any) -> Fraction:
    parsed = quantity(value)
    return parsed[0] if parsed is not None else Fraction(0)


def pod_qos_class(pod: Obj) -> str:
    """pkg/apis/core/helper/qos/qos.go ComputePodQOS."""
    spec = pod.get("spec") or {}
    requests: dict[str, Fraction] = {}
    limits: dict[str, Fraction] = {}
    guaranteed = True
    pod_resources = spec.get("resources")
    if isinstance(pod_resources, dict) and (
        pod_resources.get("requests") or pod_resources.get("limits")
    ):
        # PodLevelResources: pod-level requests and limits decide.
        for name, value in (pod_resources.get("requests") or {}).items():
            if name in _QOS_RESOURCES and _amount(value) > 0:
                requests[name] = _amount(value)
        found = set()
        for name, value in (pod_resources.get("limits") or {}).items():
            if name in _QOS_RESOURCES and _amount(value) > 0:
                limits[name] = _amount(value)
                found.add(name)
        if pod_resources.get("limits") and not found >= set(_QOS_RESOURCES):
            guaranteed = False
    else:
        for container in (spec.get("containers") or []) + (spec.get("initContainers") or []):
            resources = (container or {}).get("resources") or {}
            for name, value in (resources.get("requests") or {}).items():
                if name in _QOS_RESOURCES and _amount(value) > 0:
                    requests[name] = requests.get(name, Fraction(0)) + _amount(value)
            found = set()
            for name, value in (resources.get("limits") or {}).items():
                if name in _QOS_RESOURCES and _amount(value) > 0:
                    found.add(name)
                    limits[name] = limits.get(name, Fraction(0)) + _amount(value)
            if not found >= set(_QOS_RESOURCES):
                guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    if guaranteed and any(limits.get(name) != value for name, value in requests.items()):
        guaranteed = False
    if guaranteed and len(requests) == len(limits):
        return "Guaranteed"
    return "Burstable"


class PodStrategy(Strategy):
    """pkg/registry/core/pod/strategy.go podStrategy (+ pod/storage: ReturnDeletedObject)."""

    tracks_generation = True
    return_deleted_object = True
    graceful_delete = True

    def update_generation(self, obj: Obj, old: Obj | None) -> None:
        """updatePodGeneration: a spec change counts; the scheduler's binding (spec.nodeName,
        written through pods/binding, not this strategy) does not."""
        if old is None:
            obj.setdefault("metadata", {})["generation"] = 1
            return
        old_spec = {k: v for k, v in (old.get("spec") or {}).items() if k != "nodeName"}
        new_spec = {k: v for k, v in (obj.get("spec") or {}).items() if k != "nodeName"}
        generation = int(old["metadata"].get("generation", 1))
        obj["metadata"]["generation"] = generation + (old_spec != new_spec)

    def prepare_for_create(self, ctx: RequestContext, obj: Obj) -> None:
        """A new Pod is Pending, with its QoS class; any status the client sent is dropped."""
        obj["status"] = {"phase": "Pending", "qosClass": pod_qos_class(obj)}

    def prepare_for_update(self, ctx: RequestContext, obj: Obj, old: Obj) -> None:
        """pods/ephemeralcontainers: podEphemeralContainersStrategy (ephemeral.py)."""
        if ctx.subresource == ephemeral.SUBRESOURCE:
            ephemeral.prepare_for_update(obj, old)
            return
        super().prepare_for_update(ctx, obj, old)

    def validate_update(self, ctx: RequestContext, obj: Obj, old: Obj) -> list[Cause]:
        if ctx.subresource == ephemeral.SUBRESOURCE:
            return ephemeral.validate_update(obj, old)
        return super().validate_update(ctx, obj, old)

    def check_graceful_delete(self, obj: Obj, requested: int | None) -> int:
        """podStrategy.CheckGracefulDelete + rest.BeforeDelete: a Pod never bound to a node, or
        already Succeeded/Failed, goes at once; otherwise the request's grace period, else
        spec.terminationGracePeriodSeconds (default 30); a repeated delete may only shorten it.
        The controllers' kubelet removes terminating pods (with grace 0) early."""
        spec, status = obj.get("spec") or {}, obj.get("status") or {}
        if not spec.get("nodeName") or status.get("phase") in ("Succeeded", "Failed"):
            return 0
        grace = (
            requested if requested is not None else spec.get("terminationGracePeriodSeconds", 30)
        )
        grace = max(0, int(grace))
        previous = obj["metadata"].get("deletionGracePeriodSeconds")
        if obj["metadata"].get("deletionTimestamp") and previous is not None:
            # rest.BeforeDelete on an object already being deleted: only a requested, shorter
            # period changes it; without one the pending deletion stays as it is (recorded:
            # deletion/evict-bound-pod-honours-grace-period).
            if requested is None:
                return int(previous)
            grace = min(grace, int(previous))
        return grace


class PersistentVolumeStrategy(Strategy):
    """pkg/registry/core/persistentvolume/strategy.go: a new volume is Pending, since now."""

    def prepare_for_create(self, ctx: RequestContext, obj: Obj) -> None:
        obj["status"] = {"phase": "Pending", "lastPhaseTransitionTime": now_rfc3339()}


class ReplicationControllerStrategy(Strategy):
    """pkg/registry/core/replicationcontroller/strategy.go: generation tracked."""

    tracks_generation = True


class NamespaceStrategy(Strategy):
    """pkg/registry/core/namespace/strategy.go + namespace/storage/storage.go (its own Delete):
    a namespace lives on, Terminating, until the namespace controller empties
    spec.finalizers ("kubernetes")."""

    own_delete = True

    def prepare_for_create(self, ctx: RequestContext, obj: Obj) -> None:
        """On create the status is Active and spec.finalizers holds "kubernetes"."""
        obj["status"] = {"phase": "Active"}
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            spec = obj["spec"] = {}
        finalizers = list(spec.get("finalizers") or [])
        if "kubernetes" not in finalizers:
            finalizers.append("kubernetes")
        spec["finalizers"] = finalizers

    def prepare_for_update(self, ctx: RequestContext, obj: Obj, old: Obj) -> None:
        """spec.finalizers changes only through /finalize, status only through /status."""
        super().prepare_for_update(ctx, obj, old)
        if ctx.subresource == "":
            obj.setdefault("spec", {})["finalizers"] = list(
                (old.get("spec") or {}).get("finalizers") or []
            )
            if not obj["spec"]["finalizers"]:
                obj["spec"].pop("finalizers")

    def deletion_pending(self, obj: Obj) -> bool:
        return bool((obj.get("spec") or {}).get("finalizers"))

    def mark_deleting(self, obj: Obj) -> None:
        obj.setdefault("status", {})["phase"] = "Terminating"


STRATEGIES: dict[str, Strategy] = {
    "persistentvolumes": PersistentVolumeStrategy(),
    "pods": PodStrategy(),
    "replicationcontrollers": ReplicationControllerStrategy(),
    "namespaces": NamespaceStrategy(),
}


# -- Services (pkg/registry/core/service/storage/storage.go, ipallocator, portallocator) -------

SERVICE_CIDR = (10 << 24) | (96 << 16)  # 10.96.0.0/12, the first address is the kubernetes Service
SERVICE_CIDR_SIZE = 1 << 20
NODE_PORTS = range(30000, 32768)  # --service-node-port-range default
SERVICES = ("", "services")


def _ip(address: int) -> str:
    return ".".join(str((address >> s) & 0xFF) for s in (24, 16, 8, 0))


def _needs_cluster_ip(spec: Obj) -> bool:
    return spec.get("type") != "ExternalName"


def _needs_node_port(spec: Obj) -> bool:
    if spec.get("type") == "NodePort":
        return True
    return (
        spec.get("type") == "LoadBalancer"
        and spec.get("allocateLoadBalancerNodePorts") is not False
    )


def _used(store: Any) -> tuple[set[str], set[int]]:
    ips: set[str] = set()
    ports: set[int] = set()
    if store is None:
        return ips, ports
    for svc in store.list(SERVICES, copy_objects=False)[0]:
        spec = svc.get("spec") or {}
        ips.update(ip for ip in spec.get("clusterIPs") or [spec.get("clusterIP")] if ip)
        ports.update(p.get("nodePort") for p in spec.get("ports") or [] if p.get("nodePort"))
    return ips, ports


def allocate_cluster_ip(name: str, used: set[str]) -> str:
    """A free address of the service CIDR; the first probe is derived from the name, so a
    restarted server hands out the same address again."""
    import hashlib

    start = int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big")
    for i in range(SERVICE_CIDR_SIZE - 2):
        offset = (start + i) % (SERVICE_CIDR_SIZE - 2) + 2  # skip network and .1
        address = _ip(SERVICE_CIDR + offset)
        if address not in used:
            return address
    raise RuntimeError("service CIDR exhausted")  # pragma: no cover


def allocate_node_port(used: set[int]) -> int:
    import random

    free = [p for p in NODE_PORTS if p not in used]
    if not free:
        raise RuntimeError("node port range exhausted")  # pragma: no cover
    port = random.choice(free)
    used.add(port)
    return port


class ServiceStrategy(Strategy):
    """pkg/registry/core/service/strategy.go + service/storage/storage.go: the REST storage
    allocates ClusterIPs (ipallocator) and node ports (portallocator) and initialises the IP
    family fields after defaulting (so the client's managedFields do not own them:
    recording defaults/service-minimal); an update keeps what was allocated
    (patchAllocatedValues, normalizeClusterIPs)."""

    def prepare_for_create(self, ctx: RequestContext, obj: Obj) -> None:
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            return
        status = obj.get("status")
        obj["status"] = {"loadBalancer": {}}  # status is not the client's to set
        del status
        if not _needs_cluster_ip(spec):
            return
        from rawkube.testing.server import validation
        from rawkube.testing.server.apivalidation.core import service_allocation_precheck

        causes = service_allocation_precheck(obj)  # alloc.go: nothing is allocated for these
        if causes:
            name = str((obj.get("metadata") or {}).get("name") or "")
            raise validation.invalid_error(ctx.info, name, causes)
        ips, ports = _used(ctx.store)
        meta = obj.get("metadata") or {}
        if spec.get("clusterIP") and not spec.get("clusterIPs"):
            spec["clusterIPs"] = [spec["clusterIP"]]
        if not spec.get("clusterIP"):
            address = allocate_cluster_ip(f"{meta.get('namespace')}/{meta.get('name')}", ips)
            spec["clusterIP"] = address
            spec["clusterIPs"] = [address]
        spec.setdefault("ipFamilies", ["IPv4"])
        spec.setdefault("ipFamilyPolicy", "SingleStack")
        if _needs_node_port(spec):
            for port in spec.get("ports") or []:
                if isinstance(port, dict) and not port.get("nodePort"):
                    port["nodePort"] = allocate_node_port(ports)
        if (
            spec.get("type") == "LoadBalancer"
            and spec.get("externalTrafficPolicy") == "Local"
            and not spec.get("healthCheckNodePort")
        ):
            spec["healthCheckNodePort"] = allocate_node_port(
                ports
            )  # alloc.go allocHealthCheckNodePort

    def prepare_for_update(self, ctx: RequestContext, obj: Obj, old: Obj) -> None:
        super().prepare_for_update(ctx, obj, old)
        spec, old_spec = obj.get("spec"), old.get("spec") or {}
        if not isinstance(spec, dict) or ctx.subresource:
            return
        if _needs_cluster_ip(old_spec) and _needs_cluster_ip(spec):
            if not spec.get("clusterIP"):
                spec["clusterIP"] = old_spec.get("clusterIP")
            if not spec.get("clusterIPs") and old_spec.get("clusterIPs"):
                spec["clusterIPs"] = list(old_spec["clusterIPs"])
            for key in ("ipFamilies", "ipFamilyPolicy"):
                if not spec.get(key) and old_spec.get(key):
                    spec[key] = old_spec[key]
        if _needs_node_port(old_spec) and _needs_node_port(spec):
            by_name = {p.get("name", ""): p.get("nodePort") for p in old_spec.get("ports") or []}
            taken = {p.get("nodePort") for p in spec.get("ports") or [] if p.get("nodePort")}
            for port in spec.get("ports") or []:
                if not port.get("nodePort"):
                    previous = by_name.get(port.get("name", ""))
                    if previous and previous not in taken:
                        port["nodePort"] = previous
            if any(not p.get("nodePort") for p in spec.get("ports") or []):
                _, ports = _used(ctx.store)
                for port in spec.get("ports") or []:
                    if not port.get("nodePort"):
                        port["nodePort"] = allocate_node_port(ports)


STRATEGIES["services"] = ServiceStrategy()
