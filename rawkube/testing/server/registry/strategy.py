"""`Strategy`: the per-kind rules the generic registry store follows.

One class bundles what kube-apiserver splits over k8s.io/apiserver/pkg/registry/rest
(RESTCreateStrategy, RESTUpdateStrategy, RESTDeleteStrategy, RESTGracefulDeleteStrategy,
ResetFieldsStrategy) plus the generic store's per-resource options (ReturnDeletedObject, the
namespace and CRD registries' own Delete). The defaults here are the generic behaviour of a
resource with no special rules; ``strategies/<group>.py`` override what their kinds change,
citing pkg/registry/<group>/<kind>/strategy.go.

Order of the hooks (registry/generic.py, as rest.BeforeCreate / BeforeUpdate call them):

    create: authorize_create -> prepare_for_create -> validate (+ generic ObjectMeta rules)
            -> canonicalize -> validating admission -> storage -> after_create
    update: authorize_update -> prepare_for_update -> validate_update -> canonicalize
            -> validating admission -> storage (or removal when a deletion's last finalizer
            went) -> after_update
    delete: check_graceful_delete, finalizers, mark_deleting -> storage -> after_delete

Validation hooks return a list of causes (`validation.Cause`: reason, message, field); the
store turns a non-empty list into the 422 Invalid of errors.NewInvalid.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rawkube.testing.server import validation
from rawkube.testing.server.errors import Obj
from rawkube.testing.server.registry.context import RequestContext

if TYPE_CHECKING:  # pragma: no cover
    # The store serving the request, as far as strategies use it (no import of generic.py).
    from rawkube.testing.server.registry.storeview import StoreView as GenericStore
    from rawkube.testing.server.resources import ResourceInfo

Cause = validation.Cause


def spec_part(obj: Obj) -> Obj:
    """Everything but metadata, status and the type fields: what a generation counts."""
    return {k: v for k, v in obj.items() if k not in ("metadata", "status", "kind", "apiVersion")}


class Strategy:
    """The generic registry behaviour; subclass and override per kind."""

    # metadata.generation: set to 1 on create and bumped when the spec changes (the workload,
    # pod and custom resource strategies' PrepareForCreate / PrepareForUpdate).
    tracks_generation: bool = False
    # registry.Store.ReturnDeletedObject: DELETE answers with the object, not a Status (pods).
    return_deleted_object: bool = False
    # RESTGracefulDeleteStrategy (pods): a deletion passes through a marked state first.
    graceful_delete: bool = False
    # rest.RESTUpdateStrategy.AllowCreateOnUpdate: PUT may create.
    create_on_update: bool = False
    # rest.RESTUpdateStrategy.AllowUnconditionalUpdate: PUT without a resourceVersion is fine.
    allow_unconditional_update: bool = True
    # The namespace and CRD registries have their own Delete: deletionTimestamp without
    # deletionGracePeriodSeconds (recordings 054, 059), unlike markAsDeleting (recording 041).
    own_delete: bool = False

    # -- create ----------------------------------------------------------------------------------

    def authorize_create(self, store: GenericStore, ctx: RequestContext, obj: Obj) -> None:
        """Raise an APIError to refuse a client's create before anything else (the
        policy-based storages that wrap a standard one, e.g. pkg/registry/rbac/*/policybased)."""

    def prepare_for_create(self, ctx: RequestContext, obj: Obj) -> None:
        """Normalise a new object before validation (clear status, set server-owned fields).
        By default: the status of the resources whose strategy clears it is cleared."""
        if (ctx.info.group, ctx.info.resource) in CLEARS_STATUS:
            obj["status"] = {}

    def validate(self, ctx: RequestContext, obj: Obj) -> list[Cause]:
        """The kind's validation of a new object (pkg/apis/<group>/validation)."""
        return validation.validate_create(ctx.info, obj)

    def canonicalize(self, obj: Obj) -> None:
        """Put a validated object into its canonical form before it is stored."""

    def after_create(self, store: GenericStore, ctx: RequestContext, obj: Obj) -> None:
        """Runs once the object is stored (registry.Store.AfterCreate)."""

    # -- update ----------------------------------------------------------------------------------

    def authorize_update(
        self, store: GenericStore, ctx: RequestContext, obj: Obj, old: Obj
    ) -> None:
        """Like `authorize_create`, for the new state of an update (rest.WrapUpdatedObjectInfo
        in the policy-based storages)."""

    def allow_create_on_update(self) -> bool:
        return self.create_on_update

    def prepare_for_update(self, ctx: RequestContext, obj: Obj, old: Obj) -> None:
        """The status/spec split of resources with a status subresource: the main resource
        keeps the stored status, the status subresource keeps everything but status (each
        strategy's PrepareForUpdate and its statusStrategy's)."""
        if "status" not in ctx.info.subresources:
            return
        if ctx.subresource == "status":
            rv = obj.get("metadata", {}).get("resourceVersion")
            status = obj.get("status", _MISSING)
            obj.clear()
            obj.update(_deepcopy(old))
            if status is _MISSING:
                obj.pop("status", None)
            else:
                obj["status"] = status
            obj["metadata"]["resourceVersion"] = rv
        elif ctx.subresource == "":
            if "status" in old:
                obj["status"] = _deepcopy(old["status"])
            else:
                obj.pop("status", None)

    def validate_update(self, ctx: RequestContext, obj: Obj, old: Obj) -> list[Cause]:
        """The kind's validation of an update (immutable fields included)."""
        return validation.validate_update(ctx.info, obj, old)

    def after_update(self, store: GenericStore, ctx: RequestContext, obj: Obj) -> None:
        """Runs once the update is stored (registry.Store.AfterUpdate)."""

    def get_reset_fields(self, info: ResourceInfo) -> dict[str, tuple[tuple[str, ...], ...]]:
        """rest.ResetFieldsStrategy: the fields each endpoint ("" or a subresource) resets, as
        FieldsV1 paths, so no manager is credited with them: a resource with a status
        subresource ignores status on the main endpoint, spec and metadata on /status."""
        if "status" not in info.subresources:
            return {}
        return {"": (("f:status",),), "status": (("f:spec",), ("f:metadata",))}

    # -- both ------------------------------------------------------------------------------------

    def update_generation(self, obj: Obj, old: Obj | None) -> None:
        """metadata.generation for a new (``old`` None) or updated object."""
        meta = obj.setdefault("metadata", {})
        if not self.tracks_generation:
            meta.pop("generation", None)
        elif old is None:
            meta["generation"] = 1
        else:
            generation = int(old["metadata"].get("generation", 1))
            if spec_part(obj) != spec_part(old):
                generation += 1
            meta["generation"] = generation

    # -- delete ----------------------------------------------------------------------------------

    def check_graceful_delete(self, obj: Obj, requested: int | None) -> int:
        """Seconds the object may take to go (rest.RESTGracefulDeleteStrategy); 0: at once."""
        return 0

    def deletion_pending(self, obj: Obj) -> bool:
        """Whether something besides metadata.finalizers keeps a deleted object (namespaces)."""
        return False

    def before_delete(self, store: GenericStore, ctx: RequestContext | None, obj: Obj) -> None:
        """Change the object being deleted before the registry decides its fate (CRDs add
        their cleanup finalizer here)."""

    def mark_deleting(self, obj: Obj) -> None:
        """Extra changes to an object that stays, terminating (a Namespace's phase)."""

    def after_delete(
        self, store: GenericStore, ctx: RequestContext | None, obj: Obj, removed: bool
    ) -> None:
        """Runs after a delete request (registry.Store.AfterDelete)."""


_MISSING: Any = object()

# The resources whose strategy's PrepareForCreate starts the status afresh
# (``obj.Status = XStatus{}``; pkg/registry/*/*/strategy.go and the aggregator's and
# apiextensions' registries): a client cannot create an object with a status.
CLEARS_STATUS = frozenset(
    {
        ("", "persistentvolumeclaims"),
        ("", "persistentvolumes"),
        ("", "replicationcontrollers"),
        ("", "resourcequotas"),
        ("", "services"),
        ("admissionregistration.k8s.io", "validatingadmissionpolicies"),
        ("apiextensions.k8s.io", "customresourcedefinitions"),
        ("apiregistration.k8s.io", "apiservices"),
        ("apps", "daemonsets"),
        ("apps", "deployments"),
        ("apps", "replicasets"),
        ("apps", "statefulsets"),
        ("autoscaling", "horizontalpodautoscalers"),
        ("batch", "cronjobs"),
        ("batch", "jobs"),
        ("certificates.k8s.io", "certificatesigningrequests"),
        ("flowcontrol.apiserver.k8s.io", "flowschemas"),
        ("flowcontrol.apiserver.k8s.io", "prioritylevelconfigurations"),
        ("networking.k8s.io", "ingresses"),
        ("networking.k8s.io", "servicecidrs"),
        ("policy", "poddisruptionbudgets"),
        ("resource.k8s.io", "resourceclaims"),
        ("storage.k8s.io", "volumeattachments"),
    }
)


def _deepcopy(value: Any) -> Any:
    import copy

    return copy.deepcopy(value)


__all__ = ["Cause", "Strategy", "spec_part"]
