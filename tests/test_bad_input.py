"""Bad input from servers and kubeconfigs: issue 12, items 5 and 7-12, one regression test each.

Every test here failed before its fix (the issue lists what each raised instead).
"""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest

from rawkube import errors
from rawkube.config.kubeconfig import load_config
from rawkube.config.types import Config
from rawkube.dynamic import DynamicClient
from rawkube.errors import ConfigError, DecodeError, RequestError, StatusError, TruncatedStream
from rawkube.rest import trace
from rawkube.rest.client import RESTClient
from rawkube.rest.result import Result, decode_body, error_from_response
from rawkube.rest.watch import Watch, WatchDecoder
from rawkube.schema import GroupVersionResource
from rawkube.transport import build_client
from rawkube.typed.clientset import Clientset

TOKEN = "s3cr3t-t0ken-abcdef"


def ev(kind: str, name: str, rv: str) -> bytes:
    obj = {"kind": "ConfigMap", "metadata": {"name": name, "resourceVersion": rv}}
    return json.dumps({"type": kind, "object": obj}).encode() + b"\n"


# -- item 5: a bad line never costs the complete events before it --------------------------------


def test_events_before_a_bad_line_in_the_same_chunk_are_delivered() -> None:
    decoder = WatchDecoder()
    chunk = ev("ADDED", "a", "1") + ev("ADDED", "b", "2") + ev("ADDED", "c", "3") + b"garbage\n"
    events = decoder.feed(chunk)
    assert [e.object["metadata"]["name"] for e in events] == ["a", "b", "c"]
    assert isinstance(decoder.error, DecodeError)
    with pytest.raises(DecodeError):
        decoder.feed(ev("ADDED", "d", "4"))  # the stream is broken from here on
    with pytest.raises(DecodeError):
        decoder.close()


def test_a_watch_yields_the_complete_events_then_raises() -> None:
    body = ev("ADDED", "a", "1") + ev("ADDED", "b", "2") + b"{not json\n" + ev("ADDED", "c", "3")
    response = httpx.Response(200, content=body, request=httpx.Request("GET", "http://x/"))
    watch = Watch(response, WatchDecoder())
    seen = []
    with pytest.raises(DecodeError):
        for event in watch:
            seen.append(event.object["metadata"]["name"])
    assert seen == ["a", "b"]


@pytest.mark.parametrize(
    "line",
    [
        b'{"type": "ADDED", "object": [1]}',
        b'{"type": "ADDED", "object": 5}',
        b'{"type": "MODIFIED", "object": "x"}',
        b'{"type": "SURPRISE", "object": {}}',
        b'{"type": ["ADDED"], "object": {}}',
        b'{"type": "ADDED"}',
        b"[1, 2]",
        b'"just a string"',
        b"\xff\xfe",
        b"[" * 5000,
    ],
)
def test_every_malformed_line_is_a_decode_error_even_with_a_model(line: bytes) -> None:
    from rawkube.models.core_v1 import Pod

    for decode in (None, Pod):
        with pytest.raises(DecodeError):
            WatchDecoder(decode).feed(line + b"\n")


def test_a_stream_cut_mid_event_is_a_truncated_stream() -> None:
    decoder = WatchDecoder()
    assert decoder.feed(ev("ADDED", "a", "1") + b'{"type": "ADDED", "obj') != []
    with pytest.raises(TruncatedStream):
        decoder.close()


# -- item 7: Status bodies of the wrong shape, YAML that does not parse --------------------------


@pytest.mark.parametrize(
    "status",
    [
        {"kind": "Status", "reason": ["NotFound"], "code": 404},
        {"kind": "Status", "reason": {"a": 1}, "code": "500", "message": ["m"]},
        {
            "kind": "Status",
            "status": "Failure",
            "details": {"causes": "x", "retryAfterSeconds": 1e400},
        },
        {"kind": "Status", "status": "Failure", "details": {"causes": [1, "x", {"type": "T"}]}},
        {"kind": "Status", "code": True, "reason": None, "details": []},
    ],
)
def test_status_fields_of_the_wrong_type_still_give_a_status_error(status: dict[str, Any]) -> None:
    err = errors.from_status(status)
    assert isinstance(err, StatusError)
    assert isinstance(err.reason, str) and isinstance(err.message, str)
    assert all(isinstance(c, dict) for c in err.causes)
    assert err.retry_after_seconds is None
    str(err), repr(err), errors.is_not_found(err), errors.is_unexpected_server_error(err)
    body = json.dumps(status).encode()
    from_response = error_from_response(404, {}, body, method="GET", url="http://x/")
    assert isinstance(from_response, StatusError)


def test_a_list_reason_picks_the_class_by_code() -> None:
    assert type(errors.from_status({"reason": ["x"], "code": 404})) is errors.NotFound
    assert errors.error_class([1], None) is StatusError


