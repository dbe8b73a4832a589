"""`RESTClient` and `AsyncRESTClient`: two thin shells around one executor (client-go
`rest.RESTClient`).

    rc = RESTClient(config, group="apps", version="v1")
    rc.get().namespace("default").resource("deployments").name("demo").do().json()

    async with AsyncRESTClient(config, "apps", "v1") as rc:
        result = await rc.get().namespace("default").resource("deployments").do()
        async for ev in rc.get().resource("deployments").watch(): ...

Everything a call does, the retry loop, deadlines, tracing, decoding, is written once in
`rawkube.rest.executor` as flows (`rawkube.flow`). A shell only says how to drive them (`run` /
`iterate`: performing each step in place, or awaiting it), owns the httpx client, and builds
requests: the verbs return a `BoundRequest`, a `Request` (pure data) together with the client
that will send it, so that `rc.get()...do()` reads like client-go. `rc.do(request)` sends a
plain `Request`.

Upper layers (typed, dynamic, discovery, tools) hand their own flows to `run` / `iterate`, so
they too are written once for both shells.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from types import TracebackType
from typing import Any, Generic, TypeVar

import httpx

from rawkube.config.types import Config, redact_url
from rawkube.flow import END, AsyncRuntime, Emit, Flow, Next, Runtime, aiterate, arun, iterate, run
from rawkube.rest.executor import _UNSET, RESTCore
from rawkube.rest.ratelimit import Clock, TokenBucket, shared_limiter_for
from rawkube.rest.request import DEFAULT_ACCEPT, JSON, PATCH_CONTENT_TYPES, Request
from rawkube.rest.result import Result
from rawkube.rest.steps import Chunks, CloseResponse, transport_error
from rawkube.rest.warnings import WarningHandler
from rawkube.rest.watch import AsyncWatch, Watch
from rawkube.rest.with_retry import RetryPolicy

DoT = TypeVar("DoT")  # Result, or Awaitable[Result]
RawT = TypeVar("RawT")  # bytes, or Awaitable[bytes]
WatchT = TypeVar("WatchT")  # Watch, or AsyncWatch
StreamT = TypeVar("StreamT")  # Iterator[bytes], or AsyncIterator[bytes]


def patch_content_type(patch_type: str) -> str:
    """ "json" | "merge" | "strategic" | "apply" (or a full media type) -> Content-Type."""
    if patch_type in PATCH_CONTENT_TYPES:
        return PATCH_CONTENT_TYPES[patch_type]
    if patch_type in PATCH_CONTENT_TYPES.values():
        return patch_type
    raise ValueError(
        f"unknown patch type {patch_type!r}: use one of {', '.join(PATCH_CONTENT_TYPES)}"
    )


class BoundRequest(Request, Generic[DoT, RawT, WatchT, StreamT]):
    """A `Request` made by a client's verb, with that client: `.do()`, `.watch()`,
    `.stream()` send it (what they return is the client's: values, or awaitables)."""

    __slots__ = ("_client",)

    def __init__(self, client: Any, verb: str, **kw: Any) -> None:
        super().__init__(verb, **kw)
        self._client = client

    def do(self) -> DoT:
        """Send, retrying as client-go does, and return the Result (raises StatusError)."""
        result: DoT = self._client.do(self)
        return result

    def do_raw(self) -> RawT:
        """The response body bytes (client-go `DoRaw`)."""
        raw: RawT = self._client.do_raw(self)
        return raw

    def watch(self, decode: Callable[[Any], Any] | None = None) -> WatchT:
        """Start a watch: an iterator of WatchEvent. Adds `watch=true` unless already set.

        `decode` turns each event's object dict into something else (e.g. `Model.from_dict`).
        """
        if "watch" not in self._params:
            self.param("watch", True)
        watch: WatchT = self._client.watch(self, decode)
        return watch

    def stream(self, chunk_size: int | None = None) -> StreamT:
        """The response body as byte chunks (pods/log?follow=true); closed when done."""
        chunks: StreamT = self._client.stream(self, chunk_size)
        return chunks


def body_chunks(
    core: RESTCore,
    req: Request,
    chunk_size: int | None,
    response: httpx.Response | None = None,
    framer: Any = None,
) -> Flow[None]:
    """Emit a streamed response's body (opening it first unless given): chunk by chunk, or
    what a sans-IO `framer` (`feed(bytes) -> list`, `close() -> list`: log lines, say) makes of
    the chunks. The response is closed at the end, however it ends."""
    if response is None:
        response = yield from core.open(req)
    try:
        chunks = yield Chunks(response, chunk_size)
        while True:
            chunk = yield Next(chunks)
            if chunk is END:
                break
            # (a read may bring only chunked framing: b"", nothing to hand on)
            items = framer.feed(chunk) if framer is not None else [chunk] if chunk else []
            if items:
                yield Emit(items)
        if framer is not None:
            rest = framer.close()
            if rest:
                yield Emit(rest)
    except httpx.HTTPError as err:
        yield CloseResponse(response)
        raise transport_error(err, response.request) from err
    except GeneratorExit:
        raise
    except BaseException:
        yield CloseResponse(response)
        raise
    yield CloseResponse(response)


def accept_header(config: Config) -> str:
    """client-go rest/request.go `setAcceptHeader`: AcceptContentTypes, else ContentType plus
    ", */*"; rawkube's default (nothing configured) is plain JSON."""
    if config.accept_content_types:
        return config.accept_content_types
    if config.content_type:
        return f"{config.content_type}, */*"
    return DEFAULT_ACCEPT


class _RESTClientBase(Generic[DoT, RawT, WatchT, StreamT]):
    """What both shells share: the executor core, the verbs, `do` / `do_raw`, the repr.

    A shell sets `client` and `_core`, and defines `run`, `iterate`, `watch` and `stream`.
    """

    client: Any
    _core: RESTCore
    _owns_client: bool

    def __init__(
        self,
        config: Config,
        group: str = "",
        version: str = "v1",
        *,
        client: Any = None,
        rate_limiter: TokenBucket | None | Any = _UNSET,
        retry: RetryPolicy | None = None,
        warning_handler: WarningHandler | None = None,
        clock: Clock = time.monotonic,
        sleep: Callable[[float], Any] | None = None,
    ) -> None:
        if client is not None and rate_limiter is _UNSET:
            # One limiter per shared httpx client (client-go shares one per Clientset).
            rate_limiter = shared_limiter_for(client, config.qps, config.burst, clock=clock)
        self._owns_client = client is None
        self.client = client if client is not None else self._build_client(config)
        self._runtime = self._new_runtime(sleep)
        self._core = RESTCore(
            config,
            group,
            version,
            self.client,
            rate_limiter=rate_limiter,
            retry=retry,
            warning_handler=warning_handler,
            clock=clock,
        )
        # computed once: every request of this client shares them
        self._request_kwargs = {
            **self._core.request("GET", config.content_type or JSON),
            "accept": accept_header(config),
        }

    @property
    def config(self) -> Config:
        return self._core.config

    @property
    def group(self) -> str:
        return self._core.group

    @property
    def version(self) -> str:
        return self._core.version

    @property
    def rate_limiter(self) -> TokenBucket | None:
        return self._core.rate_limiter

    @property
    def core(self) -> RESTCore:
        """The executor (its flows: `send`, `do`, `do_raw`, `open`)."""
        return self._core

    # -- verbs ---------------------------------------------------------------------------------
    def verb(
        self, method: str, content_type: str | None = None
    ) -> BoundRequest[DoT, RawT, WatchT, StreamT]:
        """A request builder; `content_type` overrides `Config.content_type` (patches)."""
        kwargs = self._request_kwargs
        if content_type is not None:
            kwargs = {**kwargs, "content_type": content_type}
        return BoundRequest(self, method, **kwargs)

    def get(self) -> BoundRequest[DoT, RawT, WatchT, StreamT]:
        return self.verb("GET")

    def post(self) -> BoundRequest[DoT, RawT, WatchT, StreamT]:
        return self.verb("POST")

    def put(self) -> BoundRequest[DoT, RawT, WatchT, StreamT]:
        return self.verb("PUT")

    def delete(self) -> BoundRequest[DoT, RawT, WatchT, StreamT]:
        return self.verb("DELETE")

    def patch(self, patch_type: str) -> BoundRequest[DoT, RawT, WatchT, StreamT]:
        return self.verb("PATCH", patch_content_type(patch_type))

    # -- what a shell defines ----------------------------------------------------------------
    def _build_client(self, config: Config) -> Any:  # pragma: no cover - each shell's own
        raise NotImplementedError

    def _new_runtime(self, sleep: Callable[[float], Any] | None) -> Any:  # pragma: no cover
        raise NotImplementedError

    # -- sending -------------------------------------------------------------------------------
    def run(self, flow: Flow[Any]) -> Any:  # pragma: no cover - each shell drives its way
        raise NotImplementedError

    def iterate(self, flow: Flow[Any]) -> Any:  # pragma: no cover
        raise NotImplementedError

    def do(self, req: Request) -> DoT:
        """Send `req` and read its Result (raises the StatusError of a failure)."""
        result: DoT = self.run(self._core.do(req))
        return result

    def do_raw(self, req: Request) -> RawT:
        raw: RawT = self.run(self._core.do_raw(req))
        return raw

    def __repr__(self) -> str:
        base = redact_url(str(self.client.base_url))
        return f"{type(self).__name__}({base}{self._core.api_path})"


class RESTClient(_RESTClientBase[Result, bytes, Watch, Iterator[bytes]]):
    """Requests against one API group/version of one server, sent synchronously.

    `client=` shares an existing httpx.Client (one connection pool for a whole Clientset);
    such a client is not closed by `close()`. The rate limiter comes from `config.qps` /
    `config.burst`; every RESTClient built on the same `client=` shares one (client-go shares
    one per Clientset), and `rate_limiter=` passes one explicitly (None: no limit).
    `clock` and `sleep` are injectable so tests run retries and throttling without waiting.
    """

    client: httpx.Client
    _runtime: Runtime

    def _build_client(self, config: Config) -> httpx.Client:
        from rawkube.transport import build_client

        return build_client(config)

    def _new_runtime(self, sleep: Callable[[float], Any] | None) -> Runtime:
        return Runtime(sleep or time.sleep)

    def run(self, flow: Flow[Any]) -> Any:
        """Drive a flow synchronously (`rawkube.flow.run`) with this client's sleep."""
        return run(flow, self._runtime)

    def iterate(self, flow: Flow[Any]) -> Iterator[Any]:
        """The values a flow emits, driven synchronously."""
        return iterate(flow, self._runtime)

    def watch(self, req: Request, decode: Callable[[Any], Any] | None = None) -> Watch:
        """Open a watch now (its StatusError raised here); iterate it for events."""
        response = self.run(self._core.open(req))
        return Watch(response, self._core.decoder(decode), runtime=self._runtime)

    def stream(self, req: Request, chunk_size: int | None = None) -> Iterator[bytes]:
        """Open a stream now (its StatusError raised here); its body chunk by chunk."""
        response = self.run(self._core.open(req))
        return self.iterate(body_chunks(self._core, req, chunk_size, response))

    # -- lifecycle -----------------------------------------------------------------------------
    def close(self) -> None:
        if self._owns_client:
            self.client.close()

    def __enter__(self) -> RESTClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncRESTClient(
    _RESTClientBase[Awaitable[Result], Awaitable[bytes], AsyncWatch, AsyncIterator[bytes]]
):
    """Async requests against one API group/version (see `RESTClient` for the arguments):
    the same flows, awaited."""

    client: httpx.AsyncClient
    _runtime: AsyncRuntime

    def _build_client(self, config: Config) -> httpx.AsyncClient:
        from rawkube.transport import build_async_client

        return build_async_client(config)

    def _new_runtime(self, sleep: Callable[[float], Any] | None) -> AsyncRuntime:
        return AsyncRuntime(sleep)

    def run(self, flow: Flow[Any]) -> Awaitable[Any]:
        """Drive a flow with `await` (`rawkube.flow.arun`): a coroutine."""
        return arun(flow, self._runtime)

    def iterate(self, flow: Flow[Any]) -> AsyncIterator[Any]:
        """The values a flow emits, as an async iterator."""
        return aiterate(flow, self._runtime)

    def watch(self, req: Request, decode: Callable[[Any], Any] | None = None) -> AsyncWatch:
        """A watch, sent on first iteration: `async for ev in rc.watch(req)`."""
        return AsyncWatch(
            lambda: arun(self._core.open(req), self._runtime),
            self._core.decoder(decode),
            runtime=self._runtime,
        )

    def stream(self, req: Request, chunk_size: int | None = None) -> AsyncIterator[bytes]:
        """Body chunks, sent on first iteration: `async for chunk in rc.stream(req)`."""
        return self.iterate(body_chunks(self._core, req, chunk_size))

    async def aclose(self) -> None:
        if self._owns_client:
            await self.client.aclose()

    async def __aenter__(self) -> AsyncRESTClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


# The request types the two shells' verbs return, by name.
SyncRequest = BoundRequest[Result, bytes, Watch, Iterator[bytes]]
AsyncRequest = BoundRequest[Awaitable[Result], Awaitable[bytes], AsyncWatch, AsyncIterator[bytes]]

__all__ = [
    "AsyncRESTClient",
    "AsyncRequest",
    "BoundRequest",
    "RESTClient",
    "SyncRequest",
    "body_chunks",
    "patch_content_type",
]
