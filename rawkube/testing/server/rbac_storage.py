"""The policy-based storage of the RBAC resources: writes that would escalate are refused.

kube-apiserver wraps the Role, ClusterRole, RoleBinding and ClusterRoleBinding registries
(pkg/registry/rbac/{role,clusterrole,rolebinding,clusterrolebinding}/policybased/storage.go):
unless the writer is in ``system:masters`` (escalation_check.go EscalationAllowed),

* a Role/ClusterRole may only hold rules the writer holds, unless the writer may ``escalate``
  that resource (RoleEscalationAuthorized); an ``aggregationRule`` needs ``*`` on everything;
* a RoleBinding/ClusterRoleBinding may only bind a role whose rules the writer holds in the
  binding's namespace (cluster-wide for a ClusterRoleBinding), unless the writer may ``bind``
  that role (BindingAuthorized); a missing role is a 404.

This runs before validation, as the policy-based storage wraps the standard one.
`check_write` is the single entry point (create, update, patch and apply of these resources).
"""

from __future__ import annotations

from typing import Any

from rawkube.testing.server import rbac
from rawkube.testing.server.auth import (
    MASTERS,
    Attributes,
    Authorizer,
    UserInfo,
    forbidden_error,
)
from rawkube.testing.server.errors import APIError

Obj = dict[str, Any]
RBAC = rbac.RBAC_GROUP
ROLE_RESOURCES = ("roles", "clusterroles")
BINDING_RESOURCES = ("rolebindings", "clusterrolebindings")
# Metadata an update may change without an escalation check (helpers.go IsOnlyMutatingGCFields
# stomps ownerReferences, finalizers, selfLink and managedFields; the rest is server-owned).
_GC_META = {
    "ownerReferences",
    "finalizers",
    "selfLink",
    "managedFields",
    "resourceVersion",
    "uid",
    "creationTimestamp",
    "generation",
}


def check_write(
    store: Any,
    user: UserInfo | None,
    group: str,
    resource: str,
    namespace: str,
    name: str,
    obj: Obj,
    old: Obj | None,
) -> None:
    """Raise the real server's 403 (or 404) when `user` may not write `obj` this way.

    `name` is the name in the URL (empty for a create), `old` the stored object on update."""
    if group != RBAC or resource not in ROLE_RESOURCES + BINDING_RESOURCES:
        return
    if user is None or MASTERS in user.all_groups():
        return
    if old is not None and _only_gc_fields(obj, old):
        return
    authorizer = Authorizer(store)
    obj_name = str((obj.get("metadata") or {}).get("name") or "")
    if resource in ROLE_RESOURCES:
        escalate = Attributes(
            verb="escalate", group=RBAC, resource=resource, namespace=namespace, name=name
        )
        if authorizer.allowed(user, escalate):
            return
        rules = [r for r in obj.get("rules") or [] if isinstance(r, dict)]
        message = rbac.escalation_message(authorizer.policy, user, namespace, rules, resource)
        if message:
            raise forbidden_error(RBAC, resource, obj_name, message)
        aggregating = _aggregates(obj) or (old is not None and _aggregates(old))
        if (
            resource == "clusterroles"
            and aggregating
            and rbac.escalation_message(
                authorizer.policy, user, namespace, rbac.FULL_AUTHORITY, resource
            )
        ):
            raise forbidden_error(
                RBAC,
                resource,
                obj_name,
                "must have cluster-admin privileges to use the aggregationRule",
            )
        return
    ref = obj.get("roleRef")
    if not isinstance(ref, dict) or ref.get("kind") not in ("Role", "ClusterRole"):
        return  # validation answers
    ref_name = str(ref.get("name") or "")
    bind = Attributes(
        verb="bind",
        group=str(ref.get("apiGroup") or ""),
        resource="roles" if ref["kind"] == "Role" else "clusterroles",
        namespace=namespace,
        name=ref_name,
    )
    if authorizer.allowed(user, bind):
        return
    try:
        rules = rbac.role_reference_rules(authorizer.policy, ref, namespace)
    except rbac.RoleNotFound as err:
        raise APIError(
            404,
            "NotFound",
            err.registry_message(resource),
            {"name": ref_name, "group": RBAC, "kind": resource},
        ) from None
    message = rbac.escalation_message(authorizer.policy, user, namespace, rules, resource)
    if message:
        raise forbidden_error(RBAC, resource, obj_name, message)


def _aggregates(role: Obj) -> bool:
    rule = role.get("aggregationRule")
    return isinstance(rule, dict) and bool(rule.get("clusterRoleSelectors"))


def _only_gc_fields(obj: Obj, old: Obj) -> bool:
    def strip(o: Obj) -> Obj:
        meta = {k: v for k, v in (o.get("metadata") or {}).items() if k not in _GC_META}
        return {**{k: v for k, v in o.items() if k != "metadata"}, "metadata": meta}

    return strip(obj) == strip(old)
