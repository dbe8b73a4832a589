"""The Go type table of the built-in kinds (data/gotypes.json.gz, made by scripts/gen_gotypes.py
from the 1.36 sources): what decoding, and defaulting's round-trip rules, read.

    roots: {"apps/v1/Deployment": "k8s.io/api/apps/v1.Deployment", ...}
    types: {"k8s.io/api/core/v1.Container": {"k": "struct", "n": "v1.Container",
                                              "f": [[json name, type ref, [inline Go names], omitempty]],
                                              "g": [Go name of each field]},
            "k8s.io/api/core/v1.RestartPolicy": {"k": "named", "n": "v1.RestartPolicy", "u": "string"}, ...}

A type ref is a builtin (``string``, ``int32``, ``bool``, ``float64``, ``uint8``, ``any``), a type id
or a composite ``["[]", ref]`` / ``["*", ref]`` / ``["map", key, value]``; other kinds: quantity,
intorstring, time, microtime, duration, raw. Loaded on first use, cached.
"""

from __future__ import annotations

from typing import Any


def load() -> tuple[dict[str, str], dict[str, Any]]:
    """(roots, types) as stored; callers must not mutate them."""
    from rawkube.testing.server.apivalidation.decode import _table

    table = _table()
    return table.roots, table.raw
