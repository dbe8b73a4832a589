"""The core group's validation: pods and pod templates, services, config maps, secrets, namespaces,
persistent volume claims, service accounts, replication controllers.

Mirrors pkg/apis/core/validation/validation.go (kube-apiserver 1.36), function by function (the
Go name is given in each docstring). Validation runs on the defaulted object; where the
LocalAPIServer may not have applied a default yet, an absent field is read as its default
(pkg/apis/core/v1/defaults.go) rather than reported as missing, so a missing default never
turns into a 422 the real server would not answer.
"""

from __future__ import annotations

import posixpath
from typing import Any

from rawkube.testing.server.apivalidation import fielderrors as fe
from rawkube.testing.server.apivalidation import godiff, internal, netaddr
from rawkube.testing.server.apivalidation import meta as m
from rawkube.testing.server.apivalidation.fielderrors import Cause
from rawkube.testing.server.apivalidation.goparse import quantity
from rawkube.testing.server.apivalidation.meta import d, lst, n, opt, s

_CORE = "k8s.io/kubernetes/pkg/apis/core"
FILE_MODE_ERROR = "must be a number between 0 and 0777 (octal), both inclusive"
PORT_PROTOCOLS = ("SCTP", "TCP", "UDP")
MAX_SECRET_SIZE = 1024 * 1024

# -- resources --------------------------------------------------------------------------------

_STANDARD_CONTAINER_RESOURCES = {"cpu", "memory", "ephemeral-storage"}
_STANDARD_RESOURCES = {
    "cpu",
    "memory",
    "ephemeral-storage",
    "requests.cpu",
    "requests.memory",
    "requests.ephemeral-storage",
    "limits.cpu",
    "limits.memory",
    "limits.ephemeral-storage",
    "pods",
    "count/pods",
    "services",
    "replicationcontrollers",
    "resourcequotas",
    "secrets",
    "configmaps",
    "persistentvolumeclaims",
    "storage",
    "requests.storage",
    "services.nodeports",
    "services.loadbalancers",
}
_INTEGER_RESOURCES = {
    "pods",
    "resourcequotas",
    "services",
    "replicationcontrollers",
    "secrets",
    "configmaps",
    "persistentvolumeclaims",
    "services.nodeports",
    "services.loadbalancers",
}


def _is_native(name: str) -> bool:
    return "/" not in name or "kubernetes.io/" in name


def _is_hugepages(name: str) -> bool:
    return name.startswith("hugepages-")


def _is_extended(name: str) -> bool:
    if _is_native(name) or name.startswith("requests."):
        return False
    return not m.is_qualified_name("requests." + name)


def _overcommit_allowed(name: str) -> bool:
    return _is_native(name) and not _is_hugepages(name)


def _validate_resource_name(name: str, path: str) -> list[Cause]:
    """validateResourceName."""
    causes = [fe.invalid(path, name, msg) for msg in m.is_qualified_name(name)]
    if causes:
        return causes
    if (
        "/" not in name
        and name not in _STANDARD_RESOURCES
        and not name.startswith(("hugepages-", "requests.hugepages-"))
    ):
        return [fe.invalid(path, name, "must be a standard resource type or fully qualified")]
    return []


def _validate_container_resource_name(name: str, path: str) -> list[Cause]:
    """validateContainerResourceName."""
    causes = _validate_resource_name(name, path)
    if "/" not in name:
        if name not in _STANDARD_CONTAINER_RESOURCES and not _is_hugepages(name):
            return [*causes, fe.invalid(path, name, "must be a standard resource for containers")]
    elif not _is_native(name) and not _is_extended(name):
        return [*causes, fe.invalid(path, name, "doesn't follow extended resource name standard")]
    return causes


def validate_resource_quantity(name: str, raw: Any, path: str) -> list[Cause]:
    """ValidateResourceQuantityValue: not negative; integer resources must be whole."""
    parsed = quantity(raw)
    if parsed is None:
        return []
    value, text = parsed
    causes: list[Cause] = []
    if value < 0:
        causes.append(fe.invalid(path, text, "must be greater than or equal to 0"))
    if (name in _INTEGER_RESOURCES or _is_extended(name)) and (value * 1000).denominator == 1:
        if int(value * 1000) % 1000:
            causes.append(fe.invalid(path, text, "must be an integer"))
    elif name in _INTEGER_RESOURCES or _is_extended(name):
        causes.append(fe.invalid(path, text, "must be an integer"))
    return causes


def validate_resource_requirements(req: Any, path: str, container: bool = True) -> list[Cause]:
    """validateResourceRequirements (container resources)."""
    causes: list[Cause] = []
    limits, requests = d(req, "limits"), d(req, "requests")
    name_fn = _validate_container_resource_name if container else _validate_resource_name
    lim_cpu_mem = req_cpu_mem = lim_huge = req_huge = False
    for name in sorted(limits):
        p = f"{path}.limits[{name}]"
        causes.extend(name_fn(name, p))
        causes.extend(validate_resource_quantity(name, limits[name], p))
        lim_huge |= _is_hugepages(name)
        lim_cpu_mem |= name in ("cpu", "memory")
    for name in sorted(requests):
        p = f"{path}.requests[{name}]"
        causes.extend(name_fn(name, p))
        causes.extend(validate_resource_quantity(name, requests[name], p))
        parsed = quantity(requests[name])
        if name in limits:
            limit = quantity(limits[name])
            if parsed and limit:
                if parsed[0] != limit[0] and not _overcommit_allowed(name):
                    causes.append(
                        fe.invalid(
                            f"{path}.requests",
                            parsed[1],
                            f"must be equal to {name} limit of {limit[1]}",
                        )
                    )
                elif parsed[0] > limit[0]:
                    causes.append(
                        fe.invalid(
                            f"{path}.requests",
                            parsed[1],
                            f"must be less than or equal to {name} limit of {limit[1]}",
                        )
                    )
        elif not _overcommit_allowed(name):
            causes.append(
                fe.required(f"{path}.limits", "Limit must be set for non overcommitable resources")
            )
        req_huge |= _is_hugepages(name)
        req_cpu_mem |= name in ("cpu", "memory")
    if not lim_cpu_mem and not req_cpu_mem and (lim_huge or req_huge):
        causes.append(fe.forbidden(path, "HugePages require cpu or memory"))
    return causes


# -- volumes --------------------------------------------------------------------------------------

_VOLUME_SOURCES = (
    "emptyDir",
    "hostPath",
    "gitRepo",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "secret",
    "nfs",
    "iscsi",
    "glusterfs",
    "flocker",
    "persistentVolumeClaim",
    "rbd",
    "cinder",
    "cephfs",
    "quobyte",
    "downwardAPI",
    "fc",
    "flexVolume",
    "configMap",
    "azureFile",
    "vsphereVolume",
    "photonPersistentDisk",
    "portworxVolume",
    "azureDisk",
    "storageos",
    "projected",
    "scaleIO",
    "csi",
    "ephemeral",
    "image",
)
# validateVolumeSource names some "more than 1 volume type" paths oddly; keep them.
_SOURCE_PATH_NAME = {"cephfs": "cephFS", "downwardAPI": "downwarAPI"}
_HOST_PATH_TYPES = (
    "",
    "BlockDevice",
    "CharDevice",
    "Directory",
    "DirectoryOrCreate",
    "File",
    "FileOrCreate",
    "Socket",
)


def _path_no_backsteps(target: str, path: str) -> list[Cause]:
    if ".." in target.split("/"):
        return [fe.invalid(path, target, "must not contain '..'")]
    return []


def _local_descending_path(target: str, path: str) -> list[Cause]:
    causes = []
    if target.startswith("/"):
        causes.append(fe.invalid(path, target, "must be a relative path"))
    return causes + _path_no_backsteps(target, path)


def _local_non_reserved_path(target: str, path: str) -> list[Cause]:
    causes = _local_descending_path(target, path)
    if target.startswith("..") and not target.startswith("../"):
        causes.append(fe.invalid(path, target, "must not start with '..'"))
    return causes


def _file_mode(value: Any, path: str) -> list[Cause]:
    if isinstance(value, int) and not 0 <= value <= 0o777:
        return [fe.invalid(path, value, FILE_MODE_ERROR)]
    return []


def _key_to_path(item: Any, path: str) -> list[Cause]:
    causes = []
    if not s(item, "key"):
        causes.append(fe.required(f"{path}.key"))
    if not s(item, "path"):
        causes.append(fe.required(f"{path}.path"))
    causes.extend(_local_non_reserved_path(s(item, "path"), f"{path}.path"))
    causes.extend(_file_mode(opt(item, "mode"), f"{path}.mode"))
    return causes


def _volume_source(kind: str, src: Any, path: str) -> list[Cause]:
    causes: list[Cause] = []
    p = f"{path}.{kind}"
    if kind == "emptyDir":
        limit = quantity(opt(src, "sizeLimit")) if opt(src, "sizeLimit") is not None else None
        if limit and limit[0] < 0:
            causes.append(
                fe.forbidden(f"{p}.sizeLimit", "SizeLimit field must be a valid resource quantity")
            )
    elif kind == "hostPath":
        if not s(src, "path"):
            causes.append(fe.required(f"{p}.path"))
        else:
            causes.extend(_path_no_backsteps(s(src, "path"), f"{p}.path"))
        host_type = opt(src, "type")
        if isinstance(host_type, str) and host_type not in _HOST_PATH_TYPES:
            causes.append(fe.not_supported(f"{p}.type", host_type, _HOST_PATH_TYPES))
    elif kind in ("secret", "configMap"):
        name_key = "secretName" if kind == "secret" else "name"
        if not s(src, name_key):
            causes.append(fe.required(f"{p}.{name_key}"))
        causes.extend(_file_mode(opt(src, "defaultMode"), f"{p}.defaultMode"))
        for i, item in enumerate(lst(src, "items")):
            causes.extend(_key_to_path(item, f"{p}.items[{i}]"))
    elif kind == "persistentVolumeClaim":
        if not s(src, "claimName"):
            causes.append(fe.required(f"{p}.claimName"))
    elif kind == "nfs":
        if not s(src, "server"):
            causes.append(fe.required(f"{p}.server"))
        if not s(src, "path"):
            causes.append(fe.required(f"{p}.path"))
        elif not s(src, "path").startswith("/"):
            causes.append(fe.invalid(f"{p}.path", s(src, "path"), "must be an absolute path"))
    elif kind == "downwardAPI":
        for i, item in enumerate(lst(src, "items")):
            ip = f"{p}.items[{i}]"
            if not s(item, "path"):
                causes.append(fe.required(f"{ip}.path"))
            causes.extend(_local_non_reserved_path(s(item, "path"), f"{ip}.path"))
            causes.extend(_file_mode(opt(item, "mode"), f"{ip}.mode"))
        causes.extend(_file_mode(opt(src, "defaultMode"), f"{p}.defaultMode"))
    elif kind == "projected":
        causes.extend(_file_mode(opt(src, "defaultMode"), f"{p}.defaultMode"))
    return causes


def validate_volumes(volumes: list[Any], path: str) -> tuple[dict[str, Any], list[Cause]]:
    """ValidateVolumes: (the valid volumes by name, causes)."""
    causes: list[Cause] = []
    names: set[str] = set()
    valid: dict[str, Any] = {}
    for i, vol in enumerate(volumes):
        idx = f"{path}[{i}]"
        el: list[Cause] = []
        count = 0
        present = [k for k in _VOLUME_SOURCES if opt(vol, k) is not None]
        for kind in present:
            if count > 0:
                el.append(
                    fe.forbidden(
                        f"{idx}.{_SOURCE_PATH_NAME.get(kind, kind)}",
                        "may not specify more than 1 volume type",
                    )
                )
                continue
            count += 1
            el.extend(_volume_source(kind, d(vol, kind), idx))
        if count == 0 and isinstance(vol, dict) and "emptyDir" not in vol:
            # SetDefaults_Volume gives a volume without a source an emptyDir.
            pass
        name = s(vol, "name")
        if not name:
            el.append(fe.required(f"{idx}.name"))
        else:
            el.extend(m.validate_dns1123_label(name, f"{idx}.name"))
        if name in names:
            el.append(fe.duplicate(f"{idx}.name", name))
        if not el:
            names.add(name)
            valid[name] = vol
        else:
            causes.extend(el)
    return valid, causes


# -- containers -----------------------------------------------------------------------------------


def validate_container_ports(ports: list[Any], path: str) -> list[Cause]:
    """validateContainerPorts."""
    causes: list[Cause] = []
    names: set[str] = set()
    for i, port in enumerate(ports):
        idx = f"{path}[{i}]"
        name = s(port, "name")
        if name:
            msgs = m.is_valid_port_name(name)
            if msgs:
                causes.extend(fe.invalid(f"{idx}.name", name, msg) for msg in msgs)
            elif name in names:
                causes.append(fe.duplicate(f"{idx}.name", name))
            else:
                names.add(name)
        cport = n(port, "containerPort")
        if cport == 0:
            causes.append(fe.required(f"{idx}.containerPort"))
        else:
            causes.extend(
                fe.invalid(f"{idx}.containerPort", cport, msg) for msg in m.is_valid_port_num(cport)
            )
        hport = n(port, "hostPort")
        if hport:
            causes.extend(
                fe.invalid(f"{idx}.hostPort", hport, msg) for msg in m.is_valid_port_num(hport)
            )
        protocol = s(port, "protocol") if "protocol" in port else "TCP"
        if not protocol:
            causes.append(fe.required(f"{idx}.protocol"))
        elif protocol not in PORT_PROTOCOLS:
            causes.append(fe.not_supported(f"{idx}.protocol", protocol, PORT_PROTOCOLS))
    return causes


