"""The per-kind strategies, by API group (one module per group or kind family).

`strategy_for(key)` is how the generic store finds the rules of a resource. To give a kind its
own rules: subclass `registry.strategy.Strategy` in ``strategies/<group>.py`` (citing the
pkg/registry/<group>/<kind>/strategy.go it mirrors), add it to that module's ``STRATEGIES``
(resource -> instance) and, for a new module, to ``_GROUPS`` below. `register` does the same at
run time (e.g. for a resource that only exists while the server runs).
"""

from __future__ import annotations

import threading

from rawkube.testing.server.errors import ResourceKey
from rawkube.testing.server.registry.strategies import apiextensions, apps, core, rbac
from rawkube.testing.server.registry.strategy import Strategy

_GROUPS: dict[str, dict[str, Strategy]] = {
    "": core.STRATEGIES,
    "apps": apps.STRATEGIES,
    "apiextensions.k8s.io": apiextensions.STRATEGIES,
    "rbac.authorization.k8s.io": rbac.STRATEGIES,
}

# Groups whose kinds keep no metadata.generation (plain data and bookkeeping kinds: a
# ConfigMap or a Lease has none; recordings 055, 056). Other groups' kinds (workloads,
# batch, networking, policy, custom resources, ...) track it.
_NO_GENERATION_GROUPS = {
    "",
    "coordination.k8s.io",
    "discovery.k8s.io",
    "events.k8s.io",
    "rbac.authorization.k8s.io",
    "scheduling.k8s.io",
    "node.k8s.io",
    "certificates.k8s.io",
    "apiregistration.k8s.io",
    "authentication.k8s.io",
    "authorization.k8s.io",
}


class _GenerationStrategy(Strategy):
    tracks_generation = True


_PLAIN = Strategy()
_TRACKING = _GenerationStrategy()
_registered: dict[ResourceKey, Strategy] = {}
_lock = threading.Lock()


def strategy_for(key: ResourceKey) -> Strategy:
    """The Strategy of a resource (a group's default when the kind has no class of its own)."""
    with _lock:
        found = _registered.get(key)
    if found is None:
        found = _GROUPS.get(key.group, {}).get(key.resource)
    if found is not None:
        return found
    return _PLAIN if key.group in _NO_GENERATION_GROUPS else _TRACKING


def register(key: ResourceKey, strategy: Strategy) -> None:
    """Give a resource its own Strategy (overrides the group modules' table)."""
    with _lock:
        _registered[key] = strategy


__all__ = ["register", "strategy_for"]
