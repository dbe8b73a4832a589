"""Benchmark payloads, derived from Deployments recorded from a real Kubernetes 1.36 API server.

Every payload is built once, serialised once, and then served as bytes: the benchmark measures
the clients, not the server. The template is the `demo-deployment` item of
`fixtures/real-apiserver/014-list-deployments-page1.json` (managedFields for two managers, spec,
status with conditions), with a few labels and annotations added so each object is ~3 KB of
compact JSON, the size kubectl sees for a small real Deployment.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures" / "real-apiserver"
TEMPLATE_FIXTURE = "014-list-deployments-page1.json"

# The namespace a client LISTs (or watches) selects the size of the answer: the server keeps one
# pre-serialised body per namespace, so a request costs it a dict lookup and a send.
NAMESPACE = "bench"
GET_NAME = "bench-0"


def _fixture(name: str) -> dict[str, Any]:
    with open(FIXTURES / name, encoding="utf-8") as f:
        data: dict[str, Any] = json.load(f)
    return data


def compact(obj: Any) -> bytes:
    """Compact JSON, as the API server writes it (no spaces, UTF-8)."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def template_deployment() -> dict[str, Any]:
    """The recorded Deployment, with labels/annotations a real workload usually carries."""
    item: dict[str, Any] = copy.deepcopy(_fixture(TEMPLATE_FIXTURE)["response"]["body"]["items"][0])
    meta = item["metadata"]
    meta["labels"] = {
        "app": "demo",
        "app.kubernetes.io/name": "demo",
        "app.kubernetes.io/part-of": "bench",
        "app.kubernetes.io/version": "1.12",
        "team": "platform",
    }
    meta.setdefault("annotations", {})["kubernetes.io/change-cause"] = "image updated to nginx:1.12"
    return item


def _item_template(namespace: str) -> bytes:
    """The compact template with placeholders, so n items cost n `bytes.replace`, not n deepcopies."""
    obj = template_deployment()
    meta = obj["metadata"]
    meta["name"] = "@NAME@"
    meta["namespace"] = namespace
    meta["uid"] = "@UID@"
    meta["resourceVersion"] = "@RV@"
    return compact(obj)


def _fill(template: bytes, i: int) -> bytes:
    return (
        template.replace(b"@NAME@", b"bench-%d" % i)
        .replace(b"@UID@", b"c8482464-ffa4-4597-b72c-%012d" % i)
        .replace(b"@RV@", b"%d" % (1000 + i))
    )


def _with_kind(item: bytes) -> bytes:
    """A list item carries no kind/apiVersion; a GET answer or a watch event's object does."""
    return b'{"kind":"Deployment","apiVersion":"apps/v1",' + item[1:]


def deployment_bytes(i: int, namespace: str = NAMESPACE) -> bytes:
    """The i-th benchmark Deployment as GET returns it: unique name, uid and resourceVersion."""
    return _with_kind(_fill(_item_template(namespace), i))


def items_bytes(n: int, namespace: str) -> list[bytes]:
    template = _item_template(namespace)
    return [_fill(template, i) for i in range(n)]


def list_body(n: int, namespace: str) -> bytes:
    """A DeploymentList of n items, as `GET .../deployments` returns it."""
    head = (
        b'{"kind":"DeploymentList","apiVersion":"apps/v1","metadata":{"resourceVersion":"%d"},"items":['
        % (1000 + n)
    )
    return head + b",".join(items_bytes(n, namespace)) + b"]}"


def watch_events(n: int, namespace: str) -> list[bytes]:
    """n watch events, one JSON document + newline each (the server sends one chunk per event).

    The mix mirrors a busy controller: objects are ADDED, then MODIFIED, with a DELETED now and
    then; the object bodies are all full-size Deployments, as on a real watch.
    """
    events = []
    for i, obj in enumerate(items_bytes(n, namespace)):
        kind = b"ADDED" if i % 10 == 0 else (b"DELETED" if i % 10 == 9 else b"MODIFIED")
        events.append(b'{"type":"%s","object":%s}\n' % (kind, _with_kind(obj)))
    return events


def status_success(name: str) -> bytes:
    """The Status a DELETE with background propagation returns (fixture 042)."""
    body = _fixture("042-delete-background.json")["response"]["body"]
    body = copy.deepcopy(body)
    body["details"]["name"] = name
    return compact(body)


