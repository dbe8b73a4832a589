"""Discovery: asking the API server which groups, versions and resources it serves.

Mirrors k8s.io/client-go/discovery (discovery_client.go, aggregated_discovery.go) and the
caches kubectl uses (discovery/cached/memory, discovery/cached/disk):

* Aggregated discovery (apidiscovery.k8s.io/v2): two requests, `GET /api` and `GET /apis` with
  `Accept: application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList`, return every
  group, version and resource at once. A server that does not offer it answers with the legacy
  documents instead (`APIVersions`, `APIGroupList`), and then each group/version's resources
  need one more request (`GET /apis/{group}/{version}` -> `APIResourceList`).
* Results are kept in memory; with a `cache_dir` they are also written in kubectl's disk layout
  (`servergroups.json`, `{group}/{version}/serverresources.json` under
  `~/.kube/cache/discovery/{host_port}/`), and files older than the TTL are ignored.
* `invalidate()` forgets everything (client-go `Invalidate`): after it, disk files written by
  another process are ignored, so a freshly created CRD's group shows up. The RESTMapper calls
  it when a lookup misses on data that did not come fresh from the server.

The documents are returned as the server's JSON dicts (metav1.APIGroupList, APIResourceList),
converted from aggregated form exactly as client-go's `convertAPIGroup` does.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import time
from collections.abc import Awaitable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from rawkube import _json
from rawkube.errors import StatusError

if TYPE_CHECKING:
    from rawkube.flow import Flow

# What client-go's discovery client asks for (minus protobuf): v2 aggregated, else plain JSON.
AGGREGATED_ACCEPT = (
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"
)
AGGREGATED_KIND = "APIGroupDiscoveryList"

# kubectl's disk cache TTL (k8s.io/cli-runtime/pkg/genericclioptions/config_flags.go: 6 hours).
DEFAULT_TTL = 6 * 60 * 60.0

# k8s.io/cli-runtime config_flags.go `overlyCautiousIllegalFileCharacters`: anything that is not
# a word character, '/', '.', '(' or ')' becomes '_' in the cache directory name.
_ILLEGAL_FILE_CHARS = re.compile(r"[^(\w/.)]")
# A group/version safe as two path segments: "v1" or "{DNS-1123 subdomain}/{DNS-1123 label}".
_LABEL = r"[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?"
_SAFE_GROUP_VERSION = re.compile(rf"(?:{_LABEL}(?:\.{_LABEL})*/)?{_LABEL}")


def default_cache_dir(host: str, home: str | os.PathLike[str] | None = None) -> Path:
    """kubectl's discovery cache directory for a server.

    `$KUBECACHEDIR/discovery/<host_port>` when KUBECACHEDIR is set, else
    `~/.kube/cache/discovery/<host_port>`; `https://127.0.0.1:6443` -> `127.0.0.1_6443`
    (getDefaultCacheDir and computeDiscoverCacheDir in cli-runtime config_flags.go).
    """
    schemeless = host.replace("https://", "", 1).replace("http://", "", 1)
    safe = _ILLEGAL_FILE_CHARS.sub("_", schemeless)
    override = os.environ.get("KUBECACHEDIR")
    if override and home is None:
        return Path(override) / "discovery" / safe
    base = Path(home) if home is not None else Path.home()
    return base / ".kube" / "cache" / "discovery" / safe


# -- aggregated -> legacy shapes (client-go discovery/aggregated_discovery.go) ---------------------


def _convert_resource(r: dict[str, Any]) -> dict[str, Any] | None:
    """An APIResourceDiscovery as a legacy APIResource; None when it has no responseKind."""
    kind = r.get("responseKind") or {}
    out: dict[str, Any] = {
        "name": r.get("resource", ""),
        "singularName": r.get("singularResource", ""),
        "namespaced": r.get("scope") == "Namespaced",
        "kind": kind.get("kind", ""),
        "verbs": list(r.get("verbs") or []),
    }
    if kind.get("group"):
        out["group"] = kind["group"]
    if kind.get("version"):
        out["version"] = kind["version"]
    if r.get("shortNames"):
        out["shortNames"] = list(r["shortNames"])
    if r.get("categories"):
        out["categories"] = list(r["categories"])
    return out if out["kind"] else None


def _convert_subresource(parent: dict[str, Any], s: dict[str, Any]) -> dict[str, Any] | None:
    """An APISubresourceDiscovery as a legacy `parent/sub` APIResource (singular = parent's)."""
    kind = s.get("responseKind") or {}
    if not kind.get("kind"):
        return None
    out: dict[str, Any] = {
        "name": f"{parent['name']}/{s.get('subresource', '')}",
        "singularName": parent.get("singularName", ""),
        "namespaced": parent["namespaced"],
        "kind": kind["kind"],
        "verbs": list(s.get("verbs") or []),
    }
    if kind.get("group"):
        out["group"] = kind["group"]
    if kind.get("version"):
        out["version"] = kind["version"]
    return out


def convert_aggregated(
    doc: dict[str, Any],
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """An APIGroupDiscoveryList as (APIGroups, {groupVersion: APIResourceList}).

    Stale versions (an aggregated API server that is down) are left out; the preferred version
    is the first non-stale one, as in client-go's convertAPIGroup.
    """
    groups: list[dict[str, Any]] = []
    resources: dict[str, dict[str, Any]] = {}
    for item in doc.get("items") or []:
        name = (item.get("metadata") or {}).get("name", "")
        versions: list[dict[str, str]] = []
        for v in item.get("versions") or []:
            if v.get("freshness") == "Stale":
                continue
            gv = f"{name}/{v['version']}" if name else v["version"]
            versions.append({"groupVersion": gv, "version": v["version"]})
            api_resources: list[dict[str, Any]] = []
            for r in v.get("resources") or []:
                parent = _convert_resource(r)
                if parent is not None:
                    api_resources.append(parent)
                parent = parent or {
                    "name": r.get("resource", ""),
                    "namespaced": r.get("scope") == "Namespaced",
                }
                for s in r.get("subresources") or []:
                    sub = _convert_subresource(parent, s)
                    if sub is not None:
                        api_resources.append(sub)
            resources[gv] = {
                "kind": "APIResourceList",
                "apiVersion": "v1",
                "groupVersion": gv,
                "resources": api_resources,
            }
        if versions:
            groups.append({"name": name, "versions": versions, "preferredVersion": versions[0]})
    return groups, resources


def _core_group(api_versions: dict[str, Any]) -> dict[str, Any] | None:
    """`/api`'s APIVersions as the legacy core APIGroup (name ""), as client-go ServerGroups."""
    versions = [{"groupVersion": v, "version": v} for v in api_versions.get("versions") or []]
    if not versions:
        return None
    return {"name": "", "versions": versions, "preferredVersion": versions[0]}


def group_list(groups: Iterable[dict[str, Any]]) -> dict[str, Any]:
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": list(groups)}


def preferred_resources(
    groups: list[dict[str, Any]], resources: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """One entry per group+resource, in the preferred version when it has it.

    client-go ServerPreferredResources: a resource served in several versions of a group is
    listed under the preferred version; one only in an older version stays there. Subresources
    are left out.
    """
    chosen: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {}
    out: dict[str, dict[str, Any]] = {}
    for group in groups:
        preferred = (group.get("preferredVersion") or {}).get("version")
        for version in group.get("versions") or []:
            gv = version["groupVersion"]
            listed = resources.get(gv)
            if listed is None:
                continue
            out[gv] = {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv}
            for r in listed.get("resources") or []:
                if "/" in r["name"]:
                    continue
                key = (group["name"], r["name"])
                if key in chosen and version["version"] != preferred:
                    continue
                chosen[key] = (gv, r)
    for gv, doc in out.items():
        doc["resources"] = [r for (chosen_gv, r) in chosen.values() if chosen_gv == gv]
    return list(out.values())


# -- the disk cache (client-go discovery/cached/disk/cached_discovery.go) --------------------------


class DiskCache:
    """kubectl's discovery files, with a TTL and invalidation.

    After `invalidate()`, only files this object wrote itself are trusted (client-go keeps
    `ourFiles` for the same reason: another kubectl may have left an old copy).
    """

    def __init__(self, directory: str | os.PathLike[str], ttl: float = DEFAULT_TTL) -> None:
        self.directory = Path(directory)
        self.ttl = ttl
        self._ours: set[Path] = set()
        self._invalidated = False

    def path_for(self, group_version: str | None) -> Path | None:
        """The file for a group/version; None when the name could leave the cache directory.

        Group and version come from the server. client-go joins them into the path as they are
        (discovery/cached/disk/cached_discovery.go, `filepath.Join(d.cacheDirectory,
        groupVersion, "serverresources.json")`); a malicious server could name a group
        "../../x" or "/etc/x". Only names the API server itself would accept (a DNS-1123
        subdomain group and a DNS-1123 label version) get a file; others stay in memory.
        """
        if group_version is None:
            return self.directory / "servergroups.json"
        if not _SAFE_GROUP_VERSION.fullmatch(group_version) or len(group_version) > 317:
            return None
        return self.directory / group_version / "serverresources.json"

    def read(self, group_version: str | None) -> dict[str, Any] | None:
        """The cached document, or None when missing, expired, unreadable or distrusted."""
        path = self.path_for(group_version)
        if path is None or self._invalidated and path not in self._ours:
            return None
        try:
            if time.time() > path.stat().st_mtime + self.ttl:
                return None
            data = _json.loads(path.read_bytes())
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def is_ours(self, group_version: str | None) -> bool:
        path = self.path_for(group_version)
        return path is not None and path in self._ours

    def write(self, group_version: str | None, doc: dict[str, Any]) -> None:
        """Write atomically (temp file + rename) so a concurrent kubectl never reads half a file."""
        path = self.path_for(group_version)
        if path is None:
            return
        try:
            _mkdirs(path.parent)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".")
            with os.fdopen(fd, "wb") as f:
                f.write(_json.dumps(doc))
            os.chmod(tmp, 0o660)
            os.replace(tmp, path)
        except OSError:
            # A cache that cannot be written is only a slower cache (client-go logs and goes on).
            with contextlib.suppress(OSError, UnboundLocalError):
                os.unlink(tmp)
            return
        self._ours.add(path)

    def invalidate(self) -> None:
        self._ours.clear()
        self._invalidated = True


def _mkdirs(directory: Path) -> None:
    """Create `directory` and any missing parents, each 0750 as Go's os.MkdirAll(dir, 0o750)
    does in client-go's disk cache (Python's `mkdir(parents=True, mode=...)` and
    `os.makedirs` give the parents the umask default, e.g. a world-readable ~/.kube)."""
    missing = []
    while not directory.is_dir():
        missing.append(directory)
        if directory.parent == directory:
            break
        directory = directory.parent
    for d in reversed(missing):
        with contextlib.suppress(FileExistsError):
            d.mkdir(mode=0o750)


# -- the client ------------------------------------------------------------------------------------


class _DiscoveryState:
    """What has been discovered so far (client-go's memCacheClient fields)."""

    def __init__(self) -> None:
        self.groups: list[dict[str, Any]] | None = None
        self.resources: dict[str, dict[str, Any]] = {}
        self.failed: dict[str, Exception] = {}
        # True while everything held came from the server in this process (client-go Fresh()).
        self.fresh = True


D = TypeVar("D", bound="_DiscoveryBase[Any, Any, Any]")
DocT = TypeVar("DocT")  # a discovery document, or an awaitable of one
PairT = TypeVar("PairT")  # (groups, resource lists), or an awaitable of it
ListT = TypeVar("ListT")  # a list of resource lists, or an awaitable of it


class _DiscoveryBase(Generic[DocT, PairT, ListT]):
    """Discovery, written once for both kinds of RESTClient.

    The cache bookkeeping and document handling do no I/O; what does (`_get`, and the
    questions built on it) are flows (`rawkube.flow`), and every public method returns
    `self._rest.run(flow)`: the answer from a `DiscoveryClient`, an awaitable of it from an
    `AsyncDiscoveryClient`. The two subclasses only pick the RESTClient and the mapper.
    """

    def __init__(
        self,
        config: Any,
        *,
        cache_dir: str | os.PathLike[str] | None = None,
        ttl: float = DEFAULT_TTL,
        aggregated: bool = True,
        client: Any = None,
    ) -> None:
        self.config = config
        self.aggregated = aggregated
        self.disk = DiskCache(cache_dir, ttl) if cache_dir is not None else None
        self._state = _DiscoveryState()
        self._rest = self._new_rest(config, client)

    def _new_rest(self, config: Any, client: Any) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    @classmethod
    def with_kubectl_cache(cls: type[D], config: Any, *, ttl: float = DEFAULT_TTL) -> D:
        """Share kubectl's disk cache (~/.kube/cache/discovery/<host_port>/) for this server."""
        return cls(config, cache_dir=default_cache_dir(config.host), ttl=ttl)

    def fresh(self) -> bool:
        """True if nothing held was read from a possibly stale disk cache (client-go Fresh)."""
        return self._state.fresh

    @property
    def failed_group_versions(self) -> dict[str, Exception]:
        """The group/versions whose discovery failed, with the error (ErrGroupDiscoveryFailed)."""
        return dict(self._state.failed)

    def invalidate(self) -> None:
        """Forget everything; the next call asks the server again (client-go Invalidate)."""
        self._state = _DiscoveryState()
        if self.disk is not None:
            self.disk.invalidate()

    def _from_disk(self, group_version: str | None) -> dict[str, Any] | None:
        if self.disk is None:
            return None
        doc = self.disk.read(group_version)
        if doc is not None and not self.disk.is_ours(group_version):
            self._state.fresh = False
        return doc

    def _to_disk(self, group_version: str | None, doc: dict[str, Any]) -> None:
        # client-go skips caching empty answers, so an empty (broken) server is asked again.
        key = "groups" if group_version is None else "resources"
        if self.disk is not None and doc.get(key):
            self.disk.write(group_version, doc)

    def _store_groups(
        self, groups: list[dict[str, Any]], resources: dict[str, dict[str, Any]]
    ) -> None:
        self._state.groups = groups
        self._to_disk(None, group_list(groups))
        for gv, doc in resources.items():
            self._store_resources(gv, doc)

    def _store_resources(self, group_version: str, doc: dict[str, Any]) -> None:
        self._state.resources[group_version] = doc
        self._to_disk(group_version, doc)

    def _request(self, path: str, accept: str | None = None) -> Any:
        """`GET path` (an absolute path: discovery is outside any group/version)."""
        req = self._rest.get().abs_path(path)
        if accept:
            req = req.set_header("Accept", accept)
        return req

    def _root_accept(self) -> str | None:
        """The Accept of `GET /api` and `GET /apis`: aggregated discovery when enabled."""
        return AGGREGATED_ACCEPT if self.aggregated else None

    def _cached_groups(self) -> list[dict[str, Any]] | None:
        """The groups from memory, else from disk; None: ask the server (`/api`, `/apis`)."""
        if self._state.groups is None:
            cached = self._from_disk(None)
            if cached is not None:
                self._state.groups = list(cached.get("groups") or [])
        return self._state.groups

    def _groups_from_root(self, core: dict[str, Any], apis: dict[str, Any]) -> list[dict[str, Any]]:
        """Keep the server's `/api` + `/apis` answers (and any resources they carry)."""
        groups, resources = _parse_root(core, apis)
        self._store_groups(groups, resources)
        return groups

    def _cached_resources(self, group_version: str) -> dict[str, Any] | None:
        """One group/version's APIResourceList from memory, else disk; None: ask the server."""
        doc = self._state.resources.get(group_version)
        if doc is None:
            doc = self._from_disk(group_version)
            if doc is not None:
                self._state.resources[group_version] = doc
        return doc

    @staticmethod
    def _rest_path(group_version: str) -> str:
        """client-go ServerResourcesForGroupVersion: "v1" is the core group under /api, anything
        else is "group/version" under /apis (discovery_client.go)."""
        if group_version == "v1":
            return "/api/v1"
        if group_version.count("/") != 1 or not all(group_version.split("/")):
            raise ValueError(
                f'a group/version is "v1" or "group/version", e.g. "apps/v1"; got {group_version!r}'
            )
        return f"/apis/{group_version}"

    def _all_group_versions(self) -> list[str]:
        return [
            v["groupVersion"] for g in self._state.groups or [] for v in g.get("versions") or []
        ]

    # -- the questions, as flows ---------------------------------------------------------------

    def _get(self, path: str, accept: str | None = None) -> Flow[Any]:
        """`GET path`, decoded (an absolute path: discovery is outside any group/version)."""
        result = yield from self._rest.core.do(self._request(path, accept))
        return result.json()

    def _groups(self) -> Flow[list[dict[str, Any]]]:
        groups = self._cached_groups()
        if groups is None:
            accept = self._root_accept()
            core = yield from self._get("/api", accept)
            apis = yield from self._get("/apis", accept)
            groups = self._groups_from_root(core, apis)
        return groups

    def _resources(self, group_version: str) -> Flow[dict[str, Any]]:
        doc = self._cached_resources(group_version)
        if doc is None:
            doc = yield from self._get(self._rest_path(group_version))
            self._store_resources(group_version, doc)
        return doc

    def _groups_and_resources(self) -> Flow[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
        groups = yield from self._groups()
        lists: list[dict[str, Any]] = []
        for gv in self._all_group_versions():
            try:
                lists.append((yield from self._resources(gv)))
            except StatusError as err:
                self._state.failed[gv] = err
        return groups, lists

    def _preferred(self) -> Flow[list[dict[str, Any]]]:
        groups, _ = yield from self._groups_and_resources()
        return preferred_resources(groups, self._state.resources)

    def _version(self) -> Flow[dict[str, Any]]:
        result: dict[str, Any] = yield from self._get("/version")
        return result

    def _server_groups(self) -> Flow[dict[str, Any]]:
        return group_list((yield from self._groups()))

    # -- the public methods, once ----------------------------------------------------------------

    def server_version(self) -> DocT:
        """`GET /version`: gitVersion, major, minor, platform, ... (never cached)."""
        result: DocT = self._rest.run(self._version())
        return result

    def server_groups(self) -> DocT:
        """An APIGroupList; the core group (name "") first, as client-go's ServerGroups."""
        result: DocT = self._rest.run(self._server_groups())
        return result

    def server_resources_for_group_version(self, group_version: str) -> DocT:
        """The APIResourceList of one group/version ("v1", "apps/v1").

        Served from memory, then disk, then the server (a miss fetches, as the disk cache does).
        """
        self._rest_path(group_version)  # a malformed group/version fails here, not when awaited
        result: DocT = self._rest.run(self._resources(group_version))
        return result

    def server_groups_and_resources(self) -> PairT:
        """All groups and every group/version's resources (client-go ServerGroupsAndResources).

        A group/version that fails (e.g. 404, 503 from an aggregated API server) is left out
        and remembered in `failed_group_versions`, like client-go's ErrGroupDiscoveryFailed.
        """
        result: PairT = self._rest.run(self._groups_and_resources())
        return result

    def server_preferred_resources(self) -> ListT:
        result: ListT = self._rest.run(self._preferred())
        return result


def _parse_root(
    core: dict[str, Any], apis: dict[str, Any]
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """`/api` + `/apis` answers (aggregated or legacy) as (APIGroups, resources found so far)."""
    groups: list[dict[str, Any]] = []
    resources: dict[str, dict[str, Any]] = {}
    if core.get("kind") == AGGREGATED_KIND:
        g, r = convert_aggregated(core)
        groups += g
        resources.update(r)
    else:
        group = _core_group(core)
        if group is not None:
            groups.append(group)
    if apis.get("kind") == AGGREGATED_KIND:
        g, r = convert_aggregated(apis)
        groups += g
        resources.update(r)
    else:
        groups += list(apis.get("groups") or [])
    return groups, resources


class DiscoveryClient(
    _DiscoveryBase[
        dict[str, Any], tuple[list[dict[str, Any]], list[dict[str, Any]]], list[dict[str, Any]]
    ]
):
    """client-go `discovery.DiscoveryClient` with kubectl's memory + disk caches.

    `DiscoveryClient(config)` caches in memory only; pass `cache_dir=default_cache_dir(host)`
    (or any directory) for kubectl's disk cache, shared across processes.
    """

    def _new_rest(self, config: Any, client: Any) -> Any:
        from rawkube.rest.client import RESTClient

        return RESTClient(config, "", "v1", client=client)

    def rest_mapper(self) -> Any:
        """A RESTMapper over this client (deferred: built on first use, reset on a miss)."""
        from rawkube.discovery.mapper import RESTMapper

        return RESTMapper(self)


class AsyncDiscoveryClient(
    _DiscoveryBase[
        Awaitable[dict[str, Any]],
        Awaitable[tuple[list[dict[str, Any]], list[dict[str, Any]]]],
        Awaitable[list[dict[str, Any]]],
    ]
):
    """The asyncio `DiscoveryClient`: the same caches and questions, awaited."""

    def _new_rest(self, config: Any, client: Any) -> Any:
        from rawkube.rest.client import AsyncRESTClient

        return AsyncRESTClient(config, "", "v1", client=client)

    def rest_mapper(self) -> Any:
        """An `AsyncRESTMapper` over this client: `await mapper.resource_for(gvk)`."""
        from rawkube.discovery.mapper import AsyncRESTMapper

        return AsyncRESTMapper(self)


__all__ = [
    "AGGREGATED_ACCEPT",
    "DEFAULT_TTL",
    "AsyncDiscoveryClient",
    "DiscoveryClient",
    "DiskCache",
    "convert_aggregated",
    "default_cache_dir",
    "preferred_resources",
]
