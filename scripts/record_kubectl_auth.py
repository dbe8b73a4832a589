"""Record kubectl's auth commands against the real kube-apiserver (../shared/tools/realkube).

    python scripts/record_kubectl_auth.py

Runs tests/helpers/kubectl_auth.py's session (can-i, can-i --list, whoami, --as, create token,
using that token) with .venv/bin/kubectl and $REALKUBE/kubeconfig, and writes
fixtures/auth/kubectl-auth.json (outputs normalised: uids, times and tokens masked).
tests/testing/server/test_kubectl_auth.py runs the same session against a LocalAPIServer and compares.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers.kubectl_auth import run_session  # noqa: E402

OUT = ROOT / "fixtures" / "auth" / "kubectl-auth.json"


def main() -> int:
    kubectl = shutil.which("kubectl", path=str(ROOT / ".venv" / "bin"))
    if kubectl is None:
        print("no .venv/bin/kubectl: run ./scripts/test once", file=sys.stderr)
        return 1
    realkube = Path(os.environ.get("REALKUBE", Path.home() / "realkube"))
    with tempfile.TemporaryDirectory() as home:
        env = {"HOME": home, "PATH": os.environ.get("PATH", "")}

        def run(args: list[str]) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [kubectl, "--kubeconfig", str(realkube / "kubeconfig"), *args],
                capture_output=True,
                text=True,
                env=env,
                timeout=60,
            )

        version = run(["version", "-o", "json"])
        results = run_session(run)
    doc = {
        "recorded_from": "kube-apiserver v1.36 (realkube)",
        "kubectl": json.loads(version.stdout).get("clientVersion", {}).get("gitVersion"),
        "results": results,
    }
    OUT.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)} ({len(results)} commands)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
