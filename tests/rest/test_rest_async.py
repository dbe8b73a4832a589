"""AsyncRESTClient: the same builder and behaviour as RESTClient, with await (no drift)."""

from __future__ import annotations

import asyncio
import inspect
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from rawkube import aio, errors
from rawkube.aio.rest import AsyncRequest, AsyncRESTClient
from rawkube.config.types import Config
from rawkube.errors import ConnectionBroken
from rawkube.rest import options
from rawkube.rest.client import RESTClient
from rawkube.rest.request import Request

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "real-apiserver"


def fixture_handler(name: str) -> tuple[Any, list[httpx.Request]]:
    ex = json.loads((FIXTURES / name).read_text())
    seen: list[httpx.Request] = []
    resp = ex["response"]

    async def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            resp["status"], json=resp["body"], headers={"content-type": "application/json"}
        )

    return handler, seen


def test_builders_are_one_class_and_async_sends_are_awaitable() -> None:
    """One builder for both shells (a pure Request bound to its client); what `do()` gives
    is the client's: a Result, or an awaitable of one."""
    cfg = Config(host="https://h", transport=httpx.MockTransport(lambda r: httpx.Response(200)))
    sync_req, async_req = RESTClient(cfg).get(), AsyncRESTClient(cfg).get()
    assert type(sync_req) is type(async_req)
    assert isinstance(sync_req, Request) and isinstance(async_req, AsyncRequest.__origin__)
    for name in ("do", "do_raw"):
        pending = getattr(AsyncRESTClient(cfg).get().resource("pods"), name)()
        assert inspect.isawaitable(pending)
        asyncio.run(pending)
    client_methods = {"get", "post", "put", "delete", "patch", "verb", "do", "run", "iterate"}
    assert client_methods <= set(dir(RESTClient)) and client_methods <= set(dir(AsyncRESTClient))


def test_same_request_on_the_wire() -> None:
    async def never(request: httpx.Request) -> httpx.Response:
        raise AssertionError("not sent")

    cfg = Config(host="https://h/prefix", transport=httpx.MockTransport(never), qps=0)

    def build(rc: Any) -> Any:
        return (
            rc.patch("apply")
            .namespace("d")
            .resource("deployments")
            .name("x")
            .params(options.patch_params(field_manager="m", force=True, patch_type="apply"))
            .body({"a": 1})
        )

    s = build(RESTClient(cfg, "apps", "v1")).to_httpx()
    a = build(AsyncRESTClient(cfg, "apps", "v1")).to_httpx()
    assert (s.method, str(s.url), dict(s.headers), s.content) == (
        a.method,
        str(a.url),
        dict(a.headers),
        a.content,
    )


def test_async_do_decodes_and_raises_like_sync() -> None:
    async def main() -> None:
        handler, seen = fixture_handler("010-get-deployment.json")
        cfg = Config(host="https://h", transport=httpx.MockTransport(handler), qps=0)
        async with AsyncRESTClient(cfg, "apps", "v1") as rc:
            result = (
                await rc.get()
                .namespace("default")
                .resource("deployments")
                .name("demo-deployment")
                .do()
            )
            assert result.json()["kind"] == "Deployment"
        assert seen[0].url.path == "/apis/apps/v1/namespaces/default/deployments/demo-deployment"

        handler, _ = fixture_handler("019-get-deployment-not-found.json")
        cfg = Config(host="https://h", transport=httpx.MockTransport(handler), qps=0)
        async with AsyncRESTClient(cfg, "apps", "v1") as rc:
            with pytest.raises(errors.NotFound) as info:
                await rc.get().namespace("default").resource("deployments").name("no-such").do()
            assert info.value.details["name"] == "no-such"

    asyncio.run(main())


def test_async_retry_after_and_rate_limit_with_injected_sleep() -> None:
    clock = [0.0]
    sleeps: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock[0] += seconds

    responses = [
        httpx.Response(429, headers={"retry-after": "3"}),
        httpx.Response(200, json={"ok": True}),
    ]

    async def handler(request: httpx.Request) -> httpx.Response:
        return responses.pop(0)

    async def main() -> Any:
        cfg = Config(host="https://h", transport=httpx.MockTransport(handler), qps=1, burst=1)
        rc = AsyncRESTClient(cfg, clock=lambda: clock[0], sleep=fake_sleep)
        return (await rc.get().resource("pods").do()).json()

    assert asyncio.run(main()) == {"ok": True}
    # Retry-After 3 s; the bucket refilled during it, so no throttling wait after
    assert sleeps == [3.0]


def test_async_post_not_retried_after_connection_error() -> None:
    calls: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        raise httpx.ReadError("reset", request=request)

    async def main() -> None:
        cfg = Config(host="https://h", transport=httpx.MockTransport(handler), qps=0)
        rc = AsyncRESTClient(cfg, sleep=lambda s: asyncio.sleep(0))
        with pytest.raises(ConnectionBroken):
            await rc.post().resource("namespaces").body({}).do()

    asyncio.run(main())
    assert calls == ["POST"]


def test_async_stream() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"log line\n")

    async def main() -> bytes:
        cfg = Config(host="https://h", transport=httpx.MockTransport(handler), qps=0)
        rc = AsyncRESTClient(cfg)
        chunks = [
            c
            async for c in rc.get()
            .namespace("d")
            .resource("pods")
            .name("p")
            .sub_resource("log")
            .stream()
        ]
        return b"".join(chunks)

    assert asyncio.run(main()) == b"log line\n"


def test_aio_lazy_exports() -> None:
    assert aio.AsyncRESTClient is AsyncRESTClient
    assert (
        "AsyncClientset" in dir(aio)
        and "AsyncDynamicClient" in dir(aio)
        and "AsyncDiscoveryClient" in dir(aio)
    )
    with pytest.raises(AttributeError):
        aio.NoSuchThing  # noqa: B018
