"""The LocalAPIServer speaks protobuf: negotiation, answers, watch frames, request bodies, /openapi/v2.

Each rule was observed on a real kube-apiserver 1.36 (scripts/record_protobuf.py and by hand; see
rawkube/testing/server/negotiation.py); the bytes come from rawkube.protobuf, whose encoding is
checked against the real server's in tests/protobuf/test_protobuf_recorded.py.
"""

from __future__ import annotations

import gzip
import json
import ssl
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from rawkube import protobuf
from rawkube.testing.server import LocalAPIServer, negotiation, openapi_proto
from rawkube.testing.server.errors import APIError
from rawkube.transport import build_client

ROOT = Path(__file__).resolve().parents[3]
PB = protobuf.CONTENT_TYPE
NS = "pb-test"
DEPLOYMENTS = f"/apis/apps/v1/namespaces/{NS}/deployments"


# -- negotiation, as the real server does it ---------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        (PB, PB),
        (f"{PB},application/json", PB),
        (f"application/json;q=0.9,{PB}", PB),  # q-values first
        (f"{PB};q=0.5,application/json", "application/json"),
        (f"{PB};q=0", PB),  # the real server does not drop q=0
        ("*/*", "application/json"),
        ("", "application/json"),
        # The handler's negotiation takes a subtype wildcard; go-restful's route selection
        # refused it before (406, routes.py; recording differential/negotiation/accept-wildcards).
        ("application/*", "application/json"),
        ("text/html", None),
        (f"{PB};as=Table;v=v1;g=meta.k8s.io,application/json", "application/json"),
        (f"{PB};as=Table;v=v1;g=meta.k8s.io", None),
        ("application/yaml,application/json", "application/yaml"),
    ],
)
def test_choose(accept: str, chosen: str | None) -> None:
    media = negotiation.choose(accept)
    assert (media.type if media else None) == chosen


def test_custom_resources_never_choose_protobuf() -> None:
    assert negotiation.choose(PB, protobuf_ok=False) is None
    media = negotiation.choose(f"{PB},application/json", protobuf_ok=False)
    assert media is not None and media.type == "application/json"
    with pytest.raises(APIError) as err:
        negotiation.check_acceptable(PB, protobuf_ok=False)
    assert err.value.code == 406


def test_answers_are_re_encoded_only_when_they_can_be() -> None:
    ns = json.dumps({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}).encode()
    status, ctype, body = negotiation.to_protobuf(PB, 200, "application/json", ns)
    assert (status, ctype) == (200, PB) and protobuf.decode(body)["metadata"]["name"] == "a"
    version = b'{"major":"1","minor":"36"}'
    # /version has no protobuf form: JSON when allowed, else 406 with a protobuf Status
    assert (
        negotiation.to_protobuf(f"{PB},application/json", 200, "application/json", version)[2]
        == version
    )
    status, ctype, body = negotiation.to_protobuf(PB, 200, "application/json", version)
    assert (status, ctype) == (406, PB)
    assert protobuf.decode(body)["reason"] == "NotAcceptable"
    assert negotiation.to_protobuf(PB, 200, "text/plain", b"ok") == (200, "text/plain", b"ok")


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (b"garbage", 400, "provided data does not appear to be a protobuf message, expected prefix [107 56 115 0] (67617262616765)"),
        (b"k8s\x00\x0a\x05", 400, "the object provided is unrecognized (must be of type ConfigMap): unexpected EOF (6b3873000a05)"),
        (protobuf.wrap("example.com/v1", "Thing", b""), 400, 'Thing in version "v1" cannot be handled as a ConfigMap: no kind "Thing" is registered for version "example.com/v1"'),
    ],
)  # fmt: skip
def test_bad_request_bodies_have_the_real_servers_messages(
    body: bytes, code: int, message: str
) -> None:
    with pytest.raises(APIError) as err:
        negotiation.decode_protobuf(body, "ConfigMap")
    assert err.value.code == code
    assert message in err.value.message


# -- a live server ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[LocalAPIServer]:
    with LocalAPIServer() as srv:
        yield srv


@pytest.fixture(scope="module")
def http(server: LocalAPIServer) -> Iterator[httpx.Client]:
    with build_client(server.config()) as client:
        client.post("/api/v1/namespaces", json={"metadata": {"name": NS}}).raise_for_status()
        yield client


