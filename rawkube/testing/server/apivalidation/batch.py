"""The batch group's validation: Jobs and CronJobs.

Mirrors pkg/apis/batch/validation/validation.go (kube-apiserver 1.36) and, for CronJob schedules,
the standard parser of github.com/robfig/cron/v3 (parser.go: ParseStandard) that
pkg/util/parsers.ParseCronScheduleWithPanicRecovery calls, with its error messages.
"""

from __future__ import annotations

import re
from typing import Any

from rawkube.testing.server.apivalidation import core
from rawkube.testing.server.apivalidation import fielderrors as fe
from rawkube.testing.server.apivalidation import meta as m
from rawkube.testing.server.apivalidation.fielderrors import Cause
from rawkube.testing.server.apivalidation.meta import d, opt, s
from rawkube.testing.server.selectors import label_selector_predicate

# -- cron (robfig/cron/v3 parser.go) -------------------------------------------------------------

_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
    )
}
_DAYS = {d_: i for i, d_ in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}
# minute, hour, day of month, month, day of week: (min, max, names)
_BOUNDS: list[tuple[int, int, dict[str, int] | None]] = [
    (0, 59, None),
    (0, 23, None),
    (1, 31, None),
    (1, 12, _MONTHS),
    (0, 6, _DAYS),
]
_DESCRIPTORS = {"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"}


class CronError(ValueError):
    pass


def _atoi(expr: str) -> int:
    """strconv.Atoi with its error text."""
    if not re.fullmatch(r"[+-]?[0-9]+", expr):
        raise CronError(
            f'failed to parse int from {expr}: strconv.Atoi: parsing "{expr}": invalid syntax'
        )
    value = int(expr)
    if not -(2**63) <= value < 2**63:
        raise CronError(
            f'failed to parse int from {expr}: strconv.Atoi: parsing "{expr}": value out of range'
        )
    return value


def _must_parse_int(expr: str) -> int:
    value = _atoi(expr)
    if value < 0:
        raise CronError(f"negative number ({value}) not allowed: {expr}")
    return value


def _int_or_name(expr: str, names: dict[str, int] | None) -> int:
    if names is not None and expr.lower() in names:
        return names[expr.lower()]
    return _must_parse_int(expr)


def _range(expr: str, low: int, high: int, names: dict[str, int] | None) -> None:
    range_and_step = expr.split("/")
    low_high = range_and_step[0].split("-")
    single = len(low_high) == 1
    if low_high[0] in ("*", "?"):
        start, end = low, high
    else:
        start = _int_or_name(low_high[0], names)
        if len(low_high) == 1:
            end = start
        elif len(low_high) == 2:
            end = _int_or_name(low_high[1], names)
        else:
            raise CronError(f"too many hyphens: {expr}")
    if len(range_and_step) == 1:
        step = 1
    elif len(range_and_step) == 2:
        step = _must_parse_int(range_and_step[1])
        if single:
            end = high
    else:
        raise CronError(f"too many slashes: {expr}")
    if start < low:
        raise CronError(f"beginning of range ({start}) below minimum ({low}): {expr}")
    if end > high:
        raise CronError(f"end of range ({end}) above maximum ({high}): {expr}")
    if start > end:
        raise CronError(f"beginning of range ({start}) beyond end of range ({end}): {expr}")
    if step == 0:
        raise CronError(f"step of range should be a positive number: {expr}")


def cron_error(spec: str) -> str | None:
    """cron.ParseStandard's error for ``spec`` (None when it parses)."""
    try:
        _parse_cron(spec)
    except CronError as exc:
        return str(exc)
    return None


def _parse_cron(spec: str) -> None:
    if not spec:
        raise CronError("empty spec string")
    if spec.startswith(("TZ=", "CRON_TZ=")):
        space = spec.find(" ")
        spec = spec[space:].strip() if space >= 0 else ""
    if spec.startswith("@"):
        if spec in _DESCRIPTORS:
            return
        if spec.startswith("@every "):
            return
        raise CronError(f"unrecognized descriptor: {spec}")
    fields = spec.split()
    if len(fields) != 5:
        raise CronError(f"expected exactly 5 fields, found {len(fields)}: [{' '.join(fields)}]")
    for text, (low, high, names) in zip(fields, _BOUNDS, strict=True):
        for expr in (p for p in text.split(",") if p):
            _range(expr, low, high, names)


