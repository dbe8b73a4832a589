"""Defaulting of the other groups, each from its pkg/apis/<group>/<version>/defaults.go
(kube-apiserver 1.36): autoscaling/v1+v2, networking/v1, rbac/v1, storage/v1, scheduling/v1,
discovery/v1, resource/v1, flowcontrol/v1, admissionregistration/v1, and the apiextensions and
kube-aggregator APIs (staging/src/k8s.io/apiextensions-apiserver, kube-aggregator)."""

from __future__ import annotations

import copy
from datetime import datetime, timezone
from typing import Any

Obj = dict[str, Any]


def _spec(obj: Obj) -> Obj | None:
    spec = obj.get("spec")
    return spec if isinstance(spec, dict) else None


# -- autoscaling ------------------------------------------------------------------------------

# pkg/apis/autoscaling/v2/defaults.go defaultHPAScaleUpRules / defaultHPAScaleDownRules
_SCALE_UP = {
    "stabilizationWindowSeconds": 0,
    "selectPolicy": "Max",
    "policies": [
        {"type": "Pods", "value": 4, "periodSeconds": 15},
        {"type": "Percent", "value": 100, "periodSeconds": 15},
    ],
}
_SCALE_DOWN = {
    "selectPolicy": "Max",
    "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}],
}
DEFAULT_CPU_UTILIZATION = 80  # pkg/apis/autoscaling/annotations.go


def _scaling_rules(given: Any, defaults: Obj) -> Obj:
    """copyHPAScalingRules: the given rule's set fields over a copy of the defaults."""
    rules = copy.deepcopy(defaults)
    if isinstance(given, dict):
        for key in ("selectPolicy", "stabilizationWindowSeconds", "policies", "tolerance"):
            if given.get(key) is not None:
                rules[key] = given[key]
    return rules


def set_defaults_hpa_v2(obj: Obj) -> None:
    spec = _spec(obj)
    if spec is None:
        return
    if spec.get("minReplicas") is None:
        spec["minReplicas"] = 1
    if not spec.get("metrics"):
        spec["metrics"] = [
            {
                "type": "Resource",
                "resource": {
                    "name": "cpu",
                    "target": {
                        "type": "Utilization",
                        "averageUtilization": DEFAULT_CPU_UTILIZATION,
                    },
                },
            }
        ]
    behavior = spec.get("behavior")
    if isinstance(behavior, dict):
        behavior["scaleUp"] = _scaling_rules(behavior.get("scaleUp"), _SCALE_UP)
        behavior["scaleDown"] = _scaling_rules(behavior.get("scaleDown"), _SCALE_DOWN)


def set_defaults_hpa_v1(obj: Obj) -> None:
    """SetDefaults_HorizontalPodAutoscaler (v1), and the v2 default metric (80% CPU) that the
    v1 conversion writes back as targetCPUUtilizationPercentage
    (pkg/apis/autoscaling/v1/conversion.go)."""
    spec = _spec(obj)
    if spec is None:
        return
    if spec.get("minReplicas") is None:
        spec["minReplicas"] = 1
    if spec.get("targetCPUUtilizationPercentage") is None:
        spec["targetCPUUtilizationPercentage"] = DEFAULT_CPU_UTILIZATION


# -- networking -------------------------------------------------------------------------------


def set_defaults_network_policy_port(obj: Obj) -> None:
    if obj.get("protocol") is None:
        obj["protocol"] = "TCP"


def set_defaults_network_policy(obj: Obj) -> None:
    spec = _spec(obj)
    if spec is None:
        return
    if not spec.get("policyTypes"):
        spec["policyTypes"] = ["Ingress"]
        if spec.get("egress"):
            spec["policyTypes"].append("Egress")


def set_defaults_ingress_class(obj: Obj) -> None:
    parameters = (_spec(obj) or {}).get("parameters")
    if isinstance(parameters, dict) and parameters.get("scope") is None:
        parameters["scope"] = "Cluster"


# -- rbac -------------------------------------------------------------------------------------

RBAC_GROUP = "rbac.authorization.k8s.io"


def set_defaults_binding(obj: Obj) -> None:
    """SetDefaults_ClusterRoleBinding / SetDefaults_RoleBinding."""
    ref = obj.get("roleRef")
    if isinstance(ref, dict) and not ref.get("apiGroup"):
        ref["apiGroup"] = RBAC_GROUP


