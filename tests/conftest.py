"""Shared fixtures. Test helpers live in tests/helpers/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def kube_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An environment with no kubeconfig and no in-cluster variables; HOME under tmp_path."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for var in (
        "KUBECONFIG",
        "KUBERNETES_SERVICE_HOST",
        "KUBERNETES_SERVICE_PORT",
        "POD_NAMESPACE",
    ):
        monkeypatch.delenv(var, raising=False)
    yield tmp_path


@pytest.fixture(autouse=True)
def _fresh_credential_caches() -> Iterator[None]:
    """Exec-plugin and TLS caches are process-wide by design; isolate tests from each other."""
    yield
    import sys

    if "rawkube.auth" in sys.modules:
        sys.modules["rawkube.auth"].clear_exec_cache()
    if "rawkube.tls" in sys.modules:
        sys.modules["rawkube.tls"].clear_cache()
