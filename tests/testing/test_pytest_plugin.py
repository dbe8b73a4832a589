"""The pytest plugin, exercised in separate pytest runs (pytester): marker, fixture, --kube-record."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# pytester's in-process runs snapshot sys.modules and drop what an inner run imported. PyYAML's C
# extension (yaml._yaml) cannot be imported twice: a second `import yaml` pairs it with new node
# classes, and every document then fails with "could not determine a constructor for the tag
# None". Importing yaml here keeps one copy for the whole session, whatever order tests run in.
import yaml  # noqa: F401

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT / "fixtures" / "real-apiserver"
SUPPORT = Path(__file__).resolve().parent / "test_record_support.py"


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """A throwaway project holding two recorded exchanges as one cassette."""
    exchanges = [
        json.loads((REAL / n).read_text()) for n in ("001-version.json", "002-discovery-api.json")
    ]
    (pytester.path / "cassettes").mkdir()
    (pytester.path / "cassettes" / "version.json").write_text(json.dumps({"exchanges": exchanges}))
    return pytester


REPLAY_TEST = """
import pytest
from rawkube.transport import build_client

@pytest.mark.kube_fixture("cassettes/version.json")
def test_replay(kube_fixture):
    assert not kube_fixture.recording
    rc = kube_fixture.rest()
    assert rc.get().abs_path("/version").do().json()["gitVersion"] == "v1.36.2"
    with build_client(kube_fixture.config) as client:
        assert client.get("/api").json()["kind"] == "APIVersions"
"""


def test_marker_and_fixture_replay_a_file(project: pytest.Pytester) -> None:
    project.makepyfile(test_a=REPLAY_TEST)
    result = project.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_unused_exchange_fails_the_test_at_teardown_unless_opted_out(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(
        test_b="""
        import pytest

        @pytest.mark.kube_fixture("cassettes/version.json")
        def test_uses_one(kube_fixture):
            kube_fixture.rest().get().abs_path("/version").do()

        @pytest.mark.kube_fixture("cassettes/version.json", check_unused=False)
        def test_opted_out(kube_fixture):
            kube_fixture.rest().get().abs_path("/version").do()
        """
    )
    result = project.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        ["*1 of 2 recorded exchange(s)*were never requested:*", '*#1 GET /api "discovery-api"*']
    )


def test_unmatched_request_fails_with_a_readable_diff(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_c="""
        import pytest

        @pytest.mark.kube_fixture("cassettes/version.json", check_unused=False)
        def test_wrong_path(kube_fixture):
            kube_fixture.rest().get().abs_path("/versions").do()
        """
    )
    result = project.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*ReplayMismatch: rawkube replay: no recorded exchange in *version.json matches",
            "*GET /versions",
            "*closest recorded exchange #0 (unused):",
            "*path:   /version -> /versions",
        ]
    )


def test_missing_marker_or_file_is_explained(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_d="""
        import pytest

        def test_no_marker(kube_fixture):
            pass

        @pytest.mark.kube_fixture("cassettes/nope.yaml")
        def test_no_file(kube_fixture):
            pass
        """
    )
    result = project.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(
        [
            '*needs @pytest.mark.kube_fixture("path/to/fixture.yaml")*',
            "*nope.yaml: fixture file not found (record it with `pytest --kube-record`)*",
        ]
    )


def test_fixtures_dir_ini_option(project: pytest.Pytester) -> None:
    project.makeini("[pytest]\nkube_fixtures_dir = cassettes\n")
    project.makepyfile(test_e=REPLAY_TEST.replace("cassettes/version.json", "version.json"))
    project.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


RECORD_CONFTEST = """
import pytest
from support import TOKEN, fake_apiserver
from rawkube.config.types import Config

@pytest.fixture
def kube_record_config():
    with fake_apiserver() as url:
        yield Config(host=url, bearer_token=TOKEN, qps=0)
"""

RECORD_TEST = """
import pytest
from rawkube.transport import build_client
from support import seed_flow_httpx

@pytest.mark.kube_fixture("recorded/seed.yaml")
def test_seed_flow(kube_fixture):
    with build_client(kube_fixture.config) as client:
        results = seed_flow_httpx(client)
    assert [status for status, _ in results] == [201, 409, 200, 200, 409, 200, 200, 200, 404]
