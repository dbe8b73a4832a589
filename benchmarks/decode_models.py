#!/usr/bin/env python3
"""How much does typed decoding cost on top of `json.loads`? (issue 4: aim for under 2x.)

Decodes one DeploymentList of N realistic Deployments (~3 KB each, built from the Deployment
recorded from a real 1.36 API server) and touches `items[i].metadata.name` for every item:

* `json.loads`          - the floor: stdlib JSON to dicts, nothing else;
* `rawkube`             - `DeploymentList.from_dict(json.loads(b))` + the touches (lazy views);
* `lightkube`           - `lightkube.models.apps_v1.DeploymentList.from_dict(json.loads(b))`;
* `kubernetes`          - the official client's `ApiClient` deserialisation into `V1DeploymentList`.

Every measurement runs in a fresh subprocess (so peak RSS is that decode's alone, and nothing is
warm from a previous run); each mode runs `--runs` times and the median time is reported. The peers
run with `--peers-python` (default: benchmarks/.venv, else /tmp/peers-venv) and are skipped, with a
note, if that interpreter cannot import them.

Measured on the shared 2-core development machine (10,000 items, 31.2 MB; medians of 5 fresh
processes per mode; four runs, so ranges): rawkube / json.loads = 0.82-1.14 (noise: rawkube's own
share after json.loads returned is 8-19 ms, 1-2% of it); lightkube 1.5-2.2x; kubernetes 3.9-8.8x.
Memory growth of the decode: json.loads 180 MiB, rawkube 180 MiB (absolute peak +1.5-1.9 MiB,
the imported model modules), lightkube 188 MiB, kubernetes 392 MiB.

Usage: python benchmarks/decode_models.py [--items 10000] [--runs 5] [--peers-python PATH] [--json]
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
TEMPLATE = REPO / "fixtures" / "real-apiserver" / "014-list-deployments-page1.json"
MODES = ("json", "rawkube", "lightkube", "kubernetes")
PEERS = ("lightkube", "kubernetes")


# -- payload ------------------------------------------------------------------------------------


def payload(items: int) -> bytes:
    """A DeploymentList body as the server sends it (compact JSON, list items without kind)."""
    exchange = json.loads(TEMPLATE.read_text(encoding="utf-8"))
    template: dict[str, Any] = exchange["response"]["body"]["items"][0]
    template["metadata"]["labels"] = {
        "app": "demo",
        "app.kubernetes.io/name": "demo",
        "app.kubernetes.io/part-of": "bench",
        "team": "platform",
    }
    out = []
    for i in range(items):
        item = copy.deepcopy(template)
        item["metadata"]["name"] = f"bench-{i}"
        item["metadata"]["uid"] = f"c8482464-ffa4-4597-b72c-{i:012d}"
        item["metadata"]["resourceVersion"] = str(1000 + i)
        out.append(item)
    body = {
        "kind": "DeploymentList",
        "apiVersion": "apps/v1",
        "metadata": {"resourceVersion": str(1000 + items)},
        "items": out,
    }
    return json.dumps(body, separators=(",", ":")).encode()


# -- child: one measurement ---------------------------------------------------------------------


def _rss_kb() -> int:
    """Current resident set size (Linux /proc), in KiB."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * (os.sysconf("SC_PAGE_SIZE") // 1024)


