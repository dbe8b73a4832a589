"""The seed's flow through the DynamicClient (plain dicts), replayed against recorded exchanges,
plus client-go `unstructured.Nested*` semantics
(k8s.io/apimachinery/pkg/apis/meta/v1/unstructured/helpers.go)."""

from __future__ import annotations

import asyncio
import copy
import json
from typing import Any

import pytest

from rawkube.dynamic import (
    AsyncDynamicClient,
    DynamicClient,
    NestedFieldError,
    Unstructured,
    nested_field,
    nested_int64,
    nested_map,
    nested_slice,
    nested_string,
    nested_string_map,
    remove_nested_field,
    set_nested_field,
)
from rawkube.errors import AlreadyExists, Conflict, NotFound
from rawkube.retry import DEFAULT_RETRY, retry_on_conflict
from rawkube.schema import GroupVersionKind, GroupVersionResource
from tests.helpers.recorded import Script, exchange, request_body, response_body

DEPLOYMENTS = GroupVersionResource("apps", "v1", "deployments")
WIDGETS = GroupVersionResource("example.com", "v1", "widgets")


def deployments(script: Script) -> Any:
    return DynamicClient(script.config()).resource(DEPLOYMENTS).namespace("default")


def test_create_and_already_exists() -> None:
    script = Script("008", "009")
    res = deployments(script)
    created = res.create(request_body("008"))
    assert isinstance(created, Unstructured)
    assert created == response_body("008")  # a dict, exactly the server's JSON
    assert created.kind == "Deployment" and created.api_version == "apps/v1"
    assert created.name == "demo-deployment" and created.namespace == "default"
    assert created.resource_version == response_body("008")["metadata"]["resourceVersion"]
    with pytest.raises(AlreadyExists):
        res.create(request_body("009"))


@pytest.mark.parametrize("client_class", [DynamicClient, AsyncDynamicClient])
@pytest.mark.parametrize(
    ("gvr", "message"),
    [
        ("apps/v1/deployments", "a GroupVersionResource, not str"),
        (("apps", "deployments"), "a GroupVersionResource, not tuple"),
        (GroupVersionKind("apps", "v1", "Deployment"), "rest_mapper"),
    ],
)
def test_resource_rejects_what_is_not_a_group_version_resource(
    client_class: Any, gvr: Any, message: str
) -> None:
    # a str used to fail with "__new__() takes 4 positional arguments but 20 were given", and
    # a GroupVersionKind was sent as resource "Deployment" (404 from the server)
    client = client_class(Script().config())
    with pytest.raises(TypeError, match=message):
        client.resource(gvr)


def test_update_conflict_then_success_under_retry_on_conflict() -> None:
    success_body = copy.deepcopy(request_body("011"))
    success_body["metadata"]["resourceVersion"] = "999"
    success = {
        "name": "synthesized update success",
        "request": exchange("011")["request"],
        "response": {"status": 200, "headers": {}, "body": success_body},
    }
    script = Script("010", "011", "010", success)
    res = deployments(script)

    def bump() -> Unstructured:
        d = res.get("demo-deployment")
        d.set_nested_field(1, "spec", "replicas")
        containers, _ = d.nested_slice("spec", "template", "spec", "containers")
        containers[0]["image"] = "nginx:1.13"
        d.set_nested_field(containers, "spec", "template", "spec", "containers")
        return res.update(d)

    updated = retry_on_conflict(DEFAULT_RETRY, bump, sleep=lambda s: None)
    assert updated.resource_version == "999"
    assert script.done()


def test_stale_update_conflicts() -> None:
    with pytest.raises(Conflict):
        deployments(Script("012")).update(request_body("012"))


def test_list_pages_and_selectors() -> None:
    script = Script("014", "015", "016", "017", "018")
    res = deployments(script)
    page1 = res.list(limit=2)
    token = page1["metadata"]["continue"]
    page2 = res.list(limit=2, continue_=token)
    names = [item.name for item in [*page1["items"], *page2["items"]]]
    assert names == ["demo-deployment", "page-0", "page-1", "page-2"]
    assert all(isinstance(i, Unstructured) for i in page1["items"])
    assert len(res.list(label_selector="tier=paged")["items"]) == 3
    assert res.list(field_selector="metadata.name=page-1")["items"][0].name == "page-1"
    # no .namespace(): all namespaces, /apis/apps/v1/deployments
    everywhere = DynamicClient(script.config()).resource(DEPLOYMENTS).list()
    assert everywhere["kind"] == "DeploymentList"
    assert script.done()


