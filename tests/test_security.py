"""Security promises of rawkube, each tried against a concrete attack (see README: credentials
never in reprs/logs/errors/fixtures, only sent to their server, nothing of the user's written).
Every server here is on 127.0.0.1 and every wait is bounded."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import httpx

from rawkube.config.types import Config
from rawkube.discovery.client import DiscoveryClient, DiskCache

AGG = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"


def _aggregated(items: list[dict[str, Any]]) -> httpx.Response:
    doc = {"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "items": items}
    return httpx.Response(200, json=doc, headers={"content-type": AGG})


def test_discovery_disk_cache_ignores_group_names_that_leave_the_cache_dir(
    tmp_path: Path,
) -> None:
    version = {
        "version": "v1",
        "resources": [
            {
                "resource": "things",
                "responseKind": {"group": "x", "version": "v1", "kind": "Thing"},
                "scope": "Namespaced",
                "verbs": ["get"],
            }
        ],
    }
    evil = ["../../../../escape", "/abs", "..", "a/../../b", "UPPER", "ok.example.com"]

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api":
            return _aggregated([])
        items = [{"metadata": {"name": n}, "versions": [version]} for n in evil]
        return _aggregated(items)

    cache = tmp_path / "a" / "b" / "c" / "cache"
    cfg = Config(host="https://k", transport=httpx.MockTransport(handler))
    dc = DiscoveryClient(cfg, cache_dir=cache)
    groups = dc.server_groups()["groups"]
    assert len(groups) == len(evil)  # still served from memory
    written = sorted(
        str(Path(root, f).relative_to(tmp_path)) for root, _, fs in os.walk(tmp_path) for f in fs
    )
    assert written == [
        "a/b/c/cache/ok.example.com/v1/serverresources.json",
        "a/b/c/cache/servergroups.json",
    ]
    disk = DiskCache(cache)
    for gv in ("../x/v1", "/etc/v1", "a/b/c", "v1/..", "", "a..b/v1"):
        assert disk.path_for(gv) is None
    assert disk.path_for("v1") == cache / "v1" / "serverresources.json"
    assert disk.path_for("apps/v1") == cache / "apps" / "v1" / "serverresources.json"
    assert disk.read("../../x/v1") is None


PASSWORD = "s3cr3t-in-the-url"


def test_passwords_in_server_and_proxy_urls_never_show(
    tmp_path: Path, capsys: Any, caplog: Any
) -> None:
    """A `user:password@` in the server or proxy URL was printed by Config's repr, the
    RESTClient/Request/Clientset reprs, the kubeconfig debug log and `rawkube config view`."""
    import logging

    from rawkube import Clientset
    from rawkube.cli import main
    from rawkube.config.kubeconfig import load_config
    from rawkube.config.types import redact_url
    from rawkube.rest.client import RESTClient

    assert redact_url(f"https://u:{PASSWORD}@h:1/p?q=@x") == "https://u:xxxxx@h:1/p?q=@x"
    assert redact_url("https://h/p@x:y") == "https://h/p@x:y"
    assert redact_url("https://tok@h") == "https://tok@h"  # no password: as Go's Redacted
    path = tmp_path / "config"
    path.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
        f"clusters: [{{name: k, cluster: {{server: 'https://admin:{PASSWORD}@127.0.0.1:6443', "
        f"proxy-url: 'http://p:{PASSWORD}@127.0.0.1:3128'}}}}]\n"
        "users: [{name: u, user: {}}]\n"
        "contexts: [{name: c, context: {cluster: k, user: u}}]\n"
    )
    with caplog.at_level(logging.DEBUG):
        cfg = load_config(path)
    assert cfg.host == f"https://admin:{PASSWORD}@127.0.0.1:6443"  # still used as given
    rc = RESTClient(cfg)
    try:
        shown = [
            repr(cfg),
            str(cfg),
            repr(rc),
            repr(rc.get().resource("pods")),
            repr(Clientset(cfg)),
        ]
    finally:
        rc.close()
    assert "admin:xxxxx@127.0.0.1:6443" in caplog.text  # the debug log still names the server
    shown.append(caplog.text)
    assert main(["config", "view", "--kubeconfig", str(path)]) == 0
    shown.append(capsys.readouterr().out)
    for text in shown:
        assert PASSWORD not in text
    assert "admin:xxxxx@127.0.0.1:6443" in shown[0] and "p:xxxxx@127.0.0.1:3128" in shown[-1]


def test_an_unparsable_server_or_proxy_url_is_a_config_error() -> None:
    import pytest

    from rawkube.errors import ConfigError
    from rawkube.transport import build_async_client, build_client

    for cfg in (
        Config(host=f"https://u:{PASSWORD}@[::1"),
        Config(host="https://127.0.0.1:6443", proxy_url=f"http://u:{PASSWORD}@[::1"),
    ):
        for build in (build_client, build_async_client):
            with pytest.raises(ConfigError, match="is not a valid URL") as info:
                build(cfg)
            assert PASSWORD not in str(info.value)


# -- key material stays in memory ----------------------------------------------------------------

_written: list[str] | None = None


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _written is None or event != "open":
        return
    path, mode, flags = args
    writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
        isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)
    )
    if writing:
        _written.append(str(path))


def _written_files(action: Any) -> list[str]:
    """Every path opened for writing while `action()` runs (a PEP 578 audit hook)."""
    global _written
    import sys

    if not getattr(_written_files, "installed", False):
        sys.addaudithook(_audit)
        _written_files.installed = True  # type: ignore[attr-defined]
    _written = []
    try:
        action()
        return list(_written)
    finally:
        _written = None


def test_local_api_server_and_client_keep_private_keys_in_memory(tmp_path: Path) -> None:
    """The embedded server wrote its serving key to a temporary file to load it."""
    from rawkube import tls
    from rawkube.rest.client import RESTClient
    from rawkube.testing import LocalAPIServer

    if not tls._memfd_supported():  # pragma: no cover - non-Linux uses a 0600 file, removed
        import pytest

        pytest.skip("no memfd_create here")
    server = LocalAPIServer(controllers=False)
    tls.clear_cache()

    def start_and_call() -> None:
        server.start()
        with RESTClient(server.config("cert")) as rc:
            assert rc.get().resource("namespaces").do().json()["items"]

    try:
        written = _written_files(start_and_call)
    finally:
        server.stop()
    assert all(p.startswith("/proc/self/fd/") for p in written), written
    control = tmp_path / "control"  # the hook does see a file written the ordinary way
    assert _written_files(lambda: control.write_bytes(b"x")) == [str(control)]


def test_local_api_server_binds_loopback_only_and_rejects_strangers() -> None:
    import pytest

    from rawkube.testing import LocalAPIServer

    for host in ("0.0.0.0", "::", "192.0.2.1", "example.com", ""):
        with pytest.raises(ValueError, match="loopback"):
            LocalAPIServer(host=host)
    with LocalAPIServer(controllers=False) as server:
        assert server.url.startswith("https://127.0.0.1:")
        ca = server.ca_pem
        assert ca is not None
        import ssl

        ctx = ssl.create_default_context(cadata=ca.decode())
        with httpx.Client(verify=ctx, timeout=10, trust_env=False) as client:
            for headers in (
                {"Authorization": "Bearer wrong-" + server.token},
                {"Authorization": "Bearer " + server.token[:-1]},
            ):
                for path in ("/api/v1/namespaces", "/api", "/version", "/healthz"):
                    got = client.get(server.url + path, headers=headers)
                    assert got.status_code == 401, (headers, path, got.status_code)
            # No bearer token presented (none, another scheme, no scheme): the anonymous user,
            # who may read /version and /healthz only (the real server's answers).
            for headers in (
                {},
                {"Authorization": "Basic YWRtaW46YWRtaW4="},
                {"Authorization": server.token},
            ):
                for path in ("/api/v1/namespaces", "/api"):
                    got = client.get(server.url + path, headers=headers)
                    assert got.status_code == 403, (headers, path, got.status_code)
                    assert 'User \\"system:anonymous\\"' in got.text
                for path in ("/version", "/healthz"):
                    assert client.get(server.url + path, headers=headers).status_code == 200
            ok = client.get(
                server.url + "/api", headers={"Authorization": "Bearer " + server.token}
            )
            assert ok.status_code == 200


def test_serve_kubeconfig_out_never_replaces_an_existing_entry(tmp_path: Path) -> None:
    """`rawkube serve` checked os.path.exists then replaced: a dangling symlink (exists() is
    False) or a file created in between was overwritten."""
    import pytest

    from rawkube.testing import LocalAPIServer

    victim = tmp_path / "victim"
    link = tmp_path / "link"
    link.symlink_to(victim)  # dangling
    existing = tmp_path / "config"
    existing.write_text("mine\n")
    with LocalAPIServer(controllers=False) as server:
        for target in (link, existing):
            with pytest.raises(FileExistsError):
                server.write_kubeconfig(str(target), overwrite=False)
        fresh = tmp_path / "fresh" / "kubeconfig"
        server.write_kubeconfig(str(fresh), overwrite=False)
        assert fresh.stat().st_mode & 0o777 == 0o600
    assert link.is_symlink() and not victim.exists()
    assert existing.read_text() == "mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config", "fresh", "link"]


# -- a server echoing the credential ---------------------------------------------------------------

TOKEN = "tok-3f9a8b7c6d5e4f"


def _echoing(request: httpx.Request) -> httpx.Response:
    """Answers 401 with the request's credential in the message, a cause and a header;
    other paths answer a plain-text 500 body doing the same."""
    auth = request.headers.get("authorization", "")
    if request.url.path.endswith("/pods"):
        status = {
            "kind": "Status",
            "apiVersion": "v1",
            "status": "Failure",
            "reason": "Unauthorized",
            "code": 401,
            "message": f"invalid credential {auth!r}",
            "details": {"causes": [{"message": auth.partition(" ")[2]}]},
        }
        return httpx.Response(401, json=status, headers={"x-echo": auth})
    return httpx.Response(500, text=f"oops: {auth}", headers={"content-type": "text/plain"})


def _shown(err: BaseException) -> str:
    import traceback

    return "\n".join(
        [
            str(err),
            repr(err),
            "".join(traceback.format_exception(err)),
            repr(getattr(err, "status", "")),
            repr(getattr(err, "details", "")),
            repr(getattr(err, "headers", "")),
        ]
    )


def test_credentials_echoed_by_the_server_are_masked_in_errors_and_traces(caplog: Any) -> None:
    import asyncio
    import base64
    import logging

    import pytest

    from rawkube.aio.rest import AsyncRESTClient
    from rawkube.errors import StatusError
    from rawkube.rest import trace
    from rawkube.rest.client import RESTClient

    basic_pw = "pw-7e6d5c4b3a"
    configs = [
        Config(host="https://k", bearer_token=TOKEN, transport=httpx.MockTransport(_echoing)),
        Config(
            host="https://k",
            username="alice",
            password=basic_pw,
            transport=httpx.MockTransport(_echoing),
        ),
    ]
    blob = base64.b64encode(f"alice:{basic_pw}".encode()).decode()
    secrets = [TOKEN, basic_pw, blob]
    old = trace.get_verbosity()
    trace.set_verbosity(8)
    try:
        with caplog.at_level(logging.INFO, logger="rawkube.http"):
            errors: list[BaseException] = []
            for cfg in configs:
                with RESTClient(cfg, retry=None) as rc:
                    for path in ("pods", "nodes"):
                        with pytest.raises(StatusError) as info:
                            rc.get().resource(path).do()
                        errors.append(info.value)

                async def run(cfg: Config = cfg) -> None:
                    async with AsyncRESTClient(cfg) as arc:
                        with pytest.raises(StatusError) as info:
                            await arc.get().resource("pods").do()
                        errors.append(info.value)

                asyncio.run(run())
    finally:
        trace.set_verbosity(old)
    assert len(errors) == 6
    assert errors[0].code == 401 and "<masked>" in errors[0].message
    assert "Response Body" in caplog.text and "<masked>" in caplog.text
    for text in [caplog.text, *map(_shown, errors)]:
        for secret in secrets:
            assert secret not in text


def test_a_failing_exec_plugin_never_shows_its_env_values(tmp_path: Path, caplog: Any) -> None:
    """The plugin's stderr is quoted in the AuthError: a plugin dumping its environment put the
    kubeconfig's exec env secrets into the exception."""
    import logging
    import sys
    import traceback

    import pytest

    from rawkube.auth import clear_exec_cache
    from rawkube.config.types import ExecConfig
    from rawkube.errors import AuthError
    from rawkube.rest.client import RESTClient

    secret = "cloud-key-0a1b2c3d4e"
    plugin = tmp_path / "plugin"
    plugin.write_text(
        f"#!{sys.executable}\nimport os, sys\n"
        "sys.stderr.write('env: API_KEY=' + os.environ['API_KEY'] + ' info=' "
        "+ os.environ['KUBERNETES_EXEC_INFO'] + '\\n')\nsys.exit(3)\n"
    )
    plugin.chmod(0o700)
    exec_config = ExecConfig(
        command=str(plugin),
        api_version="client.authentication.k8s.io/v1",
        env=[{"name": "API_KEY", "value": secret}],
        interactive_mode="Never",
        provide_cluster_info=True,
    )
    cfg = Config(
        host="https://k", exec_provider=exec_config, transport=httpx.MockTransport(_echoing)
    )
    clear_exec_cache()
    try:
        with (
            caplog.at_level(logging.DEBUG),
            RESTClient(cfg) as rc,
            pytest.raises(AuthError) as info,
        ):
            rc.get().resource("pods").do()
    finally:
        clear_exec_cache()
    text = "".join(traceback.format_exception(info.value)) + repr(cfg) + caplog.text
    assert "exited with code 3" in text and "env: API_KEY=<redacted>" in text
    assert secret not in text


