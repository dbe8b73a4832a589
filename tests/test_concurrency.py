"""Optimistic concurrency under contention: 20 writers, one object, no lost update.

Each writer does what client-go's retry.RetryOnConflict asks of its function: read the object,
change it, write it back carrying the resourceVersion it read; a 409 Conflict means someone
wrote in between, so read again. If the server accepted a stale write, increments would be lost
and the final count would be below 20. If it refused too much, retries would run out.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from rawkube import Clientset, DynamicClient, GroupVersionResource
from rawkube.errors import Conflict
from rawkube.models.apps_v1 import Deployment
from rawkube.retry import Backoff, on_error, retry_on_conflict
from rawkube.testing import LocalAPIServer
from rawkube.testing.server.store import APIError, ResourceKey, Store

CONFIGMAPS = ResourceKey("", "configmaps")
ANNOTATION = "rawkube.test/counter"
WRITERS = 20

# DEFAULT_RETRY allows 5 tries: enough for a few writers, not for 20 hitting one object at the
# same instant (each round only one of them wins). More tries, same 10 ms step, full jitter so
# the losers spread out instead of colliding again.
CONTENDED_RETRY = Backoff(steps=200, duration=0.002, factor=1.2, jitter=1.0, cap=0.05)


def run_writers(
    increment: Callable[[], None], writers: int = WRITERS, timeout: float = 30.0
) -> list[BaseException]:
    """Start `writers` threads behind a barrier (so they really collide); return their errors."""
    barrier = threading.Barrier(writers)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait(timeout=10)
            increment()
        except BaseException as err:  # collected and reported by the test
            errors.append(err)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert not any(t.is_alive() for t in threads), "a writer did not finish in time"
    return errors


def counter_of(obj: dict[str, Any]) -> int:
    return int((obj["metadata"].get("annotations") or {}).get(ANNOTATION, "0"))


def test_twenty_writers_on_the_store_lose_no_update() -> None:
    store = Store()
    store.create(CONFIGMAPS, {"metadata": {"name": "shared", "namespace": "default"}})
    conflicts = 0
    lock = threading.Lock()

    def is_store_conflict(err: Exception) -> bool:
        nonlocal conflicts
        if isinstance(err, APIError) and err.reason == "Conflict":
            with lock:
                conflicts += 1
            return True
        return False

    def increment() -> None:
        def attempt() -> None:
            obj = store.must_get(CONFIGMAPS, "default", "shared")
            n = counter_of(obj)
            obj["metadata"].setdefault("annotations", {})[ANNOTATION] = str(n + 1)
            time.sleep(0.001)  # a client's round trip: gives the others time to write first
            store.update(CONFIGMAPS, obj)  # carries the resourceVersion read above

        on_error(CONTENDED_RETRY, is_store_conflict, attempt)

    errors = run_writers(increment)
    assert errors == []
    assert counter_of(store.must_get(CONFIGMAPS, "default", "shared")) == WRITERS
    assert conflicts > 0, "the writers never collided, so this proved nothing"


def test_the_same_writers_lose_updates_when_the_resource_version_is_ignored() -> None:
    """The control experiment: a last-write-wins store (no resourceVersion check) loses
    increments, so the test above would fail if optimistic concurrency were broken."""
    store = Store()
    store.create(CONFIGMAPS, {"metadata": {"name": "shared", "namespace": "default"}})

    def increment() -> None:
        obj = store.must_get(CONFIGMAPS, "default", "shared")
        obj["metadata"].setdefault("annotations", {})[ANNOTATION] = str(counter_of(obj) + 1)
        time.sleep(0.001)
        store.update(CONFIGMAPS, obj, check_resource_version=False)

    assert run_writers(increment) == []
    assert counter_of(store.must_get(CONFIGMAPS, "default", "shared")) < WRITERS


# --- the same over HTTPS, through rawkube's clients and retry_on_conflict -----------------------


def test_twenty_threads_increment_a_deployment_annotation_over_https() -> None:
    """The acceptance check: 20 threads, read-modify-write through the typed client and
    `retry_on_conflict`, on a Deployment the controllers are writing too (status, revision);
    exactly 20 increments survive, so no 409 was lost and no stale write was accepted."""

    with LocalAPIServer() as server:
        deployments = Clientset(server.config()).apps_v1().deployments("default")
        deployments.create(Deployment.from_dict(_deployment_body("counted")))
        conflicts = 0
        lock = threading.Lock()

        def increment() -> None:
            def bump() -> None:
                nonlocal conflicts
                d = deployments.get("counted")  # re-read on every try
                annotations = d.metadata.annotations or {}
                annotations[ANNOTATION] = str(int(annotations.get(ANNOTATION, "0")) + 1)
                d.metadata.annotations = annotations
                try:
                    deployments.update(d)
                except Conflict:
                    with lock:
                        conflicts += 1
                    raise

            retry_on_conflict(CONTENDED_RETRY, bump)

        errors = run_writers(increment)
        assert errors == []
        final = deployments.get("counted")
        assert (final.metadata.annotations or {})[ANNOTATION] == str(WRITERS)
        assert conflicts > 0, "the writers never collided, so this proved nothing"


def test_twenty_threads_increment_a_configmap_annotation_with_the_dynamic_client() -> None:

    with LocalAPIServer(tls=False, controllers=False) as server:
        configmaps = (
            DynamicClient(server.config())
            .resource(GroupVersionResource("", "v1", "configmaps"))
            .namespace("default")
        )
        configmaps.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}})

        def increment() -> None:
            def bump() -> None:
                obj = configmaps.get("c")
                obj["metadata"].setdefault("annotations", {})[ANNOTATION] = str(counter_of(obj) + 1)
                configmaps.update(obj)

            retry_on_conflict(CONTENDED_RETRY, bump)

        assert run_writers(increment) == []
        assert counter_of(configmaps.get("c")) == WRITERS


def _deployment_body(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "web", "image": "nginx:1.12"}]},
            },
        },
    }
