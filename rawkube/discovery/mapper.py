"""RESTMapper: kind <-> resource, from discovery (apimachinery `meta.RESTMapper`).

The API is addressed by *resources* (`/apis/apps/v1/namespaces/default/deployments`) while
objects name their *kind* (`kind: Deployment`). kubectl and the dynamic client translate one into
the other with a RESTMapper built from discovery, mirroring:

* k8s.io/apimachinery/pkg/api/meta/restmapper.go (`DefaultRESTMapper`: plural and singular
  resource names, partially specified group/version, lower-case matching),
* k8s.io/client-go/restmapper/discovery.go (`NewDiscoveryRESTMapper`: group order as the server
  lists it, the preferred version first),
* k8s.io/client-go/restmapper/shortcut.go (short names such as `deploy`, `cm`),
* k8s.io/client-go/restmapper (`DeferredDiscoveryRESTMapper`: built lazily, and reset once when
  a lookup misses on data that may be stale, so a CRD created meanwhile is found).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar

from rawkube.errors import RawkubeError
from rawkube.schema import GroupVersionKind, GroupVersionResource

if TYPE_CHECKING:
    from rawkube.flow import Flow

R = TypeVar("R")
# What each lookup returns: the answer (RESTMapper) or an awaitable of it (AsyncRESTMapper).
KindT = TypeVar("KindT")
KindsT = TypeVar("KindsT")
ResT = TypeVar("ResT")
ResesT = TypeVar("ResesT")
MapT = TypeVar("MapT")
MapsT = TypeVar("MapsT")
BoolT = TypeVar("BoolT")
StrT = TypeVar("StrT")


class NoMatchError(RawkubeError, LookupError):
    """No resource or kind matches (apimachinery `NoResourceMatchError` / `NoKindMatchError`)."""


class RESTMapping(NamedTuple):
    """How to reach one kind: its resource and whether it lives in a namespace (meta.RESTMapping)."""

    resource: GroupVersionResource
    gvk: GroupVersionKind
    namespaced: bool

    @property
    def scope(self) -> str:
        """ "namespace" or "root", the names of apimachinery's RESTScope."""
        return "namespace" if self.namespaced else "root"


@dataclass(frozen=True)
class _Entry:
    """One top-level resource of one group/version, as discovery described it."""

    gvr: GroupVersionResource
    kind: str
    singular: str
    short_names: tuple[str, ...]
    namespaced: bool
    verbs: frozenset[str]
    categories: tuple[str, ...]
    subresources: frozenset[str]

    @property
    def gvk(self) -> GroupVersionKind:
        return GroupVersionKind(self.gvr.group, self.gvr.version, self.kind)

    @property
    def mapping(self) -> RESTMapping:
        return RESTMapping(self.gvr, self.gvk, self.namespaced)

    def names(self) -> set[str]:
        return {self.gvr.resource.lower(), self.singular.lower(), *map(str.lower, self.short_names)}


def _version_order(group: dict[str, Any]) -> list[str]:
    """The preferred version first, then the others in the server's order."""
    preferred = (group.get("preferredVersion") or {}).get("groupVersion")
    listed = [v["groupVersion"] for v in group.get("versions") or []]
    return ([preferred] if preferred in listed else []) + [gv for gv in listed if gv != preferred]


def _entries_for(group_version: str, doc: dict[str, Any]) -> list[_Entry]:
    group, _, version = group_version.rpartition("/")
    resources = doc.get("resources") or []
    subs: dict[str, set[str]] = {}
    for r in resources:
        parent, slash, sub = r["name"].partition("/")
        if slash:
            subs.setdefault(parent, set()).add(sub)
    entries = []
    for r in resources:
        name = r["name"]
        if "/" in name:
            continue
        entries.append(
            _Entry(
                gvr=GroupVersionResource(group, version, name),
                kind=r.get("kind", ""),
                # An empty singularName means "the lower-cased kind" (client-go discovery.go).
                singular=r.get("singularName") or r.get("kind", "").lower(),
                short_names=tuple(r.get("shortNames") or ()),
                namespaced=bool(r.get("namespaced")),
                verbs=frozenset(r.get("verbs") or ()),
                categories=tuple(r.get("categories") or ()),
                subresources=frozenset(subs.get(name, ())),
            )
        )
    return entries


def _any(value: str) -> bool:
    return value in ("", "*")


