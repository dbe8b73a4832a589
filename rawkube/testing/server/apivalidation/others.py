"""Validation of the other common built-in kinds: networking (NetworkPolicy, Ingress,
IngressClass), policy (PodDisruptionBudget), autoscaling (HorizontalPodAutoscaler), scheduling
(PriorityClass), coordination (Lease), storage (StorageClass).

Mirrors pkg/apis/{networking,policy,autoscaling,scheduling,coordination,storage}/validation/
validation.go (kube-apiserver 1.36) and the registry strategies that call them
(pkg/registry/<group>/<kind>/strategy.go: a PodDisruptionBudget's Validate checks no ObjectMeta).
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from rawkube.testing.server.apivalidation import apps, internal, netaddr
from rawkube.testing.server.apivalidation import fielderrors as fe
from rawkube.testing.server.apivalidation import meta as m
from rawkube.testing.server.apivalidation.fielderrors import Cause
from rawkube.testing.server.apivalidation.meta import d, lst, opt, s

Obj = dict[str, Any]

# -- networking --------------------------------------------------------------------------------


def _network_policy_port(port: Any, path: str) -> list[Cause]:
    causes: list[Cause] = []
    protocol = opt(port, "protocol")
    if isinstance(protocol, str) and protocol not in ("TCP", "UDP", "SCTP"):
        causes.append(fe.not_supported(f"{path}.protocol", protocol, ("TCP", "UDP", "SCTP")))
    number = opt(port, "port")
    end = opt(port, "endPort")
    if number is not None:
        if isinstance(number, int):
            causes.extend(
                fe.invalid(f"{path}.port", number, msg) for msg in m.is_valid_port_num(number)
            )
            if isinstance(end, int):
                if end < number:
                    causes.append(
                        fe.invalid(
                            f"{path}.endPort", number, "must be greater than or equal to `port`"
                        )
                    )
                causes.extend(
                    fe.invalid(f"{path}.endPort", end, msg) for msg in m.is_valid_port_num(end)
                )
        else:
            if isinstance(end, int):
                causes.append(
                    fe.invalid(
                        f"{path}.endPort", end, "may not be specified when `port` is non-numeric"
                    )
                )
            causes.extend(
                fe.invalid(f"{path}.port", number, msg) for msg in m.is_valid_port_name(str(number))
            )
    elif isinstance(end, int):
        causes.append(
            fe.invalid(f"{path}.endPort", end, "may not be specified when `port` is not specified")
        )
    return causes


def _network_policy_peer(peer: Any, path: str, old_cidrs: list[str]) -> list[Cause]:
    causes: list[Cause] = []
    count = 0
    for key in ("podSelector", "namespaceSelector"):
        if opt(peer, key) is not None:
            count += 1
            causes.extend(m.validate_label_selector(d(peer, key), f"{path}.{key}"))
    block = opt(peer, "ipBlock")
    if block is not None:
        count += 1
        bp = f"{path}.ipBlock"
        cidr = s(block, "cidr")
        if not cidr:
            causes.append(fe.required(f"{bp}.cidr"))
        else:
            causes.extend(netaddr.is_valid_cidr_for_legacy_field(f"{bp}.cidr", cidr, old_cidrs))
            parsed = netaddr.parse_cidr_sloppy(cidr)
            if parsed is not None:
                net = parsed[1]
                for i, text in enumerate(lst(block, "except")):
                    ep = f"{bp}.except[{i}]"
                    causes.extend(netaddr.is_valid_cidr_for_legacy_field(ep, str(text), old_cidrs))
                    exc = netaddr.parse_cidr_sloppy(str(text))
                    if exc is None:
                        continue
                    exc_net = exc[1]
                    if (
                        exc_net.version != net.version
                        or exc_net.network_address not in net
                        or net.prefixlen >= exc_net.prefixlen
                    ):
                        causes.append(fe.invalid(ep, text, "must be a strict subset of `cidr`"))
    if count == 0:
        causes.append(fe.required(path, "must specify a peer"))
    elif count > 1 and block is not None:
        causes.append(fe.forbidden(path, "may not specify both ipBlock and another peer"))
    return causes


def validate_network_policy(obj: Obj, old: Obj | None = None) -> list[Cause]:
    """ValidateNetworkPolicy / ValidateNetworkPolicyUpdate."""
    if old is None:
        causes = m.validate_object_meta(obj, True, m.name_is_dns_subdomain)
    else:
        causes = m.validate_object_meta_update(obj, old)
    spec = d(obj, "spec")
    old_cidrs: list[str] = []  # ValidateNetworkPolicyUpdate: the old CIDRs stay allowed
    if old is not None:
        for direction, peers in (("ingress", "from"), ("egress", "to")):
            for rule in lst(d(old, "spec"), direction):
                for peer in lst(rule, peers):
                    block = opt(peer, "ipBlock")
                    if isinstance(block, dict):
                        old_cidrs.append(s(block, "cidr"))
                        old_cidrs.extend(str(x) for x in lst(block, "except"))
    causes.extend(m.validate_label_selector(d(spec, "podSelector"), "spec.podSelector"))
    for direction, peers in (("ingress", "from"), ("egress", "to")):
        for i, rule in enumerate(lst(spec, direction)):
            rp = f"spec.{direction}[{i}]"
            for j, port in enumerate(lst(rule, "ports")):
                causes.extend(_network_policy_port(port, f"{rp}.ports[{j}]"))
            for j, peer in enumerate(lst(rule, peers)):
                causes.extend(_network_policy_peer(peer, f"{rp}.{peers}[{j}]", old_cidrs))
    types = lst(spec, "policyTypes")
    if len(types) > 2:
        causes.append(
            fe.invalid("spec.policyTypes", types, "may not specify more than two policyTypes")
        )
        return causes
    for i, ptype in enumerate(types):
        if ptype not in ("Ingress", "Egress"):
            causes.append(fe.not_supported(f"spec.policyTypes[{i}]", ptype, ("Ingress", "Egress")))
    return causes


_WILDCARD_FMT = "\\*\\." + m.DNS1123_SUBDOMAIN_FMT
_WILDCARD_MSG = (
    "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, "
    "which must consist of lower case alphanumeric characters, '-' or '.' and end with an "
    "alphanumeric character"
)
_INVALID_PATH_SEQUENCES = ("//", "/./", "/../", "%2f", "%2F")
_INVALID_PATH_SUFFIXES = ("/..", "/.")


def _host_errors(host: str) -> list[str]:
    if "*" in host:
        errs = []
        if len(host.encode()) > 253:
            errs.append(m.max_len_error(253))
        if not re.fullmatch(_WILDCARD_FMT, host):
            errs.append(m.regex_error(_WILDCARD_MSG, _WILDCARD_FMT, "*.example.com"))
        return errs
    return m.is_dns1123_subdomain(host)


def _ingress_backend(backend: Any, path: str) -> list[Cause]:
    resource, service = opt(backend, "resource"), opt(backend, "service")
    if resource is not None and service is not None:
        return [fe.invalid(path, "", "cannot set both resource and service backends")]
    if resource is not None:
        causes = []
        if not s(resource, "name"):
            causes.append(fe.required(f"{path}.resource.name"))
        if not s(resource, "kind"):
            causes.append(fe.required(f"{path}.resource.kind"))
        return causes
    if service is None:
        return [fe.invalid(path, "", "resource or service backend is required")]
    causes = []
    name = s(service, "name")
    if not name:
        causes.append(fe.required(f"{path}.service.name"))
    else:
        causes.extend(
            fe.invalid(f"{path}.service.name", name, msg)
            for msg in m.name_is_dns_label(name, False)
        )
    port = d(service, "port")
    pname, pnum = s(port, "name"), m.n(port, "number")
    if pname and pnum:
        causes.append(fe.invalid(path, "", "cannot set both port name & port number"))
    elif pname:
        causes.extend(
            fe.invalid(f"{path}.service.port.name", pname, msg)
            for msg in m.is_valid_port_name(pname)
        )
    elif pnum:
        causes.extend(
            fe.invalid(f"{path}.service.port.number", pnum, msg)
            for msg in m.is_valid_port_num(pnum)
        )
    else:
        causes.append(fe.required(path, "port name or number is required"))
    return causes


def validate_ingress(obj: Obj, old: Obj | None = None) -> list[Cause]:
    """ValidateIngressCreate / ValidateIngressUpdate."""
    if old is None:
        causes = m.validate_object_meta(obj, True, m.name_is_dns_subdomain)
    else:
        causes = m.validate_object_meta_update(obj, old)
        causes.extend(m.validate_object_meta(obj, True, m.name_is_dns_subdomain))
    spec = d(obj, "spec")
    rules = lst(spec, "rules")
    if not rules and opt(spec, "defaultBackend") is None:
        causes.append(
            fe.invalid(
                "spec",
                fe.GoJSONValue(rules or None),
                "either `defaultBackend` or `rules` must be specified",
            )
        )
    if opt(spec, "defaultBackend") is not None:
        causes.extend(_ingress_backend(d(spec, "defaultBackend"), "spec.defaultBackend"))
    for i, rule in enumerate(rules):
        rp = f"spec.rules[{i}]"
        host = s(rule, "host")
        if host:
            try:
                ipaddress.ip_address(host)
                causes.append(
                    fe.invalid(f"{rp}.host", host, "must be a DNS name, not an IP address")
                )
            except ValueError:
                pass
            causes.extend(fe.invalid(f"{rp}.host", host, msg) for msg in _host_errors(host))
        http = opt(rule, "http")
        if http is None:
            continue
        paths = lst(http, "paths")
        if not paths:
            causes.append(fe.required(f"{rp}.http.paths"))
        for j, hpath in enumerate(paths):
            pp = f"{rp}.http.paths[{j}]"
            ptype = opt(hpath, "pathType")
            if ptype is None:
                causes.append(fe.required(f"{pp}.pathType", "pathType must be specified"))
                continue
            value = s(hpath, "path")
            if ptype in ("Exact", "Prefix"):
                if not value.startswith("/"):
                    causes.append(fe.invalid(f"{pp}.path", value, "must be an absolute path"))
                if value:
                    for seq in _INVALID_PATH_SEQUENCES:
                        if seq in value:
                            causes.append(
                                fe.invalid(f"{pp}.path", value, f"must not contain '{seq}'")
                            )
                    for suffix in _INVALID_PATH_SUFFIXES:
                        if value.endswith(suffix):
                            causes.append(
                                fe.invalid(f"{pp}.path", value, f"cannot end with '{suffix}'")
                            )
            elif ptype == "ImplementationSpecific":
                if value and not value.startswith("/"):
                    causes.append(fe.invalid(f"{pp}.path", value, "must be an absolute path"))
            else:
                causes.append(
                    fe.not_supported(
                        f"{pp}.pathType", ptype, ("Exact", "ImplementationSpecific", "Prefix")
                    )
                )
            causes.extend(_ingress_backend(d(hpath, "backend"), f"{pp}.backend"))
    for i, tls in enumerate(lst(spec, "tls")):
        for j, host in enumerate(lst(tls, "hosts")):
            causes.extend(
                fe.invalid(f"spec.tls[{i}].hosts[{j}]", host, msg)
                for msg in _host_errors(str(host))
            )
        secret = s(tls, "secretName")
        if secret:
            causes.extend(
                fe.invalid(f"spec.tls[{i}].secretName", secret, msg)
                for msg in m.name_is_dns_subdomain(secret, False)
            )
    icn = opt(spec, "ingressClassName")
    if isinstance(icn, str):
        causes.extend(
            fe.invalid("spec.ingressClassName", icn, msg)
            for msg in m.name_is_dns_subdomain(icn, False)
        )
    if old is None:
        annotation = d(d(obj, "metadata"), "annotations").get("kubernetes.io/ingress.class")
        if annotation is not None and isinstance(icn, str) and annotation != icn:
            causes.append(
                fe.invalid(
                    "annotations.kubernetes.io/ingress.class",
                    annotation,
                    "must match `ingressClassName` when both are specified",
                )
            )
    return causes


# -- policy, autoscaling, scheduling, coordination, storage ------------------------------------


def validate_pod_disruption_budget(obj: Obj, old: Obj | None = None) -> list[Cause]:
    """ValidatePodDisruptionBudget (the strategy checks no ObjectMeta: the generic
    path-segment checks of BeforeCreate do)."""
    causes: list[Cause] = []
    if old is None:
        causes.extend(m.validate_object_meta(obj, True, m.path_segment_name, kube=False))
        if causes:
            return causes
    spec = d(obj, "spec")
    low, high = opt(spec, "minAvailable"), opt(spec, "maxUnavailable")
    if low is not None and high is not None:
        shown = internal.render("k8s.io/kubernetes/pkg/apis/policy.PodDisruptionBudgetSpec", spec)
        causes.append(
            fe.invalid("spec", shown, "minAvailable and maxUnavailable cannot be both set")
        )
    for key, value in (("minAvailable", low), ("maxUnavailable", high)):
        if value is not None:
            causes.extend(apps.validate_positive_int_or_percent(value, f"spec.{key}"))
            causes.extend(apps._not_more_than_100_percent(value, f"spec.{key}"))
    if opt(spec, "selector") is not None:
        causes.extend(m.validate_label_selector(d(spec, "selector"), "spec.selector"))
    policy = opt(spec, "unhealthyPodEvictionPolicy")
    if isinstance(policy, str) and policy not in ("AlwaysAllow", "IfHealthyBudget"):
        causes.append(
            fe.not_supported(
                "spec.unhealthyPodEvictionPolicy", policy, ("AlwaysAllow", "IfHealthyBudget")
            )
        )
    return causes


def _group_version_error(api_version: str) -> str | None:
    """schema.ParseGroupVersion's error, or "apiVersion must specify API group"."""
    if not api_version:
        return "apiVersion must specify API group"
    if api_version.count("/") > 1:
        return f"unexpected GroupVersion string: {api_version}"
    if "/" not in api_version:
        return "apiVersion must specify API group"
    return None


