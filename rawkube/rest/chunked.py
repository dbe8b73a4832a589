"""A watch body read straight from its connection: HTTP/1.1 chunked framing decoded here.

Why: kube-apiserver flushes a watch after every event (apiserver `watchEncoder`), so over
HTTP/1.1 every event arrives as one chunk of `Transfer-Encoding: chunked`, usually in one TLS
record. Read through httpx, each such chunk passes httpx's iterators, httpcore's connection
and pool streams (three context managers) and h11's state machine (two events, a chunk header
and its data). Measured on 10,000 events of ~3 KB over TLS on 127.0.0.1, that costs ~18 µs of
client CPU per event, of which the socket read is ~5: more than decoding the event's JSON.
Issue 15 asks for a watch at least as fast as lightkube's, whose per-event path is httpx's.

So, once httpx has read a watch response's head, rawkube reads the rest of its body from the
connection's network stream (httpcore's `network_stream` extension, the same object httpx
documents for upgraded connections) and undoes the chunked framing with `ChunkedDecoder`, a
sans-IO decoder of RFC 9112 section 7.1. Only when all of these hold (`direct_body`):

- the response is HTTP/1.1, `Transfer-Encoding: chunked`, without a `Content-Encoding`;
- its stream is httpx's own, over httpcore's HTTP/1.1 connection, not yet read (a mocked,
  recorded or replayed response, an HTTP/2 one, or anything else is read the usual way);
- the bytes h11 has already received past the head can be taken over (`trailing_data`).

A response read this way is never put back in the pool: httpcore sees a body closed before its
end and closes the connection, as for any watch stopped early. Failures are raised as the
httpx errors reading through httpx would raise (`ReadTimeout`, `ReadError`,
`RemoteProtocolError`), so the watch flow maps them to rawkube's typed errors as before.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

# chunk-size = 1*HEXDIG; h11 allows up to 20 digits, more is no size a server sends.
_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,20}")
# A chunk-size line (with extensions), the CRLF after data, or a trailer field: all short.
MAX_LINE = 16 * 1024
READ_SIZE = 64 * 1024  # what httpcore asks a network stream for

_SIZE, _DATA, _DATA_END, _TRAILER = range(4)


class ChunkedDecoder:
    """Sans-IO: `feed(bytes)` returns the body bytes framed in them (possibly b""); `done` once
    the last chunk and its trailer section have arrived. Malformed framing is an
    `httpx.RemoteProtocolError`, as h11's is through httpx; the data framed well before it is
    returned first (the error is kept as `error` and raised by the next `feed`), so no event
    that arrived whole is lost to garbage after it."""

    __slots__ = ("_left", "_pending", "_state", "done", "error")

    def __init__(self) -> None:
        self._pending = b""  # an unfinished line
        self._left = 0  # bytes of chunk data still to come
        self._state = _SIZE
        self.done = False
        self.error: httpx.RemoteProtocolError | None = None

    def feed(self, data: bytes) -> bytes:
        if self.error is not None:
            raise self.error
        out: list[bytes] = []
        try:
            self._feed(data, out)
        except httpx.RemoteProtocolError as err:
            if not out:
                raise
            self.error = err
        return out[0] if len(out) == 1 else b"".join(out)

    def _feed(self, data: bytes, out: list[bytes]) -> None:
        if self._pending:
            data, self._pending = self._pending + data, b""
        pos, end = 0, len(data)
        while pos < end and not self.done:
            if self._state == _DATA:
                take = min(self._left, end - pos)
                out.append(data[pos : pos + take])
                pos += take
                self._left -= take
                if not self._left:
                    self._state = _DATA_END
                continue
            newline = data.find(b"\r\n", pos)
            if newline < 0:
                if end - pos > MAX_LINE or (self._state == _DATA_END and end - pos > 1):
                    raise _malformed(data[pos : pos + 40])
                self._pending = data[pos:]
                break
            line, pos = data[pos:newline], newline + 2
            if self._state == _SIZE:
                size = line.split(b";", 1)[0].rstrip(b" \t")
                if not _CHUNK_SIZE.fullmatch(size):
                    raise _malformed(line[:40])
                self._left = int(size, 16)
                self._state = _DATA if self._left else _TRAILER
            elif self._state == _DATA_END:
                if line:
                    raise _malformed(line[:40])
                self._state = _SIZE
            elif not line:  # _TRAILER: its empty line ends the body (fields are ignored)
                self.done = True


def _malformed(excerpt: bytes) -> httpx.RemoteProtocolError:
    return httpx.RemoteProtocolError(f"malformed chunked encoding near {excerpt!r}")


class DirectBody:
    """The rest of a chunked response body, read from its network stream: a sync and an async
    iterator of body bytes (a read that brought only framing gives b""). Each way is one read;
    what follows it is shared (`_decode`)."""

    __slots__ = ("_chunked", "_errors", "_leading", "_request", "_stream", "_timeout")

    def __init__(self, stream: Any, leading: bytes, request: httpx.Request) -> None:
        self._stream = stream
        self._leading = leading
        self._request = request
        self._chunked = ChunkedDecoder()
        self._errors = _ReadErrors(request)
        # httpcore reads with the request's read timeout; so do we.
        self._timeout = (request.extensions.get("timeout") or {}).get("read")

    def __iter__(self) -> DirectBody:
        return self

    def __next__(self) -> bytes:
        data = self._before_read(StopIteration)
        if data is None:
            with self._errors:
                data = self._stream.read(READ_SIZE, self._timeout)
        return self._decode(data)

    def __aiter__(self) -> DirectBody:
        return self

    async def __anext__(self) -> bytes:
        data = self._before_read(StopAsyncIteration)
        if data is None:
            with self._errors:
                data = await self._stream.read(READ_SIZE, self._timeout)
        return self._decode(data)

    def _before_read(self, end: type[Exception]) -> bytes | None:
        """What to decode without reading (bytes h11 held, or b"" to raise a kept error), or
        None: read. Raises `end` after the last chunk."""
        if self._chunked.done:
            raise end
        if self._chunked.error is not None or self._leading:
            data, self._leading = self._leading, b""
            return data
        return None

    def _decode(self, data: bytes) -> bytes:
        if not data and self._chunked.error is None:  # closed before the last chunk
            raise httpx.RemoteProtocolError(
                "peer closed connection without sending complete message body: "
                "incomplete chunked read",
                request=self._request,
            )
        try:
            return self._chunked.feed(data)
        except httpx.RemoteProtocolError as err:
            err.request = self._request
            raise


class _ReadErrors:
    """Around a network stream's read: its failures (httpcore's exception types) raised as
    httpx's, as httpx maps them (`httpx._transports.default.map_httpcore_exceptions`)."""

    __slots__ = ("request",)

    def __init__(self, request: httpx.Request) -> None:
        self.request = request

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, err: BaseException | None, tb: Any
    ) -> None:
        if err is None or not isinstance(err, Exception) or isinstance(err, httpx.HTTPError):
            return
        import httpcore

        message = str(err) or type(err).__name__
        if isinstance(err, httpcore.TimeoutException):
            raise httpx.ReadTimeout(message, request=self.request) from err
        if isinstance(err, (httpcore.NetworkError, OSError)):
            raise httpx.ReadError(message, request=self.request) from err
        if isinstance(err, httpcore.ProtocolError):
            raise httpx.RemoteProtocolError(message, request=self.request) from err


