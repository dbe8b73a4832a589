"""JSON encode/decode in one place, so a faster codec can be swapped in without touching callers.

Large bodies (a LIST of thousands of objects) are decoded with the cyclic garbage collector
paused. Decoding 31 MB of Deployments allocates millions of dicts and lists, and CPython's GC
otherwise runs generation 0/1/2 collections over that growing heap while nothing can be garbage
yet: measured on the benchmark's LIST of 10,000 Deployments, `json.loads` takes ~0.7-0.9 s with
the GC on and ~0.2 s with it paused.

Which decoder: orjson (the optional `fast` extra) for small bodies, where it is fastest; the
stdlib for bodies of `BIG_BODY` bytes and more, because orjson peaks ~50 MB higher than
`json.loads` on a 31 MB body (it builds its own document before the Python objects) and rawkube's
target is a LIST peak RSS no higher than plain `json.loads`. With the GC paused the stdlib is
within ~30% of orjson there. Both accept every document the API server sends; the stdlib is only
more lenient (NaN, integers beyond 64 bits), never stricter.

orjson is imported when it starts to pay (issue 15, cold start): importing it costs ~2.5 ms
(it imports `uuid`, which imports `platform` on Python 3.11), worth its speed-up on ~170 small
bodies (~14 us each on a 5 KB Pod). So the first `STDLIB_FIRST` small bodies are decoded by the
stdlib (already imported: httpx needs it), and orjson is imported for the next one, for the
first encode, and for a streamed LIST (`fast()`). A CLI that makes a few requests never imports
it; a controller imports it within its first second.
"""

from __future__ import annotations

import gc
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def _load_orjson() -> Any:
    """orjson is optional (the `fast` extra); the stdlib codec is always there."""
    try:
        import orjson
    except ImportError:  # pragma: no cover - depends on the environment
        return None
    return orjson


_orjson: Any = None  # the orjson module once imported (and importable)
_orjson_tried = False
# Small bodies decoded by the stdlib before orjson is imported (see the module docstring).
STDLIB_FIRST = 32
_stdlib_left = STDLIB_FIRST


def fast() -> Any:
    """orjson, imported now if it was not yet; None when it is not installed."""
    global _orjson, _orjson_tried
    if not _orjson_tried:
        _orjson = _load_orjson()
        _orjson_tried = True
    return _orjson


def _warming() -> Any:
    """orjson for this small body, or None: the stdlib (still warming up, or no orjson)."""
    global _stdlib_left
    if _orjson_tried:
        return _orjson
    if _stdlib_left > 0:
        _stdlib_left -= 1  # a lost decrement between threads costs one more stdlib decode
        return None
    return fast()


# Bodies from this size on are decoded with the GC paused, by the stdlib (see the docstring).
BIG_BODY = 1 << 20

_gc_lock = threading.Lock()
_gc_pausers = 0  # how many threads are inside gc_paused() now
_gc_was_enabled = False  # the collector's state when the first of them entered


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic GC for the block; safe with threads, and nesting.

    The first thread in records whether the collector was enabled and disables it; the last one
    out re-enables it only if it was enabled then (an application that runs with the GC off keeps
    it off). Reference counting still frees everything as usual: only cycle detection waits.
    """
    global _gc_pausers, _gc_was_enabled
    with _gc_lock:
        if _gc_pausers == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pausers += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pausers -= 1
            if _gc_pausers == 0 and _gc_was_enabled:
                gc.enable()


def loads(data: bytes | str) -> Any:
    if len(data) >= BIG_BODY:
        with gc_paused():
            return json.loads(data)
    orjson = _orjson if _orjson is not None else _warming()
    if orjson is not None:
        return orjson.loads(data)
    return json.loads(data)


def dumps(obj: Any) -> bytes:
    """Compact JSON bytes, as the API server and kubectl send them."""
    orjson = _orjson if _orjson_tried else fast()
    if orjson is not None:
        return orjson.dumps(obj)
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()