def _peak_kb() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def child(mode: str, path: str) -> dict[str, Any]:
    """Decode the file once in this process; report time and memory. Imports happen first."""
    import gc
    import time

    data = Path(path).read_bytes()
    split: dict[str, float] = {}  # rawkube only: the time spent after json.loads returned
    if mode == "json":

        def decode() -> Any:
            return json.loads(data)

    elif mode == "rawkube":
        from rawkube.models.apps_v1 import DeploymentList

        def decode() -> Any:
            raw = json.loads(data)
            typed_start = time.perf_counter()
            lst = DeploymentList.from_dict(raw)
            items = lst.items
            names = [items[i].metadata.name for i in range(len(items))]
            split["typed_seconds"] = time.perf_counter() - typed_start
            return lst, names

    elif mode == "lightkube":
        from lightkube.models.apps_v1 import DeploymentList as LkDeploymentList

        def decode() -> Any:
            lst = LkDeploymentList.from_dict(json.loads(data))
            names = [lst.items[i].metadata.name for i in range(len(lst.items))]
            return lst, names

    elif mode == "kubernetes":
        from kubernetes.client import ApiClient

        api = ApiClient()

        def decode() -> Any:
            # What ApiClient.deserialize does once it has the response text.
            lst = api._ApiClient__deserialize(json.loads(data), "V1DeploymentList")
            names = [lst.items[i].metadata.name for i in range(len(lst.items))]
            return lst, names

    else:
        raise SystemExit(f"unknown mode {mode}")

    gc.collect()
    before = _rss_kb()
    start = time.perf_counter()
    result = decode()
    elapsed = time.perf_counter() - start
    peak = _peak_kb()
    del result
    return {
        "mode": mode,
        "seconds": elapsed,
        "peak_rss_kb": peak,
        "growth_kb": peak - before,
        **split,
    }


# -- parent -------------------------------------------------------------------------------------


def _default_peers_python() -> str | None:
    for candidate in (REPO / "benchmarks/.venv/bin/python", Path("/tmp/peers-venv/bin/python")):
        if candidate.exists():
            return str(candidate)
    return None


def run_mode(python: str, mode: str, path: str, runs: int) -> dict[str, Any] | str:
    """Median of `runs` fresh-process measurements, or an error string."""
    samples = []
    for _ in range(runs):
        proc = subprocess.run(
            [python, __file__, "--child", mode, path],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=REPO,
        )
        if proc.returncode != 0:
            return (proc.stderr.strip().splitlines() or ["failed"])[-1]
        samples.append(json.loads(proc.stdout))
    return {
        "mode": mode,
        "seconds": statistics.median(s["seconds"] for s in samples),
        "peak_rss_kb": statistics.median(s["peak_rss_kb"] for s in samples),
        "growth_kb": statistics.median(s["growth_kb"] for s in samples),
        "runs": runs,
        **(
            {"typed_seconds": statistics.median(s["typed_seconds"] for s in samples)}
            if "typed_seconds" in samples[0]
            else {}
        ),
    }


def measure(items: int, runs: int, peers_python: str | None) -> dict[str, Any]:
    body = payload(items)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "list.json")
        Path(path).write_bytes(body)
        results: dict[str, Any] = {}
        for mode in MODES:
            python = sys.executable
            if mode in PEERS:
                if peers_python is None:
                    results[mode] = "no peers interpreter"
                    continue
                python = peers_python
            results[mode] = run_mode(python, mode, path, runs)
    return {"items": items, "bytes": len(body), "results": results}


def table(report: dict[str, Any]) -> str:
    results = report["results"]
    floor = results["json"]
    lines = [
        f"DeploymentList of {report['items']} items, {report['bytes'] / 1e6:.1f} MB of JSON "
        f"({report['bytes'] // report['items']} bytes/item)",
        "",
        "| decode | time (median) | x json.loads | peak RSS | RSS growth | x json growth |",
        "|---|---|---|---|---|---|",
    ]
    for mode in MODES:
        r = results[mode]
        if isinstance(r, str):
            lines.append(f"| {mode} | not measured: {r} | | | | |")
            continue
        lines.append(
            f"| {mode} | {r['seconds'] * 1000:.0f} ms | {r['seconds'] / floor['seconds']:.2f} | "
            f"{r['peak_rss_kb'] / 1024:.1f} MiB | {r['growth_kb'] / 1024:.1f} MiB | "
            f"{r['growth_kb'] / max(floor['growth_kb'], 1):.2f} |"
        )
    typed = results["rawkube"]
    if isinstance(typed, dict) and "typed_seconds" in typed:
        lines.append("")
        lines.append(
            f"rawkube's own share (from_dict + {report['items']} x items[i].metadata.name, after "
            f"json.loads returned): {typed['typed_seconds'] * 1000:.1f} ms"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="typed decode vs json.loads")
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--peers-python", default=_default_peers_python())
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--json", action="store_true", help="print the raw report as JSON")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(*args.child)))
        return 0
    report = measure(args.items, args.runs, None if args.no_peers else args.peers_python)
    print(json.dumps(report, indent=1) if args.json else table(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
