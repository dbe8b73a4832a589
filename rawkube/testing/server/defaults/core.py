"""core/v1 defaulting: pkg/apis/core/v1/defaults.go (kube-apiserver 1.36)."""

from __future__ import annotations

from typing import Any

Obj = dict[str, Any]
V1 = "k8s.io/api/core/v1."

# Volume sources: a Volume with none of them is an emptyDir (SetDefaults_Volume).
_VOLUME_SOURCES = (
    "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret",
    "nfs", "iscsi", "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder",
    "cephfs", "flocker", "downwardAPI", "fc", "azureFile", "configMap", "vsphereVolume",
    "quobyte", "azureDisk", "photonPersistentDisk", "projected", "portworxVolume", "scaleIO",
    "storageos", "csi", "ephemeral", "image",
)  # fmt: skip


def _unset(obj: Obj, key: str) -> bool:
    return obj.get(key) in (None, "")


def image_tag(image: str) -> str:
    """parsers.ParseImageName's tag: "latest" when the reference names none (or a digest
    only names the image)."""
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        return last.rsplit(":", 1)[1]
    return "" if "@" in image else "latest"


def set_defaults_container(obj: Obj) -> None:
    """SetDefaults_Container (also for EphemeralContainer)."""
    if _unset(obj, "imagePullPolicy"):
        tag = image_tag(str(obj.get("image") or ""))
        obj["imagePullPolicy"] = "Always" if tag == "latest" else "IfNotPresent"
    if _unset(obj, "terminationMessagePath"):
        obj["terminationMessagePath"] = "/dev/termination-log"
    if _unset(obj, "terminationMessagePolicy"):
        obj["terminationMessagePolicy"] = "File"


def set_defaults_replication_controller(obj: Obj) -> None:
    spec = obj.get("spec") or {}
    template = spec.get("template") or {}
    labels = (template.get("metadata") or {}).get("labels")
    if labels is not None:
        if not spec.get("selector"):
            spec["selector"] = dict(labels)
        meta = obj.setdefault("metadata", {})
        if not meta.get("labels"):
            meta["labels"] = dict(labels)


def set_defaults_volume(obj: Obj) -> None:
    if not any(obj.get(k) is not None for k in _VOLUME_SOURCES):
        obj["emptyDir"] = {}
    image = obj.get("image")
    if isinstance(image, dict) and _unset(image, "pullPolicy"):
        tag = image_tag(str(image.get("reference") or ""))
        image["pullPolicy"] = "Always" if tag == "latest" else "IfNotPresent"


def _externally_accessible(spec: Obj) -> bool:
    """service.ExternallyAccessible: LoadBalancer, NodePort, or ClusterIP with external IPs."""
    kind = spec.get("type")
    return kind in ("LoadBalancer", "NodePort") or (
        kind == "ClusterIP" and bool(spec.get("externalIPs"))
    )


def set_defaults_service(obj: Obj) -> None:
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return
    if _unset(spec, "sessionAffinity"):
        spec["sessionAffinity"] = "None"
    if spec["sessionAffinity"] == "None":
        spec.pop("sessionAffinityConfig", None)
    if spec["sessionAffinity"] == "ClientIP":
        config = spec.get("sessionAffinityConfig") or {}
        if ((config.get("clientIP") or {}).get("timeoutSeconds")) is None:
            spec["sessionAffinityConfig"] = {"clientIP": {"timeoutSeconds": 10800}}
    if _unset(spec, "type"):
        spec["type"] = "ClusterIP"
    for port in spec.get("ports") or []:
        if not isinstance(port, dict):
            continue
        if _unset(port, "protocol"):
            port["protocol"] = "TCP"
        if port.get("targetPort") in (None, 0, ""):
            port["targetPort"] = port.get("port")
    if _externally_accessible(spec) and _unset(spec, "externalTrafficPolicy"):
        spec["externalTrafficPolicy"] = "Cluster"
    if spec.get("internalTrafficPolicy") is None and spec["type"] in (
        "NodePort",
        "LoadBalancer",
        "ClusterIP",
    ):
        spec["internalTrafficPolicy"] = "Cluster"
    if spec["type"] == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts") is None:
        spec["allocateLoadBalancerNodePorts"] = True
    if spec["type"] == "LoadBalancer":
        status = obj.get("status") or {}
        for ingress in (status.get("loadBalancer") or {}).get("ingress") or []:
            if ingress.get("ip") and ingress.get("ipMode") is None:
                ingress["ipMode"] = "VIP"


