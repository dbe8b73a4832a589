"""The seed's flow through the typed Clientset, replayed against recorded real exchanges.

Every request is checked against the recording (method, path, query, JSON body), so these
tests fail if the typed client puts anything different on the wire.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from rawkube.errors import AlreadyExists, Conflict, Invalid, NotFound
from rawkube.models.apps_v1 import Deployment, DeploymentList
from rawkube.models.core_v1 import Namespace
from rawkube.retry import DEFAULT_RETRY, retry_on_conflict
from rawkube.typed.clientset import Clientset
from rawkube.typed.resource import ResourceInfo, UnsupportedVerb
from tests.helpers.recorded import Script, exchange, request_body, response_body


def deployments(script: Script) -> Any:
    return Clientset(script.config()).apps_v1().deployments("default")


def test_create_returns_201_object_as_model() -> None:
    script = Script("008", "009")
    deps = deployments(script)
    created = deps.create(Deployment.from_dict(request_body("008")))
    assert isinstance(created, Deployment)
    assert created.metadata.uid == response_body("008")["metadata"]["uid"]
    assert created.metadata.resource_version
    with pytest.raises(AlreadyExists):
        deps.create(Deployment.from_dict(request_body("009")))
    assert script.done()


def _success_step(put: dict[str, Any]) -> dict[str, Any]:
    """What the server answers to a PUT that wins: the object with a new resourceVersion.

    (The recording only holds the conflicting PUTs 011/012; this success is derived from them.)
    """
    body = copy.deepcopy(put["request"]["body"])
    body["metadata"]["resourceVersion"] = "999"
    body["metadata"]["generation"] = 2
    return {
        "name": "synthesized update success",
        "request": put["request"],
        "response": {"status": 200, "headers": {"content-type": "application/json"}, "body": body},
    }


def test_update_conflict_then_success_under_retry_on_conflict() -> None:
    # get (010) -> PUT (011: 409 Conflict) -> get again (010) -> PUT (wins)
    script = Script("010", "011", "010", _success_step(exchange("011")))
    deps = deployments(script)
    attempts = 0

    def bump() -> Deployment:
        nonlocal attempts
        attempts += 1
        d = deps.get("demo-deployment")
        d.spec.replicas = 1
        d.spec.template.spec.containers[0].image = "nginx:1.13"
        return deps.update(d)

    sleeps: list[float] = []
    updated = retry_on_conflict(DEFAULT_RETRY, bump, sleep=sleeps.append)
    assert attempts == 2 and len(sleeps) == 1
    assert updated.metadata.resource_version == "999"
    assert updated.spec.template.spec.containers[0].image == "nginx:1.13"
    assert script.done()


def test_stale_update_raises_conflict() -> None:
    script = Script("012")
    with pytest.raises(Conflict) as info:
        deployments(script).update(Deployment.from_dict(request_body("012")))
    assert info.value.details["name"] == "demo-deployment"


def test_list_pages_and_selectors() -> None:
    script = Script("013", "014", "015", "016", "017")
    deps = deployments(script)
    everything = deps.list()
    assert isinstance(everything, DeploymentList)
    assert [d.metadata.name for d in everything.items] == ["demo-deployment"]

    page1 = deps.list(limit=2)
    assert page1.metadata.remaining_item_count == 2
    page2 = deps.list(limit=2, continue_=page1.metadata.continue_)
    names = [d.metadata.name for d in [*page1.items, *page2.items]]
    assert names == ["demo-deployment", "page-0", "page-1", "page-2"]
    assert not page2.metadata.continue_

    assert len(deps.list(label_selector="tier=paged").items) == 3
    only = deps.list(field_selector="metadata.name=page-1")
    assert [d.metadata.name for d in only.items] == ["page-1"]
    assert script.done()


def test_list_all_namespaces_has_no_namespace_segment() -> None:
    script = Script("018")
    cs = Clientset(script.config())
    lst = cs.apps_v1().deployments().list()
    assert len(lst.items) == len(response_body("018")["items"])


@pytest.mark.parametrize(
    ("fixture", "policy", "returns_object"),
    [
        ("041", "Foreground", True),  # object with deletionTimestamp + foregroundDeletion finalizer
        ("042", "Background", False),  # a Status
        ("043", "Orphan", True),  # object with the orphan finalizer
    ],
)
def test_delete_with_each_propagation_policy(
    fixture: str, policy: str, returns_object: bool
) -> None:
    script = Script(fixture)
    name = exchange(fixture)["request"]["path"].rsplit("/", 1)[1]
    result = deployments(script).delete(name, propagation_policy=policy)
    if returns_object:
        assert isinstance(result, Deployment)
        assert result.metadata.deletion_timestamp is not None
        assert result.metadata.finalizers
    else:
        assert isinstance(result, dict) and result["kind"] == "Status"
        assert result["details"]["name"] == name
    assert script.done()


def test_delete_errors_and_collection() -> None:
    script = Script("044", "045", "046")
    deps = deployments(script)
    with pytest.raises(NotFound):
        deps.delete("no-such")
    with pytest.raises(Conflict):
        deps.delete(
            "demo-deployment", preconditions={"uid": "00000000-0000-0000-0000-000000000000"}
        )
    gone = deps.delete_collection(label_selector="tier=paged")
    assert isinstance(gone, DeploymentList)
    assert {d.metadata.name for d in gone.items} == {"page-0", "page-1", "page-2"}


def test_watch_events_decode_into_models() -> None:
    script = Script("039")
    deps = deployments(script)
    with deps.watch(resource_version="326", allow_watch_bookmarks=True, timeout_seconds=4) as w:
        events = list(w)
    recorded = exchange("039")["response"]["body_lines"]
    assert [e.type for e in events] == [line["type"] for line in recorded]
    assert all(isinstance(e.object, Deployment) for e in events)
    assert events[-1].type == "BOOKMARK" and events[-1].resource_version == "376"
    assert events[1].object.metadata.name == "watched"


def test_patch_in_all_four_types_and_apply() -> None:
    script = Script("025", "026", "027", "028", "029", "030")
    deps = deployments(script)
    for fixture, patch_type in (("025", "merge"), ("026", "json"), ("027", "strategic")):
        patched = deps.patch("demo-deployment", request_body(fixture), patch_type=patch_type)
        assert isinstance(patched, Deployment)
        assert patched.to_dict() == response_body(fixture)
    applied = deps.apply(request_body("028"), field_manager="rawkube-demo")
    assert applied.metadata.name == "applied"
    with pytest.raises(Conflict):
        deps.apply(request_body("029"), field_manager="other-manager")
    forced = deps.apply(request_body("030"), field_manager="other-manager", force=True)
    assert forced.to_dict() == response_body("030")
    assert script.done()


def test_scale_subresource() -> None:
    script = Script("031", "032")
    deps = deployments(script)
    scale = deps.get_scale("demo-deployment")
    assert scale.spec.replicas == response_body("031")["spec"]["replicas"]
    scale = type(scale).from_dict(request_body("032"))
    updated = deps.update_scale("demo-deployment", scale)
    assert updated.to_dict() == response_body("032")


def test_write_options_reach_the_query() -> None:
    script = Script("023", "024")
    deps = deployments(script)
    from rawkube.errors import BadRequest

    with pytest.raises(BadRequest):
        deps.create(request_body("023"), field_validation="Strict")
    dry = deps.create(request_body("024"), dry_run=True)
    assert dry.metadata.uid


def test_invalid_object_raises_invalid_with_causes() -> None:
    script = Script("020")
    with pytest.raises(Invalid) as info:
        deployments(script).create(request_body("020"))
    assert info.value.causes


def test_core_resources_namespace_configmap_pod_and_log() -> None:
    script = Script("055", "056", "057", "058", "059")
    core = Clientset(script.config()).core_v1()
    ns = core.namespaces().create(request_body("055"))
    assert ns.metadata.name == "rawkube-demo"
    cm = core.config_maps("rawkube-demo").create(request_body("056"))
    assert cm.data == response_body("056")["data"]
    pods = core.pods("rawkube-demo")
    pod = pods.create(request_body("057"))
    assert pod.status.phase == "Pending"
    assert pods.get_log("p1") == ""  # 204 while the pod has no node
    deleted = core.namespaces().delete("rawkube-demo")
    assert isinstance(deleted, Namespace)  # still there, finalizing: the object, not a Status
    assert deleted.status.phase == "Terminating"
    assert script.done()


def test_unsupported_verbs_and_subresources_are_refused_before_sending() -> None:
    script = Script()  # any request would fail the test
    core = Clientset(script.config()).core_v1()
    with pytest.raises(UnsupportedVerb):
        core.component_statuses().create({"metadata": {"name": "x"}})
    with pytest.raises(UnsupportedVerb):
        core.config_maps("default").get_scale("x")


def test_resource_info_is_plain_data() -> None:
    info = ResourceInfo("apps", "v1", "deployments", "Deployment", True)
    assert info.gvr.resource == "deployments" and str(info.group_version) == "apps/v1"


def test_pod_log_follow_streams_lines_and_evict_posts_an_eviction() -> None:
    import httpx

    from rawkube.config.types import Config

    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("/log"):
            return httpx.Response(200, content=iter([b"line one\nli", b"ne two\n", b"tail"]))
        status = {"kind": "Status", "apiVersion": "v1", "status": "Success", "code": 201}
        return httpx.Response(201, json=status)

    cfg = Config(host="http://127.0.0.1:6443", transport=httpx.MockTransport(handler), qps=0)
    pods = Clientset(cfg).core_v1().pods("rawkube-demo")
    lines = list(pods.stream_log("p1", container="web", tail_lines=10))
    assert lines == ["line one", "line two", "tail"]
    log_req = seen[0]
    assert log_req.url.path == "/api/v1/namespaces/rawkube-demo/pods/p1/log"
    assert dict(log_req.url.params) == {"follow": "true", "container": "web", "tailLines": "10"}

    status = pods.evict("p1", grace_period_seconds=0)
    assert status["status"] == "Success"
    evict_req = seen[1]
    assert evict_req.method == "POST"
    assert evict_req.url.path == "/api/v1/namespaces/rawkube-demo/pods/p1/eviction"
    import json

    assert json.loads(evict_req.content) == {
        "apiVersion": "policy/v1",
        "kind": "Eviction",
        "metadata": {"name": "p1", "namespace": "rawkube-demo"},
        "deleteOptions": {"apiVersion": "v1", "kind": "DeleteOptions", "gracePeriodSeconds": 0},
    }


VERBS = [
    "create",
    "get",
    "update",
    "update_status",
    "patch",
    "apply",
    "list",
    "watch",
    "delete",
    "delete_collection",
    "get_scale",
    "update_scale",
    "get_log",
    "stream_log",
    "evict",
]


@pytest.mark.parametrize("verb", VERBS)
def test_same_keyword_arguments_typed_async_and_dynamic(verb: str) -> None:
    import inspect

    from rawkube.dynamic import AsyncDynamicResourceClient, DynamicResourceClient
    from rawkube.typed.resource import AsyncResourceClient, ResourceClient

    def params(cls: type) -> list[str]:
        return list(inspect.signature(getattr(cls, verb)).parameters)

    expected = params(ResourceClient)
    for cls in (AsyncResourceClient, DynamicResourceClient, AsyncDynamicResourceClient):
        assert params(cls) == expected, cls
