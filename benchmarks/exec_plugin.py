"""A tiny exec credential plugin that counts its runs (kubeconfig `users[].user.exec`).

Usage (from a kubeconfig): `command: <python>`, `args: [exec_plugin.py, <counter file>]`.
Each run appends one byte to the counter file, so the harness learns how often a client ran
it, and prints an ExecCredential valid for an hour (client-go caches it until
`expirationTimestamp`; see client-go plugin/pkg/client/auth/exec/exec.go). The apiVersion is
echoed from KUBERNETES_EXEC_INFO when the client sends it, else v1beta1, which every peer reads.
"""

import datetime
import json
import os
import sys

with open(sys.argv[1], "ab") as counter:
    counter.write(b".")

api_version = "client.authentication.k8s.io/v1beta1"
info = os.environ.get("KUBERNETES_EXEC_INFO")
if info:
    api_version = json.loads(info).get("apiVersion", api_version)
expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
credential = {
    "apiVersion": api_version,
    "kind": "ExecCredential",
    "status": {
        "token": "bench-exec-token",
        "expirationTimestamp": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
    },
}
sys.stdout.write(json.dumps(credential))