# -- jobs ----------------------------------------------------------------------------------------

_TZ_PART = re.compile(r"[A-Za-z.\-_0-9+]{1,14}")


def _job_spec(spec: Any, path: str) -> list[Cause]:
    """validateJobSpec (with SetDefaults_Job: completions and parallelism both 1 when unset)."""
    causes: list[Cause] = []
    if opt(spec, "completions") is None and opt(spec, "parallelism") is None:
        spec = {**spec, "completions": 1, "parallelism": 1}
    for key in (
        "parallelism",
        "completions",
        "activeDeadlineSeconds",
        "backoffLimit",
        "ttlSecondsAfterFinished",
        "backoffLimitPerIndex",
    ):
        value = opt(spec, key)
        if isinstance(value, int):
            causes.extend(m.validate_nonnegative(value, f"{path}.{key}"))
    mfi = opt(spec, "maxFailedIndexes")
    if isinstance(mfi, int):
        causes.extend(m.validate_nonnegative(mfi, f"{path}.maxFailedIndexes"))
        if opt(spec, "backoffLimitPerIndex") is None:
            causes.append(
                fe.required(f"{path}.backoffLimitPerIndex", "when maxFailedIndexes is specified")
            )
    mode = opt(spec, "completionMode")
    if isinstance(mode, str):
        if mode not in ("NonIndexed", "Indexed"):
            causes.append(
                fe.not_supported(
                    f"{path}.completionMode", fe.GoJSONValue(mode), ("NonIndexed", "Indexed")
                )
            )
        if mode == "Indexed" and opt(spec, "completions") is None:
            causes.append(fe.required(f"{path}.completions", "when completion mode is Indexed"))
    if mode in (None, "NonIndexed"):
        if isinstance(opt(spec, "backoffLimitPerIndex"), int):
            causes.append(
                fe.invalid(
                    f"{path}.backoffLimitPerIndex",
                    spec["backoffLimitPerIndex"],
                    "requires indexed completion mode",
                )
            )
        if isinstance(mfi, int):
            causes.append(
                fe.invalid(f"{path}.maxFailedIndexes", mfi, "requires indexed completion mode")
            )
    template = d(spec, "template")
    causes.extend(core.validate_pod_template_spec(template, f"{path}.template"))
    restart = s(d(template, "spec"), "restartPolicy")
    rp = f"{path}.template.spec.restartPolicy"
    if restart in ("Always", ""):
        causes.append(fe.required(rp, 'valid values: "OnFailure", "Never"'))
    elif restart not in ("OnFailure", "Never"):
        causes.append(fe.not_supported(rp, restart, ("OnFailure", "Never")))
    elif opt(spec, "podFailurePolicy") is not None and restart != "Never":
        causes.append(
            fe.invalid(rp, restart, 'only "Never" is supported when podFailurePolicy is specified')
        )
    return causes


def _matches(selector: Any, labels: dict[str, Any]) -> bool:
    try:
        return bool(label_selector_predicate(selector)(labels))
    except Exception:
        return True


