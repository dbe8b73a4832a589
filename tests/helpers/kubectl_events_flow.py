"""The kubectl sessions tests/testing/server/test_kubectl_events.py replays, shared with its recorder
(scripts/record_kubectl_events.py): a Deployment whose Pods no node takes (the real server has no
nodes; the LocalAPIServer's one node does not match its nodeSelector), then what ``kubectl
describe`` and ``kubectl get events`` print about it; and (``workload_session``) a Job, a
ReplicationController and a StatefulSet, whose controllers' SuccessfulCreate events ``describe``
shows. Outputs are normalised: the namespace,
ages, times and generated name suffixes vary from run to run, column widths with them."""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Callable

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      nodeSelector: {example.com/no-such-node: "true"}
      containers: [{name: c, image: nginx, ports: [{containerPort: 80}]}]
"""

COMMANDS = {
    "describe-deployment": ["describe", "deployment", "web"],
    "describe-replicaset": ["describe", "replicaset", "-l", "app=web"],
    "get-events": ["get", "events"],
    "get-events-wide": ["get", "events", "-o", "wide"],
    "get-events-for-deployment": [
        "get",
        "events",
        "--field-selector",
        "involvedObject.kind=Deployment",
    ],
    "events": ["events", "--for", "deployment/web"],
}

# The workload controllers' events (pkg/controller/job, replication, statefulset). No
# volumeClaimTemplates: the real persistentvolume controller adds a FailedBinding event to each
# claim (and repeats it), which the LocalAPIServer has no controller for.
WORKLOADS = """\
apiVersion: batch/v1
kind: Job
metadata: {name: j}
spec:
  template:
    spec:
      restartPolicy: Never
      nodeSelector: {example.com/no-such-node: "true"}
      containers: [{name: c, image: busybox}]
---
apiVersion: v1
kind: ReplicationController
metadata: {name: rc}
spec:
  replicas: 2
  selector: {app: rc}
  template:
    metadata: {labels: {app: rc}}
    spec:
      nodeSelector: {example.com/no-such-node: "true"}
      containers: [{name: c, image: nginx}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: s}
spec:
  replicas: 2
  serviceName: s
  selector: {matchLabels: {app: s}}
  template:
    metadata: {labels: {app: s}}
    spec:
      nodeSelector: {example.com/no-such-node: "true"}
      containers: [{name: c, image: nginx}]
"""

WORKLOAD_COMMANDS = {
    "workloads-describe-job": ["describe", "job", "j"],
    "workloads-describe-replicationcontroller": ["describe", "rc", "rc"],
    "workloads-describe-statefulset": ["describe", "statefulset", "s"],
    "workloads-get-events": ["get", "events"],
}

Run = Callable[..., subprocess.CompletedProcess[str]]


def normalise(text: str, namespace: str) -> str:
    text = text.replace(namespace, "<ns>")
    text = re.sub(
        r"web-[bcdfghjklmnpqrstvwxz2456789]{8,10}-[bcdfghjklmnpqrstvwxz2456789]{5}",
        "web-<rs>-<pod>",
        text,
    )
    text = re.sub(r"web-[bcdfghjklmnpqrstvwxz2456789]{8,10}", "web-<rs>", text)
    text = re.sub(
        r"pod-template-hash=[bcdfghjklmnpqrstvwxz2456789]{8,10}", "pod-template-hash=<rs>", text
    )
    text = re.sub(r"kube-api-access-[a-z0-9]{5}", "kube-api-access-<x>", text)
    text = re.sub(r"\b(j|rc)-[bcdfghjklmnpqrstvwxz2456789]{5}\b", r"\1-<pod>", text)
    text = re.sub(
        r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", "<uid>", text
    )
    text = re.sub(r"\b\d+(\.\d+)?(s|m|h|d)(\d+s)?\b", "<age>", text)
    text = re.sub(
        r"[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d [+-]\d{4}", "<time>", text
    )
    text = re.sub(r"\.[0-9a-f]{12,16}\b", ".<hex>", text)
    return "\n".join(re.sub(r" {2,}", "  ", line).rstrip() for line in text.splitlines()) + "\n"


def session(kubectl: Run, namespace: str) -> dict[str, str]:
    """Apply the Deployment, wait for its events (bounded), return each command's output."""
    kubectl("-n", namespace, "apply", "-f", "-", input=DEPLOYMENT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        out = kubectl("-n", namespace, "get", "events", "-o", "name").stdout
        if len(out.split()) >= 3:
            break
        time.sleep(0.25)
    time.sleep(1.0)  # the Deployment's status settles (2 updated, 0 available)
    return {
        name: normalise(kubectl("-n", namespace, *args).stdout, namespace)
        for name, args in COMMANDS.items()
    }


def workload_session(kubectl: Run, namespace: str) -> dict[str, str]:
    """Apply the workloads, wait for their four events (bounded), return each command's output."""
    kubectl("-n", namespace, "apply", "-f", "-", input=WORKLOADS)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        out = kubectl("-n", namespace, "get", "events", "-o", "name").stdout
        if len(out.split()) >= 4:
            break
        time.sleep(0.25)
    time.sleep(1.0)  # the controllers' status writes settle
    return {
        name: normalise(kubectl("-n", namespace, *args).stdout, namespace)
        for name, args in WORKLOAD_COMMANDS.items()
    }
