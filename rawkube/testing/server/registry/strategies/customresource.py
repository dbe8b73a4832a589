"""Custom resources: apiextensions-apiserver pkg/registry/customresource (strategy.go,
status_strategy.go, validator.go), over the serving info of the request's CRD version
(``ctx.info.custom``, an apiextensions.customresource.CustomResourceVersion).

One stateless instance serves every custom resource (each request brings its CRD version in
its context); `serve` registers it for a CRD's resource when the CRD is served.
"""

from __future__ import annotations

from rawkube.testing.server import field
from rawkube.testing.server.errors import Obj, ResourceKey
from rawkube.testing.server.registry.context import RequestContext
from rawkube.testing.server.registry.strategy import Cause, Strategy


class CustomResourceStrategy(Strategy):
    """customResourceStrategy: generation tracked, the status split of the status
    subresource, and validation by the CRD's schema, embedded metadata, list types and CEL."""

    tracks_generation = True
    allow_unconditional_update = False

    def prepare_for_create(self, ctx: RequestContext, obj: Obj) -> None:
        custom = ctx.info.custom
        if custom is not None:
            custom.prepare_for_create(obj)

    def prepare_for_update(self, ctx: RequestContext, obj: Obj, old: Obj) -> None:
        """The status split; a status update keeps the managedFields it was given
        (status_strategy.go PrepareForUpdate: "managedFields must be preserved")."""
        managed = (obj.get("metadata") or {}).get("managedFields")
        super().prepare_for_update(ctx, obj, old)
        if ctx.subresource == "status":
            if managed is None:
                obj["metadata"].pop("managedFields", None)
            else:
                obj["metadata"]["managedFields"] = managed

    def validate(self, ctx: RequestContext, obj: Obj) -> list[Cause]:
        custom = ctx.info.custom
        if custom is None:
            return super().validate(ctx, obj)
        _raise_invalid(obj, custom.validate(obj))
        return []

    def validate_update(self, ctx: RequestContext, obj: Obj, old: Obj) -> list[Cause]:
        custom = ctx.info.custom
        if custom is None:
            return super().validate_update(ctx, obj, old)
        if ctx.subresource == "status":
            _raise_invalid(obj, custom.validate_status(obj, old))
        else:
            _raise_invalid(obj, custom.validate(obj, old))
        return []


def _raise_invalid(obj: Obj, errors: list[field.FieldError]) -> None:
    """NewInvalid with the object's own kind and group (rest.BeforeCreate/BeforeUpdate name
    the kind the body claims, e.g. a wrong kind in the body is reported under that kind)."""
    if not errors:
        return
    group = str(obj.get("apiVersion") or "").rpartition("/")[0]
    name = str((obj.get("metadata") or {}).get("name") or "")
    raise field.invalid_status(group, str(obj.get("kind") or ""), name, errors)


CUSTOM_RESOURCE = CustomResourceStrategy()


def serve(crd: Obj) -> None:
    """Give a CRD's resource the custom resource strategy."""
    from rawkube.testing.server.registry.strategies.registered import register

    spec = crd.get("spec") or {}
    plural = str((spec.get("names") or {}).get("plural", ""))
    register(ResourceKey(str(spec.get("group", "")), plural), CUSTOM_RESOURCE)
