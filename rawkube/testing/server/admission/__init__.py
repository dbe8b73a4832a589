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

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rawkube.testing.server.errors import APIError, Obj
from rawkube.testing.server.registry.context import RequestContext

if TYPE_CHECKING:  # pragma: no cover
    from rawkube.testing.server.registry.generic import GenericStore, ValidateFunc

CREATE, UPDATE, DELETE, CONNECT = "CREATE", "UPDATE", "DELETE", "CONNECT"


@dataclass
class Attributes:
    """admission.Attributes: the operation, the request and the objects (``obj`` may be
    changed in place by a mutating plugin)."""

    operation: str
    ctx: RequestContext
    obj: Obj | None
    old: Obj | None = None

    @property
    def namespace(self) -> str:
        return self.ctx.namespace

    @property
    def name(self) -> str:
        if self.obj is not None:
            return str((self.obj.get("metadata") or {}).get("name") or self.ctx.name)
        return self.ctx.name


def forbidden(attrs: Attributes, reason: str) -> APIError:
    """admission.NewForbidden: ``pods "p" is forbidden: <reason>`` (403)."""
    info = attrs.ctx.info
    name = attrs.name
    resource = f"{info.resource}.{info.group}" if info.group else info.resource
    message = (
        f'{resource} "{name}" is forbidden: {reason}'
        if name
        else (f"{resource} is forbidden: {reason}")
    )
    details: dict[str, str] = {}
    if name:
        details["name"] = name
    if info.group:
        details["group"] = info.group
    details["kind"] = info.resource
    return APIError(403, "Forbidden", message, details)


class Plugin:
    """One admission plugin."""

    name = ""
    mutating = False
    validating = False
    operations: frozenset[str] = frozenset({CREATE, UPDATE, DELETE, CONNECT})
    # (group, resource) the plugin looks at (empty: every resource); subresources are left
    # alone unless listed in ``subresources``.
    resources: frozenset[tuple[str, str]] = frozenset()
    subresources: frozenset[str] = frozenset({""})

    def handles(self, attrs: Attributes) -> bool:
        info = attrs.ctx.info
        if self.resources and (info.group, info.resource) not in self.resources:
            return False
        return attrs.operation in self.operations and attrs.ctx.subresource in self.subresources

    def admit(self, attrs: Attributes, store: GenericStore) -> None:
        """Mutating admission: may change ``attrs.obj``; raise APIError to refuse."""

    def validate(self, attrs: Attributes, store: GenericStore) -> None:
        """Validating admission: raise APIError to refuse."""


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
