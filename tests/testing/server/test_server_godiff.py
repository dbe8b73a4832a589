"""apivalidation/godiff.py: k8s.io/apimachinery/pkg/util/diff.Diff as kube-apiserver prints it
(json.MarshalIndent with one space, go-difflib unified diff, 3 lines of context, no header)."""

from __future__ import annotations

import json

from rawkube.testing.server.apivalidation.godiff import diff, go_indent, unified


def test_go_indent_is_encoding_json_indent() -> None:
    value: dict[str, object] = {
        "a": [],
        "b": {},
        "c": [1, {"d": 'x,y:{["\\'}],
        "e": None,
        "f": "<&>",
    }
    compact = json.dumps(value, separators=(",", ":"))
    assert go_indent(compact) == json.dumps(value, indent=1)
    assert go_indent("[]") == "[]"
    assert go_indent('{"a":{"b":[]}}') == '{\n "a": {\n  "b": []\n }\n}'


def test_unified_has_no_file_header_and_three_lines_of_context() -> None:
    a = "\n".join(f"line{i}" for i in range(12))
    b = a.replace("line1\n", "LINE1\n").replace("line10", "LINE10")
    assert unified(a, b) == (
        "@@ -1,5 +1,5 @@\n line0\n-line1\n+LINE1\n line2\n line3\n line4\n"
        "@@ -8,5 +8,5 @@\n line7\n line8\n line9\n-line10\n+LINE10\n line11\n"
    )
    assert unified(a, a) == ""


def test_pvc_spec_diff_as_the_real_server_prints_it() -> None:
    # fixtures/differential/immutability/pvc-spec.json: accessModes ReadWriteOnce -> ReadWriteMany
    old = {
        "accessModes": ["ReadWriteOnce"],
        "resources": {"requests": {"storage": "1Gi"}},
        "volumeMode": "Filesystem",
    }
    new = {**old, "accessModes": ["ReadWriteMany"]}
    out = diff("k8s.io/kubernetes/pkg/apis/core.PersistentVolumeClaimSpec", old, new)
    assert out == (
        '@@ -1,6 +1,6 @@\n {\n  "AccessModes": [\n-  "ReadWriteOnce"\n+  "ReadWriteMany"\n'
        '  ],\n  "Selector": null,\n  "Resources": {\n'
    )
