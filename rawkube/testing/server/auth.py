"""Who is asking (authentication's result) and may they (authorization), like kube-apiserver.

Authentication (app.py asks `authenticate_header` and the token/certificate authenticators)
ends in a `UserInfo`; a request without credentials is the anonymous user ``system:anonymous``
in group ``system:unauthenticated`` (k8s.io/apiserver/pkg/authentication/request/anonymous),
as kube-apiserver's default ``--anonymous-auth=true``.

Authorization is the union kube-apiserver builds (pkg/kubeapiserver/authorizer/reload.go):
* the ``system:masters`` group may do anything (authorizerfactory.NewPrivilegedGroups);
* otherwise RBAC decides (rbac.py: plugin/pkg/auth/authorizer/rbac), over the Roles,
  ClusterRoles and bindings in the store, which start as the real server's bootstrap policy
  (bootstrap.py): system:discovery, system:public-info-viewer, system:basic-user, ...
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote

from rawkube.testing.server import rbac
from rawkube.testing.server.errors import APIError, ResourceKey


class Store(Protocol):
    """What authorization reads from the registry store (registry.generic.GenericStore)."""

    def get(self, key: ResourceKey, namespace: str, name: str) -> dict[str, Any] | None: ...

    def list(
        self, key: ResourceKey, namespace: str | None = None, *, copy_objects: bool = True
    ) -> tuple[list[dict[str, Any]], int]: ...


RBAC = "rbac.authorization.k8s.io"
MASTERS = "system:masters"
AUTHENTICATED = "system:authenticated"
UNAUTHENTICATED = "system:unauthenticated"
ANONYMOUS = "system:anonymous"
# Resources any authenticated user may create about themselves (system:basic-user); answered
# by handlers.self_review (kept for the handlers' routing).
SELF_REVIEWS = {
    ("authentication.k8s.io", "selfsubjectreviews"),
    ("authorization.k8s.io", "selfsubjectaccessreviews"),
    ("authorization.k8s.io", "selfsubjectrulesreviews"),
}
CLUSTER_ROLES = ResourceKey(RBAC, "clusterroles")
CLUSTER_ROLE_BINDINGS = ResourceKey(RBAC, "clusterrolebindings")
ROLES = ResourceKey(RBAC, "roles")
ROLE_BINDINGS = ResourceKey(RBAC, "rolebindings")

Extra = tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class UserInfo:
    """An authenticated identity (user.Info): name, groups, uid and extra."""

    username: str
    groups: tuple[str, ...] = ()
    uid: str = ""
    extra: Extra = ()
    # True: `groups` are exactly the user's (a SubjectAccessReview's spec, an impersonated
    # user), nothing is added.
    literal: bool = False

    @classmethod
    def make(
        cls,
        username: str,
        groups: Iterable[str] = (),
        uid: str = "",
        extra: Mapping[str, Iterable[str]] | None = None,
        *,
        literal: bool = False,
    ) -> UserInfo:
        pairs = tuple((k, tuple(v)) for k, v in (extra or {}).items())
        return cls(username, tuple(groups), uid, pairs, literal)

    def all_groups(self) -> tuple[str, ...]:
        """The groups plus system:authenticated, which the authenticator adds to every user
        but the anonymous one (group/authenticated_group_adder.go)."""
        if self.literal or AUTHENTICATED in self.groups or UNAUTHENTICATED in self.groups:
            return self.groups
        return (*self.groups, AUTHENTICATED)

    def extra_dict(self) -> dict[str, list[str]]:
        return {k: list(v) for k, v in self.extra}

    def as_dict(self) -> dict[str, Any]:
        """The authentication.k8s.io/v1 UserInfo shape (recording 038)."""
        info: dict[str, Any] = {"username": self.username}
        if self.uid:
            info["uid"] = self.uid
        info["groups"] = list(self.all_groups())
        if self.extra:
            info["extra"] = self.extra_dict()
        return info


ANONYMOUS_USER = UserInfo(ANONYMOUS, (UNAUTHENTICATED,))


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, or None when the header
    presents no bearer token (then the other authenticators, finally the anonymous one, get
    the request): request/bearertoken/bearertoken.go. ``Bearer  x`` (two spaces) is an empty
    token, hence no token."""
    text = (authorization or "").strip()
    if not text:
        return None
    parts = text.split(" ", 2)
    if len(parts) < 2 or parts[0].lower() != "bearer" or not parts[1]:
        return None
    return parts[1]


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


_TRUE = {"1", "t", "T", "TRUE", "true", "True"}
_FALSE = {"0", "f", "F", "FALSE", "false", "False"}