def direct_body(response: httpx.Response, chunk_size: int | None = None) -> DirectBody | None:
    """A `DirectBody` for a watch response that qualifies (see the module's docstring), else
    None: read it the usual way."""
    headers = response.headers
    if (
        chunk_size is not None
        or response.is_stream_consumed
        or response.http_version != "HTTP/1.1"
        or headers.get("transfer-encoding", "").lower() != "chunked"
        or headers.get("content-encoding", "identity").lower() != "identity"
    ):
        return None
    stream = response.extensions.get("network_stream")
    h11_state = _h11_state(response.stream)
    if stream is None or h11_state is None:
        return None
    import h11

    if h11_state.their_state is not h11.SEND_BODY:
        return None
    leading, closed = h11_state.trailing_data
    if closed:
        return None
    return DirectBody(stream, bytes(leading), response.request)


def _h11_state(stream: Any) -> Any:
    """The h11 connection under an httpx response stream, if the stream is exactly httpx's
    over httpcore's HTTP/1.1 connection (private attributes of both: any surprise, None)."""
    import h11
    import httpcore

    # httpx.Client.send binds the stream (BoundSyncStream); rawkube's direct send does not.
    stream = (
        getattr(stream, "_stream", stream) if type(stream).__name__.startswith("Bound") else stream
    )
    if type(stream).__name__ not in ("ResponseStream", "AsyncResponseStream"):
        return None
    pool_stream = getattr(stream, "_httpcore_stream", None)
    if type(pool_stream).__name__ != "PoolByteStream":
        return None
    connection_stream = getattr(pool_stream, "_stream", None)
    if type(connection_stream).__name__ != "HTTP11ConnectionByteStream":
        return None
    connection = getattr(connection_stream, "_connection", None)
    if not isinstance(connection, (httpcore.HTTP11Connection, httpcore.AsyncHTTP11Connection)):
        return None
    state = getattr(connection, "_h11_state", None)
    return state if isinstance(state, h11.Connection) else None


__all__ = ["MAX_LINE", "ChunkedDecoder", "DirectBody", "direct_body"]