@pytest.mark.parametrize("body", [b"a: [", b"x: !!python/object:os.system {}", b"- " * 2000])
def test_a_yaml_body_that_does_not_parse_is_a_decode_error(body: bytes) -> None:
    with pytest.raises(DecodeError):
        decode_body(body, "application/yaml")
    with pytest.raises(DecodeError):
        Result(200, {"content-type": "application/yaml"}, body).json()


def test_deeply_nested_json_is_a_decode_error() -> None:
    with pytest.raises(DecodeError):
        decode_body(b"[" * 100_000 + b"]" * 100_000, "application/json")


# -- items 8 and 9: only ConfigError out of load_config and build_client --------------------------

KUBECONFIG = """apiVersion: v1
kind: Config
current-context: c
contexts: [{{name: c, context: {{cluster: k, user: u}}}}]
clusters: [{{name: k, cluster: {{server: "https://127.0.0.1:6443"{cluster}}}}}]
users: [{{name: u, user: {{token: abcd{user}}}}}]
{extra}
"""


def kubeconfig(tmp_path: Path, cluster: str = "", user: str = "", extra: str = "") -> Path:
    path = tmp_path / "config"
    text = KUBECONFIG.format(cluster=cluster, user=user, extra=extra)
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return path


@pytest.mark.parametrize(
    ("what", "kwargs", "message"),
    [
        ("extension name is a list", {"extra": "extensions: [{name: [x]}]"}, None),
        ("nested 1000 deep", {"extra": "x: " + "[" * 1000 + "]" * 1000}, "nested"),
        ("NUL in a path", {"cluster": ', certificate-authority: "/tmp/a\\0b"'}, "file name"),
        ("surrogate in a path", {"cluster": ', certificate-authority: "/tmp/a\\ud800b"'}, None),
        ("self-referencing alias", {"extra": "x: &a [*a]"}, None),
    ],
)
def test_load_config_lets_only_config_errors_out(
    tmp_path: Path, what: str, kwargs: dict[str, str], message: str | None
) -> None:
    path = kubeconfig(tmp_path, **kwargs)
    try:
        build_client(load_config(kubeconfig=path))
    except ConfigError as err:
        assert not isinstance(err.__cause__, (TypeError, ValueError, RecursionError)), what
        if message:
            assert message in str(err)
    # "extension name is a list" and "self-referencing alias" load fine (nothing reads them)


def test_an_alias_bomb_is_refused_before_it_expands(tmp_path: Path) -> None:
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, cur in zip("abcdefgh", "bcdefghi", strict=True):
        levels.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    bomb = "\n".join(levels) + "\n"
    extension = ", extensions: [{name: client.authentication.k8s.io/exec, extension: *i}]"
    path = tmp_path / "config"
    path.write_text(
        bomb
        + KUBECONFIG.format(cluster=extension, user="", extra="").replace(
            "token: abcd",
            "exec: {command: x, apiVersion: client.authentication.k8s.io/v1, "
            "interactiveMode: Never, provideClusterInfo: true}",
        )
    )
    assert path.stat().st_size < 1000
    with pytest.raises(ConfigError, match="aliases expand"):
        load_config(kubeconfig=path)
    # The same kubeconfig with a small extension is valid: the refusal is the expansion's alone
    # (before, the bomb loaded and building the client's exec cache key expanded it).
    text = path.read_text()
    path.write_text(levels[0] + "\n" + text[len(bomb) :].replace("extension: *i", "extension: *a"))
    assert load_config(kubeconfig=path).exec_provider is not None


def test_a_few_aliases_are_still_fine(tmp_path: Path) -> None:
    extra = "preferences: {a: &x {colors: true}}\nextensions: [{name: e, extension: *x}]"
    assert load_config(kubeconfig=kubeconfig(tmp_path, extra=extra)).host.startswith("https://")


def test_ca_data_that_is_not_ascii_is_a_config_error(tmp_path: Path) -> None:
    pem = "-----BEGIN CERTIFICATE-----\nüüü\n-----END CERTIFICATE-----\n".encode()
    data = base64.b64encode(pem).decode()
    cfg = load_config(
        kubeconfig=kubeconfig(tmp_path, cluster=f', certificate-authority-data: "{data}"')
    )
    with pytest.raises(ConfigError, match="certificate-authority-data"):
        build_client(cfg)


def test_impersonating_a_non_ascii_user_sends_utf8_as_go_does(tmp_path: Path) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"kind": "Namespace", "metadata": {"name": "x"}})

    cfg = load_config(kubeconfig=kubeconfig(tmp_path, user=", as: jürgen"))
    cfg.transport = httpx.MockTransport(handler)
    Clientset(cfg).core_v1().namespaces().get("x")
    assert seen[0].headers.raw[-1] != (b"Impersonate-User", b"")
    assert dict(seen[0].headers.raw)[b"Impersonate-User"] == "jürgen".encode()


def test_a_newline_in_a_header_value_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="control characters"):
        build_client(Config(host="https://x", impersonate_user="a\r\nX-Evil: 1"))


