"""The review APIs and TokenRequest: create-only endpoints answered, never stored.

* authentication.k8s.io/v1 SelfSubjectReview (pkg/registry/authentication/selfsubjectreview),
  TokenReview (pkg/registry/authentication/tokenreview);
* authorization.k8s.io/v1 SubjectAccessReview, LocalSubjectAccessReview,
  SelfSubjectAccessReview, SelfSubjectRulesReview (pkg/registry/authorization/*, validation in
  pkg/apis/authorization/validation, attributes in pkg/registry/authorization/util);
* v1 serviceaccounts/{name}/token, TokenRequest (pkg/registry/core/serviceaccount/storage/
  token.go), signed by tokens.py.

As in kube-apiserver the generic create handler runs first: decoding, defaulting and the
request's managedFields, so a review echoes them; then each REST's Create. Other methods on
these resources answer 405.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from typing import Any, Protocol

from rawkube.testing.server import decode, rbac
from rawkube.testing.server.auth import (
    MASTERS,
    Attributes,
    Authorizer,
    StorePolicy,
    UserInfo,
)
from rawkube.testing.server.endpoints import register
from rawkube.testing.server.errors import APIError, Obj, ResourceKey, not_found, now_rfc3339
from rawkube.testing.server.negotiation import render_json
from rawkube.testing.server.openapi import Schema
from rawkube.testing.server.patch import ManagedFields
from rawkube.testing.server.request import Request, Response, Target
from rawkube.testing.server.selectors import parse_field_selector, parse_label_selector
from rawkube.testing.server.tokens import TokenError, bound_claims


class API(Protocol):
    """What these endpoints use of handlers.API (a protocol: no import of the handlers)."""

    authn: Any
    server_address: str

    @property
    def store(self) -> Any: ...

    def body(self, req: Request) -> Any: ...

    def manager(self, req: Request) -> str: ...

    def record_update(
        self, req: Request, t: Target, old: Obj | None, obj: Obj, subresource: str | None = None
    ) -> None: ...


AUTHN = "authentication.k8s.io"
AUTHZ = "authorization.k8s.io"
# TokenRequest (pkg/apis/authentication/validation, token.go).
MIN_TOKEN_SECONDS = 600
MAX_TOKEN_SECONDS = 1 << 32
DEFAULT_TOKEN_SECONDS = 3600
# --service-account-extend-token-expiration (default true): a pod-bound token asked for with
# the kubelet's 3607 s gets a year, with a "warnafter" claim (pkg/serviceaccount/claims.go).
WARN_ONLY_SECONDS = 3607
EXTENDED_SECONDS = 365 * 24 * 60 * 60


def _method_not_allowed(api: API, req: Request, t: Target) -> Response:
    raise APIError(
        405,
        "MethodNotAllowed",
        "the server does not allow this method on the requested resource",
        {},
    )


def _review(group: str, resource: str, create: Any) -> None:
    register(group, resource, "", "POST", create)
    for method in ("GET", "PUT", "PATCH", "DELETE"):
        register(group, resource, "", method, _method_not_allowed)


# -- the generic create handler's part -----------------------------------------------------------


def _decoded(api: API, req: Request, t: Target) -> Obj:
    """create.go before rest.Create: decode, default, namespace check, managedFields."""
    obj = decode.object_from_body(api.body(req), t)
    obj, _ = decode.decode(req, t.info, obj, creating=True)
    obj["metadata"].pop("managedFields", None)
    api.record_update(req, t, None, obj)
    return obj


# -- field errors (k8s.io/apimachinery/pkg/util/validation/field) -------------------------------


def _go_json(value: Any) -> str:
    """encoding/json of a value as Go writes it (HTML characters escaped)."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


_META_ORDER = (
    "name",
    "generateName",
    "namespace",
    "selfLink",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "labels",
    "annotations",
    "ownerReferences",
    "finalizers",
    "managedFields",
)
_ENTRY_ORDER = (
    "manager",
    "operation",
    "apiVersion",
    "time",
    "fieldsType",
    "fieldsV1",
    "subresource",
)


def _meta_value(meta: Obj) -> str:
    """An ObjectMeta as a field error shows it: JSON in the Go struct's field order."""
    ordered: dict[str, Any] = {}
    for key in _META_ORDER:
        if meta.get(key) in (None, "", [], {}):
            continue
        value = meta[key]
        if key == "managedFields":
            value = [
                {
                    k: (json.loads(json.dumps(e[k], sort_keys=True)) if k == "fieldsV1" else e[k])
                    for k in _ENTRY_ORDER
                    if e.get(k) not in (None, "")
                }
                for e in value
            ]
        ordered[key] = value
    return _go_json(ordered)


