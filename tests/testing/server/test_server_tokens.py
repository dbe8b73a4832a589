"""ServiceAccount tokens of the LocalAPIServer: TokenRequest JWTs, legacy token Secrets, their
authentication, TokenReview and the issuer discovery documents.

Ground truth: fixtures/auth/serviceaccount-token-claims.json (scripts/record_token_claims.py:
the layout of the real kube-apiserver 1.36's tokens) and the authn differential scenarios.
"""

from __future__ import annotations

import base64
import hashlib
import json
import ssl
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from rawkube.testing.server import LocalAPIServer
from rawkube.testing.server.authenticators import Authenticators
from rawkube.testing.server.tokens import TokenError, TokenSigner, bound_claims

ROOT = Path(__file__).resolve().parents[3]
LAYOUT = json.loads((ROOT / "fixtures" / "auth" / "serviceaccount-token-claims.json").read_text())
ADMIN = {"Authorization": "Bearer admin-token"}


def _part(token: str, index: int) -> Any:
    segment = token.split(".")[index]
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def _layout(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _layout(v, k) for k, v in value.items()}
    if key in {"alg", "iss", "aud", "typ"}:
        return value
    if isinstance(value, bool):
        return "<bool>"
    if isinstance(value, int):
        return "<int>"
    if isinstance(value, list):
        return [_layout(v) for v in value]
    return "<string>"


@pytest.fixture(scope="module")
def server() -> Iterator[LocalAPIServer]:
    with LocalAPIServer(token="admin-token") as srv:
        yield srv


@pytest.fixture(scope="module")
def client(server: LocalAPIServer) -> Iterator[httpx.Client]:
    ctx = ssl.create_default_context(cadata=(server.ca_pem or b"").decode())
    with httpx.Client(base_url=server.url, verify=ctx, timeout=30) as c:
        ns = {"metadata": {"name": "tok"}}
        assert c.post("/api/v1/namespaces", json=ns, headers=ADMIN).status_code == 201
        sa = {"metadata": {"name": "robot"}}
        c.post("/api/v1/namespaces/tok/serviceaccounts", json=sa, headers=ADMIN).raise_for_status()
        yield c


def _token(client: httpx.Client, spec: dict[str, Any] | None = None) -> str:
    resp = client.post(
        "/api/v1/namespaces/tok/serviceaccounts/robot/token",
        json={"spec": spec or {}},
        headers=ADMIN,
    )
    assert resp.status_code == 201, resp.text
    token: str = resp.json()["status"]["token"]
    return token


def _whoami(client: httpx.Client, token: str) -> httpx.Response:
    return client.post(
        "/apis/authentication.k8s.io/v1/selfsubjectreviews",
        json={"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"},
        headers={"Authorization": f"Bearer {token}"},
    )


def test_token_layouts_are_the_real_servers(client: httpx.Client) -> None:
    pod = {
        "metadata": {"name": "p"},
        "spec": {"serviceAccountName": "robot", "containers": [{"name": "c", "image": "x"}]},
    }
    client.post("/api/v1/namespaces/tok/pods", json=pod, headers=ADMIN).raise_for_status()
    client.post(
        "/api/v1/namespaces/tok/secrets", json={"metadata": {"name": "anchor"}}, headers=ADMIN
    ).raise_for_status()
    specs = {
        "plain": {},
        "pod-bound": {"boundObjectRef": {"apiVersion": "v1", "kind": "Pod", "name": "p"}},
        "secret-bound": {
            "boundObjectRef": {"apiVersion": "v1", "kind": "Secret", "name": "anchor"}
        },
    }
    for label, spec in specs.items():
        token = _token(client, spec)
        claims = _layout(_part(token, 1))
        # The recording's pod was not scheduled; ours is (the simulated kubelet binds it), and
        # a scheduled pod's token names its node too (claims.go, ServiceAccountTokenPodNodeInfo).
        claims.get("kubernetes.io", {}).pop("node", None)
        assert {"header": _layout(_part(token, 0)), "claims": claims} == LAYOUT[label], label


def test_legacy_token_secret_is_filled_and_its_token_works(client: httpx.Client) -> None:
    secret = {
        "metadata": {
            "name": "robot-token",
            "annotations": {"kubernetes.io/service-account.name": "robot"},
        },
        "type": "kubernetes.io/service-account-token",
    }
    client.post("/api/v1/namespaces/tok/secrets", json=secret, headers=ADMIN).raise_for_status()
    deadline = time.monotonic() + 20
    data: dict[str, str] = {}
    while time.monotonic() < deadline and not data.get("token"):
        got = client.get("/api/v1/namespaces/tok/secrets/robot-token", headers=ADMIN).json()
        data = got.get("data") or {}
        time.sleep(0.05)
    assert sorted(data) == LAYOUT["legacy"]["data-keys"]
    token = base64.b64decode(data["token"]).decode()
    assert {"header": _layout(_part(token, 0)), "claims": _layout(_part(token, 1))} == {
        "header": LAYOUT["legacy"]["header"],
        "claims": LAYOUT["legacy"]["claims"],
    }
    who = _whoami(client, token).json()["status"]["userInfo"]
    assert who["username"] == "system:serviceaccount:tok:robot"
    assert "extra" not in who  # legacy tokens carry no credential id


