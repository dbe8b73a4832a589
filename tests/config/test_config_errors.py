"""Bad kubeconfigs give a ConfigError naming the file, the key path and what was expected;
never a bare KeyError/TypeError, never a write to the file (client-go validation.go cases)."""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from rawkube.config.kubeconfig import load_config
from rawkube.errors import ConfigError
from tests.config.test_config_merge import kubeconfig

GOOD_CLUSTER = {"server": "https://127.0.0.1:1"}  # nothing listens: kubectl oracle fails fast


def ctx(cluster: str = "c", user: str = "u") -> dict[str, Any]:
    return {"x": {"cluster": cluster, "user": user} if user else {"cluster": cluster}}


# (id, file content (dict -> YAML, str -> raw text), regexes the message must contain)
BAD: list[tuple[str, Any, list[str]]] = [
    (
        "not-yaml",
        "clusters: [\n  - name: {{",
        [r"not valid YAML at line \d+", "expected a kubeconfig"],
    ),
    (
        "top-level-list",
        "- just\n- a list\n",
        ["expected a kubeconfig mapping at the top level, got a list"],
    ),
    (
        "clusters-not-a-list",
        {"clusters": {"c": 1}},
        [r"clusters: expected a list of \{name, cluster\} entries, got a mapping"],
    ),
    (
        "entry-without-name",
        {"clusters": [{"cluster": GOOD_CLUSTER}]},
        [r"clusters\[0\]\.name: expected a non-empty string"],
    ),
    (
        "server-wrong-type",
        kubeconfig({"c": {"server": 6443}}, {}, ctx(), "x"),
        [r"clusters\[0\]\.cluster\.server: expected a string, got an integer"],
    ),
    (
        "insecure-wrong-type",
        kubeconfig(
            {"c": {"server": "https://127.0.0.1:1", "insecure-skip-tls-verify": "yes please"}}
        ),
        [r"insecure-skip-tls-verify: expected a boolean, got a string"],
    ),
    (
        "args-wrong-type",
        kubeconfig(
            {},
            {
                "u": {
                    "exec": {
                        "command": "x",
                        "apiVersion": "client.authentication.k8s.io/v1",
                        "args": "--a",
                    }
                }
            },
        ),
        [r"users\[0\]\.user\.exec\.args: expected a list of strings"],
    ),
    (
        "bad-base64-ca",
        kubeconfig(
            {"c": {"server": "https://127.0.0.1:1", "certificate-authority-data": "not base64!!"}}
        ),
        [r"clusters\[0\]\.cluster\.certificate-authority-data: expected base64"],
    ),
    (
        "bad-base64-key",
        kubeconfig({}, {"u": {"client-certificate-data": "Q0VSVA==", "client-key-data": "%%%"}}),
        [r"users\[0\]\.user\.client-key-data: expected base64"],
    ),
    (
        "duplicate-name",
        {"users": [{"name": "u", "user": {}}, {"name": "u", "user": {}}]},
        [r"users\[1\]\.name: duplicate name 'u'"],
    ),
    (
        "missing-context",
        kubeconfig({"c": GOOD_CLUSTER}, {}, ctx(), "nope"),
        [r"context 'nope' \(current-context in .*\) not found", r"expected one of \['x'\]"],
    ),
    (
        "missing-cluster",
        kubeconfig({"c": GOOD_CLUSTER}, {"u": {}}, ctx(cluster="gone"), "x"),
        ["refers to cluster 'gone', which is not defined", r"expected one of \['c'\]"],
    ),
    (
        "missing-user",
        kubeconfig({"c": GOOD_CLUSTER}, {"u": {}}, ctx(user="ghost"), "x"),
        ["refers to user 'ghost', which is not defined"],
    ),
    (
        "no-server",
        kubeconfig({"c": {"tls-server-name": "a"}}, {}, ctx(user=""), "x"),
        [r"clusters\['c'\]\.cluster\.server: expected the API server URL"],
    ),
    (
        "no-current-context",
        kubeconfig({"c": GOOD_CLUSTER}, {}, ctx()),
        ["no current-context is set", "load_config\\(context=...\\)"],
    ),
    (
        "unreadable-ca-file",
        kubeconfig(
            {"c": {"server": "https://127.0.0.1:1", "certificate-authority": "missing-ca.crt"}},
            {},
            ctx(user=""),
            "x",
        ),
        [r"certificate-authority: cannot read .*missing-ca\.crt"],
    ),
    (
        "unreadable-token-file",
        kubeconfig({"c": GOOD_CLUSTER}, {"u": {"tokenFile": "no.tok"}}, ctx(), "x"),
        [r"users\['u'\]\.user\.tokenFile: cannot read .*no\.tok"],
    ),
    (
        "ca-data-and-file",
        kubeconfig(
            {
                "c": {
                    "server": "https://127.0.0.1:1",
                    "certificate-authority": "/etc/hostname",
                    "certificate-authority-data": "Q0E=",
                }
            },
            {},
            ctx(user=""),
            "x",
        ),
        ["certificate-authority-data and certificate-authority are both set"],
    ),
    (
        "insecure-with-ca",
        kubeconfig(
            {
                "c": {
                    "server": "https://127.0.0.1:1",
                    "insecure-skip-tls-verify": True,
                    "certificate-authority-data": "Q0E=",
                }
            },
            {"u": {"token": "t"}},
            ctx(),
            "x",
        ),
        ["specifying a root certificates file with the insecure flag is not allowed"],
    ),
    (
        "token-and-basic",
        kubeconfig(
            {"c": GOOD_CLUSTER}, {"u": {"token": "t", "username": "a", "password": "p"}}, ctx(), "x"
        ),
        ["both a token and username/password are set"],
    ),
    (
        "cert-without-key",
        kubeconfig({"c": GOOD_CLUSTER}, {"u": {"client-certificate-data": "Q0VSVA=="}}, ctx(), "x"),
        ["no client-key or client-key-data"],
    ),
    (
        "exec-without-api-version",
        kubeconfig({"c": GOOD_CLUSTER}, {"u": {"exec": {"command": "x"}}}, ctx(), "x"),
        [r"exec\.apiVersion: expected"],
    ),
    (
        "exec-v1-without-interactive-mode",
        kubeconfig(
            {"c": GOOD_CLUSTER},
            {"u": {"exec": {"command": "x", "apiVersion": "client.authentication.k8s.io/v1"}}},
            ctx(),
            "x",
        ),
        [r"exec\.interactiveMode: expected Never, IfAvailable or Always", r"v1\), got nothing$"],
    ),
    (
        "exec-and-auth-provider",
        kubeconfig(
            {"c": GOOD_CLUSTER},
            {
                "u": {
                    "auth-provider": {"name": "oidc"},
                    "exec": {"command": "x", "apiVersion": "client.authentication.k8s.io/v1beta1"},
                }
            },
            ctx(),
            "x",
        ),
        ["auth-provider cannot be combined with an exec plugin"],
    ),
    (
        "impersonate-groups-without-user",
        kubeconfig({"c": GOOD_CLUSTER}, {"u": {"as-groups": ["admins"]}}, ctx(), "x"),
        [r"users\['u'\]\.user\.as: expected a user to impersonate"],
    ),
    (
        "bad-proxy-scheme",
        kubeconfig(
            {"c": {"server": "https://127.0.0.1:1", "proxy-url": "ftp://p"}}, {}, ctx(user=""), "x"
        ),
        [r"proxy-url: expected an http://, https:// or socks5:// URL"],
    ),
]


