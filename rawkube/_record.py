"""`record`: frozen value classes like `@dataclass(frozen=True)`, without generating code.

`dataclasses` writes every `__init__`, `__eq__`, `__repr__`, `__hash__` and `__setattr__` as
source text and compiles it with `exec()` when the class is defined: ~0.5 ms per class, and
rawkube's first request defined sixteen of them (the seven request options alone cost more than
every other rawkube module on the cold-start path; measured with callgrind in issue 15). A
record class gets the same methods as plain functions shared by every record, which read the
field list the decorator stored on the class. Defining one costs a few microseconds; building
an instance costs one loop over its fields.

    @record(kw_only=True)
    class GetOptions:
        resource_version: str | None = None

        def __post_init__(self) -> None: ...

What it keeps from `@dataclass(frozen=True)`: fields from the annotations of the class and its
record bases (ClassVar excluded), in order; defaults, `dataclasses.field(default=...,
default_factory=..., repr=..., hash=..., compare=...)`; positional or keyword-only `__init__`;
`__post_init__`; `__eq__` (same class, equal fields), `__hash__` of the compared fields,
`__repr__` and instances that refuse attribute assignment (`FrozenInstanceError`, which is an
AttributeError, as dataclasses'). Type checkers see a frozen dataclass (`dataclass_transform`).
Not kept: `dataclasses.fields()` / `replace()` (use `record_fields(obj)` / `obj.replace(...)` where
a class offers it), ordering, slots, InitVar.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:  # Python 3.10 has no typing.dataclass_transform; it only informs type checkers anyway

    def dataclass_transform(**kwargs: Any) -> Callable[[Any], Any]:
        return lambda decorated: decorated


__all__ = ["FrozenInstanceError", "record", "record_fields"]

C = TypeVar("C", bound=type)

_MISSING = dataclasses.MISSING
FrozenInstanceError = dataclasses.FrozenInstanceError


class _Field:
    """What the shared methods need to know about one field."""

    __slots__ = ("name", "default", "factory", "repr", "hash", "compare")

    def __init__(self, name: str, spec: Any) -> None:
        self.name = name
        self.default: Any = _MISSING
        self.factory: Any = _MISSING
        self.repr = self.compare = True
        self.hash: bool | None = None
        if isinstance(spec, dataclasses.Field):
            self.default, self.factory = spec.default, spec.default_factory
            self.repr, self.hash, self.compare = spec.repr, spec.hash, spec.compare
        else:
            self.default = spec

    @property
    def hashed(self) -> bool:
        return self.compare if self.hash is None else self.hash


def record_fields(obj: Any) -> tuple[str, ...]:
    """The field names of a record class or instance, in order."""
    return tuple(f.name for f in obj.__record_fields__)


def _own_fields(cls: type) -> list[_Field]:
    names = cls.__dict__.get("__annotations__", {})
    fields = []
    for name, annotation in names.items():
        text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
        if text.startswith(("ClassVar", "typing.ClassVar")):
            continue
        fields.append(_Field(name, cls.__dict__.get(name, _MISSING)))
        if isinstance(cls.__dict__.get(name), dataclasses.Field):
            delattr(cls, name)  # a field(...) spec is not a class-level default
    return fields


def _init(self: Any, *args: Any, **kwargs: Any) -> None:
    cls = type(self)
    fields = cls.__record_fields__
    if args:
        if cls.__record_kw_only__:
            raise TypeError(f"{cls.__name__}() takes keyword arguments only")
        if len(args) > len(fields):
            raise TypeError(f"{cls.__name__}() takes {len(fields)} arguments, {len(args)} given")
    setter = object.__setattr__
    for i, f in enumerate(fields):
        if i < len(args):
            if f.name in kwargs:
                raise TypeError(f"{cls.__name__}() got multiple values for {f.name!r}")
            value = args[i]
        elif f.name in kwargs:
            value = kwargs[f.name]
        elif f.default is not _MISSING:
            value = f.default
        elif f.factory is not _MISSING:
            value = f.factory()
        else:
            raise TypeError(f"{cls.__name__}() missing the argument {f.name!r}")
        setter(self, f.name, value)
    if not cls.__record_names__.issuperset(kwargs):
        unknown = sorted(set(kwargs) - cls.__record_names__)
        raise TypeError(f"{cls.__name__}() got unexpected keyword arguments {unknown}")
    post_init = getattr(self, "__post_init__", None)
    if post_init is not None:
        post_init()


def _repr(self: Any) -> str:
    parts = ", ".join(
        f"{f.name}={getattr(self, f.name)!r}" for f in type(self).__record_fields__ if f.repr
    )
    return f"{type(self).__qualname__}({parts})"


def _compared(self: Any) -> tuple[Any, ...]:
    return tuple(getattr(self, f.name) for f in type(self).__record_fields__ if f.compare)


def _eq(self: Any, other: object) -> bool:
    if other.__class__ is not self.__class__:
        return NotImplemented
    return _compared(self) == _compared(other)


def _hash(self: Any) -> int:
    return hash(tuple(getattr(self, f.name) for f in type(self).__record_fields__ if f.hashed))


def _setattr(self: Any, name: str, value: Any) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _delattr(self: Any, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field,))
def record(*, kw_only: bool = False, repr: bool = True) -> Callable[[C], C]:  # noqa: A002
    """Make the decorated class a frozen value class (see the module docstring)."""

    def decorate(cls: C) -> C:
        fields: list[_Field] = []
        for base in reversed(cls.__mro__[1:]):
            for f in base.__dict__.get("__record_fields__", ()):
                fields = [g for g in fields if g.name != f.name] + [f]
        for f in _own_fields(cls):
            fields = [g for g in fields if g.name != f.name] + [f]
        cls.__record_fields__ = tuple(fields)  # type: ignore[attr-defined]
        cls.__record_names__ = frozenset(f.name for f in fields)  # type: ignore[attr-defined]
        cls.__record_kw_only__ = kw_only  # type: ignore[attr-defined]
        cls.__init__ = _init  # type: ignore[misc]
        if repr and "__repr__" not in cls.__dict__:
            cls.__repr__ = _repr  # type: ignore[assignment]
        cls.__eq__ = _eq  # type: ignore[assignment,method-assign]
        cls.__hash__ = _hash  # type: ignore[assignment,method-assign]
        cls.__setattr__ = _setattr  # type: ignore[assignment,method-assign]
        cls.__delattr__ = _delattr  # type: ignore[assignment,method-assign]
        return cls

    return decorate
