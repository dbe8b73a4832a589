"""Strategies of batch/v1: pkg/registry/batch/<kind>/strategy.go."""

from __future__ import annotations

from rawkube.testing.server.errors import Obj
from rawkube.testing.server.registry.context import RequestContext
from rawkube.testing.server.registry.strategy import Strategy

# pkg/apis/batch/types.go
JOB_NAME_LABELS = ("job-name", "batch.kubernetes.io/job-name")
CONTROLLER_UID_LABELS = ("controller-uid", "batch.kubernetes.io/controller-uid")


class JobStrategy(Strategy):
    """pkg/registry/batch/job/strategy.go jobStrategy."""

    tracks_generation = True

    def prepare_for_create(self, ctx: RequestContext, obj: Obj) -> None:
        super().prepare_for_create(ctx, obj)
        spec = obj.setdefault("spec", {})
        if not spec.get("manualSelector"):
            generate_selector(obj)


def generate_selector(job: Obj) -> None:
    """generateSelector: the job-name and controller-uid labels on the template, and a
    selector on controller-uid (the new object's uid is known by now)."""
    meta = job.get("metadata") or {}
    spec = job.setdefault("spec", {})
    template = spec.setdefault("template", {})
    template_meta = template.get("metadata")
    if not isinstance(template_meta, dict):
        template_meta = template["metadata"] = {}
    labels = template_meta.get("labels")
    if not isinstance(labels, dict):
        labels = template_meta["labels"] = {}
    for label in JOB_NAME_LABELS:
        labels.setdefault(label, str(meta.get("name") or ""))
    for label in CONTROLLER_UID_LABELS:
        labels.setdefault(label, str(meta.get("uid") or ""))
    selector = spec.get("selector")
    if not isinstance(selector, dict):
        selector = spec["selector"] = {}
    match = selector.get("matchLabels")
    if not isinstance(match, dict):
        match = selector["matchLabels"] = {}
    match.setdefault("batch.kubernetes.io/controller-uid", str(meta.get("uid") or ""))


STRATEGIES: dict[str, Strategy] = {"jobs": JobStrategy()}
