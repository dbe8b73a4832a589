"""Endpoints with a REST of their own, beside the generic verbs of handlers.py.

In kube-apiserver these are separate rest.Storage objects registered next to a resource's
store: ``deployments/scale`` (ScaleREST), ``pods/eviction`` (EvictionREST), ``pods/log``
(LogREST), the create-only review APIs. Here each is a function ``(api, request, target) ->
Response`` registered for a (group, resource, subresource) and an HTTP method:

    @endpoint("", "pods", "log", "GET")
    def pod_log(api: API, req: Request, t: Target) -> Response: ...

``"*"`` as group and resource matches every resource that serves the subresource (scale of
deployments, replicasets, statefulsets, custom resources, ...). A registered subresource
answers 405 for the methods it does not register.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rawkube.testing.server import fieldmanager, validation
from rawkube.testing.server.admission import UPDATE
from rawkube.testing.server.admission import Attributes as AdmissionAttributes
from rawkube.testing.server.errors import APIError, Obj
from rawkube.testing.server.negotiation import render_json
from rawkube.testing.server.patch import json_patch, merge_patch
from rawkube.testing.server.request import Request, Response, Target
from rawkube.testing.server.selectors import selector_to_string

if TYPE_CHECKING:  # pragma: no cover
    from rawkube.testing.server.apiproto import API

Endpoint = Callable[["API", Request, Target], Response]

_ENDPOINTS: dict[tuple[str, str, str], dict[str, Endpoint]] = {}


def register(group: str, resource: str, subresource: str, method: str, fn: Endpoint) -> None:
    """Serve ``method`` on (group, resource, subresource) with ``fn``."""
    _ENDPOINTS.setdefault((group, resource, subresource), {})[method] = fn


def endpoint(
    group: str, resource: str, subresource: str, *methods: str
) -> Callable[[Endpoint], Endpoint]:
    """Decorator form of `register`."""

    def add(fn: Endpoint) -> Endpoint:
        for method in methods:
            register(group, resource, subresource, method, fn)
        return fn

    return add


def _table(t: Target) -> dict[str, Endpoint] | None:
    found = _ENDPOINTS.get((t.info.group, t.info.resource, t.subresource))
    if found is None and t.subresource:
        found = _ENDPOINTS.get(("*", "*", t.subresource))
    return found


def lookup(t: Target, method: str) -> Endpoint | None:
    """The endpoint serving ``method`` on ``t``, if one is registered."""
    table = _table(t)
    return table.get(method) if table else None


def serves(t: Target) -> bool:
    """Whether an endpoint is registered for ``t``'s subresource (for any method)."""
    return bool(t.subresource) and _table(t) is not None


# -- scale (registry/apps/deployment/storage ScaleREST, and the generic scale of CRDs) ----------


def scale_of(obj: Obj) -> Obj:
    """The autoscaling/v1 Scale view of a workload."""
    meta = obj["metadata"]
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    scale_meta = {
        k: meta[k]
        for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
        if k in meta
    }
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": scale_meta,
        "spec": {"replicas": spec.get("replicas", 0)},
        "status": {
            "replicas": status.get("replicas", 0),
            "selector": selector_to_string(_label_selector(spec.get("selector"))).replace(
                "<none>", ""
            ),
        },
    }


def _label_selector(selector: Any) -> Any:
    """A ReplicationController's selector is a plain label map: as a LabelSelector, its
    matchLabels (replicationcontroller/storage ScaleREST: labels.SelectorFromSet)."""
    if (
        isinstance(selector, dict)
        and selector
        and not ("matchLabels" in selector or "matchExpressions" in selector)
    ):
        return {"matchLabels": selector}
    return selector


def _scale_view(t: Target, obj: Obj) -> Obj:
    """A custom resource's scale reads its CRD's replicas and selector paths
    (apiextensions-apiserver pkg/registry/customresource/etcd.go scaleFromCustomResource)."""
    custom = t.info.custom
    if custom is not None and custom.scale is not None:
        view: Obj = custom.scale_of(obj)
        return view
    return scale_of(obj)


@endpoint("*", "*", "scale", "GET")
def get_scale(api: API, req: Request, t: Target) -> Response:
    return render_json(_scale_view(t, api.store.must_get(t.key, t.namespace, t.name)))


