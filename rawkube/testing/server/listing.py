"""LIST as kube-apiserver 1.36 serves it: options, consistency, pagination.

* `list_options(req, info, name)` is handlers/get.go listOpts: the query decoded into
  ListOptions (metainternalversion; a bad number or selector is 400 with Go's message), its
  defaults and validation (apis/meta/internalversion/validation: 422 ``ListOptions.meta.k8s.io``),
  the field labels converted by the kind's scheme (400), a name in the URL as a field selector.
* `serve_list(storage, info, namespace, opts)` is the registry's List through the cacher
  delegator (storage/cacher/delegator.go ShouldDelegateList) over etcd (storage/etcd3/store.go
  GetList) or the watch cache (storage/cacher/cacher.go GetList), as the real server decides
  between them with an etcd that cannot serve consistent reads from the cache:

  ============================================  ===========================================
  resourceVersionMatch=Exact, rv=N              etcd at revision N (410 if compacted)
  continue token (rv in the token)              etcd at the token's revision, from its key
  limit>0 and rv=N (not 0)                      etcd at revision N ("legacy exact")
  no resourceVersion                            etcd, now (a consistent read)
  resourceVersion=0                             the watch cache, now; limit is ignored
  rv=N / NotOlderThan                           the watch cache, once at least as new as N
  ============================================  ===========================================

  Pages follow etcd's keys (``/registry/<resource>/<namespace>/<name>``): a continue token
  names the last key returned and the revision of the first page, so every page comes from
  the same snapshot. ``remainingItemCount`` is only given without selectors
  (storage.PrepareContinueToken). A revision in the future is 504 "Too large resource version"
  (the watch cache waits 3 s for it first: a LocalAPIServer never gets there by waiting).
"""

from __future__ import annotations

import base64
import binascii
import json
import posixpath
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from rawkube.testing.server.errors import APIError, Obj, expired
from rawkube.testing.server.resources import ResourceInfo
from rawkube.testing.server.selectors import (
    convert_field_label,
    field_labels,
    field_set,
    parse_field_terms,
    parse_label_selector,
)
from rawkube.testing.server.storage import Compacted, FutureRevision, Storage

# storage/etcd3/errors.go
EXPIRED = "The resourceVersion for the provided list is too old."
INCONSISTENT_CONTINUE = (
    "The provided continue parameter is too old to display a consistent list result. You can "
    "start a new list without the continue parameter, or use the continue token in this "
    "response to retrieve the remainder of the results. Continuing with the provided token "
    "results in an inconsistent list - objects that were created, modified, or deleted between "
    "the time the first chunk was returned and now may show up in the list."
)
EXACT = "Exact"
NOT_OLDER_THAN = "NotOlderThan"


@dataclass
class ListOptions:
    """metainternalversion.ListOptions, decoded from a request's query."""

    label_selector: str = ""
    field_selector: str = ""
    watch: bool = False
    allow_watch_bookmarks: bool = False
    resource_version: str = ""
    resource_version_match: str = ""
    timeout_seconds: int | None = None
    limit: int = 0
    continue_token: str = ""
    send_initial_events: bool | None = None
    labels: Callable[[Mapping[str, str]], bool] = lambda labels: True
    fields: Callable[[Mapping[str, Any]], bool] = lambda obj: True

    @property
    def selects_everything(self) -> bool:
        """SelectionPredicate.Empty(): no label and no field selector."""
        return not self.label_selector and not self.field_selector

    def matches(self, obj: Obj) -> bool:
        return bool(self.labels(obj["metadata"].get("labels") or {}) and self.fields(obj))


