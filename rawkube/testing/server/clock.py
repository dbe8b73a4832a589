"""The wall clock of a LocalAPIServer's controllers: real time plus an offset a test moves.

kube-controller-manager's CronJob controller schedules by the wall clock; a test cannot wait an
hour for ``@hourly``, so `LocalAPIServer.clock` is a `SimulatedClock` and
``server.clock.advance(3600)`` makes the hour pass (Jobs' startTime/completionTime and
CronJobs' lastScheduleTime read it too).
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone


class SimulatedClock:
    """The wall clock the CronJob controller schedules by: real time plus an offset a test
    moves forward (`advance`), so a schedule fires without waiting for it."""

    def __init__(self) -> None:
        self._offset = timedelta(0)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return datetime.now(timezone.utc) + self._offset

    def advance(self, seconds: float) -> datetime:
        """Move the clock forward by ``seconds``; returns the new time."""
        with self._lock:
            self._offset += timedelta(seconds=seconds)
        return self.now()

    def __call__(self) -> datetime:
        return self.now()


__all__ = ["SimulatedClock"]
