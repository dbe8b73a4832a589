"""The API itself, without HTTP: a request in, a response (or a stream of watch lines) out.

This mirrors k8s.io/apiserver/pkg/endpoints/handlers (create.go, get.go, update.go, patch.go,
delete.go, watch.go) and the generic registry behind them, reduced to what a test server needs.
`app.py` owns sockets, TLS and authentication; everything here is plain data and easy to test.
"""

from __future__ import annotations

import copy
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import yaml

from rawkube.testing.server import discovery, openapi, table, validation
from rawkube.testing.server.auth import (
    SELF_REVIEWS,
    Attributes,
    Authorizer,
    UserInfo,
    forbidden,
    forbidden_path,
)
from rawkube.testing.server.encoding import encode
from rawkube.testing.server.openapi import Schema
from rawkube.testing.server.patch import (
    ManagedFields,
    json_patch,
    merge_patch,
    strategic_merge_patch,
)
from rawkube.testing.server.resources import ResourceInfo, ResourceTable
from rawkube.testing.server.selectors import (
    parse_field_selector,
    parse_label_selector,
    selectable_fields,
    selector_to_string,
)
from rawkube.testing.server.store import (
    APIError,
    Obj,
    ResourceKey,
    Store,
    conflict,
    decode_continue,
    encode_continue,
    not_found,
    now_rfc3339,
)
from rawkube.testing.server.watch import MAX_WATCH_SECONDS, ident, open_watch

JSON = "application/json"
NAMESPACES = ResourceKey("", "namespaces")
CRDS = ResourceKey("apiextensions.k8s.io", "customresourcedefinitions")
CRD_FINALIZER = "customresourcecleanup.apiextensions.k8s.io"
# A registry's GuaranteedUpdate retries a write that lost a race; a bound keeps it finite.
PATCH_RETRIES = 10


