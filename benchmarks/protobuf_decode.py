#!/usr/bin/env python3
"""Which protobuf decoder should rawkube use? LIST of 10,000 Deployments, decode time and peak RSS.

    python benchmarks/protobuf_decode.py            # 10,000 items, 3 repeats per decoder
    python benchmarks/protobuf_decode.py --items 500 --repeats 1   # quick look

The body is the benchmark's DeploymentList (`benchmarks/data.py`: ~3.2 KB Deployments derived from
a real 1.36 server's), in JSON (~31 MB) and in the Kubernetes protobuf encoding (written by
`rawkube.protobuf`, byte-identical to what kube-apiserver sends for the same objects). Each decoder
runs in a fresh subprocess (so peak RSS is its own: VmHWM is reset just before the first decode,
and `peak` is that high-water mark minus the RSS just before), with the cyclic GC paused as
`rawkube/_json.py` does for big bodies:

* `json.loads`, `orjson.loads`: the JSON floors, what rawkube does today;
* `rawkube.protobuf`: the table-driven pure-Python decoder (`rawkube/protobuf/_codec.py`) to the
  same dicts `json.loads` gives;
* `upb parse only`: the `protobuf` package (upb, C) parsing into messages whose descriptors are
  built at run time from rawkube's field table (what a shipped FileDescriptorSet would give) - the
  parse alone, which is not yet usable by rawkube's dict-based models;
* `upb parse + to dicts`: the same plus the conversion of the parsed messages to the JSON-shaped
  dicts (field by field through `ListFields`, applying the same JSON rules), i.e. the full job.

Every decoder's result is checked against `json.loads` of the JSON body before it is timed.
Prints a markdown table (benchmarks/README.md has the latest one and the decision).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

DECODERS = [
    "json.loads",
    "orjson.loads",
    "rawkube.protobuf",
    "upb parse only",
    "upb parse + to dicts",
]


def _rss_kb(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _reset_peak() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass


# -- upb with descriptors built at run time ------------------------------------------------------


def upb_classes(message_names: list[str]) -> dict[str, Any]:
    """Message classes from descriptors built from rawkube's field table (no generated code)."""
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    from rawkube.protobuf._codec import MESSAGES

    t = descriptor_pb2.FieldDescriptorProto
    scalar = {
        "string": t.TYPE_STRING,
        "bytes": t.TYPE_BYTES,
        "bool": t.TYPE_BOOL,
        "int32": t.TYPE_INT32,
        "int64": t.TYPE_INT64,
        "uint32": t.TYPE_UINT32,
        "uint64": t.TYPE_UINT64,
        "double": t.TYPE_DOUBLE,
        "float": t.TYPE_FLOAT,
    }
    files: dict[str, Any] = {}
    deps: dict[str, set[str]] = {}

    def package_of(name: str) -> str:
        return name.rsplit(".", 1)[0]

    def set_type(field: Any, kind: str, pkg: str) -> None:
        if kind in scalar:
            field.type = scalar[kind]
        else:
            field.type = t.TYPE_MESSAGE
            field.type_name = "." + kind
            if package_of(kind) != pkg:
                deps[pkg].add(package_of(kind))

    for name, fields in MESSAGES.items():
        pkg, short = name.rsplit(".", 1)
        if pkg not in files:
            files[pkg] = descriptor_pb2.FileDescriptorProto(
                name=pkg.replace(".", "/") + ".proto", package=pkg, syntax="proto2"
            )
            deps[pkg] = set()
        msg = files[pkg].message_type.add(name=short)
        for number, _json_name, kind, flags in fields:
            field = msg.field.add(name=f"f{number}", number=number)
            if flags & 32:  # a map: a nested MapEntry message
                key, value = kind[4:-1].split(",")
                entry = msg.nested_type.add(name=f"F{number}Entry")
                entry.options.map_entry = True
                k = entry.field.add(name="key", number=1, label=t.LABEL_OPTIONAL)
                set_type(k, key, pkg)
                v = entry.field.add(name="value", number=2, label=t.LABEL_OPTIONAL)
                set_type(v, value, pkg)
                field.label = t.LABEL_REPEATED
                field.type = t.TYPE_MESSAGE
                field.type_name = f".{name}.F{number}Entry"
            else:
                field.label = t.LABEL_REPEATED if flags & 1 else t.LABEL_OPTIONAL
                set_type(field, kind, pkg)
    pool = descriptor_pool.DescriptorPool()
    added: set[str] = set()

    def add(pkg: str) -> None:
        if pkg in added:
            return
        added.add(pkg)
        for dep in sorted(deps[pkg]):
            add(dep)
        files[pkg].dependency.extend(sorted(d.replace(".", "/") + ".proto" for d in deps[pkg]))
        pool.Add(files[pkg])

    for pkg in sorted(files):
        add(pkg)
    return {
        n: message_factory.GetMessageClass(pool.FindMessageTypeByName(n)) for n in message_names
    }


