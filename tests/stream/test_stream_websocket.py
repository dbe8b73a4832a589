"""rawkube.stream.websocket and the sans-IO protocol state of exec (RemoteCommand) and
port-forward (Tunnel): fed with bytes a server would send, cut anywhere."""

from __future__ import annotations

import pytest

from rawkube.errors import PortForwardError, StreamError
from rawkube.stream import channel as ch
from rawkube.stream import websocket as ws
from rawkube.stream.portforward import Tunnel
from rawkube.stream.remotecommand import RemoteCommand


def test_accept_value_is_rfc6455s_example() -> None:
    # RFC 6455 section 1.3
    assert ws.accept_value("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def good_answer(key: str, protocol: str = ch.V5) -> dict[str, str]:
    return dict(ws.server_headers(key, protocol))


def test_check_handshake_returns_the_chosen_protocol() -> None:
    key = ws.new_key()
    assert ws.check_handshake(101, good_answer(key), key, [ch.V5, ch.V4]) == ch.V5


@pytest.mark.parametrize(
    ("status", "change", "message"),
    [
        (400, {}, "expected status 101"),
        (101, {"Sec-WebSocket-Accept": "bad"}, "does not match"),
        (101, {"Upgrade": "h2c"}, "did not upgrade"),
        (101, {"Connection": "keep-alive"}, "Connection header"),
        (101, {"Sec-WebSocket-Protocol": "v9.channel.k8s.io"}, "invalid protocol"),
    ],
)
def test_check_handshake_refuses_a_bad_answer(
    status: int, change: dict[str, str], message: str
) -> None:
    key = ws.new_key()
    headers = {**good_answer(key), **change}
    with pytest.raises(ws.HandshakeError, match=message):
        ws.check_handshake(status, headers, key, [ch.V5, ch.V4])


def test_request_header_helpers() -> None:
    headers = ws.client_headers("k", [ch.V5, ch.V4])
    assert headers["Sec-WebSocket-Protocol"] == "v5.channel.k8s.io, v4.channel.k8s.io"
    assert ws.is_websocket_request({k.lower(): v for k, v in headers.items()})
    assert ws.is_websocket_request({"upgrade": "WebSocket", "connection": "keep-alive, Upgrade"})
    assert not ws.is_websocket_request({"upgrade": "SPDY/3.1", "connection": "Upgrade"})
    assert ws.requested_protocols({"sec-websocket-protocol": " a ,b"}) == ["a", "b"]


def pair() -> tuple[ws.WebSocket, ws.WebSocket]:
    return ws.WebSocket(client=True), ws.WebSocket(client=False)


def test_messages_arrive_whole_even_when_fed_byte_by_byte() -> None:
    client, server = pair()
    wire = client.send(b"\x00" + b"x" * 70000) + client.send(b"\x00tail")
    events: list[ws.Message | ws.Closed] = []
    for i in range(0, len(wire), 997):
        events += server.receive(wire[i : i + 997])
    assert events == [ws.Message(b"\x00" + b"x" * 70000), ws.Message(b"\x00tail")]


def test_pings_are_answered_and_close_is_replied() -> None:
    client, server = pair()
    assert client.receive(server.ping(b"hb")) == []
    pong = client.data_to_send()
    assert pong  # the pong goes back
    assert server.receive(pong) == []
    events = client.receive(server.close())
    assert events == [ws.Closed(1000, "")]
    assert events[0].clean  # type: ignore[union-attr]
    reply = client.data_to_send()
    assert server.receive(reply) == [ws.Closed(1000, "")]
    assert client.close() == b""  # already closed: nothing more to send


def test_a_server_that_closes_mid_frame_is_an_abnormal_closure() -> None:
    client, server = pair()
    frame = server.send(b"\x01" + b"y" * 1000)
    assert client.receive(frame[:500]) == []
    events = client.receive(b"")  # end of input, half a frame read
    assert events == [ws.Closed(ws.ABNORMAL_CLOSURE, "")]
    assert not client.closed.clean  # type: ignore[union-attr]
    assert client.receive(b"more") == []  # nothing after the end


def test_a_message_over_the_limit_ends_the_connection() -> None:
    client = ws.WebSocket(client=True, max_message=100)
    server = ws.WebSocket(client=False)
    events = client.receive(server.send(b"z" * 101))
    assert events == [ws.Closed(1009, "message too big")]


def test_garbage_is_a_protocol_error_close() -> None:
    client = ws.WebSocket(client=True)
    # a masked frame from a server is forbidden (RFC 6455 5.1)
    events = client.receive(b"\x82\x81abcdx")
    assert len(events) == 1 and isinstance(events[0], ws.Closed) and events[0].code == 1002


# -- exec's protocol state ---------------------------------------------------------------------


def server_stream(*messages: bytes, close: bool = True) -> tuple[bytes, ws.WebSocket]:
    """What a server puts on the wire: `messages`, then (unless not `close`) its close frame."""
    server = ws.WebSocket(client=False)
    wire = b"".join(server.send(m) for m in messages)
    if close:
        wire += server.close()
    return wire, server


def run_core(core: RemoteCommand, wire: bytes, cut: int = 7) -> None:
    for i in range(0, len(wire), cut):
        core.receive(wire[i : i + cut])


def test_output_channels_and_exit_code() -> None:
    codec = ch.ChannelCodec(ch.V5)
    wire, _ = server_stream(
        codec.encode(ch.STDOUT, b""),  # the "connection established" notice
        codec.encode(ch.STDOUT, b"out1"),
        codec.encode(ch.STDERR, b"err"),
        codec.encode(ch.STDOUT, b"out2"),
        codec.encode(ch.ERROR, ch.exit_status_payload(3)),
    )
    core = RemoteCommand(ch.V5, stdin=False, stdout=True, stderr=True, tty=False)
    run_core(core, wire)
    assert core.finished
    assert core.take_all(ch.STDOUT) == b"out1out2"
    assert core.take(ch.STDERR) == b"err"
    assert core.exit_status().exit_code == 3


def test_clean_close_without_status_is_success_but_a_cut_is_an_error() -> None:
    wire, _ = server_stream(b"\x01hi")
    core = RemoteCommand(ch.V4, stdin=False, stdout=True, stderr=True, tty=False)
    run_core(core, wire)
    assert core.exit_status().exit_code == 0

    wire, _ = server_stream(b"\x01" + b"hi" * 100, close=False)
    core = RemoteCommand(ch.V5, stdin=False, stdout=True, stderr=True, tty=False)
    core.receive(wire[:50])  # the server dies in the middle of the frame
    core.receive(b"")
    assert core.finished
    with pytest.raises(StreamError, match="before the command's status arrived"):
        core.exit_status()


def test_a_status_then_a_cut_still_reports_the_status() -> None:
    codec = ch.ChannelCodec(ch.V5)
    wire, _ = server_stream(codec.encode(ch.ERROR, ch.exit_status_payload(7)), close=False)
    core = RemoteCommand(ch.V5, stdin=False, stdout=True, stderr=True, tty=False)
    core.receive(wire)
    core.receive(b"")
    assert core.exit_status().exit_code == 7


def test_v5_closes_stdin_with_a_signal_v4_cannot() -> None:
    server = ws.WebSocket(client=False)
    v5 = RemoteCommand(ch.V5, stdin=True, stdout=True, stderr=True, tty=False)
    assert server.receive(v5.close_stdin()) == [ws.Message(b"\xff\x00")]
    assert v5.close_stdin() == b""  # once
    with pytest.raises(StreamError, match="stdin is closed"):
        v5.stdin_message(b"late")

    v4 = RemoteCommand(ch.V4, stdin=True, stdout=True, stderr=True, tty=False)
    assert v4.close_stdin() == b""  # nothing to send: v4 has no half-close
    assert not v4.stdin_open


def test_resize_needs_a_tty_and_goes_on_channel_4() -> None:
    server = ws.WebSocket(client=False)
    core = RemoteCommand(ch.V5, stdin=True, stdout=True, stderr=False, tty=True)
    events = server.receive(core.resize_message(120, 40))
    assert events == [ws.Message(b'\x04{"Width":120,"Height":40}\n')]
    with pytest.raises(StreamError, match="tty=True"):
        RemoteCommand(ch.V5, stdin=False, stdout=True, stderr=True, tty=False).resize_message(1, 1)


def test_a_bad_close_signal_from_the_server_ends_the_session() -> None:
    wire, _ = server_stream(b"\xff", close=False)
    core = RemoteCommand(ch.V5, stdin=False, stdout=True, stderr=True, tty=False)
    core.receive(wire)
    assert core.finished and core.closed is not None and core.closed.code == 1002


# -- port forward's protocol state ------------------------------------------------------------------


def test_tunnel_data_after_the_port_prefix() -> None:
    codec = ch.ChannelCodec(ch.V4)
    wire, _ = server_stream(
        codec.encode(0, ch.port_prefix(80)),
        codec.encode(1, ch.port_prefix(80)),
        codec.encode(0, b"hello"),
    )
    core = Tunnel(ch.V4, 80)
    run_core(core, wire, cut=3)  # type: ignore[arg-type]
    assert core.take(3) == b"hel"
    assert core.take(100) == b"lo"
    assert core.error == ""
    assert core.end_error() is None


def test_tunnel_keeps_the_kubelets_error() -> None:
    codec = ch.ChannelCodec(ch.V4)
    wire, _ = server_stream(
        codec.encode(0, ch.port_prefix(81)),
        codec.encode(1, ch.port_prefix(81) + b"error forwarding port 81"),
    )
    core = Tunnel(ch.V4, 81)
    core.receive(wire)
    error = core.end_error()
    assert isinstance(error, PortForwardError) and error.port == 81
    assert "error forwarding port 81" in str(error)


def test_tunnel_refuses_a_prefix_for_another_port() -> None:
    codec = ch.ChannelCodec(ch.V4)
    wire, _ = server_stream(codec.encode(0, ch.port_prefix(99)), close=False)
    core = Tunnel(ch.V4, 80)
    core.receive(wire)
    assert core.finished and core.closed is not None and core.closed.code == 1002


def test_wsproto_is_imported_only_when_a_connection_is_made() -> None:
    import subprocess
    import sys

    code = (
        "import sys, rawkube, rawkube.stream.remotecommand, rawkube.stream.portforward\n"
        "assert 'wsproto' not in sys.modules, 'imported too early'\n"
        "from rawkube.stream.websocket import WebSocket\n"
        "WebSocket(client=True)\n"
        "assert 'wsproto' in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