_ENV_FIELD_PATHS = (
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
    "spec.nodeName",
    "spec.serviceAccountName",
    "status.hostIP",
    "status.hostIPs",
    "status.podIP",
    "status.podIPs",
)
_RESOURCE_FIELD_PATHS = (
    "limits.cpu",
    "limits.ephemeral-storage",
    "limits.memory",
    "requests.cpu",
    "requests.ephemeral-storage",
    "requests.memory",
)


_CONVERTIBLE_FIELD_LABELS = {
    "metadata.annotations",
    "metadata.labels",
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
    "spec.nodeName",
    "spec.restartPolicy",
    "spec.serviceAccountName",
    "spec.schedulerName",
    "status.phase",
    "status.hostIP",
    "status.hostIPs",
    "status.podIP",
    "status.podIPs",
}


def _split_subscript(fpath: str) -> tuple[str, str] | None:
    """fieldpath.SplitMaybeSubscriptedPath: metadata.labels['x'] -> (metadata.labels, x)."""
    if not fpath.endswith("']"):
        return None
    base, sep, sub = fpath[:-2].partition("['")
    if not sep or not base:
        return None
    return base, sub


def _object_field_selector(fs: Any, path: str) -> list[Cause]:
    """validateObjectFieldSelector (podshelper.ConvertDownwardAPIFieldLabel first)."""
    api_version = s(fs, "apiVersion") if "apiVersion" in fs else "v1"
    if not api_version:
        return [fe.required(f"{path}.apiVersion")]
    fpath = s(fs, "fieldPath")
    if not fpath:
        return [fe.required(f"{path}.fieldPath")]
    error = ""
    split = _split_subscript(fpath)
    if api_version != "v1":
        error = f"unsupported pod version: {api_version}"
    elif split is not None:
        if split[0] not in ("metadata.annotations", "metadata.labels"):
            error = f"field label does not support subscript: {fpath}"
    elif fpath == "spec.host":
        fpath = "spec.nodeName"
    elif fpath not in _CONVERTIBLE_FIELD_LABELS:
        error = f"field label not supported: {fpath}"
    if error:
        return [fe.invalid(f"{path}.fieldPath", fpath, f"error converting fieldPath: {error}")]
    if split is not None:
        if split[0] == "metadata.annotations":
            return m.validate_qualified_name(split[1].lower(), path)
        return m.validate_qualified_name(split[1], path)
    if fpath not in _ENV_FIELD_PATHS:
        return [fe.not_supported(f"{path}.fieldPath", fpath, sorted(_ENV_FIELD_PATHS))]
    return []


def _key_selector(sel: Any, path: str) -> list[Cause]:
    causes = (
        [
            fe.invalid(f"{path}.name", s(sel, "name"), msg)
            for msg in m.name_is_dns_subdomain(s(sel, "name"), False)
        ]
        if s(sel, "name")
        else []
    )
    if not s(sel, "name"):
        causes = [fe.invalid(f"{path}.name", "", msg) for msg in m.is_dns1123_subdomain("")]
    key = s(sel, "key")
    if not key:
        causes.append(fe.required(f"{path}.key"))
    else:
        causes.extend(fe.invalid(f"{path}.key", key, msg) for msg in m.is_config_map_key(key))
    return causes


def validate_env(env: list[Any], path: str) -> list[Cause]:
    """ValidateEnv (relaxed env var names: RelaxedEnvironmentVariableValidation is on in 1.36)."""
    causes: list[Cause] = []
    for i, ev in enumerate(env):
        idx = f"{path}[{i}]"
        name = s(ev, "name")
        if not name:
            causes.append(fe.required(f"{idx}.name"))
        else:
            causes.extend(
                fe.invalid(f"{idx}.name", name, msg) for msg in m.is_relaxed_env_var_name(name)
            )
        value_from = opt(ev, "valueFrom")
        if value_from is None:
            continue
        vp = f"{idx}.valueFrom"
        sources = 0
        if opt(value_from, "fieldRef") is not None:
            sources += 1
            causes.extend(_object_field_selector(d(value_from, "fieldRef"), f"{vp}.fieldRef"))
        if opt(value_from, "resourceFieldRef") is not None:
            sources += 1
            ref = d(value_from, "resourceFieldRef")
            res = s(ref, "resource")
            rp = f"{vp}.resourceFieldRef"
            if not res:
                causes.append(fe.required(f"{rp}.resource"))
            elif res not in _RESOURCE_FIELD_PATHS and not res.startswith(
                ("requests.hugepages-", "limits.hugepages-")
            ):
                causes.append(fe.not_supported(f"{rp}.resource", res, _RESOURCE_FIELD_PATHS))
        if opt(value_from, "configMapKeyRef") is not None:
            sources += 1
            causes.extend(_key_selector(d(value_from, "configMapKeyRef"), f"{vp}.configMapKeyRef"))
        if opt(value_from, "secretKeyRef") is not None:
            sources += 1
            causes.extend(_key_selector(d(value_from, "secretKeyRef"), f"{vp}.secretKeyRef"))
        if opt(value_from, "fileKeyRef") is not None:
            sources += 1
        if sources == 0:
            causes.append(
                fe.invalid(
                    vp,
                    "",
                    "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef`, "
                    "`secretKeyRef` or `fileKeyRef`",
                )
            )
        elif s(ev, "value"):
            causes.append(fe.invalid(vp, "", "may not be specified when `value` is not empty"))
        elif sources > 1:
            causes.append(
                fe.invalid(vp, "", "may not have more than one field specified at a time")
            )
    return causes


def validate_env_from(env_from: list[Any], path: str) -> list[Cause]:
    causes: list[Cause] = []
    for i, ev in enumerate(env_from):
        idx = f"{path}[{i}]"
        prefix = s(ev, "prefix")
        if prefix:
            causes.extend(
                fe.invalid(f"{idx}.prefix", prefix, msg)
                for msg in m.is_relaxed_env_var_name(prefix)
            )
        sources = 0
        for key in ("configMapRef", "secretRef"):
            if opt(ev, key) is not None:
                sources += 1
                name = s(d(ev, key), "name")
                if not name:
                    causes.append(fe.required(f"{idx}.{key}.name"))
                else:
                    causes.extend(
                        fe.invalid(f"{idx}.{key}.name", name, msg)
                        for msg in m.name_is_dns_subdomain(name, True)
                    )
        if sources == 0:
            causes.append(
                fe.invalid(path, "", "must specify one of: `configMapRef` or `secretRef`")
            )
        elif sources > 1:
            causes.append(
                fe.invalid(path, "", "may not have more than one field specified at a time")
            )
    return causes


def validate_volume_mounts(
    mounts: list[Any], volumes: dict[str, Any], container: Any, path: str
) -> list[Cause]:
    """ValidateVolumeMounts."""
    causes: list[Cause] = []
    seen: set[str] = set()
    devices = {s(dev, "name"): s(dev, "devicePath") for dev in lst(container, "volumeDevices")}
    for i, mnt in enumerate(mounts):
        idx = f"{path}[{i}]"
        name, mpath = s(mnt, "name"), s(mnt, "mountPath")
        if not name:
            causes.append(fe.required(f"{idx}.name"))
        if name not in volumes:
            causes.append(fe.not_found(f"{idx}.name", name))
        if not mpath:
            causes.append(fe.required(f"{idx}.mountPath"))
        if mpath in seen:
            causes.append(fe.invalid(f"{idx}.mountPath", mpath, "must be unique"))
        seen.add(mpath)
        if name in devices:
            causes.append(
                fe.invalid(f"{idx}.name", name, "must not already exist in volumeDevices")
            )
        if mpath in devices.values():
            causes.append(
                fe.invalid(
                    f"{idx}.mountPath", mpath, "must not already exist as a path in volumeDevices"
                )
            )
        sub = s(mnt, "subPath")
        if sub:
            causes.extend(_local_descending_path(sub, f"{path}.subPath"))
        sub_expr = s(mnt, "subPathExpr")
        if sub_expr:
            if sub:
                causes.append(
                    fe.invalid(
                        f"{idx}.subPathExpr",
                        sub_expr,
                        "subPathExpr and subPath are mutually exclusive",
                    )
                )
            causes.extend(_local_descending_path(sub_expr, f"{path}.subPathExpr"))
        propagation = opt(mnt, "mountPropagation")
        if isinstance(propagation, str):
            supported = ("Bidirectional", "HostToContainer", "None")
            if propagation not in supported:
                causes.append(fe.not_supported(f"{path}.mountPropagation", propagation, supported))
            privileged = d(container, "securityContext").get("privileged") is True
            if propagation == "Bidirectional" and not privileged:
                causes.append(
                    fe.forbidden(
                        f"{path}.mountPropagation",
                        "Bidirectional mount propagation is available only to privileged containers",
                    )
                )
    return causes


def _port_num_or_name(value: Any, path: str) -> list[Cause]:
    """ValidatePortNumOrName."""
    if isinstance(value, str):
        return [fe.invalid(path, value, msg) for msg in m.is_valid_port_name(value)]
    number = value if isinstance(value, int) else 0
    return [fe.invalid(path, number, msg) for msg in m.is_valid_port_num(number)]


def _handler(handler: Any, path: str, grace: int | None) -> list[Cause]:
    """validateHandler."""
    causes: list[Cause] = []
    count = 0
    for kind in ("exec", "httpGet", "tcpSocket", "grpc", "sleep"):
        if opt(handler, kind) is None:
            continue
        if count:
            causes.append(
                fe.forbidden(f"{path}.{kind}", "may not specify more than 1 handler type")
            )
            continue
        count += 1
        h = d(handler, kind)
        hp = f"{path}.{kind}"
        if kind == "exec":
            if not lst(h, "command"):
                causes.append(fe.required(f"{hp}.command"))
        elif kind == "httpGet":
            if "path" in h and not s(h, "path"):
                causes.append(fe.required(f"{hp}.path"))
            causes.extend(_port_num_or_name(h.get("port"), f"{hp}.port"))
            scheme = s(h, "scheme") if "scheme" in h else "HTTP"
            if scheme not in ("HTTP", "HTTPS"):
                causes.append(fe.not_supported(f"{hp}.scheme", scheme, ("HTTP", "HTTPS")))
            for header in lst(h, "httpHeaders"):
                hn = s(header, "name")
                causes.extend(
                    fe.invalid(f"{hp}.httpHeaders", hn, msg) for msg in m.is_http_header_name(hn)
                )
        elif kind == "tcpSocket":
            causes.extend(_port_num_or_name(h.get("port"), f"{hp}.port"))
        elif kind == "grpc":
            causes.extend(_port_num_or_name(n(h, "port"), f"{hp}.port"))
        elif kind == "sleep":
            seconds = n(h, "seconds")
            if grace is not None and (seconds < 0 or seconds > grace):
                causes.append(
                    fe.invalid(
                        hp,
                        seconds,
                        "must be non-negative and less than terminationGracePeriodSeconds "
                        f"({grace})",
                    )
                )
    if count == 0:
        causes.append(fe.required(path, "must specify a handler type"))
    return causes


def _probe(probe: Any, path: str, grace: int | None, kind: str) -> list[Cause]:
    """validateProbe + the liveness/readiness/startup specific checks (defaults from
    SetDefaults_Probe: timeoutSeconds 1, periodSeconds 10, successThreshold 1, failureThreshold 3)."""
    causes = _handler(probe, path, grace)
    for key, default in (
        ("initialDelaySeconds", 0),
        ("timeoutSeconds", 1),
        ("periodSeconds", 10),
        ("successThreshold", 1),
        ("failureThreshold", 3),
    ):
        causes.extend(m.validate_nonnegative(n(probe, key, default), f"{path}.{key}"))
    tgps = opt(probe, "terminationGracePeriodSeconds")
    if isinstance(tgps, int) and tgps <= 0:
        causes.append(
            fe.invalid(f"{path}.terminationGracePeriodSeconds", tgps, "must be greater than 0")
        )
    success = n(probe, "successThreshold", 1)
    if kind in ("liveness", "startup") and success != 1:
        causes.append(fe.invalid(f"{path}.successThreshold", success, "must be 1"))
    if kind == "readiness" and tgps is not None:
        causes.append(
            fe.invalid(
                f"{path}.terminationGracePeriodSeconds", tgps, "must not be set for readinessProbes"
            )
        )
    return causes


