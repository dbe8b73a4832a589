"""Typed resource clients: the hand-written core under the generated clientset.

client-go generates one file per resource (e.g. `typed/apps/v1/deployment.go`) whose methods are
all the same few lines: build a request on the group's RESTClient, send it, decode the answer into
the Go type. Here that shared shape is written once, in `ResourceClient`, and the generated code
(`rawkube/typed/_generated.py`) only describes each resource with a `ResourceInfo`:

    AppsV1Client(rest).deployments("default")  ->  ResourceClient[Deployment]

Requests are built by the `rawkube.rest` builder; the keyword options (label_selector, dry_run,
propagation_policy, ...) are built once per call into the frozen options of
`rawkube.rest.options` (validated there), shared with the dynamic client so both speak exactly
the same dialect.

Written once for sync and async: every verb is defined once, in `_ResourceClientBase`, as "build
the request, then run the executor's flow on the group's RESTClient" (`rest.run(...)`). A
`RESTClient` drives the flow in place and the method returns the object; an `AsyncRESTClient`
drives it with `await` and the same method returns an awaitable. `ResourceClient[T]` and
`AsyncResourceClient[T]` only name the return types (type parameters of the base); they add no
code.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import field
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from rawkube._record import record
from rawkube.errors import RawkubeError
from rawkube.meta import meta_field
from rawkube.rest.options import (
    EMPTY_GET,
    CreateOptions,
    DeleteOptions,
    GetOptions,
    ListOptions,
    PatchOptions,
    UpdateOptions,
    WatchOptions,
)
from rawkube.rest.watch import AsyncWatch, Watch
from rawkube.schema import GroupVersion, GroupVersionKind, GroupVersionResource

if TYPE_CHECKING:
    from rawkube.flow import Flow
    from rawkube.rest.request import Request
    from rawkube.rest.result import Result

    # the session types of exec/attach/port-forward (named in strings in the class bases)
    from rawkube.stream.portforward import (  # noqa: F401
        AsyncPortForward,
        AsyncTunnel,
        PortForward,
        TunnelSocket,
    )
    from rawkube.stream.remotecommand import AsyncExecStream, ExecResult, ExecStream  # noqa: F401

T = TypeVar("T")
# What the verbs of `_ResourceClientBase` return: the value (sync) or an awaitable (async).
InT = TypeVar("InT")  # the model the verbs accept (T for both kinds of client)
ObjT = TypeVar("ObjT")  # one object: create, get, update, update_status, patch, apply
AnyT = TypeVar("AnyT")  # a list, a Scale, a Status: list, delete_collection, *_scale
DelT = TypeVar("DelT")  # delete: the object or a Status dict
StrT = TypeVar("StrT")  # get_log
DictT = TypeVar("DictT")  # evict
WatchT = TypeVar("WatchT")  # watch: Watch or AsyncWatch
LinesT = TypeVar("LinesT")  # stream_log: Iterator[str] or AsyncIterator[str]
ExecT = TypeVar("ExecT")  # exec: ExecResult
SessionT = TypeVar("SessionT")  # exec_stream, attach: ExecStream or AsyncExecStream
ForwardT = TypeVar("ForwardT")  # port_forward: PortForward or AsyncPortForward (started)
TunnelT = TypeVar("TunnelT")  # open_port: TunnelSocket or AsyncTunnel

# Where `"module:Class"` strings point when the module has no package part.
_MODELS_PACKAGE = "rawkube.models"


@record()
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
    """`metadata.name` / `metadata.namespace` of a model or a dict (None when empty)."""
    return meta_field(obj, name) or None


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
    delete = DeleteOptions(
        propagation_policy=propagation_policy,
        grace_period_seconds=grace_period_seconds,
        preconditions=preconditions,
        dry_run=dry_run,
    ).to_body()
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


class LineBuffer:
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


def _call(rest: Any, req: Request, read: Callable[[Result], Any]) -> Flow[Any]:
    """One verb as a flow: the executor's `do`, then read the Result (client-go's
    `Do(ctx).Into(obj)`)."""
    result = yield from rest.core.do(req)
    return read(result)


class _ResourceClientBase(
    Generic[InT, ObjT, AnyT, DelT, StrT, DictT, WatchT, LinesT, ExecT, SessionT, ForwardT, TunnelT]
):
    """Every verb of a resource, written once for both kinds of RESTClient.

    `rest` is the group/version's `RESTClient` or `AsyncRESTClient`: a verb builds its
    request (path, query from the options value, body, headers) and returns `rest.run(...)` of
    the one flow that sends it and reads the answer; `rest` decides whether that is the
    object, or an awaitable of it. Every method that sends one request takes `timeout=`
    (seconds for the whole call: `Request.timeout`, default `Config.timeout`).
    """

    # A resource client is made on every `cs.apps_v1().deployments(ns)` call: keep it small.
    __slots__ = ("_namespace", "_rest", "info")

    def __init__(self, rest: Any, info: ResourceInfo, namespace: str | None = None) -> None:
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

    # How the answer becomes what a verb returns (bound methods, so that the dynamic
    # client's `_decode` / `_decode_list` overrides apply).
    def _read_object(self, result: Result) -> Any:
        return self._decode(result.json())

    def _read_list(self, result: Result) -> Any:
        return self._decode_list(result.json())

    @staticmethod
    def _read_scale(result: Result) -> Any:
        return _decode_scale(result.json())

    @staticmethod
    def _read_json(result: Result) -> Any:
        return result.json()

    @staticmethod
    def _read_text(result: Result) -> str:
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

    def _send(self, req: Any, read: Callable[[Result], Any], timeout: float | None) -> Any:
        """Run the verb's flow on the RESTClient: the answer, or an awaitable of it."""
        if timeout is not None:
            req.timeout(timeout)
        return self._rest.run(_call(self._rest, req, read))

    def _named(self, obj: Any, verb: str) -> str:
        name = _metadata_field(obj, "name")
        if name is None:
            raise ValueError(f"{verb} needs an object with metadata.name")
        return name

    # -- the verbs -----------------------------------------------------------------------------

    def create(
        self,
        obj: InT | Mapping[str, Any],
        *,
        dry_run: Any = None,
        field_manager: str | None = None,
        field_validation: str | None = None,
        timeout: float | None = None,
    ) -> ObjT:
        """POST the object to the collection; the server answers 201 with the stored object."""
        self._check("create")
        opts = CreateOptions(
            dry_run=dry_run, field_manager=field_manager, field_validation=field_validation
        )
        req = self._on(self._rest.post(), _metadata_field(obj, "namespace")).options(opts)
        result: ObjT = self._send(req.body(_to_wire(obj)), self._read_object, timeout)
        return result

    def get(
        self, name: str, *, resource_version: str | None = None, timeout: float | None = None
    ) -> ObjT:
        """GET one object by name."""
        self._check("get")
        opts = (
            EMPTY_GET if resource_version is None else GetOptions(resource_version=resource_version)
        )
        req = self._on(self._rest.get()).name(name).options(opts)
        result: ObjT = self._send(req, self._read_object, timeout)
        return result

    def update(
        self,
        obj: InT | Mapping[str, Any],
        *,
        dry_run: Any = None,
        field_manager: str | None = None,
        field_validation: str | None = None,
        timeout: float | None = None,
    ) -> ObjT:
        """PUT the whole object; 409 Conflict if its resourceVersion is stale."""
        opts = UpdateOptions(
            dry_run=dry_run, field_manager=field_manager, field_validation=field_validation
        )
        result: ObjT = self._put(obj, None, opts, timeout)
        return result

    def update_status(
        self,
        obj: InT | Mapping[str, Any],
        *,
        dry_run: Any = None,
        field_manager: str | None = None,
        field_validation: str | None = None,
        timeout: float | None = None,
    ) -> ObjT:
        """PUT the object to its `/status` subresource (only status changes are kept)."""
        opts = UpdateOptions(
            dry_run=dry_run, field_manager=field_manager, field_validation=field_validation
        )
        result: ObjT = self._put(obj, "status", opts, timeout)
        return result

    def _put(
        self, obj: Any, subresource: str | None, opts: UpdateOptions, timeout: float | None
    ) -> Any:
        self._check("update", subresource)
        name = self._named(obj, "update")
        req = self._on(self._rest.put(), _metadata_field(obj, "namespace")).name(name)
        if subresource:
            req = req.sub_resource(subresource)
        return self._send(req.options(opts).body(_to_wire(obj)), self._read_object, timeout)

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
        timeout: float | None = None,
    ) -> ObjT:
        """PATCH one object: `patch_type` json | merge | strategic | apply."""
        self._check("patch", subresource)
        opts = PatchOptions(
            dry_run=dry_run,
            field_manager=field_manager,
            field_validation=field_validation,
            force=force,
        ).for_patch(patch_type)
        req = self._on(self._rest.patch(patch_type)).name(name)
        if subresource:
            req = req.sub_resource(subresource)
        result: ObjT = self._send(
            req.options(opts).body(_to_wire(body)), self._read_object, timeout
        )
        return result

    def apply(
        self,
        obj: InT | Mapping[str, Any],
        field_manager: str,
        *,
        force: bool | None = None,
        subresource: str | None = None,
        dry_run: Any = None,
        field_validation: str | None = None,
        timeout: float | None = None,
    ) -> ObjT:
        """Server-side apply (client-go `Apply`): an apply patch named after the object."""
        return self.patch(
            self._named(obj, "apply"),
            obj,
            "apply",
            subresource=subresource,
            dry_run=dry_run,
            field_manager=field_manager,
            field_validation=field_validation,
            force=force,
            timeout=timeout,
        )

    def list(
        self,
        *,
        label_selector: str | Mapping[str, str] | None = None,
        field_selector: str | Mapping[str, str] | None = None,
        limit: int | None = None,
        continue_: str | None = None,
        resource_version: str | None = None,
        resource_version_match: str | None = None,
        timeout_seconds: int | None = None,
        timeout: float | None = None,
    ) -> AnyT:
        """GET the collection; returns the XxxList model (`.items`, `.metadata.continue_`).

        `continue_` is the token of the previous page (Go's `Continue`; `continue` is a
        Python keyword). For every page of a big list, see `rawkube.tools.pager.ListPager`.
        """
        self._check("list")
        opts = ListOptions(
            label_selector=label_selector,
            field_selector=field_selector,
            limit=limit,
            continue_=continue_,
            resource_version=resource_version,
            resource_version_match=resource_version_match,
            timeout_seconds=timeout_seconds,
        )
        # Decoded as it arrives: the body of a big list is never held whole (issue 15).
        req = self._on(self._rest.get()).options(opts).streamed_list()
        result: AnyT = self._send(req, self._read_list, timeout)
        return result

    def watch(
        self,
        *,
        label_selector: str | Mapping[str, str] | None = None,
        field_selector: str | Mapping[str, str] | None = None,
        resource_version: str | None = None,
        resource_version_match: str | None = None,
        timeout_seconds: int | None = None,
        allow_watch_bookmarks: bool | None = None,
        send_initial_events: bool | None = None,
    ) -> WatchT:
        """Open a watch; iterate for `WatchEvent`s whose `.object` is the model.

        A context manager with `.stop()`. An ERROR event is raised as its StatusError (410
        Gone/Expired: start again from a fresh list; `rawkube.tools.watcher.RetryWatcher`
        does that for you). The sync watch is opened here; the async one on first iteration.
        """
        self._check("watch")
        opts = WatchOptions(
            label_selector=label_selector,
            field_selector=field_selector,
            resource_version=resource_version,
            resource_version_match=resource_version_match,
            timeout_seconds=timeout_seconds,
            allow_watch_bookmarks=allow_watch_bookmarks,
            send_initial_events=send_initial_events,
        )
        req = self._on(self._rest.get()).options(opts)
        watch: WatchT = self._rest.watch(req, self._decode)
        return watch

    def delete(
        self,
        name: str,
        *,
        propagation_policy: str | None = None,
        grace_period_seconds: int | None = None,
        preconditions: Mapping[str, Any] | None = None,
        dry_run: Any = None,
        timeout: float | None = None,
    ) -> DelT:
        """DELETE one object.

        The answer is what the server sends: the object itself while it still exists (Foreground
        and Orphan add a finalizer, so the object lives on, see fixtures 041/043), else a
        `Status` dict (Background, fixture 042).
        """
        self._check("delete")
        opts = DeleteOptions(
            propagation_policy=propagation_policy,
            grace_period_seconds=grace_period_seconds,
            preconditions=preconditions,
            dry_run=dry_run,
        )
        req = self._on(self._rest.delete()).name(name).body(opts.to_body())
        result: DelT = self._send(req, self._read_object, timeout)
        return result

    def delete_collection(
        self,
        *,
        propagation_policy: str | None = None,
        grace_period_seconds: int | None = None,
        preconditions: Mapping[str, Any] | None = None,
        dry_run: Any = None,
        timeout: float | None = None,
        **list_opts: Any,
    ) -> AnyT:
        """DELETE the collection (filtered by the list options); returns the list or a Status."""
        self._check("deletecollection")
        opts = DeleteOptions(
            propagation_policy=propagation_policy,
            grace_period_seconds=grace_period_seconds,
            preconditions=preconditions,
            dry_run=dry_run,
        )
        req = self._on(self._rest.delete())
        if list_opts:
            req = req.options(ListOptions(**list_opts))
        result: AnyT = self._send(req.body(opts.to_body()), self._read_list, timeout)
        return result

    def get_scale(self, name: str, *, timeout: float | None = None) -> AnyT:
        """GET the `/scale` subresource (an autoscaling/v1 Scale)."""
        self._check("get", "scale")
        req = self._on(self._rest.get()).name(name).sub_resource("scale")
        result: AnyT = self._send(req, self._read_scale, timeout)
        return result

    def update_scale(
        self,
        name: str,
        scale: Any,
        *,
        dry_run: Any = None,
        field_manager: str | None = None,
        field_validation: str | None = None,
        timeout: float | None = None,
    ) -> AnyT:
        """PUT the `/scale` subresource."""
        self._check("update", "scale")
        opts = UpdateOptions(
            dry_run=dry_run, field_manager=field_manager, field_validation=field_validation
        )
        req = self._on(self._rest.put()).name(name).sub_resource("scale").options(opts)
        result: AnyT = self._send(req.body(_to_wire(scale)), self._read_scale, timeout)
        return result

    # -- pods only -------------------------------------------------------------------------------

    def _log_request(
        self,
        name: str,
        container: str | None,
        previous: bool,
        since_seconds: int | None,
        since_time: str | None,
        timestamps: bool,
        tail_lines: int | None,
        limit_bytes: int | None,
        follow: bool,
    ) -> Any:
        """`GET pods/{name}/log` (core/v1 `PodLogOptions` as its query)."""
        self._check("get", "log")
        query = log_params(
            container=container,
            follow=follow,
            previous=previous,
            since_seconds=since_seconds,
            since_time=since_time,
            timestamps=timestamps,
            tail_lines=tail_lines,
            limit_bytes=limit_bytes,
        )
        return self._on(self._rest.get()).name(name).sub_resource("log").params(query)

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
        timeout: float | None = None,
    ) -> StrT:
        """The container log as text (`GET pods/{name}/log`; empty while the pod is Pending)."""
        req = self._log_request(
            name,
            container,
            previous,
            since_seconds,
            since_time,
            timestamps,
            tail_lines,
            limit_bytes,
            False,
        )
        result: StrT = self._send(req, self._read_text, timeout)
        return result

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
    ) -> LinesT:
        """Follow the log (`follow=true`), yielding lines as the server writes them."""
        from rawkube.rest.client import body_chunks

        req = self._log_request(
            name,
            container,
            previous,
            since_seconds,
            since_time,
            timestamps,
            tail_lines,
            limit_bytes,
            True,
        )
        lines: LinesT = self._rest.iterate(
            body_chunks(self._rest.core, req, None, framer=LineBuffer())
        )
        return lines

    def evict(
        self,
        name: str,
        *,
        propagation_policy: str | None = None,
        grace_period_seconds: int | None = None,
        preconditions: Mapping[str, Any] | None = None,
        dry_run: Any = None,
        timeout: float | None = None,
    ) -> DictT:
        """POST a policy/v1 Eviction to `pods/{name}/eviction`; returns the server's Status."""
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
        result: DictT = self._send(req.body(body), self._read_json, timeout)
        return result

    # -- exec, attach, port-forward (pods; rawkube.stream: client-go tools/remotecommand and
    # tools/portforward). Each opens a WebSocket; the flow's last step makes the sync or the
    # async session object.

    def _stream_namespace(self, subresource: str) -> str:
        self._check("get", subresource)
        if (self.info.group, self.info.resource) != ("", "pods"):
            raise UnsupportedVerb(f"{self.info.resource} has no {subresource!r} subresource")
        if not self._namespace:
            from rawkube.errors import RequestError

            raise RequestError(f"pods/{subresource} needs a namespace")
        return self._namespace

    def exec(
        self,
        name: str,
        command: Sequence[str] | str,
        *,
        container: str | None = None,
        stdin: bytes | str | None = None,
        tty: bool = False,
        check: bool = False,
    ) -> ExecT:
        """Run `command` in a container of pod `name` to its end: an ExecResult (stdout,
        stderr, exit_code). `stdin` is sent, then closed; `check=True` raises ExitCodeError
        for a non-zero exit code. Refusals are StatusErrors (Forbidden, BadRequest, NotFound)."""
        from rawkube.stream.remotecommand import exec_flow

        ns = self._stream_namespace("exec")
        result: ExecT = self._rest.run(
            exec_flow(
                self._rest.client,
                ns,
                name,
                command,
                container=container,
                stdin=stdin,
                tty=tty,
                check=check,
            )
        )
        return result

    def exec_stream(
        self,
        name: str,
        command: Sequence[str] | str,
        *,
        container: str | None = None,
        stdin: bool = False,
        stdout: bool = True,
        stderr: bool = True,
        tty: bool = False,
    ) -> SessionT:
        """Start `command` and return the running session: `stdin.write()` / `close()`,
        `stdout` / `stderr` iterators, `resize(w, h)`, `wait()` -> exit code; a context
        manager (async: awaited, then `async with`)."""
        from rawkube.stream.remotecommand import session_flow

        ns = self._stream_namespace("exec")
        session: SessionT = self._rest.run(
            session_flow(
                self._rest.client, ns, name, "exec", command, container=container,
                stdin=stdin, stdout=stdout, stderr=stderr, tty=tty,
            )
        )  # fmt: skip
        return session

    def attach(
        self,
        name: str,
        *,
        container: str | None = None,
        stdin: bool = False,
        stdout: bool = True,
        stderr: bool = True,
        tty: bool = False,
    ) -> SessionT:
        """Attach to the main process of a container: the same session object as exec."""
        from rawkube.stream.remotecommand import session_flow

        ns = self._stream_namespace("attach")
        session: SessionT = self._rest.run(
            session_flow(
                self._rest.client, ns, name, "attach", None, container=container,
                stdin=stdin, stdout=stdout, stderr=stderr, tty=tty,
            )
        )  # fmt: skip
        return session

    def port_forward(self, name: str, ports: Any, *, address: str = "127.0.0.1") -> ForwardT:
        """Listen on local ports and forward each connection to the pod, started:
        `with pods.port_forward(name, {8080: 80}) as pf:` (async: `async with await ...`).
        Ports: `{local: remote}`, `[remote, ...]` (free local ports) or kubectl's "8080:80";
        `pf.local_port(remote)` says where to connect."""
        from rawkube.stream.portforward import forward_flow

        ns = self._stream_namespace("portforward")
        forward: ForwardT = self._rest.run(
            forward_flow(self._rest.client, ns, name, ports, address)
        )
        return forward

    def open_port(self, name: str, port: int) -> TunnelT:
        """One socket-like connection to `port` of the pod (`sendall`/`recv`/`close`; async
        `write`/`read`/`close`)."""
        from rawkube.stream.portforward import tunnel_flow

        ns = self._stream_namespace("portforward")
        tunnel: TunnelT = self._rest.run(tunnel_flow(self._rest.client, ns, name, port))
        return tunnel


