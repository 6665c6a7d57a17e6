"""The ESC/POS commands a ticket is made of, as bytes.

Only the subset every Chinese 58/80 mm thermal printer understands (Epson TM-T88 lineage,
Xprinter, Gprinter, Sunmi...): initialise, alignment, character size, bold, Chinese mode with
GB18030 text, a raster image (``GS v 0``), the printer's own QR code (``GS ( k``), feed and cut,
and the real-time status request (``DLE EOT n``). ``hardware.printer.decode`` reads the same
subset back, for the preview, the simulator and the tests.
"""

from __future__ import annotations

ESC = 0x1B
GS = 0x1D
FS = 0x1C
DLE = 0x10
EOT = 0x04
LF = b"\n"

INIT = b"\x1b@"
CHINESE_ON = b"\x1c&"  # FS &: two-byte (GB2312/GBK/GB18030) characters
CHINESE_OFF = b"\x1c."  # FS .: back to one-byte characters
CUT = b"\x1dV\x42\x00"  # GS V 66 0: feed to the cutter, then partial cut
RASTER_BAND_ROWS = 256  # many printers cap one GS v 0 block; bands are stacked seamlessly

ALIGN = {"left": 0, "center": 1, "right": 2}

# DLE EOT n: real-time status; the printer answers one byte even while offline.
STATUS_PRINTER = 1
STATUS_OFFLINE_CAUSE = 2
STATUS_ERROR_CAUSE = 3
STATUS_PAPER = 4


def align(where: str) -> bytes:
    return bytes((ESC, ord("a"), ALIGN[where]))


def bold(on: bool) -> bytes:
    return bytes((ESC, ord("E"), 1 if on else 0))


def size(width: int, height: int) -> bytes:
    """GS ! n: character width and height multipliers, 1-8 each."""
    if not (1 <= width <= 8 and 1 <= height <= 8):
        raise ValueError(f"character size {width}x{height}: each must be 1-8")
    return bytes((GS, ord("!"), ((width - 1) << 4) | (height - 1)))


def feed(lines: int) -> bytes:
    return bytes((ESC, ord("d"), max(0, min(255, lines))))


def gb18030_text(text: str) -> bytes:
    """A line of text in the printer's Chinese mode; ASCII stays one byte per character."""
    return CHINESE_ON + text.encode("gb18030") + CHINESE_OFF


def status_request(n: int) -> bytes:
    if n not in (1, 2, 3, 4):
        raise ValueError(f"DLE EOT {n}: n must be 1-4")
    return bytes((DLE, EOT, n))


def raster(width: int, height: int, rows: bytes) -> bytes:
    """``GS v 0`` blocks for a 1-bit image, packed MSB first, 1 = black, ``ceil(width/8)`` per row.

    Split into bands of ``RASTER_BAND_ROWS`` rows: a long ticket in one block overflows the
    receive buffer of cheap printers.
    """
    row_bytes = (width + 7) // 8
    if len(rows) != row_bytes * height:
        raise ValueError(f"raster of {width}x{height} needs {row_bytes * height} bytes")
    out = bytearray()
    for top in range(0, height, RASTER_BAND_ROWS):
        band = min(RASTER_BAND_ROWS, height - top)
        out += bytes((GS, ord("v"), ord("0"), 0))
        out += row_bytes.to_bytes(2, "little") + band.to_bytes(2, "little")
        out += rows[top * row_bytes : (top + band) * row_bytes]
    return bytes(out)


def _qr_function(fn: int, data: bytes) -> bytes:
    body = bytes((49, fn)) + data  # cn = 49: QR code
    return bytes((GS, ord("("), ord("k"))) + len(body).to_bytes(2, "little") + body


def qr(content: str, module: int = 6, level: str = "M") -> bytes:
    """The printer's own QR code: model 2, module size, error level, store, print."""
    levels = {"L": 48, "M": 49, "Q": 50, "H": 51}
    if not 1 <= module <= 16:
        raise ValueError("QR module size must be 1-16 dots")
    data = content.encode("utf-8")
    if not data or len(data) > 7000:
        raise ValueError("QR content must be 1-7000 bytes")
    return (
        _qr_function(65, bytes((50, 0)))  # fn 165: model 2
        + _qr_function(67, bytes((module,)))  # fn 167: module size
        + _qr_function(69, bytes((levels[level],)))  # fn 169: error correction
        + _qr_function(80, b"0" + data)  # fn 180: store the data
        + _qr_function(81, b"0")  # fn 181: print it
    )
