"""Kubeconfig loading rules (client-go tools/clientcmd/loader.go `Load`, client_config.go).

The `CASES` below are also run through kubectl by tests/config/test_kubectl_oracle.py, which checks that
kubectl reads every one of them exactly as rawkube does.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from rawkube.config.kubeconfig import load_config, load_raw_kubeconfig
from rawkube.config.types import Config
from rawkube.errors import ConfigError, EmptyConfigError

CA_PEM = b"-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n"
CA2_PEM = b"-----BEGIN CERTIFICATE-----\nMIIBother\n-----END CERTIFICATE-----\n"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def kubeconfig(
    clusters: dict[str, dict[str, Any]] | None = None,
    users: dict[str, dict[str, Any]] | None = None,
    contexts: dict[str, dict[str, Any]] | None = None,
    current: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    doc: dict[str, Any] = {"apiVersion": "v1", "kind": "Config"}
    doc["clusters"] = [{"name": n, "cluster": c} for n, c in (clusters or {}).items()]
    doc["users"] = [{"name": n, "user": u} for n, u in (users or {}).items()]
    doc["contexts"] = [{"name": n, "context": c} for n, c in (contexts or {}).items()]
    if current is not None:
        doc["current-context"] = current
    doc.update(extra)
    return doc


@dataclass
class Case:
    """Files to write under a temp dir, how to point at them, and what rawkube must load."""

    id: str
    files: dict[str, dict[str, Any] | bytes]
    kubeconfig_env: list[str] | None = None  # $KUBECONFIG entries (relative to the temp dir)
    explicit: str | None = None  # load_config(kubeconfig=...) / kubectl --kubeconfig
    context: str | None = None
    expect: dict[str, Any] = field(default_factory=dict)  # Config attribute -> value ("@x" = tmp/x)


CASES: list[Case] = [
    Case(
        "first-file-wins-for-every-map-key-and-current-context",
        {
            "a.yaml": kubeconfig(
                {"c": {"server": "https://a.example:6443"}},
                {"u": {"token": "token-from-a"}},
                {"ctx": {"cluster": "c", "user": "u", "namespace": "ns-a"}},
                current="ctx",
            ),
            "b.yaml": kubeconfig(
                # same names: the whole entries of a.yaml win, even b's extra fields
                {"c": {"server": "https://b.example", "tls-server-name": "from-b"}},
                {"u": {"token": "token-from-b"}},
                {
                    "ctx": {"cluster": "c", "user": "u", "namespace": "ns-b"},
                    "ctx-b": {"cluster": "c"},
                },
                current="ctx-b",
            ),
        },
        kubeconfig_env=["a.yaml", "b.yaml"],
        expect={
            "host": "https://a.example:6443",
            "bearer_token": "token-from-a",
            "namespace": "ns-a",
            "tls_server_name": None,
            "context_name": "ctx",
        },
    ),
    Case(
        "current-context-from-second-file-when-first-has-none",
        {
            "a.yaml": kubeconfig(
                {"c1": {"server": "https://one:1"}}, {}, {"one": {"cluster": "c1"}}
            ),
            "b.yaml": kubeconfig(
                {"c2": {"server": "https://two:2", "insecure-skip-tls-verify": True}},
                {"u2": {"username": "bob", "password": "pw-b"}},
                {"two": {"cluster": "c2", "user": "u2"}},
                current="two",
            ),
        },
        kubeconfig_env=["a.yaml", "b.yaml"],
        expect={
            "host": "https://two:2",
            "insecure": True,
            "username": "bob",
            "password": "pw-b",
            "namespace": "default",
        },
    ),
    Case(
        "relative-paths-resolve-against-the-file-that-set-them",
        {
            "one/a.yaml": kubeconfig(
                {},
                {"ua": {"tokenFile": "tokens/a.tok"}},
                {"mixed": {"cluster": "cb", "user": "ua", "namespace": "rel"}},
                current="mixed",
            ),
            "one/tokens/a.tok": b"token-in-file\n",
            "two/b.yaml": kubeconfig(
                {"cb": {"server": "https://b:443", "certificate-authority": "../pki/ca.crt"}}
            ),
            "pki/ca.crt": CA_PEM,
        },
        kubeconfig_env=["one/a.yaml", "two/b.yaml"],
        expect={
            "host": "https://b:443",
            "ca_file": "@two/../pki/ca.crt",
            "bearer_token_file": "@one/tokens/a.tok",
            "bearer_token": None,
            "namespace": "rel",
        },
    ),
    Case(
        "missing-kubeconfig-entries-are-skipped",
        {
            "real.yaml": kubeconfig(
                {"c": {"server": "https://real:6443"}}, {}, {"x": {"cluster": "c"}}, current="x"
            )
        },
        kubeconfig_env=["missing-1.yaml", "real.yaml", "missing-2.yaml", "real.yaml"],
        expect={"host": "https://real:6443"},
    ),
    Case(
        "explicit-path-beats-KUBECONFIG",
        {
            "env.yaml": kubeconfig(
                {"c": {"server": "https://env:1"}}, {}, {"x": {"cluster": "c"}}, current="x"
            ),
            "explicit.yaml": kubeconfig(
                {"c": {"server": "https://explicit:2", "certificate-authority-data": b64(CA_PEM)}},
                {"u": {"client-certificate-data": b64(b"CERT"), "client-key-data": b64(b"KEY")}},
                {"x": {"cluster": "c", "user": "u"}},
                current="x",
            ),
        },
        kubeconfig_env=["env.yaml"],
        explicit="explicit.yaml",
        expect={
            "host": "https://explicit:2",
            "ca_data": CA_PEM,
            "cert_data": b"CERT",
            "key_data": b"KEY",
        },
    ),
    Case(
        "context-override-and-tls-server-name",
        {
            "k.yaml": kubeconfig(
                {
                    "prod": {
                        "server": "https://10.0.0.1:6443/k8s",
                        "tls-server-name": "kubernetes.default",
                        "certificate-authority-data": b64(CA2_PEM),
                    },
                    "dev": {"server": "https://dev:6443"},
                },
                {"admin": {"client-certificate": "admin.crt", "client-key": "admin.key"}},
                {
                    "prod": {"cluster": "prod", "user": "admin", "namespace": "payments"},
                    "dev": {"cluster": "dev"},
                },
                current="dev",
            ),
            "admin.crt": b"CERT-FILE",
            "admin.key": b"KEY-FILE",
        },
        kubeconfig_env=["k.yaml"],
        context="prod",
        expect={
            "host": "https://10.0.0.1:6443/k8s",
            "tls_server_name": "kubernetes.default",
            "ca_data": CA2_PEM,
            "cert_file": "@admin.crt",
            "key_file": "@admin.key",
            "namespace": "payments",
        },
    ),
    Case(
        "exec-plugin-command-with-slash-is-relative-bare-name-is-not",
        {
            "sub/k.yaml": kubeconfig(
                {"c": {"server": "https://e:1"}},
                {
                    "path": {
                        "exec": {
                            "command": "./bin/get-token",
                            "apiVersion": "client.authentication.k8s.io/v1",
                            "interactiveMode": "Never",
                            "args": ["--a", "b"],
                            "env": [{"name": "E", "value": "v"}],
                        }
                    },
                    "bare": {
                        "exec": {
                            "command": "aws",
                            "apiVersion": "client.authentication.k8s.io/v1beta1",
                        }
                    },
                },
                {
                    "path": {"cluster": "c", "user": "path"},
                    "bare": {"cluster": "c", "user": "bare"},
                },
                current="path",
            )
        },
        kubeconfig_env=["sub/k.yaml"],
        expect={
            "exec_provider.command": "@sub/bin/get-token",
            "exec_provider.args": ["--a", "b"],
            "exec_provider.env": [{"name": "E", "value": "v"}],
        },
    ),
    Case(
        "exec-bare-command-and-v1beta1-default-interactive-mode",
        {
            "k.yaml": kubeconfig(
                {"c": {"server": "https://e:1"}},
                {
                    "bare": {
                        "exec": {
                            "command": "aws",
                            "args": ["eks", "get-token"],
                            "apiVersion": "client.authentication.k8s.io/v1beta1",
                        }
                    }
                },
                {"bare": {"cluster": "c", "user": "bare"}},
                current="bare",
            )
        },
        explicit="k.yaml",
        expect={
            "exec_provider.command": "aws",
            "exec_provider.interactive_mode": "IfAvailable",
            "exec_provider.api_version": "client.authentication.k8s.io/v1beta1",
        },
    ),
    Case(
        "token-and-token-file-both-kept",
        {
            "k.yaml": kubeconfig(
                {"c": {"server": "https://t:1", "proxy-url": "http://127.0.0.1:3128"}},
                {"u": {"token": "static", "tokenFile": "t.tok"}},
                {"x": {"cluster": "c", "user": "u"}},
                current="x",
            ),
            "t.tok": b"from-file",
        },
        explicit="k.yaml",
        expect={
            "bearer_token": "static",
            "bearer_token_file": "@t.tok",
            "proxy_url": "http://127.0.0.1:3128",
        },
    ),
    Case(
        "oidc-auth-provider",
        {
            "k.yaml": kubeconfig(
                {"c": {"server": "https://o:1"}},
                {
                    "u": {
                        "auth-provider": {
                            "name": "oidc",
                            "config": {"id-token": "idtok", "client-id": "k8s"},
                        }
                    }
                },
                {"x": {"cluster": "c", "user": "u"}},
                current="x",
            )
        },
        explicit="k.yaml",
        expect={
            "auth_provider.name": "oidc",
            "auth_provider.config": {"id-token": "idtok", "client-id": "k8s"},
        },
    ),
]


def write_case(case: Case, root: Path) -> None:
    for rel, content in case.files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(
            content if isinstance(content, bytes) else yaml.safe_dump(content).encode()
        )


def case_args(case: Case, root: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    if case.kubeconfig_env is not None:
        monkeypatch.setenv(
            "KUBECONFIG", os.pathsep.join(str(root / p) for p in case.kubeconfig_env)
        )
    kw: dict[str, Any] = {}
    if case.explicit:
        kw["kubeconfig"] = str(root / case.explicit)
    if case.context:
        kw["context"] = case.context
    return kw


def attr(cfg: Config, dotted: str) -> Any:
    value: Any = cfg
    for part in dotted.split("."):
        value = getattr(value, part)
    return value


def expected(value: Any, root: Path) -> Any:
    if isinstance(value, str) and value.startswith("@"):
        return os.path.normpath(os.path.join(str(root), value[1:]))
    return value


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_loading_rules(case: Case, kube_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_case(case, kube_env)
    cfg = load_config(**case_args(case, kube_env, monkeypatch))
    for name, value in case.expect.items():
        assert attr(cfg, name) == expected(value, kube_env), name


def _write(path: Path, doc: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(doc))
    return path


def test_preferences_and_origins_first_file_wins(
    kube_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = _write(
        kube_env / "a", kubeconfig({"c": {"server": "https://a"}}, preferences={"colors": True})
    )
    b = _write(
        kube_env / "b",
        kubeconfig(
            {"c": {"server": "https://b"}, "d": {"server": "https://d"}},
            current="x",
            preferences={"colors": False, "extensions": [{"name": "e"}]},
        ),
    )
    monkeypatch.setenv("KUBECONFIG", f"{a}{os.pathsep}{b}")
    raw = load_raw_kubeconfig()
    assert raw["preferences"] == {"colors": True, "extensions": [{"name": "e"}]}
    assert raw.origin("clusters", "c") == str(a) and raw.origin("clusters", "d") == str(b)
    assert raw.origin("current-context", "x") == str(b)
    assert raw.files == [str(a), str(b)]
    doc = dict(raw)
    assert [c["name"] for c in doc["clusters"]] == ["c", "d"] and doc["current-context"] == "x"


def test_home_kubeconfig_used_without_KUBECONFIG(kube_env: Path) -> None:
    _write(
        kube_env / "home" / ".kube" / "config",
        kubeconfig({"c": {"server": "https://home:1"}}, {}, {"x": {"cluster": "c"}}, current="x"),
    )
    assert load_config().host == "https://home:1"


def test_overrides_cluster_user_namespace_and_master_url(kube_env: Path) -> None:
    path = _write(
        kube_env / "k",
        kubeconfig(
            {
                "c": {"server": "https://c:1", "tls-server-name": "sni"},
                "other": {"server": "https://o:2"},
            },
            {"u": {"token": "t-u"}, "v": {"token": "t-v"}},
            {"x": {"cluster": "c", "user": "u", "namespace": "ctx-ns"}},
            current="x",
        ),
    )
    cfg = load_config(str(path), cluster="other", user="v", namespace="override")
    assert (cfg.host, cfg.bearer_token, cfg.namespace) == ("https://o:2", "t-v", "override")
    # BuildConfigFromFlags: master_url replaces the server and clears tls-server-name.
    cfg = load_config(str(path), master_url="https://127.0.0.1:9999")
    assert (
        cfg.host == "https://127.0.0.1:9999"
        and cfg.tls_server_name is None
        and cfg.bearer_token == "t-u"
    )


def test_no_credentials_sent_over_plain_http(kube_env: Path) -> None:
    """client_config.go only applies the user's credentials when the transport is TLS."""
    path = _write(
        kube_env / "k",
        kubeconfig(
            {"c": {"server": "http://127.0.0.1:8080"}},
            {"u": {"token": "t"}},
            {"x": {"cluster": "c", "user": "u"}},
            current="x",
        ),
    )
    cfg = load_config(str(path))
    assert cfg.host == "http://127.0.0.1:8080" and cfg.bearer_token is None


