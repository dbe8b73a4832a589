"""The per-kind strategies, by API group (one module per group or kind family).

`strategy_for(key)` is how the generic store finds the rules of a resource. To give a kind its
own rules: subclass `registry.strategy.Strategy` in ``strategies/<group>.py`` (citing the
pkg/registry/<group>/<kind>/strategy.go it mirrors), add it to that module's ``STRATEGIES``
(resource -> instance) and, for a new module, to ``_GROUPS`` below. `register` does the same at
run time (e.g. for a resource that only exists while the server runs).
"""

from __future__ import annotations

from functools import lru_cache

from rawkube.testing.server.errors import ResourceKey
from rawkube.testing.server.registry.strategies import apiextensions, apps, batch, core, misc, rbac
from rawkube.testing.server.registry.strategies.registered import _lock, _registered, register
from rawkube.testing.server.registry.strategy import Strategy

_GROUPS: dict[str, dict[str, Strategy]] = {
    "": core.STRATEGIES,
    "apps": apps.STRATEGIES,
    "batch": batch.STRATEGIES,
    "certificates.k8s.io": misc.CERTIFICATES,
    "apiregistration.k8s.io": misc.APIREGISTRATION,
    "apiextensions.k8s.io": apiextensions.STRATEGIES,
    "rbac.authorization.k8s.io": rbac.STRATEGIES,
}

# Built-in resources whose strategy keeps metadata.generation (PrepareForCreate sets 1,
# PrepareForUpdate bumps it on a spec change): what the real 1.36 server answers to a create
# (recordings defaults/*-minimal). Other built-in resources (ConfigMap, Service, Lease, RBAC,
# storage, ...) have none; custom resources always do.
GENERATION_TRACKED = frozenset(
    {
        ResourceKey("", "pods"),
        ResourceKey("", "podtemplates"),
        ResourceKey("", "replicationcontrollers"),
        ResourceKey("apps", "daemonsets"),
        ResourceKey("apps", "deployments"),
        ResourceKey("apps", "replicasets"),
        ResourceKey("apps", "statefulsets"),
        ResourceKey("batch", "cronjobs"),
        ResourceKey("batch", "jobs"),
        ResourceKey("apiextensions.k8s.io", "customresourcedefinitions"),
        ResourceKey("discovery.k8s.io", "endpointslices"),
        ResourceKey("flowcontrol.apiserver.k8s.io", "flowschemas"),
        ResourceKey("flowcontrol.apiserver.k8s.io", "prioritylevelconfigurations"),
        ResourceKey("networking.k8s.io", "ingressclasses"),
        ResourceKey("networking.k8s.io", "ingresses"),
        ResourceKey("networking.k8s.io", "networkpolicies"),
        ResourceKey("policy", "poddisruptionbudgets"),
        ResourceKey("resource.k8s.io", "deviceclasses"),
        ResourceKey("resource.k8s.io", "resourceslices"),
        ResourceKey("scheduling.k8s.io", "priorityclasses"),
        *(
            ResourceKey("admissionregistration.k8s.io", r)
            for r in (
                "mutatingadmissionpolicies",
                "mutatingadmissionpolicybindings",
                "mutatingwebhookconfigurations",
                "validatingadmissionpolicies",
                "validatingadmissionpolicybindings",
                "validatingwebhookconfigurations",
            )
        ),
    }
)


@lru_cache(maxsize=1)
def _builtin_groups() -> frozenset[str]:
    from rawkube.testing.server.resources import builtin_discovery

    doc = builtin_discovery()
    return frozenset(
        g["metadata"].get("name") or "" for g in doc["api"]["items"] + doc["apis"]["items"]
    )


def _builtin_group(group: str) -> bool:
    return group in _builtin_groups()


class _GenerationStrategy(Strategy):
    tracks_generation = True


_PLAIN = Strategy()
_TRACKING = _GenerationStrategy()


def strategy_for(key: ResourceKey) -> Strategy:
    """The Strategy of a resource (a group's default when the kind has no class of its own)."""
    with _lock:
        found = _registered.get(key)
    if found is None:
        found = _GROUPS.get(key.group, {}).get(key.resource)
    if found is not None:
        return found
    tracked = key in GENERATION_TRACKED or not _builtin_group(key.group)
    return _TRACKING if tracked else _PLAIN


__all__ = ["register", "strategy_for"]
