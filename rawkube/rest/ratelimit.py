"""Client-side rate limiting: a token bucket (client-go util/flowcontrol `NewTokenBucketRateLimiter`).

Before every request attempt client-go calls `rateLimiter.Wait()` (rest/request.go
`tryThrottle`); kubectl logs "Waited for ... due to client-side throttling" when it had to
wait long. The bucket holds `burst` tokens and refills at `qps` tokens per second.

The bucket itself is sans-IO: `reserve()` takes a token and returns how long the caller must
sleep before using it; the sync and async clients do the sleeping (`time.sleep` /
`asyncio.sleep`), and tests pass a fake clock.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

Clock = Callable[[], float]


class TokenBucket:
    """`burst` tokens, refilled at `qps` per second; starts full (client-go's behaviour)."""

    def __init__(self, qps: float, burst: int, *, clock: Clock = time.monotonic) -> None:
        if qps <= 0:
            raise ValueError("qps must be > 0 (use limiter_for() to get None for 'disabled')")
        self.qps = float(qps)
        self.burst = max(int(burst), 1)  # a bucket of 0 tokens would block forever
        self._clock = clock
        self._tokens = float(self.burst)
        self._last = clock()
        self._lock = threading.Lock()

    def _refill(self, now: float) -> None:
        elapsed = max(0.0, now - self._last)
        self._tokens = min(float(self.burst), self._tokens + elapsed * self.qps)
        self._last = now

    def reserve(self) -> float:
        """Take one token; return the seconds to wait before it may be used (0 if none).

        Tokens may go negative: a reservation is a promise of a future token, like
        golang.org/x/time/rate's `Reserve()`, so concurrent callers queue fairly.
        """
        with self._lock:
            self._refill(self._clock())
            self._tokens -= 1.0
            if self._tokens >= 0:
                return 0.0
            return -self._tokens / self.qps

    def try_accept(self) -> bool:
        """Take a token only if one is available now (client-go `TryAccept`)."""
        with self._lock:
            self._refill(self._clock())
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return True
            return False

    def __repr__(self) -> str:
        return f"TokenBucket(qps={self.qps}, burst={self.burst})"


def limiter_for(qps: float, burst: int, *, clock: Clock = time.monotonic) -> TokenBucket | None:
    """The limiter for `Config.qps` / `Config.burst`; None (no limit) when qps <= 0."""
    if qps <= 0:
        return None
    return TokenBucket(qps, burst, clock=clock)


# One bucket per shared httpx client: RESTClients built on the same client (all the groups of a
# Clientset) draw from one budget, as client-go's `kubernetes.NewForConfigAndClient` builds one
# `flowcontrol.NewTokenBucketRateLimiter` and hands it to every group client.
_SHARED: weakref.WeakKeyDictionary[Any, TokenBucket | None] = weakref.WeakKeyDictionary()
_SHARED_LOCK = threading.Lock()


def shared_limiter_for(
    client: Any, qps: float, burst: int, *, clock: Clock = time.monotonic
) -> TokenBucket | None:
    """The limiter of every RESTClient sharing `client` (made on first use)."""
    with _SHARED_LOCK:
        if client not in _SHARED:
            _SHARED[client] = limiter_for(qps, burst, clock=clock)
        return _SHARED[client]
