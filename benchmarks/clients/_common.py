"""The scenario runner shared by every client script (run once per fresh subprocess).

A client script defines a small adapter (`Adapter` below): how to import the library, build a
client, GET one Deployment, LIST, WATCH, and do one create/update/delete cycle. This module
times those calls the same way for every client and prints one `RESULT {json}` line.

It imports only `os`, `sys`, `time` and `typing` before the measured import, so the import
scenario charges each library for everything else it pulls in (json, re, ssl, ... included). The harness passes its
settings in environment variables (BENCH_*) rather than argv for the same reason: no argparse.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any, Protocol

# rawkube's `fast` extra uses orjson when it is importable; BENCH_BLOCK_ORJSON measures the
# stdlib-json path in the same environment (a None entry makes `import orjson` fail).
if os.environ.get("BENCH_BLOCK_ORJSON"):
    sys.modules["orjson"] = None  # type: ignore[assignment]

NAMESPACE = "bench"
NAME = "bench-0"


class Settings:
    """What the harness asked for (all from BENCH_* environment variables)."""

    def __init__(self) -> None:
        env = os.environ
        self.scenario = env["BENCH_SCENARIO"]
        # https://127.0.0.1:PORT (http:// for the plain-HTTP diagnostic rows), its CA's PEM file
        self.server = env["BENCH_SERVER"]
        self.ca_file = env.get("BENCH_CA", "") if self.server.startswith("https:") else ""
        self.token = env.get("BENCH_TOKEN", "bench-token")
        self.kubeconfig = env.get("BENCH_KUBECONFIG", "")  # HTTPS + token
        self.http_kubeconfig = env.get("BENCH_HTTP_KUBECONFIG", "")  # plain HTTP + token
        self.exec_kubeconfig = env.get("BENCH_EXEC_KUBECONFIG", "")
        self.n = int(env.get("BENCH_N", "1"))
        self.list_size = int(env.get("BENCH_LIST_SIZE", "10000"))
        self.watches = int(env.get("BENCH_WATCHES", "0"))  # concurrent watches (watch_many)
        self.page_size = 500  # client-go's pager default (tools/pager defaultPageSize)
        self.namespace = NAMESPACE
        self.name = NAME

    def list_namespace(self) -> str:
        """The benchmark server answers a LIST in namespace `list-N` with N items."""
        return f"list-{self.list_size}"

    def pods_namespace(self) -> str:
        """Pods: namespace `pods-N` lists N (in pages), and its watch stays open and idle."""
        return f"pods-{self.list_size}"

    def podwatch_namespace(self) -> str:
        """A Pod watch in namespace `podwatch-E` sends E events, then stays open and idle."""
        return f"podwatch-{self.n}"


def pod_key(i: int) -> str:
    """The informer key ("namespace/name") of the i-th benchmark Pod (benchmarks/data.py)."""
    return f"pods/web-74d87d5b-{i:05x}"


def pod_ip(i: int) -> str:
    return f"10.244.{i // 250}.{i % 250 + 1}"


class Adapter(Protocol):
    """What one client script provides; `h` is whatever its client object is.

    An adapter may also define `prepare(h, s)`, called after the warm-up GET and before the
    timed part (the official client's DynamicClient runs discovery there, for instance).
    `connect` gets a kubeconfig path, or None for "server URL + token, no file".
    """

    def imports(self) -> None: ...
    def connect(self, s: Settings, kubeconfig: str | None) -> Any: ...
    def get(self, h: Any, s: Settings) -> Any: ...
    def list_typed(self, h: Any, s: Settings) -> Any: ...
    def list_dynamic(self, h: Any, s: Settings) -> Any: ...
    def watch(self, h: Any, s: Settings) -> int: ...
    def crud(self, h: Any, s: Settings, i: int) -> None: ...


# The scale scenarios call these when the adapter has them (else the cell reads "n/a"):
#   list_paged(h, s) -> list            every Pod of pods-N, in pages of s.page_size
#   informer_start(h, s) -> cache       returns once the cache holds every Pod of pods-N
#   informer_get(cache, key) -> str     a cached Pod's status.podIP, read the client's way
#   informer_stop(cache)
#   async watch_many(s, received) -> int   s.watches watches of s.n events on one client;
#                                       calls received() once every watch got its events


def manifest(i: int, namespace: str = NAMESPACE) -> dict[str, Any]:
    """The Deployment a CRUD cycle creates: what a user writes, not what the server returns."""
    labels = {"app": "demo"}
    container = {
        "name": "web",
        "image": "nginx:1.12",
        "ports": [{"name": "http", "containerPort": 80, "protocol": "TCP"}],
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": f"crud-{i}", "namespace": namespace, "labels": labels},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}},
        },
    }


def rss_mb(field: str = "VmRSS") -> float:
    """Resident set size (or its peak with VmHWM) of this process, from /proc (Linux)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def reset_peak_rss() -> None:
    """Reset VmHWM to the current RSS (Linux `clear_refs` 5), so a peak belongs to one step."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def _warm(a: Adapter, s: Settings) -> Any:
    """Import, connect and do one GET, so loops measure steady state, not start-up."""
    a.imports()
    h = a.connect(s, None)
    a.get(h, s)
    prepare = getattr(a, "prepare", None)
    if prepare is not None:
        prepare(h, s)
    return h


def scenario_import(a: Adapter, s: Settings) -> dict[str, float]:
    t0 = time.perf_counter()
    a.imports()
    return {"seconds": time.perf_counter() - t0, "rss_mb": rss_mb()}


def scenario_first_request(a: Adapter, s: Settings, kubeconfig: str | None) -> dict[str, float]:
    t0 = time.perf_counter()
    a.imports()
    t1 = time.perf_counter()
    h = a.connect(s, kubeconfig)
    a.get(h, s)
    t2 = time.perf_counter()
    return {"seconds": t2 - t0, "construct_get_s": t2 - t1, "rss_mb": rss_mb()}


def scenario_get_loop(a: Adapter, s: Settings, kubeconfig: str | None = None) -> dict[str, float]:
    a.imports()
    h = a.connect(s, kubeconfig)
    t0 = time.perf_counter()
    for _ in range(s.n):
        a.get(h, s)
    return {"seconds": time.perf_counter() - t0, "ops": s.n}


def scenario_list(a: Adapter, s: Settings, typed: bool) -> dict[str, float]:
    h = _warm(a, s)
    base = rss_mb()
    reset_peak_rss()
    t0 = time.perf_counter()
    result = a.list_typed(h, s) if typed else a.list_dynamic(h, s)
    seconds = time.perf_counter() - t0
    peak = rss_mb("VmHWM")
    count = len(result)
    if count != s.list_size:
        raise RuntimeError(f"listed {count} items, expected {s.list_size}")
    return {"seconds": seconds, "peak_rss_mb": peak, "peak_delta_mb": peak - base}


def scenario_list_loop(a: Adapter, s: Settings) -> dict[str, float]:
    """n typed LISTs of a small list: per-request overhead plus a little decoding."""
    h = _warm(a, s)
    t0 = time.perf_counter()
    for _ in range(s.n):
        if len(a.list_typed(h, s)) != s.list_size:
            raise RuntimeError(f"a LIST did not return {s.list_size} items")
    return {"seconds": time.perf_counter() - t0, "ops": s.n}


def scenario_watch(a: Adapter, s: Settings) -> dict[str, float]:
    h = _warm(a, s)
    t0 = time.perf_counter()
    count = a.watch(h, s)
    seconds = time.perf_counter() - t0
    if count != s.n:
        raise RuntimeError(f"watched {count} events, expected {s.n}")
    return {"seconds": seconds, "ops": count}


def scenario_crud(a: Adapter, s: Settings) -> dict[str, float]:
    h = _warm(a, s)
    t0 = time.perf_counter()
    for i in range(s.n):
        a.crud(h, s, i)
    return {"seconds": time.perf_counter() - t0, "ops": s.n}


def scenario_list_paged(a: Adapter, s: Settings) -> dict[str, float]:
    """Every Pod of a big collection, in pages of 500 (client-go's ListPager), all kept."""
    if not hasattr(a, "list_paged"):
        raise NotImplementedError("no paged LIST in this adapter")
    h = _warm(a, s)
    import gc

    gc.collect()
    base = rss_mb()
    reset_peak_rss()
    t0 = time.perf_counter()
    items = a.list_paged(h, s)
    seconds = time.perf_counter() - t0
    peak = rss_mb("VmHWM")
    if len(items) != s.list_size:
        raise RuntimeError(f"listed {len(items)} items, expected {s.list_size}")
    return {"seconds": seconds, "peak_delta_mb": peak - base}


def scenario_informer(a: Adapter, s: Settings) -> dict[str, float]:
    """An informer's initial sync of N Pods, then what holding them costs: the resident memory
    added (after a full collection), per object, and the time of one typed read of a cached
    object (store lookup by key + a few nested fields), which must stay O(1)."""
    if not hasattr(a, "informer_start"):
        raise NotImplementedError("no informer in this client")
    h = _warm(a, s)
    import gc

    gc.collect()
    base = rss_mb()
    t0 = time.perf_counter()
    cache = a.informer_start(h, s)
    seconds = time.perf_counter() - t0
    gc.collect()
    steady = rss_mb() - base
    probes = [(i * 7919) % s.list_size for i in range(1000)]
    t1 = time.perf_counter()
    for i in probes:
        if a.informer_get(cache, pod_key(i)) != pod_ip(i):
            raise RuntimeError(f"the cached pod {pod_key(i)} has not its pod IP")
    access = (time.perf_counter() - t1) / len(probes)
    a.informer_stop(cache)
    return {
        "seconds": seconds,
        "steady_mb": steady,
        "kb_per_object": steady * 1024 / s.list_size,
        "access_us": access * 1e6,
    }


def scenario_watch_many(a: Adapter, s: Settings) -> dict[str, float]:
    """s.watches concurrent async watches on one client, s.n events each: the time until every
    watch got its events, the event rate, and the resident memory with all of them open."""
    if not hasattr(a, "watch_many"):
        raise NotImplementedError("no async watch in this client")
    import asyncio

    a.imports()
    base = rss_mb()
    marks: dict[str, float] = {}
    t0 = time.perf_counter()

    def received() -> None:
        marks["seconds"] = time.perf_counter() - t0
        marks["rss"] = rss_mb()

    count = asyncio.run(a.watch_many(s, received))
    if count != s.watches * s.n or "seconds" not in marks:
        raise RuntimeError(f"received {count} events, expected {s.watches * s.n}")
    return {
        "seconds": marks["seconds"],
        "events_per_s": count / marks["seconds"],
        "rss_delta_mb": marks["rss"] - base,
    }


def run(a: Adapter) -> None:
    """Run the scenario named in BENCH_SCENARIO and print `RESULT {json}` on stdout."""
    s = Settings()
    try:
        out = _dispatch(a, s)
    except NotImplementedError as e:
        out = {"unsupported": str(e) or "not supported by this client"}
    out["max_rss_mb"] = rss_mb("VmHWM")
    out["https"] = s.server.startswith("https:")
    import json  # only now: the import scenario must not have had it for free

    sys.stdout.write("RESULT " + json.dumps(out) + "\n")
    sys.stdout.flush()


def _dispatch(a: Adapter, s: Settings) -> dict[str, Any]:
    sc = s.scenario
    out: dict[str, Any]
    if sc == "import":
        out = scenario_import(a, s)
    elif sc == "first_request":
        out = scenario_first_request(a, s, None)
    elif sc == "first_request_kubeconfig":
        out = scenario_first_request(a, s, s.kubeconfig)
    elif sc in ("get_loop", "get_loop_http"):
        out = scenario_get_loop(a, s)
    elif sc == "list_typed":
        out = scenario_list(a, s, typed=True)
    elif sc == "list_dynamic":
        out = scenario_list(a, s, typed=False)
    elif sc == "list_typed_1000":
        out = scenario_list(a, s, typed=True)
    elif sc == "list_typed_10_loop":
        out = scenario_list_loop(a, s)
    elif sc in ("watch", "watch_http"):
        out = scenario_watch(a, s)
    elif sc.startswith("list_paged_"):
        out = scenario_list_paged(a, s)
    elif sc.startswith("informer_"):
        out = scenario_informer(a, s)
    elif sc.startswith("watch_many_"):
        out = scenario_watch_many(a, s)
    elif sc == "crud":
        out = scenario_crud(a, s)
    elif sc == "exec_get_loop":
        out = scenario_get_loop(a, s, s.exec_kubeconfig)
    else:
        raise SystemExit(f"unknown scenario {sc!r}")
    return out
