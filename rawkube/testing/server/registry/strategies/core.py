"""Strategies of the core group (/api/v1): pkg/registry/core/<kind>/strategy.go."""

from __future__ import annotations

from rawkube.testing.server.errors import Obj
from rawkube.testing.server.registry.strategy import Strategy


class PodStrategy(Strategy):
    """pkg/registry/core/pod/strategy.go podStrategy (+ pod/storage: ReturnDeletedObject)."""

    tracks_generation = True
    return_deleted_object = True

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
            grace = min(grace, int(previous))
        return grace


class ReplicationControllerStrategy(Strategy):
    """pkg/registry/core/replicationcontroller/strategy.go: generation tracked."""

    tracks_generation = True


class NamespaceStrategy(Strategy):
    """pkg/registry/core/namespace/strategy.go + namespace/storage/storage.go (its own Delete):
    a namespace lives on, Terminating, until the namespace controller empties
    spec.finalizers ("kubernetes")."""

    own_delete = True

    def deletion_pending(self, obj: Obj) -> bool:
        return bool((obj.get("spec") or {}).get("finalizers"))

    def mark_deleting(self, obj: Obj) -> None:
        obj.setdefault("status", {})["phase"] = "Terminating"


STRATEGIES: dict[str, Strategy] = {
    "pods": PodStrategy(),
    "replicationcontrollers": ReplicationControllerStrategy(),
    "namespaces": NamespaceStrategy(),
}
