"""Every recorded real-apiserver exchange replays through rawkube's own clients (RESTClient)."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

from rawkube.errors import StatusError
from rawkube.rest.client import RESTClient
from rawkube.rest.request import Request
from rawkube.testing import load_fixture, replay
from rawkube.testing.fixture import Exchange, decode_body

ROOT = Path(__file__).resolve().parent.parent
REAL_FILES = sorted((ROOT / "fixtures" / "real-apiserver").glob("*.json"))


def _request(rc: RESTClient, ex: Exchange) -> Request:
    """Rebuild the recorded request with the RESTClient builder (abs_path, params, header, body)."""
    req = ex.request
    content_type = req.headers.get("content-type", "application/json")
    builder = rc.verb(req.method, content_type).abs_path(req.path)
    for key, value in parse_qsl(req.query, keep_blank_values=True):
        builder.param(key, value)
    if "accept" in req.headers:
        builder.set_header("Accept", req.headers["accept"])
    if req.body is not None:
        builder.body(decode_body(req.body))
    return builder


@pytest.mark.parametrize("path", REAL_FILES, ids=lambda p: p.stem)
def test_real_exchange_replays_through_restclient(path: Path) -> None:
    [ex] = load_fixture(path)
    expected = ex.response
    with replay(path) as rp, RESTClient(rp.config()) as rc:
        request = _request(rc, ex)
        if expected.body_lines is not None:
            events = []
            with pytest.raises(StatusError) if _ends_in_error(ex) else nullcontext():
                for event in request.watch():
                    events.append(event.raw)
            recorded = [e for e in expected.body_lines if e["type"] != "ERROR"]
            assert events == recorded
        elif 200 <= expected.status < 300:
            warns = pytest.warns(UserWarning) if "warning" in expected.headers else nullcontext()
            with warns:
                result = request.do()
            assert bool(result.warnings) == ("warning" in expected.headers)
            assert result.status_code == expected.status
            assert result.raw() == decode_body(expected.body)
        else:
            with pytest.raises(StatusError) as info:
                request.do()
            assert info.value.code == expected.status
            assert info.value.reason == expected.body["reason"]


def _ends_in_error(ex: Exchange) -> bool:
    return any(e.get("type") == "ERROR" for e in ex.response.body_lines or [])
