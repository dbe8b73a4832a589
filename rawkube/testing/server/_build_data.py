"""Regenerate the LocalAPIServer's packaged data (run from the repository root).

    python -m rawkube.testing.server._build_data

Inputs are the repository's copies of what a real Kubernetes 1.36 API server serves:
``scripts/openapi/swagger.json`` (GET /openapi/v2), ``scripts/openapi/v3/*.json`` and the recorded
discovery exchanges in ``fixtures/real-apiserver/``. Outputs are gzipped JSON under ``data/``,
which pyproject packages (``**/*.json.gz``); the server never reads the repository at run time.
"""

from __future__ import annotations

import gzip
import json
import os
from typing import Any

HERE = os.path.join(os.path.dirname(__file__), "data")


def _recorded(root: str, prefix: str) -> Any:
    folder = os.path.join(root, "fixtures", "real-apiserver")
    name = next(f for f in sorted(os.listdir(folder)) if f.startswith(prefix))
    with open(os.path.join(folder, name)) as fh:
        return json.load(fh)["response"]["body"]


def _write(name: str, doc: Any) -> None:
    raw = json.dumps(doc, separators=(",", ":")).encode()
    # mtime=0 keeps the output byte-for-byte reproducible.
    with open(os.path.join(HERE, name), "wb") as fh:
        fh.write(gzip.compress(raw, compresslevel=9, mtime=0))


def main(root: str = ".") -> None:
    discovery = {
        "version": _recorded(root, "001"),
        "api": _recorded(root, "006"),
        "apis": _recorded(root, "007"),
    }
    _write("discovery.json.gz", discovery)
    with open(os.path.join(root, "scripts", "openapi", "swagger.json")) as fh:
        _write("openapi-v2.json.gz", json.load(fh))
    v3_dir = os.path.join(root, "scripts", "openapi", "v3")
    for name in sorted(os.listdir(v3_dir)):
        with open(os.path.join(v3_dir, name)) as fh:
            _write("openapi-v3-" + name.replace("_", "-") + ".gz", json.load(fh))


if __name__ == "__main__":
    main()
