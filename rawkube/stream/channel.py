"""The Kubernetes channel protocols carried in WebSocket messages, sans-IO.

Every binary WebSocket message starts with one byte naming its channel; the rest is that
channel's data (k8s.io/streaming wsstream/conn.go, "channel.k8s.io").

Remote command (exec, attach; client-go tools/remotecommand, apimachinery
util/remotecommand/constants.go):

    0 stdin   1 stdout   2 stderr   3 error (a metav1.Status when the command ends)
    4 resize (terminal size JSON, {"Width": w, "Height": h}, one object per event)

- ``v4.channel.k8s.io``: the error channel carries a JSON `metav1.Status`; an exit code other
  than 0 is a Failure with reason ``NonZeroExitCode`` and a cause of type ``ExitCode`` whose
  message is the code (client-go remotecommand/v4.go `errorDecoderV4`). A client cannot
  half-close stdin: the command sees end-of-input only when the whole connection closes.
- ``v5.channel.k8s.io``: v4 plus the close signal: the message ``[255, channel]`` closes one
  channel (the client closes stdin this way, so ``cat`` ends; KEP-4006, wsstream/conn.go
  `protocolSupportsStreamClose`).

Port forward over WebSocket (kubelet cri/streaming/portforward/websocket.go, subprotocol
``v4.channel.k8s.io`` with ``?ports=`` in the query): for the i-th port, channel 2i carries data
both ways and channel 2i+1 carries an error text from the server; the first server message on
each channel starts with the port as an unsigned 16-bit little-endian number.

Everything here is pure: bytes in, values out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

STDIN = 0
STDOUT = 1
STDERR = 2
ERROR = 3
RESIZE = 4
CLOSE = 255  # v5: [CLOSE, channel] closes one channel

V5 = "v5.channel.k8s.io"
V4 = "v4.channel.k8s.io"
V3 = "v3.channel.k8s.io"
V2 = "v2.channel.k8s.io"
V1 = "channel.k8s.io"
BASE64_V4 = "v4.base64.channel.k8s.io"
BASE64_V1 = "base64.channel.k8s.io"
# What rawkube asks for on exec/attach, best first (kubectl asks for v5 only over WebSocket).
REMOTE_COMMAND_PROTOCOLS = (V5, V4)

PORT_FORWARD = "portforward.k8s.io"  # the SPDY protocol name (client-go tools/portforward)
SPDY_TUNNEL_PREFIX = "SPDY/3.1+"  # KEP-4006: SPDY tunnelled in a WebSocket
PORT_FORWARD_TUNNEL = SPDY_TUNNEL_PREFIX + PORT_FORWARD

# apimachinery util/remotecommand/constants.go
NON_ZERO_EXIT_CODE_REASON = "NonZeroExitCode"
EXIT_CODE_CAUSE_TYPE = "ExitCode"

NAMES = {STDIN: "stdin", STDOUT: "stdout", STDERR: "stderr", ERROR: "error", RESIZE: "resize"}


class ProtocolError(ValueError):
    """The peer broke the channel protocol (a bad message, a bad close signal, a bad status)."""


@dataclass(frozen=True)
class Data:
    """Bytes that arrived on one channel."""

    channel: int
    data: bytes


@dataclass(frozen=True)
class Closed:
    """The peer closed one channel (the v5 close signal)."""

    channel: int


class ChannelCodec:
    """Encode and decode the messages of one negotiated channel protocol.

    ``base64`` protocols carry the channel as an ASCII digit and the data base64-encoded in a
    text message (wsstream/conn.go base64Codec); the binary ones as raw bytes.
    """

    def __init__(self, protocol: str) -> None:
        self.protocol = protocol
        self.base64 = protocol in (BASE64_V4, BASE64_V1)
        self.can_close = protocol == V5

    def __repr__(self) -> str:
        return f"ChannelCodec({self.protocol!r})"

    def encode(self, channel: int, data: bytes) -> bytes:
        """One message carrying `data` on `channel`."""
        if not 0 <= channel < CLOSE:
            raise ValueError(f"channel {channel} is out of range 0..254")
        if self.base64:
            import base64

            return bytes([0x30 + channel]) + base64.b64encode(data)
        return bytes([channel]) + data

    def encode_close(self, channel: int) -> bytes:
        """The v5 close signal for `channel`; older protocols have none (ProtocolError)."""
        if not self.can_close:
            raise ProtocolError(f"{self.protocol or 'this protocol'} cannot close a channel")
        return bytes([CLOSE, channel])

    def decode(self, message: bytes) -> Data | Closed | None:
        """One received message -> Data, Closed (v5 close signal), or None (an empty message,
        which carries nothing: wsstream skips them)."""
        if not message:
            return None
        first = message[0]
        if self.can_close and first == CLOSE:
            if len(message) != 2:
                raise ProtocolError(
                    f"a close signal carries exactly one channel byte, got {len(message) - 1}"
                )
            return Closed(message[1])
        if self.base64:
            import base64
            import binascii

            try:
                return Data(first - 0x30, base64.b64decode(message[1:], validate=True))
            except (binascii.Error, ValueError) as err:
                raise ProtocolError(f"bad base64 data on channel {first - 0x30}: {err}") from None
        return Data(first, bytes(message[1:]))


# -- the error channel: how a command ended ------------------------------------------------------


@dataclass(frozen=True)
class ExitStatus:
    """What the error channel said: an exit code, or a Status describing another failure.

    ``exit_code`` is 0 for Success, N for a NonZeroExitCode failure, None when the command
    could not run (then ``status`` holds the metav1.Status the server sent, e.g. an
    InternalError "error executing command in container ...").
    """

    exit_code: int | None
    status: dict[str, Any]

    @property
    def success(self) -> bool:
        return self.exit_code == 0

    @property
    def message(self) -> str:
        return str(self.status.get("message") or "")


SUCCESS = ExitStatus(0, {"metadata": {}, "status": "Success"})


def decode_exit_status(data: bytes, protocol: str = V5) -> ExitStatus:
    """The error channel's content (all of it, read until the channel ended) -> ExitStatus.

    Nothing at all means success (client-go errorstream.go `watchErrorStream`). v4/v5 carry a
    JSON Status (remotecommand/v4.go `errorDecoderV4`); v1-v3 a plain error text.
    """
    if not data:
        return SUCCESS
    if protocol not in (V5, V4, BASE64_V4):
        text = data.decode("utf-8", "replace")
        return ExitStatus(
            None,
            {"status": "Failure", "message": f"error executing remote command: {text}"},
        )
    try:
        status = json.loads(data)
    except ValueError as err:
        raise ProtocolError(f"error stream protocol error: {err} in {data[:200]!r}") from None
    if not isinstance(status, dict):
        raise ProtocolError(f"error stream protocol error: not a Status: {data[:200]!r}")
    state = status.get("status")
    if state == "Success":
        return ExitStatus(0, status)
    if state != "Failure":
        raise ProtocolError("error stream protocol error: unknown error")
    if status.get("reason") == NON_ZERO_EXIT_CODE_REASON:
        details = status.get("details")
        if not isinstance(details, dict):
            raise ProtocolError("error stream protocol error: details must be set")
        for cause in details.get("causes") or []:
            if isinstance(cause, dict) and cause.get("reason") == EXIT_CODE_CAUSE_TYPE:
                text = str(cause.get("message", ""))
                if not text.isdigit() or int(text) > 255:
                    raise ProtocolError(
                        f"error stream protocol error: invalid exit code value {text!r}"
                    )
                return ExitStatus(int(text), status)
        raise ProtocolError(f"error stream protocol error: no {EXIT_CODE_CAUSE_TYPE} cause given")
    return ExitStatus(None, status)


def exit_status_payload(exit_code: int) -> bytes:
    """What a server writes on the error channel when a command ended with `exit_code`
    (apiserver util/proxy/streamtranslator.go `codeExitToStatusError`, JSON as Go writes it)."""
    if exit_code == 0:
        status: dict[str, Any] = {"metadata": {}, "status": "Success"}
    else:
        status = {
            "metadata": {},
            "status": "Failure",
            "message": (
                "command terminated with non-zero exit code: "
                f"command terminated with exit code {exit_code}"
            ),
            "reason": NON_ZERO_EXIT_CODE_REASON,
            "details": {"causes": [{"reason": EXIT_CODE_CAUSE_TYPE, "message": str(exit_code)}]},
        }
    return json.dumps(status, separators=(",", ":")).encode()


# -- the resize channel ---------------------------------------------------------------------------


def encode_resize(width: int, height: int) -> bytes:
    """One terminal size event, as Go's json.Encoder writes remotecommand.TerminalSize."""
    if not (0 <= width <= 0xFFFF and 0 <= height <= 0xFFFF):
        raise ValueError("terminal width and height are 16-bit unsigned numbers")
    return json.dumps({"Width": width, "Height": height}, separators=(",", ":")).encode() + b"\n"


