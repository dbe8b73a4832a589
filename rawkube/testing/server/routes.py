"""What go-restful decides before a resource handler runs (k8s.io/apiserver/pkg/endpoints
installer.go registers one route per verb; go-restful's RouterJSR311.detectRoute picks one):

* the method: a verb the resource does not serve (its discovery ``verbs``) has no route: 405
  "the server does not allow this method on the requested resource" (e.g. DELETE on the
  namespaces collection: no deletecollection);
* the path: a resource served only by a collection route (``create`` alone, e.g. bindings and
  the review kinds) has no item route: /{resource}/{name} is 404 (installer.go registers
  itemPath routes only for get/update/patch/delete);
* the Accept header: a route produces its serializers' media types (plus the watch-stream forms
  on LIST/WATCH routes); an Accept none of whose types (parameters dropped; ``*/*`` matches
  all) a route produces is 406 "406: Not Acceptable ... Available representations: ...".

Both Status bodies carry empty ``details`` (apierrors.NewGenericServerResponse). Custom
resources are served by the apiextensions-apiserver's own handler, not go-restful.
"""

from __future__ import annotations

from rawkube.testing.server.errors import APIError
from rawkube.testing.server.negotiation import check_route, route_produces
from rawkube.testing.server.request import Request, Target

_ITEM_VERBS = frozenset({"get", "update", "patch", "delete"})

# Subresources whose routes produce other media types (logs as text, streams upgraded).
_OWN_MEDIA = frozenset({"log", "exec", "attach", "portforward", "proxy"})


def _verb(req: Request, t: Target, watch_path: bool) -> str:
    if watch_path:
        return "watch"
    if req.method == "GET":
        if not t.name:
            values = req.query.get("watch") or []
            return "watch" if values and values[0].lower() not in ("false", "0") else "list"
        return "get"
    if req.method == "DELETE":
        return "delete" if t.name else "deletecollection"
    return {"POST": "create", "PUT": "update", "PATCH": "patch"}.get(req.method, "")


def check(req: Request, t: Target, watch_path: bool = False) -> None:
    """405 or 406 as go-restful answers them (see the module docstring)."""
    if t.info.crd or t.subresource in _OWN_MEDIA:
        return
    if not t.name and req.method in ("PUT", "PATCH"):
        raise _not_allowed()  # a collection has no update or patch route
    verb = _verb(req, t, watch_path)
    if t.name and not t.subresource and t.info.verbs and not _ITEM_VERBS & set(t.info.verbs):
        raise APIError(404, "NotFound", "the server could not find the requested resource", {})
    if t.subresource:
        sub = t.info.subresources.get(t.subresource)
        verbs = sub.verbs if sub is not None else ()
    else:
        verbs = t.info.verbs
    if verbs and verb not in verbs and not (verb == "watch" and "list" in verbs):
        raise _not_allowed()
    check_route(req.accept, route_produces(verb in ("list", "watch")))


def _not_allowed() -> APIError:
    return APIError(
        405,
        "MethodNotAllowed",
        "the server does not allow this method on the requested resource",
        {},
    )


__all__ = ["check"]
