"""Admission plugins for nodes, volumes and ingresses (plugin/pkg/admission/...):
TaintNodesByCondition, DefaultStorageClass, StorageObjectInUseProtection, DefaultIngressClass."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rawkube.testing.server.admission.base import CREATE, Attributes, Plugin
from rawkube.testing.server.errors import Obj, ResourceKey

if TYPE_CHECKING:  # pragma: no cover
    from rawkube.testing.server.registry.generic import GenericStore

STORAGE_CLASSES = ResourceKey("storage.k8s.io", "storageclasses")
INGRESS_CLASSES = ResourceKey("networking.k8s.io", "ingressclasses")


class TaintNodesByCondition(Plugin):
    """nodetaint/admission.go: a new Node is tainted not-ready (NoSchedule) until the node
    controller sees it Ready."""

    name = "TaintNodesByCondition"
    mutating = True
    operations = frozenset({CREATE})
    resources = frozenset({("", "nodes")})

    def admit(self, attrs: Attributes, store: GenericStore) -> None:
        assert attrs.obj is not None
        spec = attrs.obj.setdefault("spec", {})
        taints = [t for t in spec.get("taints") or [] if isinstance(t, dict)]
        wanted = {"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"}
        if not any(
            t.get("key") == wanted["key"] and t.get("effect") == wanted["effect"] for t in taints
        ):
            spec["taints"] = [*taints, wanted]


def _default_class(store: GenericStore, key: ResourceKey, annotation: str) -> Obj | None:
    """The default class: the newest of those annotated default (GetDefaultClass)."""
    classes, _ = store.list(key, copy_objects=False)
    defaults = [
        c
        for c in classes
        if ((c.get("metadata") or {}).get("annotations") or {}).get(annotation) == "true"
    ]
    if not defaults:
        return None
    return max(
        defaults,
        key=lambda c: (c["metadata"].get("creationTimestamp", ""), c["metadata"]["name"]),
    )


class DefaultStorageClass(Plugin):
    """storageclass/setdefault/admission.go: a claim that names no class gets the default one."""

    name = "DefaultStorageClass"
    mutating = True
    operations = frozenset({CREATE})
    resources = frozenset({("", "persistentvolumeclaims")})

    def admit(self, attrs: Attributes, store: GenericStore) -> None:
        assert attrs.obj is not None
        spec = attrs.obj.setdefault("spec", {})
        if spec.get("storageClassName") is not None:
            return
        found = _default_class(
            store, STORAGE_CLASSES, "storageclass.kubernetes.io/is-default-class"
        )
        if found is not None:
            spec["storageClassName"] = found["metadata"]["name"]


class DefaultIngressClass(Plugin):
    """network/defaultingressclass/admission.go: an Ingress that names no class gets the
    default IngressClass."""

    name = "DefaultIngressClass"
    mutating = True
    operations = frozenset({CREATE})
    resources = frozenset({("networking.k8s.io", "ingresses")})

    def admit(self, attrs: Attributes, store: GenericStore) -> None:
        assert attrs.obj is not None
        spec = attrs.obj.setdefault("spec", {})
        annotations = (attrs.obj.get("metadata") or {}).get("annotations") or {}
        if spec.get("ingressClassName") or "kubernetes.io/ingress.class" in annotations:
            return
        found = _default_class(
            store, INGRESS_CLASSES, "ingressclass.kubernetes.io/is-default-class"
        )
        if found is not None:
            spec["ingressClassName"] = found["metadata"]["name"]


class StorageObjectInUseProtection(Plugin):
    """storage/storageobjectinuseprotection/admission.go: new PVCs, PVs and
    VolumeAttributesClasses carry their protection finalizer."""

    name = "StorageObjectInUseProtection"
    mutating = True
    operations = frozenset({CREATE})
    FINALIZERS = {
        ("", "persistentvolumeclaims"): "kubernetes.io/pvc-protection",
        ("", "persistentvolumes"): "kubernetes.io/pv-protection",
        ("storage.k8s.io", "volumeattributesclasses"): "kubernetes.io/vac-protection",
    }
    resources = frozenset(FINALIZERS)

    def admit(self, attrs: Attributes, store: GenericStore) -> None:
        assert attrs.obj is not None
        info = attrs.ctx.info
        finalizer = self.FINALIZERS[(info.group, info.resource)]
        meta = attrs.obj.setdefault("metadata", {})
        finalizers = list(meta.get("finalizers") or [])
        if finalizer not in finalizers:
            meta["finalizers"] = [*finalizers, finalizer]
