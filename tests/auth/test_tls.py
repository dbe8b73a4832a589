"""TLS against a real HTTPS server on 127.0.0.1 (client-go transport/transport.go TLSConfigFor):
mutual TLS, server verification, insecure-skip-tls-verify, tls-server-name, credentials on the
wire, and key material that never lands on disk."""

from __future__ import annotations

import asyncio
import os
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from rawkube import tls
from rawkube.config.types import Config
from rawkube.errors import ConfigError
from rawkube.transport import build_async_client, build_client
from tests.helpers.certs import CA, Issued
from tests.helpers.tls_server import TLSServer


@pytest.fixture(scope="module")
def pki() -> dict[str, object]:
    ca, other = CA("test-ca"), CA("other-ca")
    return {
        "ca": ca,
        "other": other,
        "server": ca.issue("server", dns=["localhost"], ips=["127.0.0.1"]),
        "named": ca.issue("named", dns=["kubernetes.internal"]),  # no IP SAN on purpose
        "alice": ca.issue("alice", client=True, groups=["system:masters"]),
        "mallory": other.issue("mallory", client=True),
        "expired": ca.issue("old", client=True, expired=True),
    }


@pytest.fixture
def mtls(pki: dict[str, object]) -> Iterator[TLSServer]:
    with TLSServer(pki["server"], ca=pki["ca"], require_client_cert=True) as srv:  # type: ignore[arg-type]
        yield srv


def _ca(pki: dict[str, object], name: str = "ca") -> CA:
    ca = pki[name]
    assert isinstance(ca, CA)
    return ca


def _leaf(pki: dict[str, object], name: str) -> Issued:
    leaf = pki[name]
    assert isinstance(leaf, Issued)
    return leaf


def test_mtls_accepted_with_client_cert_data(mtls: TLSServer, pki: dict[str, object]) -> None:
    alice = _leaf(pki, "alice")
    cfg = Config(
        host=mtls.url, ca_data=_ca(pki).cert_pem, cert_data=alice.cert_pem, key_data=alice.key_pem
    )
    with build_client(cfg) as client:
        assert client.get("/version").json()["client_cn"] == "alice"


def test_mtls_accepted_with_client_cert_files(
    mtls: TLSServer, pki: dict[str, object], tmp_path: Path
) -> None:
    cert, key = _leaf(pki, "alice").write(tmp_path)
    cfg = Config(
        host=mtls.url, ca_file=str(_ca(pki).write(tmp_path)), cert_file=str(cert), key_file=str(key)
    )
    with build_client(cfg) as client:
        assert client.get("/version").json()["client_cn"] == "alice"


def test_mtls_refused_without_client_cert(mtls: TLSServer, pki: dict[str, object]) -> None:
    with (
        build_client(Config(host=mtls.url, ca_data=_ca(pki).cert_pem)) as client,
        pytest.raises(httpx.TransportError),
    ):
        client.get("/version")
    assert mtls.requests == []


def test_mtls_refused_with_cert_from_another_ca(mtls: TLSServer, pki: dict[str, object]) -> None:
    mallory = _leaf(pki, "mallory")
    cfg = Config(
        host=mtls.url,
        ca_data=_ca(pki).cert_pem,
        cert_data=mallory.cert_pem,
        key_data=mallory.key_pem,
    )
    with build_client(cfg) as client, pytest.raises(httpx.TransportError):
        client.get("/version")
    assert mtls.requests == []


def test_server_cert_checked_against_ca(pki: dict[str, object]) -> None:
    with TLSServer(_leaf(pki, "server")) as srv:
        wrong = Config(host=srv.url, ca_data=_ca(pki, "other").cert_pem)
        with (
            build_client(wrong) as client,
            pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"),
        ):
            client.get("/")
        with build_client(Config(host=srv.url, ca_data=_ca(pki).cert_pem)) as client:
            assert client.get("/").status_code == 200


def test_system_trust_does_not_know_our_ca(pki: dict[str, object]) -> None:
    with (
        TLSServer(_leaf(pki, "server")) as srv,
        build_client(Config(host=srv.url)) as client,
        pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"),
    ):
        client.get("/")


def test_insecure_skip_tls_verify_passes(pki: dict[str, object]) -> None:
    with (
        TLSServer(_leaf(pki, "named")) as srv,
        build_client(Config(host=srv.url, insecure=True)) as client,
    ):
        assert client.get("/").status_code == 200


def test_tls_server_name_sets_sni_and_hostname_check(pki: dict[str, object]) -> None:
    with TLSServer(_leaf(pki, "named")) as srv:
        base = Config(host=srv.url, ca_data=_ca(pki).cert_pem)
        with (
            build_client(base) as client,
            pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED|match"),
        ):
            client.get("/")  # the cert is for kubernetes.internal, not 127.0.0.1
        with build_client(base.copy(tls_server_name="kubernetes.internal")) as client:
            assert client.get("/").json()["sni"] == "kubernetes.internal"
        with (
            build_client(base.copy(tls_server_name="wrong.internal")) as client,
            pytest.raises(httpx.ConnectError),
        ):
            client.get("/")


