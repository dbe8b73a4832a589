"""rawkube.protobuf: the special types, Go's JSON rules, errors, and the watch framing.

The wire facts come from k8s.io/apimachinery (runtime/serializer/protobuf, meta/v1 time_proto.go,
util/intstr, api/resource quantity_proto.go) and the generated.pb.go of the API packages; the
recorded real-server bytes are checked in tests/protobuf/test_protobuf_recorded.py.
"""

from __future__ import annotations

import base64
import struct
from typing import Any

import pytest

from rawkube import protobuf
from rawkube.errors import DecodeError
from rawkube.protobuf import ProtobufError


def _varint(n: int) -> bytes:
    n &= (1 << 64) - 1
    out = b""
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out += bytes([byte | 0x80])
        else:
            return out + bytes([byte])


def _field(number: int, value: bytes | int | str) -> bytes:
    if isinstance(value, int):
        return _varint(number << 3) + _varint(value)
    data = value.encode() if isinstance(value, str) else value
    return _varint(number << 3 | 2) + _varint(len(data)) + data


def _round_trip(obj: dict[str, Any]) -> dict[str, Any]:
    return protobuf.decode(protobuf.encode(obj))


def test_envelope_is_magic_then_runtime_unknown() -> None:
    body = protobuf.encode({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}})
    assert body.startswith(b"k8s\x00")
    api_version, kind, raw = protobuf.unwrap(body)
    assert (api_version, kind) == ("v1", "Namespace")
    # typeMeta, raw, then contentEncoding and contentType written empty (runtime.Unknown)
    assert body.endswith(b"\x1a\x00\x22\x00")
    assert protobuf.decode(body)["metadata"]["name"] == "a"


def test_value_fields_are_always_written_pointers_only_when_set() -> None:
    # ObjectMeta.generateName is a plain string: written even when empty (`12 00`);
    # DeploymentSpec.replicas is *int32: absent stays absent, 0 is written.
    meta = protobuf.encode_message({"name": "x"}, protobuf.message_for("v1", "Namespace") or "")
    assert b"\x12\x00" in meta
    spec_name = "k8s.io.api.apps.v1.DeploymentSpec"
    assert b"\x08" not in protobuf.encode_message({}, spec_name)[:1]
    assert protobuf.encode_message({"replicas": 0}, spec_name).startswith(b"\x08\x00")
    assert protobuf.decode_message(b"\x08\x00", spec_name)["replicas"] == 0


def test_go_json_rules_on_decoding() -> None:
    status = "k8s.io.api.apps.v1.ReplicaSetStatus"
    # replicas has no omitempty (shown as 0); fullyLabeledReplicas has (left out)
    decoded = protobuf.decode_message(_field(1, 0) + _field(2, 0), status)
    assert decoded == {"replicas": 0}
    # a struct is shown even when empty; a nil slice without omitempty is null
    container = protobuf.decode_message(_field(1, "web"), "k8s.io.api.core.v1.Container")
    assert container["resources"] == {}
    verbs = protobuf.decode_message(
        _field(1, "pods"), "k8s.io.apimachinery.pkg.apis.meta.v1.APIResource"
    )
    assert verbs["verbs"] is None


def test_time_microtime_and_omitzero() -> None:
    obj = {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": "l", "creationTimestamp": "2026-12-07T12:00:00Z"},
        "spec": {
            "acquireTime": "2026-12-07T12:00:00.123456Z",
            "renewTime": "2026-12-07T13:00:00.000001+01:00",
        },
    }
    back = _round_trip(obj)
    assert back["metadata"]["creationTimestamp"] == "2026-12-07T12:00:00Z"
    assert back["spec"]["acquireTime"] == "2026-12-07T12:00:00.123456Z"
    assert back["spec"]["renewTime"] == "2026-12-07T12:00:00.000001Z"  # normalised to UTC
    # Time drops sub-second precision (time_proto.go); the zero Time is an empty message,
    # left out of JSON by creationTimestamp's omitzero
    assert (
        _round_trip(
            {**obj, "metadata": {"name": "l", "creationTimestamp": "2026-12-07T12:00:00.9Z"}}
        )["metadata"]["creationTimestamp"]
        == "2026-12-07T12:00:00Z"
    )
    assert "creationTimestamp" not in _round_trip({**obj, "metadata": {"name": "l"}})["metadata"]
    with pytest.raises(ProtobufError, match="RFC 3339"):
        protobuf.encode({**obj, "metadata": {"creationTimestamp": "yesterday"}})
    assert protobuf.parse_time("1969-12-31T23:59:59Z") == (-1, 0)


