"""Watch streams: the sans-IO `WatchDecoder`, `WatchEvent`, and the `Watch` iterators.

A watch response (`GET ...?watch=true`) is a stream of JSON objects, one per line:
`{"type": "ADDED", "object": {...}}\\n` (apimachinery `metav1.WatchEvent`; client-go decodes it
in rest/watch/decoder.go and hands it to `watch.StreamWatcher`). Types are ADDED, MODIFIED,
DELETED, BOOKMARK (only `metadata.resourceVersion` is meaningful: "you are up to date to here")
and ERROR (the object is a `metav1.Status`; a 410 means the resourceVersion is too old and the
caller must re-list).

`WatchDecoder.feed(chunk)` accepts bytes cut anywhere and returns the complete events; it keeps
only the unfinished line, and refuses a line longer than `max_frame_bytes` so a broken server
cannot make it grow without bound. A protobuf watch (`Content-Type:
application/vnd.kubernetes.protobuf;stream=watch`, client-go's LengthDelimitedFramer) is a
series of frames instead: a 4-byte big-endian length and a `WatchEvent` message
(`rawkube.protobuf`); `use_content_type` switches the decoder when the response says so.
"""

from __future__ import annotations

import contextlib
import inspect
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import httpx

from rawkube import _json
from rawkube.errors import DecodeError, StatusError, TruncatedStream, from_status
from rawkube.flow import (
    ASYNC,
    END,
    SYNC,
    AsyncRuntime,
    Emit,
    Flow,
    Next,
    Runtime,
    aiterate,
    iterate,
)
from rawkube.rest.steps import Chunks, CloseResponse, transport_error

# Larger than any object etcd accepts (1.5 MiB by default) with plenty of room for a List-sized
# initial event; a line this long without a newline means the stream is not a watch stream.
DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024

EVENT_TYPES = frozenset({"ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"})


@dataclass(frozen=True, slots=True)
class WatchEvent:
    """One watch event. `object` is the decoded object (a dict unless a decode function was
    given); `raw` is the event exactly as received."""

    type: str
    object: Any
    raw: dict[str, Any]

    @property
    def resource_version(self) -> str | None:
        """`metadata.resourceVersion` of the event's object (for a BOOKMARK: where to resume)."""
        obj = self.raw.get("object")
        meta = obj.get("metadata") if isinstance(obj, dict) else None
        rv = meta.get("resourceVersion") if isinstance(meta, dict) else None
        return rv if isinstance(rv, str) else None

    def error(self) -> StatusError | None:
        """The StatusError an ERROR event carries (410 -> Gone / Expired), else None."""
        if self.type != "ERROR":
            return None
        status = self.raw.get("object")
        if not isinstance(status, dict):
            return StatusError("watch ERROR event without a Status object", code=500)
        return from_status(status)

    def __repr__(self) -> str:
        return f"WatchEvent(type={self.type!r}, resource_version={self.resource_version!r})"


def decode_event(
    line: bytes, decode: Callable[[Any], Any] | None = None, secrets: Sequence[str] = ()
) -> WatchEvent:
    """One JSON line -> WatchEvent (pure). `decode` is applied to the object of every event
    but ERROR, whose object stays the Status dict.

    Every way a line can be wrong is a `DecodeError` (client-go rest/watch/decoder.go refuses
    the same lines): not JSON, not an object with a string `type` and an `object`, a type that
    is not one of the five, an object that is not a JSON object, or one `decode` rejects. The
    excerpt in the message masks `secrets` (the request's credentials, a server may echo them).
    """
    try:
        raw = _json.loads(line)
    except (ValueError, RecursionError) as err:
        raise DecodeError(f"watch stream line is not JSON: {_excerpt(line, secrets)}") from err
    return event_from_raw(raw, line, decode, secrets)


