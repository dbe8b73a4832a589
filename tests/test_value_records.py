"""rawkube._record: frozen value classes without dataclasses' code generation (issue 15, cold
start). They must behave as the `@dataclass(frozen=True)` classes they replaced."""

from __future__ import annotations

import dataclasses
import pickle

import pytest

from rawkube._record import FrozenInstanceError, record, record_fields
from rawkube.rest.options import DeleteOptions, ListOptions, WatchOptions
from rawkube.typed.resource import ResourceInfo


@record()
class Point:
    x: int
    y: int = 0
    tags: list[str] = dataclasses.field(default_factory=list, compare=False)


@record(kw_only=True)
class Named:
    name: str = ""
    hidden: str = dataclasses.field(default="", repr=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", self.name.strip())


@record(kw_only=True)
class MoreNamed(Named):
    extra: int = 1


@dataclasses.dataclass(frozen=True)
class DataPoint:
    x: int
    y: int = 0


def test_init_defaults_factories_and_positional_arguments() -> None:
    assert (Point(1).x, Point(1).y, Point(1).tags) == (1, 0, [])
    assert Point(1, 2) == Point(x=1, y=2)
    a, b = Point(1), Point(1)
    assert a.tags is not b.tags, "a default factory runs for every instance"
    with pytest.raises(TypeError, match="missing the argument 'x'"):
        Point()  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected keyword"):
        Point(1, z=3)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="multiple values"):
        Point(1, x=2)  # type: ignore[misc]
    with pytest.raises(TypeError, match="takes 3 arguments"):
        Point(1, 2, [], 4)  # type: ignore[call-arg]


def test_keyword_only_post_init_and_inheritance() -> None:
    with pytest.raises(TypeError, match="keyword arguments only"):
        Named("x")  # type: ignore[call-arg]
    assert Named(name="  a ").name == "a", "__post_init__ ran"
    more = MoreNamed(name="b", extra=2)
    assert record_fields(more) == ("name", "hidden", "extra")
    assert more.name == "b" and more.extra == 2


def test_frozen_like_a_frozen_dataclass() -> None:
    p = Point(1)
    with pytest.raises(FrozenInstanceError):
        p.x = 2  # type: ignore[misc]
    with pytest.raises(AttributeError):  # FrozenInstanceError is an AttributeError
        del p.y
    assert FrozenInstanceError is dataclasses.FrozenInstanceError


def test_eq_hash_and_repr_match_dataclasses() -> None:
    assert Point(1, 2, ["a"]) == Point(1, 2, ["b"]), "compare=False fields are not compared"
    assert Point(1, 2) != Point(2, 1)
    assert Point(1) != DataPoint(1), "another class is never equal"
    assert hash(Point(1, 2, ["x"])) == hash(Point(1, 2))
    assert {Named(name="a", hidden="x"), Named(name="a", hidden="x")} == {
        Named(name="a", hidden="x")
    }
    assert repr(Point(1, 2)) == "Point(x=1, y=2, tags=[])"
    assert repr(Named(name="a", hidden="secret")) == "Named(name='a')", "repr=False is hidden"
    assert repr(DataPoint(1, 2)).endswith("DataPoint(x=1, y=2)")


def test_options_keep_their_behaviour() -> None:
    opts = ListOptions(label_selector={"b": "2", "a": "1"}, limit=5)
    assert opts.label_selector == "a=1,b=2"
    assert opts.replace(limit=7, continue_="t") == ListOptions(
        label_selector="a=1,b=2", limit=7, continue_="t"
    )
    assert isinstance(opts, WatchOptions)
    with pytest.raises(TypeError, match="limit must be an int"):
        ListOptions(limit="5")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="keyword"):
        ListOptions("app=x")  # type: ignore[call-arg]
    assert hash(DeleteOptions(preconditions={"uid": "u"})) == hash(DeleteOptions())
    assert pickle.loads(pickle.dumps(opts)) == opts


def test_resource_info_is_positional_and_frozen() -> None:
    info = ResourceInfo("apps", "v1", "deployments", "Deployment", True)
    assert info.verbs == frozenset() and info.gvr.resource == "deployments"
    with pytest.raises(FrozenInstanceError):
        info.kind = "x"  # type: ignore[misc]