def validate_job(obj: dict[str, Any], old: dict[str, Any] | None = None) -> list[Cause]:
    """ValidateJob / ValidateJobUpdate. The selector the strategy generates (controller-uid,
    job-name) is not checked: the LocalAPIServer generates its own."""
    if old is None:
        causes = m.validate_object_meta(obj, True, m.name_is_dns_subdomain)
    else:
        causes = m.validate_object_meta_update(obj, old)
    spec = d(obj, "spec")
    causes.extend(_job_spec(spec, "spec"))
    selector = opt(spec, "selector")
    if isinstance(selector, dict):
        causes.extend(m.validate_label_selector(selector, "spec.selector"))
        labels = d(d(d(spec, "template"), "metadata"), "labels")
        if not _matches(selector, labels):
            causes.append(
                fe.invalid(
                    "spec.template.metadata.labels",
                    labels,
                    "`selector` does not match template `labels`",
                )
            )
    if old is None:
        mode = opt(spec, "completionMode")
        completions = opt(spec, "completions")
        if mode == "Indexed" and isinstance(completions, int) and completions > 0:
            name = s(d(obj, "metadata"), "name")
            longest = f"{name}-{completions - 1}"
            if m.is_dns1123_label(longest):
                causes.append(
                    fe.invalid(
                        "metadata.name",
                        name,
                        f"will not able to create pod with invalid DNS label: {longest}",
                    )
                )
    else:
        ospec = d(old, "spec")
        if opt(spec, "completionMode") != "Indexed" and opt(spec, "completions") != opt(
            ospec, "completions"
        ):
            causes.append(
                fe.invalid(
                    "spec.completions",
                    fe.GoJSONValue(opt(spec, "completions")),
                    "field is immutable",
                )
            )
        if opt(spec, "selector") != opt(ospec, "selector"):
            causes.append(
                fe.invalid(
                    "spec.selector", fe.GoJSONValue(opt(spec, "selector")), "field is immutable"
                )
            )
        causes.extend(_template_update(d(spec, "template"), old))
        for key in (
            "completionMode",
            "podFailurePolicy",
            "backoffLimitPerIndex",
            "managedBy",
            "successPolicy",
        ):
            if opt(spec, key) != opt(ospec, key):
                causes.append(
                    fe.invalid(f"spec.{key}", fe.GoJSONValue(opt(spec, key)), "field is immutable")
                )
    return causes


_CORE = "k8s.io/kubernetes/pkg/apis/core"


def _template_update(template: dict[str, Any], old: dict[str, Any]) -> list[Cause]:
    """validatePodTemplateUpdate with the 1.36 options of the job strategy
    (pkg/registry/batch/job/strategy.go: a suspended job that has not started, or whose
    JobSuspended condition is true, with no active pod, may change its scheduling directives
    and its containers' resources)."""
    from rawkube.testing.server.apivalidation import internal

    ospec, status = d(old, "spec"), d(old, "status")
    suspended = ospec.get("suspend") is True
    not_started = opt(status, "startTime") is None
    suspended_condition = any(
        s(c, "type") == "Suspended" and s(c, "status") == "True"
        for c in m.lst(status, "conditions")
    )
    mutable = suspended and (not_started or suspended_condition) and m.n(status, "active") == 0
    old_template = dict(d(ospec, "template"))
    if mutable:
        old_meta = dict(d(old_template, "metadata"))
        new_meta = d(template, "metadata")
        for key in ("labels", "annotations"):
            old_meta.pop(key, None)
            if key in new_meta:
                old_meta[key] = new_meta[key]
        old_spec = dict(d(old_template, "spec"))
        new_spec = d(template, "spec")
        for key in ("nodeSelector", "tolerations", "schedulingGates"):
            old_spec.pop(key, None)
            if key in new_spec:
                old_spec[key] = new_spec[key]
        affinity, old_affinity = opt(new_spec, "affinity"), opt(old_spec, "affinity")
        if isinstance(affinity, dict) or isinstance(old_affinity, dict):
            merged = {k: v for k, v in (old_affinity or {}).items() if k != "nodeAffinity"}
            if isinstance(affinity, dict) and "nodeAffinity" in affinity:
                merged["nodeAffinity"] = affinity["nodeAffinity"]
            if merged or isinstance(affinity, dict):
                old_spec["affinity"] = merged
            else:
                old_spec.pop("affinity", None)
        old_template = {**old_template, "metadata": old_meta, "spec": old_spec}
    if not mutable:
        if template != old_template:
            shown = internal.render(f"{_CORE}.PodTemplateSpec", template)
            return [fe.invalid("spec.template", shown, "field is immutable")]
        return []
    # validatePodResourceUpdatesOnly: only the containers' resources may change.
    new_spec, old_spec = d(template, "spec"), dict(d(old_template, "spec"))
    for key in ("containers", "initContainers"):
        new_list, old_list = m.lst(new_spec, key), m.lst(old_spec, key)
        if len(new_list) == len(old_list):
            copied = []
            for new_ctr, old_ctr in zip(new_list, old_list, strict=True):
                if s(new_ctr, "name") == s(old_ctr, "name"):
                    old_ctr = {k: v for k, v in old_ctr.items() if k != "resources"}
                    if "resources" in new_ctr:
                        old_ctr["resources"] = new_ctr["resources"]
                copied.append(old_ctr)
            old_spec[key] = copied
    if new_spec != old_spec:
        shown = internal.render(f"{_CORE}.PodSpec", new_spec)
        return [fe.invalid("spec.template.spec", shown, "field is immutable")]
    return []


