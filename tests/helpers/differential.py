"""The differential harness: the same raw HTTP requests to a real kube-apiserver and to ours.

A *scenario* is a short list of raw requests (method, path, query, headers, body) run in a
namespace of its own. Scenarios live in ``tests/differential/<category>.yaml``; what the real
kube-apiserver 1.36 answered is recorded into ``fixtures/differential/<category>/<name>.json``
by ``python scripts/differential.py record`` and replayed against a ``LocalAPIServer`` by
``tests/testing/server/test_differential.py`` (CI has no real server). ``scripts/differential.py compare``
prints the agreement figure by category; ``compare --live`` asks both servers right now.

Scenario file format (YAML, a list)::

    - name: pod-duplicate-container-name        # unique within the category
      note: two containers named c               # what it shows
      cite: pkg/apis/core/validation/validation.go validateContainers
      namespace: true                            # default: create {ns} first, delete it after
      isolated: false                            # true: may break cluster-wide state (e.g. a
                                                 # DELETE of every namespace), so the replay
                                                 # test gives it a LocalAPIServer of its own
      steps:
        - method: POST                           # default GET
          path: /api/v1/namespaces/{ns}/pods
          query: {fieldManager: x}               # mapping or raw string
          user: admin                            # admin (default) | alice | anonymous
          headers: {Content-Type: application/merge-patch+json}
          body: {...}                            # JSON-encoded; or body_raw: "text sent as is"
          capture: {rv: metadata.resourceVersion}   # later steps may use {rv}
                                                 # ("data.token|base64": decoded first)
          wait: {status: 200, path: status.phase, equals: Active, timeout: 20}
                                                 # (or equals_not: X: present and not X)
          compare: full                          # full (default) | status | none
          ignore: [metadata.annotations]         # dotted paths masked in the response body;
                                                 # a.b[key=value] drops matching list items
          unordered: [status.resourceRules]      # lists whose order the server does not fix
                                                 # (a number selects a list index: rows.cells.3)
          warnings: true                         # also compare the Warning headers
          watch: true                            # the body is a stream of JSON lines
          fill: {data.a: 1048577}                # set body strings to N 'x's (large bodies)

``{ns}`` is replaced by the scenario's namespace, ``{name}`` by a short per-scenario name
(use it for cluster-scoped objects). Both are written back as ``{ns}``/``{name}`` in recordings,
so recordings compare across runs and servers.

Responses are *normalised* before they are stored or compared: uids, timestamps,
resourceVersions, continue tokens, generated name suffixes, allocated cluster IPs and node
ports, and the audit-id header are masked; only the status, the content-type and the body are
compared. ``normalise`` is the one place that decides what "the same answer" means.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCENARIO_DIR = ROOT / "tests" / "differential"
RECORDING_DIR = ROOT / "fixtures" / "differential"
KNOWN_DIFFERENCES = RECORDING_DIR / "known-differences.yaml"

# The static tokens of ../shared/tools/realkube (tokens.csv); the LocalAPIServer of the replay
# test accepts the same ones, so requests are identical on both servers.
ADMIN_TOKEN = "realkube-admin-token"
ALICE_TOKEN = "realkube-alice-token"
TOKENS = {"admin": ADMIN_TOKEN, "alice": ALICE_TOKEN, "anonymous": None}


# -- scenarios ---------------------------------------------------------------------------------


@dataclass
class Step:
    method: str = "GET"
    path: str = "/"
    query: Any = None
    user: str = "admin"
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    body_raw: str | None = None
    capture: dict[str, str] = field(default_factory=dict)
    wait: dict[str, Any] | None = None
    compare: str = "full"
    ignore: list[str] = field(default_factory=list)
    unordered: list[str] = field(default_factory=list)
    watch: bool = False
    fill: dict[str, int] = field(default_factory=dict)
    warnings: bool = False
    # {path: GET path, capture: {name: field}}: a 409 is answered as client-go's RetryOnConflict
    # does: read the object again (capturing e.g. its resourceVersion) and resend (bounded). For
    # a write whose recorded answer had no conflict but that can meet a controller's write
    # between the scenario's read and its PUT on either server.
    retry_conflict: dict[str, Any] | None = None

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Step:
        unknown = set(d) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown step keys {sorted(unknown)}")
        step = cls(**d)
        if step.compare not in ("full", "status", "none"):
            raise ValueError(f"compare must be full, status or none, not {step.compare!r}")
        if step.user not in TOKENS:
            raise ValueError(f"user must be one of {sorted(TOKENS)}, not {step.user!r}")
        return step


@dataclass
class Scenario:
    category: str
    name: str
    steps: list[Step]
    note: str = ""
    cite: str = ""
    namespace: bool = True
    isolated: bool = False  # changes cluster-wide state: replayed on a server of its own

    @property
    def id(self) -> str:
        return f"{self.category}/{self.name}"

    @property
    def recording_path(self) -> Path:
        return RECORDING_DIR / self.category / f"{self.name}.json"

    def short(self) -> str:
        """A short stable token for names derived from the scenario (namespace, {name})."""
        return hashlib.sha1(self.id.encode()).hexdigest()[:6]


def load_scenarios(category: str | None = None) -> list[Scenario]:
    """Every scenario in tests/differential/*.yaml (or one category's)."""
    scenarios: list[Scenario] = []
    files = sorted(SCENARIO_DIR.glob("*.yaml"))
    for path in files:
        cat = path.stem
        if category and cat != category:
            continue
        items = yaml.safe_load(path.read_text()) or []
        seen: set[str] = set()
        for item in items:
            item = dict(item)
            name = item.pop("name")
            if name in seen:
                raise ValueError(f"{path}: duplicate scenario name {name!r}")
            seen.add(name)
            steps = [Step.from_dict(s) for s in item.pop("steps")]
            scenarios.append(Scenario(category=cat, name=name, steps=steps, **item))
    return scenarios


def load_known_differences() -> dict[str, str]:
    """scenario id -> why the LocalAPIServer still answers differently (a ratchet: the
    replay test expects these to fail, strictly, so fixing one forces its removal). A reason
    that starts with ``flaky:`` marks a scenario our server answers inconsistently (a bug
    too, but one a strict xfail cannot hold): it may pass or fail."""
    if not KNOWN_DIFFERENCES.exists():
        return {}
    data = yaml.safe_load(KNOWN_DIFFERENCES.read_text()) or {}
    return {str(k): str(v) for k, v in data.items()}


# -- running -----------------------------------------------------------------------------------


@dataclass
class Target:
    """One server to run scenarios against: its URL, CA and how to reach it as each user."""

    url: str
    ca_pem: bytes | None
    label: str

    def client(self) -> httpx.Client:
        import ssl

        if self.ca_pem is not None:
            ctx = ssl.create_default_context(cadata=self.ca_pem.decode())
            verify: Any = ctx
        else:
            verify = True
        return httpx.Client(base_url=self.url, verify=verify, timeout=30.0)


@contextmanager
def local_target() -> Iterator[Target]:
    """A started LocalAPIServer that knows realkube's static tokens, as a Target."""
    from rawkube.testing import LocalAPIServer

    server = LocalAPIServer(token=ADMIN_TOKEN)
    # The static tokens as realkube's tokens.csv defines them (token,user,uid,groups).
    server.add_token(ADMIN_TOKEN, user="admin", groups=("system:masters",), uid="realkube-admin")
    server.add_token(ALICE_TOKEN, user="alice", groups=(), uid="realkube-alice")
    with server:
        # The real server has run for longer than etcd's compaction interval: what happened
        # before a scenario's requests is compacted and outside its watch cache (a list or
        # watch at such a version is 410). A fresh LocalAPIServer still has all its history.
        server.store.storage.compact()
        server.store.storage.mark_watch_start()
        yield Target(url=server.url, ca_pem=server.ca_pem, label="local")


def _substitute(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, str):
        for key, real in names.items():
            value = value.replace("{" + key + "}", real)
        return value
    if isinstance(value, list):
        return [_substitute(v, names) for v in value]
    if isinstance(value, dict):
        return {_substitute(k, names): _substitute(v, names) for k, v in value.items()}
    return value


_DOT = re.compile(r"(?<!\\)\.")


def split_path(path: str) -> list[str]:
    r"""A dotted path's parts; ``\.`` is a dot inside a key (``data.ca\.crt``)."""
    return [part.replace("\\.", ".") for part in _DOT.split(path)]


def _dig(obj: Any, path: str) -> Any:
    for part in split_path(path):
        if isinstance(obj, dict):
            obj = obj.get(part)
        elif isinstance(obj, list) and part.lstrip("-").isdigit():
            idx = int(part)
            obj = obj[idx] if -len(obj) <= idx < len(obj) else None
        elif isinstance(obj, list) and part == "length":
            obj = len(obj)
        else:
            return None
    return obj


def _parse_body(resp: httpx.Response, watch: bool) -> Any:
    raw = resp.content
    ctype = resp.headers.get("content-type", "")
    if watch:
        lines = []
        for line in raw.splitlines():
            if line.strip():
                try:
                    lines.append(json.loads(line))
                except ValueError:
                    lines.append({"text": line.decode("utf-8", "replace")})
        return {"events": lines}
    if not raw:
        return None
    if "json" in ctype:
        try:
            return json.loads(raw)
        except ValueError:
            pass
    try:
        return {"text": raw.decode("utf-8")}
    except UnicodeDecodeError:
        return {"hex": raw[:256].hex()}


def _request(client: httpx.Client, step: Step, names: dict[str, str]) -> httpx.Response:
    headers = {k: _substitute(v, names) for k, v in step.headers.items()}
    token = TOKENS[step.user]
    if token:
        headers["Authorization"] = f"Bearer {token}"
    lower = {k.lower() for k in headers}
    content: bytes | None = None
    if step.body_raw is not None:
        content = _substitute(step.body_raw, names).encode()
    elif step.body is not None:
        body = _substitute(step.body, names)
        for dotted, size in step.fill.items():
            *parents, leaf = dotted.split(".")
            target = body
            for part in parents:
                target = target[part]
            target[leaf] = "x" * size
        content = json.dumps(body).encode()
    if content is not None and "content-type" not in lower:
        headers["Content-Type"] = "application/json"
    if "accept" not in lower:
        headers["Accept"] = "application/json"
    query = step.query
    if isinstance(query, dict):
        params: Any = {k: _substitute(str(v), names) for k, v in query.items()}
    elif isinstance(query, str):
        params = httpx.QueryParams(_substitute(query, names))
    else:
        params = None
    path = _substitute(step.path, names)
    return client.request(step.method, path, params=params, headers=headers, content=content)


def run_scenario(
    target: Target, scenario: Scenario, suffix: str = "", wait_cap: float | None = None
) -> list[dict[str, Any]]:
    """Run one scenario; return one normalised exchange per step (request + response).

    ``wait_cap`` bounds every step's ``wait`` (the replay test shortens the waits of scenarios
    already known to differ, which would otherwise poll until their timeout)."""
    short = scenario.short() + suffix
    names = {"ns": f"diff-{short}", "name": f"d{short}"}
    exchanges: list[dict[str, Any]] = []
    with target.client() as client:
        if scenario.namespace:
            _ensure_namespace(client, names["ns"])
        try:
            for step in scenario.steps:
                resp = _run_step(client, step, names, wait_cap)
                body = _parse_body(resp, step.watch)
                for key, path in step.capture.items():
                    names[key] = _captured(body, path)
                exchanges.append(_exchange(step, resp, body, names))
        finally:
            if scenario.namespace:
                _delete_namespace(client, names["ns"])
            _cleanup_cluster_scoped(client, scenario, names)
    return exchanges


def _captured(body: Any, path: str) -> str:
    path, _, transform = path.partition("|")
    value = _dig(body, path)
    text = "" if value is None else str(value)
    if transform == "base64" and text:
        import base64

        text = base64.b64decode(text).decode()
    return text


def _run_step(
    client: httpx.Client, step: Step, names: dict[str, str], wait_cap: float | None = None
) -> httpx.Response:
    if not step.wait:
        resp = _request(client, step, names)
        for _ in range(5 if step.retry_conflict else 0):
            if resp.status_code != 409:
                break
            assert step.retry_conflict is not None
            again = _request(client, Step(path=str(step.retry_conflict["path"])), names)
            body = _parse_body(again, False)
            for key, path in (step.retry_conflict.get("capture") or {}).items():
                names[key] = _captured(body, path)
            resp = _request(client, step, names)
        return resp
    timeout = float(step.wait.get("timeout", 20))
    if wait_cap is not None:
        timeout = min(timeout, wait_cap)
    deadline = time.monotonic() + timeout
    while True:
        resp = _request(client, step, names)
        if _wait_satisfied(step.wait, resp) or time.monotonic() > deadline:
            return resp
        time.sleep(float(step.wait.get("interval", 0.25)))


def _wait_satisfied(wait: dict[str, Any], resp: httpx.Response) -> bool:
    if "status" in wait and resp.status_code != wait["status"]:
        return False
    if "path" in wait:
        try:
            body = resp.json()
        except ValueError:
            return False
        value = _dig(body, wait["path"])
        if "equals" in wait:
            return bool(value == wait["equals"])
        if "equals_not" in wait:
            return value is not None and value != wait["equals_not"]
        return value is not None
    return True


def _ensure_namespace(client: httpx.Client, ns: str) -> None:
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Accept": "application/json"}
    deadline = time.monotonic() + 60
    while True:
        resp = client.post(
            "/api/v1/namespaces",
            json={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}},
            headers=headers,
        )
        if resp.status_code == 201:
            return
        # 409: a namespace of an earlier run still terminating: wait for it to go.
        if resp.status_code != 409 or time.monotonic() > deadline:
            raise RuntimeError(f"cannot create namespace {ns}: {resp.status_code} {resp.text}")
        time.sleep(0.5)


def _delete_namespace(client: httpx.Client, ns: str) -> None:
    client.delete(
        f"/api/v1/namespaces/{ns}",
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}", "Accept": "application/json"},
    )


def _cleanup_cluster_scoped(
    client: httpx.Client, scenario: Scenario, names: dict[str, str]
) -> None:
    """DELETE every cluster-scoped object a scenario POSTed (paths without {ns})."""
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Accept": "application/json"}
    for step in scenario.steps:
        if step.method != "POST" or "{ns}" in step.path or not isinstance(step.body, dict):
            continue
        name = _dig(step.body, "metadata.name")
        if not isinstance(name, str) or "{name}" not in name and "{ns}" not in name:
            continue
        path = _substitute(step.path, names).rstrip("/")
        if path.startswith("/apis/authorization.k8s.io") or path.startswith(
            "/apis/authentication.k8s.io"
        ):
            continue
        client.delete(f"{path}/{_substitute(name, names)}", headers=headers)


def _exchange(step: Step, resp: httpx.Response, body: Any, names: dict[str, str]) -> dict[str, Any]:
    request: dict[str, Any] = {"method": step.method, "path": step.path}
    if step.query:
        request["query"] = step.query
    if step.user != "admin":
        request["user"] = step.user
    response: dict[str, Any] = {
        "status": resp.status_code,
        "content-type": resp.headers.get("content-type", "").split(";")[0].strip(),
    }
    if step.warnings:
        response["warnings"] = normalise(resp.headers.get_list("warning"), names)
    if step.compare == "full":
        response["body"] = normalise(
            mask_secrets(body, step.path), names, step.ignore, step.unordered
        )
    elif step.compare == "status" and isinstance(body, dict) and body.get("kind") == "Status":
        response["reason"] = body.get("reason")
    return {"request": request, "response": response}


# -- normalising -------------------------------------------------------------------------------

JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+")


def mask_secrets(body: Any, path: str) -> Any:
    """Never store a Secret's values or a token: mask by the resource the request addressed
    (and by kind for list items and watch events), as rawkube's recorder does. A masked value is
    a digest, so two servers' answers still compare equal exactly when the values are equal."""
    body = copy.deepcopy(body)
    secret_path = "/secrets" in path

    def visit(obj: Any, secret: bool) -> None:
        if isinstance(obj, dict):
            is_secret = secret or obj.get("kind") in ("Secret", "SecretList")
            for key in ("data", "stringData"):
                values = obj.get(key)
                if is_secret and isinstance(values, dict):
                    obj[key] = {k: _digest(v) for k, v in values.items()}
            for key, value in obj.items():
                if key in ("items", "object", "events"):
                    visit(value, is_secret)
                elif key == "token" and isinstance(value, str) and value:
                    obj[key] = "<token>"
                else:
                    visit(value, False)
        elif isinstance(obj, list):
            for item in obj:
                visit(item, secret)

    visit(body, secret_path)
    text = json.dumps(body)
    if JWT.search(text):
        body = json.loads(JWT.sub("<jwt>", text))
    return body


def _digest(value: Any) -> str:
    return "<masked:" + hashlib.sha256(json.dumps(value).encode()).hexdigest()[:10] + ">"


UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")
RV_KEYS = {"resourceVersion"}
TIME_KEYS = {
    "creationTimestamp",
    "deletionTimestamp",
    "time",
    "lastTransitionTime",
    "lastUpdateTime",
    "lastProbeTime",
    "startTime",
    "expirationTimestamp",
    "eventTime",
    "firstTimestamp",
    "lastTimestamp",
    "renewTime",
    "acquireTime",
}
IPV4 = re.compile(r"^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$")
CURRENT_RV = re.compile(
    r"((?:resource version: \d+, current: )|(?:too old resource version: \d+ \())\d+"
)
GENERATED_SUFFIX = re.compile(r"^[bcdfghjklmnpqrstvwxz2456789]{5}$")


def normalise(
    body: Any,
    names: dict[str, str],
    ignore: list[str] | None = None,
    unordered: list[str] | None = None,
) -> Any:
    """Mask what legitimately differs between two servers answering the same request.

    ``unordered`` lists are sorted: for answers built by iterating a Go map (e.g. a
    SelfSubjectRulesReview's rules come from informer caches, in a different order each time).
    """
    body = copy.deepcopy(body)
    for path in ignore or ():
        _mask_path(body, split_path(path))
    for path in unordered or ():
        _sort_path(body, split_path(path))
    body = _walk(body, None, None)
    text = json.dumps(body, sort_keys=True)
    # Longest first: the captured values (e.g. a resourceVersion) must not hide the names.
    for key, real in sorted(names.items(), key=lambda kv: -len(kv[1])):
        if key in ("ns", "name") and real:
            text = text.replace(real, "{" + key + "}")
    return json.loads(text)


_SELECT = re.compile(r"^(?P<name>[^\[]+)\[(?P<key>[^=\]]+)=(?P<value>[^\]]*)\]$")


def _mask_path(obj: Any, parts: list[str]) -> None:
    if not parts:
        return
    head, rest = parts[0], parts[1:]
    select = _SELECT.match(head)
    if select and not rest and isinstance(obj, dict):
        # name[key=value]: leave out the list items whose key has that value (e.g. the
        # managedFields entries of a controller: metadata.managedFields[manager=kcm]).
        items = obj.get(select["name"])
        if isinstance(items, list):
            obj[select["name"]] = [
                i
                for i in items
                if not (isinstance(i, dict) and str(i.get(select["key"])) == select["value"])
            ]
        return
    if isinstance(obj, list):
        if head.lstrip("-").isdigit():
            index = int(head)
            if -len(obj) <= index < len(obj):
                if rest:
                    _mask_path(obj[index], rest)
                else:
                    obj[index] = "<ignored>"
            return
        for item in obj:
            _mask_path(item, parts if head == "*" else parts)
        return
    if not isinstance(obj, dict) or head not in obj:
        return
    if rest:
        _mask_path(obj[head], rest)
    else:
        obj[head] = "<ignored>"


def _sort_path(obj: Any, parts: list[str]) -> None:
    if not isinstance(obj, dict) or parts[0] not in obj:
        return
    if len(parts) > 1:
        _sort_path(obj[parts[0]], parts[1:])
    elif isinstance(obj[parts[0]], list):
        obj[parts[0]] = sorted(obj[parts[0]], key=lambda v: json.dumps(v, sort_keys=True))


def _walk(obj: Any, key: str | None, parent: dict[str, Any] | None) -> Any:
    if isinstance(obj, dict):
        out: dict[str, Any] = {}
        for k, v in obj.items():
            out[k] = _walk(v, k, obj)
        meta = out.get("metadata")
        if isinstance(meta, dict) and isinstance(meta.get("generateName"), str):
            name = meta.get("name")
            prefix = meta["generateName"]
            if isinstance(name, str) and name.startswith(prefix):
                meta["name"] = prefix + "<generated>"
        return out
    if isinstance(obj, list):
        return [_walk(v, key, parent) for v in obj]
    if isinstance(obj, str):
        if key in RV_KEYS and obj:
            return "<rv>"
        if key == "continue" and obj:
            return "<continue>"
        if key in ("clusterIP", "clusterIPs") and IPV4.match(obj):
            return "<clusterIP>"
        if key in TIME_KEYS and TIMESTAMP.fullmatch(obj):
            return "<time>"
        if key in ("uid", "audit-id") or UUID.fullmatch(obj):
            return "<uid>" if UUID.fullmatch(obj) else obj
        obj = UUID.sub("<uid>", obj)
        obj = TIMESTAMP.sub("<time>", obj)
        # The server's current revision in resourceVersion errors (cacher.go, etcd3 store).
        obj = CURRENT_RV.sub(r"\1<rv>", obj)
        if obj.startswith("kube-api-access-"):
            return "kube-api-access-<generated>"
        return obj
    if isinstance(obj, int) and not isinstance(obj, bool) and key == "nodePort":
        return "<nodePort>"
    return obj


# -- comparing ---------------------------------------------------------------------------------


def _drop_ignored(body: Any, other: Any) -> Any:
    """A key masked as ignored on one side and absent on the other is no difference."""
    if isinstance(body, dict):
        other_dict = other if isinstance(other, dict) else {}
        return {
            k: _drop_ignored(v, other_dict.get(k))
            for k, v in body.items()
            if not (v == "<ignored>" and k not in other_dict)
        }
    if isinstance(body, list) and isinstance(other, list):
        return [_drop_ignored(v, other[i] if i < len(other) else None) for i, v in enumerate(body)]
    return body


def _order_managed_fields(body: Any) -> Any:
    """managedFields entries are sorted by operation, then time, then manager: with the times
    masked, two servers that cross a second boundary at different moments list entries of the
    same operation in different orders. Compare them by (operation, manager, ...) instead."""
    if isinstance(body, dict):
        out = {k: _order_managed_fields(v) for k, v in body.items()}
        entries = out.get("managedFields")
        if isinstance(entries, list) and all(isinstance(e, dict) for e in entries):
            out["managedFields"] = sorted(
                entries,
                key=lambda e: (
                    str(e.get("operation")),
                    str(e.get("manager")),
                    str(e.get("apiVersion")),
                    str(e.get("subresource", "")),
                    json.dumps(e, sort_keys=True),
                ),
            )
        return out
    if isinstance(body, list):
        return [_order_managed_fields(v) for v in body]
    return body


def compare(expected: list[dict[str, Any]], actual: list[dict[str, Any]]) -> list[str]:
    """Human-readable differences between two runs of a scenario (empty: they agree)."""
    problems: list[str] = []
    if len(expected) != len(actual):
        problems.append(f"{len(expected)} steps recorded, {len(actual)} run")
    for i, (exp, act) in enumerate(zip(expected, actual, strict=False)):
        er, ar = exp["response"], act["response"]
        where = f"step {i + 1} {exp['request']['method']} {exp['request']['path']}"
        if er.get("status") != ar.get("status"):
            problems.append(f"{where}: status {er.get('status')} (real) vs {ar.get('status')}")
        for key in ("content-type", "reason", "warnings"):
            if er.get(key) != ar.get(key):
                problems.append(f"{where}: {key} {er.get(key)!r} (real) vs {ar.get(key)!r}")
        ebody = _order_managed_fields(_drop_ignored(er.get("body"), ar.get("body")))
        abody = _order_managed_fields(_drop_ignored(ar.get("body"), er.get("body")))
        if "body" in er and ebody != abody:
            problems.extend(f"{where}: {d}" for d in _diff(ebody, abody, "body"))
    return problems


def _diff(a: Any, b: Any, path: str, limit: int = 12) -> list[str]:
    out: list[str] = []
    for line in _diff_iter(a, b, path):
        out.append(line)
        if len(out) >= limit:
            out.append("...")
            break
    return out


def _diff_iter(a: Any, b: Any, path: str) -> Iterator[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in a:
            if k not in b:
                yield f"{path}.{k}: real has {_short(a[k])}, ours is missing"
            else:
                yield from _diff_iter(a[k], b[k], f"{path}.{k}")
        for k in b:
            if k not in a:
                yield f"{path}.{k}: ours has {_short(b[k])}, real has none"
        return
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            yield from _diff_iter(x, y, f"{path}[{i}]")
        return
    if a != b:
        yield f"{path}: real {_short(a)} vs ours {_short(b)}"


def _short(v: Any) -> str:
    text = json.dumps(v, sort_keys=True)
    return text if len(text) <= 160 else text[:157] + "..."


# -- recordings --------------------------------------------------------------------------------


def write_recording(scenario: Scenario, exchanges: list[dict[str, Any]], server: str) -> Path:
    path = scenario.recording_path
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {
        "scenario": scenario.id,
        "note": scenario.note,
        "cite": scenario.cite,
        "recorded_from": server,
        "exchanges": exchanges,
    }
    path.write_text(json.dumps(doc, indent=1, sort_keys=False) + "\n")
    return path


def read_recording(scenario: Scenario) -> list[dict[str, Any]] | None:
    path = scenario.recording_path
    if not path.exists():
        return None
    doc = json.loads(path.read_text())
    exchanges: list[dict[str, Any]] = doc["exchanges"]
    return exchanges
