"""DELETE as kube-apiserver answers it: options, return values, eviction, namespace finalize.

* `delete_options(api, req)` is handlers/delete.go's: a DeleteOptions body when there is one
  (and then the query's options are ignored), else the query parameters; validated by
  apis/meta/v1/validation ValidateDeleteOptions (422 ``DeleteOptions.meta.k8s.io``); a negative
  grace period means 1 second (registry/rest/delete.go BeforeDelete).
* `RETURN_DELETED_OBJECT`: the registries whose Delete answers with the object itself rather
  than a Success Status (``ReturnDeletedObject: true`` in pkg/registry/*/storage/storage.go).
* ``pods/eviction`` (pkg/registry/core/pod/storage/eviction.go): the Eviction's name must be the
  Pod's; its deleteOptions are honoured; a Pod that may ignore disruption budgets (Pending,
  finished or already terminating) gets the ``DisruptionTarget`` condition and is deleted at
  once; otherwise the Pod's PodDisruptionBudget decides (429 when it allows no disruption).
* ``namespaces/finalize`` (pkg/registry/core/namespace/storage FinalizeREST): a PUT that changes
  only ``spec.finalizers``; a terminating namespace left with none is removed.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from rawkube.testing.server.admission import UPDATE, Attributes
from rawkube.testing.server.endpoints import endpoint
from rawkube.testing.server.errors import APIError, Obj, ResourceKey, now_rfc3339
from rawkube.testing.server.negotiation import render, render_json
from rawkube.testing.server.request import Request, Response, Target
from rawkube.testing.server.selectors import label_selector_predicate

if TYPE_CHECKING:  # pragma: no cover
    from rawkube.testing.server.apiproto import API

PODS = ResourceKey("", "pods")
PDBS = ResourceKey("policy", "poddisruptionbudgets")

RETURN_DELETED_OBJECT = frozenset(
    {
        ResourceKey("", "pods"),
        ResourceKey("", "services"),
        ResourceKey("", "namespaces"),
        ResourceKey("", "persistentvolumes"),
        ResourceKey("", "persistentvolumeclaims"),
        ResourceKey("", "serviceaccounts"),
        ResourceKey("", "resourcequotas"),
        ResourceKey("", "podtemplates"),
        ResourceKey("storage.k8s.io", "storageclasses"),
        ResourceKey("storage.k8s.io", "csidrivers"),
        ResourceKey("storage.k8s.io", "csinodes"),
        ResourceKey("storage.k8s.io", "volumeattachments"),
        ResourceKey("storage.k8s.io", "volumeattributesclasses"),
        ResourceKey("resource.k8s.io", "resourceclaims"),
        ResourceKey("resource.k8s.io", "resourceclaimtemplates"),
        ResourceKey("resource.k8s.io", "resourceslices"),
        ResourceKey("resource.k8s.io", "deviceclasses"),
        ResourceKey("resource.k8s.io", "devicetaintrules"),
    }
)
_POLICIES = ("Foreground", "Background", "Orphan")


def _first(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def delete_options(api: API, req: Request) -> dict[str, Any]:
    """The request's DeleteOptions (see the module docstring)."""
    from rawkube.testing.server.apivalidation.fielderrors import (
        invalid,
        invalid_status,
        not_supported,
    )
    from rawkube.testing.server.listing import _go_int64

    options: dict[str, Any]
    if req.body:
        body = api.body(req)
        if not isinstance(body, dict):
            raise APIError(400, "BadRequest", "decoded object cannot be converted to DeleteOptions")
        options = dict(body)
    else:
        options = {}
        query = req.query
        grace = _first(query, "gracePeriodSeconds")
        if grace is not None:
            options["gracePeriodSeconds"] = _go_int64(grace)
        policy = _first(query, "propagationPolicy")
        if policy is not None:
            options["propagationPolicy"] = policy
        orphan = _first(query, "orphanDependents")
        if orphan is not None:
            options["orphanDependents"] = orphan != "0" and orphan.lower() != "false"
        if query.get("dryRun"):
            options["dryRun"] = list(query["dryRun"])
    causes = []
    policy = options.get("propagationPolicy")
    if options.get("orphanDependents") is not None and policy is not None:
        causes.append(
            invalid(
                "propagationPolicy",
                policy,
                "orphanDependents and deletionPropagation cannot be both set",
            )
        )
    if policy is not None and policy not in _POLICIES:
        causes.append(not_supported("propagationPolicy", policy, [*_POLICIES, "nil"]))
    for value in options.get("dryRun") or []:
        if value != "All":
            causes.append(not_supported("dryRun", options["dryRun"], ["All"]))
            break
    if causes:
        raise invalid_status("DeleteOptions", "meta.k8s.io", "", causes)
    if options.get("orphanDependents") is True and policy is None:
        options["propagationPolicy"] = "Orphan"
    grace = options.get("gracePeriodSeconds")
    if isinstance(grace, int) and grace < 0:
        options["gracePeriodSeconds"] = 1
    return options


