"""A watch dropped without stop() is released at once, never by the cyclic garbage collector.

The collector can run in the middle of another request on the same client, while that thread
holds httpcore's (non-reentrant) connection-pool lock; finalizing a suspended watch stream there
takes the same lock and deadlocks. So a Watch (and the typed and dynamic watches built on it)
must form no reference cycle: dropping it releases the connection by reference counting, in the
code that dropped it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from rawkube.dynamic import DynamicClient
from rawkube.rest.client import RESTClient
from rawkube.schema import GroupVersionResource
from rawkube.testing import LocalAPIServer
from rawkube.typed.clientset import Clientset


@pytest.fixture(scope="module")
def server() -> Iterator[LocalAPIServer]:
    with LocalAPIServer(tls=False) as srv:
        cfg = srv.config()
        rc = RESTClient(cfg, "", "v1")
        cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "watched"}}
        rc.post().namespace("default").resource("configmaps").body(cm).do()
        rc.close()
        yield srv


@pytest.fixture()
def no_gc() -> Iterator[None]:
    """Only reference counting may free what the test drops."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def test_dropped_rest_watch_is_released_without_the_collector(
    server: LocalAPIServer, no_gc: None
) -> None:
    rc = RESTClient(server.config(), "", "v1")
    watch = rc.get().resource("configmaps").namespace("default").watch()
    assert next(watch).type == "ADDED"  # the stream is suspended mid-iteration
    response = watch.response
    del watch
    assert response.is_closed
    assert rc.get().resource("namespaces").do().status_code == 200
    rc.close()


def test_dropped_unstarted_watch_is_released_without_the_collector(
    server: LocalAPIServer, no_gc: None
) -> None:
    rc = RESTClient(server.config(), "", "v1")
    watch = rc.get().resource("configmaps").namespace("default").watch()
    response = watch.response
    del watch
    assert response.is_closed
    rc.close()


def test_dropped_typed_and_dynamic_watches_leave_no_cycle(
    server: LocalAPIServer, no_gc: None
) -> None:
    cfg = server.config()
    typed = Clientset(cfg).core_v1().config_maps("default").watch()
    assert next(iter(typed)).type == "ADDED"
    del typed
    dynamic = (
        DynamicClient(cfg)
        .resource(GroupVersionResource("", "v1", "configmaps"))
        .namespace("default")
        .watch()
    )
    assert next(iter(dynamic)).type == "ADDED"
    del dynamic
    # Nothing the watches made is left for the cyclic collector to finalize.
    gc.enable()
    leftovers = [o for o in gc.get_objects() if type(o).__name__ in ("Watch", "AsyncWatch")]
    assert leftovers == []
