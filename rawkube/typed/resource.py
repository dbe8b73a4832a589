"""Typed resource clients: the hand-written core under the generated clientset.

client-go generates one file per resource (e.g. `typed/apps/v1/deployment.go`) whose methods are
all the same few lines: build a request on the group's RESTClient, send it, decode the answer into
the Go type. Here that shared shape is written once, in `ResourceClient`, and the generated code
(`rawkube/typed/_generated.py`) only describes each resource with a `ResourceInfo`:

    AppsV1Client(rest).deployments("default")  ->  ResourceClient[Deployment]

Requests are built by the `rawkube.rest` builder; the keyword options (label_selector, dry_run,
propagation_policy, ...) are turned into query parameters and DeleteOptions bodies by
`rawkube.rest.options`, shared with the dynamic client so both speak exactly the same dialect.

Sync and async differ only in the lines that send: `_ResourceBase` plans every verb (the
request, and how to read its answer) and `ResourceClient` / `AsyncResourceClient` only send
the plan, with or without `await`.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Generic, NamedTuple, TypeVar

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


def _decode_scale(data: Any) -> Any:
    """Scale subresources answer with autoscaling/v1 Scale; decode it if the model exists."""
    if not isinstance(data, dict) or is_status(data):
        return data
    try:
        return import_model("autoscaling_v1:Scale").from_dict(data)
    except (ImportError, AttributeError):  # models not generated: a plain dict still works
        return data


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


class _LineBuffer:
    """Log framing, sans-IO: feed it byte chunks, get back the complete lines as text."""

    __slots__ = ("_pending",)

    def __init__(self) -> None:
        self._pending = b""

    def feed(self, chunk: bytes) -> list[str]:
        self._pending += chunk
        *lines, self._pending = self._pending.split(b"\n")
        return [_text(line) for line in lines]

    def close(self) -> list[str]:
        """The last line, when the stream did not end with a newline."""
        return [_text(self._pending)] if self._pending else []


class _Plan(NamedTuple):
    """One verb, planned without I/O: the request to send and how to read its `Result`.

    A client-go verb is one chain, `c.client.Put().Namespace(ns).Resource("deployments").
    Name(name).VersionedParams(&opts).Body(obj).Do(ctx).Into(result)`; a plan is that chain
    without `.Do(ctx)`, the only step where the sync and async clients differ.
    """

    request: Any
    read: Callable[[Any], Any]


class _ResourceBase:
    """Everything the sync and async clients share: one `_plan_<verb>` per verb (no I/O here).

    Each plan takes the public method's arguments, in the public signature's order, and
    returns the request (path, query parameters from `rawkube.rest.options`, body, headers)
    together with the function that turns the answer into what the method returns.
    """

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

    # What a plan's `read` does with the `Result` (bound methods, so that the dynamic client's
    # `_decode` / `_decode_list` overrides apply).
    def _read_object(self, result: Any) -> Any:
        return self._decode(result.json())

    def _read_list(self, result: Any) -> Any:
        return self._decode_list(result.json())

    @staticmethod
    def _read_scale(result: Any) -> Any:
        return _decode_scale(result.json())

    @staticmethod
    def _read_json(result: Any) -> Any:
        return result.json()

    @staticmethod
    def _read_text(result: Any) -> str:
        return _text(result.raw())

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
        """Point a request at this resource, in this client's (or the object's) namespace.

        An empty namespace is kept as such, never dropped: client-go's typed clients always
        pass one (`Pods("")` lists across namespaces) and refuse it for a create or a named
        request (rest/request.go `requestPreflightCheck`), which would otherwise go to the
        cluster-scoped path (issue 12, item 10). A typed client made without a namespace is
        `Pods("")`; only the dynamic client, which cannot tell (no discovery data), treats a
        missing namespace as "cluster-scoped".
        """
        if self.info.namespaced:
            ns = self._namespace or namespace
            if not ns:
                ns = self._namespace
                if ns is None and self.info.verbs:
                    ns = ""
            if ns is not None:
                req = req.namespace(ns)
        return req.resource(self.info.resource)

    # -- one plan per verb ---------------------------------------------------------------------

    def _plan_create(
        self, obj: Any, dry_run: Any, field_manager: str | None, field_validation: str | None
    ) -> _Plan:
        self._check("create")
        req = self._on(self._rest.post(), _metadata_field(obj, "namespace"))
        req = req.params(options.write_params(dry_run, field_manager, field_validation))
        return _Plan(req.body(_to_wire(obj)), self._read_object)

    def _plan_get(self, name: str, resource_version: str | None) -> _Plan:
        self._check("get")
        req = self._on(self._rest.get()).name(name)
        req = req.params(options.get_params(resource_version=resource_version))
        return _Plan(req, self._read_object)

    def _plan_update(
        self,
        obj: Any,
        subresource: str | None,
        dry_run: Any,
        field_manager: str | None,
        field_validation: str | None,
    ) -> _Plan:
        """`update` (subresource None) and `update_status` ("status")."""
        self._check("update", subresource)
        name = _metadata_field(obj, "name")
        if name is None:
            raise ValueError("update needs an object with metadata.name")
        req = self._on(self._rest.put(), _metadata_field(obj, "namespace")).name(name)
        if subresource:
            req = req.sub_resource(subresource)
        req = req.params(options.write_params(dry_run, field_manager, field_validation))
        return _Plan(req.body(_to_wire(obj)), self._read_object)

    def _plan_patch(
        self,
        name: str,
        body: Any,
        patch_type: str,
        subresource: str | None,
        dry_run: Any,
        field_manager: str | None,
        field_validation: str | None,
        force: bool | None,
    ) -> _Plan:
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
        return _Plan(req.params(query).body(_to_wire(body)), self._read_object)

    def _plan_apply(
        self,
        obj: Any,
        field_manager: str,
        force: bool | None,
        subresource: str | None,
        dry_run: Any,
        field_validation: str | None,
    ) -> _Plan:
        """Server-side apply is an apply patch named after the object (client-go `Apply`)."""
        name = _metadata_field(obj, "name")
        if name is None:
            raise ValueError("apply needs an object with metadata.name")
        return self._plan_patch(
            name, obj, "apply", subresource, dry_run, field_manager, field_validation, force
        )

    def _plan_list(
        self,
        label_selector: str | None,
        field_selector: str | None,
        limit: int | None,
        continue_: str | None,
        resource_version: str | None,
        resource_version_match: str | None,
        timeout_seconds: int | None,
    ) -> _Plan:
        self._check("list")
        query = options.list_params(
            label_selector=label_selector,
            field_selector=field_selector,
            limit=limit,
            continue_=continue_,
            resource_version=resource_version,
            resource_version_match=resource_version_match,
            timeout_seconds=timeout_seconds,
        )
        return _Plan(self._on(self._rest.get()).params(query), self._read_list)

    def _watch_request(
        self,
        label_selector: str | None,
        field_selector: str | None,
        resource_version: str | None,
        resource_version_match: str | None,
        timeout_seconds: int | None,
        allow_watch_bookmarks: bool | None,
        send_initial_events: bool | None,
    ) -> Any:
        """The request of `watch`; `req.watch(self._decode)` decodes each event's object."""
        self._check("watch")
        query = options.watch_params(
            label_selector=label_selector,
            field_selector=field_selector,
            resource_version=resource_version,
            resource_version_match=resource_version_match,
            timeout_seconds=timeout_seconds,
            allow_watch_bookmarks=allow_watch_bookmarks,
            send_initial_events=send_initial_events,
        )
        return self._on(self._rest.get()).params(query)

    def _plan_delete(
        self,
        name: str | None,
        propagation_policy: str | None,
        grace_period_seconds: int | None,
        preconditions: Mapping[str, Any] | None,
        dry_run: Any,
        list_opts: Mapping[str, Any] | None = None,
    ) -> _Plan:
        """DELETE one object (`name`), or the collection (None) filtered by `list_opts`."""
        self._check("delete" if name is not None else "deletecollection")
        req = self._on(self._rest.delete())
        if name is not None:
            req = req.name(name)
        if list_opts:
            req = req.params(options.list_params(**list_opts))
        body = options.delete_options(
            propagation_policy=propagation_policy,
            grace_period_seconds=grace_period_seconds,
            preconditions=preconditions,
            dry_run=dry_run,
        )
        if body is not None:
            req = req.body(body)
        return _Plan(req, self._read_object if name is not None else self._read_list)

    def _plan_get_scale(self, name: str) -> _Plan:
        self._check("get", "scale")
        req = self._on(self._rest.get()).name(name).sub_resource("scale")
        return _Plan(req, self._read_scale)

    def _plan_update_scale(
        self,
        name: str,
        scale: Any,
        dry_run: Any,
        field_manager: str | None,
        field_validation: str | None,
    ) -> _Plan:
        self._check("update", "scale")
        req = self._on(self._rest.put()).name(name).sub_resource("scale")
        req = req.params(options.write_params(dry_run, field_manager, field_validation))
        return _Plan(req.body(_to_wire(scale)), self._read_scale)

    def _plan_get_log(
        self,
        name: str,
        container: str | None,
        previous: bool,
        since_seconds: int | None,
        since_time: str | None,
        timestamps: bool,
        tail_lines: int | None,
        limit_bytes: int | None,
    ) -> _Plan:
        """`GET pods/{name}/log`, read whole (`stream_log` adds `follow=true` and streams it)."""
        self._check("get", "log")
        query = log_params(
            container=container,
            previous=previous,
            since_seconds=since_seconds,
            since_time=since_time,
            timestamps=timestamps,
            tail_lines=tail_lines,
            limit_bytes=limit_bytes,
        )
        req = self._on(self._rest.get()).name(name).sub_resource("log").params(query)
        return _Plan(req, self._read_text)

    def _plan_evict(
        self,
        name: str,
        propagation_policy: str | None,
        grace_period_seconds: int | None,
        preconditions: Mapping[str, Any] | None,
        dry_run: Any,
    ) -> _Plan:
        self._check("create", "eviction")
        req = self._on(self._rest.post()).name(name).sub_resource("eviction")
        body = eviction_body(
            name,
            self._namespace or "default",
            propagation_policy=propagation_policy,
            grace_period_seconds=grace_period_seconds,
            preconditions=preconditions,
            dry_run=dry_run,
        )
        return _Plan(req.body(body), self._read_json)


