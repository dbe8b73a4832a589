"""Record what a real kube-apiserver answers to streaming upgrade requests that fail.

    python scripts/record_streams.py --kubeconfig ~/realkube/kubeconfig [--kubectl PATH]

The reference server has no nodes, so every exec/attach/portforward ends before the upgrade:
a Pending pod "does not have a host assigned", a missing pod is NotFound, a user without
RBAC is Forbidden. The requests are sent byte for byte as kubectl 1.37 sends them (the
WebSocket upgrade first, then the SPDY fallback; see `kubectl exec -v=8`), over a raw TLS
socket, and the answers are written to `fixtures/streams/real-apiserver-errors.json` (the
fixture format of rawkube.testing.fixture); what kubectl itself prints for the same cases
goes to `fixtures/kubectl-traces/stream-errors.json`. The script creates its namespace
(h14-streams: two Pending pods, a Role letting alice get pods) and deletes it at the end. tests/stream/test_stream_server_errors.py replays each
request against the LocalAPIServer and compares status and body.

Credentials come from the kubeconfig's `admin-token` and `alice-token` users; no
Authorization header and no token is written to the recording.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import socket
import ssl
import sys
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rawkube.testing.fixture import (  # noqa: E402
    Exchange,
    RecordedRequest,
    RecordedResponse,
    encode_body,
    save_fixture,
)

NAMESPACE = "h14-streams"
POD = "p1"  # two containers (app, side), no node: Pending forever on a node-less cluster
POD_ONE = "p2"  # one container (app)
OUT = ROOT / "fixtures" / "streams" / "real-apiserver-errors.json"

WS_KEY = "dGhlIHNhbXBsZSBub25jZQ=="  # any 16 bytes, base64; the upgrade never succeeds here


def websocket_headers(*protocols: str) -> dict[str, str]:
    return {
        "connection": "Upgrade",
        "upgrade": "websocket",
        "sec-websocket-key": WS_KEY,
        "sec-websocket-version": "13",
        "sec-websocket-protocol": ", ".join(protocols),
    }


def spdy_headers(*protocols: str) -> dict[str, Any]:
    return {
        "connection": "Upgrade",
        "upgrade": "SPDY/3.1",
        "x-stream-protocol-version": list(protocols),
    }


EXEC_WS = websocket_headers("v5.channel.k8s.io")
EXEC_SPDY = spdy_headers(
    "v5.channel.k8s.io", "v4.channel.k8s.io", "v3.channel.k8s.io", "v2.channel.k8s.io",
    "channel.k8s.io",
)  # fmt: skip
PF_WS = websocket_headers("SPDY/3.1+portforward.k8s.io")
PF_SPDY = spdy_headers("portforward.k8s.io")

PODS = f"/api/v1/namespaces/{NAMESPACE}/pods"
EXEC_Q = "command=ls&container=app&stderr=true&stdout=true"

# name, note, user, method, path, query, headers
REQUESTS: list[tuple[str, str, str, str, str, str, dict[str, Any]]] = [
    ("exec-ws-pending", "exec, WebSocket v5 upgrade, Pending pod (no node)", "admin", "GET",
     f"{PODS}/{POD}/exec", EXEC_Q, EXEC_WS),
    ("exec-spdy-pending", "exec, SPDY fallback upgrade, Pending pod", "admin", "POST",
     f"{PODS}/{POD}/exec", EXEC_Q, EXEC_SPDY),
    ("exec-ws-missing-pod", "exec, WebSocket, no such pod", "admin", "GET",
     f"{PODS}/nope/exec", EXEC_Q, EXEC_WS),
    ("exec-ws-missing-container", "exec, WebSocket, no such container", "admin", "GET",
     f"{PODS}/{POD}/exec", "command=ls&container=nope&stderr=true&stdout=true", EXEC_WS),
    ("exec-ws-no-container-two", "exec without container= on a two-container pod", "admin",
     "GET", f"{PODS}/{POD}/exec", "command=ls&stderr=true&stdout=true", EXEC_WS),
    ("exec-ws-no-container-one", "exec without container= on a one-container pod", "admin",
     "GET", f"{PODS}/{POD_ONE}/exec", "command=ls&stderr=true&stdout=true", EXEC_WS),
    ("exec-ws-no-command", "exec without command=", "admin", "GET", f"{PODS}/{POD}/exec",
     "container=app&stderr=true&stdout=true", EXEC_WS),
    ("exec-ws-no-streams", "exec with no stdin/stdout/stderr", "admin", "GET",
     f"{PODS}/{POD}/exec", "command=ls&container=app", EXEC_WS),
    ("exec-plain-get", "exec without any upgrade header", "admin", "GET", f"{PODS}/{POD}/exec",
     EXEC_Q, {}),
    ("exec-ws-forbidden", "exec as alice (no RBAC): 403 on pods/exec", "alice", "GET",
     f"{PODS}/{POD}/exec", EXEC_Q, EXEC_WS),
    ("exec-spdy-forbidden", "exec as alice, SPDY fallback", "alice", "POST",
     f"{PODS}/{POD}/exec", EXEC_Q, EXEC_SPDY),
    ("attach-ws-pending", "attach, WebSocket v5, Pending pod", "admin", "GET",
     f"{PODS}/{POD}/attach", "container=app&stderr=true&stdout=true", EXEC_WS),
    ("attach-ws-missing-pod", "attach, no such pod", "admin", "GET", f"{PODS}/nope/attach",
     "container=app&stderr=true&stdout=true", EXEC_WS),
    ("attach-ws-forbidden", "attach as alice", "alice", "GET", f"{PODS}/{POD}/attach",
     "container=app&stderr=true&stdout=true", EXEC_WS),
    ("portforward-ws-pending", "port-forward, SPDY tunnelled in WebSocket, Pending pod",
     "admin", "GET", f"{PODS}/{POD}/portforward", "", PF_WS),
    ("portforward-spdy-pending", "port-forward, SPDY fallback, Pending pod", "admin", "POST",
     f"{PODS}/{POD}/portforward", "", PF_SPDY),
    ("portforward-ws-v4-pending", "port-forward, WebSocket channel protocol, Pending pod",
     "admin", "GET", f"{PODS}/{POD}/portforward", "ports=80",
     websocket_headers("v4.channel.k8s.io")),
    ("portforward-ws-missing-pod", "port-forward, no such pod", "admin", "GET",
     f"{PODS}/nope/portforward", "", PF_WS),
    ("portforward-ws-forbidden", "port-forward as alice", "alice", "GET",
     f"{PODS}/{POD}/portforward", "", PF_WS),
]  # fmt: skip

KEEP_HEADERS = ("content-type", "connection", "upgrade", "sec-websocket-protocol")

# kubectl against the same server: (context, args); stdin is empty. The Role `pod-reader`
# lets alice get pods (so kubectl reaches the upgrade) but not pods/exec or pods/attach.
KUBECTL_RUNS: list[tuple[str, list[str]]] = [
    ("admin-cert", ["exec", POD, "-c", "app", "--", "ls"]),
    ("admin-cert", ["exec", POD_ONE, "--", "ls"]),
    ("admin-cert", ["exec", "nope", "--", "ls"]),
    ("admin-cert", ["exec", POD, "-c", "nope", "--", "ls"]),
    ("admin-cert", ["attach", POD_ONE]),
    ("admin-cert", ["port-forward", POD_ONE, "18080:80"]),
    ("admin-cert", ["port-forward", "pod/nope", "18080:80"]),
    ("admin-cert", ["cp", f"{POD_ONE}:/etc/hosts", "hosts-copy"]),
    ("alice-token", ["exec", POD_ONE, "--", "ls"]),
    ("alice-token", ["exec", "-i", POD_ONE, "--", "cat"]),
    ("alice-token", ["attach", POD_ONE]),
    ("alice-token", ["cp", f"{POD_ONE}:/etc/hosts", "hosts-copy"]),
]
KUBECTL_OUT = ROOT / "fixtures" / "kubectl-traces" / "stream-errors.json"


def load_kubeconfig(path: str) -> tuple[str, bytes, dict[str, str]]:
    import yaml

    doc = yaml.safe_load(Path(path).read_text())
    cluster = doc["clusters"][0]["cluster"]
    tokens = {}
    for user in doc["users"]:
        if "token" in user["user"]:
            tokens[user["name"].split("-")[0]] = user["user"]["token"]
    return cluster["server"], base64.b64decode(cluster["certificate-authority-data"]), tokens


def send(
    server: str, ca: bytes, token: str, method: str, target: str, headers: dict[str, Any]
) -> tuple[int, dict[str, str], bytes]:
    url = urlsplit(server)
    ctx = ssl.create_default_context()
    with tempfile.NamedTemporaryFile("wb", suffix=".pem", delete=False) as fh:
        fh.write(ca)  # the CA certificate only (public)
    try:
        ctx.load_verify_locations(fh.name)
    finally:
        os.unlink(fh.name)
    ctx.set_alpn_protocols(["http/1.1"])
    lines = [f"{method} {target} HTTP/1.1", f"Host: {url.netloc}"]
    lines.append("User-Agent: kubectl/v1.37.1 (linux/amd64) kubernetes/f78e722")
    lines.append(f"Authorization: Bearer {token}")
    for name, value in headers.items():
        for v in value if isinstance(value, list) else [value]:
            lines.append(f"{name}: {v}")
    if method == "POST":
        lines.append("Content-Length: 0")
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode()
    sock = socket.create_connection((url.hostname or "", url.port or 443), timeout=10)
    with sock, ctx.wrap_socket(sock, server_hostname=url.hostname) as tls:
        tls.sendall(raw)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = tls.recv(65536)
            if not chunk:
                break
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split()[1])
        resp_headers: dict[str, str] = {}
        for line in header_lines:
            k, _, v = line.partition(":")
            resp_headers[k.strip().lower()] = v.strip()
        length = int(resp_headers.get("content-length", "-1"))
        while length >= 0 and len(body) < length:
            chunk = tls.recv(65536)
            if not chunk:
                break
            body += chunk
        return status, resp_headers, body


MANIFEST = f"""
apiVersion: v1
kind: Namespace
metadata: {{name: {NAMESPACE}}}
---
apiVersion: v1
kind: Pod
metadata: {{name: {POD}, namespace: {NAMESPACE}}}
spec:
  containers:
  - {{name: app, image: busybox, command: [sleep, "3600"]}}
  - {{name: side, image: busybox}}
