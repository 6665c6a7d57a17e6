"""Reading ESC/POS bytes back into commands: for the preview, the simulator and the tests.

``command_length`` knows how long each command of the subset is, so a stream can be cut into
commands as it arrives (the simulator answers ``DLE EOT n`` only at a command boundary, never
inside raster data that happens to hold the bytes 10 04 01). ``parse`` returns the whole list.
Bytes outside the subset are refused with ``DecodeError``, never skipped silently, so a layout
change that emits something the preview cannot show is caught by the tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hardware.printer.commands import DLE, ESC, FS, GS


class DecodeError(ValueError):
    """Bytes that are not a command of the subset this project emits."""


# Commands of fixed length, by their first two bytes.
_FIXED: dict[bytes, int] = {
    b"\x1b@": 2,
    b"\x1ba": 3,
    b"\x1bE": 3,
    b"\x1bd": 3,
    b"\x1bJ": 3,
    b"\x1b!": 3,
    b"\x1bt": 3,
    b"\x1b-": 3,
    b"\x1b2": 2,
    b"\x1b3": 3,
    b"\x1d!": 3,
    b"\x1dL": 4,
    b"\x1dW": 4,
    b"\x1dr": 3,
    b"\x1c&": 2,
    b"\x1c.": 2,
    b"\x1c!": 3,
    b"\x1cC": 3,
    b"\x10\x04": 3,
    b"\x10\x05": 3,
}


def command_length(data: bytes | bytearray, pos: int) -> int | None:
    """Length of the command (or text run) starting at ``pos``; ``None`` if not all here yet."""
    first = data[pos]
    if first >= 0x20 or first in (0x0A, 0x0D, 0x09):
        if first < 0x20:
            return 1
        end = pos
        while end < len(data) and data[end] >= 0x20:
            end += 1
        return end - pos
    if first not in (ESC, GS, FS, DLE):
        raise DecodeError(f"offset {pos}: control byte {first:#04x} is not in the subset")
    if pos + 1 >= len(data):
        return None
    head = bytes(data[pos : pos + 2])
    if head in _FIXED:
        return _FIXED[head] if pos + _FIXED[head] <= len(data) else None
    if head == b"\x1dV":
        if pos + 2 >= len(data):
            return None
        return 3 if data[pos + 2] in (0, 1, 48, 49) else 4
    if head == b"\x1dv":
        if pos + 8 > len(data):
            return None
        width_bytes = int.from_bytes(data[pos + 4 : pos + 6], "little")
        rows = int.from_bytes(data[pos + 6 : pos + 8], "little")
        length = 8 + width_bytes * rows
        return length if pos + length <= len(data) else None
    if head == b"\x1d(":
        if pos + 5 > len(data):
            return None
        length = 5 + int.from_bytes(data[pos + 3 : pos + 5], "little")
        return length if pos + length <= len(data) else None
    raise DecodeError(f"offset {pos}: command {head.hex(' ')} is not in the subset")


@dataclass(frozen=True)
class Command:
    """One command: ``kind`` names it, ``raw`` holds its bytes, ``args`` what it says."""

    kind: str
    raw: bytes
    args: dict[str, object] = field(default_factory=dict)

    def number(self, name: str) -> int:
        """A numeric argument (a count, a size, a raster's dimensions)."""
        value = self.args[name]
        if not isinstance(value, int):
            raise TypeError(f"{self.kind}: {name} is not a number: {value!r}")
        return value


def _describe(raw: bytes, chinese: bool) -> Command:
    head = raw[:2]
    if raw[0] >= 0x20:
        return Command("text", raw, {"text": raw.decode("gb18030" if chinese else "cp437")})
    if raw in (b"\n", b"\r", b"\t"):
        return Command({b"\n": "lf", b"\r": "cr", b"\t": "tab"}[raw], raw)
    simple = {
        b"\x1b@": "init",
        b"\x1c&": "chinese_on",
        b"\x1c.": "chinese_off",
    }
    if head in simple:
        return Command(simple[head], raw)
    if head == b"\x1ba":
        return Command("align", raw, {"align": ("left", "center", "right")[raw[2] % 48 % 3]})
    if head == b"\x1bE":
        return Command("bold", raw, {"on": bool(raw[2] & 1)})
    if head == b"\x1bd":
        return Command("feed", raw, {"lines": raw[2]})
    if head == b"\x1d!":
        return Command("size", raw, {"width": (raw[2] >> 4) + 1, "height": (raw[2] & 0x0F) + 1})
    if head == b"\x1dV":
        return Command("cut", raw, {"partial": raw[2] in (1, 49, 66)})
    if head == b"\x10\x04":
        return Command("status_request", raw, {"n": raw[2]})
    if head == b"\x1dr":
        return Command("transmit_status", raw, {"n": raw[2]})
    if head == b"\x1dv":
        return Command(
            "raster",
            raw,
            {
                "width_bytes": int.from_bytes(raw[4:6], "little"),
                "rows": int.from_bytes(raw[6:8], "little"),
                "data": raw[8:],
            },
        )
    if head == b"\x1d(":
        if raw[2:3] != b"k" or raw[5] != 49:
            raise DecodeError(f"GS ( {raw[2:3].hex()}: only the QR code function is in the subset")
        return Command("qr", raw, {"fn": raw[6], "data": raw[7:]})
    return Command("other", raw)


def split(data: bytes) -> list[bytes]:
    """The raw commands of a complete job; a command cut off at the end is an error."""
    pieces: list[bytes] = []
    pos = 0
    while pos < len(data):
        length = command_length(data, pos)
        if length is None:
            raise DecodeError(f"offset {pos}: command cut off at the end of the data")
        pieces.append(bytes(data[pos : pos + length]))
        pos += length
    return pieces


def parse(data: bytes) -> list[Command]:
    """Commands of a complete job. Text inside ``FS &`` … ``FS .`` is decoded as GB18030."""
    commands: list[Command] = []
    chinese = False
    for raw in split(data):
        command = _describe(raw, chinese)
        if command.kind == "chinese_on":
            chinese = True
        elif command.kind == "chinese_off":
            chinese = False
        commands.append(command)
    return commands


@dataclass(frozen=True)
class QrCode:
    content: str
    module: int
    level: str


def qr_codes(commands: list[Command]) -> list[QrCode]:
    """Each QR code the printer is told to print, with the settings in force at that moment."""
    found: list[QrCode] = []
    module, level, stored = 3, "L", b""
    for command in commands:
        if command.kind != "qr":
            continue
        fn, data = command.args["fn"], command.args["data"]
        assert isinstance(data, bytes)
        if fn == 67:
            module = data[0]
        elif fn == 69:
            level = {48: "L", 49: "M", 50: "Q", 51: "H"}.get(data[0], "?")
        elif fn == 80:
            stored = data[1:]
        elif fn == 81:
            found.append(QrCode(stored.decode("utf-8"), module, level))
    return found


def texts(commands: list[Command]) -> list[str]:
    return [str(c.args["text"]) for c in commands if c.kind == "text"]
