"""Replay EVERY recorded exchange of fixtures/real-apiserver/ through RESTClient.

For each exchange the test builds the request with the RESTClient builder (as a user would,
with `rawkube.rest.options` for the query), answers it with the recorded response through an
httpx.MockTransport, and checks:
- method, path and query are the recorded ones. The query is compared as a multiset of
  (name, value) pairs: rawkube orders keys like client-go (Go's url.Values.Encode sorts them,
  see fixtures/kubectl-traces/delete-foreground.log) while the recorder kept insertion order,
  and the recorder sent `watch=1` where client-go sends `watch=true` (the server's
  strconv.ParseBool reads both). Each value's percent-encoding is compared byte for byte.
- content type and JSON body are the recorded ones;
- the response decodes to the recorded object, or raises the right StatusError subclass with
  the recorded reason, code, details and causes.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from rawkube import errors
from rawkube.config.types import Config
from rawkube.rest import options
from rawkube.rest.client import RESTClient
from rawkube.rest.request import ACCEPT_PROTOBUF, ACCEPT_YAML, Request
from rawkube.rest.watch import WatchDecoder

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "real-apiserver"
ALL = sorted(p.name for p in FIXTURES.glob("*.json"))

NS = "default"
DEPLOY = "demo-deployment"
Client = Callable[[str, str], RESTClient]


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return data


def response_bytes(resp: dict[str, Any]) -> bytes:
    if "body_lines" in resp:
        return b"".join(json.dumps(line).encode() + b"\n" for line in resp["body_lines"])
    body = resp.get("body")
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode()
    if isinstance(body, dict) and set(body) == {"base64"}:
        return base64.b64decode(body["base64"])
    return json.dumps(body).encode()


def deploys(c: Client) -> Callable[[Request], Request]:
    return lambda r: r.namespace(NS).resource("deployments")


def body_of(ex: dict[str, Any]) -> Any:
    return ex["request"]["body"]


# fixture number -> how a user builds that request. `ex` is the exchange (for bodies).
Spec = Callable[[Client, dict[str, Any]], Request]
AGG = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"


def apps(c: Client) -> RESTClient:
    return c("apps", "v1")


def core(c: Client) -> RESTClient:
    return c("", "v1")


def widgets(c: Client) -> RESTClient:
    return c("example.com", "v1")


SPECS: dict[str, Spec] = {
    "001": lambda c, ex: core(c).get().abs_path("/version"),
    "002": lambda c, ex: core(c).get().abs_path("/api"),
    "003": lambda c, ex: core(c).get().abs_path("/apis"),
    "004": lambda c, ex: core(c).get(),
    "005": lambda c, ex: apps(c).get(),
    "006": lambda c, ex: core(c).get().abs_path("/api").set_header("Accept", AGG),
    "007": lambda c, ex: core(c).get().abs_path("/apis").set_header("Accept", AGG),
    "008": lambda c, ex: apps(c).post().namespace(NS).resource("deployments").body(body_of(ex)),
    "009": lambda c, ex: apps(c).post().namespace(NS).resource("deployments").body(body_of(ex)),
    "010": lambda c, ex: apps(c).get().namespace(NS).resource("deployments").name(DEPLOY),
    "011": lambda c, ex: (
        apps(c).put().namespace(NS).resource("deployments").name(DEPLOY).body(body_of(ex))
    ),
    "012": lambda c, ex: (
        apps(c).put().namespace(NS).resource("deployments").name(DEPLOY).body(body_of(ex))
    ),
    "013": lambda c, ex: (
        apps(c).get().namespace(NS).resource("deployments").params(options.list_params())
    ),
    "014": lambda c, ex: (
        apps(c).get().namespace(NS).resource("deployments").params(options.list_params(limit=2))
    ),
    "015": lambda c, ex: (
        apps(c)
        .get()
        .namespace(NS)
        .resource("deployments")
        .params(
            options.list_params(
                limit=2,
                continue_="eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6Mjc3LCJzdGFydCI6InBhZ2UtMFx1MDAwMCJ9",
            )
        )
    ),
    "016": lambda c, ex: (
        apps(c)
        .get()
        .namespace(NS)
        .resource("deployments")
        .params(options.list_params(label_selector="tier=paged"))
    ),
    "017": lambda c, ex: (
        apps(c)
        .get()
        .namespace(NS)
        .resource("deployments")
        .params(options.list_params(field_selector="metadata.name=page-1"))
    ),
    "018": lambda c, ex: apps(c).get().namespace(None).resource("deployments"),
    "019": lambda c, ex: apps(c).get().namespace(NS).resource("deployments").name("no-such"),
    "020": lambda c, ex: apps(c).post().namespace(NS).resource("deployments").body(body_of(ex)),
    "021": lambda c, ex: apps(c).post().namespace(NS).resource("deployments").body(body_of(ex)),
    "022": lambda c, ex: apps(c).post().namespace(NS).resource("deployments").body(body_of(ex)),
    "023": lambda c, ex: (
        apps(c)
        .post()
        .namespace(NS)
        .resource("deployments")
        .params(options.write_params(field_validation="Strict"))
        .body(body_of(ex))
    ),
    "024": lambda c, ex: (
        apps(c)
        .post()
        .namespace(NS)
        .resource("deployments")
        .params(options.write_params(dry_run=True))
        .body(body_of(ex))
    ),
    "025": lambda c, ex: (
        apps(c).patch("merge").namespace(NS).resource("deployments").name(DEPLOY).body(body_of(ex))
    ),
    "026": lambda c, ex: (
        apps(c).patch("json").namespace(NS).resource("deployments").name(DEPLOY).body(body_of(ex))
    ),
    "027": lambda c, ex: (
        apps(c)
        .patch("strategic")
        .namespace(NS)
        .resource("deployments")
        .name(DEPLOY)
        .body(body_of(ex))
    ),
    "028": lambda c, ex: (
        apps(c)
        .patch("apply")
        .namespace(NS)
        .resource("deployments")
        .name("applied")
        .params(options.patch_params(field_manager="rawkube-demo", patch_type="apply"))
        .body(body_of(ex))
    ),
    "029": lambda c, ex: (
        apps(c)
        .patch("apply")
        .namespace(NS)
        .resource("deployments")
        .name("applied")
        .params(options.patch_params(field_manager="other-manager", patch_type="apply"))
        .body(body_of(ex))
    ),
    "030": lambda c, ex: (
        apps(c)
        .patch("apply")
        .namespace(NS)
        .resource("deployments")
        .name("applied")
        .params(options.patch_params(field_manager="other-manager", force=True, patch_type="apply"))
        .body(body_of(ex))
    ),
    "031": lambda c, ex: (
        apps(c).get().namespace(NS).resource("deployments").name(DEPLOY).sub_resource("scale")
    ),
    "032": lambda c, ex: (
        apps(c)
        .put()
        .namespace(NS)
        .resource("deployments")
        .name(DEPLOY)
        .sub_resource("scale")
        .body(body_of(ex))
    ),
    "033": lambda c, ex: apps(c).get().namespace(NS).resource("deployments").as_table(),
    "034": lambda c, ex: (
        apps(c).get().namespace(NS).resource("deployments").name(DEPLOY).accept(ACCEPT_PROTOBUF)
    ),
    "035": lambda c, ex: (
        apps(c).get().namespace(NS).resource("deployments").name(DEPLOY).accept(ACCEPT_YAML)
    ),
    "036": lambda c, ex: apps(c).get().namespace(NS).resource("deployments"),
    "037": lambda c, ex: apps(c).get().namespace(NS).resource("deployments"),
    "038": lambda c, ex: (
        c("authentication.k8s.io", "v1").post().resource("selfsubjectreviews").body(body_of(ex))
    ),
    "039": lambda c, ex: (
        apps(c)
        .get()
        .namespace(NS)
        .resource("deployments")
        .params(
            options.watch_params(
                resource_version="326", allow_watch_bookmarks=True, timeout_seconds=4
            )
        )
    ),
    "040": lambda c, ex: (
        apps(c)
        .get()
        .namespace(NS)
        .resource("deployments")
        .params(
            options.watch_params(
                send_initial_events=True,
                resource_version_match="NotOlderThan",
                allow_watch_bookmarks=True,
                timeout_seconds=2,
            )
        )
    ),
    "041": lambda c, ex: (
        apps(c)
        .delete()
        .namespace(NS)
        .resource("deployments")
        .name("del-foreground")
        .body(options.delete_options(propagation_policy="Foreground"))
    ),
    "042": lambda c, ex: (
        apps(c)
        .delete()
        .namespace(NS)
        .resource("deployments")
        .name("del-background")
        .body(options.delete_options(propagation_policy="Background"))
    ),
    "043": lambda c, ex: (
        apps(c)
        .delete()
        .namespace(NS)
        .resource("deployments")
        .name("del-orphan")
        .body(options.delete_options(propagation_policy="Orphan"))
    ),
    "044": lambda c, ex: apps(c).delete().namespace(NS).resource("deployments").name("no-such"),
    "045": lambda c, ex: (
        apps(c)
        .delete()
        .namespace(NS)
        .resource("deployments")
        .name(DEPLOY)
        .body(options.delete_options(preconditions={"uid": "00000000-0000-0000-0000-000000000000"}))
    ),
    "046": lambda c, ex: (
        apps(c)
        .delete()
        .namespace(NS)
        .resource("deployments")
        .params(options.list_params(label_selector="tier=paged"))
    ),
    "047": lambda c, ex: (
        c("apiextensions.k8s.io", "v1")
        .post()
        .resource("customresourcedefinitions")
        .body(body_of(ex))
    ),
    "048": lambda c, ex: widgets(c).get(),
    "049": lambda c, ex: widgets(c).post().namespace(NS).resource("widgets").body(body_of(ex)),
    "050": lambda c, ex: widgets(c).get().namespace(NS).resource("widgets").name("w1"),
    "051": lambda c, ex: (
        widgets(c)
        .put()
        .namespace(NS)
        .resource("widgets")
        .name("w1")
        .sub_resource("status")
        .body(body_of(ex))
    ),
    "052": lambda c, ex: widgets(c).get().namespace(NS).resource("widgets"),
    "053": lambda c, ex: widgets(c).delete().namespace(NS).resource("widgets").name("w1"),
    "054": lambda c, ex: (
        c("apiextensions.k8s.io", "v1")
        .delete()
        .resource("customresourcedefinitions")
        .name("widgets.example.com")
    ),
    "055": lambda c, ex: core(c).post().resource("namespaces").body(body_of(ex)),
    "056": lambda c, ex: (
        core(c).post().namespace("rawkube-demo").resource("configmaps").body(body_of(ex))
    ),
    "057": lambda c, ex: (
        core(c).post().namespace("rawkube-demo").resource("pods").body(body_of(ex))
    ),
    "058": lambda c, ex: (
        core(c).get().namespace("rawkube-demo").resource("pods").name("p1").sub_resource("log")
    ),
    "059": lambda c, ex: core(c).delete().resource("namespaces").name("rawkube-demo"),
    "060": lambda c, ex: (
        apps(c)
        .get()
        .namespace(NS)
        .resource("deployments")
        .params(options.watch_params(resource_version="2", timeout_seconds=2))
    ),
    "061": lambda c, ex: (
        core(c)
        .get()
        .resource("namespaces")
        .params(
            options.list_params(
                limit=1,
                continue_="eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6NDgyLCJzdGFydCI6ImRlZmF1bHRcdTAwMDAifQ",
            )
        )
    ),
}

# Failing exchanges: the exception class each must raise (reason decides, as in client-go).
EXPECTED_ERRORS: dict[str, type[errors.StatusError]] = {
    "009": errors.AlreadyExists,
    "011": errors.Conflict,
    "012": errors.Conflict,
    "019": errors.NotFound,
    "020": errors.Invalid,
    "021": errors.Invalid,
    "023": errors.BadRequest,
    "029": errors.Conflict,
    "036": errors.Unauthorized,
    "037": errors.Forbidden,
    "040": errors.InternalError,  # the ERROR event inside a 200 watch stream
    "044": errors.NotFound,
    "045": errors.Conflict,
}
WATCHES = {"039", "040", "060"}


def _pairs(query: str) -> list[tuple[str, str]]:
    """Raw (still percent-encoded) name=value pairs, sorted; watch=1 normalised to true."""
    out = []
    for part in query.split("&") if query else []:
        key, _, value = part.partition("=")
        if key == "watch" and value == "1":
            value = "true"
        out.append((key, value))
    return sorted(out)


def _replay(name: str) -> tuple[dict[str, Any], list[httpx.Request], Request]:
    ex = load(name)
    sent: list[httpx.Request] = []
    resp = ex["response"]

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        headers = {k: v for k, v in resp["headers"].items() if k != "transfer-encoding"}
        return httpx.Response(resp["status"], headers=headers, content=response_bytes(resp))

    cfg = Config(host="https://127.0.0.1:6443", transport=httpx.MockTransport(handler), qps=0)

    def make(group: str, version: str) -> RESTClient:
        return RESTClient(cfg, group, version, warning_handler=lambda code, agent, text: None)

    return ex, sent, SPECS[name[:3]](make, ex)


def test_every_fixture_has_a_spec() -> None:
    assert len(ALL) == 61
    assert sorted(SPECS) == sorted(n[:3] for n in ALL)


@pytest.mark.parametrize("name", ALL)
def test_replay_request_and_response(name: str) -> None:
    ex, sent, req = _replay(name)
    number = name[:3]
    recorded = ex["request"]
    outcome: Any
    expected_error = EXPECTED_ERRORS.get(number)
    if expected_error is not None:
        with pytest.raises(errors.StatusError) as info:
            if number in WATCHES:
                list(req.watch())
            else:
                req.do()
        outcome = info.value
    elif number in WATCHES:
        outcome = list(req.watch())
    else:
        outcome = req.do()

    # -- the request on the wire ------------------------------------------------------------
    assert len(sent) == 1
    wire = sent[0]
    assert wire.method == recorded["method"]
    assert wire.url.raw_path.decode().split("?")[0] == recorded["path"]
    assert _pairs(wire.url.query.decode()) == _pairs(recorded["query"])
    if "content-type" in recorded["headers"]:
        assert wire.headers["content-type"] == recorded["headers"]["content-type"]
    else:
        assert "content-type" not in wire.headers
    accept = recorded["headers"].get("accept")
    if accept and accept != "*/*":
        assert wire.headers["accept"] == accept
    if recorded["body"] is None:
        assert wire.content == b""
    else:
        assert json.loads(wire.content) == recorded["body"]

    # -- the response ------------------------------------------------------------------------
    resp = ex["response"]
    if expected_error is not None:
        assert type(outcome) is expected_error
        status = resp["body"] if "body" in resp else resp["body_lines"][0]["object"]
        assert outcome.reason == status["reason"]
        assert outcome.code == status["code"]
        assert outcome.message == status["message"]
        assert outcome.details == status.get("details", {})
        assert outcome.causes == status.get("details", {}).get("causes", [])
        assert outcome.status == status
    elif number in WATCHES:
        assert [(e.type, e.object) for e in outcome] == [
            (line["type"], line["object"]) for line in resp["body_lines"]
        ]
    elif number == "034":  # a protobuf answer: decoded to the dict its JSON would give
        assert outcome.raw().startswith(b"k8s\x00")
        data = outcome.json()
        assert (data["kind"], data["metadata"]["name"]) == ("Deployment", DEPLOY)
    elif number == "035":
        data = outcome.json()
        assert data["kind"] == "Deployment"
        assert data["metadata"]["name"] == DEPLOY
    elif number == "058":
        assert outcome.status_code == 204
        assert outcome.json() is None
    else:
        assert outcome.status_code == resp["status"]
        assert outcome.json() == resp["body"]


def test_query_values_are_encoded_like_go() -> None:
    """Byte-for-byte encodings of the recorded values (after Go's key sort)."""
    for name in ALL:
        ex, sent, req = _replay(name)
        url = req.url()
        recorded = ex["request"]["query"]
        ours = url.split("?", 1)[1] if "?" in url else ""
        assert _pairs(ours) == _pairs(recorded), name
        keys = [p.split("=")[0] for p in ours.split("&")] if ours else []
        assert keys == sorted(keys), name


def test_unknown_field_warning_surfaces_on_result() -> None:
    ex, sent, req = _replay("022-create-deployment-unknown-field-warn.json")
    result = req.do()
    assert result.warnings == ['unknown field "spec.bogusField"']


def test_status_success_body_of_delete_background_is_a_result() -> None:
    # 042: 200 with a Status{status: Success}: not an error (client-go only raises Failure).
    ex, sent, req = _replay("042-delete-background.json")
    assert req.do().json()["status"] == "Success"


@pytest.mark.parametrize("name", sorted(n for n in ALL if n[:3] in WATCHES))
def test_watch_streams_decode_the_same_byte_by_byte_and_in_one_chunk(name: str) -> None:
    stream = response_bytes(load(name)["response"])
    one = WatchDecoder().feed(stream)
    longest = max(len(line) for line in stream.split(b"\n"))
    decoder = WatchDecoder()
    bytewise = []
    for i in range(len(stream)):
        bytewise += decoder.feed(stream[i : i + 1])
        # memory is bounded by the longest unfinished event, never the whole stream
        assert decoder.buffered <= longest
    bytewise += decoder.close()
    assert [e.raw for e in bytewise] == [e.raw for e in one]
    assert [e.raw for e in one] == load(name)["response"]["body_lines"]
