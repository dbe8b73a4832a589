"""SPDY/3.1 framing and sessions, sans-IO: what kubectl's port-forward speaks inside its
WebSocket (KEP-4006: subprotocol ``SPDY/3.1+portforward.k8s.io``) or over a plain
``Upgrade: SPDY/3.1`` connection.

Written from the SPDY/3 draft (draft-mbelshe-httpbis-spdy-00, "SPDY Protocol - Draft 3") and
checked against what Go's implementation puts on the wire (moby/spdystream spdy/read.go and
write.go, used by client-go util/httpstream/spdy):

- a control frame: ``1 | version(15) = 3 | type(16) | flags(8) | length(24) | data``;
  a data frame: ``0 | stream-id(31) | flags(8) | length(24) | data``;
- header blocks (SYN_STREAM, SYN_REPLY, HEADERS) are ``count(32)`` then ``len(32) name
  len(32) value`` pairs (several values of one name joined by NUL), names lower-case, and
  compressed with zlib using the SPDY/3 dictionary below: ONE compression context per
  direction for the whole connection, each block ending in a sync flush;
- flow control (WINDOW_UPDATE, SETTINGS) is read and ignored: spdystream neither sends
  window updates nor waits for them.

`FrameDecoder` turns bytes into frames and `encode_*` turn frames into bytes; `Session` keeps
the stream state of one side of a connection (which streams are open, half-closed, replied).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field

VERSION = 3

SYN_STREAM = 1
SYN_REPLY = 2
RST_STREAM = 3
SETTINGS = 4
PING = 6
GOAWAY = 7
HEADERS = 8
WINDOW_UPDATE = 9

FLAG_FIN = 0x01
FLAG_UNIDIRECTIONAL = 0x02

# RST_STREAM status codes
PROTOCOL_ERROR = 1
INVALID_STREAM = 2
REFUSED_STREAM = 3
CANCEL = 5
INTERNAL_ERROR = 6
STREAM_ALREADY_CLOSED = 9

MAX_DATA_LENGTH = (1 << 24) - 1
# How big a frame we accept; kubectl writes data frames of at most 32 KiB.
DEFAULT_MAX_FRAME = 16 * 1024 * 1024

# The SPDY/3 header compression dictionary (draft 3, section 2.6.10.1): length-prefixed words,
# then a run of status codes, reason phrases, dates and media types.
# fmt: off
_WORDS = [
    "options", "head", "post", "put", "delete", "trace", "accept", "accept-charset",
    "accept-encoding", "accept-language", "accept-ranges", "age", "allow", "authorization",
    "cache-control", "connection", "content-base", "content-encoding", "content-language",
    "content-length", "content-location", "content-md5", "content-range", "content-type", "date",
    "etag", "expect", "expires", "from", "host", "if-match", "if-modified-since", "if-none-match",
    "if-range", "if-unmodified-since", "last-modified", "location", "max-forwards", "pragma",
    "proxy-authenticate", "proxy-authorization", "range", "referer", "retry-after", "server",
    "te", "trailer", "transfer-encoding", "upgrade", "user-agent", "vary", "via", "warning",
    "www-authenticate", "method", "get", "status", "200 OK", "version", "HTTP/1.1", "url",
    "public", "set-cookie", "keep-alive", "origin",
]
# fmt: on
_TAIL = (
    "100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505"
    "203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 "
    "Unauthorized403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 "
    "Service UnavailableJan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, "
    "Wed, Thu, Fri, Sat, Sun, GMTchunked,text/html,image/png,image/jpg,image/gif,"
    "application/xml,application/xhtml+xml,text/plain,text/javascript,publicprivatemax-age="
    "gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0."
)
DICTIONARY = b"".join(struct.pack(">I", len(w)) + w.encode() for w in _WORDS) + _TAIL.encode()


class SpdyError(ValueError):
    """The peer sent something that is not SPDY/3.1 (or too big to accept)."""


# -- frames ---------------------------------------------------------------------------------------

Headers = dict[str, list[str]]


@dataclass
class SynStream:
    stream_id: int
    headers: Headers
    flags: int = 0
    associated_id: int = 0
    priority: int = 0

    @property
    def fin(self) -> bool:
        return bool(self.flags & FLAG_FIN)


@dataclass
class SynReply:
    stream_id: int
    headers: Headers
    flags: int = 0

    @property
    def fin(self) -> bool:
        return bool(self.flags & FLAG_FIN)


@dataclass
class RstStream:
    stream_id: int
    status: int


@dataclass
class Settings:
    entries: list[tuple[int, int, int]] = field(default_factory=list)  # (flags, id, value)
    flags: int = 0


@dataclass
class Ping:
    ping_id: int


@dataclass
class GoAway:
    last_good_stream_id: int
    status: int = 0


@dataclass
class HeadersFrame:
    stream_id: int
    headers: Headers
    flags: int = 0


@dataclass
class WindowUpdate:
    stream_id: int
    delta: int


@dataclass
class DataFrame:
    stream_id: int
    data: bytes
    flags: int = 0

    @property
    def fin(self) -> bool:
        return bool(self.flags & FLAG_FIN)


Frame = (
    SynStream
    | SynReply
    | RstStream
    | Settings
    | Ping
    | GoAway
    | HeadersFrame
    | WindowUpdate
    | DataFrame
)


def header(headers: Headers, name: str) -> str:
    """The first value of a header, "" when absent (Go's http.Header.Get)."""
    values = headers.get(name.lower()) or []
    return values[0] if values else ""


# -- header blocks ----------------------------------------------------------------------------------


class HeaderCompressor:
    """One direction's header compression context (zlib, SPDY dictionary, sync flushes)."""

    def __init__(self) -> None:
        self._z = zlib.compressobj(zlib.Z_BEST_COMPRESSION, zlib.DEFLATED, 15, zdict=DICTIONARY)

    def compress(self, headers: Headers | dict[str, str]) -> bytes:
        block = bytearray(struct.pack(">I", len(headers)))
        for name, values in headers.items():
            value = "\x00".join(values) if isinstance(values, list) else str(values)
            raw_name = name.lower().encode()
            raw_value = value.encode()
            block += struct.pack(">I", len(raw_name)) + raw_name
            block += struct.pack(">I", len(raw_value)) + raw_value
        return self._z.compress(bytes(block)) + self._z.flush(zlib.Z_SYNC_FLUSH)


class HeaderDecompressor:
    """The other direction's context: every header block of a connection continues one zlib
    stream, so blocks must be fed in the order they arrived."""

    def __init__(self, max_size: int = 1 << 20) -> None:
        self._z = zlib.decompressobj(zdict=DICTIONARY)
        self._max = max_size

    def decompress(self, data: bytes) -> Headers:
        try:
            block = self._z.decompress(data, self._max)
        except zlib.error as err:
            raise SpdyError(f"header block does not decompress: {err}") from None
        if self._z.unconsumed_tail:
            raise SpdyError("header block too large")
        return parse_header_block(block)


def parse_header_block(block: bytes) -> Headers:
    if len(block) < 4:
        raise SpdyError("header block shorter than its count")
    (count,) = struct.unpack_from(">I", block, 0)
    pos = 4
    headers: Headers = {}
    for _ in range(count):
        name, pos = _string(block, pos)
        value, pos = _string(block, pos)
        text = name.decode("utf-8", "replace")
        if text != text.lower():
            raise SpdyError("header was not lowercased")  # Go's framer refuses them too
        if text in headers:
            raise SpdyError("multiple headers with same name")
        headers[text] = value.decode("utf-8", "replace").split("\x00")
    if pos != len(block):
        raise SpdyError("header block has trailing bytes")
    return headers


def _string(block: bytes, pos: int) -> tuple[bytes, int]:
    if pos + 4 > len(block):
        raise SpdyError("header block truncated")
    (n,) = struct.unpack_from(">I", block, pos)
    pos += 4
    if pos + n > len(block):
        raise SpdyError("header block truncated")
    return block[pos : pos + n], pos + n


# -- encoding ----------------------------------------------------------------------------------------


def _control(kind: int, flags: int, body: bytes) -> bytes:
    return struct.pack(">HHI", 0x8000 | VERSION, kind, (flags << 24) | len(body)) + body


def _stream_id(stream_id: int) -> int:
    if not 0 < stream_id < 1 << 31:
        raise ValueError(f"stream id {stream_id} is not a 31-bit number above 0")
    return stream_id


def encode_syn_stream(
    compressor: HeaderCompressor,
    stream_id: int,
    headers: Headers | dict[str, str],
    *,
    fin: bool = False,
    priority: int = 0,
) -> bytes:
    body = struct.pack(">IIBB", _stream_id(stream_id), 0, (priority & 7) << 5, 0)
    return _control(SYN_STREAM, FLAG_FIN if fin else 0, body + compressor.compress(headers))


def encode_syn_reply(
    compressor: HeaderCompressor,
    stream_id: int,
    headers: Headers | dict[str, str] | None = None,
    *,
    fin: bool = False,
) -> bytes:
    body = struct.pack(">I", _stream_id(stream_id)) + compressor.compress(headers or {})
    return _control(SYN_REPLY, FLAG_FIN if fin else 0, body)


def encode_rst_stream(stream_id: int, status: int) -> bytes:
    return _control(RST_STREAM, 0, struct.pack(">II", _stream_id(stream_id), status))


def encode_ping(ping_id: int) -> bytes:
    return _control(PING, 0, struct.pack(">I", ping_id))


def encode_goaway(last_good_stream_id: int, status: int = 0) -> bytes:
    return _control(GOAWAY, 0, struct.pack(">II", last_good_stream_id, status))


def encode_settings(entries: Iterable[tuple[int, int, int]] = ()) -> bytes:
    items = list(entries)
    body = struct.pack(">I", len(items))
    for flags, ident, value in items:
        body += struct.pack(">II", (flags << 24) | ident, value)
    return _control(SETTINGS, 0, body)


def encode_window_update(stream_id: int, delta: int) -> bytes:
    return _control(WINDOW_UPDATE, 0, struct.pack(">II", stream_id, delta))


def encode_data(stream_id: int, data: bytes = b"", *, fin: bool = False) -> bytes:
    """One or more data frames (split at the 24-bit length limit); FIN on the last."""
    _stream_id(stream_id)
    out = bytearray()
    view = memoryview(data)
    while True:
        chunk, view = view[:MAX_DATA_LENGTH], view[MAX_DATA_LENGTH:]
        last = not len(view)
        flags = FLAG_FIN if (fin and last) else 0
        out += struct.pack(">II", stream_id, (flags << 24) | len(chunk)) + chunk
        if last:
            return bytes(out)


# -- decoding ----------------------------------------------------------------------------------------


class FrameDecoder:
    """Bytes in, frames out. Header blocks go through this side's decompression context."""

    def __init__(self, max_frame: int = DEFAULT_MAX_FRAME) -> None:
        self._buf = bytearray()
        self._headers = HeaderDecompressor()
        self._max = max_frame

    @property
    def buffered(self) -> int:
        """Bytes of an incomplete frame held back (non-zero at EOF: the peer cut a frame)."""
        return len(self._buf)

    def feed(self, data: bytes) -> list[Frame]:
        self._buf += data
        frames: list[Frame] = []
        while len(self._buf) >= 8:
            first, second = struct.unpack_from(">II", self._buf, 0)
            length = second & 0xFFFFFF
            if length > self._max:
                raise SpdyError(f"frame of {length} bytes is larger than {self._max}")
            if len(self._buf) < 8 + length:
                break
            flags = second >> 24
            body = bytes(self._buf[8 : 8 + length])
            del self._buf[: 8 + length]
            if first & 0x80000000:
                version = (first >> 16) & 0x7FFF
                if version != VERSION:
                    raise SpdyError(f"unsupported SPDY version {version}")
                frame = self._control(first & 0xFFFF, flags, body)
                if frame is not None:
                    frames.append(frame)
            else:
                frames.append(DataFrame(first & 0x7FFFFFFF, body, flags))
        return frames

    def _control(self, kind: int, flags: int, body: bytes) -> Frame | None:
        def need(n: int) -> None:
            if len(body) < n:
                raise SpdyError(f"control frame type {kind} too short ({len(body)} bytes)")

        if kind == SYN_STREAM:
            need(10)
            sid, assoc, prio, _slot = struct.unpack_from(">IIBB", body, 0)
            headers = self._headers.decompress(body[10:])
            return SynStream(sid & 0x7FFFFFFF, headers, flags, assoc & 0x7FFFFFFF, prio >> 5)
        if kind == SYN_REPLY:
            need(4)
            (sid,) = struct.unpack_from(">I", body, 0)
            return SynReply(sid & 0x7FFFFFFF, self._headers.decompress(body[4:]), flags)
        if kind == HEADERS:
            need(4)
            (sid,) = struct.unpack_from(">I", body, 0)
            return HeadersFrame(sid & 0x7FFFFFFF, self._headers.decompress(body[4:]), flags)
        if kind == RST_STREAM:
            need(8)
            sid, status = struct.unpack_from(">II", body, 0)
            return RstStream(sid & 0x7FFFFFFF, status)
        if kind == PING:
            need(4)
            return Ping(struct.unpack_from(">I", body, 0)[0])
        if kind == GOAWAY:
            need(4)
            last = struct.unpack_from(">I", body, 0)[0] & 0x7FFFFFFF
            status = struct.unpack_from(">I", body, 4)[0] if len(body) >= 8 else 0
            return GoAway(last, status)
        if kind == SETTINGS:
            need(4)
            (count,) = struct.unpack_from(">I", body, 0)
            need(4 + 8 * count)
            entries = []
            for i in range(count):
                flag_id, value = struct.unpack_from(">II", body, 4 + 8 * i)
                entries.append((flag_id >> 24, flag_id & 0xFFFFFF, value))
            return Settings(entries, flags)
        if kind == WINDOW_UPDATE:
            need(8)
            sid, delta = struct.unpack_from(">II", body, 0)
            return WindowUpdate(sid & 0x7FFFFFFF, delta & 0x7FFFFFFF)
        return None  # an unknown control frame type is ignored (draft 3, 2.2.1)


# -- a session: stream state of one side -----------------------------------------------------------


@dataclass
class StreamOpened:
    """The peer opened a stream (SYN_STREAM); `fin`: it will send nothing on it."""

    stream_id: int
    headers: Headers
    fin: bool


@dataclass
class StreamReplied:
    """The peer accepted a stream we opened (SYN_REPLY)."""

    stream_id: int
    headers: Headers
    fin: bool


@dataclass
class StreamData:
    stream_id: int
    data: bytes


@dataclass
class StreamEnded:
    """The peer half-closed the stream: it sends no more on it (FIN)."""

    stream_id: int


@dataclass
class StreamReset:
    stream_id: int
    status: int


@dataclass
class SessionEnded:
    """GOAWAY from the peer: no new streams; `last_good_stream_id` is the last it accepted."""

    last_good_stream_id: int


Event = StreamOpened | StreamReplied | StreamData | StreamEnded | StreamReset | SessionEnded


class Session:
    """One side of a SPDY connection: frames in -> events; what to send -> bytes.

    A client opens odd-numbered streams, a server even ones (draft 3, 2.3.2). PINGs from the
    peer are answered (the bytes wait in `data_to_send()`); ours are not sent here.
    """

    def __init__(self, *, client: bool, max_frame: int = DEFAULT_MAX_FRAME) -> None:
        self.client = client
        self._decoder = FrameDecoder(max_frame)
        self._compressor = HeaderCompressor()
        self._next_id = 1 if client else 2
        self._last_peer_id = 0
        self.open_streams: set[int] = set()
        self._local_done: set[int] = set()
        self._remote_done: set[int] = set()
        self._out = bytearray()
        self.gone_away = False

    @property
    def buffered(self) -> int:
        return self._decoder.buffered

    def data_to_send(self) -> bytes:
        out, self._out = bytes(self._out), bytearray()
        return out

    def receive(self, data: bytes) -> list[Event]:
        events: list[Event] = []
        for frame in self._decoder.feed(data):
            events.extend(self._handle(frame))
        return events

    def _handle(self, frame: Frame) -> list[Event]:
        if isinstance(frame, SynStream):
            sid = frame.stream_id
            peer_parity = 0 if self.client else 1
            if sid % 2 != peer_parity or sid <= self._last_peer_id or self.gone_away:
                self._out += encode_rst_stream(sid, PROTOCOL_ERROR)
                return []
            self._last_peer_id = sid
            self.open_streams.add(sid)
            if frame.fin:
                self._remote_done.add(sid)
            return [StreamOpened(sid, frame.headers, frame.fin)]
        if isinstance(frame, SynReply):
            events: list[Event] = [StreamReplied(frame.stream_id, frame.headers, frame.fin)]
            if frame.fin:
                events += self._remote_fin(frame.stream_id)
            return events
        if isinstance(frame, DataFrame):
            if frame.stream_id not in self.open_streams:
                return []  # a stream already gone (reset): spdystream drops these too
            events = [StreamData(frame.stream_id, frame.data)] if frame.data else []
            if frame.fin:
                events += self._remote_fin(frame.stream_id)
            return events
        if isinstance(frame, HeadersFrame):
            return self._remote_fin(frame.stream_id) if frame.flags & FLAG_FIN else []
        if isinstance(frame, RstStream):
            self._forget(frame.stream_id)
            return [StreamReset(frame.stream_id, frame.status)]
        if isinstance(frame, Ping):
            if frame.ping_id % 2 != (1 if self.client else 0):
                self._out += encode_ping(frame.ping_id)  # the peer's ping: echo it
            return []
        if isinstance(frame, GoAway):
            self.gone_away = True
            return [SessionEnded(frame.last_good_stream_id)]
        return []  # SETTINGS, WINDOW_UPDATE: no flow control (see the module docstring)

    def _remote_fin(self, sid: int) -> list[Event]:
        if sid not in self.open_streams or sid in self._remote_done:
            return []
        self._remote_done.add(sid)
        if sid in self._local_done:
            self._forget(sid)
        return [StreamEnded(sid)]

    def _forget(self, sid: int) -> None:
        self.open_streams.discard(sid)
        self._local_done.discard(sid)
        self._remote_done.discard(sid)

    # -- sending -----------------------------------------------------------------------------

    def open_stream(
        self, headers: Headers | dict[str, str], *, fin: bool = False
    ) -> tuple[int, bytes]:
        """A new stream of ours: its id and the SYN_STREAM to send."""
        sid = self._next_id
        self._next_id += 2
        self.open_streams.add(sid)
        if fin:
            self._local_done.add(sid)
        return sid, encode_syn_stream(self._compressor, sid, headers, fin=fin)

    def reply(
        self, stream_id: int, headers: Headers | dict[str, str] | None = None, *, fin: bool = False
    ) -> bytes:
        """Accept a stream the peer opened."""
        data = encode_syn_reply(self._compressor, stream_id, headers, fin=fin)
        if fin:
            self._local_fin(stream_id)
        return data

    def send_data(self, stream_id: int, data: bytes, *, fin: bool = False) -> bytes:
        if stream_id not in self.open_streams or stream_id in self._local_done:
            return b""  # closed or reset meanwhile: nothing to send
        out = encode_data(stream_id, data, fin=fin)
        if fin:
            self._local_fin(stream_id)
        return out

    def end_stream(self, stream_id: int) -> bytes:
        """Half-close our side (an empty data frame with FIN); b"" if already done."""
        return self.send_data(stream_id, b"", fin=True)

    def reset(self, stream_id: int, status: int = CANCEL) -> bytes:
        if stream_id not in self.open_streams:
            return b""
        self._forget(stream_id)
        return encode_rst_stream(stream_id, status)

    def ping(self, ping_id: int) -> bytes:
        return encode_ping(ping_id)

    def goaway(self, status: int = 0) -> bytes:
        self.gone_away = True
        return encode_goaway(self._last_peer_id, status)

    def _local_fin(self, sid: int) -> None:
        self._local_done.add(sid)
        if sid in self._remote_done:
            self._forget(sid)