def test_bearer_basic_user_agent_and_prefix_reach_the_server(pki: dict[str, object]) -> None:
    with TLSServer(_leaf(pki, "server")) as srv:
        base = Config(host=srv.url + "/k8s/clusters/c-1", ca_data=_ca(pki).cert_pem)
        with build_client(base.copy(bearer_token="tok-123")) as client:
            assert client.get("api/v1/pods").json()["path"] == "/k8s/clusters/c-1/api/v1/pods"
        with build_client(
            base.copy(username="admin", password="s3cret", user_agent="ua-test/1")
        ) as client:
            client.get("api")
        first, second = srv.requests
        assert first.headers["Authorization"] == "Bearer tok-123"
        assert first.headers["User-Agent"].startswith("rawkube/")
        assert second.headers["Authorization"] == "Basic YWRtaW46czNjcmV0"
        assert second.headers["User-Agent"] == "ua-test/1"


def test_async_client_mtls(mtls: TLSServer, pki: dict[str, object]) -> None:
    alice = _leaf(pki, "alice")
    cfg = Config(
        host=mtls.url,
        ca_data=_ca(pki).cert_pem,
        cert_data=alice.cert_pem,
        key_data=alice.key_pem,
        bearer_token="t",
    )

    async def main() -> str:
        async with build_async_client(cfg) as client:
            return (await client.get("/")).json()["client_cn"]

    assert asyncio.run(main()) == "alice"
    assert mtls.requests[-1].headers["Authorization"] == "Bearer t"


def test_one_context_per_tls_settings(pki: dict[str, object]) -> None:
    alice = _leaf(pki, "alice")
    cfg = Config(
        host="https://127.0.0.1:1",
        ca_data=_ca(pki).cert_pem,
        cert_data=alice.cert_pem,
        key_data=alice.key_pem,
    )
    assert tls.ssl_context_for(cfg) is tls.ssl_context_for(cfg.copy(namespace="other"))
    assert tls.ssl_context_for(cfg) is not tls.ssl_context_for(
        cfg.copy(ca_data=_ca(pki, "other").cert_pem)
    )


def _files_containing(root: str, needle: bytes) -> list[str]:
    hits = []
    for dirpath, _, names in os.walk(root):
        for name in names:
            path = os.path.join(dirpath, name)
            try:
                with open(path, "rb") as f:
                    if needle in f.read(1 << 20):
                        hits.append(path)
            except OSError:
                continue
    return hits


def test_no_key_material_on_disk_with_memfd(
    pki: dict[str, object], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    if not tls._memfd_supported():
        pytest.skip("os.memfd_create is Linux-only; the fallback is tested below")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    def no_temp_files(*a: object, **k: object) -> str:
        raise AssertionError("a temporary directory was created for key material")

    monkeypatch.setattr(tempfile, "mkdtemp", no_temp_files)
    alice = _leaf(pki, "alice")
    key_body = alice.key_pem.splitlines()[1]
    tls.ssl_context_for(
        Config(
            host="https://x",
            ca_data=_ca(pki).cert_pem,
            cert_data=alice.cert_pem,
            key_data=alice.key_pem,
        )
    )
    assert _files_containing(str(tmp_path), key_body) == []
    assert _files_containing(tempfile.gettempdir(), key_body) == []


def test_no_key_material_on_disk_with_fallback(
    pki: dict[str, object], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(tls, "_memfd_supported", lambda: False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    alice = _leaf(pki, "alice")
    with tls._key_material_path(alice.cert_pem + alice.key_pem) as path:
        assert os.stat(path).st_mode & 0o777 == 0o600
        assert os.stat(os.path.dirname(path)).st_mode & 0o777 == 0o700
    assert not os.path.exists(path) and not os.path.exists(os.path.dirname(path))
    tls.ssl_context_for(
        Config(
            host="https://x",
            cert_data=alice.cert_pem,
            key_data=alice.key_pem,
            ca_data=_ca(pki).cert_pem,
        )
    )
    assert os.listdir(tmp_path) == []


def test_expired_client_cert_warns(pki: dict[str, object]) -> None:
    old = _leaf(pki, "expired")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tls.ssl_context_for(
            Config(host="https://x", cert_data=old.cert_pem, key_data=old.key_pem, source="kc.yaml")
        )
    assert any("kc.yaml: client certificate CN=old expired" in str(w.message) for w in caught)


def test_key_not_matching_cert(pki: dict[str, object]) -> None:
    alice, mallory = _leaf(pki, "alice"), _leaf(pki, "mallory")
    with pytest.raises(
        ConfigError, match="client key does not match the client certificate"
    ) as err:
        tls.ssl_context_for(
            Config(host="https://x", cert_data=alice.cert_pem, key_data=mallory.key_pem)
        )
    assert mallory.key_pem.decode().splitlines()[1] not in str(err.value)


def test_bad_pem(pki: dict[str, object]) -> None:
    alice = _leaf(pki, "alice")
    with pytest.raises(ConfigError, match="client certificate: expected a PEM certificate"):
        tls.ssl_context_for(Config(host="https://x", cert_data=b"not pem", key_data=alice.key_pem))
    with pytest.raises(ConfigError, match="client key: expected an unencrypted PEM private key"):
        tls.ssl_context_for(Config(host="https://x", cert_data=alice.cert_pem, key_data=b"garbage"))
    with pytest.raises(
        ConfigError,
        match="certificate-authority-data: cannot load the CA .*expected PEM certificates",
    ):
        tls.ssl_context_for(Config(host="https://x", ca_data=b"hello"))


def test_insecure_with_ca_refused(pki: dict[str, object]) -> None:
    with pytest.raises(
        ConfigError,
        match="specifying a root certificates file with the insecure flag is not allowed",
    ):
        build_client(Config(host="https://x", insecure=True, ca_data=_ca(pki).cert_pem))
