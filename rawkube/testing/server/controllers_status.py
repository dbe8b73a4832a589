"""Two kube-controller-manager controllers that only keep an object's status and protection
finalizer, as users see them on a real cluster right after a create:

* `ServiceCIDRController` (pkg/controller/servicecidrs/servicecidrs_controller.go): every
  ServiceCIDR gets the ``networking.k8s.io/service-cidr-finalizer`` (a merge patch by
  kube-controller-manager) and the ``Ready`` condition (a forced ApplyStatus by
  service-cidr-controller); a deleted one loses the finalizer 10 s after its deletion when no
  allocated IPAddress depends on it alone (canDeleteCIDR), else it is Ready False/Terminating.
* `ValidatingAdmissionPolicyStatusController` (pkg/controller/validatingadmissionpolicystatus):
  a policy whose generation is newer than status.observedGeneration gets ``observedGeneration``
  and ``typeChecking`` (ApplyStatus by validatingadmissionpolicy-status). The type checker's
  expression warnings are not computed here: ``typeChecking`` is written empty.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from rawkube.testing.server.errors import APIError, Obj, ResourceKey, now_rfc3339
from rawkube.testing.server.furniture import system_apply, system_update
from rawkube.testing.server.registry.generic import GenericStore

SERVICE_CIDRS = ResourceKey("networking.k8s.io", "servicecidrs")
IP_ADDRESSES = ResourceKey("networking.k8s.io", "ipaddresses")
VAPS = ResourceKey("admissionregistration.k8s.io", "validatingadmissionpolicies")
CIDR_FINALIZER = "networking.k8s.io/service-cidr-finalizer"
CIDR_MANAGER = "service-cidr-controller"
VAP_MANAGER = "validatingadmissionpolicy-status"
DELETION_GRACE = timedelta(seconds=10)  # servicecidrs_controller.go deletionGracePeriod
_READY_MESSAGE = "Kubernetes Service CIDR is ready"
_TERMINATING_MESSAGE = (
    "There are still IPAddresses referencing the ServiceCIDR, please remove them or create a "
    "new ServiceCIDR"
)


def _networks(cidr: Obj) -> list[Any]:
    nets = []
    for text in (cidr.get("spec") or {}).get("cidrs") or []:
        try:
            nets.append(ipaddress.ip_network(str(text), strict=False))
        except ValueError:
            continue
    return nets


class ServiceCIDRController:
    def __init__(self, store: GenericStore, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.clock = clock

    def tick(self) -> int:
        cidrs, _ = self.store.list(SERVICE_CIDRS, copy_objects=False)
        writes = 0
        for cidr in cidrs:
            try:
                writes += self._sync(cidr, cidrs)
            except APIError:
                continue  # changed or gone meanwhile: the next tick looks again
        return writes

    def _sync(self, cidr: Obj, cidrs: list[Obj]) -> int:
        meta = cidr["metadata"]
        name = meta["name"]
        finalizers = list(meta.get("finalizers") or [])
        if meta.get("deletionTimestamp"):
            if CIDR_FINALIZER not in finalizers:
                return 0
            if not self._can_delete(cidr, cidrs):
                return self._condition(cidr, "False", "Terminating", _TERMINATING_MESSAGE)
            deleted = datetime.fromisoformat(str(meta["deletionTimestamp"]).replace("Z", "+00:00"))
            if self.clock() - deleted < DELETION_GRACE:
                return 0

            def unprotect(draft: Obj) -> None:
                left = [f for f in draft["metadata"].get("finalizers") or [] if f != CIDR_FINALIZER]
                draft["metadata"]["finalizers"] = left
                if not left:
                    draft["metadata"].pop("finalizers")

            system_update(self.store, SERVICE_CIDRS.group, "v1", SERVICE_CIDRS.resource, "",
                          name, unprotect, "kube-controller-manager")  # fmt: skip
            return 1
        writes = 0
        if CIDR_FINALIZER not in finalizers:

            def protect(draft: Obj) -> None:
                draft["metadata"]["finalizers"] = [
                    *(draft["metadata"].get("finalizers") or []),
                    CIDR_FINALIZER,
                ]

            system_update(self.store, SERVICE_CIDRS.group, "v1", SERVICE_CIDRS.resource, "",
                          name, protect, "kube-controller-manager")  # fmt: skip
            writes += 1
        return writes + self._condition(cidr, "True", "", _READY_MESSAGE)

    def _condition(self, cidr: Obj, status: str, reason: str, message: str) -> int:
        """updateConditionIfNeeded: a forced ApplyStatus of the Ready condition when it differs."""
        conditions = (cidr.get("status") or {}).get("conditions") or []
        current: dict[str, Any] = next((c for c in conditions if c.get("type") == "Ready"), {})
        if (current.get("status"), current.get("reason") or "", current.get("message")) == (
            status,
            reason,
            message,
        ):
            return 0
        config = {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "ServiceCIDR",
            "metadata": {"name": cidr["metadata"]["name"]},
            "status": {
                "conditions": [
                    {
                        "type": "Ready",
                        "status": status,
                        "lastTransitionTime": now_rfc3339(),
                        "reason": reason,
                        "message": message,
                    }
                ]
            },
        }
        system_apply(self.store, SERVICE_CIDRS.group, "v1", SERVICE_CIDRS.resource, "",
                     cidr["metadata"]["name"], config, CIDR_MANAGER, subresource="status")  # fmt: skip
        return 1

    def _can_delete(self, cidr: Obj, cidrs: list[Obj]) -> bool:
        """canDeleteCIDR: a CIDR inside another one can go; else no allocated IPAddress may be
        covered by this CIDR alone."""
        name = cidr["metadata"]["name"]
        mine = _networks(cidr)
        others = [
            (c, _networks(c))
            for c in cidrs
            if c["metadata"]["name"] != name and not c["metadata"].get("deletionTimestamp")
        ]
        has_parent = bool(mine) and all(
            any(n.version == o.version and n.subnet_of(o) for _, nets in others for o in nets)
            for n in mine
        )
        if has_parent:
            return True
        addresses, _ = self.store.list(IP_ADDRESSES, copy_objects=False)
        for item in addresses:
            labels = item["metadata"].get("labels") or {}
            if labels.get("ipaddress.kubernetes.io/managed-by") != "ipallocator.k8s.io":
                continue
            try:
                address = ipaddress.ip_address(item["metadata"]["name"])
            except ValueError:
                continue
            if any(address in n for n in mine) and not any(
                address in o for _, nets in others for o in nets
            ):
                return False
        return True


class ValidatingAdmissionPolicyStatusController:
    def __init__(self, store: GenericStore) -> None:
        self.store = store

    def tick(self) -> int:
        policies, _ = self.store.list(VAPS, copy_objects=False)
        writes = 0
        for policy in policies:
            generation = int(policy["metadata"].get("generation") or 0)
            observed = int((policy.get("status") or {}).get("observedGeneration") or 0)
            if generation <= observed or policy["metadata"].get("deletionTimestamp"):
                continue
            config = {
                "apiVersion": "admissionregistration.k8s.io/v1",
                "kind": "ValidatingAdmissionPolicy",
                "metadata": {"name": policy["metadata"]["name"]},
                "status": {"observedGeneration": generation, "typeChecking": {}},
            }
            try:
                system_apply(self.store, VAPS.group, "v1", VAPS.resource, "",
                             policy["metadata"]["name"], config, VAP_MANAGER,
                             subresource="status")  # fmt: skip
            except APIError:
                continue
            writes += 1
        return writes


__all__ = ["ServiceCIDRController", "ValidatingAdmissionPolicyStatusController"]
