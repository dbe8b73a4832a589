"""Keyword options -> query parameters and `DeleteOptions` bodies (pure functions).

client-go passes Go option structs (`metav1.ListOptions`, `GetOptions`, `CreateOptions`,
`UpdateOptions`, `PatchOptions`, `DeleteOptions`) to `Request.VersionedParams()` or `Body()`.
The query names and encodings come from the struct tags in
k8s.io/apimachinery/pkg/apis/meta/v1/types.go; Go's `omitempty` decides what is left out:

- plain `string` / `int64` / `bool` fields with `omitempty` are omitted when empty, zero or
  false (`limit=0`, `allowWatchBookmarks=false`, `resourceVersion=""` are never sent);
- pointer fields (`*int64 timeoutSeconds`, `*bool sendInitialEvents`, `*bool force`) are sent
  whenever set, even to 0 / false (kubectl sends `force=false`).

Every helper returns ``dict[str, str | list[str]]`` holding final wire strings (a list is a
repeated key, as for `dryRun`), ready for `Request.params()`. The typed and dynamic clients
call these so both speak exactly the same wire format.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

QueryParams = dict[str, str | list[str]]
"""Wire-ready query parameters: name -> value, or a list of values for a repeated key."""

# metav1.DeletionPropagation values (k8s.io/apimachinery/pkg/apis/meta/v1/types.go).
PROPAGATION_POLICIES = ("Orphan", "Background", "Foreground")
# metav1.FieldValidation* values accepted by the server for `fieldValidation`.
FIELD_VALIDATIONS = ("Ignore", "Warn", "Strict")
# metav1.ResourceVersionMatch values.
RESOURCE_VERSION_MATCHES = ("Exact", "NotOlderThan")

DryRun = bool | str | Sequence[str] | None


def _bool(value: bool) -> str:
    # Go's strconv.FormatBool spelling, which the server's parameter codec expects.
    return "true" if value else "false"


def _dry_run(dry_run: DryRun) -> list[str] | None:
    """`dryRun` is a []string in Go: True means ["All"], the only value the server accepts."""
    if dry_run is None or dry_run is False:
        return None
    if dry_run is True:
        return ["All"]
    if isinstance(dry_run, str):
        return [dry_run]
    values = [str(v) for v in dry_run]
    return values or None


def _check_choice(name: str, value: str | None, choices: Sequence[str]) -> None:
    if value is not None and value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}; got {value!r}")


def _check_int(name: str, value: object) -> None:
    # int64 fields in Go; a float such as 30.0 is accepted and truncated as before.
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")


def _selector(name: str, value: object) -> str | None:
    """A selector string; a mapping is an equality selector, keys sorted as client-go's
    `labels.SelectorFromSet(set).String()` / `fields.SelectorFromSet` print it."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return ",".join(f"{k}={value[k]}" for k in sorted(value))
    raise TypeError(
        f"{name} must be a str such as 'app=demo,tier!=db' (or a mapping of equalities), "
        f"not {type(value).__name__}"
    )


def _put(params: QueryParams, key: str, value: str | list[str] | None) -> None:
    if value is not None and value != "" and value != []:
        params[key] = value


def list_params(
    *,
    label_selector: str | Mapping[str, str] | None = None,
    field_selector: str | Mapping[str, str] | None = None,
    limit: int | None = None,
    continue_: str | None = None,
    resource_version: str | None = None,
    resource_version_match: str | None = None,
    timeout_seconds: int | None = None,
    allow_watch_bookmarks: bool | None = None,
    send_initial_events: bool | None = None,
    watch: bool = False,
    pretty: bool | None = None,
) -> QueryParams:
    """`metav1.ListOptions` as query parameters (LIST, WATCH and DELETE-collection requests).

    `continue_` is Go's `Continue` (`continue` is a Python keyword). `limit` 0 and
    `allow_watch_bookmarks=False` are omitted (omitempty); `timeout_seconds` and
    `send_initial_events` are pointers in Go, so 0 / False are sent.
    """
    _check_choice("resource_version_match", resource_version_match, RESOURCE_VERSION_MATCHES)
    _check_int("limit", limit)
    _check_int("timeout_seconds", timeout_seconds)
    if limit is not None and limit < 0:
        raise ValueError(f"limit must not be negative; got {limit}")
    params: QueryParams = {}
    _put(params, "labelSelector", _selector("label_selector", label_selector))
    _put(params, "fieldSelector", _selector("field_selector", field_selector))
    if watch:
        params["watch"] = "true"
    if allow_watch_bookmarks:
        params["allowWatchBookmarks"] = "true"
    _put(params, "resourceVersion", resource_version)
    _put(params, "resourceVersionMatch", resource_version_match)
    if timeout_seconds is not None:
        params["timeoutSeconds"] = str(int(timeout_seconds))
    if limit:
        params["limit"] = str(int(limit))
    _put(params, "continue", continue_)
    if send_initial_events is not None:
        params["sendInitialEvents"] = _bool(send_initial_events)
    if pretty is not None:
        params["pretty"] = _bool(pretty)
    return params


