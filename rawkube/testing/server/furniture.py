"""Namespace furniture: the objects a real control plane puts in place without being asked.

* `NamespaceFurniture` plays two kube-controller-manager controllers for every namespace that
  is not being deleted: the serviceaccounts-controller (pkg/controller/serviceaccount: a
  ``default`` ServiceAccount) and the root-ca-cert-publisher (pkg/controller/certificates/
  rootcacertpublisher: the ``kube-root-ca.crt`` ConfigMap holding the server's CA, which every
  Pod's projected ``kube-api-access-*`` volume reads).
* `FlowSchemaStatus` plays kube-apiserver's API Priority and Fairness config consumer
  (staging/src/k8s.io/apiserver/pkg/util/flowcontrol/apf_controller.go): every FlowSchema's
  ``Dangling`` condition, written by a forced server-side apply of the status.
* `KubernetesService` plays kube-apiserver's own "kubernetes service" controller
  (pkg/controlplane/controller/kubernetesservice): the ``kubernetes`` Service in ``default``,
  with its Endpoints and EndpointSlice naming the server's address and port.

Both write through the registry like the real components' API requests (defaulting, the
kind's strategy, managedFields credited to their manager), and are level-triggered ticks run
by the ControllerManager.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from rawkube.testing.server import decode
from rawkube.testing.server.errors import APIError, Obj, ResourceKey, now_rfc3339
from rawkube.testing.server.registry.context import RequestContext
from rawkube.testing.server.systemwrite import _info, system_update

if TYPE_CHECKING:  # pragma: no cover
    from rawkube.testing.server.registry.generic import GenericStore

NAMESPACES = ResourceKey("", "namespaces")
SERVICE_ACCOUNTS = ResourceKey("", "serviceaccounts")
CONFIG_MAPS = ResourceKey("", "configmaps")
FLOW_SCHEMAS = ResourceKey("flowcontrol.apiserver.k8s.io", "flowschemas")
PRIORITY_LEVELS = ResourceKey("flowcontrol.apiserver.k8s.io", "prioritylevelconfigurations")
ROOT_CA = "kube-root-ca.crt"
ROOT_CA_DESCRIPTION = (
    "Contains a CA bundle that can be used to verify the kube-apiserver when using internal "
    "endpoints such as the internal service IP or kubernetes.default.svc. No other usage is "
    "guaranteed across distributions of Kubernetes clusters."
)
KUBERNETES_SERVICE_IP = "10.96.0.1"  # the first address of the service CIDR


def system_create(
    store: GenericStore,
    group: str,
    version: str,
    resource: str,
    obj: Obj,
    manager: str,
    *,
    admit: bool = False,
    unvalidated: bool = False,
) -> Obj | None:
    """Create ``obj`` as a control-plane component's POST would: defaulted, managedFields for
    ``manager``, the admission plugins (``admit``; a trusted in-process caller: lookups that
    would refuse a client, such as a missing ServiceAccount, do not refuse it), the kind's
    strategy; None if it exists already."""
    from rawkube.testing.server import defaults, fieldmanager
    from rawkube.testing.server.admission import CREATE, Attributes, Chain

    info = _info(group, version, resource)
    obj = decode.default(info, obj, creating=True)
    entries = fieldmanager.update_entries(
        None,
        manager,
        info.api_version,
        defaults.zero_object(info.api_version, info.kind),
        obj,
        decode.schema_of(info),
        "",
        store.strategy(info.key).get_reset_fields(info).get("", ()),
    )
    if entries:
        obj["metadata"]["managedFields"] = entries
    meta = obj["metadata"]
    ctx = RequestContext(
        info,
        str(meta.get("namespace") or ""),
        str(meta.get("name") or ""),
        trusted=True,
        unvalidated=unvalidated,
    )
    validator = None
    if admit:
        chain = Chain(store)
        chain.admit(Attributes(CREATE, ctx, obj))
        validator = chain.validator(CREATE, ctx)
    try:
        return store.create(info.key, obj, ctx=ctx, admission=validator)
    except APIError as err:
        if err.reason == "AlreadyExists":
            return None
        raise


def system_apply(
    store: GenericStore,
    group: str,
    version: str,
    resource: str,
    namespace: str,
    name: str,
    config: Obj,
    manager: str,
    *,
    subresource: str = "",
) -> Obj:
    """A control-plane component's forced server-side apply of ``config`` (e.g. ApplyStatus):
    the merged object, with ``manager``'s Apply entry as fieldmanager.apply_entries computes it."""
    from rawkube.testing.server import fieldmanager

    info = _info(group, version, resource)

    def update(draft: Obj) -> Obj:
        reset = store.strategy(info.key).get_reset_fields(info).get(subresource, ())
        merged, entries = fieldmanager.apply_entries(
            draft["metadata"].get("managedFields"),
            manager,
            info.api_version,
            draft,
            config,
            decode.schema_of(info),
            True,
            subresource,
            reset,
        )
        if merged is None:
            return draft
        merged.setdefault("metadata", {}).pop("managedFields", None)
        if entries:
            merged["metadata"]["managedFields"] = entries
        return merged

    return store.mutate(info.key, namespace, name, update)


