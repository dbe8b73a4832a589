"""The informer's transform (client-go `SetTransform`, issue 15) and the reflector reporting a
LIST page by page (kube-runtime `InitPage`), so that a transform shrinks each page as it
arrives instead of after the whole LIST is held."""

from __future__ import annotations

import asyncio
import copy
import json
import sys
import time
from collections.abc import Callable
from typing import Any

import pytest

from rawkube.errors import Expired
from rawkube.flow import iterate
from rawkube.models.core_v1 import Pod
from rawkube.tools.informer import (
    AsyncInformer,
    Informer,
    compact_object,
    intern_strings,
    strip_managed_fields,
)
from rawkube.tools.reflector import Reflector, ReflectorEvent
from tests.tools.test_informer import END, FAST, FakeListWatch, FakeWatch, ev

MANAGED = [{"manager": "kubelet", "operation": "Update", "fieldsV1": {"f:status": {}}}]


def pod(name: str, rv: str) -> dict[str, Any]:
    return {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {
            "name": name,
            "namespace": "default",
            "resourceVersion": rv,
            "managedFields": copy.deepcopy(MANAGED),
        },
        "spec": {"nodeName": "n1"},
    }


def until(check: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.01)


class TypedListWatch(FakeListWatch):
    """The fake's answers as typed models, as a typed resource client gives them."""

    def list(self, **options: Any) -> Any:
        from rawkube.models.core_v1 import PodList

        return PodList.from_dict(super().list(**options))

    def watch(self, **options: Any) -> Any:
        inner = super().watch(**options)

        class Typed:
            def __iter__(self) -> Any:
                for event in inner:
                    yield type(event)(event.type, Pod.from_dict(event.object), event.raw)

            def stop(self) -> None:
                inner.stop()

        return Typed()


def run_informer(lw: Any, **kw: Any) -> tuple[Informer, list[Any]]:
    seen: list[Any] = []
    informer = Informer(lw, backoff=FAST, **kw)
    informer.add_event_handler(
        on_add=seen.append, on_update=lambda old, new: seen.append(new), on_delete=seen.append
    )
    informer.start()
    assert informer.wait_for_cache_sync(timeout=10)
    return informer, seen


def test_managed_fields_are_stripped_by_default_from_lists_and_events() -> None:
    watch = FakeWatch()
    lw = TypedListWatch(
        [{"kind": "PodList", "metadata": {"resourceVersion": "5"}, "items": [pod("a", "4")]}],
        [watch],
    )
    informer, seen = run_informer(lw)
    try:
        watch.feed.put(ev("ADDED", pod("b", "6")))
        watch.feed.put(ev("MODIFIED", pod("a", "7")))
        watch.feed.put(ev("DELETED", pod("b", "8")))
        until(lambda: len(seen) == 4)
        for obj in [informer.store.get_by_key("default/a"), *seen]:
            assert isinstance(obj, Pod)
            assert "managedFields" not in obj.to_dict()["metadata"]
            assert obj.metadata.managed_fields == []
            assert obj.spec.node_name == "n1", "the rest of the object is untouched"
    finally:
        informer.stop()


def test_transform_none_caches_objects_as_sent() -> None:
    lw = FakeListWatch([{"metadata": {"resourceVersion": "5"}, "items": [pod("a", "4")]}])
    informer, _ = run_informer(lw, transform=None)
    try:
        assert informer.store.get_by_key("default/a")["metadata"]["managedFields"] == MANAGED
    finally:
        informer.stop()


def test_a_custom_transform_sees_every_object_but_tombstones() -> None:
    seen_by_transform: list[str] = []

    def label(obj: dict[str, Any]) -> dict[str, Any]:
        seen_by_transform.append(obj["metadata"]["name"])
        obj["metadata"]["labels"] = {"seen": "yes"}
        return obj

    first = FakeWatch(ev("ADDED", pod("b", "6")), END)
    lw = FakeListWatch(
        [
            {"metadata": {"resourceVersion": "5"}, "items": [pod("a", "4"), pod("c", "3")]},
            Expired("too old"),
            {"metadata": {"resourceVersion": "9"}, "items": [pod("a", "4")]},  # c, b gone
        ],
        [first, FakeWatch(ev("ERROR", {"kind": "Status", "code": 410, "reason": "Expired"}))],
    )
    deleted: list[Any] = []
    informer = Informer(lw, backoff=FAST, transform=label)
    informer.add_event_handler(on_delete=deleted.append)
    with informer:
        assert informer.wait_for_cache_sync(timeout=10)
        until(lambda: len(deleted) == 2)
        assert informer.store.list_keys() == ["default/a"]
    assert informer.store.get_by_key("default/a")["metadata"]["labels"] == {"seen": "yes"}
    assert seen_by_transform[:3] == ["a", "c", "b"]
    assert {d.key for d in deleted} == {"default/b", "default/c"}, "tombstones, untransformed"


def test_set_transform_only_before_start() -> None:
    lw = FakeListWatch([{"metadata": {"resourceVersion": "5"}, "items": []}])
    informer = Informer(lw, backoff=FAST)
    informer.set_transform(None)
    assert informer.transform is None
    with informer, pytest.raises(RuntimeError, match="before the informer starts"):
        informer.set_transform(strip_managed_fields)


