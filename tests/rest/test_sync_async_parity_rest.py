"""Sync and async twins below the resource clients behave the same, step for step.

RESTClient / AsyncRESTClient build the same requests and send the same attempts (retries
included); DiscoveryClient / AsyncDiscoveryClient ask the same questions and give the same
answers; ListPager / AsyncListPager ask for the same pages; wait_for / async_wait_for sleep
the same amounts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from rawkube.aio.rest import AsyncRESTClient
from rawkube.config.types import Config
from rawkube.discovery.client import AsyncDiscoveryClient, DiscoveryClient
from rawkube.errors import StatusError
from rawkube.rest.client import RESTClient
from rawkube.schema import GroupVersionKind
from rawkube.tools.pager import AsyncListPager, ListPager
from rawkube.tools.wait import WaitTimeout, async_wait_for, wait_for

HOST = "http://127.0.0.1:6443"


def _config(handler: Callable[[httpx.Request], httpx.Response]) -> Config:
    return Config(host=HOST, transport=httpx.MockTransport(handler), qps=0)


def _wire(request: httpx.Request) -> tuple[str, str, dict[str, str], bytes]:
    request.read()
    headers = {k.lower(): v for k, v in request.headers.items()}
    return request.method, str(request.url), headers, request.content


def _chain(rc: Any, verb: str) -> Any:
    req = rc.patch(verb.split(":")[1]) if verb.startswith("patch:") else getattr(rc, verb)()
    req = req.namespace("ns1").resource("deployments").name("web").sub_resource("status")
    req = req.params({"fieldManager": "fm", "dryRun": ["All"], "limit": 3, "watch": False})
    req = req.set_header("X-Test", "1").timeout(7)
    if verb != "get":
        req = req.body({"spec": {"replicas": 2}})
    return req


VERBS = ["get", "post", "put", "delete", "patch:json", "patch:merge", "patch:strategic"]
VERBS += ["patch:apply"]


@pytest.mark.parametrize("verb", VERBS)
def test_rest_clients_build_the_same_request(verb: str) -> None:
    cfg = _config(lambda r: httpx.Response(200, json={}))
    sync_rc = RESTClient(cfg, "apps", "v1")
    async_rc = AsyncRESTClient(cfg, "apps", "v1")
    try:
        sync_req, async_req = _chain(sync_rc, verb), _chain(async_rc, verb)
        assert sync_req.url() == async_req.url()
        assert _wire(sync_req.to_httpx(sync_rc.client)) == _wire(
            async_req.to_httpx(async_rc.client)
        )
    finally:
        sync_rc.close()
        asyncio.run(async_rc.aclose())
    assert repr(sync_rc).replace("RESTClient", "") == repr(async_rc).replace("AsyncRESTClient", "")
    assert (sync_rc.config, sync_rc.group, sync_rc.version) == (
        async_rc.config,
        async_rc.group,
        async_rc.version,
    )


def test_rest_clients_retry_and_throttle_alike() -> None:
    """A 429 with Retry-After, then a reset connection, then success: same attempts, sleeps."""

    def run(make: Callable[[Config, list[float]], Any]) -> tuple[list[Any], list[float], Any]:
        seen: list[Any] = []
        sleeps: list[float] = []
        answers = ["429", "reset", "ok"]

        def handler(request: httpx.Request) -> httpx.Response:
            seen.append(_wire(request))
            answer = answers.pop(0)
            if answer == "429":
                return httpx.Response(429, headers={"Retry-After": "2"}, json={})
            if answer == "reset":
                raise httpx.ReadError("connection reset", request=request)
            return httpx.Response(200, json={"kind": "Thing"})

        return seen, sleeps, make(_config(handler), sleeps)

    def sync(cfg: Config, sleeps: list[float]) -> Any:
        with RESTClient(cfg, "", "v1", sleep=sleeps.append, clock=lambda: 0.0) as rc:
            result = rc.get().resource("configmaps").name("c1").namespace("ns1").do()
            return result.json(), result.warnings

    def async_(cfg: Config, sleeps: list[float]) -> Any:
        async def sleep(seconds: float) -> None:
            sleeps.append(seconds)

        async def go() -> Any:
            async with AsyncRESTClient(cfg, "", "v1", sleep=sleep, clock=lambda: 0.0) as rc:
                result = await rc.get().resource("configmaps").name("c1").namespace("ns1").do()
                return result.json(), result.warnings

        return asyncio.run(go())

    sync_seen, sync_sleeps, sync_out = run(sync)
    async_seen, async_sleeps, async_out = run(async_)
    assert len(sync_seen) == 3
    assert sync_seen == async_seen
    assert sync_sleeps == async_sleeps and len(sync_sleeps) == 2
    assert sync_out == async_out == ({"kind": "Thing"}, [])


def test_rest_clients_raise_the_same_error_for_a_failed_stream() -> None:
    status = {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound"}
    status |= {"code": 404, "message": 'pods "p1" not found'}
    cfg = _config(lambda r: httpx.Response(404, json=status))

    with RESTClient(cfg) as rc, pytest.raises(StatusError) as sync_err:
        list(rc.get().namespace("ns1").resource("pods").name("p1").sub_resource("log").stream())

    async def go() -> None:
        async with AsyncRESTClient(cfg) as rc:
            req = rc.get().namespace("ns1").resource("pods").name("p1").sub_resource("log")
            async for _ in req.stream():
                pass

    with pytest.raises(StatusError) as async_err:
        asyncio.run(go())
    assert type(sync_err.value) is type(async_err.value)
    assert str(sync_err.value) == str(async_err.value)


# -- discovery ------------------------------------------------------------------------------

DISCOVERY = {
    "/version": {"gitVersion": "v1.31.0", "major": "1", "minor": "31"},
    "/api": {"kind": "APIVersions", "versions": ["v1"]},
    "/apis": {
        "kind": "APIGroupList",
        "groups": [
            {
                "name": "apps",
                "versions": [{"groupVersion": "apps/v1", "version": "v1"}],
                "preferredVersion": {"groupVersion": "apps/v1", "version": "v1"},
            },
            {
                "name": "broken.example.com",
                "versions": [{"groupVersion": "broken.example.com/v1", "version": "v1"}],
                "preferredVersion": {"groupVersion": "broken.example.com/v1", "version": "v1"},
            },
        ],
    },
    "/api/v1": {
        "kind": "APIResourceList",
        "groupVersion": "v1",
        "resources": [{"name": "pods", "namespaced": True, "kind": "Pod", "verbs": ["get"]}],
    },
    "/apis/apps/v1": {
        "kind": "APIResourceList",
        "groupVersion": "apps/v1",
        "resources": [
            {"name": "deployments", "namespaced": True, "kind": "Deployment", "verbs": ["get"]}
        ],
    },
}


def _discovery_handler(seen: list[Any]) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(_wire(request))
        body = DISCOVERY.get(request.url.path)
        if body is None:
            status = {"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 503}
            return httpx.Response(503, json=status)
        return httpx.Response(200, json=body)

    return handler


@pytest.mark.parametrize("aggregated", [True, False])
def test_discovery_clients_ask_and_answer_alike(aggregated: bool, tmp_path: Any) -> None:
    sync_seen: list[Any] = []
    dc = DiscoveryClient(
        _config(_discovery_handler(sync_seen)), cache_dir=tmp_path / "s", aggregated=aggregated
    )
    sync_out = (
        dc.server_version(),
        dc.server_groups(),
        dc.server_groups_and_resources(),
        dc.server_preferred_resources(),
        sorted(dc.failed_group_versions),
        dc.fresh(),
        dc.rest_mapper().resource_for(GroupVersionKind("apps", "v1", "Deployment")),
    )

    async_seen: list[Any] = []

    async def go() -> Any:
        adc = AsyncDiscoveryClient(
            _config(_discovery_handler(async_seen)),
            cache_dir=tmp_path / "a",
            aggregated=aggregated,
        )
        return (
            await adc.server_version(),
            await adc.server_groups(),
            await adc.server_groups_and_resources(),
            await adc.server_preferred_resources(),
            sorted(adc.failed_group_versions),  # was missing on the async client
            adc.fresh(),
            # AsyncDiscoveryClient had no rest_mapper()
            await adc.rest_mapper().resource_for(GroupVersionKind("apps", "v1", "Deployment")),
        )

    async_out = asyncio.run(go())
    assert sync_seen == async_seen
    assert [path for _, path, _, _ in sync_seen][:3] == [
        f"{HOST}/version",
        f"{HOST}/api",
        f"{HOST}/apis",
    ]
    assert sync_out == async_out
    assert sync_out[4] == ["broken.example.com/v1"]


# -- pager, wait ----------------------------------------------------------------------------


def _pages_script() -> tuple[list[dict[str, Any]], Callable[..., Any]]:
    """Page 1 fine, page 2 expired (410), then the full list."""
    calls: list[dict[str, Any]] = []

    def answer(**options: Any) -> Any:
        calls.append(dict(options))
        if options.get("continue_") == "t1":
            raise _gone()
        items = [{"metadata": {"name": f"o{i}"}} for i in range(3 if options.get("limit") else 5)]
        meta = {"resourceVersion": "9", "continue": "t1" if options.get("limit") else ""}
        return {"kind": "List", "metadata": meta, "items": items}

    return calls, answer


def _gone() -> Exception:
    from rawkube.errors import from_status

    return from_status(
        {
            "kind": "Status",
            "apiVersion": "v1",
            "status": "Failure",
            "code": 410,
            "reason": "Expired",
            "message": "too old",
        }
    )


def test_pagers_ask_for_the_same_pages() -> None:
    sync_calls, sync_list = _pages_script()
    pager = ListPager(sync_list, page_size=3)
    sync_items = list(pager.iter_items(label_selector="a=b"))

    async_calls, async_list_sync = _pages_script()

    async def async_list(**options: Any) -> Any:
        return async_list_sync(**options)

    async def go() -> list[Any]:
        apager = AsyncListPager(async_list, page_size=3)
        return [item async for item in apager.iter_items(label_selector="a=b")]

    async_items = asyncio.run(go())
    assert sync_calls == async_calls and len(sync_calls) == 3
    assert sync_items == async_items
    assert [i["metadata"]["name"] for i in sync_items] == ["o0", "o1", "o2", "o3", "o4"]


def test_wait_for_twins_poll_alike() -> None:
    def run_sync() -> list[float]:
        now = [0.0]
        sleeps: list[float] = []

        def sleep(seconds: float) -> None:
            sleeps.append(seconds)
            now[0] += seconds

        with pytest.raises(WaitTimeout):
            wait_for(lambda: False, timeout=2.5, interval=1.0, clock=lambda: now[0], sleep=sleep)
        return sleeps

    def run_async() -> list[float]:
        now = [0.0]
        sleeps: list[float] = []

        async def sleep(seconds: float) -> None:
            sleeps.append(seconds)
            now[0] += seconds

        async def go() -> None:
            await async_wait_for(
                lambda: False, timeout=2.5, interval=1.0, clock=lambda: now[0], sleep=sleep
            )

        with pytest.raises(WaitTimeout):
            asyncio.run(go())
        return sleeps

    assert run_sync() == run_async() == [1.0, 1.0, 0.5]


def test_async_twins_have_the_same_public_names() -> None:
    """`rawkube.aio` promises the sync API as coroutines: AsyncDiscoveryClient lacked
    rest_mapper, failed_group_versions and with_kubectl_cache."""
    from rawkube.discovery.mapper import AsyncRESTMapper, RESTMapper
    from rawkube.dynamic import AsyncDynamicClient, DynamicClient
    from rawkube.typed.clientset import AsyncClientset, Clientset

    def public(cls: type) -> set[str]:
        return {n for n in dir(cls) if not n.startswith("_")} - {"close", "aclose"}

    pairs = [
        (RESTClient, AsyncRESTClient),
        (DiscoveryClient, AsyncDiscoveryClient),
        (RESTMapper, AsyncRESTMapper),
        (DynamicClient, AsyncDynamicClient),
        (Clientset, AsyncClientset),
        (ListPager, AsyncListPager),
    ]
    for sync_cls, async_cls in pairs:
        assert public(sync_cls) == public(async_cls), sync_cls.__name__
