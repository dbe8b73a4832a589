"""Create, update, list and delete a Deployment with the dynamic client (plain dicts).

The Python twin of client-go's examples/dynamic-create-update-delete-deployment/main.go:
no generated types, just `Unstructured` objects and the `nested_*` helpers, which is how
you work with any resource, custom resources included.

    python examples/dynamic-create-update-delete-deployment/main.py [--kubeconfig PATH]
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from rawkube import DynamicClient, GroupVersionResource, load_config
from rawkube.dynamic import Unstructured
from rawkube.errors import NotFound
from rawkube.retry import DEFAULT_RETRY, retry_on_conflict
from rawkube.tools.wait import wait_for


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
    args = parser.parse_args(argv)

    config = load_config(kubeconfig=args.kubeconfig)
    client = DynamicClient(config)  # dynamic.NewForConfig(config)
    deployment_res = GroupVersionResource("apps", "v1", "deployments")

    deployment = Unstructured(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "demo-deployment"},
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": {"app": "demo"}},
                "template": {
                    "metadata": {"labels": {"app": "demo"}},
                    "spec": {
                        "containers": [
                            {
                                "name": "web",
                                "image": "nginx:1.12",
                                "ports": [{"name": "http", "protocol": "TCP", "containerPort": 80}],
                            }
                        ]
                    },
                },
            },
        }
    )

    deployments = client.resource(deployment_res).namespace(args.namespace)

    print("Creating deployment...")
    result = deployments.create(deployment)
    print(f"Created deployment {result.name!r}.")

    print("Updating deployment...")

    def update() -> None:
        current = deployments.get("demo-deployment")
        # unstructured.SetNestedField(result.Object, int64(1), "spec", "replicas")
        current.set_nested_field(1, "spec", "replicas")
        # NestedSlice returns a copy: change it, then set it back
        containers, found = current.nested_slice("spec", "template", "spec", "containers")
        if not found:
            raise RuntimeError("deployment containers not found")
        containers[0]["image"] = "nginx:1.13"
        current.set_nested_field(containers, "spec", "template", "spec", "containers")
        deployments.update(current)

    retry_on_conflict(DEFAULT_RETRY, update)
    print("Updated deployment...")

    print(f"Listing deployments in namespace {args.namespace!r}:")
    for d in deployments.list()["items"]:
        replicas, _ = d.nested_int64("spec", "replicas")
        print(f" * {d.name} ({replicas} replicas)")

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