def validate_horizontal_pod_autoscaler(obj: Obj, old: Obj | None = None) -> list[Cause]:
    """ValidateHorizontalPodAutoscaler / ...Update (replicas and scaleTargetRef)."""
    if old is None:
        causes = m.validate_object_meta(obj, True, m.name_is_dns_subdomain)
    else:
        causes = m.validate_object_meta_update(obj, old)
    spec = d(obj, "spec")
    low = opt(spec, "minReplicas")
    if low is None:
        low = 1  # SetDefaults_HorizontalPodAutoscaler
    if isinstance(low, int) and low < 1:
        causes.append(fe.invalid("spec.minReplicas", low, "must be greater than or equal to 1"))
    high = m.n(spec, "maxReplicas")
    if high == 0:
        causes.append(fe.required("spec.maxReplicas", "must be set and greater than 0"))
    elif high < 0:
        causes.append(fe.invalid("spec.maxReplicas", high, "must be greater than or equal to 1"))
    if isinstance(low, int) and high < low:
        causes.append(
            fe.invalid("spec.maxReplicas", high, "must be greater than or equal to `minReplicas`")
        )
    ref = d(spec, "scaleTargetRef")
    for key in ("kind", "name"):
        value = s(ref, key)
        if not value:
            causes.append(fe.required(f"spec.scaleTargetRef.{key}"))
        else:
            causes.extend(
                fe.invalid(f"spec.scaleTargetRef.{key}", value, msg)
                for msg in m.path_segment_name(value, False)
            )
    problem = _group_version_error(s(ref, "apiVersion"))
    if problem:
        causes.append(fe.invalid("spec.scaleTargetRef.apiVersion", s(ref, "apiVersion"), problem))
    # validateMetrics (the per-metric checks are not modelled)
    types = {s(metric, "type") for metric in lst(spec, "metrics")}
    if low == 0 and not types & {"Object", "External"}:
        causes.append(
            fe.forbidden(
                "spec.metrics",
                "must specify at least one Object or External metric to support scaling to zero replicas",
            )
        )
    return causes


