"""rawkube.stream.spdy: SPDY/3.1 frames, header compression and stream state (sans-IO).

kubectl's port-forward is the interoperability test (tests/stream/test_stream_kubectl.py); these pin
the framing itself, including a peer that stops in the middle of a frame.
"""

from __future__ import annotations

import hashlib
import struct
import zlib

import pytest

from rawkube.stream import spdy


def test_dictionary_is_the_spdy3_one() -> None:
    # 1423 bytes; the digest of draft 3's dictionary as Go's framer carries it
    assert len(spdy.DICTIONARY) == 1423
    assert hashlib.sha256(spdy.DICTIONARY).hexdigest() == (
        "51d27341373f923f3cd88e1eb7162aeaa3723d7585ff2399201dc06498407f02"
    )
    assert spdy.DICTIONARY.startswith(b"\x00\x00\x00\x07options\x00\x00\x00\x04head")
    assert spdy.DICTIONARY.endswith(b"utf-,*,enq=0.")


def test_header_blocks_share_one_compression_context() -> None:
    compressor = spdy.HeaderCompressor()
    decompressor = spdy.HeaderDecompressor()
    first = {"streamtype": "error", "port": "80", "requestid": "0"}
    second = {"streamtype": "data", "port": "80", "requestid": "0"}
    a = compressor.compress(first)
    b = compressor.compress(second)
    assert a[:2] == b"\x78\xf9"  # zlib header with a preset dictionary (FDICT)
    assert b[:2] != b"\x78\xf9"  # the second block continues the same stream
    assert decompressor.decompress(a) == {k: [v] for k, v in first.items()}
    assert decompressor.decompress(b) == {k: [v] for k, v in second.items()}
    # a fresh decompressor cannot read the second block alone
    with pytest.raises(spdy.SpdyError):
        spdy.HeaderDecompressor().decompress(b)


def test_multi_valued_headers_join_with_nul_and_names_are_lowercased() -> None:
    block = spdy.HeaderCompressor().compress({"X-Stream-Protocol-Version": ["a", "b"]})
    assert spdy.HeaderDecompressor().decompress(block) == {"x-stream-protocol-version": ["a", "b"]}


def test_uppercase_header_names_from_a_peer_are_refused() -> None:
    raw = struct.pack(">I", 1) + struct.pack(">I", 4) + b"Port" + struct.pack(">I", 2) + b"80"
    with pytest.raises(spdy.SpdyError, match="lowercased"):
        spdy.parse_header_block(raw)
    with pytest.raises(spdy.SpdyError, match="truncated"):
        spdy.parse_header_block(raw[:-1])


def test_control_frame_layout() -> None:
    ping = spdy.encode_ping(7)
    assert ping == b"\x80\x03\x00\x06\x00\x00\x00\x04\x00\x00\x00\x07"
    rst = spdy.encode_rst_stream(3, spdy.CANCEL)
    assert rst == b"\x80\x03\x00\x03\x00\x00\x00\x08\x00\x00\x00\x03\x00\x00\x00\x05"
    data = spdy.encode_data(5, b"hi", fin=True)
    assert data == b"\x00\x00\x00\x05\x01\x00\x00\x02hi"


def test_every_frame_type_round_trips() -> None:
    compressor = spdy.HeaderCompressor()
    wire = b"".join(
        [
            spdy.encode_syn_stream(compressor, 1, {"port": "80"}, fin=True, priority=3),
            spdy.encode_syn_reply(compressor, 1, {}, fin=False),
            spdy.encode_rst_stream(1, spdy.PROTOCOL_ERROR),
            spdy.encode_settings([(0, 7, 65536)]),
            spdy.encode_ping(2),
            spdy.encode_goaway(9, 1),
            spdy.encode_window_update(1, 1000),
            spdy.encode_data(1, b"payload"),
            spdy._control(
                spdy.HEADERS, spdy.FLAG_FIN, struct.pack(">I", 1) + compressor.compress({})
            ),
            spdy._control(99, 0, b"unknown type: ignored"),
        ]
    )
    frames = spdy.FrameDecoder().feed(wire)
    assert frames == [
        spdy.SynStream(1, {"port": ["80"]}, spdy.FLAG_FIN, 0, 3),
        spdy.SynReply(1, {}, 0),
        spdy.RstStream(1, spdy.PROTOCOL_ERROR),
        spdy.Settings([(0, 7, 65536)], 0),
        spdy.Ping(2),
        spdy.GoAway(9, 1),
        spdy.WindowUpdate(1, 1000),
        spdy.DataFrame(1, b"payload", 0),
        spdy.HeadersFrame(1, {}, spdy.FLAG_FIN),
    ]


def test_frames_fed_byte_by_byte_and_a_peer_that_stops_mid_frame() -> None:
    wire = spdy.encode_data(1, b"a" * 100) + spdy.encode_data(3, b"b" * 10)
    decoder = spdy.FrameDecoder()
    frames: list[spdy.Frame] = []
    for i in range(len(wire) - 4):
        frames += decoder.feed(wire[i : i + 1])
    assert frames == [spdy.DataFrame(1, b"a" * 100)]
    assert decoder.buffered == 14  # the second frame, cut: the connection ended mid-frame