def test_condition_times_without_omitzero_are_null_when_zero() -> None:
    # core/v1 PodCondition.lastProbeTime: `json:"lastProbeTime,omitempty"` on a struct -> null
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "status": {
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True",
                    "lastProbeTime": None,
                    "lastTransitionTime": "2026-01-01T00:00:00Z",
                }
            ]
        },
    }
    condition = _round_trip(pod)["status"]["conditions"][0]
    assert condition["lastProbeTime"] is None
    assert condition["lastTransitionTime"] == "2026-01-01T00:00:00Z"


@pytest.mark.parametrize(
    ("nanos", "text"),
    [
        (0, "0s"),
        (1, "1ns"),
        (1500, "1.5µs"),
        (2_000_000, "2ms"),
        (1_500_000_000, "1.5s"),
        (90 * 10**9, "1m30s"),
        (3600 * 10**9, "1h0m0s"),
        (-(3723 * 10**9 + 500_000_000), "-1h2m3.5s"),
    ],
)
def test_go_durations(nanos: int, text: str) -> None:
    # Go time.Duration.String() and time.ParseDuration (meta/v1 duration.go uses both)
    assert protobuf.go_duration(nanos) == text
    assert protobuf.parse_duration(text) == nanos


def test_duration_message_and_bad_durations() -> None:
    name = "k8s.io.apimachinery.pkg.apis.meta.v1.Duration"
    assert protobuf.encode_message({"duration": 5}, name) == b"\x08\x05"  # the message itself
    with pytest.raises(ProtobufError):
        protobuf.parse_duration("5 minutes")


def test_quantity_and_int_or_string() -> None:
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "s"},
        "spec": {
            "ports": [
                {"port": 80, "targetPort": "http"},
                {"port": 81, "targetPort": 8081},
                {"port": 82, "targetPort": -3},
            ]
        },
    }
    ports = _round_trip(service)["spec"]["ports"]
    assert [p["targetPort"] for p in ports] == ["http", 8081, -3]
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {
            "containers": [{"name": "c", "resources": {"limits": {"cpu": "500m", "memory": 1024}}}]
        },
    }
    limits = _round_trip(pod)["spec"]["containers"][0]["resources"]["limits"]
    assert limits == {"cpu": "500m", "memory": "1024"}  # Quantity's JSON is a string
    # IntOrString writes type, intVal and strVal always (intstr generated.pb.go)
    body = protobuf.encode_message({"port": "http"}, "k8s.io.api.core.v1.TCPSocketAction")
    assert _field(1, b"\x08\x01\x10\x00\x1a\x04http") in body


def test_bytes_are_base64_in_json_and_map_keys_are_sorted() -> None:
    raw = bytes(range(256))
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "s"},
        "data": {"b": base64.b64encode(raw).decode(), "a": ""},
    }
    body = protobuf.encode(secret)
    assert raw in body  # the bytes themselves are on the wire, not their base64
    assert body.index(b"\x0a\x01a") < body.index(b"\x0a\x01b")  # generated.pb.go sorts keys
    assert _round_trip(secret)["data"] == {"a": "", "b": base64.b64encode(raw).decode()}
    with pytest.raises(ProtobufError, match="base64"):
        protobuf.encode({**secret, "data": {"a": "not base64!"}})


