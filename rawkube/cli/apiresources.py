"""`rawkube api-resources`: the resource types the server serves, as kubectl lists them."""

from __future__ import annotations

import argparse
import sys

from rawkube.cli.common import config_from_args

HELP = "list the resource types the server serves"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """No flags of its own: the global connection flags are enough."""


def run(args: argparse.Namespace) -> int:
    """NAME SHORTNAMES APIVERSION NAMESPACED KIND, from the preferred versions.

    Sorted by API group, then by name, as kubectl's sortableResource does by default
    (k8s.io/kubectl/pkg/cmd/apiresources/apiresources.go).
    """
    from rawkube.cli.tabwriter import TabWriter
    from rawkube.discovery.client import DiscoveryClient

    cfg = config_from_args(args)
    found = []
    for doc in DiscoveryClient(cfg).server_preferred_resources():
        group_version = doc["groupVersion"]
        group = group_version.rpartition("/")[0]
        for r in doc.get("resources") or []:
            found.append((group, r["name"], group_version, r))
    writer = TabWriter(sys.stdout)
    writer.writeline(["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"])
    for _, name, group_version, r in sorted(found, key=lambda row: (row[0], row[1])):
        writer.writeline(
            [
                name,
                ",".join(r.get("shortNames") or []),
                group_version,
                str(bool(r.get("namespaced"))).lower(),
                r.get("kind", ""),
            ]
        )
    writer.flush()
    return 0
