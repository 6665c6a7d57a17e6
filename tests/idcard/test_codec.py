from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hardware.idcard.codec import (
    MIN_REPLY_LEN,
    PREAMBLE,
    RESULT_MEANINGS,
    BadChecksum,
    BadLength,
    BadPreamble,
    Command,
    FrameError,
    FrameParser,
    Garbage,
    ResultCode,
    TruncatedFrame,
    checksum,
    decode_reply,
    decode_request,
    describe_result,
    encode_reply,
    encode_request,
    encode_set_baud,
)

EXAMPLES = {
    "find": ("AA AA AA 96 69 00 03 20 01 22", Command.FIND_CARD),
    "select": ("AA AA AA 96 69 00 03 20 02 21", Command.SELECT_CARD),
    "status": ("AA AA AA 96 69 00 03 11 FF ED", Command.SAM_STATUS),
}


@pytest.mark.parametrize("name", EXAMPLES)
def test_commands_match_the_documented_bytes(name: str) -> None:
    text, command = EXAMPLES[name]
    assert encode_request(command) == bytes.fromhex(text)
    request = decode_request(bytes.fromhex(text))
    assert request.code == command


@pytest.mark.parametrize(
    ("text", "sw3", "data"),
    [
        ("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97", 0x9F, bytes(4)),
        ("AA AA AA 96 69 00 04 00 00 80 84", 0x80, b""),
        ("AA AA AA 96 69 00 04 00 00 90 94", 0x90, b""),
    ],
)
def test_replies_match_the_documented_bytes(text: str, sw3: int, data: bytes) -> None:
    frame = bytes.fromhex(text)
    assert encode_reply(sw3, data) == frame
    reply = decode_reply(frame)
    assert (reply.sw1, reply.sw2, reply.sw3, reply.data) == (0, 0, sw3, data)


def test_every_result_code_has_a_meaning() -> None:
    for code in ResultCode:
        assert describe_result(code) == RESULT_MEANINGS[code]
    assert describe_result(0x55) == "unknown result code 0x55"
    assert decode_reply(encode_reply(0x80)).meaning == "no card found"


def test_baud_selector() -> None:
    assert encode_set_baud(9600)[7:9] == b"\x60\x04"
    with pytest.raises(ValueError, match="4800"):
        encode_set_baud(4800)


def test_typed_errors_for_broken_frames() -> None:
    frame = encode_reply(0x90, b"\x01\x02\x03")
    with pytest.raises(BadChecksum):
        decode_reply(frame[:-1] + bytes([frame[-1] ^ 1]))
    with pytest.raises(TruncatedFrame):
        decode_reply(frame[:-2])
    with pytest.raises(TruncatedFrame):
        decode_reply(frame[:3])
    with pytest.raises(BadPreamble):
        decode_reply(b"\x00" + frame[1:])
    with pytest.raises(BadLength):
        decode_reply(frame + b"\x00")
    with pytest.raises(BadLength):
        decode_reply(PREAMBLE + b"\x00\x02\x00\x00\x02")  # LEN below 4
    with pytest.raises(BadLength):
        decode_reply(PREAMBLE + (4000).to_bytes(2, "big") + bytes(4000))


def test_parser_resynchronises_after_garbage_and_a_false_start() -> None:
    good = encode_reply(0x9F, bytes(4))
    stream = b"\x01\x02\xaa" + PREAMBLE + b"\xff\xff" + b"\x00\xaa\xaa" + good
    items = FrameParser(min_len=MIN_REPLY_LEN).feed(stream)
    payloads = [i for i in items if isinstance(i, bytes)]
    errors = [i for i in items if isinstance(i, FrameError)]
    assert payloads == [good[7:-1]]
    assert any(isinstance(e, BadLength) for e in errors)
    assert any(isinstance(e, Garbage) for e in errors)


def test_parser_reports_a_bad_checksum_and_finds_the_next_frame() -> None:
    good = encode_reply(0x90)
    bad = good[:-1] + bytes([good[-1] ^ 0xFF])
    items = FrameParser().feed(bad + good)
    assert isinstance(items[0], BadChecksum)
    assert items[-1] == good[7:-1]


payloads = st.tuples(st.integers(0, 255), st.binary(max_size=2400))


@given(payloads)
def test_reply_round_trip(item: tuple[int, bytes]) -> None:
    sw3, data = item
    reply = decode_reply(encode_reply(sw3, data))
    assert (reply.sw3, reply.data) == (sw3, data)


@given(
    st.lists(payloads, min_size=1, max_size=5),
    st.lists(st.binary(max_size=20), min_size=6, max_size=6),
    st.data(),
)
def test_parser_finds_every_frame_in_any_chunking(
    replies: list[tuple[int, bytes]], noise: list[bytes], data: st.DataObject
) -> None:
    frames = [encode_reply(sw3, body) for sw3, body in replies]
    # garbage that holds no preamble fragment cannot be mistaken for a frame start
    noise = [n.replace(b"\xaa", b"\x55") for n in noise]
    stream = b"".join(n + f for n, f in zip(noise, frames, strict=False)) + noise[-1]
    parser = FrameParser(min_len=MIN_REPLY_LEN)
    found: list[bytes] = []
    position = 0
    while position < len(stream):
        size = data.draw(st.integers(1, 700))
        for item in parser.feed(stream[position : position + size]):
            if isinstance(item, bytes):
                found.append(item)
            else:
                assert isinstance(item, Garbage)
        position += size
    assert found == [f[7:-1] for f in frames]


@given(st.binary(max_size=600))
def test_random_bytes_never_crash(data: bytes) -> None:
    try:
        reply = decode_reply(data)
    except FrameError:
        reply = None
    assert reply is None or data.startswith(PREAMBLE)
    for item in FrameParser().feed(data):
        assert isinstance(item, bytes | FrameError)


@settings(max_examples=300)
@given(payloads, st.data())
def test_any_single_byte_change_is_detected(item: tuple[int, bytes], data: st.DataObject) -> None:
    frame = bytearray(encode_reply(*item))
    position = data.draw(st.integers(0, len(frame) - 1))
    frame[position] ^= data.draw(st.integers(1, 255))
    with pytest.raises(FrameError):
        decode_reply(bytes(frame))


@given(payloads, st.data())
def test_any_truncation_is_detected(item: tuple[int, bytes], data: st.DataObject) -> None:
    frame = encode_reply(*item)
    cut = data.draw(st.integers(0, len(frame) - 1))
    with pytest.raises(FrameError):
        decode_reply(frame[:cut])


def test_checksum_is_xor() -> None:
    assert checksum(b"\x00\x03\x20\x01") == 0x22