def test_async_informer_strips_too() -> None:
    class AsyncLW:
        def __init__(self) -> None:
            self.sync = FakeListWatch(
                [{"metadata": {"resourceVersion": "5"}, "items": [pod("a", "4")]}]
            )

        async def list(self, **options: Any) -> Any:
            return self.sync.list(**options)

        def watch(self, **options: Any) -> Any:
            class Idle:
                def __aiter__(self) -> Any:
                    return self

                async def __anext__(self) -> Any:
                    await asyncio.sleep(30)
                    raise StopAsyncIteration

                async def stop(self) -> None:
                    pass

            return Idle()

    async def main() -> Any:
        async with AsyncInformer(AsyncLW(), backoff=FAST) as informer:
            assert await informer.wait_for_cache_sync(timeout=10)
            return informer.store.get_by_key("default/a")

    assert "managedFields" not in asyncio.run(main())["metadata"]


def test_strip_managed_fields_takes_models_dicts_and_odd_objects() -> None:
    assert "managedFields" not in strip_managed_fields(pod("a", "1"))["metadata"]
    model = strip_managed_fields(Pod.from_dict(pod("a", "1")))
    assert "managedFields" not in model.to_dict()["metadata"]
    assert strip_managed_fields({"kind": "x"}) == {"kind": "x"}
    assert strip_managed_fields({"metadata": None}) == {"metadata": None}


# -- the reflector, page by page ----------------------------------------------------------------


class PagedLister:
    """Pages of 2 from `items`, by `continue`; `expire_at` makes that page a 410 (once)."""

    def __init__(self, items: list[dict[str, Any]], expire_at: int | None = None) -> None:
        self.items = items
        self.expire_at = expire_at
        self.calls: list[dict[str, Any]] = []
        self.reported: list[ReflectorEvent] = []
        self.reported_when_called: list[int] = []

    def list(self, **options: Any) -> dict[str, Any]:
        self.calls.append(options)
        self.reported_when_called.append(len(self.reported))
        start = int(options.get("continue_") or 0)
        if self.expire_at is not None and start == self.expire_at:
            self.expire_at = None
            raise Expired("The provided continue parameter is too old")
        limit = options.get("limit") or len(self.items)
        end = min(len(self.items), start + limit)
        meta: dict[str, Any] = {"resourceVersion": "42"}
        if end < len(self.items):
            meta["continue"] = str(end)
        return {"kind": "PodList", "metadata": meta, "items": self.items[start:end]}

    def watch(self, **options: Any) -> Any:
        raise AssertionError("max_watches=0: no watch")

    def on_event(self, event: ReflectorEvent) -> list[Any]:
        self.reported.append(event)
        return []


def kinds(events: list[ReflectorEvent]) -> list[tuple[str, list[str]]]:
    return [(e.kind, [i["metadata"]["name"] for i in e.items]) for e in events]


def test_each_page_is_reported_before_the_next_is_asked_for() -> None:
    lister = PagedLister([pod(n, "1") for n in "abcde"])
    reflector = Reflector(lister.watch, lister.list, page_size=2, max_watches=0)
    list(iterate(reflector.run(lister.on_event)))
    assert kinds(lister.reported) == [
        ("init", []),
        ("init_page", ["a", "b"]),
        ("init_page", ["c", "d"]),
        ("init_page", ["e"]),
        ("init_done", []),
    ]
    assert lister.reported_when_called == [1, 2, 3], "a page is reported as soon as it came"
    assert reflector.resource_version == "42"
    assert [c.get("continue_") for c in lister.calls] == [None, "2", "4"]


def test_an_expired_later_page_restarts_with_the_full_list() -> None:
    lister = PagedLister([pod(n, "1") for n in "abcde"], expire_at=4)
    reflector = Reflector(lister.watch, lister.list, page_size=2, max_watches=0)
    list(iterate(reflector.run(lister.on_event)))
    assert kinds(lister.reported) == [
        ("init", []),
        ("init_page", ["a", "b"]),
        ("init_page", ["c", "d"]),
        ("init", []),  # the pages so far are void: one full list follows
        ("init_page", ["a", "b", "c", "d", "e"]),
        ("init_done", []),
    ]
    assert lister.calls[-1].get("limit") is None, "the fallback asks without a limit"


def test_intern_strings_shares_equal_short_values_and_keeps_the_object_equal() -> None:
    long_value = "x" * 65
    text = json.dumps(
        {
            "metadata": {"name": "a", "namespace": "default"},
            "spec": {"nodeName": "node-7", "containers": [{"image": "nginx:1.27"}]},
            "status": {"message": long_value, "phase": "Running"},
        }
    )
    a, b = json.loads(text), json.loads(text)  # two decodes: equal values, separate objects
    assert a["spec"]["nodeName"] is not b["spec"]["nodeName"]
    intern_strings(a)
    intern_strings(Pod.from_dict(b))  # models too: through their wire dict
    assert json.dumps(a) == text
    assert a["spec"]["nodeName"] is b["spec"]["nodeName"]
    assert a["spec"]["containers"][0]["image"] is b["spec"]["containers"][0]["image"]
    assert a["status"]["message"] is not b["status"]["message"]  # longer values: left alone
    assert intern_strings({"odd": [1, None, ["v"]]}) == {"odd": [1, None, ["v"]]}


def test_compact_object_strips_managed_fields_and_interns() -> None:
    obj = compact_object(json.loads(json.dumps(pod("a", "1"))))
    assert "managedFields" not in obj["metadata"]
    assert obj["metadata"]["name"] is sys.intern("a")