class UpbToDicts:
    """Parsed upb messages -> the JSON-shaped dicts, with the codec's JSON rules."""

    def __init__(self) -> None:
        from rawkube.protobuf import _codec as c

        self.c = c
        self.plans: dict[str, Any] = {}

    def plan(self, name: str) -> Any:
        plan = self.plans.get(name)
        if plan is None:
            msg = self.c.message(name)
            plan = {}
            for _tag, number, field in msg.fields:
                plan[number] = field
            plan = (plan, msg.fill)
            self.plans[name] = plan
        return plan

    def convert(self, m: Any, name: str) -> dict[str, Any]:
        c = self.c
        fields, fill = self.plan(name)
        out: dict[str, Any] = {}
        for fd, value in m.ListFields():
            json_name, op, sub, store, flags = fields[fd.number]
            if flags & c.MAP:
                entries = {}
                for key in value:
                    item = value[key]
                    if sub[1] == c._MESSAGE:
                        item = self.convert(item, sub[2])
                    elif sub[1] >= c._TIME:
                        item = c._special(sub[1], item.SerializeToString(), 0, item.ByteSize())
                    entries[key] = item
                out[json_name] = entries
                continue
            if op == c._MESSAGE:
                value = (
                    [self.convert(v, sub) for v in value]
                    if flags & c.REPEATED
                    else self.convert(value, sub)
                )
            elif op >= c._TIME:
                if flags & c.REPEATED:
                    value = [self._special(op, v) for v in value]
                else:
                    value = self._special(op, value)
            elif op == c._BYTES:
                import base64

                value = base64.b64encode(value).decode()
            elif flags & c.REPEATED:
                value = list(value)
            if store == 1 and not value:
                continue
            if store == 4:
                out.update(value)
            elif store == 5 and value is None:
                continue
            else:
                out[json_name] = value
        for key, zero in fill:
            if key not in out:
                out[key] = zero()
        return out

    def _special(self, op: int, value: Any) -> Any:
        data = value.SerializeToString()
        return self.c._special(op, data, 0, len(data))


# -- one decoder, in its own process -------------------------------------------------------------


def run_one(decoder: str, folder: Path, repeats: int) -> dict[str, Any]:
    json_body = (folder / "list.json").read_bytes()
    pb_body = (folder / "list.pb").read_bytes()
    expected_count = int((folder / "count").read_text())
    setup = time.perf_counter()
    if decoder == "json.loads":
        body = json_body

        def decode() -> Any:
            return json.loads(body)
    elif decoder == "orjson.loads":
        import orjson

        body = json_body

        def decode() -> Any:
            return orjson.loads(body)
    elif decoder == "rawkube.protobuf":
        from rawkube import protobuf

        body = pb_body
        protobuf.decode(protobuf.encode({"apiVersion": "v1", "kind": "Namespace"}))  # load table

        def decode() -> Any:
            return protobuf.decode(body)
    else:
        from rawkube import protobuf

        name = "k8s.io.api.apps.v1.DeploymentList"
        cls = upb_classes([name])[name]
        _, _, raw = protobuf.unwrap(pb_body)
        body = raw
        converter = UpbToDicts()

        if decoder == "upb parse only":

            def decode() -> Any:
                m = cls()
                m.ParseFromString(body)
                return m
        else:

            def decode() -> Any:
                m = cls()
                m.ParseFromString(body)
                out = {"kind": "DeploymentList", "apiVersion": "apps/v1"}
                out.update(converter.convert(m, name))
                return out

    setup = time.perf_counter() - setup
    # Correctness first: the same dicts json.loads gives (parse-only has nothing to compare).
    result = decode()
    if decoder != "upb parse only":
        want = json.loads(json_body)
        if result != want:
            raise SystemExit(f"{decoder}: the decoded list differs from json.loads")
        del want
    else:
        if len(result.f2) != expected_count:
            raise SystemExit(f"{decoder}: {len(result.f2)} items parsed")
    del result
    gc.collect()
    times = []
    peak = 0
    gc.disable()
    for i in range(repeats):
        before = _rss_kb("VmRSS")
        _reset_peak()
        start = time.perf_counter()
        result = decode()
        times.append(time.perf_counter() - start)
        if i == 0:
            peak = _rss_kb("VmHWM") - before
        del result
    gc.enable()
    return {"decoder": decoder, "seconds": times, "peak_kb": peak, "setup": setup}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(args.one, args.folder, args.repeats)))
        return 0

    import data

    from rawkube import protobuf

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        body = data.list_body(args.items, data.NAMESPACE)
        pb_body = protobuf.encode(json.loads(body))
        (folder / "list.json").write_bytes(body)
        (folder / "list.pb").write_bytes(pb_body)
        (folder / "count").write_text(str(args.items))
        print(
            f"LIST of {args.items} Deployments: JSON {len(body) / 1e6:.1f} MB, "
            f"protobuf {len(pb_body) / 1e6:.1f} MB; {args.repeats} repeat(s), medians\n"
        )
        rows = []
        for decoder in DECODERS:
            cmd = [sys.executable, __file__, "--one", decoder, "--folder", str(folder)]
            cmd += ["--repeats", str(args.repeats)]
            proc = subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy())
            if proc.returncode != 0:
                last = (proc.stderr.strip().splitlines() or ["?"])[-1]
                rows.append((decoder, None, None, last))
                continue
            res = json.loads(proc.stdout)
            rows.append((decoder, statistics.median(res["seconds"]), res["peak_kb"], ""))
    base = next((r[1] for r in rows if r[0] == "json.loads"), None)
    print("| decoder | decode time | vs json.loads | peak RSS delta |")
    print("|---|---|---|---|")
    for decoder, seconds, peak, err in rows:
        if seconds is None:
            print(f"| {decoder} | not available: {err} | | |")
            continue
        ratio = f"{seconds / base:.2f}x" if base else ""
        print(f"| {decoder} | {seconds * 1000:.0f} ms | {ratio} | {peak / 1024:.0f} MB |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