def _deployment(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "web", "image": "nginx"}]},
            },
        },
    }


def test_objects_lists_and_errors_in_protobuf(http: httpx.Client) -> None:
    created = http.post(
        DEPLOYMENTS,
        content=protobuf.encode(_deployment("pb-web")),
        headers={"Content-Type": PB, "Accept": f"{PB},application/json"},
    )
    assert created.status_code == 201
    assert created.headers["content-type"] == PB
    obj = protobuf.decode(created.content)
    assert obj["metadata"]["name"] == "pb-web" and obj["spec"]["replicas"] == 1  # defaulted
    for _ in range(50):  # the deployment controller may write status between the two reads
        as_json = http.get(f"{DEPLOYMENTS}/pb-web").json()
        as_pb = protobuf.decode(http.get(f"{DEPLOYMENTS}/pb-web", headers={"Accept": PB}).content)
        if as_pb["metadata"]["resourceVersion"] == as_json["metadata"]["resourceVersion"]:
            break
    assert as_pb == as_json  # the same object both ways
    listed = protobuf.decode(http.get(DEPLOYMENTS, headers={"Accept": PB}).content)
    assert listed["kind"] == "DeploymentList"
    assert [i["metadata"]["name"] for i in listed["items"]] == ["pb-web"]
    missing = http.get(f"{DEPLOYMENTS}/nope", headers={"Accept": PB})
    assert (missing.status_code, missing.headers["content-type"]) == (404, PB)
    status = protobuf.decode(missing.content)
    assert (status["kind"], status["reason"], status["code"]) == ("Status", "NotFound", 404)
    version = http.get("/version", headers={"Accept": PB})
    assert version.status_code == 406 and protobuf.decode(version.content)["code"] == 406
    discovery = http.get("/api/v1", headers={"Accept": PB})
    assert protobuf.decode(discovery.content)["kind"] == "APIResourceList"


def test_tables_stay_json(http: httpx.Client) -> None:
    table = http.get(
        DEPLOYMENTS, headers={"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"}
    )
    assert table.json()["kind"] == "Table"
    # protobuf;as=Table is not served: the next acceptable type, the plain list in JSON
    fallback = http.get(
        DEPLOYMENTS, headers={"Accept": f"{PB};as=Table;v=v1;g=meta.k8s.io,application/json"}
    )
    assert fallback.headers["content-type"] == "application/json"
    assert fallback.json()["kind"] == "DeploymentList"
    refused = http.get(DEPLOYMENTS, headers={"Accept": f"{PB};as=Table;v=v1;g=meta.k8s.io"})
    assert refused.status_code == 406


def test_watch_streams_protobuf_frames(http: httpx.Client) -> None:
    rv = http.get(DEPLOYMENTS).json()["metadata"]["resourceVersion"]
    params = {"watch": "true", "resourceVersion": rv, "timeoutSeconds": "3"}
    decoder = protobuf.WatchFrameDecoder()
    events: list[dict[str, Any]] = []
    with http.stream("GET", DEPLOYMENTS, params=params, headers={"Accept": PB}) as resp:
        assert resp.headers["content-type"] == protobuf.WATCH_CONTENT_TYPE
        http.post(DEPLOYMENTS, json=_deployment("pb-watched")).raise_for_status()
        deadline = time.monotonic() + 10
        for chunk in resp.iter_raw():
            events += decoder.feed(chunk)
            if any(e["object"]["metadata"]["name"] == "pb-watched" for e in events):
                break
            assert time.monotonic() < deadline
    added = [e for e in events if e["object"]["metadata"]["name"] == "pb-watched"]
    assert added[0]["type"] == "ADDED"
    assert added[0]["object"]["kind"] == "Deployment"


def _make_crd(http: httpx.Client) -> str:
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "gadgets.pb.example.com"},
        "spec": {
            "group": "pb.example.com",
            "scope": "Namespaced",
            "names": {"plural": "gadgets", "kind": "Gadget"},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "x-kubernetes-preserve-unknown-fields": True,
                        }
                    },
                }
            ],
        },
    }
    # the CRD itself is a built-in kind: sent in protobuf
    resp = http.post(
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
        content=protobuf.encode(crd),
        headers={"Content-Type": PB, "Accept": PB},
    )
    assert resp.status_code == 201, resp.content
    assert protobuf.decode(resp.content)["spec"]["names"]["kind"] == "Gadget"
    return f"/apis/pb.example.com/v1/namespaces/{NS}/gadgets"


