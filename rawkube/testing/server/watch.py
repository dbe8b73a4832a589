"""Watch: one JSON event per line, streamed until timeoutSeconds, the client leaving, or stop().

What the apiserver's watch handler and watch cache do (k8s.io/apiserver/pkg/endpoints/handlers/
watch.go, .../storage/cacher/):
* no ``resourceVersion`` (or "0"): synthetic ADDED events for the current objects, then changes;
* a ``resourceVersion``: the changes after it, from a bounded history; older than the history ->
  one ERROR event carrying a 410 Expired Status (HTTP status stays 200: the stream has begun);
* label/field selectors: an object entering the selection is ADDED, one leaving it is DELETED;
* ``allowWatchBookmarks``: BOOKMARK events (only a resourceVersion) while idle and at the end;
* ``sendInitialEvents=true``: refused with an ERROR event, as the recorded 1.36 server did
  (recording 040), so clients fall back to LIST + WATCH like against that server;
* ``Accept: ...;as=Table``: each object becomes a one-row Table (``kubectl get -w``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rawkube.testing.server import table
from rawkube.testing.server.encoding import encode
from rawkube.testing.server.errors import APIError, Obj
from rawkube.testing.server.selectors import (
    field_labels,
    parse_field_selector,
    parse_label_selector,
)
from rawkube.testing.server.storage import Event, Subscription

if TYPE_CHECKING:  # pragma: no cover
    from rawkube.testing.server.registry.generic import GenericStore as Store
    from rawkube.testing.server.request import Request, Target

# The apiserver picks a random timeout in [minRequestTimeout, 2*minRequestTimeout] (30-60 min);
# a test server keeps one fixed bound.
MAX_WATCH_SECONDS = 1800
# How long one wait for an event lasts: the granularity of timeouts and of noticing stop().
POLL_SECONDS = 0.2

Ident = tuple[str, str]


def ident(obj: Obj) -> Ident:
    """(namespace, name) of an object."""
    meta = obj.get("metadata") or {}
    return str(meta.get("namespace") or ""), str(meta.get("name", ""))


def error_line(err: APIError) -> bytes:
    return encode({"type": "ERROR", "object": err.status()})


WATCH_LIST_UNSUPPORTED = APIError(
    500,
    "InternalError",
    "a watch stream was requested by the client but the required storage feature "
    "RequestWatchProgress is disabled",
)


@dataclass
class WatchStream:
    """One watch request's stream: iterate it to get the lines to send."""

    store: Store
    target: Target
    req: Request
    subscription: Subscription
    initial: list[Obj]
    matches: Callable[[Obj], bool]
    timeout: float
    stopping: threading.Event
    bookmark_interval: float

    def __iter__(self) -> Iterator[bytes]:
        visible = self._initially_visible()
        bookmarks = self.req.flag("allowWatchBookmarks")
        last_rv = self.store.resource_version
        try:
            for obj in self.initial:
                yield self._line("ADDED", obj)
            deadline = time.monotonic() + self.timeout
            next_bookmark = time.monotonic() + self.bookmark_interval
            while not self.stopping.is_set() and time.monotonic() < deadline:
                event = self.subscription.get(
                    timeout=min(POLL_SECONDS, deadline - time.monotonic())
                )
                if event is None:
                    if self.subscription.closed:
                        break
                    if bookmarks and time.monotonic() >= next_bookmark:
                        next_bookmark = time.monotonic() + self.bookmark_interval
                        yield self._bookmark(self.store.resource_version)
                    continue
                last_rv = event.resource_version
                line = self._filtered(event, visible)
                if line:
                    yield line
            if bookmarks and not self.stopping.is_set():
                # Like the watch cache, a bookmark just before the timeout tells the client
                # where to resume (recording 039 ends with one).
                yield self._bookmark(max(last_rv, self.store.resource_version))
        finally:
            self.subscription.close()

    def _initially_visible(self) -> set[Ident] | None:
        """Objects the client is taken to know, for selector transitions (None: no selector)."""
        if not (self.req.param("labelSelector") or self.req.param("fieldSelector")):
            return None
        t = self.target
        current = self.initial or self.store.list(t.key, t.namespace or None, copy_objects=False)[0]
        return {ident(o) for o in current if self.matches(o)}

    def _line(self, kind: str, obj: Obj) -> bytes:
        info = self.target.info
        if "as=Table" in self.req.accept:
            obj = table.to_table(
                info,
                [obj],
                {"resourceVersion": obj["metadata"].get("resourceVersion", "")},
                self.req.param("includeObject") or "Metadata",
            )
        return encode({"type": kind, "object": obj}, sort_keys=info.crd)

    def _bookmark(self, rv: int) -> bytes:
        info = self.target.info
        obj = {
            "kind": info.kind,
            "apiVersion": info.api_version,
            "metadata": {"resourceVersion": str(rv)},
        }
        return encode({"type": "BOOKMARK", "object": obj})

    def _filtered(self, event: Event, visible: set[Ident] | None) -> bytes | None:
        """The line for one change, after selector transitions (None: nothing to send)."""
        if visible is None:
            return self._line(event.type, event.object)
        key = ident(event.object)
        selected = self.matches(event.object)
        if event.type == "DELETED":
            if key in visible or selected:
                visible.discard(key)
                return self._line("DELETED", event.object)
            return None
        if selected:
            # A created object was never visible before, even if the stream's first list
            # already saw it: its ADDED stays ADDED.
            kind = "MODIFIED" if key in visible and event.type != "ADDED" else "ADDED"
            visible.add(key)
            return self._line(kind, event.object)
        if key in visible:
            visible.discard(key)
            return self._line("DELETED", event.object)
        return None


