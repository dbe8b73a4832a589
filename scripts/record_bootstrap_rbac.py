"""Record the RBAC objects a real kube-apiserver 1.36 creates at start, as the LocalAPIServer's data.

    python scripts/record_bootstrap_rbac.py [--url https://127.0.0.1:6443]

kube-apiserver's post-start hook "rbac/bootstrap-roles" (plugin/pkg/auth/authorizer/rbac/
bootstrappolicy/policy.go, controller_policy.go, namespace_policy.go) creates every ClusterRole,
ClusterRoleBinding, Role and RoleBinding labelled ``kubernetes.io/bootstrapping=rbac-defaults``;
kube-controller-manager's clusterrole-aggregation controller then fills the rules of the
aggregated roles (admin, edit, view, ...). This script GETs them (admin token of
../shared/tools/realkube) and writes:

* ``fixtures/auth/bootstrap-rbac.json``: the four GET exchanges (fixture format), the lists as
  served (uid, resourceVersion, creationTimestamp and managedFields times dropped: they are
  per cluster);
* ``rawkube/testing/server/data/bootstrap-rbac.json.gz``: the same objects, which the
  LocalAPIServer creates when it starts (``tests/testing/server/test_server_rbac.py`` checks that the
  packaged data equals the recording, and that the server serves exactly these objects).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import ssl
import sys
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "fixtures" / "auth" / "bootstrap-rbac.json"
DATA = ROOT / "rawkube" / "testing" / "server" / "data" / "bootstrap-rbac.json.gz"
RESOURCES = ("clusterroles", "clusterrolebindings", "roles", "rolebindings")
SELECTOR = "kubernetes.io/bootstrapping=rbac-defaults"


def clean(obj: dict[str, Any]) -> dict[str, Any]:
    """Drop what belongs to one cluster's instance of the object, keep what the server made."""
    meta = obj["metadata"]
    for key in ("uid", "resourceVersion", "creationTimestamp"):
        meta.pop(key, None)
    for entry in meta.get("managedFields") or []:
        entry.pop("time", None)
    return obj


def packaged(recording: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The packaged data derived from the recording: the objects of each resource, sorted."""
    out: dict[str, list[dict[str, Any]]] = {}
    for exchange in recording["exchanges"]:
        resource = exchange["request"]["path"].rsplit("/", 1)[1]
        items = exchange["response"]["body"]["items"]
        out[resource] = sorted(
            items, key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"])
        )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="https://127.0.0.1:6443")
    parser.add_argument("--token", default="realkube-admin-token")
    args = parser.parse_args()
    realkube = Path(os.environ.get("REALKUBE", Path.home() / "realkube"))
    ctx = ssl.create_default_context(cafile=str(realkube / "pki" / "ca.crt"))
    headers = {"Authorization": f"Bearer {args.token}", "Accept": "application/json"}
    exchanges: list[dict[str, Any]] = []
    with httpx.Client(base_url=args.url, verify=ctx, headers=headers, timeout=30) as client:
        version = client.get("/version").json()["gitVersion"]
        for resource in RESOURCES:
            path = f"/apis/rbac.authorization.k8s.io/v1/{resource}"
            resp = client.get(path, params={"labelSelector": SELECTOR})
            resp.raise_for_status()
            body = resp.json()
            body["metadata"] = {}
            body["items"] = [clean(o) for o in body["items"]]
            exchanges.append(
                {
                    "name": f"list-{resource}-bootstrap",
                    "note": f"{len(body['items'])} {resource} of {version} (realkube)",
                    "request": {
                        "method": "GET",
                        "path": path,
                        "query": f"labelSelector={SELECTOR}",
                    },
                    "response": {"status": 200, "body": body},
                }
            )
    recording = {"exchanges": exchanges}
    FIXTURE.write_text(json.dumps(recording, indent=1, sort_keys=False) + "\n")
    raw = json.dumps(packaged(recording), separators=(",", ":"), sort_keys=True).encode()
    DATA.write_bytes(gzip.compress(raw, compresslevel=9, mtime=0))
    counts = ", ".join(e["note"].split(" of ")[0] for e in exchanges)
    print(f"wrote {FIXTURE.relative_to(ROOT)} and {DATA.relative_to(ROOT)}: {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
