"""The REST clients send straight to the httpx client's transport (not through Client.send),
keeping the transport seam, the auth flow, timeouts, retries and the trace; anything only
Client.send does (redirects, cookies, event hooks) still goes through Client.send."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Generator
from typing import Any

import httpx
import pytest

from rawkube.aio.rest import AsyncRESTClient
from rawkube.config.types import Config
from rawkube.errors import ServerUnreachable
from rawkube.rest import trace
from rawkube.rest.client import RESTClient

Handler = Callable[[httpx.Request], httpx.Response]


@pytest.fixture
def no_client_send(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("Client.send was used")

    monkeypatch.setattr(httpx.Client, "send", refuse)
    monkeypatch.setattr(httpx.AsyncClient, "send", refuse)


def config(handler: Handler, **kw: Any) -> Config:
    kw.setdefault("bearer_token", "t0k3n")
    return Config(
        host="https://127.0.0.1:6443", transport=httpx.MockTransport(handler), qps=0, **kw
    )


def ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"kind": "Pod", "path": request.url.path})


def run_async(make: Callable[[], Any]) -> Any:
    return asyncio.run(make())


@pytest.mark.usefixtures("no_client_send")
def test_sync_and_async_use_the_wrapped_transport_with_auth_timeout_and_headers() -> None:
    seen: list[httpx.Request] = []

    def wrap(inner: Any) -> Any:
        class Recording(httpx.BaseTransport, httpx.AsyncBaseTransport):
            def handle_request(self, request: httpx.Request) -> httpx.Response:
                seen.append(request)
                return inner.handle_request(request)

            async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
                seen.append(request)
                return await inner.handle_async_request(request)

        return Recording()

    cfg = config(ok, wrap_transport=wrap)
    rc = RESTClient(cfg, "", "v1")
    result = rc.get().namespace("ns").resource("pods").name("p").timeout(5).do()
    assert result.json() == {"kind": "Pod", "path": "/api/v1/namespaces/ns/pods/p"}

    async def main() -> Any:
        async with AsyncRESTClient(cfg, "", "v1") as arc:
            return (await arc.get().namespace("ns").resource("pods").name("p").do()).json()

    assert run_async(main)["kind"] == "Pod"
    assert len(seen) == 2
    for request in seen:
        assert request.headers["Authorization"] == "Bearer t0k3n"
        assert request.headers["User-Agent"].startswith("rawkube/")
        assert set(request.extensions["timeout"]) == {"connect", "read", "write", "pool"}
    assert seen[0].extensions["timeout"]["read"] == pytest.approx(5, abs=0.5)  # the deadline
    assert seen[0].url.params["timeout"] == "5s"


class Rotating(httpx.Auth):
    """Refuses nothing itself: attaches a token and, after a 401, re-runs with the next one."""

    def __init__(self) -> None:
        self.tokens = ["old", "new"]

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self.tokens[0]}"
        response = yield request
        if response.status_code == 401:
            self.tokens.pop(0)
            request.headers["Authorization"] = f"Bearer {self.tokens[0]}"
            yield request


def only_new(request: httpx.Request) -> httpx.Response:
    if request.headers["Authorization"] != "Bearer new":
        return httpx.Response(401, json={"kind": "Status", "code": 401})
    return ok(request)


@pytest.mark.usefixtures("no_client_send")
def test_the_auth_flow_reruns_after_a_401_sync_and_async() -> None:
    auth = Rotating()
    client = httpx.Client(
        base_url="https://h:1", transport=httpx.MockTransport(only_new), auth=auth
    )
    rc = RESTClient(config(ok, bearer_token=None), client=client, rate_limiter=None)
    assert rc.get().resource("pods").do().json()["kind"] == "Pod"
    assert auth.tokens == ["new"]

    async def main() -> Any:
        aauth = Rotating()
        aclient = httpx.AsyncClient(
            base_url="https://h:1", transport=httpx.MockTransport(only_new), auth=aauth
        )
        arc = AsyncRESTClient(config(ok, bearer_token=None), client=aclient, rate_limiter=None)
        body = (await arc.get().resource("pods").do()).json()
        await aclient.aclose()
        return body, aauth.tokens

    assert run_async(main) == ({"kind": "Pod", "path": "/api/v1/pods"}, ["new"])


@pytest.mark.usefixtures("no_client_send")
def test_retries_and_trace_still_happen(caplog: pytest.LogCaptureFixture) -> None:
    answers = [httpx.Response(429, headers={"Retry-After": "1"}), httpx.Response(200, json={})]
    sleeps: list[float] = []
    rc = RESTClient(config(lambda request: answers.pop(0)), "", "v1", sleep=sleeps.append)
    trace.set_verbosity(6)
    try:
        with caplog.at_level(logging.INFO, logger="rawkube.http"):
            assert rc.get().resource("pods").do().status_code == 200
    finally:
        trace.set_verbosity(0)
    assert sleeps == [1.0]
    lines = [r.getMessage() for r in caplog.records if r.name == "rawkube.http"]
    assert [line.split(" in ")[0] for line in lines] == [
        "GET https://127.0.0.1:6443/api/v1/pods 429 Too Many Requests",
        "Retrying GET https://127.0.0.1:6443/api/v1/pods",
        "GET https://127.0.0.1:6443/api/v1/pods 200 OK",
    ]


@pytest.mark.usefixtures("no_client_send")
def test_a_transport_error_carries_its_request() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    rc = RESTClient(config(refuse), "", "v1")
    with pytest.raises(ServerUnreachable) as info:
        rc.post().resource("pods").body({}).do()
    assert info.value.url.endswith("/api/v1/pods") and info.value.method == "POST"
    cause = info.value.__cause__
    assert isinstance(cause, httpx.ConnectError)
    assert cause.request.url.path == "/api/v1/pods"


@pytest.mark.usefixtures("no_client_send")
def test_streaming_reads_the_transports_stream() -> None:
    def events(request: httpx.Request) -> httpx.Response:
        body = b'{"type":"ADDED","object":{"kind":"Pod"}}\n' * 3
        return httpx.Response(200, content=body)

    rc = RESTClient(config(events), "", "v1")
    with rc.get().resource("pods").watch() as watch:
        assert [event.type for event in watch] == ["ADDED"] * 3


def test_what_only_client_send_does_still_goes_through_it() -> None:
    def redirecting(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/old":
            return httpx.Response(301, headers={"Location": "https://h:1/api/v1/pods"})
        return httpx.Response(200, json={"kind": "Pod"}, headers={"Set-Cookie": "s=1; Path=/"})

    hooked: list[str] = []
    client = httpx.Client(
        base_url="https://h:1",
        transport=httpx.MockTransport(redirecting),
        follow_redirects=True,
        event_hooks={"request": [lambda request: hooked.append(request.url.path)]},
    )
    rc = RESTClient(config(ok), client=client, rate_limiter=None)
    assert rc.get().abs_path("/api/v1/old").do().json() == {"kind": "Pod"}
    assert hooked == ["/api/v1/old", "/api/v1/pods"]
    assert client.cookies["s"] == "1"