def test_raw_extensions_hold_json_or_an_enveloped_object() -> None:
    revision = {
        "apiVersion": "apps/v1",
        "kind": "ControllerRevision",
        "metadata": {"name": "r"},
        "data": {"spec": {"x": [1, "<&>"]}},
        "revision": 2,
    }
    assert _round_trip(revision)["data"] == {"spec": {"x": [1, "<&>"]}}
    # a watch event's object is a full enveloped object inside the RawExtension
    pod = {"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "p"}, "spec": {}, "status": {}}
    frame = protobuf.encode_watch_event("ADDED", pod)
    (event,) = protobuf.WatchFrameDecoder().feed(frame)
    assert event["type"] == "ADDED"
    assert event["object"]["metadata"]["name"] == "p"
    assert event["object"]["kind"] == "Pod"


def test_list_wrappers_and_extra_values() -> None:
    review = {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SubjectAccessReview",
        "metadata": {},
        "spec": {"user": "a", "extra": {"scopes": ["r", "w"], "none": []}},
        "status": {"allowed": False},
    }
    assert _round_trip(review)["spec"]["extra"] == {"scopes": ["r", "w"], "none": []}
    resources = {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": "v1",
        "resources": [
            {
                "name": "pods",
                "singularName": "pod",
                "namespaced": True,
                "kind": "Pod",
                "verbs": ["get", "list"],
            }
        ],
    }
    assert _round_trip(resources) == resources


def test_json_schema_unions() -> None:
    schema = {
        "type": "object",
        "properties": {"a": {"type": "integer", "maximum": 10.5, "default": {"x": 1}}},
        "additionalProperties": False,
        "items": [{"type": "string"}],
        "dependencies": {"a": ["b"], "c": {"type": "object"}},
        "x-kubernetes-preserve-unknown-fields": True,
    }
    name = "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps"
    back = protobuf.decode_message(protobuf.encode_message(schema, name), name)
    assert back == schema
    allowed = {**schema, "additionalProperties": {"type": "string"}, "items": {"type": "string"}}
    assert protobuf.decode_message(protobuf.encode_message(allowed, name), name) == allowed


def test_numbers_negative_and_floating() -> None:
    name = "k8s.io.api.core.v1.PodSpec"
    body = protobuf.encode_message({"activeDeadlineSeconds": -1, "containers": []}, name)
    assert _varint(-1) in body and len(_varint(-1)) == 10  # two's complement, as Go writes int64
    assert protobuf.decode_message(body, name)["activeDeadlineSeconds"] == -1
    with pytest.raises(ProtobufError, match="integer"):
        protobuf.encode_message({"activeDeadlineSeconds": "soon"}, name)
    with pytest.raises(ProtobufError, match="boolean"):
        protobuf.encode_message({"hostNetwork": "yes"}, name)


def test_unknown_fields_are_skipped_and_packed_numbers_read() -> None:
    name = "k8s.io.api.core.v1.SecurityContext"
    unknown = _field(99, "from the future") + _varint(98 << 3 | 5) + b"\x00\x00\x00\x00"
    assert protobuf.decode_message(unknown + _field(4, 1), name) == {"runAsUser": 1}
    # gogo never packs (proto2), but a proto3 writer may pack repeated numbers:
    groups = "k8s.io.api.core.v1.PodSecurityContext"
    packed = _field(4, _varint(1) + _varint(2) + _varint(300))  # supplementalGroups
    assert protobuf.decode_message(packed, groups)["supplementalGroups"] == [1, 2, 300]


@pytest.mark.parametrize(
    "body",
    [
        b"{}",
        b"k8s\x00\x0a\x05\x0a\x02v1",  # truncated typeMeta
        protobuf.wrap("v1", "Namespace", b"\x0a\x05\x0a\x01a"),  # nested length overruns
        protobuf.wrap("v1", "Namespace", b"\x0a\x80"),  # truncated varint
        protobuf.wrap("example.com/v1", "Widget", b""),  # a custom resource
    ],
)
def test_malformed_bodies_are_typed_errors(body: bytes) -> None:
    with pytest.raises(ProtobufError) as err:
        protobuf.decode(body)
    assert isinstance(err.value, DecodeError)
    assert err.value.content_type == protobuf.CONTENT_TYPE


def test_encode_needs_a_known_kind() -> None:
    assert protobuf.supports("apps/v1", "Deployment")
    assert not protobuf.supports("example.com/v1", "Widget")
    with pytest.raises(ProtobufError, match="no protobuf form"):
        protobuf.encode({"apiVersion": "example.com/v1", "kind": "Widget"})
    with pytest.raises(ProtobufError, match="apiVersion and kind"):
        protobuf.encode({"metadata": {}})


def test_watch_frames_split_anywhere() -> None:
    events = [("ADDED", "a"), ("MODIFIED", "b"), ("DELETED", "c")]
    stream = b"".join(
        protobuf.encode_watch_event(
            t, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": n}}
        )
        for t, n in events
    )
    decoder = protobuf.WatchFrameDecoder()
    seen = []
    for i in range(len(stream)):  # one byte at a time
        seen += decoder.feed(stream[i : i + 1])
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in seen] == events
    assert decoder.pending == 0
    partial = protobuf.WatchFrameDecoder()
    assert partial.feed(stream[:10]) == [] and partial.pending == 10


