"""A kubeconfig with a misspelt key says which key it did not know, and what it probably meant.

client-go ignores unknown kubeconfig keys (so does rawkube: a newer kubectl may write fields we
do not know), which turns a typo into a confusing "missing" error. Issue 16: `sever:` must give
"unknown field 'sever' (did you mean 'server'?)" beside what is missing, and an empty list must
never be offered as the choices ("expected one of []").
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from rawkube import load_config
from rawkube.errors import ConfigError

HEAD = "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
CLUSTERS = "clusters: [{name: k, cluster: {server: 'https://127.0.0.1:6443'}}]\n"
USERS = "users: [{name: u, user: {token: t}}]\n"
CONTEXTS = "contexts: [{name: c, context: {cluster: k, user: u}}]\n"


def _error(tmp_path: Path, text: str) -> str:
    path = tmp_path / "config"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(kubeconfig=str(path))
    message = str(err.value)
    assert "expected one of []" not in message
    assert "Traceback" not in message
    return message


def test_misspelt_server_is_named_with_what_is_missing(tmp_path: Path) -> None:
    text = HEAD + CLUSTERS.replace("server:", "sever:") + USERS + CONTEXTS
    message = _error(tmp_path, text)
    assert "unknown field 'sever' (did you mean 'server'?)" in message
    assert "clusters['k'].cluster.server: expected the API server URL" in message


def test_misspelt_clusters_section(tmp_path: Path) -> None:
    message = _error(tmp_path, HEAD + CLUSTERS.replace("clusters:", "clusterz:") + USERS + CONTEXTS)
    assert "unknown field 'clusterz' (did you mean 'clusters'?)" in message
    assert "refers to cluster 'k', which is not defined" in message
    assert "no clusters are defined" in message


def test_misspelt_contexts_section(tmp_path: Path) -> None:
    message = _error(tmp_path, HEAD + CLUSTERS + USERS + CONTEXTS.replace("contexts:", "contxts:"))
    assert "unknown field 'contxts' (did you mean 'contexts'?)" in message
    assert "context 'c'" in message and "no contexts are defined" in message


def test_misspelt_users_section_and_context_field(tmp_path: Path) -> None:
    message = _error(tmp_path, HEAD + CLUSTERS + USERS.replace("users:", "user:") + CONTEXTS)
    assert "unknown field 'user' (did you mean 'users'?)" in message
    assert "refers to user 'u'" in message

    message = _error(tmp_path, HEAD + CLUSTERS + USERS + CONTEXTS.replace("cluster: k", "clster: k"))
    assert "unknown field 'clster' (did you mean 'cluster'?)" in message


def test_misspelt_current_context(tmp_path: Path) -> None:
    text = HEAD.replace("current-context", "current-contxt") + CLUSTERS + USERS + CONTEXTS
    message = _error(tmp_path, text)
    assert "unknown field 'current-contxt' (did you mean 'current-context'?)" in message
    assert "no current-context is set" in message


def test_unknown_keys_alone_are_ignored_as_client_go_does(tmp_path: Path) -> None:
    """A field this version does not know is no error while the config is usable."""
    path = tmp_path / "config"
    path.write_text(
        HEAD + "some-future-field: 1\n" + CLUSTERS.replace("server:", "new-thing: 1, server:")
        + USERS + CONTEXTS
    )
    assert load_config(kubeconfig=str(path)).host == "https://127.0.0.1:6443"


def test_the_cli_prints_the_hint(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text(HEAD + CLUSTERS.replace("server:", "sever:") + USERS + CONTEXTS)
    proc = subprocess.run(
        [sys.executable, "-m", "rawkube", "get", "pods", "--kubeconfig", str(path)],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: ") and "Traceback" not in proc.stderr
    assert "unknown field 'sever' (did you mean 'server'?)" in proc.stderr