# -- credentials go only to the server they belong to ----------------------------------------------


def test_master_url_never_gets_the_pods_service_account_token(
    kube_env: Path, monkeypatch: Any
) -> None:
    """load_config(master_url=...) inside a pod sent the service-account token (meant for the
    in-cluster API server) to whatever master_url named, even over plain http."""
    from rawkube.auth import auth_for_config
    from rawkube.config.kubeconfig import load_config

    sa = kube_env / "sa"
    sa.mkdir()
    (sa / "token").write_text("sa-token-9f8e7d6c\n")
    (sa / "ca.crt").write_text("-----BEGIN CERTIFICATE-----\n")
    (sa / "namespace").write_text("team-a")
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "443")
    monkeypatch.setattr("rawkube.config.incluster.SERVICE_ACCOUNT_DIR", str(sa))
    assert load_config().bearer_token_file  # in the pod, without master_url: the token
    for url in ("http://127.0.0.1:8080", "https://other.example:6443"):
        cfg = load_config(master_url=url)
        assert cfg.host == url and cfg.source == "master_url"
        assert not (cfg.bearer_token or cfg.bearer_token_file or cfg.ca_file)
        assert auth_for_config(cfg) is None


def test_redirects_never_carry_credentials_to_another_server() -> None:
    """rawkube's direct send path follows no redirect (the 3xx is an error); a caller's httpx
    client with follow_redirects=True goes through Client.send, which drops Authorization
    for another origin (a different port here)."""
    import http.server
    import threading

    import pytest

    from rawkube.errors import StatusError
    from rawkube.rest.client import RESTClient
    from rawkube.transport import build_client

    seen: list[tuple[str, str | None]] = []

    class Target(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(("target", self.headers.get("Authorization")))
            body = b'{"kind":"APIVersions","versions":["v1"]}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    target = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Target)

    class Redirector(Target):
        def do_GET(self) -> None:
            seen.append(("origin", self.headers.get("Authorization")))
            self.send_response(307)
            self.send_header("Location", f"http://127.0.0.1:{target.server_address[1]}/api")
            self.send_header("Content-Length", "0")
            self.end_headers()

    origin = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirector)
    threads = [
        threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        for s in (origin, target)
    ]
    for t in threads:
        t.start()
    try:
        host = f"http://127.0.0.1:{origin.server_address[1]}"
        for cfg in (
            Config(host=host, bearer_token=TOKEN, timeout=10),
            Config(host=host, username="alice", password="pw-1234567", timeout=10),
        ):
            with RESTClient(cfg) as rc:
                with pytest.raises(StatusError) as info:
                    rc.get().abs_path("/api").do()
                assert info.value.code == 307
            client = build_client(cfg)
            client.follow_redirects = True
            with RESTClient(cfg, client=client) as rc:
                assert rc.get().abs_path("/api").do().json()["versions"] == ["v1"]
            client.close()
    finally:
        for s in (origin, target):
            s.shutdown()
            s.server_close()
        for t in threads:
            t.join(5)
    assert [who for who, _ in seen] == ["origin", "origin", "target"] * 2
    assert all(auth is None for who, auth in seen if who == "target")
    assert all(auth for who, auth in seen if who == "origin")


