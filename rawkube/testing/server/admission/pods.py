"""The admission plugins that shape a Pod on its way in (plugin/pkg/admission/...):
LimitRanger (defaults), ServiceAccount, Priority, DefaultTolerationSeconds."""

from __future__ import annotations

import random
import time
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from rawkube.testing.server.admission.base import CREATE, UPDATE, Attributes, Plugin, forbidden
from rawkube.testing.server.errors import Obj, ResourceKey

if TYPE_CHECKING:  # pragma: no cover
    from rawkube.testing.server.registry.generic import GenericStore

PODS = frozenset({("", "pods")})
SERVICE_ACCOUNTS = ResourceKey("", "serviceaccounts")
LIMIT_RANGES = ResourceKey("", "limitranges")
PRIORITY_CLASSES = ResourceKey("scheduling.k8s.io", "priorityclasses")
TOKEN_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"  # DefaultAPITokenMountPath
TOKEN_VOLUME_PREFIX = "kube-api-access-"
# names.SimpleNameGenerator's alphabet (the suffix of kube-api-access-xxxxx).
_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def _spec(attrs: Attributes) -> Obj:
    assert attrs.obj is not None
    spec = attrs.obj.get("spec")
    if not isinstance(spec, dict):
        spec = attrs.obj["spec"] = {}
    return spec


def _containers(spec: Obj, *keys: str) -> list[Obj]:
    found: list[Obj] = []
    for key in keys:
        found.extend(c for c in spec.get(key) or [] if isinstance(c, dict))
    return found


class LimitRanger(Plugin):
    """limitranger/admission.go: a namespace's LimitRanges of type Container give the Pod's
    containers their default requests and limits (annotated kubernetes.io/limit-ranger), and
    their min, max and maxLimitRequestRatio bound containers, Pods and claims (403)."""

    name = "LimitRanger"
    mutating = True
    validating = True
    operations = frozenset({CREATE})
    resources = PODS | frozenset({("", "persistentvolumeclaims")})

    def validate(self, attrs: Attributes, store: GenericStore) -> None:
        assert attrs.obj is not None
        errors: list[str] = []
        ranges, _ = store.list(LIMIT_RANGES, attrs.namespace)
        pvc = attrs.ctx.info.resource == "persistentvolumeclaims"
        for limit_range in ranges:
            for item in (limit_range.get("spec") or {}).get("limits") or []:
                kind = item.get("type")
                if pvc:
                    if kind == "PersistentVolumeClaim":
                        # PersistentVolumeClaimValidateLimitFunc: min and max against the
                        # requests only (limits are not user input for claims).
                        resources = (attrs.obj.get("spec") or {}).get("resources") or {}
                        requests = resources.get("requests") or {}
                        errors += _constraints({"min": item.get("min")}, kind, requests, {})
                        errors += _max_request(item, kind, requests)
                    continue
                spec = attrs.obj.get("spec") or {}
                if kind == "Container":
                    for container in _containers(spec, "containers", "initContainers"):
                        resources = container.get("resources") or {}
                        errors += _constraints(
                            item,
                            kind,
                            resources.get("requests") or {},
                            resources.get("limits") or {},
                        )
                elif kind == "Pod":
                    errors += _constraints(item, kind, *_pod_totals(spec))
        if errors:
            raise forbidden(attrs, errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]")

    def admit(self, attrs: Attributes, store: GenericStore) -> None:
        if attrs.ctx.info.resource != "pods":
            return
        self._defaults(attrs, store)

    def _defaults(self, attrs: Attributes, store: GenericStore) -> None:
        ranges, _ = store.list(LIMIT_RANGES, attrs.namespace)
        for limit_range in ranges:
            limits: Obj = {}
            requests: Obj = {}
            for item in (limit_range.get("spec") or {}).get("limits") or []:
                if item.get("type") == "Container":
                    limits.update(item.get("default") or {})
                    requests.update(item.get("defaultRequest") or {})
            if limits or requests:
                self._merge(attrs, limits, requests)

    def _merge(self, attrs: Attributes, limits: Obj, requests: Obj) -> None:
        spec = _spec(attrs)
        notes: list[str] = []
        for key, label in (("containers", "container"), ("initContainers", "init container")):
            for container in _containers(spec, key):
                resources = container.setdefault("resources", {})
                set_limits = [k for k in sorted(limits) if k not in (resources.get("limits") or {})]
                set_requests = [
                    k for k in sorted(requests) if k not in (resources.get("requests") or {})
                ]
                if set_limits:
                    resources.setdefault("limits", {}).update({k: limits[k] for k in set_limits})
                if set_requests:
                    resources.setdefault("requests", {}).update(
                        {k: requests[k] for k in set_requests}
                    )
                if set_requests:
                    notes.append(
                        f"{', '.join(set_requests)} request for {label} {container.get('name')}"
                    )
                if set_limits:
                    notes.append(
                        f"{', '.join(set_limits)} limit for {label} {container.get('name')}"
                    )
        if notes:
            assert attrs.obj is not None
            annotations = attrs.obj.setdefault("metadata", {}).setdefault("annotations", {})
            annotations["kubernetes.io/limit-ranger"] = "LimitRanger plugin set: " + "; ".join(
                notes
            )