def test_bad_frames_are_errors() -> None:
    with pytest.raises(spdy.SpdyError, match="version"):
        spdy.FrameDecoder().feed(b"\x80\x02\x00\x06\x00\x00\x00\x04\x00\x00\x00\x01")
    with pytest.raises(spdy.SpdyError, match="larger"):
        spdy.FrameDecoder(max_frame=10).feed(spdy.encode_data(1, b"x" * 11))
    with pytest.raises(spdy.SpdyError, match="too short"):
        spdy.FrameDecoder().feed(b"\x80\x03\x00\x06\x00\x00\x00\x02\x00\x00")
    with pytest.raises(spdy.SpdyError, match="decompress"):
        spdy.FrameDecoder().feed(spdy._control(spdy.SYN_REPLY, 0, struct.pack(">I", 1) + b"junk"))


def test_big_data_is_split_at_the_24_bit_limit() -> None:
    data = b"\x01" * (spdy.MAX_DATA_LENGTH + 10)
    wire = spdy.encode_data(1, data, fin=True)
    frames = spdy.FrameDecoder(max_frame=spdy.MAX_DATA_LENGTH).feed(wire)
    assert [len(f.data) for f in frames] == [spdy.MAX_DATA_LENGTH, 10]  # type: ignore[union-attr]
    assert [f.flags for f in frames] == [0, spdy.FLAG_FIN]  # type: ignore[union-attr]


def test_a_port_forward_exchange_between_two_sessions() -> None:
    client = spdy.Session(client=True)
    server = spdy.Session(client=False)
    headers = {"streamtype": "error", "port": "80", "requestid": "0"}
    error_id, syn = client.open_stream(headers)
    data_id, syn2 = client.open_stream({**headers, "streamtype": "data"})
    assert (error_id, data_id) == (1, 3)  # a client opens odd streams
    events = server.receive(syn + syn2 + client.end_stream(error_id))
    assert events == [
        spdy.StreamOpened(1, {k: [v] for k, v in headers.items()}, False),
        spdy.StreamOpened(3, {"streamtype": ["data"], "port": ["80"], "requestid": ["0"]}, False),
        spdy.StreamEnded(1),
    ]
    replies = server.reply(1) + server.reply(3)
    assert client.receive(replies) == [
        spdy.StreamReplied(1, {}, False),
        spdy.StreamReplied(3, {}, False),
    ]
    assert server.receive(client.send_data(3, b"ping")) == [spdy.StreamData(3, b"ping")]
    assert client.receive(server.send_data(3, b"pong", fin=True)) == [
        spdy.StreamData(3, b"pong"),
        spdy.StreamEnded(3),
    ]
    assert server.send_data(3, b"late") == b""  # our side is done
    assert client.receive(server.end_stream(1)) == [spdy.StreamEnded(1)]
    assert 1 not in client.open_streams  # both sides finished
    assert server.receive(client.end_stream(3)) == [spdy.StreamEnded(3)]
    assert server.open_streams == set()


def test_session_answers_pings_and_rejects_bad_stream_ids() -> None:
    server = spdy.Session(client=False)
    assert server.receive(spdy.encode_ping(5)) == []
    assert server.data_to_send() == spdy.encode_ping(5)  # the client's (odd) ping, echoed
    assert server.receive(spdy.encode_ping(6)) == []
    assert server.data_to_send() == b""  # our own ping's answer is not echoed again
    compressor = spdy.HeaderCompressor()
    assert server.receive(spdy.encode_syn_stream(compressor, 2, {})) == []  # even: a server id
    assert server.data_to_send() == spdy.encode_rst_stream(2, spdy.PROTOCOL_ERROR)
    opened = server.receive(spdy.encode_syn_stream(compressor, 5, {}, fin=True))
    assert opened == [spdy.StreamOpened(5, {}, True)]
    assert server.receive(spdy.encode_syn_stream(compressor, 3, {})) == []  # ids must grow
    assert server.data_to_send() == spdy.encode_rst_stream(3, spdy.PROTOCOL_ERROR)
    assert server.receive(spdy.encode_rst_stream(5, spdy.CANCEL)) == [
        spdy.StreamReset(5, spdy.CANCEL)
    ]
    assert server.receive(spdy.encode_data(5, b"after reset")) == []
    assert server.receive(spdy.encode_goaway(5)) == [spdy.SessionEnded(5)]
    assert server.gone_away


def test_zlib_stream_matches_what_a_dictionary_reader_expects() -> None:
    # a plain zlib reader with the SPDY dictionary (what Go's zlib.NewReaderDict does) reads
    # our blocks as one stream
    compressor = spdy.HeaderCompressor()
    blocks = compressor.compress({"a": "1"}) + compressor.compress({"b": "2"})
    raw = zlib.decompressobj(zdict=spdy.DICTIONARY).decompress(blocks)
    assert spdy.parse_header_block(raw[: len(raw) // 2]) == {"a": ["1"]}
