"""How the server writes JSON: compact, with the trailing newline Go's json.Encoder adds."""

from __future__ import annotations

import json
from typing import Any


def encode(obj: Any, *, sort_keys: bool = False) -> bytes:
    """One JSON document (or one watch event line).

    ``sort_keys`` is for custom resources: the apiserver serialises them from Go maps
    (unstructured), whose keys come out sorted (recording 049).
    """
    return json.dumps(obj, separators=(",", ":"), sort_keys=sort_keys).encode() + b"\n"
