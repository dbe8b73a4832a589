"""Bearer tokens, token files, basic auth, auth-provider and precedence (client-go
transport/round_trippers.go, transport/token_source.go, rest/transport.go)."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path

import httpx
import pytest

from rawkube.auth import BasicAuth, BearerAuth, TokenFileAuth, auth_for_config
from rawkube.config.types import AuthProviderConfig, Config, ExecConfig
from rawkube.errors import AuthError, ConfigError
from rawkube.transport import build_async_client, build_client


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Recorder:
    """Mock API server: records Authorization headers; tokens in `reject` get a 401."""

    def __init__(self, reject: frozenset[str] = frozenset()) -> None:
        self.seen: list[str | None] = []
        self.reject = reject

    def __call__(self, request: httpx.Request) -> httpx.Response:
        auth = request.headers.get("Authorization")
        self.seen.append(auth)
        return httpx.Response(401 if auth in self.reject else 200)


def client_with(auth: httpx.Auth, server: Recorder) -> httpx.Client:
    return httpx.Client(
        base_url="https://127.0.0.1", auth=auth, transport=httpx.MockTransport(server)
    )


def test_token_file_reread_after_refresh_interval(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("one\n")
    clock, server = Clock(), Recorder()
    client = client_with(TokenFileAuth(str(token), clock=clock), server)
    client.get("/")
    token.write_text("two")
    clock.now += 59
    client.get("/")  # still within the minute: cached
    clock.now += 2
    client.get("/")
    assert server.seen == ["Bearer one", "Bearer one", "Bearer two"]


def test_token_file_reread_after_401_and_replayed(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("old")
    server = Recorder(reject=frozenset({"Bearer old"}))
    client = client_with(TokenFileAuth(str(token), clock=Clock()), server)
    client.get("/")  # 401 with "old", file unchanged: no replay
    assert server.seen == ["Bearer old"]
    token.write_text("rotated")
    assert client.get("/").status_code == 200
    assert server.seen == ["Bearer old", "Bearer old", "Bearer rotated"]


def test_token_file_value_wins_over_token(tmp_path: Path) -> None:
    """round_trippers.go NewBearerAuthWithRefreshRoundTripper: with token and tokenFile the
    file's value is sent; the static token only stands in while the file is unreadable."""
    token = tmp_path / "token"
    clock, server = Clock(), Recorder()
    cfg = Config(host="https://127.0.0.1", bearer_token="static", bearer_token_file=str(token))
    auth = auth_for_config(cfg, clock=clock)
    assert isinstance(auth, TokenFileAuth)
    client = client_with(auth, server)
    client.get("/")  # no file yet
    token.write_text("from-file")
    clock.now += 61
    client.get("/")
    assert server.seen == ["Bearer static", "Bearer from-file"]


def test_token_file_vanishing_keeps_last_token(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("kept")
    clock, server = Clock(), Recorder()
    client = client_with(TokenFileAuth(str(token), clock=clock), server)
    client.get("/")
    token.unlink()
    clock.now += 120
    client.get("/")
    assert server.seen == ["Bearer kept", "Bearer kept"]


def test_token_file_missing_from_the_start(tmp_path: Path) -> None:
    client = client_with(TokenFileAuth(str(tmp_path / "absent")), Recorder())
    with pytest.raises(AuthError, match="cannot read the bearer token file"):
        client.get("/")


def test_token_file_async(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("a1")
    server = Recorder(reject=frozenset({"Bearer a1"}))
    cfg = Config(
        host="https://127.0.0.1",
        bearer_token_file=str(token),
        transport=httpx.MockTransport(server),
    )

    async def main() -> list[int]:
        async with build_async_client(cfg) as client:
            first = (await client.get("/")).status_code
            token.write_text("a2")
            return [first, (await client.get("/")).status_code]

    assert asyncio.run(main()) == [401, 200]
    assert server.seen == ["Bearer a1", "Bearer a1", "Bearer a2"]


def test_bearer_and_basic_headers() -> None:
    server = Recorder()
    client_with(BearerAuth("tkn"), server).get("/")
    client_with(BasicAuth("alice", "pa:ss"), server).get("/")
    assert server.seen == ["Bearer tkn", "Basic " + base64.b64encode(b"alice:pa:ss").decode()]


def test_caller_authorization_header_is_respected(tmp_path: Path) -> None:
    server = Recorder()
    client_with(BearerAuth("tkn"), server).get("/", headers={"Authorization": "Bearer mine"})
    assert server.seen == ["Bearer mine"]


@pytest.mark.parametrize("name", ["gcp", "azure"])
def test_other_auth_providers_point_to_exec(name: str) -> None:
    cfg = Config(host="https://127.0.0.1", auth_provider=AuthProviderConfig(name, {}))
    with pytest.raises(
        ConfigError, match=f"auth-provider '{name}' is not supported.*exec credential plugin"
    ):
        build_client(cfg)


def test_precedence_and_conflicts() -> None:
    exec_config = ExecConfig(command="never-run")
    assert isinstance(
        auth_for_config(Config(bearer_token="t", exec_provider=exec_config)), BearerAuth
    )
    assert isinstance(
        auth_for_config(Config(username="u", password="p", exec_provider=exec_config)), BasicAuth
    )
    assert auth_for_config(Config(cert_data=b"c", key_data=b"k", exec_provider=exec_config)) is None
    assert auth_for_config(Config()) is None
    with pytest.raises(
        ConfigError, match="username/password or bearer token may be set, but not both"
    ):
        auth_for_config(Config(bearer_token="t", username="u"))
    with pytest.raises(
        ConfigError, match="execProvider and authProvider cannot be used in combination"
    ):
        auth_for_config(Config(exec_provider=exec_config, auth_provider=AuthProviderConfig("oidc")))
