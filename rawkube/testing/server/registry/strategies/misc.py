"""Strategies of the smaller groups: certificates.k8s.io, apiregistration.k8s.io."""

from __future__ import annotations

from rawkube.testing.server.errors import Obj, now_rfc3339
from rawkube.testing.server.registry.context import RequestContext
from rawkube.testing.server.registry.strategy import Strategy
from rawkube.testing.server.resources import ResourceInfo


class CertificateSigningRequestStrategy(Strategy):
    """pkg/registry/certificates/certificates/strategy.go csrStrategy: the requester's
    identity is the server's to write; spec and status are reset fields of the main
    resource (so a create records no managedFields for them)."""

    def prepare_for_create(self, ctx: RequestContext, obj: Obj) -> None:
        super().prepare_for_create(ctx, obj)
        spec = obj.setdefault("spec", {})
        for key in ("username", "uid", "groups", "extra"):
            spec.pop(key, None)
        if ctx.user is not None:
            spec["username"] = ctx.user.username
            if ctx.user.uid:
                spec["uid"] = ctx.user.uid
            spec["groups"] = list(ctx.user.all_groups())
            if ctx.user.extra:
                spec["extra"] = ctx.user.extra_dict()
        obj["status"] = {"conditions": []}

    def get_reset_fields(self, info: ResourceInfo) -> dict[str, tuple[tuple[str, ...], ...]]:
        return {
            "": (("f:spec",), ("f:status",)),
            "status": (("f:spec",), ("f:metadata",)),
            "approval": (("f:spec",), ("f:metadata",)),
        }


class APIServiceStrategy(Strategy):
    """kube-aggregator pkg/registry/apiservice/strategy.go: a local APIService (no service)
    is available from the start."""

    def prepare_for_create(self, ctx: RequestContext, obj: Obj) -> None:
        super().prepare_for_create(ctx, obj)
        if (obj.get("spec") or {}).get("service") is None:
            obj["status"] = {
                "conditions": [
                    {
                        "type": "Available",
                        "status": "True",
                        "lastTransitionTime": now_rfc3339(),
                        "reason": "Local",
                        "message": "Local APIServices are always available",
                    }
                ]
            }


CERTIFICATES: dict[str, Strategy] = {
    "certificatesigningrequests": CertificateSigningRequestStrategy()
}
APIREGISTRATION: dict[str, Strategy] = {"apiservices": APIServiceStrategy()}
