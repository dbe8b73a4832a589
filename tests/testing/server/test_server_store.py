"""The LocalAPIServer's store: resourceVersion, optimistic concurrency, deletion, watch history."""

from __future__ import annotations

import threading

import pytest

from rawkube.testing.server.store import GVR, APIError, Store, decode_continue, encode_continue

DEPLOY = GVR("apps", "v1", "deployments")


def _dep(name: str, **spec: object) -> dict[str, object]:
    return {"kind": "Deployment", "metadata": {"name": name, "namespace": "default"}, "spec": spec}


def test_create_sets_server_metadata_in_objectmeta_order() -> None:
    store = Store()
    obj = store.create(DEPLOY, _dep("a", replicas=1))
    assert list(obj["metadata"]) == [
        "name",
        "namespace",
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
    ]
    assert obj["metadata"]["resourceVersion"] == "1"
    with pytest.raises(APIError) as err:
        store.create(DEPLOY, _dep("a"))
    assert err.value.code == 409 and err.value.message == 'deployments.apps "a" already exists'


def test_generate_name() -> None:
    store = Store()
    obj = store.create(DEPLOY, {"metadata": {"generateName": "web-", "namespace": "default"}})
    assert obj["metadata"]["name"].startswith("web-") and len(obj["metadata"]["name"]) == 9


def test_stale_update_conflicts_and_generation_tracks_spec_only() -> None:
    store = Store()
    obj = store.create(DEPLOY, _dep("a", replicas=1))
    obj["metadata"]["labels"] = {"x": "y"}
    labelled = store.update(DEPLOY, obj)
    assert labelled["metadata"]["generation"] == 1
    labelled["spec"]["replicas"] = 2
    scaled = store.update(DEPLOY, labelled)
    assert scaled["metadata"]["generation"] == 2
    with pytest.raises(APIError) as err:
        store.update(DEPLOY, obj)  # carries the first resourceVersion
    assert err.value.reason == "Conflict"
    assert err.value.message.endswith(
        "please apply your changes to the latest version and try again"
    )


def test_no_lost_update_under_concurrent_writers() -> None:
    store = Store()
    store.create(DEPLOY, _dep("counter"))

    def bump() -> None:
        for _ in range(200):  # bounded retry loop
            obj = store.must_get(DEPLOY, "default", "counter")
            n = int(obj["metadata"].get("annotations", {}).get("n", "0"))
            obj["metadata"]["annotations"] = {"n": str(n + 1)}
            try:
                store.update(DEPLOY, obj)
                return
            except APIError as exc:
                assert exc.code == 409

    threads = [threading.Thread(target=bump) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    final = store.must_get(DEPLOY, "default", "counter")
    assert final["metadata"]["annotations"]["n"] == "20"


def test_foreground_delete_keeps_object_until_finalizer_removed() -> None:
    store = Store()
    store.create(DEPLOY, _dep("fg"))
    with store.watch(DEPLOY, "default", since=store.resource_version) as sub:
        obj, removed = store.delete(DEPLOY, "default", "fg", propagation_policy="Foreground")
        assert not removed
        assert obj["metadata"]["finalizers"] == ["foregroundDeletion"]
        assert obj["metadata"]["deletionGracePeriodSeconds"] == 0
        store.mutate(DEPLOY, "default", "fg", lambda o: o["metadata"].pop("finalizers"))
        assert store.get(DEPLOY, "default", "fg") is None
        types = [ev.type for ev in store.events(sub, timeout=0.05)]
    assert types == ["MODIFIED", "DELETED"]


def test_delete_uid_precondition_message() -> None:
    store = Store()
    store.create(DEPLOY, _dep("p"))
    with pytest.raises(APIError) as err:
        store.delete(
            DEPLOY, "default", "p", preconditions={"uid": "0"}, kind_for_errors="Deployment.apps"
        )
    assert err.value.message.startswith(
        'Operation cannot be fulfilled on Deployment.apps "p": the UID in the precondition (0)'
    )
    assert err.value.details == {"name": "p", "group": "apps", "kind": "Deployment"}


def test_watch_from_compacted_version_is_expired() -> None:
    store = Store(history_limit=3)
    for i in range(6):
        store.create(DEPLOY, _dep(f"d{i}"))
    with pytest.raises(APIError) as err:
        store.watch(DEPLOY, since=1)
    assert err.value.code == 410 and err.value.reason == "Expired"
    with store.watch(DEPLOY, since=4) as sub:
        assert [ev.resource_version for ev in store.events(sub, 0.01)] == [5, 6]


def test_continue_token_round_trip_matches_apiserver_encoding() -> None:
    # Recording 015's token decodes to {"v":"meta.k8s.io/v1","rv":277,"start":"page-0\u0000"}.
    token = "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6Mjc3LCJzdGFydCI6InBhZ2UtMFx1MDAwMCJ9"
    assert decode_continue(token) == (277, "page-0")
    assert decode_continue(encode_continue(277, "page-0")) == (277, "page-0")


def test_save_and_load_round_trip(tmp_path: object) -> None:
    import os

    data_dir = str(tmp_path)
    store = Store(data_dir=data_dir)
    store.create(DEPLOY, _dep("kept"))
    loaded = Store.load(os.path.join(data_dir, "state.json"))
    assert loaded.must_get(DEPLOY, "default", "kept")["metadata"]["resourceVersion"] == "1"
    assert loaded.resource_version == 1