def _go_struct(attrs: Any, fields: tuple[str, ...]) -> str:
    """An internal-API struct without json tags (e.g. NonResourceAttributes): Go field names."""
    if not isinstance(attrs, dict):
        return "null"
    return _go_json({f[0].upper() + f[1:]: attrs.get(f, "") for f in fields})


def _cause(kind: str, path: str, detail: str, value: str | None = None) -> Obj:
    if kind == "Required":
        message = f"Required value: {detail}"
        reason = "FieldValueRequired"
    else:
        message = f"Invalid value: {value}: {detail}"
        reason = "FieldValueInvalid"
    return {"reason": reason, "message": message, "field": path}


def _invalid(group: str, kind: str, name: str, causes: list[Obj]) -> APIError:
    """errors.NewInvalid(GroupKind, name, errs)."""
    texts = [f"{c['field']}: {c['message']}" for c in causes]
    joined = texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]"
    qualified = f"{kind}.{group}" if group else kind
    details: Obj = {}
    if name:
        details["name"] = name
    details["group"] = group
    if kind:
        details["kind"] = kind
    details["causes"] = causes
    return APIError(422, "Invalid", f'{qualified} "{name}" is invalid: {joined}', details)


def _selector_causes(selector: Any, path: str, label: bool) -> list[Obj]:
    if not isinstance(selector, dict):
        return []
    raw, requirements = selector.get("rawSelector") or "", selector.get("requirements") or []
    causes = []
    if raw and requirements:
        causes.append(
            _cause(
                "Invalid",
                f"{path}.rawSelector",
                "may not specified at the same time as requirements",
                rbac.go_quote(raw),
            )
        )
    if not raw and not requirements:
        causes.append(
            _cause(
                "Required",
                f"{path}.requirements",
                f"when {path} is specified, requirements or rawSelector is required",
            )
        )
    return causes


def _spec_causes(spec: Obj, *, subject: bool) -> list[Obj]:
    """ValidateSubjectAccessReviewSpec / ValidateSelfSubjectAccessReviewSpec."""
    causes = []
    resource, other = spec.get("resourceAttributes"), spec.get("nonResourceAttributes")
    if resource is not None and other is not None:
        causes.append(
            _cause(
                "Invalid",
                "spec.nonResourceAttributes",
                "cannot be specified in combination with resourceAttributes",
                _go_struct(other, ("path", "verb")),
            )
        )
    if resource is None and other is None:
        causes.append(
            _cause(
                "Invalid",
                "spec.resourceAttributes",
                "exactly one of nonResourceAttributes or resourceAttributes must be specified",
                "null",
            )
        )
    if subject and not spec.get("user") and not spec.get("groups"):
        causes.append(
            _cause(
                "Invalid",
                "spec.user",
                "at least one of user or group must be specified",
                rbac.go_quote(str(spec.get("user") or "")),
            )
        )
    if isinstance(resource, dict):
        base = "spec.resourceAttributes"
        causes += _selector_causes(resource.get("fieldSelector"), f"{base}.fieldSelector", False)
        causes += _selector_causes(resource.get("labelSelector"), f"{base}.labelSelector", True)
    return causes


def _meta_causes(meta: Obj, *, keep_namespace: bool) -> list[Obj]:
    rest = {k: v for k, v in meta.items() if k != "managedFields" and v not in (None, "", [], {})}
    if keep_namespace:
        rest.pop("namespace", None)
    if not rest:
        return []
    detail = "must be empty except for namespace" if keep_namespace else "must be empty"
    return [_cause("Invalid", "metadata", detail, _meta_value(meta))]


# -- attributes (pkg/registry/authorization/util/helpers.go) ----------------------------------


def _attributes(spec: Obj) -> Attributes:
    resource = spec.get("resourceAttributes")
    if isinstance(resource, dict):
        return Attributes(
            verb=str(resource.get("verb") or ""),
            group=str(resource.get("group") or ""),
            resource=str(resource.get("resource") or ""),
            subresource=str(resource.get("subresource") or ""),
            namespace=str(resource.get("namespace") or ""),
            name=str(resource.get("name") or ""),
        )
    other = spec.get("nonResourceAttributes") or {}
    return Attributes(
        verb=str(other.get("verb") or ""), path=str(other.get("path") or ""), resource_request=False
    )