def test_nothing_found_names_every_place_tried(
    kube_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBECONFIG", str(kube_env / "nope.yaml"))
    with pytest.raises(ConfigError) as err:
        load_config()
    text = str(err.value)
    assert str(kube_env / "nope.yaml") in text
    assert "KUBERNETES_SERVICE_HOST" in text and "in-cluster" in text
    assert "Fix:" in text and "KUBECONFIG" in text
    monkeypatch.delenv("KUBECONFIG")
    with pytest.raises(ConfigError, match=r"\.kube/config"):
        load_config()
    # told apart from a kubeconfig that is wrong (clientcmd.IsEmptyConfig)
    assert isinstance(err.value, EmptyConfigError)


def test_master_url_alone_is_enough(kube_env: Path) -> None:
    cfg = load_config(master_url="https://127.0.0.1:6443")
    assert cfg.host == "https://127.0.0.1:6443" and cfg.namespace == "default"


def test_empty_file_in_chain_is_an_empty_config(
    kube_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (kube_env / "empty").write_text("")
    good = _write(
        kube_env / "good",
        kubeconfig({"c": {"server": "https://g:1"}}, {}, {"x": {"cluster": "c"}}, current="x"),
    )
    monkeypatch.setenv("KUBECONFIG", f"{kube_env / 'empty'}{os.pathsep}{good}")
    assert load_config().host == "https://g:1"


CaseFn = Callable[[Path], None]


def test_empty_kubeconfig_falls_back_to_in_cluster(
    kube_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DeferredLoadingClientConfig: files that define nothing let in-cluster config win."""
    (kube_env / "empty").write_text("apiVersion: v1\nkind: Config\n")
    monkeypatch.setenv("KUBECONFIG", str(kube_env / "empty"))
    with pytest.raises(ConfigError, match=r"empty \(no clusters or contexts\)"):
        load_config()
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "443")
    monkeypatch.setattr("rawkube.config.incluster.SERVICE_ACCOUNT_DIR", str(kube_env))
    (kube_env / "token").write_text("sa")
    assert load_config().host == "https://10.0.0.1:443"