def _q(value: Any) -> tuple[Fraction, str] | None:
    from rawkube.testing.server.apivalidation.goparse import quantity

    return quantity(value)


def _constraints(item: Obj, kind: str, requests: Obj, limits: Obj) -> list[str]:
    """minConstraint, maxConstraint, limitRequestRatioConstraint for one LimitRangeItem."""
    errors: list[str] = []
    for name, bound in (item.get("min") or {}).items():
        enforced = _q(bound)
        if enforced is None:
            continue
        req, lim = _q(requests.get(name)), _q(limits.get(name))
        if req is None:
            errors.append(
                f"minimum {name} usage per {kind} is {enforced[1]}.  No request is specified"
            )
        elif req[0] < enforced[0]:
            errors.append(
                f"minimum {name} usage per {kind} is {enforced[1]}, but request is {req[1]}"
            )
        elif lim is not None and lim[0] < enforced[0]:
            errors.append(
                f"minimum {name} usage per {kind} is {enforced[1]}, but limit is {lim[1]}"
            )
    for name, bound in (item.get("max") or {}).items():
        enforced = _q(bound)
        if enforced is None:
            continue
        req, lim = _q(requests.get(name)), _q(limits.get(name))
        if lim is None:
            errors.append(
                f"maximum {name} usage per {kind} is {enforced[1]}.  No limit is specified"
            )
        elif lim[0] > enforced[0]:
            errors.append(
                f"maximum {name} usage per {kind} is {enforced[1]}, but limit is {lim[1]}"
            )
        elif req is not None and req[0] > enforced[0]:
            errors.append(
                f"maximum {name} usage per {kind} is {enforced[1]}, but request is {req[1]}"
            )
    for name, bound in (item.get("maxLimitRequestRatio") or {}).items():
        enforced = _q(bound)
        if enforced is None:
            continue
        req, lim = _q(requests.get(name)), _q(limits.get(name))
        if req is None or req[0] == 0:
            errors.append(
                f"{name} max limit to request ratio per {kind} is {enforced[1]}, but no request "
                "is specified or request is 0"
            )
        elif lim is None or lim[0] == 0:
            errors.append(
                f"{name} max limit to request ratio per {kind} is {enforced[1]}, but no limit "
                "is specified or limit is 0"
            )
        elif lim[0] / req[0] > enforced[0]:
            errors.append(
                f"{name} max limit to request ratio per {kind} is {enforced[1]}, but provided "
                f"ratio is {float(lim[0] / req[0]):f}"
            )
    return errors


def _max_request(item: Obj, kind: str, requests: Obj) -> list[str]:
    """maxRequestConstraint."""
    errors: list[str] = []
    for name, bound in (item.get("max") or {}).items():
        enforced, req = _q(bound), _q(requests.get(name))
        if enforced is None:
            continue
        if req is None:
            errors.append(
                f"maximum {name} usage per {kind} is {enforced[1]}.  No request is specified"
            )
        elif req[0] > enforced[0]:
            errors.append(
                f"maximum {name} usage per {kind} is {enforced[1]}, but request is {req[1]}"
            )
    return errors


