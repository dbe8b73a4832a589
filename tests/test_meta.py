"""rawkube.meta: one reading of metadata for models, Unstructured, dicts and other objects."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from rawkube.dynamic import Unstructured
from rawkube.meta import INTERN_MAX_LEN, intern_strings, meta_field, object_key, resource_version
from rawkube.models.core_v1 import Pod

WIRE = {"metadata": {"name": "web", "namespace": "ns", "resourceVersion": "7", "uid": "u-1"}}


@pytest.mark.parametrize(
    "make", [dict, Pod.from_dict, Unstructured], ids=["dict", "model", "unstructured"]
)
def test_every_form_reads_the_same_fields(make: object) -> None:
    obj = make(WIRE)  # type: ignore[operator]
    assert object_key(obj) == "ns/web"
    assert resource_version(obj) == "7"
    assert meta_field(obj, "uid") == "u-1"
    assert meta_field(obj, "resource_version") == "7"  # the model attribute's name works too


def test_a_model_is_read_through_its_wire_dict_so_a_change_made_through_it_shows() -> None:
    pod = Pod.from_dict({"metadata": {"name": "a"}})
    pod.metadata.namespace = "later"
    assert object_key(pod) == "later/a"


def test_absent_or_non_string_fields_read_as_empty() -> None:
    assert meta_field(Pod.from_dict({}), "name") == ""
    assert meta_field({"metadata": {"name": 3}}, "name") == ""
    assert meta_field({"metadata": None}, "name") == ""
    assert object_key({"metadata": {"name": "node-1"}}) == "node-1"  # cluster-scoped
    with pytest.raises(ValueError):
        object_key({"metadata": {}})


def test_an_object_without_a_wire_dict_is_read_by_attribute() -> None:
    obj = SimpleNamespace(metadata=SimpleNamespace(name="x", namespace="y", resource_version="9"))
    assert object_key(obj) == "y/x"
    assert resource_version(obj) == "9"
    odd = SimpleNamespace(to_dict=lambda: "not a dict", metadata=SimpleNamespace(name="z"))
    assert object_key(odd) == "z"


def test_intern_strings_shares_short_values_and_leaves_the_object_equal() -> None:
    text = json.dumps(
        {"a": ["node-7", {"b": "node-7", "c": 1, "d": None}], "e": "x" * (INTERN_MAX_LEN + 1)}
    )
    one, two = json.loads(text), json.loads(text)
    assert one["a"][0] is not two["a"][0]
    assert intern_strings(one) is one
    intern_strings([two])  # a list of objects
    assert json.dumps(one) == text == json.dumps(two)
    assert one["a"][0] is one["a"][1]["b"] is two["a"][0]
    assert one["e"] is not two["e"]  # longer values are left alone
    pod = Pod.from_dict(json.loads(text))
    intern_strings(pod)  # a model: through its wire dict
    assert pod.to_dict()["a"][0] is one["a"][0]
    assert intern_strings("text") == "text"
