"""Validation of incoming objects: what each kind's registry strategy checks (Strategy.validate /
validate_update call into this module).

422 Invalid errors carry ``details.causes`` and a message in the apiserver's format
(k8s.io/apimachinery/pkg/api/errors.NewInvalid):
``Deployment.apps "x" is invalid: <field>: <detail>`` (several errors: ``[a, b]``).
"""

from __future__ import annotations

import json
import re
from typing import Any

from rawkube.testing.server.errors import APIError
from rawkube.testing.server.resources import ResourceInfo
from rawkube.testing.server.selectors import label_selector_predicate

_DNS1123_SUBDOMAIN = re.compile(
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
)
_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_SUBDOMAIN_HELP = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.',"
    " and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
    "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
_LABEL_HELP = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
# Resources whose names must be DNS labels rather than subdomains (ValidateNamespaceName, ...).
_LABEL_NAMED = {("", "namespaces"), ("", "services")}
# Workloads whose spec.selector must select spec.template.metadata.labels.
_SELECTOR_KINDS = {
    ("apps", "deployments"),
    ("apps", "replicasets"),
    ("apps", "statefulsets"),
    ("apps", "daemonsets"),
}

Cause = dict[str, str]


def required(field: str, detail: str = "") -> Cause:
    message = "Required value" + (f": {detail}" if detail else "")
    return {"reason": "FieldValueRequired", "message": message, "field": field}


def invalid(field: str, value: Any, detail: str) -> Cause:
    shown = json.dumps(value, separators=(",", ":"))
    return {
        "reason": "FieldValueInvalid",
        "message": f"Invalid value: {shown}: {detail}",
        "field": field,
    }


def invalid_error(info: ResourceInfo, name: str, causes: list[Cause]) -> APIError:
    """The 422 Status for one or more field errors (errors.NewInvalid)."""
    from rawkube.testing.server import apivalidation

    return apivalidation.invalid_error(info, name, causes)


def validate_create(info: ResourceInfo, obj: dict[str, Any]) -> list[Cause]:
    """The causes that make a new object invalid (empty: valid). The registry calls this
    through the kind's Strategy.validate and raises `invalid_error` with them. Built-in kinds:
    their Go validation (apivalidation); custom resources: the name rule only (apiextensions)."""
    if not info.crd:
        from rawkube.testing.server import apivalidation

        return apivalidation.validate(info, obj)
    return _causes(info, obj, creating=True)


def validate_update(info: ResourceInfo, obj: dict[str, Any], old: dict[str, Any]) -> list[Cause]:
    """The causes that make an update invalid (Strategy.validate_update)."""
    if not info.crd:
        from rawkube.testing.server import apivalidation

        return apivalidation.validate_update(info, obj, old)
    return _causes(info, obj, creating=False)


def _causes(info: ResourceInfo, obj: dict[str, Any], *, creating: bool) -> list[Cause]:
    meta = obj.get("metadata") or {}
    causes: list[Cause] = []
    name = str(meta.get("name") or "")
    if creating and not name and not meta.get("generateName"):
        causes.append(required("metadata.name", "name or generateName is required"))
    elif name:
        causes.extend(_name_causes(info, name))
    if (info.group, info.resource) in _SELECTOR_KINDS:
        causes.extend(_selector_causes(obj))
    if info.key == ("", "pods") and not ((obj.get("spec") or {}).get("containers")):
        causes.append(required("spec.containers"))
    return causes


def _name_causes(info: ResourceInfo, name: str) -> list[Cause]:
    if (info.group, info.resource) in _LABEL_NAMED:
        if not _DNS1123_LABEL.match(name) or len(name) > 63:
            return [invalid("metadata.name", name, _LABEL_HELP)]
    elif (not _DNS1123_SUBDOMAIN.match(name) or len(name) > 253) and not info.crd:
        return [invalid("metadata.name", name, _SUBDOMAIN_HELP)]
    return []


def _selector_causes(obj: dict[str, Any]) -> list[Cause]:
    spec = obj.get("spec") or {}
    selector = spec.get("selector")
    if not selector:
        return [required("spec.selector")]
    labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    if not label_selector_predicate(selector)(labels):
        return [
            invalid(
                "spec.template.metadata.labels",
                labels,
                "`selector` does not match template `labels`",
            )
        ]
    return []
