"""LocalAPIServer over HTTP(S) with plain httpx: authentication, lifecycle and API semantics.

One TLS server (controllers off, so every object changes only when a test changes it) serves the
module; lifecycle tests start their own small servers.
"""

from __future__ import annotations

import json
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from rawkube.testing.server import LocalAPIServer

DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments"


def deployment(name: str, labels: dict[str, str] | None = None, **spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels or {}},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "web", "image": "nginx:1.12"}]},
            },
        },
    }
    body["spec"].update(spec)
    return body


def _verify(server: LocalAPIServer) -> ssl.SSLContext:
    assert server.ca_pem is not None
    return ssl.create_default_context(cadata=server.ca_pem.decode())


@pytest.fixture(scope="module")
def server() -> Iterator[LocalAPIServer]:
    with LocalAPIServer(controllers=False, history_limit=50, bookmark_interval=0.3) as srv:
        yield srv


@pytest.fixture(scope="module")
def client(server: LocalAPIServer) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=server.url,
        verify=_verify(server),
        headers={"Authorization": f"Bearer {server.token}"},
        timeout=20,
    ) as c:
        yield c


# -- authentication and configuration ---------------------------------------------------------


def test_client_certificate_authenticates(server: LocalAPIServer) -> None:
    cfg = server.config(user="cert")
    assert cfg.cert_data and cfg.key_data and cfg.bearer_token is None
    ctx = _verify(server)
    tmp = Path(__import__("tempfile").mkdtemp())
    (tmp / "c.pem").write_bytes(cfg.cert_data)
    (tmp / "k.pem").write_bytes(cfg.key_data)
    ctx.load_cert_chain(str(tmp / "c.pem"), str(tmp / "k.pem"))
    with httpx.Client(base_url=server.url, verify=ctx) as c:
        assert c.get("/api/v1/namespaces/default").status_code == 200


def test_foreign_client_certificate_and_wrong_token_are_401(server: LocalAPIServer) -> None:
    from rawkube.testing.server.certs import make_pki

    stranger = make_pki().issue_client("mallory")
    tmp = Path(__import__("tempfile").mkdtemp())
    (tmp / "c.pem").write_bytes(stranger.cert_pem)
    (tmp / "k.pem").write_bytes(stranger.key_pem)
    ctx = _verify(server)
    ctx.load_cert_chain(str(tmp / "c.pem"), str(tmp / "k.pem"))
    with httpx.Client(base_url=server.url, verify=ctx) as c:
        # The TLS layer refuses a certificate from another CA, or the API answers 401.
        try:
            status = c.get("/version").status_code
        except httpx.HTTPError:
            status = 401
        assert status == 401
    with httpx.Client(base_url=server.url, verify=_verify(server)) as c:
        wrong = c.get("/version", headers={"Authorization": "Bearer wrong"})
        # No credentials at all: the anonymous user (kube-apiserver --anonymous-auth=true),
        # who may read /version but not the API (as the real server answers).
        anonymous = c.get("/version")
        anonymous_api = c.get("/api/v1/namespaces")
    assert wrong.status_code == 401
    assert wrong.json() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "Unauthorized",
        "reason": "Unauthorized",
        "code": 401,
    }
    assert anonymous.status_code == 200
    assert anonymous_api.status_code == 403
    assert anonymous_api.json()["message"] == (
        'namespaces is forbidden: User "system:anonymous" cannot list resource "namespaces" '
        'in API group "" at the cluster scope'
    )


def test_secrets_stay_out_of_reprs(server: LocalAPIServer) -> None:
    cfg = server.config(user="token")
    assert server.token not in repr(cfg) and server.token not in repr(server)
    assert "PRIVATE KEY" not in repr(server._pki) and "PRIVATE KEY" not in repr(server._client)


