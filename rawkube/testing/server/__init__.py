"""The embedded Kubernetes API server (issue 5): `LocalAPIServer`.

Its shape follows kube-apiserver's. A request travels:

    app.py          HTTP/1.1 over TLS and kube-apiserver's filters: authentication (client
                    certificate, bearer tokens: authenticators.py, tokens.py; else the anonymous
                    user), impersonation (impersonation.py), authorization from the URL
                    (auth.py: RequestInfo, system:masters, RBAC in rbac.py)
    handlers.py     routing, decoding + defaulting (decode.py, defaults/),
                    content negotiation (negotiation.py), managedFields (fieldmanager.py), the
                    mutating admission plugins (admission/); subresources with a REST of their
                    own (scale, eviction, log) are in endpoints.py, the review APIs and
                    serviceaccounts/token in reviews.py
    registry/       generic.py: ONE generic store for every resource, driven by the resource's
                    Strategy (strategy.py; per group in strategies/): prepare, validate
                    (validation.py), canonicalize, generation, graceful deletion, finalizers;
                    validating admission runs inside it
    storage.py      a versioned key-value store: history, watch, one guaranteed_update

and back; watch.py streams watches. Around them:

* resources.py: what is served (the real 1.36 discovery data, plus CRDs as they are created);
* discovery.py: /version, /api, /apis, group/version documents, aggregated discovery v2;
* openapi.py: /openapi/v2 and /openapi/v3, and schema walking for patches and validation;
* patch.py: JSON patch, merge patch, strategic merge patch, server-side apply (managedFields);
* errors.py: the API errors (Status bodies); selectors.py: label and field selectors;
* table.py: Table output for kubectl get; openapi_proto.py: /openapi/v2 in gnostic protobuf
  (kubectl); protobuf answers and bodies go through the client's codec, rawkube.protobuf;
* certs.py: a throw-away CA and certificates (cryptography is imported only when TLS starts);
* bootstrap.py: the bootstrap RBAC policy (recorded from the real server) created at start;
  rbac_storage.py (through strategies/rbac.py): the escalation and bind checks on RBAC writes;
  oidc.py: ServiceAccount issuer discovery;
* controllers.py, gc.py: Deployment/ReplicaSet/Pod controllers, kubelet, GC, namespaces;
  auth_controllers.py: ClusterRole aggregation, legacy ServiceAccount token Secrets;
  furniture.py: the default ServiceAccount, kube-root-ca.crt and the `kubernetes` Service;
  isolation.py: a controller that fails on one object goes on with the others.
  They write through the same registry store (`store.Store`, without request validation).
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
