"""CustomResourceDefinitions: what the apiextensions-apiserver's registry does
(k8s.io/apiextensions-apiserver/pkg/registry/customresourcedefinition/strategy.go, etcd.go)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rawkube.testing.server import field
from rawkube.testing.server.apiextensions import crd as crd_validation
from rawkube.testing.server.errors import APIError, Obj, ResourceKey, now_rfc3339
from rawkube.testing.server.registry.context import RequestContext
from rawkube.testing.server.registry.strategies import customresource
from rawkube.testing.server.registry.strategy import Cause, Strategy

if TYPE_CHECKING:  # pragma: no cover
    # The store serving the request, as far as strategies use it (no import of generic.py).
    from rawkube.testing.server.registry.storeview import StoreView as GenericStore

CRDS = ResourceKey("apiextensions.k8s.io", "customresourcedefinitions")
CRD_FINALIZER = "customresourcecleanup.apiextensions.k8s.io"


class CustomResourceDefinitionStrategy(Strategy):
    """strategy.go (validation of the name, status on create) and etcd.go (its own Delete adds
    the cleanup finalizer, so the CRD outlives its custom resources: recording 054)."""

    tracks_generation = True
    own_delete = True

    def prepare_for_create(self, ctx: RequestContext, obj: Obj) -> None:
        """strategy.go PrepareForCreate: the status starts empty but for storedVersions (the
        naming and establishing controllers fill in the rest: see `after_create`)."""
        spec = obj.get("spec") or {}
        storage = next((v["name"] for v in spec.get("versions") or [] if v.get("storage")), "")
        obj["status"] = {"storedVersions": [storage] if storage else []}

    def validate(self, ctx: RequestContext, obj: Obj) -> list[Cause]:
        crd_validation.default_crd(obj)
        _raise_invalid(obj, crd_validation.validate_crd(obj))
        return super().validate(ctx, obj)

    def validate_update(self, ctx: RequestContext, obj: Obj, old: Obj) -> list[Cause]:
        crd_validation.default_crd(obj)
        _raise_invalid(obj, crd_validation.validate_crd(obj))
        return super().validate_update(ctx, obj, old)

    def after_create(self, store: GenericStore, ctx: RequestContext, obj: Obj) -> None:
        if ctx.resources is not None and not ctx.dry_run:
            customresource.serve(obj)
            ctx.resources.add_crd(obj)
        if not ctx.dry_run:
            _accept_names(store, obj)

    def after_update(self, store: GenericStore, ctx: RequestContext, obj: Obj) -> None:
        """An updated CRD is served with its new schema (the crdHandler rebuilds its serving
        info when the CRD changes: customresource_handler.go updateCustomResourceDefinition)."""
        if (
            ctx.resources is not None
            and not ctx.dry_run
            and not obj["metadata"].get("deletionTimestamp")
        ):
            customresource.serve(obj)
            ctx.resources.add_crd(obj)

    def before_delete(self, store: GenericStore, ctx: RequestContext | None, obj: Obj) -> None:
        finalizers = obj["metadata"].setdefault("finalizers", [])
        if CRD_FINALIZER not in finalizers:
            finalizers.append(CRD_FINALIZER)

    def after_delete(
        self, store: GenericStore, ctx: RequestContext | None, obj: Obj, removed: bool
    ) -> None:
        if removed or ctx is None or ctx.dry_run:
            return
        _cleanup(store, ctx, obj)


def _raise_invalid(crd: Obj, errors: list[field.FieldError]) -> None:
    """ValidateCustomResourceDefinition's errors as the 422 Invalid (apiextensions.crd)."""
    if errors:
        name = str(crd.get("metadata", {}).get("name") or "")
        raise field.invalid_status("apiextensions.k8s.io", "CustomResourceDefinition", name, errors)


def _accept_names(store: GenericStore, crd: Obj) -> None:
    """What the apiextensions naming controller (pkg/controller/status/naming_controller.go)
    and establishing controller do right after a create: accept the names and mark the CRD
    NamesAccepted and Established, so it is served (and `kubectl wait` sees it) at once."""
    names = dict((crd.get("spec") or {}).get("names") or {})
    now = now_rfc3339()

    def accept(draft: Obj) -> None:
        status = draft.setdefault("status", {})
        status["acceptedNames"] = names
        status["conditions"] = [
            {
                "type": "NamesAccepted",
                "status": "True",
                "lastTransitionTime": now,
                "reason": "NoConflicts",
                "message": "no conflicts found",
            },
            {
                "type": "Established",
                "status": "True",
                "lastTransitionTime": now,
                "reason": "InitialNamesAccepted",
                "message": "the initial names have been accepted",
            },
        ]

    from rawkube.testing.server.systemwrite import system_update

    try:
        # A status Update by kube-apiserver's own controllers: its managedFields entry
        # (manager kube-apiserver, subresource status) is on the real CRD too.
        system_update(
            store, CRDS.group, "v1", CRDS.resource, "", crd["metadata"]["name"], accept,
            "kube-apiserver", subresource="status",
        )  # fmt: skip
    except APIError:
        pass


def _cleanup(store: GenericStore, ctx: RequestContext, crd: Obj) -> None:
    """The CRD finalizer's job: delete every custom resource, stop serving, let the CRD go."""
    spec = crd.get("spec") or {}
    key = ResourceKey(str(spec.get("group", "")), str((spec.get("names") or {}).get("plural", "")))
    items, _ = store.list(key)
    for item in items:
        meta = item["metadata"]
        try:
            store.mutate(
                key,
                meta.get("namespace", ""),
                meta["name"],
                lambda o: o["metadata"].pop("finalizers", None),
            )
            store.delete(key, meta.get("namespace", ""), meta["name"])
        except APIError:
            continue
    if ctx.resources is not None:
        ctx.resources.remove_crd(crd)

    def drop_finalizer(obj: Obj) -> None:
        obj["metadata"]["finalizers"] = [
            f for f in obj["metadata"].get("finalizers", []) if f != CRD_FINALIZER
        ]

    try:
        store.mutate(ctx.key, "", crd["metadata"]["name"], drop_finalizer)
    except APIError:
        pass


STRATEGIES: dict[str, Strategy] = {
    "customresourcedefinitions": CustomResourceDefinitionStrategy(),
}
