"""ServiceAccount issuer discovery: /.well-known/openid-configuration and /openid/v1/jwks.

kube-apiserver serves both (pkg/serviceaccount/openidmetadata.go, routes in
pkg/routes/openidmetadata.go) so relying parties can verify ServiceAccount tokens; the
bootstrap ClusterRole system:service-account-issuer-discovery lets every ServiceAccount read
them. The keys document is only served as application/jwk-set+json (406 otherwise).
"""

from __future__ import annotations

from typing import Any, Protocol

from rawkube.testing.server.errors import APIError, Obj
from rawkube.testing.server.negotiation import render_json
from rawkube.testing.server.request import Request, Response, Target
from rawkube.testing.server.tokens import ISSUER


class API(Protocol):
    """What these endpoints use of handlers.API (a protocol: no import of the handlers)."""

    authn: Any
    server_address: str

    @property
    def store(self) -> Any: ...

    def body(self, req: Request) -> Any: ...

    def manager(self, req: Request) -> str: ...

    def record_update(
        self, req: Request, t: Target, old: Obj | None, obj: Obj, subresource: str | None = None
    ) -> None: ...


JWKS_PATH = "/openid/v1/jwks"
CONFIG_PATH = "/.well-known/openid-configuration"
JWK_SET = "application/jwk-set+json"


def serve(api: API, req: Request) -> Response | None:
    """The answer for the two discovery paths, None for any other path."""
    if req.path == CONFIG_PATH:
        return render_json(
            {
                "issuer": ISSUER,
                "jwks_uri": f"https://{api.server_address}{JWKS_PATH}",
                "response_types_supported": ["id_token"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
            }
        )
    if req.path != JWKS_PATH:
        return None
    if not _accepts(req.headers.get("accept", "")):
        raise APIError(
            406, "NotAcceptable", f"406: Not Acceptable\n\nAvailable representations: {JWK_SET}", {}
        )
    if api.authn is None:
        raise APIError(404, "NotFound", "the server could not find the requested resource", {})
    import json

    body = json.dumps(api.authn.signer.jwks(), separators=(",", ":")).encode()
    return Response(200, body, JWK_SET)


def _accepts(accept: str) -> bool:
    if not accept.strip():
        return True
    for item in accept.split(","):
        media = item.split(";")[0].strip().lower()
        if media in (JWK_SET, "*/*", "application/*"):
            return True
    return False