def _evaluation_error(spec: Obj) -> str:
    """BuildEvaluationError's selector part: raw selectors that do not parse are ignored."""
    resource = spec.get("resourceAttributes")
    if not isinstance(resource, dict):
        return ""
    errors = []
    for key, parse in (
        ("fieldSelector", parse_field_selector),
        ("labelSelector", parse_label_selector),
    ):
        selector = resource.get(key)
        if not isinstance(selector, dict) or not selector.get("rawSelector"):
            continue
        try:
            parse(str(selector["rawSelector"]))
        except APIError:
            errors.append(f"spec.resourceAttributes.{key} ignored due to parse error")
    return "; ".join(errors)


def _decide(api: API, user: UserInfo, spec: Obj) -> Obj:
    allowed, reason = Authorizer(api.store).authorize(user, _attributes(spec))
    status: Obj = {"allowed": allowed}
    if reason:
        status["reason"] = reason
    evaluation = _evaluation_error(spec)
    if evaluation:
        status["evaluationError"] = evaluation
    return status


def _spec_user(spec: Obj) -> UserInfo:
    """AuthorizationAttributesFrom: the user exactly as the spec names it (no groups added)."""
    extra = spec.get("extra") if isinstance(spec.get("extra"), dict) else None
    return UserInfo.make(
        str(spec.get("user") or ""),
        [str(g) for g in spec.get("groups") or []],
        str(spec.get("uid") or ""),
        extra,
        literal=True,
    )


def _spec(obj: Obj) -> Obj:
    spec = obj.get("spec")
    return spec if isinstance(spec, dict) else {}


def _requester(req: Request) -> UserInfo:
    return req.user or UserInfo("system:admin", (MASTERS,))


# -- SubjectAccessReview and friends ------------------------------------------------------------


def subject_access_review(api: API, req: Request, t: Target) -> Response:
    obj = _decoded(api, req, t)
    spec = _spec(obj)
    causes = _spec_causes(spec, subject=True) + _meta_causes(obj["metadata"], keep_namespace=False)
    if causes:
        raise _invalid(AUTHZ, "", "", causes)
    obj["status"] = _decide(api, _spec_user(spec), spec)
    return render_json(obj, 201)


def local_subject_access_review(api: API, req: Request, t: Target) -> Response:
    obj = _decoded(api, req, t)
    spec = _spec(obj)
    meta = obj["metadata"]
    causes = _spec_causes(spec, subject=True) + _meta_causes(meta, keep_namespace=True)
    resource = spec.get("resourceAttributes")
    if isinstance(resource, dict) and str(resource.get("namespace") or "") != meta.get(
        "namespace", ""
    ):
        causes.append(
            _cause(
                "Invalid",
                "spec.resourceAttributes.namespace",
                "must match metadata.namespace",
                rbac.go_quote(str(resource.get("namespace") or "")),
            )
        )
    if spec.get("nonResourceAttributes") is not None:
        causes.append(
            _cause(
                "Invalid",
                "spec.nonResourceAttributes",
                "disallowed on this kind of request",
                _go_struct(spec["nonResourceAttributes"], ("path", "verb")),
            )
        )
    if causes:
        raise _invalid(AUTHZ, "", "", causes)
    obj["status"] = _decide(api, _spec_user(spec), spec)
    return render_json(obj, 201)


def self_subject_access_review(api: API, req: Request, t: Target) -> Response:
    obj = _decoded(api, req, t)
    spec = _spec(obj)
    causes = _spec_causes(spec, subject=False) + _meta_causes(obj["metadata"], keep_namespace=False)
    if causes:
        raise _invalid(AUTHZ, "", "", causes)
    obj["status"] = _decide(api, _requester(req), spec)
    return render_json(obj, 201)


def self_subject_rules_review(api: API, req: Request, t: Target) -> Response:
    """The rules RBAC (and the Node authorizer) would apply in a namespace (RulesFor)."""
    obj = _decoded(api, req, t)
    spec = _spec(obj)
    namespace = str(spec.get("namespace") or "")
    if not namespace:
        raise APIError(400, "BadRequest", "no namespace on request")
    user = _requester(req)
    errors: list[str] = []
    incomplete = False
    if user.username.startswith("system:node:") and "system:nodes" in user.all_groups():
        # The Node authorizer's RulesFor (plugin/pkg/auth/authorizer/node/node_authorizer.go).
        incomplete = True
        errors.append("node authorizer does not support user rule resolution")
    rules, found = rbac.rules_for(StorePolicy(api.store), user, namespace)
    errors += [str(e) for e in found]
    resource_rules = []
    non_resource_rules = []
    for rule in rules:
        if rule.get("resources"):
            entry: Obj = {"verbs": list(rule.get("verbs") or [])}
            for key in ("apiGroups", "resources", "resourceNames"):
                if rule.get(key):
                    entry[key] = list(rule[key])
            resource_rules.append(entry)
        if rule.get("nonResourceURLs"):
            non_resource_rules.append(
                {
                    "verbs": list(rule.get("verbs") or []),
                    "nonResourceURLs": list(rule["nonResourceURLs"]),
                }
            )
    status: Obj = {
        "resourceRules": resource_rules,
        "nonResourceRules": non_resource_rules,
        "incomplete": incomplete,
    }
    if errors:
        status["evaluationError"] = rbac.aggregate_messages(errors)
    review = {
        "kind": t.info.kind,
        "apiVersion": t.info.api_version,
        "metadata": {},
        "spec": {},
        "status": status,
    }
    return render_json(review, 201)