_SYSTEM_PRIORITY_CLASSES = {
    "system-node-critical": 2000001000,
    "system-cluster-critical": 2000000000,
}


def validate_priority_class(obj: Obj, old: Obj | None = None) -> list[Cause]:
    """ValidatePriorityClass / ValidatePriorityClassUpdate."""
    if old is not None:
        causes = m.validate_object_meta_update(obj, old)
        if m.n(obj, "value") != m.n(old, "value"):
            causes.append(fe.forbidden("value", "may not be changed in an update."))
        new_policy = opt(obj, "preemptionPolicy") or "PreemptLowerPriority"
        if new_policy != (opt(old, "preemptionPolicy") or "PreemptLowerPriority"):
            causes.append(
                fe.invalid("preemptionPolicy", fe.GoJSONValue(new_policy), "field is immutable")
            )
        return causes
    causes = m.validate_object_meta(obj, False, m.name_is_dns_subdomain)
    name = s(d(obj, "metadata"), "name")
    value = m.n(obj, "value")
    if name.startswith("system-"):
        known = _SYSTEM_PRIORITY_CLASSES.get(name)
        if known is None:
            detail = f"{name} is not a known system priority class"
        elif known != value:
            detail = f"value of {name} PriorityClass must be {known}"
        elif obj.get("globalDefault") is True:
            detail = f"globalDefault of {name} PriorityClass must be false"
        else:
            detail = ""
        if detail:
            causes.append(
                fe.forbidden(
                    "metadata.name",
                    "priority class names with 'system-' prefix are reserved for system use only. "
                    f"error: {detail}",
                )
            )
    elif value > 1000000000:
        causes.append(
            fe.forbidden("value", "maximum allowed value of a user defined priority is 1000000000")
        )
    policy = opt(obj, "preemptionPolicy")
    if isinstance(policy, str) and policy not in ("PreemptLowerPriority", "Never"):
        causes.append(
            fe.not_supported(
                "preemptionPolicy", fe.GoJSONValue(policy), ("PreemptLowerPriority", "Never")
            )
            if policy
            else fe.required("preemptionPolicy")
        )
    return causes