def test_the_server_accepts_its_own_tokens_only(
    client: httpx.Client, server: LocalAPIServer
) -> None:
    token = _token(client)
    who = _whoami(client, token)
    assert who.status_code == 201
    info = who.json()["status"]["userInfo"]
    assert info["username"] == "system:serviceaccount:tok:robot"
    assert info["groups"] == [
        "system:serviceaccounts",
        "system:serviceaccounts:tok",
        "system:authenticated",
    ]
    assert info["extra"]["authentication.kubernetes.io/credential-id"] == [
        "JTI=" + _part(token, 1)["jti"]
    ]
    head, body, sig = token.split(".")
    tampered = f"{head}.{body}.{sig[:-4]}AAAA"
    assert _whoami(client, tampered).status_code == 401
    # A token signed by another key (another server) is refused.
    other = TokenSigner()
    foreign = other.sign(_part(token, 1))
    assert _whoami(client, foreign).status_code == 401


def test_jwks_verifies_the_tokens_and_the_kid_is_the_key_digest(
    client: httpx.Client,
) -> None:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    token = _token(client)
    jwks = client.get("/openid/v1/jwks", headers={**ADMIN, "Accept": "application/jwk-set+json"})
    assert jwks.headers["content-type"] == "application/jwk-set+json"
    (key,) = jwks.json()["keys"]

    def number(text: str) -> int:
        return int.from_bytes(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)), "big")

    public = rsa.RSAPublicNumbers(number(key["e"]), number(key["n"])).public_key()
    head, body, sig = token.split(".")
    public.verify(
        base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4)),
        f"{head}.{body}".encode(),
        padding.PKCS1v15(),
        hashes.SHA256(),
    )
    der = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    kid = base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode()
    assert _part(token, 0)["kid"] == key["kid"] == kid
    config = client.get("/.well-known/openid-configuration", headers=ADMIN).json()
    assert config["issuer"] == _part(token, 1)["iss"]
    assert config["jwks_uri"].endswith("/openid/v1/jwks")


class _Store:
    def __init__(self, objects: dict[tuple[str, str, str], dict[str, Any]]) -> None:
        self.objects = objects

    def get(self, key: Any, namespace: str, name: str) -> dict[str, Any] | None:
        return self.objects.get((key.resource, namespace, name))


def _sa() -> dict[str, Any]:
    return {"metadata": {"name": "robot", "namespace": "ns", "uid": "u-1"}}


def test_expiry_audiences_deletion_and_the_success_cache() -> None:
    now = [1000.0]
    store = _Store({("serviceaccounts", "ns", "robot"): _sa()})
    authn = Authenticators(lambda: store, clock=lambda: now[0])
    authn.service_accounts.clock = lambda: now[0]
    token = authn.signer.sign(
        bound_claims(_sa(), ["https://kubernetes.default.svc.cluster.local"], 600, now=now[0])
    )
    user, auds = authn.authenticate_token(token)
    assert user.username == "system:serviceaccount:ns:robot" and auds == [
        "https://kubernetes.default.svc.cluster.local"
    ]
    with pytest.raises(
        TokenError, match=r"token audiences .* is invalid for the target audiences \[\"vault\"\]"
    ):
        authn.authenticate_token(token, ["vault"])
    # The ServiceAccount goes: a success is cached for 10 s (--token-success-cache-ttl) ...
    store.objects.clear()
    assert authn.authenticate_token(token)[0].username == "system:serviceaccount:ns:robot"
    now[0] += 11
    with pytest.raises(TokenError) as gone:
        authn.authenticate_token(token)
    assert str(gone.value) == '[invalid bearer token, serviceaccounts "robot" not found]'
    # ... and an expired token is refused (60 s leeway, as go-jose's).
    store.objects[("serviceaccounts", "ns", "robot")] = _sa()
    now[0] += 600 + 61
    with pytest.raises(TokenError, match="service account token has expired"):
        authn.authenticate_token(token)
    with pytest.raises(TokenError, match="^invalid bearer token$"):
        authn.authenticate_token("not-a-jwt")
