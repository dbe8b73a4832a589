"""Talk to a cluster from outside it, with the credentials of a kubeconfig file.

The Python twin of client-go's examples/out-of-cluster-client-configuration/main.go: load the
kubeconfig (explicit path > $KUBECONFIG > ~/.kube/config), count the pods in the cluster, and
look for a pod that does not exist to show how errors are told apart.

    python examples/out-of-cluster-client-configuration/main.py [--kubeconfig PATH] [--iterations N]
"""

from __future__ import annotations

import argparse
import sys
import time

from rawkube import Clientset, load_config
from rawkube.errors import NotFound, StatusError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kubeconfig", help="absolute path to the kubeconfig file")
    parser.add_argument("--iterations", type=int, default=1, help="0: loop forever, like client-go")
    parser.add_argument("--interval", type=float, default=10.0)
    args = parser.parse_args(argv)

    config = load_config(kubeconfig=args.kubeconfig)
    clientset = Clientset(config)

    done = 0
    while True:
        # An empty namespace lists pods in every namespace (GET /api/v1/pods).
        pods = clientset.core_v1().pods().list()
        print(f"There are {len(pods.items)} pods in the cluster")

        # Examples for error handling: is it a NotFound, another API error, or worse?
        namespace, pod = "default", "example-xxxxx"
        try:
            clientset.core_v1().pods(namespace).get(pod)
        except NotFound:
            print(f"Pod {pod} in namespace {namespace} not found")
        except StatusError as err:
            print(f"Error getting pod {pod} in namespace {namespace}: {err.message}")
        else:
            print(f"Found pod {pod} in namespace {namespace}")

        done += 1
        if args.iterations and done >= args.iterations:
            return 0
        time.sleep(args.interval)


if __name__ == "__main__":
    sys.exit(main())
