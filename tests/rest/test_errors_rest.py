"""StatusError mapping: Status bodies from the real server, and non-Status bodies
(client-go rest/request.go newUnstructuredResponseError + apimachinery NewGenericServerResponse)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from rawkube import errors
from rawkube.config.types import Config
from rawkube.rest.client import RESTClient
from rawkube.rest.result import Result, check_response, decode_body, error_from_response

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "real-apiserver"


def error_exchanges() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for path in sorted(FIXTURES.glob("*.json")):
        ex = json.loads(path.read_text())
        if ex["response"]["status"] >= 400:
            out.append((path.name, ex))
    return out


PREDICATES = {
    "AlreadyExists": errors.is_already_exists,
    "Conflict": errors.is_conflict,
    "NotFound": errors.is_not_found,
    "Invalid": errors.is_invalid,
    "BadRequest": errors.is_bad_request,
    "Unauthorized": errors.is_unauthorized,
    "Forbidden": errors.is_forbidden,
}


@pytest.mark.parametrize(("name", "ex"), error_exchanges(), ids=[n for n, _ in error_exchanges()])
def test_every_recorded_error_maps_to_its_class_and_predicate(
    name: str, ex: dict[str, Any]
) -> None:
    resp = ex["response"]
    body = json.dumps(resp["body"]).encode()
    err = error_from_response(
        resp["status"],
        resp["headers"],
        body,
        method=ex["request"]["method"],
        url=ex["request"]["path"],
    )
    status = resp["body"]
    assert err.reason == status["reason"]
    assert err.code == resp["status"] == status["code"]
    assert err.details == status.get("details", {})
    assert isinstance(err, errors.error_class(status["reason"], status["code"]))
    assert type(err).__name__ == status["reason"]
    # exactly one of the client-go style predicates is true
    hits = [reason for reason, pred in PREDICATES.items() if pred(err)]
    assert hits == [status["reason"]]
    assert status["message"] in str(err)


def test_invalid_carries_causes() -> None:
    ex = json.loads((FIXTURES / "021-create-deployment-invalid-selector.json").read_text())
    err = error_from_response(
        422, {}, json.dumps(ex["response"]["body"]).encode(), method="POST", url="/x"
    )
    assert isinstance(err, errors.Invalid)
    assert err.causes and all({"reason", "message", "field"} <= set(c) for c in err.causes)


def test_html_from_a_proxy_gives_a_useful_error() -> None:
    html = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
    err = error_from_response(
        502,
        {"content-type": "text/html"},
        html,
        method="GET",
        url="https://h/apis/apps/v1/deployments",
        group="apps",
        resource="deployments",
        name="web",
    )
    assert isinstance(err, errors.InternalError)
    assert err.code == 502
    assert err.reason == "InternalError"
    assert "502 Bad Gateway" in err.message  # the proxy's text is kept
    assert "(get deployments.apps web)" in err.message
    assert errors.is_unexpected_server_error(err)
    assert err.causes[0]["type"] == "UnexpectedServerResponse"


def test_empty_body_404_and_409_on_post() -> None:
    nf = error_from_response(404, {}, b"", method="GET", url="/u", resource="pods", name="p")
    assert isinstance(nf, errors.NotFound)
    assert nf.message == "the server could not find the requested resource (get pods p)"
    exists = error_from_response(409, {}, b"", method="POST", url="/u")
    assert isinstance(exists, errors.AlreadyExists)
    conflict = error_from_response(409, {}, b"", method="PUT", url="/u")
    assert type(conflict) is errors.Conflict


def test_non_text_non_status_body_says_unknown() -> None:
    err = error_from_response(
        500, {"content-type": "application/octet-stream"}, b"\x00\x01", method="GET", url="/u"
    )
    assert isinstance(err, errors.InternalError)
    assert 'an error on the server ("unknown")' in err.message


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        (400, errors.BadRequest),
        (401, errors.Unauthorized),
        (403, errors.Forbidden),
        (405, errors.MethodNotAllowed),
        (406, errors.NotAcceptable),
        (413, errors.RequestEntityTooLarge),
        (415, errors.UnsupportedMediaType),
        (422, errors.Invalid),
        (429, errors.TooManyRequests),
        (503, errors.ServiceUnavailable),
        (504, errors.Timeout),
        (418, errors.StatusError),
    ],
)
def test_generic_codes(code: int, cls: type[errors.StatusError]) -> None:
    err = error_from_response(code, {}, b"", method="GET", url="/u")
    assert type(err) is cls
    assert err.code == code


def test_retry_after_header_on_generic_and_status_errors() -> None:
    err = error_from_response(429, {"retry-after": "7"}, b"", method="GET", url="/u")
    assert err.retry_after_seconds == 7 == errors.suggests_client_delay(err)
    assert errors.is_too_many_requests(err)
    status = {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "message": "too many requests, please try again later",
        "reason": "TooManyRequests",
        "details": {"retryAfterSeconds": 1},
        "code": 429,
    }
    err2 = error_from_response(
        429, {"retry-after": "1"}, json.dumps(status).encode(), method="GET", url="/u"
    )
    assert isinstance(err2, errors.TooManyRequests)
    assert err2.retry_after_seconds == 1


def test_gone_and_expired() -> None:
    expired = errors.from_status(
        {
            "kind": "Status",
            "status": "Failure",
            "reason": "Expired",
            "code": 410,
            "message": "too old resource version",
        }
    )
    assert isinstance(expired, errors.Expired) and isinstance(expired, errors.Gone)
    assert errors.is_gone(expired) and errors.is_resource_expired(expired)
    gone = errors.from_status(
        {"kind": "Status", "status": "Failure", "code": 410, "message": "gone"}
    )
    assert (
        type(gone) is errors.Gone and errors.is_gone(gone) and not errors.is_resource_expired(gone)
    )


def test_status_without_code_takes_the_http_code() -> None:
    body = json.dumps(
        {"kind": "Status", "status": "Failure", "message": "nope", "reason": "NotFound"}
    ).encode()
    err = error_from_response(
        404, {"content-type": "application/json"}, body, method="GET", url="/u"
    )
    assert isinstance(err, errors.NotFound) and err.code == 404


def test_check_response_passes_success_through() -> None:
    result = check_response(
        200, {"content-type": "application/json"}, b'{"a":1}', method="GET", url="/u"
    )
    assert isinstance(result, Result) and result.json() == {"a": 1}
    with pytest.raises(errors.NotFound):
        check_response(404, {}, b"", method="GET", url="/u")


def test_decode_body_variants() -> None:
    assert decode_body(b"", "application/json") is None
    assert decode_body(b"a: 1\n", "application/yaml") == {"a": 1}
    with pytest.raises(errors.DecodeError, match="protobuf"):  # a cut protobuf envelope
        decode_body(b"k8s\x00\x0a", None)
    namespace = (
        b"k8s\x00\x0a\x0f\x0a\x02v1\x12\x09Namespace\x12\x05\x0a\x03\x0a\x01a\x1a\x00\x22\x00"
    )
    assert decode_body(namespace, "application/vnd.kubernetes.protobuf")["metadata"]["name"] == "a"
    with pytest.raises(errors.DecodeError, match="not valid JSON"):
        decode_body(b"<html>", "text/html")


def test_into_calls_from_dict_and_raises_failure_status() -> None:
    class Model:
        def __init__(self, data: Any) -> None:
            self.data = data

        @classmethod
        def from_dict(cls, data: Any) -> Model:
            return cls(data)

    ok = Result(200, {"content-type": "application/json"}, b'{"kind":"Pod"}')
    assert ok.into(Model).data == {"kind": "Pod"}
    failure = Result(
        200,
        {"content-type": "application/json"},
        b'{"kind":"Status","status":"Failure","reason":"Conflict","code":409,"message":"m"}',
    )
    with pytest.raises(errors.Conflict):
        failure.into(Model)


def test_into_a_success_status_is_not_the_object() -> None:
    """A DELETE that finished at once answers a Status; into(ConfigMap) used to wrap it."""
    from rawkube.models.core_v1 import ConfigMap
    from rawkube.models.meta_v1 import Status

    body = b'{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success"}'
    gone = Result(200, {"content-type": "application/json"}, body)
    with pytest.raises(errors.DecodeError, match=r"a Status \(Success\), not a ConfigMap"):
        gone.into(ConfigMap)
    assert gone.into(Status).status == "Success"


def test_error_text_never_contains_the_token() -> None:
    token = "super-secret-token-value"

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            401, text="<html>Unauthorized</html>", headers={"content-type": "text/html"}
        )

    rc = RESTClient(
        Config(host="https://h", bearer_token=token, transport=httpx.MockTransport(handler), qps=0)
    )
    with pytest.raises(errors.Unauthorized) as info:
        rc.get().resource("pods").do()
    err = info.value
    for text in (str(err), repr(err), repr(err.status), repr(err.headers), repr(err.details)):
        assert token not in text


def test_413_without_status_keeps_the_unknown_reason_message_of_apimachinery() -> None:
    err = error_from_response(413, {}, b"", method="POST", url="/u")
    assert isinstance(err, errors.RequestEntityTooLarge)
    assert (
        err.message
        == "the server responded with the status code 413 but did not return more information"
    )
    assert errors.is_request_entity_too_large(err)


@pytest.mark.parametrize(
    ("code", "predicate"),
    [
        (404, errors.is_not_found),
        (409, errors.is_conflict),
        (422, errors.is_invalid),
        (400, errors.is_bad_request),
        (401, errors.is_unauthorized),
        (403, errors.is_forbidden),
        (410, errors.is_gone),
        (504, errors.is_timeout),
        (500, errors.is_internal_error),
        (503, errors.is_service_unavailable),
        (405, errors.is_method_not_supported),
        (406, errors.is_not_acceptable),
        (415, errors.is_unsupported_media_type),
        (429, errors.is_too_many_requests),
        (413, errors.is_request_entity_too_large),
    ],
)
def test_predicates_fall_back_to_the_code_only_for_unknown_reasons(
    code: int, predicate: Any
) -> None:
    """apimachinery pkg/api/errors: `if _, ok := knownReasons[reason]; !ok && code == ...`."""
    assert predicate(errors.StatusError("x", code=code, reason="SomethingNew"))
    assert predicate(errors.StatusError("x", code=code))
    assert not predicate(
        errors.StatusError("x", code=code + 1 if code != 429 else 430, reason="SomethingNew")
    )
    assert not predicate(ValueError("not a status error"))


def test_known_reason_wins_over_code() -> None:
    exists = errors.StatusError("x", code=409, reason="AlreadyExists")
    assert errors.is_already_exists(exists) and not errors.is_conflict(exists)
    expired = errors.StatusError("x", code=410, reason="Expired")
    assert errors.is_resource_expired(expired) and errors.is_gone(expired)
