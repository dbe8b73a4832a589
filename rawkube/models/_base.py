"""The hand-written base of every generated model: typed *views* over the wire dict.

client-go decodes JSON into Go structs field by field. Doing the same in Python (building an object
per nested struct, eagerly) costs several times `json.loads` itself and doubles the memory. A model
here is instead a thin, typed window onto the dict that `json.loads` produced:

* `Deployment.from_dict(d)` stores `d` and returns: O(1), no copy, no walk.
* Each attribute is a descriptor that reads (and writes) one key of that dict, converting lazily on
  access: `dep.spec` wraps the very same nested dict, so `dep.spec.replicas = 1` changes the dict.
* A list of objects (`pod.spec.containers`) is a `ModelList`, a view over the wire list that wraps
  an element when it is read and unwraps it when it is stored. Maps of objects are a `ModelMap`.
* An absent nested object, or list or map of objects, reads as an empty one, as a Go struct's zero
  value does (`Deployment().status.replicas` is None, `pod.spec.containers` is empty), so chains
  like `d.spec.template.spec` need no None checks. Reading never changes the dict: the empty view
  is put into its parent only when something is first written to it. Plain JSON fields (strings,
  numbers, and lists/maps of those, like `metadata.labels`) read as None when absent: assign a
  new value, as Go code assigns to a nil map or slice before using it.
* Fields this client does not know (sent by a newer server) simply stay in the dict, so a typed
  read-modify-write (`get`, change a field, `update`) sends them back: no data is dropped.
* `to_dict()` returns the live wire dict itself (no copy): serialising a model is free and
  `from_dict(d).to_dict() is d`. Use `copy.deepcopy(model)` for an independent object.

Attribute names are snake_case and map to the exact camelCase wire names (`container_port` ->
`containerPort`); Python keywords and the builtin type names the annotations use get a trailing
underscore (`continue_`, `from_`, `not_`, `int_`, `bool_`). Assigning `None` removes the key, like
Go's `omitempty` (the wire never carries an explicit null for these fields).
"""

from __future__ import annotations

import copy
import importlib
import reprlib
import sys
from collections.abc import Iterable, Iterator, Mapping, MutableMapping, MutableSequence
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, overload

if TYPE_CHECKING:  # datetime is imported by the two time helpers only, when first called
    import datetime as _dt

__all__ = [
    "Field",
    "Model",
    "ModelList",
    "ModelMap",
    "Obj",
    "ObjList",
    "ObjMap",
    "format_time",
    "parse_time",
]

V = TypeVar("V")
M = TypeVar("M", bound="Model")
ModelT = TypeVar("ModelT", bound="Model")

_MODELS_PACKAGE = "rawkube.models"

# Where a detached view of an absent field goes once written to: (owning model, wire name).
_Parent = tuple["Model", str]

# Field names whose values a repr must never show (credentials travel in e.g.
# TokenRequestStatus.token, TokenReviewSpec.token, Secret.data, CSR.status.certificate).
_IDENTIFYING = frozenset({"name", "namespace", "type"})
_SENSITIVE = ("token", "password", "secret", "key", "data", "cert", "credential")


def _wrap(cls: type[ModelT], raw: dict[str, Any], parent: _Parent | None = None) -> ModelT:
    """The O(1) decode step: a new view over `raw`, without running `__init__`."""
    obj = object.__new__(cls)
    obj._d = raw
    obj._parent = parent
    return obj


def _attach_to(parent: _Parent, empty: Any) -> Any:
    """Put a detached (empty) dict or list into its parent on the first write through it.

    Returns the container to write to from now on: ours, or the one another view of the same
    absent field attached first (then whatever we held is merged into it).
    """
    owner, wire = parent
    if owner._parent is not None:
        owner._attach()  # the parent may itself be a view of an absent field: attach upwards
    existing = owner._d.get(wire)
    if isinstance(existing, dict) and isinstance(empty, dict):
        existing.update(empty)
        return existing
    if isinstance(existing, list) and isinstance(empty, list):
        existing.extend(empty)
        return existing
    owner._d[wire] = empty
    return empty


def _unwrap(value: Any) -> Any:
    """A model becomes its wire dict; anything else (a dict the caller built) is kept."""
    return value._d if isinstance(value, Model) else value