def deleted_response(api: API, req: Request, t: Target, obj: Obj, removed: bool) -> Response:
    """delete.go: the object, or for an immediate deletion by a registry that does not return
    it, a Success Status naming it."""
    strategy = api.store.strategy(t.key)
    if removed and not (strategy.return_deleted_object or t.key in RETURN_DELETED_OBJECT):
        details: dict[str, Any] = {"name": t.name}
        if t.info.group:
            details["group"] = t.info.group
        details["kind"] = t.info.resource
        details["uid"] = obj["metadata"].get("uid")
        return render_json(
            {
                "kind": "Status",
                "apiVersion": "v1",
                "metadata": {},
                "status": "Success",
                "details": details,
            }
        )
    return render(obj, req, t.info)


# -- pods/eviction --------------------------------------------------------------------------------


def _can_ignore_pdb(pod: Obj) -> bool:
    status = pod.get("status") or {}
    return status.get("phase") in ("Succeeded", "Failed", "Pending") or bool(
        pod["metadata"].get("deletionTimestamp")
    )


@endpoint("", "pods", "eviction", "POST")
def evict(api: API, req: Request, t: Target) -> Response:
    """EvictionREST.Create (see the module docstring)."""
    body = api.body(req)
    if not isinstance(body, dict):
        raise APIError(400, "BadRequest", "the body of the request was in an unknown format")
    if (body.get("metadata") or {}).get("name") != t.name:
        raise APIError(400, "BadRequest", "name in URL does not match name in Eviction object")
    options = dict(body.get("deleteOptions") or {})
    query_dry_run = req.query.get("dryRun") or []
    if query_dry_run and options.get("dryRun") and options["dryRun"] != query_dry_run:
        raise APIError(
            500,
            "InternalError",
            f"Non-matching dry-run options in request and content: {query_dry_run} and "
            f"{options['dryRun']}",
        )
    if query_dry_run:
        options.setdefault("dryRun", query_dry_run)
    pod_target = Target(t.info, t.namespace, t.name, "")
    pod = api.store.must_get(PODS, t.namespace, t.name)
    if not _can_ignore_pdb(pod):
        _check_budget(api, pod, "All" in (options.get("dryRun") or []))
    dry = "All" in (options.get("dryRun") or [])
    if not dry:
        _add_disruption_condition(api, req, pod_target)
    api.delete_one(req, pod_target, t.name, options)
    return render_json(
        {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201},
        201,
    )


def _add_disruption_condition(api: API, req: Request, t: Target) -> None:
    """addConditionAndDeletePod: DisruptionTarget=True, reason EvictionByEvictionAPI."""

    def change(pod: Obj) -> None:
        status = pod.setdefault("status", {})
        conditions = [
            c for c in status.get("conditions") or [] if c.get("type") != "DisruptionTarget"
        ]
        conditions.append(
            {
                "type": "DisruptionTarget",
                "status": "True",
                "lastProbeTime": None,
                "lastTransitionTime": now_rfc3339(),
                "reason": "EvictionByEvictionAPI",
                "message": "Eviction API: evicting",
            }
        )
        status["conditions"] = conditions

    api.store.mutate(PODS, t.namespace, t.name, change)


