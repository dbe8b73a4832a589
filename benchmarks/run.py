"""Benchmark rawkube against the raw-HTTP floors and the peer clients, in one command.

    python benchmarks/run.py                 # full run: own venv, peers from PyPI, 3 rounds
    python benchmarks/run.py --rounds 5      # more rounds, tighter medians
    python benchmarks/run.py --smoke         # seconds: rawkube + floors, tiny sizes, no install
    python benchmarks/run.py --profile rawkube:list_typed   # cProfile one client/scenario

What it does, in order:
1. makes `benchmarks/.venv` (rawkube installed editable + `requirements-peers.txt`; a peer
   that fails to install is reported in the table, not fatal). `--smoke` skips this and uses
   the running interpreter.
2. starts `benchmarks/server.py` on 127.0.0.1 (pre-serialised answers; nothing else is
   contacted), and writes two kubeconfigs: a static token, and an exec plugin that counts runs.
3. runs every (client, scenario) in a fresh subprocess, interleaved: each round runs one
   scenario for all clients back to back, in a rotated order, so machine noise hits all alike.
4. prints a table of medians with ratios against raw httpx and against the best peer, checks
   rawkube's targets, and saves `benchmarks/results/latest.json` and `latest.md`.
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import datetime
import hashlib
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
VENV = HERE / ".venv"
RESULTS = HERE / "results"
REQUIREMENTS = HERE / "requirements-peers.txt"
CLIENTS_DIR = HERE / "clients"


@dataclasses.dataclass(frozen=True)
class Client:
    name: str
    script: str
    kind: str  # "rawkube" | "floor" | "peer"
    needs: str  # the distribution that must be importable, for the "not installed" check
    env: tuple[tuple[str, str], ...] = ()
    only: tuple[str, ...] = ()  # the scenarios it runs (empty: all)

    def runs(self, scenario: str) -> bool:
        return not self.only or scenario in self.only


CLIENTS = [
    Client("rawkube", "rawkube_client.py", "rawkube", "rawkube"),
    Client(
        "rawkube-stdjson", "rawkube_client.py", "rawkube", "rawkube", (("BENCH_BLOCK_ORJSON", "1"),)
    ),
    # The same client with `content_type`/`accept_content_types` set to protobuf (issue 13):
    # the server answers in the Kubernetes protobuf encoding; the reads only.
    Client(
        "rawkube-protobuf",
        "rawkube_client.py",
        "rawkube",
        "rawkube",
        (("BENCH_PROTOBUF", "1"),),
        ("get_loop", "list_typed", "list_typed_1000", "watch"),
    ),
    Client("httpx+json", "raw_httpx.py", "floor", "httpx"),
    Client("urllib3+json", "raw_urllib3.py", "floor", "urllib3"),
    Client("lightkube", "lightkube_client.py", "peer", "lightkube"),
    Client("kubernetes", "kubernetes_client.py", "peer", "kubernetes"),
    Client("kr8s", "kr8s_client.py", "peer", "kr8s"),
]
FLOOR = "httpx+json"


@dataclasses.dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    metrics: tuple[str, ...]  # first one is the headline (lower is better, but see HIGHER)
    n: int = 1
    list_size: int = 0
    watches: int = 0  # concurrent watches (watch_many)
    http: bool = False  # plain HTTP (a diagnostic row); every other scenario runs over HTTPS
    clients: tuple[str, ...] = ()  # the clients it runs for (empty: all)
    scale: bool = False  # a row of the scale section (and its chart)

    def runs(self, client: str) -> bool:
        return not self.clients or client in self.clients


# Metrics where more is better (everything else: less is better).
HIGHER = frozenset({"events_per_s"})
# The scale rows run for rawkube and the clients that have the feature at that scale: the
# official client and kr8s decode 100,000 Pods into objects for minutes and have no informer.
SCALE_CLIENTS = ("rawkube", "rawkube-stdjson", "httpx+json", "lightkube")


def scale_sizes(smoke: bool) -> tuple[tuple[int, ...], tuple[int, ...], int]:
    """(objects: LIST and informer, concurrent watches, events per watch) of the scale rows."""
    if smoke:  # one small size each: the smoke run checks that the rows work, and stays quick
        return (20,), (3,), 5
    return (1000, 10000, 100000), (10, 100, 1000), 50


def scenarios(smoke: bool) -> list[Scenario]:
    """The issue's scenarios; `--smoke` keeps them all but shrinks every count."""
    get_n, list_n, watch_n, crud_n = (20, 100, 100, 5) if smoke else (1000, 10000, 10000, 200)
    mid_n, small_loops = (50, 5) if smoke else (1000, 100)
    seconds, listed = ("seconds",), ("seconds", "peak_delta_mb")
    # The smoke run (CI) checks that the diagnostic and scale rows work: rawkube and a floor do.
    extra_clients: tuple[str, ...] = ("rawkube", FLOOR) if smoke else ()
    scale_clients = extra_clients or SCALE_CLIENTS
    main = [
        Scenario("import", "cold import", ("seconds", "rss_mb")),
        Scenario("first_request", "import + construct + first GET", ("seconds", "construct_get_s")),
        Scenario(
            "first_request_kubeconfig",
            "import + kubeconfig + construct + first GET",
            ("seconds", "construct_get_s"),
        ),
        Scenario("get_loop", f"{get_n} sequential GETs", seconds, n=get_n),
        Scenario("list_typed", f"LIST {list_n} Deployments, typed", listed, list_size=list_n),
        Scenario("list_dynamic", f"LIST {list_n} Deployments, dicts", listed, list_size=list_n),
        Scenario("list_typed_1000", f"LIST {mid_n} Deployments, typed", listed, list_size=mid_n),
        Scenario(
            "list_typed_10_loop",
            f"{small_loops} LISTs of 10, typed",
            seconds,
            n=small_loops,
            list_size=10,
        ),
        Scenario("watch", f"watch, {watch_n} events", seconds, n=watch_n),
        Scenario("crud", f"{crud_n} create+update+delete", seconds, n=crud_n),
        Scenario(
            "exec_get_loop",
            f"{get_n} GETs, exec-plugin credential",
            ("seconds", "plugin_runs"),
            n=get_n,
        ),
        Scenario(
            "get_loop_http",
            f"{get_n} sequential GETs, plain HTTP",
            seconds,
            n=get_n,
            http=True,
            clients=extra_clients,
        ),
        Scenario(
            "watch_http",
            f"watch, {watch_n} events, plain HTTP",
            seconds,
            n=watch_n,
            http=True,
            clients=extra_clients,
        ),
    ]
    objects, watch_counts, events = scale_sizes(smoke)
    scale = [
        Scenario(
            f"list_paged_{n}",
            f"LIST {n} Pods in pages of 500",
            ("seconds", "peak_delta_mb"),
            list_size=n,
            clients=scale_clients,
            scale=True,
        )
        for n in objects
    ]
    scale += [
        Scenario(
            f"informer_{n}",
            f"Informer of {n} Pods",
            ("seconds", "steady_mb", "kb_per_object", "access_us"),
            list_size=n,
            clients=scale_clients,
            scale=True,
        )
        for n in objects
    ]
    scale += [
        Scenario(
            f"watch_many_{w}",
            f"{w} async watches x {events} events",
            ("seconds", "events_per_s", "rss_delta_mb"),
            n=events,
            watches=w,
            clients=scale_clients,
            scale=True,
        )
        for w in watch_counts
    ]
    return main + scale


