"""Impersonation: ``Impersonate-User``, ``-Group``, ``-Uid`` and ``Impersonate-Extra-*`` headers.

kube-apiserver 1.36 serves them with *constrained impersonation* (KEP-5284, beta and on by
default: k8s.io/apiserver/pkg/endpoints/filters/impersonation/{constrained_impersonation,mode}.go),
which tries five modes in order and takes the first that allows the request:

* ``associated-node``: a ServiceAccount impersonating the node its token is bound to;
* ``arbitrary-node``: ``system:node:<name>`` (username only);
* ``serviceaccount``: ``system:serviceaccount:<ns>:<name>`` (username only);
* ``user-info``: any other user, with groups, uid and extra;
* ``legacy``: the original impersonation (verb ``impersonate`` on users/groups/
  serviceaccounts in the core group, uids and userextras in authentication.k8s.io).

A constrained mode first needs ``impersonate-on:<mode>:<verb>`` on what the request itself
does, then ``impersonate:<mode>`` on the impersonated identity (users, nodes, serviceaccounts,
groups, uids, userextras in authentication.k8s.io). When every mode fails the error of the
first mode that applied is returned; the mode that last succeeded for a requestor is tried
first (modeIndexCache), which decides whose error that is.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from urllib.parse import unquote

from rawkube.testing.server import rbac
from rawkube.testing.server.auth import (
    ANONYMOUS,
    AUTHENTICATED,
    MASTERS,
    UNAUTHENTICATED,
    Attributes,
    UserInfo,
    forbidden,
)
from rawkube.testing.server.errors import APIError

AUTHN_GROUP = "authentication.k8s.io"
EXTRA_PREFIX = "impersonate-extra-"
NODE_PREFIX = "system:node:"
NODES_GROUP = "system:nodes"
NODE_NAME_EXTRA = "authentication.kubernetes.io/node-name"
MODES = ("associated-node", "arbitrary-node", "serviceaccount", "user-info", "legacy")
# How many checks make a constrained mode try one wildcard check first.
MANY_CHECKS = 4
_DNS_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS_SUBDOMAIN = re.compile(rf"^{_DNS_LABEL}(\.{_DNS_LABEL})*$")

Authorize = Callable[[UserInfo, Attributes], tuple[bool, str]]


@dataclass
class Wanted:
    """The identity the headers ask for (processImpersonationHeaders), before any defaulting."""

    name: str = ""
    uid: str = ""
    groups: list[str] = field(default_factory=list)
    extra: dict[str, list[str]] = field(default_factory=dict)

    def only_username(self) -> bool:
        return not self.uid and not self.groups and not self.extra


def wanted_from_headers(headers: Sequence[tuple[str, str]]) -> Wanted | None:
    """The impersonation asked for, None if none; 400 for groups/uid/extra without a user."""
    wanted = Wanted()
    has_user = has_other = False
    for raw_name, value in headers:
        name = raw_name.lower()
        if name == "impersonate-user":
            if not has_user:  # http.Header.Get: the first value
                wanted.name, has_user = value, bool(value)
        elif name == "impersonate-uid":
            if not wanted.uid:
                wanted.uid = value
            has_other = has_other or bool(value)
        elif name == "impersonate-group":
            wanted.groups.append(value)
            has_other = True
        elif name.startswith(EXTRA_PREFIX):
            key = _unescape(name[len(EXTRA_PREFIX) :])
            wanted.extra.setdefault(key, []).append(value)
            has_other = True
    if not has_user and has_other:
        raise APIError(
            400,
            "BadRequest",
            f"requested {_go_default_info(wanted)} without impersonating a user name",
        )
    return wanted if has_user else None


def _unescape(key: str) -> str:
    try:
        return unquote(key, errors="strict")
    except UnicodeDecodeError:
        return key


def _go_default_info(w: Wanted) -> str:
    """Go's %#v of a *user.DefaultInfo (the 400's message)."""
    q = rbac.go_quote
    groups = "[]string{" + ", ".join(q(g) for g in w.groups) + "}" if w.groups else "[]string(nil)"
    if w.extra:
        items = ", ".join(
            f"{q(k)}:[]string{{{', '.join(q(v) for v in vs)}}}" for k, vs in sorted(w.extra.items())
        )
        extra = "map[string][]string{" + items + "}"
    else:
        extra = "map[string][]string(nil)"
    return f"&user.DefaultInfo{{Name:{q(w.name)}, UID:{q(w.uid)}, Groups:{groups}, Extra:{extra}}}"


def node_name(username: str) -> str | None:
    if not username.startswith(NODE_PREFIX):
        return None
    name = username[len(NODE_PREFIX) :]
    if len(name) > 253 or not _DNS_SUBDOMAIN.match(name):
        return None
    return name


class Denied(Exception):
    """One mode's refusal: the 403 the filter answers if it is the first error."""

    def __init__(self, error: APIError) -> None:
        super().__init__(error.message)
        self.error = error


