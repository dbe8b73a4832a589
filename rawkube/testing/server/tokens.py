"""ServiceAccount tokens: signed JWTs the LocalAPIServer issues and accepts, as kube-apiserver.

* `TokenSigner` holds the server's RS256 key (made with ``cryptography`` on first use, kept in
  memory only) and signs and verifies compact JWS tokens. The key id is what kube-apiserver
  derives from the public key (pkg/serviceaccount/jwt.go keyIDFromPublicKey: the unpadded
  base64url SHA-256 of the DER SubjectPublicKeyInfo).
* `bound_claims` lays out a TokenRequest's claims as pkg/serviceaccount/claims.go Claims does:
  ``aud, exp, iat, iss, jti, kubernetes.io{namespace, serviceaccount, pod|secret|node}, nbf,
  sub``; `legacy_claims` those of a kubernetes.io/service-account-token Secret (legacy.go).
* `ServiceAccountAuthenticator.authenticate` is the token authenticator of both kinds
  (jwtTokenAuthenticator + validator / legacyValidator): signature, issuer, audiences, expiry,
  then the lookups (the ServiceAccount, and the bound Pod, Secret or Node, must still exist with
  the uid of the claim); the answer is a user ``system:serviceaccount:<ns>:<name>`` in
  ``system:serviceaccounts`` and ``system:serviceaccounts:<ns>`` with the extra
  kube-apiserver adds (credential id, pod and node names).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rawkube.testing.server.auth import UserInfo

Obj = dict[str, Any]
ISSUER = "https://kubernetes.default.svc.cluster.local"
LEGACY_ISSUER = "kubernetes/serviceaccount"
API_AUDIENCES = (ISSUER,)
# jwt.DefaultLeeway (gopkg.in/go-jose/go-jose.v2/jwt): clock skew tolerated on exp/nbf/iat.
LEEWAY_SECONDS = 60
PODS = ("", "pods")
EXTRA_POD_NAME = "authentication.kubernetes.io/pod-name"
EXTRA_POD_UID = "authentication.kubernetes.io/pod-uid"
EXTRA_NODE_NAME = "authentication.kubernetes.io/node-name"
EXTRA_NODE_UID = "authentication.kubernetes.io/node-uid"
EXTRA_CREDENTIAL_ID = "authentication.kubernetes.io/credential-id"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenError(Exception):
    """A token this authenticator recognised but refuses: the message is the real server's."""


class TokenSigner:
    """The service-account signing key (--service-account-signing-key-file), made on demand."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: Any = None
        self._kid = ""

    def __repr__(self) -> str:
        return f"TokenSigner(kid={self._kid or 'not yet made'})"

    def _ensure(self) -> Any:
        with self._lock:
            if self._key is None:
                from cryptography.hazmat.primitives import serialization
                from cryptography.hazmat.primitives.asymmetric import rsa

                self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
                der = self._key.public_key().public_bytes(
                    serialization.Encoding.DER,
                    serialization.PublicFormat.SubjectPublicKeyInfo,
                )
                self._kid = _b64(hashlib.sha256(der).digest())
            return self._key

    @property
    def kid(self) -> str:
        self._ensure()
        return self._kid

    def sign(self, claims: Obj) -> str:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        key = self._ensure()
        header = {"alg": "RS256", "kid": self._kid}
        signing_input = (
            _b64(json.dumps(header, separators=(",", ":")).encode())
            + "."
            + _b64(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
        )
        signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return signing_input + "." + _b64(signature)

    def verify(self, token: str) -> Obj | None:
        """The claims of a token this key signed; None if the signature does not verify."""
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        if self._key is None:
            return None  # no token was ever issued: none can verify
        head, body, sig = token.split(".")
        try:
            self._key.public_key().verify(
                _unb64(sig), f"{head}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256()
            )
        except (InvalidSignature, ValueError):
            return None
        claims = json.loads(_unb64(body))
        return claims if isinstance(claims, dict) else None

    def jwks(self) -> Obj:
        """The JSON Web Key Set of /openid/v1/jwks (serviceaccount.NewOpenIDMetadata)."""
        key = self._ensure()
        numbers = key.public_key().public_numbers()

        def _int(value: int) -> str:
            return _b64(value.to_bytes((value.bit_length() + 7) // 8, "big"))

        return {
            "keys": [
                {
                    "use": "sig",
                    "kty": "RSA",
                    "kid": self._kid,
                    "alg": "RS256",
                    "n": _int(numbers.n),
                    "e": _int(numbers.e),
                }
            ]
        }


def _ref(obj: Obj) -> Obj:
    meta = obj["metadata"]
    return {"name": meta["name"], "uid": meta.get("uid", "")}


def bound_claims(
    sa: Obj,
    audiences: Sequence[str],
    expiration_seconds: int,
    *,
    now: float | None = None,
    pod: Obj | None = None,
    secret: Obj | None = None,
    node: Obj | None = None,
) -> Obj:
    """pkg/serviceaccount/claims.go Claims: a bound token's claims (JTI feature on)."""
    issued = int(now if now is not None else time.time())
    meta = sa["metadata"]
    kube: Obj = {"namespace": meta["namespace"], "serviceaccount": _ref(sa)}
    if pod is not None:
        kube["pod"] = _ref(pod)
        if node is not None:
            kube["node"] = _ref(node)
    elif secret is not None:
        kube["secret"] = _ref(secret)
    elif node is not None:
        kube["node"] = _ref(node)
    return {
        "aud": list(audiences),
        "exp": issued + int(expiration_seconds),
        "iat": issued,
        "iss": ISSUER,
        "jti": str(uuid.uuid4()),
        "kubernetes.io": kube,
        "nbf": issued,
        "sub": f"system:serviceaccount:{meta['namespace']}:{meta['name']}",
    }