# -- recorded fixtures -------------------------------------------------------------------------------


def test_recorded_binary_bodies_are_scrubbed_too(tmp_path: Path) -> None:
    """A body that is not UTF-8 (protobuf) is stored as base64, and a credential echoed in
    it was written to the cassette merely encoded."""
    import base64

    from rawkube.rest.client import RESTClient
    from rawkube.testing import record

    pem = b"-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----\n"

    def handler(request: httpx.Request) -> httpx.Response:
        auth = request.headers.get("authorization", "").encode()
        body = b"k8s\x00\xff\xfe\x80" + auth + b"\x00" + pem
        return httpx.Response(
            200, content=body, headers={"content-type": "application/vnd.kubernetes.protobuf"}
        )

    path = tmp_path / "cassette.yaml"
    pw = "pw-0f1e2d3c4b"
    with record(path) as rec:
        for cfg in (
            Config(host="https://k", bearer_token=TOKEN),
            Config(host="https://k", username="alice", password=pw),
        ):
            cfg = rec.config(cfg.copy(transport=httpx.MockTransport(handler)))
            with RESTClient(cfg) as rc:
                rc.get().abs_path("/api/v1/secrets").do()
    text = path.read_text()
    stored = [
        base64.b64decode(line.split("base64:", 1)[1].strip())
        for line in text.splitlines()
        if "base64:" in line
    ]
    assert len(stored) == 2
    blob = base64.b64encode(f"alice:{pw}".encode()).decode()
    for data in stored:
        assert data.startswith(b"k8s\x00\xff\xfe\x80") and b"<redacted>" in data
        assert b"PRIVATE KEY" not in data.replace(b"<redacted private key>", b"")
        for secret in (TOKEN, pw, blob):
            assert secret.encode() not in data


