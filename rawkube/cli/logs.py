"""`rawkube logs [-f] POD [-c CONTAINER]`, as kubectl logs (k8s.io/kubectl/pkg/cmd/logs).

The container defaults as for exec (the default-container annotation, else the first, said on
stderr when there are several). With -f the log is followed until the server ends it (the pod
is gone); nothing reconnects.
"""

from __future__ import annotations

import argparse
import sys

HELP = "print (or follow) the log of a container, like kubectl logs"


def add_arguments(p: argparse.ArgumentParser) -> None:
    from rawkube.cli.exec import add_namespace_flag

    p.add_argument("pod", metavar="POD", help="the pod (or pod/NAME)")
    add_namespace_flag(p)
    p.add_argument("-c", "--container", help="container name; default: the pod's default one")
    p.add_argument("-f", "--follow", action="store_true", help="stream the log as it grows")
    p.add_argument("-p", "--previous", action="store_true", help="the previous instance's log")
    p.add_argument("--tail", type=int, default=-1, help="lines from the end (default: all)")
    p.add_argument("--timestamps", action="store_true", help="prefix each line with its time")
    p.add_argument(
        "--since", type=int, dest="since_seconds", metavar="SECONDS", help="only newer lines"
    )
    p.add_argument("--limit-bytes", type=int, help="at most this many bytes")


def run(args: argparse.Namespace) -> int:
    from rawkube.cli.common import config_from_args
    from rawkube.cli.exec import choose_container, pod_name
    from rawkube.typed.clientset import Clientset

    cfg = config_from_args(args)
    name = pod_name(args.pod)
    with Clientset(cfg) as cs:
        pods = cs.core_v1().pods(cfg.namespace)
        pod = pods.get(name).to_dict()
        try:
            container = choose_container(pod, args.container, quiet=False)
        except ValueError as err:
            print(f"error: {err}", file=sys.stderr)
            return 1
        options = {
            "container": container,
            "previous": args.previous,
            "timestamps": args.timestamps,
            "tail_lines": args.tail if args.tail >= 0 else None,
            "since_seconds": args.since_seconds,
            "limit_bytes": args.limit_bytes,
        }
        if args.follow:
            for line in pods.stream_log(name, **options):
                sys.stdout.write(line if line.endswith("\n") else line + "\n")
                sys.stdout.flush()
        else:
            sys.stdout.write(pods.get_log(name, **options))
            sys.stdout.flush()
    return 0
