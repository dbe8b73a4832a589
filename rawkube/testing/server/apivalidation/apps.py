"""The apps group's validation: Deployments, ReplicaSets, StatefulSets, DaemonSets,
ControllerRevisions.

Mirrors pkg/apis/apps/validation/validation.go (kube-apiserver 1.36). Absent fields are read as
their apps/v1 defaults (pkg/apis/apps/v1/defaults.go): replicas 1, strategy RollingUpdate 25%/25%,
revisionHistoryLimit 10, progressDeadlineSeconds 600, podManagementPolicy OrderedReady,
updateStrategy RollingUpdate.
"""

from __future__ import annotations

import re
from typing import Any

from rawkube.testing.server.apivalidation import core, internal
from rawkube.testing.server.apivalidation import fielderrors as fe
from rawkube.testing.server.apivalidation import meta as m
from rawkube.testing.server.apivalidation.fielderrors import Cause
from rawkube.testing.server.apivalidation.meta import d, lst, n, opt, s
from rawkube.testing.server.selectors import label_selector_predicate

_PERCENT_FMT = "[0-9]+%"
_APPS = "k8s.io/kubernetes/pkg/apis/apps"


def _int_or_string(value: Any) -> Any:
    """How an IntOrString shows in a message: json.Marshal gives the int or the string."""
    return value


def _percent_errors(value: str) -> list[str]:
    if re.fullmatch(_PERCENT_FMT, value):
        return []
    return [
        m.regex_error(
            "a valid percent string must be a numeric string followed by an ending '%'",
            _PERCENT_FMT,
            "1%",
            "93%",
        )
    ]


def validate_positive_int_or_percent(value: Any, path: str) -> list[Cause]:
    """ValidatePositiveIntOrPercent."""
    if isinstance(value, str):
        return [fe.invalid(path, fe.GoJSONValue(value), msg) for msg in _percent_errors(value)]
    return m.validate_nonnegative(value if isinstance(value, int) else 0, path)


def _int_or_percent_value(value: Any) -> int:
    """getIntOrPercentValue: the percent number, or the int (IntValue() of a bad string: 0)."""
    if isinstance(value, str):
        if _percent_errors(value):
            try:
                return int(value)
            except ValueError:
                return 0
        return int(value[:-1])
    return value if isinstance(value, int) else 0


def _not_more_than_100_percent(value: Any, path: str) -> list[Cause]:
    if isinstance(value, str) and not _percent_errors(value) and int(value[:-1]) > 100:
        return [fe.invalid(path, fe.GoJSONValue(value), "must not be greater than 100%")]
    return []


def _selector_causes(selector: Any, path: str, kind: str) -> list[Cause]:
    if selector is None:
        return [fe.required(path)]
    causes = m.validate_label_selector(selector, path)
    if len(d(selector, "matchLabels")) + len(lst(selector, "matchExpressions")) == 0:
        causes.append(
            fe.invalid(path, fe.GoStruct(selector), f"empty selector is invalid for {kind}")
        )
    return causes


def selector_error(selector: Any) -> bool:
    """Whether metav1.LabelSelectorAsSelector fails (bad operator, values, keys)."""
    if not isinstance(selector, dict):
        return False
    for key, value in d(selector, "matchLabels").items():
        if m.is_qualified_name(key) or (isinstance(value, str) and m.is_label_value(value)):
            return True
    for expr in lst(selector, "matchExpressions"):
        op, values = s(expr, "operator"), lst(expr, "values")
        if op in ("In", "NotIn"):
            if not values:
                return True
        elif op in ("Exists", "DoesNotExist"):
            if values:
                return True
        else:
            return True
        if m.is_qualified_name(s(expr, "key")):
            return True
        if any(isinstance(v, str) and m.is_label_value(v) for v in values):
            return True
    return False


def _selector_matches(selector: Any, labels: dict[str, Any]) -> bool:
    """labels.Selector.Matches; a nil selector (labels.Nothing()) matches nothing."""
    if not isinstance(selector, dict):
        return False
    try:
        return bool(label_selector_predicate(selector)(labels))
    except Exception:
        return True


def _selector_empty(selector: Any) -> bool:
    """labels.Selector.Empty() of LabelSelectorAsSelector: only a non-nil selector without
    requirements is empty (Nothing() is not)."""
    return (
        isinstance(selector, dict)
        and not d(selector, "matchLabels")
        and not lst(selector, "matchExpressions")
    )


