"""RESTClient against the embedded API server over real HTTPS on 127.0.0.1 (end to end)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest

from rawkube import errors
from rawkube.aio.rest import AsyncRESTClient
from rawkube.config.types import Config
from rawkube.rest import options, trace
from rawkube.rest.client import RESTClient
from rawkube.testing import LocalAPIServer

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def config() -> Iterator[Config]:
    with LocalAPIServer() as server:
        yield server.config()


def deployment(name: str) -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "c", "image": "nginx"}]},
            },
        },
    }


def test_crud_round_trip(config: Config) -> None:
    with RESTClient(config, "apps", "v1") as rc:
        deps = lambda: rc.get().namespace("default").resource("deployments")  # noqa: E731
        created = (
            rc.post()
            .namespace("default")
            .resource("deployments")
            .body(deployment("live-crud"))
            .do()
        )
        assert created.status_code == 201
        with pytest.raises(errors.AlreadyExists):
            rc.post().namespace("default").resource("deployments").body(
                deployment("live-crud")
            ).do()
        got = deps().name("live-crud").do().json()
        assert got["metadata"]["name"] == "live-crud"
        patched = (
            rc.patch("merge")
            .namespace("default")
            .resource("deployments")
            .name("live-crud")
            .body({"spec": {"replicas": 3}})
            .do()
            .json()
        )
        assert patched["spec"]["replicas"] == 3
        listed = deps().params(options.list_params(label_selector="app=live-crud")).do().json()
        assert [i["metadata"]["name"] for i in listed["items"]] == ["live-crud"]
        rc.delete().namespace("default").resource("deployments").name("live-crud").body(
            options.delete_options(propagation_policy="Background")
        ).do()
        with pytest.raises(errors.NotFound):
            deps().name("live-crud").do()
        version = rc.get().abs_path("/version").do().json()
        assert "gitVersion" in version


def test_watch_sees_events_and_ends_when_the_server_closes(config: Config) -> None:
    with RESTClient(config, "apps", "v1") as rc:
        start = time.monotonic()
        watch = (
            rc.get()
            .namespace("default")
            .resource("deployments")
            .params(options.watch_params(timeout_seconds=1))
            .watch()
        )
        rc.post().namespace("default").resource("deployments").body(deployment("live-watch")).do()
        names = [(ev.type, ev.object["metadata"]["name"]) for ev in watch]  # ends at timeoutSeconds
        assert ("ADDED", "live-watch") in names
        assert time.monotonic() - start < 10


def test_watch_stop_mid_stream(config: Config) -> None:
    with RESTClient(config, "apps", "v1") as rc:
        rc.post().namespace("default").resource("deployments").body(deployment("live-stop")).do()
        watch = rc.get().namespace("default").resource("deployments").watch()
        first = next(watch)
        assert first.type == "ADDED"
        watch.stop()
        assert watch.response.is_closed
        # the connection pool still works afterwards
        assert rc.get().namespace("default").resource("deployments").do().status_code == 200


def test_async_client_end_to_end(config: Config) -> None:
    async def main() -> list[str]:
        async with AsyncRESTClient(config, "apps", "v1") as rc:
            await (
                rc.post()
                .namespace("default")
                .resource("deployments")
                .body(deployment("live-async"))
                .do()
            )
            types = []
            async for ev in (
                rc.get()
                .namespace("default")
                .resource("deployments")
                .params(options.watch_params(timeout_seconds=1))
                .watch()
            ):
                types.append(ev.object["metadata"]["name"])
            return types

    assert "live-async" in asyncio.run(main())


def test_trace_over_real_tls_has_no_key_material(
    config: Config, caplog: pytest.LogCaptureFixture
) -> None:
    assert config.key_data is not None
    trace.set_verbosity(9)
    try:
        with (
            RESTClient(config, "", "v1") as rc,
            caplog.at_level(logging.INFO, logger="rawkube.http"),
        ):
            rc.get().resource("namespaces").do()
    finally:
        trace.set_verbosity(0)
    text = "\n".join(r.getMessage() for r in caplog.records if r.name == "rawkube.http")
    assert f"{config.host}/api/v1/namespaces" in text and "curl -v -XGET" in text
    key_body = b"".join(config.key_data.splitlines()[1:-1]).decode()
    assert key_body[:40] not in text and "PRIVATE KEY" not in text


def test_stop_from_another_thread_over_tls(config: Config) -> None:
    import threading

    with RESTClient(config, "apps", "v1") as rc:
        rc.post().namespace("default").resource("deployments").body(deployment("live-thread")).do()
        watch = rc.get().namespace("default").resource("deployments").watch()
        got: list[str] = []

        def reader() -> None:
            for event in watch:
                got.append(event.type)
            got.append("END")

        thread = threading.Thread(target=reader, daemon=True)
        thread.start()
        deadline = time.monotonic() + 5
        while not got and time.monotonic() < deadline:
            time.sleep(0.01)
        watch.stop()
        thread.join(5)
        assert not thread.is_alive() and got[-1] == "END"
