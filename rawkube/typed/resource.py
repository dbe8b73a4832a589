"""Typed resource clients: the hand-written core under the generated clientset.

client-go generates one file per resource (e.g. `typed/apps/v1/deployment.go`) whose methods are
all the same few lines: build a request on the group's RESTClient, send it, decode the answer into
the Go type. Here that shared shape is written once, in `ResourceClient`, and the generated code
(`rawkube/typed/_generated.py`) only describes each resource with a `ResourceInfo`:

    AppsV1Client(rest).deployments("default")  ->  ResourceClient[Deployment]

Requests are built by the `rawkube.rest` builder; the keyword options (label_selector, dry_run,
propagation_policy, ...) are turned into query parameters and DeleteOptions bodies by
`rawkube.rest.options`, shared with the dynamic client so both speak exactly the same dialect.

Sync and async differ only in the lines that send: `_ResourceBase` builds every request, and
`ResourceClient` / `AsyncResourceClient` send them and decode.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from rawkube.errors import RawkubeError
from rawkube.rest import options
from rawkube.schema import GroupVersion, GroupVersionKind, GroupVersionResource

if TYPE_CHECKING:
    from rawkube.rest.watch import AsyncWatch, Watch

T = TypeVar("T")

# Where `"module:Class"` strings point when the module has no package part.
_MODELS_PACKAGE = "rawkube.models"


@dataclass(frozen=True)
class ResourceInfo:
    """What a client needs to know about one resource (a discovery `APIResource`, plus models).

    `model` / `list_model` are `"module:Class"` strings (e.g. `"apps_v1:Deployment"`), imported
    only when a response is decoded, so importing the clientset does not import every model.
    An empty `model` means "no model": objects stay plain dicts (the dynamic client's case).
    """

    group: str
    version: str
    resource: str
    kind: str
    namespaced: bool
    verbs: frozenset[str] = field(default_factory=frozenset)
    subresources: frozenset[str] = field(default_factory=frozenset)
    model: str = ""
    list_model: str = ""

    @property
    def group_version(self) -> GroupVersion:
        return GroupVersion(self.group, self.version)

    @property
    def gvr(self) -> GroupVersionResource:
        return GroupVersionResource(self.group, self.version, self.resource)

    @property
    def gvk(self) -> GroupVersionKind:
        return GroupVersionKind(self.group, self.version, self.kind)


class UnsupportedVerb(RawkubeError, TypeError):
    """The resource does not offer this verb or subresource (per its discovery data)."""


@functools.cache
def import_model(spec: str) -> Any:
    """Import the class named by `"module:Class"` (module relative to rawkube.models if bare).

    Cached: the import cost is paid once per class, not once per response.
    """
    module_name, _, class_name = spec.partition(":")
    if "." not in module_name:
        module_name = f"{_MODELS_PACKAGE}.{module_name}"
    return getattr(importlib.import_module(module_name), class_name)


def _to_wire(obj: Any) -> Any:
    """A model becomes its wire dict; dicts, lists, bytes and str go out as they are."""
    to_dict = getattr(obj, "to_dict", None)
    return to_dict() if callable(to_dict) else obj


def _metadata_field(obj: Any, name: str) -> str | None:
    """`metadata.name` / `metadata.namespace` of a model or a dict."""
    meta = obj.get("metadata") if isinstance(obj, Mapping) else getattr(obj, "metadata", None)
    if meta is None:
        return None
    value = meta.get(name) if isinstance(meta, Mapping) else getattr(meta, name, None)
    return value if isinstance(value, str) and value else None


def is_status(data: Any) -> bool:
    """True for a `metav1.Status` body (what some DELETEs return instead of the object)."""
    return isinstance(data, dict) and data.get("kind") == "Status" and "apiVersion" in data


def log_params(
    *,
    container: str | None = None,
    follow: bool = False,
    previous: bool = False,
    since_seconds: int | None = None,
    since_time: str | None = None,
    timestamps: bool = False,
    tail_lines: int | None = None,
    limit_bytes: int | None = None,
) -> dict[str, Any]:
    """Query parameters of `GET pods/{name}/log` (core/v1 `PodLogOptions`)."""
    return {
        "container": container,
        "follow": follow or None,
        "previous": previous or None,
        "sinceSeconds": since_seconds,
        "sinceTime": since_time,
        "timestamps": timestamps or None,
        "tailLines": tail_lines,
        "limitBytes": limit_bytes,
    }


def eviction_body(
    name: str,
    namespace: str,
    *,
    propagation_policy: str | None = None,
    grace_period_seconds: int | None = None,
    preconditions: Mapping[str, Any] | None = None,
    dry_run: bool | str | list[str] | None = None,
) -> dict[str, Any]:
    """A policy/v1 `Eviction` (the body of `POST pods/{name}/eviction`)."""
    body: dict[str, Any] = {
        "apiVersion": "policy/v1",
        "kind": "Eviction",
        "metadata": {"name": name, "namespace": namespace},
    }
    delete = options.delete_options(
        propagation_policy=propagation_policy,
        grace_period_seconds=grace_period_seconds,
        preconditions=preconditions,
        dry_run=dry_run,
    )
    if delete:
        body["deleteOptions"] = delete
    return body


class _ResourceBase:
    """Request building shared by the sync and async clients (no I/O here)."""

    # A resource client is made on every `cs.apps_v1().deployments(ns)` call: keep it small.
    __slots__ = ("_namespace", "_rest", "info")

    def __init__(self, rest: Any, info: ResourceInfo, namespace: str | None = None) -> None:
        # `rest` is a RESTClient or an AsyncRESTClient: both build the same `Request`s.
        self._rest = rest
        self.info = info
        self._namespace = namespace if info.namespaced else None

    def __repr__(self) -> str:
        where = f", namespace={self._namespace!r}" if self._namespace else ""
        return f"{type(self).__name__}({self.info.gvr}{where})"

    # -- decoding ------------------------------------------------------------------------------

    def _decode(self, data: Any) -> Any:
        """The model for one object, or the dict itself when there is no model."""
        if not self.info.model or not isinstance(data, dict) or is_status(data):
            return data
        return import_model(self.info.model).from_dict(data)

    def _decode_list(self, data: Any) -> Any:
        if not self.info.list_model or not isinstance(data, dict) or is_status(data):
            return data
        return import_model(self.info.list_model).from_dict(data)

    # -- request building ----------------------------------------------------------------------

    def _check(self, verb: str, subresource: str | None = None) -> None:
        """Refuse what discovery says the resource does not offer.

        Only when it says: a ResourceInfo with no verbs (the dynamic client's) is unchecked,
        and the server has the last word (405 MethodNotAllowed, 404 NotFound).
        """
        if not self.info.verbs:
            return
        if verb not in self.info.verbs:
            raise UnsupportedVerb(f"{self.info.resource} does not support {verb!r}")
        if subresource is not None and subresource not in self.info.subresources:
            raise UnsupportedVerb(f"{self.info.resource} has no {subresource!r} subresource")

    def _on(self, req: Any, namespace: str | None = None) -> Any:
        """Point a request at this resource, in this client's (or the object's) namespace."""
        ns = self._namespace or (namespace if self.info.namespaced else None)
        if ns:
            req = req.namespace(ns)
        return req.resource(self.info.resource)

    def _create_req(
        self,
        obj: Any,
        *,
        dry_run: Any = None,
        field_manager: str | None = None,
        field_validation: str | None = None,
    ) -> Any:
        self._check("create")
        req = self._on(self._rest.post(), _metadata_field(obj, "namespace"))
        return req.params(options.write_params(dry_run, field_manager, field_validation)).body(
            _to_wire(obj)
        )

    def _get_req(self, name: str, *, resource_version: str | None = None) -> Any:
        self._check("get")
        req = self._on(self._rest.get()).name(name)
        return req.params(options.get_params(resource_version=resource_version))

    def _update_req(
        self,
        obj: Any,
        subresource: str | None,
        *,
        dry_run: Any = None,
        field_manager: str | None = None,
        field_validation: str | None = None,
    ) -> Any:
        self._check("update", subresource)
        name = _metadata_field(obj, "name")
        if name is None:
            raise ValueError("update needs an object with metadata.name")
        req = self._on(self._rest.put(), _metadata_field(obj, "namespace")).name(name)
        if subresource:
            req = req.sub_resource(subresource)
        return req.params(options.write_params(dry_run, field_manager, field_validation)).body(
            _to_wire(obj)
        )

    def _patch_req(
        self,
        name: str,
        body: Any,
        patch_type: str,
        subresource: str | None,
        *,
        dry_run: Any = None,
        field_manager: str | None = None,
        field_validation: str | None = None,
        force: bool | None = None,
    ) -> Any:
        self._check("patch", subresource)
        req = self._on(self._rest.patch(patch_type)).name(name)
        if subresource:
            req = req.sub_resource(subresource)
        query = options.patch_params(
            dry_run=dry_run,
            field_manager=field_manager,
            field_validation=field_validation,
            force=force,
            patch_type=patch_type,
        )
        return req.params(query).body(_to_wire(body))

    def _list_req(self, verb: str, **opts: Any) -> Any:
        self._check(verb)
        builder = options.watch_params if verb == "watch" else options.list_params
        return self._on(self._rest.get()).params(builder(**opts))

    def _delete_req(self, name: str | None, **opts: Any) -> Any:
        self._check("delete" if name is not None else "deletecollection")
        list_opts = opts.pop("list_options", None) or {}
        req = self._on(self._rest.delete())
        if name is not None:
            req = req.name(name)
        body = options.delete_options(**opts)
        if list_opts:
            req = req.params(options.list_params(**list_opts))
        if body is not None:
            req = req.body(body)
        return req

    def _scale_get_req(self, name: str) -> Any:
        self._check("get", "scale")
        return self._on(self._rest.get()).name(name).sub_resource("scale")

    def _scale_update_req(self, name: str, scale: Any, **write: Any) -> Any:
        self._check("update", "scale")
        req = self._on(self._rest.put()).name(name).sub_resource("scale")
        return req.params(options.write_params(**write)).body(_to_wire(scale))

    def _log_req(self, name: str, **log_opts: Any) -> Any:
        self._check("get", "log")
        return (
            self._on(self._rest.get()).name(name).sub_resource("log").params(log_params(**log_opts))
        )

    def _evict_req(self, name: str, **delete_opts: Any) -> Any:
        self._check("create", "eviction")
        ns = self._namespace or "default"
        req = self._on(self._rest.post()).name(name).sub_resource("eviction")
        return req.body(eviction_body(name, ns, **delete_opts))


def _decode_scale(data: Any) -> Any:
    """Scale subresources answer with autoscaling/v1 Scale; decode it if the model exists."""
    if not isinstance(data, dict) or is_status(data):
        return data
    try:
        return import_model("autoscaling_v1:Scale").from_dict(data)
    except (ImportError, AttributeError):  # models not generated: a plain dict still works
        return data


class ResourceClient(_ResourceBase, Generic[T]):
    """One resource in one namespace (client-go's generated `DeploymentInterface` & co.).

    Every method sends one HTTP request (log streaming and watch keep theirs open).
    Keyword options are the same as the dynamic client's and map 1:1 to the Kubernetes
    query parameters / DeleteOptions fields (`rawkube.rest.options`).
    """

    __slots__ = ()

    def create(
        self,
        obj: T | Mapping[str, Any],
        *,
        dry_run: Any = None,
        field_manager: str | None = None,
        field_validation: str | None = None,
    ) -> T:
        """POST the object to the collection; the server answers 201 with the stored object."""
        req = self._create_req(
            obj, dry_run=dry_run, field_manager=field_manager, field_validation=field_validation
        )
        return self._decode(req.do().json())

    def get(self, name: str, *, resource_version: str | None = None) -> T:
        """GET one object by name."""
        return self._decode(self._get_req(name, resource_version=resource_version).do().json())

    def update(
        self,
        obj: T | Mapping[str, Any],
        *,
        dry_run: Any = None,
        field_manager: str | None = None,
        field_validation: str | None = None,
    ) -> T:
        """PUT the whole object; 409 Conflict if its resourceVersion is stale."""
        req = self._update_req(
            obj,
            None,
            dry_run=dry_run,
            field_manager=field_manager,
            field_validation=field_validation,
        )
        return self._decode(req.do().json())

    def update_status(
        self,
        obj: T | Mapping[str, Any],
        *,
        dry_run: Any = None,
        field_manager: str | None = None,
        field_validation: str | None = None,
    ) -> T:
        """PUT the object to its `/status` subresource (only status changes are kept)."""
        req = self._update_req(
            obj,
            "status",
            dry_run=dry_run,
            field_manager=field_manager,
            field_validation=field_validation,
        )
        return self._decode(req.do().json())

    def patch(
        self,
        name: str,
        body: Any,
        patch_type: str = "merge",
        *,
        subresource: str | None = None,
        dry_run: Any = None,
        field_manager: str | None = None,
        field_validation: str | None = None,
        force: bool | None = None,
    ) -> T:
        """PATCH with a json | merge | strategic | apply patch (client-go `Patch(pt, data)`)."""
        req = self._patch_req(
            name,
            body,
            patch_type,
            subresource,
            dry_run=dry_run,
            field_manager=field_manager,
            field_validation=field_validation,
            force=force,
        )
        return self._decode(req.do().json())

    def apply(
        self,
        obj: T | Mapping[str, Any],
        field_manager: str,
        *,
        force: bool | None = None,
        subresource: str | None = None,
        dry_run: Any = None,
        field_validation: str | None = None,
    ) -> T:
        """Server-side apply (client-go `Apply`): an apply patch named after the object."""
        name = _metadata_field(obj, "name")
        if name is None:
            raise ValueError("apply needs an object with metadata.name")
        return self.patch(
            name,
            obj,
            "apply",
            subresource=subresource,
            dry_run=dry_run,
            field_manager=field_manager,
            field_validation=field_validation,
            force=force,
        )

    def list(
        self,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        limit: int | None = None,
        continue_: str | None = None,
        resource_version: str | None = None,
        resource_version_match: str | None = None,
        timeout_seconds: int | None = None,
    ) -> Any:
        """GET the collection; returns the XxxList model (`.items`, `.metadata.continue_`).

        `continue_` is the token of the previous page (Go's `Continue`; `continue` is a
        Python keyword). For every page of a big list, see `rawkube.tools.pager.ListPager`.
        """
        req = self._list_req(
            "list",
            label_selector=label_selector,
            field_selector=field_selector,
            limit=limit,
            continue_=continue_,
            resource_version=resource_version,
            resource_version_match=resource_version_match,
            timeout_seconds=timeout_seconds,
        )
        return self._decode_list(req.do().json())

    def watch(
        self,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        resource_version: str | None = None,
        resource_version_match: str | None = None,
        timeout_seconds: int | None = None,
        allow_watch_bookmarks: bool | None = None,
        send_initial_events: bool | None = None,
    ) -> Watch:
        """Open a watch; iterate for `WatchEvent`s whose `.object` is the model.

        A context manager with `.stop()`. An ERROR event is raised as its StatusError (410
        Gone/Expired: start again from a fresh list; `rawkube.tools.watcher.RetryWatcher`
        does that for you).
        """
        req = self._list_req(
            "watch",
            label_selector=label_selector,
            field_selector=field_selector,
            resource_version=resource_version,
            resource_version_match=resource_version_match,
            timeout_seconds=timeout_seconds,
            allow_watch_bookmarks=allow_watch_bookmarks,
            send_initial_events=send_initial_events,
        )
        watch: Watch = req.watch(self._decode)
        return watch

    def delete(
        self,
        name: str,
        *,
        propagation_policy: str | None = None,
        grace_period_seconds: int | None = None,
        preconditions: Mapping[str, Any] | None = None,
        dry_run: Any = None,
    ) -> T | dict[str, Any]:
        """DELETE one object.

        The answer is what the server sends: the object itself while it still exists (Foreground
        and Orphan add a finalizer, so the object lives on, see fixtures 041/043), else a
        `Status` dict (Background, fixture 042).
        """
        req = self._delete_req(
            name,
            propagation_policy=propagation_policy,
            grace_period_seconds=grace_period_seconds,
            preconditions=preconditions,
            dry_run=dry_run,
        )
        return self._decode(req.do().json())

    def delete_collection(
        self,
        *,
        propagation_policy: str | None = None,
        grace_period_seconds: int | None = None,
        preconditions: Mapping[str, Any] | None = None,
        dry_run: Any = None,
        **list_opts: Any,
    ) -> Any:
        """DELETE the collection (filtered by the list options); returns the list or a Status."""
        req = self._delete_req(
            None,
            propagation_policy=propagation_policy,
            grace_period_seconds=grace_period_seconds,
            preconditions=preconditions,
            dry_run=dry_run,
            list_options=list_opts,
        )
        return self._decode_list(req.do().json())

    def get_scale(self, name: str) -> Any:
        """GET the `/scale` subresource (an autoscaling/v1 Scale)."""
        return _decode_scale(self._scale_get_req(name).do().json())

    def update_scale(
        self,
        name: str,
        scale: Any,
        *,
        dry_run: Any = None,
        field_manager: str | None = None,
        field_validation: str | None = None,
    ) -> Any:
        """PUT the `/scale` subresource."""
        req = self._scale_update_req(
            name,
            scale,
            dry_run=dry_run,
            field_manager=field_manager,
            field_validation=field_validation,
        )
        return _decode_scale(req.do().json())

    # -- pods only -------------------------------------------------------------------------------

    def get_log(
        self,
        name: str,
        *,
        container: str | None = None,
        previous: bool = False,
        since_seconds: int | None = None,
        since_time: str | None = None,
        timestamps: bool = False,
        tail_lines: int | None = None,
        limit_bytes: int | None = None,
    ) -> str:
        """The container log as text (`GET pods/{name}/log`; empty while the pod is Pending)."""
        req = self._log_req(
            name,
            container=container,
            follow=False,
            previous=previous,
            since_seconds=since_seconds,
            since_time=since_time,
            timestamps=timestamps,
            tail_lines=tail_lines,
            limit_bytes=limit_bytes,
        )
        raw: bytes = req.do().raw()
        return raw.decode("utf-8", errors="replace")

    def stream_log(
        self,
        name: str,
        *,
        container: str | None = None,
        previous: bool = False,
        since_seconds: int | None = None,
        since_time: str | None = None,
        timestamps: bool = False,
        tail_lines: int | None = None,
        limit_bytes: int | None = None,
    ) -> Iterator[str]:
        """Follow the log (`follow=true`), yielding lines as the server writes them."""
        req = self._log_req(
            name,
            container=container,
            follow=True,
            previous=previous,
            since_seconds=since_seconds,
            since_time=since_time,
            timestamps=timestamps,
            tail_lines=tail_lines,
            limit_bytes=limit_bytes,
        )
        pending = b""
        for chunk in req.stream():
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                yield line.decode("utf-8", errors="replace")
        if pending:
            yield pending.decode("utf-8", errors="replace")

    def evict(
        self,
        name: str,
        *,
        propagation_policy: str | None = None,
        grace_period_seconds: int | None = None,
        preconditions: Mapping[str, Any] | None = None,
        dry_run: Any = None,
    ) -> dict[str, Any]:
        """POST a policy/v1 Eviction to `pods/{name}/eviction`; returns the server's Status."""
        req = self._evict_req(
            name,
            propagation_policy=propagation_policy,
            grace_period_seconds=grace_period_seconds,
            preconditions=preconditions,
            dry_run=dry_run,
        )
        result: dict[str, Any] = req.do().json()
        return result


class AsyncResourceClient(_ResourceBase, Generic[T]):
    """The async twin of `ResourceClient`: same methods and keyword arguments, awaited.

    Requests are built by the same `_ResourceBase` code; only sending differs.
    """

    __slots__ = ()

    async def create(
        self,
        obj: T | Mapping[str, Any],
        *,
        dry_run: Any = None,
        field_manager: str | None = None,
        field_validation: str | None = None,
    ) -> T:
        req = self._create_req(
            obj, dry_run=dry_run, field_manager=field_manager, field_validation=field_validation
        )
        return self._decode((await req.do()).json())

    async def get(self, name: str, *, resource_version: str | None = None) -> T:
        req = self._get_req(name, resource_version=resource_version)
        return self._decode((await req.do()).json())

    async def update(
        self,
        obj: T | Mapping[str, Any],
        *,
        dry_run: Any = None,
        field_manager: str | None = None,
        field_validation: str | None = None,
    ) -> T:
        req = self._update_req(
            obj,
            None,
            dry_run=dry_run,
            field_manager=field_manager,
            field_validation=field_validation,
        )
        return self._decode((await req.do()).json())

    async def update_status(
        self,
        obj: T | Mapping[str, Any],
        *,
        dry_run: Any = None,
        field_manager: str | None = None,
        field_validation: str | None = None,
    ) -> T:
        req = self._update_req(
            obj,
            "status",
            dry_run=dry_run,
            field_manager=field_manager,
            field_validation=field_validation,
        )
        return self._decode((await req.do()).json())

    async def patch(
        self,
        name: str,
        body: Any,
        patch_type: str = "merge",
        *,
        subresource: str | None = None,
        dry_run: Any = None,
        field_manager: str | None = None,
        field_validation: str | None = None,
        force: bool | None = None,
    ) -> T:
        req = self._patch_req(
            name,
            body,
            patch_type,
            subresource,
            dry_run=dry_run,
            field_manager=field_manager,
            field_validation=field_validation,
            force=force,
        )
        return self._decode((await req.do()).json())

    async def apply(
        self,
        obj: T | Mapping[str, Any],
        field_manager: str,
        *,
        force: bool | None = None,
        subresource: str | None = None,
        dry_run: Any = None,
        field_validation: str | None = None,
    ) -> T:
        name = _metadata_field(obj, "name")
        if name is None:
            raise ValueError("apply needs an object with metadata.name")
        return await self.patch(
            name,
            obj,
            "apply",
            subresource=subresource,
            dry_run=dry_run,
            field_manager=field_manager,
            field_validation=field_validation,
            force=force,
        )

    async def list(
        self,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        limit: int | None = None,
        continue_: str | None = None,
        resource_version: str | None = None,
        resource_version_match: str | None = None,
        timeout_seconds: int | None = None,
    ) -> Any:
        req = self._list_req(
            "list",
            label_selector=label_selector,
            field_selector=field_selector,
            limit=limit,
            continue_=continue_,
            resource_version=resource_version,
            resource_version_match=resource_version_match,
            timeout_seconds=timeout_seconds,
        )
        return self._decode_list((await req.do()).json())

    def watch(
        self,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        resource_version: str | None = None,
        resource_version_match: str | None = None,
        timeout_seconds: int | None = None,
        allow_watch_bookmarks: bool | None = None,
        send_initial_events: bool | None = None,
    ) -> AsyncWatch:
        """An async iterator of WatchEvents (`async for ev in client.watch(...)`)."""
        req = self._list_req(
            "watch",
            label_selector=label_selector,
            field_selector=field_selector,
            resource_version=resource_version,
            resource_version_match=resource_version_match,
            timeout_seconds=timeout_seconds,
            allow_watch_bookmarks=allow_watch_bookmarks,
            send_initial_events=send_initial_events,
        )
        watch: AsyncWatch = req.watch(self._decode)
        return watch

    async def delete(
        self,
        name: str,
        *,
        propagation_policy: str | None = None,
        grace_period_seconds: int | None = None,
        preconditions: Mapping[str, Any] | None = None,
        dry_run: Any = None,
    ) -> T | dict[str, Any]:
        req = self._delete_req(
            name,
            propagation_policy=propagation_policy,
            grace_period_seconds=grace_period_seconds,
            preconditions=preconditions,
            dry_run=dry_run,
        )
        return self._decode((await req.do()).json())

    async def delete_collection(
        self,
        *,
        propagation_policy: str | None = None,
        grace_period_seconds: int | None = None,
        preconditions: Mapping[str, Any] | None = None,
        dry_run: Any = None,
        **list_opts: Any,
    ) -> Any:
        req = self._delete_req(
            None,
            propagation_policy=propagation_policy,
            grace_period_seconds=grace_period_seconds,
            preconditions=preconditions,
            dry_run=dry_run,
            list_options=list_opts,
        )
        return self._decode_list((await req.do()).json())

    async def get_scale(self, name: str) -> Any:
        return _decode_scale((await self._scale_get_req(name).do()).json())

    async def update_scale(
        self,
        name: str,
        scale: Any,
        *,
        dry_run: Any = None,
        field_manager: str | None = None,
        field_validation: str | None = None,
    ) -> Any:
        req = self._scale_update_req(
            name,
            scale,
            dry_run=dry_run,
            field_manager=field_manager,
            field_validation=field_validation,
        )
        return _decode_scale((await req.do()).json())

    async def get_log(
        self,
        name: str,
        *,
        container: str | None = None,
        previous: bool = False,
        since_seconds: int | None = None,
        since_time: str | None = None,
        timestamps: bool = False,
        tail_lines: int | None = None,
        limit_bytes: int | None = None,
    ) -> str:
        req = self._log_req(
            name,
            container=container,
            follow=False,
            previous=previous,
            since_seconds=since_seconds,
            since_time=since_time,
            timestamps=timestamps,
            tail_lines=tail_lines,
            limit_bytes=limit_bytes,
        )
        raw: bytes = (await req.do()).raw()
        return raw.decode("utf-8", errors="replace")

    async def stream_log(
        self,
        name: str,
        *,
        container: str | None = None,
        previous: bool = False,
        since_seconds: int | None = None,
        since_time: str | None = None,
        timestamps: bool = False,
        tail_lines: int | None = None,
        limit_bytes: int | None = None,
    ) -> AsyncIterator[str]:
        req = self._log_req(
            name,
            container=container,
            follow=True,
            previous=previous,
            since_seconds=since_seconds,
            since_time=since_time,
            timestamps=timestamps,
            tail_lines=tail_lines,
            limit_bytes=limit_bytes,
        )
        pending = b""
        async for chunk in req.stream():
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                yield line.decode("utf-8", errors="replace")
        if pending:
            yield pending.decode("utf-8", errors="replace")

    async def evict(
        self,
        name: str,
        *,
        propagation_policy: str | None = None,
        grace_period_seconds: int | None = None,
        preconditions: Mapping[str, Any] | None = None,
        dry_run: Any = None,
    ) -> dict[str, Any]:
        req = self._evict_req(
            name,
            propagation_policy=propagation_policy,
            grace_period_seconds=grace_period_seconds,
            preconditions=preconditions,
            dry_run=dry_run,
        )
        result: dict[str, Any] = (await req.do()).json()
        return result


class GroupClient:
    """The client of one API group/version (client-go's generated `AppsV1Client`).

    Generated subclasses set `group` / `version` and add one method per resource, e.g.
    `def deployments(self, namespace=None): return self._resource(DEPLOYMENTS, namespace)`.
    `rest` is the `RESTClient` for that group/version (`Clientset._group` makes it).
    """

    group: ClassVar[str] = ""
    version: ClassVar[str] = "v1"

    def __init__(self, rest: Any) -> None:
        self._rest = rest

    @property
    def rest_client(self) -> Any:
        """The underlying RESTClient (client-go `RESTClient()`)."""
        return self._rest

    def _resource(self, info: ResourceInfo, namespace: str | None = None) -> ResourceClient[Any]:
        return ResourceClient(self._rest, info, namespace)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({GroupVersion(self.group, self.version)})"


class AsyncGroupClient(GroupClient):
    """Async twin of `GroupClient`: `_resource` gives `AsyncResourceClient`s."""

    def _resource(  # type: ignore[override]
        self, info: ResourceInfo, namespace: str | None = None
    ) -> AsyncResourceClient[Any]:
        return AsyncResourceClient(self._rest, info, namespace)


__all__ = [
    "AsyncGroupClient",
    "AsyncResourceClient",
    "GroupClient",
    "ResourceClient",
    "ResourceInfo",
    "UnsupportedVerb",
    "eviction_body",
    "import_model",
    "is_status",
    "log_params",
]