class StaticRESTMapper:
    """A RESTMapper over fixed discovery documents; entries kept in priority order."""

    def __init__(
        self, groups: Iterable[dict[str, Any]], resource_lists: Iterable[dict[str, Any]]
    ) -> None:
        by_gv = {doc["groupVersion"]: doc for doc in resource_lists if doc.get("groupVersion")}
        self._entries: list[_Entry] = []
        for group in groups:
            for gv in _version_order(group):
                if gv in by_gv:
                    self._entries += _entries_for(gv, by_gv[gv])

    @property
    def entries(self) -> list[_Entry]:
        return list(self._entries)

    # -- resource -> kind ----------------------------------------------------------------------

    def _matching_resources(self, gvr: GroupVersionResource) -> list[_Entry]:
        name = gvr.resource.lower()
        return [
            e
            for e in self._entries
            if name in e.names()
            and (_any(gvr.group) or e.gvr.group == gvr.group)
            and (_any(gvr.version) or e.gvr.version == gvr.version)
        ]

    def resources_for(self, gvr: GroupVersionResource) -> list[GroupVersionResource]:
        """Every full GVR a (possibly partial, possibly short or singular) one names, best first."""
        found = self._matching_resources(GroupVersionResource(*gvr))
        if not found:
            raise NoMatchError(f"no matches for {_describe_gvr(gvr)}")
        return [e.gvr for e in found]

    def kinds_for(self, gvr: GroupVersionResource) -> list[GroupVersionKind]:
        found = self._matching_resources(GroupVersionResource(*gvr))
        if not found:
            raise NoMatchError(f"no matches for {_describe_gvr(gvr)}")
        return [e.gvk for e in found]

    def kind_for(self, gvr: GroupVersionResource) -> GroupVersionKind:
        """The preferred kind for a resource (meta.RESTMapper.KindFor)."""
        return self.kinds_for(gvr)[0]

    # -- kind -> resource ----------------------------------------------------------------------

    def _matching_kinds(self, group: str, kind: str, versions: Iterable[str]) -> list[_Entry]:
        wanted = [v for v in versions if v]
        lower = kind.lower()
        found = [e for e in self._entries if e.kind.lower() == lower and e.gvr.group == group]
        if not wanted:
            return found
        # Versions asked for, in the caller's order of preference (meta.RESTMapper.RESTMapping).
        return [e for v in wanted for e in found if e.gvr.version == v]

    def rest_mappings(self, gvk: GroupVersionKind, *versions: str) -> list[RESTMapping]:
        """All mappings of a group+kind, best first; `versions` restrict and order them.

        The kind is matched case-insensitively; the group exactly ("" is the core group).
        """
        gvk = GroupVersionKind(*gvk)
        asked = versions or ((gvk.version,) if gvk.version else ())
        found = self._matching_kinds(gvk.group, gvk.kind, asked)
        if not found:
            raise NoMatchError(f'no matches for kind "{gvk.kind}" in {_describe_gvk(gvk)}')
        return [e.mapping for e in found]

    def rest_mapping(self, gvk: GroupVersionKind, *versions: str) -> RESTMapping:
        """The mapping of a kind: its resource and scope (meta.RESTMapper.RESTMapping)."""
        return self.rest_mappings(gvk, *versions)[0]

    def resource_for(self, what: GroupVersionResource | GroupVersionKind) -> GroupVersionResource:
        """A kind's resource, or the full, preferred form of a partial resource."""
        if isinstance(what, GroupVersionKind):
            return self.rest_mapping(what).resource
        return self.resources_for(what)[0]

    def is_namespaced(self, what: GroupVersionResource | GroupVersionKind) -> bool:
        if isinstance(what, GroupVersionKind):
            return self.rest_mapping(what).namespaced
        found = self._matching_resources(GroupVersionResource(*what))
        if not found:
            raise NoMatchError(f"no matches for {_describe_gvr(what)}")
        return found[0].namespaced

    def resource_singularizer(self, resource: str) -> str:
        """The singular name of a plural resource ("deployments" -> "deployment")."""
        found = self._matching_resources(GroupVersionResource("", "", resource))
        if not found:
            raise NoMatchError(f"no singular of resource {resource!r} has been defined")
        return found[0].singular

    def lookup(self, text: str) -> RESTMapping:
        """What kubectl accepts as a resource argument, as one mapping.

        `deploy`, `deployments`, `Deployment`, `deployments.apps`, `deployment.v1.apps`
        (resource[.version].group, as kubectl's ResourceBuilder parses it); case-insensitive.
        """
        name, _, rest = text.partition(".")
        candidates: list[GroupVersionResource] = []
        if rest:
            version, _, group = rest.partition(".")
            if group:  # resource.version.group
                candidates.append(GroupVersionResource(group, version, name))
            candidates.append(GroupVersionResource(rest, "", name))  # resource.group
        else:
            candidates.append(GroupVersionResource("", "", name))
        for gvr in candidates:
            found = self._matching_resources(gvr)
            if found:
                return found[0].mapping
        lower = text.lower()
        by_kind = [e for e in self._entries if e.kind.lower() == lower]
        if by_kind:
            return by_kind[0].mapping
        raise NoMatchError(f'the server doesn\'t have a resource type "{text}"')


