"""Retrying on conflicts: client-go's `util/retry` and apimachinery's `wait.Backoff`.

The Kubernetes way to change an object is read-modify-write with optimistic concurrency: the
update carries the resourceVersion that was read, and the server answers 409 Conflict when
someone else wrote in between. `retry_on_conflict` simply re-runs the whole read-modify-write:

    def bump() -> None:
        d = deployments.get("demo")          # re-read on every try
        d.spec.replicas = 2
        deployments.update(d)                # raises Conflict if d is stale

    retry_on_conflict(DEFAULT_RETRY, bump)

Mirrors k8s.io/client-go/util/retry/util.go (`OnError`, `RetryOnConflict`, `DefaultRetry`,
`DefaultBackoff`) and k8s.io/apimachinery/pkg/util/wait/backoff.go (`Backoff.Step`, `Jitter`,
`ExponentialBackoff`). Sleep and randomness are injectable so tests run instantly and exactly.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TypeVar

from rawkube.errors import is_conflict

R = TypeVar("R")


def jitter(duration: float, max_factor: float, rand: Callable[[], float] = random.random) -> float:
    """`duration` plus up to `max_factor * duration` of random extra (wait.Jitter).

    As in Go, a non-positive factor means 1.0.
    """
    if max_factor <= 0.0:
        max_factor = 1.0
    return duration + rand() * max_factor * duration


@dataclass
class Backoff:
    """apimachinery `wait.Backoff`: how long to wait between tries, and how many tries.

    `duration` is in seconds (Go uses time.Duration). `steps` counts the tries that may still
    sleep; `cap` (seconds, 0 = none) stops growth and ends the sequence once reached.
    """

    duration: float = 0.0
    factor: float = 0.0
    jitter: float = 0.0
    steps: int = 0
    cap: float = 0.0
    rand: Callable[[], float] = field(default=random.random, repr=False, compare=False)

    def step(self) -> float:
        """The next wait (seconds), advancing the state (wait.Backoff.Step).

        Once steps run out the duration stops changing (it is still jittered).
        """
        if self.steps < 1:
            return (
                jitter(self.duration, self.jitter, self.rand) if self.jitter > 0 else self.duration
            )
        self.steps -= 1
        current = self.duration
        if self.factor != 0:
            self.duration = self.duration * self.factor
            if self.cap > 0 and self.duration > self.cap:
                self.duration = self.cap
                self.steps = 0
        return jitter(current, self.jitter, self.rand) if self.jitter > 0 else current

    def copy(self) -> Backoff:
        return replace(self)


# client-go util/retry/util.go: "the recommended retry for a conflict where multiple clients
# are making changes to the same resource" -- 5 tries, 10ms apart (+ up to 10% jitter).
DEFAULT_RETRY = Backoff(steps=5, duration=0.010, factor=1.0, jitter=0.1)

# ... and for a client changing a resource that controllers also manage: 4 tries, 10ms growing x5.
DEFAULT_BACKOFF = Backoff(steps=4, duration=0.010, factor=5.0, jitter=0.1)


class WaitTimeoutError(Exception):
    """The condition never became true within the backoff's steps (wait.ErrWaitTimeout)."""


def exponential_backoff(
    backoff: Backoff,
    condition: Callable[[], bool],
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Run `condition` until it returns True, sleeping `backoff.step()` in between.

    At most `backoff.steps` tries, with no sleep after the last one; raises WaitTimeoutError
    when they run out (wait.ExponentialBackoff). The caller's Backoff is not modified.
    """
    state = backoff.copy()
    while state.steps > 0:
        if condition():
            return
        if state.steps == 1:
            break
        sleep(state.step())
    raise WaitTimeoutError("timed out waiting for the condition")


def on_error(
    backoff: Backoff,
    retriable: Callable[[Exception], bool],
    fn: Callable[[], R],
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> R:
    """Call `fn`, retrying while it raises an error `retriable` accepts (retry.OnError).

    Returns fn's value on success. A non-retriable error is raised at once; when the tries run
    out, the last retriable error is raised (as client-go returns lastErr, not a timeout).
    """
    outcome: list[R] = []
    last_error: list[Exception] = []

    def attempt() -> bool:
        try:
            outcome.append(fn())
        except Exception as err:
            if not retriable(err):
                raise
            last_error[:] = [err]
            return False
        return True

    try:
        exponential_backoff(backoff, attempt, sleep=sleep)
    except WaitTimeoutError:
        if last_error:
            raise last_error[0] from None
        raise
    return outcome[0]


def retry_on_conflict(
    backoff: Backoff,
    fn: Callable[[], R],
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> R:
    """Retry `fn` while it raises a 409 Conflict (retry.RetryOnConflict).

    `fn` must re-read the object each time: after a conflict the old copy is stale. Only
    reason Conflict counts (AlreadyExists, also 409, is not retried), like errors.IsConflict.
    """
    return on_error(backoff, is_conflict, fn, sleep=sleep)


__all__ = [
    "DEFAULT_BACKOFF",
    "DEFAULT_RETRY",
    "Backoff",
    "WaitTimeoutError",
    "exponential_backoff",
    "jitter",
    "on_error",
    "retry_on_conflict",
]