def validate_cron_job(obj: dict[str, Any], old: dict[str, Any] | None = None) -> list[Cause]:
    """ValidateCronJobCreate / ValidateCronJobUpdate."""
    if old is None:
        causes = m.validate_object_meta(obj, True, m.name_is_dns_subdomain)
    else:
        causes = m.validate_object_meta_update(obj, old)
    spec = d(obj, "spec")
    old_spec = d(old, "spec") if old is not None else None
    schedule = s(spec, "schedule")
    if not schedule:
        causes.append(fe.required("spec.schedule"))
    else:
        problem = cron_error(schedule)
        if problem:
            causes.append(fe.invalid("spec.schedule", schedule, problem))
        allow_tz = old_spec is not None and "TZ" in s(old_spec, "schedule")
        if allow_tz and "TZ" in schedule and opt(spec, "timeZone") is not None:
            causes.append(
                fe.invalid(
                    "spec.schedule",
                    schedule,
                    "cannot use both timeZone field and TZ or CRON_TZ in schedule",
                )
            )
        elif not allow_tz and "TZ" in schedule:
            causes.append(
                fe.invalid(
                    "spec.schedule",
                    schedule,
                    "cannot use TZ or CRON_TZ in schedule, use timeZone field instead",
                )
            )
    sds = opt(spec, "startingDeadlineSeconds")
    if isinstance(sds, int):
        causes.extend(m.validate_nonnegative(sds, "spec.startingDeadlineSeconds"))
    tz = opt(spec, "timeZone")
    if old_spec is None or tz != opt(old_spec, "timeZone"):
        causes.extend(_time_zone(tz))
    policy = s(spec, "concurrencyPolicy") if "concurrencyPolicy" in spec else "Allow"
    if not policy:
        causes.append(fe.required("spec.concurrencyPolicy"))
    elif policy not in ("Allow", "Forbid", "Replace"):
        causes.append(
            fe.not_supported("spec.concurrencyPolicy", policy, ("Allow", "Forbid", "Replace"))
        )
    job_template = d(spec, "jobTemplate")
    jspec = d(job_template, "spec")
    causes.extend(_job_spec(jspec, "spec.jobTemplate.spec"))
    if opt(jspec, "selector") is not None:
        causes.append(
            fe.invalid(
                "spec.jobTemplate.spec.selector",
                fe.GoStruct(d(jspec, "selector")),
                "`selector` will be auto-generated",
            )
        )
    if jspec.get("manualSelector") is True:
        causes.append(
            fe.not_supported(
                "spec.jobTemplate.spec.manualSelector", fe.GoJSONValue(True), ("nil", "false")
            )
        )
    for key in ("successfulJobsHistoryLimit", "failedJobsHistoryLimit"):
        value = opt(spec, key)
        if isinstance(value, int):
            causes.extend(m.validate_nonnegative(value, f"spec.{key}"))
    if old is None and len(s(d(obj, "metadata"), "name")) > 52:
        causes.append(
            fe.invalid(
                "metadata.name", s(d(obj, "metadata"), "name"), "must be no more than 52 characters"
            )
        )
    return causes


def _time_zone(tz: Any) -> list[Cause]:
    if not isinstance(tz, str):
        return []
    path = "spec.timeZone"
    if not tz:
        return [fe.invalid(path, fe.GoJSONValue(tz), "timeZone must be nil or non-empty string")]
    for part in tz.split("/"):
        if part in (".", "..") or part.startswith("-") or not _TZ_PART.fullmatch(part):
            return [fe.invalid(path, fe.GoJSONValue(tz), f"unknown time zone {tz}")]
    if tz.lower() == "local":
        return [
            fe.invalid(
                path,
                fe.GoJSONValue(tz),
                "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones",
            )
        ]
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(tz)
    except Exception:
        return [fe.invalid(path, fe.GoJSONValue(tz), f"unknown time zone {tz}")]
    return []
