"""A kubectl session about authentication and authorization, run against the real
kube-apiserver (scripts/record_kubectl_auth.py records fixtures/auth/kubectl-auth.json) and
against a LocalAPIServer (tests/testing/server/test_kubectl_auth.py compares the two).

The kubeconfig has the contexts realkube's has: ``admin-token`` (user admin, uid
realkube-admin, system:masters) and ``alice-token`` (user alice, uid realkube-alice).
``{token}`` in a command is the token the previous ``create token`` printed.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from typing import Any

NAMESPACE = "h11a-kubectl-auth"

# (label, argv); argv[0] is the context ("admin-token" | "alice-token").
COMMANDS: list[tuple[str, list[str]]] = [
    ("create-namespace", ["admin-token", "create", "namespace", NAMESPACE]),
    ("alice-can-i-list-pods", ["alice-token", "auth", "can-i", "list", "pods", "-n", NAMESPACE]),
    ("alice-can-i-list", ["alice-token", "auth", "can-i", "--list", "-n", NAMESPACE]),
    ("admin-whoami", ["admin-token", "auth", "whoami"]),
    ("alice-whoami-yaml", ["alice-token", "auth", "whoami", "-o", "yaml"]),
    (
        "as-alice-can-i-create-deployments",
        ["admin-token", "auth", "can-i", "create", "deployments", "--as", "alice", "-n", NAMESPACE],
    ),
    (
        "as-alice-can-i-get-healthz",
        ["admin-token", "auth", "can-i", "get", "/healthz", "--as", "alice"],
    ),
    (
        "as-alice-can-i-get-metrics",
        ["admin-token", "auth", "can-i", "get", "/metrics", "--as", "alice"],
    ),
    (
        "bind-alice-view",
        [
            "admin-token",
            "create",
            "rolebinding",
            "alice-view",
            "--clusterrole=view",
            "--user=alice",
            "-n",
            NAMESPACE,
        ],
    ),
    (
        "as-alice-can-i-list-pods",
        ["admin-token", "auth", "can-i", "list", "pods", "--as", "alice", "-n", NAMESPACE],
    ),
    (
        "as-alice-can-i-create-pods",
        ["admin-token", "auth", "can-i", "create", "pods", "--as", "alice", "-n", NAMESPACE],
    ),
    (
        "as-alice-can-i-list",
        ["admin-token", "auth", "can-i", "--list", "--as", "alice", "-n", NAMESPACE],
    ),
    ("alice-get-pods", ["alice-token", "get", "pods", "-n", NAMESPACE]),
    ("alice-get-secrets", ["alice-token", "get", "secrets", "-n", NAMESPACE]),
    (
        "create-role-binder",
        [
            "admin-token",
            "create",
            "role",
            "binder",
            "--verb=create",
            "--resource=rolebindings.rbac.authorization.k8s.io",
            "-n",
            NAMESPACE,
        ],
    ),
    (
        "bind-alice-binder",
        [
            "admin-token",
            "create",
            "rolebinding",
            "alice-binder",
            "--role=binder",
            "--user=alice",
            "-n",
            NAMESPACE,
        ],
    ),
    (
        "alice-binds-edit",
        [
            "alice-token",
            "create",
            "rolebinding",
            "alice-edit",
            "--clusterrole=edit",
            "--user=alice",
            "-n",
            NAMESPACE,
        ],
    ),
    (
        "as-group-can-i",
        [
            "admin-token",
            "auth",
            "can-i",
            "delete",
            "nodes",
            "--as",
            "bob",
            "--as-group",
            "system:masters",
        ],
    ),
    (
        "create-serviceaccount",
        ["admin-token", "create", "serviceaccount", "robot", "-n", NAMESPACE],
    ),
    ("create-token", ["admin-token", "create", "token", "robot", "-n", NAMESPACE]),
    ("token-whoami", ["admin-token", "--token", "{token}", "auth", "whoami"]),
    ("token-get-pods", ["admin-token", "--token", "{token}", "get", "pods", "-n", NAMESPACE]),
    (
        "as-serviceaccount-can-i",
        [
            "admin-token",
            "auth",
            "can-i",
            "list",
            "secrets",
            "--as",
            f"system:serviceaccount:{NAMESPACE}:robot",
            "-n",
            NAMESPACE,
        ],
    ),
    ("delete-namespace", ["admin-token", "delete", "namespace", NAMESPACE, "--wait=false"]),
]

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


def normalise(text: str) -> str:
    """Mask what differs between any two servers: uids, times, the token itself."""
    return _TIME.sub("<time>", _UUID.sub("<uid>", _JWT.sub("<token>", text)))


def run_session(
    run: Callable[[list[str]], subprocess.CompletedProcess[str]],
) -> list[dict[str, Any]]:
    """Run COMMANDS through `run(argv)` (argv without 'kubectl'); one result per command."""
    token = ""
    results = []
    for label, argv in COMMANDS:
        context, *rest = argv
        args = ["--context", context, *[a.replace("{token}", token) for a in rest]]
        proc = run(args)
        if label == "create-token":
            token = proc.stdout.strip()
        results.append(
            {
                "label": label,
                "args": argv,
                "returncode": proc.returncode,
                "stdout": normalise(proc.stdout),
                "stderr": normalise(proc.stderr),
            }
        )
    return results
