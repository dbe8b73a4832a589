"""rawkube.rest.options: keyword options -> the query/body client-go sends (metav1 types.go tags)."""

from __future__ import annotations

import pytest

from rawkube.rest import options


def test_list_params_names_and_omitempty() -> None:
    assert options.list_params(
        label_selector="app=demo",
        field_selector="metadata.name=x",
        limit=500,
        continue_="tok",
        resource_version="0",
        resource_version_match="NotOlderThan",
        timeout_seconds=0,
        allow_watch_bookmarks=True,
        send_initial_events=False,
        pretty=True,
    ) == {
        "labelSelector": "app=demo",
        "fieldSelector": "metadata.name=x",
        "allowWatchBookmarks": "true",
        "resourceVersion": "0",
        "resourceVersionMatch": "NotOlderThan",
        "timeoutSeconds": "0",  # *int64 in Go: sent even when 0
        "limit": "500",
        "continue": "tok",
        "sendInitialEvents": "false",  # *bool in Go: sent even when false
        "pretty": "true",
    }
    # omitempty: zero limit, empty strings and false bookmarks are not sent
    assert options.list_params(limit=0, resource_version="", allow_watch_bookmarks=False) == {}


def test_watch_params_sets_watch_true() -> None:
    assert options.watch_params(resource_version="326", timeout_seconds=4) == {
        "watch": "true",
        "resourceVersion": "326",
        "timeoutSeconds": "4",
    }


def test_list_params_rejects_bad_values() -> None:
    with pytest.raises(ValueError):
        options.list_params(resource_version_match="Newest")
    with pytest.raises(ValueError):
        options.list_params(limit=-1)
    # was "'<' not supported between instances of 'str' and 'int'"
    with pytest.raises(TypeError, match="limit must be an int, not str"):
        options.list_params(limit="500")
    with pytest.raises(TypeError, match="timeout_seconds must be an int, not str"):
        options.list_params(timeout_seconds="abc")


def test_get_params() -> None:
    assert options.get_params() == {}
    assert options.get_params(resource_version="0") == {"resourceVersion": "0"}


@pytest.mark.parametrize(
    ("dry_run", "expected"),
    [(True, ["All"]), ("All", ["All"]), (["All"], ["All"]), (False, None), (None, None)],
)
def test_write_params_dry_run(dry_run: options.DryRun, expected: list[str] | None) -> None:
    params = options.write_params(dry_run=dry_run)
    assert params.get("dryRun") == expected


def test_write_params_field_manager_and_validation() -> None:
    assert options.write_params(field_manager="kubectl-create", field_validation="Strict") == {
        "fieldManager": "kubectl-create",
        "fieldValidation": "Strict",
    }
    with pytest.raises(ValueError):
        options.write_params(field_validation="strict")


def test_patch_params_force_is_sent_even_when_false() -> None:
    # kubectl apply --server-side: ?fieldManager=kubectl&fieldValidation=Strict&force=false
    assert options.patch_params(
        field_manager="kubectl", field_validation="Strict", force=False, patch_type="apply"
    ) == {"fieldManager": "kubectl", "fieldValidation": "Strict", "force": "false"}


def test_patch_params_rejects_force_on_non_apply_and_apply_without_manager() -> None:
    with pytest.raises(ValueError, match="force"):
        options.patch_params(force=True, patch_type="merge")
    with pytest.raises(ValueError, match="field_manager"):
        options.patch_params(patch_type="apply")


def test_delete_options_body_matches_recorded_exchanges() -> None:
    # fixtures/real-apiserver/041-delete-foreground.json request body
    assert options.delete_options(propagation_policy="Foreground") == {
        "apiVersion": "v1",
        "kind": "DeleteOptions",
        "propagationPolicy": "Foreground",
    }
    # 045-delete-precondition-conflict.json
    assert options.delete_options(
        preconditions={"uid": "00000000-0000-0000-0000-000000000000"}
    ) == {
        "apiVersion": "v1",
        "kind": "DeleteOptions",
        "preconditions": {"uid": "00000000-0000-0000-0000-000000000000"},
    }
    # 044 / 053: nothing set -> no body at all
    assert options.delete_options() is None


def test_delete_options_all_fields_and_validation() -> None:
    body = options.delete_options(
        propagation_policy="Background",
        grace_period_seconds=0,
        preconditions={"resource_version": "12"},
        dry_run=True,
        orphan_dependents=False,
    )
    assert body == {
        "apiVersion": "v1",
        "kind": "DeleteOptions",
        "gracePeriodSeconds": 0,
        "preconditions": {"resourceVersion": "12"},
        "orphanDependents": False,
        "propagationPolicy": "Background",
        "dryRun": ["All"],
    }
    with pytest.raises(ValueError):
        options.delete_options(propagation_policy="foreground")
    with pytest.raises(ValueError):
        options.delete_options(preconditions={"generation": 1})


def test_selectors_accept_a_mapping_and_reject_other_types() -> None:
    # labels.SelectorFromSet(...).String(): equalities, keys sorted
    params = options.list_params(label_selector={"tier": "web", "app": "demo"})
    assert params["labelSelector"] == "app=demo,tier=web"
    assert options.list_params(field_selector={"metadata.name": "x"})["fieldSelector"] == (
        "metadata.name=x"
    )
    with pytest.raises(TypeError, match="label_selector must be a str"):
        options.list_params(label_selector=["app=demo"])  # type: ignore[arg-type]
