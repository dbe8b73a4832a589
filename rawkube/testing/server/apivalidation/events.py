"""Validation of Events (core/v1 and events.k8s.io/v1, one internal type).

Mirrors pkg/apis/core/validation/events.go (kube-apiserver 1.36): `ValidateEventCreate` and
`ValidateEventUpdate`, which depend on the request's group-version: core/v1 (and
events.k8s.io/v1beta1) writes get the legacy checks only, events.k8s.io/v1 writes the strict
ones too (ObjectMeta, eventTime, type, the deprecated fields unset). The event strategy
(pkg/registry/core/event/strategy.go) checks nothing else. Field paths are the internal type's
(``involvedObject``, ``message``, ``source``...) whatever the request's version.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from rawkube.testing.server.apivalidation import fielderrors as fe
from rawkube.testing.server.apivalidation import internal
from rawkube.testing.server.apivalidation import meta as m
from rawkube.testing.server.apivalidation.fielderrors import Cause
from rawkube.testing.server.apivalidation.meta import d, s

Obj = dict[str, Any]

REPORTING_INSTANCE_LENGTH_LIMIT = 128
ACTION_LENGTH_LIMIT = 128
REASON_LENGTH_LIMIT = 128
NOTE_LENGTH_LIMIT = 1024

_CORE = "k8s.io/kubernetes/pkg/apis/core."
# events.k8s.io/v1 name -> the internal (core/v1) name (pkg/apis/events/v1/conversion.go).
_FROM_EVENTS_V1 = {
    "regarding": "involvedObject",
    "note": "message",
    "deprecatedSource": "source",
    "deprecatedFirstTimestamp": "firstTimestamp",
    "deprecatedLastTimestamp": "lastTimestamp",
    "deprecatedCount": "count",
    "reportingController": "reportingComponent",
}


def _internal(obj: Obj) -> Obj:
    """The event with core/v1 field names, whichever version it is written in."""
    if str(obj.get("apiVersion") or "").startswith("events.k8s.io/"):
        return {_FROM_EVENTS_V1.get(k, k): v for k, v in obj.items()}
    return obj


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(timezone.utc) if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _micro_json(value: datetime | None) -> internal.Raw:
    """metav1.MicroTime's MarshalJSON (null for the zero time)."""
    if value is None:
        return internal.Raw("null")
    return internal.Raw('"' + value.strftime("%Y-%m-%dT%H:%M:%S.%fZ") + '"')


def _time_json(value: datetime | None) -> internal.Raw:
    """metav1.Time's MarshalJSON (RFC 3339 in seconds, null for the zero time)."""
    if value is None:
        return internal.Raw("null")
    return internal.Raw('"' + value.strftime("%Y-%m-%dT%H:%M:%SZ") + '"')


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _strict(api_version: str) -> bool:
    return api_version not in ("v1", "events.k8s.io/v1beta1")


def _legacy(ev: Obj, api_version: str) -> list[Cause]:
    controller_path = "reportingComponent" if api_version == "v1" else "reportingController"
    causes: list[Cause] = []
    namespace = s(d(ev, "metadata"), "namespace")
    involved_ns = s(d(ev, "involvedObject"), "namespace")
    if _time(ev.get("eventTime")) is None:
        if not involved_ns:
            if namespace not in ("", "default"):
                causes.append(
                    fe.invalid(
                        "involvedObject.namespace", involved_ns, "does not match event.namespace"
                    )
                )
        elif namespace != involved_ns:
            causes.append(
                fe.invalid(
                    "involvedObject.namespace", involved_ns, "does not match event.namespace"
                )
            )
    else:
        if not involved_ns and namespace not in ("default", "kube-system"):
            causes.append(
                fe.invalid(
                    "involvedObject.namespace", involved_ns, "does not match event.namespace"
                )
            )
        controller = s(ev, "reportingComponent")
        if not controller:
            causes.append(fe.required(controller_path))
        causes.extend(m.validate_qualified_name(controller, controller_path))
        for key, limit in (
            ("reportingInstance", REPORTING_INSTANCE_LENGTH_LIMIT),
            ("action", ACTION_LENGTH_LIMIT),
            ("reason", REASON_LENGTH_LIMIT),
        ):
            value = s(ev, key)
            if not value:
                causes.append(fe.required(key))
            if len(value.encode()) > limit:
                causes.append(fe.invalid(key, "", f"can have at most {limit} characters"))
        if len(s(ev, "message").encode()) > NOTE_LENGTH_LIMIT:
            causes.append(
                fe.invalid("message", "", f"can have at most {NOTE_LENGTH_LIMIT} characters")
            )
    causes.extend(
        fe.invalid("namespace", namespace, msg) for msg in m.is_dns1123_subdomain(namespace)
    )
    return causes


