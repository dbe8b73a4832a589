"""`rawkube port-forward POD [LOCAL_PORT:]REMOTE_PORT...`, as kubectl port-forward
(k8s.io/kubectl/pkg/cmd/portforward): "Forwarding from ADDR:PORT -> REMOTE" for each
listener, "Handling connection for PORT" for each connection; the first error a connection
meets ends the whole forward with "error: lost connection to pod" (kubectl 1.30+ does so).
"""

from __future__ import annotations

import argparse
import sys
import threading

HELP = "forward local ports to a pod, like kubectl port-forward"


def add_arguments(p: argparse.ArgumentParser) -> None:
    from rawkube.cli.exec import add_namespace_flag

    p.add_argument("pod", metavar="POD", help="the pod (or pod/NAME)")
    p.add_argument(
        "ports", nargs="+", metavar="[LOCAL_PORT:]REMOTE_PORT", help="e.g. 8080:80, :80, 80"
    )
    add_namespace_flag(p)
    p.add_argument(
        "--address", default="127.0.0.1", help="local address to listen on (default 127.0.0.1)"
    )


def run(args: argparse.Namespace) -> int:
    from rawkube.cli.common import Termination, config_from_args
    from rawkube.cli.exec import pod_name
    from rawkube.stream.portforward import PortForward, parse_port_mappings
    from rawkube.transport import build_client

    cfg = config_from_args(args)
    name = pod_name(args.pod)
    try:
        mappings = parse_port_mappings(args.ports)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    stop = threading.Event()
    failed: list[Exception] = []
    with build_client(cfg) as client:
        pod = client.get(f"/api/v1/namespaces/{cfg.namespace}/pods/{name}")
        if pod.status_code != 200:
            from rawkube.rest.result import error_from_response

            raise error_from_response(
                pod.status_code, pod.headers, pod.content, method="GET", url=str(pod.url),
                resource="pods", name=name,
            )  # fmt: skip
        phase = (pod.json().get("status") or {}).get("phase")
        if phase != "Running":
            print(
                f"error: unable to forward port because pod is not running. Current status={phase}",
                file=sys.stderr,
            )
            return 1

        def on_connection(local: int, remote: int) -> None:
            print(f"Handling connection for {local}", flush=True)

        def on_error(local: int, remote: int, error: Exception) -> None:
            print(
                f"an error occurred forwarding {local} -> {remote}: {error}",
                file=sys.stderr,
                flush=True,
            )
            failed.append(error)
            stop.set()

        forward = PortForward(
            client, cfg.namespace, name, mappings, address=args.address,
            on_connection=on_connection, on_error=on_error,
        )  # fmt: skip
        with forward:
            for local, remote in forward.ports:
                print(f"Forwarding from {args.address}:{local} -> {remote}", flush=True)
            Termination().wait(stop)  # SIGTERM, Ctrl-C, or a failed connection (on_error)
    if failed:
        print("error: lost connection to pod", file=sys.stderr)
        return 1
    return 0