def discovery_bodies() -> dict[tuple[str, bool], tuple[bytes, str]]:
    """Discovery documents recorded from the real server, keyed by (path, aggregated?).

    kr8s and the official client's DynamicClient discover resources before their first call;
    serving the real documents keeps their start-up honest.
    """
    out: dict[tuple[str, bool], tuple[bytes, str]] = {}
    names = {
        "001-version.json": ("/version", False),
        "002-discovery-api.json": ("/api", False),
        "003-discovery-apis.json": ("/apis", False),
        "004-discovery-api-v1.json": ("/api/v1", False),
        "005-discovery-apps-v1.json": ("/apis/apps/v1", False),
        "006-discovery-aggregated-api.json": ("/api", True),
        "007-discovery-aggregated-apis.json": ("/apis", True),
    }
    for fname, key in names.items():
        fx = _fixture(fname)
        ctype = fx["response"]["headers"].get("content-type", "application/json")
        out[key] = (compact(fx["response"]["body"]), ctype)
    return out


# -- Pods, for the scale scenarios (LIST in pages, informers, many watches) ----------------------

POD_TEMPLATE = Path(__file__).resolve().parent / "pod.json"


def template_pod() -> dict[str, Any]:
    """A Running Pod as kube-apiserver 1.36 returns it (benchmarks/pod.json): created by the
    ReplicaSet controller for a Deployment, bound to a node through pods/binding and given a
    kubelet-like status through pods/status (field manager `kubelet`), then read back with GET.
    So its managedFields (kube-controller-manager + kubelet), defaults, ServiceAccount volume and
    tolerations are the real server's; ~4.7 KB of compact JSON."""
    with open(POD_TEMPLATE, encoding="utf-8") as f:
        pod: dict[str, Any] = json.load(f)
    return pod


def _pod_template(namespace: str) -> bytes:
    """The compact Pod with placeholders for what differs from one pod to the next: name, uid,
    resourceVersion, node (100 nodes), pod IP, container ID, the token volume's name and the
    day and hour of every timestamp (so about a dozen of 100,000 pods share one, as pods a
    controller creates in one burst do)."""
    pod = template_pod()
    del pod["kind"], pod["apiVersion"]  # list items carry none
    text = compact(pod).decode()
    meta = pod["metadata"]
    replacements = {
        meta["name"]: "web-74d87d5b-@NAME@",
        meta["uid"]: "49c455f0-2aca-4e75-a635-@UID@",
        f'"resourceVersion":"{meta["resourceVersion"]}"': '"resourceVersion":"@RV@"',
        f'"namespace":"{meta["namespace"]}"': f'"namespace":"{namespace}"',
        pod["spec"]["nodeName"]: "worker-@NODE@",
        pod["status"]["hostIP"]: "10.0.3.@NODE@",
        pod["status"]["podIP"]: "10.244.@IP@",
        pod["spec"]["volumes"][0]["name"]: "kube-api-access-@VOL@",
    }
    container_id = pod["status"]["containerStatuses"][0]["containerID"]
    replacements[container_id] = container_id[: -len("@CID@")] + "@CID@"
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    assert "2026-12-07T14:" in text
    return text.replace("2026-12-07T14:", "2026-@WHEN@:").encode()


def _fill_pod(template: bytes, i: int) -> bytes:
    return (
        template.replace(b"@NAME@", b"%05x" % i)
        .replace(b"@UID@", b"%012d" % i)
        .replace(b"@RV@", b"%d" % (2000 + i))
        .replace(b"@NODE@", b"%d" % (i % 100))
        .replace(b"@IP@", b"%d.%d" % (i // 250, i % 250 + 1))
        .replace(b"@VOL@", b"%05x" % (i * 7919 % 0xFFFFF))
        .replace(b"@CID@", b"%05d" % (i % 100000))
        .replace(b"@WHEN@", b"%02d-%02dT%02d" % (1 + i // 672 % 12, 1 + i // 24 % 28, i % 24))
    )


def pod_items(n: int, namespace: str) -> list[bytes]:
    """n distinct Pods as list items (no kind/apiVersion), compact JSON."""
    template = _pod_template(namespace)
    return [_fill_pod(template, i) for i in range(n)]


def pod_list_page(items: list[bytes], size: int, rv: int, start: int, limit: int) -> bytes:
    """A page of a PodList of the first `size` items as the server sends it with `limit` (and
    `continue`): the next page's token (here simply its offset) and remainingItemCount while
    items remain."""
    end = size if not limit else min(size, start + limit)
    meta = b'"resourceVersion":"%d"' % rv
    if end < size:
        meta += b',"continue":"%d","remainingItemCount":%d' % (end, size - end)
    head = b'{"kind":"PodList","apiVersion":"v1","metadata":{%s},"items":[' % meta
    return head + b",".join(items[start:end]) + b"]}"


def pod_event(kind: bytes, item: bytes) -> bytes:
    """A watch event line for a Pod list item."""
    return b'{"type":"%s","object":{"kind":"Pod","apiVersion":"v1",%s}\n' % (kind, item[1:])