class ResourceClient(
    _ResourceClientBase[
        T,
        T,
        Any,
        "T | dict[str, Any]",
        str,
        "dict[str, Any]",
        Watch,
        Iterator[str],
        "ExecResult",
        "ExecStream",
        "PortForward",
        "TunnelSocket",
    ],
    Generic[T],
):
    """One resource in one namespace (client-go's generated `DeploymentInterface` & co.),
    over a sync `RESTClient`: every verb returns its answer.

    Every method sends one HTTP request (log streaming and watch keep theirs open).
    Keyword options are the same as the dynamic client's and map 1:1 to the Kubernetes
    query parameters / DeleteOptions fields (`rawkube.rest.options`).
    """

    __slots__ = ()


class AsyncResourceClient(
    _ResourceClientBase[
        T,
        Awaitable[T],
        Awaitable[Any],
        "Awaitable[T | dict[str, Any]]",
        Awaitable[str],
        "Awaitable[dict[str, Any]]",
        AsyncWatch,
        AsyncIterator[str],
        "Awaitable[ExecResult]",
        "Awaitable[AsyncExecStream]",
        "Awaitable[AsyncPortForward]",
        "Awaitable[AsyncTunnel]",
    ],
    Generic[T],
):
    """The same verbs over an `AsyncRESTClient`: each returns an awaitable (`watch` and
    `stream_log` async iterators). No code of its own: see `_ResourceClientBase`."""

    __slots__ = ()


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
    "LineBuffer",
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
