"""What the endpoint modules use of handlers.API, as a protocol.

endpoints.py, bindings.py, deletion.py and events_api.py are called by the handlers with the
server's `handlers.API`; typing their ``api`` parameter with this protocol instead of importing
handlers keeps them below handlers.py (which imports them) without an import circle.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Protocol

from rawkube.testing.server.errors import Obj
from rawkube.testing.server.registry.context import RequestContext
from rawkube.testing.server.request import Request, Response, Target

if TYPE_CHECKING:  # pragma: no cover
    from rawkube.testing.server.admission import Chain
    from rawkube.testing.server.registry.generic import GenericStore
    from rawkube.testing.server.resources import ResourceTable


class API(Protocol):
    """The members of handlers.API the endpoint modules use."""

    resources: ResourceTable
    stopping: threading.Event
    bookmark_interval: float
    watch_list: bool
    log_lines: Callable[[Obj, str | None], list[str]] | None
    admission: Chain
    authn: Any  # reviews.py (TokenReview, TokenRequest)
    server_address: str

    @property
    def store(self) -> GenericStore: ...

    def context(self, req: Request, t: Target, name: str | None = None) -> RequestContext: ...

    def body(self, req: Request, t: Target | None = None) -> Any: ...

    def manager(self, req: Request) -> str: ...

    def record_update(
        self, req: Request, t: Target, old: Obj | None, obj: Obj, subresource: str | None = None
    ) -> None: ...

    def registry_update(
        self,
        ctx: RequestContext,
        updated: Callable[[Obj | None], Obj],
        *,
        force_allow_create: bool = False,
    ) -> Obj: ...

    def _patched(self, ctype: str, t: Target, current: Obj, patch_body: Any) -> Obj: ...

    def delete_options(self, req: Request) -> dict[str, Any]: ...

    def delete_one(
        self, req: Request, t: Target, name: str, options: dict[str, Any]
    ) -> tuple[Obj, bool]: ...

    def delete_collection(self, req: Request, t: Target) -> Response: ...

    def follow_log(
        self, t: Target, first: list[str], lines_now: Callable[[Obj], list[str]]
    ) -> Iterator[bytes]: ...


__all__ = ["API"]