def _active_namespaces(store: GenericStore) -> list[str]:
    namespaces, _ = store.list(NAMESPACES, copy_objects=False)
    return [
        ns["metadata"]["name"] for ns in namespaces if not ns["metadata"].get("deletionTimestamp")
    ]


class NamespaceFurniture:
    """The default ServiceAccount and the kube-root-ca.crt ConfigMap in every namespace."""

    def __init__(self, store: GenericStore, ca_pem: bytes | None = None) -> None:
        self.store = store
        self.ca_pem = ca_pem.decode() if ca_pem else None

    def tick(self) -> int:
        writes = 0
        for ns in _active_namespaces(self.store):
            if self.store.get(SERVICE_ACCOUNTS, ns, "default") is None:
                account = {
                    "kind": "ServiceAccount",
                    "apiVersion": "v1",
                    "metadata": {"name": "default", "namespace": ns},
                }
                writes += (
                    system_create(
                        self.store, "", "v1", "serviceaccounts", account, "kube-controller-manager"
                    )
                    is not None
                )
            if self.ca_pem is not None:
                writes += self._root_ca(ns)
        return writes

    def _root_ca(self, ns: str) -> int:
        current = self.store.get(CONFIG_MAPS, ns, ROOT_CA)
        if current is None:
            config_map = {
                "kind": "ConfigMap",
                "apiVersion": "v1",
                "metadata": {
                    "name": ROOT_CA,
                    "namespace": ns,
                    "annotations": {"kubernetes.io/description": ROOT_CA_DESCRIPTION},
                },
                "data": {"ca.crt": self.ca_pem},
            }
            return (
                system_create(
                    self.store, "", "v1", "configmaps", config_map, "kube-controller-manager"
                )
                is not None
            )
        if (current.get("data") or {}).get("ca.crt") != self.ca_pem:
            # rootcacertpublisher puts the CA back (an Update by kube-controller-manager).
            def restore(draft: Obj) -> None:
                draft["data"] = {**(draft.get("data") or {}), "ca.crt": self.ca_pem}

            system_update(self.store, "", "v1", "configmaps", ns, ROOT_CA, restore,
                          "kube-controller-manager")  # fmt: skip
            return 1
        return 0


class KubernetesService:
    """The ``kubernetes`` Service, Endpoints and EndpointSlice in ``default``."""

    def __init__(self, store: GenericStore, host: str, port: int) -> None:
        self.store = store
        self.host = "127.0.0.1" if host in ("localhost", "0.0.0.0") else host
        self.port = port

    def tick(self) -> int:
        if self.store.get(NAMESPACES, "", "default") is None:
            return 0
        writes = 0
        for group, version, resource, obj in self._objects():
            key = ResourceKey(group, resource)
            if self.store.get(key, "default", "kubernetes") is None:
                # A loopback address is all the simulation has to advertise.
                loopback = self.host.startswith("127.") or self.host == "::1"
                created = system_create(
                    self.store, group, version, resource, obj, "kube-apiserver",
                    unvalidated=loopback and resource != "services",
                )  # fmt: skip
                writes += created is not None
        return writes

    def _objects(self) -> list[tuple[str, str, str, Obj]]:
        meta = {"name": "kubernetes", "namespace": "default"}
        service = {
            "kind": "Service",
            "apiVersion": "v1",
            "metadata": {**meta, "labels": {"component": "apiserver", "provider": "kubernetes"}},
            "spec": {
                "type": "ClusterIP",
                "clusterIP": KUBERNETES_SERVICE_IP,
                "ports": [
                    {"name": "https", "protocol": "TCP", "port": 443, "targetPort": self.port}
                ],
                "sessionAffinity": "None",
                "ipFamilyPolicy": "SingleStack",
            },
        }
        endpoints = {
            "kind": "Endpoints",
            "apiVersion": "v1",
            "metadata": {**meta, "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"}},
            "subsets": [
                {
                    "addresses": [{"ip": self.host}],
                    "ports": [{"name": "https", "port": self.port, "protocol": "TCP"}],
                }
            ],
        }
        slice_: dict[str, Any] = {
            "kind": "EndpointSlice",
            "apiVersion": "discovery.k8s.io/v1",
            "metadata": {**meta, "labels": {"kubernetes.io/service-name": "kubernetes"}},
            "addressType": "IPv4",
            "endpoints": [{"addresses": [self.host], "conditions": {"ready": True}}],
            "ports": [{"name": "https", "protocol": "TCP", "port": self.port}],
        }
        return [
            ("", "v1", "services", service),
            ("", "v1", "endpoints", endpoints),
            ("discovery.k8s.io", "v1", "endpointslices", slice_),
        ]


