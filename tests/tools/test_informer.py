"""Informer (client-go tools/cache) against a scripted fake list_watch.

The fake's watches are fed from queues, so each test decides what the "server" says and when;
every wait is bounded (`until`), and every informer is stopped by its `with` block.
"""

from __future__ import annotations

import copy
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from rawkube.errors import Expired, Forbidden, InternalError
from rawkube.models.core_v1 import Pod
from rawkube.rest.watch import WatchEvent
from rawkube.retry import Backoff
from rawkube.tools.informer import (
    NAMESPACE_INDEX,
    Change,
    DeletedFinalStateUnknown,
    Informer,
    Store,
    diff_list,
    meta_namespace_key,
    namespace_index,
)

FAST = Backoff(duration=0.01, factor=1.0, steps=100)
END = object()  # the fake server closes the watch stream

EXPIRED = {
    "kind": "Status",
    "apiVersion": "v1",
    "metadata": {},
    "status": "Failure",
    "message": "too old resource version: 3 (9)",
    "reason": "Expired",
    "code": 410,
}


def pod(name: str, rv: str, ns: str = "default", **labels: str) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": ns, "resourceVersion": rv}
    if labels:
        meta["labels"] = labels
    return {"kind": "Pod", "apiVersion": "v1", "metadata": meta}


def ev(type_: str, obj: dict[str, Any]) -> WatchEvent:
    return WatchEvent(type_, obj, {"type": type_, "object": obj})


def bookmark(rv: str) -> WatchEvent:
    return ev("BOOKMARK", {"kind": "Pod", "apiVersion": "v1", "metadata": {"resourceVersion": rv}})


def pod_list(rv: str, *items: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "PodList", "metadata": {"resourceVersion": rv}, "items": list(items)}


class FakeWatch:
    """A watch stream: yields what is put in `feed` (events; exceptions are raised; END closes
    it), raises an ERROR event as its StatusError like rawkube's Watch, ends on stop()."""

    def __init__(self, *script: Any) -> None:
        self.feed: queue.Queue[Any] = queue.Queue()
        for item in script:
            self.feed.put(item)
        self.stopped = threading.Event()

    def __iter__(self) -> Any:
        deadline = time.monotonic() + 30
        while not self.stopped.is_set() and time.monotonic() < deadline:
            try:
                item = self.feed.get(timeout=0.02)
            except queue.Empty:
                continue
            if item is END:
                return
            if isinstance(item, BaseException):
                raise item
            err = item.error()
            if err is not None:
                raise err
            yield item

    def stop(self) -> None:
        self.stopped.set()


class FakeListWatch:
    """Scripted `list` results (or exceptions) and watches, recording every call's options.

    Once the script runs out, `list` repeats its last answer and `watch` returns an idle stream.
    """

    def __init__(self, lists: list[Any], watches: list[FakeWatch] | None = None) -> None:
        self.lists = list(lists)
        self.watches = list(watches or [])
        self.list_calls: list[dict[str, Any]] = []
        self.watch_calls: list[dict[str, Any]] = []
        self.opened: list[FakeWatch] = []

    def list(self, **options: Any) -> Any:
        self.list_calls.append(options)
        answer = self.lists.pop(0) if len(self.lists) > 1 else self.lists[0]
        if isinstance(answer, BaseException):
            raise answer
        return copy.deepcopy(answer)

    def watch(self, **options: Any) -> FakeWatch:
        self.watch_calls.append(options)
        w = self.watches.pop(0) if self.watches else FakeWatch()
        self.opened.append(w)
        return w