class Model:
    """Base of all generated models: a typed view over one JSON object (a dict).

    Generated subclasses declare `__slots__ = ()` and one descriptor per wire field; top-level
    kinds also set `_api_version` / `_kind`, which the constructor fills in (client-go's
    `TypeMeta`, which the typed clientsets also expect to be set on objects they send).
    """

    __slots__ = ("_d", "_parent")

    _d: dict[str, Any]
    # (model, wire name) while this is a detached view of an absent field; None once in the tree.
    _parent: _Parent | None
    _api_version: ClassVar[str | None] = None
    _kind: ClassVar[str | None] = None

    def __init__(self, **fields: Any) -> None:
        """Build a new object from keyword arguments (generated subclasses list them).

        `None` arguments are left out of the wire dict, like Go's `omitempty`.
        """
        self._d = {}
        self._parent = None
        if self._api_version is not None and self._kind is not None:
            self._d["apiVersion"] = self._api_version
            self._d["kind"] = self._kind
        for name, value in fields.items():
            if value is not None:
                # Goes through the field's descriptor, which unwraps models and lists of models;
                # an unknown name fails here thanks to __slots__ (no silent typo).
                setattr(self, name, value)

    @classmethod
    def from_dict(cls: type[ModelT], data: dict[str, Any]) -> ModelT:
        """Wrap a decoded JSON object. O(1): the dict is neither copied nor walked."""
        if not isinstance(data, dict):
            raise TypeError(f"{cls.__name__}.from_dict expects a dict, got {type(data).__name__}")
        return _wrap(cls, data)

    def to_dict(self) -> dict[str, Any]:
        """The wire dict itself (not a copy): every change made through the model is in it."""
        return self._d

    def _attach(self) -> None:
        """Called before the first write to a view of an absent field (see the module doc)."""
        if self._parent is not None:
            parent, self._parent = self._parent, None
            self._d = _attach_to(parent, self._d)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, Model)
        return self._d == other._d

    # Models are mutable views: like dicts, they are not hashable.
    __hash__ = None  # type: ignore[assignment]

    def __copy__(self) -> Model:
        return _wrap(type(self), dict(self._d))

    def __deepcopy__(self, memo: dict[int, Any]) -> Model:
        return _wrap(type(self), copy.deepcopy(self._d, memo))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(_repr_parts(self))})"


def _field_names(cls: type[Model]) -> list[tuple[str, str]]:
    """(attribute, wire name) pairs of a model class, in declaration order (base classes first)."""
    pairs: list[tuple[str, str]] = []
    for klass in reversed(cls.__mro__):
        for attr, value in vars(klass).items():
            if isinstance(value, _Descriptor):
                pairs.append((attr, value.wire))
    return pairs


def _is_sensitive(attr: str) -> bool:
    """Whether a field may hold a credential: a word of its name starts with a sensitive word
    (`data`, `string_data`, `client_key_data`, `certificate`), so `metadata` is not one."""
    if "ca_bundle" in attr:
        return True
    return any(part.startswith(_SENSITIVE) for part in attr.split("_"))


def _short(attr: str, value: Any) -> str:
    if _is_sensitive(attr):
        return "'***'"
    if isinstance(value, dict):
        return "{...}"
    if isinstance(value, list):
        return f"[{len(value)} items]"
    return reprlib.repr(value)


def _repr_parts(model: Model, limit: int = 4) -> list[str]:
    """A short description: name/namespace for objects with metadata, else a few set fields."""
    data = model._d
    meta = data.get("metadata")
    if isinstance(meta, dict) and "name" in meta:
        parts = [f"name={meta['name']!r}"]
        if "namespace" in meta:
            parts.append(f"namespace={meta['namespace']!r}")
        return parts
    present = [
        (a, w)
        for a, w in _field_names(type(model))
        if w in data and w not in ("apiVersion", "kind")
    ]
    # Identifying fields first (ObjectMeta's name, a condition's type), then declaration order.
    present.sort(key=lambda pair: pair[1] not in _IDENTIFYING)
    parts = [f"{attr}={_short(attr, data[wire])}" for attr, wire in present[:limit]]
    if len(present) > limit:
        parts.append("...")
    return parts


# -- descriptors ----------------------------------------------------------------------------------


class _Descriptor:
    """One wire field of a model: `wire` is the exact JSON (camelCase) key."""

    __slots__ = ("wire",)

    def __init__(self, wire: str) -> None:
        self.wire = wire

    def __delete__(self, obj: Model) -> None:
        obj._d.pop(self.wire, None)


