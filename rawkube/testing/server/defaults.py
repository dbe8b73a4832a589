"""Defaulting: what kube-apiserver fills in when it decodes an object (pkg/apis/*/v1/defaults.go,
run by the scheme's defaulting funcs on every decoded request body).

`apply_defaults(info, obj, has_status)` is called by the handlers' decode step for built-in
kinds (custom resources are defaulted from their CRD's schema instead).
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from rawkube.testing.server.resources import ResourceInfo

# -- defaulting (pkg/apis/*/v1/defaults.go) ---------------------------------------------------


def _default_container(container: dict[str, Any]) -> None:
    for port in container.get("ports") or []:
        port.setdefault("protocol", "TCP")
    container.setdefault("resources", {})
    container.setdefault("terminationMessagePath", "/dev/termination-log")
    container.setdefault("terminationMessagePolicy", "File")
    image = str(container.get("image", ""))
    tag = image.rsplit("/", 1)[-1]
    latest = ":" not in tag or tag.endswith(":latest")
    container.setdefault(
        "imagePullPolicy", "Always" if latest and "@" not in tag else "IfNotPresent"
    )


def default_pod_spec(spec: dict[str, Any]) -> None:
    """SetDefaults_PodSpec and SetDefaults_Container, in the order the fields serialise."""
    for container in spec.get("containers") or []:
        _default_container(container)
    for container in spec.get("initContainers") or []:
        _default_container(container)
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("securityContext", {})
    spec.setdefault("schedulerName", "default-scheduler")


def _default_workload(spec: dict[str, Any], kind: str) -> None:
    template = spec.get("template")
    if isinstance(template, dict):
        template.setdefault("metadata", {})
        default_pod_spec(template.setdefault("spec", {}))
    if kind in ("Deployment", "ReplicaSet", "StatefulSet"):
        spec.setdefault("replicas", 1)
    if kind == "Deployment":
        spec.setdefault("strategy", {"type": "RollingUpdate"})
        if spec["strategy"].get("type") == "RollingUpdate":
            rolling = spec["strategy"].setdefault("rollingUpdate", {})
            rolling.setdefault("maxUnavailable", "25%")
            rolling.setdefault("maxSurge", "25%")
        spec.setdefault("revisionHistoryLimit", 10)
        spec.setdefault("progressDeadlineSeconds", 600)


def _default_service(spec: dict[str, Any], obj: dict[str, Any]) -> None:
    """SetDefaults_Service plus the ClusterIP allocator (pkg/registry/core/service/ipallocator):
    a stable address from 10.96.0.0/12 derived from the name, so restarts keep it."""
    spec.setdefault("type", "ClusterIP")
    for port in spec.get("ports") or []:
        port.setdefault("protocol", "TCP")
        port.setdefault("targetPort", port.get("port"))
    if spec["type"] != "ExternalName" and not spec.get("clusterIP"):
        meta = obj.get("metadata") or {}
        digest = hashlib.sha256(f"{meta.get('namespace')}/{meta.get('name')}".encode()).digest()
        offset = int.from_bytes(digest[:4], "big") % ((1 << 20) - 2) + 1
        address = (10 << 24) | (96 << 16) | offset
        spec["clusterIP"] = ".".join(str((address >> s) & 0xFF) for s in (24, 16, 8, 0))
    if spec.get("clusterIP") and spec["clusterIP"] != "None":
        spec.setdefault("clusterIPs", [spec["clusterIP"]])
    spec.setdefault("sessionAffinity", "None")
    if spec["type"] != "ExternalName":
        spec.setdefault("ipFamilies", ["IPv4"])
        spec.setdefault("ipFamilyPolicy", "SingleStack")
        spec.setdefault("internalTrafficPolicy", "Cluster")
    obj.setdefault("status", {}).setdefault("loadBalancer", {})


def _merge_string_data(secret: dict[str, Any]) -> None:
    """`stringData` is write-only: merged into `data` (base64), its keys winning, then dropped
    (k8s.io/api/core/v1 Secret doc; pkg/apis/core/v1/conversion.go)."""
    string_data = secret.pop("stringData", None)
    if isinstance(string_data, dict) and string_data:
        existing = secret.get("data")
        data: dict[str, Any] = existing if isinstance(existing, dict) else {}
        for key, value in string_data.items():
            data[key] = base64.b64encode(str(value).encode()).decode()
        secret["data"] = data


def _default_deployment(obj: dict[str, Any]) -> None:
    if isinstance(obj.get("spec"), dict):
        _default_workload(obj["spec"], "Deployment")


def _default_replicaset(obj: dict[str, Any]) -> None:
    if isinstance(obj.get("spec"), dict):
        _default_workload(obj["spec"], "ReplicaSet")


def _default_statefulset(obj: dict[str, Any]) -> None:
    if isinstance(obj.get("spec"), dict):
        _default_workload(obj["spec"], "StatefulSet")


def _default_daemonset(obj: dict[str, Any]) -> None:
    if isinstance(obj.get("spec"), dict):
        _default_workload(obj["spec"], "DaemonSet")


def _default_pod(obj: dict[str, Any]) -> None:
    if isinstance(obj.get("spec"), dict):
        default_pod_spec(obj["spec"])
    status = obj.setdefault("status", {})
    status.setdefault("phase", "Pending")
    status.setdefault("qosClass", "BestEffort")


def _default_job(obj: dict[str, Any]) -> None:
    spec = obj.get("spec")
    if isinstance(spec, dict) and isinstance(spec.get("template"), dict):
        spec["template"].setdefault("metadata", {})
        default_pod_spec(spec["template"].setdefault("spec", {}))
        spec["template"]["spec"]["restartPolicy"] = spec["template"]["spec"].get(
            "restartPolicy", "Never"
        )


def _default_secret(obj: dict[str, Any]) -> None:
    obj.setdefault("type", "Opaque")
    _merge_string_data(obj)


def _default_service_object(obj: dict[str, Any]) -> None:
    if isinstance(obj.get("spec"), dict):
        _default_service(obj["spec"], obj)


def _default_namespace(obj: dict[str, Any]) -> None:
    obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
    obj.setdefault("status", {}).setdefault("phase", "Active")
    labels = obj["metadata"].setdefault("labels", {})
    labels.setdefault("kubernetes.io/metadata.name", obj["metadata"].get("name", ""))


def _default_crd(obj: dict[str, Any]) -> None:
    """apiextensions/v1 SetDefaults_CustomResourceDefinitionSpec: names and conversion."""
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return
    names = spec.setdefault("names", {})
    names.setdefault("listKind", f"{names.get('kind', '')}List")
    names.setdefault("singular", str(names.get("kind", "")).lower())
    spec.setdefault("conversion", {"strategy": "None"})


# (group, kind) -> the scheme's defaulting function for that kind (every served version).
def _default_rbac_binding(obj: dict[str, Any]) -> None:
    """pkg/apis/rbac/v1/defaults.go: SetDefaults_(Cluster)RoleBinding and SetDefaults_Subject
    (User and Group subjects are in rbac.authorization.k8s.io, ServiceAccounts in core)."""
    ref = obj.get("roleRef")
    if isinstance(ref, dict) and not ref.get("apiGroup"):
        ref["apiGroup"] = "rbac.authorization.k8s.io"
    for subject in obj.get("subjects") or []:
        kind = subject.get("kind") if isinstance(subject, dict) else None
        if kind in ("User", "Group") and not subject.get("apiGroup"):
            subject["apiGroup"] = "rbac.authorization.k8s.io"


DEFAULTERS: dict[tuple[str, str], Any] = {
    ("rbac.authorization.k8s.io", "RoleBinding"): _default_rbac_binding,
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"): _default_rbac_binding,
    ("apps", "Deployment"): _default_deployment,
    ("apps", "ReplicaSet"): _default_replicaset,
    ("apps", "StatefulSet"): _default_statefulset,
    ("apps", "DaemonSet"): _default_daemonset,
    ("", "Pod"): _default_pod,
    ("batch", "Job"): _default_job,
    ("", "Secret"): _default_secret,
    ("", "Service"): _default_service_object,
    ("", "Namespace"): _default_namespace,
    ("apiextensions.k8s.io", "CustomResourceDefinition"): _default_crd,
}


def apply_defaults(info: ResourceInfo, obj: dict[str, Any], has_status: bool) -> dict[str, Any]:
    """Fill defaults and return the object with its top-level fields in the server's order.

    ``has_status``: the kind's Go type has a status struct, serialised even when empty.
    """
    if info.crd:
        return obj
    defaulter = DEFAULTERS.get((info.group, info.kind))
    if defaulter is not None:
        defaulter(obj)
    if has_status:
        obj.setdefault("status", {})
    ordered = {
        "kind": obj.get("kind"),
        "apiVersion": obj.get("apiVersion"),
        "metadata": obj.get("metadata"),
    }
    ordered.update((k, v) for k, v in obj.items() if k not in ordered)
    if "status" in ordered:
        ordered["status"] = ordered.pop("status")
    return ordered
