"""Exec credential plugins (client-go plugin/pkg/client/auth/exec/exec.go), driven through real
httpx clients. The plugin is a small Python script that counts its runs in a file and does what
a JSON control file tells it (token, expiry, exit code, stderr, sleep, client certificate)."""

from __future__ import annotations

import asyncio
import json
import os
import stat
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from rawkube.auth import ExecAuth, exec_plugin_for
from rawkube.config.types import Config, ExecConfig
from rawkube.errors import AuthError
from rawkube.transport import build_async_client, build_client
from tests.helpers.certs import CA
from tests.helpers.tls_server import TLSServer

PLUGIN = """#!{python}
import json, os, sys, time
here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "runs"), "a") as f:
    f.write("run\\n")
n = sum(1 for _ in open(os.path.join(here, "runs")))
with open(os.path.join(here, "exec-info-%d.json" % n), "w") as f:
    f.write(os.environ.get("KUBERNETES_EXEC_INFO", ""))
ctl = json.load(open(os.path.join(here, "control.json")))
if ctl.get("stderr"):
    sys.stderr.write(ctl["stderr"])
if ctl.get("spawn"):  # a child that keeps our stdout open, like a stuck helper process
    import subprocess
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
time.sleep(ctl.get("sleep", 0))
if ctl.get("exit"):
    sys.exit(ctl["exit"])
info = json.loads(os.environ["KUBERNETES_EXEC_INFO"])
status = {{}}
if ctl.get("token", True):
    status["token"] = "token-%d" % n
if ctl.get("expires"):
    status["expirationTimestamp"] = ctl["expires"]
if ctl.get("cert"):
    status["clientCertificateData"] = ctl["cert"]
    status["clientKeyData"] = ctl["key"]
print(json.dumps({{"apiVersion": ctl.get("apiVersion", info["apiVersion"]), "kind": "ExecCredential", "status": status}}))
"""


