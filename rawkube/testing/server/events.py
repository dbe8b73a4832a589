"""Events: one storage for core v1 and events.k8s.io/v1, and the recorder the controllers use.

kube-apiserver keeps every Event once, under /registry/events, whatever API wrote it; the
events.k8s.io/v1 API is a second view of the same objects through the conversion in
pkg/apis/events/v1/conversion.go (regarding <-> involvedObject, note <-> message,
deprecatedSource/FirstTimestamp/LastTimestamp/Count <-> source/firstTimestamp/lastTimestamp/
count, reportingController <-> reportingComponent). Here the core form is stored; the
events.k8s.io/v1 endpoints (registered below) convert on the way in and out, and compute
managedFields in the version the request used, as the real server's field manager does.

`EventRecorder` is client-go's tools/record as a controller uses it: ``event(obj, type, reason,
message)`` writes a core v1 Event named ``<object>.<UnixNano in hex>``, with ``source``,
``reportingComponent`` and ``reportingInstance`` from the component, and the
EventCorrelator's de-duplication: the same event again within its window only bumps
``count`` and ``lastTimestamp`` (tools/record/events_cache.go eventLogger). `SeriesRecorder`
is k8s.io/client-go/tools/events (the events.k8s.io/v1 API the scheduler uses): ``eventTime``,
``action`` and ``note``.
"""

from __future__ import annotations

import copy
import threading
import time
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from rawkube.testing.server.errors import APIError, Obj, ResourceKey

if TYPE_CHECKING:  # pragma: no cover
    from rawkube.testing.server.registry.generic import GenericStore

EVENTS = ResourceKey("", "events")
EVENTS_V1 = ResourceKey("events.k8s.io", "events")
# tools/record/events_cache.go: identical events within this window are one Event, counted.
DEDUP_WINDOW_SECONDS = 600.0
_RENAMES = (  # events.k8s.io/v1 field -> core v1 field
    ("regarding", "involvedObject"),
    ("note", "message"),
    ("deprecatedSource", "source"),
    ("deprecatedFirstTimestamp", "firstTimestamp"),
    ("deprecatedLastTimestamp", "lastTimestamp"),
    ("deprecatedCount", "count"),
    ("reportingController", "reportingComponent"),
)


def to_core(event: Obj) -> Obj:
    """An events.k8s.io/v1 Event as the core v1 Event it is stored as (Convert_v1_Event_To_core_Event)."""
    out: Obj = {}
    renames = dict(_RENAMES)
    for key, value in event.items():
        out[renames.get(key, key)] = copy.deepcopy(value)
    out["apiVersion"] = "v1"
    out["kind"] = "Event"
    return out


def from_core(event: Obj) -> Obj:
    """A stored core v1 Event seen through events.k8s.io/v1 (Convert_core_Event_To_v1_Event),
    with that version's zero values (a nil time is null, an empty source is {})."""
    from rawkube.testing.server import defaults

    back = {core: v1 for v1, core in _RENAMES}
    out: Obj = {}
    for key, value in event.items():
        out[back.get(key, key)] = copy.deepcopy(value)
    out["apiVersion"] = "events.k8s.io/v1"
    out["kind"] = "Event"
    return defaults.storage_roundtrip(out)


def core_view(event: Obj) -> Obj:
    """A stored Event as core v1 shows it (its zero values: a nil time is null)."""
    from rawkube.testing.server import defaults

    out = copy.deepcopy(event)
    out["apiVersion"], out["kind"] = "v1", "Event"
    return defaults.storage_roundtrip(out)


def micro_time(when: datetime | None = None) -> str:
    """metav1.MicroTime on the wire: RFC3339 with microseconds."""
    when = when or datetime.now(timezone.utc)
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def rfc3339(when: datetime | None = None) -> str:
    when = when or datetime.now(timezone.utc)
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def object_reference(obj: Obj, field_path: str = "", api_version: str = "", kind: str = "") -> Obj:
    """tools/reference.GetReference: what an Event's involvedObject / regarding names."""
    meta = obj.get("metadata") or {}
    ref: Obj = {
        "kind": obj.get("kind") or kind,
        "namespace": meta.get("namespace") or None,
        "name": meta.get("name"),
        "uid": meta.get("uid"),
        "apiVersion": obj.get("apiVersion") or api_version,
        "resourceVersion": meta.get("resourceVersion"),
        "fieldPath": field_path or None,
    }
    return {k: v for k, v in ref.items() if v}


def _accepting(store: GenericStore, namespace: str) -> bool:
    """NamespaceLifecycle refuses new content in a namespace that is gone or terminating: the
    recorder drops such an event (client-go logs "Server rejected event")."""
    ns = store.get(ResourceKey("", "namespaces"), "", namespace)
    return ns is not None and not ns["metadata"].get("deletionTimestamp")