def _check_budget(api: API, pod: Obj, dry_run: bool) -> None:
    """checkAndDecrement over the Pod's PodDisruptionBudget (one at most)."""
    labels = pod["metadata"].get("labels") or {}
    budgets = [
        pdb
        for pdb in api.store.list(PDBS, pod["metadata"]["namespace"], copy_objects=False)[0]
        if (pdb.get("spec") or {}).get("selector") is not None
        and label_selector_predicate((pdb.get("spec") or {}).get("selector"))(labels)
    ]
    if not budgets:
        return
    if len(budgets) > 1:
        raise APIError(
            500,
            "",
            "This pod has more than one PodDisruptionBudget, which the eviction subresource does "
            "not support.",
        )
    pdb = budgets[0]
    status = pdb.get("status") or {}
    name = pdb["metadata"]["name"]
    if int(status.get("observedGeneration") or 0) < int(pdb["metadata"].get("generation") or 1):
        raise APIError(
            429,
            "TooManyRequests",
            "Cannot evict pod as it would violate the pod's disruption budget.",
            {
                "causes": [
                    {
                        "reason": "DisruptionBudget",
                        "message": f"The disruption budget {name} is still being processed by "
                        "the server.",
                    }
                ],
                "retryAfterSeconds": 10,
            },
        )
    allowed = int(status.get("disruptionsAllowed") or 0)
    if allowed == 0:
        raise APIError(
            429,
            "TooManyRequests",
            "Cannot evict pod as it would violate the pod's disruption budget.",
            {
                "causes": [
                    {
                        "reason": "DisruptionBudget",
                        "message": f"The disruption budget {name} needs "
                        f"{int(status.get('desiredHealthy') or 0)} healthy pods and has "
                        f"{int(status.get('currentHealthy') or 0)} currently",
                    }
                ]
            },
        )
    if not dry_run:

        def decrement(draft: Obj) -> None:
            st = draft.setdefault("status", {})
            st["disruptionsAllowed"] = allowed - 1
            st.setdefault("disruptedPods", {})[pod["metadata"]["name"]] = now_rfc3339()

        api.store.mutate(PDBS, pdb["metadata"]["namespace"], name, decrement)


# -- namespaces/finalize --------------------------------------------------------------------------


@endpoint("", "namespaces", "finalize", "PUT")
def finalize(api: API, req: Request, t: Target) -> Response:
    """FinalizeREST.Update: an update whose status stays the stored one (namespace
    finalizeStrategy), spec.finalizers included."""
    from rawkube.testing.server import decode

    body = decode.object_from_body(api.body(req, t), t)
    sent = str((body.get("metadata") or {}).get("name") or "")
    if sent != t.name:
        raise APIError(
            400,
            "BadRequest",
            f"the name of the object ({sent}) does not match the name on the URL ({t.name})",
        )
    body, _ = decode.decode(req, t.info, body, creating=False)
    ctx = api.context(req, t)

    def updated(existing: Obj | None) -> Obj:
        assert existing is not None
        new = copy.deepcopy(body)
        new["status"] = copy.deepcopy(existing.get("status") or {})
        spec = new.setdefault("spec", {})
        if not spec.get("finalizers"):
            spec.pop("finalizers", None)
        api.record_update(req, t, existing, new)
        api.admission.admit(Attributes(UPDATE, ctx, new, existing))
        return new

    result = api.registry_update(ctx, updated)
    return render(result, req, t.info)


__all__ = ["RETURN_DELETED_OBJECT", "deleted_response", "delete_options", "evict", "finalize"]