def _template_selector_causes(
    selector: Any, template: Any, path: str, kind_path: str
) -> list[Cause]:
    """The selector/template label check of the workload validations: an unparsable selector
    is "invalid label selector" (and the template check is skipped)."""
    if selector_error(selector):
        return [
            fe.invalid(
                kind_path, fe.GoStruct(_normal_selector(selector) or {}), "invalid label selector"
            )
        ]
    labels = d(d(template, "metadata"), "labels")
    if not _selector_empty(selector) and not _selector_matches(selector, labels):
        return [
            fe.invalid(
                f"{path}.metadata.labels", labels, "`selector` does not match template `labels`"
            )
        ]
    return []


def validate_pod_template_for_replica_set(
    template: Any, selector: Any, path: str, kind: str
) -> list[Cause]:
    """ValidatePodTemplateSpecForReplicaSet (Deployments and ReplicaSets)."""
    causes = _template_selector_causes(selector, template, path, "spec.selector")
    causes.extend(core.validate_pod_template_spec(template, path))
    restart = (
        s(d(template, "spec"), "restartPolicy")
        if "restartPolicy" in d(template, "spec")
        else "Always"
    )
    if restart != "Always":
        causes.append(fe.not_supported(f"{path}.spec.restartPolicy", restart, ("Always",)))
    if opt(d(template, "spec"), "activeDeadlineSeconds") is not None:
        causes.append(
            fe.forbidden(
                f"{path}.spec.activeDeadlineSeconds",
                f"activeDeadlineSeconds in {kind} is not Supported",
            )
        )
    return causes


def _strategy(strategy: dict[str, Any], path: str) -> list[Cause]:
    """ValidateDeploymentStrategy."""
    causes: list[Cause] = []
    stype = s(strategy, "type") if "type" in strategy else "RollingUpdate"
    rolling = opt(strategy, "rollingUpdate")
    if stype == "Recreate":
        if rolling is not None:
            causes.append(
                fe.forbidden(
                    f"{path}.rollingUpdate",
                    "may not be specified when strategy `type` is 'Recreate'",
                )
            )
    elif stype == "RollingUpdate":
        rolling = rolling if isinstance(rolling, dict) else {}
        unavailable = rolling.get("maxUnavailable", "25%")
        surge = rolling.get("maxSurge", "25%")
        rp = f"{path}.rollingUpdate"
        causes.extend(validate_positive_int_or_percent(unavailable, f"{rp}.maxUnavailable"))
        causes.extend(validate_positive_int_or_percent(surge, f"{rp}.maxSurge"))
        if _int_or_percent_value(unavailable) == 0 and _int_or_percent_value(surge) == 0:
            causes.append(
                fe.invalid(
                    f"{rp}.maxUnavailable",
                    fe.GoJSONValue(unavailable),
                    "may not be 0 when `maxSurge` is 0",
                )
            )
        causes.extend(_not_more_than_100_percent(unavailable, f"{rp}.maxUnavailable"))
    else:
        shown = internal.render(f"{_APPS}.DeploymentStrategy", strategy)
        causes.append(fe.not_supported(path, shown, ("Recreate", "RollingUpdate")))
    return causes


def validate_deployment(obj: dict[str, Any], old: dict[str, Any] | None = None) -> list[Cause]:
    """ValidateDeployment / ValidateDeploymentUpdate."""
    if old is None:
        causes = m.validate_object_meta(obj, True, m.name_is_dns_subdomain)
    else:
        causes = m.validate_object_meta_update(obj, old)
    spec = d(obj, "spec")
    causes.extend(m.validate_nonnegative(n(spec, "replicas", 1), "spec.replicas"))
    selector = opt(spec, "selector")
    causes.extend(_selector_causes(selector, "spec.selector", "deployment"))
    causes.extend(
        validate_pod_template_for_replica_set(
            d(spec, "template"), selector, "spec.template", "ReplicaSet"
        )
    )
    causes.extend(_strategy(d(spec, "strategy"), "spec.strategy"))
    min_ready = n(spec, "minReadySeconds")
    causes.extend(m.validate_nonnegative(min_ready, "spec.minReadySeconds"))
    rhl = opt(spec, "revisionHistoryLimit")
    if isinstance(rhl, int):
        causes.extend(m.validate_nonnegative(rhl, "spec.revisionHistoryLimit"))
    pds = opt(spec, "progressDeadlineSeconds")
    if pds is None:
        pds = 600
    if isinstance(pds, int):
        causes.extend(m.validate_nonnegative(pds, "spec.progressDeadlineSeconds"))
        if pds <= min_ready:
            causes.append(
                fe.invalid(
                    "spec.progressDeadlineSeconds", pds, "must be greater than minReadySeconds"
                )
            )
    if old is not None:
        causes.extend(_immutable_selector(spec, d(old, "spec")))
    return causes


