"""The `rawkube` command line: demo, get, api-resources, version, config view, serve.

Each command runs in a subprocess, as a user runs it, with HOME pointing at an empty directory so
no real kubeconfig is ever read, against a LocalAPIServer on 127.0.0.1.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from rawkube.testing import LocalAPIServer

SECRET_TOKEN = "s3cr3t-t0ken-never-shown"


def _env(home: Path, kubeconfig: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KUBERNETES_")}
    env["HOME"] = str(home)
    env.pop("KUBECONFIG", None)
    if kubeconfig is not None:
        env["KUBECONFIG"] = str(kubeconfig)
    return env


def rawkube(
    *args: str, env: dict[str, str], timeout: float = 90
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rawkube", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def server() -> Iterator[LocalAPIServer]:
    with LocalAPIServer() as srv:
        yield srv


@pytest.fixture()
def kubeconfig(server: LocalAPIServer, tmp_path: Path) -> Path:
    path = tmp_path / "kubeconfig"
    server.write_kubeconfig(str(path))
    return path


def test_demo_runs_every_step_against_the_embedded_server(tmp_path: Path) -> None:
    """The README's main job on a machine with no cluster: exit 0, every step narrated."""
    proc = rawkube("demo", "--timeout", "30", env=_env(tmp_path))
    out = proc.stdout
    assert proc.returncode == 0, proc.stderr + out
    assert "starting the embedded local API server" in out
    for step in range(1, 8):
        assert f"[{step}/7]" in out
    assert "409 Conflict" in out and "updated in 2 attempts" in out
    assert "created deployment.apps/demo-deployment" in out
    assert "Running" in out and "DELETED" in out
    assert "dynamic: demo-deployment  replicas=1  image=nginx:1.13" in out
    assert "all its Pods are gone" in out
    assert "Traceback" not in proc.stderr


def test_demo_against_a_configured_cluster_with_trace(kubeconfig: Path, tmp_path: Path) -> None:
    """With a kubeconfig the demo uses that cluster; -v 9 shows curl commands, no key material."""
    proc = rawkube(
        "demo",
        "--name",
        "traced-demo",
        "--propagation-policy",
        "Background",
        "-v",
        "9",
        env=_env(tmp_path, kubeconfig),
    )
    assert proc.returncode == 0, proc.stderr[-2000:] + proc.stdout
    assert "using the configured cluster https://127.0.0.1:" in proc.stdout
    assert "curl -v -XPOST" in proc.stderr
    assert "/apis/apps/v1/namespaces/default/deployments" in proc.stderr
    assert "PRIVATE KEY" not in proc.stderr and "PRIVATE KEY" not in proc.stdout


def test_demo_refuses_to_touch_an_existing_deployment(kubeconfig: Path, tmp_path: Path) -> None:
    env = _env(tmp_path, kubeconfig)
    first = rawkube("demo", "--name", "owned", "--propagation-policy", "Orphan", env=env)
    assert first.returncode == 0, first.stderr
    # Orphan left the pods; now a Deployment the user owns exists under that name.
    subprocess.run(
        [str(Path(sys.executable).parent / "kubectl"), "create", "-f", "-", "--validate=false"],
        input=_deployment_yaml("owned"),
        text=True,
        env=env,
        capture_output=True,
        check=True,
        timeout=60,
    )
    again = rawkube("demo", "--name", "owned", env=env)
    assert again.returncode == 1
    assert "will not touch what you own" in again.stdout


