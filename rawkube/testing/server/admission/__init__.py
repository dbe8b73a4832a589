"""The admission chain: mutating plugins, then validating plugins (k8s.io/apiserver/pkg/admission).

Where the chain runs (as kube-apiserver's handlers and registry run it):

* mutating (`Chain.admit`): in the handlers, after decoding, defaulting and managedFields,
  before the registry (create.go / update.go / patch.go call ``Admit`` there);
* validating (`Chain.validator`): inside the registry, after the strategy's validation and
  before storage (the ``createValidation`` / ``updateValidation`` functions of store.go).

A plugin is a `Plugin` subclass: set ``mutating`` and/or ``validating``, the ``operations`` it
handles, and implement `admit` / `validate` (raise `APIError` to refuse). Add it to
`default_plugins` in kube-apiserver's order (pkg/kubeapiserver/options/plugins.go
AllOrderedPlugins); plugins get the registry store to look objects up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rawkube.testing.server.admission.base import (
    CONNECT,
    CREATE,
    DELETE,
    UPDATE,
    Attributes,
    Plugin,
    forbidden,
)
from rawkube.testing.server.errors import Obj
from rawkube.testing.server.registry.context import RequestContext

if TYPE_CHECKING:  # pragma: no cover
    from rawkube.testing.server.registry.generic import GenericStore, ValidateFunc


class Chain:
    """The plugins of one server, in order."""

    def __init__(self, store: GenericStore, plugins: list[Plugin] | None = None) -> None:
        self.store = store
        self.plugins = default_plugins() if plugins is None else plugins

    def admit(self, attrs: Attributes) -> None:
        for plugin in self.plugins:
            if plugin.mutating and plugin.handles(attrs):
                plugin.admit(attrs, self.store)

    def validate(self, attrs: Attributes) -> None:
        for plugin in self.plugins:
            if plugin.validating and plugin.handles(attrs):
                plugin.validate(attrs, self.store)

    def validator(self, operation: str, ctx: RequestContext) -> ValidateFunc:
        """The registry's createValidation / updateValidation function for one request."""

        def run(obj: Obj, old: Obj | None) -> None:
            self.validate(Attributes(operation, ctx, obj, old))

        return run


def default_plugins() -> list[Plugin]:
    """The plugins kube-apiserver 1.36 enables by default that this server models, in its
    order (pkg/kubeapiserver/options/plugins.go AllOrderedPlugins)."""
    from rawkube.testing.server.admission import pods, storage
    from rawkube.testing.server.admission.namespace_lifecycle import NamespaceLifecycle
    from rawkube.testing.server.quota import ResourceQuotaAdmission

    return [
        NamespaceLifecycle(),
        pods.LimitRanger(),
        pods.ServiceAccount(),
        storage.TaintNodesByCondition(),
        pods.Priority(),
        pods.DefaultTolerationSeconds(),
        storage.DefaultStorageClass(),
        storage.StorageObjectInUseProtection(),
        storage.DefaultIngressClass(),
        ResourceQuotaAdmission(),
    ]


__all__ = [
    "Attributes",
    "CONNECT",
    "CREATE",
    "Chain",
    "DELETE",
    "Plugin",
    "UPDATE",
    "forbidden",
]
