"""The embedded Kubernetes API server (issue 5): `LocalAPIServer`.

A request travels: app.py (HTTP/1.1 over TLS, authentication) -> handlers.py (routing,
authorization via auth.py, the verbs) -> store.py (objects, resourceVersion, watch history,
deletion) and back; watch.py streams watches. Around them:

* resources.py: what is served (the real 1.36 discovery data, plus CRDs as they are created);
* discovery.py: /version, /api, /apis, group/version documents, aggregated discovery v2;
* openapi.py: /openapi/v2 and /openapi/v3, and schema walking for patches and validation;
* patch.py: JSON patch, merge patch, strategic merge patch, server-side apply (managedFields);
* validation.py: defaults and 422 Invalid; selectors.py: label and field selectors;
* table.py: Table output for kubectl get; protobuf.py: the Kubernetes protobuf encoding;
* certs.py: a throw-away CA and certificates (cryptography is imported only when TLS starts);
* controllers.py, gc.py: Deployment/ReplicaSet/Pod controllers, kubelet, GC, namespaces.
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
