"""Record the layout of the real kube-apiserver's ServiceAccount tokens (never the tokens).

    python scripts/record_token_claims.py

Creates a ServiceAccount and a Pod in a scratch namespace of ../shared/tools/realkube, asks
for a plain, a pod-bound and a Secret-bound TokenRequest and reads a legacy token Secret, then
writes fixtures/auth/serviceaccount-token-claims.json: each token's JOSE header and claims
with every value replaced by its JSON type, except the values that are the same on every
server (alg, iss, the audience, key names). tests/testing/server/test_server_tokens.py checks that the
LocalAPIServer's tokens have exactly this layout.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import ssl
import sys
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "fixtures" / "auth" / "serviceaccount-token-claims.json"
KEEP = {"alg", "iss", "aud", "typ"}


def _part(token: str, index: int) -> Any:
    segment = token.split(".")[index]
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def layout(value: Any, key: str = "") -> Any:
    """Values -> their JSON type names, keeping the values every server shares."""
    if isinstance(value, dict):
        return {k: layout(v, k) for k, v in value.items()}
    if key in KEEP:
        return value
    if isinstance(value, bool):
        return "<bool>"
    if isinstance(value, int):
        return "<int>"
    if isinstance(value, list):
        return [layout(v) for v in value]
    return "<string>"


def main() -> int:
    realkube = Path(os.environ.get("REALKUBE", Path.home() / "realkube"))
    ctx = ssl.create_default_context(cafile=str(realkube / "pki" / "ca.crt"))
    ns = "h11a-claims-" + secrets.token_hex(3)
    headers = {"Authorization": "Bearer realkube-admin-token"}
    out: dict[str, Any] = {"recorded_from": "kube-apiserver v1.36 (realkube)"}
    with httpx.Client(
        base_url="https://127.0.0.1:6443", verify=ctx, headers=headers, timeout=30
    ) as c:
        c.post("/api/v1/namespaces", json={"metadata": {"name": ns}}).raise_for_status()
        try:
            base = f"/api/v1/namespaces/{ns}"
            c.post(
                f"{base}/serviceaccounts", json={"metadata": {"name": "robot"}}
            ).raise_for_status()
            pod = {
                "metadata": {"name": "p"},
                "spec": {
                    "serviceAccountName": "robot",
                    "containers": [{"name": "c", "image": "x"}],
                },
            }
            c.post(f"{base}/pods", json=pod).raise_for_status()
            c.post(f"{base}/secrets", json={"metadata": {"name": "anchor"}}).raise_for_status()
            requests = {
                "plain": {},
                "pod-bound": {"boundObjectRef": {"apiVersion": "v1", "kind": "Pod", "name": "p"}},
                "secret-bound": {
                    "boundObjectRef": {"apiVersion": "v1", "kind": "Secret", "name": "anchor"}
                },
            }
            for label, spec in requests.items():
                resp = c.post(f"{base}/serviceaccounts/robot/token", json={"spec": spec})
                resp.raise_for_status()
                token = resp.json()["status"]["token"]
                out[label] = {"header": layout(_part(token, 0)), "claims": layout(_part(token, 1))}
            secret = {
                "metadata": {
                    "name": "robot-token",
                    "annotations": {"kubernetes.io/service-account.name": "robot"},
                },
                "type": "kubernetes.io/service-account-token",
            }
            c.post(f"{base}/secrets", json=secret).raise_for_status()
            for _ in range(100):
                data = c.get(f"{base}/secrets/robot-token").json().get("data") or {}
                if data.get("token"):
                    token = base64.b64decode(data["token"]).decode()
                    out["legacy"] = {
                        "header": layout(_part(token, 0)),
                        "claims": layout(_part(token, 1)),
                        "data-keys": sorted(data),
                    }
                    break
                time.sleep(0.2)
        finally:
            c.delete(f"/api/v1/namespaces/{ns}")
    OUT.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
