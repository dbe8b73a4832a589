"""Impersonation as kube-apiserver 1.36 does it (constrained impersonation, KEP-5284, with the
legacy mode last): header parsing, the order of the modes, and the per-requestor mode cache.
The messages are checked against the real server by the authn differential scenarios."""

from __future__ import annotations

import pytest

from rawkube.testing.server import rbac
from rawkube.testing.server.auth import Attributes, UserInfo
from rawkube.testing.server.errors import APIError
from rawkube.testing.server.impersonation import Impersonator, Wanted, wanted_from_headers

LIST_PODS = Attributes(verb="list", resource="pods", namespace="ns")


def test_headers_give_user_uid_groups_and_extra() -> None:
    wanted = wanted_from_headers(
        [
            ("Impersonate-User", "bob"),
            ("Impersonate-Group", "g1"),
            ("Impersonate-Group", "g2"),
            ("Impersonate-Uid", "1234"),
            ("Impersonate-Extra-Example.org%2fTeam", "blue"),
            ("Impersonate-Extra-Scopes", "a"),
            ("Impersonate-Extra-Scopes", "b"),
        ]
    )
    assert wanted == Wanted(
        "bob", "1234", ["g1", "g2"], {"example.org/team": ["blue"], "scopes": ["a", "b"]}
    )
    assert wanted_from_headers([("Accept", "*/*")]) is None


def test_groups_without_a_user_are_a_bad_request_with_gos_rendering() -> None:
    with pytest.raises(APIError) as err:
        wanted_from_headers([("Impersonate-Group", "g1"), ("Impersonate-Extra-Scopes", "x")])
    assert err.value.code == 400
    assert err.value.message == (
        'requested &user.DefaultInfo{Name:"", UID:"", Groups:[]string{"g1"}, '
        'Extra:map[string][]string{"scopes":[]string{"x"}}} without impersonating a user name'
    )


def _policy(*rules: dict[str, object]) -> rbac.StaticPolicy:
    return rbac.StaticPolicy(
        cluster_roles=[{"metadata": {"name": "r"}, "rules": list(rules)}],
        cluster_role_bindings_=[
            {
                "metadata": {"name": "b"},
                "roleRef": {"kind": "ClusterRole", "name": "r"},
                "subjects": [{"kind": "User", "name": "alice"}],
            }
        ],
    )


def _impersonator(policy: rbac.StaticPolicy) -> Impersonator:
    return Impersonator(lambda user, attrs: rbac.authorize(policy, user, attrs, attrs.namespace))


def test_legacy_impersonate_verb_on_users() -> None:
    policy = _policy({"verbs": ["impersonate"], "apiGroups": [""], "resources": ["users"]})
    user = _impersonator(policy).impersonate(UserInfo("alice"), Wanted("bob"), LIST_PODS)
    assert user.username == "bob" and user.all_groups() == ("system:authenticated",)


def test_constrained_user_info_mode_needs_both_checks() -> None:
    policy = _policy(
        {
            "verbs": ["impersonate:user-info"],
            "apiGroups": ["authentication.k8s.io"],
            "resources": ["users"],
        },
        {"verbs": ["impersonate-on:user-info:list"], "apiGroups": [""], "resources": ["pods"]},
    )
    imp = _impersonator(policy)
    assert imp.impersonate(UserInfo("alice"), Wanted("bob"), LIST_PODS).username == "bob"
    with pytest.raises(APIError) as err:
        imp.impersonate(
            UserInfo("alice"),
            Wanted("bob"),
            Attributes(verb="delete", resource="pods", namespace="ns", name="p"),
        )
    # The cached (user-info) mode is tried first and its refusal is the answer.
    assert err.value.message == (
        'pods "p" is forbidden: User "alice" cannot impersonate-on:user-info:delete resource '
        '"pods" in API group "" in the namespace "ns"'
    )


def test_the_first_failing_mode_answers_until_another_mode_succeeded() -> None:
    policy = _policy(
        {
            "verbs": ["impersonate"],
            "apiGroups": [""],
            "resources": ["serviceaccounts"],
            "resourceNames": ["helper"],
        }
    )
    imp = _impersonator(policy)
    with pytest.raises(APIError) as first:
        imp.impersonate(UserInfo("alice"), Wanted("system:serviceaccount:ns:other"), LIST_PODS)
    assert "impersonate-on:serviceaccount:list" in first.value.message
    sa = imp.impersonate(UserInfo("alice"), Wanted("system:serviceaccount:ns:helper"), LIST_PODS)
    assert sa.all_groups() == (
        "system:serviceaccounts",
        "system:serviceaccounts:ns",
        "system:authenticated",
    )
    with pytest.raises(APIError) as later:
        imp.impersonate(UserInfo("alice"), Wanted("system:serviceaccount:ns:other"), LIST_PODS)
    assert later.value.message == (
        'serviceaccounts "other" is forbidden: User "alice" cannot impersonate resource '
        '"serviceaccounts" in API group "" in the namespace "ns"'
    )


def test_anonymous_and_unauthenticated_groups() -> None:
    policy = _policy({"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]})
    imp = _impersonator(policy)
    anon = imp.impersonate(UserInfo("alice"), Wanted("system:anonymous"), LIST_PODS)
    assert anon.all_groups() == ("system:unauthenticated",)
    unauth = imp.impersonate(
        UserInfo("alice"), Wanted("bob", groups=["system:unauthenticated"]), LIST_PODS
    )
    assert unauth.all_groups() == ("system:unauthenticated",)
