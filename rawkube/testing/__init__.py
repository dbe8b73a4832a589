"""Testing support: the embedded local API server (issue #5) and HTTP record/replay (issue #6).

Names are imported lazily: the server pulls in cryptography, record/replay pull in yaml.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

_LAZY: dict[str, str] = {
    "LocalAPIServer": "rawkube.testing.server",
    "record": "rawkube.testing.recorder",
    "replay": "rawkube.testing.replayer",
    "Recorder": "rawkube.testing.recorder",
    "ReplayTransport": "rawkube.testing.replayer",
    "load_fixture": "rawkube.testing.fixture",
}

__all__ = ["LocalAPIServer", "record", "replay", "Recorder", "ReplayTransport", "load_fixture"]

if TYPE_CHECKING:  # pragma: no cover
    from rawkube.testing.fixture import load_fixture
    from rawkube.testing.recorder import Recorder, record
    from rawkube.testing.replayer import ReplayTransport, replay
    from rawkube.testing.server import LocalAPIServer


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'rawkube.testing' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