# --------------------------------------------------------------------------- environment


def venv_python() -> Path:
    return VENV / "bin" / "python"


def ensure_venv(log: list[str]) -> dict[str, str]:
    """Create/refresh benchmarks/.venv; returns {requirement line: error} for failed installs.

    Re-running is cheap: pip runs only when requirements-peers.txt or pyproject.toml changed.
    """
    if not venv_python().exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    stamp = VENV / ".bench-installed"
    digest = hashlib.sha256(
        REQUIREMENTS.read_bytes() + (REPO / "pyproject.toml").read_bytes()
    ).hexdigest()
    failures_file = VENV / ".bench-failures.json"
    if stamp.exists() and stamp.read_text() == digest:
        return json.loads(failures_file.read_text()) if failures_file.exists() else {}
    pip = [str(venv_python()), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "-e", str(REPO)], check=True)
    failures: dict[str, str] = {}
    if subprocess.run([*pip, "-r", str(REQUIREMENTS)], capture_output=True, text=True).returncode:
        # One at a time, so one peer that cannot be installed costs only its own column.
        for line in requirement_lines():
            r = subprocess.run([*pip, line], capture_output=True, text=True)
            if r.returncode:
                failures[line] = _last_line(r.stderr) or "pip failed"
                log.append(f"could not install {line}: {failures[line]}")
    failures_file.write_text(json.dumps(failures))
    stamp.write_text(digest)
    return failures


def compile_rawkube(python: str) -> None:
    """Byte-compile rawkube's sources, as `pip install` does for a regular (non-editable) install.

    The peers are installed from wheels, so pip compiled them; rawkube is installed editable, and
    with PYTHONDONTWRITEBYTECODE set (as on our machines) every cold-import run would otherwise
    recompile it: ~30 ms that no user of an installed rawkube pays.
    """
    subprocess.run([python, "-m", "compileall", "-q", str(REPO / "rawkube")], check=True)


def requirement_lines() -> list[str]:
    lines = [ln.split("#")[0].strip() for ln in REQUIREMENTS.read_text().splitlines()]
    return [ln for ln in lines if ln]


def versions(python: str) -> dict[str, str | None]:
    """Installed versions of everything measured, read inside the environment that runs them."""
    names = [
        "rawkube",
        "httpx",
        "urllib3",
        "orjson",
        "lightkube",
        "lightkube-models",
        "kubernetes",
        "kr8s",
    ]
    code = (
        "import json, importlib.metadata as m\n"
        "def v(n):\n"
        "    try: return m.version(n)\n"
        "    except m.PackageNotFoundError: return None\n"
        f"print(json.dumps({{n: v(n) for n in {names!r}}}))"
    )
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=60)
    return dict(json.loads(out.stdout)) if out.returncode == 0 else {}


def _last_line(text: str) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1][:200] if lines else ""


# --------------------------------------------------------------------------- server


class Server:
    """benchmarks/server.py in a subprocess; its CPU time is read from /proc for each run."""

    def __init__(
        self, python: str, list_sizes: list[int], watch_events: int, tls_dir: Path, pods: int = 0
    ) -> None:
        cmd = [
            python,
            str(HERE / "server.py"),
            "--list-sizes",
            ",".join(map(str, list_sizes)),
            "--watch-events",
            str(watch_events),
            "--tls-dir",
            str(tls_dir),
            "--pods",
            str(pods),
        ]
        self.ca_file = tls_dir / "ca.crt"
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self.url, self.tls_url = self._wait_ready(timeout=300.0)
        self.complaints: list[str] = []
        threading.Thread(target=self._drain_stderr, daemon=True).start()

    def _wait_ready(self, timeout: float) -> tuple[str, str]:
        result: list[str] = []
        reader = threading.Thread(target=lambda: result.append(self.proc.stdout.readline()))  # type: ignore[union-attr]
        reader.daemon = True
        reader.start()
        reader.join(timeout)
        if not result or not result[0].startswith("READY "):
            self.stop()
            raise RuntimeError("benchmark server did not start")
        _, http_url, https_url = result[0].split()
        return http_url, https_url

    def _drain_stderr(self) -> None:
        for line in self.proc.stderr:  # type: ignore[union-attr]
            self.complaints.append(line.strip())

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()  # type: ignore[union-attr]  # the server exits on stdin EOF
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


@dataclasses.dataclass(frozen=True)
class Kubeconfigs:
    token: Path  # HTTPS + static token: the kubeconfig scenarios
    token_http: Path  # plain HTTP + static token: for clients that cannot be built without one
    exec: Path  # HTTPS + the counting exec plugin
    counter: Path  # one byte per plugin run