def validate_lease(obj: Obj, old: Obj | None = None) -> list[Cause]:
    """ValidateLease (apimachinery ObjectMeta: no finalizer-name check)."""
    if old is None:
        causes = m.validate_object_meta(obj, True, m.name_is_dns_subdomain, kube=False)
    else:
        causes = m.validate_object_meta_update(obj, old, kube=False)
    spec = d(obj, "spec")
    duration = opt(spec, "leaseDurationSeconds")
    if isinstance(duration, int) and duration <= 0:
        causes.append(fe.invalid("spec.leaseDurationSeconds", duration, "must be greater than 0"))
    transitions = opt(spec, "leaseTransitions")
    if isinstance(transitions, int) and transitions < 0:
        causes.append(
            fe.invalid("spec.leaseTransitions", transitions, "must be greater than or equal to 0")
        )
    if s(spec, "preferredHolder") and not s(spec, "strategy"):
        causes.append(
            fe.forbidden("spec.preferredHolder", "may only be specified if `strategy` is defined")
        )
    return causes


def validate_storage_class(obj: Obj, old: Obj | None = None) -> list[Cause]:
    """ValidateStorageClass / ValidateStorageClassUpdate (the common fields)."""
    if old is not None:
        causes = m.validate_object_meta_update(obj, old)
        for key in ("parameters", "provisioner", "reclaimPolicy", "volumeBindingMode"):
            if (obj.get(key) or None) != (old.get(key) or None):
                causes.append(fe.invalid(key, fe.GoJSONValue(obj.get(key)), "field is immutable"))
        return causes
    causes = m.validate_object_meta(obj, False, m.name_is_dns_subdomain)
    provisioner = s(obj, "provisioner")
    if not provisioner:
        causes.append(fe.required("provisioner"))
    else:
        causes.extend(m.validate_qualified_name(provisioner.lower(), "provisioner"))
    policy = opt(obj, "reclaimPolicy")
    if isinstance(policy, str) and policy and policy not in ("Delete", "Retain"):
        causes.append(
            fe.not_supported("reclaimPolicy", fe.GoJSONValue(policy), ("Delete", "Retain"))
        )
    mode = opt(obj, "volumeBindingMode")
    if isinstance(mode, str) and mode not in ("Immediate", "WaitForFirstConsumer"):
        causes.append(
            fe.not_supported(
                "volumeBindingMode", fe.GoJSONValue(mode), ("Immediate", "WaitForFirstConsumer")
            )
        )
    return causes


