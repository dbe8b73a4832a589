"""`rawkube.aio.rest`: the async REST client, under its historical name (a facade).

`AsyncRESTClient` lives in `rawkube.rest.client` beside `RESTClient`: both are thin shells over
the one executor (`rawkube.rest.executor`). Nothing in rawkube imports this module.
"""

from __future__ import annotations

from rawkube.rest.client import AsyncRequest, AsyncRESTClient

__all__ = ["AsyncRESTClient", "AsyncRequest"]