class Recorder:
    """Handlers that write what they are told, in order, as readable tuples."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.lock = threading.Lock()

    def add(self, obj: Any) -> None:
        with self.lock:
            self.calls.append(("add", key_rv(obj)))

    def update(self, old: Any, new: Any) -> None:
        with self.lock:
            self.calls.append(("update", key_rv(old), key_rv(new)))

    def delete(self, obj: Any) -> None:
        with self.lock:
            if isinstance(obj, DeletedFinalStateUnknown):
                self.calls.append(("delete", "tombstone", obj.key, key_rv(obj.obj)))
            else:
                self.calls.append(("delete", key_rv(obj)))

    def attach(self, informer: Informer) -> Recorder:
        informer.add_event_handler(on_add=self.add, on_update=self.update, on_delete=self.delete)
        return self

    def snapshot(self) -> list[tuple[Any, ...]]:
        with self.lock:
            return list(self.calls)


def key_rv(obj: Any) -> str:
    return f"{meta_namespace_key(obj)}@{obj['metadata']['resourceVersion']}"


def until(condition: Callable[[], Any], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(0.01)


def informer_for(lw: FakeListWatch, **kw: Any) -> Informer:
    return Informer(lw, backoff=FAST, **kw)


# -- keys, the store, the diff (pure) --------------------------------------------------------------


def test_keys_for_dicts_typed_models_cluster_scoped_objects_and_tombstones() -> None:
    assert meta_namespace_key(pod("a", "1", ns="kube-system")) == "kube-system/a"
    assert meta_namespace_key(Pod.from_dict(pod("a", "1"))) == "default/a"
    assert meta_namespace_key({"metadata": {"name": "node-1"}}) == "node-1"
    assert meta_namespace_key(DeletedFinalStateUnknown("ns/x", None)) == "ns/x"
    assert namespace_index(Pod.from_dict(pod("a", "1", ns="n1"))) == ["n1"]
    with pytest.raises(ValueError, match="no metadata.name"):
        meta_namespace_key({"metadata": {}})


def test_diff_list_reports_only_the_difference_deletions_first() -> None:
    cached = {"default/a": pod("a", "1"), "default/b": pod("b", "2"), "default/c": pod("c", "3")}
    fresh = [pod("a", "1"), pod("c", "7"), pod("d", "8")]
    changes = diff_list(cached, fresh, meta_namespace_key)
    assert [(c.kind, c.key) for c in changes] == [
        ("delete", "default/b"),
        ("update", "default/c"),
        ("add", "default/d"),
    ]
    tombstone = changes[0].new
    assert tombstone == DeletedFinalStateUnknown("default/b", cached["default/b"])
    assert changes[1] == Change("update", "default/c", cached["default/c"], fresh[1])


def test_store_indexes_follow_updates_and_deletes() -> None:
    store = Store(indexers={"app": lambda o: [o["metadata"].get("labels", {}).get("app", "")]})
    store.put("default/a", pod("a", "1", app="web"))
    store.put("default/b", pod("b", "1", app="web"))
    assert store.index_keys("app", "web") == ["default/a", "default/b"]
    store.put("default/a", pod("a", "2", app="db"))  # relabelled: moves to the other value
    assert store.index_keys("app", "web") == ["default/b"]
    assert [o["metadata"]["name"] for o in store.by_index("app", "db")] == ["a"]
    store.pop("default/b")
    assert store.by_index("app", "web") == []
    assert store.list_keys() == ["default/a"]
    with pytest.raises(KeyError, match="no index named 'nope'"):
        store.by_index("nope", "x")


# -- the informer ----------------------------------------------------------------------------------


def test_initial_list_fills_the_cache_then_watches_from_the_lists_resource_version() -> None:
    lw = FakeListWatch([pod_list("10", pod("a", "5"), pod("b", "7"))])
    informer = informer_for(lw, label_selector="app=web")
    rec = Recorder().attach(informer)
    assert not informer.has_synced()
    with informer:
        assert informer.wait_for_cache_sync(timeout=5)
        until(lambda: lw.watch_calls)
        assert informer.has_synced()
        assert informer.store.list_keys() == ["default/a", "default/b"]
        assert informer.store.get("default/a") == pod("a", "5")
        assert informer.store.get(pod("b", "0")) == pod("b", "7")  # by an object's key
        assert informer.store.get_by_key("default/zzz") is None
        assert rec.snapshot() == [("add", "default/a@5"), ("add", "default/b@7")]
    assert lw.list_calls[0]["label_selector"] == "app=web"
    assert lw.list_calls[0]["limit"] == 500  # through ListPager
    watch = lw.watch_calls[0]
    assert watch["resource_version"] == "10"
    assert watch["allow_watch_bookmarks"] is True
    assert watch["label_selector"] == "app=web"


def test_watch_events_reach_the_cache_and_the_handlers_in_order() -> None:
    w = FakeWatch(
        ev("ADDED", pod("b", "11")),
        ev("MODIFIED", pod("a", "12")),
        ev("DELETED", pod("b", "13")),  # the final state, as the server sends it
    )
    lw = FakeListWatch([pod_list("10", pod("a", "5"))], [w])
    informer = informer_for(lw)
    rec = Recorder().attach(informer)
    with informer:
        until(lambda: len(rec.snapshot()) == 4)
        assert informer.store.list_keys() == ["default/a"]
        assert informer.store.get("default/a") == pod("a", "12")
    assert rec.snapshot() == [
        ("add", "default/a@5"),
        ("add", "default/b@11"),
        ("update", "default/a@5", "default/a@12"),
        ("delete", "default/b@13"),
    ]


def test_a_dropped_watch_resumes_from_the_last_version_without_duplicate_adds() -> None:
    first = FakeWatch(ev("ADDED", pod("b", "11")), END)  # the connection drops
    # The server replays what it had sent (a proxy may do that), then something new.
    second = FakeWatch(ev("ADDED", pod("b", "11")), ev("MODIFIED", pod("b", "12")))
    lw = FakeListWatch([pod_list("10")], [first, second])
    informer = informer_for(lw)
    rec = Recorder().attach(informer)
    with informer:
        until(lambda: len(rec.snapshot()) == 2)
        time.sleep(0.1)  # time for a duplicate to show up, if one were coming
    assert rec.snapshot() == [("add", "default/b@11"), ("update", "default/b@11", "default/b@12")]
    assert [c["resource_version"] for c in lw.watch_calls[:2]] == ["10", "11"]
    assert len(lw.list_calls) == 1  # resumed, not re-listed


def test_bookmarks_move_the_resume_point_and_reach_no_handler() -> None:
    first = FakeWatch(bookmark("50"), END)
    lw = FakeListWatch([pod_list("10", pod("a", "5"))], [first])
    informer = informer_for(lw)
    rec = Recorder().attach(informer)
    with informer:
        until(lambda: len(lw.watch_calls) >= 2)
    assert lw.watch_calls[1]["resource_version"] == "50"
    assert rec.snapshot() == [("add", "default/a@5")]
    assert len(lw.list_calls) == 1


@pytest.mark.parametrize("how", ["ERROR event", "HTTP 410 on the watch request"])
def test_410_relists_and_delivers_exactly_the_difference_with_tombstones(how: str) -> None:
    expired = ev("ERROR", EXPIRED) if how == "ERROR event" else Expired("too old", code=410)
    first = FakeWatch(ev("MODIFIED", pod("b", "4")), expired)
    lists = [
        pod_list("3", pod("a", "1"), pod("b", "2"), pod("c", "3")),
        # While the informer could not watch: b was deleted, c changed, d was created.
        pod_list("9", pod("a", "1"), pod("c", "7"), pod("d", "8")),
    ]
    lw = FakeListWatch(lists, [first])
    informer = informer_for(lw)
    rec = Recorder().attach(informer)
    with informer:
        until(lambda: len(rec.snapshot()) == 7)
        until(lambda: len(lw.watch_calls) >= 2)
        assert informer.store.list_keys() == ["default/a", "default/c", "default/d"]
    assert rec.snapshot() == [
        ("add", "default/a@1"),
        ("add", "default/b@2"),
        ("add", "default/c@3"),
        ("update", "default/b@2", "default/b@4"),
        # the missed delete, carrying the last state the cache had (b@4, not the listed b@2)
        ("delete", "tombstone", "default/b", "default/b@4"),
        ("update", "default/c@3", "default/c@7"),
        ("add", "default/d@8"),
        # and nothing for a: unchanged
    ]
    assert len(lw.list_calls) == 2
    assert lw.watch_calls[1]["resource_version"] == "9"


def test_a_failing_list_is_retried_until_it_succeeds() -> None:
    lists = [
        InternalError("etcd is away", code=500),
        Forbidden("not yet allowed", code=403),  # client-go's reflector retries any error
        pod_list("10", pod("a", "5")),
    ]
    lw = FakeListWatch(lists)
    informer = informer_for(lw)
    rec = Recorder().attach(informer)
    with informer:
        assert informer.wait_for_cache_sync(timeout=5)
    assert len(lw.list_calls) == 3
    assert rec.snapshot() == [("add", "default/a@5")]


def test_resync_redelivers_every_cached_object_as_an_update() -> None:
    lw = FakeListWatch([pod_list("10", pod("a", "5"), pod("b", "7"))])
    informer = informer_for(lw, resync_period=0.05)
    rec = Recorder().attach(informer)
    with informer:
        until(lambda: len(rec.snapshot()) >= 6)  # the two adds, then two resyncs at least
    calls = rec.snapshot()
    assert calls[:2] == [("add", "default/a@5"), ("add", "default/b@7")]
    assert set(calls[2:6]) == {
        ("update", "default/a@5", "default/a@5"),
        ("update", "default/b@7", "default/b@7"),
    }
    assert len(lw.list_calls) == 1  # from the cache, not from the server


def test_no_resync_without_a_period() -> None:
    lw = FakeListWatch([pod_list("10", pod("a", "5"))])
    informer = informer_for(lw)
    rec = Recorder().attach(informer)
    with informer:
        assert informer.wait_for_cache_sync(timeout=5)
        time.sleep(0.2)
    assert rec.snapshot() == [("add", "default/a@5")]


def test_indexers_by_namespace_follow_the_watch() -> None:
    w = FakeWatch(ev("ADDED", pod("c", "11", ns="n2")), ev("DELETED", pod("a", "12", ns="n1")))
    lw = FakeListWatch([pod_list("10", pod("a", "5", ns="n1"), pod("b", "6", ns="n1"))], [w])
    informer = informer_for(lw, indexers={NAMESPACE_INDEX: namespace_index})
    rec = Recorder().attach(informer)
    with informer:
        until(lambda: len(rec.snapshot()) == 4)
        assert [p["metadata"]["name"] for p in informer.store.by_index("namespace", "n1")] == ["b"]
        assert informer.store.index_keys("namespace", "n2") == ["n2/c"]


def test_a_handler_added_late_first_gets_the_cache_as_adds() -> None:
    w = FakeWatch()
    lw = FakeListWatch([pod_list("10", pod("a", "5"))], [w])
    informer = informer_for(lw)
    early = Recorder().attach(informer)
    with informer:
        assert informer.wait_for_cache_sync(timeout=5)
        late = Recorder().attach(informer)
        w.feed.put(ev("ADDED", pod("b", "11")))
        until(lambda: len(late.snapshot()) == 2)
    assert early.snapshot() == [("add", "default/a@5"), ("add", "default/b@11")]
    assert late.snapshot() == [("add", "default/a@5"), ("add", "default/b@11")]


def test_a_failing_handler_does_not_stop_the_others_or_the_informer(
    caplog: pytest.LogCaptureFixture,
) -> None:
    w = FakeWatch(ev("ADDED", pod("b", "11")))
    lw = FakeListWatch([pod_list("10", pod("a", "5"))], [w])
    informer = informer_for(lw)

    def broken(obj: Any) -> None:
        raise RuntimeError("handler bug")

    informer.add_event_handler(on_add=broken)
    rec = Recorder().attach(informer)
    with informer:
        until(lambda: len(rec.snapshot()) == 2)
    assert rec.snapshot() == [("add", "default/a@5"), ("add", "default/b@11")]
    assert "event handler failed on add default/a" in caplog.text


def test_typed_objects_work_as_well_as_dicts() -> None:
    class TypedListWatch(FakeListWatch):
        def list(self, **options: Any) -> Any:
            from rawkube.models.core_v1 import PodList

            return PodList.from_dict(super().list(**options))

    w = FakeWatch(WatchEvent("MODIFIED", Pod.from_dict(pod("a", "6")), ev("X", pod("a", "6")).raw))
    lw = TypedListWatch([pod_list("10", pod("a", "5"))], [w])
    informer = informer_for(lw)
    seen: list[tuple[str, str]] = []
    informer.add_event_handler(
        on_add=lambda p: seen.append(("add", p.metadata.resource_version)),
        on_update=lambda old, new: seen.append(("update", new.metadata.resource_version)),
    )
    with informer:
        until(lambda: len(seen) == 2)
        cached = informer.store.get("default/a")
    assert isinstance(cached, Pod) and cached.metadata.resource_version == "6"
    assert seen == [("add", "5"), ("update", "6")]


def test_stop_is_bounded_closes_the_watch_and_forbids_a_restart() -> None:
    w = FakeWatch()
    lw = FakeListWatch([pod_list("10")], [w])
    informer = informer_for(lw).start()
    assert informer.wait_for_cache_sync(timeout=5)
    until(lambda: lw.opened)
    started = time.monotonic()
    informer.stop(timeout=3)
    assert time.monotonic() - started < 3
    assert w.stopped.is_set()
    assert not [t for t in threading.enumerate() if t.name.startswith("rawkube-informer")]
    with pytest.raises(RuntimeError, match="cannot be restarted"):
        informer.start()


def test_wait_for_cache_sync_times_out_while_the_list_keeps_failing() -> None:
    lw = FakeListWatch([InternalError("down", code=500)])
    informer = informer_for(lw)
    with informer:
        started = time.monotonic()
        assert informer.wait_for_cache_sync(timeout=0.2) is False
        assert time.monotonic() - started < 2
        assert not informer.has_synced()


def test_watches_that_end_at_once_are_reopened_with_backoff_not_in_a_tight_loop() -> None:
    class ClosingListWatch(FakeListWatch):
        def watch(self, **options: Any) -> FakeWatch:
            super().watch(**options)
            return FakeWatch(END)  # a proxy that closes every watch immediately

    lw = ClosingListWatch([pod_list("10")])
    informer = Informer(lw, backoff=Backoff(duration=0.05, factor=1.0, steps=100))
    with informer:
        assert informer.wait_for_cache_sync(timeout=5)
        time.sleep(0.5)
    # One immediate watch, then one per 50 ms pause at most (without the pause: thousands).
    assert 2 <= len(lw.watch_calls) <= 13


def test_stop_may_be_called_from_a_handler() -> None:
    lw = FakeListWatch([pod_list("10", pod("a", "5"))])
    informer = informer_for(lw)
    stopped = threading.Event()

    def on_add(obj: Any) -> None:
        informer.stop(timeout=2)
        stopped.set()

    informer.add_event_handler(on_add=on_add)
    informer.start()
    assert stopped.wait(5)
    until(lambda: not [t for t in threading.enumerate() if t.name.startswith("rawkube-informer")])