def _pod_totals(spec: Obj) -> tuple[Obj, Obj]:
    """podRequests / podLimits: the containers' sum, or an init container's when larger."""
    totals: list[dict[str, Fraction]] = [{}, {}]
    for container in _containers(spec, "containers"):
        resources = container.get("resources") or {}
        for i, key in enumerate(("requests", "limits")):
            for name, value in (resources.get(key) or {}).items():
                parsed = _q(value)
                if parsed is not None:
                    totals[i][name] = totals[i].get(name, Fraction(0)) + parsed[0]
    for container in _containers(spec, "initContainers"):
        resources = container.get("resources") or {}
        for i, key in enumerate(("requests", "limits")):
            for name, value in (resources.get(key) or {}).items():
                parsed = _q(value)
                if parsed is not None and parsed[0] > totals[i].get(name, Fraction(0)):
                    totals[i][name] = parsed[0]
    from rawkube.testing.server.apivalidation.goparse import canonical_quantity

    return (
        {k: canonical_quantity(v, "DecimalSI") for k, v in totals[0].items()},
        {k: canonical_quantity(v, "DecimalSI") for k, v in totals[1].items()},
    )


def token_volume_source() -> Obj:
    """serviceaccount.TokenVolumeSource: the projected kube-api-access-* volume."""
    return {
        "sources": [
            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
            {
                "configMap": {
                    "name": "kube-root-ca.crt",
                    "items": [{"key": "ca.crt", "path": "ca.crt"}],
                }
            },
            {
                "downwardAPI": {
                    "items": [
                        {
                            "path": "namespace",
                            "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"},
                        }
                    ]
                }
            },
        ],
        "defaultMode": 420,
    }


class ServiceAccount(Plugin):
    """serviceaccount/admission.go: a Pod runs as a ServiceAccount (``default`` unless it
    names one), which must exist; unless automounting is off (the Pod's, then the account's
    automountServiceAccountToken) every container mounts the projected token volume at
    /var/run/secrets/kubernetes.io/serviceaccount; a Pod without imagePullSecrets gets the
    account's."""

    name = "ServiceAccount"
    mutating = True
    validating = True
    operations = frozenset({CREATE})
    resources = PODS

    def admit(self, attrs: Attributes, store: GenericStore) -> None:
        assert attrs.obj is not None
        if _mirror_pod(attrs.obj):
            return
        spec = _spec(attrs)
        if not spec.get("serviceAccountName"):
            spec["serviceAccountName"] = "default"
        account = self._account(attrs, store, str(spec["serviceAccountName"]))
        # The deprecated spec.serviceAccount mirrors the name (pkg/apis/core/v1 conversion).
        spec["serviceAccount"] = spec["serviceAccountName"]
        if _automount(account, spec):
            self._mount(spec)
        if not spec.get("imagePullSecrets") and account.get("imagePullSecrets"):
            spec["imagePullSecrets"] = [
                {"name": s.get("name", "")} for s in account["imagePullSecrets"]
            ]

    def validate(self, attrs: Attributes, store: GenericStore) -> None:
        assert attrs.obj is not None
        spec = attrs.obj.get("spec") or {}
        if _mirror_pod(attrs.obj):
            if spec.get("serviceAccountName"):
                raise forbidden(attrs, "a mirror pod may not reference service accounts")
            return
        if not spec.get("serviceAccountName"):
            raise forbidden(
                attrs, f"no service account specified for pod {attrs.namespace}/{attrs.name}"
            )
        self._account(attrs, store, str(spec["serviceAccountName"]))

    def _account(self, attrs: Attributes, store: GenericStore, name: str) -> Obj:
        """getServiceAccount: the default account is waited for a little (the controller
        creates it just after the namespace), up to 10 tries. A trusted in-process caller
        neither waits nor is refused (it gets the default automount behaviour)."""
        if attrs.ctx.trusted:
            return store.get(SERVICE_ACCOUNTS, attrs.namespace, name) or {}
        tries = 10 if name == "default" else 1
        for attempt in range(tries):
            account = store.get(SERVICE_ACCOUNTS, attrs.namespace, name)
            if account is not None:
                return account
            if attempt + 1 < tries:
                time.sleep(0.1 + random.random() * 0.1)
        raise forbidden(
            attrs,
            f"error looking up service account {attrs.namespace}/{name}: "
            f'serviceaccount "{name}" not found',
        )

    def _mount(self, spec: Obj) -> None:
        volumes = [v for v in spec.get("volumes") or [] if isinstance(v, dict)]
        existing = next(
            (v for v in volumes if str(v.get("name", "")).startswith(TOKEN_VOLUME_PREFIX)), None
        )
        name = (
            str(existing["name"])
            if existing
            else TOKEN_VOLUME_PREFIX + "".join(random.choice(_ALPHABET) for _ in range(5))
        )
        needed = False
        for container in _containers(spec, "initContainers", "containers"):
            mounts = container.get("volumeMounts") or []
            if any(m.get("mountPath") == TOKEN_MOUNT_PATH for m in mounts):
                continue
            container["volumeMounts"] = [
                *mounts,
                {"name": name, "readOnly": True, "mountPath": TOKEN_MOUNT_PATH},
            ]
            needed = True
        if existing is None and needed:
            spec["volumes"] = [*volumes, {"name": name, "projected": token_volume_source()}]


