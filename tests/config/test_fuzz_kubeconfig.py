"""Fuzzed kubeconfigs (hypothesis): `load_config` and `build_client` raise only ConfigError
(issue 12, acceptance: ">= 500 examples incl. aliases, deep nesting, NUL, surrogates, wrong
types: only ConfigError").

The examples are mostly-valid kubeconfigs whose fields are swapped for hostile values (wrong
types, NUL bytes, lone surrogates, control characters, non-ASCII, huge numbers), shared values
that YAML writes as aliases, deep nesting and alias bombs. Deterministic (derandomized, no
example database), bounded. A ConfigError produced by the last-resort net
(`config.types.only_config_errors`, the original error as its cause) fails the test: the net is
never the fix.
"""

from __future__ import annotations

import atexit
import base64
import shutil
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rawkube.config.kubeconfig import load_config
from rawkube.config.types import INTERNAL_ERRORS
from rawkube.errors import ConfigError
from rawkube.transport import build_client
from tests.helpers.certs import CA
from tests.helpers.fuzzing import no_local_constants  # noqa: F401 (autouse fixture)

OUTCOMES: Counter[str] = Counter()

_CA = CA("fuzz-ca")
CA_PEM = _CA.cert_pem
CA_B64 = base64.b64encode(CA_PEM).decode()
_CLIENT = _CA.issue("fuzzer", client=True)
CLIENT_CERT_B64 = base64.b64encode(_CLIENT.cert_pem).decode()
CLIENT_KEY_B64 = base64.b64encode(_CLIENT.key_pem).decode()

KUBECONFIG_EXAMPLES = 600
WORKDIR = Path(tempfile.mkdtemp(prefix="rawkube-fuzz-"))  # one file, rewritten per example
atexit.register(shutil.rmtree, WORKDIR, True)
CA_FILE = WORKDIR / "ca.crt"
CA_FILE.write_bytes(CA_PEM)
TOKEN_FILE = WORKDIR / "token"
TOKEN_FILE.write_text("t0k3n-from-a-file")

evil_text = st.one_of(
    st.sampled_from(
        [
            "",
            "a\x00b",
            "/tmp/a\x00b",
            "\ud800",
            "/tmp/\udcff",
            "jürgen",
            "a\r\nX-Evil: 1",
            "\x1b[31mred",
            "https://user:pw@127.0.0.1:6443",
            "http://[::1]:6443",
            "https://127.0.0.1:99999",
            "https://",
            "not a url",
            "socks5://127.0.0.1:1080",
            "ftp://x",
            "~/.kube/ca.crt",
            "../../etc/passwd",
            "Zm9vYmFy",
            "!!!not base64!!!",
            CA_B64,
            base64.b64encode("ü".encode()).decode(),
            "client.authentication.k8s.io/v1",
            "client.authentication.k8s.io/v1beta1",
            "Never",
            "IfAvailable",
            "sh",
        ]
    ),
    st.text(max_size=12),
)
evil_scalar = st.one_of(
    evil_text,
    st.booleans(),
    st.none(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
)
evil_value = st.recursive(
    evil_scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.one_of(evil_text, st.integers(0, 3)), inner, max_size=3),
    ),
    max_leaves=6,
)


def field(valid: Any) -> st.SearchStrategy[Any]:
    """The valid value most of the time (so that examples reach the client), a hostile one
    often enough (one field in ten, so most documents carry one or two)."""
    return st.integers(0, 9).flatmap(lambda n: evil_value if n == 0 else st.just(valid))


@st.composite
def kubeconfigs(draw: st.DrawFn) -> Any:
    cluster: dict[str, Any] = {"server": draw(field("https://127.0.0.1:6443"))}
    ca = draw(st.sampled_from(["data", "file", "insecure", "system"]))
    if ca == "data":
        cluster["certificate-authority-data"] = draw(field(CA_B64))
    elif ca == "file":
        cluster["certificate-authority"] = draw(field(str(CA_FILE)))
    elif ca == "insecure":
        cluster["insecure-skip-tls-verify"] = draw(field(True))
    for key, valid in (
        ("tls-server-name", "kubernetes"),
        ("proxy-url", "http://127.0.0.1:3128"),
        ("disable-compression", True),
        ("extensions", [{"name": "client.authentication.k8s.io/exec", "extension": {"a": 1}}]),
    ):
        if draw(st.booleans()):
            cluster[key] = draw(field(valid))
    user: dict[str, Any] = {}
    auth = draw(st.sampled_from(["token", "tokenFile", "basic", "cert", "exec", "oidc", "none"]))
    if auth == "token":
        user["token"] = draw(field("t0k3n"))
    elif auth == "tokenFile":
        user["tokenFile"] = draw(field(str(TOKEN_FILE)))
    elif auth == "basic":
        user["username"], user["password"] = draw(field("alice")), draw(field("pw"))
    elif auth == "cert":
        user["client-certificate-data"] = draw(field(CLIENT_CERT_B64))
        user["client-key-data"] = draw(field(CLIENT_KEY_B64))
    elif auth == "exec":
        user["exec"] = {
            "command": draw(field("kubectl-token")),
            "apiVersion": draw(field("client.authentication.k8s.io/v1")),
            "interactiveMode": draw(field("Never")),
        }
        for key, valid in (
            ("args", ["--x"]),
            ("env", [{"name": "A", "value": "b"}]),
            ("provideClusterInfo", True),
            ("installHint", "install it"),
        ):
            if draw(st.booleans()):
                user["exec"][key] = draw(field(valid))
    elif auth == "oidc":
        user["auth-provider"] = draw(
            field({"name": "oidc", "config": {"idp-issuer-url": "https://x", "client-id": "c"}})
        )
    if draw(st.booleans()):
        user["as"] = draw(field("jane"))
        if draw(st.booleans()):
            user["as-groups"] = draw(field(["dev", "ops"]))
    context: dict[str, Any] = {"cluster": draw(field("k")), "user": draw(field("u"))}
    if draw(st.booleans()):
        context["namespace"] = draw(field("ns"))
    doc: dict[Any, Any] = {
        "apiVersion": draw(field("v1")),
        "kind": "Config",
        "current-context": draw(field("c")),
        "clusters": draw(field([{"name": draw(field("k")), "cluster": cluster}])),
        "users": draw(field([{"name": draw(field("u")), "user": user}])),
        "contexts": draw(field([{"name": draw(field("c")), "context": context}])),
    }
    if draw(st.booleans()):  # a value shared in two places: YAML writes an anchor and an alias
        shared = draw(evil_value)
        doc["preferences"] = {"a": shared, "b": shared}
        cluster.setdefault("extensions", [{"name": "e", "extension": shared}])
    if draw(st.integers(0, 9)) == 0:
        doc[draw(evil_text)] = draw(evil_value)
    return doc