# -- discovery ---------------------------------------------------------------------------------

_ADDRESS_TYPES = ("FQDN", "IPv4", "IPv6")
_MAX_ADDRESSES, _MAX_PORTS, _MAX_ENDPOINTS = 100, 20000, 1000
_MAX_ZONE_HINTS = _MAX_NODE_HINTS = 8


def _slice_address(address: str, address_type: str, path: str, index: str) -> list[Cause]:
    if address_type == "IPv4":
        errs = netaddr.is_valid_ip_for_legacy_field(index, address)
        if errs:
            return errs
        causes: list[Cause] = []
        if not netaddr.is_ipv4_string(address):
            causes.append(fe.invalid(path, address, "must be an IPv4 address"))
        return causes + netaddr.validate_endpoint_ip(address, index)
    if address_type == "IPv6":
        errs = netaddr.is_valid_ip(index, address)
        if errs:
            return errs
        causes = []
        if not netaddr.is_ipv6_string(address):
            causes.append(fe.invalid(path, address, "must be an IPv6 address"))
        return causes + netaddr.validate_endpoint_ip(address, index)
    if address_type == "FQDN":
        return netaddr.is_fully_qualified_domain_name(index, address)
    return []


def _slice_hints(hints: Any, path: str) -> list[Cause]:
    """validateHints."""
    causes: list[Cause] = []
    zones = lst(hints, "forZones")
    if len(zones) > _MAX_ZONE_HINTS:
        return [fe.too_many(f"{path}.forZones", len(zones), _MAX_ZONE_HINTS)]
    seen: list[str] = []
    for i, zone in enumerate(zones):
        zp = f"{path}.forZones[{i}].name"
        name = s(zone, "name")
        if name in seen:
            causes.append(fe.duplicate(zp, name))
        else:
            seen.append(name)
        causes.extend(fe.invalid(zp, name, msg) for msg in m.is_label_value(name))
    nodes = lst(hints, "forNodes")
    if len(nodes) > _MAX_NODE_HINTS:
        return causes + [fe.too_many(f"{path}.forNodes", len(nodes), _MAX_NODE_HINTS)]
    seen = []
    for i, node in enumerate(nodes):
        np_ = f"{path}.forNodes[{i}].name"
        name = s(node, "name")
        if name in seen:
            causes.append(fe.duplicate(np_, name))
        else:
            seen.append(name)
        causes.extend(fe.invalid(np_, name, msg) for msg in m.name_is_dns_subdomain(name, False))
    return causes


