"""Issue #10 acceptance: every built-in kind the real kube-apiserver serves has a minimal-object
scenario in the defaults category.

The kinds come from the real server's aggregated discovery as recorded in
fixtures/real-apiserver/006-discovery-aggregated-api.json (/api) and 007 (/apis): every top-level
resource whose verbs include ``create``. For each, a ``defaults/<...>-minimal`` scenario must POST
a minimal valid object to that resource's collection, its recording must show the real server's
201 with the object (or, for ``bindings``, the Status the BindingREST answers) in that group
version, the step must be compared in full with nothing masked beyond what the harness always
normalises (uids, times, resourceVersions, generated names, allocations), and it must not be
excused in known-differences.yaml. tests/testing/server/test_differential.py replays the
scenario against a LocalAPIServer: the created object comes back with exactly the real server's
defaulted fields.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.differential import (
    Scenario,
    load_known_differences,
    load_scenarios,
    read_recording,
)

ROOT = Path(__file__).resolve().parents[3]
DISCOVERY = [
    ROOT / "fixtures" / "real-apiserver" / "006-discovery-aggregated-api.json",
    ROOT / "fixtures" / "real-apiserver" / "007-discovery-aggregated-apis.json",
]
DEFAULTS = [s for s in load_scenarios("defaults") if s.name.endswith("-minimal")]
KNOWN = load_known_differences()
# Creatable resources whose create answers something other than the object.
ANSWERS_STATUS = {("", "v1", "bindings")}
# Creatable resources that are not stored (nothing to read back).
NOT_STORED = {"bindings", "tokenreviews", "selfsubjectreviews"} | {
    "subjectaccessreviews",
    "localsubjectaccessreviews",
    "selfsubjectaccessreviews",
    "selfsubjectrulesreviews",
}
# Stored kinds whose minimal scenario does not read the object back, and why.
NO_READ_BACK = {
    # The LocalAPIServer's simulated scheduler and kubelet bind and run the Pod; the real
    # cluster has no node. defaults/pod-probes-lifecycle-ephemeral keeps its Pod unscheduled.
    "pods": "scheduled by the simulated node",
}


def creatable() -> list[tuple[str, str, str, str, bool]]:
    """(group, version, resource, kind, namespaced) of every resource the recorded discovery
    says can be created."""
    found = []
    for path in DISCOVERY:
        exchange = json.loads(path.read_text())
        assert exchange["response"]["status"] == 200
        body = exchange["response"]["body"]
        assert body["kind"] == "APIGroupDiscoveryList"
        for group in body["items"]:
            name = group["metadata"].get("name", "")
            for version in group["versions"]:
                for res in version["resources"]:
                    if "create" in res.get("verbs", []):
                        found.append(
                            (
                                name,
                                version["version"],
                                res["resource"],
                                res["responseKind"]["kind"],
                                res["scope"] == "Namespaced",
                            )
                        )
    return sorted(found)


KINDS = creatable()


def collection_path(group: str, version: str, resource: str, namespaced: bool) -> str:
    base = f"/api/{version}" if not group else f"/apis/{group}/{version}"
    return f"{base}/namespaces/{{ns}}/{resource}" if namespaced else f"{base}/{resource}"


def minimal_scenarios(path: str) -> list[tuple[Scenario, int]]:
    return [
        (s, i)
        for s in DEFAULTS
        for i, step in enumerate(s.steps)
        if step.method == "POST" and step.path == path
    ]


def test_the_recorded_discovery_lists_the_built_in_kinds() -> None:
    kinds = {(g, k) for g, _, _, k, _ in KINDS}
    assert len(KINDS) >= 60
    for expected in [("", "Pod"), ("apps", "Deployment"), ("batch", "CronJob"), ("", "Binding")]:
        assert expected in kinds


@pytest.mark.parametrize(
    ("group", "version", "resource", "kind", "namespaced"),
    [pytest.param(*k, id=f"{k[0] or 'core'}/{k[1]}/{k[2]}") for k in KINDS],
)
def test_every_creatable_kind_has_a_recorded_minimal_scenario(
    group: str, version: str, resource: str, kind: str, namespaced: bool
) -> None:
    path = collection_path(group, version, resource, namespaced)
    found = minimal_scenarios(path)
    assert found, f"no defaults/*-minimal scenario POSTs a {kind} to {path}"
    scenario, index = found[0]
    assert scenario.id not in KNOWN, f"{scenario.id} is excused in known-differences.yaml"
    step = scenario.steps[index]
    assert step.compare == "full" and not step.ignore, (scenario.id, step.compare, step.ignore)
    body_sent: Any = step.body
    assert isinstance(body_sent, dict) and body_sent.get("kind") == kind
    exchanges = read_recording(scenario)
    assert exchanges is not None, f"{scenario.id} is not recorded"
    response = exchanges[index]["response"]
    assert response["status"] == 201, (scenario.id, response)
    answer = response["body"]
    if (group, version, resource) in ANSWERS_STATUS:
        assert answer["kind"] == "Status" and answer["status"] == "Success"
    else:
        assert answer["kind"] == kind
        assert answer["apiVersion"] == (f"{group}/{version}" if group else version)
    if resource in NOT_STORED or resource in NO_READ_BACK:
        return
    # "comes back with": the stored object read back after the create, compared in full but for
    # the status and annotations controllers write and their managedFields entries.
    name = answer["metadata"]["name"]
    reads = [
        i
        for i, st in enumerate(scenario.steps)
        if i > index and st.method == "GET" and st.path == f"{path}/{name}"
    ]
    assert reads, f"{scenario.id} does not read the {kind} back"
    read = scenario.steps[reads[0]]
    assert read.compare == "full"
    allowed = {
        "status",
        "metadata.annotations",
        "metadata.managedFields[manager=kube-controller-manager]",
    }
    assert set(read.ignore) <= allowed, read.ignore
    got = exchanges[reads[0]]["response"]
    assert got["status"] == 200 and got["body"]["kind"] == kind


def test_every_minimal_scenario_names_a_served_kind() -> None:
    paths = {collection_path(g, v, r, n) for g, v, r, _, n in KINDS}
    for scenario in DEFAULTS:
        posts = [st.path for st in scenario.steps if st.method == "POST"]
        assert any(p in paths for p in posts), f"{scenario.id} creates no served kind: {posts}"