def write_kubeconfigs(tmp: Path, server: Server, python: str) -> Kubeconfigs:
    """The kubeconfigs the clients read, and the exec plugin's run counter file.

    Written as kubectl writes them (YAML, block style; `certificate-authority-data` with the
    throw-away CA, a bearer token or an exec plugin), so loading one costs what loading a
    kind/EKS/GKE kubeconfig costs. Credentials go over HTTPS: client-go (and so rawkube) sends
    kubeconfig credentials only to a TLS server. The plain-HTTP one serves kr8s, which always
    reads a kubeconfig, in the plain-HTTP diagnostic rows.
    """
    counter = tmp / "exec-runs"
    ca_data = base64.b64encode(server.ca_file.read_bytes()).decode()

    def config(user: list[str], tls: bool = True) -> str:
        cluster = [f"    server: {server.tls_url if tls else server.url}"]
        if tls:
            cluster.insert(0, f"    certificate-authority-data: {ca_data}")
        lines = [
            "apiVersion: v1",
            "clusters:",
            "- cluster:",
            *cluster,
            "  name: bench",
            "contexts:",
            "- context:",
            "    cluster: bench",
            "    namespace: bench",
            "    user: bench",
            "  name: bench",
            "current-context: bench",
            "kind: Config",
            "preferences: {}",
            "users:",
            "- name: bench",
            "  user:",
            *user,
        ]
        return "\n".join(lines) + "\n"

    token_user = ["    token: bench-token"]
    token = tmp / "kubeconfig"
    token.write_text(config(token_user))
    token_http = tmp / "kubeconfig-http"
    token_http.write_text(config(token_user, tls=False))
    exec_user = [
        "    exec:",
        "      apiVersion: client.authentication.k8s.io/v1beta1",
        "      args:",
        f"      - {json.dumps(str(HERE / 'exec_plugin.py'))}",
        f"      - {json.dumps(str(counter))}",
        f"      command: {json.dumps(python)}",
        "      interactiveMode: Never",
        "      provideClusterInfo: false",
    ]
    exec_cfg = tmp / "kubeconfig-exec"
    exec_cfg.write_text(config(exec_user))
    return Kubeconfigs(token, token_http, exec_cfg, counter)


# --------------------------------------------------------------------------- running


@dataclasses.dataclass
class Run:
    client: str
    scenario: str
    round: int
    wall_s: float
    server_cpu_s: float
    result: dict[str, Any] | None = None
    error: str | None = None


