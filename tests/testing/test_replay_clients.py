"""Every recorded real-apiserver exchange replays through rawkube's own clients (RESTClient)."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest

from rawkube.config.types import Config
from rawkube.errors import StatusError
from rawkube.rest.client import RESTClient
from rawkube.rest.request import Request
from rawkube.testing import load_fixture, replay
from rawkube.testing.fixture import Exchange, decode_body

ROOT = Path(__file__).resolve().parents[2]
REAL_FILES = sorted((ROOT / "fixtures" / "real-apiserver").glob("*.json"))


def _request(rc: RESTClient, ex: Exchange) -> Request:
    """Rebuild the recorded request with the RESTClient builder (abs_path, params, header, body)."""
    req = ex.request
    content_type = req.headers.get("content-type", "application/json")
    builder = rc.verb(req.method, content_type).abs_path(req.path)
    for key, value in parse_qsl(req.query, keep_blank_values=True):
        builder.param(key, value)
    if "accept" in req.headers:
        builder.set_header("Accept", req.headers["accept"])
    if req.body is not None:
        builder.body(decode_body(req.body))
    return builder


@pytest.mark.parametrize("path", REAL_FILES, ids=lambda p: p.stem)
def test_real_exchange_replays_through_restclient(path: Path) -> None:
    [ex] = load_fixture(path)
    expected = ex.response
    with replay(path) as rp, RESTClient(rp.config()) as rc:
        request = _request(rc, ex)
        if expected.body_lines is not None:
            events = []
            with pytest.raises(StatusError) if _ends_in_error(ex) else nullcontext():
                for event in request.watch():
                    events.append(event.raw)
            recorded = [e for e in expected.body_lines if e["type"] != "ERROR"]
            assert events == recorded
        elif 200 <= expected.status < 300:
            warns = pytest.warns(UserWarning) if "warning" in expected.headers else nullcontext()
            with warns:
                result = request.do()
            assert bool(result.warnings) == ("warning" in expected.headers)
            assert result.status_code == expected.status
            assert result.raw() == decode_body(expected.body)
        else:
            with pytest.raises(StatusError) as info:
                request.do()
            assert info.value.code == expected.status
            assert info.value.reason == expected.body["reason"]


def _ends_in_error(ex: Exchange) -> bool:
    return any(e.get("type") == "ERROR" for e in ex.response.body_lines or [])


def test_shipped_typed_seed_flow_replays_through_the_async_clientset() -> None:
    """The same transport serves AsyncClient: the recorded flow, driven by AsyncClientset."""
    import asyncio

    from rawkube.aio import AsyncClientset

    fixture = ROOT / "fixtures" / "seed-flow-typed.yaml"
    manifest = load_fixture(fixture)[0].request.body

    async def flow(rp_config: Config) -> list[Any]:
        async with AsyncClientset(rp_config) as cs:
            deployments = cs.apps_v1().deployments("default")
            created = await deployments.create(manifest)
            await deployments.get("demo-deployment")
            current = await deployments.get("demo-deployment")
            current.spec.replicas = 3
            updated = await deployments.update(current)
            listed = await deployments.list(label_selector="app=demo")
            types = []
            async with deployments.watch(
                resource_version=created.metadata.resource_version, timeout_seconds=5
            ) as watch:
                async for event in watch:
                    types.append(event.type)
                    if event.object.spec.replicas == 3:
                        break
            deleted = await deployments.delete("demo-deployment", propagation_policy="Foreground")
            return [updated.spec.replicas, len(listed.items), types[-1], deleted]

    with replay(fixture) as rp:
        replicas, items, last, deleted = asyncio.run(asyncio.wait_for(flow(rp.config()), 10))
    assert (replicas, items, last) == (3, 1, "MODIFIED")
    assert "foregroundDeletion" in deleted.metadata.finalizers