class Field(_Descriptor, Generic[V]):
    """A field holding plain JSON (str, int, bool, lists/maps of those): read and written as is.

    Lists and maps are the wire containers themselves, so `meta.labels["app"] = "x"` writes
    through. Time fields stay RFC 3339 strings (see `parse_time`); Quantity stays a string;
    IntOrString is `int | str`; RawExtension / JSON are `Any`.
    """

    __slots__ = ()

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> Field[V]: ...
    @overload
    def __get__(self, obj: Model, owner: type[Any]) -> V | None: ...
    def __get__(self, obj: Model | None, owner: type[Any]) -> Field[V] | V | None:
        if obj is None:
            return self
        return obj._d.get(self.wire)

    def __set__(self, obj: Model, value: V | None) -> None:
        if value is None:
            obj._d.pop(self.wire, None)
        else:
            if obj._parent is not None:
                obj._attach()
            obj._d[self.wire] = value


class _ModelRef(_Descriptor):
    """A descriptor whose values are models of a class named lazily by `"module:Class"`.

    Resolving on first use (not at import) is what lets `import rawkube.models.apps_v1` avoid
    importing core_v1 and meta_v1 until a Deployment's pod template or metadata is touched.
    A bare `"Class"` names a class of the module that declares the field.
    """

    __slots__ = ("_target", "_cls", "_module")

    def __init__(self, wire: str, target: str) -> None:
        super().__init__(wire)
        self._target = target
        self._cls: type[Model] | None = None
        self._module = ""

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self._module = owner.__module__

    def _resolve(self) -> type[Model]:
        module_name, _, class_name = self._target.rpartition(":")
        if not module_name:
            module = sys.modules[self._module]
        else:
            if "." not in module_name:
                module_name = f"{_MODELS_PACKAGE}.{module_name}"
            module = importlib.import_module(module_name)
        cls: type[Model] = getattr(module, class_name)
        self._cls = cls
        return cls


class Obj(_ModelRef, Generic[M]):
    """A nested object: reading wraps the same nested dict (writes through), O(1)."""

    __slots__ = ()

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> Obj[M]: ...
    @overload
    def __get__(self, obj: Model, owner: type[Any]) -> M: ...
    def __get__(self, obj: Model | None, owner: type[Any]) -> Obj[M] | M:
        if obj is None:
            return self
        cls = self._cls or self._resolve()
        raw = obj._d.get(self.wire)
        if raw is None:  # absent (or an explicit null): Go's zero value, an empty struct
            return _wrap(cls, {}, (obj, self.wire))  # type: ignore[return-value]
        return _wrap(cls, raw)  # type: ignore[return-value]

    def __set__(self, obj: Model, value: M | None) -> None:
        if value is None:
            obj._d.pop(self.wire, None)
        else:
            if obj._parent is not None:
                obj._attach()
            obj._d[self.wire] = _unwrap(value)


class ObjList(_ModelRef, Generic[M]):
    """A list of objects, read as a `ModelList` view over the wire list."""

    __slots__ = ()

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> ObjList[M]: ...
    @overload
    def __get__(self, obj: Model, owner: type[Any]) -> ModelList[M]: ...
    def __get__(self, obj: Model | None, owner: type[Any]) -> ObjList[M] | ModelList[M]:
        if obj is None:
            return self
        cls: Any = self._cls or self._resolve()
        raw = obj._d.get(self.wire)
        if raw is None:  # Go's nil slice: empty, and attached on the first append
            return ModelList([], cls, (obj, self.wire))
        return ModelList(raw, cls)

    def __set__(self, obj: Model, value: Iterable[M] | None) -> None:
        if value is None:
            obj._d.pop(self.wire, None)
            return
        if obj._parent is not None:
            obj._attach()
        if isinstance(value, ModelList):
            obj._d[self.wire] = value._raw
        else:
            obj._d[self.wire] = [_unwrap(item) for item in value]


class ObjMap(_ModelRef, Generic[M]):
    """A map of string to object, read as a `ModelMap` view over the wire dict."""

    __slots__ = ()

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> ObjMap[M]: ...
    @overload
    def __get__(self, obj: Model, owner: type[Any]) -> ModelMap[M]: ...
    def __get__(self, obj: Model | None, owner: type[Any]) -> ObjMap[M] | ModelMap[M]:
        if obj is None:
            return self
        cls: Any = self._cls or self._resolve()
        raw = obj._d.get(self.wire)
        if raw is None:  # Go's nil map: empty, and attached on the first store
            return ModelMap({}, cls, (obj, self.wire))
        return ModelMap(raw, cls)

    def __set__(self, obj: Model, value: Mapping[str, M] | None) -> None:
        if value is None:
            obj._d.pop(self.wire, None)
            return
        if obj._parent is not None:
            obj._attach()
        if isinstance(value, ModelMap):
            obj._d[self.wire] = value._raw
        else:
            obj._d[self.wire] = {key: _unwrap(item) for key, item in value.items()}


