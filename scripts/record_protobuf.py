#!/usr/bin/env python3
"""Record a real API server's protobuf answers, each beside its JSON twin, into fixtures/protobuf/.

    python scripts/record_protobuf.py --kubeconfig ~/realkube/kubeconfig [--context admin-cert]

The seed's flow (create a Deployment, get, update with a conflict, list, watch, delete with
propagationPolicy=Foreground) plus objects that exercise every special type of the encoding
(Quantity, IntOrString, []byte, MicroTime, ExtraValue, Verbs, the apiextensions JSON schema unions,
Status errors). Every request body is sent as protobuf, written by rawkube.protobuf, so the real
server is also the judge of rawkube's encoding.

Each file `NNN-name.json` is a cassette of two exchanges in the fixture format
(`rawkube.testing.fixture`): the protobuf exchange (`Accept: application/vnd.kubernetes.protobuf`,
body stored as base64) and its JSON twin, the same object(s) in JSON:
* a GET or LIST is repeated in JSON until the resourceVersion matches (a LIST at the same
  resourceVersion with resourceVersionMatch=Exact);
* a write's answer is paired with a LIST at its resourceVersion (Exact) filtered to its name;
* a watch is repeated in JSON from the same resourceVersion (its events start the same way).
`tests/protobuf/test_protobuf_recorded.py` replays them: decoding must equal the JSON, encoding the JSON
must give the server's bytes.

Objects live in namespace `h13-protobuf-rec` (deleted at the end); nothing secret is recorded
(no Authorization header; the one Secret holds a dummy value).
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from rawkube import protobuf  # noqa: E402
from rawkube.config import load_config  # noqa: E402
from rawkube.testing.fixture import (  # noqa: E402
    Exchange,
    RecordedRequest,
    RecordedResponse,
    encode_body,
    save_fixture,
)
from rawkube.transport import build_client  # noqa: E402

OUT = ROOT / "fixtures" / "protobuf"
NS = "h13-protobuf-rec"
PB = protobuf.CONTENT_TYPE
JSON = "application/json"
DEPLOY = f"/apis/apps/v1/namespaces/{NS}/deployments"
CRD = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.h13.example.com"


def deployment(replicas: int = 2) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "demo-deployment", "labels": {"app": "demo"}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "demo"}},
            "template": {
                "metadata": {"labels": {"app": "demo"}},
                "spec": {
                    "containers": [
                        {
                            "name": "web",
                            "image": "nginx:1.27",
                            "ports": [{"containerPort": 80}],
                            "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}},
                        }
                    ]
                },
            },
            "strategy": {"rollingUpdate": {"maxSurge": 1, "maxUnavailable": "25%"}},
        },
    }


class Recorder:
    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self.count = 0

    def send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
        accept: str = PB,
        send_as: str = PB,
    ) -> tuple[Exchange, httpx.Response]:
        headers = {"Accept": accept}
        content = None
        if body is not None:
            headers["Content-Type"] = send_as
            content = protobuf.encode(body) if send_as == PB else json.dumps(body).encode()
        resp = self.client.request(method, path, params=params, headers=headers, content=content)
        return self.exchange(method, path, resp, headers, content), resp

    @staticmethod
    def exchange(
        method: str, path: str, resp: httpx.Response, headers: dict[str, str], content: Any
    ) -> Exchange:
        keep = ("content-type",)
        return Exchange(
            name=f"{method.lower()}",
            request=RecordedRequest(
                method=method,
                path=path,
                query=resp.request.url.query.decode(),
                headers={k.lower(): v for k, v in headers.items()},
                body=encode_body(content) if content else None,
            ),
            response=RecordedResponse(
                status=resp.status_code,
                headers={k: resp.headers[k] for k in keep if k in resp.headers},
                body=encode_body(resp.content),
            ),
        )

    def save(self, name: str, note: str, exchanges: list[Exchange]) -> None:
        self.count += 1
        for ex in exchanges:
            ex.name = name
            ex.note = note
        path = save_fixture(OUT / f"{self.count:03d}-{name}.json", exchanges)
        print(f"  {path.relative_to(ROOT)}: {[ex.response.status for ex in exchanges]}")

    # -- pairing ----------------------------------------------------------------------------

    def exact_twin(self, list_path: str, obj: dict[str, Any]) -> Exchange:
        """The JSON of an object as of its resourceVersion: an Exact LIST filtered by name."""
        params = {
            "resourceVersion": obj["metadata"]["resourceVersion"],
            "resourceVersionMatch": "Exact",
            "fieldSelector": f"metadata.name={obj['metadata']['name']}",
        }
        ex, resp = self.send("GET", list_path, params=params, accept=JSON)
        resp.raise_for_status()
        return ex

    def twin_reads(
        self, path: str, params: dict[str, str] | None = None
    ) -> tuple[Exchange, Exchange]:
        """The same GET in protobuf and JSON, repeated until both show one resourceVersion."""
        for _ in range(20):
            pb_ex, pb_resp = self.send("GET", path, params=params)
            js_ex, js_resp = self.send("GET", path, params=params, accept=JSON)
            rv_pb = _rv(protobuf.decode(pb_resp.content)) if pb_resp.status_code < 300 else None
            rv_js = _rv(js_resp.json()) if js_resp.status_code < 300 else None
            if rv_pb == rv_js:
                return pb_ex, js_ex
            time.sleep(0.3)
        raise SystemExit(f"{path}: no quiet moment to pair the protobuf and JSON answers")


def _rv(obj: dict[str, Any]) -> str | None:
    return (obj.get("metadata") or {}).get("resourceVersion")


def record(client: httpx.Client) -> None:
    rec = Recorder(client)
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.json"):  # the cassettes (openapi-v2/ is written separately)
        old.unlink()
    client.delete(f"/api/v1/namespaces/{NS}")
    client.delete(CRD)
    for _ in range(120):
        if client.get(f"/api/v1/namespaces/{NS}").status_code == 404:
            break
        time.sleep(1)

    # the namespace itself, created with a protobuf body
    ex, resp = rec.send("POST", "/api/v1/namespaces", body=_ns())
    resp.raise_for_status()
    rec.save(
        "create-namespace",
        "POST a Namespace",
        [ex, rec.exact_twin("/api/v1/namespaces", protobuf.decode(resp.content))],
    )

    # -- the seed's flow --------------------------------------------------------------------
    ex, resp = rec.send("POST", DEPLOY, body=deployment())
    resp.raise_for_status()
    created = protobuf.decode(resp.content)
    rec.save("create-deployment", "POST (protobuf body)", [ex, rec.exact_twin(DEPLOY, created)])

    watch_rv = created["metadata"]["resourceVersion"]
    watched: dict[str, Any] = {}

    def watch() -> None:
        params = {"watch": "true", "resourceVersion": watch_rv, "timeoutSeconds": "6"}
        with client.stream("GET", DEPLOY, params=params, headers={"Accept": PB}) as r:
            data = r.read()
        watched["exchange"] = Recorder.exchange("GET", DEPLOY, r, {"Accept": PB}, None)
        watched["exchange"].response.body = {"base64": base64.b64encode(data).decode()}

    watcher = threading.Thread(target=watch)
    watcher.start()

    pb_ex, js_ex = rec.twin_reads(f"{DEPLOY}/demo-deployment")
    rec.save("get-deployment", "GET in protobuf and in JSON", [pb_ex, js_ex])
    current = protobuf.decode(base64.b64decode(pb_ex.response.body["base64"]))

    # update with a stale resourceVersion first: 409 Conflict, a Status in protobuf
    stale = json.loads(json.dumps(current))
    stale["metadata"]["resourceVersion"] = str(int(watch_rv) - 1)
    stale["spec"]["replicas"] = 3
    ex, resp = rec.send("PUT", f"{DEPLOY}/demo-deployment", body=stale)
    js, _ = rec.send("PUT", f"{DEPLOY}/demo-deployment", body=stale, accept=JSON, send_as=JSON)
    rec.save("update-deployment-conflict", "PUT with a stale resourceVersion", [ex, js])

    for _ in range(10):  # RetryOnConflict: get, change, put
        current = protobuf.decode(rec.send("GET", f"{DEPLOY}/demo-deployment")[1].content)
        current["spec"]["replicas"] = 1
        current["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.28"
        ex, resp = rec.send("PUT", f"{DEPLOY}/demo-deployment", body=current)
        if resp.status_code != 409:
            break
    resp.raise_for_status()
    updated = protobuf.decode(resp.content)
    rec.save("update-deployment", "PUT (protobuf body)", [ex, rec.exact_twin(DEPLOY, updated)])

    listed = protobuf.decode(rec.send("GET", DEPLOY)[1].content)
    params = {"resourceVersion": _rv(listed) or "", "resourceVersionMatch": "Exact"}
    ex, _ = rec.send("GET", DEPLOY, params=params)
    js, _ = rec.send("GET", DEPLOY, params=params, accept=JSON)
    rec.save("list-deployments", "LIST at one resourceVersion (Exact)", [ex, js])

    watcher.join(timeout=30)
    params = {"watch": "true", "resourceVersion": watch_rv, "timeoutSeconds": "6"}
    with client.stream("GET", DEPLOY, params=params, headers={"Accept": JSON}) as r:
        lines = [json.loads(line) for line in r.read().splitlines() if line.strip()]
    js = Recorder.exchange("GET", DEPLOY, r, {"Accept": JSON}, None)
    js.response.body = None
    js.response.body_lines = lines
    rec.save(
        "watch-deployments",
        "WATCH from the create's resourceVersion, both ways",
        [watched["exchange"], js],
    )

    options = {"apiVersion": "v1", "kind": "DeleteOptions", "propagationPolicy": "Foreground"}
    ex, resp = rec.send("DELETE", f"{DEPLOY}/demo-deployment", body=options)
    resp.raise_for_status()
    deleting = protobuf.decode(resp.content)
    rec.save(
        "delete-deployment-foreground",
        "DELETE, DeleteOptions in protobuf",
        [ex, rec.exact_twin(DEPLOY, deleting)],
    )

    pb_ex, js_ex = rec.twin_reads(f"{DEPLOY}/no-such-deployment")
    rec.save("get-deployment-not-found", "404: a Status in protobuf", [pb_ex, js_ex])

    # -- the special types -----------------------------------------------------------------
    for path, body in _objects():
        ex, resp = rec.send("POST", path, body=body)
        if resp.status_code >= 300:
            raise SystemExit(f"POST {path}: {resp.status_code} {resp.content[:300]!r}")
        obj = protobuf.decode(resp.content)
        name = f"create-{obj['kind'].lower()}"
        if "generateName" in body["metadata"] or obj["kind"].endswith("Review"):
            # not stored (reviews) or named by the server: the JSON twin is the same request
            js, _ = rec.send("POST", path, body=body, accept=JSON, send_as=JSON)
            rec.save(name, f"POST {obj['kind']} in both encodings", [ex, js])
        else:
            rec.save(name, f"POST {obj['kind']}", [ex, rec.exact_twin(path, obj)])

    for path in ("/apis", "/api/v1", "/apis/apps/v1"):
        pb_ex, js_ex = rec.twin_reads(path)
        rec.save("discovery" + path.replace("/", "-"), f"GET {path}", [pb_ex, js_ex])

    client.delete(f"/api/v1/namespaces/{NS}")
    client.delete(CRD)


def record_openapi(client: httpx.Client) -> None:
    """GET /openapi/v2 in JSON and in gnostic protobuf, as kubectl asks for it (gzipped)."""
    import gzip

    pb_type = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"
    for _ in range(10):
        as_json = client.get("/openapi/v2", headers={"Accept": JSON})
        as_pb = client.get("/openapi/v2", headers={"Accept": pb_type})
        again = client.get("/openapi/v2", headers={"Accept": JSON})
        if as_json.content == again.content:  # no CRD came or went in between
            break
    folder = OUT / "openapi-v2"
    folder.mkdir(parents=True, exist_ok=True)
    for name, resp in (("swagger.json.gz", as_json), ("swagger.pb.gz", as_pb)):
        resp.raise_for_status()
        (folder / name).write_bytes(gzip.compress(resp.content, compresslevel=9, mtime=0))
    (folder / "content-type").write_text(as_pb.headers["content-type"] + "\n")
    print(f"  {folder.relative_to(ROOT)}: JSON {len(as_json.content)} B, protobuf {len(as_pb.content)} B")


def _ns() -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}}


def _objects() -> list[tuple[str, dict[str, Any]]]:
    core = f"/api/v1/namespaces/{NS}"
    return [
        (
            f"{core}/configmaps",
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "settings", "annotations": {"note": "<&>"}},
                "data": {"mode": "fast", "empty": ""},
                "binaryData": {"blob": base64.b64encode(bytes(range(0, 256, 7))).decode()},
            },
        ),
        (
            f"{core}/secrets",
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": "dummy"},
                "type": "Opaque",
                "data": {"value": base64.b64encode(b"not-a-secret").decode()},
            },
        ),
        (
            f"{core}/services",
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": "web"},
                "spec": {
                    "selector": {"app": "demo"},
                    "ports": [
                        {"name": "http", "port": 80, "targetPort": "http"},
                        {"name": "alt", "port": 8080, "targetPort": 8081},
                    ],
                },
            },
        ),
        (
            f"{core}/pods",
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": "probe", "labels": {"app": "demo"}},
                "spec": {
                    "containers": [
                        {
                            "name": "web",
                            "image": "nginx:1.27",
                            "resources": {
                                "requests": {"cpu": "250m", "memory": "128Mi"},
                                "limits": {"cpu": "1", "memory": "1Gi"},
                            },
                            "livenessProbe": {"httpGet": {"path": "/", "port": 80}},
                            "readinessProbe": {"tcpSocket": {"port": "http"}},
                            "ports": [{"name": "http", "containerPort": 80}],
                            "env": [{"name": "A", "value": ""}],
                        }
                    ],
                    "volumes": [
                        {"name": "cfg", "configMap": {"name": "settings", "defaultMode": 420}},
                        {"name": "scratch", "emptyDir": {"sizeLimit": "1Gi"}},
                    ],
                    "activeDeadlineSeconds": 0 + 600,
                },
            },
        ),
        (
            f"/apis/coordination.k8s.io/v1/namespaces/{NS}/leases",
            {
                "apiVersion": "coordination.k8s.io/v1",
                "kind": "Lease",
                "metadata": {"name": "leader"},
                "spec": {
                    "holderIdentity": "h13",
                    "leaseDurationSeconds": 15,
                    "acquireTime": "2026-12-07T12:00:00.123456Z",
                    "renewTime": "2026-12-07T12:00:05.000001Z",
                    "leaseTransitions": 0,
                },
            },
        ),
        (
            f"/apis/events.k8s.io/v1/namespaces/{NS}/events",
            {
                "apiVersion": "events.k8s.io/v1",
                "kind": "Event",
                "metadata": {"name": "probe.1"},
                "eventTime": "2026-12-07T12:00:00.654321Z",
                "reportingController": "h13/recorder",
                "reportingInstance": "h13-1",
                "action": "Probe",
                "reason": "Recorded",
                "type": "Normal",
                "note": "recorded by scripts/record_protobuf.py",
                "regarding": {"kind": "Pod", "namespace": NS, "name": "probe"},
            },
        ),
        (
            f"/apis/autoscaling/v2/namespaces/{NS}/horizontalpodautoscalers",
            {
                "apiVersion": "autoscaling/v2",
                "kind": "HorizontalPodAutoscaler",
                "metadata": {"name": "web"},
                "spec": {
                    "scaleTargetRef": {
                        "apiVersion": "apps/v1",
                        "kind": "Deployment",
                        "name": "web",
                    },
                    "minReplicas": 1,
                    "maxReplicas": 5,
                    "metrics": [
                        {
                            "type": "Resource",
                            "resource": {
                                "name": "memory",
                                "target": {"type": "AverageValue", "averageValue": "500Mi"},
                            },
                        }
                    ],
                },
            },
        ),
        (
            "/apis/authorization.k8s.io/v1/subjectaccessreviews",
            {
                "apiVersion": "authorization.k8s.io/v1",
                "kind": "SubjectAccessReview",
                "metadata": {},
                "spec": {
                    "user": "alice",
                    "groups": ["dev"],
                    "extra": {"scopes": ["read", "write"], "empty": []},
                    "resourceAttributes": {"verb": "get", "resource": "pods", "namespace": NS},
                },
            },
        ),
        (
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
            {
                "apiVersion": "apiextensions.k8s.io/v1",
                "kind": "CustomResourceDefinition",
                "metadata": {"name": "widgets.h13.example.com"},
                "spec": {
                    "group": "h13.example.com",
                    "scope": "Namespaced",
                    "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
                    "versions": [
                        {
                            "name": "v1",
                            "served": True,
                            "storage": True,
                            "schema": {
                                "openAPIV3Schema": {
                                    "type": "object",
                                    "properties": {
                                        "spec": {
                                            "type": "object",
                                            "required": ["size"],
                                            "properties": {
                                                "size": {
                                                    "type": "integer",
                                                    "minimum": 1,
                                                    "maximum": 10,
                                                    "default": 3,
                                                },
                                                "ratio": {"type": "number", "maximum": 10.5},
                                                "color": {
                                                    "type": "string",
                                                    "enum": ["red", "blue"],
                                                },
                                                "tags": {
                                                    "type": "array",
                                                    "items": {"type": "string"},
                                                },
                                                "extra": {
                                                    "type": "object",
                                                    "additionalProperties": {"type": "string"},
                                                },
                                                "free": {
                                                    "type": "object",
                                                    "x-kubernetes-preserve-unknown-fields": True,
                                                },
                                            },
                                            "x-kubernetes-validations": [
                                                {"rule": "self.size < 10", "message": "small"}
                                            ],
                                        },
                                        "status": {
                                            "type": "object",
                                            "additionalProperties": False,
                                        },
                                    },
                                }
                            },
                            "subresources": {"status": {}},
                            "additionalPrinterColumns": [
                                {"name": "Size", "type": "integer", "jsonPath": ".spec.size"}
                            ],
                        }
                    ],
                },
            },
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--kubeconfig", required=True)
    parser.add_argument("--context")
    parser.add_argument("--openapi-only", action="store_true", help="only GET /openapi/v2")
    args = parser.parse_args(argv)
    config = load_config(kubeconfig=args.kubeconfig, context=args.context)
    with build_client(config) as client:
        if not args.openapi_only:
            record(client)
        record_openapi(client)
    return 0


if __name__ == "__main__":
    sys.exit(main())