def _requests_from_limits(containers: Any) -> None:
    for container in containers or []:
        resources = container.get("resources") if isinstance(container, dict) else None
        if not isinstance(resources, dict) or resources.get("limits") is None:
            continue
        requests = resources.get("requests")
        if requests is None:
            requests = resources["requests"] = {}
        for key, value in (resources.get("limits") or {}).items():
            requests.setdefault(key, value)


def set_defaults_pod(obj: Obj) -> None:
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return
    # Limits without requests: the requests are the limits (regular and init containers).
    _requests_from_limits(spec.get("containers"))
    _requests_from_limits(spec.get("initContainers"))
    _default_pod_level_resources(spec)
    if spec.get("enableServiceLinks") is None:
        spec["enableServiceLinks"] = True
    if spec.get("hostNetwork"):
        for key in ("containers", "initContainers"):
            for container in spec.get(key) or []:
                for port in container.get("ports") or []:
                    if not port.get("hostPort"):
                        port["hostPort"] = port.get("containerPort")


def _default_pod_level_resources(spec: Obj) -> None:
    """defaultPodRequests (PodLevelResources): pod-level requests default to pod-level limits
    when only limits are given (the container-aggregate rule is not modelled)."""
    resources = spec.get("resources")
    if not isinstance(resources, dict) or not resources.get("limits"):
        return
    requests = dict(resources.get("requests") or {})
    for key, value in resources["limits"].items():
        requests.setdefault(key, value)
    if requests:
        resources["requests"] = requests


def set_defaults_pod_spec(obj: Obj) -> None:
    # pkg/apis/core/v1/conversion.go: serviceAccount is the deprecated spelling of
    # serviceAccountName; a v1 PodSpec always carries both.
    if not obj.get("serviceAccountName") and obj.get("serviceAccount"):
        obj["serviceAccountName"] = obj["serviceAccount"]
    if obj.get("serviceAccountName"):
        obj["serviceAccount"] = obj["serviceAccountName"]
    if _unset(obj, "dnsPolicy"):
        obj["dnsPolicy"] = "ClusterFirst"
    if _unset(obj, "restartPolicy"):
        obj["restartPolicy"] = "Always"
    if obj.get("securityContext") is None:
        obj["securityContext"] = {}
    if obj.get("terminationGracePeriodSeconds") is None:
        obj["terminationGracePeriodSeconds"] = 30
    if _unset(obj, "schedulerName"):
        obj["schedulerName"] = "default-scheduler"


def set_defaults_probe(obj: Obj) -> None:
    for key, value in (
        ("timeoutSeconds", 1),
        ("periodSeconds", 10),
        ("successThreshold", 1),
        ("failureThreshold", 3),
    ):
        if not obj.get(key):
            obj[key] = value


def _default_mode(obj: Obj) -> None:
    if obj.get("defaultMode") is None:
        obj["defaultMode"] = 0o644  # 420: Secret/ConfigMap/DownwardAPI/Projected default mode


def set_defaults_secret(obj: Obj) -> None:
    if _unset(obj, "type"):
        obj["type"] = "Opaque"


def set_defaults_service_account_token_projection(obj: Obj) -> None:
    if obj.get("expirationSeconds") is None:
        obj["expirationSeconds"] = 3600


def set_defaults_persistent_volume(obj: Obj) -> None:
    status = obj.setdefault("status", {})
    if isinstance(status, dict) and _unset(status, "phase"):
        status["phase"] = "Pending"
    spec = obj.setdefault("spec", {})
    if isinstance(spec, dict):
        if _unset(spec, "persistentVolumeReclaimPolicy"):
            spec["persistentVolumeReclaimPolicy"] = "Retain"
        if spec.get("volumeMode") is None:
            spec["volumeMode"] = "Filesystem"


