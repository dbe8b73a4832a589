"""Deterministic hypothesis runs for the fuzz tests.

`derandomize=True` seeds hypothesis from the test function alone, but since 6.131 hypothesis
also draws, with a small probability, from the literals of every *local* module loaded so far
(hypothesis/internal/conjecture/providers.py, `_get_local_constants`: the code under test's
constants). So the examples of a fuzz test depended on which rawkube modules the run had
imported before it and on every string and number in them: the kubeconfig fuzzer built 66
clients run alone and 38 after tests/test_fuzz_wire.py imported rawkube.rest.watch, and any
edit anywhere in rawkube/ could change what CI fuzzes. `no_local_constants` (an autouse
fixture in each fuzz module) turns that pool off for the test, so the same code fuzzes the same
examples whatever ran before; the global constants (edge-case numbers and strings hypothesis
always tries) stay.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def no_local_constants(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    try:
        from hypothesis.internal.conjecture import providers
        from hypothesis.internal.constants_ast import Constants
    except ImportError:  # an older hypothesis: no such pool
        yield
        return
    if not hasattr(providers, "_get_local_constants"):
        yield
        return
    monkeypatch.setattr(providers, "_get_local_constants", Constants)  # an empty pool
    cache = getattr(providers, "CONSTANTS_CACHE", None)
    _clear(cache)  # it may hold the local constants of an earlier test's draws
    yield
    _clear(cache)  # and ours must not leak into the next test


def _clear(cache: object) -> None:
    clear = getattr(getattr(cache, "cache", None), "clear", None)
    if callable(clear):
        clear()
