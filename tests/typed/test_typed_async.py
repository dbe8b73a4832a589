"""AsyncClientset: the same requests and decoding as the sync typed client, awaited."""

from __future__ import annotations

import asyncio
from typing import Any

from rawkube.models.apps_v1 import Deployment, DeploymentList
from rawkube.typed.clientset import AsyncClientset
from tests.helpers.recorded import Script, exchange, request_body, response_body


def test_async_typed_flow_matches_recorded_wire() -> None:
    script = Script("008", "010", "014", "015", "041", "042", "039", "031")

    async def flow() -> dict[str, Any]:
        async with AsyncClientset(script.config()) as cs:
            deps = cs.apps_v1().deployments("default")
            assert cs.apps_v1() is cs.apps_v1()  # one GroupClient per group/version
            created = await deps.create(Deployment.from_dict(request_body("008")))
            got = await deps.get("demo-deployment")
            page1 = await deps.list(limit=2)
            page2 = await deps.list(limit=2, continue_=page1.metadata.continue_)
            fg = await deps.delete("del-foreground", propagation_policy="Foreground")
            bg = await deps.delete("del-background", propagation_policy="Background")
            events = [
                e
                async for e in deps.watch(
                    resource_version="326", allow_watch_bookmarks=True, timeout_seconds=4
                )
            ]
            scale = await deps.get_scale("demo-deployment")
            return locals()

    r = asyncio.run(flow())
    assert isinstance(r["created"], Deployment) and r["created"].metadata.uid
    assert r["got"].to_dict() == response_body("010")
    assert isinstance(r["page2"], DeploymentList) and len(r["page2"].items) == 2
    assert isinstance(r["fg"], Deployment) and r["fg"].metadata.finalizers == ["foregroundDeletion"]
    assert r["bg"]["kind"] == "Status"
    assert [e.type for e in r["events"]] == [
        line["type"] for line in exchange("039")["response"]["body_lines"]
    ]
    assert all(isinstance(e.object, Deployment) for e in r["events"])
    assert r["scale"].spec.replicas == response_body("031")["spec"]["replicas"]
    assert script.done()


def test_async_stream_log_yields_lines() -> None:
    import httpx

    from rawkube.config.types import Config

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.params["follow"] == "true"
        return httpx.Response(200, content=b"one\ntwo\nthree")

    cfg = Config(host="http://127.0.0.1:6443", transport=httpx.MockTransport(handler), qps=0)

    async def run() -> list[str]:
        async with AsyncClientset(cfg) as cs:
            return [line async for line in cs.core_v1().pods("ns").stream_log("p1")]

    assert asyncio.run(run()) == ["one", "two", "three"]