def _series(ev: Obj) -> list[Cause]:
    series = ev.get("series")
    if not isinstance(series, dict):
        return []
    causes: list[Cause] = []
    if _count(series.get("count")) < 2:
        causes.append(fe.invalid("series.count", "", "should be at least 2"))
    if _time(series.get("lastObservedTime")) is None:
        causes.append(fe.required("series.lastObservedTime"))
    return causes


def validate_event(api_version: str, obj: Obj) -> list[Cause]:
    """ValidateEventCreate(event, requestVersion)."""
    ev = _internal(obj)
    causes = _legacy(ev, api_version)
    if not _strict(api_version):
        return causes
    causes += m.validate_object_meta(obj, True, m.name_is_dns_subdomain)
    causes += _series(ev)
    if _time(ev.get("eventTime")) is None:
        causes.append(fe.required("eventTime"))
    kind = s(ev, "type")
    if kind not in ("Normal", "Warning"):
        causes.append(fe.invalid("type", "", f"has invalid value: {kind}"))
    if _time(ev.get("firstTimestamp")) is not None:
        causes.append(fe.invalid("firstTimestamp", "", "needs to be unset"))
    if _time(ev.get("lastTimestamp")) is not None:
        causes.append(fe.invalid("lastTimestamp", "", "needs to be unset"))
    if _count(ev.get("count")) != 0:
        causes.append(fe.invalid("count", "", "needs to be unset"))
    source = d(ev, "source")
    if s(source, "component") or s(source, "host"):
        causes.append(fe.invalid("source", "", "needs to be unset"))
    return causes


def _reference(value: Any) -> internal.Raw:
    return internal.render(_CORE + "ObjectReference", value if isinstance(value, dict) else {})


def validate_event_update(api_version: str, new_obj: Obj, old_obj: Obj) -> list[Cause]:
    """ValidateEventUpdate(new, old, requestVersion)."""
    new, old = _internal(new_obj), _internal(old_obj)
    causes = _legacy(new, api_version)
    if not _strict(api_version):
        return causes
    causes += m.validate_object_meta_update(new_obj, old_obj)
    if new.get("series") != old.get("series"):
        causes += _series(new)

    def immutable(path: str, new_value: Any, old_value: Any, shown: Any) -> None:
        if new_value != old_value:
            causes.append(fe.invalid(path, shown, "field is immutable"))

    ref_new, ref_old = _reference(new.get("involvedObject")), _reference(old.get("involvedObject"))
    immutable("involvedObject", ref_new.text, ref_old.text, ref_new)
    immutable("reason", s(new, "reason"), s(old, "reason"), s(new, "reason"))
    immutable("message", s(new, "message"), s(old, "message"), s(new, "message"))
    src_new = internal.render(_CORE + "EventSource", d(new, "source"))
    src_old = internal.render(_CORE + "EventSource", d(old, "source"))
    immutable("source", src_new.text, src_old.text, src_new)
    for key in ("firstTimestamp", "lastTimestamp"):
        t_new, t_old = _time(new.get(key)), _time(old.get(key))
        immutable(key, t_new, t_old, _time_json(t_new))
    count_new = _count(new.get("count"))
    immutable("count", count_new, _count(old.get("count")), count_new)
    immutable("reason", s(new, "reason"), s(old, "reason"), s(new, "reason"))
    immutable("type", s(new, "type"), s(old, "type"), s(new, "type"))
    e_new, e_old = _time(new.get("eventTime")), _time(old.get("eventTime"))
    if e_new != e_old:
        causes.append(fe.invalid("eventTime", _micro_json(e_new), "field is immutable"))
    immutable("action", s(new, "action"), s(old, "action"), s(new, "action"))
    rel_new, rel_old = new.get("related"), old.get("related")
    shown_rel = _reference(rel_new) if isinstance(rel_new, dict) else internal.Raw("null")
    shown_old = _reference(rel_old) if isinstance(rel_old, dict) else internal.Raw("null")
    immutable("related", shown_rel.text, shown_old.text, shown_rel)
    immutable(
        "reportingController",
        s(new, "reportingComponent"),
        s(old, "reportingComponent"),
        s(new, "reportingComponent"),
    )
    immutable(
        "reportingInstance",
        s(new, "reportingInstance"),
        s(old, "reportingInstance"),
        s(new, "reportingInstance"),
    )
    return causes
