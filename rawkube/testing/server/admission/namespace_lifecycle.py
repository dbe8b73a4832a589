"""NamespaceLifecycle (k8s.io/apiserver/pkg/admission/plugin/namespace/lifecycle/admission.go):
nothing is created in a namespace that does not exist (404) or is being deleted (403), and
default, kube-system and kube-public may not be deleted (403)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rawkube.testing.server.admission.base import CREATE, DELETE, Attributes, Plugin, forbidden
from rawkube.testing.server.errors import APIError, ResourceKey, not_found

if TYPE_CHECKING:  # pragma: no cover
    from rawkube.testing.server.registry.generic import GenericStore

NAMESPACES = ResourceKey("", "namespaces")
# The namespaces the apiserver keeps (options: --immortal-namespaces defaults).
IMMORTAL = frozenset({"default", "kube-system", "kube-public"})


class NamespaceLifecycle(Plugin):
    name = "NamespaceLifecycle"
    mutating = True
    operations = frozenset({CREATE, DELETE})

    def admit(self, attrs: Attributes, store: GenericStore) -> None:
        info = attrs.ctx.info
        if attrs.operation == DELETE:
            if info.key == NAMESPACES and attrs.name in IMMORTAL:
                raise forbidden(attrs, "this namespace may not be deleted")
            return
        if not info.namespaced or attrs.ctx.trusted:
            return
        ns = store.get(NAMESPACES, "", attrs.namespace)
        if ns is None:
            raise not_found(NAMESPACES, attrs.namespace)
        if ns["metadata"].get("deletionTimestamp"):
            name = attrs.name
            details: dict[str, object] = {"name": name}
            if info.group:
                details["group"] = info.group
            details["kind"] = info.resource
            details["causes"] = [
                {
                    "reason": "NamespaceTerminating",
                    "message": f"namespace {attrs.namespace} is being terminated",
                    "field": "metadata.namespace",
                }
            ]
            raise APIError(
                403,
                "Forbidden",
                f'{info.key.qualified} "{name}" is forbidden: unable to create new content in '
                f"namespace {attrs.namespace} because it is being terminated",
                details,
            )
