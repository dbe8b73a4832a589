"""rawkube.config.blockyaml: kubectl-style kubeconfigs read without PyYAML, exactly as
`yaml.safe_load` reads them; everything else is left to PyYAML (the answer is None).

The oracle is PyYAML itself: for any text, blockyaml either declines or gives an equal value of
the same types (True is not 1 here).
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rawkube.config import blockyaml

KIND = """apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUM=
    server: https://127.0.0.1:34567
  name: kind-kind
contexts:
- context:
    cluster: kind-kind
    user: kind-kind
  name: kind-kind
current-context: kind-kind
kind: Config
preferences: {}
users:
- name: kind-kind
  user:
    client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t
    client-key-data: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQ==
"""

# `aws eks update-kubeconfig` (exec args at the key's column, `env: null`, booleans)
EKS = """apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTg==
    server: https://ABCDEF.gr7.us-west-2.eks.amazonaws.com
  name: arn:aws:eks:us-west-2:123456789012:cluster/prod
contexts:
- context:
    cluster: arn:aws:eks:us-west-2:123456789012:cluster/prod
    namespace: default
    user: arn:aws:eks:us-west-2:123456789012:cluster/prod
  name: arn:aws:eks:us-west-2:123456789012:cluster/prod
current-context: arn:aws:eks:us-west-2:123456789012:cluster/prod
kind: Config
preferences: {}
users:
- name: arn:aws:eks:us-west-2:123456789012:cluster/prod
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      args:
      - --region
      - us-west-2
      - eks
      - get-token
      - --cluster-name
      - prod
      - --output
      - json
      command: aws
      env:
      - name: AWS_PROFILE
        value: "prod"
      interactiveMode: IfAvailable
      provideClusterInfo: false
    insecure-skip-tls-verify: true
# a comment line

    token: 'it''s'
"""

# gcloud writes a multi-line plain scalar (installHint): PyYAML's job
GKE_HINT = """users:
- name: gke
  user:
    exec:
      command: gke-gcloud-auth-plugin
      installHint: Install gke-gcloud-auth-plugin for use with kubectl by following
        https://cloud.google.com/kubernetes-engine/docs/how-to/cluster-access-for-kubectl
