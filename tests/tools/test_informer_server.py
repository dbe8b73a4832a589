"""Informer against a running LocalAPIServer: a Deployment's Pods appear in the cache, their
updates and deletes are seen, with the typed client (models), the dynamic client (dicts) and
the async typed client (AsyncInformer)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from rawkube import Clientset, DynamicClient, GroupVersionResource
from rawkube.models.core_v1 import Pod
from rawkube.testing import LocalAPIServer
from rawkube.tools import AsyncInformer, Informer
from rawkube.tools.informer import NAMESPACE_INDEX, DeletedFinalStateUnknown, namespace_index
from rawkube.typed.clientset import AsyncClientset


@pytest.fixture(scope="module")
def server() -> Iterator[LocalAPIServer]:
    with LocalAPIServer() as srv:
        yield srv


def deployment(name: str, replicas: int) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "web", "image": "nginx:1.13"}]},
            },
        },
    }


def field(obj: Any, *path: str) -> Any:
    """A field of a typed model (snake_case attributes) or a dict (camelCase keys)."""
    data = obj.to_dict() if callable(getattr(obj, "to_dict", None)) else obj
    for part in path:
        data = (data or {}).get(part)
    return data


def until(what: str, condition: Callable[[], Any], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


class Seen:
    def __init__(self) -> None:
        self.events: list[tuple[str, str, str]] = []  # (kind, pod name, phase)
        self.objects: list[Any] = []
        self.lock = threading.Lock()

    def record(self, kind: str, obj: Any) -> None:
        if isinstance(obj, DeletedFinalStateUnknown):
            kind, obj = "tombstone", obj.obj
        with self.lock:
            self.objects.append(obj)
            phase = field(obj, "status", "phase") or ""
            self.events.append((kind, field(obj, "metadata", "name"), phase))

    def handlers(self) -> dict[str, Any]:
        return {
            "on_add": lambda o: self.record("add", o),
            "on_update": lambda old, new: self.record("update", new),
            "on_delete": lambda o: self.record("delete", o),
        }

    def of(self, kind: str) -> list[str]:
        with self.lock:
            return [name for k, name, _ in self.events if k == kind]


def running(informer: Any, count: int) -> bool:
    pods = informer.store.list()
    return len(pods) == count and all(field(p, "status", "phase") == "Running" for p in pods)


@pytest.mark.parametrize("client", ["typed", "dynamic"])
def test_a_deployments_pods_come_and_go_in_the_cache(server: LocalAPIServer, client: str) -> None:
    name = f"inf-{client}"
    clientset = Clientset(server.config())
    deployments = clientset.apps_v1().deployments("default")
    if client == "typed":
        pods: Any = clientset.core_v1().pods("default")
    else:
        pods = DynamicClient(server.config()).resource(GroupVersionResource("", "v1", "pods"))
        pods = pods.namespace("default")
    informer = Informer(
        pods, label_selector=f"app={name}", indexers={NAMESPACE_INDEX: namespace_index}
    )
    seen = Seen()
    informer.add_event_handler(**seen.handlers())
    with informer:
        assert informer.wait_for_cache_sync(timeout=10)
        assert informer.store.list() == []

        deployments.create(deployment(name, 2))
        until("2 Running Pods in the cache", lambda: running(informer, 2))
        cached = informer.store.list()
        expected_type = Pod if client == "typed" else dict
        assert all(isinstance(p, expected_type) for p in cached)
        assert sorted(seen.of("add")) == sorted(field(p, "metadata", "name") for p in cached)
        assert any(kind == "update" and phase == "Running" for kind, _, phase in seen.events)
        assert len(informer.store.by_index("namespace", "default")) == 2
        assert informer.store.by_index("namespace", "kube-system") == []

        deployments.patch(name, {"spec": {"replicas": 1}})
        until("1 Pod in the cache", lambda: len(informer.store.list()) == 1)
        until("a delete", lambda: seen.of("delete"))
        (gone,) = seen.of("delete")
        assert informer.store.get(f"default/{gone}") is None
        assert gone not in [field(p, "metadata", "name") for p in informer.store.list()]

        deployments.delete(name, propagation_policy="Foreground")
        until("an empty cache", lambda: informer.store.list() == [])
        until("both deletes", lambda: len(seen.of("delete")) == 2)

    assert sorted(seen.of("add")) == sorted(seen.of("delete"))  # each Pod added and deleted once
    assert len(set(seen.of("add"))) == 2
    assert seen.of("tombstone") == []  # the watch never broke: every delete had its final state
    assert not [t for t in threading.enumerate() if t.name.startswith("rawkube-informer")]


def test_async_informer_follows_a_deployments_pods(server: LocalAPIServer) -> None:
    name = "inf-async"
    seen = Seen()

    async def run() -> None:
        async with AsyncClientset(server.config()) as clientset:
            deployments = clientset.apps_v1().deployments("default")
            informer = AsyncInformer(
                clientset.core_v1().pods("default"), label_selector=f"app={name}"
            )
            informer.add_event_handler(**seen.handlers())
            async with informer:
                assert await informer.wait_for_cache_sync(timeout=10)
                await deployments.create(deployment(name, 2))
                await wait_async(lambda: running(informer, 2))
                await deployments.delete(name, propagation_policy="Foreground")
                await wait_async(lambda: informer.store.list() == [])

    async def wait_async(condition: Callable[[], bool], timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, "timed out"
            await asyncio.sleep(0.05)

    asyncio.run(asyncio.wait_for(run(), 60))
    assert len(set(seen.of("add"))) == 2
    assert sorted(seen.of("add")) == sorted(seen.of("delete"))
    assert any(kind == "update" and phase == "Running" for kind, _, phase in seen.events)


class Partition:
    """A pods client between the informer and the server that can cut the connection.

    While `cut` is set, an open watch ends at its next event, which is lost; while `gate` is
    clear, a new watch waits for it. (The watch is ended by the thread reading it: stopping it
    from the test's thread while the informer's thread reads races with the test's next
    request on the same httpx client.)
    """

    def __init__(self, client: Any) -> None:
        self.client = client
        self.gate = threading.Event()
        self.gate.set()
        self.cut = threading.Event()
        self.watches = 0
        self.lists = 0

    def list(self, **options: Any) -> Any:
        self.lists += 1
        return self.client.list(**options)

    def watch(self, **options: Any) -> Any:
        assert self.gate.wait(20), "the test never opened the gate"
        self.watches += 1
        return _CutWatch(self.client.watch(**options), self.cut)


class _CutWatch:
    def __init__(self, watch: Any, cut: threading.Event) -> None:
        self.watch, self.cut = watch, cut

    def __iter__(self) -> Iterator[Any]:
        with self.watch:
            for event in self.watch:
                if self.cut.is_set():
                    return  # the connection dropped: this event never arrives
                yield event

    def stop(self) -> None:
        self.watch.stop()


def test_after_a_partition_longer_than_the_history_the_informer_relists_and_reports_the_gap() -> (
    None
):
    def a_pod(name: str, **labels: str) -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "labels": {"app": "gap", **labels}},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]},
        }

    # A short history and no controllers: the resume point is compacted away quickly.
    with LocalAPIServer(history_limit=10, controllers=False) as server:
        core = Clientset(server.config()).core_v1()
        pods, configmaps = core.pods("default"), core.config_maps("default")
        for name in ("a", "b"):
            pods.create(a_pod(name))
        gated = Partition(pods)
        informer = Informer(gated, label_selector="app=gap")
        seen = Seen()
        informer.add_event_handler(**seen.handlers())
        with informer:
            assert informer.wait_for_cache_sync(timeout=10)
            until("the watch", lambda: gated.watches == 1)
            # Cut the informer off: its watch ends at the next event, it reconnects at once
            # and waits at the gate until the server has forgotten where it was.
            gated.gate.clear()
            gated.cut.set()
            pods.patch("a", {"metadata": {"labels": {"tier": "web"}}})
            pods.delete("b", grace_period_seconds=0)
            pods.create(a_pod("c"))
            for i in range(12):  # other writes push the informer's resourceVersion out
                configmaps.create({"metadata": {"name": f"churn-{i}"}})
            gated.cut.clear()
            gated.gate.set()
            until("the gap reported", lambda: len(seen.events) >= 5)
            assert sorted(informer.store.list_keys()) == ["default/a", "default/c"]
            a = informer.store.get("default/a")
            assert a is not None and a.metadata.labels["tier"] == "web"
    assert [(kind, name) for kind, name, _ in seen.events] == [
        ("add", "a"),
        ("add", "b"),
        ("tombstone", "b"),  # deleted while cut off: only known through the re-list
        ("update", "a"),
        ("add", "c"),
    ]
    assert gated.lists == 2  # the initial list and the re-list after 410 Expired
