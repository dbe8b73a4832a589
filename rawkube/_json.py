"""JSON encode/decode in one place, so a faster codec can be swapped in without touching callers."""

from __future__ import annotations

import json
from typing import Any


def _load_orjson() -> Any:
    """orjson is optional (the `fast` extra); the stdlib codec is always there."""
    try:
        import orjson
    except ImportError:  # pragma: no cover - depends on the environment
        return None
    return orjson


_orjson = _load_orjson()


def loads(data: bytes | str) -> Any:
    if _orjson is not None:
        return _orjson.loads(data)
    return json.loads(data)


def dumps(obj: Any) -> bytes:
    """Compact JSON bytes, as the API server and kubectl send them."""
    if _orjson is not None:
        return _orjson.dumps(obj)
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()
