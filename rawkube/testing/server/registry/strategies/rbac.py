"""Strategies of rbac.authorization.k8s.io/v1: pkg/registry/rbac/<kind>/strategy.go, and the
policy-based storages that wrap them (pkg/registry/rbac/<kind>/policybased/storage.go: the
escalation and bind checks of rbac_storage.py)."""

from __future__ import annotations

from typing import Any

from rawkube.testing.server import rbac_storage
from rawkube.testing.server.errors import Obj
from rawkube.testing.server.registry.context import RequestContext
from rawkube.testing.server.registry.strategy import Strategy


class _PolicyBased(Strategy):
    """Refuses writes that would grant permissions the writer does not hold."""

    def authorize_create(self, store: Any, ctx: RequestContext, obj: Obj) -> None:
        rbac_storage.check_write(
            store, ctx.user, ctx.info.group, ctx.info.resource, ctx.namespace, "", obj, None
        )

    def authorize_update(self, store: Any, ctx: RequestContext, obj: Obj, old: Obj) -> None:
        rbac_storage.check_write(
            store, ctx.user, ctx.info.group, ctx.info.resource, ctx.namespace, ctx.name, obj, old
        )


class RoleStrategy(_PolicyBased):
    """pkg/registry/rbac/role/strategy.go (Role and ClusterRole)."""

    def canonicalize(self, obj: Obj) -> None:
        # PolicyRule lists have no omitempty (k8s.io/api/rbac/v1 types.go: `json:"rules"`): a
        # role without rules is served with "rules": null, an empty list too (etcd stores
        # protobuf, which does not tell an empty list from none).
        if not obj.get("rules"):
            obj["rules"] = None


class BindingStrategy(_PolicyBased):
    """pkg/registry/rbac/rolebinding/strategy.go (RoleBinding and ClusterRoleBinding)."""


STRATEGIES: dict[str, Strategy] = {
    "roles": RoleStrategy(),
    "clusterroles": RoleStrategy(),
    "rolebindings": BindingStrategy(),
    "clusterrolebindings": BindingStrategy(),
}
