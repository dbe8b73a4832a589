"""Recording: capture a real HTTP conversation, stop the server, replay it with identical results."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_record_support import (
    SECRET_VALUE,
    TOKEN,
    fake_apiserver,
    secret_flow_httpx,
    seed_flow_httpx,
    seed_flow_httpx_async,
)

from rawkube.config.types import Config
from rawkube.testing import load_fixture, record, replay
from rawkube.testing.recorder import Recorder, exchange_name, scrub
from rawkube.transport import build_async_client, build_client


def _config(url: str) -> Config:
    return Config(host=url, bearer_token=TOKEN, qps=0)


def test_seed_flow_recorded_then_replayed_without_server_gives_identical_results(
    tmp_path: Path,
) -> None:
    path = tmp_path / "seed.yaml"
    with (
        fake_apiserver() as url,
        record(path) as rec,
        build_client(_config(url).copy(wrap_transport=rec.wrap)) as client,
    ):
        live = seed_flow_httpx(client)
    # The server is gone: only the file can answer now.
    with replay(path) as rp, build_client(rp.config()) as client:
        replayed = seed_flow_httpx(client)
    assert replayed == live
    statuses = [status for status, _ in live]
    assert statuses == [201, 409, 200, 200, 409, 200, 200, 200, 404]


def test_async_recording_and_replay(tmp_path: Path) -> None:
    path = tmp_path / "seed.json"

    async def run(cfg: Config) -> list[Any]:
        async with build_async_client(cfg) as client:
            return await seed_flow_httpx_async(client)

    with fake_apiserver() as url, record(path) as rec:
        live = asyncio.run(asyncio.wait_for(run(_config(url).copy(wrap_transport=rec.wrap)), 20))
    with replay(path) as rp:
        replayed = asyncio.run(asyncio.wait_for(run(rp.config()), 20))
    assert replayed == live
    assert json.loads(path.read_text())["exchanges"][0]["name"] == "create-deployments"


def test_recording_is_readable_yaml_with_the_reference_fields(tmp_path: Path) -> None:
    path = tmp_path / "seed.yaml"
    with (
        fake_apiserver() as url,
        record(path) as rec,
        build_client(_config(url).copy(wrap_transport=rec.wrap)) as client,
    ):
        seed_flow_httpx(client)
    text = path.read_text()
    assert text.startswith("exchanges:\n- name: create-deployments\n")
    exchanges = load_fixture(path)
    names = [ex.name for ex in exchanges]
    assert names == [
        "create-deployments",
        "create-deployments",
        "get-deployments-demo-deployment",
        "update-deployments-demo-deployment",
        "update-deployments-demo-deployment",
        "list-deployments",
        "watch-deployments",
        "delete-deployments-demo-deployment",
        "get-deployments-demo-deployment",
    ]
    create = exchanges[0]
    assert create.request.headers["content-type"] == "application/json"
    assert create.request.body["metadata"]["name"] == "demo-deployment"  # stored parsed
    assert set(create.response.headers) == {"content-type", "audit-id"}
    watch = exchanges[6]
    assert watch.response.body is None
    assert [e["type"] for e in watch.response.body_lines or []] == ["MODIFIED"]
    assert watch.response.line_gaps is None  # timing is opt-in


def test_gzip_response_is_stored_decoded(tmp_path: Path) -> None:
    # The fake server gzips lists when asked (httpx asks by default), like kube-apiserver's
    # APIResponseCompression; the file must hold the JSON, not compressed bytes.
    with (
        fake_apiserver() as url,
        record(tmp_path / "l.yaml") as rec,
        build_client(_config(url).copy(wrap_transport=rec.wrap)) as client,
    ):
        response = client.get("/apis/apps/v1/namespaces/default/deployments")
        assert response.headers["content-encoding"] == "gzip"
    [listed] = rec.exchanges
    assert listed.response.body["kind"] == "DeploymentList"
    assert "content-encoding" not in listed.response.headers


def test_timing_gaps_are_recorded_when_asked(tmp_path: Path) -> None:
    def slow_watch(request: httpx.Request) -> httpx.Response:
        def lines() -> Any:
            for i in range(3):
                time.sleep(0.05)
                yield json.dumps({"type": "ADDED", "object": {"i": i}}).encode() + b"\n"

        return httpx.Response(200, headers={"content-type": "application/json"}, content=lines())

    rec = Recorder(timing=True)
    with (
        httpx.Client(transport=rec.wrap(httpx.MockTransport(slow_watch))) as client,
        client.stream("GET", "http://k/api/v1/pods?watch=true") as response,
    ):
        list(response.iter_lines())
    [watch] = rec.exchanges
    assert watch.name == "watch-pods"
    gaps = watch.response.line_gaps or []
    assert len(gaps) == 3 and all(0.04 <= g < 1.0 for g in gaps)


def test_a_watch_stopped_early_keeps_the_lines_read(tmp_path: Path) -> None:
    def endless(request: httpx.Request) -> httpx.Response:
        def lines() -> Any:
            for i in range(1000):
                yield json.dumps({"type": "ADDED", "object": {"i": i}}).encode() + b"\n"

        return httpx.Response(200, headers={"content-type": "application/json"}, content=lines())

    rec = Recorder()
    with (
        httpx.Client(transport=rec.wrap(httpx.MockTransport(endless))) as client,
        client.stream("GET", "http://k/api/v1/pods?watch=1") as response,
    ):
        for n, _ in enumerate(response.iter_lines()):
            if n == 1:
                break
    [watch] = rec.exchanges
    assert watch.response.body_lines and len(watch.response.body_lines) < 1000
    assert watch.response.body_lines[:2] == [
        {"type": "ADDED", "object": {"i": 0}},
        {"type": "ADDED", "object": {"i": 1}},
    ]


def test_followed_log_lines_are_stored_as_text(tmp_path: Path) -> None:
    def logs(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/plain"}, content=b"one\ntwo\n")

    rec = Recorder()
    with httpx.Client(transport=rec.wrap(httpx.MockTransport(logs))) as client:
        client.get("http://k/api/v1/namespaces/ns/pods/p1/log?follow=true")
    [log] = rec.exchanges
    assert log.name == "get-pods-log-p1"
    assert log.response.body_lines == ["one", "two"]


def test_directory_target_writes_one_file_per_exchange(tmp_path: Path) -> None:
    out = tmp_path / "exchanges"
    with (
        fake_apiserver() as url,
        record(out) as rec,
        build_client(_config(url).copy(wrap_transport=rec.wrap)) as client,
    ):
        seed_flow_httpx(client)
    files = sorted(p.name for p in out.iterdir())
    assert files[0] == "001-create-deployments.json" and len(files) == 9
    assert [ex.name for ex in load_fixture(out)][6] == "watch-deployments"


# --- credentials --------------------------------------------------------------------------------


def _record_secret_flow(tmp_path: Path, **options: Any) -> tuple[str, Any]:
    path = tmp_path / "secret.yaml"
    with (
        fake_apiserver() as url,
        record(path, **options) as rec,
        build_client(_config(url).copy(wrap_transport=rec.wrap)) as client,
    ):
        got = secret_flow_httpx(client)
        # A 401 echoing nothing, and a request whose URL carries the token by mistake.
        client.get("/apis/apps/v1/namespaces/default/deployments/" + TOKEN)
    return path.read_text(), got


def test_bearer_token_and_authorization_header_are_never_written(tmp_path: Path) -> None:
    text, _ = _record_secret_flow(tmp_path)
    assert TOKEN not in text
    assert "authorization" not in text.lower()
    assert "deployments/<redacted>" in text  # the token in a URL was scrubbed, not dropped


def test_secret_data_is_masked_by_default(tmp_path: Path) -> None:
    text, live = _record_secret_flow(tmp_path)
    assert live["data"]["password"] == SECRET_VALUE  # the client itself saw the real value
    assert SECRET_VALUE not in text and "plain-secret-text" not in text
    assert base64.b64decode("UkVEQUNURUQ=") == b"REDACTED"
    assert "UkVEQUNURUQ=" in text


def test_secret_masking_can_be_turned_off(tmp_path: Path) -> None:
    text, _ = _record_secret_flow(tmp_path, mask_secrets=False)
    assert SECRET_VALUE in text
    assert TOKEN not in text  # credentials are scrubbed regardless


def test_basic_auth_password_is_scrubbed(tmp_path: Path) -> None:
    def echo(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"message": f"bad {request.headers['authorization']}"})

    rec = Recorder()
    auth = ("alice", "hunter2-password")
    with httpx.Client(transport=rec.wrap(httpx.MockTransport(echo)), auth=auth) as client:
        client.get("http://k/api")
    text = json.dumps([ex.to_dict() for ex in rec.exchanges])
    assert "hunter2-password" not in text
    assert base64.b64encode(b"alice:hunter2-password").decode() not in text


def test_token_bodies_and_private_keys_are_redacted() -> None:
    pem = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIB\n-----END EC PRIVATE KEY-----"
    doc = {
        "response": {
            "body": {"kind": "TokenRequest", "status": {"token": "eyJhbGciOi.minted"}},
            "body_lines": [{"type": "ADDED", "object": {"data": {"tls.key": pem}}}],
        },
        "request": {"body": {"kind": "TokenReview", "spec": {"token": "eyJhbGciOi.review"}}},
    }
    text = json.dumps(scrub(doc))
    assert "eyJhbGciOi" not in text and "PRIVATE KEY-----\\nMHc" not in text
    assert "<redacted private key>" in text


def test_recorder_repr_shows_no_secret() -> None:
    rec = Recorder("x.yaml", secrets=["top-secret-value"])
    assert "top-secret-value" not in repr(rec)


@pytest.mark.parametrize(
    ("method", "path", "query", "name"),
    [
        ("GET", "/version", "", "get-version"),
        ("GET", "/apis/apps/v1/deployments", "", "list-deployments"),
        (
            "DELETE",
            "/apis/apps/v1/namespaces/d/deployments",
            "labelSelector=a",
            "deletecollection-deployments",
        ),
        ("PUT", "/apis/apps/v1/namespaces/d/deployments/x/scale", "", "update-deployments-scale-x"),
        ("PATCH", "/api/v1/namespaces/n", "", "patch-namespaces-n"),
    ],
)
def test_exchange_names_follow_the_reference_style(
    method: str, path: str, query: str, name: str
) -> None:
    assert exchange_name(method, path, query) == name


def test_debug_log_names_each_exchange_without_credentials(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG", logger="rawkube.testing")
    _record_secret_flow(tmp_path)
    with replay(tmp_path / "secret.yaml") as rp, build_client(rp.config()) as client:
        secret_flow_httpx(client)
        client.get("/apis/apps/v1/namespaces/default/deployments/<redacted>")
    assert "recorded POST /api/v1/namespaces/default/secrets" in caplog.text
    assert "replay GET /api/v1/namespaces/default/secrets/db -> 200 from exchange #1" in caplog.text
    assert TOKEN not in caplog.text


def test_a_request_that_never_got_a_response_is_not_recorded(tmp_path: Path) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    rec = Recorder(tmp_path / "none.yaml")
    with (
        httpx.Client(transport=rec.wrap(httpx.MockTransport(refuse))) as client,
        pytest.raises(httpx.ConnectError),
    ):
        client.get("http://k/version")
    assert rec.exchanges == []
    assert load_fixture(rec.save()) == []