def client_env(client: Client, sc: Scenario, server: Server, kc: Kubeconfigs) -> dict[str, str]:
    """The environment of one client run: ours, minus stale BENCH_*, plus the scenario's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BENCH_")}
    env.update(
        {
            "BENCH_SCENARIO": sc.name,
            "BENCH_SERVER": server.url if sc.http else server.tls_url,
            "BENCH_CA": str(server.ca_file),
            "BENCH_WATCHES": str(sc.watches),
            "BENCH_KUBECONFIG": str(kc.token),
            "BENCH_HTTP_KUBECONFIG": str(kc.token_http),
            "BENCH_EXEC_KUBECONFIG": str(kc.exec),
            "BENCH_N": str(sc.n),
            "BENCH_LIST_SIZE": str(sc.list_size),
            "KUBECONFIG": str(kc.token_http),  # clients that look for a default find ours
        }
    )
    env.update(dict(client.env))
    return env


def run_one(
    python: str,
    client: Client,
    sc: Scenario,
    rnd: int,
    server: Server,
    kc: Kubeconfigs,
    timeout: float,
) -> Run:
    env = client_env(client, sc, server, kc)
    counter = kc.counter
    counter.write_bytes(b"")
    cpu0, t0 = server.cpu_seconds(), time.perf_counter()
    try:
        proc = subprocess.run(
            [python, str(CLIENTS_DIR / client.script)],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return Run(
            client.name,
            sc.name,
            rnd,
            timeout,
            server.cpu_seconds() - cpu0,
            error=f"timed out after {timeout:.0f} s",
        )
    run = Run(client.name, sc.name, rnd, time.perf_counter() - t0, server.cpu_seconds() - cpu0)
    line = next((ln for ln in reversed(proc.stdout.splitlines()) if ln.startswith("RESULT ")), None)
    if line is None:
        run.error = _last_line(proc.stderr) or f"exit code {proc.returncode}, no result"
        return run
    run.result = json.loads(line[len("RESULT ") :])
    if "unsupported" in run.result:
        run.error = "n/a: " + str(run.result.pop("unsupported"))
        run.result = None
    elif sc.name == "exec_get_loop":
        run.result["plugin_runs"] = len(counter.read_bytes())
    return run


def importable(python: str, client: Client) -> bool:
    code = (
        f"import importlib.util, sys; sys.exit(importlib.util.find_spec({client.needs!r}) is None)"
    )
    return subprocess.run([python, "-c", code], capture_output=True, timeout=60).returncode == 0


# --------------------------------------------------------------------------- reporting


def medians(runs: list[Run]) -> dict[str, dict[str, dict[str, Any]]]:
    """{scenario: {client: {metric: median, ...} or {"error": text}}}."""
    grouped: dict[tuple[str, str], list[Run]] = {}
    for r in runs:
        grouped.setdefault((r.scenario, r.client), []).append(r)
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for (sc, client), rs in grouped.items():
        good = [r.result for r in rs if r.result is not None]
        if not good:
            out.setdefault(sc, {})[client] = {"error": rs[-1].error}
            continue
        keys = set().union(*good)
        cell = {k: statistics.median(g[k] for g in good if k in g) for k in sorted(keys)}
        cell["rounds"] = len(good)
        times = [g["seconds"] for g in good if "seconds" in g]
        if len(times) > 1 and cell.get("seconds"):
            # (max - min) / median over the rounds: how far to trust a difference in this cell
            cell["spread"] = round((max(times) - min(times)) / cell["seconds"], 3)
        out.setdefault(sc, {})[client] = cell
    return out


def fmt(metric: str, value: float) -> str:
    if metric.endswith("_mb"):
        return f"{value:.0f} MB" if abs(value) >= 10 else f"{value:.1f} MB"
    if metric == "plugin_runs":
        return f"{value:.0f} runs"
    if metric == "kb_per_object":
        return f"{value:.1f} KB"
    if metric == "access_us":
        return f"{value:.1f} us"
    if metric == "events_per_s":
        return f"{value / 1000:.1f}k ev/s"
    if value < 1:
        return f"{value * 1000:.1f} ms"
    return f"{value:.2f} s"


def best_peer(
    cells: dict[str, dict[str, Any]], metric: str, peers: list[str]
) -> tuple[str, float] | None:
    vals = [(c, cells[c][metric]) for c in peers if c in cells and metric in cells[c]]
    if not vals:
        return None
    return (max if metric in HIGHER else min)(vals, key=lambda cv: cv[1])


def table(
    med: dict[str, dict[str, dict[str, Any]]], scs: list[Scenario], clients: list[str]
) -> str:
    peers = [c.name for c in CLIENTS if c.kind == "peer" and c.name in clients]
    head = ["scenario", "metric", *clients, "rawkube / httpx", "rawkube / best peer"]
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for sc in scs:
        cells = med.get(sc.name, {})
        for metric in sc.metrics:
            row = [sc.title if metric == sc.metrics[0] else "", metric.replace("_", " ")]
            for c in clients:
                cell = cells.get(c)
                if cell is None:
                    row.append("-")
                elif "error" in cell:
                    row.append(_short_error(cell["error"]))
                else:
                    row.append(fmt(metric, cell[metric]) if metric in cell else "-")
            row.append(_ratio(cells, "rawkube", FLOOR, metric))
            bp = best_peer(cells, metric, peers)
            ratio = _ratio(cells, "rawkube", bp[0], metric) if bp else "-"
            row.append(f"{ratio} ({bp[0]})" if bp and ratio != "-" else "-")
            rows.append("| " + " | ".join(row) + " |")
    return "\n".join(rows)


def chart_svg(report: dict[str, Any]) -> str:
    """The benchmark chart: for every scenario, each client's time as a multiple of the fastest
    client's, as horizontal bars on a log scale (1x .. 100x). A self-contained SVG made from a
    saved report (latest.json), so the docs can show it without running anything."""
    from html import escape

    palette = ["#1f6feb", "#8250df", "#9a6700", "#57606a", "#1a7f37", "#cf222e", "#bf3989"]
    scenarios = [s for s in report.get("scenarios", []) if "seconds" in s.get("metrics", [])]
    clients: list[str] = []
    for s in scenarios:
        for c, cell in report.get("medians", {}).get(s["name"], {}).items():
            if "seconds" in cell and c not in clients:
                clients.append(c)
    left, bar, gap, width = 250, 9, 14, 560
    decades = 2.0  # 1x .. 100x
    rows_h = [len(clients) * bar + gap for _ in scenarios]
    height = 60 + sum(rows_h) + 20 * ((len(clients) + 2) // 3) + 20
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 80}" '
        f'height="{height}" font-family="sans-serif" font-size="11">',
        '<rect width="100%" height="100%" fill="white"/>',
        f'<text x="10" y="18" font-size="13" font-weight="bold">Time relative to the fastest '
        f"client (log scale, lower is better): {escape(str(report.get('date', '')))}</text>",
    ]
    y = 36
    for tick in (1, 2, 5, 10, 20, 50, 100):
        x = left + width * math.log10(tick) / decades
        out.append(f'<line x1="{x:.1f}" y1="{y}" x2="{x:.1f}" y2="{y + sum(rows_h)}" '
                   'stroke="#d0d7de"/>')
        out.append(f'<text x="{x:.1f}" y="{y - 4}" text-anchor="middle">{tick}x</text>')
    for s, row_h in zip(scenarios, rows_h, strict=True):
        cells = report["medians"].get(s["name"], {})
        times = {c: cells[c]["seconds"] for c in clients if "seconds" in cells.get(c, {})}
        fastest = min(times.values()) if times else 1.0
        out.append(f'<text x="{left - 8}" y="{y + row_h / 2:.1f}" text-anchor="end">'
                   f"{escape(s['title'])}</text>")
        for i, c in enumerate(clients):
            if c not in times:
                continue
            ratio = times[c] / fastest if fastest else 1.0
            w = max(1.0, width * min(math.log10(max(ratio, 1.0)), decades) / decades)
            out.append(f'<rect x="{left}" y="{y + i * bar:.1f}" width="{w:.1f}" '
                       f'height="{bar - 1}" fill="{palette[i % len(palette)]}">'
                       f"<title>{escape(c)}: {times[c]:.4g} s ({ratio:.2f}x)</title></rect>")
        y += row_h
    y += 14
    for i, c in enumerate(clients):
        x = 10 + (i % 3) * 220
        yy = y + (i // 3) * 20
        out.append(f'<rect x="{x}" y="{yy - 9}" width="12" height="10" '
                   f'fill="{palette[i % len(palette)]}"/>')
        out.append(f'<text x="{x + 18}" y="{yy}">{escape(c)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


# The scale chart: one panel per (family of scale rows, metric), x = the size, log-log.
SCALE_PANELS = (
    ("list_paged_", "seconds", "LIST in pages: time"),
    ("informer_", "seconds", "Informer: initial sync"),
    ("watch_many_", "seconds", "async watches: all events in"),
    ("list_paged_", "peak_delta_mb", "LIST in pages: peak RSS"),
    ("informer_", "steady_mb", "Informer: resident memory"),
    ("watch_many_", "rss_delta_mb", "async watches: RSS, all open"),
)
CHART_COLORS = ("#1f6feb", "#8250df", "#57606a", "#cf222e", "#1a7f37", "#9a6700", "#bf3989")


def _scale_points(
    report: dict[str, Any], prefix: str, metric: str
) -> tuple[str, dict[str, list[tuple[float, float]]]]:
    """(x-axis label, {client: [(size, value)...]}) of one family of scale rows."""
    points: dict[str, list[tuple[float, float]]] = {}
    label = "watches" if prefix == "watch_many_" else "objects"
    for sc in report.get("scenarios", []):
        if not sc.get("scale") or not sc["name"].startswith(prefix):
            continue
        size = sc["watches"] if prefix == "watch_many_" else sc["list_size"]
        for client, cell in report.get("medians", {}).get(sc["name"], {}).items():
            value = cell.get(metric)
            if isinstance(value, (int, float)) and value > 0:
                points.setdefault(client, []).append((float(size), float(value)))
    return label, {c: sorted(p) for c, p in points.items()}


def scale_chart_svg(report: dict[str, Any]) -> str:
    """How cost grows with the size of the cluster: the scale rows of a saved report
    (latest.json) as small log-log line charts, one per family and metric, one line per
    client. Self-contained SVG (no script, no external font), for the README and the docs."""
    from html import escape

    panel_w, panel_h, pad_l, pad_b, pad_t = 250, 170, 46, 30, 22
    cols = 3
    clients: list[str] = []
    panels = []
    for prefix, metric, title in SCALE_PANELS:
        label, points = _scale_points(report, prefix, metric)
        for c in points:
            if c not in clients:
                clients.append(c)
        panels.append((title, metric, label, points))
    rows = (len(panels) + cols - 1) // cols
    width = cols * (panel_w + 20) + 20
    height = 40 + rows * (panel_h + pad_b + pad_t + 10) + 24 * ((len(clients) + 3) // 4) + 10
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        'font-family="sans-serif" font-size="10">',
        '<rect width="100%" height="100%" fill="white"/>',
        '<text x="12" y="20" font-size="13" font-weight="bold">How the cost grows with the '
        f"cluster (log-log, lower is better): {escape(str(report.get('date', '')))}</text>",
    ]
    for i, (title, metric, label, points) in enumerate(panels):
        x0 = 20 + (i % cols) * (panel_w + 20) + pad_l
        y0 = 40 + (i // cols) * (panel_h + pad_b + pad_t + 10) + pad_t
        w, h = panel_w - pad_l, panel_h
        out.append(f'<text x="{x0}" y="{y0 - 8}" font-weight="bold">{escape(title)}</text>')
        out.append(
            f'<rect x="{x0}" y="{y0}" width="{w}" height="{h}" fill="none" stroke="#d0d7de"/>'
        )
        values = [v for pts in points.values() for _, v in pts]
        sizes = sorted({x for pts in points.values() for x, _ in pts})
        if not values or not sizes:
            out.append(f'<text x="{x0 + 8}" y="{y0 + 20}">not measured</text>')
            continue
        lo_y, hi_y = math.log10(min(values)), math.log10(max(values))
        if hi_y - lo_y < 1:
            mid = (hi_y + lo_y) / 2
            lo_y, hi_y = mid - 0.5, mid + 0.5
        lo_x, hi_x = math.log10(sizes[0]), math.log10(sizes[-1])
        if hi_x == lo_x:
            lo_x, hi_x = lo_x - 0.5, hi_x + 0.5

        def px(x: float, x0: float = x0, w: float = w, lo: float = lo_x, hi: float = hi_x) -> float:
            return x0 + 8 + (w - 16) * (math.log10(x) - lo) / (hi - lo)

        def py(v: float, y0: float = y0, h: float = h, lo: float = lo_y, hi: float = hi_y) -> float:
            return y0 + h - 6 - (h - 12) * (math.log10(v) - lo) / (hi - lo)

        for exp in range(math.floor(lo_y), math.ceil(hi_y) + 1):
            for mant in (1, 3):
                v = mant * 10.0**exp
                if lo_y <= math.log10(v) <= hi_y:
                    y = py(v)
                    out.append(
                        f'<line x1="{x0}" y1="{y:.1f}" x2="{x0 + w}" y2="{y:.1f}" stroke="#eaeef2"/>'
                    )
                    out.append(
                        f'<text x="{x0 - 4}" y="{y + 3:.1f}" text-anchor="end">'
                        f"{escape(fmt(metric, v))}</text>"
                    )
        for x in sizes:
            out.append(
                f'<text x="{px(x):.1f}" y="{y0 + h + 14}" text-anchor="middle">{x:,.0f}</text>'
            )
        out.append(
            f'<text x="{x0 + w / 2:.1f}" y="{y0 + h + 26}" text-anchor="middle" fill="#57606a">{label}</text>'
        )
        for c, pts in points.items():
            color = CHART_COLORS[clients.index(c) % len(CHART_COLORS)]
            path = " ".join(f"{px(x):.1f},{py(v):.1f}" for x, v in pts)
            out.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
            for x, v in pts:
                out.append(
                    f'<circle cx="{px(x):.1f}" cy="{py(v):.1f}" r="3" fill="{color}">'
                    f"<title>{escape(c)}: {escape(fmt(metric, v))} at {x:,.0f}</title></circle>"
                )
    y = 40 + rows * (panel_h + pad_b + pad_t + 10) + 8
    for i, c in enumerate(clients):
        x = 20 + (i % 4) * 200
        yy = y + (i // 4) * 24
        color = CHART_COLORS[i % len(CHART_COLORS)]
        out.append(f'<rect x="{x}" y="{yy - 9}" width="14" height="10" fill="{color}"/>')
        out.append(f'<text x="{x + 20}" y="{yy}" font-size="11">{escape(c)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _short_error(error: str) -> str:
    """Table cells stay short; the full text is in latest.json."""
    if error.startswith("n/a"):
        return "n/a"
    if error == "not installed" or error.startswith("timed out"):
        return error
    return "error: " + error.replace("|", "/")[:40]


def _ratio(cells: dict[str, dict[str, Any]], a: str, b: str, metric: str) -> str:
    va, vb = cells.get(a, {}).get(metric), cells.get(b, {}).get(metric)
    if va is None or vb is None or metric == "plugin_runs" or vb == 0 or va == 0:
        return "-"
    return f"{(vb / va if metric in HIGHER else va / vb):.2f}x"


def targets(med: dict[str, dict[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """rawkube's targets from issue 7, each as a ratio (lower is better) and a verdict."""
    peers = [c.name for c in CLIENTS if c.kind == "peer"]
    checks: list[dict[str, Any]] = []

    def check(name: str, scenario: str, metric: str, other: str | None, limit: float) -> None:
        cells = med.get(scenario, {})
        mine = cells.get("rawkube", {}).get(metric)
        theirs = cells.get(other, {}).get(metric) if other else None
        if mine is None or theirs is None or theirs == 0 or mine == 0:
            checks.append({"target": name, "ratio": None, "met": None})
            return
        ratio = theirs / mine if metric in HIGHER else mine / theirs
        checks.append(
            {
                "target": name,
                "against": other,
                "ratio": round(ratio, 3),
                "limit": limit,
                "met": ratio <= limit,
            }
        )

    for sc in scenarios(smoke=False):
        if sc.scale or sc.http:
            continue  # the scale rows have their own targets below; plain HTTP is a diagnostic
        for metric in sc.metrics:
            if metric in ("construct_get_s", "plugin_runs"):
                continue  # a part of another figure / a count, not a cost to compare
            bp = best_peer(med.get(sc.name, {}), metric, peers)
            label = f"{sc.name}: ahead of every peer" + (
                "" if metric == "seconds" else f" ({metric})"
            )
            check(label, sc.name, metric, bp[0] if bp else None, 1.0)
    check("import + first request within 1.2x of raw httpx", "first_request", "seconds", FLOOR, 1.2)
    check(
        "cold start (import + kubeconfig + client + first GET) within 1.2x of raw httpx",
        "first_request_kubeconfig",
        "seconds",
        FLOOR,
        1.2,
    )
    check(
        "typed LIST peak RSS at or below lightkube", "list_typed", "peak_delta_mb", "lightkube", 1.0
    )
    check(
        "dynamic LIST peak RSS at or below lightkube",
        "list_dynamic",
        "peak_delta_mb",
        "lightkube",
        1.0,
    )
    big = max((sc.list_size for sc in scenarios(smoke=False) if sc.scale), default=0)
    check(
        f"Informer of {big} Pods: less resident memory than json.loads dicts",
        f"informer_{big}",
        "steady_mb",
        FLOOR,
        1.0,
    )
    check(
        f"LIST {big} Pods in pages: peak RSS at or below lightkube",
        f"list_paged_{big}",
        "peak_delta_mb",
        "lightkube",
        1.0,
    )
    watches = max((sc.watches for sc in scenarios(smoke=False) if sc.scale), default=0)
    check(
        f"{watches} async watches on one client: events/s at or above raw httpx",
        f"watch_many_{watches}",
        "events_per_s",
        FLOOR,
        1.0,
    )
    check("GET loop at or above raw httpx", "get_loop", "seconds", FLOOR, 1.0)
    check("CRUD at or above raw httpx", "crud", "seconds", FLOOR, 1.0)
    check("typed LIST at or above lightkube", "list_typed", "seconds", "lightkube", 1.0)
    check("dynamic LIST at or above lightkube", "list_dynamic", "seconds", "lightkube", 1.0)
    check("WATCH at or above lightkube", "watch", "seconds", "lightkube", 1.0)
    check(
        "typed LIST (GET + decode) within 2x of httpx + json.loads",
        "list_typed",
        "seconds",
        FLOOR,
        2.0,
    )
    check("typed LIST peak RSS at or below raw json", "list_typed", "peak_delta_mb", FLOOR, 1.0)
    runs = med.get("exec_get_loop", {}).get("rawkube", {}).get("plugin_runs")
    checks.append(
        {
            "target": "exec plugin runs once for 1,000 GETs",
            "ratio": runs,
            "met": None if runs is None else runs == 1,
        }
    )
    return checks


