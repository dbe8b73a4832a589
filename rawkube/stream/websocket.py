"""WebSocket, sans-IO: the opening handshake's headers and one open connection's framing.

The framing is wsproto's (python-hyper/wsproto, a sans-IO RFC 6455 implementation: bytes in,
events out, nothing read or written here); this module adds what Kubernetes streams need on
top: the handshake checks client-go does (transport/websocket/roundtripper.go: the server must
pick one of the offered subprotocols), whole messages instead of fragments (the channel byte
starts a message), a cap on the message size, and automatic answers to pings and to the
peer's close.

wsproto is imported when a connection is made, never by `import rawkube`.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# RFC 6455 section 1.3: the server proves it read the key by hashing it with this GUID.
ACCEPT_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
# Go's gorilla/websocket reads messages of any size; bound ours (a message is one write of the
# peer: the kubelet writes at most 32 KiB at a time, kube-apiserver's translator the same).
DEFAULT_MAX_MESSAGE = 16 * 1024 * 1024

NORMAL_CLOSURE = 1000
ABNORMAL_CLOSURE = 1006


class HandshakeError(Exception):
    """The server answered the upgrade request, but not with a usable WebSocket."""


def new_key() -> str:
    """A fresh Sec-WebSocket-Key: 16 random bytes, base64."""
    return base64.b64encode(os.urandom(16)).decode()


def accept_value(key: str) -> str:
    """The Sec-WebSocket-Accept a server must answer for `key`."""
    return base64.b64encode(hashlib.sha1(key.encode() + ACCEPT_GUID).digest()).decode()


def client_headers(key: str, protocols: Iterable[str]) -> dict[str, str]:
    """The request headers of a WebSocket upgrade offering `protocols` (a GET, no body)."""
    headers = {
        "Connection": "Upgrade",
        "Upgrade": "websocket",
        "Sec-WebSocket-Key": key,
        "Sec-WebSocket-Version": "13",
    }
    protocols = list(protocols)
    if protocols:
        headers["Sec-WebSocket-Protocol"] = ", ".join(protocols)
    return headers


def check_handshake(
    status: int, headers: Mapping[str, str], key: str, protocols: Iterable[str]
) -> str:
    """The subprotocol the server chose, after checking its 101 answer (RFC 6455 4.1 and
    client-go's "invalid protocol, expected one of ..."); HandshakeError otherwise."""
    if status != 101:
        raise HandshakeError(f"expected status 101 Switching Protocols, got {status}")
    lower = {k.lower(): v for k, v in headers.items()}
    if lower.get("upgrade", "").lower() != "websocket":
        raise HandshakeError("the server did not upgrade to websocket")
    if "upgrade" not in lower.get("connection", "").lower():
        raise HandshakeError("the server's Connection header does not say Upgrade")
    if lower.get("sec-websocket-accept", "") != accept_value(key):
        raise HandshakeError("the server's Sec-WebSocket-Accept does not match our key")
    chosen = lower.get("sec-websocket-protocol", "").strip()
    offered = list(protocols)
    if offered and chosen not in offered:
        raise HandshakeError(f"invalid protocol, expected one of {offered}, got {chosen!r}")
    return chosen


def is_websocket_request(headers: Mapping[str, str]) -> bool:
    """k8s.io/streaming wsstream `IsWebSocketRequest`: Upgrade: websocket and a Connection
    header that lists upgrade."""
    lower = {k.lower(): v for k, v in headers.items()}
    if lower.get("upgrade", "").lower() != "websocket":
        return False
    return "upgrade" in [t.strip() for t in lower.get("connection", "").lower().split(",")]


def requested_protocols(headers: Mapping[str, str]) -> list[str]:
    """The subprotocols a client offered, in its order."""
    lower = {k.lower(): v for k, v in headers.items()}
    raw = lower.get("sec-websocket-protocol", "")
    return [p.strip() for p in raw.split(",") if p.strip()]


def server_headers(key: str, protocol: str) -> list[tuple[str, str]]:
    """The headers of a server's 101 answer accepting `key` with `protocol` ("" for none)."""
    headers = [
        ("Upgrade", "websocket"),
        ("Connection", "Upgrade"),
        ("Sec-WebSocket-Accept", accept_value(key)),
    ]
    if protocol:
        headers.append(("Sec-WebSocket-Protocol", protocol))
    return headers


# -- an open connection ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    """One whole message from the peer (`text` for a text message)."""

    data: bytes
    text: bool = False


@dataclass(frozen=True)
class Closed:
    """The connection ended: the peer's close code (1006 when it just dropped the connection,
    e.g. in the middle of a frame) and reason."""

    code: int
    reason: str = ""

    @property
    def clean(self) -> bool:
        return self.code != ABNORMAL_CLOSURE


class WebSocket:
    """One side of an open WebSocket connection, sans-IO.

    `receive(bytes)` takes what was read (b"" at end of input) and returns whole Messages and,
    once, a Closed; answers owed to the peer (pongs, the close reply) collect in
    `data_to_send()`. `send(payload)` and `close()` return the bytes to write.
    """

    def __init__(
        self,
        *,
        client: bool,
        trailing_data: bytes = b"",
        max_message: int = DEFAULT_MAX_MESSAGE,
    ) -> None:
        from wsproto.connection import Connection, ConnectionType

        kind = ConnectionType.CLIENT if client else ConnectionType.SERVER
        self._conn: Any = Connection(kind)
        self._max = max_message
        self._parts: list[bytes] = []
        self._size = 0
        self._text = False
        self._out = bytearray()
        self.closed: Closed | None = None  # set once the peer's close (or EOF) was seen
        self.close_sent = False
        self._pending = self.receive(trailing_data) if trailing_data else []

    def pending_events(self) -> list[Message | Closed]:
        """Events decoded from the bytes that came with the handshake answer (once)."""
        events, self._pending = self._pending, []
        return events

    def receive(self, data: bytes) -> list[Message | Closed]:
        """Feed bytes read from the connection (b"": the connection reached end of input)."""
        from wsproto.events import BytesMessage, CloseConnection, Ping, TextMessage

        if self.closed is not None:
            return []
        self._conn.receive_data(data if data else None)
        events: list[Message | Closed] = []
        try:
            for event in self._conn.events():
                if isinstance(event, (BytesMessage, TextMessage)):
                    chunk = (
                        bytes(event.data)
                        if isinstance(event, BytesMessage)
                        else event.data.encode()
                    )
                    self._text = isinstance(event, TextMessage)
                    self._size += len(chunk)
                    if self._size > self._max:
                        events.append(self._fail(1009, "message too big"))
                        break
                    self._parts.append(chunk)
                    if event.message_finished:
                        events.append(Message(b"".join(self._parts), self._text))
                        self._parts, self._size = [], 0
                elif isinstance(event, Ping):
                    self._queue(event.response())
                elif isinstance(event, CloseConnection):
                    if not self.close_sent and self._open():
                        self._queue(event.response())
                        self.close_sent = True
                    self.closed = Closed(int(event.code), event.reason or "")
                    events.append(self.closed)
                    break
        except Exception as err:  # wsproto's RemoteProtocolError: a broken frame
            events.append(self._fail(1002, str(err) or "protocol error"))
        return events

    def _fail(self, code: int, reason: str) -> Closed:
        self.closed = Closed(code, reason)
        return self.closed

    def _open(self) -> bool:
        from wsproto.connection import ConnectionState

        return bool(self._conn.state in (ConnectionState.OPEN, ConnectionState.REMOTE_CLOSING))

    def _queue(self, event: Any) -> None:
        try:
            self._out += self._conn.send(event)
        except Exception:  # the connection already closed: nothing owed any more
            pass

    def data_to_send(self) -> bytes:
        """Bytes owed to the peer (pong, close reply); empty when there are none."""
        out, self._out = bytes(self._out), bytearray()
        return out

    def send(self, payload: bytes, *, text: bool = False) -> bytes:
        """One message (binary unless `text`)."""
        from wsproto.events import BytesMessage, TextMessage

        event: Any = TextMessage(payload.decode()) if text else BytesMessage(payload)
        return bytes(self._conn.send(event))

    def ping(self, payload: bytes = b"") -> bytes:
        from wsproto.events import Ping

        return bytes(self._conn.send(Ping(payload)))

    def close(self, code: int = NORMAL_CLOSURE, reason: str = "") -> bytes:
        """Start (or finish) the closing handshake; b"" if a close was already sent."""
        from wsproto.events import CloseConnection

        if self.close_sent or not self._open():
            return b""
        self.close_sent = True
        return bytes(self._conn.send(CloseConnection(code, reason)))
