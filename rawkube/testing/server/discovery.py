"""Discovery documents: /version, /api, /apis, /api/v1, /apis/{group}/{version}, aggregated v2.

Shapes follow recordings 001-007 and 048 (k8s.io/apiserver/pkg/endpoints/discovery/ and
.../discovery/aggregated/). Legacy documents are derived from the same `ResourceTable` the
aggregated ones come from, so a CRD shows up in both as soon as it is created.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from rawkube.testing.server.resources import ResourceInfo, ResourceTable, builtin_discovery

AGGREGATED_CONTENT_TYPE = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"


def version_info() -> dict[str, Any]:
    """GET /version: the recorded server's version.Info."""
    info: dict[str, Any] = dict(builtin_discovery()["version"])
    return info


def api_versions(server_address: str) -> dict[str, Any]:
    """GET /api (metav1.APIVersions)."""
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [
            {"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}
        ],
    }


def _group_versions(group: str, versions: list[str]) -> dict[str, Any]:
    listed = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
    return {"name": group, "versions": listed, "preferredVersion": listed[0]}


def api_group_list(table: ResourceTable) -> dict[str, Any]:
    """GET /apis (metav1.APIGroupList)."""
    groups = [_group_versions(g, v) for g, v in table.groups() if g and v]
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def api_group(table: ResourceTable, group: str) -> dict[str, Any] | None:
    """GET /apis/{group} (metav1.APIGroup)."""
    for name, versions in table.groups():
        if name == group and versions:
            return {"kind": "APIGroup", "apiVersion": "v1", **_group_versions(group, versions)}
    return None


def _storage_hash(info: ResourceInfo) -> str:
    # The real hash covers the storage version; any stable 8-byte digest serves clients the same.
    # A custom resource's hash names its CRD's storage version (apiextensions-apiserver
    # pkg/apiserver/customresource_discovery_controller.go: discovery.StorageVersionHash).
    version = getattr(info.custom, "storage_version", "") or info.version
    digest = hashlib.sha256(f"{info.group}/{version}/{info.kind}".encode()).digest()[:8]
    return base64.b64encode(digest).decode()


def _legacy_entries(info: ResourceInfo) -> list[dict[str, Any]]:
    entry: dict[str, Any] = {
        "name": info.resource,
        "singularName": info.singular,
        "namespaced": info.namespaced,
        "kind": info.kind,
        "verbs": list(info.verbs),
    }
    if info.short_names:
        entry["shortNames"] = list(info.short_names)
    if info.categories:
        entry["categories"] = list(info.categories)
    entry["storageVersionHash"] = _storage_hash(info)
    entries = [entry]
    for sub in info.subresources.values():
        sub_entry: dict[str, Any] = {
            "name": f"{info.resource}/{sub.name}",
            "singularName": "",
            "namespaced": info.namespaced,
        }
        if (sub.group, sub.version) != (info.group, info.version):
            sub_entry["group"], sub_entry["version"] = sub.group, sub.version
        sub_entry["kind"] = sub.kind
        sub_entry["verbs"] = list(sub.verbs)
        entries.append(sub_entry)
    return entries


def api_resource_list(table: ResourceTable, group: str, version: str) -> dict[str, Any] | None:
    """GET /api/v1 or /apis/{group}/{version} (metav1.APIResourceList)."""
    if not table.has_group_version(group, version):
        return None
    doc: dict[str, Any] = {"kind": "APIResourceList"}
    if group:  # the core document has no apiVersion (recording 004), the others do (005)
        doc["apiVersion"] = "v1"
    doc["groupVersion"] = f"{group}/{version}" if group else version
    doc["resources"] = [
        e for info in table.resources(group, version) for e in _legacy_entries(info)
    ]
    return doc


def _aggregated_resource(info: ResourceInfo) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "resource": info.resource,
        "responseKind": {"group": "", "version": "", "kind": info.kind},
        "scope": "Namespaced" if info.namespaced else "Cluster",
        "singularResource": info.singular,
        "verbs": sorted(info.verbs),
    }
    if info.short_names:
        entry["shortNames"] = list(info.short_names)
    if info.categories:
        entry["categories"] = list(info.categories)
    subs = []
    for sub in sorted(info.subresources.values(), key=lambda s: s.name):
        same_gv = (sub.group, sub.version) == (info.group, info.version)
        subs.append(
            {
                "subresource": sub.name,
                "responseKind": {
                    "group": "" if same_gv else sub.group,
                    "version": "" if same_gv else sub.version,
                    "kind": sub.kind,
                },
                "verbs": list(sub.verbs),
            }
        )
    if subs:
        entry["subresources"] = subs
    return entry


def aggregated(table: ResourceTable, legacy: bool) -> dict[str, Any]:
    """GET /api or /apis with the aggregated-discovery Accept header (apidiscovery.k8s.io/v2)."""
    items = []
    for group, versions in table.groups():
        if bool(group) == legacy or not versions:
            continue
        item: dict[str, Any] = {"metadata": {"name": group} if group else {}, "versions": []}
        for version in versions:
            item["versions"].append(
                {
                    "version": version,
                    "resources": [_aggregated_resource(i) for i in table.resources(group, version)],
                    "freshness": "Current",
                }
            )
        items.append(item)
    return {
        "kind": "APIGroupDiscoveryList",
        "apiVersion": "apidiscovery.k8s.io/v2",
        "metadata": {},
        "items": items,
    }
