"""RBAC as kube-apiserver evaluates it: pure functions over plain dicts (no store, no HTTP).

* matching a request against a PolicyRule (plugin/pkg/auth/authorizer/rbac/rbac.go RuleAllows,
  pkg/apis/rbac/v1/evaluation_helpers.go);
* the rule resolver: every rule that applies to a user in a namespace, with the binding it comes
  from and the errors met on the way (pkg/registry/rbac/validation/rule.go VisitRulesFor);
* the RBAC authorizer's decision and reason ("RBAC: allowed by ClusterRoleBinding ...");
* escalation checks: Covers / BreakdownRule (k8s.io/component-helpers/auth/rbac/validation/
  policy_comparator.go), CompactRules (pkg/registry/rbac/validation/policy_compact.go),
  CompactString and ConfirmNoEscalation's message;
* aggregation: the rules kube-controller-manager's clusterrole-aggregation controller gives a
  ClusterRole with an aggregationRule (pkg/controller/clusterroleaggregation).

A `PolicySource` supplies the RBAC objects; `StaticPolicy` holds them in lists (unit tests),
auth.py adapts the server's store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

Obj = dict[str, Any]
RBAC_GROUP = "rbac.authorization.k8s.io"
SA_PREFIX = "system:serviceaccount:"


class Subject(Protocol):
    """Who asks: user.Info's name and groups (auth.UserInfo satisfies it)."""

    @property
    def username(self) -> str: ...

    def all_groups(self) -> tuple[str, ...]: ...