class EventRecorder:
    """One component's event recorder (client-go record.EventRecorder + EventCorrelator).

    ``manager`` is the field manager its writes carry (the component's binary, e.g.
    kube-controller-manager); ``component`` its name in ``source`` (deployment-controller);
    ``host`` the node a kubelet reports from (reportingInstance, source.host).
    """

    def __init__(
        self, store: GenericStore, component: str, *, manager: str, host: str = ""
    ) -> None:
        self.store = store
        self.component = component
        self.manager = manager
        self.host = host
        self._seen: dict[tuple[str, ...], tuple[str, str, float]] = {}
        self._lock = threading.Lock()

    def event(
        self,
        obj: Obj,
        type_: str,
        reason: str,
        message: str,
        *,
        field_path: str = "",
        api_version: str = "",
        kind: str = "",
    ) -> None:
        """Record one event about ``obj`` (Normal or Warning)."""
        from rawkube.testing.server.furniture import system_create, system_update

        ref = object_reference(obj, field_path, api_version, kind)
        namespace = ref.get("namespace") or "default"
        source: Obj = {"component": self.component}
        if self.host:
            source["host"] = self.host
        key = (
            self.component,
            self.host,
            str(ref.get("kind")),
            namespace,
            str(ref.get("name")),
            str(ref.get("uid")),
            str(ref.get("apiVersion")),
            field_path,
            type_,
            reason,
            message,
        )
        if not _accepting(self.store, namespace):
            return
        now = time.monotonic()
        stamp = rfc3339()
        with self._lock:
            previous = self._seen.get(key)
            if previous is not None and now - previous[2] < DEDUP_WINDOW_SECONDS:
                ns, name, _ = previous

                def bump(draft: Obj) -> None:
                    draft["count"] = int(draft.get("count") or 1) + 1
                    draft["lastTimestamp"] = stamp

                try:
                    system_update(self.store, "", "v1", "events", ns, name, bump, self.manager)
                    self._seen[key] = (ns, name, now)
                    return
                except APIError:
                    pass  # gone (expired, deleted): record it anew
            name = f"{ref.get('name')}.{time.time_ns():x}"
            event: Obj = {
                "kind": "Event",
                "apiVersion": "v1",
                "metadata": {"name": name, "namespace": namespace},
                "involvedObject": ref,
                "reason": reason,
                "message": message,
                "source": source,
                "firstTimestamp": stamp,
                "lastTimestamp": stamp,
                "count": 1,
                "type": type_,
                "eventTime": None,
                "reportingComponent": self.component,
                "reportingInstance": self.host,
            }
            try:
                system_create(self.store, "", "v1", "events", event, self.manager)
            except APIError:
                return  # e.g. the namespace is terminating: the event is dropped
            self._seen[key] = (namespace, name, now)
            if len(self._seen) > 4096:  # the correlator's LRU cache
                oldest = sorted(self._seen.items(), key=lambda kv: kv[1][2])[:1024]
                for k, _ in oldest:
                    del self._seen[k]

    def eventf(self, obj: Obj, type_: str, reason: str, fmt: str, *args: Any) -> None:
        self.event(obj, type_, reason, fmt % args if args else fmt)


def create_v1_event(store: GenericStore, event: Obj, manager: str) -> Obj | None:
    """Store an events.k8s.io/v1 Event written by ``manager`` as a control-plane component
    would write it: defaulted and owned (managedFields) in that version, stored in core form.
    None if the name is taken."""
    from rawkube.testing.server import decode, defaults, fieldmanager
    from rawkube.testing.server.furniture import _info
    from rawkube.testing.server.registry.context import RequestContext

    info = _info("events.k8s.io", "v1", "events")
    event = decode.default(info, event, creating=True)
    entries = fieldmanager.update_entries(
        None,
        manager,
        info.api_version,
        defaults.zero_object(info.api_version, info.kind),
        event,
        decode.schema_of(info),
        "",
        (),
    )
    if entries:
        event["metadata"]["managedFields"] = entries
    core = to_core(event)
    meta = core["metadata"]
    ctx = RequestContext(
        _info("", "v1", "events"), str(meta.get("namespace") or ""), str(meta["name"]), trusted=True
    )
    try:
        return store.create(EVENTS, core, ctx=ctx)
    except APIError as err:
        if err.reason == "AlreadyExists":
            return None
        raise


class SeriesRecorder:
    """client-go tools/events (events.k8s.io/v1): what the scheduler reports with. Stored in
    core form like every Event."""

    def __init__(
        self, store: GenericStore, controller: str, instance: str, *, manager: str
    ) -> None:
        self.store = store
        self.controller = controller
        self.instance = instance
        self.manager = manager

    def eventf(self, regarding: Obj, type_: str, reason: str, action: str, note: str) -> None:
        ref = object_reference(regarding)
        namespace = ref.get("namespace") or "default"
        if not _accepting(self.store, namespace):
            return
        event: Obj = {
            "kind": "Event",
            "apiVersion": "events.k8s.io/v1",
            "metadata": {"name": f"{ref.get('name')}.{time.time_ns():x}", "namespace": namespace},
            "eventTime": micro_time(),
            "reportingController": self.controller,
            "reportingInstance": self.instance,
            "action": action,
            "reason": reason,
            "regarding": ref,
            "note": note,
            "type": type_,
        }
        try:
            create_v1_event(self.store, event, self.manager)
        except APIError:
            return
