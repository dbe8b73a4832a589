"""Talk to the cluster from inside a pod, with the pod's service account.

The Python twin of client-go's examples/in-cluster-client-configuration/main.go.
`in_cluster_config()` reads what the kubelet mounts into every pod:

* KUBERNETES_SERVICE_HOST / KUBERNETES_SERVICE_PORT (environment): where the API server is;
* /var/run/secrets/kubernetes.io/serviceaccount/token: the bearer token (re-read as it rotates);
* .../ca.crt: the cluster CA; .../namespace: the pod's namespace.

Run it in a pod (its service account needs RBAC permission to list pods):

    python main.py [--iterations N]
"""

from __future__ import annotations

import argparse
import sys
import time

from rawkube import Clientset, in_cluster_config
from rawkube.errors import NotFound, StatusError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=1, help="0: loop forever, like client-go")
    parser.add_argument("--interval", type=float, default=10.0)
    args = parser.parse_args(argv)

    config = in_cluster_config()  # rest.InClusterConfig()
    clientset = Clientset(config)

    done = 0
    while True:
        pods = clientset.core_v1().pods().list()
        print(f"There are {len(pods.items)} pods in the cluster")

        namespace, pod = config.namespace, "example-xxxxx"
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
