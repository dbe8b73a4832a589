"""Sync and async twins send the very same requests, verb by verb.

Every verb of the typed and dynamic resource clients is called, sync and async, with every
option set to a distinct value; the `httpx.Request`s that reach the transport must be equal
(method, URL with its query, headers, body). The expected queries are spelled out too, so an
option forwarded to the wrong place in the shared plans would show here.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from rawkube.config.types import Config
from rawkube.dynamic import AsyncDynamicClient, DynamicClient
from rawkube.schema import GroupVersionResource
from rawkube.typed.clientset import AsyncClientset, Clientset

DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "ns1", "resourceVersion": "41"},
    "spec": {"replicas": 2},
}
LIST_OPTIONS = {
    "label_selector": "app=web",
    "field_selector": "metadata.name=web",
    "limit": 5,
    "continue_": "tok",
    "resource_version": "9",
    "resource_version_match": "NotOlderThan",
    "timeout_seconds": 11,
}
LIST_QUERY = {
    "labelSelector": ["app=web"],
    "fieldSelector": ["metadata.name=web"],
    "limit": ["5"],
    "continue": ["tok"],
    "resourceVersion": ["9"],
    "resourceVersionMatch": ["NotOlderThan"],
    "timeoutSeconds": ["11"],
}
WATCH_OPTIONS = {
    "label_selector": "app=web",
    "field_selector": "metadata.name=web",
    "resource_version": "9",
    "resource_version_match": "NotOlderThan",
    "timeout_seconds": 11,
    "allow_watch_bookmarks": True,
    "send_initial_events": False,
}
WATCH_QUERY = {
    "labelSelector": ["app=web"],
    "fieldSelector": ["metadata.name=web"],
    "resourceVersion": ["9"],
    "resourceVersionMatch": ["NotOlderThan"],
    "timeoutSeconds": ["11"],
    "allowWatchBookmarks": ["true"],
    "sendInitialEvents": ["false"],
    "watch": ["true"],
}
WRITE = {"dry_run": True, "field_manager": "fm", "field_validation": "Strict"}
WRITE_QUERY = {"dryRun": ["All"], "fieldManager": ["fm"], "fieldValidation": ["Strict"]}
DELETE = {
    "propagation_policy": "Foreground",
    "grace_period_seconds": 3,
    "preconditions": {"uid": "u1", "resource_version": "41"},
    "dry_run": True,
}
DELETE_BODY = {
    "kind": "DeleteOptions",
    "apiVersion": "v1",
    "propagationPolicy": "Foreground",
    "gracePeriodSeconds": 3,
    "preconditions": {"uid": "u1", "resourceVersion": "41"},
    "dryRun": ["All"],
}
LOG = {
    "container": "c1",
    "previous": True,
    "since_seconds": 60,
    "since_time": None,
    "timestamps": True,
    "tail_lines": 7,
    "limit_bytes": 4096,
}
LOG_QUERY = {
    "container": ["c1"],
    "previous": ["true"],
    "sinceSeconds": ["60"],
    "timestamps": ["true"],
    "tailLines": ["7"],
    "limitBytes": ["4096"],
}

# (verb, resource, positional args, keyword args, expected method, path tail, query)
# The path tail follows `/namespaces/ns1/`.
CASES: list[tuple[str, str, tuple[Any, ...], dict[str, Any], str, str, dict[str, list[str]]]] = [
    ("create", "deployments", (DEPLOYMENT,), WRITE, "POST", "deployments", WRITE_QUERY),
    ("get", "deployments", ("web",), {"resource_version": "3"}, "GET", "deployments/web",
     {"resourceVersion": ["3"]}),
    ("update", "deployments", (DEPLOYMENT,), WRITE, "PUT", "deployments/web", WRITE_QUERY),
    ("update_status", "deployments", (DEPLOYMENT,), WRITE, "PUT", "deployments/web/status",
     WRITE_QUERY),
    ("patch", "deployments", ("web", {"spec": {"replicas": 3}}, "strategic"),
     {"subresource": "scale", **WRITE}, "PATCH", "deployments/web/scale", WRITE_QUERY),
    ("apply", "deployments", (DEPLOYMENT, "fm"),
     {"force": True, "subresource": "status", "dry_run": True, "field_validation": "Warn"},
     "PATCH", "deployments/web/status",
     {"dryRun": ["All"], "fieldManager": ["fm"], "fieldValidation": ["Warn"], "force": ["true"]}),
    ("list", "deployments", (), LIST_OPTIONS, "GET", "deployments", LIST_QUERY),
    ("watch", "deployments", (), WATCH_OPTIONS, "GET", "deployments", WATCH_QUERY),
    ("delete", "deployments", ("web",), DELETE, "DELETE", "deployments/web", {}),
    ("delete_collection", "deployments", (), {**DELETE, "label_selector": "app=web"},
     "DELETE", "deployments", {"labelSelector": ["app=web"]}),
    ("get_scale", "deployments", ("web",), {}, "GET", "deployments/web/scale", {}),
    ("update_scale", "deployments", ("web", {"spec": {"replicas": 4}}), WRITE, "PUT",
     "deployments/web/scale", WRITE_QUERY),
    ("get_log", "pods", ("p1",), LOG, "GET", "pods/p1/log", LOG_QUERY),
    ("stream_log", "pods", ("p1",), LOG, "GET", "pods/p1/log",
     {**LOG_QUERY, "follow": ["true"]}),
    ("evict", "pods", ("p1",), DELETE, "POST", "pods/p1/eviction", {}),
]  # fmt: skip

EXPECTED_BODY: dict[str, Any] = {
    "create": DEPLOYMENT,
    "update": DEPLOYMENT,
    "update_status": DEPLOYMENT,
    "patch": {"spec": {"replicas": 3}},
    "apply": DEPLOYMENT,
    "delete": DELETE_BODY,
    "delete_collection": DELETE_BODY,
    "update_scale": {"spec": {"replicas": 4}},
    "evict": {
        "apiVersion": "policy/v1",
        "kind": "Eviction",
        "metadata": {"name": "p1", "namespace": "ns1"},
        "deleteOptions": DELETE_BODY,
    },
}


def _answer(request: httpx.Request) -> httpx.Response:
    if request.url.params.get("watch") == "true":
        return httpx.Response(200, content=b"")
    if request.url.path.endswith("/log"):
        return httpx.Response(200, content=b"one\ntwo")
    return httpx.Response(200, json={"apiVersion": "v1", "kind": "Status", "status": "Success"})


def _config(seen: list[httpx.Request]) -> Config:
    def handler(request: httpx.Request) -> httpx.Response:
        request.read()
        seen.append(request)
        return _answer(request)

    return Config(host="http://127.0.0.1:6443", transport=httpx.MockTransport(handler), qps=0)


def _wire(request: httpx.Request) -> tuple[str, str, dict[str, str], bytes]:
    headers = {k.lower(): v for k, v in request.headers.items()}
    return request.method, str(request.url), headers, request.content


def _call_sync(client: Any, verb: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    result = getattr(client, verb)(*args, **kwargs)
    if verb in ("watch", "stream_log"):
        return list(result)
    return result


async def _call_async(client: Any, verb: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    result = getattr(client, verb)(*args, **kwargs)
    if verb in ("watch", "stream_log"):
        return [item async for item in result]
    return await result


def _typed_sync(cfg: Config, resource: str) -> tuple[Any, Callable[[], None]]:
    cs = Clientset(cfg)
    group = cs.core_v1() if resource == "pods" else cs.apps_v1()
    return getattr(group, resource)("ns1"), cs.close


def _typed_async(cfg: Config, resource: str) -> tuple[Any, Any]:
    cs = AsyncClientset(cfg)
    group = cs.core_v1() if resource == "pods" else cs.apps_v1()
    return getattr(group, resource)("ns1"), cs.aclose


def _gvr(resource: str) -> GroupVersionResource:
    if resource == "pods":
        return GroupVersionResource("", "v1", "pods")
    return GroupVersionResource("apps", "v1", resource)


def _dynamic_sync(cfg: Config, resource: str) -> tuple[Any, Callable[[], None]]:
    dyn = DynamicClient(cfg)
    return dyn.resource(_gvr(resource)).namespace("ns1"), dyn.close


def _dynamic_async(cfg: Config, resource: str) -> tuple[Any, Any]:
    dyn = AsyncDynamicClient(cfg)
    return dyn.resource(_gvr(resource)).namespace("ns1"), dyn.aclose


def _sent_sync(make: Any, case: tuple[Any, ...]) -> tuple[list[httpx.Request], Any]:
    verb, resource, args, kwargs = case[:4]
    seen: list[httpx.Request] = []
    client, close = make(_config(seen), resource)
    try:
        out = _call_sync(client, verb, args, dict(kwargs))
    finally:
        close()
    return seen, out


def _sent_async(make: Any, case: tuple[Any, ...]) -> tuple[list[httpx.Request], Any]:
    verb, resource, args, kwargs = case[:4]
    seen: list[httpx.Request] = []

    async def run() -> Any:
        client, aclose = make(_config(seen), resource)
        try:
            return await _call_async(client, verb, args, dict(kwargs))
        finally:
            await aclose()

    return seen, asyncio.run(run())


def _plain(value: Any) -> Any:
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("flavour", ["typed", "dynamic"])
def test_sync_and_async_send_the_same_request(case: tuple[Any, ...], flavour: str) -> None:
    make_sync, make_async = {
        "typed": (_typed_sync, _typed_async),
        "dynamic": (_dynamic_sync, _dynamic_async),
    }[flavour]
    sync_seen, sync_out = _sent_sync(make_sync, case)
    async_seen, async_out = _sent_async(make_async, case)

    assert len(sync_seen) == len(async_seen) == 1
    assert _wire(sync_seen[0]) == _wire(async_seen[0])
    assert _plain(sync_out) == _plain(async_out)

    verb, resource, _, _, method, tail, query = case
    sent = sync_seen[0]
    prefix = "/api/v1" if resource == "pods" else "/apis/apps/v1"
    assert sent.method == method
    assert sent.url.path == f"{prefix}/namespaces/ns1/{tail}"
    assert {k: sent.url.params.get_list(k) for k in sent.url.params} == query
    body = json.loads(sent.content) if sent.content else None
    assert body == EXPECTED_BODY.get(verb)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_typed_and_dynamic_send_the_same_request(case: tuple[Any, ...]) -> None:
    typed, _ = _sent_sync(_typed_sync, case)
    dynamic, _ = _sent_sync(_dynamic_sync, case)
    assert _wire(typed[0]) == _wire(dynamic[0])


def test_every_public_verb_is_covered() -> None:
    from rawkube.typed.resource import AsyncResourceClient, ResourceClient

    def verbs(cls: type) -> set[str]:
        return {name for name in dir(cls) if not name.startswith("_") and name != "info"}

    # exec, attach and port-forward upgrade to WebSockets, which a mock transport cannot
    # answer: tests/stream/test_stream_typed.py runs each of them, sync and async, against a server.
    streams = {"exec", "exec_stream", "attach", "port_forward", "open_port"}
    assert verbs(ResourceClient) == verbs(AsyncResourceClient) == {c[0] for c in CASES} | streams
    # one definition for both: the verbs live in the shared base, the two classes add none
    assert not {n for n in vars(ResourceClient) | vars(AsyncResourceClient) if n[0] != "_"}
