"""The events.k8s.io/v1 API over the core Event storage (see events.py).

kube-apiserver serves ``/apis/events.k8s.io/v1/.../events`` from the same registry as
``/api/v1/.../events`` (pkg/registry/core/event), converting each object on the way in and
out (pkg/apis/events/v1/conversion.go); field selectors use that version's labels
(``regarding.kind``, ``reportingController``, ...), mapped onto the core field set. These
endpoints do the same for every verb: what is written is decoded, defaulted and owned
(managedFields) in events.k8s.io/v1 terms, then stored in core form.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from rawkube.testing.server import decode, table, validation
from rawkube.testing.server.admission import CREATE, UPDATE, Attributes
from rawkube.testing.server.endpoints import endpoint
from rawkube.testing.server.errors import APIError, Obj, method_not_allowed, not_found
from rawkube.testing.server.events import EVENTS, from_core, to_core
from rawkube.testing.server.listing import list_options, serve_list
from rawkube.testing.server.negotiation import render, render_json, wants_table
from rawkube.testing.server.request import Request, Response, Target
from rawkube.testing.server.selectors import convert_field_label, parse_field_terms
from rawkube.testing.server.watch import open_watch

if TYPE_CHECKING:  # pragma: no cover
    from rawkube.testing.server.apiproto import API

GROUP = "events.k8s.io"


def _core_target(api: API, t: Target) -> Target:
    info = api.resources.get("", "v1", "events")
    assert info is not None
    return Target(info, t.namespace, t.name, t.subresource)


def _core_query(query: dict[str, list[str]]) -> dict[str, list[str]]:
    """An events.k8s.io request's fieldSelector in core field labels (its scheme's
    conversion, AddFieldLabelConversionsForEvent; a label it lacks is its 400)."""
    values = query.get("fieldSelector")
    if not values:
        return query
    converted = [
        f"{convert_field_label(GROUP, 'events', f)}{'!=' if op == '!=' else '='}{v}"
        for f, op, v in parse_field_terms(values[0])
    ]
    out = dict(query)
    out["fieldSelector"] = [",".join(converted)]
    return out


def _shadow(req: Request) -> Request:
    return Request(
        req.method,
        req.path,
        _core_query(req.query),
        req.headers,
        req.body,
        req.user,
        req.authorized,
    )


def _watching(req: Request) -> bool:
    values = req.query.get("watch") or []
    return bool(values) and values[0].lower() not in ("false", "0")


@endpoint(GROUP, "events", "", "WATCH")
def watch(api: API, req: Request, t: Target) -> Response:
    """A watch of events.k8s.io Events: the core watch, each object converted."""
    stream = open_watch(
        api.store,
        _core_target(api, t),
        _shadow(req),
        stopping=api.stopping,
        bookmark_interval=api.bookmark_interval,
        watch_list=api.watch_list,
        view=from_core,
        view_info=t.info,
    )
    return Response(200, stream=stream)


@endpoint(GROUP, "events", "", "GET")
def get(api: API, req: Request, t: Target) -> Response:
    from rawkube.testing.server.listing import list_body

    if t.name:
        obj = from_core(api.store.must_get(EVENTS, t.namespace, t.name))
        if wants_table(req.accept):
            one = {"resourceVersion": obj["metadata"]["resourceVersion"]}
            return render_json(table.table_for(req, t.info, [obj], one))
        return render(obj, req, t.info)
    if _watching(req):
        return watch(api, req, t)
    core = _core_target(api, t)
    opts = list_options(_shadow(req).query, core.info)
    result = serve_list(api.store.storage, core.info, t.namespace, opts)
    meta: dict[str, Any] = {"resourceVersion": str(result.resource_version)}
    if result.continue_token:
        meta["continue"] = result.continue_token
    if result.remaining is not None:
        meta["remainingItemCount"] = result.remaining
    items = [from_core(o) for o in result.items]
    if wants_table(req.accept):
        return render_json(table.table_for(req, t.info, items, meta))
    return render(list_body(t.info, items, meta), req, t.info)


def _validator(info: Any) -> Any:
    """Validation in events.k8s.io/v1 terms (the strict rules of ValidateEventCreate /
    ValidateEventUpdate for that request version) of the core-form object the registry holds;
    the 422 is still made with the core GroupKind (pkg/registry/core/event/strategy.go)."""

    def validate(new: Obj, old: Obj | None) -> list[dict[str, str]]:
        if old is None:
            return validation.validate_create(info, from_core(new))
        return validation.validate_update(info, from_core(new), from_core(old))

    return validate


@endpoint(GROUP, "events", "", "POST")
def create(api: API, req: Request, t: Target) -> Response:
    if t.name:
        raise method_not_allowed()
    obj = decode.object_from_body(api.body(req, t), t)
    obj, warnings = decode.decode(req, t.info, obj, creating=True)
    name = str(obj["metadata"].get("name") or "")
    api.record_update(req, Target(t.info, t.namespace, name, ""), None, obj)
    ctx = api.context(req, _core_target(api, t), name)
    ctx.validator = _validator(t.info)
    core = to_core(obj)
    api.admission.admit(Attributes(CREATE, ctx, core))
    created = api.store.create(
        EVENTS,
        core,
        dry_run=ctx.dry_run,
        ctx=ctx,
        admission=api.admission.validator(CREATE, ctx),
    )
    resp = render(from_core(created), req, t.info, 201)
    resp.headers.extend(warnings)
    return resp


def _write(api: API, req: Request, t: Target, patch_body: Any = None) -> Response:
    """A PUT or PATCH in events.k8s.io/v1 terms, stored in core form."""
    ctx = api.context(req, _core_target(api, t))
    ctx.validator = _validator(t.info)
    warnings: list[tuple[str, str]] = []

    def updated(existing: Obj | None) -> Obj:
        if existing is None:
            raise not_found(EVENTS, t.name)
        old = from_core(existing)
        if req.method == "PUT":
            new = decode.object_from_body(api.body(req, t), t)
            if new["metadata"].get("name") != t.name:
                raise APIError(
                    400, "BadRequest", "the name of the object does not match the name on the URL"
                )
        else:
            new = api._patched(req.content_type, t, old, patch_body)
            new.setdefault("metadata", {}).setdefault(
                "resourceVersion", old["metadata"]["resourceVersion"]
            )
        new, found = decode.decode(req, t.info, new, creating=False)
        warnings[:] = found
        api.record_update(req, t, old, new)
        core = to_core(new)
        api.admission.admit(Attributes(UPDATE, ctx, core, existing))
        return core

    result = api.registry_update(ctx, updated)
    resp = render(from_core(result), req, t.info)
    resp.headers.extend(warnings)
    return resp


@endpoint(GROUP, "events", "", "PUT")
def put(api: API, req: Request, t: Target) -> Response:
    if not t.name:
        raise method_not_allowed()
    return _write(api, req, t)


@endpoint(GROUP, "events", "", "PATCH")
def patch(api: API, req: Request, t: Target) -> Response:
    if not t.name:
        raise method_not_allowed()
    return _write(api, req, t, api.body(req))


@endpoint(GROUP, "events", "", "DELETE")
def delete(api: API, req: Request, t: Target) -> Response:
    from rawkube.testing.server.deletion import deleted_response

    core = _core_target(api, t)
    if t.name:
        obj, removed = api.delete_one(req, core, t.name, api.delete_options(req))
        return deleted_response(api, req, t, from_core(obj), removed)
    resp = api.delete_collection(_shadow(req), core)
    body = json.loads(resp.body)
    body["apiVersion"], body["kind"] = "events.k8s.io/v1", "EventList"
    body["items"] = [
        {k: v for k, v in from_core(o).items() if k not in ("kind", "apiVersion")}
        for o in body.get("items") or []
    ]
    return render(body, req, t.info)


__all__ = ["watch"]
