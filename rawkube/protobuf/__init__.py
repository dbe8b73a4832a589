"""The Kubernetes protobuf encoding (``application/vnd.kubernetes.protobuf``), sans-IO.

What client-go's protobuf serializer does (k8s.io/apimachinery/pkg/runtime/serializer/protobuf),
between bytes and the JSON-shaped dicts rawkube's models view:

* an object is ``k8s\\x00`` followed by a ``runtime.Unknown`` message whose ``typeMeta`` names the
  kind and whose ``raw`` is the object's own message: `encode` / `decode`;
* a watch stream is a series of frames, each a 4-byte big-endian length and a ``metav1.WatchEvent``
  message (no envelope) whose ``object.raw`` is an enveloped object: `WatchFrameDecoder` /
  `encode_watch_event`.

Built-in kinds only (those with a generated.proto); custom resources have no protobuf form, and
`supports(api_version, kind)` says which. Decoding gives exactly the dict the server's JSON for the
same object gives (see ``_codec.py`` for the rules); encoding a dict the server produced gives the
server's bytes.

Nothing here is imported by ``import rawkube``; the field table loads on first use.
"""

from __future__ import annotations

import struct
from typing import Any

from ._codec import (
    CONTENT_TYPE,
    MAGIC,
    WATCH_EVENT,
    ProtobufError,
    decode,
    decode_message,
    encode,
    encode_message,
    go_duration,
    message_for,
    parse_duration,
    parse_time,
    unwrap,
    wrap,
)

__all__ = [
    "CONTENT_TYPE",
    "MAGIC",
    "WATCH_CONTENT_TYPE",
    "ProtobufError",
    "WatchFrameDecoder",
    "decode_watch_event",
    "decode",
    "decode_message",
    "encode",
    "encode_message",
    "encode_watch_event",
    "go_duration",
    "is_protobuf",
    "message_for",
    "parse_duration",
    "parse_time",
    "supports",
    "unwrap",
    "wrap",
]

WATCH_CONTENT_TYPE = CONTENT_TYPE + ";stream=watch"

# A frame longer than this is refused rather than buffered (client-go's LengthDelimitedFramer
# reads into the caller's buffer and reports ErrObjectTooLarge when a frame does not fit).
MAX_FRAME = 256 << 20


def is_protobuf(content_type: str | None) -> bool:
    """True for ``application/vnd.kubernetes.protobuf`` with any parameters."""
    if not content_type:
        return False
    return content_type.split(";", 1)[0].strip().lower() == CONTENT_TYPE


def supports(api_version: str, kind: str) -> bool:
    """Whether a kind has a protobuf form (built-in kinds; never custom resources)."""
    return message_for(api_version, kind) is not None


def encode_watch_event(event_type: str, obj: dict[str, Any]) -> bytes:
    """One watch frame: length, then a WatchEvent whose object is the enveloped object."""
    embedded = encode(obj)
    out = bytearray()
    out += b"\x0a" + _varint(len(event_type.encode())) + event_type.encode()
    raw = b"\x0a" + _varint(len(embedded)) + embedded
    out += b"\x12" + _varint(len(raw)) + raw
    return struct.pack(">I", len(out)) + bytes(out)


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


class WatchFrameDecoder:
    """Sans-IO: feed the bytes of a protobuf watch stream, get the events (as their JSON dicts).

    Each event is ``{"type": "ADDED", "object": {...}}``, the object decoded as `decode` does
    (an ``ERROR`` event's object is a Status). Frames may arrive split or joined anyhow.
    """

    def __init__(self, max_frame: int = MAX_FRAME) -> None:
        self._buffer = bytearray()
        self._max_frame = max_frame

    def feed(self, data: bytes) -> list[dict[str, Any]]:
        self._buffer += data
        events: list[dict[str, Any]] = []
        while len(self._buffer) >= 4:
            (length,) = struct.unpack_from(">I", self._buffer)
            if length > self._max_frame:
                raise ProtobufError(f"watch frame of {length} bytes exceeds {self._max_frame}")
            if len(self._buffer) < 4 + length:
                break
            frame = bytes(self._buffer[4 : 4 + length])
            del self._buffer[: 4 + length]
            events.append(decode_watch_event(frame))
        return events

    @property
    def pending(self) -> int:
        """Bytes of an incomplete frame still buffered (a stream that ends here was cut)."""
        return len(self._buffer)


def decode_watch_event(frame: bytes) -> dict[str, Any]:
    """One frame's WatchEvent message (without the length prefix) as a JSON-style event."""
    event = decode_message(frame, WATCH_EVENT)
    if not isinstance(event.get("object"), dict):
        raise ProtobufError("a watch event without an object")
    return {"type": event.get("type", ""), "object": event["object"]}