@endpoint("*", "*", "scale", "PUT", "PATCH")
def update_scale(api: API, req: Request, t: Target) -> Response:
    """ScaleREST.Update: the new replicas go into the parent object through the registry's
    guaranteed update (scaleUpdatedObjectInfo)."""
    body = api.body(req)
    parent = Target(t.info, t.namespace, t.name, "")
    ctx = api.context(req, parent)

    def updated(existing: Obj | None) -> Obj:
        assert existing is not None
        scale = _scale_view(t, existing)
        if req.method == "PATCH":
            if req.content_type == "application/json-patch+json":
                scale = json_patch(scale, body)
            else:
                scale = merge_patch(scale, body)
            wanted_rv = None
        else:
            if not isinstance(body, dict):
                raise APIError(
                    400, "BadRequest", "the body of the request was in an unknown format"
                )
            scale = body
            wanted_rv = (body.get("metadata") or {}).get("resourceVersion")
        replicas = (scale.get("spec") or {}).get("replicas", 0)
        custom = t.info.custom
        if custom is not None and custom.scale is not None:
            # The custom resource's own validation judges the replicas (ValidateScaleSpec).
            if isinstance(replicas, bool) or not isinstance(replicas, int):
                raise APIError(
                    400, "BadRequest", "the body of the request was in an unknown format"
                )
            new = custom.with_replicas(existing, replicas)
            new["metadata"]["resourceVersion"] = (
                wanted_rv or existing["metadata"]["resourceVersion"]
            )
            # managedfields.ScaleHandler: the write is the scale subresource's, on replicas.
            before = custom.scale_of(existing)["spec"]["replicas"]
            new["metadata"]["managedFields"] = custom.scale_managed_fields(
                existing["metadata"].get("managedFields"), api.manager(req), before != replicas
            )
            if not new["metadata"]["managedFields"]:
                new["metadata"].pop("managedFields")
            api.admission.admit(AdmissionAttributes(UPDATE, ctx, new, existing))
            return new
        if not isinstance(replicas, int) or replicas < 0:
            raise validation.invalid_error(
                t.info,
                t.name,
                [
                    validation.invalid(
                        "spec.replicas", replicas, "must be greater than or equal to 0"
                    )
                ],
            )
        new = copy.deepcopy(existing)
        new.setdefault("spec", {})["replicas"] = replicas
        new["metadata"]["resourceVersion"] = wanted_rv or existing["metadata"]["resourceVersion"]
        entries = fieldmanager.scale_entries(
            existing["metadata"].get("managedFields"),
            api.manager(req),
            t.info.api_version,
            replicas != (existing.get("spec") or {}).get("replicas"),
        )
        new["metadata"].pop("managedFields", None)
        if entries:
            new["metadata"]["managedFields"] = entries
        api.admission.admit(AdmissionAttributes(UPDATE, ctx, new, existing))
        return new

    result = api.registry_update(ctx, updated)
    return render_json(_scale_view(t, result))


# pods/eviction and namespaces/finalize: deletion.py


# -- pods/log (registry/core/pod/rest/log.go) ----------------------------------------------------


@endpoint("", "pods", "log", "GET")
def pod_log(api: API, req: Request, t: Target) -> Response:
    pod = api.store.must_get(t.key, t.namespace, t.name)
    container = req.param("container")
    timestamps = req.flag("timestamps")
    tail = req.param("tailLines")

    def lines_now(current: Obj) -> list[str]:
        raw = api.log_lines(current, container) if api.log_lines else []
        return [line if timestamps else line.split(" ", 1)[-1] for line in raw]

    lines = lines_now(pod)
    if tail is not None:
        lines = lines[-int(tail) :] if int(tail) > 0 else []
    if not req.flag("follow"):
        if not lines:
            return Response(204, b"", "text/plain")  # recording 058: an empty log is a 204
        return Response(200, "".join(line + "\n" for line in lines).encode(), "text/plain")
    return Response(200, content_type="text/plain", stream=api.follow_log(t, lines, lines_now))


__all__ = ["endpoint", "lookup", "register", "scale_of", "serves"]