def test_recording_never_overwrites_what_is_not_a_recording(tmp_path: Path) -> None:
    import pytest

    from rawkube.rest.client import RESTClient
    from rawkube.testing import record

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"kind": "APIVersions", "versions": ["v1"]})

    def record_to(path: Path) -> None:
        with record(path) as rec:
            cfg = rec.config(Config(host="https://k", transport=httpx.MockTransport(handler)))
            with RESTClient(cfg) as rc:
                rc.get().abs_path("/api").do()

    kubeconfig = tmp_path / "config.yaml"
    kubeconfig.write_text("apiVersion: v1\nkind: Config\nclusters: []\n")
    victim = tmp_path / "elsewhere.yaml"
    dangling = tmp_path / "link.yaml"
    dangling.symlink_to(victim)
    directory = tmp_path / "dir"
    directory.mkdir()
    (directory / "001-get-api.json").write_text("my notes\n")
    for target in (kubeconfig, dangling, directory):
        with pytest.raises(FileExistsError, match="not a recorded fixture"):
            record_to(target)
    assert kubeconfig.read_text() == "apiVersion: v1\nkind: Config\nclusters: []\n"
    assert not victim.exists()
    assert (directory / "001-get-api.json").read_text() == "my notes\n"
    cassette = tmp_path / "flow.yaml"
    record_to(cassette)
    record_to(cassette)  # re-recording a recording is what record() is for
    fresh = tmp_path / "fresh"
    record_to(fresh)
    record_to(fresh)
    assert [p.name for p in fresh.iterdir()] == ["001-get-api.json"]