def test_watch_frame_limits() -> None:
    with pytest.raises(ProtobufError, match="exceeds"):
        protobuf.WatchFrameDecoder(max_frame=16).feed(struct.pack(">I", 17) + b"x" * 17)
    empty_event = _field(1, "ADDED")
    with pytest.raises(ProtobufError, match="without an object"):
        protobuf.WatchFrameDecoder().feed(struct.pack(">I", len(empty_event)) + empty_event)


def test_is_protobuf() -> None:
    assert protobuf.is_protobuf("application/vnd.kubernetes.protobuf")
    assert protobuf.is_protobuf("application/vnd.kubernetes.protobuf;stream=watch")
    assert not protobuf.is_protobuf("application/json")
    assert not protobuf.is_protobuf(None)


# -- the client's side of negotiation (rawkube.protobuf.content) --------------------------------


def test_accept_header_follows_client_go() -> None:
    from rawkube.protobuf import content

    # rest/request.go setAcceptHeader: AcceptContentTypes, else ContentType + ", */*"
    assert content.accept_header(None, None) is None
    assert content.accept_header("application/json", None) == "application/json, */*"
    assert content.accept_header(protobuf.CONTENT_TYPE, content.PROTOBUF_THEN_JSON) == (
        "application/vnd.kubernetes.protobuf,application/json"
    )


def test_bodies_are_protobuf_only_for_built_in_kinds() -> None:
    from rawkube.protobuf import content

    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}}
    body, ctype = content.encode_body(deployment, protobuf.CONTENT_TYPE)
    assert ctype == protobuf.CONTENT_TYPE and body.startswith(protobuf.MAGIC)
    assert content.decode_body(body, ctype)["metadata"] == {"name": "d"}
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    body, ctype = content.encode_body(widget, protobuf.CONTENT_TYPE)  # a custom resource: JSON
    assert ctype == "application/json" and body.startswith(b"{")
    assert content.encode_body(deployment, "application/json")[1] == "application/json"
    assert content.encode_body([1, 2], protobuf.CONTENT_TYPE)[1] == "application/json"


def test_hex_dump_is_gos() -> None:
    from rawkube.protobuf import content

    # as kubectl -v 8 prints a protobuf body (Go encoding/hex.Dump)
    data = b"k8s\x00\n\x15\n\x07apps/v1\x12\nDeployment"
    assert content.hex_dump(data) == (
        "00000000  6b 38 73 00 0a 15 0a 07  61 70 70 73 2f 76 31 12  |k8s.....apps/v1.|\n"
        "00000010  0a 44 65 70 6c 6f 79 6d  65 6e 74                 |.Deployment|\n"
    )
    assert content.hex_dump(b"") == ""


def test_metadata_only_lists_have_a_protobuf_form() -> None:
    # meta.k8s.io/v1 (apimachinery meta/v1 register.go AddMetaToScheme); the real 1.36 server
    # answers `Accept: application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList` in it
    listed = {
        "kind": "PartialObjectMetadataList",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": "5"},
        "items": [{"metadata": {"name": "a", "namespace": "n"}}],
    }
    assert _round_trip(listed) == listed
    assert not protobuf.supports("meta.k8s.io/v1", "Table")


@pytest.mark.parametrize(
    "spec",
    [
        {
            "containers": [{"name": "c", "resources": {"limits": {"cpu": "1"}}}],
            "overhead": {"cpu": [1]},
        },
        {"containers": "not a list"},
        {"containers": [{"name": "\ud800"}]},  # a lone surrogate cannot be UTF-8
        {"containers": [None]},
        {"hostNetwork": 1},
    ],
)
def test_wrong_shapes_are_protobuf_errors(spec: dict[str, Any]) -> None:
    with pytest.raises(ProtobufError):
        protobuf.encode(
            {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec}
        )
