"""A tiny stand-in API server (stdlib only) and the seed's flow, shared by the record/replay tests.

The server keeps Deployments and Secrets in memory and answers with the shapes of
`fixtures/real-apiserver/` (201 on create, 409 AlreadyExists/Conflict, 404 NotFound, a watch
as newline-delimited events, Foreground deletion returning the object with finalizers). It
requires a bearer token, so the tests can check that the token never reaches a recording.
Uids and timestamps are random: a replay that returns them unchanged really came from the file.
"""

from __future__ import annotations

import gzip
import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

TOKEN = "s3cr3t-token-do-not-record"
SECRET_VALUE = "c3VwZXItc2VjcmV0LXBhc3N3b3Jk"  # base64("super-secret-password")

_DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments"
_SECRETS = "/api/v1/namespaces/default/secrets"


def _status(code: int, reason: str, message: str) -> dict[str, Any]:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }


class _State:
    def __init__(self) -> None:
        self.objects: dict[str, dict[str, Any]] = {}
        self.events: list[tuple[int, str, dict[str, Any]]] = []
        self.rv = 100
        self.lock = threading.Lock()

    def bump(self, event: str, obj: dict[str, Any]) -> None:
        self.rv += 1
        obj["metadata"]["resourceVersion"] = str(self.rv)
        self.events.append((self.rv, event, json.loads(json.dumps(obj))))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes: no 40 ms stalls
    state: _State

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass

    def _send(self, code: int, body: Any, gzip_it: bool = False) -> None:
        data = json.dumps(body).encode() + b"\n"
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Audit-Id", str(uuid.uuid4()))
        if gzip_it and "gzip" in self.headers.get("Accept-Encoding", ""):
            data = gzip.compress(data)
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length)) if length else None

    def _route(self, method: str) -> None:
        url = urlsplit(self.path)
        query = dict(parse_qsl(url.query))
        body = self._body()
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self._send(401, _status(401, "Unauthorized", "Unauthorized"))
            return
        for prefix in (_DEPLOYMENTS, _SECRETS):
            if url.path == prefix or url.path.startswith(prefix + "/"):
                name = url.path[len(prefix) + 1 :]
                with self.state.lock:
                    getattr(self, f"_{method.lower()}")(prefix, name, query, body)
                return
        self._send(
            404, _status(404, "NotFound", "the server could not find the requested resource")
        )

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_PUT(self) -> None:
        self._route("PUT")

    def do_DELETE(self) -> None:
        self._route("DELETE")

    def _post(self, prefix: str, name: str, query: dict[str, str], body: Any) -> None:
        key = prefix + "/" + body["metadata"]["name"]
        if key in self.state.objects:
            msg = f'deployments.apps "{body["metadata"]["name"]}" already exists'
            self._send(409, _status(409, "AlreadyExists", msg))
            return
        body["metadata"].update(uid=str(uuid.uuid4()), creationTimestamp="2026-11-25T01:00:00Z")
        self.state.objects[key] = body
        self.state.bump("ADDED", body)
        self._send(201, body)

    def _get(self, prefix: str, name: str, query: dict[str, str], body: Any) -> None:
        if query.get("watch") in ("1", "true"):
            self._watch(int(query.get("resourceVersion") or 0))
        elif not name:
            items = [o for k, o in self.state.objects.items() if k.startswith(prefix + "/")]
            meta = {"resourceVersion": str(self.state.rv)}
            self._send(
                200,
                {
                    "kind": "DeploymentList",
                    "apiVersion": "apps/v1",
                    "metadata": meta,
                    "items": items,
                },
                gzip_it=True,
            )
        elif prefix + "/" + name in self.state.objects:
            self._send(200, self.state.objects[prefix + "/" + name])
        else:
            self._send(404, _status(404, "NotFound", f'deployments.apps "{name}" not found'))

    def _put(self, prefix: str, name: str, query: dict[str, str], body: Any) -> None:
        current = self.state.objects.get(prefix + "/" + name)
        if current is None:
            self._send(404, _status(404, "NotFound", f'deployments.apps "{name}" not found'))
        elif body["metadata"].get("resourceVersion") != current["metadata"]["resourceVersion"]:
            self._send(409, _status(409, "Conflict", "the object has been modified"))
        else:
            body["metadata"]["generation"] = current["metadata"].get("generation", 1) + 1
            self.state.objects[prefix + "/" + name] = body
            self.state.bump("MODIFIED", body)
            self._send(200, body)

    def _delete(self, prefix: str, name: str, query: dict[str, str], body: Any) -> None:
        obj = self.state.objects.pop(prefix + "/" + name, None)
        if obj is None:
            self._send(404, _status(404, "NotFound", f'deployments.apps "{name}" not found'))
            return
        policy = (body or {}).get("propagationPolicy", "Background")
        self.state.bump("DELETED", obj)
        if policy == "Foreground":
            # Like the real server (041-delete-foreground.json): the object, being finalized.
            obj["metadata"].update(
                deletionTimestamp="2026-11-25T01:00:09Z", finalizers=["foregroundDeletion"]
            )
            self._send(200, obj)
        else:
            status = dict(_status(200, "", ""), status="Success")
            status.pop("reason"), status.pop("message")
            status["details"] = {"name": name, "group": "apps", "kind": "deployments"}
            self._send(200, status)

    def _watch(self, since: int) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for rv, event, obj in self.state.events:
            if rv > since:
                line = json.dumps({"type": event, "object": obj}).encode() + b"\n"
                self.wfile.write(b"%x\r\n%s\r\n" % (len(line), line))
        self.wfile.write(b"0\r\n\r\n")


