"""The token authenticators of one LocalAPIServer (kube-apiserver's union of token
authenticators: the static token file, then ServiceAccount tokens; pkg/kubeapiserver/
authenticator/config.go).

Used by app.py for ``Authorization: Bearer`` requests and by the TokenReview and TokenRequest
endpoints (reviews.py) through ``API.authn``.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from rawkube.testing.server.auth import UserInfo
from rawkube.testing.server.auth_controllers import sort_managed_fields
from rawkube.testing.server.errors import APIError, ResourceKey, now_rfc3339
from rawkube.testing.server.rbac import aggregate_messages
from rawkube.testing.server.tokens import (
    API_AUDIENCES,
    ServiceAccountAuthenticator,
    TokenError,
    TokenSigner,
)

INVALID_BEARER_TOKEN = "invalid bearer token"
SUCCESS_CACHE_SECONDS = 10.0
LAST_USED_LABEL = "kubernetes.io/legacy-token-last-used"
APISERVER = "kube-apiserver"


class Authenticators:
    """Static tokens (--token-auth-file) and ServiceAccount tokens over a store."""

    def __init__(self, store_ref: Any, clock: Callable[[], float] = time.monotonic) -> None:
        # store_ref() -> the current store (LocalAPIServer may replace it when loading state)
        self._store_ref = store_ref
        self.clock = clock
        self._cache: dict[tuple[str, tuple[str, ...]], tuple[float, UserInfo, tuple[str, ...]]] = {}
        self._static: dict[str, UserInfo] = {}
        self._lock = threading.Lock()
        self.signer = TokenSigner()
        self.audiences: tuple[str, ...] = API_AUDIENCES
        self.service_accounts = ServiceAccountAuthenticator(
            self.signer, self._get, on_legacy_use=self._mark_legacy_use
        )

    def __repr__(self) -> str:
        return f"Authenticators({len(self._static)} static tokens, {self.signer!r})"

    def _get(self, resource: str, namespace: str, name: str) -> dict[str, Any] | None:
        store = self._store_ref()
        found: dict[str, Any] | None = store.get(ResourceKey("", resource), namespace, name)
        return found

    def _mark_legacy_use(self, secret: dict[str, Any]) -> None:
        """legacyValidator.patchSecretWithLastUsedDate: label a token Secret with the day its
        token was last used (a merge patch by kube-apiserver, at most once a day)."""
        now = time.gmtime()
        today = time.strftime("%Y-%m-%d", now)
        tomorrow = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 86400))
        labels = secret["metadata"].get("labels") or {}
        if labels.get(LAST_USED_LABEL) in (today, tomorrow):
            return
        meta = secret["metadata"]

        def change(draft: dict[str, Any]) -> None:
            draft_meta = draft["metadata"]
            had_labels = bool(draft_meta.get("labels"))
            draft_meta.setdefault("labels", {})[LAST_USED_LABEL] = today
            fields: dict[str, Any] = {f"f:{LAST_USED_LABEL}": {}}
            if not had_labels:
                fields = {".": {}, **fields}
            entries = [
                e for e in draft_meta.get("managedFields") or [] if e.get("manager") != APISERVER
            ]
            entries.append(
                {
                    "manager": APISERVER,
                    "operation": "Update",
                    "apiVersion": "v1",
                    "time": now_rfc3339(),
                    "fieldsType": "FieldsV1",
                    "fieldsV1": {"f:metadata": {"f:labels": fields}},
                }
            )
            draft_meta["managedFields"] = sort_managed_fields(entries)

        try:
            self._store_ref().mutate(
                ResourceKey("", "secrets"), meta.get("namespace", ""), meta["name"], change
            )
        except APIError:
            pass  # gone meanwhile: the real server only logs a failed patch

    def add_static(self, token: str, user: UserInfo) -> None:
        with self._lock:
            self._static[token] = user

    def authenticate_token(
        self, token: str, audiences: Sequence[str] | None = None
    ) -> tuple[UserInfo, list[str]]:
        """The union of token authenticators: (user, audiences), or TokenError with the
        message kube-apiserver reports: ``invalid bearer token`` when no authenticator knew the
        token, ``[invalid bearer token, <why>]`` when the ServiceAccount authenticator refused
        it. Successes are cached for 10 s (--token-success-cache-ttl, the tokencache wrapper
        of pkg/kubeapiserver/authenticator/config.go), failures are not."""
        key = (hashlib.sha256(token.encode()).hexdigest(), tuple(audiences or ()))
        now = self.clock()
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None and cached[0] > now:
                return cached[1], list(cached[2])
            static = list(self._static.items())
        found = self._authenticate(token, audiences, static)
        with self._lock:
            self._cache = {k: v for k, v in self._cache.items() if v[0] > now}
            self._cache[key] = (now + SUCCESS_CACHE_SECONDS, found[0], tuple(found[1]))
        return found

    def _authenticate(
        self, token: str, audiences: Sequence[str] | None, static: list[tuple[str, UserInfo]]
    ) -> tuple[UserInfo, list[str]]:
        for known, user in static:
            # compare_digest: no timing oracle on the token.
            if secrets.compare_digest(token.encode(), known.encode()):
                # Static tokens are audience-agnostic: valid for the apiserver's audiences
                # (authenticator.WrapAudienceAgnosticToken).
                wanted = list(audiences) if audiences else list(self.audiences)
                auds = [a for a in wanted if a in self.audiences]
                if not auds:
                    break
                return user, auds
        try:
            found = self.service_accounts.authenticate(token, audiences)
        except TokenError as err:
            raise TokenError(aggregate_messages([INVALID_BEARER_TOKEN, str(err)])) from None
        if found is None:
            raise TokenError(INVALID_BEARER_TOKEN)
        return found


__all__ = ["INVALID_BEARER_TOKEN", "SUCCESS_CACHE_SECONDS", "Authenticators"]
