"""rawkube.retry against client-go util/retry/util.go and apimachinery wait/backoff.go."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rawkube.errors import AlreadyExists, Conflict, NotFound
from rawkube.retry import (
    DEFAULT_BACKOFF,
    DEFAULT_RETRY,
    Backoff,
    WaitTimeoutError,
    exponential_backoff,
    jitter,
    on_error,
    retry_on_conflict,
)


def test_defaults_match_client_go_util_retry() -> None:
    # k8s.io/client-go/util/retry/util.go: DefaultRetry{5, 10ms, 1.0, 0.1}, DefaultBackoff{4, 10ms, 5.0, 0.1}
    assert (
        DEFAULT_RETRY.steps,
        DEFAULT_RETRY.duration,
        DEFAULT_RETRY.factor,
        DEFAULT_RETRY.jitter,
    ) == (
        5,
        0.010,
        1.0,
        0.1,
    )
    assert (
        DEFAULT_BACKOFF.steps,
        DEFAULT_BACKOFF.duration,
        DEFAULT_BACKOFF.factor,
        DEFAULT_BACKOFF.jitter,
    ) == (4, 0.010, 5.0, 0.1)


def test_step_grows_by_factor_and_jitter_is_injectable() -> None:
    b = Backoff(duration=1.0, factor=2.0, jitter=0.5, steps=3, rand=lambda: 1.0)
    # jitter adds rand()*jitter*duration to the *current* duration, growth uses the un-jittered one
    assert [b.step(), b.step(), b.step()] == [1.5, 3.0, 6.0]
    # steps exhausted: the duration no longer changes
    assert b.step() == 12.0 and b.steps == 0


def test_step_cap_ends_sequence() -> None:
    b = Backoff(duration=1.0, factor=10.0, steps=5, cap=5.0)
    assert b.step() == 1.0
    assert b.duration == 5.0 and b.steps == 0


def test_jitter_non_positive_factor_means_one() -> None:
    assert jitter(2.0, 0.0, rand=lambda: 0.5) == 3.0


def test_exponential_backoff_sleeps_between_tries_only() -> None:
    sleeps: list[float] = []
    calls: list[int] = []

    def never() -> bool:
        calls.append(1)
        return False

    with pytest.raises(WaitTimeoutError):
        exponential_backoff(Backoff(duration=0.01, factor=5.0, steps=4), never, sleep=sleeps.append)
    assert len(calls) == 4
    assert sleeps == pytest.approx([0.01, 0.05, 0.25])


def test_retry_on_conflict_retries_then_succeeds() -> None:
    sleeps: list[float] = []
    attempts = iter([Conflict("stale"), Conflict("stale"), None])

    def fn() -> str:
        err = next(attempts)
        if err:
            raise err
        return "ok"

    assert retry_on_conflict(DEFAULT_RETRY, fn, sleep=sleeps.append) == "ok"
    assert len(sleeps) == 2
    assert all(0.010 <= s <= 0.011 for s in sleeps)
    assert DEFAULT_RETRY.steps == 5  # the shared default is not consumed


def test_retry_on_conflict_gives_up_with_last_conflict() -> None:
    count = 0

    def fn() -> None:
        nonlocal count
        count += 1
        raise Conflict(f"attempt {count}")

    with pytest.raises(Conflict, match="attempt 5"):
        retry_on_conflict(DEFAULT_RETRY, fn, sleep=lambda s: None)
    assert count == 5


@pytest.mark.parametrize("err", [NotFound("gone"), AlreadyExists("dup"), ValueError("x")])
def test_non_conflict_errors_are_not_retried(err: Exception) -> None:
    count = 0

    def fn() -> None:
        nonlocal count
        count += 1
        raise err

    with pytest.raises(type(err)):
        retry_on_conflict(DEFAULT_RETRY, fn, sleep=lambda s: None)
    assert count == 1


def test_on_error_custom_predicate() -> None:
    results: Iterator[KeyError | str] = iter([KeyError("a"), "done"])

    def fn() -> str:
        r = next(results)
        if isinstance(r, Exception):
            raise r
        return r

    assert (
        on_error(DEFAULT_BACKOFF, lambda e: isinstance(e, KeyError), fn, sleep=lambda s: None)
        == "done"
    )
