"""Lists and watches with kube-apiserver's consistency: history, compaction, watch-list.

The recorded behaviour is in tests/differential/{lists,watch}.yaml; these tests cover what a
recording of the real server cannot show in a few seconds: compaction on its schedule
(storage/etcd3/compact.go, every 5 minutes there), and the watch-list stream a newer etcd
allows (cacher.go Watch with RequestWatchProgress).
"""

from __future__ import annotations

import json
import ssl
import time
from typing import Any

import httpx
import pytest

from rawkube.testing import LocalAPIServer
from rawkube.testing.server.errors import APIError, ResourceKey
from rawkube.testing.server.listing import decode_continue, encode_continue
from rawkube.testing.server.storage import Compacted, FutureRevision, Storage

SECRETS = ResourceKey("", "secrets")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def secret(name: str, value: str = "v") -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": "ns"}, "data": {"k": value}}


def test_list_at_an_old_revision_rebuilds_that_state() -> None:
    storage = Storage(compaction_interval=None)
    storage.create(SECRETS, secret("a", "1"))
    rv_one = storage.resource_version
    storage.create(SECRETS, secret("b"))
    storage.guaranteed_update(SECRETS, "ns", "a", lambda o: {**(o or {}), "data": {"k": "2"}})
    storage.delete(SECRETS, "ns", "b")
    then = storage.list_at(SECRETS, "ns", rv_one)
    assert [(o["metadata"]["name"], o["data"]["k"]) for o in then] == [("a", "1")]
    now = storage.list_at(SECRETS, "ns", storage.resource_version)
    assert [(o["metadata"]["name"], o["data"]["k"]) for o in now] == [("a", "2")]
    with pytest.raises(FutureRevision):
        storage.list_at(SECRETS, "ns", storage.resource_version + 1)


def test_compactor_ticks_compact_to_the_previous_ticks_revision() -> None:
    # etcd3/compact.go: each tick writes compact_rev_key (one revision) and compacts to the
    # revision the tick before saw, so history lives between one and two intervals.
    clock = FakeClock()
    storage = Storage(compaction_interval=300, clock=clock)
    storage.create(SECRETS, secret("a"))
    first = storage.resource_version
    clock.now += 300  # first tick: nothing to compact yet, remembers its revision
    assert storage.compacted_revision == 0
    storage.list_at(SECRETS, "ns", first)
    storage.create(SECRETS, secret("b"))
    clock.now += 300  # second tick: compacts to the first tick's revision
    compacted = storage.compacted_revision
    assert compacted == first + 1
    with pytest.raises(Compacted):
        storage.list_at(SECRETS, "ns", first)
    assert [o["metadata"]["name"] for o in storage.list_at(SECRETS, "ns", compacted)] == ["a"]


def test_without_an_interval_nothing_is_compacted_until_asked() -> None:
    clock = FakeClock()
    storage = Storage(compaction_interval=None, clock=clock)
    storage.create(SECRETS, secret("a"))
    clock.now += 10**6
    assert storage.compacted_revision == 0
    storage.compact()
    with pytest.raises(Compacted):
        storage.list_at(SECRETS, "ns", 0)


def test_watch_cache_window_is_its_size_and_its_start() -> None:
    storage = Storage(history_limit=2, compaction_interval=None)
    for name in "abc":
        storage.create(SECRETS, secret(name))
    with pytest.raises(APIError) as err:
        storage.watch(SECRETS, since=0)
    assert err.value.code == 410
    assert err.value.message == "too old resource version: 0 (1)"
    storage.mark_watch_start()
    with pytest.raises(APIError):
        storage.watch(SECRETS, since=2)
    with storage.watch(SECRETS, since=3) as sub:
        assert sub.get(timeout=0) is None


def test_continue_tokens_round_trip_as_the_apiserver_encodes_them() -> None:
    token = encode_continue("ns/name", 42)
    # base64url without padding of {"v":"meta.k8s.io/v1","rv":42,"start":"ns/name\u0000"}
    assert "=" not in token
    assert decode_continue(token) == ("ns/name\x00", 42)


@pytest.fixture
def compacting() -> Any:
    with LocalAPIServer(controllers=False, compaction_interval=0.2) as server:
        yield server


def _client(server: LocalAPIServer) -> httpx.Client:
    assert server.ca_pem is not None
    return httpx.Client(
        base_url=server.url,
        verify=ssl.create_default_context(cadata=server.ca_pem.decode()),
        headers={"Authorization": f"Bearer {server.token}"},
        timeout=20,
    )


def test_a_continue_token_older_than_two_compactions_is_410_with_a_fresh_token(
    compacting: LocalAPIServer,
) -> None:
    with _client(compacting) as client:
        base = "/api/v1/namespaces/default/configmaps"
        for name in ("a", "b", "c"):
            client.post(base, json={"metadata": {"name": name}})
        first = client.get(base, params={"limit": 1}).json()
        token = first["metadata"]["continue"]
        client.post(base, json={"metadata": {"name": "d"}})
        time.sleep(0.5)  # two compactor ticks: the token's revision is compacted
        expired = client.get(base, params={"limit": 1, "continue": token})
        assert expired.status_code == 410
        status = expired.json()
        assert status["reason"] == "Expired"
        # etcd3/errors.go handleCompactedErrorForPaging: go on from now (rv -1)
        fresh = status["metadata"]["continue"]
        assert decode_continue(fresh)[1] == -1
        rest = client.get(base, params={"limit": 10, "continue": fresh}).json()
        names = [o["metadata"]["name"] for o in rest["items"]]
        assert names[:3] == ["b", "c", "d"]


def test_watch_list_stream_ends_its_initial_events_with_an_annotated_bookmark() -> None:
    with LocalAPIServer(controllers=False, watch_list=True) as server, _client(server) as client:
        base = "/api/v1/namespaces/default/configmaps"
        client.post(base, json={"metadata": {"name": "wl", "labels": {"t": "wl"}}})
        params = {
            "watch": "1",
            "sendInitialEvents": "true",
            "resourceVersionMatch": "NotOlderThan",
            "allowWatchBookmarks": "true",
            "labelSelector": "t=wl",
            "timeoutSeconds": "1",
        }
        with client.stream("GET", base, params=params) as resp:
            lines = [json.loads(line) for line in resp.iter_lines() if line.strip()]
    assert [e["type"] for e in lines] == ["ADDED", "BOOKMARK"]
    bookmark = lines[1]["object"]["metadata"]
    assert bookmark["annotations"] == {"k8s.io/initial-events-end": "true"}
