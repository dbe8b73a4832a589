"""Measure how well a CEL implementation evaluates Kubernetes' CEL dialect.

    python scripts/measure_cel.py [rawkube|celpy|cel|pycel|cxp ...] [-v]

The ground truth is tests/cel/results.json: what a real kube-apiserver 1.36 answered for each
rule and value of tests/cel/cases.yaml (scripts/record_cel_cases.py). For every value the
implementation's verdict (pass / fail / runtime error / does not compile) is compared with the
real server's; the figures are printed per implementation:

* ``admission``: the same decision (admitted or rejected) as the real server;
* ``exact``: the same kind of answer (false vs runtime error vs compile error);

plus the import time. Rules the real server refused for their estimated cost are left out (no
implementation here estimates cost). The adapters use each library as published (with the
extensions it ships that Kubernetes also enables): this is a measure of the library, not of
glue code written around it. Each library is imported only when asked for (they are not
rawkube dependencies); install them into a scratch environment to measure them.
"""

from __future__ import annotations

import argparse
import datetime
import json
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CASES = ROOT / "tests" / "cel" / "cases.yaml"
RESULTS = ROOT / "tests" / "cel" / "results.json"

PASS, FAIL, ERROR, COMPILE = "pass", "fail", "error", "compile-error"
Evaluator = Callable[[str, str, Any, Any], str]


def expected_outcomes() -> list[dict[str, Any]]:
    """One row per (rule, value): the real server's verdict."""
    results = json.loads(RESULTS.read_text())
    rows: list[dict[str, Any]] = []
    for index, case in results.items():
        if "crd" in case:
            message = str(case["crd"].get("message", ""))
            if "cost exceeds budget" in message:
                continue  # refused for estimated cost: not measured
            rows.append(
                {
                    "index": int(index),
                    "rule": case["rule"],
                    "schema": case["schema"],
                    "value": None,
                    "old": None,
                    "expect": COMPILE,
                }
            )
            continue
        for result in case["results"]:
            status = result["status"]
            message = str(result.get("message", ""))
            if status in (200, 201):
                verdict = PASS
            elif "failed rule" in message:
                verdict = FAIL
            else:
                verdict = ERROR
            rows.append(
                {
                    "index": int(index),
                    "rule": case["rule"],
                    "schema": case["schema"],
                    "value": result["value"],
                    "old": result.get("old"),
                    "expect": verdict,
                }
            )
    return rows


def self_value(schema: str, value: Any) -> Any:
    """The value `self` has for a case (the resource root for ROOT rules)."""
    if schema == "ROOT":
        return {
            "apiVersion": "h11b-cel.example.com/v1",
            "kind": "CelCase",
            "metadata": {"name": value},
            "spec": {},
        }
    return value


def _parse_duration(text: str) -> datetime.timedelta:
    units = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
    total = 0.0
    for number, unit in re.findall(r"(\d+(?:\.\d+)?)(ms|h|m|s)", text):
        total += float(number) * units[unit]
    return datetime.timedelta(seconds=total)


def _typed(schema: str, value: Any) -> Any:
    """Python values with date-time and duration fields as datetime / timedelta."""
    if schema == "DT" and isinstance(value, str):
        return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if schema == "DU" and isinstance(value, str):
        return _parse_duration(value)
    return value


# -- adapters -----------------------------------------------------------------------------------


