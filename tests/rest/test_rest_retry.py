"""Retries (client-go rest/with_retry.go) and client-side rate limiting, with a fake clock."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from rawkube import errors
from rawkube.config.types import Config
from rawkube.rest.client import RESTClient
from rawkube.rest.ratelimit import TokenBucket, limiter_for
from rawkube.rest.with_retry import DEFAULT_MAX_RETRIES, RetryPolicy


class FakeClock:
    """time.monotonic + time.sleep replacements: sleeping advances the clock instantly."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


Handler = Callable[[httpx.Request], httpx.Response]


def make(handler: Handler, clock: FakeClock, *, qps: float = 0, burst: int = 10) -> RESTClient:
    cfg = Config(
        host="https://127.0.0.1:6443", transport=httpx.MockTransport(handler), qps=qps, burst=burst
    )
    return RESTClient(cfg, "apps", "v1", clock=clock, sleep=clock.sleep)


def answers(*responses: httpx.Response) -> tuple[Handler, list[httpx.Request]]:
    seen: list[httpx.Request] = []
    queue = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return handler, seen


def too_many(seconds: str = "2") -> httpx.Response:
    return httpx.Response(
        429,
        headers={"retry-after": seconds, "content-type": "application/json"},
        json={
            "kind": "Status",
            "status": "Failure",
            "reason": "TooManyRequests",
            "code": 429,
            "message": "slow down",
        },
    )


def ok() -> httpx.Response:
    return httpx.Response(200, json={"kind": "Deployment"})


def test_retry_after_is_honoured_then_succeeds() -> None:
    clock = FakeClock()
    handler, seen = answers(too_many("2"), too_many("3"), ok())
    result = make(handler, clock).get().resource("deployments").do()
    assert result.json() == {"kind": "Deployment"}
    assert len(seen) == 3
    assert clock.sleeps == [2.0, 3.0]


def test_retry_count_is_bounded_at_ten_like_client_go() -> None:
    clock = FakeClock()
    handler, seen = answers(too_many("1"))
    with pytest.raises(errors.TooManyRequests):
        make(handler, clock).get().resource("deployments").do()
    assert DEFAULT_MAX_RETRIES == 10
    assert len(seen) == 11  # the first try + 10 retries
    assert clock.sleeps == [1.0] * 10


def test_5xx_without_retry_after_is_not_retried() -> None:
    clock = FakeClock()
    handler, seen = answers(httpx.Response(500, text="boom"), ok())
    with pytest.raises(errors.InternalError):
        make(handler, clock).get().resource("deployments").do()
    assert len(seen) == 1 and clock.sleeps == []


def test_503_with_retry_after_retried_for_get() -> None:
    clock = FakeClock()
    handler, seen = answers(httpx.Response(503, headers={"retry-after": "1"}), ok())
    make(handler, clock).get().resource("deployments").do()
    assert len(seen) == 2


def test_post_is_retried_after_429_where_the_server_did_not_process_it() -> None:
    clock = FakeClock()
    handler, seen = answers(too_many("1"), httpx.Response(201, json={"kind": "Deployment"}))
    result = (
        make(handler, clock)
        .post()
        .namespace("d")
        .resource("deployments")
        .body({"kind": "Deployment"})
        .do()
    )
    assert result.status_code == 201
    assert len(seen) == 2
    assert seen[0].content == seen[1].content == b'{"kind":"Deployment"}'


@pytest.mark.parametrize("verb", ["post", "patch"])
def test_non_idempotent_not_retried_after_5xx_it_may_have_applied(verb: str) -> None:
    clock = FakeClock()
    handler, seen = answers(httpx.Response(503, headers={"retry-after": "1"}), ok())
    rc = make(handler, clock)
    if verb == "post":
        req = rc.post().namespace("d").resource("deployments").body({})
    else:
        req = rc.patch("json").namespace("d").resource("deployments").name("x").body([])
    with pytest.raises(errors.ServiceUnavailable):
        req.do()
    assert len(seen) == 1


def test_connection_reset_retried_on_get_only() -> None:
    clock = FakeClock()
    calls: list[str] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        if len(calls) == 1:
            raise httpx.ReadError("connection reset by peer", request=request)
        return ok()

    rc = make(flaky, clock)
    assert rc.get().resource("deployments").do().status_code == 200
    assert calls == ["GET", "GET"] and clock.sleeps == [1.0]

    calls.clear()
    with pytest.raises(errors.ConnectionBroken) as info:
        rc.post().namespace("d").resource("deployments").body({}).do()
    assert calls == ["POST"]  # a write whose body may have been applied is never re-sent
    assert info.value.may_have_been_applied and "may have been applied" in str(info.value)
    assert isinstance(info.value.__cause__, httpx.ReadError)


