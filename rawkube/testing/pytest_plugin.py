"""pytest plugin (entry point `pytest11`): test against recorded Kubernetes conversations.

    @pytest.mark.kube_fixture("fixtures/seed-flow-typed.yaml")
    def test_flow(kube_fixture):
        cs = kube_fixture.clientset()          # answers come from the file, offline
        ...

Relative paths are resolved against the `kube_fixtures_dir` ini option (relative to the
rootdir) when set, else against the test file's directory. By default the fixture *replays*:
an unmatched request fails the test with the closest recorded request and the difference,
and a passing test that left recorded exchanges unused is failed at teardown (opt out with
`check_unused=False`). A request matches on method, path and query; its **body is not
compared** unless the marker says `match_body=True` or the `kube_match_body = true` ini option
makes that the project's default (a marker's own `match_body` still wins). `pytest --kube-record` re-records instead, against the cluster of the
current kubeconfig (`--kube-record=local`: against a fresh LocalAPIServer), and rewrites the
file when the test passes; override the `kube_record_config` fixture to choose another target.

`kube_httpx_mock` (and `add_exchanges_to_httpx_mock`) loads the same file into pytest-httpx's
`httpx_mock` for projects already built around it.

Start-up cost matters (this module is imported by every pytest run in an environment where
rawkube is installed): nothing beyond pytest is imported at module level.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from rawkube.config.types import Config
    from rawkube.testing.fixture import Exchange
    from rawkube.testing.recorder import Recorder
    from rawkube.testing.replayer import ReplayTransport

MARKER = "kube_fixture"
_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rawkube", "rawkube record/replay")
    group.addoption(
        "--kube-record",
        nargs="?",
        const="cluster",
        default=None,
        choices=("cluster", "local"),
        metavar="TARGET",
        help="re-record @kube_fixture files instead of replaying them: against the kubeconfig's "
        "cluster (default) or 'local' (a fresh LocalAPIServer per test)",
    )
    parser.addini(
        "kube_match_body",
        "replay: also compare request bodies with the recording (default false: request bodies "
        "are not compared unless this is true or a kube_fixture marker says match_body=True)",
        type="bool",
        default=False,
    )
    parser.addini(
        "kube_fixtures_dir",
        "directory (relative to the rootdir) for relative @kube_fixture paths; "
        "default: the test file's directory",
        default="",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(path, *, strict=True, match_body=False, check_unused=True, mask_secrets=True): "
        "wire the kube_fixture fixture to a recorded HTTP fixture file (rawkube); request "
        "bodies are not compared unless match_body=True (or the kube_match_body ini option)",
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    # Teardown needs the test's outcome: a failed test's recording is not saved, and a failed
    # test is not buried under an "unused exchanges" error.
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


def _test_passed(item: pytest.Item) -> bool:
    reports = item.stash.get(_REPORTS, {})
    return all(r.passed for r in reports.values()) and "call" in reports


class KubeFixture:
    """What the `kube_fixture` fixture gives a test: a Config and clients wired to the file."""

    def __init__(
        self,
        path: Path,
        config: Config,
        *,
        transport: ReplayTransport | None = None,
        recorder: Recorder | None = None,
    ) -> None:
        self.path = path
        self.config = config
        self.transport = transport
        self.recorder = recorder
        self._closers: list[Any] = []

    @property
    def recording(self) -> bool:
        return self.recorder is not None

    @property
    def exchanges(self) -> list[Exchange]:
        """The recorded exchanges (replay) or those captured so far (record)."""
        if self.transport is not None:
            return self.transport.exchanges
        assert self.recorder is not None
        return self.recorder.exchanges

    def __repr__(self) -> str:
        mode = "record" if self.recording else "replay"
        return f"KubeFixture({mode} {str(self.path)!r})"

    def _keep(self, client: Any) -> Any:
        self._closers.append(client)
        return client

    def clientset(self) -> Any:
        from rawkube.typed.clientset import Clientset

        return self._keep(Clientset(self.config))

    def dynamic(self) -> Any:
        from rawkube.dynamic import DynamicClient

        return self._keep(DynamicClient(self.config))

    def discovery(self) -> Any:
        from rawkube.discovery.client import DiscoveryClient

        return self._keep(DiscoveryClient(self.config))

    def rest(self, group: str = "", version: str = "v1") -> Any:
        from rawkube.rest.client import RESTClient

        return self._keep(RESTClient(self.config, group, version))

    def close(self) -> None:
        for client in reversed(self._closers):
            close = getattr(client, "close", None)
            if close is not None:
                close()
        self._closers.clear()


def _marker(request: pytest.FixtureRequest) -> pytest.Mark:
    mark = request.node.get_closest_marker(MARKER)
    if mark is None or not mark.args:
        pytest.fail(
            f'the {request.fixturename} fixture needs @pytest.mark.{MARKER}("path/to/fixture.yaml")',
            pytrace=False,
        )
    return mark


def resolve_fixture_path(request: pytest.FixtureRequest, path: str | Path) -> Path:
    """Absolute paths as they are; relative ones against `kube_fixtures_dir` or the test file."""
    p = Path(path)
    if p.is_absolute():
        return p
    configured = request.config.getini("kube_fixtures_dir")
    if configured:
        return Path(request.config.rootpath, str(configured), p)
    return Path(request.node.path).parent / p


@pytest.fixture
def kube_record_config(request: pytest.FixtureRequest) -> Iterator[Config]:
    """The cluster `--kube-record` records against. Override it in a conftest to choose another.

    `--kube-record` / `--kube-record=cluster`: the current kubeconfig (`load_config()`, the
    rules of client-go's clientcmd). `--kube-record=local`: a fresh LocalAPIServer per test, so
    every recording starts from the same empty cluster and is reproducible.
    """
    target = request.config.getoption("--kube-record")
    if target == "local":
        from rawkube.testing import LocalAPIServer

        with LocalAPIServer() as server:
            yield server.config()
        return
    from rawkube.config.kubeconfig import load_config

    yield load_config()


@pytest.fixture
def kube_fixture(request: pytest.FixtureRequest) -> Iterator[KubeFixture]:
    """A `KubeFixture` replaying (or, with `--kube-record`, recording) the marker's file."""
    mark = _marker(request)
    path = resolve_fixture_path(request, mark.args[0])
    options = dict(mark.kwargs)
    check_unused = bool(options.pop("check_unused", True))
    mask_secrets = bool(options.pop("mask_secrets", True))
    options.setdefault("match_body", bool(request.config.getini("kube_match_body")))
    if request.config.getoption("--kube-record"):
        yield from _recording(request, path, mask_secrets)
    else:
        yield from _replaying(request, path, check_unused, options)


def _replaying(
    request: pytest.FixtureRequest, path: Path, check_unused: bool, options: dict[str, Any]
) -> Iterator[KubeFixture]:
    from rawkube.testing.fixture import FixtureError
    from rawkube.testing.replayer import ReplayTransport

    try:
        transport = ReplayTransport(path, **options)
    except FixtureError as e:
        pytest.fail(f"{e} (record it with `pytest --kube-record`)", pytrace=False)
    fixture = KubeFixture(path, transport.config(), transport=transport)
    try:
        yield fixture
    finally:
        fixture.close()
    if check_unused and _test_passed(request.node) and transport.unused():
        from rawkube.testing.replayer import UnusedExchanges

        try:
            transport.assert_all_used()
        except UnusedExchanges as e:
            pytest.fail(str(e), pytrace=False)


def _recording(
    request: pytest.FixtureRequest, path: Path, mask_secrets: bool
) -> Iterator[KubeFixture]:
    from rawkube.testing.recorder import Recorder

    target: Config = request.getfixturevalue("kube_record_config")
    recorder = Recorder(
        path, mask_secrets=mask_secrets, secrets=[target.bearer_token, target.password]
    )
    fixture = KubeFixture(path, recorder.config(target), recorder=recorder)
    try:
        yield fixture
    finally:
        fixture.close()
    if _test_passed(request.node):
        recorder.save()
    else:
        request.node.warn(pytest.PytestWarning(f"test failed: {path} was not re-recorded"))


def add_exchanges_to_httpx_mock(
    httpx_mock: Any,
    fixture: str | Path | list[Exchange],
    base_url: str = "https://replay.rawkube.invalid",
    *,
    match_body: bool = False,
) -> list[Exchange]:
    """Register every recorded exchange as a pytest-httpx response, in recorded order.

    pytest-httpx answers a request with the first registered, not yet used response matching
    its URL (query order-insensitive), which gives the same "identical requests in recorded
    order" behaviour as `ReplayTransport`. Streams are registered as line streams.
    """
    from pytest_httpx import IteratorStream

    from rawkube.testing.fixture import decode_body, decode_line, load_fixture

    exchanges = load_fixture(fixture) if isinstance(fixture, (str, Path)) else list(fixture)
    for ex in exchanges:
        req, resp = ex.request, ex.response
        matchers: dict[str, Any] = {"method": req.method, "url": base_url.rstrip("/") + req.target}
        if match_body and req.body is not None:
            matchers["match_content"] = decode_body(req.body)
        headers = [
            (k, str(v))
            for k, value in resp.headers.items()
            if k not in ("transfer-encoding", "content-length", "content-encoding")
            for v in (value if isinstance(value, list) else [value])
        ]
        if resp.body_lines is not None:
            stream = IteratorStream([decode_line(line) for line in resp.body_lines])
            httpx_mock.add_response(resp.status, headers=headers, stream=stream, **matchers)
        else:
            content = decode_body(resp.body)
            httpx_mock.add_response(resp.status, headers=headers, content=content, **matchers)
    return exchanges


@pytest.fixture
def kube_httpx_mock(request: pytest.FixtureRequest) -> Config:
    """The marker's file loaded into pytest-httpx's `httpx_mock`; returns a Config to use.

    The Config keeps httpx's real transport (pytest-httpx patches it), so this also exercises
    the transport layer; `httpx_mock`'s own checks report unused or unexpected requests.
    """
    from rawkube.config.types import Config

    mark = _marker(request)
    path = resolve_fixture_path(request, mark.args[0])
    httpx_mock = request.getfixturevalue("httpx_mock")
    base_url = "https://replay.rawkube.invalid"
    match_body = mark.kwargs.get("match_body", request.config.getini("kube_match_body"))
    add_exchanges_to_httpx_mock(httpx_mock, path, base_url, match_body=bool(match_body))
    return Config(host=base_url, qps=0)
