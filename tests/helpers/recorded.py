"""Serve the recorded real API-server exchanges (fixtures/real-apiserver) to a client under test.

Used by the typed / dynamic / discovery / tools / examples tests. `Script` replays exchanges in
order and checks that every request matches the recorded one (method, path, query parameters
and JSON body), so a test fails if the client puts anything different on the wire. `Routes`
answers by path, for clients whose request order is not the point (discovery).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx

from rawkube.config.types import Config

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "real-apiserver"
HOST = "http://127.0.0.1:6443"


def exchange(prefix: str) -> dict[str, Any]:
    """The recorded exchange whose file name starts with `prefix` ("008" or "008-create...")."""
    matches = sorted(FIXTURES.glob(f"{prefix}*.json"))
    if len(matches) != 1:
        raise LookupError(f"{prefix!r} matches {len(matches)} fixture files")
    data: dict[str, Any] = json.loads(matches[0].read_text())
    return data


def response_body(prefix: str) -> Any:
    return copy.deepcopy(exchange(prefix)["response"]["body"])


def request_body(prefix: str) -> Any:
    return copy.deepcopy(exchange(prefix)["request"]["body"])


def to_response(resp: dict[str, Any]) -> httpx.Response:
    """A recorded response as an httpx.Response (a watch stream as JSON lines)."""
    headers = {k: v for k, v in resp.get("headers", {}).items() if k not in ("transfer-encoding",)}
    if resp.get("body_lines") is not None:
        content = b"".join(json.dumps(line).encode() + b"\n" for line in resp["body_lines"])
    elif resp.get("body") is None:
        content = b""
    elif isinstance(resp["body"], str):
        content = resp["body"].encode()
    else:
        content = json.dumps(resp["body"]).encode()
    return httpx.Response(resp["status"], headers=headers, content=content)


def _query(raw: str) -> dict[str, list[str]]:
    parsed = parse_qs(raw, keep_blank_values=True)
    # kubectl sends watch=1, client-go's ListOptions codec watch=true: the server reads both.
    if parsed.get("watch") == ["1"]:
        parsed["watch"] = ["true"]
    return parsed


class Script:
    """Ordered replay: each request must match the next recorded (or given) exchange."""

    def __init__(self, *steps: str | dict[str, Any]) -> None:
        self.steps: list[dict[str, Any]] = [exchange(s) if isinstance(s, str) else s for s in steps]
        self.seen: list[httpx.Request] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        if not self.steps:
            raise AssertionError(f"unexpected extra request {request.method} {request.url}")
        step = self.steps.pop(0)
        req = step["request"]
        self.seen.append(request)
        label = step.get("name", "")
        assert request.method == req["method"], (label, request.method)
        assert request.url.path == req["path"], (label, request.url.path)
        assert _query(request.url.query.decode()) == _query(req.get("query", "")), (
            label,
            request.url.query,
        )
        if req.get("body") is not None:
            sent = json.loads(request.content) if request.content else None
            assert sent == req["body"], (label, sent)
        if "content-type" in req.get("headers", {}):
            assert request.headers.get("content-type", "").startswith(
                req["headers"]["content-type"]
            ), (label, request.headers.get("content-type"))
        return to_response(step["response"])

    def config(self) -> Config:
        return Config(host=HOST, transport=httpx.MockTransport(self.handler), qps=0)

    def done(self) -> bool:
        return not self.steps


class Routes:
    """Answer by path (GET only); unknown paths get a 404 NotFound Status."""

    def __init__(self, routes: dict[str, dict[str, Any]]) -> None:
        self.routes = routes
        self.requests: list[httpx.Request] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        resp = self.routes.get(request.url.path)
        if resp is None:
            return httpx.Response(
                404,
                json={
                    "kind": "Status",
                    "apiVersion": "v1",
                    "status": "Failure",
                    "reason": "NotFound",
                    "code": 404,
                    "message": "the server could not find the requested resource",
                },
            )
        return to_response(resp)

    def config(self) -> Config:
        return Config(host=HOST, transport=httpx.MockTransport(self.handler), qps=0)

    def paths(self) -> list[str]:
        return [r.url.path for r in self.requests]
