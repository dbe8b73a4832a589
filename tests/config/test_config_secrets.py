"""Tokens, passwords and keys never appear in repr/str of configs, auth flows or errors."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from rawkube.auth import BasicAuth, BearerAuth, OIDCAuth, TokenFileAuth
from rawkube.config.kubeconfig import load_config, load_raw_kubeconfig
from rawkube.config.types import AuthProviderConfig, Config, ExecConfig
from rawkube.errors import ConfigError
from rawkube.transport import build_client
from tests.config.test_config_merge import b64, kubeconfig

SECRETS = [
    "tok-SECRET-1",
    "pw-SECRET-2",
    "KEY-SECRET-3",
    "CERT-SECRET-4",
    "ID-SECRET-5",
    "ENV-SECRET-6",
    "ARG-SECRET-7",
]


def full_config() -> Config:
    return Config(
        host="https://127.0.0.1:6443",
        bearer_token=SECRETS[0],
        username="admin",
        password=SECRETS[1],
        key_data=SECRETS[2].encode(),
        cert_data=SECRETS[3].encode(),
        auth_provider=AuthProviderConfig("oidc", {"id-token": SECRETS[4]}),
        exec_provider=ExecConfig(
            command="p",
            args=["--token", SECRETS[6]],
            env=[{"name": "AWS_SECRET", "value": SECRETS[5]}],
        ),
    )


def test_config_repr_and_str_hide_secrets() -> None:
    cfg = full_config()
    for text in (
        repr(cfg),
        str(cfg),
        repr(cfg.copy()),
        repr(cfg.exec_provider),
        repr(cfg.auth_provider),
    ):
        assert not [s for s in SECRETS if s in text], text
    assert "bearer_token=<redacted>" in repr(cfg) and "AWS_SECRET" in repr(cfg)


def test_auth_reprs_hide_secrets(tmp_path: Path) -> None:
    for auth in (
        BearerAuth(SECRETS[0]),
        BasicAuth("admin", SECRETS[1]),
        TokenFileAuth(str(tmp_path / "t"), fallback=SECRETS[0]),
    ):
        assert SECRETS[0] not in repr(auth) and SECRETS[1] not in repr(auth)
    oidc = OIDCAuth(
        {
            "idp-issuer-url": "https://i",
            "client-id": "c",
            "id-token": SECRETS[4],
            "client-secret": SECRETS[1],
        }
    )
    assert SECRETS[4] not in repr(oidc) and SECRETS[1] not in repr(oidc)


def test_raw_kubeconfig_repr_hides_secrets(kube_env: Path) -> None:
    path = kube_env / "k"
    import yaml

    doc = kubeconfig(
        {"c": {"server": "https://a"}},
        {"u": {"token": SECRETS[0], "client-key-data": b64(SECRETS[2].encode())}},
        {"x": {"cluster": "c", "user": "u"}},
        "x",
    )
    path.write_text(yaml.safe_dump(doc))
    raw = load_raw_kubeconfig(str(path))
    assert SECRETS[0] not in repr(raw) and SECRETS[0] not in str(raw)
    assert raw["users"][0]["user"]["token"] == SECRETS[0]  # the document itself is raw
    cfg = load_config(str(path))
    assert SECRETS[0] not in repr(cfg)


def test_client_errors_hide_secrets() -> None:
    cfg = full_config()
    with pytest.raises(ConfigError) as err:  # token + basic: a conflict, reported without values
        build_client(cfg)
    assert not [s for s in SECRETS if s in str(err.value)]
    cfg = Config(
        host="https://127.0.0.1:1",
        bearer_token=SECRETS[0],
        transport=httpx.MockTransport(lambda r: httpx.Response(401)),
    )
    client = build_client(cfg)
    assert SECRETS[0] not in repr(client.auth)


def test_debug_logs_teach_without_secrets(
    kube_env: Path, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    import logging

    import yaml

    caplog.set_level(logging.DEBUG, logger="rawkube")
    path = kube_env / "k"
    token_file = kube_env / "tok"
    token_file.write_text(SECRETS[0])
    doc = kubeconfig(
        {"c": {"server": "https://127.0.0.1:1"}},
        {"u": {"tokenFile": str(token_file)}},
        {"x": {"cluster": "c", "user": "u"}},
        "x",
    )
    path.write_text(yaml.safe_dump(doc))
    cfg = load_config(str(path))
    seen: list[str] = []

    def server(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["Authorization"])
        return httpx.Response(200)

    build_client(cfg.copy(transport=httpx.MockTransport(server))).get("/")
    assert seen == [f"Bearer {SECRETS[0]}"]
    text = caplog.text
    assert "context 'x' -> cluster 'c' (https://127.0.0.1:1) user 'u' (token file)" in text
    assert "new token loaded" in text
    assert SECRETS[0] not in text
