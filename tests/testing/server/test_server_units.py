"""Unit tests of the LocalAPIServer's pure pieces: selectors, patches, field managers, discovery."""

from __future__ import annotations

import pytest

from rawkube.testing.server import discovery
from rawkube.testing.server.openapi import Schema, unknown_fields
from rawkube.testing.server.patch import (
    ManagedFields,
    json_patch,
    merge_patch,
    render_path,
    strategic_merge_patch,
)
from rawkube.testing.server.resources import ResourceTable
from rawkube.testing.server.selectors import (
    label_selector_predicate,
    parse_field_selector,
    parse_label_selector,
)
from rawkube.testing.server.store import APIError

DEPLOYMENT = Schema.for_kind("apps", "v1", "Deployment")


@pytest.mark.parametrize(
    ("selector", "labels", "expected"),
    [
        ("app=web", {"app": "web"}, True),
        ("app==web", {"app": "db"}, False),
        ("app!=web", {}, True),
        ("tier in (a, b),app", {"tier": "b", "app": "x"}, True),
        ("tier notin (a,b)", {"tier": "a"}, False),
        ("!app", {"tier": "a"}, True),
        ("!app", {"app": ""}, False),
        ("", {"anything": "x"}, True),
    ],
)
def test_label_selectors(selector: str, labels: dict[str, str], expected: bool) -> None:
    # k8s.io/apimachinery/pkg/labels/selector.go: equality- and set-based requirements.
    assert parse_label_selector(selector)(labels) is expected


def test_malformed_label_selector_is_bad_request() -> None:
    with pytest.raises(APIError) as err:
        parse_label_selector("a in (b")
    assert err.value.code == 400


def test_field_selectors() -> None:
    pod = {"metadata": {"name": "p", "namespace": "ns"}, "status": {"phase": "Running"}}
    assert parse_field_selector("metadata.name=p,status.phase!=Pending")(pod)
    assert not parse_field_selector("spec.nodeName=n1")(pod)
    assert parse_field_selector("spec.nodeName=")(pod)


def test_label_selector_object() -> None:
    selector = {
        "matchLabels": {"app": "a"},
        "matchExpressions": [{"key": "t", "operator": "Exists"}],
    }
    assert label_selector_predicate(selector)({"app": "a", "t": ""})
    assert not label_selector_predicate(selector)({"app": "a"})
    assert not label_selector_predicate(None)({})


def test_json_patch_operations() -> None:
    doc = {"a": [1, 2], "b": {"c": 1}}
    out = json_patch(
        doc,
        [
            {"op": "add", "path": "/a/-", "value": 3},
            {"op": "remove", "path": "/a/0"},
            {"op": "move", "from": "/b/c", "path": "/d"},
            {"op": "test", "path": "/d", "value": 1},
        ],
    )
    assert out == {"a": [2, 3], "b": {}, "d": 1} and doc == {"a": [1, 2], "b": {"c": 1}}
    with pytest.raises(APIError):
        json_patch(doc, [{"op": "test", "path": "/a/0", "value": 9}])


def test_merge_patch_rfc7386() -> None:
    assert merge_patch({"a": {"b": 1, "c": 2}, "l": [1]}, {"a": {"b": None}, "l": [2]}) == {
        "a": {"c": 2},
        "l": [2],
    }


def test_strategic_merge_patch_directives() -> None:
    live = {
        "spec": {
            "template": {
                "spec": {"containers": [{"name": "a", "image": "1"}, {"name": "b", "image": "1"}]}
            }
        }
    }
    delete_b = {"spec": {"template": {"spec": {"containers": [{"name": "b", "$patch": "delete"}]}}}}
    out = strategic_merge_patch(live, delete_b, DEPLOYMENT)
    assert out["spec"]["template"]["spec"]["containers"] == [{"name": "a", "image": "1"}]
    replace = {"spec": {"template": {"spec": {"$patch": "replace", "containers": [{"name": "z"}]}}}}
    out = strategic_merge_patch(live, replace, DEPLOYMENT)
    assert out["spec"]["template"]["spec"] == {"containers": [{"name": "z"}]}