class ResourceClient(_ResourceBase, Generic[T]):
    """One resource in one namespace (client-go's generated `DeploymentInterface` & co.).

    Every method sends one HTTP request (log streaming and watch keep theirs open).
    Keyword options are the same as the dynamic client's and map 1:1 to the Kubernetes
    query parameters / DeleteOptions fields (`rawkube.rest.options`).
    """

    __slots__ = ()

    @staticmethod
    def _run(plan: _Plan) -> Any:
        """Send a planned request and read its answer (the sync `Do(ctx).Into(...)`)."""
        return plan.read(plan.request.do())

    def create(
        self,
        obj: T | Mapping[str, Any],
        *,
        dry_run: Any = None,
        field_manager: str | None = None,
        field_validation: str | None = None,
    ) -> T:
        """POST the object to the collection; the server answers 201 with the stored object."""
        return self._run(self._plan_create(obj, dry_run, field_manager, field_validation))

    def get(self, name: str, *, resource_version: str | None = None) -> T:
        """GET one object by name."""
        return self._run(self._plan_get(name, resource_version))

    def update(
        self,
        obj: T | Mapping[str, Any],
        *,
        dry_run: Any = None,
        field_manager: str | None = None,
        field_validation: str | None = None,
    ) -> T:
        """PUT the whole object; 409 Conflict if its resourceVersion is stale."""
        return self._run(self._plan_update(obj, None, dry_run, field_manager, field_validation))

    def update_status(
        self,
        obj: T | Mapping[str, Any],
        *,
        dry_run: Any = None,
        field_manager: str | None = None,
        field_validation: str | None = None,
    ) -> T:
        """PUT the object to its `/status` subresource (only status changes are kept)."""
        plan = self._plan_update(obj, "status", dry_run, field_manager, field_validation)
        return self._run(plan)

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
        plan = self._plan_patch(
            name, body, patch_type, subresource, dry_run, field_manager, field_validation, force
        )
        return self._run(plan)

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
        plan = self._plan_apply(obj, field_manager, force, subresource, dry_run, field_validation)
        return self._run(plan)

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
        plan = self._plan_list(
            label_selector,
            field_selector,
            limit,
            continue_,
            resource_version,
            resource_version_match,
            timeout_seconds,
        )
        return self._run(plan)

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
        req = self._watch_request(
            label_selector,
            field_selector,
            resource_version,
            resource_version_match,
            timeout_seconds,
            allow_watch_bookmarks,
            send_initial_events,
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
        plan = self._plan_delete(
            name, propagation_policy, grace_period_seconds, preconditions, dry_run
        )
        return self._run(plan)

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
        plan = self._plan_delete(
            None, propagation_policy, grace_period_seconds, preconditions, dry_run, list_opts
        )
        return self._run(plan)

    def get_scale(self, name: str) -> Any:
        """GET the `/scale` subresource (an autoscaling/v1 Scale)."""
        return self._run(self._plan_get_scale(name))

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
        plan = self._plan_update_scale(name, scale, dry_run, field_manager, field_validation)
        return self._run(plan)

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
        plan = self._plan_get_log(
            name,
            container,
            previous,
            since_seconds,
            since_time,
            timestamps,
            tail_lines,
            limit_bytes,
        )
        return self._run(plan)

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
        plan = self._plan_get_log(
            name,
            container,
            previous,
            since_seconds,
            since_time,
            timestamps,
            tail_lines,
            limit_bytes,
        )
        req = plan.request.param("follow", True)
        lines = _LineBuffer()
        for chunk in req.stream():
            yield from lines.feed(chunk)
        yield from lines.close()

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
        plan = self._plan_evict(
            name, propagation_policy, grace_period_seconds, preconditions, dry_run
        )
        return self._run(plan)


class AsyncResourceClient(_ResourceBase, Generic[T]):
    """The async twin of `ResourceClient`: same methods and keyword arguments, awaited.

    Requests are planned by the same `_ResourceBase` code; only sending differs (`await`).
    """

    __slots__ = ()

    @staticmethod
    async def _run(plan: _Plan) -> Any:
        """Send a planned request and read its answer (the awaited `Do(ctx).Into(...)`)."""
        return plan.read(await plan.request.do())

    async def create(
        self,
        obj: T | Mapping[str, Any],
        *,
        dry_run: Any = None,
        field_manager: str | None = None,
        field_validation: str | None = None,
    ) -> T:
        return await self._run(self._plan_create(obj, dry_run, field_manager, field_validation))

    async def get(self, name: str, *, resource_version: str | None = None) -> T:
        return await self._run(self._plan_get(name, resource_version))

    async def update(
        self,
        obj: T | Mapping[str, Any],
        *,
        dry_run: Any = None,
        field_manager: str | None = None,
        field_validation: str | None = None,
    ) -> T:
        plan = self._plan_update(obj, None, dry_run, field_manager, field_validation)
        return await self._run(plan)

    async def update_status(
        self,
        obj: T | Mapping[str, Any],
        *,
        dry_run: Any = None,
        field_manager: str | None = None,
        field_validation: str | None = None,
    ) -> T:
        plan = self._plan_update(obj, "status", dry_run, field_manager, field_validation)
        return await self._run(plan)

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
        plan = self._plan_patch(
            name, body, patch_type, subresource, dry_run, field_manager, field_validation, force
        )
        return await self._run(plan)

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
        plan = self._plan_apply(obj, field_manager, force, subresource, dry_run, field_validation)
        return await self._run(plan)

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
        plan = self._plan_list(
            label_selector,
            field_selector,
            limit,
            continue_,
            resource_version,
            resource_version_match,
            timeout_seconds,
        )
        return await self._run(plan)

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
        req = self._watch_request(
            label_selector,
            field_selector,
            resource_version,
            resource_version_match,
            timeout_seconds,
            allow_watch_bookmarks,
            send_initial_events,
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
        plan = self._plan_delete(
            name, propagation_policy, grace_period_seconds, preconditions, dry_run
        )
        return await self._run(plan)

    async def delete_collection(
        self,
        *,
        propagation_policy: str | None = None,
        grace_period_seconds: int | None = None,
        preconditions: Mapping[str, Any] | None = None,
        dry_run: Any = None,
        **list_opts: Any,
    ) -> Any:
        plan = self._plan_delete(
            None, propagation_policy, grace_period_seconds, preconditions, dry_run, list_opts
        )
        return await self._run(plan)

    async def get_scale(self, name: str) -> Any:
        return await self._run(self._plan_get_scale(name))

    async def update_scale(
        self,
        name: str,
        scale: Any,
        *,
        dry_run: Any = None,
        field_manager: str | None = None,
        field_validation: str | None = None,
    ) -> Any:
        plan = self._plan_update_scale(name, scale, dry_run, field_manager, field_validation)
        return await self._run(plan)

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
        plan = self._plan_get_log(
            name,
            container,
            previous,
            since_seconds,
            since_time,
            timestamps,
            tail_lines,
            limit_bytes,
        )
        return await self._run(plan)

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
        plan = self._plan_get_log(
            name,
            container,
            previous,
            since_seconds,
            since_time,
            timestamps,
            tail_lines,
            limit_bytes,
        )
        req = plan.request.param("follow", True)
        lines = _LineBuffer()
        async for chunk in req.stream():
            for line in lines.feed(chunk):
                yield line
        for line in lines.close():
            yield line

    async def evict(
        self,
        name: str,
        *,
        propagation_policy: str | None = None,
        grace_period_seconds: int | None = None,
        preconditions: Mapping[str, Any] | None = None,
        dry_run: Any = None,
    ) -> dict[str, Any]:
        plan = self._plan_evict(
            name, propagation_policy, grace_period_seconds, preconditions, dry_run
        )
        return await self._run(plan)


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