def test_kubeconfig_is_accepted_by_rawkube(server: LocalAPIServer, tmp_path: Path) -> None:
    from rawkube.config.kubeconfig import load_config
    from rawkube.transport import build_client

    for user in ("cert", "token"):
        path = server.write_kubeconfig(str(tmp_path / f"kc-{user}"), user=user)
        assert (Path(path).stat().st_mode & 0o777) == 0o600
        doc = yaml.safe_load(Path(path).read_text())
        assert doc["current-context"] == "rawkube-local"
        cfg = load_config(kubeconfig=path)
        assert cfg.host == server.url
        with build_client(cfg) as c:
            assert c.get("/api/v1/namespaces").status_code == 200


def test_plain_http_server_with_token() -> None:
    with LocalAPIServer(tls=False, controllers=False, token="s3cret") as srv:
        assert srv.url.startswith("http://")
        assert srv.config().bearer_token == "s3cret"
        with httpx.Client(base_url=srv.url) as c:
            assert c.get("/api").status_code == 403  # anonymous
            assert c.get("/version", headers={"Authorization": "Bearer x"}).status_code == 401
            ok = c.get("/version", headers={"Authorization": "Bearer s3cret"})
            assert ok.status_code == 200 and ok.json()["gitVersion"] == "v1.36.2"


def test_many_servers_run_at_once_and_stop_without_leaking_threads() -> None:
    before = set(threading.enumerate())
    servers = [LocalAPIServer(controllers=True) for _ in range(3)]
    for s in servers:
        s.start()
    assert len({s.port for s in servers}) == 3
    watchers = []
    for s in servers:
        c = httpx.Client(
            base_url=s.url, verify=_verify(s), headers={"Authorization": f"Bearer {s.token}"}
        )
        assert c.get("/api/v1/namespaces").status_code == 200
        # A watch left open must not keep stop() waiting.
        t = threading.Thread(target=lambda c=c: _swallow(lambda: c.get(DEPLOYMENTS + "?watch=1")))
        t.start()
        watchers.append((c, t))
    time.sleep(0.3)
    started = time.monotonic()
    for s in servers:
        s.stop()
    assert time.monotonic() - started < 5
    for c, t in watchers:
        t.join(5)
        c.close()
        assert not t.is_alive()
    leaked = [t for t in set(threading.enumerate()) - before if t.is_alive()]
    assert leaked == []


def _client(srv: LocalAPIServer) -> httpx.Client:
    return httpx.Client(
        base_url=srv.url, verify=_verify(srv), headers={"Authorization": f"Bearer {srv.token}"}
    )


def _swallow(fn: Any) -> None:
    try:
        fn()
    except httpx.HTTPError:
        pass


def test_data_dir_persists_across_restarts(tmp_path: Path) -> None:
    with (
        LocalAPIServer(data_dir=str(tmp_path), controllers=False, token="t") as srv,
        _client(srv) as c,
    ):
        created = c.post(DEPLOYMENTS, json=deployment("kept")).json()
    assert (tmp_path / "state.json").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    with (
        LocalAPIServer(data_dir=str(tmp_path), controllers=False, token="t") as srv,
        _client(srv) as c,
    ):
        again = c.get(DEPLOYMENTS + "/kept").json()
        assert again["metadata"]["uid"] == created["metadata"]["uid"]
        newer = c.post(DEPLOYMENTS, json=deployment("next")).json()
        assert int(newer["metadata"]["resourceVersion"]) > int(
            created["metadata"]["resourceVersion"]
        )


# -- API semantics ----------------------------------------------------------------------------


def test_create_sets_metadata_and_generation_follows_spec(client: httpx.Client) -> None:
    created = client.post(DEPLOYMENTS, json=deployment("gen"))
    assert created.status_code == 201
    meta = created.json()["metadata"]
    assert list(meta)[:6] == [
        "name",
        "namespace",
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
    ]
    obj = created.json()
    obj["metadata"]["labels"] = {"x": "y"}
    relabelled = client.put(f"{DEPLOYMENTS}/gen", json=obj).json()
    assert relabelled["metadata"]["generation"] == 1
    relabelled["spec"]["replicas"] = 3
    scaled = client.put(f"{DEPLOYMENTS}/gen", json=relabelled).json()
    assert scaled["metadata"]["generation"] == 2
    stale = client.put(f"{DEPLOYMENTS}/gen", json=relabelled)
    assert stale.status_code == 409
    assert stale.json()["message"] == (
        'Operation cannot be fulfilled on deployments.apps "gen": the object has been modified; '
        "please apply your changes to the latest version and try again"
    )


