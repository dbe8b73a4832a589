"""``pods/binding`` (pkg/registry/core/pod/storage/storage.go BindingREST): what the scheduler
POSTs to put a Pod on a node. The Pod gets ``spec.nodeName``, the Binding's annotations (and
labels), and the PodScheduled condition; a Pod already bound or being deleted is a 409. The
answer is a Success Status (201)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from rawkube.testing.server.endpoints import endpoint
from rawkube.testing.server.errors import (
    APIError,
    Obj,
    ResourceKey,
    not_found_path,
    now_rfc3339,
)
from rawkube.testing.server.negotiation import render_json
from rawkube.testing.server.request import Request, Response, Target

if TYPE_CHECKING:  # pragma: no cover
    from rawkube.testing.server.apiproto import API

PODS = ResourceKey("", "pods")


@endpoint("", "pods", "binding", "POST")
def bind(api: API, req: Request, t: Target) -> Response:
    from rawkube.testing.server.apivalidation.fielderrors import (
        aggregate,
        not_supported,
        required,
    )

    body = api.body(req)
    if not isinstance(body, dict):
        raise APIError(400, "BadRequest", "the body of the request was in an unknown format")
    meta = body.get("metadata") or {}
    if meta.get("name") != t.name:
        raise APIError(400, "BadRequest", "name in URL does not match name in Binding object")
    target = body.get("target") or {}
    causes = []
    if target.get("kind") not in (None, "", "Node"):
        causes.append(not_supported("target.kind", target.get("kind"), ["Node", "<empty>"]))
    if not target.get("name"):
        causes.append(required("target.name"))
    if causes:
        # BindingREST.Create returns ValidatePodBinding's errs.ToAggregate(), not a StatusError:
        # responsewriters.ErrorToAPIStatus makes it a 500 with no reason (recorded:
        # controllers/pods-binding-subresource).
        raise APIError(500, "", aggregate(causes))
    node = str(target.get("name"))
    dry_run = "All" in (req.query.get("dryRun") or [])
    preconditions = {k: meta[k] for k in ("uid", "resourceVersion") if meta.get(k)}

    def assign(pod: Obj) -> None:
        current = pod["metadata"]
        if preconditions.get("uid") and preconditions["uid"] != current.get("uid"):
            raise _conflict(t.name, "the UID in the precondition does not match")
        if pod["metadata"].get("deletionTimestamp"):
            raise _conflict(t.name, f"pod {t.name} is being deleted, cannot be assigned to a host")
        spec = pod.setdefault("spec", {})
        if spec.get("nodeName"):
            raise _conflict(
                t.name, f'pod {t.name} is already assigned to node "{spec["nodeName"]}"'
            )
        if spec.get("schedulingGates"):
            raise _conflict(t.name, f"pod {t.name} has non-empty .spec.schedulingGates")
        spec["nodeName"] = node
        status = pod.setdefault("status", {})
        status.pop("nominatedNodeName", None)
        if meta.get("annotations"):
            current.setdefault("annotations", {}).update(meta["annotations"])
        if meta.get("labels"):
            current.setdefault("labels", {}).update(meta["labels"])
        conditions = status.setdefault("conditions", [])
        for cond in conditions:
            if cond.get("type") == "PodScheduled":
                if cond.get("status") != "True":
                    cond["status"] = "True"
                    cond["lastTransitionTime"] = now_rfc3339()
                cond.pop("reason", None)
                cond.pop("message", None)
                break
        else:
            conditions.append(
                {
                    "type": "PodScheduled",
                    "status": "True",
                    "lastProbeTime": None,
                    "lastTransitionTime": now_rfc3339(),
                }
            )

    if not dry_run:
        api.store.mutate(PODS, t.namespace, t.name, assign)
    else:
        assign(api.store.must_get(PODS, t.namespace, t.name))
    return render_json(
        {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201},
        201,
    )


@endpoint("", "bindings", "", "POST")
def legacy_bind(api: API, req: Request, t: Target) -> Response:
    """POST /api/v1/namespaces/{ns}/bindings, the legacy form: the Pod is named by the Binding's
    metadata.name (pkg/registry/core/pod/storage/storage.go LegacyBindingREST.Create)."""
    if t.name:
        raise not_found_path()  # bindings has no item routes (only "create" in discovery)
    body = api.body(req)
    meta = (body.get("metadata") or {}) if isinstance(body, dict) else {}
    name = meta.get("name") if isinstance(meta, dict) else None
    return bind(api, req, dataclasses.replace(t, name=str(name or ""), subresource="binding"))


def _conflict(name: str, why: str) -> APIError:
    return APIError(
        409,
        "Conflict",
        f'Operation cannot be fulfilled on pods/binding "{name}": {why}',
        {"name": name, "kind": "pods/binding"},
    )


__all__ = ["bind", "legacy_bind"]
