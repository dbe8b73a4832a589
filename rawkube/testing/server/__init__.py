"""The embedded Kubernetes API server (issue 5): `LocalAPIServer`.

Layout: store.py (objects, resourceVersion, watch, deletion), resources.py (what is served),
discovery.py, selectors.py, patch.py, validation.py, table.py, app.py (HTTP handlers),
certs.py (CA and certificates, cryptography imported only when a TLS server starts),
controllers.py (Deployment/ReplicaSet/Pod controllers and garbage collection).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from rawkube.testing.server.app import LocalAPIServer

__all__ = ["LocalAPIServer"]


def __getattr__(name: str) -> Any:
    if name == "LocalAPIServer":
        from rawkube.testing.server.app import LocalAPIServer

        return LocalAPIServer
    raise AttributeError(f"module 'rawkube.testing.server' has no attribute {name!r}")