def _lifecycle(lifecycle: Any, path: str, grace: int | None) -> list[Cause]:
    causes: list[Cause] = []
    for key in ("postStart", "preStop"):
        if opt(lifecycle, key) is not None:
            causes.extend(_handler(d(lifecycle, key), f"{path}.{key}", grace))
    return causes


_PULL_POLICIES = ("Always", "IfNotPresent", "Never")


def _security_context(sc: Any, path: str, host_users: bool) -> list[Cause]:
    """ValidateSecurityContext (the parts a Linux pod meets)."""
    causes: list[Cause] = []
    if not isinstance(sc, dict):
        return causes
    for key in ("runAsUser", "runAsGroup"):
        value = opt(sc, key)
        if isinstance(value, int) and not 0 <= value <= 2**31 - 1:
            causes.append(fe.invalid(f"{path}.{key}", value, m.inclusive_range_error(0, 2**31 - 1)))
    proc = opt(sc, "procMount")
    if isinstance(proc, str):
        if proc not in ("Default", "Unmasked"):
            causes.append(fe.not_supported(f"{path}.procMount", proc, ("Default", "Unmasked")))
        if host_users and proc == "Unmasked":
            causes.append(
                fe.invalid(f"{path}.procMount", proc, "`hostUsers` must be false to use `Unmasked`")
            )
    causes.extend(_seccomp(opt(sc, "seccompProfile"), f"{path}.seccompProfile"))
    if sc.get("allowPrivilegeEscalation") is False and sc.get("privileged") is True:
        causes.append(
            fe.invalid(
                path,
                internal.render(f"{_CORE}.SecurityContext", sc),
                "cannot set `allowPrivilegeEscalation` to false and `privileged` to true",
            )
        )
    return causes


def _seccomp(profile: Any, path: str) -> list[Cause]:
    if not isinstance(profile, dict):
        return []
    kind = s(profile, "type")
    supported = ("Localhost", "RuntimeDefault", "Unconfined")
    if kind not in supported:
        return [fe.not_supported(f"{path}.type", kind, supported)]
    local = opt(profile, "localhostProfile")
    if kind == "Localhost" and not local:
        return [
            fe.required(f"{path}.localhostProfile", "must be set when seccomp type is Localhost")
        ]
    if kind != "Localhost" and local is not None:
        return [
            fe.invalid(
                f"{path}.localhostProfile", local, "can only be set when seccomp type is Localhost"
            )
        ]
    return []


def _container_common(
    ctr: Any, volumes: dict[str, Any], path: str, host_users: bool
) -> list[Cause]:
    """validateContainerCommon."""
    causes: list[Cause] = []
    name = s(ctr, "name")
    if not name:
        causes.append(fe.required(f"{path}.name"))
    else:
        causes.extend(m.validate_dns1123_label(name, f"{path}.name"))
    if not s(ctr, "image"):
        causes.append(fe.required(f"{path}.image"))
    tmp = s(ctr, "terminationMessagePolicy") if "terminationMessagePolicy" in ctr else "File"
    if not tmp:
        causes.append(fe.required(f"{path}.terminationMessagePolicy"))
    elif tmp not in ("File", "FallbackToLogsOnError"):
        causes.append(
            fe.not_supported(
                f"{path}.terminationMessagePolicy", tmp, ("File", "FallbackToLogsOnError")
            )
        )
    causes.extend(validate_container_ports(lst(ctr, "ports"), f"{path}.ports"))
    causes.extend(validate_env(lst(ctr, "env"), f"{path}.env"))
    causes.extend(validate_env_from(lst(ctr, "envFrom"), f"{path}.envFrom"))
    causes.extend(
        validate_volume_mounts(lst(ctr, "volumeMounts"), volumes, ctr, f"{path}.volumeMounts")
    )
    pull = opt(ctr, "imagePullPolicy")
    if isinstance(pull, str):
        if not pull:
            causes.append(fe.required(f"{path}.imagePullPolicy"))
        elif pull not in _PULL_POLICIES:
            causes.append(fe.not_supported(f"{path}.imagePullPolicy", pull, _PULL_POLICIES))
    causes.extend(validate_resource_requirements(d(ctr, "resources"), f"{path}.resources"))
    causes.extend(
        _security_context(opt(ctr, "securityContext"), f"{path}.securityContext", host_users)
    )
    return causes


def _host_port_conflicts(containers: list[Any], path: str) -> list[Cause]:
    """AccumulateUniqueHostPorts."""
    causes: list[Cause] = []
    seen: set[str] = set()
    for ci, ctr in enumerate(containers):
        for pi, port in enumerate(lst(ctr, "ports")):
            host = n(port, "hostPort")
            if not host:
                continue
            key = f"{s(port, 'protocol') or 'TCP'}/{s(port, 'hostIP')}/{host}"
            if key in seen:
                causes.append(fe.duplicate(f"{path}[{ci}].ports[{pi}].hostPort", key))
            seen.add(key)
    return causes


def validate_containers(
    containers: list[Any], volumes: dict[str, Any], grace: int | None, path: str, host_users: bool
) -> list[Cause]:
    """validateContainers."""
    if not containers:
        return [fe.required(path)]
    causes: list[Cause] = []
    names: set[str] = set()
    for i, ctr in enumerate(containers):
        idx = f"{path}[{i}]"
        causes.extend(_container_common(ctr, volumes, idx, host_users))
        name = s(ctr, "name")
        if name in names:
            causes.append(fe.duplicate(f"{idx}.name", name))
        else:
            names.add(name)
        if opt(ctr, "lifecycle") is not None:
            causes.extend(_lifecycle(d(ctr, "lifecycle"), f"{idx}.lifecycle", grace))
        for key, kind in (
            ("livenessProbe", "liveness"),
            ("readinessProbe", "readiness"),
            ("startupProbe", "startup"),
        ):
            if opt(ctr, key) is not None:
                causes.extend(_probe(d(ctr, key), f"{idx}.{key}", grace, kind))
        restart = opt(ctr, "restartPolicy")
        if restart is not None and restart not in ("Always", "Never", "OnFailure"):
            causes.append(
                fe.not_supported(f"{idx}.restartPolicy", restart, ("Always", "Never", "OnFailure"))
            )
    causes.extend(_host_port_conflicts(containers, path))
    return causes


def validate_init_containers(
    containers: list[Any],
    regular: list[Any],
    volumes: dict[str, Any],
    grace: int | None,
    path: str,
    host_users: bool,
) -> list[Cause]:
    """validateInitContainers."""
    causes: list[Cause] = []
    names = {s(c, "name") for c in regular}
    for i, ctr in enumerate(containers):
        idx = f"{path}[{i}]"
        causes.extend(_container_common(ctr, volumes, idx, host_users))
        restart = opt(ctr, "restartPolicy")
        if restart is not None and restart not in ("Always", "Never", "OnFailure"):
            causes.append(
                fe.not_supported(f"{idx}.restartPolicy", restart, ("Always", "Never", "OnFailure"))
            )
        name = s(ctr, "name")
        if name in names:
            causes.append(fe.duplicate(f"{idx}.name", name))
        elif name:
            names.add(name)
        causes.extend(_host_port_conflicts([ctr], path))
        if restart == "Always":
            if opt(ctr, "lifecycle") is not None:
                causes.extend(_lifecycle(d(ctr, "lifecycle"), f"{idx}.lifecycle", grace))
            for key, kind in (
                ("livenessProbe", "liveness"),
                ("readinessProbe", "readiness"),
                ("startupProbe", "startup"),
            ):
                if opt(ctr, key) is not None:
                    causes.extend(_probe(d(ctr, key), f"{idx}.{key}", grace, kind))
        else:
            for key in ("lifecycle", "livenessProbe", "readinessProbe", "startupProbe"):
                if opt(ctr, key) is not None:
                    causes.append(
                        fe.forbidden(
                            f"{idx}.{key}",
                            "may not be set for init containers without restartPolicy=Always",
                        )
                    )
        if lst(ctr, "resizePolicy"):
            causes.append(
                fe.invalid(
                    f"{idx}.resizePolicy",
                    [fe.GoStruct(p) for p in lst(ctr, "resizePolicy")],
                    "must not be set for init containers",
                )
            )
    return causes


_RESTART_POLICIES = ("Always", "OnFailure", "Never")
_DNS_POLICIES = ("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None")


def _tolerations(tolerations: list[Any], path: str) -> list[Cause]:
    """ValidateTolerations."""
    causes: list[Cause] = []
    for i, tol in enumerate(tolerations):
        idx = f"{path}[{i}]"
        key, op, value, effect = (
            s(tol, "key"),
            s(tol, "operator"),
            s(tol, "value"),
            s(tol, "effect"),
        )
        if key:
            causes.extend(m.validate_qualified_name(key, f"{idx}.key"))
        if not key and op != "Exists":
            causes.append(
                fe.invalid(
                    f"{idx}.operator",
                    op,
                    'operator must be Exists when `key` is empty, which means "match all values '
                    'and all keys"',
                )
            )
        if opt(tol, "tolerationSeconds") is not None and effect != "NoExecute":
            causes.append(
                fe.invalid(
                    f"{idx}.effect",
                    effect,
                    "effect must be 'NoExecute' when `tolerationSeconds` is set",
                )
            )
        if op in ("Equal", ""):
            errs = m.is_label_value(value)
            if errs:
                causes.append(fe.invalid(f"{idx}.operator", value, ";".join(errs)))
        elif op == "Exists":
            if value:
                causes.append(
                    fe.invalid(
                        f"{idx}.operator", value, "value must be empty when `operator` is 'Exists'"
                    )
                )
        else:
            causes.append(fe.not_supported(f"{idx}.operator", op, ("Equal", "Exists")))
        if effect and effect not in ("NoSchedule", "PreferNoSchedule", "NoExecute"):
            causes.append(
                fe.not_supported(
                    f"{idx}.effect", effect, ("NoExecute", "NoSchedule", "PreferNoSchedule")
                )
            )
    return causes


def _pod_security_context(sc: Any, path: str) -> list[Cause]:
    """validatePodSpecSecurityContext (the common fields)."""
    causes: list[Cause] = []
    if not isinstance(sc, dict):
        return causes
    fs_group = opt(sc, "fsGroup")
    if isinstance(fs_group, int) and not 0 <= fs_group <= 2**31 - 1:
        causes.append(
            fe.invalid(f"{path}.fsGroup", fs_group, m.inclusive_range_error(0, 2**31 - 1))
        )
    for key in ("runAsUser", "runAsGroup"):
        value = opt(sc, key)
        if isinstance(value, int) and not 0 <= value <= 2**31 - 1:
            causes.append(fe.invalid(f"{path}.{key}", value, m.inclusive_range_error(0, 2**31 - 1)))
    for g, gid in enumerate(lst(sc, "supplementalGroups")):
        if isinstance(gid, int) and not 0 <= gid <= 2**31 - 1:
            causes.append(
                fe.invalid(
                    f"{path}.supplementalGroups[{g}]", gid, m.inclusive_range_error(0, 2**31 - 1)
                )
            )
    policy = opt(sc, "fsGroupChangePolicy")
    if isinstance(policy, str) and policy not in ("Always", "OnRootMismatch"):
        causes.append(
            fe.not_supported(f"{path}.fsGroupChangePolicy", policy, ("Always", "OnRootMismatch"))
        )
    causes.extend(_seccomp(opt(sc, "seccompProfile"), f"{path}.seccompProfile"))
    return causes


def _valid_ip(value: str) -> bool:
    """netutils.ParseIPSloppy: IPv4 (leading zeros allowed) or IPv6."""
    import ipaddress

    parts = value.split(".")
    if len(parts) == 4 and all(p.isdigit() and len(p) <= 3 and int(p) < 256 for p in parts):
        return True
    try:
        return isinstance(ipaddress.ip_address(value), ipaddress.IPv6Address)
    except ValueError:
        return False


