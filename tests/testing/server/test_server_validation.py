"""Unit tests of rawkube.testing.server.apivalidation: the pure decode / validate functions.

The behaviour itself is pinned by the recorded scenarios of tests/differential/validation.yaml
(replayed by tests/testing/server/test_differential.py); these tests cover the Go re-implementations directly
(messages taken from those recordings and from the Go sources they cite).
"""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

import pytest

from rawkube.testing.server import apivalidation
from rawkube.testing.server.apivalidation import batch, decode, fielderrors, goparse
from rawkube.testing.server.resources import ResourceInfo

DEPLOYMENT = ResourceInfo(
    "apps", "v1", "deployments", "Deployment", True, ("create",), "deployment"
)
POD = ResourceInfo("", "v1", "pods", "Pod", True, ("create",), "pod")
CONFIGMAP = ResourceInfo("", "v1", "configmaps", "ConfigMap", True, ("create",), "configmap")


def deployment(**spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "d", "namespace": "ns", "labels": {"app": "d"}},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "d"}},
            "template": {
                "metadata": {"labels": {"app": "d"}},
                "spec": {
                    "containers": [
                        {
                            "name": "c",
                            "image": "nginx:1.27",
                            "ports": [{"containerPort": 80}],
                            "resources": {"limits": {"cpu": "500m", "memory": "128Mi"}},
                            "env": [{"name": "A", "value": "b"}],
                            "livenessProbe": {"httpGet": {"path": "/", "port": 80}},
                        }
                    ]
                },
            },
        },
    }
    body["spec"].update(spec)
    return body


def check(info: ResourceInfo, raw: str) -> decode.DecodeResult:
    result = apivalidation.decode_check(info, raw.encode())
    assert result is not None
    return result


# -- decoding --------------------------------------------------------------------------------


def test_decode_type_error_names_go_struct_path_and_type() -> None:
    result = check(POD, '{"spec":{"containers":[{"name":"c","ports":[{"containerPort":1e3}]}]}}')
    assert result.error == (
        "json: cannot unmarshal number 1e3 into Go struct field "
        "ContainerPort.spec.containers.ports.containerPort of type int32"
    )


def test_decode_inline_struct_go_name_in_path() -> None:
    result = check(POD, '{"spec":{"volumes":[{"name":"v","hostPath":{"path":5}}]}}')
    assert result.error is not None
    assert (
        "HostPathVolumeSource.spec.volumes.VolumeSource.hostPath.path of type string"
        in result.error
    )


def test_decode_first_type_error_wins_but_unmarshaler_error_stops() -> None:
    first = check(CONFIGMAP, '{"metadata":{"labels":{"a":1}},"data":{"b":2}}')
    assert first.error is not None and "ObjectMeta.metadata.labels" in first.error
    stop = check(
        POD,
        '{"metadata":{"labels":{"a":1}},"spec":{"containers":[{"resources":{"limits":{"cpu":"x"}}}]}}',
    )
    assert stop.error == goparse.QUANTITY_FORMAT


def test_decode_strict_errors_in_document_order_deduplicated() -> None:
    result = check(
        CONFIGMAP,
        '{"zeta":1,"metadata":{"name":"x","labels":{"a":"1","a":"2"},"bogus":1},'
        '"data":{"k":"v"},"data":{"k":"w"},"zeta":2}',
    )
    assert result.error is None
    assert result.strict == [
        'unknown field "zeta"',
        'duplicate field "metadata.labels.a"',
        'unknown field "metadata.bogus"',
        'duplicate field "data"',
    ]  # no "data.k": each JSON object's keys are checked on their own (decode.go object())


def test_decode_valid_deployment_has_no_errors() -> None:
    result = check(DEPLOYMENT, json.dumps(deployment()))
    assert result.error is None and result.strict == []