def _check(authorize: Authorize, user: UserInfo, attrs: Attributes, reason: str = "") -> None:
    """checkAuthorization: allowed, or the ForbiddenStatusError for these attributes."""
    if reason:
        raise Denied(forbidden(user, attrs, reason))
    allowed, why = authorize(user, attrs)
    if not allowed:
        raise Denied(forbidden(user, attrs, why))


class Impersonator:
    """The impersonation filter of one server (it keeps the per-requestor mode cache)."""

    def __init__(self, authorize: Authorize, cache_size: int = 10_000) -> None:
        self.authorize = authorize
        self.cache_size = cache_size
        self._last_mode: OrderedDict[str, int] = OrderedDict()

    def impersonate(self, requestor: UserInfo, wanted: Wanted, request: Attributes) -> UserInfo:
        """The impersonated user, or raise the 403 of the first mode that refused."""
        first: APIError | None = None
        cached = self._last_mode.get(requestor.username)
        order = list(range(len(MODES)))
        if cached is not None:
            order.remove(cached)
            order.insert(0, cached)
        for idx in order:
            try:
                user = self._mode(MODES[idx], requestor, wanted, request)
            except Denied as denied:
                first = first or denied.error
                continue
            if user is None:
                continue
            self._remember(requestor.username, idx)
            return user
        if first is not None:
            raise first
        raise APIError(403, "Forbidden", "all impersonation modes failed", {})

    def _remember(self, username: str, idx: int) -> None:
        self._last_mode[username] = idx
        self._last_mode.move_to_end(username)
        while len(self._last_mode) > self.cache_size:
            self._last_mode.popitem(last=False)

    # -- the modes (mode.go) -------------------------------------------------------------------

    def _mode(
        self, mode: str, requestor: UserInfo, wanted: Wanted, request: Attributes
    ) -> UserInfo | None:
        if mode == "legacy":
            return self._state("impersonate", False, requestor, wanted)
        if mode == "associated-node":
            name = node_name(wanted.name)
            extra = dict(requestor.extra)
            if not (
                wanted.only_username()
                and name is not None
                and rbac.split_service_account(requestor.username) is not None
                and list(extra.get(NODE_NAME_EXTRA, ())) == [name]
            ):
                return None
        elif mode == "arbitrary-node":
            if not (wanted.only_username() and node_name(wanted.name) is not None):
                return None
        elif mode == "serviceaccount":
            if not (wanted.only_username() and rbac.split_service_account(wanted.name) is not None):
                return None
        elif mode == "user-info":
            if node_name(wanted.name) is not None:
                return None
            if rbac.split_service_account(wanted.name) is not None:
                return None
        on = replace(request, verb=f"impersonate-on:{mode}:{request.verb}")
        _check(self.authorize, requestor, on)
        return self._state(f"impersonate:{mode}", True, requestor, wanted)

    def _state(self, verb: str, constrained: bool, requestor: UserInfo, wanted: Wanted) -> UserInfo:
        """impersonationModeState.check: username, uid, groups, extra; then the groups every
        user gets."""
        name_group = AUTHN_GROUP if constrained else ""
        groups = list(wanted.groups)
        attrs = Attributes(verb=verb, group=name_group, resource="users", name=wanted.name)
        node = node_name(wanted.name) if constrained else None
        sa = rbac.split_service_account(wanted.name)
        if node is not None:
            attrs = replace(attrs, resource="nodes", name=node)
            if verb == "impersonate:associated-node":
                attrs = replace(attrs, name="*")
            if wanted.groups:
                _check(
                    self.authorize,
                    requestor,
                    attrs,
                    "when impersonating a node, cannot impersonate groups "
                    + rbac.go_quote_list(wanted.groups),
                )
            groups = [NODES_GROUP]
        if sa is not None:
            attrs = replace(attrs, resource="serviceaccounts", namespace=sa[0], name=sa[1])
            if constrained and wanted.groups:
                _check(
                    self.authorize,
                    requestor,
                    attrs,
                    "when impersonating a service account, cannot impersonate groups "
                    + rbac.go_quote_list(wanted.groups),
                )
            if not wanted.groups:
                groups = ["system:serviceaccounts", f"system:serviceaccounts:{sa[0]}"]
        _check(self.authorize, requestor, attrs)
        if wanted.uid:
            uid_attrs = Attributes(verb=verb, group=AUTHN_GROUP, resource="uids", name=wanted.uid)
            _check(self.authorize, requestor, uid_attrs)
        if wanted.groups:
            self._check_groups(verb, constrained, name_group, requestor, wanted.groups)
        if wanted.extra:
            self._check_extra(verb, constrained, requestor, wanted.extra)
        if wanted.name == ANONYMOUS:
            if UNAUTHENTICATED not in groups:
                groups.append(UNAUTHENTICATED)
        elif UNAUTHENTICATED not in groups and AUTHENTICATED not in groups:
            groups.append(AUTHENTICATED)
        return UserInfo.make(wanted.name, groups, wanted.uid, wanted.extra, literal=True)

    def _check_groups(
        self, verb: str, constrained: bool, group: str, requestor: UserInfo, groups: list[str]
    ) -> None:
        attrs = Attributes(verb=verb, group=group, resource="groups")
        if constrained:
            if "" in groups:
                _check(
                    self.authorize,
                    requestor,
                    attrs,
                    "impersonating the empty string group is not allowed",
                )
            if MASTERS in groups:
                _check(
                    self.authorize,
                    requestor,
                    replace(attrs, name=MASTERS),
                    "impersonating the system:masters group is not allowed",
                )
            if (
                len(groups) >= MANY_CHECKS
                and self.authorize(requestor, replace(attrs, name="*"))[0]
            ):
                return
        for name in groups:
            _check(self.authorize, requestor, replace(attrs, name=name))

    def _check_extra(
        self, verb: str, constrained: bool, requestor: UserInfo, extra: dict[str, list[str]]
    ) -> None:
        attrs = Attributes(verb=verb, group=AUTHN_GROUP, resource="userextras")
        if constrained:
            problem = _extra_problem(extra)
            if problem:
                _check(self.authorize, requestor, attrs, problem)
            count = sum(len(v) for v in extra.values())
            if len(extra) >= MANY_CHECKS or count >= MANY_CHECKS:
                wildcard = replace(attrs, subresource="*", name="*")
                if self.authorize(requestor, wildcard)[0]:
                    return
        for key, values in extra.items():
            for value in values:
                _check(self.authorize, requestor, replace(attrs, subresource=key, name=value))


def _extra_problem(extra: dict[str, list[str]]) -> str:
    """validateExtra: the constrained modes' sanity checks on extra keys and values."""
    for key, values in extra.items():
        if not key:
            return "impersonating the empty string key in extra is not allowed"
        if not _domain_prefixed_path(key):
            return (
                "impersonating an invalid key in extra is not allowed: extra.key: Invalid value: "
                f'{rbac.go_quote(key)}: must be a domain-prefixed path (such as "acme.io/foo")'
            )
        if key != key.lower():
            return (
                f"impersonating a non-lowercase key in extra is not allowed: {rbac.go_quote(key)}"
            )
        if not values:
            return "impersonating empty values in extra is not allowed"
        if "" in values:
            return "impersonating the empty string value in extra is not allowed"
    return ""


def _domain_prefixed_path(key: str) -> bool:
    """utilvalidation.IsDomainPrefixedPath: ``<dns subdomain>/<path>``."""
    host, slash, path = key.partition("/")
    return bool(slash) and bool(path) and bool(_DNS_SUBDOMAIN.match(host)) and len(host) <= 253