def test_generate_name(client: httpx.Client) -> None:
    body = deployment("")
    body["metadata"] = {"generateName": "gen-"}
    created = client.post(DEPLOYMENTS, json=body).json()
    assert created["metadata"]["name"].startswith("gen-")
    assert created["metadata"]["generateName"] == "gen-"


def test_invalid_objects_get_422_with_causes(client: httpx.Client) -> None:
    bad = deployment("Bad_Name")
    resp = client.post(DEPLOYMENTS, json=bad)
    assert resp.status_code == 422
    status = resp.json()
    assert status["reason"] == "Invalid"
    assert status["details"]["causes"][0]["field"] == "metadata.name"
    mismatch = deployment("mismatch")
    mismatch["spec"]["selector"] = {"matchLabels": {"app": "other"}}
    resp = client.post(DEPLOYMENTS, json=mismatch)
    assert resp.status_code == 422
    assert resp.json()["message"] == (
        'Deployment.apps "mismatch" is invalid: spec.template.metadata.labels: Invalid value: '
        '{"app":"mismatch"}: `selector` does not match template `labels`'
    )


def test_field_validation_strict_and_warn(client: httpx.Client) -> None:
    body = deployment("fv")
    body["spec"]["bogus"] = 1
    strict = client.post(DEPLOYMENTS + "?fieldValidation=Strict", json=body)
    assert strict.status_code == 400
    assert strict.json()["message"].endswith('strict decoding error: unknown field "spec.bogus"')
    warn = client.post(DEPLOYMENTS, json=body)
    assert warn.status_code == 201
    assert warn.headers["warning"] == '299 - "unknown field \\"spec.bogus\\""'
    assert "bogus" not in warn.json()["spec"]


def test_dry_run_stores_nothing(client: httpx.Client) -> None:
    resp = client.post(DEPLOYMENTS + "?dryRun=All", json=deployment("dry"))
    assert resp.status_code == 201 and resp.json()["metadata"]["uid"]
    assert client.get(f"{DEPLOYMENTS}/dry").status_code == 404


def test_list_selectors_and_pages(client: httpx.Client) -> None:
    for i in range(5):
        client.post(DEPLOYMENTS, json=deployment(f"page-{i}", {"tier": "paged", "idx": str(i % 2)}))
    equality = client.get(DEPLOYMENTS, params={"labelSelector": "tier=paged,idx!=0"}).json()
    assert [d["metadata"]["name"] for d in equality["items"]] == ["page-1", "page-3"]
    set_based = client.get(DEPLOYMENTS, params={"labelSelector": "idx in (0),tier"}).json()
    assert [d["metadata"]["name"] for d in set_based["items"]] == ["page-0", "page-2", "page-4"]
    by_field = client.get(DEPLOYMENTS, params={"fieldSelector": "metadata.name=page-2"}).json()
    assert [d["metadata"]["name"] for d in by_field["items"]] == ["page-2"]
    names = []
    params: dict[str, Any] = {"labelSelector": "tier=paged", "limit": 2}
    for _ in range(5):  # bounded pager
        page = client.get(DEPLOYMENTS, params=params).json()
        names += [d["metadata"]["name"] for d in page["items"]]
        token = page["metadata"].get("continue")
        if not token:
            break
        # With a selector there is no remainingItemCount (etcd counts every key, not only the
        # selected ones): fixtures/differential/lists/remaining-item-count-rules.json
        assert "remainingItemCount" not in page["metadata"]
        params["continue"] = token
    assert names == [f"page-{i}" for i in range(5)]
    everywhere = client.get("/apis/apps/v1/deployments").json()
    assert "kind" not in everywhere["items"][0]


