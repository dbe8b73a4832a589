"""stop() from another thread must leave the client's connection pool healthy.

The reader thread is blocked in the watch; another thread calls stop() and then sends a request
on the same client. If stop() closed the response under the reader, the half-read TLS connection
could go back to the pool and the next request failed with an SSL error (seen ~1 in 2).
"""

from __future__ import annotations

import threading
import time

from rawkube.testing import LocalAPIServer
from rawkube.typed.clientset import Clientset


def test_requests_after_stop_from_another_thread_succeed() -> None:
    with LocalAPIServer(controllers=False) as server:
        pods = Clientset(server.config()).core_v1().pods("default")
        failures: list[str] = []
        for _ in range(20):
            rv = pods.list().metadata.resource_version
            watch = pods.watch(resource_version=rv, timeout_seconds=30)
            reader = threading.Thread(target=lambda w=watch: list(w), daemon=True)
            reader.start()
            time.sleep(0.02)  # let the reader block in the read
            watch.stop()
            try:
                pods.list()
            except Exception as err:  # the bug: ConnectError [SSL: ...UNEXPECTED_MESSAGE]
                failures.append(f"{type(err).__name__}: {err}")
            reader.join(timeout=5)
            assert not reader.is_alive()
        assert failures == []