"""


def typed(value: Any) -> Any:
    """A value with its types spelled out, so True != 1 and 1 != 1.0 when compared."""
    if isinstance(value, dict):
        return {repr(k): typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [typed(v) for v in value]
    return (type(value).__name__, value)


def agrees(text: str) -> bool:
    """blockyaml declines, or gives what yaml.safe_load gives. True when it did not decline."""
    mine = blockyaml.load(text.encode("utf-8", "surrogatepass"))
    if mine is None:
        return False
    assert typed(mine) == typed(yaml.safe_load(text))
    return True


@pytest.mark.parametrize("text", [KIND, EKS], ids=["kind", "eks"])
def test_kubectl_style_kubeconfigs_are_read_without_pyyaml_and_equal_to_it(text: str) -> None:
    assert agrees(text)


def test_the_benchmark_kubeconfig_loads_without_importing_yaml(tmp_path: Any) -> None:
    path = tmp_path / "config"
    path.write_text(KIND)
    code = (
        "import sys\nfrom rawkube import load_config\n"
        f"c = load_config(kubeconfig={str(path)!r})\n"
        "print(c.host, 'yaml' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["https://127.0.0.1:34567", "False"]


@pytest.mark.parametrize(
    "text",
    [
        GKE_HINT,
        "a: &x 1\nb: *x\n",  # anchors and aliases
        "a: !!str 1\n",  # tags
        "a: |\n  x\n",  # block scalars
        "a: [1, 2]\n",  # flow collections
        "a: 1 # comment\n",
        "---\na: 1\n",
        "a:\n\tb: 1\n",
        "a: 1\r\n",
        "a: jürgen\n",
        "a: 0755\n",  # octal in YAML 1.1
        "a: 1.5\n",
        "a: 2001-12-14\n",
        "a: 1:20\n",  # sexagesimal
        "a: .inf\n",
        "a: -\n",
        '"a": 1\n',
        "1: a\n",
        "yes: a\n",
        "<<: {}\n",
        'a: "\\x41"\n',
        'a: "\\/"\n',
        "a: b: c\n",
        "- a\n",  # a sequence at the top
        "just text\n",
        "",
        "# only a comment\n",
    ],
)
def test_anything_else_is_left_to_pyyaml(text: str) -> None:
    assert not agrees(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "a: true\nb: False\nc: yes\nd: OFF\ne: on\n",
            {"a": True, "b": False, "c": True, "d": False, "e": True},
        ),
        ("a: null\nb: ~\nc:\nd: NULL\n", {"a": None, "b": None, "c": None, "d": None}),
        ("a: 0\nb: -12\nc: +7\nd: 6443\n", {"a": 0, "b": -12, "c": 7, "d": 6443}),
        ("a: --region\nb: -foo\nc: +x\n", {"a": "--region", "b": "-foo", "c": "+x"}),
        ("a: {}\nb: []\n", {"a": {}, "b": []}),
        ("a: \"x \\\"y\\\" \\\\ \\n\"\nb: 'it''s'\n", {"a": 'x "y" \\ \n', "b": "it's"}),
        ("a:\n- 1\n-\n  - x\n- b: 2\n  c: 3\n", {"a": [1, ["x"], {"b": 2, "c": 3}]}),
        ("a:\n  -   k: v\n      l: w\n", {"a": [{"k": "v", "l": "w"}]}),
        ("url: https://h:6443/p?q=1#f\n", {"url": "https://h:6443/p?q=1#f"}),
        ("a: b\na: c\n", {"a": "c"}),  # the last duplicate wins, as in PyYAML
    ],
)
def test_the_subset_resolves_scalars_as_pyyaml_does(text: str, expected: Any) -> None:
    assert agrees(text)
    assert typed(blockyaml.load(text.encode())) == typed(expected)


# -- hypothesis: documents from PyYAML's own dumper, and hand-made text near the edges ----------

KEYS = st.sampled_from(
    ["name", "server", "user", "args", "env", "a-b", "x.y/z", "on", "null", "1", "k y", "<<"]
)
SCALARS = st.one_of(
    st.sampled_from(
        [
            "",
            "true",
            "no",
            "~",
            "-",
            "--flag",
            "0",
            "07",
            "1_0",
            "1.5",
            "-3",
            "+4",
            "a: b",
            "#x",
            "a #b",
            "x#y",
            "'q'",
            '"d"',
            "[a]",
            "{}",
            "2001-01-01",
            "12:30",
            ".nan",
            "=",
            "it's",
            "tab\tin",
            "new\nline",
            "é",
            "\\x41",
            "LS0tLS1CRUdJTg==",
        ]
    ),
    st.text(alphabet=st.sampled_from(list("ab01-+.:# '\"\\{}[]~")), max_size=6),
    st.integers(-1000, 10**12),
    st.booleans(),
    st.none(),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=4)),
    max_leaves=12,
)
DOCS = st.dictionaries(KEYS, VALUES, min_size=1, max_size=5)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(doc=DOCS, indent=st.sampled_from([2, 4]), width=st.sampled_from([20, 80, 10**6]))
def test_whatever_pyyaml_dumps_is_read_as_pyyaml_reads_it(
    doc: Any, indent: int, width: int
) -> None:
    text = yaml.safe_dump(doc, default_flow_style=False, indent=indent, width=width)
    agrees(text)


WORDS = st.text(alphabet=st.sampled_from(list("abn01-+.:#~ '\"\\{}[]")), max_size=8)
LINE = st.tuples(
    st.sampled_from([0, 2, 4, 1]),
    st.sampled_from(["", "", "- ", "-  "]),
    st.one_of(
        st.tuples(st.sampled_from(["name", "on", "a b", "x-y", "1", "<<"]), WORDS).map(
            lambda kv: f"{kv[0]}: {kv[1]}"
        ),
        st.sampled_from(["name:", "args:", "-", "# c"]),
        WORDS,
    ),
)


@settings(
    max_examples=400,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(lines=st.lists(LINE, min_size=1, max_size=6))
def test_hand_made_text_is_declined_or_read_as_pyyaml_reads_it(lines: Any) -> None:
    text = "".join(" " * n + dash + body + "\n" for n, dash, body in lines)
    try:
        expected = yaml.safe_load(text)
    except yaml.YAMLError:
        assert blockyaml.load(text.encode()) is None
        return
    mine = blockyaml.load(text.encode())
    if mine is not None:
        assert typed(mine) == typed(expected)


def test_a_kubeconfig_from_json_dumps_values_stays_in_the_subset() -> None:
    # the benchmark writes the exec command with json.dumps: a double-quoted path
    ca = base64.b64encode(b"-----BEGIN CERTIFICATE-----\n").decode()
    text = KIND.replace("LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUM=", ca) + (
        f"    command: {json.dumps('/usr/bin/python3')}\n"
    )
    assert agrees(text)
