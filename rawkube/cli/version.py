"""`rawkube version`: the client's version and the server's (kubectl version)."""

from __future__ import annotations

import argparse

from rawkube.cli.common import config_from_args

HELP = "print the client and server versions"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--client", action="store_true", help="client version only")


def run(args: argparse.Namespace) -> int:
    from rawkube._version import __version__

    print(f"Client Version: rawkube {__version__}")
    if args.client:
        return 0
    from rawkube.discovery.client import DiscoveryClient

    info = DiscoveryClient(config_from_args(args)).server_version()
    print(f"Server Version: {info.get('gitVersion', '<unknown>')}")
    return 0
