"""The `rawkube` command: demo, serve, get, api-resources, version, config view.

Every failure is one clear line on stderr and a non-zero exit code, never a traceback:
configuration errors, server errors (a `StatusError`) and connection failures alike.
Subcommands import their modules lazily so `rawkube version` stays quick.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def _add_connection_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--kubeconfig", help="path to a kubeconfig file (default: $KUBECONFIG, ~/.kube/config)"
    )
    p.add_argument("--context", help="the kubeconfig context to use")
    p.add_argument(
        "--server", dest="master_url", help="the API server URL, overriding the kubeconfig"
    )
    p.add_argument(
        "-v",
        "--v",
        dest="verbosity",
        type=int,
        default=0,
        metavar="N",
        help="HTTP trace like kubectl's -v: 6 = requests, 8 = headers and bodies, 9 = curl commands",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rawkube",
        description="A Kubernetes API client over plain HTTP, layered like client-go.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = sub.add_parser(
        "demo",
        help="walk through client-go's examples: create, watch, update, list, delete",
        description=(
            "The seed walkthrough end to end: create a Deployment, watch its Pods appear, update it "
            "under RetryOnConflict, list, delete it with a propagation policy and watch the Pods "
            "terminate. Uses the configured cluster if there is one, else starts the embedded local "
            "API server."
        ),
    )
    _add_connection_flags(demo)
    demo.add_argument("-n", "--namespace", help="namespace to work in (default: the context's)")
    demo.add_argument("--name", default="demo-deployment", help="name of the Deployment to create")
    demo.add_argument(
        "--propagation-policy",
        choices=["Foreground", "Background", "Orphan"],
        default="Foreground",
        help="how the Deployment's dependents are deleted (default: Foreground)",
    )
    demo.add_argument(
        "--local", action="store_true", help="always use the embedded local API server"
    )
    demo.add_argument(
        "--timeout", type=float, default=60.0, help="seconds to wait for each step (default 60)"
    )

    serve = sub.add_parser("serve", help="run the embedded local API server until interrupted")
    serve.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: random)")
    serve.add_argument("--kubeconfig-out", help="write a kubeconfig for the server to this path")
    serve.add_argument("--data-dir", help="keep the server's state in this directory")
    serve.add_argument("--http", action="store_true", help="serve plain HTTP instead of HTTPS")
    serve.add_argument(
        "--handlers",
        metavar="MODULE:FUNCTION",
        help="call FUNCTION(server) (from a module, or a file.py) before serving, e.g. to set "
        "exec_handler / port_forward_handler for the simulated containers",
    )

    get = sub.add_parser("get", help="list or get resources, like kubectl get")
    _add_connection_flags(get)
    get.add_argument("resource", help="resource type: pods, deploy, deployments.apps, widgets, ...")
    get.add_argument("name", nargs="?", help="name of one object")
    get.add_argument("-n", "--namespace", help="namespace (default: the context's)")
    get.add_argument("-A", "--all-namespaces", action="store_true", help="list across namespaces")
    get.add_argument("-l", "--selector", help="label selector, e.g. app=demo")
    get.add_argument("--field-selector", help="field selector, e.g. status.phase=Running")
    get.add_argument(
        "-o", "--output", choices=["wide", "json", "yaml", "name"], help="output format"
    )
    get.add_argument(
        "--show-managed-fields",
        action="store_true",
        help="keep metadata.managedFields in -o json/yaml (left out by default, as kubectl does)",
    )
    get.add_argument("-w", "--watch", action="store_true", help="watch for changes after listing")
    get.add_argument(
        "--request-timeout",
        type=float,
        default=None,
        help="stop watching after this many seconds",
    )

    api_resources = sub.add_parser(
        "api-resources", help="list the resource types the server serves"
    )
    _add_connection_flags(api_resources)

    version = sub.add_parser("version", help="print the client and server versions")
    _add_connection_flags(version)
    version.add_argument("--client", action="store_true", help="client version only")

    config = sub.add_parser("config", help="inspect the merged kubeconfig")
    config_sub = config.add_subparsers(dest="config_command", metavar="SUBCOMMAND")
    view = config_sub.add_parser("view", help="print the merged kubeconfig, secrets redacted")
    view.add_argument("--kubeconfig", help="path to a kubeconfig file")
    view.add_argument("--context", help="with --minify: the context to keep")
    view.add_argument("--minify", action="store_true", help="only the current context's entries")
    view.add_argument("-o", "--output", choices=["yaml", "json"], default="yaml")
    return parser


def _configure_trace(verbosity: int) -> None:
    """Route the `rawkube.http` trace logger to stderr at kubectl's -v levels."""
    if verbosity <= 0:
        return
    from rawkube.rest import trace

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    trace.logger.addHandler(handler)
    trace.logger.setLevel(logging.INFO)
    trace.logger.propagate = False
    trace.set_verbosity(verbosity)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return EXIT_USAGE
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    try:
        _configure_trace(getattr(args, "verbosity", 0))
        return _dispatch(parser, args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # `rawkube get pods | head`: the reader left; exit quietly as kubectl does.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_ERROR
    except Exception as err:  # one line, never a traceback
        from rawkube.cli.common import describe_error

        message = describe_error(err)
        if message is None:
            raise
        print(message, file=sys.stderr)
        return EXIT_ERROR


def _dispatch(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.command == "demo":
        from rawkube.cli.demo import run_demo

        return run_demo(args)
    if args.command == "serve":
        from rawkube.cli.serve import run_serve

        return run_serve(args)
    if args.command == "get":
        from rawkube.cli.get import run_get

        return run_get(args)
    if args.command == "api-resources":
        from rawkube.cli.get import run_api_resources

        return run_api_resources(args)
    if args.command == "version":
        from rawkube.cli.get import run_version

        return run_version(args)
    if args.command == "config":
        if args.config_command != "view":
            parser.parse_args(["config", "--help"])
            return EXIT_USAGE
        from rawkube.cli.configview import run_config_view

        return run_config_view(args)
    parser.print_help()
    return EXIT_USAGE