def self_subject_review(api: API, req: Request, t: Target) -> Response:
    """kubectl auth whoami: the requester's user info (a new object, not the request's)."""
    _decoded(api, req, t)
    review = {
        "kind": t.info.kind,
        "apiVersion": t.info.api_version,
        "metadata": {"creationTimestamp": now_rfc3339()},
        "status": {"userInfo": _requester(req).as_dict()},
    }
    return render_json(review, 201)


def token_review(api: API, req: Request, t: Target) -> Response:
    obj = _decoded(api, req, t)
    spec = _spec(obj)
    token = str(spec.get("token") or "")
    if not token:
        raise APIError(400, "BadRequest", "token is required for TokenReview in authentication")
    status: Obj = {}
    if api.authn is None:
        obj["status"] = {"user": {}}
        return render_json(obj, 201)
    audiences = [str(a) for a in spec.get("audiences") or []]
    try:
        user, auds = api.authn.authenticate_token(token, audiences or None)
    except TokenError as err:
        status = {"user": {}, "error": str(err)}
    else:
        status = {"authenticated": True, "user": user.as_dict(), "audiences": auds}
    obj["status"] = status
    return render_json(obj, 201)


# -- TokenRequest (serviceaccounts/{name}/token) ------------------------------------------------


def token_request(api: API, req: Request, t: Target) -> Response:
    if api.authn is None:
        raise APIError(404, "NotFound", "the server could not find the requested resource")
    body = api.body(req)
    if not isinstance(body, dict):
        raise APIError(400, "BadRequest", "the body of the request was in an unknown format")
    body.setdefault("apiVersion", f"{AUTHN}/v1")
    body.setdefault("kind", "TokenRequest")
    meta = body.get("metadata")
    if not isinstance(meta, dict):
        body["metadata"] = meta = {}
    if meta.get("namespace") and meta["namespace"] != t.namespace:
        raise APIError(
            400,
            "BadRequest",
            "the namespace of the provided object does not match the namespace sent on the request",
        )
    spec = body.get("spec")
    if not isinstance(spec, dict):
        body["spec"] = spec = {}
    spec.setdefault("expirationSeconds", DEFAULT_TOKEN_SECONDS)  # SetDefaults_TokenRequestSpec
    # The create handler's managedFields, for the token subresource.
    meta.pop("managedFields", None)
    fields = ManagedFields(None)
    fields.record_update(
        api.manager(req),
        f"{AUTHN}/v1",
        None,
        body,
        Schema.for_kind(AUTHN, "v1", "TokenRequest"),
        "token",
    )
    if fields.entries:
        meta["managedFields"] = fields.entries
    name = t.name
    if meta.get("name") and meta["name"] != name:
        raise _invalid(
            AUTHN,
            "TokenRequest",
            name,
            [
                _cause(
                    "Invalid",
                    "metadata.name",
                    "must match the service account name if specified",
                    rbac.go_quote(str(meta["name"])),
                )
            ],
        )
    sa = api.store.get(ResourceKey("", "serviceaccounts"), t.namespace, name)
    if sa is None:
        raise not_found(ResourceKey("", "serviceaccounts"), name)
    sa_uid = sa["metadata"].get("uid", "")
    if meta.get("uid") and meta["uid"] != sa_uid:
        raise APIError(
            409,
            "Conflict",
            f'Operation cannot be fulfilled on TokenRequest.{AUTHN} "{name}": the UID in the token '
            f"request ({meta['uid']}) does not match the UID of the service account ({sa_uid})",
            {"name": name, "group": AUTHN, "kind": "TokenRequest"},
        )
    if not spec.get("audiences"):
        spec["audiences"] = list(api.authn.audiences)
    meta["name"] = name
    meta["namespace"] = t.namespace
    meta["uid"] = sa_uid
    now = time.time()
    meta["creationTimestamp"] = _rfc3339(now)
    body.pop("status", None)
    seconds = spec.get("expirationSeconds")
    if not isinstance(seconds, int) or isinstance(seconds, bool):
        seconds = DEFAULT_TOKEN_SECONDS
    problems = []
    if seconds < MIN_TOKEN_SECONDS:
        problems.append("may not specify a duration less than 10 minutes")
    if seconds > MAX_TOKEN_SECONDS:
        problems.append("may not specify a duration larger than 2^32 seconds")
    if problems:
        raise _invalid(
            AUTHN,
            "TokenRequest",
            "",
            [_cause("Invalid", "spec.expirationSeconds", p, str(seconds)) for p in problems],
        )
    pod = secret = node = None
    ref = spec.get("boundObjectRef")
    if isinstance(ref, dict):
        pod, secret, node = _bound_object(api, t, name, ref)
    else:
        spec["boundObjectRef"] = None  # no omitempty on TokenRequestSpec.boundObjectRef
    expiry = seconds
    warn_after = 0
    if (
        pod is not None
        and seconds == WARN_ONLY_SECONDS
        and set(spec["audiences"]) <= set(api.authn.audiences)
    ):
        warn_after, expiry = seconds, EXTENDED_SECONDS
    claims = bound_claims(sa, spec["audiences"], expiry, now=now, pod=pod, secret=secret, node=node)
    if warn_after:
        claims["kubernetes.io"]["warnafter"] = int(now) + warn_after
    body["status"] = {
        "token": api.authn.signer.sign(claims),
        "expirationTimestamp": _rfc3339(now + seconds),
    }
    return render_json(body, 201)