def test_apply_conflict_message_format() -> None:
    # Recording 029's message, including its newline layout.
    fields = ManagedFields(None)
    live = {"metadata": {"name": "x"}, "spec": {"replicas": 2, "paused": False}}
    fields.apply("first", "apps/v1", {}, live, DEPLOYMENT, force=False)
    with pytest.raises(APIError) as err:
        fields.apply(
            "second",
            "apps/v1",
            live,
            {"spec": {"replicas": 5, "paused": True}},
            DEPLOYMENT,
            force=False,
        )
    assert err.value.message == (
        'Apply failed with 2 conflicts: conflicts with "first":\n- .spec.paused\n- .spec.replicas'
    )


def test_apply_removes_fields_the_manager_stopped_applying() -> None:
    fields = ManagedFields(None)
    first = fields.apply(
        "m", "apps/v1", {}, {"spec": {"replicas": 2, "paused": True}}, DEPLOYMENT, False
    )
    second = fields.apply("m", "apps/v1", first, {"spec": {"replicas": 2}}, DEPLOYMENT, False)
    assert second["spec"] == {"replicas": 2}


def test_render_path_of_list_item() -> None:
    assert render_path(("f:spec", 'k:{"name":"web"}', "f:image")) == '.spec[name="web"].image'


def test_unknown_fields_walk_lists_and_maps() -> None:
    obj = {
        "spec": {
            "template": {
                "metadata": {"labels": {"any": "x"}},
                "spec": {"containers": [{"name": "a", "nope": 1}]},
            }
        }
    }
    assert unknown_fields(obj, DEPLOYMENT) == ["spec.template.spec.containers[0].nope"]


def test_discovery_documents_track_crds() -> None:
    table = ResourceTable()
    legacy = discovery.api_resource_list(table, "", "v1")
    assert legacy is not None and "apiVersion" not in legacy
    names = [r["name"] for r in legacy["resources"]]
    assert "pods" in names and "pods/log" in names
    crd = {
        "spec": {
            "group": "example.com",
            "scope": "Namespaced",
            "names": {"plural": "widgets", "kind": "Widget", "singular": "widget"},
            "versions": [
                {"name": "v1", "served": True, "storage": True, "subresources": {"status": {}}}
            ],
        }
    }
    table.add_crd(crd)
    doc = discovery.api_resource_list(table, "example.com", "v1")
    assert doc is not None
    assert [r["name"] for r in doc["resources"]] == ["widgets", "widgets/status"]
    groups = [g["name"] for g in discovery.api_group_list(table)["groups"]]
    assert groups[-1] == "example.com"
    aggregated = discovery.aggregated(table, legacy=False)
    assert any(item["metadata"]["name"] == "example.com" for item in aggregated["items"])
    table.remove_crd(crd)
    assert discovery.api_resource_list(table, "example.com", "v1") is None


@pytest.mark.parametrize(
    ("recording", "group", "kind"),
    [
        ("008", "apps", "Deployment"),
        ("022", "apps", "Deployment"),
        ("047", "apiextensions.k8s.io", "CustomResourceDefinition"),
        ("056", "", "ConfigMap"),
    ],
)
def test_update_managed_fields_match_the_real_server(recording: str, group: str, kind: str) -> None:
    # The creator's FieldsV1 as the real server computed it for the (defaulted) object.
    import json
    from pathlib import Path

    folder = Path(__file__).resolve().parents[3] / "fixtures" / "real-apiserver"
    real = json.loads(next(folder.glob(f"{recording}-*.json")).read_text())["response"]["body"]
    entry = next(e for e in real["metadata"]["managedFields"] if e["manager"] == "python-httpx")
    obj = json.loads(json.dumps(real))
    del obj["metadata"]["managedFields"]
    fields = ManagedFields(None)
    fields.record_update(
        "python-httpx", real["apiVersion"], None, obj, Schema.for_kind(group, "v1", kind)
    )
    assert fields.entries[0]["fieldsV1"] == entry["fieldsV1"]
