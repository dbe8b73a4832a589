"""What an admission plugin is made of: `Attributes`, `Plugin`, `forbidden` and the operations.

A leaf module below the chain (admission/__init__.py), so that the plugins (pods.py,
storage.py, namespace_lifecycle.py, quota.py) import it and the chain imports them without an
import circle; admission/__init__.py re-exports every name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rawkube.testing.server.errors import APIError, Obj
from rawkube.testing.server.registry.context import RequestContext

if TYPE_CHECKING:  # pragma: no cover
    from rawkube.testing.server.registry.generic import GenericStore

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


__all__ = ["Attributes", "CONNECT", "CREATE", "DELETE", "Plugin", "UPDATE", "forbidden"]
