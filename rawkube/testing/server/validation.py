"""Defaulting and validation of incoming objects (a small part of each kind's registry strategy).

422 Invalid errors carry ``details.causes`` and a message in the apiserver's format
(k8s.io/apimachinery/pkg/api/errors.NewInvalid):
``Deployment.apps "x" is invalid: <field>: <detail>`` (several errors: ``[a, b]``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from typing import Any

from rawkube.testing.server.resources import ResourceInfo
from rawkube.testing.server.selectors import label_selector_predicate
from rawkube.testing.server.store import APIError

_DNS1123_SUBDOMAIN = re.compile(
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
)
_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_SUBDOMAIN_HELP = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.',"
    " and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
    "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
_LABEL_HELP = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
# Resources whose names must be DNS labels rather than subdomains (ValidateNamespaceName, ...).
_LABEL_NAMED = {("", "namespaces"), ("", "services")}
# Workloads whose spec.selector must select spec.template.metadata.labels.
_SELECTOR_KINDS = {
    ("apps", "deployments"),
    ("apps", "replicasets"),
    ("apps", "statefulsets"),
    ("apps", "daemonsets"),
}

Cause = dict[str, str]


def required(field: str, detail: str = "") -> Cause:
    message = "Required value" + (f": {detail}" if detail else "")
    return {"reason": "FieldValueRequired", "message": message, "field": field}


def invalid(field: str, value: Any, detail: str) -> Cause:
    shown = json.dumps(value, separators=(",", ":"))
    return {
        "reason": "FieldValueInvalid",
        "message": f"Invalid value: {shown}: {detail}",
        "field": field,
    }


def invalid_error(info: ResourceInfo, name: str, causes: list[Cause]) -> APIError:
    """The 422 Status for one or more field errors."""
    parts = [f"{c['field']}: {c['message']}" for c in causes]
    joined = parts[0] if len(parts) == 1 else "[" + ", ".join(parts) + "]"
    details: dict[str, Any] = {}
    if name:
        details["name"] = name
    if info.group:
        details["group"] = info.group
    details["kind"] = info.kind
    details["causes"] = causes
    return APIError(422, "Invalid", f'{info.qualified_kind} "{name}" is invalid: {joined}', details)


def validate(info: ResourceInfo, obj: dict[str, Any], *, creating: bool) -> None:
    """Raise 422 Invalid if the object breaks the rules we model."""
    meta = obj.get("metadata") or {}
    causes: list[Cause] = []
    name = str(meta.get("name") or "")
    if creating and not name and not meta.get("generateName"):
        causes.append(required("metadata.name", "name or generateName is required"))
    elif name:
        causes.extend(_name_causes(info, name))
    if (info.group, info.resource) in _SELECTOR_KINDS:
        causes.extend(_selector_causes(obj))
    if info.key == ("", "pods") and not ((obj.get("spec") or {}).get("containers")):
        causes.append(required("spec.containers"))
    if causes:
        raise invalid_error(info, name, causes)


def _name_causes(info: ResourceInfo, name: str) -> list[Cause]:
    if (info.group, info.resource) in _LABEL_NAMED:
        if not _DNS1123_LABEL.match(name) or len(name) > 63:
            return [invalid("metadata.name", name, _LABEL_HELP)]
    elif (not _DNS1123_SUBDOMAIN.match(name) or len(name) > 253) and not info.crd:
        return [invalid("metadata.name", name, _SUBDOMAIN_HELP)]
    return []


def _selector_causes(obj: dict[str, Any]) -> list[Cause]:
    spec = obj.get("spec") or {}
    selector = spec.get("selector")
    if not selector:
        return [required("spec.selector")]
    labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    if not label_selector_predicate(selector)(labels):
        return [
            invalid(
                "spec.template.metadata.labels",
                labels,
                "`selector` does not match template `labels`",
            )
        ]
    return []


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


def apply_defaults(info: ResourceInfo, obj: dict[str, Any], has_status: bool) -> dict[str, Any]:
    """Fill defaults and return the object with its top-level fields in the server's order."""
    if info.crd:
        return obj
    kind = info.kind
    spec = obj.get("spec")
    if isinstance(spec, dict):
        if kind in ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"):
            _default_workload(spec, kind)
        elif kind == "Pod":
            default_pod_spec(spec)
        elif kind == "Job" and isinstance(spec.get("template"), dict):
            spec["template"].setdefault("metadata", {})
            default_pod_spec(spec["template"].setdefault("spec", {}))
            spec["template"]["spec"]["restartPolicy"] = spec["template"]["spec"].get(
                "restartPolicy", "Never"
            )
    if kind == "Secret":
        obj.setdefault("type", "Opaque")
        _merge_string_data(obj)
    if kind == "Service" and isinstance(spec, dict):
        _default_service(spec, obj)
    if kind == "Namespace":
        obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
        obj.setdefault("status", {}).setdefault("phase", "Active")
        labels = obj["metadata"].setdefault("labels", {})
        labels.setdefault("kubernetes.io/metadata.name", obj["metadata"].get("name", ""))
    if kind == "Pod":
        status = obj.setdefault("status", {})
        status.setdefault("phase", "Pending")
        status.setdefault("qosClass", "BestEffort")
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
