"""RESTMapper answers from the recorded discovery documents, checked against the server's own
OpenAPI document (scripts/openapi/swagger.json) for every built-in kind.

Mirrors k8s.io/apimachinery/pkg/api/meta/restmapper.go, k8s.io/client-go/restmapper/discovery.go
and shortcut.go, and DeferredDiscoveryRESTMapper's reset on a miss.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from test_discovery import FakeServer

from rawkube.discovery.client import DiscoveryClient
from rawkube.discovery.mapper import NoMatchError, RESTMapping, StaticRESTMapper
from rawkube.schema import GroupVersionKind, GroupVersionResource

SWAGGER = Path(__file__).resolve().parents[2] / "scripts" / "openapi" / "swagger.json"
_COLLECTION = re.compile(
    r"^/(?:api/(?P<core>v1)|apis/(?P<group>[^/]+)/(?P<version>[^/]+))/"
    r"(?P<ns>namespaces/\{namespace\}/)?(?P<resource>[a-z0-9]+)$"
)


def swagger_kinds() -> dict[GroupVersionKind, tuple[str, bool]]:
    """kind -> (resource, namespaced), from the collection paths' create/list operations."""
    doc = json.loads(SWAGGER.read_text())
    found: dict[GroupVersionKind, tuple[str, bool]] = {}
    for path, ops in doc["paths"].items():
        m = _COLLECTION.match(path)
        if not m or "/watch/" in path:
            continue
        for op in ops.values():
            if not isinstance(op, dict) or op.get("x-kubernetes-action") not in ("post", "list"):
                continue
            gvk = op["x-kubernetes-group-version-kind"]
            key = GroupVersionKind(gvk["group"], gvk["version"], gvk["kind"])
            namespaced = bool(m["ns"]) or found.get(key, ("", False))[1]
            found[key] = (m["resource"], namespaced)
    return found


@pytest.fixture(scope="module")
def aggregated() -> StaticRESTMapper:
    disc = DiscoveryClient(FakeServer().config())
    groups, lists = disc.server_groups_and_resources()
    return StaticRESTMapper(groups, lists)


@pytest.fixture(scope="module")
def legacy() -> StaticRESTMapper:
    disc = DiscoveryClient(FakeServer(aggregated=False).config(), aggregated=False)
    groups, lists = disc.server_groups_and_resources()
    return StaticRESTMapper(groups, lists)


def test_every_built_in_kind_maps_like_the_openapi_document(aggregated: StaticRESTMapper) -> None:
    expected = swagger_kinds()
    assert len(expected) > 60
    for gvk, (resource, namespaced) in expected.items():
        mapping = aggregated.rest_mapping(gvk)
        assert mapping.resource == GroupVersionResource(gvk.group, gvk.version, resource), gvk
        assert mapping.namespaced == namespaced, gvk
        assert aggregated.kind_for(mapping.resource) == gvk


def test_legacy_and_aggregated_mappers_agree(
    aggregated: StaticRESTMapper, legacy: StaticRESTMapper
) -> None:
    legacy_kinds = {e.gvk for e in legacy.entries}
    assert {k.group for k in legacy_kinds} == {"", "apps"}  # the recorded legacy documents
    for gvk in legacy_kinds:
        assert legacy.rest_mappings(gvk) == aggregated.rest_mappings(gvk)
        r = legacy.rest_mapping(gvk).resource
        assert legacy.kind_for(r) == aggregated.kind_for(r)
        assert legacy.resource_singularizer(r.resource) == aggregated.resource_singularizer(
            r.resource
        )


def test_kind_to_resource_and_back(aggregated: StaticRESTMapper) -> None:
    deploy = GroupVersionResource("apps", "v1", "deployments")
    assert aggregated.resource_for(GroupVersionKind("apps", "v1", "Deployment")) == deploy
    assert aggregated.kind_for(deploy) == GroupVersionKind("apps", "v1", "Deployment")
    assert aggregated.rest_mapping(GroupVersionKind("", "v1", "Namespace")) == RESTMapping(
        GroupVersionResource("", "v1", "namespaces"), GroupVersionKind("", "v1", "Namespace"), False
    )
    assert aggregated.rest_mapping(GroupVersionKind("", "v1", "Pod")).scope == "namespace"
    assert (
        aggregated.rest_mapping(
            GroupVersionKind("rbac.authorization.k8s.io", "v1", "ClusterRole")
        ).scope
        == "root"
    )


def test_preferred_version_short_singular_and_case_insensitive(
    aggregated: StaticRESTMapper,
) -> None:
    hpa = aggregated.rest_mapping(GroupVersionKind("autoscaling", "", "HorizontalPodAutoscaler"))
    assert hpa.resource.version == "v2"  # the preferred version
    v1 = aggregated.rest_mapping(
        GroupVersionKind("autoscaling", "", "horizontalpodautoscaler"), "v1"
    )
    assert v1.resource.version == "v1"
    assert aggregated.resources_for(GroupVersionResource("", "", "hpa"))[0].version == "v2"
    assert aggregated.resource_for(GroupVersionResource("", "", "deploy")) == GroupVersionResource(
        "apps", "v1", "deployments"
    )
    assert (
        aggregated.resource_for(GroupVersionResource("", "", "Deployment")).resource
        == "deployments"
    )
    assert aggregated.resource_for(GroupVersionResource("", "", "CM")).resource == "configmaps"
    assert aggregated.resource_singularizer("endpoints") == "endpoints"
    assert aggregated.lookup("deployments.apps").resource.group == "apps"
    assert aggregated.lookup("deployment.v1.apps").gvk.kind == "Deployment"
    assert aggregated.lookup("ClusterRole").namespaced is False
    assert aggregated.is_namespaced(GroupVersionResource("", "", "pods"))
    with pytest.raises(NoMatchError):
        aggregated.lookup("widgets")


def test_deferred_mapper_finds_a_new_crd_after_invalidating_a_stale_cache(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    DiscoveryClient(FakeServer().config(), cache_dir=cache).server_groups_and_resources()

    server = FakeServer(crd=True)  # the CRD now exists on the server
    mapper = DiscoveryClient(server.config(), cache_dir=cache).rest_mapper()
    assert (
        mapper.resource_for(GroupVersionKind("apps", "v1", "Deployment")).resource == "deployments"
    )
    assert server.requests == []  # answered from the disk cache

    widget = mapper.rest_mapping(GroupVersionKind("example.com", "v1", "Widget"))
    assert widget.resource == GroupVersionResource("example.com", "v1", "widgets")
    assert widget.namespaced
    assert mapper.lookup("wd").gvk.kind == "Widget"  # short name from 048
    assert "/apis/example.com/v1" in server.paths()

    # fresh data and still no match: no second reset
    before = len(server.requests)
    with pytest.raises(NoMatchError):
        mapper.lookup("gizmos")
    assert len(server.requests) == before