class Plugin:
    """The plugin script in its own directory, plus helpers to steer and inspect it."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.dir = directory
        self.path = directory / "plugin.py"
        self.path.write_text(PLUGIN.format(python=sys.executable))
        self.path.chmod(self.path.stat().st_mode | stat.S_IXUSR)
        self.control()

    def control(self, **ctl: Any) -> None:
        (self.dir / "control.json").write_text(json.dumps(ctl))

    @property
    def runs(self) -> int:
        runs = self.dir / "runs"
        return len(runs.read_text().splitlines()) if runs.exists() else 0

    def exec_info(self, run: int) -> dict[str, Any]:
        return json.loads((self.dir / f"exec-info-{run}.json").read_text())

    def config(self, api_version: str = "client.authentication.k8s.io/v1", **kw: Any) -> ExecConfig:
        return ExecConfig(
            command=str(self.path), api_version=api_version, interactive_mode="Never", **kw
        )


@pytest.fixture
def plugin(tmp_path: Path) -> Plugin:
    return Plugin(tmp_path / "plugin")


class Server:
    """A mock API server that accepts only the tokens in `valid`."""

    def __init__(self, valid: set[str]) -> None:
        self.valid = valid
        self.seen: list[str | None] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        auth = request.headers.get("Authorization")
        self.seen.append(auth)
        ok = auth is not None and auth.removeprefix("Bearer ") in self.valid
        return httpx.Response(200 if ok else 401, json={"auth": auth})


def config_for(exec_config: ExecConfig, server: Server, **kw: Any) -> Config:
    return Config(
        host="https://127.0.0.1:6443",
        exec_provider=exec_config,
        transport=httpx.MockTransport(server),
        **kw,
    )


@pytest.mark.parametrize(
    "api_version", ["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"]
)
def test_cached_across_requests_and_clients(plugin: Plugin, api_version: str) -> None:
    server = Server({"token-1"})
    cfg = config_for(plugin.config(api_version), server)
    # an equal exec config loaded separately (e.g. another load_config) shares the cache too
    other = config_for(plugin.config(api_version), server)
    with build_client(cfg) as a, build_client(other) as b:
        assert [
            a.get("/api").status_code,
            a.get("/api").status_code,
            b.get("/api").status_code,
        ] == [200] * 3
    assert plugin.runs == 1
    assert server.seen == ["Bearer token-1"] * 3
    assert plugin.exec_info(1)["apiVersion"] == api_version


def test_rerun_after_expiry(plugin: Plugin) -> None:
    expires = datetime.now(timezone.utc) + timedelta(hours=1)
    plugin.control(expires=expires.strftime("%Y-%m-%dT%H:%M:%S.123456Z"))
    server = Server({"token-1", "token-2"})
    cfg = config_for(plugin.config(), server)
    client = build_client(cfg)
    client.get("/a")
    client.get("/b")
    assert plugin.runs == 1
    shared = exec_plugin_for(cfg)
    shared.clock = lambda: expires.timestamp() + 1  # an hour later
    client.get("/c")
    assert plugin.runs == 2
    assert server.seen == ["Bearer token-1", "Bearer token-1", "Bearer token-2"]


def test_rerun_once_after_401_and_replay(plugin: Plugin) -> None:
    server = Server({"token-2"})  # the first credential is revoked
    client = build_client(config_for(plugin.config(), server))
    response = client.post("/api/v1/namespaces", json={"kind": "Namespace"})
    assert response.status_code == 200
    assert plugin.runs == 2
    assert server.seen == ["Bearer token-1", "Bearer token-2"]


def test_401_forever_reruns_only_once(plugin: Plugin) -> None:
    server = Server(set())
    client = build_client(config_for(plugin.config(), server))
    assert client.get("/api").status_code == 401
    assert plugin.runs == 2 and len(server.seen) == 2


def test_streaming_body_not_replayed_but_credential_refreshed(plugin: Plugin) -> None:
    server = Server({"token-2"})
    client = build_client(config_for(plugin.config(), server))
    response = client.post("/upload", content=iter([b"one-shot"]))
    assert response.status_code == 401  # the body cannot be sent twice
    assert plugin.runs == 2
    assert client.get("/next").status_code == 200


def test_exec_info_with_cluster(plugin: Plugin) -> None:
    ca = b"-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n"
    exec_config = plugin.config(provide_cluster_info=True, cluster_config={"audience": "x"})
    cfg = config_for(
        exec_config,
        Server({"token-1"}),
        ca_data=ca,
        tls_server_name="kubernetes",
        proxy_url="http://127.0.0.1:1",
    )
    build_client(cfg).get("/")
    info = plugin.exec_info(1)
    assert info == {
        "apiVersion": "client.authentication.k8s.io/v1",
        "kind": "ExecCredential",
        "spec": {
            "interactive": False,
            "cluster": {
                "server": "https://127.0.0.1:6443",
                "tls-server-name": "kubernetes",
                "certificate-authority-data": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCmFiYwotLS0tLUVORCBDRVJUSUZJQ0FURS0tLS0tCg==",
                "proxy-url": "http://127.0.0.1:1",
                "config": {"audience": "x"},
            },
        },
    }


def test_exec_info_without_cluster_and_env_passed(plugin: Plugin) -> None:
    exec_config = plugin.config(env=[{"name": "PLUGIN_FLAVOUR", "value": "mint"}])
    build_client(config_for(exec_config, Server({"token-1"}))).get("/")
    assert plugin.exec_info(1) == {
        "apiVersion": "client.authentication.k8s.io/v1",
        "kind": "ExecCredential",
        "spec": {"interactive": False},
    }


def test_failure_shows_install_hint_and_stderr(plugin: Plugin) -> None:
    plugin.control(exit=3, stderr="error: you must log in first\n")
    exec_config = plugin.config(install_hint="Install it with: brew install our-plugin")
    client = build_client(config_for(exec_config, Server(set())))
    with pytest.raises(AuthError) as err:
        client.get("/")
    text = str(err.value)
    assert "exited with code 3" in text
    assert "error: you must log in first" in text
    assert "brew install our-plugin" in text


def test_missing_command(tmp_path: Path) -> None:
    exec_config = ExecConfig(
        command=str(tmp_path / "no-such-plugin"),
        interactive_mode="Never",
        install_hint="get it from example.com",
    )
    with pytest.raises(AuthError, match=r"(?s)not found.*get it from example\.com"):
        build_client(config_for(exec_config, Server(set()))).get("/")


def test_bad_output(plugin: Plugin) -> None:
    plugin.control(apiVersion="client.authentication.k8s.io/v1beta1")
    with pytest.raises(
        AuthError, match="is configured for client.authentication.k8s.io/v1 but returned apiVersion"
    ):
        build_client(config_for(plugin.config(), Server(set()))).get("/")


def test_hanging_plugin_times_out(plugin: Plugin) -> None:
    plugin.control(sleep=30)
    client = build_client(config_for(plugin.config(timeout_seconds=0.5), Server(set())))
    started = time.monotonic()
    with pytest.raises(AuthError, match="did not finish within 0.5 s and was stopped"):
        client.get("/")
    assert time.monotonic() - started < 5


def test_hanging_plugin_with_a_child_holding_its_pipes(plugin: Plugin) -> None:
    plugin.control(sleep=30, spawn=True)
    client = build_client(config_for(plugin.config(timeout_seconds=0.5), Server(set())))
    started = time.monotonic()
    with pytest.raises(AuthError, match="was stopped"):
        client.get("/")
    assert time.monotonic() - started < 5  # the whole process group was stopped


def test_async_client_shares_the_cache(plugin: Plugin) -> None:
    server = Server({"token-2"})
    cfg = config_for(plugin.config(), server)

    async def main() -> list[int]:
        async with build_async_client(cfg) as client:
            return [(await client.get("/a")).status_code, (await client.get("/b")).status_code]

    assert asyncio.run(main()) == [200, 200]  # 401 -> re-run -> replay, then cached
    with build_client(cfg) as sync_client:
        assert sync_client.get("/c").status_code == 200
    assert plugin.runs == 2


def test_interactive_always_without_terminal(plugin: Plugin) -> None:
    exec_config = plugin.config()
    exec_config.interactive_mode = "Always"
    with pytest.raises(AuthError, match="standard input is not a terminal"):
        build_client(config_for(exec_config, Server(set()))).get("/")
    assert plugin.runs == 0


def test_token_or_basic_switch_exec_off(plugin: Plugin) -> None:
    """exec.go UpdateTransportConfig: explicit token, basic or cert auth wins over the plugin."""
    server = Server({"static"})
    build_client(config_for(plugin.config(), server, bearer_token="static")).get("/")
    assert plugin.runs == 0 and server.seen == ["Bearer static"]


def test_plugin_client_certificate_used_for_tls(plugin: Plugin) -> None:
    ca = CA()
    server_cert = ca.issue("server", ips=["127.0.0.1"])
    client_cert = ca.issue("exec-user", client=True)
    plugin.control(
        token=False, cert=client_cert.cert_pem.decode(), key=client_cert.key_pem.decode()
    )
    with TLSServer(server_cert, ca=ca, require_client_cert=True) as srv:
        cfg = Config(host=srv.url, ca_data=ca.cert_pem, exec_provider=plugin.config())
        assert isinstance(build_client(cfg).auth, ExecAuth)
        with build_client(cfg) as client:
            assert client.get("/who").json()["client_cn"] == "exec-user"
        assert srv.requests[-1].headers.get("Authorization") is None
    assert plugin.runs == 1


def test_repr_hides_credential(plugin: Plugin) -> None:
    cfg = config_for(plugin.config(), Server({"token-1"}))
    build_client(cfg).get("/")
    shared = exec_plugin_for(cfg)
    assert shared.cached() is not None
    assert "token-1" not in repr(shared.cached()) and "token-1" not in repr(shared)
    assert os.environ.get("KUBERNETES_EXEC_INFO") is None  # only the child saw it


def test_plugin_client_certificate_used_by_async_client(plugin: Plugin) -> None:
    ca = CA()
    server_cert = ca.issue("server", ips=["127.0.0.1"])
    client_cert = ca.issue("exec-async", client=True)
    plugin.control(cert=client_cert.cert_pem.decode(), key=client_cert.key_pem.decode())
    with TLSServer(server_cert, ca=ca, require_client_cert=True) as srv:
        cfg = Config(host=srv.url, ca_data=ca.cert_pem, exec_provider=plugin.config())

        async def main() -> str:
            async with build_async_client(cfg) as client:
                return str((await client.get("/who")).json()["client_cn"])

        assert asyncio.run(main()) == "exec-async"
        # token and certificate together: both are used, as client-go does
        assert srv.requests[-1].headers.get("Authorization") == "Bearer token-1"
    assert plugin.runs == 1


def test_credential_cache_read_once_per_request_with_exec_certificates(
    plugin: Plugin, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Over TLS an exec credential may carry a client certificate, so the transport needs the
    # credential too: it takes the one the auth flow fetched instead of reading the cache again.
    ca = CA()
    server_cert = ca.issue("server", ips=["127.0.0.1"])
    client_cert = ca.issue("exec-once", client=True)
    plugin.control(cert=client_cert.cert_pem.decode(), key=client_cert.key_pem.decode())
    with TLSServer(server_cert, ca=ca, require_client_cert=True) as srv:
        cfg = Config(host=srv.url, ca_data=ca.cert_pem, exec_provider=plugin.config())
        shared = exec_plugin_for(cfg)
        reads: list[str] = []
        for name in ("get", "cached"):
            real = getattr(shared, name)
            monkeypatch.setattr(
                shared, name, lambda real=real, name=name: reads.append(name) or real()
            )
        with build_client(cfg) as client:
            for _ in range(3):
                assert client.get("/who").json()["client_cn"] == "exec-once"
            # A request that brings its own Authorization skips the flow: the transport asks.
            client.get("/who", headers={"Authorization": "Bearer mine"})
        assert srv.requests[-1].headers.get("Authorization") == "Bearer mine"
    assert reads == ["get"] * 4
    assert plugin.runs == 1
