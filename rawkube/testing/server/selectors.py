"""Label and field selectors, as the apiserver parses them from ``?labelSelector=`` / ``?fieldSelector=``.

Label selectors follow k8s.io/apimachinery/pkg/labels/selector.go: comma-separated requirements,
each equality-based (``a=b``, ``a==b``, ``a!=b``) or set-based (``a in (x,y)``, ``a notin (x)``,
``a`` exists, ``!a`` does not exist). Field selectors follow .../fields/selector.go: only ``=``,
``==`` and ``!=`` on dotted paths such as ``metadata.name`` or ``status.phase``.
A malformed selector is a 400 BadRequest, as on the real server.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from rawkube.testing.server.errors import APIError

Predicate = Callable[[Mapping[str, str]], bool]

_SET_RE = re.compile(r"^\s*(!?)\s*([A-Za-z0-9_./-]+)\s*(?:(in|notin)\s*\(([^)]*)\))?\s*$")
_EQ_RE = re.compile(r"^\s*([A-Za-z0-9_./-]+)\s*(==|=|!=)\s*([A-Za-z0-9_.-]*)\s*$")


def _split_requirements(text: str) -> list[str]:
    """Split on commas that are not inside ``( ... )`` value sets."""
    parts, depth, current = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return [p for p in parts if p.strip()]


def _requirement(text: str) -> Predicate:
    eq = _EQ_RE.match(text)
    if eq:
        key, op, value = eq.groups()
        if op == "!=":
            return lambda labels: labels.get(key) != value
        return lambda labels: labels.get(key) == value
    match = _SET_RE.match(text)
    if not match:
        raise APIError(400, "BadRequest", f"unable to parse requirement: {text.strip()}")
    negated, key, op, values_text = match.groups()
    if op is None:
        if negated:
            return lambda labels: key not in labels
        return lambda labels: key in labels
    if negated:
        raise APIError(400, "BadRequest", f"unable to parse requirement: {text.strip()}")
    values = {v.strip() for v in values_text.split(",") if v.strip()}
    if op == "in":
        return lambda labels: labels.get(key) in values
    return lambda labels: labels.get(key) not in values


def parse_label_selector(text: str | None) -> Predicate:
    """A predicate over a labels mapping; an empty selector matches everything."""
    if not text:
        return lambda labels: True
    requirements = [_requirement(part) for part in _split_requirements(text)]
    return lambda labels: all(req(labels) for req in requirements)


def label_selector_predicate(selector: Mapping[str, Any] | None) -> Predicate:
    """A predicate for a metav1.LabelSelector object (matchLabels + matchExpressions).

    Used for Deployment/ReplicaSet selectors. A null selector matches nothing, an empty one
    everything (metav1.LabelSelectorAsSelector).
    """
    if selector is None:
        return lambda labels: False
    match_labels = dict(selector.get("matchLabels") or {})
    expressions = list(selector.get("matchExpressions") or [])

    def predicate(labels: Mapping[str, str]) -> bool:
        if any(labels.get(k) != v for k, v in match_labels.items()):
            return False
        for expr in expressions:
            key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
            if op == "In" and labels.get(key) not in values:
                return False
            if op == "NotIn" and labels.get(key) in values:
                return False
            if op == "Exists" and key not in labels:
                return False
            if op == "DoesNotExist" and key in labels:
                return False
        return True

    return predicate


def field_value(obj: Mapping[str, Any], path: str) -> str | None:
    """The string form of a dotted field of an object (None when absent)."""
    value: Any = obj
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    if isinstance(value, bool):
        return "true" if value else "false"
    return None if value is None else str(value)


# Field labels each resource supports beyond metadata.name and metadata.namespace (every
# resource has those: apimachinery's DefaultMetaV1FieldSelectorConversion). The per-kind lists
# are the `ToSelectableFields`/`GetAttrs` of kubernetes pkg/registry/*/strategy.go; anything
# else is "field label not supported", a 400.
COMMON_FIELDS = frozenset({"metadata.name", "metadata.namespace"})
SELECTABLE_FIELDS: dict[tuple[str, str], frozenset[str]] = {
    ("", "pods"): frozenset(
        {
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "spec.hostNetwork",
            "status.phase",
            "status.podIP",
            "status.podIPs",
            "status.nominatedNodeName",
        }
    ),
    ("", "events"): frozenset(
        {
            "involvedObject.kind",
            "involvedObject.namespace",
            "involvedObject.name",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.resourceVersion",
            "involvedObject.fieldPath",
            "reason",
            "reportingComponent",
            "source",
            "type",
        }
    ),
    ("", "secrets"): frozenset({"type"}),
    ("", "namespaces"): frozenset({"status.phase"}),
    ("", "nodes"): frozenset({"spec.unschedulable"}),
    ("", "services"): frozenset({"spec.clusterIP", "spec.type"}),
    ("", "replicationcontrollers"): frozenset({"status.replicas"}),
    ("apps", "replicasets"): frozenset({"status.replicas"}),
    ("batch", "jobs"): frozenset({"status.successful"}),
    ("certificates.k8s.io", "certificatesigningrequests"): frozenset({"spec.signerName"}),
}


def selectable_fields(group: str, resource: str) -> frozenset[str]:
    """The field labels a field selector may use on this resource."""
    return COMMON_FIELDS | SELECTABLE_FIELDS.get((group, resource), frozenset())


def field_labels(info: Any) -> frozenset[str]:
    """The field labels of a served resource: a custom resource's are metadata.name,
    metadata.namespace and its CRD version's selectableFields (apiextensions-apiserver
    pkg/registry/customresource/strategy.go selectableFields)."""
    custom = getattr(info, "custom", None)
    if custom is not None:
        return COMMON_FIELDS | frozenset(custom.field_labels)
    return selectable_fields(info.group, info.resource)


def parse_field_selector(
    text: str | None, allowed: frozenset[str] | None = None
) -> Callable[[Mapping[str, Any]], bool]:
    """A predicate over whole objects for a field selector (`allowed`: the supported labels)."""
    if not text:
        return lambda obj: True
    checks: list[tuple[str, bool, str]] = []
    for part in _split_requirements(text):
        match = re.match(r"^\s*([A-Za-z0-9_.]+)\s*(==|=|!=)\s*(.*?)\s*$", part)
        if not match:
            raise APIError(
                400, "BadRequest", f"invalid selector: '{text}'; can't understand '{part}'"
            )
        path, op, value = match.groups()
        if allowed is not None and path not in allowed:
            raise APIError(400, "BadRequest", f"field label not supported: {path}")
        checks.append((path, op == "!=", value))

    def predicate(obj: Mapping[str, Any]) -> bool:
        for path, negate, value in checks:
            actual = field_value(obj, path)
            # An absent field compares as "" (fields.Set of an object has every supported key).
            if ((actual or "") == value) == negate:
                return False
        return True

    return predicate


def selector_to_string(selector: Mapping[str, Any] | None) -> str:
    """A metav1.LabelSelector as kubectl prints it (``app=demo,tier in (a,b)``)."""
    if not selector:
        return "<none>"
    parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expr in selector.get("matchExpressions") or []:
        op = expr.get("operator")
        key = expr.get("key")
        if op in ("In", "NotIn"):
            parts.append(f"{key} {op.lower()} ({','.join(expr.get('values') or [])})")
        elif op == "Exists":
            parts.append(str(key))
        else:
            parts.append(f"!{key}")
    return ",".join(parts) or "<none>"