def request_attributes(method: str, target: str) -> Attributes:
    """What a request asks to do, from its method and URL alone (the apiserver's
    RequestInfoFactory.NewRequestInfo, k8s.io/apiserver/pkg/endpoints/request/requestinfo.go):
    authorization happens before routing, so an unknown resource is still a resource."""
    raw_path, _, raw_query = target.partition("?")
    path = unquote(raw_path)
    verb = method.lower()
    parts = [p for p in path.strip("/").split("/")] if path.strip("/") else []
    non_resource = Attributes(verb=verb, path=path, resource_request=False)
    if len(parts) < 3 or parts[0] not in ("api", "apis"):
        return non_resource
    group = ""
    rest = parts[1:]
    if parts[0] == "apis":
        if len(rest) < 3:
            return non_resource
        group, rest = rest[0], rest[1:]
    rest = rest[1:]  # the version
    if rest[0] in ("watch", "proxy"):
        verb, rest = rest[0], rest[1:]
        if not rest:
            return Attributes(verb=verb, group=group, path=path)
    else:
        verb = {
            "POST": "create",
            "GET": "get",
            "HEAD": "get",
            "PUT": "update",
            "PATCH": "patch",
            "DELETE": "delete",
        }.get(method.upper(), "")
    namespace = ""
    if rest[0] == "namespaces" and len(rest) > 1:
        namespace = rest[1]
        if len(rest) > 2 and rest[2] not in ("status", "finalize"):
            rest = rest[2:]
    resource = rest[0]
    name = rest[1] if len(rest) >= 2 else ""
    subresource = rest[2] if len(rest) >= 3 and verb != "proxy" else ""
    if not name and verb == "get":
        query = parse_qs(raw_query, keep_blank_values=True)
        watch = (query.get("watch") or [""])[0]
        verb = "watch" if watch in _TRUE or (watch and watch not in _FALSE) else "list"
        name = _exact_name((query.get("fieldSelector") or [""])[0])
    if not name and verb == "delete":
        verb = "deletecollection"
    return Attributes(
        verb=verb,
        group=group,
        resource=resource,
        subresource=subresource,
        namespace=namespace,
        name=name,
        path=path,
    )


def _exact_name(selector: str) -> str:
    """fields.Selector.RequiresExactMatch("metadata.name"), if the name is a path segment."""
    for term in selector.split(","):
        key, op, value = term.partition("==") if "==" in term else term.partition("=")
        if op and key.strip() == "metadata.name" and not key.endswith("!"):
            value = value.strip()
            if value not in (".", "..") and "/" not in value and "%" not in value:
                return value
    return ""


class StorePolicy:
    """rbac.PolicySource over the server's store (the authorizer's informer listers)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def cluster_role_bindings(self) -> Iterable[dict[str, Any]]:
        return self.store.list(CLUSTER_ROLE_BINDINGS, copy_objects=False)[0]

    def role_bindings(self, namespace: str) -> Iterable[dict[str, Any]]:
        return self.store.list(ROLE_BINDINGS, namespace, copy_objects=False)[0]

    def cluster_role(self, name: str) -> dict[str, Any] | None:
        return self.store.get(CLUSTER_ROLES, "", name)

    def role(self, namespace: str, name: str) -> dict[str, Any] | None:
        return self.store.get(ROLES, namespace, name)


class Authorizer:
    """Decides requests as kube-apiserver's default chain does: system:masters, then RBAC."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.policy = StorePolicy(store)

    def authorize(self, user: UserInfo, attrs: Attributes) -> tuple[bool, str]:
        """(allowed, reason): the union authorizer's decision and reason."""
        if MASTERS in user.all_groups():
            return True, ""
        return rbac.authorize(self.policy, user, attrs, attrs.namespace)

    def allowed(self, user: UserInfo, attrs: Attributes) -> bool:
        return self.authorize(user, attrs)[0]


_SANITIZE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def forbidden_message(user: UserInfo, attrs: Attributes) -> str:
    """responsewriters.forbiddenMessage (HTML-sanitised as ForbiddenStatusError does)."""
    q = rbac.go_quote
    if not attrs.resource_request:
        text = f"User {q(user.username)} cannot {attrs.verb} path {q(attrs.path)}"
    elif attrs.namespace:
        text = (
            f"User {q(user.username)} cannot {attrs.verb} resource {q(attrs.resource_and_sub)} "
            f"in API group {q(attrs.group)} in the namespace {q(attrs.namespace)}"
        )
    else:
        text = (
            f"User {q(user.username)} cannot {attrs.verb} resource {q(attrs.resource_and_sub)} "
            f"in API group {q(attrs.group)} at the cluster scope"
        )
    return text.translate(_SANITIZE)


def forbidden_error(group: str, resource: str, name: str, message: str) -> APIError:
    """errors.NewForbidden(GroupResource, name, err)."""
    if not resource and not group:
        return APIError(403, "Forbidden", f"forbidden: {message}", {})
    qualified = f"{resource}.{group}" if group else resource
    subject = f"{qualified} {rbac.go_quote(name)}" if name else qualified
    details: dict[str, Any] = {}
    if name:
        details["name"] = name
    if group:
        details["group"] = group
    if resource:
        details["kind"] = resource
    return APIError(403, "Forbidden", f"{subject} is forbidden: {message}", details)


def forbidden(user: UserInfo, attrs: Attributes, reason: str = "") -> APIError:
    """responsewriters.ForbiddenStatusError: 403 for a request the authorizer refused."""
    message = forbidden_message(user, attrs)
    if reason:
        message = f"{message}: {reason}"
    if not attrs.resource_request:
        return forbidden_error("", "", "", message)
    return forbidden_error(attrs.group, attrs.resource, attrs.name, message)