def _describe_gvr(gvr: Any) -> str:
    group, version, resource = gvr
    return f'resource "{resource}" in group "{group}" version "{version}"'


def _describe_gvk(gvk: GroupVersionKind) -> str:
    return f'version "{gvk.group_version}"' if gvk.version else f'group "{gvk.group}"'


class _DeferredMapper(Generic[KindT, KindsT, ResT, ResesT, MapT, MapsT, BoolT, StrT]):
    """A RESTMapper backed by a discovery client (client-go DeferredDiscoveryRESTMapper),
    written once for both kinds of discovery client.

    Built on first use. When a lookup finds nothing and the discovery data was not fresh from
    the server (it came from the disk cache), discovery is invalidated and the lookup retried
    once: that is how a just-created CRD is found. `reset()` forces a rebuild. Only building
    does I/O (a flow run by the discovery client's RESTClient); the lookups themselves are
    `StaticRESTMapper`'s.
    """

    def __init__(self, discovery: Any) -> None:
        self.discovery = discovery
        self._static: StaticRESTMapper | None = None

    def reset(self) -> None:
        self.discovery.invalidate()
        self._static = None

    def _mapper(self) -> Flow[StaticRESTMapper]:
        if self._static is None:
            groups, lists = yield from self.discovery._groups_and_resources()
            self._static = StaticRESTMapper(groups, lists)
        return self._static

    def _lookup(self, fn: Callable[[StaticRESTMapper], R]) -> Flow[R]:
        mapper = yield from self._mapper()
        try:
            return fn(mapper)
        except NoMatchError:
            if self.discovery.fresh():
                raise
        self.reset()
        mapper = yield from self._mapper()
        return fn(mapper)

    def _call(self, fn: Callable[[StaticRESTMapper], Any]) -> Any:
        return self.discovery._rest.run(self._lookup(fn))

    def kind_for(self, gvr: GroupVersionResource) -> KindT:
        result: KindT = self._call(lambda m: m.kind_for(gvr))
        return result

    def kinds_for(self, gvr: GroupVersionResource) -> KindsT:
        result: KindsT = self._call(lambda m: m.kinds_for(gvr))
        return result

    def resource_for(self, what: GroupVersionResource | GroupVersionKind) -> ResT:
        result: ResT = self._call(lambda m: m.resource_for(what))
        return result

    def resources_for(self, gvr: GroupVersionResource) -> ResesT:
        result: ResesT = self._call(lambda m: m.resources_for(gvr))
        return result

    def rest_mapping(self, gvk: GroupVersionKind, *versions: str) -> MapT:
        result: MapT = self._call(lambda m: m.rest_mapping(gvk, *versions))
        return result

    def rest_mappings(self, gvk: GroupVersionKind, *versions: str) -> MapsT:
        result: MapsT = self._call(lambda m: m.rest_mappings(gvk, *versions))
        return result

    def is_namespaced(self, what: GroupVersionResource | GroupVersionKind) -> BoolT:
        result: BoolT = self._call(lambda m: m.is_namespaced(what))
        return result

    def resource_singularizer(self, resource: str) -> StrT:
        result: StrT = self._call(lambda m: m.resource_singularizer(resource))
        return result

    def lookup(self, text: str) -> MapT:
        result: MapT = self._call(lambda m: m.lookup(text))
        return result


class RESTMapper(
    _DeferredMapper[
        GroupVersionKind,
        list[GroupVersionKind],
        GroupVersionResource,
        list[GroupVersionResource],
        RESTMapping,
        list[RESTMapping],
        bool,
        str,
    ]
):
    """The RESTMapper of a `DiscoveryClient`: lookups return their answer."""


class AsyncRESTMapper(
    _DeferredMapper[
        Awaitable[GroupVersionKind],
        Awaitable[list[GroupVersionKind]],
        Awaitable[GroupVersionResource],
        Awaitable[list[GroupVersionResource]],
        Awaitable[RESTMapping],
        Awaitable[list[RESTMapping]],
        Awaitable[bool],
        Awaitable[str],
    ]
):
    """The RESTMapper of an `AsyncDiscoveryClient`: `await mapper.resource_for(gvk)`."""


__all__ = ["AsyncRESTMapper", "NoMatchError", "RESTMapper", "RESTMapping", "StaticRESTMapper"]
