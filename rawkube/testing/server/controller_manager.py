"""The LocalAPIServer's controller loop (kube-controller-manager, in miniature).

`ControllerManager` runs every controller of controllers.py, controllers_workloads.py, gc.py,
furniture.py, quota.py and auth_controllers.py in one background thread, woken by store
changes. It lives in a module of its own so that controllers.py (the Deployment/ReplicaSet
controllers and the kubelet) and controllers_workloads.py (which builds on controllers.py)
need not import each other.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from rawkube.testing.server.auth_controllers import ClusterRoleAggregationController
from rawkube.testing.server.controllers import (
    DeploymentController,
    Kubelet,
    ReplicaSetController,
    now_utc,
)
from rawkube.testing.server.gc import GarbageCollector, NamespaceController
from rawkube.testing.server.store import Store, Subscription

log = logging.getLogger("rawkube.testing.server.controllers")


class ControllerManager:
    """Runs the controllers in one background thread (kube-controller-manager, in miniature).

    The thread sleeps until the store reports a change (or a Pod's timed transition is due),
    then runs `tick()`: every controller once, in the order a change flows (namespaces and
    GC first, so nothing is rebuilt that is being torn down; the kubelet last). Tests may skip
    the thread and call `tick()` / `sync()` themselves for a deterministic sequence.

        manager = ControllerManager(store).start()
        ...
        manager.stop()
    """

    def __init__(
        self,
        store: Store,
        *,
        period: float = 1.0,
        pod_start_seconds: float = 0.5,
        pod_stop_seconds: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
        ca_pem: bytes | None = None,
        apiserver: tuple[str, int] | None = None,
        workloads: bool = True,
        wall_clock: Callable[[], datetime] | None = None,
        pod_run_seconds: float = 1.0,
    ) -> None:
        from rawkube.testing.server.controllers_status import (
            ServiceCIDRController,
            ValidatingAdmissionPolicyStatusController,
        )
        from rawkube.testing.server.controllers_workloads import workload_controllers
        from rawkube.testing.server.furniture import (
            FlowSchemaStatus,
            KubernetesService,
            NamespaceFurniture,
        )

        self.store = store
        self.period = period
        self.kubelet = Kubelet(
            store, start_seconds=pod_start_seconds, stop_seconds=pod_stop_seconds, clock=clock
        )
        # The namespace furniture first: a Pod created by a ReplicaSet needs its namespace's
        # default ServiceAccount. Without ``workloads`` only the furniture runs.
        from rawkube.testing.server.quota import ResourceQuotaController

        self.controllers: list[tuple[str, Any]] = [
            ("furniture", NamespaceFurniture(store, ca_pem)),
            ("resourcequota", ResourceQuotaController(store)),
            ("apf-config-consumer", FlowSchemaStatus(store)),
        ]
        if apiserver is not None:
            self.controllers.append(("kubernetes-service", KubernetesService(store, *apiserver)))
        if workloads:
            self.controllers += [
                ("namespace", NamespaceController(store)),
                ("garbagecollector", GarbageCollector(store)),
                ("deployment", DeploymentController(store)),
                ("replicaset", ReplicaSetController(store)),
                *workload_controllers(store, wall_clock or now_utc, pod_run_seconds),
                ("clusterrole-aggregation", ClusterRoleAggregationController(store)),
                ("servicecidrs", ServiceCIDRController(store, wall_clock or now_utc)),
                (
                    "validatingadmissionpolicy-status",
                    ValidatingAdmissionPolicyStatusController(store),
                ),
                ("kubelet", self.kubelet),
            ]
        self._clock = clock
        self._tick_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._subscription: Subscription | None = None
        self.errors = 0
        self.ticks = 0
        self._last_error: dict[str, str] = {}

    def tick(self) -> int:
        """Run every controller once; returns the number of writes they made."""
        writes = 0
        with self._tick_lock:
            self.ticks += 1
            for name, controller in self.controllers:
                try:
                    writes += controller.tick()
                except Exception as exc:
                    # A bug in one controller must not stop the others or the server; the next
                    # tick retries, as a workqueue requeues a failed key. Logged once per
                    # controller and error (objects have their own isolation: isolation.py).
                    self.errors += 1
                    signature = f"{type(exc).__name__}: {exc}"
                    if self._last_error.get(name) != signature:
                        self._last_error[name] = signature
                        log.exception("controller %s failed", name)
                else:
                    self._last_error.pop(name, None)
        return writes

    def sync(self, max_ticks: int = 100) -> int:
        """Tick until a tick writes nothing (a fixed point); returns the ticks run.

        Timed transitions (Pod start and stop) only happen once their time has come on the
        clock, so with non-zero delays a fixed point may still have Pending Pods.
        """
        for n in range(1, max_ticks + 1):
            if self.tick() == 0:
                return n
        raise RuntimeError(f"controllers did not settle within {max_ticks} ticks")

    # -- the background thread ------------------------------------------------------------------

    def start(self) -> ControllerManager:
        """Run the loop in a daemon thread (idempotent); returns self."""
        if self._thread is None:
            self._stop.clear()
            self._subscription = self.store.watch(None)
            self._thread = threading.Thread(
                target=self._run,
                args=(self._subscription,),
                name="rawkube-controllers",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the loop: closing its subscription wakes it at once; waits up to `timeout`."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stop.set()
        if self._subscription is not None:
            self._subscription.close()
        thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self, subscription: Subscription) -> None:
        try:
            while not self._stop.is_set():
                self.tick()
                self._wait_for_change(subscription)
        finally:
            subscription.close()

    def _wait_for_change(self, subscription: Subscription) -> None:
        """Sleep until a store event, a Pod's timer, the period, or stop; then take every
        event already queued, so a burst of changes costs one tick (what a workqueue's
        de-duplication buys client-go controllers)."""
        due = self.kubelet.next_due(self._clock())
        timeout = self.period if due is None else min(self.period, due + 0.005)
        if subscription.get(timeout=timeout) is None:
            return  # timer, period, or closed by stop()
        for _ in range(MAX_DRAIN):
            if subscription.get(timeout=0) is None:
                return


# Events taken in one go before ticking anyway, so a writer that never pauses cannot starve
# the controllers.
MAX_DRAIN = 10_000


__all__ = ["MAX_DRAIN", "ControllerManager"]
