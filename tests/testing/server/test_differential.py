"""Replay the real kube-apiserver's recorded answers (fixtures/differential/) against ours.

Each scenario of tests/differential/*.yaml was run against a real kube-apiserver 1.36 by
`python scripts/differential.py record`; here the same raw requests go to a LocalAPIServer and
the normalised answers must be equal. Scenarios listed in
fixtures/differential/known-differences.yaml are expected to differ (strict xfail: fixing one
fails the suite until its entry is removed), so the list only shrinks.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.helpers.differential import (
    Scenario,
    Target,
    compare,
    load_known_differences,
    load_scenarios,
    local_target,
    mask_secrets,
    read_recording,
    run_scenario,
)

SCENARIOS = load_scenarios()
KNOWN = load_known_differences()


@pytest.fixture(scope="module")
def local() -> Iterator[Target]:
    with local_target() as target:
        yield target


def test_every_scenario_is_recorded() -> None:
    missing = [s.id for s in SCENARIOS if not s.recording_path.exists()]
    assert not missing, (
        f"record these from the real server (scripts/differential.py record): {missing}"
    )


def test_known_differences_name_real_scenarios() -> None:
    ids = {s.id for s in SCENARIOS}
    stale = sorted(set(KNOWN) - ids)
    assert not stale, f"known-differences.yaml names scenarios that do not exist: {stale}"


def _params() -> list[object]:
    params: list[object] = []
    for scenario in SCENARIOS:
        marks = []
        if scenario.id in KNOWN:
            reason = KNOWN[scenario.id]
            strict = not reason.startswith("flaky:")
            marks.append(pytest.mark.xfail(reason=reason, strict=strict))
        params.append(pytest.param(scenario, id=scenario.id, marks=marks))
    return params


@pytest.mark.parametrize("scenario", _params())
def test_local_server_answers_as_the_real_one(local: Target, scenario: Scenario) -> None:
    recorded = read_recording(scenario)
    assert recorded is not None, f"{scenario.id} is not recorded"
    # A scenario known to differ would often poll a wait until its timeout: keep that short.
    wait_cap = 2.0 if scenario.id in KNOWN else 15.0
    if scenario.isolated:
        with local_target() as own:
            answers = run_scenario(own, scenario, wait_cap=wait_cap)
    else:
        answers = run_scenario(local, scenario, wait_cap=wait_cap)
    problems = compare(recorded, answers)
    assert not problems, f"{scenario.id} ({scenario.cite}):\n  " + "\n  ".join(problems)


def test_recordings_mask_secret_values_by_resource_and_tokens() -> None:
    secret = {"metadata": {"name": "s"}, "data": {"a": "c2VjcmV0"}, "stringData": {"b": "x"}}
    masked = mask_secrets(secret, "/api/v1/namespaces/{ns}/secrets")  # no kind: by the path
    assert set(masked["data"]) == {"a"} and masked["data"]["a"].startswith("<masked:")
    assert masked["stringData"]["b"].startswith("<masked:")
    assert "c2VjcmV0" not in str(masked)
    # Equal values give equal digests, so two servers still compare.
    assert mask_secrets(secret, "/secrets") == masked
    listed = mask_secrets({"kind": "SecretList", "items": [secret]}, "/api/v1/secrets")
    assert listed["items"][0]["data"]["a"] == masked["data"]["a"]
    jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.c2lnbmF0dXJl"
    review = mask_secrets({"status": {"token": jwt}, "spec": {"t": f"x {jwt}"}}, "/tokenreviews")
    assert review == {"status": {"token": "<token>"}, "spec": {"t": "x <jwt>"}}