def _bound_object(
    api: API, t: Target, sa_name: str, ref: Obj
) -> tuple[Obj | None, Obj | None, Obj | None]:
    api_version = str(ref.get("apiVersion") or "")
    group, _, version = api_version.rpartition("/")
    kind = str(ref.get("kind") or "")
    ref_name = str(ref.get("name") or "")
    pod = secret = node = None
    if group == "" and kind == "Pod":
        pod = api.store.get(ResourceKey("", "pods"), t.namespace, ref_name)
        if pod is None:
            raise not_found(ResourceKey("", "pods"), ref_name)
        if (pod.get("spec") or {}).get("serviceAccountName") != sa_name:
            raise APIError(
                400,
                "BadRequest",
                f'cannot bind token for serviceaccount "{sa_name}" to pod running with different '
                "serviceaccount name.",
            )
        bound = pod
        node_name = (pod.get("spec") or {}).get("nodeName")
        if node_name:
            node = api.store.get(ResourceKey("", "nodes"), "", node_name) or {
                "metadata": {"name": node_name}
            }
    elif group == "" and kind == "Node":
        node = api.store.get(ResourceKey("", "nodes"), "", ref_name)
        if node is None:
            raise not_found(ResourceKey("", "nodes"), ref_name)
        bound = node
    elif group == "" and kind == "Secret":
        secret = api.store.get(ResourceKey("", "secrets"), t.namespace, ref_name)
        if secret is None:
            raise not_found(ResourceKey("", "secrets"), ref_name)
        bound = secret
    else:
        raise APIError(
            400, "BadRequest", f"cannot bind token to object of type {group}/{version}, Kind={kind}"
        )
    uid = bound["metadata"].get("uid", "")
    if ref.get("uid") and ref["uid"] != uid:
        raise APIError(
            409,
            "Conflict",
            f'Operation cannot be fulfilled on {kind} "{ref_name}": the UID in the bound object '
            f"reference ({ref['uid']}) does not match the UID in record. The object might have "
            "been deleted and then recreated",
            {"name": ref_name, "kind": kind},
        )
    return pod, secret, node


def _rfc3339(seconds: float) -> str:
    return datetime.fromtimestamp(int(seconds), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


_review(AUTHN, "selfsubjectreviews", self_subject_review)
_review(AUTHN, "tokenreviews", token_review)
_review(AUTHZ, "subjectaccessreviews", subject_access_review)
_review(AUTHZ, "localsubjectaccessreviews", local_subject_access_review)
_review(AUTHZ, "selfsubjectaccessreviews", self_subject_access_review)
_review(AUTHZ, "selfsubjectrulesreviews", self_subject_rules_review)
register("", "serviceaccounts", "token", "POST", token_request)
for _method in ("GET", "PUT", "PATCH", "DELETE"):
    register("", "serviceaccounts", "token", _method, _method_not_allowed)

__all__ = [
    "local_subject_access_review",
    "self_subject_access_review",
    "self_subject_review",
    "self_subject_rules_review",
    "subject_access_review",
    "token_request",
    "token_review",
]
