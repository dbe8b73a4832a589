"""Validation of ValidatingWebhookConfigurations and MutatingWebhookConfigurations.

Mirrors pkg/apis/admissionregistration/validation/validation.go (validateValidatingWebhook,
validateMutatingWebhook, validateRuleWithOperations, validateAdmissionReviewVersions) and
staging/src/k8s.io/apiserver/pkg/util/webhook/validation.go (ValidateWebhookURL, ...Service).
matchConditions (CEL) are not checked. Absent fields are read as admissionregistration/v1
defaults them (failurePolicy Fail, matchPolicy Equivalent, timeoutSeconds 10, port 443).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from rawkube.testing.server.apivalidation import fielderrors as fe
from rawkube.testing.server.apivalidation import meta as m
from rawkube.testing.server.apivalidation.fielderrors import Cause
from rawkube.testing.server.apivalidation.meta import d, lst, opt, s

Obj = dict[str, Any]
_OPERATIONS = ("*", "CONNECT", "CREATE", "DELETE", "UPDATE")
_SCOPES = ("*", "Cluster", "Namespaced")
_URL_FORM = "; desired format: https://host[/path]"


def is_fully_qualified_name(path: str, name: str) -> list[Cause]:
    """utilvalidation.IsFullyQualifiedName."""
    if not name:
        return [fe.required(path)]
    errs = m.is_dns1123_subdomain(name)
    if errs:
        return [fe.invalid(path, name, ",".join(errs))]
    if len(name.split(".")) < 3:
        return [
            fe.invalid(
                path, name, "should be a domain with at least three segments separated by dots"
            )
        ]
    return []


def _resources(resources: list[Any], path: str) -> list[Cause]:
    """validateResources (subresources allowed)."""
    causes: list[Cause] = []
    if not resources:
        causes.append(fe.required(path))
    wildcard_sub: set[str] = set()
    wildcard_res: set[str] = set()
    double = single = plain = False
    for i, item in enumerate(resources):
        text = str(item)
        if not text:
            causes.append(fe.required(f"{path}[{i}]"))
            continue
        double |= text == "*/*"
        single |= text == "*"
        if "/" not in text:
            plain = text != "*"
            continue
        res, sub = text.split("/", 1)
        if res in wildcard_sub:
            causes.append(
                fe.invalid(
                    f"{path}[{i}]", text, f"if '{res}/*' is present, must not specify {text}"
                )
            )
        if sub in wildcard_res:
            causes.append(
                fe.invalid(
                    f"{path}[{i}]", text, f"if '*/{sub}' is present, must not specify {text}"
                )
            )
        if sub == "*":
            wildcard_sub.add(res)
        if res == "*":
            wildcard_res.add(sub)
    if len(resources) > 1 and double:
        causes.append(
            fe.invalid(path, resources, "if '*/*' is present, must not specify other resources")
        )
    if single and plain:
        causes.append(
            fe.invalid(
                path,
                resources,
                "if '*' is present, must not specify other resources without subresources",
            )
        )
    return causes


def _rule(rule: Any, path: str) -> list[Cause]:
    """validateRuleWithOperations + validateRule."""
    causes: list[Cause] = []
    ops = lst(rule, "operations")
    if not ops:
        causes.append(fe.required(f"{path}.operations"))
    if len(ops) > 1 and "*" in ops:
        causes.append(
            fe.invalid(
                f"{path}.operations", ops, "if '*' is present, must not specify other operations"
            )
        )
    for i, op in enumerate(ops):
        if op not in _OPERATIONS:
            causes.append(fe.not_supported(f"{path}.operations[{i}]", op, _OPERATIONS))
    groups, versions = lst(rule, "apiGroups"), lst(rule, "apiVersions")
    if not groups:
        causes.append(fe.required(f"{path}.apiGroups"))
    if len(groups) > 1 and "*" in groups:
        causes.append(
            fe.invalid(
                f"{path}.apiGroups", groups, "if '*' is present, must not specify other API groups"
            )
        )
    if not versions:
        causes.append(fe.required(f"{path}.apiVersions"))
    if len(versions) > 1 and "*" in versions:
        causes.append(
            fe.invalid(
                f"{path}.apiVersions",
                versions,
                "if '*' is present, must not specify other API versions",
            )
        )
    for i, version in enumerate(versions):
        if version == "":
            causes.append(fe.required(f"{path}.apiVersions[{i}]"))
    causes.extend(_resources(lst(rule, "resources"), f"{path}.resources"))
    scope = opt(rule, "scope")
    if isinstance(scope, str) and scope not in _SCOPES:
        causes.append(fe.not_supported(f"{path}.scope", scope, _SCOPES))
    return causes


def _url(url: str, path: str) -> list[Cause]:
    """ValidateWebhookURL (https forced)."""
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        return [fe.required(path, f"url must be a valid URL: {exc}{_URL_FORM}")]
    causes: list[Cause] = []
    if parts.scheme != "https":
        causes.append(
            fe.invalid(path, parts.scheme, "'https' is the only allowed URL scheme" + _URL_FORM)
        )
    host = parts.netloc.rsplit("@", 1)[-1]
    if not host:
        causes.append(fe.invalid(path, host, "host must be specified" + _URL_FORM))
    if "@" in parts.netloc:
        causes.append(
            fe.invalid(
                path, parts.netloc.rsplit("@", 1)[0], "user information is not permitted in the URL"
            )
        )
    if parts.fragment:
        causes.append(fe.invalid(path, parts.fragment, "fragments are not permitted in the URL"))
    if parts.query:
        causes.append(
            fe.invalid(path, parts.query, "query parameters are not permitted in the URL")
        )
    return causes


def _service(service: Any, path: str) -> list[Cause]:
    """ValidateWebhookService."""
    causes: list[Cause] = []
    # The callers pass (name, namespace) to ValidateWebhookService(namespace, name): an empty
    # namespace is reported on the field "name", an empty name on "namespace".
    if not s(service, "namespace"):
        causes.append(fe.required(f"{path}.name"))
    if not s(service, "name"):
        causes.append(fe.required(f"{path}.namespace"))
    port = m.n(service, "port", 443)
    errs = m.is_valid_port_num(port)
    if errs:
        causes.append(fe.invalid(f"{path}.port", port, "port is not valid: " + ", ".join(errs)))
    url_path = opt(service, "path")
    if not isinstance(url_path, str) or url_path in ("/", ""):
        return causes
    if url_path == "//":
        return [*causes, fe.invalid(f"{path}.path", url_path, "segment[0] may not be empty")]
    if not url_path.startswith("/"):
        causes.append(fe.invalid(f"{path}.path", url_path, "must start with a '/'"))
    check = url_path[1:]
    check = check.removesuffix("/")
    for i, step in enumerate(check.split("/")):
        if not step:
            causes.append(fe.invalid(f"{path}.path", url_path, f"segment[{i}] may not be empty"))
            continue
        for failure in m.is_dns1123_subdomain(step):
            causes.append(fe.invalid(f"{path}.path", url_path, f"segment[{i}]: {failure}"))
    return causes


def _webhook(hook: Any, path: str, mutating: bool) -> list[Cause]:
    causes = is_fully_qualified_name(f"{path}.name", s(hook, "name"))
    for i, rule in enumerate(lst(hook, "rules")):
        causes.extend(_rule(rule, f"{path}.rules[{i}]"))
    failure = opt(hook, "failurePolicy")
    if isinstance(failure, str) and failure not in ("Fail", "Ignore"):
        causes.append(fe.not_supported(f"{path}.failurePolicy", failure, ("Fail", "Ignore")))
    match = opt(hook, "matchPolicy")
    if isinstance(match, str) and match not in ("Equivalent", "Exact"):
        causes.append(fe.not_supported(f"{path}.matchPolicy", match, ("Equivalent", "Exact")))
    effects = opt(hook, "sideEffects")
    if effects is None:
        causes.append(fe.required(f"{path}.sideEffects", "must specify one of None, NoneOnDryRun"))
    elif effects not in ("None", "NoneOnDryRun"):
        causes.append(fe.not_supported(f"{path}.sideEffects", effects, ("None", "NoneOnDryRun")))
    timeout = opt(hook, "timeoutSeconds")
    if isinstance(timeout, int) and not 1 <= timeout <= 30:
        causes.append(
            fe.invalid(
                f"{path}.timeoutSeconds",
                timeout,
                "the timeout value must be between 1 and 30 seconds",
            )
        )
    for key in ("namespaceSelector", "objectSelector"):
        if opt(hook, key) is not None:
            causes.extend(m.validate_label_selector(d(hook, key), f"{path}.{key}"))
    if mutating:
        policy = opt(hook, "reinvocationPolicy")
        if isinstance(policy, str) and policy not in ("IfNeeded", "Never"):
            causes.append(
                fe.not_supported(f"{path}.reinvocationPolicy", policy, ("IfNeeded", "Never"))
            )
    config = d(hook, "clientConfig")
    url, service = opt(config, "url"), opt(config, "service")
    if (url is None) == (service is None):
        causes.append(
            fe.required(f"{path}.clientConfig", "exactly one of url or service is required")
        )
    elif isinstance(url, str):
        causes.extend(_url(url, f"{path}.clientConfig.url"))
    else:
        causes.extend(_service(service, f"{path}.clientConfig.service"))
    return causes


def _review_versions(versions: list[Any], path: str) -> list[Cause]:
    """validateAdmissionReviewVersions."""
    if not versions:
        return [fe.required(path, "must specify one of v1, v1beta1")]
    causes: list[Cause] = []
    seen: set[str] = set()
    accepted = False
    for i, version in enumerate(versions):
        text = str(version)
        if text in seen:
            causes.append(fe.invalid(f"{path}[{i}]", text, "duplicate version"))
            continue
        seen.add(text)
        causes.extend(fe.invalid(f"{path}[{i}]", text, msg) for msg in m.is_dns1035_label(text))
        accepted |= text in ("v1", "v1beta1")
    if not accepted:
        causes.append(fe.invalid(path, versions, "must include at least one of v1, v1beta1"))
    return causes


def _configuration(obj: Obj, mutating: bool) -> list[Cause]:
    causes = m.validate_object_meta(obj, False, m.name_is_dns_subdomain, kube=False)
    names: set[str] = set()
    for i, hook in enumerate(lst(obj, "webhooks")):
        hp = f"webhooks[{i}]"
        causes.extend(_webhook(hook, hp, mutating))
        causes.extend(
            _review_versions(lst(hook, "admissionReviewVersions"), f"{hp}.admissionReviewVersions")
        )
        name = s(hook, "name")
        if name:
            if name in names:
                causes.append(fe.duplicate(f"{hp}.name", name))
            names.add(name)
    return causes


def validate_validating_webhook_configuration(obj: Obj, old: Obj | None = None) -> list[Cause]:
    """ValidateValidatingWebhookConfiguration / ...Update (the same checks)."""
    return _configuration(obj, mutating=False)


def validate_mutating_webhook_configuration(obj: Obj, old: Obj | None = None) -> list[Cause]:
    """ValidateMutatingWebhookConfiguration / ...Update (the same checks)."""
    return _configuration(obj, mutating=True)
