"""NamespaceLifecycle (k8s.io/apiserver/pkg/admission/plugin/namespace/lifecycle/admission.go):
nothing is created in a namespace that does not exist (404) or is being deleted (403)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rawkube.testing.server.admission import CREATE, Attributes, Plugin
from rawkube.testing.server.errors import APIError, ResourceKey, not_found

if TYPE_CHECKING:  # pragma: no cover
    from rawkube.testing.server.registry.generic import GenericStore

NAMESPACES = ResourceKey("", "namespaces")


class NamespaceLifecycle(Plugin):
    name = "NamespaceLifecycle"
    mutating = True
    operations = frozenset({CREATE})

    def admit(self, attrs: Attributes, store: GenericStore) -> None:
        info = attrs.ctx.info
        if not info.namespaced:
            return
        ns = store.get(NAMESPACES, "", attrs.namespace)
        if ns is None:
            raise not_found(NAMESPACES, attrs.namespace)
        if ns["metadata"].get("deletionTimestamp"):
            name = attrs.name
            message = (
                f"unable to create new content in namespace {attrs.namespace} "
                "because it is being terminated"
            )
            raise APIError(
                403,
                "Forbidden",
                f'{info.key.qualified} "{name}" is forbidden: {message}',
                {
                    "name": name,
                    "group": info.group,
                    "kind": info.resource,
                    "causes": [
                        {
                            "reason": "NamespaceTerminating",
                            "message": message,
                            "field": "metadata.namespace",
                        }
                    ],
                },
            )