# -- item 10: an empty namespace is refused for named requests ------------------------------------


def recording_config() -> tuple[Config, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"kind": "ConfigMapList", "metadata": {}, "items": []})

    return Config(host="https://k8s.test", transport=httpx.MockTransport(handler), qps=0), seen


def test_a_named_request_with_an_empty_namespace_is_refused_before_sending() -> None:
    cfg, seen = recording_config()
    config_maps = Clientset(cfg).core_v1().config_maps("")
    for call in (
        lambda: config_maps.get("x"),
        lambda: config_maps.delete("x"),
        lambda: config_maps.update({"metadata": {"name": "x"}}),
        lambda: config_maps.patch("x", {"data": {}}),
        lambda: config_maps.create({"metadata": {"name": "x"}}),
        lambda: Clientset(cfg).core_v1().config_maps().get("x"),
        lambda: (
            DynamicClient(cfg)
            .resource(GroupVersionResource("", "v1", "configmaps"))
            .namespace("")
            .get("x")
        ),
    ):
        with pytest.raises(RequestError, match="empty namespace"):
            call()
    assert seen == []
    config_maps.list()  # a collection read with "" is every namespace, as in client-go
    DynamicClient(cfg).resource(GroupVersionResource("", "v1", "nodes")).get("n1")
    assert [r.url.path for r in seen] == ["/api/v1/configmaps", "/api/v1/nodes/n1"]


def test_the_objects_namespace_is_used_when_the_client_has_none() -> None:
    cfg, seen = recording_config()
    Clientset(cfg).core_v1().config_maps().create({"metadata": {"name": "x", "namespace": "n"}})
    assert seen[0].url.path == "/api/v1/namespaces/n/configmaps"


# -- item 11: credentials a server echoes are masked in DecodeErrors -----------------------------


def echoing_client() -> RESTClient:
    def handler(request: httpx.Request) -> httpx.Response:
        echo = f"<html>bad gateway for {request.headers['authorization']}</html>"
        return httpx.Response(200, text=echo, headers={"content-type": "application/json"})

    cfg = Config(
        host="https://k8s.test", bearer_token=TOKEN, transport=httpx.MockTransport(handler)
    )
    return RESTClient(cfg)


def test_an_echoed_token_is_masked_in_a_decode_error() -> None:
    with pytest.raises(DecodeError) as info:
        echoing_client().get().resource("pods").do().json()
    assert TOKEN not in str(info.value)
    assert "<masked>" in str(info.value)


def test_an_echoed_token_is_masked_in_a_watch_decode_error() -> None:
    with pytest.raises(DecodeError) as info:
        list(echoing_client().get().resource("pods").watch())
    assert TOKEN not in str(info.value)


# -- item 12: Secret data is masked by the resource, not the body's kind ---------------------------


def secret_client(seen: list[httpx.Request]) -> Clientset:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        body = json.loads(request.content) if request.content else {}
        return httpx.Response(201, json=body)  # the server answers without a kind, too

    return Clientset(Config(host="https://k8s.test", transport=httpx.MockTransport(handler)))


def test_secret_data_without_a_kind_is_masked_in_the_trace(
    caplog: pytest.LogCaptureFixture,
) -> None:
    seen: list[httpx.Request] = []
    secrets = secret_client(seen).core_v1().secrets("default")
    trace.set_verbosity(8)
    try:
        with caplog.at_level(logging.INFO, logger="rawkube.http"):
            secrets.create({"metadata": {"name": "s"}, "data": {"db-pass": "aHVudGVyMg=="}})
    finally:
        trace.set_verbosity(0)
    assert seen and "aHVudGVyMg==" in seen[0].content.decode()
    assert "Request Body" in caplog.text and "Response Body" in caplog.text
    assert "aHVudGVyMg==" not in caplog.text


def test_secret_paths() -> None:
    assert trace.is_secret_path("/api/v1/namespaces/default/secrets/s")
    assert trace.is_secret_path("/prefix/api/v1/secrets")
    assert trace.is_secret_path("/api/v1/watch/namespaces/x/secrets")
    assert not trace.is_secret_path("/api/v1/namespaces/secrets")  # the namespace "secrets"
    assert not trace.is_secret_path("/api/v1/namespaces/x/configmaps/secrets")
    assert not trace.is_secret_path("/apis/apps/v1/namespaces/x/deployments")


def test_secret_data_without_a_kind_is_masked_in_recordings(tmp_path: Path) -> None:
    from rawkube.testing.recorder import Recorder

    recorder = Recorder(tmp_path / "rec.json")
    seen: list[httpx.Request] = []
    cs = secret_client(seen)
    cs.config = recorder.config(cs.config)
    Clientset(cs.config).core_v1().secrets("default").create(
        {"metadata": {"name": "s"}, "data": {"db-pass": "aHVudGVyMg=="}}
    )
    saved = recorder.save().read_text()
    assert "aHVudGVyMg==" not in saved
    assert "db-pass" in saved