def test_connection_refused_is_not_retried() -> None:
    """client-go's isErrRetryableFunc retries resets and EOFs, not a connection never made."""
    clock = FakeClock()
    calls: list[str] = []

    def refused(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    with pytest.raises(errors.ServerUnreachable, match="was refused") as info:
        make(refused, clock).get().resource("deployments").do()
    assert calls == ["GET"] and clock.sleeps == []
    assert isinstance(info.value.__cause__, httpx.ConnectError)


def test_retries_disabled() -> None:
    clock = FakeClock()
    handler, seen = answers(too_many("1"))
    cfg = Config(host="https://h", transport=httpx.MockTransport(handler), qps=0)
    rc = RESTClient(cfg, retry=RetryPolicy(max_retries=0), clock=clock, sleep=clock.sleep)
    with pytest.raises(errors.TooManyRequests):
        rc.get().resource("pods").do()
    assert len(seen) == 1


def test_policy_ignores_http_date_retry_after() -> None:
    policy = RetryPolicy()
    assert (
        policy.delay_after_response("GET", 429, {"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0)
        is None
    )
    assert policy.delay_after_response("GET", 429, {"retry-after": "4"}, 0) == 4.0
    assert policy.delay_after_response("GET", 429, {"retry-after": "4"}, 10) is None
    assert policy.delay_after_response("GET", 404, {"retry-after": "4"}, 0) is None


# -- rate limiting ---------------------------------------------------------------------------
def test_token_bucket_burst_then_qps() -> None:
    clock = FakeClock()
    bucket = TokenBucket(qps=5, burst=3, clock=clock)
    assert [bucket.reserve() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.reserve() == pytest.approx(0.2)
    assert bucket.reserve() == pytest.approx(0.4)  # reservations queue up
    clock.now += 10  # refill, capped at burst
    assert [bucket.reserve() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.try_accept() is False
    clock.now += 0.2
    assert bucket.try_accept() is True


def test_limiter_disabled_when_qps_not_positive() -> None:
    assert limiter_for(0, 10) is None
    assert limiter_for(-1, 10) is None
    assert isinstance(limiter_for(5, 10), TokenBucket)


def test_client_observes_qps_and_burst_with_a_fake_clock() -> None:
    clock = FakeClock()
    handler, seen = answers(ok())
    rc = make(handler, clock, qps=2, burst=2)
    sent_at: list[float] = []
    for _ in range(6):
        rc.get().resource("deployments").do()
        sent_at.append(clock.now)
    assert len(seen) == 6
    # two immediately (burst), then one every 1/qps = 0.5 s
    assert sent_at == pytest.approx([1000.0, 1000.0, 1000.5, 1001.0, 1001.5, 1002.0])


def test_each_retry_takes_a_token_too() -> None:
    clock = FakeClock()
    handler, seen = answers(too_many("0"), ok())
    rc = make(handler, clock, qps=1, burst=1)
    rc.get().resource("deployments").do()
    assert clock.sleeps == [0.0, 1.0]  # Retry-After: 0, then the second attempt's token
    assert clock.now == pytest.approx(1001.0)


def test_shared_limiter_across_clients() -> None:
    clock = FakeClock()
    handler, _ = answers(ok())
    bucket = TokenBucket(qps=1, burst=1, clock=clock)
    cfg = Config(host="https://h", transport=httpx.MockTransport(handler))
    a = RESTClient(cfg, "apps", "v1", rate_limiter=bucket, clock=clock, sleep=clock.sleep)
    b = RESTClient(cfg, "", "v1", rate_limiter=bucket, clock=clock, sleep=clock.sleep)
    a.get().resource("deployments").do()
    b.get().resource("pods").do()
    assert clock.sleeps == [1.0]


def test_default_limiter_comes_from_config() -> None:
    cfg = Config(host="https://h", transport=httpx.MockTransport(lambda r: ok()))
    rc = RESTClient(cfg)
    assert rc.rate_limiter is not None and rc.rate_limiter.qps == 5 and rc.rate_limiter.burst == 10
    assert RESTClient(cfg.copy(qps=0)).rate_limiter is None


def test_clients_sharing_an_httpx_client_share_one_bucket() -> None:
    """Like client-go's kubernetes.NewForConfigAndClient: one token bucket per Clientset."""
    clock = FakeClock()
    cfg = Config(host="https://h", transport=httpx.MockTransport(lambda r: ok()), qps=1, burst=1)
    shared = httpx.Client(base_url=cfg.host, transport=cfg.transport)
    apps_client = RESTClient(cfg, "apps", "v1", client=shared, clock=clock, sleep=clock.sleep)
    core_client = RESTClient(cfg, "", "v1", client=shared, clock=clock, sleep=clock.sleep)
    assert apps_client.rate_limiter is core_client.rate_limiter is not None
    apps_client.get().resource("deployments").do()
    core_client.get().resource("pods").do()
    assert clock.sleeps == [1.0]
    other = RESTClient(cfg, "", "v1", client=httpx.Client(transport=cfg.transport))
    assert other.rate_limiter is not apps_client.rate_limiter
