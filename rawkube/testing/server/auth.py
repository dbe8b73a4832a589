"""Who is asking (authentication's result) and may they (authorization), like kube-apiserver.

Authorization is the union kube-apiserver configures by default:
* the ``system:masters`` group may do anything (it bypasses RBAC in a real server too);
* every authenticated user may read discovery, /version, /openapi and the health endpoints
  (ClusterRoles system:discovery, system:public-info-viewer) and ask about themselves with
  SelfSubjectReview / SelfSubjectAccessReview / SelfSubjectRulesReview (system:basic-user);
* anything else needs an RBAC rule: Roles, ClusterRoles and their bindings, read from the store
  on each request (plugin/pkg/auth/authorizer/rbac/rbac.go, simplified: no aggregation, no
  escalation checks).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rawkube.testing.server.errors import APIError, ResourceKey

if TYPE_CHECKING:  # pragma: no cover
    from rawkube.testing.server.registry.generic import GenericStore as Store

RBAC = "rbac.authorization.k8s.io"
MASTERS = "system:masters"
AUTHENTICATED = "system:authenticated"
# Paths any authenticated user may GET (system:discovery, system:public-info-viewer).
PUBLIC_PATHS = ("/api", "/apis", "/version", "/openapi", "/healthz", "/livez", "/readyz")
# Resources any authenticated user may create about themselves (system:basic-user).
SELF_REVIEWS = {
    ("authentication.k8s.io", "selfsubjectreviews"),
    ("authorization.k8s.io", "selfsubjectaccessreviews"),
    ("authorization.k8s.io", "selfsubjectrulesreviews"),
}


@dataclass(frozen=True)
class UserInfo:
    """An authenticated identity (user.Info): name, uid, groups."""

    username: str
    groups: tuple[str, ...] = ()
    uid: str = ""

    def all_groups(self) -> tuple[str, ...]:
        """The groups plus system:authenticated, which every authenticated user has."""
        return self.groups if AUTHENTICATED in self.groups else (*self.groups, AUTHENTICATED)

    def as_dict(self) -> dict[str, Any]:
        """The authentication.k8s.io/v1 UserInfo shape (recording 038)."""
        info: dict[str, Any] = {"username": self.username}
        if self.uid:
            info["uid"] = self.uid
        info["groups"] = list(self.all_groups())
        return info


@dataclass(frozen=True)
class Attributes:
    """What a request wants to do (authorizer.Attributes)."""

    verb: str
    group: str = ""
    resource: str = ""
    subresource: str = ""
    namespace: str = ""
    name: str = ""
    path: str = ""
    resource_request: bool = True

    @property
    def resource_and_sub(self) -> str:
        return f"{self.resource}/{self.subresource}" if self.subresource else self.resource


@dataclass
class Authorizer:
    """Decides requests with the default kube-apiserver rules and the store's RBAC objects."""

    store: Store
    _cache: dict[str, Any] = field(default_factory=dict)

    def allowed(self, user: UserInfo, attrs: Attributes) -> bool:
        if MASTERS in user.groups:
            return True
        if not attrs.resource_request:
            return attrs.verb == "get" and attrs.path.startswith(PUBLIC_PATHS)
        if (attrs.group, attrs.resource) in SELF_REVIEWS and attrs.verb == "create":
            return True
        return any(_rule_allows(rule, attrs) for rule in self._rules_for(user, attrs.namespace))

    def _rules_for(self, user: UserInfo, namespace: str) -> Iterator[dict[str, Any]]:
        bindings, _ = self.store.list(ResourceKey(RBAC, "clusterrolebindings"), copy_objects=False)
        for binding in bindings:
            if _binds(binding, user):
                yield from self._role_rules(binding.get("roleRef") or {}, "")
        if namespace:
            bindings, _ = self.store.list(
                ResourceKey(RBAC, "rolebindings"), namespace, copy_objects=False
            )
            for binding in bindings:
                if _binds(binding, user):
                    yield from self._role_rules(binding.get("roleRef") or {}, namespace)

    def _role_rules(self, ref: dict[str, Any], namespace: str) -> Iterator[dict[str, Any]]:
        kind = ref.get("kind")
        if kind == "ClusterRole":
            role = self.store.get(ResourceKey(RBAC, "clusterroles"), "", str(ref.get("name", "")))
        elif kind == "Role" and namespace:
            role = self.store.get(ResourceKey(RBAC, "roles"), namespace, str(ref.get("name", "")))
        else:
            role = None
        yield from (role or {}).get("rules") or []


def _binds(binding: dict[str, Any], user: UserInfo) -> bool:
    namespace = (binding.get("metadata") or {}).get("namespace", "")
    for subject in binding.get("subjects") or []:
        kind, name = subject.get("kind"), subject.get("name")
        if kind == "User" and name == user.username:
            return True
        if kind == "Group" and name in user.all_groups():
            return True
        if kind == "ServiceAccount":
            sa_namespace = subject.get("namespace") or namespace
            if user.username == f"system:serviceaccount:{sa_namespace}:{name}":
                return True
    return False


def _matches(values: list[str] | None, wanted: str) -> bool:
    return bool(values) and ("*" in values or wanted in values)  # type: ignore[operator]


def _rule_allows(rule: dict[str, Any], attrs: Attributes) -> bool:
    """rbac.RuleAllows: verbs, apiGroups, resources (with subresource) and resourceNames."""
    if not _matches(rule.get("verbs"), attrs.verb):
        return False
    if not _matches(rule.get("apiGroups"), attrs.group):
        return False
    resources = rule.get("resources") or []
    wanted = attrs.resource_and_sub
    if not ("*" in resources or wanted in resources or f"*/{attrs.subresource}" in resources):
        return False
    names = rule.get("resourceNames") or []
    return not names or attrs.name in names


def forbidden(user: UserInfo, attrs: Attributes) -> APIError:
    """403 with the apiserver's message (recording 037, responsewriters.forbiddenMessage)."""
    qualified = f"{attrs.resource}.{attrs.group}" if attrs.group else attrs.resource
    subject = f'{qualified} "{attrs.name}"' if attrs.name else qualified
    scope = f'in the namespace "{attrs.namespace}"' if attrs.namespace else "at the cluster scope"
    message = (
        f'{subject} is forbidden: User "{user.username}" cannot {attrs.verb} resource '
        f'"{attrs.resource_and_sub}" in API group "{attrs.group}" {scope}'
    )
    details: dict[str, Any] = {}
    if attrs.name:
        details["name"] = attrs.name
    if attrs.group:
        details["group"] = attrs.group
    details["kind"] = attrs.resource
    return APIError(403, "Forbidden", message, details)


def forbidden_path(user: UserInfo, attrs: Attributes) -> APIError:
    return APIError(
        403,
        "Forbidden",
        f'forbidden: User "{user.username}" cannot {attrs.verb} path "{attrs.path}"',
        {},
    )
