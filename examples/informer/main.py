"""Watch the Pods of a Deployment through an informer, printing what its handlers are told.

An informer (client-go tools/cache, `rawkube.tools.Informer`) lists the Pods once, then follows
a watch, keeps them in a local cache and calls on_add / on_update / on_delete. Here it watches
the Pods of a Deployment that the example creates, scales from 2 replicas to 1 and deletes:

    python examples/informer/main.py [--kubeconfig PATH] [--local]

Without a configured cluster (or with --local) it starts the embedded LocalAPIServer, whose
controllers turn the Deployment into a ReplicaSet and Pods as a real cluster would.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from typing import Any

from rawkube import Clientset, load_config
from rawkube.errors import EmptyConfigError, NotFound
from rawkube.tools import Informer
from rawkube.tools.informer import DeletedFinalStateUnknown
from rawkube.tools.wait import wait_for

NAME = "informer-demo"


def deployment(replicas: int) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": NAME},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": NAME}},
            "template": {
                "metadata": {"labels": {"app": NAME}},
                "spec": {"containers": [{"name": "web", "image": "nginx:1.13"}]},
            },
        },
    }


def gone(deployments: Any, name: str) -> bool:
    """True once GET answers 404 Not Found."""
    try:
        deployments.get(name)
    except NotFound:
        return True
    return False


def phase(pod: Any) -> str:
    if pod.metadata.deletion_timestamp:
        return "Terminating"
    return pod.status.phase or "Unknown"


# The handlers. They run on the informer's own thread, one at a time, in the order of the changes.


def on_add(pod: Any) -> None:
    print(f"ADD     pod/{pod.metadata.name}  {phase(pod)}")


def on_update(old: Any, new: Any) -> None:
    print(f"UPDATE  pod/{new.metadata.name}  {phase(old)} -> {phase(new)}")


def on_delete(pod: Any) -> None:
    if isinstance(pod, DeletedFinalStateUnknown):  # deleted while the watch was down
        print(f"DELETE  pod/{pod.obj.metadata.name}  (missed; last known {phase(pod.obj)})")
    else:
        print(f"DELETE  pod/{pod.metadata.name}")


@contextlib.contextmanager
def cluster(kubeconfig: str | None, local: bool) -> Iterator[Any]:
    """The configured cluster's Config, or an embedded LocalAPIServer's."""
    if not local:
        try:
            config = load_config(kubeconfig=kubeconfig)
        except EmptyConfigError:
            print("No cluster is configured: starting the embedded LocalAPIServer.")
        else:
            yield config
            return
    from rawkube.testing import LocalAPIServer

    with LocalAPIServer() as server:
        yield server.config()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kubeconfig", help="path to a kubeconfig file")
    parser.add_argument("--namespace", default="default")
    parser.add_argument("--local", action="store_true", help="use an embedded LocalAPIServer")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait per step")
    args = parser.parse_args(argv)

    with cluster(args.kubeconfig, args.local) as config:
        clientset = Clientset(config)
        deployments = clientset.apps_v1().deployments(args.namespace)
        pods = clientset.core_v1().pods(args.namespace)

        # cache.NewSharedIndexInformer(&cache.ListWatch{...pods with the label...}, &v1.Pod{}, ...)
        informer = Informer(pods, label_selector=f"app={NAME}")
        informer.add_event_handler(on_add=on_add, on_update=on_update, on_delete=on_delete)

        def cached(count: int, running: bool = False) -> bool:
            objs = informer.store.list()
            return len(objs) == count and all(phase(p) == "Running" or not running for p in objs)

        with informer:  # informer.Run(stopCh) on a background thread; stopped on leaving
            if not informer.wait_for_cache_sync(timeout=args.timeout):
                print("The informer's cache did not sync.", file=sys.stderr)
                return 1
            print(f"Cache synced: {len(informer.store.list())} Pods labelled app={NAME}.")

            print(f"Creating deployment {NAME} with 2 replicas...")
            deployments.create(deployment(2))
            try:
                wait_for(lambda: cached(2, running=True), timeout=args.timeout, interval=0.1)
                print("2 Pods Running in the cache.")

                print("Scaling to 1 replica...")
                deployments.patch(NAME, {"spec": {"replicas": 1}}, "merge")
                wait_for(lambda: cached(1), timeout=args.timeout, interval=0.1)
                print("1 Pod left in the cache.")
            finally:  # a step that timed out leaves no Deployment behind
                print(f"Deleting deployment {NAME}...")
                deployments.delete(NAME, propagation_policy="Foreground")
            wait_for(lambda: cached(0), timeout=args.timeout, interval=0.1)
            print("No Pods left in the cache.")
            # Foreground: the Deployment itself goes last; a new run must not meet it.
            wait_for(lambda: gone(deployments, NAME), timeout=args.timeout, interval=0.1)
    print("Done.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