def _slice_endpoints(endpoints: list[Any], address_type: str) -> list[Cause]:
    """validateEndpoints (discovery)."""
    if len(endpoints) > _MAX_ENDPOINTS:
        return [fe.too_many("endpoints", len(endpoints), _MAX_ENDPOINTS)]
    causes: list[Cause] = []
    for i, endpoint in enumerate(endpoints):
        ep = f"endpoints[{i}]"
        ap = f"{ep}.addresses"
        addresses = lst(endpoint, "addresses")
        if not addresses:
            causes.append(fe.required(ap, "must contain at least 1 address"))
        elif len(addresses) > _MAX_ADDRESSES:
            causes.append(fe.too_many(ap, len(addresses), _MAX_ADDRESSES))
        for j, address in enumerate(addresses):
            causes.extend(_slice_address(str(address), address_type, ap, f"{ap}[{j}]"))
        node = opt(endpoint, "nodeName")
        if isinstance(node, str):
            causes.extend(
                fe.invalid(f"{ep}.nodeName", node, msg)
                for msg in m.name_is_dns_subdomain(node, False)
            )
        # deprecatedTopology: dropped from v1 writes before validation (dropTopologyOnV1).
        hostname = opt(endpoint, "hostname")
        if isinstance(hostname, str):
            causes.extend(m.validate_dns1123_label(hostname, f"{ep}.hostname"))
        hints = opt(endpoint, "hints")
        if isinstance(hints, dict):
            causes.extend(_slice_hints(hints, f"{ep}.hints"))
    return causes


