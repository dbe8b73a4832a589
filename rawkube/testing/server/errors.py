"""The API errors of the LocalAPIServer: what the HTTP layer turns into ``Status`` bodies.

Mirrors k8s.io/apimachinery/pkg/api/errors (NewNotFound, NewAlreadyExists, NewConflict,
NewResourceExpired, ...). Every layer (storage, registry, admission, handlers) raises these;
import them from here (``rawkube.testing.server.store`` re-exports them for older code).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, NamedTuple

Obj = dict[str, Any]


class ResourceKey(NamedTuple):
    """Where a kind of object is stored: the API group and the plural resource name."""

    group: str
    resource: str

    @property
    def qualified(self) -> str:
        """``deployments.apps`` (``pods`` for the core group): the name in error messages."""
        return f"{self.resource}.{self.group}" if self.group else self.resource


class APIError(Exception):
    """A failure the HTTP layer turns into a ``Status`` body (metav1.Status).

    ``details`` is the Status ``details`` object (name, group, kind, causes, ...), or None.
    The message never contains request bodies, so no secret can leak through it.
    """

    def __init__(
        self, code: int, reason: str, message: str, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.list_meta: dict[str, Any] | None = None  # the Status's ListMeta (a 410's continue)

    def status(self) -> Obj:
        """The metav1.Status body, with fields in the order the real server writes them."""
        body: Obj = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": dict(self.list_meta or {}),
            "status": "Failure",
            "message": self.message,
        }
        if self.reason:  # metav1.Status.Reason is omitempty
            body["reason"] = self.reason
        if self.details is not None:
            body["details"] = self.details
        body["code"] = self.code
        return body


def _details(key: ResourceKey, name: str) -> dict[str, Any]:
    # The apiserver puts the *resource* in details.kind for these errors (see 009, 019).
    details: dict[str, Any] = {"name": name}
    if key.group:
        details["group"] = key.group
    details["kind"] = key.resource
    return details


def not_found(key: ResourceKey, name: str) -> APIError:
    """404 NotFound, errors.NewNotFound: ``deployments.apps "x" not found``."""
    return APIError(404, "NotFound", f'{key.qualified} "{name}" not found', _details(key, name))


def already_exists(key: ResourceKey, name: str) -> APIError:
    """409 AlreadyExists, errors.NewAlreadyExists."""
    return APIError(
        409, "AlreadyExists", f'{key.qualified} "{name}" already exists', _details(key, name)
    )


def conflict(key: ResourceKey, name: str, why: str) -> APIError:
    """409 Conflict, errors.NewConflict: ``Operation cannot be fulfilled on ...: <why>``."""
    return APIError(
        409,
        "Conflict",
        f'Operation cannot be fulfilled on {key.qualified} "{name}": {why}',
        _details(key, name),
    )


# registry/generic/registry/store.go OptimisticLockErrorMsg
STALE_MESSAGE = (
    "the object has been modified; please apply your changes to the latest version and try again"
)


def expired(message: str) -> APIError:
    """410 Expired (errors.NewResourceExpired), e.g. a watch from a compacted resourceVersion."""
    return APIError(410, "Expired", message)


def not_found_path() -> APIError:
    """The 404 of a URL that names nothing the server serves."""
    return APIError(404, "NotFound", "the server could not find the requested resource")


def method_not_allowed() -> APIError:
    return APIError(
        405, "MethodNotAllowed", "the server does not allow this method on the requested resource"
    )


def now_rfc3339(offset_seconds: int = 0) -> str:
    """metav1.Time's wire form: UTC, second precision (optionally ``offset_seconds`` from now)."""
    moment = datetime.now(timezone.utc) + timedelta(seconds=offset_seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


__all__ = [
    "APIError",
    "Obj",
    "ResourceKey",
    "STALE_MESSAGE",
    "already_exists",
    "conflict",
    "expired",
    "method_not_allowed",
    "not_found",
    "not_found_path",
    "now_rfc3339",
]