@dataclass
class Request:
    """One HTTP request as the API sees it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes = b""
    user: UserInfo | None = None  # None: trusted in-process caller, not authorized

    @classmethod
    def build(
        cls,
        method: str,
        target: str,
        headers: dict[str, str],
        body: bytes = b"",
        user: UserInfo | None = None,
    ) -> Request:
        path, _, query = target.partition("?")
        return cls(
            method.upper(),
            path,
            parse_qs(query, keep_blank_values=True),
            {k.lower(): v for k, v in headers.items()},
            body,
            user,
        )

    def param(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    def flag(self, name: str) -> bool:
        return (self.param(name) or "").lower() in ("true", "1")

    @property
    def accept(self) -> str:
        return self.headers.get("accept", "*/*")


@dataclass
class Response:
    """A complete response, or a streaming one when ``stream`` is set (watch, log follow)."""

    status: int
    body: bytes = b""
    content_type: str = JSON
    headers: list[tuple[str, str]] = field(default_factory=list)
    stream: Iterator[bytes] | None = None


def status_response(err: APIError) -> Response:
    return Response(err.code, encode(err.status()))


def success_status(details: dict[str, Any]) -> dict[str, Any]:
    """The Status a delete answers with when the object is gone at once (recording 042)."""
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": details,
    }


@dataclass
class Target:
    """What a resource URL names: /apis/{group}/{version}/namespaces/{ns}/{resource}/{name}/{sub}."""

    info: ResourceInfo
    namespace: str
    name: str
    subresource: str

    @property
    def key(self) -> ResourceKey:
        return self.info.key


def _wants_table(accept: str) -> bool:
    return "as=Table" in accept


def _wants_yaml(accept: str) -> bool:
    return accept.split(",")[0].strip().startswith("application/yaml")


class API:
    """The request handlers of one server, over its `Store` and `ResourceTable`."""

    def __init__(
        self,
        store: Store,
        resources: ResourceTable,
        *,
        server_address: str = "127.0.0.1:6443",
        stopping: threading.Event | None = None,
        bookmark_interval: float = 60.0,
        log_lines: Callable[[Obj, str | None], list[str]] | None = None,
    ) -> None:
        self.store = store
        self.resources = resources
        self.server_address = server_address
        self.stopping = stopping or threading.Event()
        self.bookmark_interval = bookmark_interval
        self.log_lines = log_lines

    # -- dispatch ------------------------------------------------------------------------------

    def handle(self, req: Request) -> Response:
        """Answer one authenticated request; API errors become Status bodies."""
        try:
            return self._route(req)
        except APIError as err:
            return status_response(err)

    def _route(self, req: Request) -> Response:
        parts = [p for p in req.path.split("/") if p]
        if not _is_resource_path(parts):
            self._authorize(
                req, Attributes(verb=req.method.lower(), path=req.path, resource_request=False)
            )
        if not parts:
            return self._json(
                {"paths": ["/api", "/apis", "/openapi/v2", "/openapi/v3", "/version"]}
            )
        head = parts[0]
        if head == "version" and len(parts) == 1:
            return self._json(discovery.version_info())
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
                    raise APIError(
                        404, "NotFound", "the server could not find the requested resource"
                    )
                return self._json(doc)
            return self._group_version(req, parts[1], parts[2], parts[3:])
        raise APIError(404, "NotFound", "the server could not find the requested resource")

    def _json(self, obj: Any, status: int = 200, **kw: Any) -> Response:
        return Response(status, encode(obj), **kw)

    # -- discovery and OpenAPI -----------------------------------------------------------------

    def _discovery_root(self, req: Request, legacy: bool) -> Response:
        if "as=APIGroupDiscoveryList" in req.accept and "v=v2" in req.accept:
            doc = discovery.aggregated(self.resources, legacy)
            return Response(200, encode(doc), discovery.AGGREGATED_CONTENT_TYPE)
        if legacy:
            return self._json(discovery.api_versions(self.server_address))
        return self._json(discovery.api_group_list(self.resources))

    def _openapi(self, parts: list[str], req: Request) -> Response:
        if parts == ["v2"]:
            return Response(200, openapi.v2_bytes())
        if parts == ["v3"]:
            return self._json(openapi.v3_index(self.resources))
        if parts[:1] == ["v3"]:
            doc = openapi.v3_document("/".join(parts[1:]), self.resources)
            if doc is not None:
                return Response(200, doc)
        raise APIError(404, "NotFound", "the server could not find the requested resource")

    def _group_version(self, req: Request, group: str, version: str, rest: list[str]) -> Response:
        if not rest:
            doc = discovery.api_resource_list(self.resources, group, version)
            if doc is None:
                raise APIError(404, "NotFound", "the server could not find the requested resource")
            return self._json(doc)
        target = self._target(group, version, rest)
        self._authorize(req, _attributes(req, target))
        return self._dispatch(req, target)

    def _authorize(self, req: Request, attrs: Attributes) -> None:
        """403 unless the user may (see auth.py); in-process callers (no user) always may."""
        if req.user is None or Authorizer(self.store).allowed(req.user, attrs):
            return
        if attrs.resource_request:
            raise forbidden(req.user, attrs)
        raise forbidden_path(req.user, attrs)

    def _target(self, group: str, version: str, rest: list[str]) -> Target:
        # k8s.io/apiserver/pkg/endpoints/request/requestinfo.go: "namespaces/{ns}/..." scopes
        # the rest unless it is the namespaces resource itself (/api/v1/namespaces/{name}).
        namespace = ""
        scoped = rest[0] == "namespaces" and len(rest) >= 3
        if scoped:
            namespace, rest = rest[1], rest[2:]
        info = self.resources.get(group, version, rest[0])
        # A cluster-scoped resource has no route under /namespaces/{ns}/ (e.g. .../nodes).
        if info is None or (scoped and info.namespaced is False):
            raise APIError(404, "NotFound", "the server could not find the requested resource")
        name = rest[1] if len(rest) > 1 else ""
        sub = "/".join(rest[2:])
        if sub and sub not in info.subresources:
            raise APIError(404, "NotFound", "the server could not find the requested resource")
        if info.namespaced is False:
            namespace = ""
        return Target(info, namespace, name, sub)

    def _dispatch(self, req: Request, t: Target) -> Response:
        m = req.method
        if (t.info.group, t.info.resource) in SELF_REVIEWS and m == "POST" and not t.name:
            return self.self_review(req, t)
        if not t.name:
            if m == "GET":
                if req.flag("watch"):
                    return self.watch(req, t)
                return self.list_collection(req, t)
            if m == "POST":
                return self.create(req, t)
            if m == "DELETE":
                return self.delete_collection(req, t)
        elif t.subresource == "log" and m == "GET":
            return self.pod_log(req, t)
        elif t.subresource == "scale":
            if m == "GET":
                return self._json(
                    self._scale_of(t, self.store.must_get(t.key, t.namespace, t.name))
                )
            if m in ("PUT", "PATCH"):
                return self.update_scale(req, t)
        elif t.subresource == "eviction" and m == "POST":
            return self.evict(req, t)
        elif t.subresource not in ("", "status"):
            # exec, attach, portforward, proxy, ...: streaming protocols this server lacks.
            raise APIError(
                405,
                "MethodNotAllowed",
                f"the {t.subresource} subresource is not served by LocalAPIServer",
            )
        elif m == "GET":
            if req.flag("watch"):
                req.query["fieldSelector"] = [f"metadata.name={t.name}"]
                return self.watch(req, t)
            return self.get(req, t)
        elif m == "PUT":
            return self.update(req, t)
        elif m == "PATCH":
            return self.patch(req, t)
        elif m == "DELETE" and not t.subresource:
            return self.delete(req, t)
        raise APIError(
            405,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
        )

    # -- helpers -------------------------------------------------------------------------------

    def _schema(self, info: ResourceInfo) -> Schema | None:
        if info.crd:
            return None
        return Schema.for_kind(info.group, info.version, info.kind)

    def _body(self, req: Request) -> Any:
        if not req.body:
            return None
        ctype = req.headers.get("content-type", JSON)
        if "protobuf" in ctype:
            from rawkube.testing.server.protobuf import decode

            return decode(req.body)
        if "cbor" in ctype:
            # We speak JSON and YAML only. A 415 makes client-go retry the request as JSON.
            raise APIError(
                415,
                "UnsupportedMediaType",
                "the body of the request was in an unknown format - accepted media types include: "
                "application/json, application/yaml",
            )
        try:
            if "yaml" in ctype:
                return yaml.safe_load(req.body)
            return json.loads(req.body)
        except (ValueError, yaml.YAMLError) as exc:
            raise APIError(
                400, "BadRequest", f"the body of the request could not be decoded: {exc}"
            ) from None

    def _object_body(self, req: Request, t: Target) -> Obj:
        body = self._body(req)
        if not isinstance(body, dict):
            raise APIError(400, "BadRequest", "the body of the request was in an unknown format")
        body.setdefault("apiVersion", t.info.api_version)
        body.setdefault("kind", t.info.kind)
        meta = body.get("metadata")
        if not isinstance(meta, dict):
            body["metadata"] = meta = {}
        if t.info.namespaced:
            if meta.get("namespace") and meta["namespace"] != t.namespace:
                raise APIError(
                    400,
                    "BadRequest",
                    "the namespace of the provided object does not match the namespace sent on the request",
                )
            meta["namespace"] = t.namespace
        else:
            meta.pop("namespace", None)
        return body

    def _render(
        self, obj: Any, req: Request, info: ResourceInfo | None = None, status: int = 200
    ) -> Response:
        if _wants_yaml(req.accept):
            text = yaml.safe_dump(obj, sort_keys=False, default_flow_style=False)
            return Response(status, text.encode(), "application/yaml")
        accept = req.accept
        if "protobuf" in accept and "json" not in accept and "*/*" not in accept:
            # Protobuf only when the client takes nothing else (recording 034): JSON is what
            # a reader of the conversation can follow, and every client-go decoder accepts it.
            return self._protobuf(obj, status)
        return Response(status, encode(obj, sort_keys=bool(info and info.crd)))

    def _protobuf(self, obj: Any, status: int) -> Response:
        from rawkube.testing.server import protobuf

        if not isinstance(obj, dict) or not protobuf.can_encode(
            str(obj.get("apiVersion", "")), str(obj.get("kind", ""))
        ):
            raise APIError(
                406,
                "NotAcceptable",
                "only the following media types are accepted: application/json, application/yaml",
            )
        return Response(status, protobuf.encode(obj), protobuf.CONTENT_TYPE)

    def _warnings(self, req: Request, info: ResourceInfo, obj: Obj) -> list[tuple[str, str]]:
        """fieldValidation: Strict -> 400, Warn (the default) -> Warning headers, Ignore -> nothing."""
        mode = req.param("fieldValidation") or "Warn"
        schema = self._schema(info)
        if mode == "Ignore" or schema is None:
            return []
        unknown = openapi.unknown_fields(obj, schema)
        openapi.drop_unknown(obj, schema)
        if not unknown:
            return []
        if mode == "Strict":
            fields = ", ".join(f'unknown field "{p}"' for p in unknown)
            raise APIError(
                400,
                "BadRequest",
                f'{info.kind} in version "{info.version}" cannot be handled as a {info.kind}: '
                f"strict decoding error: {fields}",
            )
        return [("Warning", f'299 - "unknown field \\"{p}\\""') for p in unknown]

    def _manager(self, req: Request) -> str:
        # fieldmanager.prefixFromUserAgent: the User-Agent up to its first "/".
        manager = req.param("fieldManager")
        if manager:
            return manager
        agent = req.headers.get("user-agent", "unknown")
        return agent.split("/", 1)[0][:128] or "unknown"

    def _dry_run(self, req: Request) -> bool:
        values = req.query.get("dryRun") or []
        if any(v not in ("All", "") for v in values):
            raise APIError(400, "BadRequest", f"Invalid dry run value: {values}")
        return "All" in values

    def _check_namespace(self, t: Target, name: str) -> None:
        if not t.info.namespaced:
            return
        ns = self.store.get(NAMESPACES, "", t.namespace)
        if ns is None:
            raise not_found(NAMESPACES, t.namespace)
        if ns["metadata"].get("deletionTimestamp"):
            message = f"unable to create new content in namespace {t.namespace} because it is being terminated"
            raise APIError(
                403,
                "Forbidden",
                f'{t.info.key.qualified} "{name}" is forbidden: {message}',
                {
                    "name": name,
                    "group": t.info.group,
                    "kind": t.info.resource,
                    "causes": [
                        {
                            "reason": "NamespaceTerminating",
                            "message": message,
                            "field": "metadata.namespace",
                        }
                    ],
                },
            )

    def _prepare(self, info: ResourceInfo, obj: Obj, *, creating: bool) -> Obj:
        has_status = self._schema(info) is not None and bool(
            (self._schema(info) or Schema({})).has_field("status")
        )
        obj = validation.apply_defaults(info, obj, has_status and creating)
        validation.validate(info, obj, creating=creating)
        if info.key == CRDS:
            self._prepare_crd(obj, creating)
        return obj

    # -- get / list ----------------------------------------------------------------------------

    def get(self, req: Request, t: Target) -> Response:
        obj = self.store.must_get(t.key, t.namespace, t.name)
        if _wants_table(req.accept):
            return self._json(
                table.to_table(
                    t.info,
                    [obj],
                    {"resourceVersion": obj["metadata"]["resourceVersion"]},
                    req.param("includeObject") or "Metadata",
                )
            )
        return self._render(obj, req, t.info)

    def _matching(self, req: Request, t: Target) -> tuple[list[Obj], int]:
        labels = parse_label_selector(req.param("labelSelector"))
        fields = parse_field_selector(
            req.param("fieldSelector"), selectable_fields(t.info.group, t.info.resource)
        )
        # No copies: stored objects are never changed in place (the store replaces them), and
        # lists are only read and serialised here. Copying every object made a paged list of a
        # large collection cost as much as the whole list.
        items, rv = self.store.list(t.key, t.namespace or None, copy_objects=False)
        return [o for o in items if labels(o["metadata"].get("labels") or {}) and fields(o)], rv

    def list_collection(self, req: Request, t: Target) -> Response:
        items, rv = self._matching(req, t)
        list_rv = rv
        token = req.param("continue")
        if token:
            list_rv, start = decode_continue(token)
            items = [o for o in items if _sort_key(o, bool(t.namespace)) > start]
        meta: dict[str, Any] = {"resourceVersion": str(list_rv)}
        limit = int(req.param("limit") or 0)
        if limit > 0 and len(items) > limit:
            remaining = len(items) - limit
            items = items[:limit]
            meta["continue"] = encode_continue(list_rv, _sort_key(items[-1], bool(t.namespace)))
            meta["remainingItemCount"] = remaining
        if _wants_table(req.accept):
            return self._json(
                table.to_table(t.info, items, meta, req.param("includeObject") or "Metadata")
            )
        return self._render(self._list_body(t.info, items, meta), req, t.info)

    def _list_body(self, info: ResourceInfo, items: list[Obj], meta: dict[str, Any]) -> Obj:
        if not info.crd:
            # Typed lists omit each item's kind/apiVersion (recording 013); unstructured keep them.
            items = [{k: v for k, v in o.items() if k not in ("kind", "apiVersion")} for o in items]
        else:
            # An unstructured list always carries "continue", empty on the last page (052).
            meta = {"continue": "", **meta}
        return {
            "kind": info.list_kind,
            "apiVersion": info.api_version,
            "metadata": meta,
            "items": items,
        }

    # -- create / update -----------------------------------------------------------------------

    def create(self, req: Request, t: Target) -> Response:
        obj = self._object_body(req, t)
        warnings = self._warnings(req, t.info, obj)
        name = str(obj["metadata"].get("name") or "")
        obj = self._prepare(t.info, obj, creating=True)
        self._check_namespace(t, name)
        obj["metadata"].pop("managedFields", None)
        fields = ManagedFields(None)
        fields.record_update(
            self._manager(req), t.info.api_version, None, obj, self._schema(t.info)
        )
        if fields.entries:
            obj["metadata"]["managedFields"] = fields.entries
        created = self.store.create(t.key, obj, dry_run=self._dry_run(req))
        if t.key == CRDS and not self._dry_run(req):
            self.resources.add_crd(created)
        return self._with_headers(self._render(created, req, t.info, 201), warnings)

    def _with_headers(self, resp: Response, headers: list[tuple[str, str]]) -> Response:
        resp.headers.extend(headers)
        return resp

    def update(self, req: Request, t: Target) -> Response:
        obj = self._object_body(req, t)
        if obj["metadata"].get("name") != t.name:
            raise APIError(
                400, "BadRequest", "the name of the object does not match the name on the URL"
            )
        warnings = self._warnings(req, t.info, obj)
        current = self.store.must_get(t.key, t.namespace, t.name)
        result = self._write(req, t, current, obj)
        return self._with_headers(self._render(result, req, t.info), warnings)

    def _write(
        self, req: Request, t: Target, current: Obj, obj: Obj, *, check_rv: bool = True
    ) -> Obj:
        """Shared by PUT and PATCH: subresource rules, defaults, validation, managedFields, store."""
        has_status_sub = "status" in t.info.subresources
        if t.subresource == "status":
            merged = copy.deepcopy(current)
            if "status" in obj:
                merged["status"] = obj["status"]
            else:
                merged.pop("status", None)
            merged["metadata"]["resourceVersion"] = obj["metadata"].get("resourceVersion")
            obj = merged
        elif has_status_sub:
            # The main resource ignores status changes (each strategy's PrepareForUpdate).
            if "status" in current:
                obj["status"] = current["status"]
            else:
                obj.pop("status", None)
        obj = self._prepare(t.info, obj, creating=False)
        fields = ManagedFields(current["metadata"].get("managedFields"))
        if obj["metadata"].get("managedFields") not in (
            None,
            current["metadata"].get("managedFields"),
        ):
            fields = ManagedFields(obj["metadata"]["managedFields"])
        fields.record_update(
            self._manager(req),
            t.info.api_version,
            current,
            obj,
            self._schema(t.info),
            t.subresource,
        )
        obj["metadata"]["managedFields"] = fields.entries
        if not fields.entries:
            obj["metadata"].pop("managedFields")
        if not obj["metadata"].get("resourceVersion"):
            obj["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
        result = self.store.update(
            t.key, obj, dry_run=self._dry_run(req), check_resource_version=check_rv
        )
        return result

    # -- patch ---------------------------------------------------------------------------------

    def patch(self, req: Request, t: Target) -> Response:
        ctype = req.headers.get("content-type", "").split(";")[0].strip()
        patch_body = self._body(req)
        if ctype == "application/apply-patch+yaml":
            return self._apply(req, t, patch_body)
        for _ in range(PATCH_RETRIES):
            current = self.store.must_get(t.key, t.namespace, t.name)
            patched = self._patched(ctype, t, current, patch_body)
            patched.setdefault("metadata", {})
            explicit_rv = _patch_sets_rv(patch_body)
            if not explicit_rv:
                patched["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
            warnings = self._warnings(req, t.info, patched)
            try:
                result = self._write(req, t, current, patched)
            except APIError as err:
                if err.reason == "Conflict" and not explicit_rv:
                    continue  # lost a race with another writer: re-read and re-apply
                raise
            return self._with_headers(self._render(result, req, t.info), warnings)
        raise conflict(t.key, t.name, "too many concurrent writers")

    def _patched(self, ctype: str, t: Target, current: Obj, patch_body: Any) -> Obj:
        if ctype == "application/json-patch+json":
            result = json_patch(current, patch_body)
        elif ctype == "application/merge-patch+json":
            result = merge_patch(current, patch_body)
        elif ctype == "application/strategic-merge-patch+json":
            if t.info.crd:
                raise APIError(
                    415,
                    "UnsupportedMediaType",
                    "the body of the request was in an unknown format - accepted media types include: "
                    "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
                )
            result = strategic_merge_patch(current, patch_body, self._schema(t.info))
        else:
            raise APIError(
                415,
                "UnsupportedMediaType",
                "the body of the request was in an unknown format - accepted media types include: "
                "application/json-patch+json, application/merge-patch+json, "
                "application/apply-patch+yaml, application/strategic-merge-patch+json",
            )
        if not isinstance(result, dict):
            raise APIError(422, "Invalid", "the patch did not produce an object")
        return result

    def _apply(self, req: Request, t: Target, applied: Any) -> Response:
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
        warnings = self._warnings(req, t.info, applied)
        schema = self._schema(t.info)
        force = req.flag("force")
        for _ in range(PATCH_RETRIES):
            current = self.store.get(t.key, t.namespace, t.name)
            fields = ManagedFields(current["metadata"].get("managedFields") if current else None)
            merged = fields.apply(
                manager, t.info.api_version, current or {}, applied, schema, force, t.subresource
            )
            merged["metadata"]["managedFields"] = fields.entries
            if current is None:
                obj = self._prepare(t.info, merged, creating=True)
                self._check_namespace(t, t.name)
                created = self.store.create(t.key, obj, dry_run=self._dry_run(req))
                if t.key == CRDS and not self._dry_run(req):
                    self.resources.add_crd(created)
                return self._with_headers(self._render(created, req, t.info, 201), warnings)
            merged["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
            obj = self._prepare(t.info, merged, creating=False)
            try:
                result = self.store.update(t.key, obj, dry_run=self._dry_run(req))
            except APIError as err:
                if err.reason == "Conflict":
                    continue
                raise
            return self._with_headers(self._render(result, req, t.info), warnings)
        raise conflict(t.key, t.name, "too many concurrent writers")

    # -- scale ---------------------------------------------------------------------------------

    def _scale_of(self, t: Target, obj: Obj) -> Obj:
        """The autoscaling/v1 Scale view of a workload (registry/apps/deployment/storage scale)."""
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
                "selector": selector_to_string(spec.get("selector")).replace("<none>", ""),
            },
        }

    def update_scale(self, req: Request, t: Target) -> Response:
        for _ in range(PATCH_RETRIES):
            current = self.store.must_get(t.key, t.namespace, t.name)
            scale = self._scale_of(t, current)
            body = self._body(req)
            if req.method == "PATCH":
                ctype = req.headers.get("content-type", "").split(";")[0].strip()
                if ctype == "application/json-patch+json":
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
            updated = copy.deepcopy(current)
            updated.setdefault("spec", {})["replicas"] = replicas
            updated["metadata"]["resourceVersion"] = (
                wanted_rv or current["metadata"]["resourceVersion"]
            )
            sub_target = Target(t.info, t.namespace, t.name, "")
            try:
                result = self._write(req, sub_target, current, updated)
            except APIError as err:
                if err.reason == "Conflict" and not wanted_rv:
                    continue
                raise
            return self._json(self._scale_of(t, result))
        raise conflict(t.key, t.name, "too many concurrent writers")

    # -- delete --------------------------------------------------------------------------------

    def _delete_options(self, req: Request) -> dict[str, Any]:
        body = self._body(req) if req.body else None
        options: dict[str, Any] = dict(body) if isinstance(body, dict) else {}
        for name in ("propagationPolicy", "gracePeriodSeconds"):
            value = req.param(name)
            if value is not None and name not in options:
                options[name] = int(value) if name == "gracePeriodSeconds" else value
        if req.query.get("dryRun"):
            options.setdefault("dryRun", req.query["dryRun"])
        if req.flag("orphanDependents") or options.get("orphanDependents") is True:
            options.setdefault("propagationPolicy", "Orphan")
        return options

    def _delete_one(self, t: Target, name: str, options: dict[str, Any]) -> tuple[Obj, bool]:
        # The store decides which deletions are graceful (pods on a node) and for how long.
        grace = options.get("gracePeriodSeconds")
        if t.key == CRDS:
            # The CRD's Delete adds the cleanup finalizer itself (customresourcedefinition/
            # etcd.go), so the CRD outlives its custom resources (recording 054).
            self._add_finalizer(t, name, CRD_FINALIZER)
        obj, removed = self.store.delete(
            t.key,
            t.namespace,
            name,
            propagation_policy=options.get("propagationPolicy"),
            preconditions=options.get("preconditions"),
            dry_run="All" in (options.get("dryRun") or []),
            kind_for_errors=t.info.qualified_kind,
            grace_period_seconds=grace,
        )
        if t.key == CRDS and not removed and "All" not in (options.get("dryRun") or []):
            self._cleanup_crd(obj)
        return obj, removed

    def _add_finalizer(self, t: Target, name: str, finalizer: str) -> None:
        def add(obj: Obj) -> None:
            finalizers = obj["metadata"].setdefault("finalizers", [])
            if finalizer not in finalizers:
                finalizers.append(finalizer)

        self.store.mutate(t.key, t.namespace, name, add)

    def delete(self, req: Request, t: Target) -> Response:
        obj, removed = self._delete_one(t, t.name, self._delete_options(req))
        if removed and t.key != ResourceKey("", "pods"):
            details: dict[str, Any] = {"name": t.name}
            if t.info.group:
                details["group"] = t.info.group
            details["kind"] = t.info.resource
            details["uid"] = obj["metadata"].get("uid")
            return self._json(success_status(details))
        return self._render(obj, req, t.info)

    def delete_collection(self, req: Request, t: Target) -> Response:
        options = self._delete_options(req)
        items, rv = self._matching(req, t)
        deleted = []
        for item in items:
            try:
                obj, _ = self._delete_one(t, item["metadata"]["name"], options)
            except APIError as err:
                if err.code == 404:
                    continue  # deleted meanwhile: deletecollection does not fail for it
                raise
            deleted.append(obj)
        return self._render(
            self._list_body(t.info, deleted, {"resourceVersion": str(self.store.resource_version)}),
            req,
            t.info,
        )

    def evict(self, req: Request, t: Target) -> Response:
        self._delete_one(t, t.name, {})
        return self._json(
            {
                "kind": "Status",
                "apiVersion": "v1",
                "metadata": {},
                "status": "Success",
                "code": 201,
            },
            201,
        )

    # -- CustomResourceDefinitions (apiextensions-apiserver) -----------------------------------

    def _prepare_crd(self, crd: Obj, creating: bool) -> None:
        spec = crd.get("spec") or {}
        names = spec.setdefault("names", {})
        names.setdefault("listKind", f"{names.get('kind', '')}List")
        names.setdefault("singular", str(names.get("kind", "")).lower())
        spec.setdefault("conversion", {"strategy": "None"})
        expected = f"{names.get('plural', '')}.{spec.get('group', '')}"
        info = self.resources.get("apiextensions.k8s.io", "v1", "customresourcedefinitions")
        assert info is not None
        name = crd["metadata"].get("name", "")
        if name != expected:
            raise validation.invalid_error(
                info,
                name,
                [
                    validation.invalid(
                        "metadata.name", name, 'must be spec.names.plural+"."+spec.group'
                    )
                ],
            )
        if creating:
            now = now_rfc3339()
            storage = next((v["name"] for v in spec.get("versions") or [] if v.get("storage")), "")
            crd["status"] = {
                "conditions": [
                    {
                        "type": "NamesAccepted",
                        "status": "True",
                        "lastTransitionTime": now,
                        "reason": "NoConflicts",
                        "message": "no conflicts found",
                    },
                    {
                        "type": "Established",
                        "status": "True",
                        "lastTransitionTime": now,
                        "reason": "InitialNamesAccepted",
                        "message": "the initial names have been accepted",
                    },
                ],
                "acceptedNames": dict(names),
                "storedVersions": [storage] if storage else [],
            }

    def _cleanup_crd(self, crd: Obj) -> None:
        """The CRD finalizer's job: delete every custom resource, stop serving, let the CRD go."""
        spec = crd.get("spec") or {}
        key = ResourceKey(
            str(spec.get("group", "")), str((spec.get("names") or {}).get("plural", ""))
        )
        items, _ = self.store.list(key)
        for item in items:
            meta = item["metadata"]
            try:
                self.store.mutate(
                    key,
                    meta.get("namespace", ""),
                    meta["name"],
                    lambda o: o["metadata"].pop("finalizers", None),
                )
                self.store.delete(key, meta.get("namespace", ""), meta["name"])
            except APIError:
                continue
        self.resources.remove_crd(crd)

        def drop_finalizer(obj: Obj) -> None:
            obj["metadata"]["finalizers"] = [
                f for f in obj["metadata"].get("finalizers", []) if f != CRD_FINALIZER
            ]

        try:
            self.store.mutate(CRDS, "", crd["metadata"]["name"], drop_finalizer)
        except APIError:
            pass

    # -- logs ----------------------------------------------------------------------------------

    def pod_log(self, req: Request, t: Target) -> Response:
        pod = self.store.must_get(t.key, t.namespace, t.name)
        container = req.param("container")
        timestamps = req.flag("timestamps")
        tail = req.param("tailLines")

        def lines_now(current: Obj) -> list[str]:
            raw = self.log_lines(current, container) if self.log_lines else []
            return [line if timestamps else line.split(" ", 1)[-1] for line in raw]

        lines = lines_now(pod)
        if tail is not None:
            lines = lines[-int(tail) :] if int(tail) > 0 else []
        if not req.flag("follow"):
            if not lines:
                return Response(204, b"", "text/plain")  # recording 058: an empty log is a 204
            return Response(200, "".join(line + "\n" for line in lines).encode(), "text/plain")
        return Response(200, content_type="text/plain", stream=self._follow(t, lines, lines_now))

    def _follow(
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

    # -- reviews of oneself (authentication.k8s.io, authorization.k8s.io) ----------------------

    def self_review(self, req: Request, t: Target) -> Response:
        """SelfSubjectReview (kubectl auth whoami) and SelfSubjectAccessReview (kubectl auth
        can-i): answered, never stored."""
        body = self._body(req) or {}
        user = req.user or UserInfo("system:admin", ("system:masters",))
        review: Obj = {
            "kind": t.info.kind,
            "apiVersion": t.info.api_version,
            "metadata": {"creationTimestamp": now_rfc3339()},
        }
        if t.info.resource == "selfsubjectreviews":
            review["status"] = {"userInfo": user.as_dict()}
        elif t.info.resource == "selfsubjectaccessreviews":
            spec = body.get("spec") or {}
            review["spec"] = spec
            review["status"] = {
                "allowed": Authorizer(self.store).allowed(user, _review_attributes(spec))
            }
        else:
            raise APIError(
                405,
                "MethodNotAllowed",
                "the server does not allow this method on the requested resource",
            )
        return self._json(review, 201)

    # -- watch ---------------------------------------------------------------------------------

    def watch(self, req: Request, t: Target) -> Response:
        """A watch request: the stream itself lives in watch.py."""
        stream = open_watch(
            self.store, t, req, stopping=self.stopping, bookmark_interval=self.bookmark_interval
        )
        return Response(200, stream=stream)


def _review_attributes(spec: dict[str, Any]) -> Attributes:
    resource = spec.get("resourceAttributes")
    if isinstance(resource, dict):
        return Attributes(
            verb=str(resource.get("verb", "")),
            group=str(resource.get("group", "")),
            resource=str(resource.get("resource", "")),
            subresource=str(resource.get("subresource", "")),
            namespace=str(resource.get("namespace", "")),
            name=str(resource.get("name", "")),
        )
    other = spec.get("nonResourceAttributes") or {}
    return Attributes(
        verb=str(other.get("verb", "")), path=str(other.get("path", "")), resource_request=False
    )


def _is_resource_path(parts: list[str]) -> bool:
    """/api/v1/... and /apis/{group}/{version}/... below the discovery documents."""
    return (parts[:1] == ["api"] and len(parts) > 2) or (parts[:1] == ["apis"] and len(parts) > 3)


def _verb(req: Request, t: Target) -> str:
    """The authorization verb of a resource request (requestinfo.go)."""
    if req.method == "GET":
        if req.flag("watch"):
            return "watch"
        return "get" if t.name else "list"
    if req.method == "DELETE":
        return "delete" if t.name else "deletecollection"
    return {"POST": "create", "PUT": "update", "PATCH": "patch"}.get(req.method, req.method.lower())


def _attributes(req: Request, t: Target) -> Attributes:
    return Attributes(
        verb=_verb(req, t),
        group=t.info.group,
        resource=t.info.resource,
        subresource=t.subresource,
        namespace=t.namespace,
        name=t.name,
        path=req.path,
    )


def _sort_key(obj: Obj, scoped: bool) -> str:
    """The key a continue token resumes after, relative to the list's etcd prefix:
    ``name`` within one namespace (recording 015), ``namespace/name`` across namespaces."""
    ns, name = ident(obj)
    return f"{ns}/{name}" if ns and not scoped else name


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
