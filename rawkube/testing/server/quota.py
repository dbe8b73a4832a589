"""ResourceQuota: usage, the quota controller and the admission plugin.

* `usage(key, obj)`: what one object charges (pkg/quota/v1/evaluator/core: pods count and, while
  not terminal, their requests and limits; services, node ports and load balancers; claims and
  their storage; ``count/<resource>[.<group>]`` for everything).
* `ResourceQuotaController` (pkg/controller/resourcequota): every quota's ``status.hard`` and
  ``status.used``, recomputed from the namespace's objects (an Update of its status by
  kube-controller-manager).
* `ResourceQuotaAdmission` (k8s.io/apiserver/pkg/admission/plugin/resourcequota): a create that
  would take a quota over its hard limits is refused (403 ``exceeded quota: ...``); a Pod must
  state the compute resources a quota limits (``failed quota: ...: must specify ...``); a
  quota whose usage is not known yet refuses too (``status unknown for quota``); an accepted
  create is charged to the quota's status at once.

Quotas with scopes or scope selectors are not modelled (they are left alone).
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any

from rawkube.testing.server.admission.base import CREATE, Attributes, Plugin, forbidden
from rawkube.testing.server.errors import APIError, Obj, ResourceKey

if TYPE_CHECKING:  # pragma: no cover
    from rawkube.testing.server.registry.generic import GenericStore

QUOTAS = ResourceKey("", "resourcequotas")
Amounts = dict[str, tuple[Fraction, str]]  # resource name -> (value, quantity format)
_COMPUTE = ("cpu", "memory", "ephemeral-storage")
_POD_VALIDATION = {
    "requests.cpu",
    "requests.memory",
    "limits.cpu",
    "limits.memory",
    "cpu",
    "memory",
}
_LEGACY_COUNTS = {
    ("", "pods"): "pods",
    ("", "services"): "services",
    ("", "persistentvolumeclaims"): "persistentvolumeclaims",
    ("", "configmaps"): "configmaps",
    ("", "secrets"): "secrets",
    ("", "replicationcontrollers"): "replicationcontrollers",
    ("", "resourcequotas"): "resourcequotas",
}


def _q(value: Any) -> tuple[Fraction, str] | None:
    from rawkube.testing.server.apivalidation.goparse import quantity

    parsed = quantity(value)
    if parsed is None:
        return None
    from rawkube.testing.server.apivalidation.goparse import parse_quantity

    return parsed[0], parse_quantity(str(value).strip())[1]


def _text(amount: tuple[Fraction, str]) -> str:
    from rawkube.testing.server.apivalidation.goparse import canonical_quantity

    return canonical_quantity(amount[0], amount[1])


def _add(total: Amounts, name: str, amount: tuple[Fraction, str]) -> None:
    if name in total:
        total[name] = (total[name][0] + amount[0], total[name][1])
    else:
        total[name] = amount


def _one() -> tuple[Fraction, str]:
    return Fraction(1), "DecimalSI"


def count_name(key: ResourceKey) -> str:
    return f"count/{key.resource}.{key.group}" if key.group else f"count/{key.resource}"


def _pod_totals(spec: Obj) -> tuple[Amounts, Amounts]:
    requests: Amounts = {}
    limits: Amounts = {}
    for container in spec.get("containers") or []:
        resources = (container or {}).get("resources") or {}
        for total, key in ((requests, "requests"), (limits, "limits")):
            for name, value in (resources.get(key) or {}).items():
                parsed = _q(value)
                if parsed is not None:
                    _add(total, name, parsed)
    for container in spec.get("initContainers") or []:
        resources = (container or {}).get("resources") or {}
        for total, key in ((requests, "requests"), (limits, "limits")):
            for name, value in (resources.get(key) or {}).items():
                parsed = _q(value)
                if parsed is not None and (name not in total or parsed[0] > total[name][0]):
                    total[name] = parsed
    return requests, limits


def _amounts(values: Any) -> Amounts:
    found: Amounts = {}
    for name, value in (values or {}).items() if isinstance(values, dict) else ():
        parsed = _q(value)
        if parsed is not None:
            found[name] = parsed
    return found


def _compute_usage(requests: Amounts, limits: Amounts) -> Amounts:
    """podComputeUsageHelper."""
    result: Amounts = {"pods": _one()}
    for name in _COMPUTE:
        if name in requests:
            result[name] = requests[name]
            result[f"requests.{name}"] = requests[name]
        if name in limits:
            result[f"limits.{name}"] = limits[name]
    return result


def usage(key: ResourceKey, obj: Obj) -> Amounts:
    """What ``obj`` charges to the quotas of its namespace."""
    result: Amounts = {count_name(key): _one()}
    legacy = _LEGACY_COUNTS.get((key.group, key.resource))
    if key == ResourceKey("", "pods"):
        phase = (obj.get("status") or {}).get("phase")
        if phase not in ("Succeeded", "Failed"):
            result.update(_compute_usage(*_pod_totals(obj.get("spec") or {})))
        return result
    if legacy:
        result[legacy] = _one()
    if key == ResourceKey("", "services"):
        spec = obj.get("spec") or {}
        if spec.get("type") in ("NodePort", "LoadBalancer"):
            ports = [p for p in spec.get("ports") or [] if isinstance(p, dict)]
            result["services.nodeports"] = (Fraction(len(ports)), "DecimalSI")
        if spec.get("type") == "LoadBalancer":
            result["services.loadbalancers"] = _one()
    if key == ResourceKey("", "persistentvolumeclaims"):
        requests = ((obj.get("spec") or {}).get("resources") or {}).get("requests") or {}
        parsed = _q(requests.get("storage"))
        if parsed is not None:
            result["requests.storage"] = parsed
    return result


def _unscoped(quota: Obj) -> bool:
    spec = quota.get("spec") or {}
    return not spec.get("scopes") and not spec.get("scopeSelector")


def _hard(quota: Obj) -> Amounts:
    hard: Amounts = {}
    for name, value in ((quota.get("spec") or {}).get("hard") or {}).items():
        parsed = _q(value)
        if parsed is not None:
            hard[name] = parsed
    return hard


def _charged_keys(store: GenericStore) -> list[ResourceKey]:
    stored = store.keys()  # every resource that has (or had) objects
    return [k for k in stored if k != QUOTAS] + [QUOTAS]


class ResourceQuotaController:
    """Keeps status.hard and status.used of every (unscoped) ResourceQuota."""

    def __init__(self, store: GenericStore) -> None:
        self.store = store
        from rawkube.testing.server.isolation import Guard

        self.guard = Guard("resourcequota")

    def tick(self) -> int:
        quotas, _ = self.store.list(QUOTAS, copy_objects=False)
        return sum(self.guard.run(q, self._sync) for q in quotas if _unscoped(q))

    def _sync(self, quota: Obj) -> int:
        with self.store.lock:  # usage and the quota's status from one consistent state
            return self._sync_locked(quota)

    def _sync_locked(self, quota: Obj) -> int:
        latest = self.store.get(
            QUOTAS, quota["metadata"].get("namespace", ""), quota["metadata"]["name"]
        )
        if latest is None:
            return 0
        quota = latest
        namespace = quota["metadata"].get("namespace", "")
        hard = _hard(quota)
        used: Amounts = {name: (Fraction(0), amount[1]) for name, amount in hard.items()}
        for key in _charged_keys(self.store):
            items, _ = self.store.list(key, namespace, copy_objects=False)
            for item in items:
                if item["metadata"].get("namespace") != namespace:
                    continue
                for name, amount in usage(key, item).items():
                    if name in used:
                        used[name] = (used[name][0] + amount[0], used[name][1])
        status = {
            "hard": dict((quota.get("spec") or {}).get("hard") or {}),
            "used": {name: _text(amount) for name, amount in used.items()},
        }
        # The controller's typed status: empty maps are omitted (omitempty), so a quota with no
        # hard limits gets no status fields and no managedFields entry (an empty field set).
        status = {k: v for k, v in status.items() if v}
        if quota.get("status") == status:
            return 0
        from rawkube.testing.server.systemwrite import system_update

        def write(draft: Obj) -> None:
            draft["status"] = status

        system_update(
            self.store, "", "v1", "resourcequotas", namespace, quota["metadata"]["name"],
            write, "kube-controller-manager", subresource="status",
        )  # fmt: skip
        return 1


def _pretty(amounts: Amounts) -> str:
    return ",".join(f"{name}={_text(amounts[name])}" for name in sorted(amounts))


class ResourceQuotaAdmission(Plugin):
    """The ResourceQuota admission plugin (creates only: updates are not charged here)."""

    name = "ResourceQuota"
    validating = True
    operations = frozenset({CREATE})

    def handles(self, attrs: Attributes) -> bool:
        return super().handles(attrs) and bool(attrs.ctx.info.namespaced) and not attrs.ctx.trusted

    def validate(self, attrs: Attributes, store: GenericStore) -> None:
        assert attrs.obj is not None
        key = attrs.ctx.info.key
        quotas, _ = store.list(QUOTAS, attrs.namespace)
        delta = usage(key, attrs.obj)
        charges: list[tuple[Obj, Amounts]] = []
        for quota in quotas:
            if not _unscoped(quota):
                continue
            status = quota.get("status") or {}
            hard = _hard({"spec": {"hard": status.get("hard") or {}}})
            restricted = [name for name in hard if name in delta or self._limits(key, name)]
            if not restricted:
                continue
            if key == ResourceKey("", "pods"):
                self._constraints(attrs, quota, restricted)
            used_raw = status.get("used") or {}
            if any(name not in used_raw for name in restricted):
                raise forbidden(
                    attrs,
                    f"status unknown for quota: {quota['metadata']['name']}, resources: "
                    + ",".join(sorted(restricted)),
                )
            used: Amounts = {}
            for name in restricted:
                parsed = _q(used_raw[name])
                used[name] = parsed if parsed is not None else (Fraction(0), "DecimalSI")
            requested = {name: delta[name] for name in restricted if name in delta}
            exceeded = [
                name
                for name, amount in requested.items()
                if used[name][0] + amount[0] > hard[name][0]
            ]
            if exceeded:
                raise forbidden(
                    attrs,
                    f"exceeded quota: {quota['metadata']['name']}, requested: "
                    f"{_pretty({n: requested[n] for n in exceeded})}, used: "
                    f"{_pretty({n: used[n] for n in exceeded})}, limited: "
                    f"{_pretty({n: hard[n] for n in exceeded})}",
                )
            new_used = dict(used)
            for name, amount in requested.items():
                new_used[name] = (used[name][0] + amount[0], used[name][1])
            charges.append((quota, new_used))
        for quota, new_used in charges:
            self._charge(store, quota, new_used)

    @staticmethod
    def _limits(key: ResourceKey, name: str) -> bool:
        """Whether a pod quota resource applies to a Pod that does not charge it (a Pod
        without requests is still subject to a requests.cpu quota's constraint)."""
        return key == ResourceKey("", "pods") and name in _POD_VALIDATION

    def _constraints(self, attrs: Attributes, quota: Obj, restricted: list[str]) -> None:
        """podEvaluator.Constraints: each container states the compute resources limited."""
        required = sorted(set(restricted) & _POD_VALIDATION)
        if not required:
            return
        spec = (attrs.obj or {}).get("spec") or {}
        missing: dict[str, list[str]] = {}
        for container in (spec.get("containers") or []) + (spec.get("initContainers") or []):
            resources = (container or {}).get("resources") or {}
            have = set(
                _compute_usage(
                    _amounts(resources.get("requests")), _amounts(resources.get("limits"))
                )
            )
            for name in required:
                if name not in have:
                    missing.setdefault(name, []).append(str(container.get("name")))
        if missing:
            parts = [
                f"{name} for: {','.join(sorted(names))}" for name, names in sorted(missing.items())
            ]
            raise forbidden(
                attrs, f"failed quota: {quota['metadata']['name']}: must specify {'; '.join(parts)}"
            )

    def _charge(self, store: GenericStore, quota: Obj, new_used: Amounts) -> None:
        def write(draft: Obj) -> None:
            status = draft.setdefault("status", {})
            used = dict(status.get("used") or {})
            used.update({name: _text(amount) for name, amount in new_used.items()})
            status["used"] = used

        from rawkube.testing.server.systemwrite import system_update

        try:
            # The plugin writes the new usage itself (an Update of the quota's status by
            # kube-apiserver), before the object it admitted is stored.
            system_update(
                store,
                "",
                "v1",
                "resourcequotas",
                quota["metadata"].get("namespace", ""),
                quota["metadata"]["name"],
                write,
                "kube-apiserver",
                subresource="status",
            )
        except APIError:
            pass


__all__ = ["ResourceQuotaAdmission", "ResourceQuotaController", "count_name", "usage"]
