"""rawkube.stream.channel: the Kubernetes channel protocols, byte for byte (sans-IO)."""

from __future__ import annotations

import json

import pytest

from rawkube.stream import channel as ch


def test_v5_and_v4_carry_data_the_same_way() -> None:
    for protocol in (ch.V5, ch.V4):
        codec = ch.ChannelCodec(protocol)
        assert codec.encode(ch.STDIN, b"ls\n") == b"\x00ls\n"
        assert codec.decode(b"\x01out") == ch.Data(ch.STDOUT, b"out")
        assert codec.decode(b"\x02") == ch.Data(ch.STDERR, b"")
        assert codec.decode(b"") is None  # wsstream skips empty messages


def test_v5_close_signal_closes_one_channel() -> None:
    codec = ch.ChannelCodec(ch.V5)
    assert codec.encode_close(ch.STDIN) == b"\xff\x00"
    assert codec.decode(b"\xff\x00") == ch.Closed(ch.STDIN)


def test_v5_close_signal_with_a_wrong_length_is_a_protocol_error() -> None:
    # wsstream/conn.go: "Single channel byte should follow stream close signal"
    codec = ch.ChannelCodec(ch.V5)
    with pytest.raises(ch.ProtocolError):
        codec.decode(b"\xff")
    with pytest.raises(ch.ProtocolError):
        codec.decode(b"\xff\x00\x01")


def test_v4_has_no_close_signal() -> None:
    codec = ch.ChannelCodec(ch.V4)
    with pytest.raises(ch.ProtocolError, match="cannot close"):
        codec.encode_close(ch.STDIN)
    # byte 255 is just a channel number nobody uses there
    assert codec.decode(b"\xff\x00") == ch.Data(255, b"\x00")


def test_base64_protocols_use_a_digit_and_base64() -> None:
    codec = ch.ChannelCodec(ch.BASE64_V4)
    assert codec.encode(ch.STDIN, b"foo\n") == b"0Zm9vCg=="
    assert codec.decode(b"1Cg==") == ch.Data(ch.STDOUT, b"\n")
    with pytest.raises(ch.ProtocolError):
        codec.decode(b"1!!!")


def test_channel_numbers_are_bytes() -> None:
    with pytest.raises(ValueError):
        ch.ChannelCodec(ch.V5).encode(255, b"x")


# -- the error channel ------------------------------------------------------------------------


def status(**fields: object) -> bytes:
    return json.dumps({"metadata": {}, **fields}).encode()


def test_nothing_on_the_error_channel_is_success() -> None:
    assert ch.decode_exit_status(b"") == ch.SUCCESS
    assert ch.decode_exit_status(b"").success


def test_a_success_status_is_exit_code_0() -> None:
    assert ch.decode_exit_status(status(status="Success")).exit_code == 0


def test_non_zero_exit_code_comes_from_the_exit_code_cause() -> None:
    data = status(
        status="Failure",
        message="command terminated with non-zero exit code: command terminated with exit code 3",
        reason="NonZeroExitCode",
        details={"causes": [{"reason": "ExitCode", "message": "3"}]},
    )
    result = ch.decode_exit_status(data, ch.V5)
    assert result.exit_code == 3
    assert not result.success
    assert "exit code 3" in result.message


def test_a_failure_without_exit_code_keeps_the_status() -> None:
    data = status(
        status="Failure",
        message="error executing command in container",
        reason="InternalError",
        code=500,
    )
    result = ch.decode_exit_status(data, ch.V4)
    assert result.exit_code is None
    assert result.status["reason"] == "InternalError"
    assert result.message == "error executing command in container"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (status(status="Failure", reason="NonZeroExitCode"), "details must be set"),
        (
            status(status="Failure", reason="NonZeroExitCode", details={"causes": []}),
            "no ExitCode cause",
        ),
        (
            status(
                status="Failure",
                reason="NonZeroExitCode",
                details={"causes": [{"reason": "ExitCode", "message": "x"}]},
            ),
            "invalid exit code",
        ),
        (
            status(
                status="Failure",
                reason="NonZeroExitCode",
                details={"causes": [{"reason": "ExitCode", "message": "300"}]},
            ),
            "invalid exit code",
        ),
        (status(status="Unknown"), "unknown error"),
        (b"not json", "error stream protocol error"),
        (b"[1]", "not a Status"),
    ],
)
def test_broken_statuses_are_protocol_errors(data: bytes, message: str) -> None:
    # client-go remotecommand/v4.go errorDecoderV4
    with pytest.raises(ch.ProtocolError, match=message):
        ch.decode_exit_status(data, ch.V5)


def test_old_protocols_carry_plain_text_errors() -> None:
    result = ch.decode_exit_status(b"it broke", ch.V1)
    assert result.exit_code is None
    assert result.message == "error executing remote command: it broke"


def test_exit_status_payload_is_what_the_api_server_writes() -> None:
    # util/proxy/streamtranslator.go codeExitToStatusError, marshalled without kind/apiVersion
    assert ch.exit_status_payload(0) == b'{"metadata":{},"status":"Success"}'
    payload = json.loads(ch.exit_status_payload(3))
    assert payload == {
        "metadata": {},
        "status": "Failure",
        "message": "command terminated with non-zero exit code: command terminated with exit code 3",
        "reason": "NonZeroExitCode",
        "details": {"causes": [{"reason": "ExitCode", "message": "3"}]},
    }
    assert ch.decode_exit_status(ch.exit_status_payload(3)).exit_code == 3


# -- resize ------------------------------------------------------------------------------------


def test_resize_events_are_go_terminal_size_json() -> None:
    assert ch.encode_resize(80, 24) == b'{"Width":80,"Height":24}\n'
    with pytest.raises(ValueError):
        ch.encode_resize(70000, 1)


def test_resize_decoder_handles_split_and_joined_objects() -> None:
    decoder = ch.ResizeDecoder()
    assert decoder.feed(b'{"Width":80,') == []
    assert decoder.feed(b'"Height":24}\n{"Width":1') == [(80, 24)]
    assert decoder.feed(b'00,"Height":40}{"Width":1,"Height":2}') == [(100, 40), (1, 2)]


# -- port forward over WebSocket --------------------------------------------------------------


def test_port_forward_channels_strip_the_port_prefix() -> None:
    channels = ch.PortForwardChannels([80, 8443])
    assert (channels.data_channel(1), channels.error_channel(1)) == (2, 3)
    assert channels.feed(0, ch.port_prefix(80)) == b""
    assert channels.ready(0)
    assert channels.feed(0, b"hello") == b"hello"
    # the prefix may arrive split, with data behind it
    assert channels.feed(2, b"\xfb") == b""
    assert not channels.ready(2)
    assert channels.feed(2, b"\x20data") == b"data"
    assert channels.port_of(3) == 8443


def test_port_forward_prefix_for_the_wrong_port_is_refused() -> None:
    channels = ch.PortForwardChannels([80])
    with pytest.raises(ch.ProtocolError, match="expected 80"):
        channels.feed(1, ch.port_prefix(81))
    with pytest.raises(ch.ProtocolError, match="unknown channel"):
        channels.feed(7, b"x")


def test_parse_ports_query_like_the_kubelet() -> None:
    assert ch.parse_ports_query(["80", "81,82"]) == [80, 81, 82]
    for values, message in (
        ([], "is required"),
        ([""], "cannot be empty"),
        (["x"], "unable to parse"),
        (["0"], "must be > 0"),
        (["70000"], "unable to parse"),
    ):
        with pytest.raises(ValueError, match=message):
            ch.parse_ports_query(values)
