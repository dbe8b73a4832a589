"""Record how a real kube-apiserver 1.36 judges the CEL rules of tests/cel/cases.yaml.

    python scripts/record_cel_cases.py [--url https://127.0.0.1:6443] [--only N]

Each rule becomes its own CustomResourceDefinition (cluster group h11b-cel.example.com, one
property ``spec.f`` carrying the rule, or the rule on the root schema for ``schema: ROOT``);
each value is posted as a custom resource (or, with ``old``, created with ``old`` and patched to
the value). What the server answered (admitted or not, the Status message and causes, or the
CRD's own rejection when the rule does not compile) goes to tests/cel/results.json, which
tests/testing/server/test_apiextensions_cel.py and scripts/measure_cel.py read. Needs the real server
(../shared/tools/realkube); nothing here runs in CI.
"""

from __future__ import annotations

import argparse
import json
import os
import ssl
import sys
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers.celcases import GROUP, RESULTS, crd_for, load_cases  # noqa: E402

NAMESPACE = "h11b-cel"
TOKEN = "realkube-admin-token"


def _outcome(resp: httpx.Response) -> dict[str, Any]:
    body = resp.json()
    out: dict[str, Any] = {"status": resp.status_code}
    if body.get("kind") == "Status":
        out["message"] = body.get("message")
        out["causes"] = (body.get("details") or {}).get("causes") or []
    return out


def record_case(client: httpx.Client, index: int, case: dict[str, Any]) -> dict[str, Any]:
    crd = crd_for(index, case)
    name = crd["metadata"]["name"]
    plural = crd["spec"]["names"]["plural"]
    result: dict[str, Any] = {"rule": case["rule"], "schema": case["schema"], "results": []}
    client.delete(f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{name}")
    resp = client.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", json=crd)
    if resp.status_code != 201:
        result["crd"] = _outcome(resp)
        return result
    base = f"/apis/{GROUP}/v1/namespaces/{NAMESPACE}/{plural}"
    deadline = time.monotonic() + 30
    while client.get(base).status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.2)
    try:
        for j, value in enumerate(case["values"]):
            obj_name = f"v{j}"
            if case["schema"] == "ROOT":
                obj_name = str(value)
                spec: dict[str, Any] = {}
            else:
                spec = {"f": case.get("old", value)}
            body = {
                "apiVersion": f"{GROUP}/v1",
                "kind": "CelCase",
                "metadata": {"name": obj_name},
                "spec": spec,
            }
            resp = client.post(base, json=body)
            if "old" in case and resp.status_code == 201:
                resp = client.patch(
                    f"{base}/{obj_name}",
                    content=json.dumps({"spec": {"f": value}}),
                    headers={"Content-Type": "application/merge-patch+json"},
                )
            entry = {"value": value, **_outcome(resp)}
            if "old" in case:
                entry["old"] = case["old"]
            result["results"].append(entry)
    finally:
        client.delete(f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{name}")
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="https://127.0.0.1:6443")
    parser.add_argument("--only", type=int, help="record only the case with this index")
    args = parser.parse_args()
    realkube = Path(os.environ.get("REALKUBE", Path.home() / "realkube"))
    ctx = ssl.create_default_context(cadata=(realkube / "pki" / "ca.crt").read_text())
    headers = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
    cases = load_cases()
    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    out: dict[str, Any] = previous if args.only is not None else {}
    with httpx.Client(base_url=args.url, verify=ctx, headers=headers, timeout=30) as client:
        client.post(
            "/api/v1/namespaces",
            json={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}},
        )
        for i, case in enumerate(cases):
            if args.only is not None and i != args.only:
                continue
            out[str(i)] = record_case(client, i, case)
            print(
                f"{i:3} {case['rule']}: {[r['status'] for r in out[str(i)]['results']]}"
                + (f" CRD {out[str(i)]['crd']['status']}" if "crd" in out[str(i)] else "")
            )
            sys.stdout.flush()
        client.delete(f"/api/v1/namespaces/{NAMESPACE}")
    RESULTS.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
