"""A request and a response as the API handlers see them (no sockets: app.py owns those)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from rawkube.testing.server.auth import UserInfo
from rawkube.testing.server.encoding import encode
from rawkube.testing.server.errors import APIError, ResourceKey
from rawkube.testing.server.resources import ResourceInfo

JSON = "application/json"


@dataclass
class Request:
    """One HTTP request as the API sees it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes = b""
    user: UserInfo | None = None  # None: trusted in-process caller, not authorized
    authorized: bool = False  # app.py's filters authorized it already (RequestInfo + RBAC)

    @classmethod
    def build(
        cls,
        method: str,
        target: str,
        headers: dict[str, str],
        body: bytes = b"",
        user: UserInfo | None = None,
    ) -> Request:
        path, _, query = target.partition("?")
        return cls(
            method.upper(),
            path,
            parse_qs(query, keep_blank_values=True),
            {k.lower(): v for k, v in headers.items()},
            body,
            user,
        )

    def param(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    def flag(self, name: str) -> bool:
        return (self.param(name) or "").lower() in ("true", "1")

    @property
    def accept(self) -> str:
        return self.headers.get("accept", "*/*")

    @property
    def content_type(self) -> str:
        """The media type of the body, without parameters."""
        return self.headers.get("content-type", "").split(";")[0].strip()


@dataclass
class Response:
    """A complete response, or a streaming one when ``stream`` is set (watch, log follow)."""

    status: int
    body: bytes = b""
    content_type: str = JSON
    headers: list[tuple[str, str]] = field(default_factory=list)
    stream: Iterator[bytes] | None = None
    # A 101 Switching Protocols answer: app.py writes the status and headers, then hands the
    # connection to this (exec, attach, portforward; see streams.py).
    upgrade: Callable[[Any], None] | None = None


@dataclass
class Target:
    """What a resource URL names: /apis/{group}/{version}/namespaces/{ns}/{resource}/{name}/{sub}."""

    info: ResourceInfo
    namespace: str
    name: str
    subresource: str

    @property
    def key(self) -> ResourceKey:
        return self.info.key


def status_response(err: APIError) -> Response:
    return Response(err.code, encode(err.status()))


def success_status(details: dict[str, Any]) -> dict[str, Any]:
    """The Status a delete answers with when the object is gone at once (recording 042)."""
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": details,
    }


__all__ = ["JSON", "Request", "Response", "Target", "status_response", "success_status"]
