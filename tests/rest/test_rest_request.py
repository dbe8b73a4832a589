"""URL, query, header and body building of the pure Request builder (cf. client-go rest/request_test.go)."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from rawkube.config.types import Config
from rawkube.errors import RequestError
from rawkube.rest import options
from rawkube.rest.client import RESTClient
from rawkube.rest.request import Request, encode_query, go_duration

HOST = "https://127.0.0.1:6443"


def client(group: str = "", version: str = "v1", host: str = HOST) -> RESTClient:
    def refuse(request: httpx.Request) -> httpx.Response:  # pure tests never send
        raise AssertionError("a pure builder test sent a request")

    cfg = Config(host=host, transport=httpx.MockTransport(refuse), qps=0)
    return RESTClient(cfg, group, version)


Build = Callable[[], Request]
CASES: list[tuple[str, Build, str]] = [
    ("core cluster list", lambda: client().get().resource("namespaces"), "/api/v1/namespaces"),
    (
        "core namespaced list",
        lambda: client().get().namespace("ns").resource("pods"),
        "/api/v1/namespaces/ns/pods",
    ),
    (
        "core named",
        lambda: client().get().namespace("ns").resource("pods").name("p"),
        "/api/v1/namespaces/ns/pods/p",
    ),
    (
        "cluster-scoped named",
        lambda: client().get().resource("nodes").name("n1"),
        "/api/v1/nodes/n1",
    ),
    (
        "grouped",
        lambda: client("apps").get().namespace("d").resource("deployments"),
        "/apis/apps/v1/namespaces/d/deployments",
    ),
    (
        "all namespaces: None",
        lambda: client("apps").get().namespace(None).resource("deployments"),
        "/apis/apps/v1/deployments",
    ),
    (
        "all namespaces: empty",
        lambda: client("apps").get().namespace("").resource("deployments"),
        "/apis/apps/v1/deployments",
    ),
    (
        "subresource",
        lambda: (
            client("apps")
            .put()
            .namespace("d")
            .resource("deployments")
            .name("x")
            .sub_resource("scale")
        ),
        "/apis/apps/v1/namespaces/d/deployments/x/scale",
    ),
    (
        "status",
        lambda: (
            client("example.com")
            .put()
            .namespace("d")
            .resource("widgets")
            .name("w1")
            .sub_resource("status")
        ),
        "/apis/example.com/v1/namespaces/d/widgets/w1/status",
    ),
    (
        "multi-segment subresource",
        lambda: (
            client()
            .get()
            .namespace("d")
            .resource("services")
            .name("s")
            .sub_resource("proxy", "healthz")
        ),
        "/api/v1/namespaces/d/services/s/proxy/healthz",
    ),
    (
        "namespace object itself",
        lambda: client().get().resource("namespaces").name("kube-system"),
        "/api/v1/namespaces/kube-system",
    ),
    (
        "resource lower-cased like client-go",
        lambda: client().get().resource("Pods"),
        "/api/v1/pods",
    ),
    ("abs path /version", lambda: client("apps").get().abs_path("/version"), "/version"),
    ("abs path segments", lambda: client().get().abs_path("openapi", "v2"), "/openapi/v2"),
    ("abs path keeps a single trailing slash", lambda: client().get().abs_path("/apis/"), "/apis/"),
    ("group/version root", lambda: client("apps").get(), "/apis/apps/v1"),
    (
        "name escaping: space and !",
        lambda: client().get().namespace("d").resource("configmaps").name("a b!"),
        "/api/v1/namespaces/d/configmaps/a%20b%21",
    ),
    (
        "name keeps : and @ like Go",
        lambda: (
            client("rbac.authorization.k8s.io").get().resource("clusterroles").name("system:node@x")
        ),
        "/apis/rbac.authorization.k8s.io/v1/clusterroles/system:node@x",
    ),
]


@pytest.mark.parametrize(("label", "build", "path"), CASES, ids=[c[0] for c in CASES])
def test_paths(label: str, build: Build, path: str) -> None:
    assert build().url() == HOST + path


def test_server_url_path_prefix_is_kept() -> None:
    rc = client("apps", host="https://proxy.example/k8s/clusters/c-1")
    assert rc.get().namespace("d").resource("deployments").url() == (
        "https://proxy.example/k8s/clusters/c-1/apis/apps/v1/namespaces/d/deployments"
    )
    assert rc.get().abs_path("/version").url() == "https://proxy.example/k8s/clusters/c-1/version"


# Exact URLs from fixtures/kubectl-traces/*.log (what client-go puts on the wire).
KUBECTL: list[tuple[str, Build, str]] = [
    (
        "watch-list attempt (delete-foreground.log)",
        lambda: (
            client("apps")
            .get()
            .namespace("default")
            .resource("deployments")
            .params(
                options.watch_params(
                    field_selector="metadata.name=traced",
                    resource_version_match="NotOlderThan",
                    send_initial_events=True,
                    allow_watch_bookmarks=True,
                    timeout_seconds=457,
                )
            )
        ),
        "/apis/apps/v1/namespaces/default/deployments?allowWatchBookmarks=true&fieldSelector=metadata.name%3Dtraced&resourceVersionMatch=NotOlderThan&sendInitialEvents=true&timeoutSeconds=457&watch=true",
    ),
    (
        "fallback list (delete-foreground.log)",
        lambda: (
            client("apps")
            .get()
            .namespace("default")
            .resource("deployments")
            .params(
                options.list_params(
                    field_selector="metadata.name=traced", limit=500, resource_version="0"
                )
            )
        ),
        "/apis/apps/v1/namespaces/default/deployments?fieldSelector=metadata.name%3Dtraced&limit=500&resourceVersion=0",
    ),
    (
        "watch pods (watch-pods.log)",
        lambda: (
            client()
            .get()
            .namespace("default")
            .resource("pods")
            .params(options.watch_params(label_selector="app=traced", resource_version="926"))
        ),
        "/api/v1/namespaces/default/pods?labelSelector=app%3Dtraced&resourceVersion=926&watch=true",
    ),
    (
        "create (create-deployment.log)",
        lambda: (
            client("apps")
            .post()
            .namespace("default")
            .resource("deployments")
            .params(options.write_params(field_manager="kubectl-create", field_validation="Strict"))
        ),
        "/apis/apps/v1/namespaces/default/deployments?fieldManager=kubectl-create&fieldValidation=Strict",
    ),
    (
        "server-side apply (apply-server-side.log)",
        lambda: (
            client("apps")
            .patch("apply")
            .namespace("default")
            .resource("deployments")
            .name("traced")
            .params(
                options.patch_params(
                    field_manager="kubectl",
                    field_validation="Strict",
                    force=False,
                    patch_type="apply",
                )
            )
        ),
        "/apis/apps/v1/namespaces/default/deployments/traced?fieldManager=kubectl&fieldValidation=Strict&force=false",
    ),
    (
        "request timeout as ?timeout= (apply-server-side.log)",
        lambda: client().get().abs_path("/openapi/v3").timeout(32),
        "/openapi/v3?timeout=32s",
    ),
    (
        "list with limit (get-deployments.log)",
        lambda: (
            client("apps").get().namespace("default").resource("deployments").param("limit", 500)
        ),
        "/apis/apps/v1/namespaces/default/deployments?limit=500",
    ),
]


@pytest.mark.parametrize(("label", "build", "path"), KUBECTL, ids=[c[0] for c in KUBECTL])
def test_urls_match_kubectl_traces_byte_for_byte(label: str, build: Build, path: str) -> None:
    assert build().url() == HOST + path


def test_param_value_encoding() -> None:
    req = (
        client()
        .get()
        .resource("pods")
        .param("watch", True)
        .param("pretty", False)
        .param("limit", 3)
        .param("dryRun", ["All"])
        .param("skip", None)
        .params({"labelSelector": "app in (a, b),tier!=x", "x": ["1", "2"]})
    )
    assert req.url() == HOST + (
        "/api/v1/pods?dryRun=All&labelSelector=app+in+%28a%2C+b%29%2Ctier%21%3Dx&limit=3&pretty=false&watch=true&x=1&x=2"
    )


def test_encode_query_sorts_keys_keeps_value_order() -> None:
    assert encode_query({"b": ["2", "1"], "a": ["~-._ /"]}) == "a=~-._+%2F&b=2&b=1"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(32, "32s"), (0.5, "500ms"), (90, "1m30s"), (3600, "1h0m0s"), (1.5, "1.5s")],
)
def test_go_duration(seconds: float, text: str) -> None:
    assert go_duration(seconds) == text


# -- what client-go rejects before sending -------------------------------------------------
REJECTS: list[tuple[str, Build, str]] = [
    ("empty name", lambda: client().get().resource("pods").name(""), "may not be empty"),
    ("name twice", lambda: client().get().resource("pods").name("a").name("b"), "already set"),
    ("namespace twice", lambda: client().get().namespace("a").namespace("b"), "already set"),
    ("resource twice", lambda: client().get().resource("pods").resource("nodes"), "already set"),
    (
        "subresource twice",
        lambda: client().get().sub_resource("a").sub_resource("b"),
        "already set",
    ),
    ("slash in name", lambda: client().get().resource("pods").name("a/b"), "may not contain"),
    ("percent in name", lambda: client().get().resource("pods").name("a%2F"), "may not contain"),
    ("dot-dot name", lambda: client().get().resource("pods").name(".."), "may not be"),
    ("dot namespace", lambda: client().get().namespace(".").resource("pods"), "may not be"),
    ("slash in resource", lambda: client().get().resource("pods/log"), "may not contain"),
    (
        "bad subresource",
        lambda: client().get().resource("pods").name("p").sub_resource(".."),
        "may not be",
    ),
    (
        "empty namespace on create",
        lambda: client().post().namespace("").resource("pods").body({}),
        "during creation",
    ),
    (
        "empty namespace with a name",
        lambda: client().get().namespace("").resource("pods").name("p"),
        "resource name is provided",
    ),
    (
        "empty namespace delete",
        lambda: client().delete().namespace("").resource("pods").name("p"),
        "resource name is provided",
    ),
]


@pytest.mark.parametrize(("label", "build", "message"), REJECTS, ids=[c[0] for c in REJECTS])
def test_rejected_before_sending(label: str, build: Build, message: str) -> None:
    with pytest.raises(RequestError, match=message):
        build().url()


def test_rejected_request_never_reaches_the_transport() -> None:
    # the client's transport raises AssertionError if called: RequestError must come first
    with pytest.raises(RequestError):
        client().post().namespace("").resource("pods").body({}).do()


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: client().get().resource("pods").name(123), "resource name must be a str, not int"),
        (lambda: client().get().namespace(["a"]), "namespace must be a str, not list"),
        (lambda: client().get().resource(None), "resource must be a str, not NoneType"),
    ],
)
def test_a_segment_of_the_wrong_type_is_a_type_error(build: Build, message: str) -> None:
    # get(123) used to fail with "argument of type 'int' is not iterable"
    with pytest.raises(TypeError, match=message):
        build()


def test_request_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        client().get().resource("pods").name("")


# -- headers and bodies ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("patch_type", "content_type"),
    [
        ("json", "application/json-patch+json"),
        ("merge", "application/merge-patch+json"),
        ("strategic", "application/strategic-merge-patch+json"),
        ("apply", "application/apply-patch+yaml"),
        ("application/merge-patch+json", "application/merge-patch+json"),
    ],
)
def test_patch_content_types(patch_type: str, content_type: str) -> None:
    req = (
        client("apps")
        .patch(patch_type)
        .namespace("d")
        .resource("deployments")
        .name("x")
        .body({"a": 1})
    )
    http = req.to_httpx()
    assert http.headers["content-type"] == content_type
    assert json.loads(http.content) == {"a": 1}


def test_unknown_patch_type() -> None:
    with pytest.raises(ValueError, match="unknown patch type"):
        client().patch("yaml")


class FakeModel:
    def to_dict(self) -> dict[str, object]:
        return {"kind": "Pod", "metadata": {"name": "m"}}


def test_bodies() -> None:
    rc = client()
    model = rc.post().resource("pods").body(FakeModel()).to_httpx()
    assert json.loads(model.content) == {"kind": "Pod", "metadata": {"name": "m"}}
    assert model.headers["content-type"] == "application/json"
    raw = rc.post().resource("pods").body(b'{"kind":"Pod"}').to_httpx()
    assert raw.content == b'{"kind":"Pod"}' and raw.headers["content-type"] == "application/json"
    yaml_body = rc.post().resource("pods").body("kind: Pod\nmetadata:\n  name: y\n").to_httpx()
    assert yaml_body.headers["content-type"] == "application/yaml"
    apply_yaml = rc.patch("apply").resource("pods").name("y").body("kind: Pod\n").to_httpx()
    assert apply_yaml.headers["content-type"] == "application/apply-patch+yaml"
    assert "content-type" not in rc.get().resource("pods").to_httpx().headers
    with pytest.raises(RequestError):
        rc.post().body(object())


def test_json_body_is_compact_like_kubectl() -> None:
    http = (
        client()
        .post()
        .resource("namespaces")
        .body({"kind": "Namespace", "metadata": {"name": "x"}})
        .to_httpx()
    )
    assert http.content == b'{"kind":"Namespace","metadata":{"name":"x"}}'


def test_default_accept_and_set_header() -> None:
    rc = client()
    assert rc.get().to_httpx().headers["accept"] == "application/json"
    table = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
    assert rc.get().set_header("Accept", table).to_httpx().headers["accept"] == table


def test_to_httpx_with_client_merges_client_headers_and_timeout() -> None:
    rc = client()
    http = rc.get().resource("pods").timeout(5).to_httpx(rc.client)
    assert http.headers["user-agent"].startswith("rawkube/")
    assert http.extensions["timeout"]["read"] == 5
    assert str(http.url) == HOST + "/api/v1/pods?timeout=5s"


def test_repr_shows_the_url_and_survives_invalid_requests() -> None:
    rc = client()
    assert "GET https://127.0.0.1:6443/api/v1/pods" in repr(rc.get().resource("pods"))
    assert "invalid" in repr(rc.post().namespace("").resource("pods"))


def test_accept_helpers() -> None:
    rc = client()
    assert rc.get().as_table().to_httpx().headers["accept"] == (
        "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
    )
    assert rc.get().accept("application/yaml", "application/json").to_httpx().headers["accept"] == (
        "application/yaml,application/json"
    )


def test_body_none_sends_no_body_and_namespace_none_is_unscoped() -> None:
    rc = client("apps")
    http = (
        rc.delete()
        .namespace("d")
        .resource("deployments")
        .name("x")
        .body(options.delete_options())
        .to_httpx()
    )
    assert http.content == b"" and "content-type" not in http.headers
    created = rc.post().namespace(None).resource("deployments").body({}).to_httpx()
    assert created.url.path == "/apis/apps/v1/deployments"


def test_httpx_sends_exactly_the_built_url() -> None:
    """httpx must not re-normalise our Go-style escaping on the way out."""
    seen: list[httpx.Request] = []

    def capture(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    rc = RESTClient(Config(host=HOST, transport=httpx.MockTransport(capture), qps=0))
    req = (
        rc.get()
        .namespace("d")
        .resource("configmaps")
        .name("a b!:@")
        .param("labelSelector", "app in (a, b),x!=y")
    )
    url = req.url()
    req.do()
    assert HOST + seen[0].url.raw_path.decode() == url
    assert url.endswith("/configmaps/a%20b%21:@?labelSelector=app+in+%28a%2C+b%29%2Cx%21%3Dy")
