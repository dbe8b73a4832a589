"""The kubectl-like -v HTTP trace on logger rawkube.http (client-go round_trippers.go)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest

from rawkube.config.types import Config
from rawkube.rest import trace
from rawkube.rest.client import RESTClient

TOKEN = "sekret-token-123456"
KEY = (
    b"-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIDeadBeefKeyMaterial\n-----END EC PRIVATE KEY-----\n"
)
CERT = b"-----BEGIN CERTIFICATE-----\nMIIBCertificateMaterialXYZ\n-----END CERTIFICATE-----\n"


@pytest.fixture
def verbosity() -> Iterator[None]:
    yield
    trace.set_verbosity(0)


def run(level: int, caplog: pytest.LogCaptureFixture, *, auth: str = "token") -> str:
    trace.set_verbosity(level)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            json={"kind": "TokenReview", "status": {"token": TOKEN}, "items": ["x" * 5000]},
            headers={"audit-id": "abc", "set-cookie": f"session={TOKEN}"},
        )

    cfg = Config(
        host="https://127.0.0.1:6443",
        transport=httpx.MockTransport(handler),
        qps=0,
        bearer_token=TOKEN if auth == "token" else None,
        username="admin" if auth == "basic" else None,
        password=TOKEN if auth == "basic" else None,
        cert_data=CERT,
        key_data=KEY,
    )
    rc = RESTClient(cfg, "apps", "v1")
    with caplog.at_level(logging.INFO, logger="rawkube.http"):
        rc.get().namespace("default").resource("deployments").param("limit", 500).do()
        rc.post().namespace("default").resource("deployments").body(
            {"kind": "Deployment", "token": TOKEN}
        ).do()
    return "\n".join(r.getMessage() for r in caplog.records if r.name == "rawkube.http")


URL = "https://127.0.0.1:6443/apis/apps/v1/namespaces/default/deployments?limit=500"


def assert_no_secret(text: str) -> None:
    assert TOKEN not in text
    assert "DeadBeefKeyMaterial" not in text and "CertificateMaterial" not in text
    assert "YWRtaW46" not in text  # base64("admin:") prefix of a basic auth header


def test_level_0_is_silent(caplog: pytest.LogCaptureFixture, verbosity: None) -> None:
    assert run(0, caplog) == ""


def test_level_6_status_line(caplog: pytest.LogCaptureFixture, verbosity: None) -> None:
    text = run(6, caplog)
    assert f"GET {URL} 200 OK in " in text and "milliseconds" in text
    assert "audit-id" not in text.lower()
    assert_no_secret(text)


def test_level_8_headers_and_truncated_bodies(
    caplog: pytest.LogCaptureFixture, verbosity: None
) -> None:
    text = run(8, caplog)
    assert f'url="{URL}"' in text
    assert "Audit-Id: abc" in text
    assert "Authorization: Bearer <masked>" in text
    assert "Set-Cookie: <masked>" in text
    assert "Response Body" in text and "[truncated" in text
    assert '"token":"<masked>"' in text.replace(" ", "")
    assert_no_secret(text)


def test_level_9_curl(caplog: pytest.LogCaptureFixture, verbosity: None) -> None:
    text = run(9, caplog)
    assert "curl -v -XGET" in text
    assert f"'{URL}'" in text
    assert "'Authorization: Bearer <masked>'" in text
    assert_no_secret(text)


def test_basic_auth_masked(caplog: pytest.LogCaptureFixture, verbosity: None) -> None:
    text = run(9, caplog, auth="basic")
    assert "Authorization: Basic <masked>" in text
    assert_no_secret(text)


def test_mask_helpers() -> None:
    assert trace.mask_header("Authorization", "Bearer abc") == "Bearer <masked>"
    assert trace.mask_header("authorization", "weird") == "<masked>"
    assert trace.mask_header("Accept", "application/json") == "application/json"
    assert trace.mask_body(b'{"token": "abc", "x": "y"}') == b'{"token": "<masked>", "x": "y"}'


def test_retry_is_traced(caplog: pytest.LogCaptureFixture, verbosity: None) -> None:
    trace.set_verbosity(6)
    responses = [httpx.Response(429, headers={"retry-after": "0"}), httpx.Response(200, json={})]
    cfg = Config(host="https://h", transport=httpx.MockTransport(lambda r: responses.pop(0)), qps=0)
    with caplog.at_level(logging.INFO, logger="rawkube.http"):
        RESTClient(cfg, sleep=lambda s: None).get().resource("pods").do()
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "429 Too Many Requests" in text and "Retrying GET https://h/api/v1/pods" in text


def test_level_7_request_headers_without_bodies(
    caplog: pytest.LogCaptureFixture, verbosity: None
) -> None:
    text = run(7, caplog)
    assert f'Request verb="GET" url="{URL}"' in text
    assert "Authorization: Bearer <masked>" in text
    assert "Request Body" not in text and "Response Body" not in text
    assert_no_secret(text)
