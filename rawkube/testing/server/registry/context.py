"""What the registry and admission know about the request being served
(genericapirequest.RequestInfo + user.Info + the options' dryRun)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rawkube.testing.server.errors import ResourceKey

if TYPE_CHECKING:  # pragma: no cover
    from rawkube.testing.server.auth import UserInfo
    from rawkube.testing.server.resources import ResourceInfo, ResourceTable


@dataclass
class RequestContext:
    """One API request as the registry sees it.

    ``user`` None is a trusted in-process caller. ``resources`` lets strategies that change what
    is served (CustomResourceDefinitions) reach the resource table.
    """

    info: ResourceInfo
    namespace: str = ""
    name: str = ""
    subresource: str = ""
    user: UserInfo | None = None
    dry_run: bool = False
    resources: ResourceTable | None = None
    # The registry store serving the request (set by it): strategies that look at other
    # objects (allocations) read through it.
    store: Any = None
    # An in-process control-plane component (a controller) rather than a client request:
    # admission lookups that would refuse a client do not refuse it.
    trusted: bool = False
    # Written without the strategy's Validate: only the simulated kube-apiserver's own
    # kubernetes Endpoints/EndpointSlice, whose loopback address a real apiserver never
    # advertises (ValidateEndpointIP refuses 127.0.0.0/8).
    unvalidated: bool = False
    # The request version's validation, for a resource served by several groups over one
    # storage: events.k8s.io/v1 Events are stored in core form but validated as the request's
    # GroupVersion (pkg/registry/core/event/strategy.go: ValidateEventCreate(event,
    # requestGroupVersion(ctx))). Called with (new, None) on create, (new, old) on update.
    validator: Any = None

    @property
    def key(self) -> ResourceKey:
        return self.info.key