def _mirror_pod(pod: Obj) -> bool:
    annotations = (pod.get("metadata") or {}).get("annotations") or {}
    return "kubernetes.io/config.mirror" in annotations


def _automount(account: Obj, spec: Obj) -> bool:
    """shouldAutomount: the Pod's preference wins, then the account's, else true."""
    if spec.get("automountServiceAccountToken") is not None:
        return bool(spec["automountServiceAccountToken"])
    if account.get("automountServiceAccountToken") is not None:
        return bool(account["automountServiceAccountToken"])
    return True


class Priority(Plugin):
    """priority/admission.go: a Pod's priority (and preemptionPolicy) come from its
    PriorityClass, the global default class, or 0 / PreemptLowerPriority; an update keeps them."""

    name = "Priority"
    mutating = True
    operations = frozenset({CREATE, UPDATE})
    resources = PODS

    def admit(self, attrs: Attributes, store: GenericStore) -> None:
        spec = _spec(attrs)
        if attrs.operation == UPDATE:
            old = (attrs.old or {}).get("spec") or {}
            for key in ("priority", "preemptionPolicy"):
                if spec.get(key) is None and old.get(key) is not None:
                    spec[key] = old[key]
            return
        name, value, policy = self._establish(attrs, store, spec.get("priorityClassName"))
        if name:
            spec["priorityClassName"] = name
        if spec.get("priority") is not None and spec["priority"] != value:
            raise forbidden(
                attrs,
                f"the integer value of priority ({spec['priority']}) must not be provided in "
                f"pod spec; priority admission controller computed {value} from the given "
                "PriorityClass name",
            )
        spec["priority"] = value
        if policy is not None:
            if spec.get("preemptionPolicy") not in (None, policy):
                raise forbidden(
                    attrs,
                    f"the string value of PreemptionPolicy ({spec['preemptionPolicy']}) must not "
                    f"be provided in pod spec; priority admission controller computed {policy} "
                    "from the given PriorityClass name",
                )
            spec["preemptionPolicy"] = policy

    def _establish(
        self, attrs: Attributes, store: GenericStore, class_name: Any
    ) -> tuple[str, int, str | None]:
        if not class_name:
            classes, _ = store.list(PRIORITY_CLASSES, copy_objects=False)
            defaults = [c for c in classes if c.get("globalDefault")]
            if defaults:
                chosen = min(defaults, key=lambda c: int(c.get("value") or 0))
                return (
                    chosen["metadata"]["name"],
                    int(chosen.get("value") or 0),
                    chosen.get("preemptionPolicy"),
                )
            return "", 0, "PreemptLowerPriority"
        found = store.get(PRIORITY_CLASSES, "", str(class_name))
        if found is None:
            raise forbidden(attrs, f"no PriorityClass with name {class_name} was found")
        return str(class_name), int(found.get("value") or 0), found.get("preemptionPolicy")


class DefaultTolerationSeconds(Plugin):
    """defaulttolerationseconds/admission.go: Pods tolerate not-ready and unreachable nodes
    for 300 s (NoExecute) unless they say otherwise."""

    name = "DefaultTolerationSeconds"
    mutating = True
    operations = frozenset({CREATE, UPDATE})
    resources = PODS

    def admit(self, attrs: Attributes, store: GenericStore) -> None:
        spec = _spec(attrs)
        tolerations = [t for t in spec.get("tolerations") or [] if isinstance(t, dict)]

        def tolerates(key: str) -> bool:
            return any(
                t.get("key", "") in (key, "") and t.get("effect", "") in ("NoExecute", "")
                for t in tolerations
            )

        added = [
            {
                "key": key,
                "operator": "Exists",
                "effect": "NoExecute",
                "tolerationSeconds": 300,
            }
            for key in ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable")
            if not tolerates(key)
        ]
        if added:
            spec["tolerations"] = tolerations + added
