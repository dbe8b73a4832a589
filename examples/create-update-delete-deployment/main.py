"""Create, update, list and delete a Deployment with the typed Clientset.

The Python twin of client-go's examples/create-update-delete-deployment/main.go:

    python examples/create-update-delete-deployment/main.py [--kubeconfig PATH]

Each step is one HTTP request (or a few), named in a comment above it. To see them go by the
way `kubectl -v 6` prints them, turn the trace on before the first request:

    import logging; from rawkube.rest import trace
    logging.basicConfig(format="%(message)s"); logging.getLogger("rawkube.http").setLevel("INFO")
    trace.set_verbosity(6)

(`rawkube demo -v 6` walks through the same steps with the trace on.)
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from rawkube import Clientset, load_config
from rawkube.errors import NotFound
from rawkube.models.apps_v1 import Deployment, DeploymentSpec
from rawkube.models.core_v1 import Container, ContainerPort, PodSpec, PodTemplateSpec
from rawkube.models.meta_v1 import LabelSelector, ObjectMeta
from rawkube.retry import DEFAULT_RETRY, retry_on_conflict
from rawkube.tools.wait import wait_for


def prompt(interactive: bool) -> None:
    if interactive:
        input("-> Press Return key to continue.")


def gone(deployments: Any, name: str) -> bool:
    """True once GET answers 404 Not Found."""
    try:
        deployments.get(name)
    except NotFound:
        return True
    return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kubeconfig", help="absolute path to the kubeconfig file")
    parser.add_argument("--namespace", default="default")
    parser.add_argument("--interactive", action="store_true", help="pause between steps")
    args = parser.parse_args(argv)

    # clientcmd.BuildConfigFromFlags("", kubeconfig) + kubernetes.NewForConfig(config)
    config = load_config(kubeconfig=args.kubeconfig)
    clientset = Clientset(config)
    deployments = clientset.apps_v1().deployments(args.namespace)

    deployment = Deployment(
        metadata=ObjectMeta(name="demo-deployment"),
        spec=DeploymentSpec(
            replicas=2,
            selector=LabelSelector(match_labels={"app": "demo"}),
            template=PodTemplateSpec(
                metadata=ObjectMeta(labels={"app": "demo"}),
                spec=PodSpec(
                    containers=[
                        Container(
                            name="web",
                            image="nginx:1.12",
                            ports=[ContainerPort(name="http", protocol="TCP", container_port=80)],
                        )
                    ]
                ),
            ),
        ),
    )

    # Create: POST /apis/apps/v1/namespaces/default/deployments -> 201 Created
    print("Creating deployment...")
    result = deployments.create(deployment)
    print(f"Created deployment {result.metadata.name!r}.")

    prompt(args.interactive)
    # Update: read-modify-write, retried if someone else changed the Deployment meanwhile.
    # Re-read on every attempt: after a 409 Conflict the copy we hold is stale.
    print("Updating deployment...")

    def update() -> None:
        current = deployments.get("demo-deployment")
        current.spec.replicas = 1
        current.spec.template.spec.containers[0].image = "nginx:1.13"
        deployments.update(current)

    retry_on_conflict(DEFAULT_RETRY, update)
    print("Updated deployment...")

    prompt(args.interactive)
    # List: GET /apis/apps/v1/namespaces/default/deployments
    print(f"Listing deployments in namespace {args.namespace!r}:")
    for d in deployments.list().items:
        print(f" * {d.metadata.name} ({d.spec.replicas} replicas)")

    prompt(args.interactive)
    # Delete: Foreground propagation deletes the ReplicaSets and Pods before the Deployment.
    print("Deleting deployment...")
    deployments.delete("demo-deployment", propagation_policy="Foreground")
    # The server answers at once, but Foreground deletion removes the ReplicaSets and Pods
    # first and the Deployment last: wait until it is gone, so that running this (or another
    # example) again does not meet the old one (409 AlreadyExists).
    wait_for(lambda: gone(deployments, "demo-deployment"), timeout=60, interval=0.2)
    print("Deleted deployment.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
