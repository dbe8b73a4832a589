"""The client's side of content negotiation, as pure functions (client-go rest/client.go,
rest/request.go ``setAcceptHeader`` and ``Body``; dynamic/simple.go for the JSON-only dynamic client).

* `accept_header(content_type, accept_content_types)`: client-go sends ``AcceptContentTypes`` when
  set, else ``ContentType + ", */*"``.
* `encode_body(obj, content_type)`: a request body in the configured type: protobuf for a built-in
  kind, JSON otherwise (a custom resource has no protobuf form: rawkube falls back to JSON, as
  client-go's dynamic client always uses JSON).
* `decode_body(body, content_type)`: a protobuf answer as its JSON dict.
* `hex_dump(data)`: how kubectl ``-v 8`` shows a binary body (Go ``encoding/hex.Dump``).
"""

from __future__ import annotations

from typing import Any

from rawkube import _json

from ._codec import CONTENT_TYPE, decode, encode, message_for

JSON = "application/json"
# What kubectl's typed clients ask for (client-go rest/request.go UseProtobufAsDefault).
PROTOBUF_THEN_JSON = f"{CONTENT_TYPE},{JSON}"


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def accept_header(content_type: str | None, accept_content_types: str | None) -> str | None:
    """The Accept header client-go sends for a client with these settings (None: none)."""
    if accept_content_types:
        return accept_content_types
    if content_type:
        return f"{content_type}, */*"
    return None


def can_encode(obj: Any) -> bool:
    """Whether a body can go as protobuf: an object of a built-in kind."""
    if not isinstance(obj, dict):
        return False
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    return (
        isinstance(api_version, str)
        and isinstance(kind, str)
        and message_for(api_version, kind) is not None
    )


def encode_body(obj: Any, content_type: str | None) -> tuple[bytes, str]:
    """(bytes, Content-Type) of a request body: protobuf when asked and possible, else JSON."""
    if media_type(content_type) == CONTENT_TYPE and can_encode(obj):
        return encode(obj), CONTENT_TYPE
    return _json.dumps(obj), JSON


def decode_body(body: bytes, content_type: str | None) -> Any:
    """A protobuf response body (``k8s\\x00`` envelope) as the dict its JSON form gives."""
    return decode(body)


def hex_dump(data: bytes) -> str:
    """Go's ``hex.Dump``: offset, 16 bytes in two groups of 8, and the printable characters."""
    lines = []
    for offset in range(0, len(data), 16):
        chunk = data[offset : offset + 16]
        hexes = [f"{b:02x}" for b in chunk]
        left = " ".join(hexes[:8])
        right = " ".join(hexes[8:])
        text = "".join(chr(b) if 0x20 <= b <= 0x7E else "." for b in chunk)
        line = f"{offset:08x}  {left:<23}  {right:<23}  |{text}|"
        lines.append(line)
    return "\n".join(lines) + ("\n" if lines else "")