def legacy_claims(sa: Obj, secret_name: str) -> Obj:
    """pkg/serviceaccount/legacy.go LegacyClaims: a token Secret's claims (no expiry)."""
    meta = sa["metadata"]
    return {
        "iss": LEGACY_ISSUER,
        "kubernetes.io/serviceaccount/namespace": meta["namespace"],
        "kubernetes.io/serviceaccount/secret.name": secret_name,
        "kubernetes.io/serviceaccount/service-account.name": meta["name"],
        "kubernetes.io/serviceaccount/service-account.uid": meta.get("uid", ""),
        "sub": f"system:serviceaccount:{meta['namespace']}:{meta['name']}",
    }


Getter = Callable[[str, str, str], "Obj | None"]  # (resource, namespace, name) -> object


@dataclass
class ServiceAccountAuthenticator:
    """Bound and legacy ServiceAccount tokens (pkg/serviceaccount/jwt.go, claims.go, legacy.go).

    `get(resource, namespace, name)` reads the store (``serviceaccounts``, ``secrets``,
    ``pods``, ``nodes``)."""

    signer: TokenSigner
    get: Getter
    clock: Callable[[], float] = time.time
    audiences: tuple[str, ...] = API_AUDIENCES
    # Called with the token Secret after a legacy token authenticated (the last-used label).
    on_legacy_use: Callable[[Obj], None] | None = None

    def issuer_of(self, token: str) -> str | None:
        """hasCorrectIssuer: the unverified ``iss`` of a JWT, None if it is not a JWT."""
        parts = token.split(".")
        if len(parts) != 3:
            return None
        try:
            claims = json.loads(_unb64(parts[1]))
        except (ValueError, UnicodeDecodeError):
            return None
        if not isinstance(claims, dict):
            return None
        iss = claims.get("iss")
        return iss if isinstance(iss, str) else None

    def authenticate(
        self, token: str, requested: Sequence[str] | None = None
    ) -> tuple[UserInfo, list[str]] | None:
        """(user, audiences) for a token of ours, None for a token that is not ours; raise
        TokenError for one of ours that is refused."""
        iss = self.issuer_of(token)
        if iss not in (ISSUER, LEGACY_ISSUER):
            return None
        claims = self.signer.verify(token)
        if claims is None:
            raise TokenError("crypto/rsa: verification error")
        token_auds = claims.get("aud") or []
        if isinstance(token_auds, str):
            token_auds = [token_auds]
        if not token_auds:
            token_auds = list(self.audiences)  # legacy tokens: the apiserver's audiences only
        wanted = list(requested or self.audiences)
        auds = [a for a in token_auds if a in wanted]
        if not auds:
            raise TokenError(
                f"token audiences {_go_list(token_auds)} is invalid for the target audiences "
                f"{_go_list(wanted)}"
            )
        if iss == LEGACY_ISSUER:
            return self._legacy(token, claims), auds
        return self._bound(claims), auds

    # -- bound tokens (claims.go validator.Validate) ---------------------------------------------

    def _bound(self, claims: Obj) -> UserInfo:
        now = self.clock()
        if "exp" in claims and now > float(claims["exp"]) + LEEWAY_SECONDS:
            raise TokenError("service account token has expired")
        if "nbf" in claims and now + LEEWAY_SECONDS < float(claims["nbf"]):
            raise TokenError("service account token is not valid yet")
        if "iat" in claims and now + LEEWAY_SECONDS < float(claims["iat"]):
            raise TokenError("service account token is issued in the future")
        kube = claims.get("kubernetes.io") or {}
        namespace = str(kube.get("namespace") or "")
        sa_ref = kube.get("serviceaccount") or {}
        sa = self.get("serviceaccounts", namespace, str(sa_ref.get("name") or ""))
        if sa is None:
            raise TokenError(f'serviceaccounts "{sa_ref.get("name", "")}" not found')
        uid = sa["metadata"].get("uid", "")
        if uid != sa_ref.get("uid"):
            raise TokenError(
                f"service account UID ({uid}) does not match claim ({sa_ref.get('uid', '')})"
            )
        if sa["metadata"].get("deletionTimestamp"):
            raise TokenError(
                f"service account {namespace}/{sa['metadata']['name']} has been deleted"
            )
        extra: dict[str, list[str]] = {}
        for kind, resource in (("secret", "secrets"), ("pod", "pods")):
            ref = kube.get(kind)
            if not isinstance(ref, dict):
                continue
            bound = self.get(resource, namespace, str(ref.get("name") or ""))
            if bound is None or bound["metadata"].get("deletionTimestamp"):
                raise TokenError("service account token has been invalidated")
            if bound["metadata"].get("uid") != ref.get("uid"):
                raise TokenError(
                    f"{kind} UID ({bound['metadata'].get('uid', '')}) does not match service "
                    f"account {kind} ref claim ({ref.get('uid', '')})"
                )
            if kind == "pod":
                extra[EXTRA_POD_NAME] = [str(ref.get("name"))]
                extra[EXTRA_POD_UID] = [str(ref.get("uid"))]
        jti = claims.get("jti")
        if jti:
            extra[EXTRA_CREDENTIAL_ID] = [f"JTI={jti}"]
        node_ref = kube.get("node")
        if isinstance(node_ref, dict):
            if not isinstance(kube.get("pod"), dict):
                node = self.get("nodes", "", str(node_ref.get("name") or ""))
                if node is None or node["metadata"].get("deletionTimestamp"):
                    raise TokenError("service account token has been invalidated")
                if node["metadata"].get("uid") != node_ref.get("uid"):
                    raise TokenError(
                        f"node UID ({node['metadata'].get('uid', '')}) does not match service "
                        f"account node ref claim ({node_ref.get('uid', '')})"
                    )
            extra[EXTRA_NODE_NAME] = [str(node_ref.get("name"))]
            if node_ref.get("uid"):
                extra[EXTRA_NODE_UID] = [str(node_ref.get("uid"))]
        return _sa_user(namespace, str(sa_ref.get("name")), str(uid), extra)

    # -- legacy tokens (legacy.go legacyValidator.Validate) --------------------------------------

    def _legacy(self, token: str, claims: Obj) -> UserInfo:
        prefix = "kubernetes.io/serviceaccount/"
        namespace = str(claims.get(prefix + "namespace") or "")
        secret_name = str(claims.get(prefix + "secret.name") or "")
        sa_name = str(claims.get(prefix + "service-account.name") or "")
        sa_uid = str(claims.get(prefix + "service-account.uid") or "")
        for value, what in (
            (claims.get("sub"), "sub"),
            (namespace, "namespace"),
            (secret_name, "secretName"),
            (sa_name, "serviceAccountName"),
            (sa_uid, "serviceAccountUID"),
        ):
            if not value:
                raise TokenError(f"{what} claim is missing")
        if claims.get("sub") != f"system:serviceaccount:{namespace}:{sa_name}":
            raise TokenError("sub claim is invalid")
        secret = self.get("secrets", namespace, secret_name)
        if secret is None or secret["metadata"].get("deletionTimestamp"):
            raise TokenError("Token has been invalidated")
        stored = (secret.get("data") or {}).get("token", "")
        try:
            stored_token = base64.b64decode(stored).decode() if stored else ""
        except (ValueError, UnicodeDecodeError):
            stored_token = ""
        if not secrets.compare_digest(stored_token.encode(), token.encode()):
            raise TokenError("Token does not match server's copy")
        sa = self.get("serviceaccounts", namespace, sa_name)
        if sa is None:
            raise TokenError(f'serviceaccounts "{sa_name}" not found')
        if sa["metadata"].get("deletionTimestamp"):
            raise TokenError(f"ServiceAccount {namespace}/{sa_name} has been deleted")
        if sa["metadata"].get("uid") != sa_uid:
            raise TokenError(
                f"ServiceAccount UID ({sa['metadata'].get('uid', '')}) does not match claim "
                f"({sa_uid})"
            )
        if self.on_legacy_use is not None:
            self.on_legacy_use(secret)
        return _sa_user(namespace, sa_name, sa_uid, {})


def _sa_user(namespace: str, name: str, uid: str, extra: dict[str, list[str]]) -> UserInfo:
    groups = ("system:serviceaccounts", f"system:serviceaccounts:{namespace}")
    return UserInfo.make(f"system:serviceaccount:{namespace}:{name}", groups, uid, extra or None)


def _go_list(values: Sequence[str]) -> str:
    """Go's %q of a []string (authenticator.Audiences): ``["a" "b"]``."""
    from rawkube.testing.server.rbac import go_quote_list

    return go_quote_list(values)