def targets_md(checks: list[dict[str, Any]]) -> str:
    rows = ["| target | against | rawkube ratio | met |", "|---|---|---|---|"]
    for c in checks:
        met = {True: "yes", False: "**no**", None: "not measured"}[c["met"]]
        ratio = (
            "-"
            if c["ratio"] is None
            else (f"{c['ratio']:.2f}x" if isinstance(c["ratio"], float) else str(c["ratio"]))
        )
        rows.append(f"| {c['target']} | {c.get('against') or '-'} | {ratio} | {met} |")
    return "\n".join(rows)


def server_share(runs: list[Run]) -> dict[str, float]:
    """Server CPU seconds / client wall seconds, per scenario: how busy the server was."""
    out: dict[str, float] = {}
    for sc in dict.fromkeys(r.scenario for r in runs):
        rs = [r for r in runs if r.scenario == sc]
        wall = sum(r.wall_s for r in rs)
        out[sc] = round(sum(r.server_cpu_s for r in rs) / wall, 3) if wall else 0.0
    return out


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        cpu = next(
            (
                ln.split(":", 1)[1].strip()
                for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")
            ),
            "",
        )
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "load_avg_start": os.getloadavg(),
    }


# --------------------------------------------------------------------------- main


def profile(python: str, spec: str, server: Server, kc: Kubeconfigs, scs: list[Scenario]) -> None:
    """Run one client/scenario under cProfile and print the top functions by own time."""
    name, _, scenario = spec.partition(":")
    client = next(c for c in CLIENTS if c.name == name)
    sc = next(s for s in scs if s.name == scenario)
    out = Path(tempfile.mkdtemp()) / "profile.out"
    env = client_env(client, sc, server, kc)
    subprocess.run(
        [python, "-m", "cProfile", "-o", str(out), str(CLIENTS_DIR / client.script)],
        env=env,
        timeout=300,
        check=True,
    )
    code = f"import pstats; p = pstats.Stats({str(out)!r}); p.sort_stats('tottime').print_stats(25); p.sort_stats('cumulative').print_stats(25)"
    subprocess.run([python, "-c", code], timeout=60, check=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark rawkube against the floors and the peers.")
    ap.add_argument(
        "--smoke", action="store_true", help="seconds: rawkube + floors, tiny sizes, no install"
    )
    ap.add_argument(
        "--rounds",
        type=int,
        default=None,
        help="rounds per (client, scenario); default 3 (1 in smoke)",
    )
    ap.add_argument(
        "--clients",
        default="",
        help="comma-separated subset of: " + ",".join(c.name for c in CLIENTS),
    )
    ap.add_argument("--scenarios", default="", help="comma-separated subset of scenario names")
    ap.add_argument(
        "--python", default="", help="run clients with this interpreter instead of benchmarks/.venv"
    )
    ap.add_argument(
        "--out", default="", help="directory for latest.json/latest.md (default benchmarks/results)"
    )
    ap.add_argument(
        "--budget", type=float, default=540.0, help="seconds; no new round starts after this"
    )
    ap.add_argument(
        "--timeout", type=float, default=120.0, help="seconds allowed to one client run"
    )
    ap.add_argument(
        "--rerender",
        default="",
        metavar="JSON",
        help="only re-make the table (and --readme) from a saved latest.json; runs nothing",
    )
    ap.add_argument(
        "--readme", action="store_true", help="also put the table into benchmarks/README.md"
    )
    ap.add_argument(
        "--no-decode", action="store_true", help="skip decode_models.py (typed decode alone)"
    )
    ap.add_argument(
        "--profile", default="", metavar="CLIENT:SCENARIO", help="cProfile one run instead"
    )
    args = ap.parse_args(argv)

    if args.rerender:
        return rerender(Path(args.rerender), args.readme)
    started = time.monotonic()
    log: list[str] = []
    install_failures: dict[str, str] = {}
    if args.python:
        python = os.path.abspath(args.python) if os.sep in args.python else args.python
    elif args.smoke:
        python = sys.executable
    else:
        install_failures = ensure_venv(log)
        python = str(venv_python())
    if not args.smoke:  # whichever interpreter runs the clients: cold starts must be fair
        compile_rawkube(python)
    rounds = args.rounds or (1 if args.smoke else 3)
    scs = scenarios(args.smoke)
    if args.scenarios:
        wanted = set(args.scenarios.split(","))
        scs = [s for s in scs if s.name in wanted]
    chosen = [c for c in CLIENTS if not args.smoke or c.kind != "peer"]
    if args.clients:
        wanted = set(args.clients.split(","))
        chosen = [c for c in CLIENTS if c.name in wanted]
    available = [c for c in chosen if importable(python, c)]
    missing = {c.name: "not installed" for c in chosen if c not in available}
    for line, error in install_failures.items():
        log.append(f"install failed: {line}: {error}")

    list_sizes = sorted(
        {
            10,
            100 if args.smoke else 1000,
            *(s.list_size for s in scs if s.list_size and not s.scale),
        }
    )
    watch_n = max([s.n for s in scs if s.name == "watch"] or [10])
    # Pods for the scale rows; the watch rows send events of the first 1,000 (or fewer) Pods.
    pods = max([s.list_size for s in scs if s.scale] or [0])
    if not pods and any(s.watches for s in scs):
        pods = 1000
    tmp = Path(tempfile.mkdtemp(prefix="rawkube-bench-"))
    server = Server(python, list_sizes, watch_n, tmp / "tls", pods)
    runs: list[Run] = []
    rounds_done = 0
    out_dir = Path(args.out) if args.out else RESULTS
    out_dir.mkdir(parents=True, exist_ok=True)
    # Every run is appended here as it finishes, so an interrupted run still leaves its figures.
    partial = (out_dir / "runs-partial.tmp").open("w")
    try:
        kubeconfigs = write_kubeconfigs(tmp, server, python)
        if args.profile:
            profile(python, args.profile, server, kubeconfigs, scs)
            return 0
        timed_out: set[tuple[str, str]] = set()
        # Warm-up, not recorded: compiles every client's .pyc files and fills the page cache,
        # so round 1's cold imports are no colder than round 3's.
        for client in available if scs else []:
            first = next((sc for sc in scs if client.runs(sc.name) and sc.runs(client.name)), None)
            if first is not None:
                run_one(python, client, first, -1, server, kubeconfigs, args.timeout)
        for rnd in range(rounds):
            if rnd and time.monotonic() - started > args.budget:
                log.append(f"budget of {args.budget:.0f} s reached: stopped after {rnd} round(s)")
                break
            order = (
                available[rnd % len(available) :] + available[: rnd % len(available)]
                if available
                else []
            )
            for sc in scs:
                for client in order:
                    if (
                        (client.name, sc.name) in timed_out
                        or not client.runs(sc.name)
                        or not sc.runs(client.name)
                    ):
                        continue
                    run = run_one(python, client, sc, rnd, server, kubeconfigs, args.timeout)
                    runs.append(run)
                    partial.write(json.dumps(dataclasses.asdict(run)) + "\n")
                    partial.flush()
                    if run.error and run.error.startswith("timed out"):
                        timed_out.add((client.name, sc.name))
                    _progress(run)
            rounds_done = rnd + 1
    finally:
        partial.close()
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    decode = None if args.no_decode or args.smoke or args.profile else decode_models(python)
    names = [c.name for c in chosen]
    med = medians(runs)
    for sc in scs:
        for name, why in missing.items():
            if sc.runs(name):
                med.setdefault(sc.name, {})[name] = {"error": why}
    checks = targets(med)
    report = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": "python benchmarks/run.py "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "smoke": args.smoke,
        "machine": machine(),
        "versions": versions(python),
        "rounds": rounds_done,
        "runtime_s": round(time.monotonic() - started, 1),
        "install_failures": install_failures,
        "log": log,
        "server_cpu_share": server_share(runs),
        "server_complaints": sorted(set(server.complaints))[:20],
        "scenarios": [dataclasses.asdict(s) for s in scs],
        "medians": med,
        "targets": checks,
        "decode_models": decode,
        "runs": [dataclasses.asdict(r) for r in runs],
    }
    md = markdown(report, scs, names)
    (out_dir / "latest.json").write_text(json.dumps(report, indent=1) + "\n")
    (out_dir / "latest.md").write_text(md)
    (out_dir / "latest.svg").write_text(chart_svg(report))
    (out_dir / "scale.svg").write_text(scale_chart_svg(report))
    print(md)
    print(f"saved {out_dir / 'latest.json'} and {out_dir / 'latest.md'}")
    if args.readme:
        update_readme(md)
        print(f"updated {HERE / 'README.md'}")
    return 0


