"""Issue #10's examples, each tied to the recordings of the real kube-apiserver that show it.

Every example the issue gives ("real vs LocalAPIServer") is a row of `EXAMPLES`: the differential
scenarios (tests/differential/*.yaml) that exercise it, the step whose answer shows it, and what
the real server answered there: status, reason, causes (field, reason) and the message the issue
quotes, or the defaulted values the issue lists. This module checks that the recordings
(fixtures/differential/, made by `python scripts/differential.py record` against a real
kube-apiserver 1.36) say so, that the step is compared in full by the replay, that the asserted
fields are not masked by the step's `ignore`, and that no scenario is excused in
known-differences.yaml. tests/testing/server/test_differential.py replays the same scenarios
against a LocalAPIServer and requires the normalised answers to be equal, so together: for each
example, our server answers what the real one answered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.helpers.differential import (
    Scenario,
    load_known_differences,
    load_scenarios,
    read_recording,
)

SCENARIOS = {s.id: s for s in load_scenarios()}
KNOWN = load_known_differences()


@dataclass(frozen=True)
class Shows:
    """Step ``step`` of scenario ``scenario`` answered ``status`` (and the rest) on the real server."""

    scenario: str
    step: int
    status: int
    reason: str | None = None  # Status.reason (None: a success, or a Status without a reason)
    causes: tuple[tuple[str, str], ...] = ()  # (field, reason) of details.causes, in order
    message: str = ""  # a part of Status.message (the issue's quote)
    values: dict[str, Any] = field(default_factory=dict)  # dotted path -> value in the body


def invalid(scenario: str, step: int, fld: str, reason: str, message: str) -> Shows:
    return Shows(scenario, step, 422, "Invalid", ((fld, reason),), message)


# The issue's bullets, example by example (the text is the issue's).
EXAMPLES: dict[str, list[Shows]] = {
    # -- validation --------------------------------------------------------------------------
    'Pod with two containers named c: 422 spec.containers[1].name: Duplicate value: "c"': [
        invalid(
            "validation/pod-duplicate-container-name",
            0,
            "spec.containers[1].name",
            "FieldValueDuplicate",
            'spec.containers[1].name: Duplicate value: "c"',
        )
    ],
    "restartPolicy Sometimes": [
        invalid(
            "validation/pod-restart-policy-unsupported",
            0,
            "spec.restartPolicy",
            "FieldValueNotSupported",
            'spec.restartPolicy: Unsupported value: "Sometimes"',
        )
    ],
    "limits below requests": [
        invalid(
            "validation/pod-limits-below-requests",
            0,
            "spec.containers[0].resources.requests",
            "FieldValueInvalid",
            "must be less than or equal to cpu limit of 500m",
        )
    ],
    "containerPort 70000": [
        invalid(
            "validation/pod-container-port-out-of-range",
            0,
            "spec.containers[0].ports[0].containerPort",
            "FieldValueInvalid",
            "Invalid value: 70000: must be between 1 and 65535, inclusive",
        ),
        invalid(
            "validation/podtemplate-container-invalid",
            0,
            "template.spec.containers[0].ports[0].containerPort",
            "FieldValueInvalid",
            "must be between 1 and 65535, inclusive",
        ),
    ],
    'image " nginx"': [
        invalid(
            "validation/pod-image-leading-space",
            0,
            "spec.containers[0].image",
            "FieldValueInvalid",
            'Invalid value: " nginx": must not have leading or trailing whitespace',
        )
    ],
    "CronJob schedule `every minute`": [
        invalid(
            "validation/cronjob-schedule-every-minute",
            0,
            "spec.schedule",
            "FieldValueInvalid",
            'spec.schedule: Invalid value: "every minute"',
        )
    ],
    "a Service without ports": [
        invalid(
            "validation/service-without-ports",
            0,
            "spec.ports",
            "FieldValueRequired",
            "spec.ports: Required value",
        )
    ],
    "a ConfigMap over 1 MiB": [
        invalid(
            "validation/configmap-too-big",
            0,
            "[]",
            "FieldValueTooLong",
            "Too long: may not be more than 1048576 bytes",
        )
    ],
    'ConfigMap `data: {a: 1}` (400 "cannot unmarshal number" vs 201 storing a number)': [
        Shows(
            "validation/configmap-data-number",
            0,
            400,
            "BadRequest",
            message="json: cannot unmarshal number into Go struct field ConfigMap.data of type string",
        )
    ],
    'Deployment `replicas: "two"` (400 vs 201, and the deployment controller then crashes)': [
        Shows(
            "validation/deployment-replicas-string",
            0,
            400,
            "BadRequest",
            message="cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32",
        ),
        # The same value by server-side apply never reaches the controllers either.
        Shows(
            "validation/apply-replicas-string",
            0,
            500,
            None,
            message=".spec.replicas: expected numeric (int or float), got string",
        ),
    ],
    # -- immutable fields: 422 `field is immutable` ----------------------------------------
    "Secret with `immutable: true`": [
        invalid(
            "immutability/secret-immutable-data",
            1,
            "data",
            "FieldValueForbidden",
            "data: Forbidden: field is immutable when `immutable` is set",
        ),
        Shows(
            "validation/secret-immutable-data",
            1,
            422,
            "Invalid",
            (("immutable", "FieldValueForbidden"), ("data", "FieldValueForbidden")),
            "field is immutable when `immutable` is set",
        ),
    ],
    "ConfigMap with `immutable: true`": [
        invalid(
            "validation/configmap-immutable-data",
            1,
            "data",
            "FieldValueForbidden",
            "data: Forbidden: field is immutable when `immutable` is set",
        )
    ],
    "Deployment selector": [
        invalid(
            "immutability/deployment-selector",
            1,
            "spec.selector",
            "FieldValueInvalid",
            ": field is immutable",
        ),
        invalid(
            "validation/deployment-selector-immutable",
            1,
            "spec.selector",
            "FieldValueInvalid",
            ": field is immutable",
        ),
    ],
    "Service clusterIP": [
        invalid(
            "immutability/service-cluster-ip",
            1,
            "spec.clusterIPs[0]",
            "FieldValueInvalid",
            'spec.clusterIPs[0]: Invalid value: ["None"]: may not change once set',
        ),
        invalid(
            "validation/service-cluster-ip-immutable",
            1,
            "spec.clusterIPs[0]",
            "FieldValueInvalid",
            "may not change once set",
        ),
    ],
    "Job template": [
        invalid(
            "immutability/job-template",
            1,
            "spec.template.spec",
            "FieldValueInvalid",
            "field is immutable",
        ),
        invalid(
            "validation/job-template-immutable",
            1,
            "spec.template",
            "FieldValueInvalid",
            "field is immutable",
        ),
    ],
    "PVC spec": [
        invalid(
            "immutability/pvc-spec",
            1,
            "spec",
            "FieldValueForbidden",
            "spec: Forbidden: spec is immutable after creation except resources.requests and "
            'volumeAttributesClassName for bound claims\n@@ -1,6 +1,6 @@\n {\n  "AccessModes": [\n'
            '-  "ReadWriteOnce"\n+  "ReadWriteMany"\n',
        ),
        Shows(
            "immutability/pvc-spec-storage-class-and-selector",
            1,
            422,
            "Invalid",
            (("spec", "FieldValueForbidden"), ("volumeMode", "FieldValueInvalid")),
            '- "StorageClassName": "slow",\n- "VolumeMode": "Filesystem",\n'
            '+ "StorageClassName": "fast",\n+ "VolumeMode": "Block",\n',
        ),
        invalid(
            "validation/pvc-spec-immutable",
            1,
            "spec",
            "FieldValueForbidden",
            "spec is immutable after creation",
        ),
    ],
    # -- defaults: present vs absent ----------------------------------------------------------
    "StatefulSet podManagementPolicy, updateStrategy.rollingUpdate.partition, revisionHistoryLimit": [
        Shows(
            "defaults/statefulset-minimal",
            0,
            201,
            values={
                "spec.podManagementPolicy": "OrderedReady",
                "spec.updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
                "spec.revisionHistoryLimit": 10,
            },
        )
    ],
    "HPA v2 `minReplicas: 1` and the default 80% CPU metric": [
        Shows(
            "defaults/horizontalpodautoscaler-minimal",
            0,
            201,
            values={
                "spec.minReplicas": 1,
                "spec.metrics": [
                    {
                        "type": "Resource",
                        "resource": {
                            "name": "cpu",
                            "target": {"type": "Utilization", "averageUtilization": 80},
                        },
                    }
                ],
            },
        )
    ],
    "NetworkPolicy `policyTypes`": [
        Shows("defaults/networkpolicy-minimal", 0, 201, values={"spec.policyTypes": ["Ingress"]})
    ],
    "probe `scheme: HTTP`; fieldRef `apiVersion: v1`": [
        Shows(
            "defaults/pod-typical",
            1,
            201,
            values={
                "spec.containers[0].livenessProbe.httpGet.scheme": "HTTP",
                "spec.containers[0].env[1].valueFrom.fieldRef": {
                    "apiVersion": "v1",
                    "fieldPath": "metadata.name",
                },
            },
        )
    ],
    "CronJob `concurrencyPolicy`": [
        Shows("defaults/cronjob-minimal", 0, 201, values={"spec.concurrencyPolicy": "Allow"})
    ],
    "Service nodePort allocation": [
        # The allocated port is random: normalised to "<nodePort>" (present, in range).
        Shows("defaults/service-nodeport", 0, 201, values={"spec.ports[0].nodePort": "<nodePort>"})
    ],
    'headless `clusterIPs: ["None"]`': [
        Shows(
            "defaults/service-headless",
            0,
            201,
            values={"spec.clusterIP": "None", "spec.clusterIPs": ["None"]},
        )
    ],
    # -- Pod admission -------------------------------------------------------------------------
    "Pod admission: serviceAccountName default, kube-api-access volume and mount, the two 300 s "
    "tolerations, priority 0, enableServiceLinks, preemptionPolicy": [
        Shows(
            "defaults/pod-minimal",
            1,
            201,
            values={
                "spec.serviceAccountName": "default",
                "spec.volumes[0].name": "kube-api-access-<generated>",
                "spec.containers[0].volumeMounts": [
                    {
                        "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
                        "name": "kube-api-access-<generated>",
                        "readOnly": True,
                    }
                ],
                "spec.tolerations": [
                    {
                        "effect": "NoExecute",
                        "key": "node.kubernetes.io/not-ready",
                        "operator": "Exists",
                        "tolerationSeconds": 300,
                    },
                    {
                        "effect": "NoExecute",
                        "key": "node.kubernetes.io/unreachable",
                        "operator": "Exists",
                        "tolerationSeconds": 300,
                    },
                ],
                "spec.priority": 0,
                "spec.enableServiceLinks": True,
                "spec.preemptionPolicy": "PreemptLowerPriority",
            },
        ),
        Shows(
            "admission/pod-service-account-missing",
            1,
            403,
            "Forbidden",
            message='error looking up service account {ns}/nobody: serviceaccount "nobody" not found',
        ),
    ],
    # -- server-side apply ---------------------------------------------------------------------
    "`kubectl apply --server-side` of `ports: [{containerPort: 80}]` adds no duplicate port on "
    "re-apply (the defaulted list-map key `protocol: TCP`), no new generation": [
        Shows(
            "ssa/apply-ports-twice",
            1,
            200,
            values={
                "metadata.generation": 1,
                "spec.template.spec.containers[0].ports": [
                    {"containerPort": 80, "protocol": "TCP"}
                ],
            },
        )
    ],
    "managedFields do not credit the client with server-set fields (f:clusterIP, f:ipFamilies)": [
        Shows(
            "ssa/apply-service-server-set-fields",
            0,
            201,
            values={
                "metadata.managedFields[0].manager": "kubectl",
                "metadata.managedFields[0].fieldsV1": {
                    "f:spec": {
                        "f:ports": {'k:{"port":80,"protocol":"TCP"}': {".": {}, "f:port": {}}},
                        "f:selector": {},
                    }
                },
            },
        )
    ],
    # -- strategic merge patch -----------------------------------------------------------------
    "Strategic merge patch puts a new container first (`[c,a,b]`)": [
        Shows(
            "smp/new-container-goes-first",
            1,
            200,
            values={"spec.template.spec.containers[*].name": ["c", "a", "b"]},
        )
    ],
    # -- namespace furniture -------------------------------------------------------------------
    "a `default` ServiceAccount in every namespace": [
        Shows("furniture/default-serviceaccount", 0, 200, values={"metadata.name": "default"})
    ],
    "the `kube-root-ca.crt` ConfigMap in every namespace": [
        Shows("furniture/root-ca-configmap", 0, 200, values={"metadata.name": "kube-root-ca.crt"})
    ],
    "the `kubernetes` Service in `default`": [
        Shows(
            "furniture/kubernetes-service",
            0,
            200,
            values={
                "metadata.name": "kubernetes",
                "metadata.labels": {"component": "apiserver", "provider": "kubernetes"},
            },
        ),
        Shows(
            "furniture/kubernetes-endpointslice",
            0,
            200,
            values={"metadata.labels": {"kubernetes.io/service-name": "kubernetes"}},
        ),
    ],
}

_PART = re.compile(r"([^.\[]+)((?:\[(?:\d+|\*)\])*)")


def dig(body: Any, path: str) -> Any:
    """The value at a dotted path with list indexes (``a.b[0].c``; ``[*]`` maps the rest)."""
    parts = path.split(".")
    value = body
    for i, part in enumerate(parts):
        m = _PART.fullmatch(part)
        assert m, f"bad path {path!r}"
        if not isinstance(value, dict) or m.group(1) not in value:
            raise KeyError(path)
        value = value[m.group(1)]
        for index in re.findall(r"\[(\d+|\*)\]", m.group(2)):
            assert isinstance(value, list), f"{path}: not a list at {part}"
            if index == "*":
                rest = ".".join(parts[i + 1 :])
                return [dig(item, rest) if rest else item for item in value]
            value = value[int(index)]
    return value


def _masked_by(ignore: list[str], path: str) -> list[str]:
    plain = re.sub(r"\[(\d+|\*)\]", "", path)
    return [
        ig for ig in ignore if plain == ig.split("[")[0] or plain.startswith(ig.split("[")[0] + ".")
    ]


def _rows() -> list[object]:
    return [
        pytest.param(example, shows, id=f"{shows.scenario}#{shows.step}")
        for example, all_shows in EXAMPLES.items()
        for shows in all_shows
    ]


@pytest.mark.parametrize(("example", "shows"), _rows())
def test_the_real_server_answered_the_example_as_the_issue_says(example: str, shows: Shows) -> None:
    scenario: Scenario | None = SCENARIOS.get(shows.scenario)
    assert scenario is not None, f"{example}: no scenario {shows.scenario}"
    assert shows.scenario not in KNOWN, (
        f"{example}: {shows.scenario} is excused in known-differences.yaml"
    )
    exchanges = read_recording(scenario)
    assert exchanges is not None, f"{shows.scenario} is not recorded"
    assert len(exchanges) == len(scenario.steps)
    step = scenario.steps[shows.step]
    assert step.compare == "full", f"{shows.scenario} step {shows.step} is not compared in full"
    response = exchanges[shows.step]["response"]
    assert response["status"] == shows.status, (example, response)
    body = response.get("body")
    assert isinstance(body, dict)
    if shows.status >= 400:
        assert body.get("kind") == "Status" and body.get("code") == shows.status
        assert body.get("reason") == shows.reason
        causes = [
            (c.get("field"), c.get("reason")) for c in body.get("details", {}).get("causes", [])
        ]
        assert causes == list(shows.causes)
        assert shows.message and shows.message in body["message"], body["message"]
        for path in ("message", "details", "reason"):
            assert not _masked_by(step.ignore, path)
    for path, expected in shows.values.items():
        assert not _masked_by(step.ignore, path), f"{path} is masked by {step.ignore}"
        assert dig(body, path) == expected, f"{shows.scenario} step {shows.step}: {path}"


def test_every_issue_bullet_has_examples() -> None:
    """The issue's bullets by category: each is shown by at least one recorded scenario of it."""
    categories = {shows.scenario.split("/")[0] for rows in EXAMPLES.values() for shows in rows}
    wanted = {"validation", "immutability", "defaults", "admission", "ssa", "smp", "furniture"}
    assert wanted <= categories
    assert all(EXAMPLES.values())