def _immutable_selector(spec: dict[str, Any], old_spec: dict[str, Any]) -> list[Cause]:
    new_sel, old_sel = opt(spec, "selector"), opt(old_spec, "selector")
    if _normal_selector(new_sel) != _normal_selector(old_sel):
        shown = fe.GoStruct(_normal_selector(new_sel) or {}) if new_sel is not None else None
        return [fe.invalid("spec.selector", shown, "field is immutable")]
    return []


def _normal_selector(selector: Any) -> dict[str, Any] | None:
    if not isinstance(selector, dict):
        return None
    out: dict[str, Any] = {}
    if d(selector, "matchLabels"):
        out["matchLabels"] = d(selector, "matchLabels")
    if lst(selector, "matchExpressions"):
        out["matchExpressions"] = [
            fe.GoStruct(
                {k: e[k] for k in ("key", "operator", "values") if e.get(k) not in (None, [])}
            )
            for e in lst(selector, "matchExpressions")
        ]
    return out


def validate_replica_set(obj: dict[str, Any], old: dict[str, Any] | None = None) -> list[Cause]:
    """ValidateReplicaSet / ValidateReplicaSetUpdate."""
    if old is None:
        causes = m.validate_object_meta(obj, True, m.name_is_dns_subdomain)
    else:
        causes = m.validate_object_meta_update(obj, old)
    spec = d(obj, "spec")
    causes.extend(m.validate_nonnegative(n(spec, "replicas", 1), "spec.replicas"))
    causes.extend(m.validate_nonnegative(n(spec, "minReadySeconds"), "spec.minReadySeconds"))
    selector = opt(spec, "selector")
    causes.extend(_selector_causes(selector, "spec.selector", "deployment"))
    causes.extend(
        validate_pod_template_for_replica_set(
            d(spec, "template"), selector, "spec.template", "ReplicaSet"
        )
    )
    if old is not None:
        causes.extend(_immutable_selector(spec, d(old, "spec")))
    return causes