def test_secret_data_never_in_the_trace_or_a_recording(tmp_path: Path) -> None:
    """-v8 logged Secret bodies whole, and the recorder masked `kind: Secret` objects but not
    the items of a SecretList (the API server leaves their kind out)."""
    import base64
    import io
    import logging

    from rawkube.rest import trace
    from rawkube.rest.client import RESTClient
    from rawkube.testing import LocalAPIServer, record

    value = base64.b64encode(b"super-secret-value-42").decode()
    plain = "plain-secret-99"
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "s1"},
        "data": {"k": value},
        "stringData": {"p": plain},
    }
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    logger = logging.getLogger("rawkube.http")
    old_level, old_verbosity = logger.level, trace.get_verbosity()
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    path = tmp_path / "secrets.yaml"
    try:
        for level in (6, 7, 8, 9, 10):
            trace.set_verbosity(level)
            with (
                LocalAPIServer(controllers=False) as server,
                record(path) as rec,
                RESTClient(rec.config(server.config())) as rc,
            ):
                secrets = rc.get().namespace("default").resource("secrets")
                rc.post().namespace("default").resource("secrets").body(secret).do()
                listed = secrets.do().json()
                got = rc.get().namespace("default").resource("secrets").name("s1").do().json()
            # the caller still gets the data it asked for (stringData merged in, as the real
            # API server does)
            assert got["data"] == {"k": value, "p": base64.b64encode(plain.encode()).decode()}
            assert "kind" not in listed["items"][0]
            text = path.read_text()
            assert value not in text and plain not in text, level
            assert "SecretList" in text and "REDACTED" in text
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
        trace.set_verbosity(old_verbosity)
    log = out.getvalue()
    assert "Response Body" in log and "<masked>" in log
    assert value not in log and plain not in log