def markdown(report: dict[str, Any], scs: list[Scenario], names: list[str]) -> str:
    m = report["machine"]
    v = report["versions"]
    shares = ", ".join(f"{k} {v_ * 100:.0f}%" for k, v_ in report["server_cpu_share"].items())
    lines = [
        f"## Benchmark run {report['date']}"
        + (" (smoke: tiny sizes, not a measurement)" if report["smoke"] else ""),
        "",
        f"Machine: {m['cpu'] or 'unknown CPU'}, {m['cores']} cores, {m['os']}, CPython {m['python']}; "
        f"load average at start {', '.join(f'{x:.2f}' for x in m['load_avg_start'])}.",
        "Versions: " + ", ".join(f"{k} {val}" for k, val in v.items() if val) + ".",
        f"Command: `{report['command'].strip()}`; {report['rounds']} round(s), medians shown; "
        f"runtime {report['runtime_s']:.0f} s.",
        "",
        "Every scenario runs over HTTPS (a throw-away CA in the kubeconfig or given as the "
        "client's CA file, a bearer token), except the rows marked plain HTTP (a diagnostic: "
        "what TLS costs).",
        "Lower is better (but events/s). Ratios: rawkube's figure divided by the other's (below "
        "1.00x: rawkube is faster/smaller; for events/s the inverse, so below 1.00x is still better).",
        "`peak delta` is the peak RSS during the LIST minus the RSS just before it.",
        "",
        table(report["medians"], [sc for sc in scs if not sc.scale], names),
        "",
    ]
    scale = [sc for sc in scs if sc.scale]
    if scale:
        scale_names = [n for n in names if any(sc.runs(n) for sc in scale)]
        lines += [
            "### At cluster scale",
            "",
            "Pods (~4.7 KB each, recorded from kube-apiserver 1.36, `benchmarks/pod.json`). LIST: "
            "every page of 500 kept, as client-go's ListPager does. Informer: `seconds` is the "
            "initial sync (paged LIST into the cache), `steady` the resident memory the cache "
            "adds (after a full GC), `access` one typed read of a cached Pod by key; rawkube's "
            "informer runs with its defaults (transform `strip_managed_fields`), the "
            "`httpx+json` row holds the same Pods as `json.loads` "
            "dicts in a dict, and lightkube has no informer. Watches: that "
            "many concurrent async watches on one client, each receiving its events, then "
            "still open when RSS is read.",
            "",
            table(report["medians"], scale, scale_names),
            "",
            "![How the cost grows with the cluster](results/scale.svg)",
            "",
        ]
    lines += [
        "### rawkube's targets (issues 7 and 15)",
        "",
        targets_md(report["targets"]),
        "",
        f"Benchmark server CPU time / client wall time: {shares}.",
        "",
        spread_line(report["medians"]),
    ]
    if report["server_complaints"]:
        lines += [
            "",
            "Requests the benchmark server did not know (answered 404): "
            + "; ".join(f"`{c}`" for c in report["server_complaints"]),
        ]
    if report["log"]:
        lines += ["", "Notes: " + "; ".join(report["log"])]
    decode = report.get("decode_models")
    if decode:
        lines += ["", "### Typed decode alone (benchmarks/decode_models.py)", ""]
        lines += ["```", decode.get("output") or "error: " + str(decode.get("error")), "```"]
    return "\n".join(lines) + "\n"


