"""The API itself, without HTTP: a request in, a response (or a stream of watch lines) out.

Thin, like k8s.io/apiserver/pkg/endpoints/handlers (create.go, get.go, update.go, patch.go,
delete.go, watch.go): routing, authorization, decoding (decode.py), content negotiation
(negotiation.py), managedFields, the mutating admission chain (admission/), and then the
registry (registry/generic.py), which runs the per-kind strategies and validating admission and
writes through storage.py. Subresources with their own REST (scale, eviction, log, the review
APIs) are endpoints.py's. Nothing here depends on a kind.
"""

from __future__ import annotations

import copy
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from rawkube.testing.server import (
    bindings,
    decode,
    defaults,
    deletion,
    discovery,
    endpoints,
    events_api,
    fieldmanager,
    oidc,
    openapi,
    openapi_proto,
    reviews,
    routes,
    table,
)
from rawkube.testing.server.admission import CREATE, DELETE, UPDATE, Attributes, Chain
from rawkube.testing.server.auth import Attributes as AuthAttributes
from rawkube.testing.server.auth import Authorizer, forbidden
from rawkube.testing.server.errors import APIError, Obj, ResourceKey, not_found_path
from rawkube.testing.server.listing import list_body, list_options, serve_list
from rawkube.testing.server.negotiation import (
    check_acceptable,
    decode_body,
    discovery_choice,
    negotiated,
    not_acceptable,
    render,
    render_json,
    wants_table,
)
from rawkube.testing.server.patch import (
    json_patch,
    merge_patch,
    strategic_merge_patch,
)
from rawkube.testing.server.registry.context import RequestContext
from rawkube.testing.server.registry.generic import GenericStore
from rawkube.testing.server.request import (
    JSON,
    Request,
    Response,
    Target,
    status_response,
)
from rawkube.testing.server.resources import ResourceTable
from rawkube.testing.server.streams import STREAM_SUBRESOURCES, Streams
from rawkube.testing.server.streams import connect as stream_connect
from rawkube.testing.server.watch import MAX_WATCH_SECONDS, open_watch

# Modules whose import registers endpoints (the review APIs and serviceaccounts/token).
ENDPOINT_MODULES = (reviews, events_api, deletion, bindings)
NAMESPACES = ResourceKey("", "namespaces")

# pods/exec, pods/attach, pods/portforward (server/streams.py): the API server's checks, then
# the upgraded connection.
for _sub in STREAM_SUBRESOURCES:
    endpoints.register("", "pods", _sub, "GET", stream_connect)
    endpoints.register("", "pods", _sub, "POST", stream_connect)

_UNSUPPORTED_PATCH = (
    "the body of the request was in an unknown format - accepted media types include: "
    "application/json-patch+json, application/merge-patch+json, "
    "application/apply-patch+yaml, application/strategic-merge-patch+json"
)
_UNSUPPORTED_PATCH_CR = (
    "the body of the request was in an unknown format - accepted media types include: "
    "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
)