def deep(depth: int, kind: str) -> str:
    return "x: " + (
        "[" * depth + "]" * depth if kind == "flow" else "{a: " * depth + "1" + "}" * depth
    )


def alias_bomb(width: int, levels: int) -> str:
    lines = ["a0: &a0 [" + ",".join(['"lol"'] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * width) + "]")
    return "\n".join(lines) + f"\npreferences: {{x: *a{levels - 1}}}\n"


def block_yaml(doc: Any) -> str:
    return yaml.safe_dump(doc)


def flow_yaml(doc: Any) -> str:
    return yaml.safe_dump(doc, default_flow_style=True)


def latin1(raw: bytes) -> str:
    return raw.decode("latin-1")


texts = st.one_of(
    kubeconfigs().map(block_yaml),
    kubeconfigs().map(flow_yaml),
    st.builds(deep, st.integers(50, 3000), st.sampled_from(["flow", "block"])),
    st.builds(alias_bomb, st.integers(2, 12), st.integers(2, 9)),
    st.binary(max_size=200).map(latin1),
    st.sampled_from(
        [
            "",
            "null",
            "[]",
            "- a\n- b",
            "42",
            "!!binary aGk=",
            "? [a]\n: b",
            "a: !!python/name:os.system",
        ]
    ),
)


def check(text: str, directory: Path) -> None:
    path = directory / "config"
    path.write_bytes(text.encode("utf-8", errors="surrogatepass"))
    try:
        cfg = load_config(kubeconfig=path)
        build_client(cfg).close()
        OUTCOMES["client built"] += 1
    except ConfigError as err:
        OUTCOMES["ConfigError"] += 1
        assert not isinstance(err.__cause__, INTERNAL_ERRORS), (
            f"a {type(err.__cause__).__name__} reached the last-resort net: {err.__cause__!r}"
        )
        str(err)  # the message itself must build


@settings(
    max_examples=KUBECONFIG_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(texts)
def test_fuzzed_kubeconfigs_raise_only_config_error(text: str) -> None:
    check(text, WORKDIR)


def test_the_fuzzer_built_clients_and_was_refused_both() -> None:
    """Runs after the fuzz test (same module, in order): both outcomes were exercised, so
    the examples reach past the YAML into the Config and the client."""
    if not OUTCOMES:
        test_fuzzed_kubeconfigs_raise_only_config_error()
    print(f"\nkubeconfig fuzz outcomes: {dict(OUTCOMES)}")
    assert OUTCOMES["client built"] >= 50, OUTCOMES
    assert OUTCOMES["ConfigError"] >= 100, OUTCOMES


def test_the_fuzzer_reaches_the_client_and_the_net_is_seen() -> None:
    """The checks can fail: a valid example builds a client, and a ConfigError made by the net
    is refused by `check`."""
    with tempfile.TemporaryDirectory() as tmp:
        doc = {
            "apiVersion": "v1",
            "current-context": "c",
            "clusters": [
                {
                    "name": "k",
                    "cluster": {
                        "server": "https://127.0.0.1:6443",
                        "certificate-authority-data": CA_B64,
                    },
                }
            ],
            "users": [{"name": "u", "user": {"token": "t"}}],
            "contexts": [{"name": "c", "context": {"cluster": "k", "user": "u"}}],
        }
        check(yaml.safe_dump(doc), Path(tmp))
        from rawkube.config import kubeconfig

        original = kubeconfig._check_fields
        kubeconfig._check_fields = lambda *a: (_ for _ in ()).throw(TypeError("boom"))  # type: ignore[assignment]
        try:
            try:
                check(yaml.safe_dump(doc), Path(tmp))
            except AssertionError as err:
                assert "last-resort net" in str(err)
            else:
                raise AssertionError("a TypeError through the net was not noticed")
        finally:
            kubeconfig._check_fields = original
