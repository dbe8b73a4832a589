"""batch/v1 defaulting: pkg/apis/batch/v1/defaults.go (kube-apiserver 1.36)."""

from __future__ import annotations

from typing import Any

Obj = dict[str, Any]
BATCH = "k8s.io/api/batch/v1."
MAX_INT32 = 2**31 - 1


def set_defaults_job(obj: Obj) -> None:
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
        spec["parallelism"] = 1
    if spec.get("parallelism") is None:
        spec["parallelism"] = 1
    if spec.get("backoffLimit") is None:
        spec["backoffLimit"] = MAX_INT32 if spec.get("backoffLimitPerIndex") is not None else 6
    labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels")
    meta = obj.setdefault("metadata", {})
    if labels is not None and not meta.get("labels"):
        meta["labels"] = dict(labels)
    if spec.get("completionMode") is None:
        spec["completionMode"] = "NonIndexed"
    if spec.get("suspend") is None:
        spec["suspend"] = False
    if spec.get("podReplacementPolicy") is None:  # JobPodReplacementPolicy (GA)
        failed = spec.get("podFailurePolicy") is not None
        spec["podReplacementPolicy"] = "Failed" if failed else "TerminatingOrFailed"
    if spec.get("manualSelector") is None:
        spec["manualSelector"] = False


def set_defaults_cron_job(obj: Obj) -> None:
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return
    if not spec.get("concurrencyPolicy"):
        spec["concurrencyPolicy"] = "Allow"
    if spec.get("suspend") is None:
        spec["suspend"] = False
    if spec.get("successfulJobsHistoryLimit") is None:
        spec["successfulJobsHistoryLimit"] = 3
    if spec.get("failedJobsHistoryLimit") is None:
        spec["failedJobsHistoryLimit"] = 1


def set_defaults_pod_failure_policy_pattern(obj: Obj) -> None:
    if not obj.get("status"):
        obj["status"] = "True"


DEFAULTERS = {
    BATCH + "Job": set_defaults_job,
    BATCH + "CronJob": set_defaults_cron_job,
    BATCH + "PodFailurePolicyOnPodConditionsPattern": set_defaults_pod_failure_policy_pattern,
}