def test_a_broken_oidc_provider_is_a_clear_error_never_a_traceback() -> None:
    """Non-JSON (or non-object) answers from the issuer's discovery document or token endpoint
    raised JSONDecodeError/AttributeError, a missing idp-certificate-authority FileNotFoundError."""
    import http.server
    import json
    import threading

    import pytest

    from rawkube.auth import OIDCAuth
    from rawkube.errors import AuthError, ConfigError

    answers = {"GET": b"not json", "POST": b"{}"}

    class Provider(http.server.BaseHTTPRequestHandler):
        def _answer(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = answers[self.command]
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Provider)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    issuer = f"http://127.0.0.1:{server.server_address[1]}"
    refresh = "refresh-5a4b3c2d1e"

    def fetch(**extra: str) -> None:
        settings = {"idp-issuer-url": issuer, "client-id": "c", "refresh-token": refresh}
        OIDCAuth({**settings, **extra})._current(None)

    try:
        for discovery in (b"not json", b'["a list"]'):
            answers["GET"] = discovery
            with pytest.raises(AuthError, match="did not answer with a JSON object"):
                fetch()
        answers["GET"] = json.dumps({"token_endpoint": issuer + "/token"}).encode()
        for token_answer in (b"not json", b"[1]"):
            answers["POST"] = token_answer
            with pytest.raises(AuthError, match="token did not answer with a JSON object") as info:
                fetch()
            assert refresh not in str(info.value)
        with pytest.raises(ConfigError, match="idp-certificate-authority /nonexistent"):
            fetch(**{"idp-certificate-authority": "/nonexistent"})
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_discovery_disk_cache_creates_every_directory_0750_and_touches_no_other(
    tmp_path: Path,
) -> None:
    """Only the last directory got 0750; the parents it created (~/.kube, ~/.kube/cache ...)
    got the umask default, world-readable. Directories that already exist keep their mode."""
    from rawkube.discovery.client import default_cache_dir

    home = tmp_path / "home"
    home.mkdir(mode=0o711)
    home.chmod(0o711)
    cache = default_cache_dir("https://127.0.0.1:6443", home=home)
    old = os.umask(0o022)
    try:
        DiskCache(cache).write(None, {"kind": "APIGroupList", "groups": [{"name": "x"}]})
        DiskCache(cache).write("apps/v1", {"kind": "APIResourceList", "resources": [{}]})
    finally:
        os.umask(old)
    assert (cache / "servergroups.json").is_file()
    # ~/.kube, ~/.kube/cache, ~/.kube/cache/discovery, the host's directory, apps, apps/v1
    dirs = [home / ".kube" / p for p in cache.relative_to(home / ".kube").parents]
    dirs += [cache, cache / "apps", cache / "apps" / "v1"]
    assert len(dirs) == 6
    for d in dirs:
        assert d.stat().st_mode & 0o777 == 0o750, d
    assert home.stat().st_mode & 0o777 == 0o711
    assert (cache / "apps" / "v1" / "serverresources.json").stat().st_mode & 0o777 == 0o660


def test_demo_and_cli_errors_never_print_a_url_password(kube_env: Path, capsys: Any) -> None:
    from rawkube.cli import main

    server = f"https://admin:{PASSWORD}@127.0.0.1:1"  # port 1: refused at once
    assert main(["demo", "--server", server]) != 0
    assert main(["get", "pods", "--server", server]) != 0
    out = capsys.readouterr()
    assert "admin:xxxxx@127.0.0.1:1" in out.out
    assert "refused" in out.err
    assert PASSWORD not in out.out + out.err


