"""Controller isolation: a controller that fails on one object logs it once and goes on with
the others (issue #10; client-go workqueue + utilruntime.HandleError semantics, isolation.py).

The bad Deployment is written by an in-process writer (no validation), the way such objects got
in before the server validated them: ``replicas: "two"`` made the deployment controller crash on
every pass, and with it every other Deployment's rollout.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from rawkube.testing.server.controller_manager import ControllerManager
from rawkube.testing.server.controllers import (
    DEPLOYMENTS,
    REPLICASETS,
)
from rawkube.testing.server.isolation import Guard
from rawkube.testing.server.store import Store

Obj = dict[str, Any]


def _deployment(name: str, replicas: Any) -> Obj:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "c", "image": "nginx"}]},
            },
        },
    }


def test_a_bad_object_does_not_stop_the_others(caplog: pytest.LogCaptureFixture) -> None:
    store = Store()
    store.create(("", "namespaces"), {"metadata": {"name": "default"}})
    store.create(DEPLOYMENTS, _deployment("bad", "two"))
    store.create(DEPLOYMENTS, _deployment("good", 2))
    manager = ControllerManager(store)
    with caplog.at_level(logging.ERROR):
        for _ in range(5):
            manager.tick()
    replicasets, _ = store.list(REPLICASETS, "default")
    owners = {rs["metadata"]["ownerReferences"][0]["name"] for rs in replicasets}
    assert owners == {"good"}  # the good Deployment rolled out, the bad one did not
    good = store.must_get(DEPLOYMENTS, "default", "good")
    assert good["status"].get("observedGeneration") == 1
    failures = [r for r in caplog.records if "failed on default/bad" in r.getMessage()]
    assert len(failures) == 1  # logged once, not on every tick
    assert "deployment" in failures[0].getMessage()
    assert manager.errors == 0  # no controller as a whole failed


def test_a_guard_logs_again_when_the_error_or_object_changes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    guard = Guard("example")
    obj: Obj = {"metadata": {"uid": "u1", "name": "o", "namespace": "ns", "resourceVersion": "1"}}

    def fail(o: Obj) -> int:
        raise ValueError(o["metadata"]["resourceVersion"])

    with caplog.at_level(logging.ERROR):
        assert guard.run(obj, fail) == 0
        assert guard.run(obj, fail) == 0  # same object, same error: quiet
        obj["metadata"]["resourceVersion"] = "2"
        assert guard.run(obj, fail) == 0  # the object changed: logged again
        assert guard.run(obj, lambda o: 3) == 3  # recovered
        assert guard.run(obj, fail) == 0  # failing again after a success: logged again
    assert len(caplog.records) == 3
    assert guard.failures == 4