def test_custom_resources_are_json_only(http: httpx.Client) -> None:
    gadgets = _make_crd(http)
    for _ in range(50):
        if http.get(gadgets).status_code == 200:
            break
        time.sleep(0.1)
    http.post(
        gadgets,
        json={"apiVersion": "pb.example.com/v1", "kind": "Gadget", "metadata": {"name": "g"}},
    ).raise_for_status()
    refused = http.get(f"{gadgets}/g", headers={"Accept": PB})
    assert (refused.status_code, refused.headers["content-type"]) == (406, PB)
    assert protobuf.decode(refused.content)["reason"] == "NotAcceptable"
    # refused before acting: the DELETE did not happen
    assert http.delete(f"{gadgets}/g", headers={"Accept": PB}).status_code == 406
    assert http.get(f"{gadgets}/g").status_code == 200
    both = http.get(f"{gadgets}/g", headers={"Accept": f"{PB},application/json"})
    assert both.headers["content-type"] == "application/json"
    assert both.json()["metadata"]["name"] == "g"
    body = protobuf.wrap("pb.example.com/v1", "Gadget", b"\x0a\x03\x0a\x01h")
    sent = http.post(gadgets, content=body, headers={"Content-Type": PB})
    assert (
        sent.status_code == 415
    )  # (kube-apiserver 1.36 panics on this one and drops the connection)


# -- /openapi/v2 in protobuf ------------------------------------------------------------------


def test_openapi_v2_encoding_is_the_real_servers() -> None:
    folder = ROOT / "fixtures" / "protobuf" / "openapi-v2"
    doc = json.loads(gzip.decompress((folder / "swagger.json.gz").read_bytes()))
    real = gzip.decompress((folder / "swagger.pb.gz").read_bytes())
    assert openapi_proto.encode_document(doc) == real
    assert (folder / "content-type").read_text().strip() == openapi_proto.CONTENT_TYPE


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("list", "list\n"),
        ("", '""\n'),
        ("*", "'*'\n"),
        ("true", '"true"\n'),
        ("10", '"10"\n'),
        ("a: b", "'a: b'\n"),
        (["name"], "- name\n"),
        ({"group": "", "kind": "Pod", "version": "v1"}, 'group: ""\nkind: Pod\nversion: v1\n'),
        (
            [{"discriminator": "type", "fields-to-discriminateBy": {"a": "A"}}],
            "- discriminator: type\n  fields-to-discriminateBy:\n    a: A\n",
        ),
        ({"a": [1, 2], "b": {"c": {}}}, "a:\n    - 1\n    - 2\nb:\n    c: {}\n"),
    ],
)
def test_any_values_are_go_yaml_text(value: Any, text: str) -> None:
    assert openapi_proto.yaml_text(value) == text


def test_the_server_serves_openapi_v2_in_protobuf(http: httpx.Client) -> None:
    resp = http.get(
        "/openapi/v2",
        headers={"Accept": "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"},
    )
    assert resp.headers["content-type"] == openapi_proto.CONTENT_TYPE
    assert resp.content == openapi_proto.v2_protobuf()
    assert b"io.k8s.api.apps.v1.Deployment" in resp.content
    assert http.get("/openapi/v2").headers["content-type"] == "application/json"


def test_errors_before_the_api_are_protobuf_too(server: LocalAPIServer) -> None:
    # recorded on kube-apiserver 1.36: a bad token's 401 comes back in protobuf when asked
    assert server.ca_pem is not None
    trust = ssl.create_default_context(cadata=server.ca_pem.decode())
    with httpx.Client(verify=trust, timeout=10) as anonymous:
        resp = anonymous.get(
            f"{server.url}/api/v1/namespaces",
            headers={"Authorization": "Bearer not-a-token", "Accept": PB},
        )
    assert (resp.status_code, resp.headers["content-type"]) == (401, PB)
    assert protobuf.decode(resp.content)["reason"] == "Unauthorized"