---
apiVersion: v1
kind: Pod
metadata: {{name: {POD_ONE}, namespace: {NAMESPACE}}}
spec:
  containers:
  - {{name: app, image: busybox, command: [sleep, "3600"]}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {{name: pod-reader, namespace: {NAMESPACE}}}
rules:
- {{apiGroups: [""], resources: [pods], verbs: [get, list]}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {{name: alice-pod-reader, namespace: {NAMESPACE}}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-reader}}
subjects:
- {{apiGroup: rbac.authorization.k8s.io, kind: User, name: alice}}
"""


def kubectl_run(kubectl: str, kubeconfig: str, *args: str, stdin: str | None = None) -> None:
    import subprocess

    subprocess.run(
        [kubectl, "--kubeconfig", kubeconfig, "--context", "admin-cert", *args],
        input=stdin, text=True, check=True, timeout=60, capture_output=True,
    )  # fmt: skip


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--kubeconfig", default=os.path.expanduser("~/realkube/kubeconfig"))
    p.add_argument("--out", default=str(OUT))
    p.add_argument("--kubectl", default=str(ROOT / ".venv" / "bin" / "kubectl"))
    args = p.parse_args()
    server, ca, tokens = load_kubeconfig(args.kubeconfig)
    kubectl_run(args.kubectl, args.kubeconfig, "apply", "-f", "-", stdin=MANIFEST)
    try:
        record(args, server, ca, tokens)
    finally:
        kubectl_run(args.kubectl, args.kubeconfig, "delete", "namespace", NAMESPACE, "--wait=false")


def record(args: argparse.Namespace, server: str, ca: bytes, tokens: dict[str, str]) -> None:
    exchanges = []
    for name, note, user, method, path, query, headers in REQUESTS:
        target = f"{path}?{query}" if query else path
        status, resp_headers, body = send(server, ca, tokens[user], method, target, headers)
        kept = {k: v for k, v in resp_headers.items() if k in KEEP_HEADERS}
        exchanges.append(
            Exchange(
                name=name,
                note=f"{note} (user {user}) -> {status}",
                request=RecordedRequest(method, path, query, dict(headers), None),
                response=RecordedResponse(status, kept, encode_body(body)),
            )
        )
        print(f"{status} {name}: {body[:160]!r}")
    save_fixture(args.out, exchanges)
    print(f"wrote {args.out}", json.dumps(len(exchanges)))
    record_kubectl(args.kubectl, args.kubeconfig)


def record_kubectl(kubectl: str, kubeconfig: str) -> None:
    import subprocess

    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for context, argv in KUBECTL_RUNS:
            cmd = [kubectl, "--kubeconfig", kubeconfig, "--context", context, "-n", NAMESPACE]
            done = subprocess.run(
                cmd + argv,
                capture_output=True,
                text=True,
                timeout=30,
                cwd=tmp,
                stdin=subprocess.DEVNULL,
            )
            user = "alice" if context.startswith("alice") else "admin"
            runs.append(
                {
                    "user": user,
                    "args": argv,
                    "stdout": done.stdout,
                    "stderr": done.stderr,
                    "rc": done.returncode,
                }
            )
            print(user, argv, done.returncode, done.stderr.strip().splitlines()[-1:])
    version = subprocess.run(
        [kubectl, "version", "--client", "-o", "json"], capture_output=True, text=True
    )
    doc = {
        "kubectl": json.loads(version.stdout)["clientVersion"]["gitVersion"],
        "namespace": NAMESPACE,
        "runs": runs,
    }
    KUBECTL_OUT.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {KUBECTL_OUT}")


if __name__ == "__main__":
    main()