def test_decode_int_or_string_and_bytes() -> None:
    svc = ResourceInfo("", "v1", "services", "Service", True, ("create",), "service")
    bad = check(svc, '{"spec":{"ports":[{"port":80,"targetPort":true}]}}')
    assert bad.error == (
        "json: cannot unmarshal bool into Go struct field ServicePort.spec.ports.targetPort of type int32"
    )
    assert check(svc, '{"spec":{"ports":[{"port":80,"targetPort":"web"}]}}').error is None
    secret = ResourceInfo("", "v1", "secrets", "Secret", True, ("create",), "secret")
    assert check(secret, '{"data":{"a":"YWJj=="}}').error == "illegal base64 data at input byte 4"


# -- Go parsers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "canonical"),
    [
        ("500m", Fraction(1, 2), "500m"),
        ("1.5", Fraction(3, 2), "1500m"),
        ("0.5Gi", Fraction(2**29), "512Mi"),
        ("1000m", Fraction(1), "1"),
        ("1e3", Fraction(1000), "1e3"),
        ("-64Mi", Fraction(-64 * 2**20), "-64Mi"),
    ],
)
def test_parse_quantity(text: str, value: Fraction, canonical: str) -> None:
    assert goparse.quantity(text) == (value, canonical)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", goparse.QUANTITY_FORMAT),
        ("1.2.3", goparse.QUANTITY_FORMAT),
        ("1Ki5", goparse.QUANTITY_SUFFIX),
    ],
)
def test_parse_quantity_errors(text: str, error: str) -> None:
    with pytest.raises(goparse.QuantityError, match="^" + __import__("re").escape(error) + "$"):
        goparse.parse_quantity(text)


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"YWJj", None),
        (b"YWI=", None),
        (b"YW\nJj", None),
        (b"hunter2!", "illegal base64 data at input byte 7"),
        (b"YWJj==", "illegal base64 data at input byte 4"),
        (b"YQ", "illegal base64 data at input byte 0"),
    ],
)
def test_base64_errors(data: bytes, error: str | None) -> None:
    assert goparse.base64_error(data) == error


def test_time_parse_errors() -> None:
    layout = goparse.RFC3339
    assert goparse.parse_time_error(layout, "2026-12-07T12:00:00Z") is None
    assert goparse.parse_time_error(layout, "2026-12-07T12:00:00.5+01:00") is None
    assert goparse.parse_time_error(layout, "yesterday") == (
        'parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"'
    )
    assert goparse.parse_time_error(layout, "2026-13-01T00:00:00Z") == (
        'parsing time "2026-13-01T00:00:00Z": month out of range'
    )


