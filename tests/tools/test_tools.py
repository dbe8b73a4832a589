"""client-go tools: ListPager (tools/pager/pager.go), RetryWatcher (tools/watch/retrywatcher.go,
plus re-list on 410), wait helpers (apimachinery util/wait, tools/watch.Until)."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest

from rawkube.errors import Expired, InternalError, NotFound
from rawkube.rest.watch import WatchEvent
from rawkube.tools.pager import DEFAULT_PAGE_SIZE, ListPager
from rawkube.tools.wait import WaitTimeout, until, wait_for
from rawkube.tools.watcher import RetryWatcher
from rawkube.typed.clientset import Clientset
from tests.helpers.recorded import Script, exchange, response_body

EXPIRED_STATUS = {
    "kind": "Status",
    "apiVersion": "v1",
    "metadata": {},
    "status": "Failure",
    "message": "The provided continue parameter is too old to display a consistent list result.",
    "reason": "Expired",
    "code": 410,
}


def step(
    base: str, query: str, *, status: int = 200, body: Any = None, lines: Any = None
) -> dict[str, Any]:
    """A variant of a recorded exchange: same path, another query and/or answer."""
    ex = copy.deepcopy(exchange(base))
    ex["request"]["query"] = query
    ex["name"] = f"{base} variant"
    if lines is not None:
        ex["response"] = {
            "status": status,
            "headers": {"content-type": "application/json"},
            "body_lines": lines,
        }
    elif body is not None:
        ex["response"] = {
            "status": status,
            "headers": {"content-type": "application/json"},
            "body": body,
        }
    return ex


def deployments(script: Script) -> Any:
    return Clientset(script.config()).apps_v1().deployments("default")


# -- ListPager -----------------------------------------------------------------------------------


def test_pager_default_page_size_is_500() -> None:
    assert DEFAULT_PAGE_SIZE == 500
    script = Script(step("013", "limit=500"))
    items = list(ListPager(deployments(script).list).iter_items())
    assert [d.metadata.name for d in items] == ["demo-deployment"]
    assert script.done()


def test_pager_follows_continue_tokens() -> None:
    script = Script("014", "015")
    pager = ListPager(deployments(script).list, page_size=2)
    merged = pager.list()
    assert [i.metadata.name for i in merged.items] == [
        "demo-deployment",
        "page-0",
        "page-1",
        "page-2",
    ]
    assert "continue" not in merged.to_dict()["metadata"]
    assert merged.metadata.resource_version == "277"
    assert type(merged).__name__ == "DeploymentList"
    assert pager.pages_fetched == 2 and script.done()


def test_pager_over_the_dynamic_client_returns_unstructured() -> None:
    from rawkube.dynamic import DynamicClient, Unstructured
    from rawkube.schema import GroupVersionResource

    script = Script("014", "015")
    dyn = DynamicClient(script.config()).resource(GroupVersionResource("apps", "v1", "deployments"))
    merged = ListPager(dyn.namespace("default").list, page_size=2).list()
    assert isinstance(merged, Unstructured) and merged["kind"] == "DeploymentList"
    assert [i.name for i in merged["items"]] == ["demo-deployment", "page-0", "page-1", "page-2"]


def test_pager_falls_back_to_full_list_when_continue_expires() -> None:
    token = response_body("014")["metadata"]["continue"]
    full = response_body("015")
    full["items"] = response_body("014")["items"] + full["items"]
    script = Script(
        "014",
        step("015", f"limit=2&continue={token}", status=410, body=EXPIRED_STATUS),
        step("015", "", body=full),  # no limit, no continue: one full list
    )
    pager = ListPager(deployments(script).list, page_size=2)
    names = [d.metadata.name for d in pager.iter_items()]
    assert names == ["demo-deployment", "page-0", "page-1", "page-2"]  # nothing twice
    assert script.done()


def test_pager_expired_first_page_is_an_error_and_fallback_can_be_disabled() -> None:
    script = Script(step("014", "limit=2", status=410, body=EXPIRED_STATUS))
    with pytest.raises(Expired):
        ListPager(deployments(script).list, page_size=2).list()
    token = response_body("014")["metadata"]["continue"]
    script = Script(
        "014", step("015", f"limit=2&continue={token}", status=410, body=EXPIRED_STATUS)
    )
    with pytest.raises(Expired):
        ListPager(deployments(script).list, page_size=2, full_list_if_expired=False).list()


# -- RetryWatcher --------------------------------------------------------------------------------


def _state_at(rv: int) -> dict[str, Any]:
    """The DeploymentList a LIST at `rv` returns, rebuilt from the recorded history (060)."""
    objects: dict[str, Any] = {}
    for line in exchange("060")["response"]["body_lines"]:
        obj = line["object"]
        if int(obj["metadata"]["resourceVersion"]) > rv:
            break
        if line["type"] == "DELETED":
            objects.pop(obj["metadata"]["name"], None)
        else:
            objects[obj["metadata"]["name"]] = obj
    body = response_body("013")
    body["metadata"]["resourceVersion"] = str(rv)
    body["items"] = list(objects.values())
    return body


def _view(e: Any) -> tuple[str, str, str | None]:
    return (e.type, e.object.metadata.name, e.resource_version)


def test_retry_watcher_resumes_relists_on_410_and_never_repeats() -> None:
    history = exchange("060")["response"]["body_lines"]
    first = exchange("039")["response"]["body_lines"]  # watch from 326, ends at BOOKMARK 376
    error_410 = [{"type": "ERROR", "object": EXPIRED_STATUS}]
    replayed = [line for line in history if line["object"]["metadata"]["resourceVersion"] == "376"]
    later = [line for line in history if int(line["object"]["metadata"]["resourceVersion"]) > 376]
    query = "watch=true&resourceVersion={}&allowWatchBookmarks=true&timeoutSeconds=4"
    script = Script(
        "039",
        step("039", query.format(376), lines=error_410),  # resume from the bookmark: 410
        step("013", "", body=_state_at(376)),  # re-list
        step("039", query.format(376), lines=replayed + later),  # resume from the list
    )
    deps = deployments(script)
    rw = RetryWatcher(
        deps.watch, resource_version="326", list_fn=deps.list, timeout_seconds=4, max_reconnects=3
    )
    seen = [_view(e) for e in rw]
    assert script.done() and rw.relists == 1 and rw.watches_opened == 3

    assert "BOOKMARK" not in {t for t, _, _ in seen}
    assert len(seen) == len(set(seen))  # never an event twice
    as_recorded = [
        (
            line["type"],
            line["object"]["metadata"]["name"],
            line["object"]["metadata"]["resourceVersion"],
        )
        for line in first
        if line["type"] != "BOOKMARK"
    ]
    assert seen[:10] == as_recorded
    # the re-list reports objects this watch had not seen (it started at 326 with no list)
    assert sorted(name for t, name, _ in seen[10:14] if t == "ADDED") == [
        "page-0",
        "page-1",
        "page-2",
        "unknown-field",
    ]
    # then the resumed watch: applied@376 (replayed) is dropped, everything later delivered
    assert seen[14:] == [
        (
            line["type"],
            line["object"]["metadata"]["name"],
            line["object"]["metadata"]["resourceVersion"],
        )
        for line in later
    ]


class FakeWatch:
    def __init__(self, events: list[Any], error: Exception | None = None) -> None:
        self.events = events
        self.error = error
        self.stopped = False

    def __iter__(self) -> Any:
        yield from self.events
        if self.error:
            raise self.error

    def stop(self) -> None:
        self.stopped = True


def ev(type_: str, name: str, rv: str) -> WatchEvent:
    obj = {"metadata": {"name": name, "namespace": "default", "resourceVersion": rv}}
    return WatchEvent(type_, obj, {"type": type_, "object": obj})


def test_retry_watcher_reconnects_after_transient_errors_from_last_rv() -> None:
    calls: list[dict[str, Any]] = []
    watches = [
        FakeWatch([ev("ADDED", "a", "10")], error=httpx.ReadError("reset")),
        FakeWatch(
            [ev("ADDED", "a", "10"), ev("BOOKMARK", "", "15")],
            error=InternalError("boom", code=500),
        ),
        FakeWatch([ev("MODIFIED", "a", "16")]),
    ]

    def watch_fn(**opts: Any) -> FakeWatch:
        calls.append(opts)
        return watches[len(calls) - 1]

    sleeps: list[float] = []
    rw = RetryWatcher(watch_fn, resource_version="5", max_reconnects=3, sleep=sleeps.append)
    got = [(e.type, e.resource_version) for e in rw]
    assert got == [("ADDED", "10"), ("MODIFIED", "16")]  # the replayed ADDED@10 is dropped
    assert [c["resource_version"] for c in calls] == ["5", "10", "15"]  # bookmark moved it to 15
    assert all(c["allow_watch_bookmarks"] is True for c in calls)
    assert len(sleeps) == 2 and all(w.stopped for w in watches)


def test_retry_watcher_raises_non_retriable_and_needs_a_start() -> None:
    with pytest.raises(ValueError):
        RetryWatcher(lambda **o: FakeWatch([]))
    rw = RetryWatcher(lambda **o: FakeWatch([], error=NotFound("x")), resource_version="1")
    with pytest.raises(NotFound):
        list(rw)
    # 410 without a list_fn cannot be recovered from: raised, as client-go's RetryWatcher stops
    rw = RetryWatcher(lambda **o: FakeWatch([], error=Expired("old")), resource_version="1")
    with pytest.raises(Expired):
        list(rw)


def test_retry_watcher_stop_ends_iteration() -> None:
    rw = RetryWatcher(
        lambda **o: FakeWatch([ev("ADDED", "a", "1"), ev("ADDED", "b", "2")]), resource_version="1"
    )
    got = []
    for e in rw:
        got.append(e)
        rw.stop()
    assert len(got) == 1


# -- wait ----------------------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_wait_for_polls_until_truthy() -> None:
    clock = FakeClock()
    values = iter([None, 0, "ready"])
    assert (
        wait_for(lambda: next(values), timeout=10, interval=2, clock=clock, sleep=clock.sleep)
        == "ready"
    )
    assert clock.now == 4


def test_wait_for_times_out() -> None:
    clock = FakeClock()
    with pytest.raises(WaitTimeout):
        wait_for(lambda: False, timeout=5, interval=2, clock=clock, sleep=clock.sleep)
    assert clock.now == 5


def test_until_watches_for_a_matching_event() -> None:
    script = Script("039")
    deps = deployments(script)
    found = until(
        deps.watch,
        lambda e: e.type == "DELETED",
        timeout=4,
        resource_version="326",
        allow_watch_bookmarks=True,
    )
    assert found.object.metadata.name == "watched"
    with pytest.raises(WaitTimeout):
        until([ev("ADDED", "a", "1")], lambda e: False, timeout=1)


def test_retry_watcher_remembers_a_bounded_number_of_deletes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A long watch over a churning resource must not grow without bound."""
    from rawkube.tools import watcher as watcher_module

    monkeypatch.setattr(watcher_module, "MAX_REMEMBERED_DELETES", 5)
    rw = watcher_module.RetryWatcher(lambda **kw: iter(()), resource_version="1")
    for i in range(20):
        obj = {"metadata": {"namespace": "d", "name": f"p{i}", "resourceVersion": str(10 + i)}}
        assert rw._delivery.accept(WatchEvent("DELETED", obj, {"type": "DELETED", "object": obj}))
    assert len(rw._delivery.deleted) == 5
    assert "d/p19" in rw._delivery.deleted and "d/p0" not in rw._delivery.deleted
