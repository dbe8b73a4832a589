"""rawkube._json: big bodies decode with the cyclic GC paused, and the GC state always comes back."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from rawkube import _json
from rawkube.dynamic import Unstructured, _unstructured_list


@pytest.fixture(autouse=True)
def _gc_enabled_after() -> Iterator[None]:
    was = gc.isenabled()
    yield
    if was:
        gc.enable()


def _big_body() -> bytes:
    item = {"metadata": {"name": "x" * 100, "labels": {"a": "b"}}, "spec": {"replicas": 1}}
    body = json.dumps({"kind": "List", "items": [item] * (_json.BIG_BODY // 100)}).encode()
    assert len(body) >= _json.BIG_BODY
    return body


def test_big_body_decodes_with_gc_paused_and_restores_it(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []
    real = json.loads

    def spy(data: bytes | str) -> object:
        seen.append(gc.isenabled())
        return real(data)

    monkeypatch.setattr(_json.json, "loads", spy)
    body = _big_body()
    assert _json.loads(body) == real(body)
    assert seen == [False]
    assert gc.isenabled()


def test_small_body_leaves_gc_alone() -> None:
    assert _json.loads(b'{"a":[1,2]}') == {"a": [1, 2]}
    assert gc.isenabled()


def test_gc_is_restored_after_a_decode_that_raises() -> None:
    bad = _big_body()[:-1]
    with pytest.raises(ValueError):
        _json.loads(bad)
    assert gc.isenabled()


def test_gc_stays_off_if_the_application_turned_it_off() -> None:
    gc.disable()
    _json.loads(_big_body())
    assert not gc.isenabled()
    gc.enable()


def test_gc_paused_nests_and_is_thread_safe() -> None:
    inside = threading.Barrier(2)
    leave = threading.Event()
    states: list[bool] = []

    def worker() -> None:
        with _json.gc_paused():
            inside.wait(timeout=10)
            leave.wait(timeout=10)

    t = threading.Thread(target=worker)
    t.start()
    with _json.gc_paused():
        inside.wait(timeout=10)
        with _json.gc_paused():
            states.append(gc.isenabled())
        states.append(gc.isenabled())
    # The other thread is still inside: the collector stays paused until it leaves.
    states.append(gc.isenabled())
    leave.set()
    t.join(timeout=10)
    assert states == [False, False, False]
    assert gc.isenabled()


def test_dynamic_list_wrap_pauses_gc_and_restores_it(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []

    class Spy(Unstructured):
        def __init__(self, *args: object) -> None:
            seen.append(gc.isenabled())
            super().__init__(*args)

    import rawkube.dynamic as dynamic

    monkeypatch.setattr(dynamic, "Unstructured", Spy)
    result = _unstructured_list({"kind": "List", "items": [{"kind": "Pod"}, {"kind": "Pod"}]})
    assert [type(item) for item in result["items"]] == [Spy, Spy]
    assert seen == [True, False, False]  # the list itself, then its items with the GC paused
    assert gc.isenabled()


FAKE_ORJSON = """
import json
calls = []
def loads(data):
    calls.append("loads")
    return json.loads(data)
def dumps(obj):
    calls.append("dumps")
    return json.dumps(obj).encode()
"""

WARM_UP = """
import sys
from rawkube import _json
for _ in range(_json.STDLIB_FIRST):
    assert _json.loads(b'{"a":1}') == {"a": 1}
print("orjson" in sys.modules)
assert _json.loads(b'{"a":2}') == {"a": 2}
print("orjson" in sys.modules, sys.modules["orjson"].calls)
"""


def _run_with_fake_orjson(tmp_path: Path, code: str) -> list[str]:
    (tmp_path / "orjson.py").write_text(FAKE_ORJSON)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.splitlines()


def test_orjson_is_imported_only_once_small_bodies_add_up(tmp_path: Path) -> None:
    # a CLI's few requests never pay for importing orjson (issue 15, cold start)
    assert _run_with_fake_orjson(tmp_path, WARM_UP) == ["False", "True ['loads']"]


def test_the_first_encode_uses_orjson_at_once(tmp_path: Path) -> None:
    code = (
        "import sys\nfrom rawkube import _json\n"
        "assert _json.dumps({'a': 1}) == b'{\"a\": 1}'\n"
        "print(sys.modules['orjson'].calls)"
    )
    assert _run_with_fake_orjson(tmp_path, code) == ["['dumps']"]
