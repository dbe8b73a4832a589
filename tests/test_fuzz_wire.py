"""Fuzzed watch streams and Status bodies (hypothesis), issue 12's acceptance: "only
DecodeError or a StatusError subclass, and no complete event is lost before a bad line".

Watch streams are made of good events, ERROR events and bad lines, cut into chunks at random
places and read both by the sans-IO `WatchDecoder` and through a `Watch` over a streamed
response, with and without a model to decode into. Status bodies are any JSON (mostly
Status-shaped, with fields of any type) answered with any error code. Deterministic
(derandomized, no example database) and bounded.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rawkube import errors
from rawkube.errors import DecodeError, StatusError
from rawkube.rest.result import Result, error_from_response
from rawkube.rest.watch import Watch, WatchDecoder
from tests.helpers.fuzzing import no_local_constants  # noqa: F401 (autouse fixture)

FUZZ = settings(
    max_examples=300,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

json_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.text(max_size=8),
    st.floats(allow_nan=False, allow_infinity=False),
)
json_value = st.recursive(
    json_scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


@st.composite
def good_events(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["ADDED", "MODIFIED", "DELETED", "BOOKMARK"]))
    meta: dict[str, Any] = {
        "name": draw(st.text(min_size=1, max_size=6)),
        "resourceVersion": str(draw(st.integers(1, 999))),
    }
    obj = {"apiVersion": "v1", "kind": "Pod", "metadata": meta}
    if draw(st.booleans()):
        obj["spec"] = {"containers": [{"name": "c", "image": draw(st.text(max_size=5))}]}
    return json.dumps({"type": kind, "object": obj}).encode()


@st.composite
def error_events(draw: st.DrawFn) -> bytes:
    status = draw(st.one_of(statuses(), json_value))
    return json.dumps({"type": "ERROR", "object": status}).encode()


bad_lines = st.one_of(
    st.binary(min_size=1, max_size=30).filter(lambda b: b"\n" not in b and b.strip()),
    st.sampled_from(
        [
            b"{",
            b"[1, 2]",
            b'"text"',
            b"null",
            b'{"type": "ADDED"}',
            b'{"type": "SURPRISE", "object": {}}',
            b'{"type": ["ADDED"], "object": {}}',
            b'{"type": "ADDED", "object": [1]}',
            b'{"type": "ADDED", "object": 5}',
            b'{"type": "MODIFIED", "object": {"metadata": 7}}',
            b"[" * 3000,
        ]
    ),
)


@st.composite
def streams(draw: st.DrawFn) -> tuple[list[bytes], list[int]]:
    """Lines (good, ERROR or bad) and the byte offsets where the stream is cut into chunks."""
    lines = draw(
        st.lists(
            st.one_of(good_events(), good_events(), error_events(), bad_lines),
            min_size=1,
            max_size=8,
        )
    )
    total = sum(len(line) + 1 for line in lines)
    cuts = sorted(set(draw(st.lists(st.integers(1, max(1, total - 1)), max_size=6))))
    return lines, cuts


def chunks_of(lines: list[bytes], cuts: list[int]) -> list[bytes]:
    data = b"".join(line + b"\n" for line in lines)
    bounds = [0, *[c for c in cuts if 0 < c < len(data)], len(data)]
    return [data[a:b] for a, b in zip(bounds, bounds[1:], strict=False) if b > a]


def complete_before_first_problem(
    lines: list[bytes], decode: Any, stop_at_error: bool = False
) -> tuple[list[dict[str, Any]], bool]:
    """What must be delivered: every good event (and ERROR event, unless `stop_at_error`:
    a Watch raises it) before the first bad line, and whether the stream has a problem."""
    out = []
    for line in lines:
        try:
            raw = json.loads(line)
        except (ValueError, RecursionError):
            return out, True
        if isinstance(raw, dict) and raw.get("type") == "ERROR" and "object" in raw:
            if stop_at_error:
                return out, True
            out.append(raw)
            continue
        if (
            not isinstance(raw, dict)
            or raw.get("type") not in ("ADDED", "MODIFIED", "DELETED", "BOOKMARK")
            or not isinstance(raw.get("object"), dict)
        ):
            return out, True
        if decode is not None:
            try:
                decode.from_dict(raw["object"]).to_dict()
            except Exception:
                return out, True
        out.append(raw)
    return out, False


def models() -> Any:
    from rawkube.models.core_v1 import Pod

    return Pod


@FUZZ
@given(streams(), st.booleans())
def test_fuzzed_streams_through_the_decoder(
    stream: tuple[list[bytes], list[int]], typed: bool
) -> None:
    lines, cuts = stream
    decode = models() if typed else None
    decoder = WatchDecoder(decode)
    delivered: list[Any] = []
    failed = False
    try:
        for chunk in chunks_of(lines, cuts):
            for event in decoder.feed(chunk):
                delivered.append(event)
        delivered.extend(decoder.close())
    except DecodeError:
        failed = True
    expected, problem = complete_before_first_problem(lines, decode)
    raws = [e.raw for e in delivered]
    # the good events before the first problem are all delivered, in order
    assert raws[: len(expected)] == expected
    if not problem:
        assert not failed and raws == expected
    for event in delivered:  # an ERROR event's Status is always a StatusError, never a crash
        err = event.error()
        assert err is None or isinstance(err, StatusError)


@FUZZ
@given(streams(), st.booleans())
def test_fuzzed_streams_through_a_watch(stream: tuple[list[bytes], list[int]], typed: bool) -> None:
    lines, cuts = stream
    decode = models() if typed else None
    response = httpx.Response(
        200, content=iter(chunks_of(lines, cuts)), request=httpx.Request("GET", "http://x/")
    )
    seen: list[Any] = []
    try:
        for event in Watch(response, WatchDecoder(decode)):
            seen.append(event.raw)
    except (DecodeError, StatusError):
        pass
    expected, problem = complete_before_first_problem(lines, decode, stop_at_error=True)
    assert seen[: len(expected)] == expected  # nothing complete lost before a bad line
    if not problem:
        assert seen == expected
    assert response.is_closed


@st.composite
def statuses(draw: st.DrawFn) -> Any:
    """Status-shaped objects whose fields may have any type."""
    fields = {
        "kind": st.one_of(st.just("Status"), json_value),
        "apiVersion": st.one_of(st.just("v1"), json_value),
        "status": st.one_of(st.sampled_from(["Failure", "Success"]), json_value),
        "message": st.one_of(st.text(max_size=20), json_value),
        "reason": st.one_of(
            st.sampled_from(["NotFound", "Conflict", "Expired", "Gone", "", "Weird"]), json_value
        ),
        "code": st.one_of(st.integers(0, 600), json_value),
        "details": st.one_of(
            st.fixed_dictionaries(
                {},
                optional={
                    "causes": st.one_of(
                        st.lists(
                            st.one_of(
                                json_value,
                                st.fixed_dictionaries({"type": json_value, "message": json_value}),
                            )
                        ),
                        json_value,
                    ),
                    "retryAfterSeconds": st.one_of(st.integers(-5, 2**40), st.floats(), json_value),
                    "name": json_value,
                },
            ),
            json_value,
        ),
    }
    return draw(st.fixed_dictionaries({}, optional=fields))


bodies = st.one_of(
    statuses().map(lambda s: json.dumps(s).encode()),
    json_value.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=60),
    st.just(b"k8s\x00" + b"\x0a\x01x"),
)


@FUZZ
@given(
    st.integers(400, 599),
    bodies,
    st.sampled_from(["application/json", "application/yaml", "text/html", None]),
)
def test_fuzzed_status_bodies_give_a_status_error(
    code: int, body: bytes, content_type: str | None
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    err = error_from_response(code, headers, body, method="GET", url="https://k8s.test/api/v1/pods")
    assert isinstance(err, StatusError)
    str(err), repr(err), err.causes, err.retry_after_seconds
    for predicate in (
        errors.is_not_found,
        errors.is_gone,
        errors.is_conflict,
        errors.is_unexpected_server_error,
        errors.suggests_client_delay,
    ):
        predicate(err)


@FUZZ
@given(bodies, st.sampled_from(["application/json", "application/yaml", None]))
def test_fuzzed_success_bodies_decode_or_raise_decode_error(
    body: bytes, content_type: str | None
) -> None:
    from rawkube.models.core_v1 import Pod

    result = Result(200, {"content-type": content_type} if content_type else {}, body)
    for read in (result.json, lambda: result.into(Pod)):
        try:
            read()
        except (DecodeError, StatusError):
            pass
