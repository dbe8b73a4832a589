"""The LocalAPIServer's layers: storage (one guaranteed_update), the generic registry store driven
by per-kind strategies, the admission chain, and endpoints registered beside the generic verbs."""

from __future__ import annotations

from typing import Any

import pytest

from rawkube.testing.server import endpoints, validation
from rawkube.testing.server.admission import CREATE, Attributes, Chain, Plugin
from rawkube.testing.server.errors import APIError, ResourceKey
from rawkube.testing.server.registry import strategies
from rawkube.testing.server.registry.context import RequestContext
from rawkube.testing.server.registry.generic import GenericStore
from rawkube.testing.server.registry.strategy import Strategy
from rawkube.testing.server.resources import ResourceTable
from rawkube.testing.server.storage import Remove, Storage

CM = ResourceKey("", "configmaps")


def _cm(name: str, **data: str) -> dict[str, Any]:
    return {"kind": "ConfigMap", "metadata": {"name": name, "namespace": "ns"}, "data": data}


def test_guaranteed_update_writes_changes_skips_no_ops_and_removes() -> None:
    storage = Storage()
    storage.create(CM, _cm("a", k="1"))
    seen = []

    def same(current: dict[str, Any] | None) -> dict[str, Any]:
        assert current is not None
        seen.append(current["metadata"]["resourceVersion"])
        return current

    unchanged = storage.guaranteed_update(CM, "ns", "a", same)
    assert unchanged["metadata"]["resourceVersion"] == "1" and storage.resource_version == 1

    def change(current: dict[str, Any] | None) -> dict[str, Any]:
        assert current is not None
        current["data"]["k"] = "2"
        return current

    changed = storage.guaranteed_update(CM, "ns", "a", change)
    assert changed["metadata"]["resourceVersion"] == "2"
    sub = storage.watch(CM, since=2)
    removed = storage.guaranteed_update(CM, "ns", "a", lambda c: Remove(c or {}))
    assert removed["metadata"]["resourceVersion"] == "3" and storage.get(CM, "ns", "a") is None
    event = sub.get(1)
    assert event is not None and event.type == "DELETED"
    sub.close()
    with pytest.raises(APIError) as err:
        storage.guaranteed_update(CM, "ns", "a", same)
    assert err.value.code == 404
    created = storage.guaranteed_update(
        CM, "ns", "b", lambda c: _cm("b") if c is None else c, ignore_not_found=True
    )
    assert created["metadata"]["resourceVersion"] == "4"


class _Refuses(Strategy):
    """A strategy whose validation refuses a data key, and whose prepare marks the object."""

    def prepare_for_create(self, ctx: RequestContext, obj: dict[str, Any]) -> None:
        obj.setdefault("metadata", {}).setdefault("labels", {})["prepared"] = "yes"

    def validate(self, ctx: RequestContext, obj: dict[str, Any]) -> list[validation.Cause]:
        if "bad" in (obj.get("data") or {}):
            return [validation.invalid("data.bad", obj["data"]["bad"], "not allowed here")]
        return []


def test_registry_runs_the_kind_strategy_for_requests_only() -> None:
    key = ResourceKey("example.test", "widgets")
    strategies.register(key, _Refuses())
    try:
        info = ResourceTable().get("", "v1", "configmaps")
        assert info is not None
        store = GenericStore()
        ctx = RequestContext(info=info, namespace="ns", name="w")
        ok = store.create(key, _cm("w"), ctx=ctx)
        assert ok["metadata"]["labels"] == {"prepared": "yes"}
        assert "generation" not in ok["metadata"]  # _Refuses does not track one
        with pytest.raises(APIError) as err:
            store.create(key, _cm("x", bad="1"), ctx=ctx)
        assert err.value.code == 422
        assert (
            err.value.message
            == 'ConfigMap "x" is invalid: data.bad: Invalid value: "1": not allowed here'
        )
        # An in-process writer (a controller) skips request preparation and validation.
        trusted = store.create(key, _cm("y", bad="1"))
        assert "labels" not in trusted["metadata"]
    finally:
        strategies._registered.pop(key, None)


def test_admission_chain_mutates_before_it_validates() -> None:
    order: list[str] = []

    class Mutates(Plugin):
        mutating = True
        operations = frozenset({CREATE})

        def admit(self, attrs: Attributes, store: GenericStore) -> None:
            order.append("admit")
            assert attrs.obj is not None
            attrs.obj["metadata"]["annotations"] = {"admitted": "true"}

    class Validates(Plugin):
        validating = True

        def validate(self, attrs: Attributes, store: GenericStore) -> None:
            order.append("validate")
            assert attrs.obj is not None
            if attrs.obj["metadata"].get("name") == "no":
                raise APIError(403, "Forbidden", "refused by admission")

    info = ResourceTable().get("", "v1", "configmaps")
    assert info is not None
    store = GenericStore()
    chain = Chain(store, [Validates(), Mutates()])
    ctx = RequestContext(info=info, namespace="ns", name="a")
    obj = _cm("a")
    chain.admit(Attributes(CREATE, ctx, obj))
    created = store.create(CM, obj, ctx=ctx, admission=chain.validator(CREATE, ctx))
    assert created["metadata"]["annotations"] == {"admitted": "true"}
    assert order == ["admit", "validate"]
    with pytest.raises(APIError) as err:
        store.create(CM, _cm("no"), ctx=ctx, admission=chain.validator(CREATE, ctx))
    assert err.value.code == 403 and store.get(CM, "ns", "no") is None


def test_endpoints_are_found_by_resource_or_wildcard() -> None:
    table = ResourceTable()
    deploy, pods = table.get("apps", "v1", "deployments"), table.get("", "v1", "pods")
    assert deploy is not None and pods is not None
    from rawkube.testing.server.request import Target

    assert endpoints.lookup(Target(deploy, "ns", "d", "scale"), "GET") is endpoints.get_scale
    assert endpoints.lookup(Target(pods, "ns", "p", "log"), "GET") is endpoints.pod_log
    assert endpoints.lookup(Target(pods, "ns", "p", "log"), "POST") is None
    assert endpoints.serves(Target(pods, "ns", "p", "log"))
    assert endpoints.lookup(Target(pods, "ns", "p", ""), "GET") is None