def _digest(path: Path) -> tuple[str, float]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime


@pytest.mark.parametrize(("content", "patterns"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_kubeconfig(content: Any, patterns: list[str], kube_env: Path) -> None:
    path = kube_env / "kubeconfig"
    path.write_text(content if isinstance(content, str) else yaml.safe_dump(content))
    before = _digest(path)
    with pytest.raises(ConfigError) as err:
        load_config(str(path))
    message = str(err.value)
    assert str(path) in message, message  # names the file
    for pattern in patterns:
        assert __import__("re").search(pattern, message), (pattern, message)
    assert _digest(path) == before  # never written


def test_explicit_missing_path(kube_env: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"missing\.yaml: the kubeconfig file given explicitly does not exist"
    ):
        load_config(str(kube_env / "missing.yaml"))
    # the hint fits both the CLI flag and the Python argument
    with pytest.raises(ConfigError, match=r"leave it out \(no --kubeconfig, kubeconfig=None\)"):
        load_config(str(kube_env / "missing.yaml"))


def test_unreadable_kubeconfig(kube_env: Path) -> None:
    if os.geteuid() == 0:
        # root reads through permissions: a directory is unreadable as a file for everyone.
        path = kube_env / "dir.yaml"
        path.mkdir()
    else:  # pragma: no cover - depends on the user running the tests
        path = kube_env / "locked.yaml"
        path.write_text("{}")
        path.chmod(0)
    with pytest.raises(ConfigError, match="cannot read the kubeconfig file"):
        load_config(str(path))


def test_error_text_never_contains_the_secret(kube_env: Path) -> None:
    secret = "s3cr3t-token-value"
    path = kube_env / "k"
    path.write_text(
        yaml.safe_dump(
            kubeconfig(
                {"c": GOOD_CLUSTER}, {"u": {"token": secret, "password": 987654321}}, ctx(), "x"
            )
        )
    )
    with pytest.raises(ConfigError) as err:
        load_config(str(path))
    assert "password: expected a string, got an integer" in str(err.value)
    assert secret not in str(err.value) and "987654321" not in str(err.value)
    key = base64.b64encode(b"-----BEGIN PRIVATE KEY-----\nzzz").decode()
    path.write_text(
        yaml.safe_dump(
            kubeconfig({"c": GOOD_CLUSTER}, {"u": {"client-key-data": key + "@"}}, ctx(), "x")
        )
    )
    with pytest.raises(ConfigError) as err:
        load_config(str(path))
    assert key not in str(err.value)