@pytest.mark.parametrize(
    ("schedule", "error"),
    [
        ("*/5 * * * *", None),
        ("@hourly", None),
        ("0 0 * jan-mar mon", None),
        ("every minute", "expected exactly 5 fields, found 2: [every minute]"),
        ("*/5 25 * * *", "end of range (25) above maximum (23): 25"),
        ("x * * * *", 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'),
        ("@fortnightly", "unrecognized descriptor: @fortnightly"),
        ("5-1 * * * *", "beginning of range (5) beyond end of range (1): 5-1"),
    ],
)
def test_cron_schedule(schedule: str, error: str | None) -> None:
    assert batch.cron_error(schedule) == error


# -- field errors and validation --------------------------------------------------------------


def test_field_error_values_are_printed_as_go_does() -> None:
    assert fielderrors.invalid("a", "x\ty", "bad")["message"] == 'Invalid value: "x\\ty": bad'
    assert fielderrors.invalid("a", 3, "bad")["message"] == "Invalid value: 3: bad"
    assert fielderrors.invalid("a", {"b": 1, "a": "<"}, "x")["message"] == (
        'Invalid value: {"a":"\\u003c","b":1}: x'
    )
    assert fielderrors.not_supported("p", "X", ("A", "B"))["message"] == (
        'Unsupported value: "X": supported values: "A", "B"'
    )
    assert fielderrors.too_long("", 1)["message"] == "Too long: may not be more than 1 byte"


def test_invalid_status_aggregates_without_repeats() -> None:
    cause = fielderrors.required("spec.x")
    err = fielderrors.invalid_status("Deployment", "apps", "d", [cause, cause])
    assert err.code == 422
    assert err.message == 'Deployment.apps "d" is invalid: spec.x: Required value'
    assert len(err.details["causes"]) == 2


def test_validate_deployment_rules() -> None:
    assert apivalidation.validate(DEPLOYMENT, deployment()) == []
    causes = apivalidation.validate(
        DEPLOYMENT, deployment(replicas=-1, selector={"matchLabels": {"app": "x"}})
    )
    assert [(c["field"], c["reason"]) for c in causes] == [
        ("spec.replicas", "FieldValueInvalid"),
        ("spec.template.metadata.labels", "FieldValueInvalid"),
    ]


def test_validate_update_selector_immutable() -> None:
    old = deployment()
    new = deployment(selector={"matchLabels": {"app": "d", "v": "1"}})
    new["spec"]["template"]["metadata"]["labels"]["v"] = "1"
    causes = apivalidation.validate_update(DEPLOYMENT, new, old)
    assert causes[-1] == {
        "reason": "FieldValueInvalid",
        "message": 'Invalid value: {"matchLabels":{"app":"d","v":"1"}}: field is immutable',
        "field": "spec.selector",
    }


def test_validate_pod_without_containers() -> None:
    pod = {"metadata": {"name": "p", "namespace": "ns"}, "spec": {"containers": []}}
    assert apivalidation.validate(POD, pod) == [fielderrors.required("spec.containers")]


# -- over HTTP: bad objects never reach storage or the controllers -----------------------------


def test_bad_deployment_never_reaches_the_controllers() -> None:
    """Issue #10: a Deployment with replicas "two" used to be stored and crash the simulated
    deployment controller on every pass; now the create is a 400 and a patch a 422."""
    import ssl

    import httpx

    from rawkube.testing.server import LocalAPIServer

    with LocalAPIServer() as server:
        assert server.ca_pem is not None
        verify = ssl.create_default_context(cadata=server.ca_pem.decode())
        headers = {"Authorization": f"Bearer {server.token}"}
        with httpx.Client(base_url=server.url, verify=verify, headers=headers, timeout=20) as c:
            path = "/apis/apps/v1/namespaces/default/deployments"
            bad = deployment(replicas="two")
            bad["metadata"]["namespace"] = "default"
            resp = c.post(path, json=bad)
            assert resp.status_code == 400, resp.text
            assert "DeploymentSpec.spec.replicas of type int32" in resp.json()["message"]
            assert c.get(f"{path}/d").status_code == 404
            body = deployment()
            body["metadata"]["namespace"] = "default"
            good = c.post(path, json=body)
            assert good.status_code == 201, good.text
            patched = c.patch(
                f"{path}/d",
                content=b'{"spec":{"replicas":"two"}}',
                headers={"Content-Type": "application/merge-patch+json"},
            )
            assert patched.status_code == 422, patched.text
            assert patched.json()["details"]["causes"][0]["field"] == "patch"
            invalid = c.patch(
                f"{path}/d",
                content=b'{"spec":{"replicas":-1}}',
                headers={"Content-Type": "application/merge-patch+json"},
            )
            assert invalid.status_code == 422
            assert c.get(f"{path}/d").json()["spec"]["replicas"] == 3
            applied = c.patch(
                f"{path}/d",
                params={"fieldManager": "test"},
                content=json.dumps({**body, "spec": {**body["spec"], "replicas": "two"}}).encode(),
                headers={"Content-Type": "application/apply-patch+yaml"},
            )
            assert applied.status_code == 500, applied.text  # structured-merge-diff's answer
            assert applied.json()["message"].endswith(
                ".spec.replicas: expected numeric (int or float), got string"
            )
            assert c.get(f"{path}/d").json()["spec"]["replicas"] == 3
