"""The RBAC policy kube-apiserver creates at start, recorded from the real 1.36 server.

kube-apiserver's post-start hook ``rbac/bootstrap-roles`` (plugin/pkg/auth/authorizer/rbac/
bootstrappolicy/policy.go, controller_policy.go, namespace_policy.go; reconciled by
pkg/registry/rbac/rest/storage_rbac.go) creates 69 ClusterRoles, 50 ClusterRoleBindings and the
Roles/RoleBindings of kube-system and kube-public, all labelled
``kubernetes.io/bootstrapping=rbac-defaults``. They are data here
(``data/bootstrap-rbac.json.gz``, written by scripts/record_bootstrap_rbac.py from the real
server, including the rules kube-controller-manager's aggregation controller put into admin,
edit and view); `ensure_bootstrap_policy` creates whichever of them are missing, as the hook does.
"""

from __future__ import annotations

import copy
import functools
import gzip
import json
import os
from typing import Any

from rawkube.testing.server.errors import ResourceKey, now_rfc3339
from rawkube.testing.server.store import Store

RBAC = "rbac.authorization.k8s.io"
DATA = os.path.join(os.path.dirname(__file__), "data", "bootstrap-rbac.json.gz")
# Creation order of the hook: roles before the bindings that refer to them.
KINDS = (
    ("clusterroles", "ClusterRole"),
    ("clusterrolebindings", "ClusterRoleBinding"),
    ("roles", "Role"),
    ("rolebindings", "RoleBinding"),
)


@functools.lru_cache(maxsize=1)
def _load() -> dict[str, list[dict[str, Any]]]:
    with open(DATA, "rb") as fh:
        data: dict[str, list[dict[str, Any]]] = json.loads(gzip.decompress(fh.read()))
    return data


def bootstrap_objects() -> list[tuple[ResourceKey, dict[str, Any]]]:
    """Every bootstrap RBAC object (a fresh copy), in creation order, with kind/apiVersion."""
    data = _load()
    out: list[tuple[ResourceKey, dict[str, Any]]] = []
    for resource, kind in KINDS:
        for item in data[resource]:
            obj = {"kind": kind, "apiVersion": f"{RBAC}/v1", **copy.deepcopy(item)}
            out.append((ResourceKey(RBAC, resource), obj))
    return out


def ensure_bootstrap_policy(store: Store) -> int:
    """Create the bootstrap objects the store lacks; returns how many were created."""
    created = 0
    now = now_rfc3339()
    for key, obj in bootstrap_objects():
        meta = obj["metadata"]
        if store.get(key, meta.get("namespace", ""), meta["name"]) is not None:
            continue
        for entry in meta.get("managedFields") or []:
            entry["time"] = now
        store.create(key, obj)
        created += 1
    return created
