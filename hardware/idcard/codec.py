"""Frames of the SAM serial protocol (GA 467 readers): building, checking and splitting them.

Pure byte work, no I/O, so every corruption the line can produce is testable without a port::

    AA AA AA 96 69 | LEN (2, BE) | payload ... | CHK

``LEN`` counts the payload and the checksum; ``CHK`` is the XOR of the ``LEN`` bytes and the
payload. Host frames carry ``CMD PARA DATA``, reader frames ``SW1 SW2 SW3 DATA``. The stream
parser resynchronises on the preamble after garbage and reports each broken frame as a typed
error instead of dropping it silently, so the driver can count and retry.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import IntEnum

PREAMBLE = b"\xaa\xaa\xaa\x96\x69"
HEADER_SIZE = len(PREAMBLE) + 2
#: Smallest sensible LEN (SW1 SW2 SW3 CHK) and the ceiling drivers agree on (largest reply 2,321).
MIN_LEN = 3
MIN_REPLY_LEN = 4
MAX_LEN = 3000


class FrameError(Exception):
    """A frame that cannot be trusted. ``skipped`` is what the stream parser threw away."""

    def __init__(self, message: str, skipped: bytes = b"") -> None:
        super().__init__(message)
        self.skipped = skipped


class BadPreamble(FrameError):
    pass


class BadLength(FrameError):
    pass


class BadChecksum(FrameError):
    pass


class TruncatedFrame(FrameError):
    pass


class Garbage(FrameError):
    """Bytes before a preamble that belong to no frame."""


class ResultCode(IntEnum):
    """SW3 of a reply."""

    SUCCESS = 0x90
    CARD_FOUND = 0x9F
    HOST_CHECKSUM_ERROR = 0x10
    HOST_LENGTH_ERROR = 0x11
    BAD_COMMAND = 0x21
    NOT_PERMITTED = 0x23
    UNRECOGNISED_ERROR = 0x24
    CARD_AUTH_SAM_FAILED = 0x31
    SAM_AUTH_CARD_FAILED = 0x32
    INFORMATION_CHECK_ERROR = 0x33
    UNKNOWN_CARD_TYPE = 0x40
    READ_FAILED = 0x41
    RANDOM_FAILED = 0x47
    SAM_SELF_TEST_FAILED = 0x60
    SAM_NOT_AUTHORISED = 0x66
    NO_CARD = 0x80
    SELECT_FAILED = 0x81
    NO_CONTENT = 0x91


RESULT_MEANINGS: dict[int, str] = {
    0x90: "success",
    0x9F: "card found",
    0x10: "checksum error in the host's frame",
    0x11: "length error in the host's frame",
    0x21: "bad command or parameter",
    0x23: "operation not permitted",
    0x24: "unrecognised error",
    0x31: "card failed to authenticate the SAM",
    0x32: "SAM failed to authenticate the card",
    0x33: "information check error",
    0x40: "unknown card type",
    0x41: "read failed",
    0x47: "random-number generation failed",
    0x60: "SAM self-test failed",
    0x66: "SAM not authorised",
    0x80: "no card found",
    0x81: "select failed",
    0x91: "no content",
}

#: Codes worth asking again for: the line or the card's position, not the card or the SAM.
TRANSIENT_CODES = frozenset({0x10, 0x11, 0x24, 0x31, 0x32, 0x33, 0x41, 0x47, 0x81})
#: Codes that mean the reader itself cannot work.
SAM_FAULT_CODES = frozenset({0x60, 0x66})


def describe_result(code: int) -> str:
    return RESULT_MEANINGS.get(code, f"unknown result code 0x{code:02X}")


class Command(IntEnum):
    """CMD and PARA packed as one 16-bit value (``0x2001`` = find card)."""

    RESET_SAM = 0x10FF
    SAM_STATUS = 0x11FF
    SAM_ID = 0x12FF
    FIND_CARD = 0x2001
    SELECT_CARD = 0x2002
    READ_TEXT_PHOTO = 0x3001
    READ_TEXT_PHOTO_FINGERPRINT = 0x3010
    READ_NEW_ADDRESS = 0x3003
    SET_MAX_RF_FRAME = 0x61FF

    @property
    def cmd(self) -> int:
        return self.value >> 8

    @property
    def para(self) -> int:
        return self.value & 0xFF


#: ``60 xx``: line rate selectors (unsourced whether the reply comes at the old or new rate).
BAUD_SELECTORS: dict[int, int] = {115200: 0x00, 57600: 0x01, 38400: 0x02, 19200: 0x03, 9600: 0x04}
SET_BAUD_CMD = 0x60


def checksum(data: bytes) -> int:
    value = 0
    for byte in data:
        value ^= byte
    return value


def encode_frame(payload: bytes) -> bytes:
    """Wrap a payload (``CMD PARA DATA`` or ``SW1 SW2 SW3 DATA``) into a whole frame."""
    length = len(payload) + 1
    if length > MAX_LEN:
        raise ValueError(f"payload of {len(payload)} bytes exceeds the protocol's frame size")
    body = length.to_bytes(2, "big") + payload
    return PREAMBLE + body + bytes([checksum(body)])


def encode_command(cmd: int, para: int, data: bytes = b"") -> bytes:
    return encode_frame(bytes([cmd, para]) + data)


def encode_request(command: Command, data: bytes = b"") -> bytes:
    return encode_command(command.cmd, command.para, data)


def encode_set_baud(baudrate: int) -> bytes:
    try:
        return encode_command(SET_BAUD_CMD, BAUD_SELECTORS[baudrate])
    except KeyError:
        known = ", ".join(str(b) for b in BAUD_SELECTORS)
        raise ValueError(f"the reader cannot run at {baudrate} baud (known: {known})") from None


def encode_reply(sw3: int, data: bytes = b"", sw1: int = 0, sw2: int = 0) -> bytes:
    return encode_frame(bytes([sw1, sw2, sw3]) + data)


@dataclass(frozen=True)
class Reply:
    sw1: int
    sw2: int
    sw3: int
    data: bytes

    @property
    def ok(self) -> bool:
        return self.sw3 in (ResultCode.SUCCESS, ResultCode.CARD_FOUND)

    @property
    def meaning(self) -> str:
        return describe_result(self.sw3)

    @classmethod
    def from_payload(cls, payload: bytes) -> Reply:
        if len(payload) < 3:
            raise BadLength(f"a reply needs SW1 SW2 SW3, got {len(payload)} bytes")
        return cls(payload[0], payload[1], payload[2], bytes(payload[3:]))


@dataclass(frozen=True)
class Request:
    cmd: int
    para: int
    data: bytes

    @property
    def code(self) -> int:
        return (self.cmd << 8) | self.para

    @classmethod
    def from_payload(cls, payload: bytes) -> Request:
        if len(payload) < 2:
            raise BadLength(f"a command needs CMD PARA, got {len(payload)} bytes")
        return cls(payload[0], payload[1], bytes(payload[2:]))


def decode_frame(frame: bytes, min_len: int = MIN_LEN) -> bytes:
    """The payload of exactly one whole frame; any defect raises a ``FrameError``."""
    if not frame.startswith(PREAMBLE):
        if PREAMBLE.startswith(frame):
            raise TruncatedFrame(f"only {len(frame)} bytes of a frame")
        raise BadPreamble("the frame does not start with AA AA AA 96 69")
    if len(frame) < HEADER_SIZE:
        raise TruncatedFrame(f"only {len(frame)} bytes of a frame")
    length = int.from_bytes(frame[5:7], "big")
    if not min_len <= length <= MAX_LEN:
        raise BadLength(f"LEN {length} outside {min_len}..{MAX_LEN}")
    expected = HEADER_SIZE + length
    if len(frame) < expected:
        raise TruncatedFrame(f"frame cut short: {len(frame)} of {expected} bytes")
    if len(frame) > expected:
        raise BadLength(f"{len(frame) - expected} bytes after the frame's end")
    body = frame[5:-1]
    if checksum(body) != frame[-1]:
        raise BadChecksum(f"checksum {frame[-1]:02X}, computed {checksum(body):02X}")
    return bytes(frame[7:-1])


def decode_reply(frame: bytes) -> Reply:
    return Reply.from_payload(decode_frame(frame, MIN_REPLY_LEN))


def decode_request(frame: bytes) -> Request:
    return Request.from_payload(decode_frame(frame, MIN_LEN))


class FrameParser:
    """Splits a byte stream into frame payloads, resynchronising after damage.

    ``feed`` returns, in stream order, each whole frame's payload or the ``FrameError`` that
    cost the stream some bytes. A bad LEN or checksum discards only the first preamble byte, so
    a real frame hiding right behind a false start is still found.
    """

    def __init__(self, min_len: int = MIN_LEN, max_len: int = MAX_LEN) -> None:
        self._buffer = bytearray()
        self.min_len = min_len
        self.max_len = max_len

    @property
    def pending(self) -> int:
        """Bytes held back, waiting for the rest of a frame."""
        return len(self._buffer)

    def pending_bytes(self) -> bytes:
        return bytes(self._buffer)

    def reset(self) -> bytes:
        """Forget a partial frame (after a timeout); returns what was dropped."""
        dropped = bytes(self._buffer)
        self._buffer.clear()
        return dropped

    def feed(self, data: bytes) -> list[bytes | FrameError]:
        self._buffer += data
        return list(self._drain())

    def _drain(self) -> Iterator[bytes | FrameError]:
        buf = self._buffer
        while buf:
            start = buf.find(PREAMBLE)
            if start < 0:
                # keep a tail that might be the start of a preamble
                keep = 0
                for size in range(min(len(PREAMBLE) - 1, len(buf)), 0, -1):
                    if PREAMBLE.startswith(bytes(buf[-size:])):
                        keep = size
                        break
                if len(buf) > keep:
                    skipped = bytes(buf[: len(buf) - keep])
                    del buf[: len(buf) - keep]
                    yield Garbage(f"{len(skipped)} bytes of garbage", skipped)
                return
            if start > 0:
                skipped = bytes(buf[:start])
                del buf[:start]
                yield Garbage(f"{len(skipped)} bytes of garbage before a frame", skipped)
            if len(buf) < HEADER_SIZE:
                return
            length = int.from_bytes(buf[5:7], "big")
            if not self.min_len <= length <= self.max_len:
                skipped = bytes(buf[:1])
                del buf[:1]
                yield BadLength(f"LEN {length} outside {self.min_len}..{self.max_len}", skipped)
                continue
            end = HEADER_SIZE + length
            if len(buf) < end:
                return
            frame = bytes(buf[:end])
            if checksum(frame[5:-1]) != frame[-1]:
                del buf[:1]
                yield BadChecksum(
                    f"checksum {frame[-1]:02X}, computed {checksum(frame[5:-1]):02X}", frame[:1]
                )
                continue
            del buf[:end]
            yield frame[7:-1]