def _first(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def _go_bool(value: str | None) -> bool:
    """runtime.Convert_Slice_string_To_bool: only "0" and "false" (any case) are false."""
    return value is not None and value != "0" and value.lower() != "false"


def _go_int64(value: str) -> int:
    """strconv.ParseInt(value, 10, 64) with Go's error text."""
    text = value[1:] if value[:1] in "+-" else value
    if not text or not text.isascii() or not text.isdigit():
        raise APIError(400, "BadRequest", f'strconv.ParseInt: parsing "{value}": invalid syntax')
    number = int(value, 10)
    if not -(2**63) <= number < 2**63:
        raise APIError(
            400, "BadRequest", f'strconv.ParseInt: parsing "{value}": value out of range'
        )
    return number


def parse_resource_version(value: str) -> int:
    """APIObjectVersioner.ParseResourceVersion: "" is 0; otherwise an unsigned integer."""
    if value == "":
        return 0
    if value.isascii() and value.isdigit() and int(value) < 2**64:
        return int(value)
    reason = "value out of range" if value.isascii() and value.isdigit() else "invalid syntax"
    raise APIError(
        400,
        "BadRequest",
        f'invalid resource version: resourceVersion: Invalid value: "{value}": '
        f'strconv.ParseUint: parsing "{value}": {reason}',
    )


def list_options(
    query: dict[str, list[str]], info: ResourceInfo, name: str = "", watch_list: bool = True
) -> ListOptions:
    """handlers/get.go listOpts for a LIST or WATCH of ``info`` (``name``: the legacy
    /watch/.../{name} form)."""
    opts = ListOptions(
        label_selector=_first(query, "labelSelector") or "",
        field_selector=_first(query, "fieldSelector") or "",
        watch=_go_bool(_first(query, "watch")),
        allow_watch_bookmarks=_go_bool(_first(query, "allowWatchBookmarks")),
        resource_version=_first(query, "resourceVersion") or "",
        resource_version_match=_first(query, "resourceVersionMatch") or "",
        continue_token=_first(query, "continue") or "",
    )
    timeout = _first(query, "timeoutSeconds")
    if timeout is not None:
        opts.timeout_seconds = _go_int64(timeout)
    limit = _first(query, "limit")
    if limit is not None:
        opts.limit = _go_int64(limit)
    initial = _first(query, "sendInitialEvents")
    if initial is not None:
        opts.send_initial_events = _go_bool(initial)
    opts.labels = parse_label_selector(opts.label_selector)
    terms = parse_field_terms(opts.field_selector)
    # SetListOptionsDefaults (the WatchList feature is on in 1.36): a watch from "" or "0"
    # asks for the initial events.
    if (
        watch_list
        and opts.watch
        and opts.send_initial_events is None
        and not opts.resource_version_match
        and opts.resource_version in ("", "0")
    ):
        opts.send_initial_events = True
        opts.resource_version_match = NOT_OLDER_THAN
        opts._defaulted = True  # type: ignore[attr-defined]
    causes = validate_list_options(opts, watch_list)
    if causes:
        from rawkube.testing.server.apivalidation.fielderrors import invalid_status

        raise invalid_status("ListOptions", "meta.k8s.io", "", causes)
    if info.crd:
        allowed = field_labels(info)
        for label, _, _ in terms:
            if label not in allowed:
                raise APIError(400, "BadRequest", f"field label not supported: {label}")
        converted = terms
    else:
        converted = [(convert_field_label(info.group, info.resource, f), o, v) for f, o, v in terms]
    if name:
        wanted = [v for f, o, v in converted if f == "metadata.name" and o == "="]
        if converted:
            if len(wanted) != 1 or wanted[0] != name:
                raise APIError(
                    400, "BadRequest", "fieldSelector metadata.name doesn't match requested name"
                )
        else:
            converted = [("metadata.name", "=", name)]
            opts.field_selector = f"metadata.name={name}"
    opts.fields = _field_predicate(info, converted)
    return opts


def _field_predicate(
    info: ResourceInfo, terms: list[tuple[str, str, str]]
) -> Callable[[Mapping[str, Any]], bool]:
    if not terms:
        return lambda obj: True
    group, resource = info.group, info.resource

    def predicate(obj: Mapping[str, Any]) -> bool:
        if info.crd:
            from rawkube.testing.server.selectors import field_value

            fields = {f: field_value(obj, f) or "" for f, _, _ in terms}
        else:
            fields = field_set(group, resource, obj)
        return all((fields.get(f, "") == v) != (op == "!=") for f, op, v in terms)

    return predicate


def validate_list_options(opts: ListOptions, watch_list: bool = True) -> list[dict[str, str]]:
    """apis/meta/internalversion/validation ValidateListOptions."""
    from rawkube.testing.server.apivalidation.fielderrors import forbidden, not_supported

    match = opts.resource_version_match
    causes: list[dict[str, str]] = []
    if opts.watch:
        if opts.send_initial_events is not None:
            if match != NOT_OLDER_THAN:
                causes.append(
                    forbidden(
                        "resourceVersionMatch",
                        "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
                    )
                )
            if not watch_list:
                causes.append(
                    forbidden(
                        "sendInitialEvents",
                        "sendInitialEvents is forbidden for watch unless the WatchList feature "
                        "gate is enabled",
                    )
                )
        if match:
            if opts.send_initial_events is None:
                causes.append(
                    forbidden(
                        "resourceVersionMatch",
                        "resourceVersionMatch is forbidden for watch unless sendInitialEvents "
                        "is provided",
                    )
                )
            if match != NOT_OLDER_THAN:
                causes.append(not_supported("resourceVersionMatch", match, [NOT_OLDER_THAN]))
            if opts.continue_token:
                causes.append(
                    forbidden(
                        "resourceVersionMatch",
                        "resourceVersionMatch is forbidden when continue is provided",
                    )
                )
        return causes
    if match:
        if not opts.resource_version:
            causes.append(
                forbidden(
                    "resourceVersionMatch",
                    "resourceVersionMatch is forbidden unless resourceVersion is provided",
                )
            )
        if opts.continue_token:
            causes.append(
                forbidden(
                    "resourceVersionMatch",
                    "resourceVersionMatch is forbidden when continue is provided",
                )
            )
        if match not in (EXACT, NOT_OLDER_THAN):
            causes.append(not_supported("resourceVersionMatch", match, [EXACT, NOT_OLDER_THAN, ""]))
        if match == EXACT and opts.resource_version == "0":
            causes.append(
                forbidden(
                    "resourceVersionMatch",
                    'resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
                )
            )
    if opts.send_initial_events is not None:
        causes.append(forbidden("sendInitialEvents", "sendInitialEvents is forbidden for list"))
    return causes


# -- continue tokens (storage/continue.go) -------------------------------------------------------


def encode_continue(start: str, revision: int) -> str:
    """EncodeContinue: base64url (no padding) of {"v","rv","start"}; ``start`` is the key
    relative to the list's prefix, followed by a NUL (the next key after it)."""
    raw = json.dumps(
        {"v": "meta.k8s.io/v1", "rv": revision, "start": start + "\x00"}, separators=(",", ":")
    )
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_continue(token: str) -> tuple[str, int]:
    """DecodeContinue: (start key relative to the prefix, revision); a 400 "invalid continue
    token: ..." with Go's message otherwise."""

    def bad(why: str) -> APIError:
        return APIError(400, "BadRequest", f"invalid continue token: {why}")

    generic = "continue key is not valid"
    for i, ch in enumerate(token):
        if not (ch.isascii() and (ch.isalnum() or ch in "-_")):
            raise bad(f"{generic}: illegal base64 data at input byte {i}")
    if len(token) % 4 == 1:
        raise bad(f"{generic}: illegal base64 data at input byte {len(token) - 1}")
    try:
        data = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        raise bad(f"{generic}: illegal base64 data at input byte 0") from None
    from rawkube.testing.server.gojson import syntax_error

    problem = syntax_error(data)
    if problem is not None:
        raise bad(f"{generic}: {problem}")
    parsed = json.loads(data)
    if not isinstance(parsed, dict):
        kind = _json_kind(parsed)
        raise bad(
            f"{generic}: json: cannot unmarshal {kind} into Go value of type storage.continueToken"
        )
    types = {"v": (str, "string"), "rv": (int, "int64"), "start": (str, "string")}
    values: dict[str, Any] = {"v": "", "rv": 0, "start": ""}
    for key, value in parsed.items():
        want = types.get(key)
        if want is None or value is None:
            continue
        if not isinstance(value, want[0]) or isinstance(value, bool):
            raise bad(
                f"{generic}: json: cannot unmarshal {_json_kind(value)} into Go struct field "
                f"continueToken.{key} of type {want[1]}"
            )
        values[key] = value
    if values["v"] != "meta.k8s.io/v1":
        raise bad(f"{generic}: server does not recognize this encoded version {values['v']}")
    if values["rv"] == 0:
        raise bad(f"{generic}: incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
    start = values["start"]
    if not start:
        raise bad(f"{generic}: encoded start key empty (version meta.k8s.io/v1)")
    key = start if start.startswith("/") else "/" + start
    if _go_path_clean(key) != key:
        raise bad(f"{generic}: {start}")
    return key[1:], int(values["rv"])


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _go_path_clean(path: str) -> str:
    cleaned = posixpath.normpath(path)
    if cleaned.startswith("//"):
        cleaned = "/" + cleaned.lstrip("/")
    return cleaned


# -- serving -------------------------------------------------------------------------------------


def item_key(obj: Obj, namespace: str, namespaced: bool | None) -> str:
    """An object's etcd key relative to the list's prefix: ``name`` in one namespace or for a
    cluster-scoped resource, ``namespace/name`` across namespaces."""
    meta = obj["metadata"]
    if namespaced and not namespace:
        return f"{meta.get('namespace') or ''}/{meta['name']}"
    return str(meta["name"])


def too_large(requested: int, current: int, retry_seconds: int = 0) -> APIError:
    """storage.NewTooLargeResourceVersionError (a 504 Timeout)."""
    details: dict[str, Any] = {
        "causes": [{"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}]
    }
    if retry_seconds:
        details["retryAfterSeconds"] = retry_seconds
    return APIError(
        504,
        "Timeout",
        f"Timeout: Too large resource version: {requested}, current: {current}",
        details,
    )


@dataclass
class ListResult:
    items: list[Obj]
    resource_version: int
    continue_token: str = ""
    remaining: int | None = None


def serve_list(
    storage: Storage,
    info: ResourceInfo,
    namespace: str,
    opts: ListOptions,
    read: Callable[[Obj], Obj] | None = None,
) -> ListResult:
    """The items, resourceVersion and continuation of one LIST (see the module docstring).
    ``read`` turns a stored object into what is served (custom resources are decoded)."""
    rv = opts.resource_version
    match = opts.resource_version_match
    limit = opts.limit if opts.limit > 0 else 0
    start = ""
    if opts.continue_token:
        # storage.ValidateListOptions
        start, token_rv = decode_continue(opts.continue_token)
        if rv not in ("", "0"):
            raise APIError(
                400, "BadRequest", "specifying resource version is not allowed when using continue"
            )
        if token_rv > 0:
            items, revision = _at(storage, info, namespace, token_rv, start, paging=True)
        else:  # a token of a compacted list: go on from now (rv -1)
            items, revision = _now(storage, info, namespace)
        return _page(items, revision, info, namespace, opts, limit, start, read)
    wanted = parse_resource_version(rv)
    if match == EXACT or (not match and limit and rv not in ("", "0")):
        items, revision = _at(storage, info, namespace, wanted, "", paging=False)
        return _page(items, revision, info, namespace, opts, limit, "", read)
    if not match and rv == "":
        items, revision = _now(storage, info, namespace)  # a consistent read from etcd
        return _page(items, revision, info, namespace, opts, limit, "", read)
    # The watch cache: at least as new as the requested version; rv=0 ignores the limit.
    current = storage.resource_version
    if wanted > current:
        raise too_large(wanted, current, retry_seconds=1)
    items, revision = _now(storage, info, namespace)
    return _page(items, revision, info, namespace, opts, 0 if rv == "0" else limit, "", read)


def _now(storage: Storage, info: ResourceInfo, namespace: str) -> tuple[list[Obj], int]:
    with storage.lock:
        items, revision = storage.list(info.key, namespace or None, copy_objects=False)
    return items, revision


def _at(
    storage: Storage,
    info: ResourceInfo,
    namespace: str,
    revision: int,
    start: str,
    *,
    paging: bool,
) -> tuple[list[Obj], int]:
    try:
        return storage.list_at(info.key, namespace or None, revision), revision
    except FutureRevision:
        raise too_large(revision, storage.resource_version) from None
    except Compacted:
        if not paging:
            raise expired(EXPIRED) from None
        # etcd3/errors.go handleCompactedErrorForPaging: a token to go on from now.
        err = expired(INCONSISTENT_CONTINUE)
        err.list_meta = {"continue": encode_continue(start.removesuffix("\x00"), -1)}
        raise err from None


def _page(
    items: list[Obj],
    revision: int,
    info: ResourceInfo,
    namespace: str,
    opts: ListOptions,
    limit: int,
    start: str,
    read: Callable[[Obj], Obj] | None,
) -> ListResult:
    keyed = sorted(
        ((item_key(o, namespace, info.namespaced), o) for o in items), key=lambda p: p[0]
    )
    if start:  # etcd's range from the token's key (a NUL after the last key returned)
        keyed = [(k, o) for k, o in keyed if k >= start]
    selected: list[Obj] = []
    last_key = ""
    more = False
    for index, (key, obj) in enumerate(keyed):
        if limit and len(selected) >= limit:
            more = True
            break
        shown = read(obj) if read is not None else obj
        if opts.matches(shown):
            selected.append(shown)
            last_key = key
        if limit and len(selected) >= limit:
            more = index < len(keyed) - 1
            if more:
                break
    result = ListResult(selected, revision)
    if more:
        result.continue_token = encode_continue(last_key, revision)
        if opts.selects_everything:
            result.remaining = len(keyed) - limit
    return result


__all__ = [
    "ListOptions",
    "ListResult",
    "decode_continue",
    "encode_continue",
    "list_options",
    "parse_resource_version",
    "serve_list",
    "too_large",
    "validate_list_options",
]


def list_body(info: ResourceInfo, items: list[Obj], meta: dict[str, Any]) -> Obj:
    if not info.crd:
        # Typed lists omit each item's kind/apiVersion (recording 013); unstructured keep them.
        items = [{k: v for k, v in o.items() if k not in ("kind", "apiVersion")} for o in items]
    else:
        # An unstructured list always carries "continue", empty on the last page (052).
        meta = {"continue": "", **meta}
    return {
        "kind": info.list_kind,
        "apiVersion": info.api_version,
        "metadata": meta,
        "items": items,
    }