def rerender(path: Path, readme: bool) -> int:
    """Recompute medians, targets and the table from a saved report's raw runs."""
    report = json.loads(path.read_text())
    runs = [Run(**r) for r in report["runs"]]
    scs = [
        Scenario(**{**s, "metrics": tuple(s["metrics"]), "clients": tuple(s.get("clients", ()))})
        for s in report["scenarios"]
    ]
    med = medians(runs)
    for sc, cells in report["medians"].items():  # keep "not installed" cells, which have no runs
        for client, cell in cells.items():
            if cell.get("error") == "not installed":
                med.setdefault(sc, {})[client] = cell
    present = {client for cells in med.values() for client in cells}
    names = [c.name for c in CLIENTS if c.name in present]
    report.update(medians=med, targets=targets(med))
    md = markdown(report, scs, names)
    path.write_text(json.dumps(report, indent=1) + "\n")
    path.with_suffix(".md").write_text(md)
    path.with_suffix(".svg").write_text(chart_svg(report))
    (path.parent / "scale.svg").write_text(scale_chart_svg(report))
    print(md)
    if readme:
        update_readme(md)
    return 0


README_START, README_END = "<!-- latest-table -->", "<!-- /latest-table -->"


def update_readme(md: str) -> None:
    """Replace the README's table section (between the two markers) with this run's report."""
    readme = HERE / "README.md"
    text = readme.read_text()
    head, _, rest = text.partition(README_START)
    _, _, tail = rest.partition(README_END)
    body = md.replace("## Benchmark run", "### Benchmark run", 1)
    readme.write_text(f"{head}{README_START}\n{body}{README_END}{tail}")


