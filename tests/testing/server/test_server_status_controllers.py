"""controllers_status.py against a bare Store: the ServiceCIDR controller (protection finalizer,
Ready condition, deletion after the grace period unless an allocated IPAddress depends on the
CIDR) and the ValidatingAdmissionPolicy status controller (observedGeneration, typeChecking),
each with the managedFields entries the real components leave (recorded in
fixtures/differential/defaults/servicecidr-minimal.json and validatingadmissionpolicy-minimal.json)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from rawkube.testing.server.controllers_status import (
    CIDR_FINALIZER,
    IP_ADDRESSES,
    SERVICE_CIDRS,
    VAPS,
    ServiceCIDRController,
    ValidatingAdmissionPolicyStatusController,
)
from rawkube.testing.server.store import Store


def _entries(obj: dict[str, Any]) -> set[tuple[str, str, str | None]]:
    return {
        (e["manager"], e["operation"], e.get("subresource"))
        for e in obj["metadata"]["managedFields"]
    }


def test_service_cidr_is_protected_ready_and_released_after_the_grace_period() -> None:
    store = Store()
    now = [datetime.now(timezone.utc)]
    controller = ServiceCIDRController(store, lambda: now[0])
    cidr = {"apiVersion": "networking.k8s.io/v1", "kind": "ServiceCIDR",
            "metadata": {"name": "extra"}, "spec": {"cidrs": ["10.9.0.0/24"]}}  # fmt: skip
    store.create(SERVICE_CIDRS, cidr)
    assert controller.tick() == 2
    obj = store.get(SERVICE_CIDRS, "", "extra")
    assert obj is not None
    assert obj["metadata"]["finalizers"] == [CIDR_FINALIZER]
    ready = obj["status"]["conditions"][0]
    assert (ready["type"], ready["status"], ready["reason"], ready["message"]) == (
        "Ready", "True", "", "Kubernetes Service CIDR is ready",
    )  # fmt: skip
    assert {("service-cidr-controller", "Apply", "status"),
            ("kube-controller-manager", "Update", None)} <= _entries(obj)  # fmt: skip
    assert controller.tick() == 0  # level-triggered: nothing left to do

    address = {"apiVersion": "networking.k8s.io/v1", "kind": "IPAddress",
               "metadata": {"name": "10.9.0.5", "labels": {
                   "ipaddress.kubernetes.io/managed-by": "ipallocator.k8s.io"}},
               "spec": {"parentRef": {"resource": "services", "namespace": "default", "name": "s"}}}  # fmt: skip
    store.create(IP_ADDRESSES, address)
    store.delete(SERVICE_CIDRS, "", "extra")
    now[0] += timedelta(seconds=30)
    assert controller.tick() == 1  # blocked: Ready False, Terminating
    obj = store.get(SERVICE_CIDRS, "", "extra")
    assert obj is not None and obj["status"]["conditions"][0]["reason"] == "Terminating"

    store.delete(IP_ADDRESSES, "", "10.9.0.5")
    store.delete(SERVICE_CIDRS, "", "extra")
    marked = store.get(SERVICE_CIDRS, "", "extra")
    assert marked is not None
    stamp = str(marked["metadata"]["deletionTimestamp"])
    deleted = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    now[0] = deleted + timedelta(seconds=5)
    assert controller.tick() == 0  # still within deletionGracePeriod (10 s)
    now[0] = deleted + timedelta(seconds=11)
    assert controller.tick() == 1
    assert store.get(SERVICE_CIDRS, "", "extra") is None


def test_validating_admission_policy_status_follows_the_generation() -> None:
    store = Store()
    controller = ValidatingAdmissionPolicyStatusController(store)
    policy = {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicy",
              "metadata": {"name": "p"}, "spec": {"matchConstraints": {"resourceRules": [
                  {"apiGroups": ["apps"], "apiVersions": ["v1"], "operations": ["CREATE"],
                   "resources": ["deployments"]}]}, "validations": [{"expression": "true"}]}}  # fmt: skip
    store.create(VAPS, policy)
    assert controller.tick() == 1
    obj = store.get(VAPS, "", "p")
    assert obj is not None
    assert obj["status"] == {"observedGeneration": 1, "typeChecking": {}}
    assert ("validatingadmissionpolicy-status", "Apply", "status") in _entries(obj)
    assert controller.tick() == 0