def set_defaults_subject(obj: Obj) -> None:
    if not obj.get("apiGroup"):
        if obj.get("kind") == "ServiceAccount":
            obj["apiGroup"] = ""
        elif obj.get("kind") in ("User", "Group"):
            obj["apiGroup"] = RBAC_GROUP


# -- storage ----------------------------------------------------------------------------------


def set_defaults_storage_class(obj: Obj) -> None:
    if obj.get("reclaimPolicy") is None:
        obj["reclaimPolicy"] = "Delete"
    if obj.get("volumeBindingMode") is None:
        obj["volumeBindingMode"] = "Immediate"


def set_defaults_csi_driver(obj: Obj) -> None:
    spec = _spec(obj)
    if spec is None:
        return
    for key, value in (
        ("attachRequired", True),
        ("podInfoOnMount", False),
        ("storageCapacity", False),
        ("fsGroupPolicy", "ReadWriteOnceWithFSType"),
        ("requiresRepublish", False),
        ("seLinuxMount", False),  # SELinuxMountReadWriteOncePod (beta, on)
    ):
        if spec.get(key) is None:
            spec[key] = value
    if not spec.get("volumeLifecycleModes"):
        spec["volumeLifecycleModes"] = ["Persistent"]


# -- scheduling, discovery --------------------------------------------------------------------


def set_defaults_priority_class(obj: Obj) -> None:
    if obj.get("preemptionPolicy") is None:
        obj["preemptionPolicy"] = "PreemptLowerPriority"


def set_defaults_endpoint_port(obj: Obj) -> None:
    if obj.get("name") is None:
        obj["name"] = ""
    if obj.get("protocol") is None:
        obj["protocol"] = "TCP"


# -- resource (DRA) ---------------------------------------------------------------------------


def set_defaults_device_request(obj: Obj) -> None:
    """SetDefaults_ExactDeviceRequest / SetDefaults_DeviceSubRequest."""
    if not obj.get("allocationMode"):
        obj["allocationMode"] = "ExactCount"
    if obj["allocationMode"] == "ExactCount" and not obj.get("count"):
        obj["count"] = 1


def set_defaults_device_taint(obj: Obj) -> None:
    if obj.get("timeAdded") is None:
        obj["timeAdded"] = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def set_defaults_device(obj: Obj) -> None:
    mappings = obj.get("nodeAllocatableResourceMappings")
    if isinstance(mappings, dict):
        for mapping in mappings.values():
            if isinstance(mapping, dict) and mapping.get("allocationMultiplier") is None:
                mapping["allocationMultiplier"] = "1"


# -- flowcontrol ------------------------------------------------------------------------------


def set_defaults_flow_schema_spec(obj: Obj) -> None:
    if not obj.get("matchingPrecedence"):
        obj["matchingPrecedence"] = 1000


def set_defaults_exempt_priority_level(obj: Obj) -> None:
    for key in ("nominalConcurrencyShares", "lendablePercent"):
        if obj.get(key) is None:
            obj[key] = 0


def set_defaults_limited_priority_level(obj: Obj) -> None:
    if obj.get("nominalConcurrencyShares") is None:
        obj["nominalConcurrencyShares"] = 30
    if obj.get("lendablePercent") is None:
        obj["lendablePercent"] = 0


def set_defaults_queuing(obj: Obj) -> None:
    for key, value in (("handSize", 8), ("queues", 64), ("queueLengthLimit", 50)):
        if not obj.get(key):
            obj[key] = value


# -- admissionregistration --------------------------------------------------------------------


def set_defaults_webhook(obj: Obj) -> None:
    """SetDefaults_ValidatingWebhook (and the common part of SetDefaults_MutatingWebhook)."""
    if obj.get("failurePolicy") is None:
        obj["failurePolicy"] = "Fail"
    if obj.get("matchPolicy") is None:
        obj["matchPolicy"] = "Equivalent"
    if obj.get("namespaceSelector") is None:
        obj["namespaceSelector"] = {}
    if obj.get("objectSelector") is None:
        obj["objectSelector"] = {}
    if obj.get("timeoutSeconds") is None:
        obj["timeoutSeconds"] = 10


def set_defaults_mutating_webhook(obj: Obj) -> None:
    set_defaults_webhook(obj)
    if obj.get("reinvocationPolicy") is None:
        obj["reinvocationPolicy"] = "Never"


def set_defaults_rule(obj: Obj) -> None:
    if obj.get("scope") is None:
        obj["scope"] = "*"


def set_defaults_service_reference(obj: Obj) -> None:
    if obj.get("port") is None:
        obj["port"] = 443