def test_demo_interrupted_deletes_the_deployment_it_created(
    server: LocalAPIServer, kubeconfig: Path, tmp_path: Path
) -> None:
    """Ctrl-C after the create used to leave the Deployment, which the next run then refused."""
    from rawkube import Clientset
    from rawkube.errors import NotFound

    proc = subprocess.Popen(
        [sys.executable, "-m", "rawkube", "demo", "--name", "interrupted"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=_env(tmp_path, kubeconfig),
        # a shell's background job ignores SIGINT; a user's terminal does not
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert proc.stdout is not None
    out = []
    for line in proc.stdout:
        out.append(line)
        if "created deployment.apps/interrupted" in line:
            proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 130, "".join(out)
    assert "cleaned up: deleted deployment.apps/interrupted" in "".join(out)
    with Clientset(server.config()) as cs, pytest.raises(NotFound):
        cs.apps_v1().deployments("default").get("interrupted")


def _deployment_yaml(name: str) -> str:
    return (
        "apiVersion: apps/v1\nkind: Deployment\n"
        f"metadata: {{name: {name}}}\n"
        "spec:\n  replicas: 1\n  selector: {matchLabels: {app: other}}\n"
        "  template:\n    metadata: {labels: {app: other}}\n"
        "    spec: {containers: [{name: c, image: nginx}]}\n"
    )


def test_get_api_resources_and_version(kubeconfig: Path, tmp_path: Path) -> None:
    env = _env(tmp_path, kubeconfig)
    kubectl = str(Path(sys.executable).parent / "kubectl")
    subprocess.run(
        [kubectl, "create", "-f", "-", "--validate=false"],
        input=_deployment_yaml("cli-web"),
        text=True,
        env=env,
        capture_output=True,
        check=True,
        timeout=60,
    )
    table = rawkube("get", "deploy", env=env)
    assert table.returncode == 0, table.stderr
    assert table.stdout.splitlines()[0].split()[:2] == ["NAME", "READY"]
    assert "cli-web" in table.stdout

    wide = rawkube("get", "deployments.apps", "cli-web", "-o", "wide", env=env)
    assert "IMAGES" in wide.stdout and "nginx" in wide.stdout

    names = rawkube("get", "deployment", "-o", "name", env=env)
    assert "deployment.apps/cli-web" in names.stdout.splitlines()

    as_json = rawkube("get", "deploy", "cli-web", "-o", "json", env=env)
    assert '"kind": "Deployment"' in as_json.stdout

    as_yaml = rawkube("get", "ns", "-o", "yaml", env=env)
    assert "kind: List" in as_yaml.stdout  # kubectl's List of items, each with its kind
    assert "- apiVersion: v1\n  kind: Namespace\n" in as_yaml.stdout

    everywhere = rawkube("get", "pods", "-A", env=env)
    assert everywhere.returncode == 0 and "NAMESPACE" in everywhere.stdout

    resources = rawkube("api-resources", env=env)
    assert resources.returncode == 0
    lines = resources.stdout.splitlines()
    assert lines[0].split() == ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    assert any(
        line.split()[:5] == ["deployments", "deploy", "apps/v1", "true", "Deployment"]
        for line in lines
    )

    version = rawkube("version", env=env)
    assert "Client Version: rawkube" in version.stdout and "Server Version: v1." in version.stdout


def test_get_watch_is_bounded_and_shows_changes(kubeconfig: Path, tmp_path: Path) -> None:
    env = _env(tmp_path, kubeconfig)
    proc = subprocess.Popen(
        [sys.executable, "-m", "rawkube", "get", "configmaps", "-w", "--request-timeout", "4"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    time.sleep(1.5)
    kubectl = str(Path(sys.executable).parent / "kubectl")
    # kubectl's typed `create configmap` sends protobuf, which the local server declines (415);
    # `create -f` sends JSON.
    subprocess.run(
        [kubectl, "create", "-f", "-"],
        input="apiVersion: v1\nkind: ConfigMap\nmetadata: {name: watched-cm}\ndata: {a: b}\n",
        text=True,
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    lines = out.splitlines()
    # kubectl's columns, no unlabelled event column (that needs --output-watch-events)
    assert lines[0].split() == ["NAME", "DATA", "AGE"], out
    assert any(line.split()[:2] == ["watched-cm", "1"] for line in lines), out
    assert "ADDED" not in out


def test_errors_are_one_line_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad-kubeconfig"
    bad.write_text("clusters: [this is: not valid\n")
    proc = rawkube("get", "pods", "--kubeconfig", str(bad), env=_env(tmp_path))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: ") and str(bad) in proc.stderr
    assert len(proc.stderr.strip().splitlines()) <= 3

    missing = rawkube("get", "pods", "--kubeconfig", str(tmp_path / "nope"), env=_env(tmp_path))
    assert (
        missing.returncode == 1 and "nope" in missing.stderr and "Traceback" not in missing.stderr
    )

    refused = rawkube("version", "--server", "http://127.0.0.1:9", env=_env(tmp_path))
    assert refused.returncode == 1
    # kubectl's words (was "error: cannot connect to the API server: [Errno 111] ...")
    assert refused.stderr == (
        "The connection to the server 127.0.0.1:9 was refused - "
        "did you specify the right host or port?\n"
    )


def test_unknown_resource_and_not_found(kubeconfig: Path, tmp_path: Path) -> None:
    env = _env(tmp_path, kubeconfig)
    unknown = rawkube("get", "nosuchthings", env=env)
    assert unknown.returncode == 1
    assert 'doesn\'t have a resource type "nosuchthings"' in unknown.stderr
    missing = rawkube("get", "pod", "no-such-pod", env=env)
    assert missing.returncode == 1
    # kubectl's wording (StandardErrorMessage); was "error: NotFound (404): ... (GET https://...)"
    assert missing.stderr == 'Error from server (NotFound): pods "no-such-pod" not found\n'


def test_config_view_redacts_secrets(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
        "clusters: [{name: k, cluster: {server: 'https://127.0.0.1:6443'}}]\n"
        f"users: [{{name: u, user: {{token: {SECRET_TOKEN}}}}}]\n"
        "contexts: [{name: c, context: {cluster: k, user: u}}]\n"
    )
    proc = rawkube("config", "view", "--kubeconfig", str(path), env=_env(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert SECRET_TOKEN not in proc.stdout
    assert "token: REDACTED" in proc.stdout and "https://127.0.0.1:6443" in proc.stdout
    before = path.read_text()
    minified = rawkube("config", "view", "--minify", "-o", "json", env=_env(tmp_path, path))
    assert '"current-context": "c"' in minified.stdout and SECRET_TOKEN not in minified.stdout
    assert path.read_text() == before  # never written


def test_config_view_redacts_exec_env_values(tmp_path: Path) -> None:
    """Config's repr shows only an exec plugin's env names; config view printed the values."""
    path = tmp_path / "config"
    path.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
        "clusters: [{name: k, cluster: {server: 'https://127.0.0.1:6443'}}]\n"
        "users: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1, "
        f"command: get-token, interactiveMode: Never, env: [{{name: API_KEY, value: {SECRET_TOKEN}}}]}}}}}}]\n"
        "contexts: [{name: c, context: {cluster: k, user: u}}]\n"
    )
    proc = rawkube("config", "view", "--kubeconfig", str(path), env=_env(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert SECRET_TOKEN not in proc.stdout
    assert "name: API_KEY" in proc.stdout and "value: REDACTED" in proc.stdout


def test_serve_writes_a_kubeconfig_kubectl_accepts(tmp_path: Path) -> None:
    out_path = tmp_path / "served-kubeconfig"
    proc = subprocess.Popen(
        [sys.executable, "-m", "rawkube", "serve", "--kubeconfig-out", str(out_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(tmp_path),
    )
    try:
        deadline = time.monotonic() + 30
        while not out_path.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert out_path.exists()
        kubectl = str(Path(sys.executable).parent / "kubectl")
        got = subprocess.run(
            [kubectl, "--kubeconfig", str(out_path), "get", "namespaces", "-o", "name"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert "namespace/default" in got.stdout, got.stderr
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0
    assert "stopped" in out


def test_serve_refuses_to_overwrite(tmp_path: Path) -> None:
    existing = tmp_path / "mine"
    existing.write_text("precious")
    proc = rawkube("serve", "--kubeconfig-out", str(existing), env=_env(tmp_path), timeout=30)
    assert proc.returncode == 1
    assert existing.read_text() == "precious"


def test_no_command_prints_help() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "rawkube"], capture_output=True, text=True, timeout=30
    )
    assert proc.returncode == 2 and "demo" in proc.stdout


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (-1, "0s"),
        (-5, "<invalid>"),
        (119, "119s"),
        (125, "2m5s"),
        (600, "10m"),
        (3 * 3600 + 20 * 60, "3h20m"),  # was "3h"
        (5 * 3600, "5h"),
        (47 * 3600, "47h"),
        (2 * 86400 + 4 * 3600, "2d4h"),  # was "2d"
        (30 * 86400, "30d"),
        (3 * 365 * 86400 + 10 * 86400, "3y10d"),
        (9 * 365 * 86400, "9y"),
    ],
)
def test_age_is_kubectl_human_duration(seconds: int, shown: str) -> None:
    """kubectl's AGE column: apimachinery pkg/util/duration.HumanDuration."""
    import datetime as dt

    from rawkube.cli.common import age

    now = dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)
    then = (now - dt.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert age(then, now) == shown


def test_server_errors_are_worded_like_kubectl() -> None:
    from rawkube.cli.common import describe_error
    from rawkube.errors import Invalid, StatusError, Unauthorized

    invalid = Invalid(
        'Deployment.apps "x" is invalid: spec.selector: Required value',
        details={"causes": [{"field": "spec.selector", "message": "Required value"}]},
    )
    assert describe_error(invalid) == (
        'Error from server (Invalid): Deployment.apps "x" is invalid: spec.selector: Required value'
    )
    assert describe_error(Unauthorized("Unauthorized")) == (
        "error: You must be logged in to the server (Unauthorized)"
    )
    assert describe_error(StatusError("boom", code=500, reason="")) == "Error from server: boom"


def test_get_json_and_yaml_print_what_kubectl_prints(kubeconfig: Path, tmp_path: Path) -> None:
    """Sorted keys, go-yaml quoting ("1" but '*'), no managedFields: byte for byte kubectl's.

    Before: keys in server order, '1' and '2026-...' single-quoted, managedFields shown."""
    env = _env(tmp_path, kubeconfig)
    kubectl = str(Path(sys.executable).parent / "kubectl")
    manifest = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: printed-cm\n"
        "  annotations: {note: 'yes', msg: 'unready: [nginx]'}\n"
        "data: {n: '1', star: '*', multi: \"a\\nb\\n\", empty: ''}\n"
    )
    subprocess.run(
        [kubectl, "apply", "-f", "-"],
        input=manifest,
        text=True,
        env=env,
        capture_output=True,
        check=True,
        timeout=60,
    )
    for fmt in ("yaml", "json"):
        ours = rawkube("get", "configmap", "printed-cm", "-o", fmt, env=env)
        theirs = subprocess.run(
            [kubectl, "get", "configmap", "printed-cm", "-o", fmt],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert ours.returncode == 0, ours.stderr
        assert ours.stdout == theirs.stdout
        assert "managedFields" not in ours.stdout
    shown = rawkube("get", "cm", "printed-cm", "-o", "json", "--show-managed-fields", env=env)
    assert "managedFields" in shown.stdout


def test_get_watch_with_json_output_streams_changes(kubeconfig: Path, tmp_path: Path) -> None:
    """-w was ignored with -o json/yaml: the command printed the object and returned. A watch
    of one object prints it once (kubectl drops the watch's synthetic first ADDED event), then
    each change as another YAML document (tests/cli/test_cli_kubectl_parity.py compares them)."""
    env = _env(tmp_path, kubeconfig)
    proc = rawkube("get", "ns", "default", "-o", "yaml", "-w", "--request-timeout", "1", env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines().count("kind: Namespace") == 1 and "---" not in proc.stdout


def test_api_resources_is_ordered_like_kubectl(kubeconfig: Path, tmp_path: Path) -> None:
    """Sorted by group then name (was: in the server's group order)."""
    env = _env(tmp_path, kubeconfig)
    ours = rawkube("api-resources", env=env)
    theirs = subprocess.run(
        [str(Path(sys.executable).parent / "kubectl"), "api-resources"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ours.returncode == 0, ours.stderr
    assert ours.stdout == theirs.stdout


def test_demo_reports_a_broken_kubeconfig_instead_of_starting_its_own_server(
    tmp_path: Path,
) -> None:
    """An invalid ~/.kube/config was announced as "no cluster is configured" and ignored."""
    kube = tmp_path / ".kube"
    kube.mkdir()
    (kube / "config").write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
        "clusters: [{name: k, cluster: {server: 'https://127.0.0.1:6443'}}]\n"
        "users: [{name: u, user: {token: t, username: a, password: p}}]\n"
        "contexts: [{name: c, context: {cluster: k, user: u}}]\n"
    )
    proc = rawkube("demo", env=_env(tmp_path))
    assert proc.returncode == 1
    assert "starting the embedded local API server" not in proc.stdout
    assert "both a token and username/password are set" in proc.stderr


def test_demo_label_and_selector_follow_the_name(
    server: LocalAPIServer, kubeconfig: Path, tmp_path: Path
) -> None:
    """`demo --name d3` selected app=demo: it counted another Deployment's Pods and then waited
    for them to go away until it timed out (issue 16). The label must follow --name."""
    from rawkube import Clientset
    from rawkube.tools.wait import wait_for

    env = _env(tmp_path, kubeconfig)
    kubectl = str(Path(sys.executable).parent / "kubectl")
    other = _deployment_yaml("someone-elses").replace("app: other", "app: demo")
    subprocess.run(
        [kubectl, "create", "-f", "-", "-n", "default"],
        input=other, text=True, env=env, capture_output=True, check=True, timeout=60,
    )
    pods = Clientset(server.config()).core_v1().pods("default")
    wait_for(lambda: pods.list(label_selector="app=demo").items, timeout=20, interval=0.1)
    try:
        proc = rawkube("demo", "--name", "d3", "--timeout", "15", env=env)
        assert proc.returncode == 0, proc.stderr + proc.stdout
        assert "kubectl get pod --watch -l app=d3" in proc.stdout
        assert "someone-elses-" not in proc.stdout  # only d3's Pods were watched and counted
        assert "all its Pods are gone" in proc.stdout
    finally:
        subprocess.run(
            [kubectl, "delete", "deployment", "someone-elses", "--wait=false"],
            env=env, capture_output=True, timeout=60,
        )


def _serve_once(out_path: Path, home: Path) -> tuple[int, str]:
    """Start `rawkube serve --kubeconfig-out`, wait for its kubeconfig line, stop it."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "rawkube", "serve", "--kubeconfig-out", str(out_path)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=_env(home),
    )
    assert proc.stdout is not None
    lines = []
    try:
        for line in proc.stdout:  # ends at EOF when serve exits with an error
            lines.append(line)
            if "press Ctrl-C" in line:
                proc.send_signal(signal.SIGTERM)
                break
    finally:
        rest, _ = proc.communicate(timeout=90)  # a loaded machine stops slowly
    return proc.returncode, "".join(lines) + rest


def test_serve_replaces_the_kubeconfig_it_wrote_itself(tmp_path: Path) -> None:
    """A second `serve --kubeconfig-out PATH` refused the file the first run wrote (issue 16):
    it recognises its own file and replaces it, and still never a user's."""
    out_path = tmp_path / "local.kubeconfig"
    code, out = _serve_once(out_path, tmp_path)
    assert code == 0 and "kubeconfig written to" in out, out
    first = out_path.read_text()
    code, out = _serve_once(out_path, tmp_path)
    assert code == 0 and "kubeconfig written to" in out, out
    second = out_path.read_text()
    assert second != first  # a new server: a new port and a new CA
    assert (out_path.stat().st_mode & 0o777) == 0o600

    # A user's kubeconfig that merely looks alike (same cluster layout, no marker) is kept.
    users = tmp_path / "users.kubeconfig"
    users.write_text(second.split("\n", 1)[1])  # without the first line, the marker
    code, out = _serve_once(users, tmp_path)
    assert code == 1 and "refusing to overwrite" in out
    assert users.read_text() == second.split("\n", 1)[1]
    # ... and so is one the user edited after rawkube wrote it.
    edited = second + "# my notes\n"
    out_path.write_text(edited)
    code, out = _serve_once(out_path, tmp_path)
    assert code == 1 and out_path.read_text() == edited
    # ... and a symlink to a file rawkube wrote is never followed.
    target = tmp_path / "target.kubeconfig"
    target.write_text(second)
    link = tmp_path / "link.kubeconfig"
    link.symlink_to(target)
    code, out = _serve_once(link, tmp_path)
    assert code == 1 and link.is_symlink() and target.read_text() == second
    dangling = tmp_path / "dangling.kubeconfig"
    dangling.symlink_to(tmp_path / "nowhere")
    code, out = _serve_once(dangling, tmp_path)
    assert code == 1 and dangling.is_symlink() and not (tmp_path / "nowhere").exists()
