"""How many steps a request takes through the flows (rawkube/rest/executor.py `_transmit`):
a request with a static credential and no deadline is one `Exchange` (send and read), not an
auth flow stepped through (issue 12: the per-GET cost must not regress); anything that needs
the steps between still gets them."""

from __future__ import annotations

import json
from typing import Any

import httpx

from rawkube.config.types import Config
from rawkube.flow import Step
from rawkube.rest.client import RESTClient

CM = {"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": "a"}}


def steps_of(config: Config) -> tuple[list[str], list[httpx.Request]]:
    """Drive one GET's flow by hand, recording each step's type and what reached the server."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=CM)

    config.transport = httpx.MockTransport(handler)
    rest = RESTClient(config, "", "v1")
    req = rest.get().resource("configmaps").namespace("default").name("a")
    flow = rest.core.do(req)
    kinds: list[str] = []
    value: Any = None
    try:
        step = next(flow)
        while True:
            assert isinstance(step, Step)
            kinds.append(type(step).__name__)
            value = step.run(rest._runtime)
            step = flow.send(value)
    except StopIteration as stop:
        assert json.loads(stop.value.raw()) == CM
    return kinds, seen


def test_a_get_with_a_static_token_is_one_step() -> None:
    kinds, seen = steps_of(Config(host="https://k", bearer_token="tok", qps=0))
    assert kinds == ["Exchange"]
    assert seen[0].headers["authorization"] == "Bearer tok"  # what BearerAuth's flow sets


def test_basic_auth_and_no_auth_too() -> None:
    kinds, seen = steps_of(Config(host="https://k", username="u", password="p", qps=0))
    assert kinds == ["Exchange"] and seen[0].headers["authorization"].startswith("Basic ")
    kinds, seen = steps_of(Config(host="https://k", qps=0))
    assert kinds == ["Exchange"] and "authorization" not in seen[0].headers


def test_a_deadline_keeps_the_read_as_its_own_step() -> None:
    """The body's reads get what is left of the deadline, re-armed between send and read."""
    kinds, _ = steps_of(Config(host="https://k", bearer_token="tok", qps=0, timeout=5))
    assert kinds == ["Handle", "ReadBody"]


def test_a_refreshing_credential_steps_through_its_auth_flow(tmp_path: Any) -> None:
    token = tmp_path / "token"
    token.write_text("from-file")
    kinds, seen = steps_of(Config(host="https://k", bearer_token_file=str(token), qps=0))
    assert kinds[0] == "AuthStart" and "Handle" in kinds and "ReadBody" in kinds
    assert seen[0].headers["authorization"] == "Bearer from-file"


def test_the_result_names_its_url_when_read_without_a_password() -> None:
    """Result.url is made on first read (most results never read it): the same URL."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=CM)

    config = Config(host="https://u:secret@k", qps=0, transport=httpx.MockTransport(handler))
    result = RESTClient(config, "", "v1").get().resource("configmaps").name("a").do()
    assert result.url == "https://k/api/v1/configmaps/a"
    assert "secret" not in result.url