def _slice_ports(ports: list[Any]) -> list[Cause]:
    """validatePorts (discovery)."""
    if len(ports) > _MAX_PORTS:
        return [fe.too_many("ports", len(ports), _MAX_PORTS)]
    causes: list[Cause] = []
    names: list[str] = []
    for i, port in enumerate(ports):
        pp = f"ports[{i}]"
        name = s(port, "name")
        if name:
            causes.extend(m.validate_dns1123_label(name, f"{pp}.name"))
        if name in names:
            causes.append(fe.duplicate(f"{pp}.name", name))
        else:
            names.append(name)
        protocol = opt(port, "protocol")
        if protocol is None:
            causes.append(fe.required(f"{pp}.protocol"))
        elif protocol not in ("SCTP", "TCP", "UDP"):
            causes.append(fe.not_supported(f"{pp}.protocol", protocol, ("SCTP", "TCP", "UDP")))
        app = opt(port, "appProtocol")
        if isinstance(app, str):
            causes.extend(m.validate_qualified_name(app, f"{pp}.appProtocol"))
    return causes


def validate_endpoint_slice(obj: Obj, old: Obj | None = None) -> list[Cause]:
    """ValidateEndpointSlice (pkg/apis/discovery/validation): endpoint errors are ignored on an
    update that keeps the endpoints; the update also keeps addressType."""
    causes = m.validate_object_meta(obj, True, m.name_is_dns_subdomain)
    address_type = s(obj, "addressType")
    if not address_type:
        causes.append(fe.required("addressType"))
    elif address_type not in _ADDRESS_TYPES:
        causes.append(fe.not_supported("addressType", address_type, _ADDRESS_TYPES))
    causes.extend(_slice_ports(lst(obj, "ports")))
    endpoint_causes = _slice_endpoints(lst(obj, "endpoints"), address_type)
    if endpoint_causes and old is not None and lst(old, "endpoints") == lst(obj, "endpoints"):
        endpoint_causes = []
    causes.extend(endpoint_causes)
    if old is not None:
        causes.extend(m.validate_immutable(address_type, s(old, "addressType"), "addressType"))
    return causes


def validate_endpoint_slice_update(new: Obj, old: Obj) -> list[Cause]:
    return validate_endpoint_slice(new, old)