def open_watch(
    store: Store,
    t: Target,
    req: Request,
    *,
    stopping: threading.Event,
    bookmark_interval: float,
) -> Iterator[bytes]:
    """Subscribe for a watch request and return the stream of lines to send."""
    if req.flag("sendInitialEvents"):
        return iter([error_line(WATCH_LIST_UNSUPPORTED)])
    labels = parse_label_selector(req.param("labelSelector"))
    fields = parse_field_selector(req.param("fieldSelector"), field_labels(t.info))

    def matches(obj: Obj) -> bool:
        return labels(obj["metadata"].get("labels") or {}) and fields(obj)

    rv_param = req.param("resourceVersion") or ""
    initial: list[Obj] = []
    # The list and the subscription are taken under the store's lock, so no change falls
    # between the synthetic ADDED events and the first real one.
    with store.lock:
        if rv_param in ("", "0"):
            initial = [
                o
                for o in store.list(t.key, t.namespace or None, copy_objects=False)[0]
                if matches(o)
            ]
            sub = store.watch(t.key, t.namespace or None)
        else:
            try:
                since = int(rv_param)
            except ValueError:
                raise APIError(400, "BadRequest", f"invalid resource version: {rv_param}") from None
            try:
                sub = store.watch(t.key, t.namespace or None, since=since)
            except APIError as err:
                return iter([error_line(err)])
    timeout = min(float(req.param("timeoutSeconds") or MAX_WATCH_SECONDS), MAX_WATCH_SECONDS)
    stream = WatchStream(store, t, req, sub, initial, matches, timeout, stopping, bookmark_interval)
    return _Lines(iter(stream), sub)


class _Lines:
    """The stream's lines; `close` releases the subscription even if iteration never began."""

    def __init__(self, lines: Iterator[bytes], subscription: Subscription) -> None:
        self._lines = lines
        self._subscription = subscription

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> bytes:
        return next(self._lines)

    def close(self) -> None:
        close = getattr(self._lines, "close", None)
        if close is not None:
            close()
        self._subscription.close()
