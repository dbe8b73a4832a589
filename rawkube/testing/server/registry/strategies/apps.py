"""Strategies of apps/v1: pkg/registry/apps/<kind>/strategy.go."""

from __future__ import annotations

from rawkube.testing.server.registry.strategy import Strategy


class DeploymentStrategy(Strategy):
    """pkg/registry/apps/deployment/strategy.go deploymentStrategy."""

    tracks_generation = True


class ReplicaSetStrategy(Strategy):
    """pkg/registry/apps/replicaset/strategy.go rsStrategy."""

    tracks_generation = True


class StatefulSetStrategy(Strategy):
    """pkg/registry/apps/statefulset/strategy.go statefulSetStrategy."""

    tracks_generation = True


class DaemonSetStrategy(Strategy):
    """pkg/registry/apps/daemonset/strategy.go daemonSetStrategy."""

    tracks_generation = True


class ControllerRevisionStrategy(Strategy):
    """pkg/registry/apps/controllerrevision/strategy.go (generation kept like the group's)."""

    tracks_generation = True


STRATEGIES: dict[str, Strategy] = {
    "deployments": DeploymentStrategy(),
    "replicasets": ReplicaSetStrategy(),
    "statefulsets": StatefulSetStrategy(),
    "daemonsets": DaemonSetStrategy(),
    "controllerrevisions": ControllerRevisionStrategy(),
}
