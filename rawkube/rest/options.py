"""Request options as values: client-go's `metav1.*Options`, each spelled in one place.

client-go passes Go option structs (`metav1.ListOptions`, `GetOptions`, `CreateOptions`,
`UpdateOptions`, `PatchOptions`, `DeleteOptions`) to `Request.VersionedParams()` or `Body()`;
kube-rs has the same as `ListParams`, `WatchParams`, `PostParams`, `PatchParams`,
`DeleteParams` (kube-core/src/params.rs), each with a `validate()` and a query builder. Here they
are frozen value classes (`rawkube._record`: frozen dataclasses without their import-time cost),
built once from a public method's keyword arguments, validated when built (a wrong value raises
at the caller's line, before anything is sent), and turned into wire form by `to_query()` (query
parameters) or `to_body()` (`DeleteOptions` travel in the body).

The query names and encodings come from the struct tags in
k8s.io/apimachinery/pkg/apis/meta/v1/types.go; Go's `omitempty` decides what is left out:

- plain `string` / `int64` / `bool` fields with `omitempty` are omitted when empty, zero or
  false (`limit=0`, `allowWatchBookmarks=false`, `resourceVersion=""` are never sent);
- pointer fields (`*int64 timeoutSeconds`, `*bool sendInitialEvents`, `*bool force`) are sent
  whenever set, even to 0 / false (kubectl sends `force=false`).

`to_query()` returns `dict[str, str | list[str]]` holding final wire strings (a list is a
repeated key, as for `dryRun`), ready for `Request.params()`. The function helpers below
(`list_params(...)`, `delete_options(...)`, ...) are the same options in one call, kept for
callers that build requests by hand.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import field
from typing import Any

from rawkube._record import record, record_fields

QueryParams = dict[str, str | list[str]]
"""Wire-ready query parameters: name -> value, or a list of values for a repeated key."""

# metav1.DeletionPropagation values (k8s.io/apimachinery/pkg/apis/meta/v1/types.go).
PROPAGATION_POLICIES = ("Orphan", "Background", "Foreground")
# metav1.FieldValidation* values accepted by the server for `fieldValidation`.
FIELD_VALIDATIONS = ("Ignore", "Warn", "Strict")
# metav1.ResourceVersionMatch values.
RESOURCE_VERSION_MATCHES = ("Exact", "NotOlderThan")

DryRun = bool | str | Sequence[str] | None
Selector = str | Mapping[str, str] | None


def _bool(value: bool) -> str:
    # Go's strconv.FormatBool spelling, which the server's parameter codec expects.
    return "true" if value else "false"


def _dry_run(dry_run: DryRun) -> tuple[str, ...]:
    """`dryRun` is a []string in Go: True means ["All"], the only value the server accepts."""
    if dry_run is None or dry_run is False:
        return ()
    if dry_run is True:
        return ("All",)
    if isinstance(dry_run, str):
        return (dry_run,)
    if not isinstance(dry_run, Sequence):
        raise TypeError(
            f"dry_run must be a bool, a str or a list of str, not {type(dry_run).__name__}"
        )
    return tuple(str(v) for v in dry_run)


def _check_choice(name: str, value: object, choices: Sequence[str]) -> None:
    if value is not None and value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}; got {value!r}")


def _check_int(name: str, value: object) -> None:
    # int64 fields in Go; a float such as 30.0 is accepted and truncated as before.
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")


def _check_str(name: str, value: object) -> None:
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")


def _check_bool(name: str, value: object) -> None:
    if value is not None and not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, not {type(value).__name__}")


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


def _put(params: QueryParams, key: str, value: str | None) -> None:
    if value:
        params[key] = value


def _set(obj: object, name: str, value: object) -> None:
    object.__setattr__(obj, name, value)  # normalising a frozen record in __post_init__


@record(kw_only=True)
class WatchOptions:
    """`ListOptions{Watch: true, ...}`: the list options a watch honours (kube-rs `WatchParams`).

    `send_initial_events=True` is the watch-list protocol (client-go `WatchListClient`); the
    server requires `resource_version_match="NotOlderThan"` with it, and a server lacking the
    storage feature answers with an ERROR event (fixtures/real-apiserver/040-...). A selector
    may be a mapping of equalities (`{"app": "web"}` -> `app=web`).
    """

    label_selector: Selector = None
    field_selector: Selector = None
    resource_version: str | None = None
    resource_version_match: str | None = None
    timeout_seconds: int | None = None
    allow_watch_bookmarks: bool | None = None
    send_initial_events: bool | None = None
    pretty: bool | None = None

    def __post_init__(self) -> None:
        _set(self, "label_selector", _selector("label_selector", self.label_selector))
        _set(self, "field_selector", _selector("field_selector", self.field_selector))
        _check_choice(
            "resource_version_match", self.resource_version_match, RESOURCE_VERSION_MATCHES
        )
        _check_int("timeout_seconds", self.timeout_seconds)
        _check_str("resource_version", self.resource_version)
        _check_bool("allow_watch_bookmarks", self.allow_watch_bookmarks)
        _check_bool("send_initial_events", self.send_initial_events)
        if self.timeout_seconds is not None and self.timeout_seconds < 0:
            raise ValueError(f"timeout_seconds must not be negative; got {self.timeout_seconds}")

    def to_query(self) -> QueryParams:
        return self._query(watch=True)

    def _query(
        self, *, watch: bool, limit: int | None = None, continue_: str | None = None
    ) -> QueryParams:
        # The order kubectl -v8 shows after Go's url.Values sorting does not matter here
        # (encode_query sorts); each name is spelled here and nowhere else.
        params: QueryParams = {}
        _put(params, "labelSelector", self.label_selector)  # type: ignore[arg-type]
        _put(params, "fieldSelector", self.field_selector)  # type: ignore[arg-type]
        if watch:
            params["watch"] = "true"
        if self.allow_watch_bookmarks:
            params["allowWatchBookmarks"] = "true"
        _put(params, "resourceVersion", self.resource_version)
        _put(params, "resourceVersionMatch", self.resource_version_match)
        if self.timeout_seconds is not None:
            params["timeoutSeconds"] = str(int(self.timeout_seconds))
        if limit:
            params["limit"] = str(int(limit))
        _put(params, "continue", continue_)
        if self.send_initial_events is not None:
            params["sendInitialEvents"] = _bool(self.send_initial_events)
        if self.pretty is not None:
            params["pretty"] = _bool(self.pretty)
        return params


@record(kw_only=True)
class ListOptions(WatchOptions):
    """`metav1.ListOptions` for LIST and DELETE-collection (kube-rs `ListParams`): the watch
    options plus paging.

    `continue_` is Go's `Continue` (`continue` is a Python keyword). `limit` 0 and
    `allow_watch_bookmarks=False` are omitted (omitempty); `timeout_seconds` and
    `send_initial_events` are pointers in Go, so 0 / False are sent.
    """

    limit: int | None = None
    continue_: str | None = None

    def __post_init__(self) -> None:
        WatchOptions.__post_init__(self)
        _check_int("limit", self.limit)
        _check_str("continue_", self.continue_)
        if self.limit is not None and self.limit < 0:
            raise ValueError(f"limit must not be negative; got {self.limit}")

    def to_query(self, *, watch: bool = False) -> QueryParams:
        return self._query(watch=watch, limit=self.limit, continue_=self.continue_)

    def replace(self, **changes: Any) -> ListOptions:
        """A copy with some options changed (the pager's next page)."""
        values = {f: getattr(self, f) for f in record_fields(self)}
        values.update(changes)
        return ListOptions(**values)


@record(kw_only=True)
class GetOptions:
    """`metav1.GetOptions`: only `resourceVersion` ("0" = any cached version is fine)."""

    resource_version: str | None = None
    pretty: bool | None = None

    def __post_init__(self) -> None:
        _check_str("resource_version", self.resource_version)

    def to_query(self) -> QueryParams:
        params: QueryParams = {}
        _put(params, "resourceVersion", self.resource_version)
        if self.pretty is not None:
            params["pretty"] = _bool(self.pretty)
        return params


@record(kw_only=True)
class CreateOptions:
    """`metav1.CreateOptions`: dryRun=All, fieldManager, fieldValidation (kube-rs `PostParams`)."""

    dry_run: DryRun = None
    field_manager: str | None = None
    field_validation: str | None = None
    pretty: bool | None = None

    def __post_init__(self) -> None:
        _set(self, "dry_run", _dry_run(self.dry_run))
        _check_choice("field_validation", self.field_validation, FIELD_VALIDATIONS)
        _check_str("field_manager", self.field_manager)

    def to_query(self) -> QueryParams:
        params: QueryParams = {}
        if self.dry_run:
            params["dryRun"] = list(self.dry_run)  # type: ignore[arg-type]
        _put(params, "fieldManager", self.field_manager)
        _put(params, "fieldValidation", self.field_validation)
        if self.pretty is not None:
            params["pretty"] = _bool(self.pretty)
        return params


@record(kw_only=True)
class UpdateOptions(CreateOptions):
    """`metav1.UpdateOptions`: the same fields as `CreateOptions`."""


@record(kw_only=True)
class PatchOptions(CreateOptions):
    """`metav1.PatchOptions`: the write options plus `force` (server-side apply only).

    The server rejects `force` on anything but an apply patch and requires `fieldManager` for
    apply; `for_patch(patch_type)` checks those rules before sending (kube-rs
    `PatchParams::validate`).
    """

    force: bool | None = None

    def __post_init__(self) -> None:
        CreateOptions.__post_init__(self)
        _check_bool("force", self.force)

    def for_patch(self, patch_type: str) -> PatchOptions:
        if patch_type != "apply" and self.force is not None:
            raise ValueError("force may only be set for apply patches (patch_type='apply')")
        if patch_type == "apply" and not self.field_manager:
            raise ValueError("field_manager is required for apply patches (server-side apply)")
        return self

    def to_query(self) -> QueryParams:
        params = CreateOptions.to_query(self)
        if self.force is not None:
            params["force"] = _bool(self.force)
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


@record(kw_only=True)
class DeleteOptions:
    """`metav1.DeleteOptions` (kube-rs `DeleteParams`), sent as the DELETE body.

    DeleteOptions travel in the DELETE body as in client-go's typed `Delete()` (`Body(&opts)`);
    fixtures/real-apiserver/041-043 show the `{"apiVersion": "v1", "kind": "DeleteOptions", ...}`
    shape and 044 / 053 a bodiless DELETE (`to_body()` is None when nothing is set).
    """

    propagation_policy: str | None = None
    grace_period_seconds: int | None = None
    preconditions: Mapping[str, Any] | None = field(default=None, hash=False)
    dry_run: DryRun = None
    orphan_dependents: bool | None = None

    def __post_init__(self) -> None:
        _check_choice("propagation_policy", self.propagation_policy, PROPAGATION_POLICIES)
        _check_int("grace_period_seconds", self.grace_period_seconds)
        if self.grace_period_seconds is not None and self.grace_period_seconds < 0:
            raise ValueError(
                f"grace_period_seconds must not be negative; got {self.grace_period_seconds}"
            )
        _check_bool("orphan_dependents", self.orphan_dependents)
        _set(self, "preconditions", _preconditions(self.preconditions or {}) or None)
        _set(self, "dry_run", _dry_run(self.dry_run))

    def to_body(self) -> dict[str, Any] | None:
        """The DeleteOptions object, or None when no option is set (then DELETE has no body)."""
        body: dict[str, Any] = {}
        if self.grace_period_seconds is not None:
            body["gracePeriodSeconds"] = int(self.grace_period_seconds)
        if self.preconditions:
            body["preconditions"] = dict(self.preconditions)
        if self.orphan_dependents is not None:
            body["orphanDependents"] = self.orphan_dependents
        if self.propagation_policy is not None:
            body["propagationPolicy"] = self.propagation_policy
        if self.dry_run:
            body["dryRun"] = list(self.dry_run)  # type: ignore[arg-type]
        if not body:
            return None
        return {"apiVersion": "v1", "kind": "DeleteOptions", **body}


EMPTY_GET = GetOptions()
EMPTY_CREATE = CreateOptions()


# -- the same options as one call each (for requests built by hand) -----------------------------


def list_params(
    *,
    label_selector: Selector = None,
    field_selector: Selector = None,
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
    """`ListOptions(...).to_query()`, with `watch=True` for a watch request."""
    return ListOptions(
        label_selector=label_selector,
        field_selector=field_selector,
        limit=limit,
        continue_=continue_,
        resource_version=resource_version,
        resource_version_match=resource_version_match,
        timeout_seconds=timeout_seconds,
        allow_watch_bookmarks=allow_watch_bookmarks,
        send_initial_events=send_initial_events,
        pretty=pretty,
    ).to_query(watch=watch)


def watch_params(
    *,
    label_selector: Selector = None,
    field_selector: Selector = None,
    resource_version: str | None = None,
    resource_version_match: str | None = None,
    timeout_seconds: int | None = None,
    allow_watch_bookmarks: bool | None = None,
    send_initial_events: bool | None = None,
    pretty: bool | None = None,
) -> QueryParams:
    """`WatchOptions(...).to_query()`: `watch=true` plus the list options a watch honours."""
    return WatchOptions(
        label_selector=label_selector,
        field_selector=field_selector,
        resource_version=resource_version,
        resource_version_match=resource_version_match,
        timeout_seconds=timeout_seconds,
        allow_watch_bookmarks=allow_watch_bookmarks,
        send_initial_events=send_initial_events,
        pretty=pretty,
    ).to_query()


def get_params(*, resource_version: str | None = None, pretty: bool | None = None) -> QueryParams:
    """`GetOptions(...).to_query()`."""
    return GetOptions(resource_version=resource_version, pretty=pretty).to_query()


def write_params(
    dry_run: DryRun = None,
    field_manager: str | None = None,
    field_validation: str | None = None,
    *,
    pretty: bool | None = None,
) -> QueryParams:
    """`CreateOptions(...).to_query()` (UpdateOptions are the same)."""
    return CreateOptions(
        dry_run=dry_run,
        field_manager=field_manager,
        field_validation=field_validation,
        pretty=pretty,
    ).to_query()


def patch_params(
    dry_run: DryRun = None,
    field_manager: str | None = None,
    field_validation: str | None = None,
    force: bool | None = None,
    *,
    patch_type: str | None = None,
    pretty: bool | None = None,
) -> QueryParams:
    """`PatchOptions(...).to_query()`; with `patch_type`, its apply/force rules are checked."""
    opts = PatchOptions(
        dry_run=dry_run,
        field_manager=field_manager,
        field_validation=field_validation,
        force=force,
        pretty=pretty,
    )
    if patch_type is not None:
        opts.for_patch(patch_type)
    return opts.to_query()


def delete_options(
    propagation_policy: str | None = None,
    grace_period_seconds: int | None = None,
    preconditions: Mapping[str, Any] | None = None,
    dry_run: DryRun = None,
    *,
    orphan_dependents: bool | None = None,
) -> dict[str, Any] | None:
    """`DeleteOptions(...).to_body()`: the body, or None when nothing is set."""
    return DeleteOptions(
        propagation_policy=propagation_policy,
        grace_period_seconds=grace_period_seconds,
        preconditions=preconditions,
        dry_run=dry_run,
        orphan_dependents=orphan_dependents,
    ).to_body()


__all__ = [
    "FIELD_VALIDATIONS",
    "PROPAGATION_POLICIES",
    "RESOURCE_VERSION_MATCHES",
    "CreateOptions",
    "DeleteOptions",
    "GetOptions",
    "ListOptions",
    "PatchOptions",
    "QueryParams",
    "UpdateOptions",
    "WatchOptions",
    "delete_options",
    "get_params",
    "list_params",
    "patch_params",
    "watch_params",
    "write_params",
]