def watch_params(
    *,
    label_selector: str | Mapping[str, str] | None = None,
    field_selector: str | Mapping[str, str] | None = None,
    resource_version: str | None = None,
    resource_version_match: str | None = None,
    timeout_seconds: int | None = None,
    allow_watch_bookmarks: bool | None = None,
    send_initial_events: bool | None = None,
    pretty: bool | None = None,
) -> QueryParams:
    """`ListOptions{Watch: true, ...}`: `watch=true` plus the list options a watch honours.

    `send_initial_events=True` is the watch-list protocol (client-go `WatchListClient`); the
    server requires `resource_version_match="NotOlderThan"` with it, and a server lacking the
    storage feature answers with an ERROR event (fixtures/real-apiserver/040-...).
    """
    return list_params(
        label_selector=label_selector,
        field_selector=field_selector,
        resource_version=resource_version,
        resource_version_match=resource_version_match,
        timeout_seconds=timeout_seconds,
        allow_watch_bookmarks=allow_watch_bookmarks,
        send_initial_events=send_initial_events,
        watch=True,
        pretty=pretty,
    )


def get_params(*, resource_version: str | None = None, pretty: bool | None = None) -> QueryParams:
    """`metav1.GetOptions`: only `resourceVersion` ("0" = any cached version is fine)."""
    params: QueryParams = {}
    _put(params, "resourceVersion", resource_version)
    if pretty is not None:
        params["pretty"] = _bool(pretty)
    return params


def write_params(
    dry_run: DryRun = None,
    field_manager: str | None = None,
    field_validation: str | None = None,
    *,
    pretty: bool | None = None,
) -> QueryParams:
    """`metav1.CreateOptions` / `UpdateOptions`: dryRun=All, fieldManager, fieldValidation."""
    _check_choice("field_validation", field_validation, FIELD_VALIDATIONS)
    params: QueryParams = {}
    _put(params, "dryRun", _dry_run(dry_run))
    _put(params, "fieldManager", field_manager)
    _put(params, "fieldValidation", field_validation)
    if pretty is not None:
        params["pretty"] = _bool(pretty)
    return params


def patch_params(
    dry_run: DryRun = None,
    field_manager: str | None = None,
    field_validation: str | None = None,
    force: bool | None = None,
    *,
    patch_type: str | None = None,
    pretty: bool | None = None,
) -> QueryParams:
    """`metav1.PatchOptions`: the write options plus `force` (server-side apply only).

    The server rejects `force` on anything but an apply patch and requires `fieldManager` for
    apply; when `patch_type` is given those rules are checked here, before sending.
    """
    if patch_type is not None and patch_type != "apply" and force is not None:
        raise ValueError("force may only be set for apply patches (patch_type='apply')")
    if patch_type == "apply" and not field_manager:
        raise ValueError("field_manager is required for apply patches (server-side apply)")
    params = write_params(dry_run, field_manager, field_validation, pretty=pretty)
    if force is not None:
        params["force"] = _bool(force)
    return params


def _preconditions(preconditions: Mapping[str, Any]) -> dict[str, str]:
    """`metav1.Preconditions`: accept `uid` and `resource_version` or the wire `resourceVersion`."""
    out: dict[str, str] = {}
    for key, value in preconditions.items():
        wire = {"uid": "uid", "resource_version": "resourceVersion"}.get(key, key)
        if wire not in ("uid", "resourceVersion"):
            raise ValueError(f"unknown precondition {key!r}: use uid or resource_version")
        if value is not None:
            out[wire] = str(value)
    return out


def delete_options(
    propagation_policy: str | None = None,
    grace_period_seconds: int | None = None,
    preconditions: Mapping[str, Any] | None = None,
    dry_run: DryRun = None,
    *,
    orphan_dependents: bool | None = None,
) -> dict[str, Any] | None:
    """A `metav1.DeleteOptions` body, or None when nothing is set (then DELETE has no body).

    DeleteOptions travel in the DELETE body as in client-go's typed `Delete()` (`Body(&opts)`);
    fixtures/real-apiserver/041-043 show the `{"apiVersion": "v1", "kind": "DeleteOptions", ...}`
    shape and 044 / 053 a bodiless DELETE.
    """
    _check_choice("propagation_policy", propagation_policy, PROPAGATION_POLICIES)
    if grace_period_seconds is not None and grace_period_seconds < 0:
        raise ValueError(f"grace_period_seconds must not be negative; got {grace_period_seconds}")
    body: dict[str, Any] = {}
    if grace_period_seconds is not None:
        body["gracePeriodSeconds"] = int(grace_period_seconds)
    if preconditions:
        pre = _preconditions(preconditions)
        if pre:
            body["preconditions"] = pre
    if orphan_dependents is not None:
        body["orphanDependents"] = orphan_dependents
    if propagation_policy is not None:
        body["propagationPolicy"] = propagation_policy
    runs = _dry_run(dry_run)
    if runs:
        body["dryRun"] = runs
    if not body:
        return None
    return {"apiVersion": "v1", "kind": "DeleteOptions", **body}


__all__ = [
    "FIELD_VALIDATIONS",
    "PROPAGATION_POLICIES",
    "RESOURCE_VERSION_MATCHES",
    "QueryParams",
    "delete_options",
    "get_params",
    "list_params",
    "patch_params",
    "watch_params",
    "write_params",
]