@contextmanager
def fake_apiserver() -> Iterator[str]:
    """Serve on 127.0.0.1 (random port) for the duration of the block; yields the base URL."""
    handler = type("Handler", (_Handler,), {"state": _State()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


DEPLOYMENT: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "demo-deployment", "namespace": "default", "labels": {"app": "demo"}},
    "spec": {
        "replicas": 2,
        "selector": {"matchLabels": {"app": "demo"}},
        "template": {
            "metadata": {"labels": {"app": "demo"}},
            "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
        },
    },
}


def seed_flow_httpx(client: httpx.Client) -> list[Any]:
    """The seed's flow over plain httpx: create, get, update, list, watch, delete (Foreground).

    Returns what a caller observes (status codes and decoded bodies, watch events in order).
    """
    out: list[Any] = []

    def call(method: str, url: str, **kw: Any) -> Any:
        response = client.request(method, url, **kw)
        out.append((response.status_code, response.json()))
        return response.json()

    created = call("POST", _DEPLOYMENTS, json=DEPLOYMENT)
    call("POST", _DEPLOYMENTS, json=DEPLOYMENT)  # AlreadyExists: the same request, another answer
    got = call("GET", f"{_DEPLOYMENTS}/demo-deployment")
    got["spec"]["replicas"] = 3
    call("PUT", f"{_DEPLOYMENTS}/demo-deployment", json=got)
    call("PUT", f"{_DEPLOYMENTS}/demo-deployment", json=got)  # stale resourceVersion: Conflict
    listed = call("GET", _DEPLOYMENTS)
    params = {"watch": "1", "resourceVersion": created["metadata"]["resourceVersion"]}
    with client.stream("GET", _DEPLOYMENTS, params=params) as response:
        out.append((response.status_code, [json.loads(line) for line in response.iter_lines()]))
    body = {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Foreground"}
    call("DELETE", f"{_DEPLOYMENTS}/demo-deployment", json=body)
    call("GET", f"{_DEPLOYMENTS}/demo-deployment")  # NotFound after deletion
    assert listed["items"], "the list should hold the created deployment"
    return out


async def seed_flow_httpx_async(client: httpx.AsyncClient) -> list[Any]:
    """The same flow as `seed_flow_httpx`, over an AsyncClient."""
    out: list[Any] = []

    async def call(method: str, url: str, **kw: Any) -> Any:
        response = await client.request(method, url, **kw)
        out.append((response.status_code, response.json()))
        return response.json()

    created = await call("POST", _DEPLOYMENTS, json=DEPLOYMENT)
    await call("POST", _DEPLOYMENTS, json=DEPLOYMENT)
    got = await call("GET", f"{_DEPLOYMENTS}/demo-deployment")
    got["spec"]["replicas"] = 3
    await call("PUT", f"{_DEPLOYMENTS}/demo-deployment", json=got)
    await call("PUT", f"{_DEPLOYMENTS}/demo-deployment", json=got)
    await call("GET", _DEPLOYMENTS)
    params = {"watch": "1", "resourceVersion": created["metadata"]["resourceVersion"]}
    async with client.stream("GET", _DEPLOYMENTS, params=params) as response:
        lines = [json.loads(line) async for line in response.aiter_lines()]
        out.append((response.status_code, lines))
    body = {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Foreground"}
    await call("DELETE", f"{_DEPLOYMENTS}/demo-deployment", json=body)
    await call("GET", f"{_DEPLOYMENTS}/demo-deployment")
    return out


def secret_flow_httpx(client: httpx.Client) -> Any:
    """Create and read back a Secret (for the masking tests)."""
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "db", "namespace": "default"},
        "data": {"password": SECRET_VALUE},
        "stringData": {"extra": "plain-secret-text"},
    }
    client.post(_SECRETS, json=secret)
    return client.get(f"{_SECRETS}/db").json()