def validate_stateful_set(obj: dict[str, Any], old: dict[str, Any] | None = None) -> list[Cause]:
    """ValidateStatefulSet / ValidateStatefulSetUpdate."""
    if old is None:
        causes = m.validate_object_meta(obj, True, m.name_is_dns_label)
    else:
        causes = m.validate_object_meta_update(obj, old)
    spec = d(obj, "spec")
    policy = s(spec, "podManagementPolicy") if "podManagementPolicy" in spec else "OrderedReady"
    if not policy:
        causes.append(fe.required("spec.podManagementPolicy"))
    elif policy not in ("OrderedReady", "Parallel"):
        causes.append(
            fe.invalid("spec.podManagementPolicy", policy, "must be 'OrderedReady' or 'Parallel'")
        )
    strategy = d(spec, "updateStrategy")
    stype = s(strategy, "type") if "type" in strategy else "RollingUpdate"
    rolling = opt(strategy, "rollingUpdate")
    if not stype:
        causes.append(fe.required("spec.updateStrategy"))
    elif stype == "OnDelete":
        if rolling is not None:
            causes.append(
                fe.invalid(
                    "spec.updateStrategy.rollingUpdate",
                    internal.render(f"{_APPS}.RollingUpdateStatefulSetStrategy", rolling),
                    "only allowed for updateStrategy 'RollingUpdate'",
                )
            )
    elif stype == "RollingUpdate":
        if isinstance(rolling, dict):
            rp = "spec.updateStrategy.rollingUpdate"
            causes.extend(m.validate_nonnegative(n(rolling, "partition"), f"{rp}.partition"))
            mu = opt(rolling, "maxUnavailable")
            if mu is not None:
                causes.extend(validate_positive_int_or_percent(mu, f"{rp}.maxUnavailable"))
                if _int_or_percent_value(mu) == 0:
                    causes.append(
                        fe.invalid(f"{rp}.maxUnavailable", fe.GoJSONValue(mu), "cannot be 0")
                    )
                causes.extend(_not_more_than_100_percent(mu, f"{rp}.maxUnavailable"))
    else:
        causes.append(
            fe.invalid(
                "spec.updateStrategy",
                internal.render(f"{_APPS}.StatefulSetUpdateStrategy", strategy),
                "must be 'RollingUpdate' or 'OnDelete'",
            )
        )
    retention = opt(spec, "persistentVolumeClaimRetentionPolicy")
    if isinstance(retention, dict):
        for key in ("whenDeleted", "whenScaled"):
            value = s(retention, key) if key in retention else "Retain"
            if value not in ("Retain", "Delete"):
                causes.append(
                    fe.not_supported(
                        f"spec.persistentVolumeClaimRetentionPolicy.{key}",
                        value,
                        ("Retain", "Delete"),
                    )
                )
    if old is None:
        for i, pvc in enumerate(lst(spec, "volumeClaimTemplates")):
            causes.extend(
                core.validate_pvc_spec(d(pvc, "spec"), f"spec.volumeClaimTemplates[{i}].spec")
            )
    causes.extend(m.validate_nonnegative(n(spec, "replicas", 1), "spec.replicas"))
    causes.extend(m.validate_nonnegative(n(spec, "minReadySeconds"), "spec.minReadySeconds"))
    if opt(spec, "ordinals") is not None:
        causes.extend(
            m.validate_nonnegative(n(d(spec, "ordinals"), "start"), "spec.ordinals.start")
        )
    service = s(spec, "serviceName")
    if service and old is None:
        causes.extend(m.validate_dns1123_label(service, "spec.serviceName"))
    selector = opt(spec, "selector")
    causes.extend(_selector_causes(selector, "spec.selector", "statefulset"))
    template = d(spec, "template")
    labels = d(d(template, "metadata"), "labels")
    bad_selector = selector_error(selector)
    if bad_selector:
        causes.append(
            fe.invalid("spec.selector", fe.GoStruct(_normal_selector(selector) or {}), "")
        )
    elif not _selector_empty(selector) and not _selector_matches(selector, labels):
        causes.append(
            fe.invalid(
                "spec.template.metadata.labels",
                labels,
                "`selector` does not match template `labels`",
            )
        )
    tspec = dict(d(template, "spec"))
    tspec.pop("hostname", None)
    tspec.pop("subdomain", None)
    claims = [s(d(p, "metadata"), "name") for p in lst(spec, "volumeClaimTemplates")]
    if claims:
        volumes = [{"name": c, "persistentVolumeClaim": {"claimName": c}} for c in claims]
        volumes += [v for v in lst(tspec, "volumes") if s(v, "name") not in claims]
        tspec["volumes"] = volumes
    if not bad_selector:
        causes.extend(core.validate_pod_template_spec({**template, "spec": tspec}, "spec.template"))
        tmeta = d(template, "metadata")
        causes.extend(m.validate_labels(tmeta.get("labels"), "spec.template.labels"))
        causes.extend(m.validate_annotations(tmeta.get("annotations"), "spec.template.annotations"))
    restart = (
        s(d(template, "spec"), "restartPolicy")
        if "restartPolicy" in d(template, "spec")
        else "Always"
    )
    if restart != "Always":
        causes.append(fe.not_supported("spec.template.spec.restartPolicy", restart, ("Always",)))
    if opt(d(template, "spec"), "activeDeadlineSeconds") is not None:
        causes.append(
            fe.forbidden(
                "spec.template.spec.activeDeadlineSeconds",
                "activeDeadlineSeconds in StatefulSet is not Supported",
            )
        )
    if old is not None:
        mutable = (
            "replicas",
            "template",
            "updateStrategy",
            "minReadySeconds",
            "ordinals",
            "revisionHistoryLimit",
            "persistentVolumeClaimRetentionPolicy",
        )
        new_rest = {k: v for k, v in spec.items() if k not in mutable}
        old_rest = {k: v for k, v in d(old, "spec").items() if k not in mutable}
        if new_rest != old_rest:
            causes.append(
                fe.forbidden(
                    "spec",
                    "updates to statefulset spec for fields other than 'replicas', 'ordinals', "
                    "'template', 'updateStrategy', 'revisionHistoryLimit', "
                    "'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
                )
            )
    return causes


