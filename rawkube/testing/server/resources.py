"""The served resource table: which resources exist, their kinds, scope, verbs and subresources.

Built-in resources come from the aggregated discovery document a real 1.36 server returned
(packaged in ``data/discovery.json.gz``), so names, short names, categories and verbs are the real
ones. CustomResourceDefinitions add resources while the server runs (the apiextensions-apiserver's
job): `ResourceTable.add_crd` / `remove_crd` are called by the HTTP layer when a CRD is written.
"""

from __future__ import annotations

import gzip
import json
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources as importlib_resources
from typing import Any

from rawkube.testing.server.apiextensions.customresource import (
    CustomResourceVersion,
    kube_version_key,
)
from rawkube.testing.server.errors import ResourceKey

# Resources a client can create/read: the others in discovery (bindings, tokenreviews, ...) are
# "virtual" (create-only reviews) and answered with 405 by the generic handlers.
STORED_VERBS = frozenset({"get", "list", "create"})


@dataclass(frozen=True)
class Subresource:
    """A subresource such as ``deployments/scale`` (its response kind may be in another group)."""

    name: str
    kind: str
    group: str
    version: str
    verbs: tuple[str, ...]


@dataclass(frozen=True)
class ResourceInfo:
    """One resource in one group/version (metav1.APIResource plus what the handlers need)."""

    group: str
    version: str
    resource: str
    kind: str
    namespaced: bool
    verbs: tuple[str, ...]
    singular: str
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subresources: dict[str, Subresource] = field(default_factory=dict, hash=False, compare=False)
    crd: bool = False
    # A CRD's additionalPrinterColumns, for Table output.
    printer_columns: tuple[dict[str, Any], ...] = ()
    # A CRD version's serving machinery (apiextensions.customresource.CustomResourceVersion).
    custom: Any = field(default=None, hash=False, compare=False)

    @property
    def key(self) -> ResourceKey:
        return ResourceKey(self.group, self.resource)

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def group_version(self) -> str:
        return self.api_version

    @property
    def list_kind(self) -> str:
        return self.kind + "List"

    @property
    def qualified_kind(self) -> str:
        """``Deployment.apps`` (``Pod`` for the core group): the name used in Invalid messages."""
        return f"{self.kind}.{self.group}" if self.group else self.kind


def load_data(name: str) -> Any:
    """A gzipped JSON document packaged under ``rawkube/testing/server/data/``."""
    path = importlib_resources.files("rawkube.testing.server") / "data" / name
    return json.loads(gzip.decompress(path.read_bytes()))


@lru_cache(maxsize=1)
def builtin_discovery() -> dict[str, Any]:
    """The recorded /version and aggregated discovery documents (parsed once per process)."""
    data: dict[str, Any] = load_data("discovery.json.gz")
    return data


def _from_discovery(group: str, version: str, entry: dict[str, Any]) -> ResourceInfo:
    subresources = {}
    for sub in entry.get("subresources") or []:
        kind = sub["responseKind"]
        subresources[sub["subresource"]] = Subresource(
            sub["subresource"],
            kind["kind"],
            kind.get("group") or group if kind.get("version") else group,
            kind.get("version") or version,
            tuple(sub.get("verbs") or ()),
        )
    return ResourceInfo(
        group=group,
        version=version,
        resource=entry["resource"],
        kind=entry["responseKind"]["kind"],
        namespaced=entry["scope"] == "Namespaced",
        verbs=tuple(entry.get("verbs") or ()),
        singular=entry.get("singularResource", ""),
        short_names=tuple(entry.get("shortNames") or ()),
        categories=tuple(entry.get("categories") or ()),
        subresources=subresources,
    )