def event_from_raw(
    raw: Any, line: bytes, decode: Callable[[Any], Any] | None, secrets: Sequence[str] = ()
) -> WatchEvent:
    """A decoded event (from a JSON line, or a protobuf frame) checked and made a WatchEvent;
    `line` is what the messages quote."""
    if not isinstance(raw, dict) or not isinstance(raw.get("type"), str) or "object" not in raw:
        raise DecodeError(f"watch stream line is not a watch event: {_excerpt(line, secrets)}")
    kind, obj = raw["type"], raw["object"]
    if kind not in EVENT_TYPES:
        raise DecodeError(f"got invalid watch event type: {_excerpt(kind.encode(), secrets)}")
    if kind == "ERROR":
        return WatchEvent(kind, obj, raw)
    if not isinstance(obj, dict):
        raise DecodeError(
            f"watch {kind} event whose object is not a JSON object: {_excerpt(line, secrets)}"
        )
    if decode is not None:
        try:
            obj = decode(obj)
        except Exception as err:  # a model refusing the object: still a decode failure
            raise DecodeError(
                f"watch {kind} event object could not be decoded ({type(err).__name__}): "
                f"{_excerpt(line, secrets)}"
            ) from err
    return WatchEvent(kind, obj, raw)


def _excerpt(data: bytes, secrets: Sequence[str]) -> str:
    from rawkube.rest.result import body_excerpt

    return body_excerpt(data, secrets)


class WatchDecoder:
    """Incremental, sans-IO decoder of a newline-delimited watch stream.

    A bad line never costs the events before it: `feed` returns the complete events that
    preceded it in the same chunk and keeps the `DecodeError` as `error`, raised by the next
    `feed` or `close` (a reader should check `error` after handing the events on). A stream
    that ends inside an event (a connection closed mid-line) is a `TruncatedStream` from
    `close`: the events before it are whole, the last one was cut.
    """

    def __init__(
        self,
        decode: Callable[[Any], Any] | None = None,
        *,
        max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES,
        secrets: Sequence[str] = (),
    ) -> None:
        # A model class may be passed as is: its `from_dict` is the decode function.
        self._decode = getattr(decode, "from_dict", decode)
        self._max = max_frame_bytes
        # The request's credentials, masked in error excerpts (set by the Watch that reads).
        self.secrets = tuple(secrets)
        self._buffer = bytearray()
        # Where to resume searching for "\n": bytes before it are known to have none, so a
        # frame fed one byte at a time is scanned once, not once per byte.
        self._scanned = 0
        self.error: DecodeError | None = None
        self.protobuf = False  # length-prefixed protobuf frames instead of JSON lines

    def use_content_type(self, content_type: str | None) -> None:
        """Frame by the response's media type: protobuf frames, or JSON lines (the default)."""
        from rawkube.rest.result import PROTOBUF, media_type

        self.protobuf = media_type(content_type) == PROTOBUF

    def feed(self, chunk: bytes) -> list[WatchEvent]:
        """Add bytes; return every event completed by them (possibly none)."""
        if self.error is not None:
            raise self.error
        if (
            not self._buffer
            and chunk[:1] == b"{"
            and chunk.find(b"\n") == len(chunk) - 1
            and not self.protobuf
        ):
            # The common case, kube-apiserver flushing after every event: the chunk is one
            # whole line. Decoded as it is, without a trip through the buffer.
            try:
                return [decode_event(chunk[:-1], self._decode, self.secrets)]
            except DecodeError as err:
                return self._fail(err, [])
        self._buffer += chunk
        if self.protobuf:
            return self._frames()
        events: list[WatchEvent] = []
        start = 0
        while True:
            newline = self._buffer.find(b"\n", max(start, self._scanned))
            if newline < 0:
                break
            line = bytes(self._buffer[start:newline]).strip()
            start = newline + 1
            self._scanned = start
            if line:
                try:
                    events.append(decode_event(line, self._decode, self.secrets))
                except DecodeError as err:
                    return self._fail(err, events)
        if start:
            del self._buffer[:start]
            self._scanned = 0
        self._scanned = len(self._buffer)
        if len(self._buffer) > self._max:
            return self._fail(
                DecodeError(f"watch event larger than {self._max} bytes without a newline"), events
            )
        return events

    def _frames(self) -> list[WatchEvent]:
        from rawkube import protobuf

        events: list[WatchEvent] = []
        start = 0
        while len(self._buffer) - start >= 4:
            length = int.from_bytes(self._buffer[start : start + 4], "big")
            if length > self._max:
                return self._fail(
                    DecodeError(f"watch event frame of {length} bytes exceeds {self._max}"), events
                )
            if len(self._buffer) - start - 4 < length:
                break
            frame = bytes(self._buffer[start + 4 : start + 4 + length])
            start += 4 + length
            try:
                raw = protobuf.decode_watch_event(frame)
                events.append(event_from_raw(raw, frame[:200], self._decode, self.secrets))
            except DecodeError as err:
                return self._fail(err, events)
        del self._buffer[:start]
        return events

    def _fail(self, err: DecodeError, events: list[WatchEvent]) -> list[WatchEvent]:
        """Keep `err` for the next call; the events decoded before it are still delivered."""
        self.error = err
        self._buffer.clear()
        self._scanned = 0
        if not events:
            raise err
        return events

    def close(self) -> list[WatchEvent]:
        """The stream ended: decode a last event not followed by a newline, if any."""
        if self.error is not None:
            raise self.error
        rest = bytes(self._buffer) if self.protobuf else bytes(self._buffer).strip()
        self._buffer.clear()
        self._scanned = 0
        if not rest:
            return []
        if self.protobuf:
            raise TruncatedStream(
                f"the watch stream ended inside a protobuf frame ({len(rest)} bytes): the "
                "connection was closed mid-event"
            )
        try:
            return [decode_event(rest, self._decode, self.secrets)]
        except DecodeError as err:
            # client-go's framer reports io.ErrUnexpectedEOF here, and both its RetryWatcher
            # and the reflector simply watch again from the last resourceVersion.
            raise TruncatedStream(
                f"the watch stream ended inside an event ({len(rest)} bytes without a newline): "
                "the connection was closed mid-event"
            ) from err

    @property
    def buffered(self) -> int:
        """Bytes held for an unfinished event (bounded by max_frame_bytes)."""
        return len(self._buffer)