class ResizeDecoder:
    """The resize channel is a stream of JSON objects that may split across messages or share
    one (apiserver util/proxy/websocket.go `handleResizeEvents` uses a json.Decoder)."""

    def __init__(self, max_buffer: int = 64 * 1024) -> None:
        self._buf = ""
        self._max = max_buffer
        self._json = json.JSONDecoder()

    def feed(self, data: bytes) -> list[tuple[int, int]]:
        self._buf += data.decode("utf-8", "replace")
        sizes: list[tuple[int, int]] = []
        while True:
            text = self._buf.lstrip()
            if not text:
                self._buf = ""
                return sizes
            try:
                obj, end = self._json.raw_decode(text)
            except ValueError:
                if len(text) > self._max:
                    raise ProtocolError("resize channel: no JSON object in 64 KiB") from None
                self._buf = text
                return sizes
            self._buf = text[end:]
            if isinstance(obj, dict):
                sizes.append((int(obj.get("Width") or 0), int(obj.get("Height") or 0)))


# -- port forward over WebSocket -------------------------------------------------------------------


def port_prefix(port: int) -> bytes:
    """The 2-byte little-endian port a server writes first on each port-forward channel."""
    return int(port).to_bytes(2, "little")


class PortForwardChannels:
    """Channel bookkeeping of one WebSocket port-forward connection (``?ports=p1&ports=p2``).

    For port index i: data channel 2i, error channel 2i+1. `feed` strips the port prefix from
    the first bytes the server sends on each channel (checking it names the right port) and
    returns what remains; the prefix may arrive split across messages.
    """

    def __init__(self, ports: Iterable[int]) -> None:
        self.ports = [int(p) for p in ports]
        if not self.ports:
            raise ValueError("port forwarding needs at least one port")
        self._prefix_left = {ch: 2 for ch in range(2 * len(self.ports))}
        self._prefix_seen = {ch: b"" for ch in range(2 * len(self.ports))}

    @staticmethod
    def data_channel(index: int) -> int:
        return 2 * index

    @staticmethod
    def error_channel(index: int) -> int:
        return 2 * index + 1

    def port_of(self, channel: int) -> int:
        return self.ports[channel // 2]

    def feed(self, channel: int, data: bytes) -> bytes:
        if channel not in self._prefix_left:
            raise ProtocolError(f"port forward: unknown channel {channel}")
        left = self._prefix_left[channel]
        if left:
            take = data[:left]
            self._prefix_seen[channel] += take
            self._prefix_left[channel] = left - len(take)
            data = data[len(take) :]
            if self._prefix_left[channel] == 0:
                got = int.from_bytes(self._prefix_seen[channel], "little")
                if got != self.port_of(channel):
                    raise ProtocolError(
                        f"port forward: channel {channel} is for port {got}, "
                        f"expected {self.port_of(channel)}"
                    )
        return data

    def ready(self, channel: int) -> bool:
        """The server has sent the port prefix on `channel` (the channel is open)."""
        return self._prefix_left.get(channel) == 0


def parse_ports_query(values: Iterable[str]) -> list[int]:
    """The ports of a WebSocket port-forward request -> list (kubelet
    cri/streaming/portforward/websocket.go `NewV4Options`; the API server passes the
    PodPortForwardOptions ``ports`` query on to the kubelet as ``port``, registry/core/pod
    strategy.go `streamParams`); ValueError with the kubelet's message."""
    ports: list[int] = []
    values = list(values)
    if not values:
        raise ValueError('query parameter "port" is required')
    for value in values:
        if not value:
            raise ValueError('query parameter "port" cannot be empty')
        for part in value.split(","):
            if not part.isdigit() or int(part) > 0xFFFF:
                raise ValueError(f'unable to parse "{value}" as a port: invalid syntax')
            if int(part) < 1:
                raise ValueError(f'port "{value}" must be > 0')
            ports.append(int(part))
    return ports