def test_strategic_merge_patch_merges_containers_by_name(client: httpx.Client) -> None:
    body = deployment("smp")
    body["spec"]["template"]["spec"]["containers"].append({"name": "sidecar", "image": "busybox:1"})
    client.post(DEPLOYMENTS, json=body)
    patch = {
        "spec": {"template": {"spec": {"containers": [{"name": "web", "image": "nginx:1.14"}]}}}
    }
    resp = client.patch(
        f"{DEPLOYMENTS}/smp",
        content=json.dumps(patch),
        headers={"Content-Type": "application/strategic-merge-patch+json"},
    )
    containers = resp.json()["spec"]["template"]["spec"]["containers"]
    assert [(c["name"], c["image"]) for c in containers] == [
        ("web", "nginx:1.14"),
        ("sidecar", "busybox:1"),
    ]
    merge = client.patch(
        f"{DEPLOYMENTS}/smp",
        content=json.dumps(patch),
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert [c["name"] for c in merge.json()["spec"]["template"]["spec"]["containers"]] == ["web"]
    jp = client.patch(
        f"{DEPLOYMENTS}/smp",
        content=json.dumps([{"op": "replace", "path": "/spec/replicas", "value": 4}]),
        headers={"Content-Type": "application/json-patch+json"},
    )
    assert jp.json()["spec"]["replicas"] == 4


def test_server_side_apply_conflict_and_force(client: httpx.Client) -> None:
    headers = {"Content-Type": "application/apply-patch+yaml"}
    body = deployment("ssa")
    first = client.patch(
        f"{DEPLOYMENTS}/ssa?fieldManager=alpha", content=json.dumps(body), headers=headers
    )
    assert first.status_code == 201
    body["spec"]["replicas"] = 5
    clash = client.patch(
        f"{DEPLOYMENTS}/ssa?fieldManager=beta", content=json.dumps(body), headers=headers
    )
    assert clash.status_code == 409
    # ".metadata.labels" conflicts too: "labels: {}" is applied but not stored (recording 029).
    assert {
        "reason": "FieldManagerConflict",
        "message": 'conflict with "alpha"',
        "field": ".spec.replicas",
    } in clash.json()["details"]["causes"]
    forced = client.patch(
        f"{DEPLOYMENTS}/ssa?fieldManager=beta&force=true", content=json.dumps(body), headers=headers
    )
    assert forced.status_code == 200 and forced.json()["spec"]["replicas"] == 5
    owners = {m["manager"]: m for m in forced.json()["metadata"]["managedFields"]}
    assert "f:replicas" in owners["beta"]["fieldsV1"]["f:spec"]
    assert "f:replicas" not in owners["alpha"]["fieldsV1"]["f:spec"]


def test_scale_subresource(client: httpx.Client) -> None:
    client.post(DEPLOYMENTS, json=deployment("scaled", replicas=2))
    scale = client.get(f"{DEPLOYMENTS}/scaled/scale").json()
    assert scale["kind"] == "Scale" and scale["spec"]["replicas"] == 2
    assert scale["status"]["selector"] == "app=scaled"
    patched = client.patch(
        f"{DEPLOYMENTS}/scaled/scale",
        content=json.dumps({"spec": {"replicas": 5}}),
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert patched.json()["spec"]["replicas"] == 5
    assert client.get(f"{DEPLOYMENTS}/scaled").json()["spec"]["replicas"] == 5


def test_status_subresource_only_changes_status(client: httpx.Client) -> None:
    obj = client.post(DEPLOYMENTS, json=deployment("stat")).json()
    obj["status"] = {"replicas": 7}
    obj["spec"]["replicas"] = 9
    updated = client.put(f"{DEPLOYMENTS}/stat/status", json=obj).json()
    assert updated["status"] == {"replicas": 7} and updated["spec"]["replicas"] == 1
    obj = updated
    obj["status"] = {"replicas": 1}
    main = client.put(f"{DEPLOYMENTS}/stat", json=obj).json()
    assert main["status"] == {"replicas": 7}


def test_delete_response_shapes_by_propagation_policy(client: httpx.Client) -> None:
    for name in ("del-fg", "del-bg", "del-orphan"):
        client.post(DEPLOYMENTS, json=deployment(name))
    fg = client.request(
        "DELETE", f"{DEPLOYMENTS}/del-fg", json={"propagationPolicy": "Foreground"}
    ).json()
    assert fg["kind"] == "Deployment" and fg["metadata"]["finalizers"] == ["foregroundDeletion"]
    assert fg["metadata"]["deletionTimestamp"] and fg["metadata"]["deletionGracePeriodSeconds"] == 0
    bg = client.request(
        "DELETE", f"{DEPLOYMENTS}/del-bg", json={"propagationPolicy": "Background"}
    ).json()
    assert bg["kind"] == "Status" and bg["status"] == "Success"
    assert sorted(bg["details"]) == ["group", "kind", "name", "uid"]
    orphan = client.delete(
        f"{DEPLOYMENTS}/del-orphan", params={"propagationPolicy": "Orphan"}
    ).json()
    assert orphan["metadata"]["finalizers"] == ["orphan"]
    precondition = client.request(
        "DELETE", f"{DEPLOYMENTS}/page-0", json={"preconditions": {"uid": "nope"}}
    )
    assert precondition.status_code == 409
    assert "the UID in the precondition (nope) does not match" in precondition.json()["message"]


def test_delete_collection_returns_the_deleted_list(client: httpx.Client) -> None:
    for i in range(3):
        client.post(DEPLOYMENTS, json=deployment(f"coll-{i}", {"batch": "gone"}))
    resp = client.delete(DEPLOYMENTS, params={"labelSelector": "batch=gone"}).json()
    assert resp["kind"] == "DeploymentList" and len(resp["items"]) == 3
    assert client.get(DEPLOYMENTS, params={"labelSelector": "batch=gone"}).json()["items"] == []


def test_table_output(client: httpx.Client) -> None:
    accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
    table = client.get(DEPLOYMENTS, headers={"Accept": accept}).json()
    assert table["kind"] == "Table"
    assert [c["name"] for c in table["columnDefinitions"]][:5] == [
        "Name",
        "Ready",
        "Up-to-date",
        "Available",
        "Age",
    ]
    assert table["rows"][0]["object"]["kind"] == "PartialObjectMetadata"


def test_namespaced_create_in_missing_namespace_is_404(client: httpx.Client) -> None:
    resp = client.post("/api/v1/namespaces/nowhere/configmaps", json={"metadata": {"name": "c"}})
    assert resp.status_code == 404 and resp.json()["message"] == 'namespaces "nowhere" not found'


# -- watch ------------------------------------------------------------------------------------


def _watch_lines(
    client: httpx.Client, path: str, params: dict[str, Any], during: Any = None
) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []
    worker = threading.Thread(target=during) if during else None
    with client.stream("GET", path, params={"watch": "1", **params}) as resp:
        assert resp.status_code == 200
        if worker:
            worker.start()
        for line in resp.iter_lines():
            if line.strip():
                lines.append(json.loads(line))
    if worker:
        worker.join(10)
    return lines


def test_watch_from_resource_version_with_selector_and_bookmarks(
    client: httpx.Client, server: LocalAPIServer
) -> None:
    start = client.get(DEPLOYMENTS).json()["metadata"]["resourceVersion"]

    def changes() -> None:
        time.sleep(0.2)
        client.post(DEPLOYMENTS, json=deployment("w-in", {"watch": "yes"}))
        client.post(DEPLOYMENTS, json=deployment("w-out", {"watch": "no"}))
        obj = client.get(f"{DEPLOYMENTS}/w-in").json()
        obj["metadata"]["labels"]["watch"] = "no"  # leaves the selection: DELETED for this watch
        client.put(f"{DEPLOYMENTS}/w-in", json=obj)

    lines = _watch_lines(
        client,
        DEPLOYMENTS,
        {
            "resourceVersion": start,
            "labelSelector": "watch=yes",
            "allowWatchBookmarks": "true",
            # Bookmarks come every bookmark interval and last 2 s before the timeout
            # (cache_watcher.go nextBookmarkTime): none at all with timeoutSeconds <= 2.
            "timeoutSeconds": "5",
        },
        changes,
    )
    events = [(ev["type"], ev["object"]["metadata"].get("name")) for ev in lines]
    changes_seen = [e for e in events if e[0] != "BOOKMARK"]
    assert changes_seen == [("ADDED", "w-in"), ("DELETED", "w-in")]
    assert events[-1][0] == "BOOKMARK"
    assert set(lines[-1]["object"]["metadata"]) == {"resourceVersion"}


def test_watch_without_resource_version_starts_with_current_state(client: httpx.Client) -> None:
    client.post(DEPLOYMENTS, json=deployment("w-now", {"now": "1"}))
    lines = _watch_lines(client, DEPLOYMENTS, {"labelSelector": "now=1", "timeoutSeconds": "1"})
    assert [(ev["type"], ev["object"]["metadata"]["name"]) for ev in lines] == [("ADDED", "w-now")]


def test_watch_from_compacted_version_is_410_error_event(client: httpx.Client) -> None:
    for i in range(60):  # the module server keeps 50 events of history
        client.post(
            "/api/v1/namespaces/default/configmaps", json={"metadata": {"name": f"churn-{i}"}}
        )
    lines = _watch_lines(client, DEPLOYMENTS, {"resourceVersion": "1", "timeoutSeconds": "1"})
    assert len(lines) == 1 and lines[0]["type"] == "ERROR"
    status = lines[0]["object"]
    assert (status["reason"], status["code"]) == ("Expired", 410)
    assert status["message"].startswith("too old resource version: 1 (")


def test_watch_send_initial_events_answers_like_the_recorded_server(client: httpx.Client) -> None:
    # As recorded (040): a watch-list request is sendInitialEvents with bookmarks.
    params = {
        "sendInitialEvents": "true",
        "resourceVersionMatch": "NotOlderThan",
        "allowWatchBookmarks": "true",
        "timeoutSeconds": "2",
    }
    lines = _watch_lines(client, DEPLOYMENTS, params)
    assert lines[0]["type"] == "ERROR" and lines[0]["object"]["code"] == 500


# -- concurrency ------------------------------------------------------------------------------


def test_no_lost_update_with_20_concurrent_http_writers(server: LocalAPIServer) -> None:
    with httpx.Client(
        base_url=server.url,
        verify=_verify(server),
        headers={"Authorization": f"Bearer {server.token}"},
        timeout=20,
    ) as c:
        c.post(DEPLOYMENTS, json=deployment("counter"))
    errors: list[str] = []

    def bump() -> None:
        with httpx.Client(
            base_url=server.url,
            verify=_verify(server),
            headers={"Authorization": f"Bearer {server.token}"},
            timeout=20,
        ) as c:
            for _ in range(100):  # bounded retry-on-conflict loop
                obj = c.get(f"{DEPLOYMENTS}/counter").json()
                annotations = obj["metadata"].setdefault("annotations", {})
                annotations["count"] = str(int(annotations.get("count", "0")) + 1)
                resp = c.put(f"{DEPLOYMENTS}/counter", json=obj)
                if resp.status_code == 200:
                    return
                if resp.status_code != 409:
                    errors.append(resp.text)
                    return
            errors.append("gave up")

    threads = [threading.Thread(target=bump) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    with httpx.Client(
        base_url=server.url,
        verify=_verify(server),
        headers={"Authorization": f"Bearer {server.token}"},
    ) as c:
        final = c.get(f"{DEPLOYMENTS}/counter").json()
    assert final["metadata"]["annotations"]["count"] == "20"


# -- authorization (RBAC) ---------------------------------------------------------------------


def test_rbac_forbids_until_a_role_is_bound(server: LocalAPIServer, client: httpx.Client) -> None:
    server.add_token("bob-token", "bob", ("dev",))
    with httpx.Client(
        base_url=server.url, verify=_verify(server), headers={"Authorization": "Bearer bob-token"}
    ) as bob:
        assert bob.get("/apis").status_code == 200  # discovery is open to every user
        denied = bob.get(DEPLOYMENTS)
        assert denied.status_code == 403
        assert denied.json()["message"] == (
            'deployments.apps is forbidden: User "bob" cannot list resource "deployments" in API '
            'group "apps" in the namespace "default"'
        )
        assert denied.json()["details"] == {"group": "apps", "kind": "deployments"}
        whoami = bob.post(
            "/apis/authentication.k8s.io/v1/selfsubjectreviews",
            json={"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"},
        )
        assert whoami.status_code == 201
        assert whoami.json()["status"]["userInfo"] == {
            "username": "bob",
            "groups": ["dev", "system:authenticated"],
        }

        rbac = "/apis/rbac.authorization.k8s.io/v1/namespaces/default"
        client.post(
            f"{rbac}/roles",
            json={
                "metadata": {"name": "deploy-reader"},
                "rules": [
                    {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "list"]}
                ],
            },
        )
        client.post(
            f"{rbac}/rolebindings",
            json={
                "metadata": {"name": "dev-reads"},
                "subjects": [
                    {"kind": "Group", "name": "dev", "apiGroup": "rbac.authorization.k8s.io"}
                ],
                "roleRef": {
                    "kind": "Role",
                    "name": "deploy-reader",
                    "apiGroup": "rbac.authorization.k8s.io",
                },
            },
        )
        assert bob.get(DEPLOYMENTS).status_code == 200
        assert bob.get("/apis/apps/v1/namespaces/kube-system/deployments").status_code == 403
        assert bob.post(DEPLOYMENTS, json=deployment("bobs")).status_code == 403

        def can_i(verb: str, namespace: str) -> bool:
            review = {
                "apiVersion": "authorization.k8s.io/v1",
                "kind": "SelfSubjectAccessReview",
                "spec": {
                    "resourceAttributes": {
                        "verb": verb,
                        "group": "apps",
                        "resource": "deployments",
                        "namespace": namespace,
                    }
                },
            }
            resp = bob.post("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", json=review)
            assert resp.status_code == 201
            return bool(resp.json()["status"]["allowed"])

        assert (
            can_i("list", "default")
            and not can_i("delete", "default")
            and not can_i("list", "kube-system")
        )


def test_unserved_subresources_and_unknown_paths(client: httpx.Client) -> None:
    client.post(
        "/api/v1/namespaces/default/pods",
        json={
            "metadata": {"name": "lonely"},
            "spec": {"containers": [{"name": "c", "image": "busybox:1"}]},
        },
    )
    proxy_resp = client.get("/api/v1/namespaces/default/pods/lonely/proxy")
    assert proxy_resp.status_code == 405 and proxy_resp.json()["reason"] == "MethodNotAllowed"
    # exec is served (server/streams.py); without an upgrade it is refused as kube-apiserver
    # refuses it (fixtures/streams/real-apiserver-errors.json "exec-plain-get")
    exec_resp = client.get("/api/v1/namespaces/default/pods/lonely/exec")
    assert exec_resp.status_code == 400 and exec_resp.json()["reason"] == "BadRequest"
    missing = client.get("/apis/nothing.example/v1/things")
    assert missing.status_code == 404 and missing.json()["reason"] == "NotFound"
    # A pod not bound to a node has no log yet: 204, as the real server answered (recording 058).
    assert client.get("/api/v1/namespaces/default/pods/lonely/log").status_code == 204


def test_dry_run_on_patch_update_and_delete_changes_nothing(client: httpx.Client) -> None:
    created = client.post(DEPLOYMENTS, json=deployment("dry-all")).json()
    patch = json.dumps({"spec": {"replicas": 7}})
    dry_patch = client.patch(
        f"{DEPLOYMENTS}/dry-all?dryRun=All",
        content=patch,
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert dry_patch.status_code == 200 and dry_patch.json()["spec"]["replicas"] == 7
    dry_delete = client.delete(f"{DEPLOYMENTS}/dry-all", params={"dryRun": "All"})
    assert dry_delete.status_code == 200
    after = client.get(f"{DEPLOYMENTS}/dry-all").json()
    assert after["spec"]["replicas"] == 1
    assert after["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]
    bad = client.post(DEPLOYMENTS + "?dryRun=Some", json=deployment("dry-bad"))
    assert bad.status_code == 400
