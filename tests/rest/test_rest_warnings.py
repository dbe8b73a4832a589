"""Warning headers (client-go rest/warnings.go, util/net ParseWarningHeaders)."""

from __future__ import annotations

import warnings

import httpx
import pytest

from rawkube import errors
from rawkube.config.types import Config
from rawkube.rest import warnings as kw
from rawkube.rest.client import RESTClient

DEPRECATED = '299 - "apps/v1beta1 Deployment is deprecated"'


def test_parse_single_multiple_and_escaped() -> None:
    assert kw.parse_warning_header('299 - "unknown field \\"spec.bogusField\\""') == [
        kw.WarningHeader(299, "-", 'unknown field "spec.bogusField"')
    ]
    parsed = kw.parse_warning_header(
        '299 - "a, b", 299 kube-apiserver "c" "Wed, 21 Oct 2015 07:28:00 GMT"'
    )
    assert parsed == [
        kw.WarningHeader(299, "-", "a, b"),
        kw.WarningHeader(299, "kube-apiserver", "c"),
    ]


def test_malformed_warning_skips_the_rest_of_that_header_like_client_go() -> None:
    assert kw.parse_warning_header("garbage") == []
    assert kw.parse_warning_header('299 - unquoted, 299 - "lost"') == []
    assert kw.parse_warning_header('299 - "kept", 99 - "bad code", 299 - "lost"') == [
        kw.WarningHeader(299, "-", "kept")
    ]
    assert kw.parse_warning_header('300 - "out of range"') == []
    # a bad header does not spoil the next one
    assert kw.parse_warning_headers(["bad", '299 - "next"']) == [kw.WarningHeader(299, "-", "next")]


def test_rfc2047_encoded_text_is_decoded() -> None:
    (w,) = kw.parse_warning_header('299 - "=?UTF-8?Q?caf=C3=A9?="')
    assert w.text == "café"


def test_dedup_handler_emits_each_299_message_once() -> None:
    got: list[str] = []
    handler = kw.DeduplicatingWarningHandler(emit=lambda code, agent, text: got.append(text))
    for _ in range(3):
        handler(299, "-", "deprecated")
    handler(299, "-", "other")
    handler(199, "-", "not a 299")
    handler(299, "-", "")
    assert got == ["deprecated", "other"]


def client(handler: kw.WarningHandler | None = None) -> RESTClient:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, json={}, headers=[("warning", DEPRECATED), ("warning", '299 - "second"')]
        )

    cfg = Config(host="https://h", transport=httpx.MockTransport(answer), qps=0)
    return RESTClient(cfg, "apps", "v1beta1", warning_handler=handler)


def test_warnings_on_result_and_passed_to_handler() -> None:
    seen: list[tuple[int, str, str]] = []
    rc = client(lambda code, agent, text: seen.append((code, agent, text)))
    result = rc.get().resource("deployments").do()
    assert result.warnings == ["apps/v1beta1 Deployment is deprecated", "second"]
    assert seen == [(299, "-", "apps/v1beta1 Deployment is deprecated"), (299, "-", "second")]


def test_default_handler_warns_once_per_message() -> None:
    kw.set_default_warning_handler(kw.DeduplicatingWarningHandler())
    try:
        rc = client()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for _ in range(3):
                rc.get().resource("deployments").do()
        messages = [str(w.message) for w in caught if issubclass(w.category, kw.APIServerWarning)]
        assert messages == ["apps/v1beta1 Deployment is deprecated", "second"]
    finally:
        kw.set_default_warning_handler(kw.DeduplicatingWarningHandler())


def test_default_handler_can_be_silenced() -> None:
    kw.set_default_warning_handler(None)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            result = client().get().resource("deployments").do()
        assert result.warnings  # still on the Result
    finally:
        kw.set_default_warning_handler(kw.DeduplicatingWarningHandler())


@pytest.mark.parametrize("status", [201, 422])
def test_warnings_handled_on_errors_too(status: int) -> None:
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json={}, headers={"warning": '299 - "w"'})

    rc = RESTClient(
        Config(host="https://h", transport=httpx.MockTransport(answer), qps=0),
        warning_handler=lambda c, a, t: seen.append(t),
    )
    if status >= 400:
        with pytest.raises(errors.Invalid):
            rc.post().resource("pods").body({}).do()
    else:
        assert rc.post().resource("pods").body({}).do().warnings == ["w"]
    assert seen == ["w"]