def validate_daemon_set(obj: dict[str, Any], old: dict[str, Any] | None = None) -> list[Cause]:
    """ValidateDaemonSet / ValidateDaemonSetUpdate."""
    if old is None:
        causes = m.validate_object_meta(obj, True, m.name_is_dns_subdomain)
    else:
        causes = m.validate_object_meta_update(obj, old)
        causes.extend(_immutable_selector(d(obj, "spec"), d(old, "spec")))
    spec = d(obj, "spec")
    selector = opt(spec, "selector")
    causes.extend(
        m.validate_label_selector(selector, "spec.selector") if selector is not None else []
    )
    template = d(spec, "template")
    labels = d(d(template, "metadata"), "labels")
    matched = _selector_empty(selector) or _selector_matches(selector, labels)
    if not selector_error(selector) and not matched:
        causes.append(
            fe.invalid(
                "spec.template.metadata.labels",
                labels,
                "`selector` does not match template `labels`",
            )
        )
    if selector is not None and _selector_empty(selector):
        causes.append(
            fe.invalid(
                "spec.selector", fe.GoStruct(selector), "empty selector is invalid for daemonset"
            )
        )
    causes.extend(core.validate_pod_template_spec(template, "spec.template"))
    restart = (
        s(d(template, "spec"), "restartPolicy")
        if "restartPolicy" in d(template, "spec")
        else "Always"
    )
    if restart != "Always":
        causes.append(fe.not_supported("spec.template.spec.restartPolicy", restart, ("Always",)))
    if opt(d(template, "spec"), "activeDeadlineSeconds") is not None:
        causes.append(
            fe.forbidden(
                "spec.template.spec.activeDeadlineSeconds",
                "activeDeadlineSeconds in DaemonSet is not Supported",
            )
        )
    causes.extend(m.validate_nonnegative(n(spec, "minReadySeconds"), "spec.minReadySeconds"))
    causes.extend(m.validate_nonnegative(n(spec, "templateGeneration"), "spec.templateGeneration"))
    strategy = d(spec, "updateStrategy")
    stype = s(strategy, "type") if "type" in strategy else "RollingUpdate"
    if stype == "RollingUpdate":
        rolling = d(strategy, "rollingUpdate")
        rp = "spec.updateStrategy.rollingUpdate"
        unavailable = rolling.get("maxUnavailable", 1)
        surge = rolling.get("maxSurge", 0)
        causes.extend(validate_positive_int_or_percent(unavailable, f"{rp}.maxUnavailable"))
        causes.extend(validate_positive_int_or_percent(surge, f"{rp}.maxSurge"))
        causes.extend(_not_more_than_100_percent(unavailable, f"{rp}.maxUnavailable"))
        causes.extend(_not_more_than_100_percent(surge, f"{rp}.maxSurge"))
        has_unavailable = _int_or_percent_value(unavailable) != 0
        has_surge = _int_or_percent_value(surge) != 0
        if has_unavailable and has_surge:
            causes.append(
                fe.invalid(
                    f"{rp}.maxSurge",
                    fe.GoJSONValue(surge),
                    "may not be set when maxUnavailable is non-zero",
                )
            )
        elif not has_unavailable and not has_surge:
            causes.append(fe.required(f"{rp}.maxUnavailable", "cannot be 0 when maxSurge is 0"))
    elif stype != "OnDelete":
        causes.append(
            fe.not_supported(
                "spec.updateStrategy",
                internal.render(f"{_APPS}.DaemonSetUpdateStrategy", strategy),
                ("RollingUpdate", "OnDelete"),
            )
        )
    rhl = opt(spec, "revisionHistoryLimit")
    if isinstance(rhl, int):
        causes.extend(m.validate_nonnegative(rhl, "spec.revisionHistoryLimit"))
    return causes


def validate_controller_revision(
    obj: dict[str, Any], old: dict[str, Any] | None = None
) -> list[Cause]:
    """ValidateControllerRevisionCreate / Update."""
    if old is None:
        causes = m.validate_object_meta(obj, True, m.name_is_dns_subdomain)
    else:
        causes = m.validate_object_meta_update(obj, old)
    if obj.get("data") is None:
        causes.append(fe.required("data", "data is mandatory"))
    causes.extend(m.validate_nonnegative(n(obj, "revision"), "revision"))
    if old is not None and obj.get("data") != old.get("data"):
        causes.append(fe.invalid("data", "", "field is immutable"))
    return causes