class RequestAttributes(Protocol):
    """What is asked (authorizer.Attributes; auth.Attributes satisfies it)."""

    @property
    def verb(self) -> str: ...
    @property
    def group(self) -> str: ...
    @property
    def resource(self) -> str: ...
    @property
    def subresource(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def resource_request(self) -> bool: ...


class RoleNotFound(Exception):
    """A binding's roleRef names a role that does not exist.

    ``str()`` is the message the authorizer's informer listers give
    (``clusterrole.rbac.authorization.k8s.io "x" not found``: singular resource),
    ``registry_message`` the one the registry gives (escalation checks, a 404).
    """

    def __init__(self, kind: str, name: str) -> None:
        self.kind = kind
        self.name = name
        super().__init__(f'{kind.lower()}.{RBAC_GROUP} "{name}" not found')

    def registry_message(self, request_resource: str = "") -> str:
        """What the registry's getter says: NotFound for the resource the request names."""
        resource = request_resource or f"{self.kind.lower()}s"
        return f'{resource}.{RBAC_GROUP} "{self.name}" not found'


class PolicySource(Protocol):
    """Where the resolver reads Roles, ClusterRoles and their bindings."""

    def cluster_role_bindings(self) -> Iterable[Obj]: ...
    def role_bindings(self, namespace: str) -> Iterable[Obj]: ...
    def cluster_role(self, name: str) -> Obj | None: ...
    def role(self, namespace: str, name: str) -> Obj | None: ...


@dataclass
class StaticPolicy:
    """RBAC objects held in lists (rule.go NewTestRuleResolver / StaticRoles)."""

    roles: list[Obj] = field(default_factory=list)
    role_bindings_: list[Obj] = field(default_factory=list)
    cluster_roles: list[Obj] = field(default_factory=list)
    cluster_role_bindings_: list[Obj] = field(default_factory=list)

    def cluster_role_bindings(self) -> Iterable[Obj]:
        return self.cluster_role_bindings_

    def role_bindings(self, namespace: str) -> Iterable[Obj]:
        return [b for b in self.role_bindings_ if _ns(b) == namespace]

    def cluster_role(self, name: str) -> Obj | None:
        return next((r for r in self.cluster_roles if r["metadata"]["name"] == name), None)

    def role(self, namespace: str, name: str) -> Obj | None:
        return next(
            (r for r in self.roles if _ns(r) == namespace and r["metadata"]["name"] == name), None
        )


def _ns(obj: Obj) -> str:
    return str((obj.get("metadata") or {}).get("namespace") or "")


# -- matching a request against a rule (evaluation_helpers.go) ---------------------------------


def _list(rule: Obj, key: str) -> list[str]:
    return list(rule.get(key) or [])


def verb_matches(rule: Obj, verb: str) -> bool:
    verbs = _list(rule, "verbs")
    return "*" in verbs or verb in verbs


def api_group_matches(rule: Obj, group: str) -> bool:
    groups = _list(rule, "apiGroups")
    return "*" in groups or group in groups


def resource_matches(rule: Obj, combined: str, subresource: str) -> bool:
    for resource in _list(rule, "resources"):
        if resource in ("*", combined):
            return True
        # "*/scale" matches the scale subresource of every resource.
        if subresource and resource == "*/" + subresource:
            return True
    return False


def resource_name_matches(rule: Obj, name: str) -> bool:
    names = _list(rule, "resourceNames")
    return not names or name in names


def non_resource_url_matches(rule: Obj, path: str) -> bool:
    for url in _list(rule, "nonResourceURLs"):
        if url in ("*", path):
            return True
        if url.endswith("*") and path.startswith(url.rstrip("*")):
            return True
    return False


def rule_allows(attrs: RequestAttributes, rule: Obj) -> bool:
    """rbac.go RuleAllows."""
    if attrs.resource_request:
        combined = f"{attrs.resource}/{attrs.subresource}" if attrs.subresource else attrs.resource
        return (
            verb_matches(rule, attrs.verb)
            and api_group_matches(rule, attrs.group)
            and resource_matches(rule, combined, attrs.subresource)
            and resource_name_matches(rule, attrs.name)
        )
    return verb_matches(rule, attrs.verb) and non_resource_url_matches(rule, attrs.path)


# -- the rule resolver (pkg/registry/rbac/validation/rule.go) ----------------------------------


def split_service_account(username: str) -> tuple[str, str] | None:
    """serviceaccount.SplitUsername: ``system:serviceaccount:ns:name`` -> (ns, name)."""
    if not username.startswith(SA_PREFIX):
        return None
    parts = username[len(SA_PREFIX) :].split(":")
    if len(parts) != 2 or not parts[0] or not parts[1]:
        return None
    return parts[0], parts[1]


def applies_to_user(user: Subject, subject: Obj, namespace: str) -> bool:
    kind, name = subject.get("kind"), subject.get("name")
    if kind == "User":
        return bool(user.username == name)
    if kind == "Group":
        return name in user.all_groups()
    if kind == "ServiceAccount":
        sa_namespace = subject.get("namespace") or namespace
        if not sa_namespace:
            return False
        return bool(user.username == f"{SA_PREFIX}{sa_namespace}:{name}")
    return False


def _applies_to(user: Subject, binding: Obj, namespace: str) -> Obj | None:
    for subject in binding.get("subjects") or []:
        if applies_to_user(user, subject, namespace):
            return dict(subject)
    return None


def _describe_subject(subject: Obj, binding_namespace: str) -> str:
    kind, name = subject.get("kind", ""), subject.get("name", "")
    if kind == "ServiceAccount":
        ns = subject.get("namespace") or binding_namespace
        return f"{kind} {go_quote(f'{name}/{ns}')}"
    return f"{kind} {go_quote(name)}"


def describe_source(binding: Obj, subject: Obj) -> str:
    """clusterRoleBindingDescriber / roleBindingDescriber: where an allowing rule came from."""
    ref = binding.get("roleRef") or {}
    ns = _ns(binding)
    name = binding["metadata"]["name"]
    if binding.get("kind") == "RoleBinding" or ns:
        what = f"RoleBinding {go_quote(f'{name}/{ns}')}"
    else:
        what = f"ClusterRoleBinding {go_quote(name)}"
    return (
        f"{what} of {ref.get('kind', '')} {go_quote(str(ref.get('name', '')))} "
        f"to {_describe_subject(subject, ns)}"
    )


def role_reference_rules(source: PolicySource, ref: Obj, binding_namespace: str) -> list[Obj]:
    """GetRoleReferenceRules: the rules of the role a binding refers to (RoleNotFound if gone)."""
    kind, name = ref.get("kind"), str(ref.get("name", ""))
    if kind == "Role":
        role = source.role(binding_namespace, name) if binding_namespace else None
    elif kind == "ClusterRole":
        role = source.cluster_role(name)
    else:
        raise ValueError(f'unsupported role reference kind: "{kind}"')
    if role is None:
        raise RoleNotFound(str(kind), name)
    return list(role.get("rules") or [])


Visit = tuple[str | None, Obj | None, Exception | None]


def visit_rules_for(source: PolicySource, user: Subject, namespace: str) -> Iterator[Visit]:
    """Every (source description, rule, error) that applies to `user` in `namespace`:
    ClusterRoleBindings first, then the namespace's RoleBindings, in listing order."""
    for binding in source.cluster_role_bindings():
        subject = _applies_to(user, binding, "")
        if subject is None:
            continue
        try:
            rules = role_reference_rules(source, binding.get("roleRef") or {}, "")
        except (RoleNotFound, ValueError) as err:
            yield None, None, err
            continue
        described = describe_source({**binding, "kind": "ClusterRoleBinding"}, subject)
        for rule in rules:
            yield described, rule, None
    if not namespace:
        return
    for binding in source.role_bindings(namespace):
        subject = _applies_to(user, binding, namespace)
        if subject is None:
            continue
        try:
            rules = role_reference_rules(source, binding.get("roleRef") or {}, namespace)
        except (RoleNotFound, ValueError) as err:
            yield None, None, err
            continue
        described = describe_source({**binding, "kind": "RoleBinding"}, subject)
        for rule in rules:
            yield described, rule, None


def rules_for(
    source: PolicySource, user: Subject, namespace: str
) -> tuple[list[Obj], list[Exception]]:
    """RulesFor: every rule that applies, and the errors met resolving them."""
    rules: list[Obj] = []
    errors: list[Exception] = []
    for _, rule, err in visit_rules_for(source, user, namespace):
        if rule is not None:
            rules.append(rule)
        if err is not None:
            errors.append(err)
    return rules, errors


def aggregate_messages(texts: Sequence[str]) -> str:
    """utilerrors.NewAggregate(...).Error(): one message as is, several as ``[a, b]``
    (duplicates once)."""
    messages: list[str] = []
    for text in texts:
        if text not in messages:
            messages.append(text)
    if len(messages) == 1:
        return messages[0]
    return "[" + ", ".join(messages) + "]"


def authorize(
    source: PolicySource, user: Subject, attrs: RequestAttributes, namespace: str
) -> tuple[bool, str]:
    """RBACAuthorizer.Authorize: (allowed, reason)."""
    errors: list[Exception] = []
    for described, rule, err in visit_rules_for(source, user, namespace):
        if rule is not None and rule_allows(attrs, rule):
            return True, f"RBAC: allowed by {described}"
        if err is not None:
            errors.append(err)
    if errors:
        return False, "RBAC: " + aggregate_messages([str(e) for e in errors])
    return False, ""


# -- escalation checks -------------------------------------------------------------------------


def breakdown_rule(rule: Obj) -> list[Obj]:
    """BreakdownRule: one rule per (group, resource, verb[, name]) and per (url, verb)."""
    out: list[Obj] = []
    names = _list(rule, "resourceNames")
    for group in _list(rule, "apiGroups"):
        for resource in _list(rule, "resources"):
            for verb in _list(rule, "verbs"):
                if names:
                    for name in names:
                        out.append(
                            {
                                "verbs": [verb],
                                "apiGroups": [group],
                                "resources": [resource],
                                "resourceNames": [name],
                            }
                        )
                else:
                    out.append({"verbs": [verb], "apiGroups": [group], "resources": [resource]})
    for url in _list(rule, "nonResourceURLs"):
        for verb in _list(rule, "verbs"):
            out.append({"verbs": [verb], "nonResourceURLs": [url]})
    return out


def _has_all(owner: list[str], wanted: list[str]) -> bool:
    return set(wanted) <= set(owner)


def _resource_covers_all(owner: list[str], wanted: list[str]) -> bool:
    if "*" in owner or _has_all(owner, wanted):
        return True
    for path in wanted:
        if path in owner:
            continue
        if "/" not in path:
            return False
        if "*/" + path.split("/", 1)[1] not in owner:
            return False
    return True


def _url_covers(owner: str, path: str) -> bool:
    return owner == path or (owner.endswith("*") and path.startswith(owner.rstrip("*")))


def rule_covers(owner: Obj, sub: Obj) -> bool:
    """ruleCovers: does `owner` (any rule) grant everything `sub` (one broken-down rule) does."""
    verbs, groups = _list(owner, "verbs"), _list(owner, "apiGroups")
    owner_names, sub_names = _list(owner, "resourceNames"), _list(sub, "resourceNames")
    # An owner without resourceNames covers every name; one with names covers only those.
    names_ok = not owner_names or (bool(sub_names) and _has_all(owner_names, sub_names))
    owner_urls = _list(owner, "nonResourceURLs")
    return (
        ("*" in verbs or _has_all(verbs, _list(sub, "verbs")))
        and ("*" in groups or _has_all(groups, _list(sub, "apiGroups")))
        and _resource_covers_all(_list(owner, "resources"), _list(sub, "resources"))
        and names_ok
        and all(any(_url_covers(o, p) for o in owner_urls) for p in _list(sub, "nonResourceURLs"))
    )


def covers(owner_rules: Sequence[Obj], servant_rules: Sequence[Obj]) -> tuple[bool, list[Obj]]:
    """Covers: whether `owner_rules` grant all of `servant_rules`, and the pieces they do not."""
    uncovered = [
        sub
        for rule in servant_rules
        for sub in breakdown_rule(rule)
        if not any(rule_covers(owner, sub) for owner in owner_rules)
    ]
    return not uncovered, uncovered


def _simple_key(rule: Obj) -> tuple[str, str, bool, str] | None:
    """isSimpleResourceRule: one group, one resource, at most one name, nothing else."""
    names = _list(rule, "resourceNames")
    if len(names) > 1 or _list(rule, "nonResourceURLs"):
        return None
    groups, resources = _list(rule, "apiGroups"), _list(rule, "resources")
    if len(groups) != 1 or len(resources) != 1:
        return None
    return (groups[0], resources[0], bool(names), names[0] if names else "")


def compact_rules(rules: Sequence[Obj]) -> list[Obj]:
    """CompactRules: simple rules differing only by verb become one rule with all the verbs."""
    compacted: list[Obj] = []
    simple: dict[tuple[str, str, bool, str], Obj] = {}
    for rule in rules:
        key = _simple_key(rule)
        if key is None:
            compacted.append(rule)
        elif key in simple:
            simple[key]["verbs"] = _list(simple[key], "verbs") + _list(rule, "verbs")
        else:
            simple[key] = {k: list(v) for k, v in rule.items()}
    return compacted + list(simple.values())


_GO_ESCAPES = {
    "\a": r"\a",
    "\b": r"\b",
    "\f": r"\f",
    "\n": r"\n",
    "\r": r"\r",
    "\t": r"\t",
    "\v": r"\v",
    '"': '\\"',
    "\\": "\\\\",
}


def go_quote(text: str) -> str:
    """Go's %q of a string (strconv.Quote): printable characters kept, the rest escaped."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch in _GO_ESCAPES:
            out.append(_GO_ESCAPES[ch])
        elif ch.isprintable():
            out.append(ch)
        elif code < 0x80:
            out.append(f"\\x{code:02x}")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


def go_quote_list(values: Sequence[str]) -> str:
    """Go's %q of a []string: ``["a" "b"]``."""
    return "[" + " ".join(go_quote(v) for v in values) + "]"


def compact_string(rule: Obj) -> str:
    """CompactString (pkg/apis/rbac/v1/evaluation_helpers.go): the escalation message's form."""
    parts = []
    for key, label in (
        ("apiGroups", "APIGroups"),
        ("resources", "Resources"),
        ("nonResourceURLs", "NonResourceURLs"),
        ("resourceNames", "ResourceNames"),
        ("verbs", "Verbs"),
    ):
        values = _list(rule, key)
        if values:
            parts.append(f"{label}:{go_quote_list(values)}")
    return "{" + ", ".join(parts) + "}"


FULL_AUTHORITY: list[Obj] = [
    {"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]},
    {"verbs": ["*"], "nonResourceURLs": ["*"]},
]


def escalation_message(
    source: PolicySource,
    user: Subject,
    namespace: str,
    rules: Sequence[Obj],
    request_resource: str = "",
) -> str | None:
    """ConfirmNoEscalation: None if the user holds every rule in `rules` (in `namespace`, or
    cluster-wide for ""), else the error's text (the 403's message after ``is forbidden: ``).

    The registry's resolver reports a binding to a missing role with the *request's* resource
    (generic registry qualifiedResourceFromContext): `request_resource`."""
    owner, errors = rules_for(source, user, namespace)
    ok, missing = covers(owner, rules)
    if ok:
        return None
    descriptions = sorted({compact_string(r) for r in compact_rules(missing)})
    msg = (
        f"user {go_quote(user.username)} (groups={go_quote_list(user.all_groups())}) is "
        "attempting to grant RBAC permissions not currently held:\n" + "\n".join(descriptions)
    )
    if errors:
        # The registry's resolver reads through the registry: its NotFound names the plural.
        texts = [
            e.registry_message(request_resource) if isinstance(e, RoleNotFound) else str(e)
            for e in errors
        ]
        msg += "; resolution errors: [" + aggregate_messages(texts) + "]"
    return msg


# -- aggregation (pkg/controller/clusterroleaggregation) ---------------------------------------


def _semantic_rule(rule: Obj) -> Obj:
    """A rule with empty lists dropped: equality.Semantic treats nil and empty alike."""
    return {k: v for k, v in rule.items() if v not in (None, [], "")}


def aggregated_rules(
    role: Obj, cluster_roles: Iterable[Obj], selector_matches: Callable[[Obj, dict[str, str]], bool]
) -> list[Obj] | None:
    """The rules the aggregation controller gives `role`, or None if it has no aggregationRule.

    For each selector in order, the matching ClusterRoles sorted by name (never the role
    itself) contribute each rule not already present (syncClusterRole, ruleExists).
    """
    rule = role.get("aggregationRule")
    if not isinstance(rule, dict):
        return None
    roles = sorted(cluster_roles, key=lambda r: str(r["metadata"]["name"]))
    name = role["metadata"]["name"]
    out: list[Obj] = []
    seen: list[Obj] = []
    for selector in rule.get("clusterRoleSelectors") or []:
        for other in roles:
            if other["metadata"]["name"] == name:
                continue
            if not selector_matches(selector, (other["metadata"].get("labels") or {})):
                continue
            for r in other.get("rules") or []:
                semantic = _semantic_rule(r)
                if semantic not in seen:
                    seen.append(semantic)
                    out.append(r)
    return out


def same_rules(a: Sequence[Obj] | None, b: Sequence[Obj] | None) -> bool:
    """equality.Semantic.DeepEqual for rule lists (nil == empty)."""
    return [_semantic_rule(r) for r in a or []] == [_semantic_rule(r) for r in b or []]