# pkg/apis/scheduling/types.go + the apiserver's post-start hook
# scheduling/bootstrap-system-priority-classes (pkg/registry/scheduling/rest/storage_scheduling.go).
SYSTEM_PRIORITY_CLASSES = (
    (
        "system-node-critical",
        2000001000,
        "Used for system critical pods that must not be moved from their current node.",
    ),
    (
        "system-cluster-critical",
        2000000000,
        "Used for system critical pods that must run in the cluster, but can be moved to "
        "another node if necessary.",
    ),
)


def ensure_system_priority_classes(store: GenericStore) -> None:
    """Create the two system PriorityClasses kube-apiserver creates at start, if missing."""
    for name, value, description in SYSTEM_PRIORITY_CLASSES:
        if store.get(ResourceKey("scheduling.k8s.io", "priorityclasses"), "", name) is None:
            system_create(
                store,
                "scheduling.k8s.io",
                "v1",
                "priorityclasses",
                {
                    "kind": "PriorityClass",
                    "apiVersion": "scheduling.k8s.io/v1",
                    "metadata": {"name": name},
                    "value": value,
                    "description": description,
                },
                "kube-apiserver",
            )


__all__ = [
    "KubernetesService",
    "NamespaceFurniture",
    "ensure_system_priority_classes",
    "system_create",
    "system_update",
]


# The mandatory priority levels: the APF controller imagines them when no object exists
# (apf_controller.go imaginePL; bootstrap MandatoryPriorityLevelConfigurations).
MANDATORY_PRIORITY_LEVELS = ("exempt", "catch-all")
APF_CONSUMER = "api-priority-and-fairness-config-consumer-v1"


class FlowSchemaStatus:
    """apf_controller.go presyncFlowSchemaStatus: a FlowSchema whose priority level exists (or
    is a mandatory one) gets ``Dangling`` False/Found, else True/NotFound, applied to its
    status by the config consumer (ApplyStatus, force) when the condition differs."""

    def __init__(self, store: GenericStore) -> None:
        self.store = store

    def tick(self) -> int:
        flows, _ = self.store.list(FLOW_SCHEMAS, copy_objects=False)
        if not flows:
            return 0
        levels, _ = self.store.list(PRIORITY_LEVELS, copy_objects=False)
        known = {pl["metadata"]["name"] for pl in levels} | set(MANDATORY_PRIORITY_LEVELS)
        writes = 0
        for fs in flows:
            if fs["metadata"].get("deletionTimestamp"):
                continue
            ref = (fs.get("spec") or {}).get("priorityLevelConfiguration") or {}
            level = str(ref.get("name") or "")
            quoted = json.dumps(level)
            if level in known:
                status, reason = "False", "Found"
                message = f"This FlowSchema references the PriorityLevelConfiguration object named {quoted} and it exists"
            else:
                status, reason = "True", "NotFound"
                message = f"This FlowSchema references the PriorityLevelConfiguration object named {quoted} but there is no such object"
            conditions = (fs.get("status") or {}).get("conditions") or []
            current: dict[str, Any] = next(
                (c for c in conditions if c.get("type") == "Dangling"), {}
            )
            if (current.get("status"), current.get("reason"), current.get("message")) == (
                status,
                reason,
                message,
            ):
                continue
            condition = {
                "type": "Dangling",
                "status": status,
                "lastTransitionTime": now_rfc3339(),
                "reason": reason,
                "message": message,
            }
            config = {
                "apiVersion": "flowcontrol.apiserver.k8s.io/v1",
                "kind": "FlowSchema",
                "metadata": {"name": fs["metadata"]["name"]},
                "status": {"conditions": [condition]},
            }
            try:
                system_apply(
                    self.store, FLOW_SCHEMAS.group, "v1", FLOW_SCHEMAS.resource, "",
                    fs["metadata"]["name"], config, APF_CONSUMER, subresource="status",
                )  # fmt: skip
            except APIError:
                continue  # deleted meanwhile: the next tick sees it gone
            writes += 1
        return writes