def _node_selector_requirement(rq: Any, path: str, allow_invalid_values: bool) -> list[Cause]:
    """ValidateNodeSelectorRequirement."""
    causes: list[Cause] = []
    op, values = s(rq, "operator"), lst(rq, "values")
    if op in ("In", "NotIn"):
        if not values:
            causes.append(
                fe.required(
                    f"{path}.values", "must be specified when `operator` is 'In' or 'NotIn'"
                )
            )
    elif op in ("Exists", "DoesNotExist"):
        if values:
            causes.append(
                fe.forbidden(
                    f"{path}.values",
                    "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                )
            )
    elif op in ("Gt", "Lt"):
        if len(values) != 1:
            causes.append(
                fe.required(
                    f"{path}.values",
                    "must be specified single value when `operator` is 'Lt' or 'Gt'",
                )
            )
    else:
        causes.append(fe.invalid(f"{path}.operator", op, "not a valid selector operator"))
    causes.extend(m.validate_qualified_name(s(rq, "key"), f"{path}.key"))
    if not allow_invalid_values:
        for i, value in enumerate(values):
            if isinstance(value, str):
                causes.extend(
                    fe.invalid(f"{path}.values[{i}]", value, msg) for msg in m.is_label_value(value)
                )
    return causes


def _node_selector_term(term: Any, path: str, allow_invalid_values: bool) -> list[Cause]:
    causes: list[Cause] = []
    for j, rq in enumerate(lst(term, "matchExpressions")):
        causes.extend(
            _node_selector_requirement(rq, f"{path}.matchExpressions[{j}]", allow_invalid_values)
        )
    for j, rq in enumerate(lst(term, "matchFields")):
        fp = f"{path}.matchFields[{j}]"
        if s(rq, "operator") in ("In", "NotIn"):
            if len(lst(rq, "values")) != 1:
                causes.append(
                    fe.required(
                        f"{fp}.values",
                        "must be only one value when `operator` is 'In' or 'NotIn' for node field selector",
                    )
                )
        else:
            causes.append(
                fe.invalid(f"{fp}.operator", s(rq, "operator"), "not a valid selector operator")
            )
        if s(rq, "key") != "metadata.name":
            causes.append(fe.invalid(f"{fp}.key", s(rq, "key"), "not a valid field selector key"))
        else:
            for i, value in enumerate(lst(rq, "values")):
                causes.extend(
                    fe.invalid(f"{fp}.values[{i}]", value, msg)
                    for msg in m.name_is_dns_subdomain(str(value), False)
                )
    return causes


def _pod_affinity_term(term: Any, path: str) -> list[Cause]:
    causes: list[Cause] = []
    if opt(term, "labelSelector") is not None:
        causes.extend(m.validate_label_selector(d(term, "labelSelector"), f"{path}.labelSelector"))
    if opt(term, "namespaceSelector") is not None:
        causes.extend(
            m.validate_label_selector(d(term, "namespaceSelector"), f"{path}.namespaceSelector")
        )
    for name in lst(term, "namespaces"):
        causes.extend(
            fe.invalid(f"{path}.namespace", name, msg)
            for msg in m.name_is_dns_label(str(name), False)
        )
    key = s(term, "topologyKey")
    if not key:
        causes.append(fe.required(f"{path}.topologyKey", "can not be empty"))
    causes.extend(m.validate_qualified_name(key, f"{path}.topologyKey"))
    return causes


def _affinity(affinity: Any, path: str) -> list[Cause]:
    """validateAffinity."""
    causes: list[Cause] = []
    if not isinstance(affinity, dict):
        return causes
    node = opt(affinity, "nodeAffinity")
    if isinstance(node, dict):
        np = f"{path}.nodeAffinity"
        required = opt(node, "requiredDuringSchedulingIgnoredDuringExecution")
        if isinstance(required, dict):
            rp = f"{np}.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms"
            terms = lst(required, "nodeSelectorTerms")
            if not terms:
                causes.append(fe.required(rp, "must have at least one node selector term"))
            for i, term in enumerate(terms):
                causes.extend(_node_selector_term(term, f"{rp}[{i}]", False))
        for i, term in enumerate(lst(node, "preferredDuringSchedulingIgnoredDuringExecution")):
            tp = f"{np}.preferredDuringSchedulingIgnoredDuringExecution[{i}]"
            weight = m.n(term, "weight")
            if not 0 < weight <= 100:
                causes.append(fe.invalid(f"{tp}.weight", weight, "must be in the range 1-100"))
            causes.extend(_node_selector_term(d(term, "preference"), f"{tp}.preference", True))
    for key in ("podAffinity", "podAntiAffinity"):
        pod = opt(affinity, key)
        if not isinstance(pod, dict):
            continue
        pp = f"{path}.{key}"
        for i, term in enumerate(lst(pod, "requiredDuringSchedulingIgnoredDuringExecution")):
            causes.extend(
                _pod_affinity_term(
                    term, f"{pp}.requiredDuringSchedulingIgnoredDuringExecution[{i}]"
                )
            )
        for i, term in enumerate(lst(pod, "preferredDuringSchedulingIgnoredDuringExecution")):
            tp = f"{pp}.preferredDuringSchedulingIgnoredDuringExecution[{i}]"
            weight = m.n(term, "weight")
            if not 0 < weight <= 100:
                causes.append(fe.invalid(f"{tp}.weight", weight, "must be in the range 1-100"))
            causes.extend(_pod_affinity_term(d(term, "podAffinityTerm"), f"{tp}.podAffinityTerm"))
    return causes


def _dns_config(config: Any, policy: str, path: str) -> list[Cause]:
    """validatePodDNSConfig (RelaxedDNSSearchValidation is on in 1.36)."""
    if policy == "None":
        if config is None:
            return [fe.required(path, "must provide `dnsConfig` when `dnsPolicy` is None")]
        if not lst(config, "nameservers"):
            return [
                fe.required(
                    f"{path}.nameservers",
                    "must provide at least one DNS nameserver when `dnsPolicy` is None",
                )
            ]
    if not isinstance(config, dict):
        return []
    causes: list[Cause] = []
    servers = lst(config, "nameservers")
    if len(servers) > 3:
        causes.append(
            fe.invalid(f"{path}.nameservers", servers, "must not have more than 3 nameservers")
        )
    for i, server in enumerate(servers):
        if not _valid_ip(str(server)):
            causes.append(
                fe.invalid(
                    f"{path}.nameservers[{i}]",
                    server,
                    "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
                )
            )
    searches = [str(x) for x in lst(config, "searches")]
    if len(searches) > 32:
        causes.append(
            fe.invalid(f"{path}.searches", searches, "must not have more than 32 search paths")
        )
    if len(" ".join(searches)) > 2048:
        causes.append(
            fe.invalid(
                f"{path}.searches",
                searches,
                "must not have more than 2048 characters (including spaces) in the search list",
            )
        )
    for i, search in enumerate(searches):
        if search == ".":
            continue
        search = search.removesuffix(".")
        causes.extend(
            fe.invalid(f"{path}.searches[{i}]", search, msg)
            for msg in _subdomain_with_underscore(search)
        )
    for i, option in enumerate(lst(config, "options")):
        if not s(option, "name"):
            causes.append(fe.required(f"{path}.options[{i}]", "must not be empty"))
    return causes


_UNDERSCORE_LABEL = "_?[a-z0-9]([-_a-z0-9]*[a-z0-9])?"
_UNDERSCORE_SUBDOMAIN = _UNDERSCORE_LABEL + "(\\." + _UNDERSCORE_LABEL + ")*"


def _subdomain_with_underscore(value: str) -> list[str]:
    import re

    errs = []
    if len(value.encode()) > 253:
        errs.append(m.max_len_error(253))
    if not re.fullmatch(_UNDERSCORE_SUBDOMAIN, value):
        errs.append(
            m.regex_error(
                "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
                "'_', '-' or '.', and must start and end with an alphanumeric character",
                _UNDERSCORE_SUBDOMAIN,
                "example.com",
            )
        )
    return errs


def _topology_spread(constraints: list[Any], path: str) -> list[Cause]:
    """validateTopologySpreadConstraints."""
    causes: list[Cause] = []
    for i, c in enumerate(constraints):
        cp = f"{path}[{i}]"
        skew = m.n(c, "maxSkew")
        if skew <= 0:
            causes.append(fe.invalid(f"{cp}.maxSkew", skew, "must be greater than zero"))
        if not s(c, "topologyKey"):
            causes.append(fe.required(f"{cp}.topologyKey", "can not be empty"))
        action = s(c, "whenUnsatisfiable")
        if action not in ("DoNotSchedule", "ScheduleAnyway"):
            causes.append(
                fe.not_supported(
                    f"{cp}.whenUnsatisfiable", action, ("DoNotSchedule", "ScheduleAnyway")
                )
            )
        for other in constraints[i + 1 :]:
            if (
                s(other, "topologyKey") == s(c, "topologyKey")
                and s(other, "whenUnsatisfiable") == action
            ):
                causes.append(
                    fe.duplicate(
                        f"{cp}.{{topologyKey, whenUnsatisfiable}}",
                        f"{{{s(c, 'topologyKey')}, {action}}}",
                    )
                )
                break
        domains = opt(c, "minDomains")
        if isinstance(domains, int):
            if domains <= 0:
                causes.append(fe.invalid(f"{cp}.minDomains", domains, "must be greater than zero"))
            if action != "DoNotSchedule":
                causes.append(
                    fe.invalid(
                        f"{cp}.minDomains",
                        domains,
                        f"can only use minDomains if whenUnsatisfiable=DoNotSchedule, not {action}",
                    )
                )
        for key in ("nodeAffinityPolicy", "nodeTaintsPolicy"):
            policy = opt(c, key)
            if isinstance(policy, str) and policy not in ("Honor", "Ignore"):
                causes.append(
                    fe.not_supported(f"{cp}.{key}", fe.GoJSONValue(policy), ("Honor", "Ignore"))
                )
        selector = opt(c, "labelSelector")
        # matchLabelKeys: merged into the selector by the pod strategy in 1.36 (not modelled)
        if selector is not None:
            causes.extend(m.validate_label_selector(selector, f"{cp}.labelSelector"))
    return causes


def validate_pod_spec(spec: Any, path: str, is_pod: bool) -> list[Cause]:
    """ValidatePodSpec."""
    causes: list[Cause] = []
    grace = opt(spec, "terminationGracePeriodSeconds")
    if grace is None:
        grace = 30  # SetDefaults_PodSpec
    host_users = d(spec, "securityContext").get("hostUsers") is not False
    volumes, vol_causes = validate_volumes(lst(spec, "volumes"), f"{path}.volumes")
    causes.extend(vol_causes)
    containers = lst(spec, "containers")
    causes.extend(validate_containers(containers, volumes, grace, f"{path}.containers", host_users))
    causes.extend(
        validate_init_containers(
            lst(spec, "initContainers"),
            containers,
            volumes,
            grace,
            f"{path}.initContainers",
            host_users,
        )
    )
    if spec.get("hostNetwork") is True:
        for ci, ctr in enumerate(containers):
            for pi, port in enumerate(lst(ctr, "ports")):
                hp, cp = n(port, "hostPort"), n(port, "containerPort")
                if (is_pod and "hostPort" in port or hp != 0) and hp != cp:
                    causes.append(
                        fe.invalid(
                            f"{path}.containers[{ci}].ports[{pi}].hostPort",
                            hp,
                            "must match `containerPort` when `hostNetwork` is true",
                        )
                    )
    restart = s(spec, "restartPolicy") if "restartPolicy" in spec else "Always"
    if not restart:
        causes.append(fe.required(f"{path}.restartPolicy"))
    elif restart not in _RESTART_POLICIES:
        causes.append(fe.not_supported(f"{path}.restartPolicy", restart, _RESTART_POLICIES))
    dns = s(spec, "dnsPolicy") if "dnsPolicy" in spec else "ClusterFirst"
    if not dns:
        causes.append(fe.required(f"{path}.dnsPolicy"))
    elif dns not in _DNS_POLICIES:
        causes.append(fe.not_supported(f"{path}.dnsPolicy", dns, _DNS_POLICIES))
    causes.extend(m.validate_labels(spec.get("nodeSelector"), f"{path}.nodeSelector"))
    causes.extend(_pod_security_context(opt(spec, "securityContext"), f"{path}.securityContext"))
    causes.extend(_affinity(opt(spec, "affinity"), f"{path}.affinity"))
    causes.extend(_dns_config(opt(spec, "dnsConfig"), dns, f"{path}.dnsConfig"))
    for i, gate in enumerate(lst(spec, "readinessGates")):
        causes.extend(
            m.validate_qualified_name(
                s(gate, "conditionType"), f"{path}.readinessGates[{i}].conditionType"
            )
        )
    gates: set[str] = set()
    for i, gate in enumerate(lst(spec, "schedulingGates")):
        gname = s(gate, "name")
        causes.extend(m.validate_qualified_name(gname, f"{path}.schedulingGates[{i}]"))
        if gname in gates:
            causes.append(fe.duplicate(f"{path}.schedulingGates[{i}]", gname))
        gates.add(gname)
    causes.extend(
        _topology_spread(
            lst(spec, "topologySpreadConstraints"), f"{path}.topologySpreadConstraints"
        )
    )
    sa = s(spec, "serviceAccountName")
    if sa:
        causes.extend(
            fe.invalid(f"{path}.serviceAccountName", sa, msg)
            for msg in m.name_is_dns_subdomain(sa, False)
        )
    node = s(spec, "nodeName")
    if node:
        causes.extend(
            fe.invalid(f"{path}.nodeName", node, msg)
            for msg in m.name_is_dns_subdomain(node, False)
        )
    deadline = opt(spec, "activeDeadlineSeconds")
    if isinstance(deadline, int) and not 1 <= deadline <= 2**31 - 1:
        causes.append(
            fe.invalid(
                f"{path}.activeDeadlineSeconds", deadline, m.inclusive_range_error(1, 2**31 - 1)
            )
        )
    for key in ("hostname", "subdomain"):
        if s(spec, key):
            causes.extend(m.validate_dns1123_label(s(spec, key), f"{path}.{key}"))
    if lst(spec, "tolerations"):
        causes.extend(_tolerations(lst(spec, "tolerations"), f"{path}.tolerations"))
    pcn = s(spec, "priorityClassName")
    if pcn:
        causes.extend(
            fe.invalid(f"{path}.priorityClassName", pcn, msg)
            for msg in m.name_is_dns_subdomain(pcn, False)
        )
    rcn = opt(spec, "runtimeClassName")
    if isinstance(rcn, str):
        causes.extend(
            fe.invalid(f"{path}.runtimeClassName", rcn, msg)
            for msg in m.name_is_dns_subdomain(rcn, False)
        )
    pp = opt(spec, "preemptionPolicy")
    if isinstance(pp, str) and pp not in ("PreemptLowerPriority", "Never"):
        if not pp:
            causes.append(fe.required(f"{path}.preemptionPolicy"))
        else:
            causes.append(
                fe.not_supported(f"{path}.preemptionPolicy", pp, ("PreemptLowerPriority", "Never"))
            )
    os_name = opt(d(spec, "os"), "name") if opt(spec, "os") is not None else None
    if isinstance(os_name, str) and os_name not in ("linux", "windows"):
        causes.append(fe.not_supported(f"{path}.os.name", os_name, ("linux", "windows")))
    return causes


def _defaulted_requests(spec: Any) -> Any:
    """SetDefaults_Pod: a container's requests default to its limits (Pods only)."""
    out = dict(spec)
    for key in ("containers", "initContainers"):
        ctrs = []
        for ctr in lst(spec, key):
            res = d(ctr, "resources")
            limits = d(res, "limits")
            if limits:
                requests = {**limits, **d(res, "requests")}
                ctr = {**ctr, "resources": {**res, "requests": requests}}
            ctrs.append(ctr)
        if key in spec:
            out[key] = ctrs
    return out


def validate_pod(obj: dict[str, Any], create: bool = True) -> list[Cause]:
    """ValidatePodCreate (validatePodMetadataAndSpec + create-only rules)."""
    spec = _defaulted_requests(d(obj, "spec"))
    causes = m.validate_object_meta(obj, True, m.name_is_dns_subdomain)
    causes.extend(validate_pod_spec(spec, "spec", True))
    if not s(spec, "serviceAccountName"):
        for vi, vol in enumerate(lst(spec, "volumes")):
            for si, source in enumerate(lst(d(vol, "projected"), "sources")):
                if opt(source, "serviceAccountToken") is not None:
                    causes.append(
                        fe.forbidden(
                            f"spec.volumes[{vi}].projected.sources[{si}].serviceAccountToken",
                            "must not be specified when serviceAccountName is not set",
                        )
                    )
    for key in ("containers", "initContainers"):
        for i, ctr in enumerate(lst(spec, key)):
            image = s(ctr, "image")
            if image != image.strip():
                causes.append(
                    fe.invalid(
                        f"spec.{key}[{i}].image",
                        image,
                        "must not have leading or trailing whitespace",
                    )
                )
    if not create:
        return causes
    if lst(spec, "ephemeralContainers"):
        causes.append(fe.forbidden("spec.ephemeralContainers", "cannot be set on create"))
    if s(spec, "nodeName") and lst(spec, "schedulingGates"):
        causes.append(
            fe.forbidden(
                "spec.nodeName", "cannot be set until all schedulingGates have been cleared"
            )
        )
    return causes


_UPDATABLE_POD_FIELDS = (
    "`spec.containers[*].image`",
    "`spec.initContainers[*].image`",
    "`spec.activeDeadlineSeconds`",
    "`spec.tolerations` (only additions to existing tolerations)",
    "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
)


def validate_pod_update(new: dict[str, Any], old: dict[str, Any]) -> list[Cause]:
    """ValidatePodUpdate. The "pod updates may not change fields" message ends with
    diff.Diff(oldPod.Spec, mungedPodSpec) of the internal structs (godiff.py)."""
    causes = m.validate_object_meta_update(new, old)
    causes.extend(validate_pod(new, create=False))
    nspec, ospec = d(new, "spec"), d(old, "spec")
    for key in ("containers", "initContainers"):
        ncs, ocs = lst(nspec, key), lst(ospec, key)
        if len(ncs) != len(ocs):
            causes.append(
                fe.forbidden(f"spec.{key}", "pod updates may not add or remove containers")
            )
            return causes
        for i, ctr in enumerate(ncs):
            image = s(ctr, "image")
            if not image:
                causes.append(fe.required(f"spec.{key}[{i}].image"))
            if image != image.strip():
                causes.append(
                    fe.invalid(
                        f"spec.{key}[{i}].image",
                        image,
                        "must not have leading or trailing whitespace",
                    )
                )
    deadline, old_deadline = (
        opt(nspec, "activeDeadlineSeconds"),
        opt(ospec, "activeDeadlineSeconds"),
    )
    if isinstance(deadline, int):
        if not 0 <= deadline <= 2**31 - 1:
            causes.append(
                fe.invalid(
                    "spec.activeDeadlineSeconds", deadline, m.inclusive_range_error(0, 2**31 - 1)
                )
            )
            return causes
        if isinstance(old_deadline, int) and old_deadline < deadline:
            causes.append(
                fe.invalid(
                    "spec.activeDeadlineSeconds",
                    deadline,
                    "must be less than or equal to previous value",
                )
            )
            return causes
    elif old_deadline is not None:
        causes.append(
            fe.invalid(
                "spec.activeDeadlineSeconds",
                fe.GoJSONValue(None),
                "must not update from a positive integer to nil value",
            )
        )
    munged = dict(nspec)
    for key in ("containers", "initContainers"):
        if key in munged:
            munged[key] = [
                {**c, "image": o.get("image")}
                if "image" in o
                else {k: v for k, v in c.items() if k != "image"}
                for c, o in zip(lst(nspec, key), lst(ospec, key), strict=False)
            ]
    for key in ("activeDeadlineSeconds", "schedulingGates", "tolerations"):
        munged.pop(key, None)
        if key in ospec:
            munged[key] = ospec[key]
    if munged != ospec:
        causes.append(
            fe.forbidden(
                "spec",
                "pod updates may not change fields other than "
                + ",".join(_UPDATABLE_POD_FIELDS)
                + "\n"
                + godiff.diff(f"{_CORE}.PodSpec", ospec, munged),
            )
        )
    return causes


def validate_pod_template_spec(template: Any, path: str) -> list[Cause]:
    """ValidatePodTemplateSpec: labels and annotations of the template, then the pod spec."""
    causes: list[Cause] = []
    tmeta = d(template, "metadata")
    causes.extend(m.validate_labels(tmeta.get("labels"), f"{path}.labels"))
    causes.extend(m.validate_annotations(tmeta.get("annotations"), f"{path}.annotations"))
    causes.extend(validate_pod_spec(d(template, "spec"), f"{path}.spec", False))
    if lst(d(template, "spec"), "ephemeralContainers"):
        causes.append(
            fe.forbidden(
                f"{path}.spec.ephemeralContainers",
                "ephemeral containers not allowed in pod template",
            )
        )
    return causes


def validate_pod_template(obj: dict[str, Any]) -> list[Cause]:
    causes = m.validate_object_meta(obj, True, m.name_is_dns_subdomain)
    causes.extend(validate_pod_template_spec(d(obj, "template"), "template"))
    return causes


# -- services -------------------------------------------------------------------------------------

_SERVICE_TYPES = ("ClusterIP", "ExternalName", "LoadBalancer", "NodePort")


def _is_headless(spec: Any) -> bool:
    return s(spec, "clusterIP") == "None" or (lst(spec, "clusterIPs")[:1] == ["None"])


def validate_service(obj: dict[str, Any]) -> list[Cause]:
    """ValidateServiceCreate: ObjectMeta (DNS labels: RelaxedServiceNameValidation is on in
    1.36) + validateService."""
    causes = m.validate_object_meta(obj, True, m.name_is_dns_label)
    return causes + _service_spec(obj, None)


_TOPOLOGY_HINTS = "service.kubernetes.io/topology-aware-hints"
_TOPOLOGY_MODE = "service.kubernetes.io/topology-mode"
_SOURCE_RANGES = "service.beta.kubernetes.io/load-balancer-source-ranges"
_IP_FAMILIES = ("IPv4", "IPv6")
_IP_FAMILY_POLICIES = ("PreferDualStack", "RequireDualStack", "SingleStack")
_TRAFFIC_POLICIES = ("Cluster", "Local")
_TRAFFIC_DISTRIBUTIONS = ("PreferClose", "PreferSameZone", "PreferSameNode")
_MAX_AFFINITY_SECONDS = 86400


def _externally_accessible(spec: Any) -> bool:
    """apiservice.ExternallyAccessible."""
    stype = s(spec, "type")
    return stype in ("LoadBalancer", "NodePort") or (
        stype == "ClusterIP" and bool(lst(spec, "externalIPs"))
    )


def _needs_health_check(spec: Any) -> bool:
    return s(spec, "type") == "LoadBalancer" and s(spec, "externalTrafficPolicy") == "Local"


def _client_ip_affinity(config: Any, path: str) -> list[Cause]:
    """validateClientIPAffinityConfig."""
    detail = "when session affinity type is ClientIP"
    if not isinstance(config, dict):
        return [fe.required(path, detail)]
    client = opt(config, "clientIP")
    if not isinstance(client, dict):
        return [fe.required(f"{path}.clientIP", detail)]
    timeout = opt(client, "timeoutSeconds")
    if not isinstance(timeout, int):
        return [fe.required(f"{path}.clientIP.timeoutSeconds", detail)]
    if timeout <= 0 or timeout > _MAX_AFFINITY_SECONDS:
        return [
            fe.invalid(
                f"{path}.clientIP.timeoutSeconds",
                timeout,
                f"must be greater than 0 and less than {_MAX_AFFINITY_SECONDS}",
            )
        ]
    return []


def _cluster_ips_related(spec: Any, old_spec: Any) -> list[Cause]:
    """ValidateServiceClusterIPsRelatedFields."""
    if s(spec, "type") == "ExternalName":
        return []
    causes: list[Cause] = []
    ips = [str(ip) for ip in lst(spec, "clusterIPs")]
    cluster_ip = s(spec, "clusterIP")
    if cluster_ip:
        if not ips:
            causes.append(fe.required("spec.clusterIPs"))
        elif ips[0] != cluster_ip:
            causes.append(fe.invalid("spec.clusterIPs", ips, "first value must match `clusterIP`"))
    elif ips:
        causes.append(
            fe.invalid("spec.clusterIPs", ips, "must be empty when `clusterIP` is not specified")
        )
    families = lst(spec, "ipFamilies")
    seen: set[Any] = set()
    for i, family in enumerate(families):
        if family not in _IP_FAMILIES:
            causes.append(fe.not_supported(f"spec.ipFamilies[{i}]", family, _IP_FAMILIES))
        if family in seen:
            causes.append(fe.duplicate(f"spec.ipFamilies[{i}]", family))
        seen.add(family)
    policy = opt(spec, "ipFamilyPolicy")
    if policy is not None and policy not in _IP_FAMILY_POLICIES:
        causes.append(fe.not_supported("spec.ipFamilyPolicy", policy, _IP_FAMILY_POLICIES))
    existing = [str(ip) for ip in lst(old_spec, "clusterIPs")] if old_spec is not None else []
    invalid = False
    for i, ip in enumerate(ips):
        if i == 0 and ip == "None":
            if len(ips) > 1:
                invalid = True
                causes.append(
                    fe.invalid("spec.clusterIPs", ips, "'None' must be the first and only value")
                )
            continue
        errs = netaddr.is_valid_ip_for_legacy_field(f"spec.clusterIPs[{i}]", ip, existing)
        invalid = invalid or bool(errs)
        causes.extend(errs)
    if len(ips) > 2:
        causes.append(fe.invalid("spec.clusterIPs", ips, "may only hold up to 2 values"))
    if invalid:
        return causes
    if len(ips) > 1:
        v6 = [netaddr.is_ipv6_string(ip) for ip in ips]
        if len(ips) != 2 or v6[0] == v6[1]:
            causes.append(
                fe.invalid(
                    "spec.clusterIPs", ips, "may specify no more than one IP for each IP family"
                )
            )
    if not _is_headless(spec) and ips and families:
        for i, ip in enumerate(ips[: len(families)]):
            if families[i] == "IPv4" and netaddr.is_ipv6_string(ip):
                causes.append(
                    fe.invalid(
                        f"spec.clusterIPs[{i}]",
                        ip,
                        f"expected an IPv4 value as indicated by `ipFamilies[{i}]`",
                    )
                )
            if families[i] == "IPv6" and not netaddr.is_ipv6_string(ip):
                causes.append(
                    fe.invalid(
                        f"spec.clusterIPs[{i}]",
                        ip,
                        f"expected an IPv6 value as indicated by `ipFamilies[{i}]`",
                    )
                )
    return causes


def service_allocation_precheck(obj: dict[str, Any]) -> list[Cause]:
    """The service storage's pre-validation before it allocates (pkg/registry/core/service/
    storage/alloc.go initIPFamilyFields, after normalizeClusterIPs): a create whose cluster
    IP fields do not fit is refused with these causes alone, before the strategy's Validate."""
    spec = d(obj, "spec")
    if s(spec, "clusterIP") and not lst(spec, "clusterIPs"):
        spec = {**spec, "clusterIPs": [s(spec, "clusterIP")]}
    return _cluster_ips_related(spec, None)


def _load_balancer_class(spec: Any, old_spec: Any) -> list[Cause]:
    """validateLoadBalancerClassField."""
    causes: list[Cause] = []
    lb_class = opt(spec, "loadBalancerClass")
    is_lb = s(spec, "type") == "LoadBalancer"
    if (
        old_spec is not None
        and is_lb
        and s(old_spec, "type") == "LoadBalancer"
        and opt(old_spec, "loadBalancerClass") != lb_class
    ):
        causes.append(fe.invalid("spec.loadBalancerClass", lb_class, "may not change once set"))
    if is_lb:
        if isinstance(lb_class, str):
            causes.extend(m.validate_qualified_name(lb_class, "spec.loadBalancerClass"))
    elif lb_class is not None:
        causes.append(
            fe.forbidden("spec.loadBalancerClass", "may only be used when `type` is 'LoadBalancer'")
        )
    return causes


def _traffic_policies(spec: Any) -> list[Cause]:
    """validateServiceExternalTrafficPolicy, validateServiceInternalTrafficFieldsValue,
    validateServiceTrafficDistribution."""
    causes: list[Cause] = []
    external = s(spec, "externalTrafficPolicy")
    if not _externally_accessible(spec):
        if external:
            causes.append(
                fe.invalid(
                    "spec.externalTrafficPolicy",
                    external,
                    "may only be set for externally-accessible services",
                )
            )
    elif not external:
        causes.append(fe.required("spec.externalTrafficPolicy"))
    elif external not in _TRAFFIC_POLICIES:
        causes.append(fe.not_supported("spec.externalTrafficPolicy", external, _TRAFFIC_POLICIES))
    health = n(spec, "healthCheckNodePort")
    if not _needs_health_check(spec):
        if health:
            causes.append(
                fe.invalid(
                    "spec.healthCheckNodePort",
                    health,
                    "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` "
                    "is 'Local'",
                )
            )
    elif not health:
        causes.append(fe.required("spec.healthCheckNodePort"))
    else:
        causes.extend(
            fe.invalid("spec.healthCheckNodePort", health, msg)
            for msg in m.is_valid_port_num(health)
        )
    internal_policy = opt(spec, "internalTrafficPolicy")
    if internal_policy is None:
        if s(spec, "type") in ("NodePort", "LoadBalancer", "ClusterIP"):
            causes.append(fe.required("spec.internalTrafficPolicy"))
    elif internal_policy not in _TRAFFIC_POLICIES:
        causes.append(
            fe.not_supported("spec.internalTrafficPolicy", internal_policy, _TRAFFIC_POLICIES)
        )
    distribution = opt(spec, "trafficDistribution")
    if distribution is not None and distribution not in _TRAFFIC_DISTRIBUTIONS:
        causes.append(
            fe.not_supported("spec.trafficDistribution", distribution, _TRAFFIC_DISTRIBUTIONS)
        )
    return causes


def _service_spec(obj: dict[str, Any], old: dict[str, Any] | None) -> list[Cause]:
    """validateService."""
    causes: list[Cause] = []
    spec = d(obj, "spec")
    old_spec = d(old, "spec") if old is not None else None
    annotations = d(d(obj, "metadata"), "annotations")
    if (
        _TOPOLOGY_MODE in annotations
        and _TOPOLOGY_HINTS in annotations
        and annotations[_TOPOLOGY_MODE] != annotations[_TOPOLOGY_HINTS]
    ):
        causes.append(
            fe.invalid(
                f"metadata.annotations[{_TOPOLOGY_MODE}]",
                annotations[_TOPOLOGY_MODE],
                f"must match annotations[{_TOPOLOGY_HINTS}] when both are specified",
            )
        )
    stype = s(spec, "type") if "type" in spec else "ClusterIP"
    ports = lst(spec, "ports")
    headless = _is_headless(spec)
    if not ports and not headless and stype != "ExternalName":
        causes.append(fe.required("spec.ports"))
    if stype == "LoadBalancer" and headless:
        causes.append(
            fe.invalid(
                "spec.clusterIPs[0]", "None", "may not be set to 'None' for LoadBalancer services"
            )
        )
    elif stype == "NodePort" and headless:
        causes.append(
            fe.invalid(
                "spec.clusterIPs[0]", "None", "may not be set to 'None' for NodePort services"
            )
        )
    elif stype == "ExternalName":
        if lst(spec, "clusterIPs") or s(spec, "clusterIP"):
            causes.append(
                fe.forbidden("spec.clusterIPs", "may not be set for ExternalName services")
            )
        if lst(spec, "ipFamilies"):
            causes.append(
                fe.forbidden("spec.ipFamilies", "may not be set for ExternalName services")
            )
        if opt(spec, "ipFamilyPolicy") is not None:
            causes.append(
                fe.forbidden("spec.ipFamilyPolicy", "may not be set for ExternalName services")
            )
        cname = s(spec, "externalName").removesuffix(".")
        if cname:
            causes.extend(m.validate_dns1123_subdomain(cname, "spec.externalName"))
        else:
            causes.append(fe.required("spec.externalName"))
    names: set[str] = set()
    for i, port in enumerate(ports):
        pp = f"spec.ports[{i}]"
        pname = s(port, "name")
        if len(ports) > 1 and not pname:
            causes.append(fe.required(f"{pp}.name"))
        elif pname:
            causes.extend(m.validate_dns1123_label(pname, f"{pp}.name"))
            if pname in names:
                causes.append(fe.duplicate(f"{pp}.name", pname))
            else:
                names.add(pname)
        number = n(port, "port")
        causes.extend(fe.invalid(f"{pp}.port", number, msg) for msg in m.is_valid_port_num(number))
        protocol = s(port, "protocol") if "protocol" in port else "TCP"
        if not protocol:
            causes.append(fe.required(f"{pp}.protocol"))
        elif protocol not in PORT_PROTOCOLS:
            causes.append(fe.not_supported(f"{pp}.protocol", protocol, PORT_PROTOCOLS))
        target = port.get("targetPort", number) if isinstance(port, dict) else number
        if target in (0, "", None):
            target = number  # SetDefaults_Service: targetPort defaults to port
        causes.extend(_port_num_or_name(target, f"{pp}.targetPort"))
        app = opt(port, "appProtocol")
        if isinstance(app, str):
            causes.extend(m.validate_qualified_name(app, f"{pp}.appProtocol"))
    if opt(spec, "selector") is not None:
        causes.extend(m.validate_labels(spec.get("selector"), "spec.selector"))
    affinity = s(spec, "sessionAffinity") if "sessionAffinity" in spec else "None"
    if not affinity:
        causes.append(fe.required("spec.sessionAffinity"))
    elif affinity not in ("ClientIP", "None"):
        causes.append(fe.not_supported("spec.sessionAffinity", affinity, ("ClientIP", "None")))
    if affinity == "ClientIP":
        causes.extend(
            _client_ip_affinity(opt(spec, "sessionAffinityConfig"), "spec.sessionAffinityConfig")
        )
    elif affinity == "None" and opt(spec, "sessionAffinityConfig") is not None:
        causes.append(
            fe.forbidden(
                "spec.sessionAffinityConfig", "must not be set when session affinity is None"
            )
        )
    causes.extend(_cluster_ips_related(spec, old_spec))
    existing_external = (
        [str(ip) for ip in lst(old_spec, "externalIPs")] if old_spec is not None else []
    )
    for i, ip in enumerate(lst(spec, "externalIPs")):
        ep = f"spec.externalIPs[{i}]"
        errs = netaddr.is_valid_ip_for_legacy_field(ep, str(ip), existing_external)
        causes.extend(errs or netaddr.validate_endpoint_ip(str(ip), ep))
    if not stype:
        causes.append(fe.required("spec.type"))
    elif stype not in _SERVICE_TYPES:
        causes.append(fe.not_supported("spec.type", stype, _SERVICE_TYPES))
    if stype == "ClusterIP":
        for i, port in enumerate(ports):
            if n(port, "nodePort"):
                causes.append(
                    fe.forbidden(
                        f"spec.ports[{i}].nodePort", "may not be used when `type` is 'ClusterIP'"
                    )
                )
    node_ports: set[tuple[str, int]] = set()
    for i, port in enumerate(ports):
        np = n(port, "nodePort")
        if not np:
            continue
        key = (s(port, "protocol") or "TCP", np)
        if key in node_ports:
            causes.append(fe.duplicate(f"spec.ports[{i}].nodePort", np))
        node_ports.add(key)
    seen: set[tuple[str, int]] = set()
    for i, port in enumerate(ports):
        pkey = (s(port, "protocol") or "TCP", n(port, "port"))
        if pkey in seen:
            causes.append(
                fe.duplicate(
                    f"spec.ports[{i}]",
                    internal.render(f"{_CORE}.ServicePort", {"protocol": pkey[0], "port": pkey[1]}),
                )
            )
        seen.add(pkey)
    ranges = lst(spec, "loadBalancerSourceRanges")
    if ranges:
        rp = "spec.LoadBalancerSourceRanges"
        if stype != "LoadBalancer":
            causes.append(fe.forbidden(rp, "may only be used when `type` is 'LoadBalancer'"))
        existing = (
            [str(v).strip() for v in lst(old_spec, "loadBalancerSourceRanges")]
            if old_spec is not None
            else []
        )
        for i, value in enumerate(ranges):
            causes.extend(
                netaddr.is_valid_cidr_for_legacy_field(f"{rp}[{i}]", str(value).strip(), existing)
            )
    elif _SOURCE_RANGES in annotations:
        ap = f"metadata.annotations[{_SOURCE_RANGES}]"
        if stype != "LoadBalancer":
            causes.append(fe.forbidden(ap, "may only be used when `type` is 'LoadBalancer'"))
        value = str(annotations[_SOURCE_RANGES])
        old_value = d(d(old, "metadata"), "annotations").get(_SOURCE_RANGES) if old else None
        if old is None or old_value != value:
            value = value.strip()
            if value:
                for cidr in value.split(","):
                    causes.extend(netaddr.is_valid_cidr_for_legacy_field(ap, cidr.strip()))
    allocate = opt(spec, "allocateLoadBalancerNodePorts")
    if allocate is not None and stype != "LoadBalancer":
        causes.append(
            fe.forbidden(
                "spec.allocateLoadBalancerNodePorts",
                "may only be used when `type` is 'LoadBalancer'",
            )
        )
    if stype == "LoadBalancer" and allocate is None:
        causes.append(fe.required("allocateLoadBalancerNodePorts"))
    causes.extend(_load_balancer_class(spec, None))
    causes.extend(_traffic_policies(spec))
    return causes


def _ip_families_update(ns: Any, os_: Any) -> list[Cause]:
    """validateUpgradeDowngradeIPFamilies."""
    if "ExternalName" in (s(ns, "type"), s(os_, "type")):
        return []
    if _is_headless(ns) or _is_headless(os_):
        return []
    causes: list[Cause] = []
    new_f, old_f = lst(ns, "ipFamilies"), lst(os_, "ipFamilies")
    ips = lst(ns, "clusterIPs")
    path = "spec.ipFamilies[0]"
    if len(old_f) == len(new_f):
        for i, family in enumerate(old_f):
            if family != new_f[i]:
                causes.append(fe.invalid(path, new_f, "may not change once set"))
    elif len(old_f) > len(new_f):
        if not ips:
            causes.append(fe.invalid(path, new_f, "primary ipFamily can not be unset"))
        if new_f and new_f[0] != old_f[0]:
            causes.append(fe.invalid(path, ips, "may not change once set"))
        if len(new_f) == 1 and opt(ns, "ipFamilyPolicy") != "SingleStack":
            causes.append(
                fe.invalid(
                    "spec.ipFamilyPolicy",
                    opt(ns, "ipFamilyPolicy"),
                    "must be set to 'SingleStack' when releasing the secondary ipFamily",
                )
            )
    elif old_f and new_f and new_f[0] != old_f[0]:
        causes.append(fe.invalid(path, ips, "may not change once set"))
    return causes


def validate_service_update(new: dict[str, Any], old: dict[str, Any]) -> list[Cause]:
    """ValidateServiceUpdate: validateUpgradeDowngradeClusterIPs, ...IPFamilies,
    validateLoadBalancerClassField, validateServiceExternalTrafficFieldsUpdate, then
    validateService."""
    causes = m.validate_object_meta_update(new, old)
    ns, os_ = d(new, "spec"), d(old, "spec")
    new_ips, old_ips = lst(ns, "clusterIPs"), lst(os_, "clusterIPs")
    if not new_ips and s(ns, "clusterIP"):
        new_ips = [s(ns, "clusterIP")]  # PrepareForUpdate keeps clusterIPs in step with clusterIP
    if "ExternalName" not in (s(ns, "type"), s(os_, "type")) and not (
        _is_headless(ns) and _is_headless(os_)
    ):
        path = "spec.clusterIPs[0]"
        if len(old_ips) == len(new_ips):
            for i, ip in enumerate(old_ips):
                if ip != new_ips[i]:
                    causes.append(
                        fe.invalid(f"spec.clusterIPs[{i}]", new_ips, "may not change once set")
                    )
        elif len(old_ips) > len(new_ips):
            if not new_ips:
                causes.append(fe.invalid(path, new_ips, "primary clusterIP can not be unset"))
            elif new_ips[0] != old_ips[0]:
                causes.append(fe.invalid(path, new_ips, "may not change once set"))
            if len(new_ips) == 1 and opt(ns, "ipFamilyPolicy") != "SingleStack":
                causes.append(
                    fe.invalid(
                        "spec.ipFamilyPolicy",
                        opt(ns, "ipFamilyPolicy"),
                        "must be set to 'SingleStack' when releasing the secondary clusterIP",
                    )
                )
        elif old_ips and new_ips[0] != old_ips[0]:
            causes.append(fe.invalid(path, new_ips, "may not change once set"))
    causes.extend(_ip_families_update(ns, os_))
    causes.extend(_load_balancer_class(ns, os_))  # and again (old=nil) in validateService
    if (
        _needs_health_check(os_)
        and _needs_health_check(ns)
        and n(ns, "healthCheckNodePort") != n(os_, "healthCheckNodePort")
    ):
        causes.append(fe.forbidden("spec.healthCheckNodePort", "field is immutable"))
    return causes + _service_spec(new, old)


# -- config maps and secrets -----------------------------------------------------------------


def validate_config_map(obj: dict[str, Any]) -> list[Cause]:
    """ValidateConfigMap."""
    causes = m.validate_object_meta(obj, True, m.name_is_dns_subdomain)
    data, binary = d(obj, "data"), d(obj, "binaryData")
    total = 0
    for key in sorted(data):
        causes.extend(fe.invalid(f"data[{key}]", key, msg) for msg in m.is_config_map_key(key))
        if key in binary:
            causes.append(fe.invalid(f"data[{key}]", key, "duplicate of key present in binaryData"))
        total += len(str(data[key]).encode())
    for key in sorted(binary):
        causes.extend(
            fe.invalid(f"binaryData[{key}]", key, msg) for msg in m.is_config_map_key(key)
        )
        total += _b64_len(binary[key])
    if total > MAX_SECRET_SIZE:
        causes.append(fe.too_long("[]", MAX_SECRET_SIZE))
    return causes


def _b64_len(value: Any) -> int:
    if not isinstance(value, str):
        return 0
    text = value.replace("\n", "").replace("\r", "")
    return len(text) * 3 // 4 - text[-2:].count("=")


def _immutable_data(new: dict[str, Any], old: dict[str, Any], keys: tuple[str, ...]) -> list[Cause]:
    causes: list[Cause] = []
    if old.get("immutable") is True:
        if new.get("immutable") is not True:
            causes.append(fe.forbidden("immutable", "field is immutable when `immutable` is set"))
        for key in keys:
            if (new.get(key) or None) != (old.get(key) or None):
                causes.append(fe.forbidden(key, "field is immutable when `immutable` is set"))
    return causes


def validate_config_map_update(new: dict[str, Any], old: dict[str, Any]) -> list[Cause]:
    causes = m.validate_object_meta_update(new, old)
    causes.extend(_immutable_data(new, old, ("data", "binaryData")))
    return causes + validate_config_map(new)


def validate_secret(obj: dict[str, Any]) -> list[Cause]:
    """ValidateSecret."""
    causes = m.validate_object_meta(obj, True, m.name_is_dns_subdomain)
    data = d(obj, "data")
    total = 0
    for key in sorted(data):
        causes.extend(fe.invalid(f"data[{key}]", key, msg) for msg in m.is_config_map_key(key))
        total += _b64_len(data[key])
    if total > MAX_SECRET_SIZE:
        causes.append(fe.too_long("data", MAX_SECRET_SIZE))
    stype = s(obj, "type")
    annotations = d(d(obj, "metadata"), "annotations")
    if stype == "kubernetes.io/service-account-token":
        if not annotations.get("kubernetes.io/service-account.name"):
            causes.append(fe.required("metadata.annotations[kubernetes.io/service-account.name]"))
    elif stype in ("kubernetes.io/dockercfg", "kubernetes.io/dockerconfigjson"):
        key = ".dockercfg" if stype == "kubernetes.io/dockercfg" else ".dockerconfigjson"
        if key not in data:
            causes.append(fe.required(f"data[{key}]"))
    elif stype == "kubernetes.io/basic-auth":
        if "username" not in data and "password" not in data:
            causes.append(fe.required("data[username]"))
            causes.append(fe.required("data[password]"))
    elif stype == "kubernetes.io/ssh-auth":
        if not data.get("ssh-privatekey"):
            causes.append(fe.required("data[ssh-privatekey]"))
    elif stype == "kubernetes.io/tls":
        if "tls.crt" not in data:
            causes.append(fe.required("data[tls.crt]"))
        if "tls.key" not in data:
            causes.append(fe.required("data[tls.key]"))
    return causes


def validate_secret_update(new: dict[str, Any], old: dict[str, Any]) -> list[Cause]:
    causes = m.validate_object_meta_update(new, old)
    if s(new, "type") != s(old, "type"):
        causes.append(fe.invalid("type", s(new, "type"), "field is immutable"))
    causes.extend(_immutable_data(new, old, ("data",)))
    return causes + validate_secret(new)


# -- namespaces, service accounts, PVCs, replication controllers ------------------------------


def validate_namespace(obj: dict[str, Any]) -> list[Cause]:
    causes = m.validate_object_meta(obj, False, m.name_is_dns_label)
    for f in lst(d(obj, "spec"), "finalizers"):
        if isinstance(f, str):
            causes.extend(fe.invalid("spec.finalizers", f, msg) for msg in m.is_qualified_name(f))
            causes.extend(m.kube_finalizer(f, "spec.finalizers"))
    return causes


def validate_service_account(obj: dict[str, Any]) -> list[Cause]:
    return m.validate_object_meta(obj, True, m.name_is_dns_subdomain)


_ACCESS_MODES = ("ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod")


def validate_pvc_spec(spec: Any, path: str) -> list[Cause]:
    """ValidatePersistentVolumeClaimSpec."""
    causes: list[Cause] = []
    modes = lst(spec, "accessModes")
    if not modes:
        causes.append(fe.required(f"{path}.accessModes", "at least 1 access mode is required"))
    if opt(spec, "selector") is not None:
        causes.extend(m.validate_label_selector(d(spec, "selector"), f"{path}.selector"))
    rwop = other = False
    for mode in modes:
        if mode not in _ACCESS_MODES:
            causes.append(fe.not_supported(f"{path}.accessModes", mode, _ACCESS_MODES))
        if mode == "ReadWriteOncePod":
            rwop = True
        elif mode in _ACCESS_MODES:
            other = True
    if rwop and other:
        causes.append(
            fe.forbidden(
                f"{path}.accessModes", "may not use ReadWriteOncePod with other access modes"
            )
        )
    requests = d(d(spec, "resources"), "requests")
    if "storage" not in requests:
        causes.append(fe.required(f"{path}.resources[storage]"))
    else:
        parsed = quantity(requests["storage"])
        if parsed and parsed[0] <= 0:
            causes.append(
                fe.invalid(f"{path}.resources[storage]", parsed[1], "must be greater than zero")
            )
    scn = opt(spec, "storageClassName")
    if isinstance(scn, str) and scn:
        causes.extend(
            fe.invalid(f"{path}.storageClassName", scn, msg)
            for msg in m.name_is_dns_subdomain(scn, False)
        )
    vmode = opt(spec, "volumeMode")
    if isinstance(vmode, str) and vmode not in ("Block", "Filesystem"):
        causes.append(fe.not_supported(f"{path}.volumeMode", vmode, ("Block", "Filesystem")))
    return causes


def validate_pvc(obj: dict[str, Any]) -> list[Cause]:
    causes = m.validate_object_meta(obj, True, m.name_is_dns_subdomain)
    return causes + validate_pvc_spec(d(obj, "spec"), "spec")


def validate_pvc_update(new: dict[str, Any], old: dict[str, Any]) -> list[Cause]:
    """ValidatePersistentVolumeClaimUpdate. The "spec is immutable" message ends with
    diff.Diff(oldPvcClone.Spec, newPvcClone.Spec) of the internal structs (godiff.py)."""
    causes = m.validate_object_meta_update(new, old)
    causes.extend(validate_pvc(new))
    nspec, ospec = dict(d(new, "spec")), dict(d(old, "spec"))
    if not s(ospec, "volumeName"):
        ospec["volumeName"] = nspec.get("volumeName")
        if ospec["volumeName"] is None:
            ospec.pop("volumeName")
    if nspec != ospec:
        causes.append(
            fe.forbidden(
                "spec",
                "spec is immutable after creation except resources.requests and "
                "volumeAttributesClassName for bound claims\n"
                + godiff.diff(f"{_CORE}.PersistentVolumeClaimSpec", ospec, nspec),
            )
        )
    # ValidateImmutableField(newPvc.Spec.VolumeMode, ..., field.NewPath("volumeMode")): the
    # path really is "volumeMode", not spec.volumeMode.
    new_mode, old_mode = opt(d(new, "spec"), "volumeMode"), opt(d(old, "spec"), "volumeMode")
    if new_mode != old_mode:
        causes.append(fe.invalid("volumeMode", new_mode, "field is immutable"))
    return causes


def validate_replication_controller(obj: dict[str, Any]) -> list[Cause]:
    """ValidateReplicationController (SetDefaults_ReplicationController: an empty selector is
    the template's labels, replicas default to 1)."""
    causes = m.validate_object_meta(obj, True, m.name_is_dns_subdomain)
    spec = d(obj, "spec")
    template = opt(spec, "template")
    labels = d(d(template, "metadata"), "labels")
    selector = d(spec, "selector") or labels
    causes.extend(m.validate_nonnegative(n(spec, "minReadySeconds"), "spec.minReadySeconds"))
    if not selector:
        causes.append(fe.required("spec.selector"))
    causes.extend(m.validate_nonnegative(n(spec, "replicas", 1), "spec.replicas"))
    if template is None:
        causes.append(fe.required("spec.template"))
        return causes
    if selector and any(labels.get(k) != v for k, v in selector.items()):
        causes.append(
            fe.invalid(
                "spec.template.metadata.labels",
                labels,
                "`selector` does not match template `labels`",
            )
        )
    causes.extend(validate_pod_template_spec(template, "spec.template"))
    tspec = d(template, "spec")
    restart = s(tspec, "restartPolicy") if "restartPolicy" in tspec else "Always"
    if restart != "Always":
        causes.append(fe.not_supported("spec.template.spec.restartPolicy", restart, ("Always",)))
    if opt(tspec, "activeDeadlineSeconds") is not None:
        causes.append(
            fe.forbidden(
                "spec.template.spec.activeDeadlineSeconds",
                "activeDeadlineSeconds in ReplicationController is not Supported",
            )
        )
    return causes


def posix_clean(path: str) -> str:
    return posixpath.normpath(path)


# -- limit ranges and resource quotas --------------------------------------------------------------

_QUOTA_RESOURCES = {
    "cpu",
    "memory",
    "ephemeral-storage",
    "requests.cpu",
    "requests.memory",
    "requests.storage",
    "requests.ephemeral-storage",
    "limits.cpu",
    "limits.memory",
    "limits.ephemeral-storage",
    "pods",
    "resourcequotas",
    "services",
    "replicationcontrollers",
    "secrets",
    "persistentvolumeclaims",
    "configmaps",
    "services.nodeports",
    "services.loadbalancers",
}


def _quota_resource_name(name: str, path: str) -> list[Cause]:
    """ValidateResourceQuotaResourceName."""
    causes = _validate_resource_name(name, path)
    if (
        "/" not in name
        and name not in _QUOTA_RESOURCES
        and not name.startswith(("hugepages-", "requests.hugepages-"))
    ):
        causes.append(fe.invalid(path, name, "must be a standard resource for quota"))
    return causes


def validate_resource_quota(obj: dict[str, Any]) -> list[Cause]:
    """ValidateResourceQuota (hard and used amounts; scopes are not modelled)."""
    causes = m.validate_object_meta(obj, True, m.name_is_dns_subdomain)
    for section, part in (("spec", "hard"), ("status", "hard"), ("status", "used")):
        amounts = d(d(obj, section), part)
        for name in sorted(amounts):
            p = f"{section}.{part}[{name}]"
            causes.extend(_quota_resource_name(name, p))
            causes.extend(validate_resource_quantity(name, amounts[name], p))
    return causes


def validate_limit_range(obj: dict[str, Any]) -> list[Cause]:
    """ValidateLimitRange (keys in sorted order: Go walks maps at random)."""
    causes = m.validate_object_meta(obj, True, m.name_is_dns_subdomain)
    seen: set[str] = set()
    for i, limit in enumerate(lst(d(obj, "spec"), "limits")):
        lp = f"spec.limits[{i}]"
        ltype = s(limit, "type")
        if ltype == "Container":  # SetDefaults_LimitRangeItem
            default = {**d(limit, "max"), **d(limit, "default")}
            request = {**d(limit, "min"), **default, **d(limit, "defaultRequest")}
            limit = {**limit, "default": default, "defaultRequest": request}
        type_errs = [fe.invalid(f"{lp}.type", ltype, msg) for msg in m.is_qualified_name(ltype)]
        if (
            not type_errs
            and "/" not in ltype
            and ltype not in ("Pod", "Container", "PersistentVolumeClaim")
        ):
            type_errs.append(
                fe.invalid(f"{lp}.type", ltype, "must be a standard limit type or fully qualified")
            )
        causes.extend(type_errs)
        if ltype in seen:
            causes.append(fe.duplicate(f"{lp}.type", ltype))
        seen.add(ltype)
        name_fn = (
            _validate_container_resource_name
            if ltype in ("Pod", "Container")
            else _validate_resource_name
        )
        values: dict[str, dict[str, Any]] = {}
        for section in ("max", "min", "default", "defaultRequest", "maxLimitRequestRatio"):
            amounts = d(limit, section)
            if ltype == "Pod" and section in ("default", "defaultRequest"):
                if amounts:
                    causes.append(
                        fe.forbidden(f"{lp}.{section}", "may not be specified when `type` is 'Pod'")
                    )
                continue
            if (
                section == "maxLimitRequestRatio"
                and ltype == "PersistentVolumeClaim"
                and "storage" not in d(limit, "min")
                and "storage" not in d(limit, "max")
            ):
                causes.append(
                    fe.required(
                        f"{lp}.limits",
                        "either minimum or maximum storage value is required, but neither was provided",
                    )
                )
            for name in sorted(amounts):
                causes.extend(name_fn(name, f"{lp}.{section}[{name}]"))
                parsed = quantity(amounts[name])
                if parsed:
                    values.setdefault(name, {})[section] = parsed
        for name in sorted(values):
            v = values[name]
            low, high, dflt, dreq = (
                v.get("min"),
                v.get("max"),
                v.get("default"),
                v.get("defaultRequest"),
            )
            if low and high and low[0] > high[0]:
                causes.append(
                    fe.invalid(
                        f"{lp}.min[{name}]",
                        low[1],
                        f"min value {low[1]} is greater than max value {high[1]}",
                    )
                )
            if dreq and low and low[0] > dreq[0]:
                causes.append(
                    fe.invalid(
                        f"{lp}.defaultRequest[{name}]",
                        dreq[1],
                        f"min value {low[1]} is greater than default request value {dreq[1]}",
                    )
                )
            if dreq and high and dreq[0] > high[0]:
                causes.append(
                    fe.invalid(
                        f"{lp}.defaultRequest[{name}]",
                        dreq[1],
                        f"default request value {dreq[1]} is greater than max value {high[1]}",
                    )
                )
            if dreq and dflt and dreq[0] > dflt[0]:
                causes.append(
                    fe.invalid(
                        f"{lp}.defaultRequest[{name}]",
                        dreq[1],
                        f"default request value {dreq[1]} is greater than default limit value {dflt[1]}",
                    )
                )
            if dflt and low and low[0] > dflt[0]:
                causes.append(
                    fe.invalid(
                        f"{lp}.default[{name}]",
                        low[1],
                        f"min value {low[1]} is greater than default value {dflt[1]}",
                    )
                )
            if dflt and high and dflt[0] > high[0]:
                causes.append(
                    fe.invalid(
                        f"{lp}.default[{name}]",
                        high[1],
                        f"default value {dflt[1]} is greater than max value {high[1]}",
                    )
                )
            ratio = v.get("maxLimitRequestRatio")
            if ratio and ratio[0] < 1:
                causes.append(
                    fe.invalid(
                        f"{lp}.maxLimitRequestRatio[{name}]",
                        ratio[1],
                        f"ratio {ratio[1]} is less than 1",
                    )
                )
            if not _overcommit_allowed(name) and dflt and dreq and dflt[0] != dreq[0]:
                causes.append(
                    fe.invalid(
                        f"{lp}.defaultRequest[{name}]",
                        dreq[1],
                        f"default value {dflt[1]} must equal to defaultRequest value {dreq[1]} in {name}",
                    )
                )
    return causes


# -- persistent volumes ---------------------------------------------------------------------------

_PV_SOURCES = (
    ("hostPath", "hostPath"),
    ("gcePersistentDisk", "gcePersistentDisk"),
    ("awsElasticBlockStore", "awsElasticBlockStore"),
    ("glusterfs", "glusterfs"),
    ("flocker", "flocker"),
    ("nfs", "nfs"),
    ("rbd", "rbd"),
    ("quobyte", "quobyte"),
    ("cephfs", "cephFS"),
    ("iscsi", "iscsi"),
    ("cinder", "cinder"),
    ("fc", "fc"),
    ("flexVolume", "flexVolume"),
    ("azureFile", "azureFile"),
    ("vsphereVolume", "vsphereVolume"),
    ("photonPersistentDisk", "photonPersistentDisk"),
    ("portworxVolume", "portworxVolume"),
    ("azureDisk", "azureDisk"),
    ("scaleIO", "scaleIO"),
    ("local", "local"),
    ("storageos", "storageos"),
    ("csi", "csi"),
)


def validate_persistent_volume(obj: dict[str, Any]) -> list[Cause]:
    """ValidatePersistentVolume (the common volume sources; persistentVolumeReclaimPolicy
    defaults to Retain)."""
    causes = m.validate_object_meta(obj, False, m.name_is_dns_subdomain)
    spec = d(obj, "spec")
    path = "spec"
    modes = lst(spec, "accessModes")
    if not modes:
        causes.append(fe.required(f"{path}.accessModes"))
    rwop = other = False
    for mode in modes:
        if mode not in _ACCESS_MODES:
            causes.append(fe.not_supported(f"{path}.accessModes", mode, _ACCESS_MODES))
        if mode == "ReadWriteOncePod":
            rwop = True
        elif mode in _ACCESS_MODES:
            other = True
    if rwop and other:
        causes.append(
            fe.forbidden(
                f"{path}.accessModes", "may not use ReadWriteOncePod with other access modes"
            )
        )
    capacity = d(spec, "capacity")
    if not capacity:
        causes.append(fe.required(f"{path}.capacity"))
    if "storage" not in capacity or len(capacity) > 1:
        shown = {k: (quantity(v) or (0, str(v)))[1] for k, v in capacity.items()}
        nil = not isinstance(opt(spec, "capacity"), dict)
        causes.append(fe.not_supported(f"{path}.capacity", None if nil else shown, ("storage",)))
    for name in sorted(capacity):
        parsed = quantity(capacity[name])
        if parsed and parsed[0] < 0:
            causes.append(
                fe.invalid(
                    f"{path}.capacity[{name}]", int(parsed[0]), "must be a valid resource quantity"
                )
            )
        if parsed and parsed[0] <= 0:
            causes.append(
                fe.invalid(f"{path}.capacity[{name}]", parsed[1], "must be greater than zero")
            )
    policy = s(spec, "persistentVolumeReclaimPolicy")
    if policy and policy not in ("Delete", "Recycle", "Retain"):
        causes.append(
            fe.not_supported(
                f"{path}.persistentVolumeReclaimPolicy", policy, ("Delete", "Recycle", "Retain")
            )
        )
    affinity_given = False
    node_affinity = opt(spec, "nodeAffinity")
    if isinstance(node_affinity, dict):
        affinity_given = True
        required = opt(node_affinity, "required")
        if isinstance(required, dict):
            rp = f"{path}.nodeAffinity.required.nodeSelectorTerms"
            terms = lst(required, "nodeSelectorTerms")
            if not terms:
                causes.append(fe.required(rp, "must have at least one node selector term"))
            for i, term in enumerate(terms):
                causes.extend(_node_selector_term(term, f"{rp}[{i}]", False))
        else:
            causes.append(
                fe.required(
                    f"{path}.nodeAffinity.required", "must specify required node constraints"
                )
            )
    count = 0
    for key, shown_name in _PV_SOURCES:
        src = opt(spec, key)
        if src is None:
            continue
        if count:
            causes.append(
                fe.forbidden(f"{path}.{shown_name}", "may not specify more than 1 volume type")
            )
            continue
        count += 1
        sp = f"{path}.{key}"
        if key in ("hostPath", "nfs"):
            causes.extend(_volume_source(key, d(spec, key), path))
        elif key == "local":
            local_path = s(src, "path")
            if not local_path:
                causes.append(fe.required(f"{sp}.path"))
            else:
                causes.extend(_path_no_backsteps(local_path, f"{sp}.path"))
            if not affinity_given:
                causes.append(
                    fe.required(f"{path}.nodeAffinity", "Local volume requires node affinity")
                )
        elif key == "csi":
            driver = s(src, "driver")
            if not driver:
                causes.append(fe.required(f"{sp}.driver"))
            else:
                if len(driver) > 63:
                    causes.append(fe.too_long(f"{sp}.driver", 63))
                causes.extend(
                    fe.invalid(f"{sp}.driver", driver, msg)
                    for msg in m.is_dns1123_subdomain(driver.lower())
                )
            if not s(src, "volumeHandle"):
                causes.append(fe.required(f"{sp}.volumeHandle"))
    if count == 0:
        causes.append(fe.required(path, "must specify a volume type"))
    scn = s(spec, "storageClassName")
    if scn:
        causes.extend(
            fe.invalid(f"{path}.storageClassName", scn, msg)
            for msg in m.name_is_dns_subdomain(scn, False)
        )
    vmode = opt(spec, "volumeMode")
    if isinstance(vmode, str) and vmode not in ("Block", "Filesystem"):
        causes.append(fe.not_supported(f"{path}.volumeMode", vmode, ("Block", "Filesystem")))
    return causes


# -- endpoints -----------------------------------------------------------------------------------


def _endpoint_address(address: Any, path: str) -> list[Cause]:
    """validateEndpointAddress."""
    ip = s(address, "ip")
    causes = netaddr.is_valid_ip_for_legacy_field(f"{path}.ip", ip)
    hostname = s(address, "hostname")
    if hostname:
        causes.extend(m.validate_dns1123_label(hostname, f"{path}.hostname"))
    node = opt(address, "nodeName")
    if isinstance(node, str):
        causes.extend(
            fe.invalid(f"{path}.nodeName", node, msg)
            for msg in m.name_is_dns_subdomain(node, False)
        )
    causes.extend(netaddr.validate_endpoint_ip(ip, f"{path}.ip"))
    return causes


def _endpoint_port(port: Any, require_name: bool, path: str) -> list[Cause]:
    """validateEndpointPort."""
    causes: list[Cause] = []
    name = s(port, "name")
    if require_name and not name:
        causes.append(fe.required(f"{path}.name"))
    elif name:
        causes.extend(m.validate_dns1123_label(name, f"{path}.name"))
    number = n(port, "port")
    causes.extend(fe.invalid(f"{path}.port", number, msg) for msg in m.is_valid_port_num(number))
    protocol = s(port, "protocol")
    if not protocol:
        causes.append(fe.required(f"{path}.protocol"))
    elif protocol not in PORT_PROTOCOLS:
        causes.append(fe.not_supported(f"{path}.protocol", protocol, PORT_PROTOCOLS))
    app = opt(port, "appProtocol")
    if isinstance(app, str):
        causes.extend(m.validate_qualified_name(app, f"{path}.appProtocol"))
    return causes


def _endpoint_subsets(subsets: list[Any]) -> list[Cause]:
    """validateEndpointSubsets."""
    causes: list[Cause] = []
    for i, subset in enumerate(subsets):
        sp = f"subsets[{i}]"
        addresses, not_ready = lst(subset, "addresses"), lst(subset, "notReadyAddresses")
        if not addresses and not not_ready:
            causes.append(fe.required(sp, "must specify `addresses` or `notReadyAddresses`"))
        for j, address in enumerate(addresses):
            causes.extend(_endpoint_address(address, f"{sp}.addresses[{j}]"))
        for j, address in enumerate(not_ready):
            causes.extend(_endpoint_address(address, f"{sp}.notReadyAddresses[{j}]"))
        ports = lst(subset, "ports")
        for j, port in enumerate(ports):
            causes.extend(_endpoint_port(port, len(ports) > 1, f"{sp}.ports[{j}]"))
    return causes


def validate_endpoints(obj: dict[str, Any], old: dict[str, Any] | None = None) -> list[Cause]:
    """ValidateEndpoints: subset errors are ignored on an update that keeps the subsets."""
    causes = m.validate_object_meta(obj, True, m.name_is_dns_subdomain)
    subset_causes = _endpoint_subsets(lst(obj, "subsets"))
    if subset_causes and old is not None and lst(old, "subsets") == lst(obj, "subsets"):
        subset_causes = []
    return causes + subset_causes


def validate_endpoints_update(new: dict[str, Any], old: dict[str, Any]) -> list[Cause]:
    """ValidateEndpointsUpdate."""
    return m.validate_object_meta_update(new, old) + validate_endpoints(new, old)
