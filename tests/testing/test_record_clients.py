"""The seed's flow through rawkube's own clients: record live, stop the server, replay identically.

The flows are those of `scripts/record_fixtures.py`, the script that records the shipped
`fixtures/seed-flow-*.yaml` and `fixtures/discovery.yaml`, so these tests and the files agree.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from test_record_support import TOKEN, fake_apiserver

from rawkube.config.types import Config
from rawkube.testing import load_fixture, replay
from rawkube.testing.replayer import ReplayMismatch

ROOT = Path(__file__).resolve().parents[2]


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "record_fixtures", ROOT / "scripts" / "record_fixtures.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


script = _load_script()
Flow = Callable[[Config], list[tuple[str, Any]]]


@pytest.mark.parametrize(
    "flow", [script.seed_flow_typed, script.seed_flow_dynamic], ids=["typed", "dynamic"]
)
def test_seed_flow_through_clients_replays_identically_after_the_server_stops(
    flow: Flow, tmp_path: Path
) -> None:
    path = tmp_path / "flow.yaml"
    with fake_apiserver() as url:
        live, _ = script.record_flow(flow, Config(host=url, bearer_token=TOKEN, qps=0), path)
    with replay(path) as rp:
        replayed = flow(rp.config())
    assert replayed == live
    ops = [op for op, _ in live]
    assert ops == ["create", "get", "update", "list", "watch", "delete"]
    assert TOKEN not in path.read_text()
    delete = load_fixture(path)[-1]
    assert delete.request.body["propagationPolicy"] == "Foreground"


def test_replay_catches_a_changed_flow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A test replaying a recording fails when the code under test changes its requests."""
    path = tmp_path / "flow.yaml"
    with fake_apiserver() as url:
        script.record_flow(
            script.seed_flow_typed, Config(host=url, bearer_token=TOKEN, qps=0), path
        )
    monkeypatch.setattr(script, "NAME", "renamed-deployment")
    with pytest.raises(ReplayMismatch) as info, replay(path) as rp:
        script.seed_flow_typed(rp.config())
    assert "renamed-deployment" in str(info.value)
    assert "closest recorded exchange" in str(info.value)


# --- against the embedded LocalAPIServer (the acceptance flow) -------------------------------------


@pytest.mark.parametrize(
    "flow",
    [script.seed_flow_typed, script.seed_flow_dynamic, script.discovery_flow],
    ids=["typed", "dynamic", "discovery"],
)
def test_flow_recorded_against_local_apiserver_replays_identically_after_stop(
    flow: Flow, tmp_path: Path
) -> None:
    from rawkube.testing import LocalAPIServer

    path = tmp_path / "flow.yaml"
    with LocalAPIServer() as server:
        config = server.config()
        live, _ = script.record_flow(flow, config, path)
    # The server is stopped: nothing listens any more, only the file can answer.
    with replay(path) as rp:
        replayed = flow(rp.config())
    assert replayed == live
    text = path.read_text()
    for secret in (config.bearer_token, config.password):
        assert not secret or secret not in text


def _ops(results: list[tuple[str, Any]]) -> dict[str, Any]:
    return dict(results)


@pytest.mark.parametrize(
    ("name", "flow"),
    [
        ("seed-flow-typed.yaml", script.seed_flow_typed),
        ("seed-flow-dynamic.yaml", script.seed_flow_dynamic),
    ],
)
def test_shipped_seed_flow_fixture_replays_the_whole_flow(name: str, flow: Flow) -> None:
    with replay(ROOT / "fixtures" / name) as rp:  # also checks every exchange is used
        results = _ops(flow(rp.config()))
    assert results["create"]["metadata"]["uid"] == results["get"]["metadata"]["uid"]
    assert results["update"]["spec"]["replicas"] == 3
    assert [o["metadata"]["name"] for o in results["list"]] == ["demo-deployment"]
    last_type, last_object = results["watch"][-1]
    assert last_type == "MODIFIED" and last_object["spec"]["replicas"] == 3
    # Foreground deletion answers with the object, finalizer set (041-delete-foreground.json).
    assert "foregroundDeletion" in results["delete"]["metadata"]["finalizers"]


def test_shipped_discovery_fixture_replays() -> None:
    with replay(ROOT / "fixtures" / "discovery.yaml") as rp:
        results = _ops(script.discovery_flow(rp.config()))
    assert results["version"]["major"] == "1"
    resources = {r["name"] for r in results["apps/v1"]["resources"]}
    assert {"deployments", "deployments/scale", "replicasets"} <= resources