def test_kubeconfig_credentials_go_only_to_a_tls_server(tmp_path: Path) -> None:
    """Holds: client-go's clientcmd (client_config.go, IsConfigTransportTLS) leaves the user's
    credentials out when the server (or a master_url override) is plain http."""
    from rawkube.auth import auth_for_config
    from rawkube.config.kubeconfig import load_config

    path = tmp_path / "config"
    path.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
        "clusters: [{name: k, cluster: {server: 'https://127.0.0.1:6443'}}]\n"
        f"users: [{{name: u, user: {{token: {TOKEN}}}}}]\n"
        "contexts: [{name: c, context: {cluster: k, user: u}}]\n"
    )
    assert load_config(path).bearer_token == TOKEN
    for url in ("http://127.0.0.1:8080", "127.0.0.1:8080"):
        cfg = load_config(path, master_url=url)
        assert cfg.host.startswith("http://") and cfg.bearer_token is None
        assert auth_for_config(cfg) is None


def test_http_proxy_from_the_environment_is_refused_under_cgi() -> None:
    """httpoxy: a CGI request's `Proxy:` header becomes HTTP_PROXY; a token for a plain-http
    server would have gone to it. Go's httpproxy refuses it; HTTPS_PROXY (a CONNECT tunnel)
    and explicit proxy-url settings are unaffected."""
    import pytest

    from rawkube.errors import ConfigError
    from rawkube.transport import proxy_from_environment

    cgi = {"REQUEST_METHOD": "GET", "HTTP_PROXY": "http://evil.example:8080"}
    with pytest.raises(ConfigError, match="CGI"):
        proxy_from_environment("http://10.0.0.1:8080", cgi)
    with pytest.raises(ConfigError, match="CGI"):
        proxy_from_environment("http://10.0.0.1:8080", {**cgi, "http_proxy": cgi["HTTP_PROXY"]})
    assert (
        proxy_from_environment("http://10.0.0.1:8080", {"HTTP_PROXY": "p:3128"}) == "http://p:3128"
    )
    tunnel = {"REQUEST_METHOD": "GET", "HTTPS_PROXY": "http://corp:3128"}
    assert proxy_from_environment("https://10.0.0.1:6443", tunnel) == "http://corp:3128"


def test_local_api_server_never_takes_over_a_foreign_state_file(tmp_path: Path) -> None:
    """`rawkube serve --data-dir DIR` with someone else's DIR/state.json died with an
    'internal error: JSONDecodeError'; now a clear ConfigError, and the file is left alone."""
    import pytest

    from rawkube.errors import ConfigError
    from rawkube.testing import LocalAPIServer

    for text in ("my notes\n", '{"resourceVersion": "x"}', '{"objects": [1]}', "[]"):
        state = tmp_path / "state.json"
        state.write_text(text)
        with pytest.raises(ConfigError, match="not a LocalAPIServer state file"):
            LocalAPIServer(data_dir=str(tmp_path), controllers=False).start()
        assert state.read_text() == text


def test_a_replay_mismatch_never_quotes_secret_data_it_was_sent(tmp_path: Path) -> None:
    import pytest

    from rawkube.rest.client import RESTClient
    from rawkube.testing import record, replay
    from rawkube.testing.replayer import ReplayMismatch

    def created(request: httpx.Request) -> httpx.Response:
        return httpx.Response(201, content=request.content)

    def secret(label: str, value: str) -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "s", "labels": {"l": label}},
            "data": {"k": value},
        }

    path = tmp_path / "create.yaml"
    with record(path) as rec:
        cfg = rec.config(Config(host="https://k", transport=httpx.MockTransport(created)))
        with RESTClient(cfg) as rc:
            rc.post().namespace("default").resource("secrets").body(secret("a", "b2xk")).do()
    real = "cmVhbC1zZWNyZXQtZGF0YQ=="
    for label in ("b", "a"):  # a visible difference; then one only in the Secret's data
        with (
            replay(path, match_body=True, check_unused=False) as rp,
            RESTClient(rp.config()) as rc,
            pytest.raises(ReplayMismatch) as info,
        ):
            rc.post().namespace("default").resource("secrets").body(secret(label, real)).do()
        assert real not in str(info.value)
    assert "differ only in masked Secret data" in str(info.value)