class ResourceTable:
    """All resources served, keyed by (group, version, resource); thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_gvr: dict[tuple[str, str, str], ResourceInfo] = {}
        # Group order as discovery lists it; CRD groups are appended when created.
        self._groups: dict[str, list[str]] = {}
        doc = builtin_discovery()
        for group_doc in doc["api"]["items"] + doc["apis"]["items"]:
            group = group_doc["metadata"].get("name", "")
            for version_doc in group_doc["versions"]:
                version = version_doc["version"]
                self._groups.setdefault(group, []).append(version)
                for entry in version_doc.get("resources") or []:
                    info = _from_discovery(group, version, entry)
                    self._by_gvr[(group, version, info.resource)] = info

    def get(self, group: str, version: str, resource: str) -> ResourceInfo | None:
        with self._lock:
            return self._by_gvr.get((group, version, resource))

    def by_key(self, key: ResourceKey) -> ResourceInfo | None:
        """The preferred (first listed) version's info for a storage key."""
        with self._lock:
            for version in self._groups.get(key.group, []):
                info = self._by_gvr.get((key.group, version, key.resource))
                if info is not None:
                    return info
            return None

    def groups(self) -> list[tuple[str, list[str]]]:
        """(group, versions in preference order), core group first."""
        with self._lock:
            return [(g, list(v)) for g, v in self._groups.items()]

    def resources(self, group: str, version: str) -> list[ResourceInfo]:
        with self._lock:
            return [
                info
                for (g, v, _), info in sorted(self._by_gvr.items())
                if g == group and v == version
            ]

    def has_group_version(self, group: str, version: str) -> bool:
        with self._lock:
            return version in self._groups.get(group, [])

    def add_crd(self, crd: dict[str, Any]) -> None:
        """Serve the resources a CustomResourceDefinition defines (all its served versions)."""
        spec = crd.get("spec") or {}
        names = spec.get("names") or {}
        group = str(spec.get("group", ""))
        plural = str(names.get("plural", ""))
        with self._lock:
            versions = self._groups.setdefault(group, [])
            for version in spec.get("versions") or []:
                if not version.get("served", True):
                    continue
                name = str(version["name"])
                if name not in versions:
                    versions.append(name)
                subresources: dict[str, Subresource] = {}
                for sub in version.get("subresources") or {}:
                    kind = names.get("kind", "") if sub == "status" else "Scale"
                    sub_group, sub_version = (
                        (group, name) if sub == "status" else ("autoscaling", "v1")
                    )
                    subresources[sub] = Subresource(
                        sub, kind, sub_group, sub_version, ("get", "patch", "update")
                    )
                self._by_gvr[(group, name, plural)] = ResourceInfo(
                    group=group,
                    version=name,
                    resource=plural,
                    kind=str(names.get("kind", "")),
                    namespaced=spec.get("scope") == "Namespaced",
                    # The order apiextensions-apiserver reports (see recording 048).
                    verbs=(
                        "delete",
                        "deletecollection",
                        "get",
                        "list",
                        "patch",
                        "create",
                        "update",
                        "watch",
                    ),
                    singular=str(names.get("singular") or names.get("kind", "").lower()),
                    short_names=tuple(names.get("shortNames") or ()),
                    categories=tuple(names.get("categories") or ()),
                    subresources=subresources,
                    crd=True,
                    printer_columns=tuple(version.get("additionalPrinterColumns") or ()),
                    custom=CustomResourceVersion.from_crd(crd, version),
                )
            # Discovery lists a group's versions newest first, kube-aware (v2, v1, v1beta1,
            # v1alpha1): the customresource_discovery_controller sorts them so.
            versions.sort(key=kube_version_key, reverse=True)

    def remove_crd(self, crd: dict[str, Any]) -> None:
        spec = crd.get("spec") or {}
        group = str(spec.get("group", ""))
        plural = str((spec.get("names") or {}).get("plural", ""))
        with self._lock:
            for gvr in [k for k in self._by_gvr if k[0] == group and k[2] == plural]:
                del self._by_gvr[gvr]
            remaining = {v for (g, v, _) in self._by_gvr if g == group}
            if remaining:
                self._groups[group] = [v for v in self._groups[group] if v in remaining]
            else:
                self._groups.pop(group, None)

    def find(self, name: str) -> list[ResourceInfo]:
        """Resources matching a kubectl-style name: plural, singular, short name or kind."""
        lowered = name.lower()
        with self._lock:
            return [
                info
                for info in self._by_gvr.values()
                if lowered in (info.resource, info.singular, info.kind.lower(), *info.short_names)
            ]