def decode_models(python: str) -> dict[str, Any]:
    """Run the standalone typed-decode benchmark (benchmarks/decode_models.py, its own owner).

    It answers "typed LIST decode within 2x of json.loads" without the HTTP part; its output is
    kept as it printed it, and a failure is reported, not fatal.
    """
    script = HERE / "decode_models.py"
    if not script.exists():
        return {"error": "benchmarks/decode_models.py not found"}
    cmd = [python, str(script), "--items", "10000", "--runs", "3", "--peers-python", python]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=240)
    except subprocess.TimeoutExpired:
        return {"error": "decode_models.py timed out after 240 s"}
    if proc.returncode:
        return {"error": _last_line(proc.stderr) or f"exit code {proc.returncode}"}
    return {"command": " ".join(cmd[1:]), "output": proc.stdout.strip()}


def spread_line(med: dict[str, dict[str, dict[str, Any]]]) -> str:
    """One line on noise: how much a cell's time moved between rounds."""
    spreads = [
        (cell["spread"], f"{client} {sc}")
        for sc, cells in med.items()
        for client, cell in cells.items()
        if "spread" in cell
    ]
    if not spreads:
        return "Round-to-round spread: one round only, no estimate of noise."
    typical = statistics.median(s for s, _ in spreads)
    worst = max(spreads)
    return (
        f"Round-to-round spread of the timings, (max - min) / median: typically {typical * 100:.0f}%, "
        f"at worst {worst[0] * 100:.0f}% ({worst[1]}). Differences smaller than that are noise."
    )


def _progress(run: Run) -> None:
    if run.result is not None:
        detail = f"{run.result.get('seconds', 0) * 1000:9.1f} ms"
    else:
        detail = re.sub(r"\s+", " ", run.error or "")[:70]
    print(
        f"  round {run.round + 1}  {run.scenario:26s} {run.client:16s} {detail}",
        file=sys.stderr,
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
