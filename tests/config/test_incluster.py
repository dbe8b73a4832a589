"""In-cluster configuration (client-go rest/config.go `InClusterConfig`)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from rawkube.config.incluster import in_cluster_config
from rawkube.config.kubeconfig import load_config
from rawkube.errors import ConfigError
from rawkube.transport import build_client


def sa_dir(
    tmp_path: Path, token: str = "sa-token-1", namespace: str | None = "team-a"
) -> dict[str, str]:
    (tmp_path / "token").write_text(token + "\n")
    (tmp_path / "ca.crt").write_text("-----BEGIN CERTIFICATE-----\n")
    if namespace is not None:
        (tmp_path / "namespace").write_text(namespace)
    return {
        "token_file": str(tmp_path / "token"),
        "ca_file": str(tmp_path / "ca.crt"),
        "namespace_file": str(tmp_path / "namespace"),
    }


def test_from_env_and_files(tmp_path: Path) -> None:
    env = {"KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"}
    cfg = in_cluster_config(environ=env, **sa_dir(tmp_path))
    assert cfg.host == "https://10.96.0.1:443"
    assert cfg.bearer_token == "sa-token-1" and cfg.bearer_token_file == str(tmp_path / "token")
    assert cfg.ca_file == str(tmp_path / "ca.crt") and cfg.namespace == "team-a"


def test_ipv6_host_in_brackets(tmp_path: Path) -> None:
    env = {"KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "6443"}
    assert in_cluster_config(environ=env, **sa_dir(tmp_path)).host == "https://[fd00::1]:6443"


def test_namespace_default_and_pod_namespace(tmp_path: Path) -> None:
    env = {"KUBERNETES_SERVICE_HOST": "h", "KUBERNETES_SERVICE_PORT": "1"}
    assert in_cluster_config(environ=env, **sa_dir(tmp_path, namespace=None)).namespace == "default"
    env["POD_NAMESPACE"] = "from-env"
    assert in_cluster_config(environ=env, **sa_dir(tmp_path)).namespace == "from-env"


@pytest.mark.parametrize("missing", ["KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT"])
def test_missing_env_is_a_config_error(tmp_path: Path, missing: str) -> None:
    env = {"KUBERNETES_SERVICE_HOST": "h", "KUBERNETES_SERVICE_PORT": "1"}
    del env[missing]
    with pytest.raises(ConfigError, match="KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT"):
        in_cluster_config(environ=env, **sa_dir(tmp_path))


def test_missing_token_is_a_config_error(tmp_path: Path) -> None:
    env = {"KUBERNETES_SERVICE_HOST": "h", "KUBERNETES_SERVICE_PORT": "1"}
    with pytest.raises(ConfigError, match="cannot read the service-account token"):
        in_cluster_config(environ=env, token_file=str(tmp_path / "absent"))


def test_rotated_token_is_reread(tmp_path: Path) -> None:
    """The service-account token rotates: the flow re-reads the file after a 401."""
    env = {"KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": "1"}
    cfg = in_cluster_config(environ=env, **sa_dir(tmp_path))
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["Authorization"])
        return httpx.Response(200 if seen[-1] == "Bearer sa-token-2" else 401)

    client = build_client(cfg.copy(transport=httpx.MockTransport(handler)))
    assert client.get("/api").status_code == 401
    (tmp_path / "token").write_text("sa-token-2")  # the kubelet rotates the projected token
    assert client.get("/api").status_code == 200
    assert seen == ["Bearer sa-token-1", "Bearer sa-token-1", "Bearer sa-token-2"]


def test_load_config_falls_back_to_in_cluster(
    kube_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "443")
    monkeypatch.setattr("rawkube.config.incluster.SERVICE_ACCOUNT_DIR", str(kube_env))
    sa_dir(kube_env)
    cfg = load_config()
    assert cfg.host == "https://10.0.0.1:443" and cfg.source == "in-cluster"
