"""The client speaks protobuf when configured to, as client-go's does (issue 13).

`Config.content_type` / `Config.accept_content_types` (client-go rest.Config ContentType and
AcceptContentTypes), per-request `.content_type(...)` / `.accept(...)`; JSON by default; custom
resources and the dynamic client always JSON. The seed's flow runs against a LocalAPIServer with
protobuf configured, and the wire is checked: requests carry protobuf bodies and ask for protobuf,
the answers are protobuf.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from rawkube import Clientset, DynamicClient, GroupVersionResource, RESTClient, protobuf
from rawkube.config.types import Config
from rawkube.errors import NotFound
from rawkube.models.apps_v1 import Deployment
from rawkube.retry import DEFAULT_RETRY, retry_on_conflict
from rawkube.testing.server import LocalAPIServer
from rawkube.tools.pager import ListPager

PB = protobuf.CONTENT_TYPE
PB_THEN_JSON = f"{PB},application/json"
NS = "pb-client"


@dataclass
class Seen:
    method: str
    path: str
    accept: str
    content_type: str
    body: bytes
    response_type: str = ""


@dataclass
class Wire:
    """A transport wrapper that keeps what went over the wire (Config.wrap_transport)."""

    seen: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wrap(self, inner: Any) -> Any:
        wire = self

        def seen(request: httpx.Request) -> Seen:
            return Seen(
                request.method,
                request.url.path,
                request.headers.get("accept", ""),
                request.headers.get("content-type", ""),
                request.content,
            )

        def keep(entry: Seen, response: httpx.Response) -> httpx.Response:
            entry.response_type = response.headers.get("content-type", "")
            with wire.lock:
                wire.seen.append(entry)
            return response

        class Tap(httpx.BaseTransport, httpx.AsyncBaseTransport):
            def handle_request(self, request: httpx.Request) -> httpx.Response:
                request.read()
                return keep(seen(request), inner.handle_request(request))

            async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
                await request.aread()
                return keep(seen(request), await inner.handle_async_request(request))

            def close(self) -> None:
                inner.close()

            async def aclose(self) -> None:
                await inner.aclose()

        return Tap()


@pytest.fixture(scope="module")
def server() -> Iterator[LocalAPIServer]:
    with LocalAPIServer() as srv:
        with Clientset(srv.config()) as cs:
            cs.core_v1().namespaces().create(
                {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}}
            )
        yield srv


def _config(server: LocalAPIServer, wire: Wire, **content: Any) -> Config:
    return server.config().copy(wrap_transport=wire.wrap, qps=0, **content)


def _deployment(name: str, replicas: int = 2) -> Deployment:
    return Deployment.from_dict(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": name, "labels": {"app": name}},
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": {"app": name}},
                "template": {
                    "metadata": {"labels": {"app": name}},
                    "spec": {"containers": [{"name": "web", "image": "nginx:1.12"}]},
                },
            },
        }
    )


def test_the_seed_flow_in_protobuf(server: LocalAPIServer) -> None:
    wire = Wire()
    cfg = _config(server, wire, content_type=PB, accept_content_types=PB_THEN_JSON)
    with Clientset(cfg) as cs:
        deployments = cs.apps_v1().deployments(NS)
        created = deployments.create(_deployment("seed"))
        assert created.metadata.uid and created.spec.replicas == 2
        attempts = []

        def update() -> None:
            current = deployments.get("seed")
            attempts.append(current.metadata.resource_version)
            if len(attempts) == 1:  # another writer gets in between: 409, then a retry
                deployments.patch(
                    "seed", {"metadata": {"annotations": {"other": "writer"}}}, patch_type="merge"
                )
            current.spec.replicas = 1
            current.spec.template.spec.containers[0].image = "nginx:1.13"
            deployments.update(current)

        retry_on_conflict(DEFAULT_RETRY, update)
        assert len(attempts) == 2
        listed = deployments.list(label_selector="app=seed")
        assert [d.metadata.name for d in listed.items] == ["seed"]
        assert listed.items[0].spec.template.spec.containers[0].image == "nginx:1.13"
        events = []
        for event in deployments.watch(
            resource_version=created.metadata.resource_version, timeout_seconds=5
        ):
            events.append(event)
            if event.type == "MODIFIED" and event.object.spec.replicas == 1:
                break
        assert events and events[-1].object.metadata.annotations["other"] == "writer"
        deployments.delete("seed", propagation_policy="Foreground")
        try:  # the foreground deletion is underway, or already done
            assert deployments.get("seed").metadata.deletion_timestamp
        except NotFound:
            pass

    writes = [s for s in wire.seen if s.method in ("POST", "PUT")]
    assert writes and all(
        s.content_type == PB and s.body.startswith(protobuf.MAGIC) for s in writes
    )
    deletes = [s for s in wire.seen if s.method == "DELETE"]
    assert deletes[0].content_type == PB  # DeleteOptions in protobuf
    assert protobuf.decode(deletes[0].body)["propagationPolicy"] == "Foreground"
    patches = [s for s in wire.seen if s.method == "PATCH"]
    assert patches[0].content_type == "application/merge-patch+json"  # patches stay JSON
    reads = [s for s in wire.seen if s.method == "GET"]
    assert all(s.accept == PB_THEN_JSON for s in wire.seen)
    assert all(s.response_type.startswith(PB) for s in reads + writes)
    assert any(s.response_type == protobuf.WATCH_CONTENT_TYPE for s in reads)


def test_json_is_the_default(server: LocalAPIServer) -> None:
    wire = Wire()
    with Clientset(_config(server, wire)) as cs:
        cs.apps_v1().deployments(NS).create(_deployment("plain"))
        cs.apps_v1().deployments(NS).get("plain")
    assert all(not s.content_type.startswith(PB) for s in wire.seen)
    assert all("json" in s.response_type for s in wire.seen)


def test_per_request_overrides(server: LocalAPIServer) -> None:
    wire = Wire()
    rc = RESTClient(_config(server, wire), group="apps", version="v1")
    obj = _deployment("override").to_dict()
    rc.post().namespace(NS).resource("deployments").content_type(PB).accept(PB).body(obj).do()
    got = rc.get().namespace(NS).resource("deployments").name("override").accept(PB).do()
    assert got.json()["metadata"]["name"] == "override"
    assert got.into(Deployment).spec.replicas == 2
    post, get = wire.seen[-2:]
    assert (post.content_type, post.response_type) == (PB, PB)
    assert post.body.startswith(protobuf.MAGIC)
    assert get.response_type == PB


def test_pager_over_protobuf(server: LocalAPIServer) -> None:
    wire = Wire()
    cfg = _config(server, wire, content_type=PB, accept_content_types=PB_THEN_JSON)
    with Clientset(cfg) as cs:
        cms = cs.core_v1().config_maps(NS)
        for i in range(5):
            cms.create(
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {"name": f"page-{i}"},
                    "data": {"i": str(i)},
                }
            )
        names = [
            o.metadata.name
            for o in ListPager(cms.list, page_size=2).iter_items()
            if o.metadata.name.startswith("page-")
        ]
    assert names == [f"page-{i}" for i in range(5)]
    lists = [s for s in wire.seen if s.method == "GET"]
    assert len(lists) >= 3 and all(s.response_type == PB for s in lists)


def test_custom_resources_and_the_dynamic_client_stay_json(server: LocalAPIServer) -> None:
    wire = Wire()
    cfg = _config(server, wire, content_type=PB, accept_content_types=PB_THEN_JSON)
    dyn = DynamicClient(cfg)
    deployments = dyn.resource(GroupVersionResource("apps", "v1", "deployments")).namespace(NS)
    deployments.create(_deployment("dynamic").to_dict())
    assert deployments.get("dynamic")["spec"]["replicas"] == 2
    assert all(s.content_type in ("", "application/json") for s in wire.seen)
    assert all(s.accept.startswith("application/json") for s in wire.seen)


def test_accept_and_content_type_from_the_config() -> None:
    # client-go rest/request.go setAcceptHeader: AcceptContentTypes, else ContentType + ", */*"
    only_type = RESTClient(Config(host="https://127.0.0.1:1", content_type=PB), "apps", "v1")
    assert only_type.get().headers()["Accept"] == f"{PB}, */*"
    both = RESTClient(
        Config(host="https://127.0.0.1:1", content_type=PB, accept_content_types=PB_THEN_JSON)
    )
    assert both.get().headers()["Accept"] == PB_THEN_JSON
    assert (
        RESTClient(Config(host="https://127.0.0.1:1")).get().headers()["Accept"]
        == "application/json"
    )
    # a custom resource has no protobuf form: its body goes as JSON even when protobuf is asked
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    req = both.post().resource("widgets").body(widget)
    assert req.headers()["Content-Type"] == "application/json"
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}}
    assert both.post().resource("pods").body(pod).headers()["Content-Type"] == PB
    # per request, before or after the body
    plain = RESTClient(Config(host="https://127.0.0.1:1"))
    assert plain.post().resource("pods").body(pod).content_type(PB).headers()["Content-Type"] == PB
    assert (
        both.post()
        .resource("pods")
        .content_type("application/json")
        .body(pod)
        .headers()["Content-Type"]
        == "application/json"
    )
    # patches keep their patch types
    patch = (
        both.patch("merge").resource("pods").name("p").body({"metadata": {"labels": {"a": "b"}}})
    )
    assert patch.headers()["Content-Type"] == "application/merge-patch+json"


def test_v8_traces_show_protobuf_bodies_as_kubectl_does(
    server: LocalAPIServer, caplog: pytest.LogCaptureFixture
) -> None:
    from rawkube.rest import trace

    cfg = server.config().copy(content_type=PB, accept_content_types=PB_THEN_JSON)
    before = trace.get_verbosity()
    trace.set_verbosity(8)
    try:
        with caplog.at_level("INFO"), Clientset(cfg) as cs:
            cs.core_v1().config_maps(NS).create(
                {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "traced"}}
            )
    finally:
        trace.set_verbosity(before)
    text = "\n".join(r.getMessage() for r in caplog.records)
    # kubectl -v 8: "Request Body" body=< then Go's hex.Dump, indented
    assert (
        "Request Body body=<\n\t00000000  6b 38 73 00 0a 0f 0a 02  76 31 12 09 43 6f 6e 66  |k8s.....v1..Conf|"
        in text
    )
    assert "Response Body body=<\n\t00000000  6b 38 73 00" in text


async def _async_flow(cfg: Config) -> list[str]:
    from rawkube.aio import AsyncClientset

    async with AsyncClientset(cfg) as cs:
        cms = cs.core_v1().config_maps(NS)
        created = await cms.create(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "async-pb"},
                "data": {"a": "1"},
            }
        )
        got = await cms.get("async-pb")
        assert got.data == {"a": "1"}
        seen = []
        async for event in cms.watch(
            resource_version=created.metadata.resource_version, timeout_seconds=3
        ):
            seen.append(event.type)
            break
        await cms.patch("async-pb", {"data": {"a": "2"}}, patch_type="merge")
        return [got.metadata.name]


def test_the_async_clients_speak_protobuf_too(server: LocalAPIServer) -> None:
    import asyncio

    wire = Wire()
    cfg = _config(server, wire, content_type=PB, accept_content_types=PB_THEN_JSON)
    assert asyncio.run(_async_flow(cfg)) == ["async-pb"]
    gets = [s for s in wire.seen if s.method == "GET" and s.path.endswith("/async-pb")]
    assert gets and gets[0].response_type == PB
