"""Replay: answering from recorded exchanges, strictly, with readable failures."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from rawkube.testing import ReplayTransport, load_fixture, replay
from rawkube.testing.fixture import Exchange, RecordedRequest, RecordedResponse, decode_body
from rawkube.testing.replayer import REPLAY_HOST, ReplayMismatch, UnusedExchanges

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT / "fixtures" / "real-apiserver"
REAL_FILES = sorted(REAL.glob("*.json"))


def _exchange(method: str, path: str, query: str = "", status: int = 200, **resp: Any) -> Exchange:
    body = resp.pop("body", {"kind": "Status", "path": path, "query": query})
    request_body = resp.pop("request_body", None)
    return Exchange(
        request=RecordedRequest(method, path, query, body=request_body),
        response=RecordedResponse(status, {"content-type": "application/json"}, body=body, **resp),
    )


def _client(transport: ReplayTransport) -> httpx.Client:
    return httpx.Client(base_url=REPLAY_HOST, transport=transport)


def _send_recorded(client: httpx.Client, ex: Exchange) -> httpx.Response:
    req = ex.request
    content = decode_body(req.body) if req.body is not None else None
    return client.request(req.method, req.target, headers=req.headers, content=content)


@pytest.mark.parametrize("path", REAL_FILES, ids=lambda p: p.stem)
def test_every_real_apiserver_exchange_replays_over_httpx(path: Path) -> None:
    [ex] = load_fixture(path)
    with replay(path) as rp, _client(rp.transport) as client:
        response = _send_recorded(client, ex)
        assert response.status_code == ex.response.status
        assert response.headers.get("content-type") == ex.response.headers.get("content-type")
        if ex.response.body_lines is not None:
            assert [json.loads(line) for line in response.iter_lines()] == ex.response.body_lines
        elif isinstance(ex.response.body, dict) and "base64" not in ex.response.body:
            assert response.json() == ex.response.body
        else:
            assert response.content == decode_body(ex.response.body)


def test_there_are_61_real_exchanges() -> None:
    assert len(REAL_FILES) == 61


def test_query_matching_ignores_parameter_order_and_encoding() -> None:
    rp = ReplayTransport([_exchange("GET", "/api/v1/pods", "labelSelector=a%3Db&limit=2")])
    with _client(rp) as client:
        response = client.get("/api/v1/pods?limit=2&labelSelector=a=b")
    assert response.json()["query"] == "labelSelector=a%3Db&limit=2"
    rp.assert_all_used()


def test_identical_requests_are_answered_in_recorded_order() -> None:
    # 008-create-deployment then 009-create-deployment-already-exists: same request, two answers.
    files = [
        REAL / "008-create-deployment.json",
        REAL / "009-create-deployment-already-exists.json",
    ]
    rp = ReplayTransport([ex for f in files for ex in load_fixture(f)])
    with _client(rp) as client:
        first = client.post("/apis/apps/v1/namespaces/default/deployments", json={})
        second = client.post("/apis/apps/v1/namespaces/default/deployments", json={})
    assert (first.status_code, second.status_code) == (201, 409)
    assert second.json()["reason"] == "AlreadyExists"


def test_the_accept_header_picks_between_answers_for_the_same_url() -> None:
    # /api answers legacy discovery (002) or aggregated discovery (006) depending on Accept.
    with replay(REAL, check_unused=False) as rp, _client(rp.transport) as client:
        aggregated = [ex for ex in rp.transport.exchanges if ex.name == "discovery-aggregated-api"]
        accept = aggregated[0].request.headers["accept"]
        response = client.get("/api", headers={"accept": accept})
        assert response.json()["kind"] == "APIGroupDiscoveryList"
        assert client.get("/api").json()["kind"] == "APIVersions"


def test_unmatched_request_fails_with_the_closest_recorded_request_and_the_difference() -> None:
    rp = ReplayTransport(REAL / "014-list-deployments-page1.json")
    with _client(rp) as client, pytest.raises(ReplayMismatch) as info:
        client.get("/apis/apps/v1/namespaces/kube-system/deployments?limit=5&watch=false")
    message = str(info.value)
    assert "no recorded exchange" in message
    assert "GET /apis/apps/v1/namespaces/kube-system/deployments?limit=5&watch=false" in message
    assert "closest recorded exchange #0 (unused):" in message
    assert "GET /apis/apps/v1/namespaces/default/deployments?limit=2" in message
    assert (
        "path:   /apis/apps/v1/namespaces/default/deployments -> "
        "/apis/apps/v1/namespaces/kube-system/deployments"
    ) in message
    assert "query:  - limit=2  (recorded, not sent)" in message
    assert "query:  + limit=5  (sent, not recorded)" in message
    assert "query:  + watch=false  (sent, not recorded)" in message
    assert rp.mismatches == [message]  # kept even if the caller swallows the exception


def test_closest_prefers_the_same_method_and_path() -> None:
    rp = ReplayTransport(
        [
            _exchange("GET", "/api/v1/namespaces/a/pods"),
            _exchange("DELETE", "/api/v1/namespaces/a/pods/p1"),
            _exchange("GET", "/api/v1/namespaces/a/pods/p1"),
        ]
    )
    with _client(rp) as client, pytest.raises(ReplayMismatch) as info:
        client.get("/api/v1/namespaces/a/pods/p2")
    assert "closest recorded exchange #2" in str(info.value)


def test_a_request_repeated_more_often_than_recorded_says_so() -> None:
    rp = ReplayTransport([_exchange("GET", "/version")])
    with _client(rp) as client:
        client.get("/version")
        with pytest.raises(ReplayMismatch, match=r"recorded 1 time\(s\) .* already used"):
            client.get("/version")


def test_body_matching_is_optional_and_shows_a_body_diff() -> None:
    recorded = [_exchange("POST", "/api/v1/namespaces", request_body={"metadata": {"name": "a"}})]
    with _client(ReplayTransport(recorded)) as client:  # default: the body is not compared
        assert (
            client.post("/api/v1/namespaces", json={"metadata": {"name": "b"}}).status_code == 200
        )
    rp = ReplayTransport(recorded, match_body=True)
    with _client(rp) as client:
        with pytest.raises(ReplayMismatch) as info:
            client.post("/api/v1/namespaces", json={"metadata": {"name": "b"}})
        assert '-  "name": "a"' in str(info.value) and '+  "name": "b"' in str(info.value)
        assert (
            client.post("/api/v1/namespaces", json={"metadata": {"name": "a"}}).status_code == 200
        )


def test_non_strict_mode_answers_unmatched_requests_with_a_404_status() -> None:
    rp = ReplayTransport([_exchange("GET", "/version")], strict=False)
    with _client(rp) as client:
        response = client.get("/apis")
    assert response.status_code == 404
    assert response.json()["reason"] == "NotFound"
    assert "GET /apis" in response.json()["message"]


def test_unused_exchanges_are_reported() -> None:
    rp = ReplayTransport(REAL / "008-create-deployment.json")
    with pytest.raises(UnusedExchanges) as info:
        rp.assert_all_used()
    assert "1 of 1 recorded exchange(s)" in str(info.value)
    assert '#0 POST /apis/apps/v1/namespaces/default/deployments "create-deployment"' in str(
        info.value
    )


def test_replay_context_checks_unused_exchanges_on_exit_and_can_opt_out() -> None:
    with pytest.raises(UnusedExchanges), replay(REAL / "001-version.json"):
        pass
    with replay(REAL / "001-version.json", check_unused=False):
        pass


def test_an_error_inside_the_block_is_not_hidden_by_the_unused_check() -> None:
    with pytest.raises(KeyError), replay(REAL / "001-version.json"):
        raise KeyError("the test's own failure")


def test_watch_is_replayed_as_a_stream_of_lines() -> None:
    path = REAL / "039-watch-deployments.json"
    [ex] = load_fixture(path)
    rp = ReplayTransport(path)
    with _client(rp) as client, client.stream("GET", ex.request.target) as response:
        chunks = list(response.iter_raw())
    assert len(chunks) == len(ex.response.body_lines or [])  # one chunk per event
    assert all(chunk.endswith(b"\n") for chunk in chunks)
    assert [json.loads(c) for c in chunks] == ex.response.body_lines


def test_async_replay_of_a_watch() -> None:
    path = REAL / "039-watch-deployments.json"
    [ex] = load_fixture(path)

    async def run() -> list[Any]:
        transport = ReplayTransport(path)
        async with (
            httpx.AsyncClient(base_url=REPLAY_HOST, transport=transport) as c,
            c.stream("GET", ex.request.target) as response,
        ):
            return [json.loads(line) async for line in response.aiter_lines()]

    assert asyncio.run(asyncio.wait_for(run(), 10)) == ex.response.body_lines


def test_recorded_timing_gaps_are_replayed_when_asked() -> None:
    lines = [{"type": "ADDED", "object": {}}, {"type": "DELETED", "object": {}}]
    ex = _exchange("GET", "/api/v1/pods", "watch=1", body_lines=lines, line_gaps=[0.0, 0.3])
    for timing, low, high in ((False, 0.0, 0.2), (True, 0.25, 2.0)):
        rp = ReplayTransport([ex], timing=timing)
        start = time.monotonic()
        with _client(rp) as client, client.stream("GET", "/api/v1/pods?watch=1") as r:
            assert len(list(r.iter_lines())) == 2
        assert low <= time.monotonic() - start < high


def test_multiple_warning_headers_are_replayed_separately() -> None:
    warnings = ['299 - "unknown field \\"spec.foo\\""', '299 - "deprecated"']
    ex = _exchange("GET", "/x")
    ex.response.headers["warning"] = warnings
    ex.response.headers["transfer-encoding"] = "chunked"  # recorded framing is not replayed
    with _client(ReplayTransport([ex])) as client:
        response = client.get("/x")
    assert response.headers.get_list("warning") == warnings
    assert "transfer-encoding" not in response.headers


def test_config_helper_uses_the_transport_and_never_a_network_host() -> None:
    from rawkube.config.types import Config

    rp = replay(REAL / "001-version.json")
    cfg = rp.config()
    assert cfg.transport is rp.transport and cfg.host.endswith(".invalid")
    based = rp.config(Config(host="https://10.0.0.1:6443", namespace="team"))
    assert based.transport is rp.transport and based.namespace == "team"


def test_replay_and_record_names_work_in_any_import_order() -> None:
    import rawkube.testing.recorder as record_module
    import rawkube.testing.replayer as replay_module
    from rawkube.testing import record, replay

    # The modules are named recorder/replayer so importing them never hides the functions.
    rp = replay(REAL / "001-version.json", check_unused=False)
    assert isinstance(rp, replay_module.Replay)
    assert isinstance(record("x.yaml"), record_module.Recorder)
