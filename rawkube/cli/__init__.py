"""The `rawkube` command: demo, serve, get, exec, logs, port-forward, api-resources, version,
config view.

Commands are registered in `COMMANDS` (name -> module). A command module provides `HELP`
(optionally `DESCRIPTION`), `add_arguments(parser)` and `run(args) -> int`; adding a command is
a new module and one line here. Modules are imported when the parser is built, so they import
anything heavy inside `run`.

Global flags work before or after the command, as kubectl's do (`rawkube -n ns get pods`,
`rawkube get pods -n ns`, `rawkube --kubeconfig=K --context c get deploy`); given in both
places, the one after the command wins. Every failure is one clear line on stderr and a
non-zero exit code, never a traceback: configuration errors, server errors (a `StatusError`)
and connection failures alike.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

# name -> module (rawkube.cli.<module>); the order is the order of `rawkube --help`.
COMMANDS: dict[str, str] = {
    "demo": "demo",
    "get": "get",
    "exec": "exec",
    "logs": "logs",
    "port-forward": "portforward",
    "api-resources": "apiresources",
    "version": "version",
    "config": "configview",
    "serve": "serve",
}


def global_flags(defaults: bool = False) -> argparse.ArgumentParser:
    """kubectl's global flags (k8s.io/cli-runtime genericclioptions.ConfigFlags, -v from klog).

    The top-level parser gets them with their defaults; each command's parser (and a nested
    subcommand's, `config view`) gets them with `argparse.SUPPRESS` as default, so a flag absent
    after the command keeps the value given before it.
    """

    def d(value: object) -> object:
        return value if defaults else argparse.SUPPRESS

    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("global flags (before or after the command)")
    g.add_argument(
        "--kubeconfig",
        default=d(None),
        help="path to a kubeconfig file (default: $KUBECONFIG, ~/.kube/config)",
    )
    g.add_argument("--context", default=d(None), help="the kubeconfig context to use")
    g.add_argument("--cluster", default=d(None), help="the kubeconfig cluster to use")
    g.add_argument("--user", default=d(None), help="the kubeconfig user to use")
    g.add_argument("-n", "--namespace", default=d(None), help="namespace (default: the context's)")
    g.add_argument(
        "-s",
        "--server",
        dest="master_url",
        default=d(None),
        help="the API server URL, overriding the kubeconfig",
    )
    g.add_argument(
        "--request-timeout",
        type=_seconds,
        default=d(None),
        metavar="SECONDS",
        help="give up after this long (1.5, 30s, 2m); ends a watch",
    )
    g.add_argument(
        "-v",
        "--v",
        dest="verbosity",
        type=int,
        default=d(0),
        metavar="N",
        help="HTTP trace like kubectl's -v: 6 = requests, 8 = headers and bodies, 9 = curl commands",
    )
    return p


def _seconds(text: str) -> float:
    """A duration as kubectl's --request-timeout takes it: 30, 30s, 1m, 1h, 1.5."""
    units = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
    for suffix in ("ms", "s", "m", "h"):
        if text.endswith(suffix):
            return float(text[: -len(suffix)]) * units[suffix]
    return float(text)


def build_parser() -> argparse.ArgumentParser:
    from rawkube._version import __version__

    parser = argparse.ArgumentParser(
        prog="rawkube",
        description="A Kubernetes API client over plain HTTP, layered like client-go.",
        parents=[global_flags(defaults=True)],
    )
    parser.add_argument("--version", action="version", version=f"rawkube {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    flags = global_flags(defaults=False)
    for name, module_name in COMMANDS.items():
        module = importlib.import_module(f"rawkube.cli.{module_name}")
        p = sub.add_parser(
            name,
            help=module.HELP,
            description=getattr(module, "DESCRIPTION", module.HELP),
            parents=[flags],
        )
        module.add_arguments(p)
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
        module = importlib.import_module(f"rawkube.cli.{COMMANDS[args.command]}")
        result: int = module.run(args)
        return result
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