@pytest.mark.parametrize(
    ("fixture", "policy", "kind"),
    [
        ("041", "Foreground", "Deployment"),
        ("042", "Background", "Status"),
        ("043", "Orphan", "Deployment"),
    ],
)
def test_delete_with_each_propagation_policy(fixture: str, policy: str, kind: str) -> None:
    script = Script(fixture)
    name = exchange(fixture)["request"]["path"].rsplit("/", 1)[1]
    result = deployments(script).delete(name, propagation_policy=policy)
    assert result["kind"] == kind
    assert isinstance(result, Unstructured) == (kind != "Status")
    assert script.done()


def test_delete_not_found() -> None:
    with pytest.raises(NotFound):
        deployments(Script("044")).delete("no-such")


def test_watch_events_are_unstructured() -> None:
    script = Script("039")
    with deployments(script).watch(
        resource_version="326", allow_watch_bookmarks=True, timeout_seconds=4
    ) as w:
        events = [(e.type, e.object) for e in w]
    recorded = exchange("039")["response"]["body_lines"]
    assert [(t, dict(o)) for t, o in events] == [(r["type"], r["object"]) for r in recorded]
    assert all(isinstance(o, Unstructured) for _, o in events)


def test_custom_resource_with_no_generated_code() -> None:
    script = Script("049", "050", "051", "052", "053")
    widgets = DynamicClient(script.config()).resource(WIDGETS).namespace("default")
    w = widgets.create(request_body("049"))
    assert w.nested_int64("spec", "size") == (3, True)
    w = widgets.get("w1")
    w.set_nested_field(request_body("051")["status"], "status")
    assert w == request_body("051")  # exactly what was PUT to /status
    w = widgets.update_status(w)
    assert w.nested_field("status") == (response_body("051")["status"], True)
    assert [i.name for i in widgets.list()["items"]] == ["w1"]
    assert widgets.delete("w1")["status"] == "Success"
    assert script.done()


def test_async_dynamic_client_same_wire() -> None:
    script = Script("008", "041", "039")

    async def flow() -> list[str]:
        async with AsyncDynamicClient(script.config()) as dyn:
            res = dyn.resource(DEPLOYMENTS).namespace("default")
            created = await res.create(request_body("008"))
            assert created.name == "demo-deployment"
            await res.delete("del-foreground", propagation_policy="Foreground")
            watch = res.watch(resource_version="326", allow_watch_bookmarks=True, timeout_seconds=4)
            return [e.type async for e in watch]

    types = asyncio.run(flow())
    assert types[-1] == "BOOKMARK" and len(types) == 11
    assert script.done()


# -- Nested* helpers ---------------------------------------------------------------------------


def test_nested_helpers_follow_client_go() -> None:
    obj = Unstructured(json.loads(json.dumps(response_body("010"))))
    assert nested_string(obj, "metadata", "name") == ("demo-deployment", True)
    assert nested_string(obj, "metadata", "nope") == ("", False)
    assert nested_int64(obj, "spec", "replicas") == (2, True)
    assert nested_field(obj, "spec", "nope", "deeper") == (None, False)
    labels, found = nested_string_map(obj, "spec", "selector", "matchLabels")
    assert found and labels == {"app": "demo"}
    with pytest.raises(NestedFieldError):
        nested_string(obj, "spec", "replicas")  # an int, not a string
    with pytest.raises(NestedFieldError):
        nested_field(obj, "metadata", "name", "x")  # walking through a string
    # NestedMap / NestedSlice return copies; SetNestedField creates intermediate maps
    m, _ = nested_map(obj, "spec", "selector")
    m["matchLabels"]["app"] = "changed"
    assert obj["spec"]["selector"]["matchLabels"]["app"] == "demo"
    s, _ = nested_slice(obj, "spec", "template", "spec", "containers")
    s.clear()
    assert obj["spec"]["template"]["spec"]["containers"]
    set_nested_field(obj, "v", "a", "b", "c")
    assert obj["a"] == {"b": {"c": "v"}}
    with pytest.raises(NestedFieldError):
        set_nested_field(obj, 1, "metadata", "name", "x")
    remove_nested_field(obj, "a", "b")
    assert obj["a"] == {}


def test_unstructured_accessors_set_metadata() -> None:
    u = Unstructured({"apiVersion": "example.com/v1", "kind": "Widget"})
    u.name = "w"
    u.namespace = "ns"
    u.labels = {"a": "b"}
    u.annotations = {"x": "y"}
    assert u["metadata"] == {
        "name": "w",
        "namespace": "ns",
        "labels": {"a": "b"},
        "annotations": {"x": "y"},
    }
    assert u.gvk == ("example.com", "v1", "Widget")
    assert json.loads(json.dumps(u)) == dict(u)  # still plain JSON
    assert "Widget" in repr(u) and "ns/w" in repr(u)
