"""Discovery against the recorded documents: aggregated (006-007) vs legacy (002-005), caches,
and a CRD's group (048) appearing after invalidation.

Behaviour mirrored: k8s.io/client-go/discovery/discovery_client.go (ServerGroups puts the core
group first; ServerPreferredResources), discovery/aggregated_discovery.go (conversion),
discovery/cached/disk/cached_discovery.go (layout, TTL, invalidation), and
k8s.io/cli-runtime/pkg/genericclioptions/config_flags.go (cache directory name).
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from rawkube.config.types import Config
from rawkube.discovery.client import (
    AGGREGATED_ACCEPT,
    AsyncDiscoveryClient,
    DiscoveryClient,
    default_cache_dir,
)
from tests.helpers.recorded import HOST, exchange, response_body, to_response

CRD_GROUP = {
    "name": "example.com",
    "versions": [{"groupVersion": "example.com/v1", "version": "v1"}],
    "preferredVersion": {"groupVersion": "example.com/v1", "version": "v1"},
}


class FakeServer:
    """Answers discovery like the recorded server: aggregated when asked for it, else legacy.

    Legacy per-group documents exist only for /api/v1 (004) and /apis/apps/v1 (005); other
    group/versions answer 404 unless `crd` is set (then /apis lists example.com and
    /apis/example.com/v1 answers with 048, as the server did after the CRD was created).
    """

    def __init__(self, *, aggregated: bool = True, crd: bool = False) -> None:
        self.aggregated = aggregated
        self.crd = crd
        self.requests: list[httpx.Request] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        wants_aggregated = "apidiscovery.k8s.io" in request.headers.get("accept", "")
        if path == "/version":
            return to_response(exchange("001")["response"])
        if path == "/api":
            return to_response(
                exchange("006" if wants_aggregated and self.aggregated else "002")["response"]
            )
        if path == "/apis":
            if wants_aggregated and self.aggregated and not self.crd:
                return to_response(exchange("007")["response"])
            resp = exchange("003")["response"]
            if self.crd:
                resp["body"]["groups"].append(CRD_GROUP)
            return to_response(resp)
        legacy = {"/api/v1": "004", "/apis/apps/v1": "005"}
        if self.crd:
            legacy["/apis/example.com/v1"] = "048"
        if path in legacy:
            return to_response(exchange(legacy[path])["response"])
        return httpx.Response(
            404,
            json={
                "kind": "Status",
                "apiVersion": "v1",
                "status": "Failure",
                "reason": "NotFound",
                "code": 404,
            },
        )

    def config(self) -> Config:
        return Config(host=HOST, transport=httpx.MockTransport(self.handler), qps=0)

    def paths(self) -> list[str]:
        return [r.url.path for r in self.requests]


def _resource_view(doc: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
    """What must agree between legacy and aggregated discovery, per resource name."""
    out = {}
    for r in doc["resources"]:
        top = "/" not in r["name"]
        out[r["name"]] = (
            r["kind"],
            r["namespaced"],
            tuple(sorted(r["verbs"])),
            tuple(r.get("shortNames") or ()),
            # aggregated subresources carry the parent's singular name, legacy ones ""
            r.get("singularName") if top else None,
        )
    return out


def test_aggregated_discovery_is_two_requests_with_the_v2_accept_header() -> None:
    server = FakeServer()
    disc = DiscoveryClient(server.config())
    groups, lists = disc.server_groups_and_resources()
    assert server.paths() == ["/api", "/apis"]
    assert all(r.headers["accept"] == AGGREGATED_ACCEPT for r in server.requests)
    assert groups[0]["name"] == "" and groups[0]["preferredVersion"]["groupVersion"] == "v1"
    assert len(lists) == sum(len(g["versions"]) for g in groups)
    assert disc.failed_group_versions == {}


def test_legacy_and_aggregated_give_the_same_groups_and_resource_lists() -> None:
    agg = DiscoveryClient(FakeServer().config())
    legacy_server = FakeServer(aggregated=False)
    legacy = DiscoveryClient(legacy_server.config(), aggregated=False)
    assert agg.server_groups() == legacy.server_groups()
    for gv in ("v1", "apps/v1"):
        a = agg.server_resources_for_group_version(gv)
        b = legacy.server_resources_for_group_version(gv)
        assert a["groupVersion"] == b["groupVersion"] == gv
        assert _resource_view(a) == _resource_view(b)
    assert legacy_server.paths() == ["/api", "/apis", "/api/v1", "/apis/apps/v1"]


def test_server_falls_back_to_legacy_when_aggregated_is_not_offered() -> None:
    server = FakeServer(aggregated=False)  # ignores the v2 Accept, like an old server
    disc = DiscoveryClient(server.config())  # asks for aggregated
    assert disc.server_resources_for_group_version("apps/v1") == response_body("005")
    groups = disc.server_groups()["groups"]
    assert [g["name"] for g in groups][:3] == ["", "apiregistration.k8s.io", "apps"]
    _, lists = disc.server_groups_and_resources()
    assert {doc["groupVersion"] for doc in lists} == {"v1", "apps/v1"}
    assert "batch/v1" in disc.failed_group_versions  # 404 here: left out, remembered


def test_server_version() -> None:
    assert (
        DiscoveryClient(FakeServer().config()).server_version()["gitVersion"]
        == response_body("001")["gitVersion"]
    )


def test_group_version_must_be_v1_or_group_slash_version() -> None:
    """ "apps" used to become GET /api/apps (a 404 that does not say what was wrong)."""
    server = FakeServer(aggregated=False)
    dc = DiscoveryClient(server.config())
    for bad in ("apps", ""):
        with pytest.raises(ValueError, match='"v1" or "group/version"'):
            dc.server_resources_for_group_version(bad)
    assert server.paths() == []
    assert dc.server_resources_for_group_version("v1")["groupVersion"] == "v1"


def test_preferred_resources_pick_the_preferred_version() -> None:
    disc = DiscoveryClient(FakeServer().config())
    preferred = {
        d["groupVersion"]: {r["name"] for r in d["resources"]}
        for d in disc.server_preferred_resources()
    }
    assert "horizontalpodautoscalers" in preferred["autoscaling/v2"]
    assert "horizontalpodautoscalers" not in preferred["autoscaling/v1"]
    assert "deployments" in preferred["apps/v1"]
    assert not any("/" in name for names in preferred.values() for name in names)


def test_default_cache_dir_is_kubectls() -> None:
    home = Path("/home/u")
    assert (
        default_cache_dir("https://127.0.0.1:6443", home)
        == home / ".kube/cache/discovery/127.0.0.1_6443"
    )
    # "/" is kept and "-" is not (Go [^(\w/.)]), so: my_host_8080/prefix
    assert (
        default_cache_dir("http://my-host:8080/prefix", home)
        == home / ".kube/cache/discovery/my_host_8080/prefix"
    )


def test_disk_cache_layout_reuse_and_ttl(tmp_path: Path) -> None:
    cache = tmp_path / "discovery" / "127.0.0.1_6443"
    first = FakeServer()
    DiscoveryClient(first.config(), cache_dir=cache).server_groups_and_resources()
    assert (cache / "servergroups.json").is_file()
    assert (cache / "v1" / "serverresources.json").is_file()
    assert (cache / "apps" / "v1" / "serverresources.json").is_file()

    second = FakeServer()
    disc = DiscoveryClient(second.config(), cache_dir=cache)
    groups, _ = disc.server_groups_and_resources()
    assert second.requests == []  # everything came from disk
    assert not disc.fresh()
    assert groups[1]["name"] == "apiregistration.k8s.io"

    old = time.time() - 7 * 3600  # older than kubectl's 6h TTL
    for f in cache.rglob("*.json"):
        os.utime(f, (old, old))
    third = FakeServer()
    DiscoveryClient(third.config(), cache_dir=cache).server_groups()
    assert third.paths() == ["/api", "/apis"]


def test_crd_group_appears_after_cache_invalidation(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    DiscoveryClient(FakeServer().config(), cache_dir=cache).server_groups_and_resources()

    # Later the CRD is created (047); another process reads the (now stale) disk cache.
    server = FakeServer(crd=True)
    disc = DiscoveryClient(server.config(), cache_dir=cache)
    names = [g["name"] for g in disc.server_groups()["groups"]]
    assert "example.com" not in names and server.requests == []

    disc.invalidate()
    names = [g["name"] for g in disc.server_groups()["groups"]]
    assert "example.com" in names
    assert disc.server_resources_for_group_version("example.com/v1") == response_body("048")
    assert disc.fresh()


def test_async_discovery_matches_sync() -> None:
    server = FakeServer()

    async def run() -> tuple[Any, Any]:
        disc = AsyncDiscoveryClient(server.config())
        return await disc.server_groups(), await disc.server_resources_for_group_version("apps/v1")

    groups, apps = asyncio.run(run())
    sync = DiscoveryClient(FakeServer().config())
    assert groups == sync.server_groups()
    assert apps == sync.server_resources_for_group_version("apps/v1")


def test_kubecachedir_overrides_the_cache_base(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("KUBECACHEDIR", str(tmp_path / "kc"))
    assert default_cache_dir("https://10.0.0.1:443") == tmp_path / "kc/discovery/10.0.0.1_443"


def test_with_kubectl_cache_uses_home_layout(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("KUBECACHEDIR", raising=False)
    server = FakeServer()
    cfg = server.config()
    cfg.host = "https://127.0.0.1:6443"
    disc = DiscoveryClient.with_kubectl_cache(cfg)
    disc.server_groups()
    assert (tmp_path / ".kube/cache/discovery/127.0.0.1_6443/servergroups.json").is_file()


def test_package_exports_lazily() -> None:
    import rawkube.discovery as pkg

    assert pkg.DiscoveryClient is DiscoveryClient
    assert pkg.RESTMapper.__name__ == "RESTMapper"
