"""Record the Table columns a real kube-apiserver 1.36 serves for every built-in resource.

    python scripts/record_table_columns.py [--url https://127.0.0.1:6443]

``kubectl get`` asks for ``application/json;as=Table;v=v1;g=meta.k8s.io``; the server answers with
the columns of the kind's printer (pkg/printers/internalversion/printers.go: name, type, format,
description, priority; the descriptions are the Go types' doc strings) or the default
Name/Created At table (k8s.io/apiserver/pkg/registry/rest/table.go). This script LISTs every
resource of the packaged discovery document as a Table (``includeObject=None``, in an empty
namespace of its own for namespaced resources, admin token of ../shared/tools/realkube) and
writes ``rawkube/testing/server/data/table-columns.json.gz``: ``{"<group>/<resource>": [column, ...]}``.
The LocalAPIServer's Table output (server/table.py) takes its column definitions from there.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import ssl
import sys
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT / "rawkube" / "testing" / "server" / "data" / "table-columns.json.gz"
NAMESPACE = "h11c-table-columns"
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io"


def main() -> int:
    from rawkube.testing.server.resources import builtin_discovery

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="https://127.0.0.1:6443")
    args = parser.parse_args()
    realkube = Path(os.environ.get("REALKUBE", Path.home() / "realkube"))
    verify = ssl.create_default_context(cafile=str(realkube / "pki" / "ca.crt"))
    headers = {"Authorization": "Bearer realkube-admin-token"}
    columns: dict[str, list[dict[str, object]]] = {}
    with httpx.Client(base_url=args.url, verify=verify, headers=headers, timeout=30) as client:
        client.post("/api/v1/namespaces", json={"metadata": {"name": NAMESPACE}})
        try:
            doc = builtin_discovery()
            for group in doc["api"]["items"] + doc["apis"]["items"]:
                name = group["metadata"].get("name") or ""
                for version in group["versions"]:
                    for res in version["resources"]:
                        if "list" not in (res.get("verbs") or []):
                            continue
                        prefix = f"/apis/{name}/{version['version']}" if name else "/api/v1"
                        scoped = res.get("scope") == "Namespaced"
                        path = (
                            f"{prefix}/namespaces/{NAMESPACE}/{res['resource']}"
                            if scoped
                            else (f"{prefix}/{res['resource']}")
                        )
                        resp = client.get(
                            path,
                            params={"includeObject": "None", "limit": "1"},
                            headers={"Accept": TABLE},
                        )
                        if resp.status_code != 200:
                            print(f"skip {path}: {resp.status_code}")
                            continue
                        key = f"{name}/{res['resource']}"
                        columns.setdefault(key, resp.json()["columnDefinitions"])
        finally:
            client.delete(f"/api/v1/namespaces/{NAMESPACE}")
    DATA.write_bytes(gzip.compress(json.dumps(columns, sort_keys=True).encode(), mtime=0))
    print(f"wrote {DATA.relative_to(ROOT)} ({len(columns)} resources)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
