"""RBAC in the LocalAPIServer: the bootstrap policy recorded from the real kube-apiserver 1.36,
the evaluator (plugin/pkg/auth/authorizer/rbac), escalation checks and aggregation.

Ground truth: fixtures/auth/bootstrap-rbac.json (scripts/record_bootstrap_rbac.py, from the
real server with its controller-manager) and the rbac/authn/reviews differential scenarios.
"""

from __future__ import annotations

import copy
import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from rawkube.testing import load_fixture
from rawkube.testing.server import rbac
from rawkube.testing.server.auth import Attributes, UserInfo
from rawkube.testing.server.auth_controllers import ClusterRoleAggregationController, _selects
from rawkube.testing.server.bootstrap import DATA, bootstrap_objects, ensure_bootstrap_policy
from rawkube.testing.server.errors import ResourceKey
from rawkube.testing.server.store import Store

ROOT = Path(__file__).resolve().parents[3]
RECORDING = ROOT / "fixtures" / "auth" / "bootstrap-rbac.json"
RESOURCES = ("clusterroles", "clusterrolebindings", "roles", "rolebindings")


def _recording() -> dict[str, list[dict[str, Any]]]:
    """resource -> the items the real server listed (the fixture's four GET exchanges)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for exchange in load_fixture(RECORDING):
        assert exchange.request.query == "labelSelector=kubernetes.io/bootstrapping=rbac-defaults"
        assert exchange.response.status == 200
        out[exchange.request.path.rsplit("/", 1)[1]] = exchange.response.body["items"]
    return out


def _comparable(obj: dict[str, Any]) -> dict[str, Any]:
    obj = copy.deepcopy(obj)
    obj.pop("kind", None)
    obj.pop("apiVersion", None)
    meta = obj["metadata"]
    for key in ("uid", "resourceVersion", "creationTimestamp"):
        meta.pop(key, None)
    for entry in meta.get("managedFields") or []:
        entry.pop("time", None)
    return obj


def _key(obj: dict[str, Any]) -> tuple[str, str]:
    return (obj["metadata"].get("namespace", ""), obj["metadata"]["name"])


# -- the bootstrap data ------------------------------------------------------------------------


def test_packaged_bootstrap_data_equals_the_real_servers_recording() -> None:
    """data/bootstrap-rbac.json.gz holds exactly the recorded objects (record_bootstrap_rbac.py)."""
    recording = _recording()
    packaged = json.loads(gzip.decompress(Path(DATA).read_bytes()))
    for resource in RESOURCES:
        recorded = sorted(recording[resource], key=_key)
        assert packaged[resource] == recorded, resource
    counts = {r: len(recording[r]) for r in RESOURCES}
    assert counts == {"clusterroles": 69, "clusterrolebindings": 50, "roles": 7, "rolebindings": 7}


def test_a_fresh_store_gets_every_bootstrap_object_once() -> None:
    store = Store()
    assert ensure_bootstrap_policy(store) == 69 + 50 + 7 + 7
    assert ensure_bootstrap_policy(store) == 0  # idempotent, as the post-start hook
    recording = _recording()
    for resource in RESOURCES:
        items, _ = store.list(ResourceKey(rbac.RBAC_GROUP, resource))
        served = sorted((_comparable(o) for o in items), key=_key)
        assert served == sorted(recording[resource], key=_key), resource


def test_aggregating_the_recorded_roles_gives_the_recorded_aggregated_rules() -> None:
    """The clusterrole-aggregation controller's algorithm (sorted by name, first occurrence of
    each rule kept) reproduces admin, edit and view exactly as the real controller wrote them."""
    roles = [o for k, o in bootstrap_objects() if k.resource == "clusterroles"]
    aggregated = {}
    for role in roles:
        rules = rbac.aggregated_rules(role, roles, _selects)
        if rules is not None:
            aggregated[role["metadata"]["name"]] = rules
            assert rules == role["rules"], role["metadata"]["name"]
    assert sorted(aggregated) == ["admin", "edit", "view"]
    assert len(aggregated["view"]) == 12


def test_a_role_labelled_aggregate_to_view_flows_into_view_edit_and_admin() -> None:
    store = Store()
    ensure_bootstrap_policy(store)
    controller = ClusterRoleAggregationController(store)
    assert controller.tick() == 0  # the recorded rules are already the aggregation
    widget_rule = {"verbs": ["get", "list"], "apiGroups": ["example.org"], "resources": ["widgets"]}
    store.create(
        ResourceKey(rbac.RBAC_GROUP, "clusterroles"),
        {
            "kind": "ClusterRole",
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "metadata": {
                "name": "widget-viewer",
                "labels": {"rbac.authorization.k8s.io/aggregate-to-view": "true"},
            },
            "rules": [widget_rule],
        },
    )
    writes = 0
    for _ in range(5):  # view first, then edit (aggregates view), then admin (aggregates edit)
        step = controller.tick()
        writes += step
        if step == 0:
            break
    assert writes == 3
    for name in ("view", "edit", "admin"):
        role = store.get(ResourceKey(rbac.RBAC_GROUP, "clusterroles"), "", name)
        assert role is not None and widget_rule in role["rules"], name
        managers = [m["manager"] for m in role["metadata"]["managedFields"]]
        assert managers[0] == "clusterrole-aggregation-controller"
    # alice, bound to view in a namespace, may now list widgets there.
    alice = UserInfo("alice")
    policy = _store_policy(store)
    attrs = Attributes(verb="list", group="example.org", resource="widgets", namespace="ns1")
    assert rbac.authorize(policy, alice, attrs, "ns1") == (False, "")
    store.create(
        ResourceKey(rbac.RBAC_GROUP, "rolebindings"),
        {
            "metadata": {"name": "alice-view", "namespace": "ns1"},
            "roleRef": {"apiGroup": rbac.RBAC_GROUP, "kind": "ClusterRole", "name": "view"},
            "subjects": [{"apiGroup": rbac.RBAC_GROUP, "kind": "User", "name": "alice"}],
        },
    )
    assert rbac.authorize(policy, alice, attrs, "ns1") == (
        True,
        'RBAC: allowed by RoleBinding "alice-view/ns1" of ClusterRole "view" to User "alice"',
    )


def _store_policy(store: Store) -> rbac.PolicySource:
    from rawkube.testing.server.auth import StorePolicy

    return StorePolicy(store)


# -- the evaluator -----------------------------------------------------------------------------


def _policy() -> rbac.StaticPolicy:
    return rbac.StaticPolicy(
        roles=[
            {
                "metadata": {"name": "pod-reader", "namespace": "ns1"},
                "rules": [{"verbs": ["get", "list"], "apiGroups": [""], "resources": ["pods"]}],
            }
        ],
        role_bindings_=[
            {
                "metadata": {"name": "rb", "namespace": "ns1"},
                "roleRef": {"kind": "Role", "name": "pod-reader"},
                "subjects": [{"kind": "ServiceAccount", "name": "sa"}],
            },
            {
                "metadata": {"name": "missing", "namespace": "ns1"},
                "roleRef": {"kind": "Role", "name": "nope"},
                "subjects": [{"kind": "Group", "name": "devs"}],
            },
        ],
        cluster_roles=[
            {
                "metadata": {"name": "scaler"},
                "rules": [
                    {"verbs": ["update"], "apiGroups": ["apps"], "resources": ["*/scale"]},
                    {"verbs": ["get"], "nonResourceURLs": ["/healthz/*"]},
                ],
            }
        ],
        cluster_role_bindings_=[
            {
                "metadata": {"name": "crb"},
                "roleRef": {"kind": "ClusterRole", "name": "scaler"},
                "subjects": [{"kind": "User", "name": "bob"}],
            }
        ],
    )


def test_rules_match_subresources_wildcards_and_url_prefixes() -> None:
    policy = _policy()
    bob = UserInfo("bob")
    scale = Attributes(verb="update", group="apps", resource="deployments", subresource="scale")
    assert rbac.authorize(policy, bob, scale, "")[0]
    assert not rbac.authorize(
        policy, bob, Attributes(verb="update", group="apps", resource="deployments"), ""
    )[0]
    health = Attributes(verb="get", path="/healthz/etcd", resource_request=False)
    assert rbac.authorize(policy, bob, health, "")[0]
    other = Attributes(verb="get", path="/healthzz", resource_request=False)
    assert not rbac.authorize(policy, bob, other, "")[0]


def test_service_account_subjects_default_to_the_bindings_namespace() -> None:
    policy = _policy()
    sa = UserInfo("system:serviceaccount:ns1:sa", ("system:serviceaccounts",))
    attrs = Attributes(verb="list", resource="pods", namespace="ns1")
    assert rbac.authorize(policy, sa, attrs, "ns1") == (
        True,
        'RBAC: allowed by RoleBinding "rb/ns1" of Role "pod-reader" to ServiceAccount "sa/ns1"',
    )
    other = UserInfo("system:serviceaccount:ns2:sa")
    assert not rbac.authorize(policy, other, attrs, "ns1")[0]


def test_a_binding_to_a_missing_role_is_a_reason_not_a_grant() -> None:
    dev = UserInfo("carol", ("devs",))
    allowed, reason = rbac.authorize(
        _policy(), dev, Attributes(verb="get", resource="pods", namespace="ns1"), "ns1"
    )
    assert not allowed
    assert reason == 'RBAC: role.rbac.authorization.k8s.io "nope" not found'


def test_escalation_message_lists_the_missing_rules_compacted_and_sorted() -> None:
    bob = UserInfo("bob")
    wanted = [
        {"verbs": ["get", "list"], "apiGroups": [""], "resources": ["secrets", "pods"]},
        {"verbs": ["update"], "apiGroups": ["apps"], "resources": ["deployments/scale"]},
        {"verbs": ["get"], "nonResourceURLs": ["/healthz/ready", "/metrics"]},
    ]
    msg = rbac.escalation_message(_policy(), bob, "", wanted)
    assert msg == (
        'user "bob" (groups=["system:authenticated"]) is attempting to grant RBAC permissions '
        "not currently held:\n"
        '{APIGroups:[""], Resources:["pods"], Verbs:["get" "list"]}\n'
        '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "list"]}\n'
        '{NonResourceURLs:["/metrics"], Verbs:["get"]}'
    )
    assert rbac.escalation_message(_policy(), bob, "", wanted[1:2]) is None


def test_covers_honours_resource_names() -> None:
    owner = [
        {"verbs": ["get"], "apiGroups": [""], "resources": ["secrets"], "resourceNames": ["a"]}
    ]
    ok, missing = rbac.covers(
        owner, [{"verbs": ["get"], "apiGroups": [""], "resources": ["secrets"]}]
    )
    assert not ok and missing == [{"verbs": ["get"], "apiGroups": [""], "resources": ["secrets"]}]
    named = [
        {"verbs": ["get"], "apiGroups": [""], "resources": ["secrets"], "resourceNames": ["a"]}
    ]
    assert rbac.covers(owner, named) == (True, [])


def test_go_quote_matches_strconv_quote() -> None:
    assert rbac.go_quote('a"b\\c') == '"a\\"b\\\\c"'
    assert rbac.go_quote("tab\there\n") == '"tab\\there\\n"'
    assert rbac.go_quote("\x01é") == '"\\x01é"'
    assert rbac.go_quote_list(["a", "b"]) == '["a" "b"]'


@pytest.mark.parametrize("username", ["system:serviceaccount:ns:name", "system:serviceaccount:a:b"])
def test_split_service_account(username: str) -> None:
    ns, name = rbac.split_service_account(username) or ("", "")
    assert username == f"system:serviceaccount:{ns}:{name}"


@pytest.mark.parametrize(
    "username", ["system:serviceaccount:ns", "system:serviceaccount::x", "bob"]
)
def test_split_service_account_rejects(username: str) -> None:
    assert rbac.split_service_account(username) is None