def test_dig_reads_indexes_and_stars() -> None:
    body = {"a": [{"b": 1}, {"b": 2}], "c": {"d": [[5]]}}
    assert dig(body, "a[1].b") == 2
    assert dig(body, "a[*].b") == [1, 2]
    assert dig(body, "c.d[0][0]") == 5
    with pytest.raises(KeyError):
        dig(body, "a[0].x")
    assert _masked_by(["status", "metadata.annotations"], "status.phase") == ["status"]
    assert not _masked_by(["metadata.annotations"], "metadata.name")


def test_the_seed_deployment_flow_compares_managed_fields() -> None:
    """Acceptance: "the managedFields equal the real server's for the seed's Deployment flow".
    ssa/seed-deployment-flow is the seed's flow (create, update under RetryOnConflict, list,
    foreground delete); every step answering a Deployment is compared in full with only the
    Deployment controller's own entry left out, and the recording holds the client's entry."""
    scenario = SCENARIOS["ssa/seed-deployment-flow"]
    assert scenario.id not in KNOWN
    exchanges = read_recording(scenario)
    assert exchanges is not None and len(exchanges) == len(scenario.steps)
    methods = [e["request"]["method"] for e in exchanges]
    assert methods == ["POST", "GET", "PUT", "PUT", "GET", "GET", "DELETE", "GET"]
    statuses = [e["response"]["status"] for e in exchanges]
    assert statuses == [201, 200, 200, 409, 200, 200, 200, 404]
    generations = []
    for step, exchange in zip(scenario.steps, exchanges, strict=True):
        body = exchange["response"].get("body") or {}
        objects = body.get("items") if body.get("kind") == "DeploymentList" else [body]
        for obj in objects or []:
            if obj.get("kind", "Deployment") != "Deployment" or "metadata" not in obj:
                continue
            assert step.compare == "full"
            masks = [ig for ig in step.ignore if "managedFields" in ig]
            assert all("[manager=kube-controller-manager]" in ig for ig in masks), masks
            mine = [e for e in obj["metadata"]["managedFields"] if e["manager"] == "python-httpx"]
            assert [(e["operation"], e["apiVersion"]) for e in mine] == [("Update", "apps/v1")]
            fields = mine[0]["fieldsV1"]
            assert set(fields) == {"f:metadata", "f:spec"}  # no status, no annotations
            ports = fields["f:spec"]["f:template"]["f:spec"]["f:containers"]['k:{"name":"web"}']
            assert 'k:{"containerPort":80,"protocol":"TCP"}' in ports["f:ports"]
            generations.append(obj["metadata"]["generation"])
    # create 1, get 1, update 2, list 2 (one item, the second list is unfiltered), delete 3
    assert generations == [1, 1, 2, 2, 2, 3]
