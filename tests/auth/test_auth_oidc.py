"""auth-provider oidc (client-go plugin/pkg/client/auth/oidc/oidc.go): the id-token is sent
while valid; an expired one is refreshed at the issuer (a real HTTPS server on 127.0.0.1 acting
as the identity provider) and kept in memory only."""

from __future__ import annotations

import base64
import json
import time
import urllib.parse
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from rawkube.config.types import AuthProviderConfig, Config
from rawkube.errors import AuthError, ConfigError
from rawkube.transport import build_client
from tests.helpers.certs import CA
from tests.helpers.tls_server import Received, TLSServer


def jwt(exp: float, sub: str = "jane") -> str:
    def part(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none'})}.{part({'sub': sub, 'exp': int(exp)})}.c2ln"


FRESH = jwt(time.time() + 3600, "fresh")
EXPIRED = jwt(time.time() - 60, "expired")
REFRESHED = jwt(time.time() + 3600, "refreshed")


class IdP:
    """Answers OpenID discovery and the refresh_token grant."""

    def __init__(self, id_token: str | None = REFRESHED) -> None:
        self.id_token = id_token
        self.url = ""

    def __call__(self, req: Received) -> tuple[int, dict[str, str], bytes]:
        if req.path == "/.well-known/openid-configuration":
            return 200, {}, json.dumps({"token_endpoint": self.url + "/token"}).encode()
        if req.path == "/token" and req.method == "POST":
            form = urllib.parse.parse_qs(req.body.decode())
            if form.get("refresh_token") != ["refresh-1"]:
                return 400, {}, b'{"error":"invalid_grant"}'
            body: dict[str, str] = {
                "access_token": "a",
                "token_type": "Bearer",
                "refresh_token": "refresh-2",
            }
            if self.id_token:
                body["id_token"] = self.id_token
            return 200, {"Content-Type": "application/json"}, json.dumps(body).encode()
        return 404, {}, b""


@pytest.fixture
def idp() -> Iterator[tuple[TLSServer, IdP, CA]]:
    ca = CA()
    behaviour = IdP()
    with TLSServer(ca.issue("idp", ips=["127.0.0.1"]), responder=behaviour) as srv:
        behaviour.url = srv.url
        yield srv, behaviour, ca


def oidc_config(srv: TLSServer, ca: CA, seen: list[str | None], **settings: str) -> Config:
    def api(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("Authorization"))
        ok = request.headers.get("Authorization") != f"Bearer {EXPIRED}"
        return httpx.Response(200 if ok else 401)

    base = {
        "idp-issuer-url": srv.url,
        "client-id": "kubernetes",
        "client-secret": "shh",
        "idp-certificate-authority-data": base64.b64encode(ca.cert_pem).decode(),
    }
    return Config(
        host="https://127.0.0.1:6443",
        auth_provider=AuthProviderConfig("oidc", {**base, **settings}),
        transport=httpx.MockTransport(api),
    )


def test_valid_id_token_is_sent_without_asking_the_idp(idp: tuple[TLSServer, IdP, CA]) -> None:
    srv, _, ca = idp
    seen: list[str | None] = []
    build_client(
        oidc_config(srv, ca, seen, **{"id-token": FRESH, "refresh-token": "refresh-1"})
    ).get("/")
    assert seen == [f"Bearer {FRESH}"] and srv.requests == []


def test_expired_id_token_is_refreshed_in_memory(idp: tuple[TLSServer, IdP, CA]) -> None:
    srv, _, ca = idp
    seen: list[str | None] = []
    cfg = oidc_config(srv, ca, seen, **{"id-token": EXPIRED, "refresh-token": "refresh-1"})
    build_client(cfg).get("/")
    assert seen == [f"Bearer {REFRESHED}"]
    discovery, token = srv.requests
    assert discovery.path == "/.well-known/openid-configuration"
    assert token.headers["Authorization"] == "Basic " + base64.b64encode(b"kubernetes:shh").decode()
    assert urllib.parse.parse_qs(token.body.decode())["grant_type"] == ["refresh_token"]
    assert (
        cfg.auth_provider is not None and cfg.auth_provider.config["id-token"] == EXPIRED
    )  # never persisted
    build_client(cfg).get("/")  # another client of the same cluster reuses the refreshed token
    assert len(srv.requests) == 2 and seen[-1] == f"Bearer {REFRESHED}"


def test_401_forces_a_refresh_and_one_replay(idp: tuple[TLSServer, IdP, CA]) -> None:
    """A revoked but unexpired id-token: the 401 triggers a refresh, then one replay."""
    srv, _, ca = idp
    seen: list[str | None] = []
    cfg = oidc_config(srv, ca, seen, **{"id-token": FRESH, "refresh-token": "refresh-1"})
    transport = cfg.transport
    revoked = f"Bearer {FRESH}"

    def api(request: httpx.Request) -> httpx.Response:
        response = transport.handle_request(request)
        return httpx.Response(401) if seen[-1] == revoked else response

    assert build_client(cfg.copy(transport=httpx.MockTransport(api))).get("/").status_code == 200
    assert seen == [revoked, f"Bearer {REFRESHED}"]


def test_expired_without_refresh_token(idp: tuple[TLSServer, IdP, CA]) -> None:
    srv, _, ca = idp
    client = build_client(oidc_config(srv, ca, [], **{"id-token": EXPIRED}))
    with pytest.raises(AuthError, match="id-token expired and there is no refresh-token"):
        client.get("/")


def test_refresh_response_without_id_token(idp: tuple[TLSServer, IdP, CA]) -> None:
    srv, behaviour, ca = idp
    behaviour.id_token = None
    client = build_client(
        oidc_config(srv, ca, [], **{"id-token": EXPIRED, "refresh-token": "refresh-1"})
    )
    with pytest.raises(AuthError, match="token response did not contain an id_token"):
        client.get("/")


def test_idp_with_unknown_ca_fails_clearly(idp: tuple[TLSServer, IdP, CA]) -> None:
    srv, _, _ = idp
    client = build_client(
        oidc_config(srv, CA("stranger"), [], **{"id-token": EXPIRED, "refresh-token": "refresh-1"})
    )
    with pytest.raises(AuthError, match="cannot reach the issuer's discovery document"):
        client.get("/")


def test_required_settings_and_bad_tokens() -> None:
    with pytest.raises(ConfigError, match="config.idp-issuer-url is required"):
        build_client(
            Config(host="https://h", auth_provider=AuthProviderConfig("oidc", {"id-token": FRESH}))
        )
    settings = {"idp-issuer-url": "https://127.0.0.1:1", "client-id": "k"}
    with pytest.raises(ConfigError, match="neither id-token nor refresh-token"):
        build_client(Config(host="https://h", auth_provider=AuthProviderConfig("oidc", settings)))
    bad = Config(
        host="https://h",
        auth_provider=AuthProviderConfig("oidc", {**settings, "id-token": "not-a-jwt"}),
        transport=httpx.MockTransport(lambda r: httpx.Response(200)),
    )
    with pytest.raises(AuthError, match="id-token is not a valid JWT"):
        build_client(bad).get("/")