def interrupt(response: httpx.Response) -> None:
    """Shut down the socket under a streaming response, waking a thread blocked reading it
    (closing alone does not interrupt a blocking recv()). HTTP/1.1 connections expose their
    socket through httpcore's `network_stream` extension; without one, closing must do."""
    stream = response.extensions.get("network_stream")
    get_extra_info = getattr(stream, "get_extra_info", None)
    sock = get_extra_info("socket") if get_extra_info is not None else None
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _secrets_of(response: httpx.Response) -> tuple[str, ...]:
    """The credentials of the request a response answers (masked in decode errors)."""
    from rawkube.rest.trace import request_secrets

    try:
        request = response.request
    except RuntimeError:  # a response built by hand, without a request
        return ()
    return tuple(request_secrets(request))


class _Flag:
    """Set by stop(); shared with the event flow without referring back to the Watch."""

    __slots__ = ("stopped",)

    def __init__(self) -> None:
        self.stopped = False


def watch_events(
    response: httpx.Response,
    decoder: WatchDecoder,
    chunk_size: int | None = None,
    flag: _Flag | None = None,
) -> Flow[None]:
    """The events of a watch response as a flow (`rawkube.flow`): emitted chunk by chunk, an
    ERROR event raised as its StatusError after the events before it, a bad line raised as a
    DecodeError after the complete events before it, a broken connection as a typed
    `TransportError`. The response is closed when the flow ends, however it ends.

    A module-level function on purpose: a generator method would hold its Watch, and the Watch
    holds the generator. Such a cycle is freed only by the cyclic garbage collector, which may
    run in the middle of another request on the same client, while that thread holds httpcore's
    (non-reentrant) connection-pool lock; finalizing the suspended stream then takes that lock
    again and the thread deadlocks. Without the cycle, a dropped Watch is released at once, by
    reference counting, in the code that dropped it (tests/rest/test_watch_abandoned.py).
    """
    try:
        decoder.use_content_type(response.headers.get("content-type"))
        chunks = yield Chunks(response, chunk_size)
        read = Next(chunks)
        while True:
            chunk = yield read
            events = decoder.close() if chunk is END else decoder.feed(chunk)
            error: BaseException | None = None
            for i, event in enumerate(events):
                if event.type == "ERROR":
                    error, events = event.error(), events[:i]
                    break
            if events:
                yield Emit(events)
            if error is not None:
                raise error
            if decoder.error is not None:
                raise decoder.error
            if chunk is END:
                break
    except httpx.HTTPError as err:
        yield CloseResponse(response)
        if flag is not None and flag.stopped:
            return  # stop() cut the connection under the reader: a clean end
        raise transport_error(err, response.request) from err
    except GeneratorExit:
        raise
    except BaseException:
        yield CloseResponse(response)
        raise
    yield CloseResponse(response)


