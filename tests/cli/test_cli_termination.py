"""Signal handlers of the CLI take no lock: SIGTERM of the long-running commands
(rawkube/cli/common.py Termination), SIGWINCH of `exec -it` (rawkube/cli/exec.py).

`rawkube serve` once never exited after SIGTERM under load: its handler called
`threading.Event.set()`, and a Python signal handler runs in the main thread between two
bytecodes, here while that thread held the Event's internal lock (inside `Event.wait`): the
handler then waited for a lock its own thread held, for good. The test below delivers SIGTERM
exactly there (the main thread holding the lock of the Event it waits on); with the old handler
it hangs (the timeout marker ends it), with Termination the handler takes no lock.
"""

from __future__ import annotations

import os
import signal
import threading

import pytest

from rawkube.cli.common import Termination

pytestmark = pytest.mark.timeout(30)


def test_sigterm_while_the_main_thread_holds_the_events_lock_stops_the_wait() -> None:
    stop = threading.Event()
    termination = Termination()
    try:
        with stop._cond:  # type: ignore[attr-defined]  # as inside Event.wait
            os.kill(os.getpid(), signal.SIGTERM)  # the handler runs here, lock held
            delivered = list(termination.signals)
        assert delivered == [signal.SIGTERM]
        termination.wait(stop)  # returns: the signal was seen
        assert not stop.is_set()
    finally:
        termination.restore()
    assert signal.getsignal(signal.SIGTERM) is not termination._handle


def test_another_threads_stop_ends_the_wait_too() -> None:
    stop = threading.Event()
    termination = Termination()
    try:
        threading.Timer(0.05, stop.set).start()
        termination.wait(stop)
        assert stop.is_set() and termination.signals == []
    finally:
        termination.restore()


def test_sigwinch_while_the_main_thread_holds_the_sessions_lock_still_resizes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`rawkube exec -it`: the SIGWINCH handler once sent the size itself, taking the session's
    locks, which the main thread holds while it reads output; now a thread of its own sends it."""
    from rawkube.cli import exec as exec_cli

    session_lock = threading.Lock()  # what the main thread holds while it reads output
    sizes: list[tuple[int, int]] = []
    sent = threading.Event()

    class Session:
        def resize(self, width: int, height: int) -> None:
            with session_lock:
                sizes.append((width, height))
            sent.set()

    monkeypatch.setattr(exec_cli.os, "get_terminal_size", lambda fd: os.terminal_size((99, 33)))
    before = signal.getsignal(signal.SIGWINCH)
    stop = exec_cli._watch_resizes(Session())
    assert stop is not None
    try:
        with session_lock:  # the main thread, reading the session's output
            os.kill(os.getpid(), signal.SIGWINCH)  # the handler runs here, lock held
            assert sizes == []  # not sent from the handler (it would have waited for good)
        assert sent.wait(10)
        assert sizes == [(99, 33)]
    finally:
        stop()
    assert signal.getsignal(signal.SIGWINCH) == before
