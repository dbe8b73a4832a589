"""Strategies of apps/v1: pkg/registry/apps/<kind>/strategy.go."""

from __future__ import annotations

from rawkube.testing.server.errors import Obj
from rawkube.testing.server.registry.context import RequestContext
from rawkube.testing.server.registry.strategy import Strategy

TEMPLATE_GENERATION = "deprecated.daemonset.template.generation"  # apps/v1 annotation


class DeploymentStrategy(Strategy):
    """pkg/registry/apps/deployment/strategy.go deploymentStrategy."""

    tracks_generation = True


class ReplicaSetStrategy(Strategy):
    """pkg/registry/apps/replicaset/strategy.go rsStrategy."""

    tracks_generation = True


class StatefulSetStrategy(Strategy):
    """pkg/registry/apps/statefulset/strategy.go statefulSetStrategy."""

    tracks_generation = True

    def prepare_for_create(self, ctx: RequestContext, obj: Obj) -> None:
        super().prepare_for_create(ctx, obj)
        _drop_max_unavailable(obj, None)

    def prepare_for_update(self, ctx: RequestContext, obj: Obj, old: Obj) -> None:
        super().prepare_for_update(ctx, obj, old)
        _drop_max_unavailable(obj, old)


def _rolling(obj: Obj | None) -> Obj:
    strategy = ((obj or {}).get("spec") or {}).get("updateStrategy") or {}
    rolling = strategy.get("rollingUpdate")
    return rolling if isinstance(rolling, dict) else {}


def _drop_max_unavailable(obj: Obj, old: Obj | None) -> None:
    """dropStatefulSetDisabledFields: MaxUnavailableStatefulSet is off in 1.36's defaults, so
    rollingUpdate.maxUnavailable goes unless the stored object already uses it."""
    if _rolling(old).get("maxUnavailable") is None:
        _rolling(obj).pop("maxUnavailable", None)


class DaemonSetStrategy(Strategy):
    """pkg/registry/apps/daemonset/strategy.go daemonSetStrategy: spec.templateGeneration,
    which apps/v1 writes as the deprecated.daemonset.template.generation annotation
    (pkg/apis/apps/v1/conversion.go), starts at 1 and counts template changes."""

    tracks_generation = True

    def prepare_for_create(self, ctx: RequestContext, obj: Obj) -> None:
        super().prepare_for_create(ctx, obj)
        if _template_generation(obj) < 1:
            _set_template_generation(obj, 1)

    def prepare_for_update(self, ctx: RequestContext, obj: Obj, old: Obj) -> None:
        super().prepare_for_update(ctx, obj, old)
        if ctx.subresource:
            return
        generation = _template_generation(old)
        template = (obj.get("spec") or {}).get("template")
        if template != (old.get("spec") or {}).get("template"):
            generation += 1
        _set_template_generation(obj, generation)


def _template_generation(obj: Obj) -> int:
    value = ((obj.get("metadata") or {}).get("annotations") or {}).get(TEMPLATE_GENERATION)
    try:
        return int(str(value))
    except ValueError:
        return 0


def _set_template_generation(obj: Obj, generation: int) -> None:
    meta = obj.setdefault("metadata", {})
    annotations = meta.get("annotations")
    if not isinstance(annotations, dict):
        annotations = meta["annotations"] = {}
    annotations[TEMPLATE_GENERATION] = str(generation)


class ControllerRevisionStrategy(Strategy):
    """pkg/registry/apps/controllerrevision/strategy.go: no generation (immutable data)."""


STRATEGIES: dict[str, Strategy] = {
    "deployments": DeploymentStrategy(),
    "replicasets": ReplicaSetStrategy(),
    "statefulsets": StatefulSetStrategy(),
    "daemonsets": DaemonSetStrategy(),
    "controllerrevisions": ControllerRevisionStrategy(),
}
