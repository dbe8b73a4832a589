"""`pods.stream_log()` (follow=true) reads one response to its end: when the server ends the
stream (the pod is gone) the iteration ends cleanly, and nothing reconnects."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import httpx
import pytest

from rawkube import Clientset
from rawkube.aio import AsyncClientset
from rawkube.testing import LocalAPIServer
from tests.helpers import stream_handlers

pytestmark = pytest.mark.timeout(60)


class Counting(httpx.BaseTransport):
    """Counts the requests for pods/log that reach the transport."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.log_requests = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/log"):
            self.log_requests += 1
        return self.inner.handle_request(request)  # type: ignore[no-any-return]

    def close(self) -> None:
        self.inner.close()


class AsyncCounting(httpx.AsyncBaseTransport):
    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.log_requests = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/log"):
            self.log_requests += 1
        return await self.inner.handle_async_request(request)  # type: ignore[no-any-return]

    async def aclose(self) -> None:
        await self.inner.aclose()


def start_pod(server: LocalAPIServer, name: str) -> None:
    server.api.log_lines = stream_handlers.log_lines  # a line every 0.2 s
    with Clientset(server.config()) as cs:
        pods = cs.core_v1().pods("default")
        pods.create(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": name},
                "spec": {"containers": [{"name": "c", "image": "x"}]},
            }
        )
        deadline = time.monotonic() + 20
        while pods.get(name).status.phase != "Running":
            assert time.monotonic() < deadline
            time.sleep(0.05)


def delete_later(server: LocalAPIServer, name: str, delay: float) -> threading.Timer:
    def delete() -> None:
        with Clientset(server.config()) as cs:
            cs.core_v1().pods("default").delete(name, grace_period_seconds=0)

    timer = threading.Timer(delay, delete)
    timer.start()
    return timer


def test_stream_log_ends_when_the_pod_goes_and_never_reconnects() -> None:
    with LocalAPIServer() as server:
        start_pod(server, "follow")
        counting: list[Counting] = []
        cfg = server.config()
        cfg.wrap_transport = lambda t: counting.append(Counting(t)) or counting[-1]
        with Clientset(cfg) as cs:
            timer = delete_later(server, "follow", 0.6)
            lines = list(cs.core_v1().pods("default").stream_log("follow"))
            timer.join()
        assert len(lines) >= 2
        assert all(line.startswith("line ") for line in lines)
        assert sum(c.log_requests for c in counting) == 1


def test_async_stream_log_ends_when_the_pod_goes_and_never_reconnects() -> None:
    with LocalAPIServer() as server:
        start_pod(server, "afollow")
        counting: list[AsyncCounting] = []
        cfg = server.config()
        cfg.wrap_transport = lambda t: counting.append(AsyncCounting(t)) or counting[-1]

        async def main() -> list[str]:
            async with AsyncClientset(cfg) as cs:
                return [line async for line in cs.core_v1().pods("default").stream_log("afollow")]

        timer = delete_later(server, "afollow", 0.6)
        lines = asyncio.run(asyncio.wait_for(main(), 30))
        timer.join()
        assert len(lines) >= 2
        assert sum(c.log_requests for c in counting) == 1
