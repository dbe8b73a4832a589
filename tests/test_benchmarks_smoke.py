"""The benchmark harness in smoke mode, so it cannot rot (issue 7).

`benchmarks/run.py --smoke` runs every scenario for rawkube and the raw-HTTP floors with tiny
sizes, in the test's interpreter, against the benchmark server on 127.0.0.1. No peers, no
network, no venv, and no timing assertions: only that every piece ran and reported sensibly.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
RUN = REPO / "benchmarks" / "run.py"
SCENARIOS = [
    "import",
    "first_request",
    "first_request_kubeconfig",
    "get_loop",
    "list_typed",
    "list_dynamic",
    "list_typed_1000",
    "list_typed_10_loop",
    "watch",
    "crud",
    "exec_get_loop",
    "get_loop_http",
    "watch_http",
    "list_paged_20",
    "informer_20",
    "watch_many_3",
]
SCALE = ["list_paged_20", "informer_20", "watch_many_3"]


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("bench")
    proc = subprocess.run(
        [sys.executable, str(RUN), "--smoke", "--out", str(out), "--timeout", "60"],
        capture_output=True,
        text=True,
        timeout=150,
        cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report: dict[str, Any] = json.loads((out / "latest.json").read_text())
    report["_stdout"] = proc.stdout
    report["_md"] = (out / "latest.md").read_text()
    report["_out"] = str(out)
    return report


def test_smoke_runs_rawkube_and_floors_only(smoke: dict[str, Any]) -> None:
    assert smoke["smoke"] is True
    clients = {r["client"] for r in smoke["runs"]}
    assert {"rawkube", "httpx+json"} <= clients
    assert not clients & {"lightkube", "kubernetes", "kr8s"}, "smoke mode must not need the peers"
    assert [s["name"] for s in smoke["scenarios"]] == SCENARIOS


@pytest.mark.parametrize("client", ["rawkube", "httpx+json"])
def test_every_scenario_reports_a_figure(smoke: dict[str, Any], client: str) -> None:
    for scenario in SCENARIOS:
        cell = smoke["medians"][scenario][client]
        if client == "httpx+json" and scenario == "exec_get_loop":
            assert cell["error"].startswith("n/a"), "a floor runs no exec plugin"
            continue
        assert "error" not in cell, (scenario, cell)
        assert cell["seconds"] > 0, (scenario, cell)


def test_every_scenario_runs_over_https_but_the_diagnostic_rows(smoke: dict[str, Any]) -> None:
    """Issue 15: no real cluster serves plain HTTP; the `_http` rows measure what TLS costs."""
    for run in smoke["runs"]:
        if run["result"] is not None:
            assert run["result"]["https"] is (not run["scenario"].endswith("_http")), run


def test_scale_rows_report_time_memory_and_rate(smoke: dict[str, Any]) -> None:
    for client in ("rawkube", "httpx+json"):
        listed = smoke["medians"]["list_paged_20"][client]
        assert listed["seconds"] > 0 and listed["peak_delta_mb"] >= 0
        informer = smoke["medians"]["informer_20"][client]
        assert informer["seconds"] > 0 and informer["access_us"] > 0
        assert informer["kb_per_object"] == pytest.approx(informer["steady_mb"] * 1024 / 20)
        watches = smoke["medians"]["watch_many_3"][client]
        assert watches["events_per_s"] == pytest.approx(3 * 5 / watches["seconds"])
    assert "rawkube-protobuf" not in smoke["medians"]["informer_20"], "scale rows: chosen clients"
    assert "### At cluster scale" in smoke["_md"] and "results/scale.svg" in smoke["_md"]


def test_scale_chart_is_an_svg_of_the_scale_rows(smoke: dict[str, Any]) -> None:
    import xml.etree.ElementTree as ET

    svg = (Path(smoke["_out"]) / "scale.svg").read_text()
    root = ET.fromstring(svg)  # well-formed XML, no script
    assert root.tag.endswith("svg") and "<script" not in svg
    assert "Informer: resident memory" in svg and "rawkube" in svg
    # a point per panel, client and measured size; a zero (a smoke LIST whose peak RSS did not
    # move) cannot sit on a log axis and is left out
    panels = [  # benchmarks/run.py SCALE_PANELS: (family of rows, metric)
        ("list_paged_", "seconds"),
        ("informer_", "seconds"),
        ("watch_many_", "seconds"),
        ("list_paged_", "peak_delta_mb"),
        ("informer_", "steady_mb"),
        ("watch_many_", "rss_delta_mb"),
    ]
    expected = 0
    for prefix, metric in panels:
        for name, cells in smoke["medians"].items():
            if name.startswith(prefix):
                expected += sum(1 for cell in cells.values() if (cell.get(metric) or 0) > 0)
    assert expected >= 6 and svg.count("<circle") == expected


def test_urllib3_floor_runs_where_installed(smoke: dict[str, Any]) -> None:
    cell = smoke["medians"]["get_loop"]["urllib3+json"]
    if importlib.util.find_spec("urllib3") is None:
        assert cell == {"error": "not installed"}
    else:
        assert cell["seconds"] > 0


def test_list_scenarios_measure_peak_memory(smoke: dict[str, Any]) -> None:
    for scenario in ("list_typed", "list_dynamic"):
        cell = smoke["medians"][scenario]["rawkube"]
        assert cell["peak_rss_mb"] >= cell["peak_delta_mb"] >= 0


def test_exec_plugin_runs_are_counted(smoke: dict[str, Any]) -> None:
    """client-go caches an exec credential until it expires: one run for the whole loop."""
    cell = smoke["medians"]["exec_get_loop"]["rawkube"]
    assert cell["plugin_runs"] == 1


def test_report_has_table_targets_and_server_share(smoke: dict[str, Any]) -> None:
    md = smoke["_md"]
    assert md.startswith("## Benchmark run") and "smoke" in md
    assert "| scenario | metric | rawkube |" in md
    assert "rawkube / httpx" in md and "### rawkube's targets" in md
    assert set(smoke["server_cpu_share"]) == set(SCENARIOS)
    assert all(0 <= share < 5 for share in smoke["server_cpu_share"].values())
    assert md in smoke["_stdout"], "the table is printed, not only saved"
    assert smoke["versions"]["rawkube"]


def test_server_answers_like_the_api_server() -> None:
    """The benchmark server's bytes parse as the recorded real server's would."""
    # Loaded under its own name: a bare `data` module could shadow another test's import.
    spec = importlib.util.spec_from_file_location(
        "rawkube_bench_data", REPO / "benchmarks" / "data.py"
    )
    assert spec is not None and spec.loader is not None
    data = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(data)
    lst = json.loads(data.list_body(3, "list-3"))
    assert lst["kind"] == "DeploymentList" and len(lst["items"]) == 3
    assert [i["metadata"]["name"] for i in lst["items"]] == ["bench-0", "bench-1", "bench-2"]
    assert "kind" not in lst["items"][0], "list items carry no kind, as on the real server"
    obj = json.loads(data.deployment_bytes(0))
    assert obj["kind"] == "Deployment" and obj["status"]["conditions"]
    assert 2500 < len(data.deployment_bytes(0)) < 4000, "realistic size: ~3 KB"
    events = data.watch_events(10, "watch")
    assert all(ev.endswith(b"\n") and ev.count(b"\n") == 1 for ev in events)
    assert json.loads(events[0])["type"] == "ADDED"
    assert json.loads(events[9])["type"] == "DELETED"


def _start_server() -> tuple[subprocess.Popen[str], str]:
    server = subprocess.Popen(
        [
            sys.executable,
            str(REPO / "benchmarks" / "server.py"),
            "--list-sizes",
            "10",
            "--watch-events",
            "5",
            "--max-seconds",
            "60",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    ready = server.stdout.readline().split()
    assert ready[0] == "READY", ready
    return server, ready[1]


def _raw_request(url: str, request: bytes) -> bytes:
    """One request on a fresh connection with `Connection: close`; the whole answer."""
    import socket

    host, _, port = url.removeprefix("http://").partition(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_watch_is_one_chunk_per_event() -> None:
    """kube-apiserver flushes each watch event as its own chunk; the benchmark server does too."""
    server, url = _start_server()
    try:
        answer = _raw_request(
            url,
            b"GET /apis/apps/v1/namespaces/watch/deployments?watch=true HTTP/1.1\r\n"
            b"Host: x\r\nAuthorization: Bearer bench-token\r\nConnection: close\r\n\r\n",
        )
    finally:
        server.communicate(timeout=10)  # closing stdin stops it
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"Transfer-Encoding: chunked" in head
    events = []
    while True:
        size_line, _, body = body.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            break
        chunk, body = body[:size], body[size + 2 :]
        assert chunk.count(b"\n") == 1 and chunk.endswith(b"\n"), "one event per chunk"
        events.append(json.loads(chunk))
    assert [e["type"] for e in events] == ["ADDED", "MODIFIED", "MODIFIED", "MODIFIED", "MODIFIED"]
    assert events[0]["object"]["kind"] == "Deployment"


def test_server_rejects_a_missing_credential() -> None:
    """A client that dropped its token (e.g. never ran its exec plugin) must fail, not be timed."""
    server, url = _start_server()
    try:
        answer = _raw_request(
            url,
            b"GET /apis/apps/v1/namespaces/bench/deployments/bench-0 HTTP/1.1\r\n"
            b"Host: x\r\nConnection: close\r\n\r\n",
        )
    finally:
        server.communicate(timeout=10)
    assert answer.startswith(b"HTTP/1.1 401 ")
    assert json.loads(answer.partition(b"\r\n\r\n")[2])["reason"] == "Unauthorized"


def test_protobuf_rows_are_measured(smoke: dict[str, Any]) -> None:
    # issue 13: the same rawkube client asking for protobuf, on the reads (GET, LIST, watch)
    for scenario in ("get_loop", "list_typed", "watch"):
        cell = smoke["medians"][scenario]["rawkube-protobuf"]
        assert "error" not in cell, cell
        assert cell["seconds"] > 0
    assert "rawkube-protobuf" not in smoke["medians"]["crud"]


def test_server_answers_protobuf_when_asked() -> None:
    from rawkube import protobuf

    server, url = _start_server()
    try:
        answer = _raw_request(
            url,
            b"GET /apis/apps/v1/namespaces/list-10/deployments HTTP/1.1\r\nHost: x\r\n"
            b"Authorization: Bearer bench-token\r\n"
            b"Accept: application/vnd.kubernetes.protobuf,application/json\r\n"
            b"Connection: close\r\n\r\n",
        )
    finally:
        server.communicate(timeout=30)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"Content-Type: application/vnd.kubernetes.protobuf" in head
    listed = protobuf.decode(body)
    assert listed["kind"] == "DeploymentList" and len(listed["items"]) == 10
