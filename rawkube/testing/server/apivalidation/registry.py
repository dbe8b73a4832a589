"""Which validation each built-in kind gets, and the generic steps around it.

staging/src/k8s.io/apiserver/pkg/registry/rest/create.go (BeforeCreate): the strategy's
``Validate``; update.go (BeforeUpdate): ``validateCommonFields`` (generic ObjectMeta checks with
path-segment names, then ValidateObjectMetaAccessorUpdate) *followed by* the strategy's
``ValidateUpdate`` (so a bad label on an update is reported more than once, as by the real server).
Kinds not modelled here get ObjectMeta validation with the name rule their package uses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rawkube.testing.server.apivalidation import (
    admission,
    apps,
    batch,
    core,
    events,
    others,
    rbac,
)
from rawkube.testing.server.apivalidation import meta as m
from rawkube.testing.server.apivalidation.fielderrors import Cause

if TYPE_CHECKING:
    from rawkube.testing.server.resources import ResourceInfo

Obj = dict[str, Any]
CreateFn = Callable[[Obj], list[Cause]]
UpdateFn = Callable[[Obj, Obj], list[Cause]]


def _with_meta_update(create: CreateFn) -> UpdateFn:
    """The common ``ValidateXUpdate`` shape: ObjectMetaUpdate, then the spec rules of create
    (minus the ObjectMeta create checks)."""

    def update(new: Obj, old: Obj) -> list[Cause]:
        causes = m.validate_object_meta_update(new, old)
        return causes + [c for c in create(new) if not c["field"].startswith("metadata.")]

    return update


# (group, kind) -> (validate on create, validate on update)
_KINDS: dict[tuple[str, str], tuple[CreateFn, UpdateFn]] = {
    ("", "Pod"): (core.validate_pod, core.validate_pod_update),
    ("", "PodTemplate"): (
        core.validate_pod_template,
        _with_meta_update(core.validate_pod_template),
    ),
    ("", "ReplicationController"): (
        core.validate_replication_controller,
        _with_meta_update(core.validate_replication_controller),
    ),
    ("", "Service"): (core.validate_service, core.validate_service_update),
    ("", "ConfigMap"): (core.validate_config_map, core.validate_config_map_update),
    ("", "Secret"): (core.validate_secret, core.validate_secret_update),
    ("", "Namespace"): (
        core.validate_namespace,
        lambda new, old: m.validate_object_meta_update(new, old),
    ),
    ("", "ServiceAccount"): (
        core.validate_service_account,
        lambda new, old: (
            m.validate_object_meta_update(new, old) + core.validate_service_account(new)
        ),
    ),
    ("", "PersistentVolumeClaim"): (core.validate_pvc, core.validate_pvc_update),
    ("", "PersistentVolume"): (
        core.validate_persistent_volume,
        _with_meta_update(core.validate_persistent_volume),
    ),
    ("", "ResourceQuota"): (
        core.validate_resource_quota,
        _with_meta_update(core.validate_resource_quota),
    ),
    ("", "LimitRange"): (core.validate_limit_range, _with_meta_update(core.validate_limit_range)),
    ("apps", "Deployment"): (apps.validate_deployment, apps.validate_deployment),
    ("apps", "ReplicaSet"): (apps.validate_replica_set, apps.validate_replica_set),
    ("apps", "StatefulSet"): (apps.validate_stateful_set, apps.validate_stateful_set),
    ("apps", "DaemonSet"): (apps.validate_daemon_set, apps.validate_daemon_set),
    ("apps", "ControllerRevision"): (
        apps.validate_controller_revision,
        apps.validate_controller_revision,
    ),
    ("batch", "Job"): (batch.validate_job, batch.validate_job),
    ("batch", "CronJob"): (batch.validate_cron_job, batch.validate_cron_job),
    ("rbac.authorization.k8s.io", "Role"): (rbac.validate_role, rbac.validate_role),
    ("rbac.authorization.k8s.io", "ClusterRole"): (
        rbac.validate_cluster_role,
        rbac.validate_cluster_role,
    ),
    ("rbac.authorization.k8s.io", "RoleBinding"): (
        rbac.validate_role_binding,
        rbac.validate_role_binding,
    ),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"): (
        rbac.validate_cluster_role_binding,
        rbac.validate_cluster_role_binding,
    ),
    ("networking.k8s.io", "NetworkPolicy"): (
        others.validate_network_policy,
        others.validate_network_policy,
    ),
    ("networking.k8s.io", "Ingress"): (others.validate_ingress, others.validate_ingress),
    ("policy", "PodDisruptionBudget"): (
        others.validate_pod_disruption_budget,
        others.validate_pod_disruption_budget,
    ),
    ("autoscaling", "HorizontalPodAutoscaler"): (
        others.validate_horizontal_pod_autoscaler,
        others.validate_horizontal_pod_autoscaler,
    ),
    ("scheduling.k8s.io", "PriorityClass"): (
        others.validate_priority_class,
        others.validate_priority_class,
    ),
    ("coordination.k8s.io", "Lease"): (others.validate_lease, others.validate_lease),
    ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"): (
        admission.validate_validating_webhook_configuration,
        admission.validate_validating_webhook_configuration,
    ),
    ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"): (
        admission.validate_mutating_webhook_configuration,
        admission.validate_mutating_webhook_configuration,
    ),
    ("", "Endpoints"): (core.validate_endpoints, core.validate_endpoints_update),
    ("discovery.k8s.io", "EndpointSlice"): (
        others.validate_endpoint_slice,
        others.validate_endpoint_slice_update,
    ),
    ("storage.k8s.io", "StorageClass"): (
        others.validate_storage_class,
        others.validate_storage_class,
    ),
}

# Kinds whose names follow another rule than a DNS subdomain and that we do not model: only the
# name-or-generateName check is made for them.
_OTHER_NAMES = {
    ("networking.k8s.io", "IPAddress"),
    ("certificates.k8s.io", "CertificateSigningRequest"),
    ("apiextensions.k8s.io", "CustomResourceDefinition"),
    ("apiregistration.k8s.io", "APIService"),
    ("internal.apiserver.k8s.io", "StorageVersion"),
    ("coordination.k8s.io", "LeaseCandidate"),
}
# Reviews and other create-only virtual kinds: not validated here.
_VIRTUAL = {
    "authentication.k8s.io",
    "authorization.k8s.io",
}


# Kinds whose Validate depends on the request's group-version.
_EVENTS = {("", "Event"), ("events.k8s.io", "Event")}


def validate(info: ResourceInfo, obj: Obj) -> list[Cause]:
    if info.crd or info.group in _VIRTUAL:
        return []
    entry = _KINDS.get((info.group, info.kind))
    if entry is not None:
        return entry[0](obj)
    if (info.group, info.kind) in _EVENTS:
        return _accessor(info, obj, events.validate_event(info.api_version, obj))
    return _generic(info, obj)


def _accessor(info: ResourceInfo, obj: Obj, causes: list[Cause]) -> list[Cause]:
    """BeforeCreate's second step: when the strategy's Validate passed, the generic
    ValidateObjectMetaAccessor (path-segment names) runs and makes a 422 of its own."""
    if causes:
        return causes
    return m.validate_object_meta(obj, info.namespaced, m.path_segment_name, kube=False)


def _generic(info: ResourceInfo, obj: Obj) -> list[Cause]:
    if (info.group, info.kind) in _OTHER_NAMES:
        return _accessor(info, obj, [])
    return m.validate_object_meta(obj, info.namespaced, m.name_is_dns_subdomain)


def validate_update(info: ResourceInfo, new: Obj, old: Obj) -> list[Cause]:
    if info.crd or info.group in _VIRTUAL:
        return []
    common = m.validate_object_meta(new, info.namespaced, m.path_segment_name, kube=False)
    common += m.validate_object_meta_update(new, old, kube=False)
    entry = _KINDS.get((info.group, info.kind))
    if entry is not None:
        return common + entry[1](new, old)
    if (info.group, info.kind) in _EVENTS:
        return common + events.validate_event_update(info.api_version, new, old)
    if (info.group, info.kind) in _OTHER_NAMES:
        return common
    return common + m.validate_object_meta_update(new, old)
