"""The dynamic client: any resource, no generated code, objects as plain dicts.

client-go's `dynamic.NewForConfig(cfg).Resource(gvr).Namespace(ns)` gives the same verbs as a
typed client but over `unstructured.Unstructured` (a `map[string]interface{}`). It is how
kubectl and controllers handle custom resources (CRDs) whose Go types do not exist.

    dyn = DynamicClient(config)
    widgets = dyn.resource(GroupVersionResource("example.com", "v1", "widgets")).namespace("default")
    w = widgets.get("w1")                   # an Unstructured (a dict)
    w.set_nested_field(3, "spec", "size")  # unstructured.SetNestedField(w.Object, 3, ...)
    widgets.update(w)

The requests are built by exactly the same code as the typed clients (`rawkube.typed.resource`),
so the keyword options and the URLs are identical; only the decoding differs.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, Generic, TypeVar

from rawkube import _json
from rawkube.schema import GroupVersion, GroupVersionKind, GroupVersionResource
from rawkube.typed.resource import AsyncResourceClient, ResourceClient, ResourceInfo, is_status

_MISSING = object()
_R = TypeVar("_R")


class NestedFieldError(ValueError):
    """A nested field exists but has the wrong type (client-go returns an error then)."""


# -- unstructured.Nested* (k8s.io/apimachinery/pkg/apis/meta/v1/unstructured/helpers.go) -------


def nested_field(obj: Mapping[str, Any], *fields: str) -> tuple[Any, bool]:
    """`(value, found)` at the path; no copy (NestedFieldNoCopy).

    Walking through something that is not a map is an error, as in client-go.
    """
    current: Any = obj
    for i, name in enumerate(fields):
        if current is None:
            return None, False
        if not isinstance(current, Mapping):
            path = ".".join(fields[: i + 1])
            raise NestedFieldError(
                f"{path} accessor error: {current!r} is of the type {type(current).__name__}, "
                "expected map"
            )
        if name not in current:
            return None, False
        current = current[name]
    return current, True


def nested_field_copy(obj: Mapping[str, Any], *fields: str) -> tuple[Any, bool]:
    """Like `nested_field`, but a deep copy of the value (NestedFieldCopy)."""
    value, found = nested_field(obj, *fields)
    return copy.deepcopy(value), found


def _typed(obj: Mapping[str, Any], fields: tuple[str, ...], kinds: Any, zero: Any) -> Any:
    value, found = nested_field(obj, *fields)
    if not found:
        return zero, False
    if not isinstance(value, kinds) or (kinds is int and isinstance(value, bool)):
        raise NestedFieldError(
            f"{'.'.join(fields)} accessor error: {value!r} is of the type "
            f"{type(value).__name__}, expected {getattr(kinds, '__name__', kinds)}"
        )
    return value, True


def nested_string(obj: Mapping[str, Any], *fields: str) -> tuple[str, bool]:
    """`(str, found)`; "" when missing (NestedString)."""
    value: str
    value, found = _typed(obj, fields, str, "")
    return value, found


def nested_bool(obj: Mapping[str, Any], *fields: str) -> tuple[bool, bool]:
    """`(bool, found)`; False when missing (NestedBool)."""
    value: bool
    value, found = _typed(obj, fields, bool, False)
    return value, found


def nested_int64(obj: Mapping[str, Any], *fields: str) -> tuple[int, bool]:
    """`(int, found)`; 0 when missing (NestedInt64)."""
    value: int
    value, found = _typed(obj, fields, int, 0)
    return value, found


def nested_float64(obj: Mapping[str, Any], *fields: str) -> tuple[float, bool]:
    """`(float, found)`; 0.0 when missing (NestedFloat64)."""
    value: float
    value, found = _typed(obj, fields, float, 0.0)
    return value, found


def nested_slice(obj: Mapping[str, Any], *fields: str) -> tuple[list[Any], bool]:
    """`(deep-copied list, found)` (NestedSlice)."""
    value, found = _typed(obj, fields, list, None)
    return (copy.deepcopy(value) if found else []), found


def nested_string_slice(obj: Mapping[str, Any], *fields: str) -> tuple[list[str], bool]:
    """`(list of str, found)`; an error if any item is not a string (NestedStringSlice)."""
    items, found = nested_slice(obj, *fields)
    if any(not isinstance(item, str) for item in items):
        raise NestedFieldError(f"{'.'.join(fields)} accessor error: contains non-string item")
    return items, found


def nested_map(obj: Mapping[str, Any], *fields: str) -> tuple[dict[str, Any], bool]:
    """`(deep-copied dict, found)` (NestedMap)."""
    value, found = _typed(obj, fields, dict, None)
    return (copy.deepcopy(value) if found else {}), found


def nested_string_map(obj: Mapping[str, Any], *fields: str) -> tuple[dict[str, str], bool]:
    """`(dict of str, found)` (NestedStringMap, e.g. labels)."""
    value, found = nested_map(obj, *fields)
    if any(not isinstance(v, str) for v in value.values()):
        raise NestedFieldError(f"{'.'.join(fields)} accessor error: contains non-string value")
    return value, found


def set_nested_field(obj: dict[str, Any], value: Any, *fields: str) -> None:
    """Set the value at the path, creating maps on the way (SetNestedField; value deep-copied)."""
    if not fields:
        raise ValueError("set_nested_field needs at least one field name")
    current = obj
    for i, name in enumerate(fields[:-1]):
        child = current.get(name)
        if child is None:
            child = current[name] = {}
        elif not isinstance(child, dict):
            path = ".".join(fields[: i + 1])
            raise NestedFieldError(f"value cannot be set because {path} is not a map")
        current = child
    current[fields[-1]] = copy.deepcopy(value)


def remove_nested_field(obj: dict[str, Any], *fields: str) -> None:
    """Remove the value at the path if present (RemoveNestedField)."""
    current: Any = obj
    for name in fields[:-1]:
        current = current.get(name) if isinstance(current, dict) else None
        if current is None:
            return
    if isinstance(current, dict):
        current.pop(fields[-1], None)


# -- Unstructured ----------------------------------------------------------------------------


class Unstructured(dict[str, Any]):
    """A Kubernetes object as a plain dict, with client-go `Unstructured`'s accessors.

    It *is* the wire JSON (json.dumps works, `obj["spec"]` works); the properties are only a
    convenience over the metadata every object has.
    """

    # -- type ----------------------------------------------------------------------------------

    @property
    def api_version(self) -> str:
        return nested_string(self, "apiVersion")[0]

    @api_version.setter
    def api_version(self, value: str) -> None:
        self["apiVersion"] = value

    @property
    def kind(self) -> str:
        return nested_string(self, "kind")[0]

    @kind.setter
    def kind(self, value: str) -> None:
        self["kind"] = value

    @property
    def gvk(self) -> GroupVersionKind:
        return GroupVersionKind.from_api_version_kind(self.api_version, self.kind)

    # -- metadata ------------------------------------------------------------------------------

    def _meta_str(self, name: str) -> str:
        return nested_string(self, "metadata", name)[0]

    def _set_meta(self, name: str, value: Any) -> None:
        set_nested_field(self, value, "metadata", name)

    @property
    def name(self) -> str:
        return self._meta_str("name")

    @name.setter
    def name(self, value: str) -> None:
        self._set_meta("name", value)

    @property
    def namespace(self) -> str:
        return self._meta_str("namespace")

    @namespace.setter
    def namespace(self, value: str) -> None:
        self._set_meta("namespace", value)

    @property
    def resource_version(self) -> str:
        return self._meta_str("resourceVersion")

    @resource_version.setter
    def resource_version(self, value: str) -> None:
        self._set_meta("resourceVersion", value)

    @property
    def uid(self) -> str:
        return self._meta_str("uid")

    @property
    def generation(self) -> int:
        return nested_int64(self, "metadata", "generation")[0]

    @property
    def labels(self) -> dict[str, str]:
        """A copy of the labels: change them with the setter (as GetLabels/SetLabels)."""
        return nested_string_map(self, "metadata", "labels")[0]

    @labels.setter
    def labels(self, value: Mapping[str, str]) -> None:
        self._set_meta("labels", dict(value))

    @property
    def annotations(self) -> dict[str, str]:
        return nested_string_map(self, "metadata", "annotations")[0]

    @annotations.setter
    def annotations(self, value: Mapping[str, str]) -> None:
        self._set_meta("annotations", dict(value))

    # -- nested helpers as methods ---------------------------------------------------------------

    def nested_field(self, *fields: str) -> tuple[Any, bool]:
        return nested_field(self, *fields)

    def nested_string(self, *fields: str) -> tuple[str, bool]:
        return nested_string(self, *fields)

    def nested_int64(self, *fields: str) -> tuple[int, bool]:
        return nested_int64(self, *fields)

    def nested_bool(self, *fields: str) -> tuple[bool, bool]:
        return nested_bool(self, *fields)

    def nested_map(self, *fields: str) -> tuple[dict[str, Any], bool]:
        return nested_map(self, *fields)

    def nested_slice(self, *fields: str) -> tuple[list[Any], bool]:
        return nested_slice(self, *fields)

    def set_nested_field(self, value: Any, *fields: str) -> None:
        set_nested_field(self, value, *fields)

    def remove_nested_field(self, *fields: str) -> None:
        remove_nested_field(self, *fields)

    def deep_copy(self) -> Unstructured:
        return Unstructured(copy.deepcopy(dict(self)))

    def __repr__(self) -> str:
        where = f"{self.namespace}/{self.name}" if self.namespace else self.name
        return f"Unstructured({self.api_version} {self.kind} {where!r})"


def _unstructured(data: Any) -> Any:
    """Wrap an object dict (but not a Status) as Unstructured."""
    if isinstance(data, dict) and not isinstance(data, Unstructured) and not is_status(data):
        return Unstructured(data)
    return data


def _unstructured_list(data: Any) -> Any:
    """A list object whose `items` are Unstructured too (client-go `UnstructuredList`).

    The wrap runs with the cyclic GC paused: its thousands of new objects, allocated right after
    a big decode, would otherwise set off a full collection over the freshly decoded heap
    (measured on a LIST of 10,000 Deployments: 177 ms with the GC on, 7 ms paused).
    """
    result = _unstructured(data)
    if isinstance(result, Unstructured) and isinstance(result.get("items"), list):
        with _json.gc_paused():
            result["items"] = [_unstructured(item) for item in result["items"]]
    return result


def _info_for(gvr: GroupVersionResource) -> ResourceInfo:
    # Nothing is known about the resource: no verbs listed means nothing is refused before
    # sending, and "namespaced" means a namespace given with `.namespace(ns)` is used (no
    # namespace = cluster-scoped, or all namespaces for list/watch).
    return ResourceInfo(
        group=gvr.group,
        version=gvr.version,
        resource=gvr.resource,
        kind="",
        namespaced=True,
    )


class _UnstructuredDecoding:
    """What the dynamic clients add to the typed verbs: dicts become Unstructured, and
    `.namespace(ns)` (client-go `NamespaceableResourceInterface`)."""

    __slots__ = ()

    _rest: Any
    info: ResourceInfo

    def _decode(self, data: Any) -> Any:
        return _unstructured(data)

    def _decode_list(self, data: Any) -> Any:
        return _unstructured_list(data)

    def namespace(self: _D, namespace: str) -> _D:
        """The same resource in one namespace."""
        return type(self)(self._rest, self.info, namespace)  # type: ignore[call-arg]


_D = TypeVar("_D", bound=_UnstructuredDecoding)


class DynamicResourceClient(_UnstructuredDecoding, ResourceClient[Unstructured]):
    """The verbs of one resource over Unstructured (client-go `dynamic.ResourceInterface`)."""

    __slots__ = ()


class AsyncDynamicResourceClient(_UnstructuredDecoding, AsyncResourceClient[Unstructured]):
    """The same verbs, awaited (over an `AsyncRESTClient`)."""

    __slots__ = ()


class _DynamicBase(Generic[_R]):
    """One shared HTTP client and one RESTClient per group/version; the sync and async
    clients differ only in the classes they make (`_rest_class`, `_resource_class`)."""

    _resource_class: Any

    def __init__(self, config: Any) -> None:
        if getattr(config, "content_type", None) or getattr(config, "accept_content_types", None):
            # client-go dynamic/simple.go: the dynamic client speaks JSON whatever the config
            # says (unstructured objects, custom resources: no protobuf form)
            config = config.copy(content_type=None, accept_content_types=None)
        self.config = config
        self._http = self._build(config)
        self._rest_clients: dict[GroupVersion, Any] = {}

    def _build(self, config: Any) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def _new_rest(self, gv: GroupVersion) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def _rest_for(self, gv: GroupVersion) -> Any:
        rest = self._rest_clients.get(gv)
        if rest is None:
            rest = self._rest_clients[gv] = self._new_rest(gv)
        return rest

    def resource(self, gvr: GroupVersionResource) -> _R:
        """The resource, cluster-wide; call `.namespace(ns)` for one namespace."""
        if isinstance(gvr, GroupVersionKind):
            raise TypeError(
                f"resource() takes a GroupVersionResource, not a GroupVersionKind ({gvr}): "
                "find the resource of a kind with DiscoveryClient(cfg).rest_mapper()"
                ".resource_for(gvk)"
            )
        if not isinstance(gvr, tuple) or len(gvr) != 3:
            raise TypeError(
                f"resource() takes a GroupVersionResource, not {type(gvr).__name__} {gvr!r}: "
                'e.g. GroupVersionResource("apps", "v1", "deployments")'
            )
        gvr = GroupVersionResource(*gvr)
        client: _R = self._resource_class(self._rest_for(gvr.group_version), _info_for(gvr), None)
        return client


class DynamicClient(_DynamicBase[DynamicResourceClient]):
    """client-go `dynamic.NewForConfig(config)`: `.resource(gvr)` for any resource."""

    _resource_class = DynamicResourceClient

    def _build(self, config: Any) -> Any:
        from rawkube.transport import build_client

        return build_client(config)

    def _new_rest(self, gv: GroupVersion) -> Any:
        from rawkube.rest.client import RESTClient

        return RESTClient(self.config, gv.group, gv.version, client=self._http)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> DynamicClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncDynamicClient(_DynamicBase[AsyncDynamicResourceClient]):
    """The asyncio `DynamicClient`: the same resources, awaited."""

    _resource_class = AsyncDynamicResourceClient

    def _build(self, config: Any) -> Any:
        from rawkube.transport import build_async_client

        return build_async_client(config)

    def _new_rest(self, gv: GroupVersion) -> Any:
        from rawkube.rest.client import AsyncRESTClient

        return AsyncRESTClient(self.config, gv.group, gv.version, client=self._http)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncDynamicClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


__all__ = [
    "AsyncDynamicClient",
    "AsyncDynamicResourceClient",
    "DynamicClient",
    "DynamicResourceClient",
    "NestedFieldError",
    "Unstructured",
    "nested_bool",
    "nested_field",
    "nested_field_copy",
    "nested_float64",
    "nested_int64",
    "nested_map",
    "nested_slice",
    "nested_string",
    "nested_string_map",
    "nested_string_slice",
    "remove_nested_field",
    "set_nested_field",
]