class Watch:
    """A running watch (client-go `watch.Interface`): iterate for events, `stop()` to end it.

    ERROR events are raised as their StatusError; a stream the server closes (e.g. at
    `timeoutSeconds`) ends the iteration cleanly. The response is closed when the iteration
    ends, on `stop()`, on leaving a `with` block, or as soon as the Watch is dropped.
    """

    def __init__(
        self,
        response: httpx.Response,
        decoder: WatchDecoder,
        *,
        chunk_size: int | None = None,
        runtime: Runtime = SYNC,
    ) -> None:
        self.response = response
        decoder.secrets = _secrets_of(response)
        self._flag = _Flag()
        self._events = iterate(watch_events(response, decoder, chunk_size, self._flag), runtime)

    @property
    def _stopped(self) -> bool:
        return self._flag.stopped

    def __del__(self) -> None:
        # A watch never iterated: its flow has not started, so nothing in it closes the response.
        if inspect.getgeneratorstate(self._events) == inspect.GEN_CREATED:
            self.response.close()

    def __iter__(self) -> Iterator[WatchEvent]:
        return self

    def __next__(self) -> WatchEvent:
        if self._stopped:
            raise StopIteration
        event: WatchEvent = next(self._events)
        return event

    def stop(self) -> None:
        """End the watch and release the connection (client-go `Stop()`).

        Safe to call from another thread while one is blocked waiting for the next event:
        the socket is shut down, which wakes the reader, whose iteration then just ends and
        closes the response itself. Closing it from here instead, under the reader's feet, could
        hand the connection back to the pool mid-read, and the next request on the same client
        would fail on a half-used TLS connection.
        """
        self._flag.stopped = True
        interrupt(self.response)
        try:
            self._events.close()  # not running: its flow closes the response
        except ValueError:  # "generator already executing": the reader thread will close it
            return
        self.response.close()  # an iteration that never started has no flow to do it

    def __enter__(self) -> Watch:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class AsyncWatch:
    """The async twin of `Watch`: `async for ev in watch`, `await watch.stop()`; the same
    event flow, driven with `await`.

    It may be given an `opener` instead of a response: then the request is sent on the first
    `__anext__` (or `await watch.start()`), so `async for ev in req.watch()` needs no await.
    """

    def __init__(
        self,
        response: httpx.Response | Callable[[], Awaitable[httpx.Response]],
        decoder: WatchDecoder,
        *,
        chunk_size: int | None = None,
        runtime: AsyncRuntime = ASYNC,
    ) -> None:
        if isinstance(response, httpx.Response):
            self.response: httpx.Response | None = response
            self._opener: Callable[[], Awaitable[httpx.Response]] | None = None
        else:
            self.response, self._opener = None, response
        self._decoder = decoder
        self._chunk_size = chunk_size
        self._runtime = runtime
        self._events: AsyncIterator[WatchEvent] | None = None
        self._flag = _Flag()

    @property
    def _stopped(self) -> bool:
        return self._flag.stopped

    async def start(self) -> httpx.Response:
        """Send the watch request now (raises its StatusError if the server refuses)."""
        if self.response is None:
            assert self._opener is not None
            self.response = await self._opener()
        if self._events is None:
            self._decoder.secrets = _secrets_of(self.response)
            flow = watch_events(self.response, self._decoder, self._chunk_size, self._flag)
            self._events = aiterate(flow, self._runtime)
        return self.response

    def __aiter__(self) -> AsyncIterator[WatchEvent]:
        return self

    async def __anext__(self) -> WatchEvent:
        if self._stopped:
            raise StopAsyncIteration
        if self._events is None:
            await self.start()
        assert self._events is not None
        return await self._events.__anext__()

    async def stop(self) -> None:
        """End the watch and release the connection."""
        self._flag.stopped = True
        events = self._events
        if events is not None:
            with contextlib.suppress(RuntimeError):  # closing while another task awaits it
                await events.aclose()  # type: ignore[attr-defined]
        if self.response is not None:
            await self.response.aclose()

    async def __aenter__(self) -> AsyncWatch:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