def adapter_rawkube() -> Evaluator:
    from rawkube.testing.server.apiextensions import cel
    from tests.helpers.celcases import SCHEMAS

    root_schema = {
        "type": "object",
        "properties": {"spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}},
    }

    def evaluate(rule: str, schema: str, value: Any, old: Any) -> str:
        raw = root_schema if schema == "ROOT" else SCHEMAS[schema]
        return cel.measure_verdict(rule, raw, schema == "ROOT", self_value(schema, value), old)

    return evaluate


def adapter_celpy() -> Evaluator:
    import celpy  # cel-python

    env = celpy.Environment()

    def evaluate(rule: str, schema: str, value: Any, old: Any) -> str:
        try:
            program = env.program(env.compile(rule))
        except Exception:
            return COMPILE
        activation = {"self": celpy.json_to_cel(self_value(schema, value))}
        if old is not None:
            activation["oldSelf"] = celpy.json_to_cel(old)
        try:
            result = program.evaluate(activation)
        except Exception:
            return ERROR
        if isinstance(result, Exception):
            return ERROR
        return PASS if result is True or str(result) == "True" else FAIL

    return evaluate


def adapter_cel() -> Evaluator:
    import cel  # common-expression-language (cel-rust)

    def evaluate(rule: str, schema: str, value: Any, old: Any) -> str:
        context = {"self": _typed(schema, self_value(schema, value))}
        if old is not None:
            context["oldSelf"] = old
        try:
            result = cel.evaluate(rule, context)
        except ValueError:
            return COMPILE
        except Exception:
            return ERROR
        return PASS if result is True else FAIL

    return evaluate


def adapter_pycel() -> Evaluator:
    import cel  # python-cel (cel-rust)

    def evaluate(rule: str, schema: str, value: Any, old: Any) -> str:
        variables = {"self": self_value(schema, value)}
        if old is not None:
            variables["oldSelf"] = old
        try:
            result = cel.evaluate_expression(rule, variables)
        except ValueError:
            return COMPILE
        except Exception:
            return ERROR
        return PASS if result is True else FAIL

    return evaluate


def adapter_cxp() -> Evaluator:
    from cel_expr_python import cel  # cel-expr-python (cel-cpp)
    from cel_expr_python.ext import ext_optional, ext_strings

    env = cel.NewEnv(
        variables={"self": cel.Type.DYN, "oldSelf": cel.Type.DYN},
        extensions=[ext_strings.ExtStrings(2), ext_optional.ExtOptional()],
    )

    def evaluate(rule: str, schema: str, value: Any, old: Any) -> str:
        try:
            expression = env.compile(rule)
        except Exception:
            return COMPILE
        data = {"self": _typed(schema, self_value(schema, value))}
        if old is not None:
            data["oldSelf"] = old
        try:
            result = expression.eval(data=data)
        except Exception:
            return ERROR
        if result.type() == cel.Type.ERROR:
            return ERROR
        plain = result.plain_value()
        if plain is True:
            return PASS
        if plain is False:
            return FAIL
        return ERROR

    return evaluate


ADAPTERS: dict[str, tuple[str, Callable[[], Evaluator]]] = {
    "rawkube": ("rawkube.testing.server.apiextensions.cel", adapter_rawkube),
    "celpy": ("cel-python 0.5.0 (celpy)", adapter_celpy),
    "cel": ("common-expression-language 0.10.0 (cel-rust)", adapter_cel),
    "pycel": ("python-cel 0.1.1 (cel-rust)", adapter_pycel),
    "cxp": ("cel-expr-python 0.1.3 (cel-cpp)", adapter_cxp),
}


def measure(name: str, verbose: bool) -> dict[str, Any]:
    label, make = ADAPTERS[name]
    started = time.perf_counter()
    evaluate = make()
    import_ms = (time.perf_counter() - started) * 1000
    rows = expected_outcomes()
    admission = exact = 0
    for row in rows:
        got = evaluate(row["rule"], row["schema"], row["value"], row["old"])
        same_exact = got == row["expect"]
        same_admission = (got == PASS) == (row["expect"] == PASS)
        if row["expect"] == COMPILE:
            same_admission = got == COMPILE
        exact += same_exact
        admission += same_admission
        if verbose and not same_exact:
            print(
                f"  {name}: {row['rule']!r} self={row['value']!r}: real {row['expect']}, got {got}"
            )
    return {
        "implementation": label,
        "cases": len(rows),
        "admission": admission,
        "exact": exact,
        "import_ms": round(import_ms),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", default=["rawkube"])
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    print(f"{len(yaml.safe_load(CASES.read_text()))} rules in {CASES.relative_to(ROOT)}")
    for name in args.names:
        try:
            figures = measure(name, args.verbose)
        except ImportError as exc:
            print(f"{name}: not installed ({exc})")
            continue
        print(
            f"{figures['implementation']:<48} admission {figures['admission']}/{figures['cases']}"
            f"  exact {figures['exact']}/{figures['cases']}  setup {figures['import_ms']} ms"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