def set_defaults_policy_spec(obj: Obj) -> None:
    """SetDefaults_ValidatingAdmissionPolicySpec / SetDefaults_MutatingAdmissionPolicySpec."""
    if obj.get("failurePolicy") is None:
        obj["failurePolicy"] = "Fail"


def set_defaults_match_resources(obj: Obj) -> None:
    if obj.get("matchPolicy") is None:
        obj["matchPolicy"] = "Equivalent"
    if obj.get("namespaceSelector") is None:
        obj["namespaceSelector"] = {}
    if obj.get("objectSelector") is None:
        obj["objectSelector"] = {}


# -- apiextensions ----------------------------------------------------------------------------


def set_defaults_crd(obj: Obj) -> None:
    spec = _spec(obj)
    if spec is None:
        return
    set_defaults_crd_spec(spec)
    status = obj.get("status")
    if not isinstance(status, dict):
        status = obj["status"] = {}
    if not status.get("storedVersions"):
        for version in spec.get("versions") or []:
            if isinstance(version, dict) and version.get("storage"):
                status["storedVersions"] = [version.get("name")]
                break


def set_defaults_crd_spec(obj: Obj) -> None:
    names = obj.get("names")
    if not isinstance(names, dict):
        names = obj["names"] = {}
    if not names.get("singular"):
        names["singular"] = str(names.get("kind") or "").lower()
    if not names.get("listKind") and names.get("kind"):
        names["listKind"] = f"{names['kind']}List"
    if obj.get("conversion") is None:
        obj["conversion"] = {"strategy": "None"}


ADMISSION = "k8s.io/api/admissionregistration/v1."
APIEXT = "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1."

DEFAULTERS = {
    "k8s.io/api/autoscaling/v2.HorizontalPodAutoscaler": set_defaults_hpa_v2,
    "k8s.io/api/autoscaling/v1.HorizontalPodAutoscaler": set_defaults_hpa_v1,
    "k8s.io/api/networking/v1.NetworkPolicyPort": set_defaults_network_policy_port,
    "k8s.io/api/networking/v1.NetworkPolicy": set_defaults_network_policy,
    "k8s.io/api/networking/v1.IngressClass": set_defaults_ingress_class,
    "k8s.io/api/rbac/v1.ClusterRoleBinding": set_defaults_binding,
    "k8s.io/api/rbac/v1.RoleBinding": set_defaults_binding,
    "k8s.io/api/rbac/v1.Subject": set_defaults_subject,
    "k8s.io/api/storage/v1.StorageClass": set_defaults_storage_class,
    "k8s.io/api/storage/v1.CSIDriver": set_defaults_csi_driver,
    "k8s.io/api/scheduling/v1.PriorityClass": set_defaults_priority_class,
    "k8s.io/api/discovery/v1.EndpointPort": set_defaults_endpoint_port,
    "k8s.io/api/resource/v1.ExactDeviceRequest": set_defaults_device_request,
    "k8s.io/api/resource/v1.DeviceSubRequest": set_defaults_device_request,
    "k8s.io/api/resource/v1.DeviceTaint": set_defaults_device_taint,
    "k8s.io/api/resource/v1.Device": set_defaults_device,
    "k8s.io/api/flowcontrol/v1.FlowSchemaSpec": set_defaults_flow_schema_spec,
    "k8s.io/api/flowcontrol/v1.ExemptPriorityLevelConfiguration": set_defaults_exempt_priority_level,
    "k8s.io/api/flowcontrol/v1.LimitedPriorityLevelConfiguration": set_defaults_limited_priority_level,
    "k8s.io/api/flowcontrol/v1.QueuingConfiguration": set_defaults_queuing,
    ADMISSION + "ValidatingWebhook": set_defaults_webhook,
    ADMISSION + "MutatingWebhook": set_defaults_mutating_webhook,
    ADMISSION + "RuleWithOperations": set_defaults_rule,
    ADMISSION + "NamedRuleWithOperations": set_defaults_rule,
    ADMISSION + "ServiceReference": set_defaults_service_reference,
    ADMISSION + "ValidatingAdmissionPolicySpec": set_defaults_policy_spec,
    ADMISSION + "MutatingAdmissionPolicySpec": set_defaults_policy_spec,
    ADMISSION + "MatchResources": set_defaults_match_resources,
    APIEXT + "CustomResourceDefinition": set_defaults_crd,
    APIEXT + "ServiceReference": set_defaults_service_reference,
    "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1.ServiceReference": set_defaults_service_reference,
}
