"""benchmarks/decode_models.py runs, and typed decoding stays close to json.loads (small N)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_decode_benchmark_runs_and_typed_decode_is_cheap() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks/decode_models.py"),
            "--items",
            "2000",
            "--runs",
            "1",
            "--no-peers",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=110,
        check=True,
    )
    report = json.loads(proc.stdout)
    assert report["items"] == 2000
    assert 2500 * 2000 < report["bytes"] < 4000 * 2000  # ~3 KB Deployments, as specified
    floor, typed = report["results"]["json"], report["results"]["rawkube"]
    assert report["results"]["lightkube"] == "no peers interpreter"
    # Views allocate nothing per field: the decode's memory growth is json.loads' own (the
    # slack covers allocator noise on a small payload), and the time well under the 2x target.
    assert typed["growth_kb"] <= floor["growth_kb"] * 1.1 + 2048
    assert typed["seconds"] < 2 * floor["seconds"] + 0.05
    # The typed part alone (wrap + 2000 touches) is a small fraction of json.loads itself.
    assert typed["typed_seconds"] < 0.5 * floor["seconds"]