def set_defaults_persistent_volume_claim(obj: Obj) -> None:
    status = obj.setdefault("status", {})
    if isinstance(status, dict) and _unset(status, "phase"):
        status["phase"] = "Pending"


def set_defaults_persistent_volume_claim_spec(obj: Obj) -> None:
    if obj.get("volumeMode") is None:
        obj["volumeMode"] = "Filesystem"


def set_defaults_endpoints(obj: Obj) -> None:
    for subset in obj.get("subsets") or []:
        for port in (subset or {}).get("ports") or []:
            if isinstance(port, dict) and _unset(port, "protocol"):
                port["protocol"] = "TCP"


def set_defaults_http_get_action(obj: Obj) -> None:
    if _unset(obj, "path"):
        obj["path"] = "/"
    if _unset(obj, "scheme"):
        obj["scheme"] = "HTTP"


def set_defaults_namespace(obj: Obj) -> None:
    """The kubernetes.io/metadata.name label (not for generateName: no name yet)."""
    meta = obj.setdefault("metadata", {})
    name = meta.get("name")
    if name:
        labels = meta.get("labels")
        if not isinstance(labels, dict):
            labels = meta["labels"] = {}
        labels["kubernetes.io/metadata.name"] = name


def set_defaults_namespace_status(obj: Obj) -> None:
    if _unset(obj, "phase"):
        obj["phase"] = "Active"


def set_defaults_node_status(obj: Obj) -> None:
    if obj.get("allocatable") is None and obj.get("capacity") is not None:
        obj["allocatable"] = dict(obj["capacity"])


def set_defaults_object_field_selector(obj: Obj) -> None:
    if _unset(obj, "apiVersion"):
        obj["apiVersion"] = "v1"


def set_defaults_limit_range_item(obj: Obj) -> None:
    if obj.get("type") != "Container":
        return
    default = obj.get("default")
    if default is None:
        default = obj["default"] = {}
    request = obj.get("defaultRequest")
    if request is None:
        request = obj["defaultRequest"] = {}
    for key, value in (obj.get("max") or {}).items():
        default.setdefault(key, value)
    for key, value in default.items():
        request.setdefault(key, value)
    for key, value in (obj.get("min") or {}).items():
        request.setdefault(key, value)


def set_defaults_host_path_volume_source(obj: Obj) -> None:
    if obj.get("type") is None:
        obj["type"] = ""  # HostPathUnset


DEFAULTERS = {
    V1 + "ReplicationController": set_defaults_replication_controller,
    V1 + "Volume": set_defaults_volume,
    V1 + "Container": set_defaults_container,
    V1 + "EphemeralContainer": set_defaults_container,
    V1 + "Service": set_defaults_service,
    V1 + "Pod": set_defaults_pod,
    V1 + "PodSpec": set_defaults_pod_spec,
    V1 + "Probe": set_defaults_probe,
    V1 + "SecretVolumeSource": _default_mode,
    V1 + "ConfigMapVolumeSource": _default_mode,
    V1 + "DownwardAPIVolumeSource": _default_mode,
    V1 + "ProjectedVolumeSource": _default_mode,
    V1 + "Secret": set_defaults_secret,
    V1 + "ServiceAccountTokenProjection": set_defaults_service_account_token_projection,
    V1 + "PersistentVolume": set_defaults_persistent_volume,
    V1 + "PersistentVolumeClaim": set_defaults_persistent_volume_claim,
    V1 + "PersistentVolumeClaimSpec": set_defaults_persistent_volume_claim_spec,
    V1 + "Endpoints": set_defaults_endpoints,
    V1 + "HTTPGetAction": set_defaults_http_get_action,
    V1 + "Namespace": set_defaults_namespace,
    V1 + "NamespaceStatus": set_defaults_namespace_status,
    V1 + "NodeStatus": set_defaults_node_status,
    V1 + "ObjectFieldSelector": set_defaults_object_field_selector,
    V1 + "LimitRangeItem": set_defaults_limit_range_item,
    V1 + "HostPathVolumeSource": set_defaults_host_path_volume_source,
}