"""


def test_kube_record_records_then_the_same_test_replays_offline(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(support=SUPPORT.read_text())
    pytester.makeconftest(RECORD_CONFTEST)
    pytester.makepyfile(test_flow=RECORD_TEST)
    # Without a recording, replay mode says how to make one.
    first = pytester.runpytest("-p", "no:cacheprovider")
    first.assert_outcomes(errors=1)
    first.stdout.fnmatch_lines(["*seed.yaml: fixture file not found*--kube-record*"])

    recorded = pytester.runpytest("-p", "no:cacheprovider", "--kube-record")
    recorded.assert_outcomes(passed=1)
    text = (pytester.path / "recorded" / "seed.yaml").read_text()
    assert "watch-deployments" in text
    assert "s3cr3t-token-do-not-record" not in text and "authorization" not in text.lower()

    # Replay: the conftest's server is never started (kube_record_config is not requested).
    (pytester.path / "conftest.py").write_text(
        "import pytest\n\n@pytest.fixture\ndef kube_record_config():\n    raise AssertionError('no server in replay')\n"
    )
    replayed = pytester.runpytest("-p", "no:cacheprovider")
    replayed.assert_outcomes(passed=1)


def test_a_failing_test_does_not_overwrite_its_recording(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(support=SUPPORT.read_text())
    pytester.makeconftest(RECORD_CONFTEST)
    pytester.makepyfile(
        test_fail="""
        import pytest
        from rawkube.transport import build_client

        @pytest.mark.kube_fixture("recorded/never.yaml")
        def test_fails(kube_fixture):
            with build_client(kube_fixture.config) as client:
                client.get("/apis/apps/v1/namespaces/default/deployments")
            assert False, "the test's own failure"
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "--kube-record")
    result.assert_outcomes(failed=1)
    assert not (pytester.path / "recorded" / "never.yaml").exists()