class API:
    """The request handlers of one server, over its registry store and `ResourceTable`."""

    def __init__(
        self,
        store: GenericStore,
        resources: ResourceTable,
        *,
        server_address: str = "127.0.0.1:6443",
        stopping: threading.Event | None = None,
        bookmark_interval: float = 60.0,
        log_lines: Callable[[Obj, str | None], list[str]] | None = None,
    ) -> None:
        self.resources = resources
        self.server_address = server_address
        self.stopping = stopping or threading.Event()
        self.bookmark_interval = bookmark_interval
        # Watch-list requests (sendInitialEvents with bookmarks) are refused as by the recorded
        # server, whose etcd lacks RequestWatchProgress; True serves them (watch.py).
        self.watch_list = False
        self.log_lines = log_lines
        self.store = store
        # The server's token authenticators (authenticators.Authenticators), for TokenReview
        # and TokenRequest; None for an API without an HTTP server (in-process tests).
        self.authn: Any = None
        self.streams = Streams(self)  # exec, attach, portforward and their handlers

    @property
    def store(self) -> GenericStore:
        return self._store

    @store.setter
    def store(self, store: GenericStore) -> None:
        self._store = store
        self.admission = Chain(store)

    # -- dispatch ------------------------------------------------------------------------------

    def handle(self, req: Request) -> Response:
        """Answer one authenticated request; API errors become Status bodies."""
        try:
            resp = self._route(req)
        except APIError as err:
            resp = status_response(err)
        return negotiated(req, resp)  # protobuf when the Accept header prefers it

    def _route(self, req: Request) -> Response:
        parts = [p for p in req.path.split("/") if p]
        if not _is_resource_path(parts):
            self._authorize(
                req, AuthAttributes(verb=req.method.lower(), path=req.path, resource_request=False)
            )
        if not parts:
            return render_json(
                {"paths": ["/api", "/apis", "/openapi/v2", "/openapi/v3", "/version"]}
            )
        head = parts[0]
        if head == "version" and len(parts) == 1:
            return render_json(discovery.version_info())
        if head in ("healthz", "livez", "readyz"):
            return Response(200, b"ok", "text/plain; charset=utf-8")
        if head == "openapi":
            return self._openapi(parts[1:], req)
        if head == "api":
            if len(parts) == 1:
                return self._discovery_root(req, legacy=True)
            return self._group_version(req, "", parts[1], parts[2:])
        if head == "apis":
            if len(parts) == 1:
                return self._discovery_root(req, legacy=False)
            if len(parts) == 2:
                doc = discovery.api_group(self.resources, parts[1])
                if doc is None:
                    raise not_found_path()
                return render_json(doc)
            return self._group_version(req, parts[1], parts[2], parts[3:])
        if head in (".well-known", "openid"):
            found = oidc.serve(self, req)
            if found is not None:
                return found
        raise not_found_path()

    # -- discovery and OpenAPI -----------------------------------------------------------------

    def _discovery_root(self, req: Request, legacy: bool) -> Response:
        choice = discovery_choice(req.accept)
        if choice is None:
            raise not_acceptable()
        if choice == "aggregated":
            doc = discovery.aggregated(self.resources, legacy)
            return render_json(doc, content_type=discovery.AGGREGATED_CONTENT_TYPE)
        if legacy:
            return render_json(discovery.api_versions(self.server_address))
        return render_json(discovery.api_group_list(self.resources))

    def _openapi(self, parts: list[str], req: Request) -> Response:
        if parts == ["v2"]:
            if openapi_proto.wanted(req.accept):  # kubectl: gnostic protobuf
                return Response(200, openapi_proto.v2_protobuf(), openapi_proto.CONTENT_TYPE)
            return Response(200, openapi.v2_with_crds(self.resources))
        if parts == ["v3"]:
            return render_json(openapi.v3_index(self.resources))
        if parts[:1] == ["v3"]:
            doc = openapi.v3_document("/".join(parts[1:]), self.resources)
            if doc is not None:
                return Response(200, doc)
        raise not_found_path()

    def _group_version(self, req: Request, group: str, version: str, rest: list[str]) -> Response:
        if not rest:
            doc = discovery.api_resource_list(self.resources, group, version)
            if doc is None:
                raise not_found_path()
            return render_json(doc)
        legacy_watch = rest[0] == "watch" and len(rest) > 1
        if legacy_watch:  # /api/v1/watch/...: the deprecated watch prefix (installer.go)
            rest = rest[1:]
        target = self._target(group, version, rest)
        if legacy_watch:
            if req.method != "GET" or (target.subresource and target.subresource != "status"):
                raise not_found_path()
            self._authorize(req, _attributes(req, target))
            routes.check(req, target, watch_path=True)
            return self.watch(req, target)
        if target.info.crd:  # no protobuf form: refused before acting (negotiation.py)
            check_acceptable(req.accept, protobuf_ok=False)
        self._authorize(req, _attributes(req, target))
        routes.check(req, target)  # go-restful's route selection: 405, 406
        notices = target.info.custom.warnings if target.info.custom is not None else ()
        if not notices:
            return self._dispatch(req, target)
        # A deprecated custom resource version warns on every request, errors included
        # (customresource_handler.go ServeHTTP: warning.AddWarning before serving).
        try:
            resp = self._dispatch(req, target)
        except APIError as err:
            resp = status_response(err)
        resp.headers[:0] = [("Warning", '299 - "' + n.replace('"', '\\"') + '"') for n in notices]
        return resp

    def _authorize(self, req: Request, attrs: AuthAttributes) -> None:
        """403 unless the user may (see auth.py); in-process callers (no user) always may, and
        requests through the HTTP layer were authorized there, before routing (app.py)."""
        if req.user is None or req.authorized:
            return
        allowed, reason = Authorizer(self.store).authorize(req.user, attrs)
        if not allowed:
            raise forbidden(req.user, attrs, reason)

    def _target(self, group: str, version: str, rest: list[str]) -> Target:
        # k8s.io/apiserver/pkg/endpoints/request/requestinfo.go: "namespaces/{ns}/..." scopes
        # the rest unless it is the namespaces resource itself (/api/v1/namespaces/{name}).
        namespace = ""
        scoped = rest[0] == "namespaces" and len(rest) >= 3
        if scoped and len(rest) == 3 and rest[2] in ("status", "finalize"):
            scoped = False  # /api/v1/namespaces/{name}/status|finalize: the namespace's own
        if scoped:
            namespace, rest = rest[1], rest[2:]
        info = self.resources.get(group, version, rest[0])
        # A cluster-scoped resource has no route under /namespaces/{ns}/ (e.g. .../nodes).
        if info is None or (scoped and info.namespaced is False):
            raise not_found_path()
        name = rest[1] if len(rest) > 1 else ""
        sub = "/".join(rest[2:])
        if sub and sub not in info.subresources:
            raise not_found_path()
        if info.namespaced is False:
            namespace = ""
        return Target(info, namespace, name, sub)

    def _dispatch(self, req: Request, t: Target) -> Response:
        m = req.method
        endpoint = endpoints.lookup(t, m)
        if endpoint is not None:
            return endpoint(self, req, t)
        if not t.name:
            if m == "GET":
                if _watch_verb(req):
                    return self.watch(req, t)
                return self.list_collection(req, t)
            if m == "POST":
                return self.create(req, t)
            if m == "DELETE":
                return self.delete_collection(req, t)
        elif t.subresource not in ("", "status", "ephemeralcontainers"):
            if endpoints.serves(t):
                raise _method_not_allowed()
            # proxy, ...: subresources this server does not serve (exec & co.: streams.py).
            raise APIError(
                405,
                "MethodNotAllowed",
                f"the {t.subresource} subresource is not served by LocalAPIServer",
            )
        elif m == "GET":
            return self.get(req, t)
        elif m == "PUT":
            return self.update(req, t)
        elif m == "PATCH":
            return self.patch(req, t)
        elif m == "DELETE" and not t.subresource:
            return self.delete(req, t)
        raise _method_not_allowed()

    # -- helpers -------------------------------------------------------------------------------

    def context(self, req: Request, t: Target, name: str | None = None) -> RequestContext:
        """The registry's view of a request on ``t``."""
        return RequestContext(
            info=t.info,
            namespace=t.namespace,
            name=t.name if name is None else name,
            subresource=t.subresource,
            user=req.user,
            dry_run=dry_run(req),
            resources=self.resources,
        )

    def body(self, req: Request, t: Target | None = None) -> Any:
        return decode_body(req, t)

    def manager(self, req: Request) -> str:
        """fieldmanager.prefixFromUserAgent: the fieldManager, else the User-Agent up to its
        first "/"."""
        manager = req.param("fieldManager")
        if manager:
            return manager
        agent = req.headers.get("user-agent", "unknown")
        return agent.split("/", 1)[0][:128] or "unknown"

    def record_update(
        self, req: Request, t: Target, old: Obj | None, obj: Obj, subresource: str | None = None
    ) -> None:
        """An Update operation's managedFields (fieldmanager.UpdateNoErrors, fieldmanager.py):
        what this request added or changed goes to its manager. On create the live object is
        the kind's Go zero value. A client that sends managedFields of its own (other than the
        stored ones) replaces them."""
        sub = t.subresource if subresource is None else subresource
        previous = old["metadata"].get("managedFields") if old is not None else None
        sent = obj["metadata"].pop("managedFields", None)
        entries = previous
        if old is not None and not sub and sent not in (None, previous):
            entries = sent
        live = old if old is not None else defaults.zero_object(t.info.api_version, t.info.kind)
        reset = self.store.strategy(t.key).get_reset_fields(t.info).get(sub, ())
        updated = fieldmanager.update_entries(
            entries,
            self.manager(req),
            t.info.api_version,
            live,
            obj,
            decode.schema_of(t.info),
            sub,
            reset,
        )
        if updated:
            obj["metadata"]["managedFields"] = updated

    # -- get / list ----------------------------------------------------------------------------

    def get(self, req: Request, t: Target) -> Response:
        obj = self.store.must_get(t.key, t.namespace, t.name)
        if t.info.custom is not None:
            obj = t.info.custom.read(obj)  # decoded again: defaults added to the CRD show
        if wants_table(req.accept):
            return render_json(
                table.table_for(
                    req, t.info, [obj], {"resourceVersion": obj["metadata"]["resourceVersion"]}
                )
            )
        return render(obj, req, t.info)

    def matching(self, req: Request, t: Target) -> tuple[list[Obj], int]:
        """The current objects a request's selectors select (deletecollection), and the RV."""
        opts = list_options(req.query, t.info)
        items, rv = self.store.list(t.key, t.namespace or None, copy_objects=False)
        if t.info.custom is not None:
            items = [t.info.custom.read(o) for o in items]
        return [o for o in items if opts.matches(o)], rv

    def list_collection(self, req: Request, t: Target) -> Response:
        """get.go ListResource for a LIST (listing.py: options, consistency, pages)."""
        opts = list_options(req.query, t.info)
        read = t.info.custom.read if t.info.custom is not None else None
        result = serve_list(self.store.storage, t.info, t.namespace, opts, read)
        meta: dict[str, Any] = {"resourceVersion": str(result.resource_version)}
        if result.continue_token:
            meta["continue"] = result.continue_token
        if result.remaining is not None:
            meta["remainingItemCount"] = result.remaining
        items = result.items
        if wants_table(req.accept):
            return render_json(table.table_for(req, t.info, items, meta))
        return render(list_body(t.info, items, meta), req, t.info)

    # -- create / update -----------------------------------------------------------------------

    def create(self, req: Request, t: Target) -> Response:
        """create.go: decode + default, managedFields, mutating admission, registry.Create."""
        obj = decode.object_from_body(self.body(req, t), t)
        obj, warnings = decode.decode(req, t.info, obj, creating=True)
        ctx = self.context(req, t, str(obj["metadata"].get("name") or ""))
        obj["metadata"].pop("managedFields", None)
        self.record_update(req, t, None, obj)
        self.admission.admit(Attributes(CREATE, ctx, obj))
        created = self.store.create(
            t.key,
            obj,
            dry_run=ctx.dry_run,
            ctx=ctx,
            admission=self.admission.validator(CREATE, ctx),
        )
        return _with_headers(render(created, req, t.info, 201), warnings)

    def update(self, req: Request, t: Target) -> Response:
        """update.go: decode + default, then registry.Update around managedFields and
        mutating admission (rest.DefaultUpdatedObjectInfo + the handler's transformers)."""
        obj = decode.object_from_body(self.body(req, t), t)
        if obj["metadata"].get("name") != t.name:
            raise APIError(
                400, "BadRequest", "the name of the object does not match the name on the URL"
            )
        obj, warnings = decode.decode(req, t.info, obj, creating=False)
        ctx = self.context(req, t)

        def updated(existing: Obj | None) -> Obj:
            new = copy.deepcopy(obj)
            return self.transform_update(req, t, ctx, existing, new)

        result = self.registry_update(ctx, updated)
        return _with_headers(render(result, req, t.info), warnings)

    def transform_update(
        self, req: Request, t: Target, ctx: RequestContext, existing: Obj | None, new: Obj
    ) -> Obj:
        """What every update path does to the new object before the registry's strategy:
        managedFields, then mutating admission."""
        self.record_update(req, t, existing, new)
        if existing is None:
            new["metadata"].pop("resourceVersion", None)
            self.admission.admit(Attributes(CREATE, ctx, new))
        else:
            self.admission.admit(Attributes(UPDATE, ctx, new, existing))
        return new

    def registry_update(
        self,
        ctx: RequestContext,
        updated: Callable[[Obj | None], Obj],
        *,
        force_allow_create: bool = False,
    ) -> Obj:
        result, _ = self.store.update_object(
            ctx,
            updated,
            force_allow_create=force_allow_create,
            create_admission=self.admission.validator(CREATE, ctx),
            update_admission=self.admission.validator(UPDATE, ctx),
        )
        return result

    # -- patch ---------------------------------------------------------------------------------

    def patch(self, req: Request, t: Target) -> Response:
        """patch.go: the patch is applied to the current object inside the registry's
        guaranteed update, then decoded and defaulted like a PUT body."""
        ctype = req.content_type
        patch_body = self.body(req)
        if ctype == "application/apply-patch+yaml":
            return self._apply(req, t, patch_body)
        ctx = self.context(req, t)
        warnings: list[tuple[str, str]] = []

        def updated(existing: Obj | None) -> Obj:
            assert existing is not None
            patched = self._patched(ctype, t, existing, patch_body)
            patched.setdefault("metadata", {})
            if not _patch_sets_rv(patch_body):
                patched["metadata"]["resourceVersion"] = existing["metadata"]["resourceVersion"]
            patched, found = decode.decode(req, t.info, patched, creating=False)
            warnings[:] = found
            return self.transform_update(req, t, ctx, existing, patched)

        result = self.registry_update(ctx, updated)
        return _with_headers(render(result, req, t.info), warnings)

    def _patched(self, ctype: str, t: Target, current: Obj, patch_body: Any) -> Obj:
        if ctype == "application/json-patch+json":
            result = json_patch(current, patch_body)
        elif ctype == "application/merge-patch+json":
            result = merge_patch(current, patch_body)
        elif ctype == "application/strategic-merge-patch+json":
            if t.info.crd:
                raise APIError(415, "UnsupportedMediaType", _UNSUPPORTED_PATCH_CR)
            result = strategic_merge_patch(current, patch_body, decode.schema_of(t.info))
        else:
            raise APIError(415, "UnsupportedMediaType", _UNSUPPORTED_PATCH)
        if not isinstance(result, dict):
            raise APIError(422, "Invalid", "the patch did not produce an object")
        return result

    def _apply(self, req: Request, t: Target, applied: Any) -> Response:
        """Server-side apply (patch.go applyPatcher): the fieldmanager merges the applied
        configuration into the live object; creates the object when it does not exist."""
        if not isinstance(applied, dict):
            raise APIError(400, "BadRequest", "the body of the request was in an unknown format")
        manager = req.param("fieldManager")
        if not manager:
            raise APIError(
                422,
                "Invalid",
                "PATCH requests of type apply require a fieldManager (fieldManager=...)",
            )
        applied.setdefault("metadata", {})
        if t.info.namespaced:
            applied["metadata"]["namespace"] = t.namespace
        applied["metadata"].setdefault("name", t.name)
        warnings = decode.field_warnings(req, t.info, applied)
        schema = decode.schema_of(t.info)
        force = req.flag("force")
        ctx = self.context(req, t)
        created = False

        if applied["metadata"].get("managedFields") is not None:
            raise APIError(400, "BadRequest", "metadata.managedFields must be nil")
        version = applied.get("apiVersion")
        if version not in (None, t.info.api_version):
            group, _, served = str(version).rpartition("/")
            if not self.resources.has_group_version(group, served):
                # The patch cannot even be decoded (no such group/version is served).
                raise APIError(
                    400, "BadRequest", f"invalid object type: {version}, Kind={applied.get('kind')}"
                )
            raise APIError(
                400,
                "BadRequest",
                "Incorrect version specified in apply patch. Specified patch version: "
                f"{version}, expected: {t.info.api_version}",
            )
        reset = self.store.strategy(t.key).get_reset_fields(t.info).get(t.subresource, ())

        def updated(existing: Obj | None) -> Obj:
            nonlocal created
            created = existing is None
            live = existing
            if live is None:
                # patch.go applies to a new, empty object: the kind's Go zero value.
                live = defaults.zero_object(t.info.api_version, t.info.kind)
            try:
                merged, entries = fieldmanager.apply_entries(
                    live["metadata"].get("managedFields") if existing else None,
                    manager,
                    t.info.api_version,
                    live,
                    applied,
                    schema,
                    force,
                    t.subresource,
                    reset,
                )
            except fieldmanager.ApplyConflict as exc:
                raise _apply_conflict(exc) from None
            if merged is None:
                merged = copy.deepcopy(live)
            merged.setdefault("metadata", {})
            merged["metadata"].pop("managedFields", None)
            if entries:
                merged["metadata"]["managedFields"] = entries
            merged = decode.default(t.info, merged, creating=created)
            if existing is None:
                merged["metadata"].pop("resourceVersion", None)
                self.admission.admit(Attributes(CREATE, ctx, merged))
            else:
                merged["metadata"]["resourceVersion"] = existing["metadata"]["resourceVersion"]
                self.admission.admit(Attributes(UPDATE, ctx, merged, existing))
            return merged

        result = self.registry_update(ctx, updated, force_allow_create=True)
        return _with_headers(render(result, req, t.info, 201 if created else 200), warnings)

    # -- delete --------------------------------------------------------------------------------

    def delete_options(self, req: Request) -> dict[str, Any]:
        """delete.go: the DeleteOptions of a DELETE (deletion.py)."""
        return deletion.delete_options(self, req)

    def delete_one(
        self, req: Request, t: Target, name: str, options: dict[str, Any]
    ) -> tuple[Obj, bool]:
        """registry.Delete of one object; the strategy decides graceful deletion and more."""
        ctx = self.context(req, t, name)
        ctx.dry_run = "All" in (options.get("dryRun") or [])
        # delete.go runs the mutating admission plugins for DELETE before the registry.
        self.admission.admit(Attributes(DELETE, ctx, None))
        return self.store.delete(
            t.key,
            t.namespace,
            name,
            propagation_policy=options.get("propagationPolicy"),
            preconditions=options.get("preconditions"),
            dry_run=ctx.dry_run,
            grace_period_seconds=options.get("gracePeriodSeconds"),
            ctx=ctx,
        )

    def delete(self, req: Request, t: Target) -> Response:
        obj, removed = self.delete_one(req, t, t.name, self.delete_options(req))
        return deletion.deleted_response(self, req, t, obj, removed)

    def delete_collection(self, req: Request, t: Target) -> Response:
        options = self.delete_options(req)
        items, rv = self.matching(req, t)
        deleted = []
        for item in items:
            try:
                obj, _ = self.delete_one(req, t, item["metadata"]["name"], options)
            except APIError as err:
                if err.code == 404:
                    continue  # deleted meanwhile: deletecollection does not fail for it
                raise
            deleted.append(obj)
        return render(
            list_body(t.info, deleted, {"resourceVersion": str(self.store.resource_version)}),
            req,
            t.info,
        )

    # -- logs ----------------------------------------------------------------------------------

    def follow_log(
        self, t: Target, first: list[str], lines_now: Callable[[Obj], list[str]]
    ) -> Iterator[bytes]:
        sent = len(lines_now(self.store.get(t.key, t.namespace, t.name) or {})) if first else 0
        for line in first:
            yield (line + "\n").encode()
        deadline = time.monotonic() + MAX_WATCH_SECONDS
        while not self.stopping.is_set() and time.monotonic() < deadline:
            pod = self.store.get(t.key, t.namespace, t.name)
            if pod is None:
                return
            lines = lines_now(pod)
            for line in lines[sent:]:
                yield (line + "\n").encode()
            sent = max(sent, len(lines))
            self.stopping.wait(0.5)

    # -- watch ---------------------------------------------------------------------------------

    def watch(self, req: Request, t: Target) -> Response:
        """A watch request: the stream itself lives in watch.py (a resource with a REST of its
        own registers a "WATCH" endpoint: events.k8s.io's)."""
        custom = endpoints.lookup(t, "WATCH")
        if custom is not None:
            return custom(self, req, t)
        stream = open_watch(
            self.store,
            t,
            req,
            stopping=self.stopping,
            bookmark_interval=self.bookmark_interval,
            watch_list=self.watch_list,
        )
        return Response(200, stream=stream)


