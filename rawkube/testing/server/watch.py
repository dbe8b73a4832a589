"""Watch: one JSON event per line, streamed until timeoutSeconds, the client leaving, or stop().

What the apiserver's watch handler and watch cache do (k8s.io/apiserver/pkg/endpoints/handlers/
get.go + watch.go, .../storage/cacher/cacher.go Watch, cache_watcher.go):
* the options are a LIST's (listing.list_options: 400/422 as the real server), with the
  WatchList defaults: a watch from "" or "0" asks for the initial events;
* initial events (``sendInitialEvents``): synthetic ADDED events for the current objects, then
  the changes; with ``allowWatchBookmarks`` too it is a watch-list request, which the recorded
  server refuses with one ERROR event because its etcd cannot do RequestWatchProgress;
  ``LocalAPIServer(watch_list=True)`` serves it as a newer etcd lets kube-apiserver do: the
  initial events end with a BOOKMARK annotated ``k8s.io/initial-events-end: "true"``;
* a ``resourceVersion``: the changes after it, from the watch cache; older than the cache ->
  one ERROR event carrying a 410 Expired Status (HTTP status stays 200: the stream has begun);
* label/field selectors, judged on the new and the previous state of each change
  (convertToWatchEvent): entering the selection is ADDED, leaving it is DELETED carrying the
  *previous* state with the change's resourceVersion;
* ``allowWatchBookmarks``: BOOKMARK events (only a resourceVersion) while idle and at the end;
* ``Accept: ...;as=Table``: each object becomes a one-row Table (``kubectl get -w``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rawkube.testing.server import negotiation, table
from rawkube.testing.server.encoding import encode
from rawkube.testing.server.errors import APIError, Obj
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
# storage.InitialEventsAnnotationKey
INITIAL_EVENTS_END = "k8s.io/initial-events-end"


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
    bookmarks: bool = False
    initial_events_end: int | None = None  # the watch-list bookmark's resourceVersion
    since: int = 0  # only changes after this resourceVersion are sent
    # Another API's view of the stored objects (events.k8s.io over core Events) and its info.
    view: Callable[[Obj], Obj] | None = None
    view_info: Any = None
    headers_sent: bool = False  # a Table's column definitions go with the first event only

    def __iter__(self) -> Iterator[bytes]:
        try:
            for obj in self.initial:
                yield self._line("ADDED", obj)
            if self.initial_events_end is not None:
                yield self._bookmark(self.initial_events_end, initial_events_end=True)
            deadline = time.monotonic() + self.timeout
            next_bookmark = self._next_bookmark(time.monotonic(), deadline)
            while not self.stopping.is_set() and time.monotonic() < deadline:
                wait = min(POLL_SECONDS, deadline - time.monotonic())
                if next_bookmark is not None:
                    wait = max(0.0, min(wait, next_bookmark - time.monotonic()))
                event = self.subscription.get(timeout=wait)
                if event is None and self.subscription.closed:
                    break
                if event is not None and event.resource_version > self.since:
                    line = self._filtered(event)
                    if line:
                        yield line
                now = time.monotonic()
                if next_bookmark is not None and now >= next_bookmark:
                    yield self._bookmark(self.store.resource_version)
                    next_bookmark = self._next_bookmark(now, deadline)
        finally:
            self.subscription.close()

    def _next_bookmark(self, now: float, deadline: float) -> float | None:
        """cache_watcher.go nextBookmarkTime: every bookmark interval (a minute), and once 2 s
        before the watch times out (so a client resumes from close to now); never in the past."""
        if not self.bookmarks:
            return None
        due = min(now + self.bookmark_interval, deadline - 2.0)
        return None if due < now else due

    def _line(self, kind: str, obj: Obj) -> bytes:
        info = self.view_info or self.target.info
        if self.view is not None:
            obj = self.view(obj)
        if "as=Table" in self.req.accept:
            obj = table.table_for(
                self.req,
                info,
                [obj],
                {"resourceVersion": obj["metadata"].get("resourceVersion", "")},
            )
            # handlers/response.go watchEmbeddedEncoder.doEncode: after the first event the
            # table options say NoHeaders (recorded: watch/watch-as-table).
            if self.headers_sent:
                obj["columnDefinitions"] = None
            self.headers_sent = True
        elif "as=PartialObjectMetadata" in self.req.accept:
            # doTransformObject: a metadata-only watch (recorded:
            # watch/watch-as-partial-object-metadata).
            try:
                obj = negotiation.partial_metadata(obj, self.req.accept, info)
            except APIError:
                pass  # a transform error: the object goes as it is (doEncode)
        return encode({"type": kind, "object": obj}, sort_keys=info.crd)

    def _bookmark(self, rv: int, initial_events_end: bool = False) -> bytes:
        info = self.view_info or self.target.info
        meta: Obj = {"resourceVersion": str(rv)}
        if initial_events_end:
            meta["annotations"] = {INITIAL_EVENTS_END: "true"}
        obj = {"kind": info.kind, "apiVersion": info.api_version, "metadata": meta}
        return encode({"type": "BOOKMARK", "object": obj})

    def _filtered(self, event: Event) -> bytes | None:
        """cache_watcher.go convertToWatchEvent: the line for one change (None: not shown)."""
        current = event.type != "DELETED" and self.matches(event.object)
        previous = event.prev_object is not None and self.matches(event.prev_object)
        if current and not previous:
            return self._line("ADDED", event.object)
        if current:
            return self._line("MODIFIED", event.object)
        if previous:
            assert event.prev_object is not None
            # The previous state, with the change's resourceVersion.
            old = dict(event.prev_object)
            old["metadata"] = {
                **event.prev_object["metadata"],
                "resourceVersion": str(event.resource_version),
            }
            return self._line("DELETED", old)
        return None


def open_watch(
    store: Store,
    t: Target,
    req: Request,
    *,
    stopping: threading.Event,
    bookmark_interval: float,
    watch_list: bool = False,
    view: Callable[[Obj], Obj] | None = None,
    view_info: Any = None,
) -> Iterator[bytes]:
    """Subscribe for a watch request and return the stream of lines to send (the options
    were decoded and validated by the caller: listing.list_options)."""
    from rawkube.testing.server.listing import list_options, parse_resource_version, too_large

    opts = list_options(req.query, t.info, name=t.name)
    if opts.send_initial_events and opts.allow_watch_bookmarks and not watch_list:
        # cacher.go Watch: client-go falls back to LIST + WATCH on this error.
        return iter([error_line(WATCH_LIST_UNSUPPORTED)])
    try:
        since = parse_resource_version(opts.resource_version)
    except APIError:
        # The cacher's Watch returns the versioner's error as it is: not an API status, so
        # the handler answers 500 with its text (responsewriters.ErrorToAPIStatus).
        rv = opts.resource_version
        raise APIError(
            500,
            "",
            f'resourceVersion: Invalid value: "{rv}": strconv.ParseUint: parsing "{rv}": '
            "invalid syntax",
        ) from None
    initial: list[Obj] = []
    end_bookmark: int | None = None
    namespace = t.namespace or None
    # The list and the subscription are taken under the store's lock, so no change falls
    # between the synthetic ADDED events and the first real one.
    with store.lock:
        current = store.resource_version
        if opts.send_initial_events or (opts.send_initial_events is None and since == 0):
            if since > current:
                # waitUntilWatchCacheFreshAndForceAllEvents: not fresh within 3 s.
                return iter([error_line(too_large(since, current, retry_seconds=1))])
            items = store.list(t.key, namespace, copy_objects=False)[0]
            initial = [o for o in items if opts.matches(o)]
            sub = store.watch(t.key, namespace)
            if opts.send_initial_events and opts.allow_watch_bookmarks:
                end_bookmark = current  # setInitialEventsEndBookmarkIfRequested
        elif since == 0:  # sendInitialEvents=false from "" or "0": from now on
            sub = store.watch(t.key, namespace)
        else:
            try:
                sub = store.watch(t.key, namespace, since=since)
            except APIError as err:
                return iter([error_line(err)])
    timeout = float(opts.timeout_seconds or MAX_WATCH_SECONDS)
    timeout = min(timeout, MAX_WATCH_SECONDS) if timeout > 0 else MAX_WATCH_SECONDS
    stream = WatchStream(
        store,
        t,
        req,
        sub,
        initial,
        opts.matches,
        timeout,
        stopping,
        bookmark_interval,
        bookmarks=opts.allow_watch_bookmarks,
        initial_events_end=end_bookmark,
        since=since,
        view=view,
        view_info=view_info,
    )
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
