"""Run the differential scenarios (tests/differential/*.yaml) against real and local servers.

    python scripts/differential.py record  [--only GLOB]    # real server -> fixtures/differential/
    python scripts/differential.py compare [--only GLOB]    # recordings vs a fresh LocalAPIServer
    python scripts/differential.py compare --live           # real server vs LocalAPIServer, now
    python scripts/differential.py list

The real server is ../shared/tools/realkube's kube-apiserver (default https://127.0.0.1:6443,
CA from $REALKUBE/pki/ca.crt, static tokens realkube-admin-token / realkube-alice-token).
`compare` prints every disagreement and the figure by category; `--write-known` rewrites
fixtures/differential/known-differences.yaml from what disagrees now (keeping old reasons).
See tests/helpers/differential.py for the scenario format and what normalising masks.
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import secrets
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from tests.helpers.differential import (  # noqa: E402
    KNOWN_DIFFERENCES,
    Scenario,
    Target,
    compare,
    load_known_differences,
    load_scenarios,
    local_target,
    read_recording,
    run_scenario,
    write_recording,
)


def real_target(url: str) -> Target:
    realkube = Path(os.environ.get("REALKUBE", Path.home() / "realkube"))
    return Target(url=url, ca_pem=(realkube / "pki" / "ca.crt").read_bytes(), label="real")


def selected(args: argparse.Namespace) -> list[Scenario]:
    scenarios = load_scenarios(args.category)
    if args.only:
        scenarios = [s for s in scenarios if fnmatch.fnmatch(s.id, args.only)]
    return scenarios


def cmd_record(args: argparse.Namespace) -> int:
    target = real_target(args.url)
    failures = 0
    for scenario in selected(args):
        try:
            exchanges = run_scenario(target, scenario, suffix="-" + secrets.token_hex(2))
        except Exception as exc:  # report and go on: one bad scenario must not stop a recording
            failures += 1
            print(f"FAILED  {scenario.id}: {exc}")
            continue
        path = write_recording(scenario, exchanges, "kube-apiserver v1.36 (realkube)")
        print(f"recorded {scenario.id} -> {path.relative_to(ROOT)}")
    return 1 if failures else 0


def cmd_compare(args: argparse.Namespace) -> int:
    shared = local_target()
    local = shared.__enter__()
    real = real_target(args.url) if args.live else None
    known = load_known_differences()
    by_category: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    disagree: dict[str, str] = {}
    try:
        for scenario in selected(args):
            if real is not None:
                expected = run_scenario(real, scenario, suffix="-" + secrets.token_hex(2))
            else:
                recorded = read_recording(scenario)
                if recorded is None:
                    print(f"NOT RECORDED {scenario.id}")
                    continue
                expected = recorded
            try:
                if scenario.isolated:
                    with local_target() as own:
                        actual = run_scenario(own, scenario)
                else:
                    actual = run_scenario(local, scenario)
                problems = compare(expected, actual)
            except Exception as exc:
                problems = [f"error running against the LocalAPIServer: {exc!r}"]
            tally = by_category[scenario.category]
            tally[1] += 1
            if problems:
                disagree[scenario.id] = problems[0]
                if not args.quiet:
                    print(f"DIFFERS {scenario.id}")
                    for p in problems:
                        print(f"    {p}")
            else:
                tally[0] += 1
                if args.verbose:
                    print(f"agrees  {scenario.id}")
    finally:
        shared.__exit__(None, None, None)
    total_ok = sum(t[0] for t in by_category.values())
    total = sum(t[1] for t in by_category.values())
    print("\ncategory                  agree / total")
    for cat, (ok, n) in sorted(by_category.items()):
        print(f"  {cat:<24}{ok:>5} / {n}")
    print(f"  {'ALL':<24}{total_ok:>5} / {total}")
    if args.write_known:
        new = {sid: known.get(sid, why) for sid, why in sorted(disagree.items())}
        # Keep entries of scenarios this run did not look at.
        ran = {s.id for s in selected(args)}
        new.update({sid: why for sid, why in known.items() if sid not in ran})
        KNOWN_DIFFERENCES.write_text(
            "# scenario id -> why the LocalAPIServer still answers differently from the real\n"
            "# kube-apiserver. tests/testing/server/test_differential.py expects exactly these to differ.\n"
            + yaml.safe_dump(dict(sorted(new.items())), width=1000, sort_keys=True)
        )
        print(f"wrote {KNOWN_DIFFERENCES.relative_to(ROOT)} ({len(new)} entries)")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    for scenario in selected(args):
        state = "recorded" if scenario.recording_path.exists() else "NOT RECORDED"
        print(f"{scenario.id:<60} {state}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["record", "compare", "list"])
    parser.add_argument("--only", help="glob over category/name, e.g. 'validation/pod-*'")
    parser.add_argument("--category")
    parser.add_argument("--url", default="https://127.0.0.1:6443")
    parser.add_argument("--live", action="store_true", help="compare against the real server now")
    parser.add_argument("--write-known", action="store_true")
    parser.add_argument("-q", "--quiet", action="store_true")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    return {"record": cmd_record, "compare": cmd_compare, "list": cmd_list}[args.command](args)


if __name__ == "__main__":
    raise SystemExit(main())