def dry_run(req: Request) -> bool:
    values = req.query.get("dryRun") or []
    if any(v not in ("All", "") for v in values):
        raise APIError(400, "BadRequest", f"Invalid dry run value: {values}")
    return "All" in values


def _apply_conflict(exc: fieldmanager.ApplyConflict) -> APIError:
    """merge.ConflictsFromManagers as the 409 the apply handler answers."""
    from rawkube.testing.server.patch import _conflict_error

    conflicts = []
    for entry, path in exc.conflicts:
        who = f'"{entry.get("manager")}"'
        if entry.get("operation") != "Apply":
            who += f" using {entry.get('apiVersion')}"
        conflicts.append((who, path))
    return _conflict_error(conflicts)


def _with_headers(resp: Response, headers: list[tuple[str, str]]) -> Response:
    resp.headers.extend(headers)
    return resp


def _method_not_allowed() -> APIError:
    return APIError(
        405,
        "MethodNotAllowed",
        "the server does not allow this method on the requested resource",
    )


def _is_resource_path(parts: list[str]) -> bool:
    """/api/v1/... and /apis/{group}/{version}/... below the discovery documents."""
    return (parts[:1] == ["api"] and len(parts) > 2) or (parts[:1] == ["apis"] and len(parts) > 3)


def _watch_verb(req: Request) -> bool:
    """requestinfo.go: ?watch= with any first value but "false" or "0" makes a watch."""
    values = req.query.get("watch") or []
    return bool(values) and values[0].lower() not in ("false", "0")


def _verb(req: Request, t: Target) -> str:
    """The authorization verb of a resource request (requestinfo.go)."""
    if req.method == "GET":
        if _watch_verb(req):
            return "watch"
        return "get" if t.name else "list"
    if req.method == "DELETE":
        return "delete" if t.name else "deletecollection"
    return {"POST": "create", "PUT": "update", "PATCH": "patch"}.get(req.method, req.method.lower())


def _attributes(req: Request, t: Target) -> AuthAttributes:
    return AuthAttributes(
        verb=_verb(req, t),
        group=t.info.group,
        resource=t.info.resource,
        subresource=t.subresource,
        namespace=t.namespace,
        name=t.name,
        path=req.path,
    )


def _patch_sets_rv(patch_body: Any) -> bool:
    if isinstance(patch_body, dict):
        return bool((patch_body.get("metadata") or {}).get("resourceVersion"))
    if isinstance(patch_body, list):
        return any(
            isinstance(op, dict) and op.get("path") == "/metadata/resourceVersion"
            for op in patch_body
        )
    return False


def new_audit_id() -> str:
    return str(uuid.uuid4())


__all__ = ["API", "JSON", "Request", "Response", "Target", "new_audit_id", "status_response"]