# -- container views ------------------------------------------------------------------------------


class ModelList(MutableSequence[M]):
    """A typed view over a wire list of objects: elements are wrapped when read.

    Appending, assigning and deleting change the wire list itself, so the parent's `to_dict()`
    sees them with no re-serialisation. `to_list()` returns that wire list.
    """

    __slots__ = ("_raw", "_cls", "_parent")

    def __init__(
        self, raw: list[dict[str, Any]], cls: type[M], parent: _Parent | None = None
    ) -> None:
        self._raw = raw
        self._cls = cls
        self._parent = parent  # set while this views an absent field (see the module doc)

    def _attach(self) -> None:
        if self._parent is not None:
            parent, self._parent = self._parent, None
            self._raw = _attach_to(parent, self._raw)

    @overload
    def __getitem__(self, index: int) -> M: ...
    @overload
    def __getitem__(self, index: slice) -> list[M]: ...
    def __getitem__(self, index: int | slice) -> M | list[M]:
        if isinstance(index, slice):
            return [_wrap(self._cls, raw) for raw in self._raw[index]]
        return _wrap(self._cls, self._raw[index])

    @overload
    def __setitem__(self, index: int, value: M) -> None: ...
    @overload
    def __setitem__(self, index: slice, value: Iterable[M]) -> None: ...
    def __setitem__(self, index: int | slice, value: Any) -> None:
        self._attach()
        if isinstance(index, slice):
            self._raw[index] = [_unwrap(item) for item in value]
        else:
            self._raw[index] = _unwrap(value)

    def __delitem__(self, index: int | slice) -> None:
        del self._raw[index]

    def __len__(self) -> int:
        return len(self._raw)

    def __iter__(self) -> Iterator[M]:
        cls = self._cls
        for raw in self._raw:
            yield _wrap(cls, raw)

    def insert(self, index: int, value: M) -> None:
        self._attach()
        self._raw.insert(index, _unwrap(value))

    def to_list(self) -> list[dict[str, Any]]:
        """The wire list itself (not a copy)."""
        return self._raw

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ModelList):
            return self._raw == other._raw
        if isinstance(other, list):
            return self._raw == [_unwrap(item) for item in other]
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ModelList[{self._cls.__name__}]({len(self._raw)} items)"


class ModelMap(MutableMapping[str, M]):
    """A typed view over a wire map of string to object (e.g. JSONSchemaProps.properties)."""

    __slots__ = ("_raw", "_cls", "_parent")

    def __init__(
        self, raw: dict[str, dict[str, Any]], cls: type[M], parent: _Parent | None = None
    ) -> None:
        self._raw = raw
        self._cls = cls
        self._parent = parent  # set while this views an absent field (see the module doc)

    def _attach(self) -> None:
        if self._parent is not None:
            parent, self._parent = self._parent, None
            self._raw = _attach_to(parent, self._raw)

    def __getitem__(self, key: str) -> M:
        return _wrap(self._cls, self._raw[key])

    def __setitem__(self, key: str, value: M) -> None:
        self._attach()
        self._raw[key] = _unwrap(value)

    def __delitem__(self, key: str) -> None:
        del self._raw[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)

    def to_dict(self) -> dict[str, dict[str, Any]]:
        """The wire dict itself (not a copy)."""
        return self._raw

    def __repr__(self) -> str:
        return f"ModelMap[{self._cls.__name__}]({list(self._raw)!r})"


# -- time helpers ---------------------------------------------------------------------------------


def parse_time(value: str) -> _dt.datetime:
    """Parse a `metav1.Time` / `metav1.MicroTime` wire string (RFC 3339, UTC `Z`) to a datetime.

    Models keep the wire string so a round trip is byte-exact; this is the explicit conversion
    (apimachinery `pkg/apis/meta/v1/time.go` formats with RFC3339, micro_time.go with 6 digits).
    """
    import datetime

    text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
    return datetime.datetime.fromisoformat(text)


def format_time(value: _dt.datetime, *, micro: bool = False) -> str:
    """Format a datetime as the API server does: UTC, `Z`, seconds (or microseconds if micro)."""
    import datetime

    if value.tzinfo is not None:
        value = value.astimezone(datetime.timezone.utc)
    pattern = "%Y-%m-%dT%H:%M:%S.%fZ" if micro else "%Y-%m-%dT%H:%M:%SZ"
    return value.strftime(pattern)