def test_kube_httpx_mock_loads_a_fixture_into_pytest_httpx(project: pytest.Pytester) -> None:
    shutil.copy(REAL / "039-watch-deployments.json", project.path / "cassettes" / "watch.json")
    project.makepyfile(
        test_f="""
        import json
        import pytest
        from rawkube.transport import build_client

        @pytest.mark.kube_fixture("cassettes/version.json")
        def test_with_httpx_mock(kube_httpx_mock, httpx_mock):
            with build_client(kube_httpx_mock) as client:
                assert client.get("/version").json()["minor"] == "36"
                assert client.get("/api").json()["kind"] == "APIVersions"
            assert len(httpx_mock.get_requests()) == 2

        @pytest.mark.kube_fixture("cassettes/watch.json")
        def test_watch_stream(kube_httpx_mock):
            query = "watch=1&resourceVersion=326&allowWatchBookmarks=true&timeoutSeconds=4"
            with build_client(kube_httpx_mock) as client:
                lines = client.get("/apis/apps/v1/namespaces/default/deployments?" + query).text
            recorded = json.load(open("cassettes/watch.json"))["response"]["body_lines"]
            assert [json.loads(line) for line in lines.splitlines()] == recorded
        """
    )
    project.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_kube_httpx_mock_reports_unused_exchanges_through_pytest_httpx(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(
        test_g="""
        import pytest
        from rawkube.transport import build_client

        @pytest.mark.kube_fixture("cassettes/version.json")
        def test_only_version(kube_httpx_mock):
            with build_client(kube_httpx_mock) as client:
                client.get("/version")
        """
    )
    result = project.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*The following responses are mocked but not requested*"])


def test_plugin_registers_options_and_marker(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(["*--kube-record*", "*kube_fixtures_dir*"])
    markers = pytester.runpytest("--markers")
    markers.stdout.fnmatch_lines(["@pytest.mark.kube_fixture(path, *, strict=True*"])


def test_plugin_is_found_by_its_entry_point_in_a_fresh_process(project: pytest.Pytester) -> None:
    # A subprocess: nothing from this session is preloaded, the `pytest11` entry point must work.
    project.makepyfile(test_a=REPLAY_TEST)
    result = project.runpytest_subprocess("-p", "no:cacheprovider", timeout=60)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["plugins:*rawkube-*"])


def test_plugin_imports_nothing_heavy_at_start_up() -> None:
    code = (
        "import sys; import rawkube.testing.pytest_plugin; "
        "heavy = [m for m in ('httpx', 'yaml', 'cryptography', 'rawkube.testing.replayer', "
        "'rawkube.testing.recorder', 'rawkube.rest', 'pytest_httpx') if m in sys.modules]; "
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


CLIENTS_TEST = """
import pytest

@pytest.mark.kube_fixture("flows/seed-flow-typed.yaml")
def test_typed(kube_fixture):
    from record_fixtures import seed_flow_typed
    results = dict(seed_flow_typed(kube_fixture.config))
    assert results["update"]["spec"]["replicas"] == 3

@pytest.mark.kube_fixture("flows/seed-flow-typed.yaml")
def test_clientset_helper(kube_fixture):
    deployments = kube_fixture.clientset().apps_v1().deployments("default")
    created = deployments.create({"apiVersion": "apps/v1", "kind": "Deployment",
                                  "metadata": {"name": "demo-deployment"}})
    assert created.metadata.name == "demo-deployment"
    assert deployments.get("demo-deployment").metadata.uid == created.metadata.uid

@pytest.mark.kube_fixture("flows/seed-flow-dynamic.yaml", check_unused=False)
def test_dynamic_helper(kube_fixture):
    from rawkube import GroupVersionResource
    res = kube_fixture.dynamic().resource(GroupVersionResource("apps", "v1", "deployments"))
    assert res.namespace("default").create({"metadata": {"name": "x"}})["kind"] == "Deployment"

@pytest.mark.kube_fixture("flows/discovery.yaml", check_unused=False)
def test_discovery_helper(kube_fixture):
    assert kube_fixture.discovery().server_version()["major"] == "1"
"""


def test_fixture_helpers_give_clients_wired_to_the_file(pytester: pytest.Pytester) -> None:
    (pytester.path / "flows").mkdir()
    for name in ("seed-flow-typed.yaml", "seed-flow-dynamic.yaml", "discovery.yaml"):
        shutil.copy(ROOT / "fixtures" / name, pytester.path / "flows" / name)
    shutil.copy(ROOT / "scripts" / "record_fixtures.py", pytester.path / "record_fixtures.py")
    pytester.makepyfile(test_clients=CLIENTS_TEST)
    result = pytester.runpytest("-p", "no:cacheprovider", "-k", "typed or dynamic or discovery")
    # test_clientset_helper makes only 2 of the 7 recorded requests: reported at teardown.
    result.assert_outcomes(passed=3)
    result = pytester.runpytest("-p", "no:cacheprovider", "-k", "clientset_helper")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*5 of 7 recorded exchange(s)*were never requested*"])


def test_kube_record_local_records_against_a_fresh_local_apiserver(
    pytester: pytest.Pytester,
) -> None:
    shutil.copy(ROOT / "scripts" / "record_fixtures.py", pytester.path / "record_fixtures.py")
    pytester.makepyfile(
        test_local="""
        import pytest
        from record_fixtures import seed_flow_dynamic

        @pytest.mark.kube_fixture("rec/local.yaml")
        def test_flow(kube_fixture, request):
            assert kube_fixture.recording == bool(request.config.getoption("--kube-record"))
            assert dict(seed_flow_dynamic(kube_fixture.config))["update"]["spec"]["replicas"] == 3
        """
    )
    pytester.runpytest("-p", "no:cacheprovider", "--kube-record=local").assert_outcomes(passed=1)
    text = (pytester.path / "rec" / "local.yaml").read_text()
    assert "create-deployments" in text and "PRIVATE KEY" not in text
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)  # replay, no server


MATCH_BODY_TEST = """
import pytest

BODY = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "not-recorded"}}

@pytest.mark.kube_fixture("cassettes/create.json")
def test_default(kube_fixture):
    kube_fixture.rest("apps", "v1").post().namespace("default").resource("deployments").body(BODY).do()

@pytest.mark.kube_fixture("cassettes/create.json", match_body=False)
def test_marker_says_no(kube_fixture):
    kube_fixture.rest("apps", "v1").post().namespace("default").resource("deployments").body(BODY).do()
"""


def test_match_body_ini_option_makes_body_matching_the_default(pytester: pytest.Pytester) -> None:
    """Replay ignores request bodies unless match_body=True (issue 16): the `kube_match_body`
    ini option turns it on for a whole project; a marker's own match_body still wins."""
    (pytester.path / "cassettes").mkdir()
    exchange = json.loads((REAL / "008-create-deployment.json").read_text())
    (pytester.path / "cassettes" / "create.json").write_text(json.dumps({"exchanges": [exchange]}))
    pytester.makepyfile(test_body=MATCH_BODY_TEST)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)  # bodies ignored

    pytester.makeini("[pytest]\nkube_match_body = true\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*FAILED*test_default*"])
    result.stdout.fnmatch_lines(["*not-recorded*"])  # the difference is shown


def test_help_says_replay_ignores_bodies_unless_asked(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    text = " ".join(result.stdout.str().split())
    assert "kube_match_body" in text
    assert "request bodies are not compared unless" in text
