"""The rbac.authorization.k8s.io group's validation: Roles, ClusterRoles and their bindings.

Mirrors pkg/apis/rbac/validation/validation.go (kube-apiserver 1.36). Names are path segments
(ValidateRBACName); subjects' apiGroup is read as SetDefaults_Subject leaves it.
"""

from __future__ import annotations

from typing import Any

from rawkube.testing.server.apivalidation import fielderrors as fe
from rawkube.testing.server.apivalidation import internal
from rawkube.testing.server.apivalidation import meta as m
from rawkube.testing.server.apivalidation.fielderrors import Cause
from rawkube.testing.server.apivalidation.meta import d, lst, opt, s

GROUP = "rbac.authorization.k8s.io"


def _policy_rule(rule: Any, namespaced: bool, path: str) -> list[Cause]:
    """ValidatePolicyRule."""
    causes: list[Cause] = []
    if not lst(rule, "verbs"):
        causes.append(fe.required(f"{path}.verbs", "verbs must contain at least one value"))
    urls = lst(rule, "nonResourceURLs")
    if urls:
        if namespaced:
            causes.append(
                fe.invalid(
                    f"{path}.nonResourceURLs",
                    urls,
                    "namespaced rules cannot apply to non-resource URLs",
                )
            )
        if lst(rule, "apiGroups") or lst(rule, "resources") or lst(rule, "resourceNames"):
            causes.append(
                fe.invalid(
                    f"{path}.nonResourceURLs",
                    urls,
                    "rules cannot apply to both regular resources and non-resource URLs",
                )
            )
        return causes
    if not lst(rule, "apiGroups"):
        causes.append(
            fe.required(f"{path}.apiGroups", "resource rules must supply at least one api group")
        )
    if not lst(rule, "resources"):
        causes.append(
            fe.required(f"{path}.resources", "resource rules must supply at least one resource")
        )
    return causes


def _meta(obj: dict[str, Any], old: dict[str, Any] | None, namespaced: bool) -> list[Cause]:
    causes = m.validate_object_meta(obj, namespaced, m.path_segment_name)
    return causes


def validate_role(
    obj: dict[str, Any], old: dict[str, Any] | None = None, namespaced: bool = True
) -> list[Cause]:
    """ValidateRole / ValidateClusterRole (+ the ObjectMeta update checks after them)."""
    causes = _meta(obj, old, namespaced)
    for i, rule in enumerate(lst(obj, "rules")):
        causes.extend(_policy_rule(rule, namespaced, f"rules[{i}]"))
    aggregation = opt(obj, "aggregationRule")
    if not namespaced and aggregation is not None:
        selectors = lst(aggregation, "clusterRoleSelectors")
        if not selectors:
            causes.append(
                fe.required(
                    "aggregationRule.clusterRoleSelectors",
                    "at least one clusterRoleSelector required if aggregationRule is non-nil",
                )
            )
        for i, selector in enumerate(selectors):
            causes.extend(
                m.validate_label_selector(selector, f"aggregationRule.clusterRoleSelectors[{i}]")
            )
    if old is not None:
        causes.extend(m.validate_object_meta_update(obj, old))
    return causes


def validate_cluster_role(obj: dict[str, Any], old: dict[str, Any] | None = None) -> list[Cause]:
    return validate_role(obj, old, namespaced=False)


def _subject(subject: Any, namespaced: bool, path: str) -> list[Cause]:
    """ValidateRoleBindingSubject."""
    causes: list[Cause] = []
    name, kind = s(subject, "name"), s(subject, "kind")
    if not name:
        causes.append(fe.required(f"{path}.name"))
    group = s(subject, "apiGroup")
    if kind == "ServiceAccount":
        if name:
            causes.extend(
                fe.invalid(f"{path}.name", name, msg)
                for msg in m.name_is_dns_subdomain(name, False)
            )
        if group:
            causes.append(fe.not_supported(f"{path}.apiGroup", group, ("",)))
        if not namespaced and not s(subject, "namespace"):
            causes.append(fe.required(f"{path}.namespace"))
    elif kind in ("User", "Group"):
        if "apiGroup" not in subject:
            group = GROUP  # SetDefaults_Subject
        if group != GROUP:
            causes.append(fe.not_supported(f"{path}.apiGroup", group, (GROUP,)))
    else:
        causes.append(fe.not_supported(f"{path}.kind", kind, ("ServiceAccount", "User", "Group")))
    return causes


def validate_role_binding(
    obj: dict[str, Any], old: dict[str, Any] | None = None, namespaced: bool = True
) -> list[Cause]:
    """ValidateRoleBinding / ValidateClusterRoleBinding (+ update checks)."""
    causes = _meta(obj, old, namespaced)
    ref = dict(d(obj, "roleRef"))
    if not s(ref, "apiGroup"):
        ref["apiGroup"] = GROUP  # SetDefaults_RoleBinding / SetDefaults_ClusterRoleBinding
    if s(ref, "apiGroup") != GROUP:
        causes.append(fe.not_supported("roleRef.apiGroup", s(ref, "apiGroup"), (GROUP,)))
    kinds = ("Role", "ClusterRole") if namespaced else ("ClusterRole",)
    if s(ref, "kind") not in kinds:
        causes.append(fe.not_supported("roleRef.kind", s(ref, "kind"), kinds))
    name = s(ref, "name")
    if not name:
        causes.append(fe.required("roleRef.name"))
    else:
        causes.extend(
            fe.invalid("roleRef.name", name, msg) for msg in m.path_segment_name(name, False)
        )
    for i, subject in enumerate(lst(obj, "subjects")):
        causes.extend(_subject(subject, namespaced, f"subjects[{i}]"))
    if old is not None:
        causes.extend(m.validate_object_meta_update(obj, old))
        oref = {"apiGroup": GROUP, **{k: v for k, v in d(old, "roleRef").items() if v}}
        if any(s(ref, k) != s(oref, k) for k in ("apiGroup", "kind", "name")):
            shown = internal.render("k8s.io/kubernetes/pkg/apis/rbac.RoleRef", ref)
            causes.append(fe.invalid("roleRef", shown, "cannot change roleRef"))
    return causes


def validate_cluster_role_binding(
    obj: dict[str, Any], old: dict[str, Any] | None = None
) -> list[Cause]:
    return validate_role_binding(obj, old, namespaced=False)
