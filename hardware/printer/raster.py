"""The raster way of printing Chinese: draw the ticket with Pillow and a CJK font.

Any ESC/POS printer prints a ``GS v 0`` image, whatever code pages it has, so this is the mode
that always works. The font is WenQuanYi Micro Hei (Debian ``fonts-wqy-microhei``): it draws
Simplified Chinese shapes, where Noto CJK's first face is the Japanese one. ``KIOSK_CJK_FONT``
names another font file.

Ink is drawn white on black in an 8-bit image and converted to 1-bit: Pillow then packs ink as
1 bits, MSB first, exactly the ``GS v 0`` layout, with no per-pixel Python loop.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from hardware.printer import commands as cmd
from hardware.printer.layout import Block, Number, Qr, Rule, Space, Text, qr_module, wrap_tokens
from hardware.printer.profiles import PrinterProfile

DEFAULT_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
FONT_ENV = "KIOSK_CJK_FONT"
BASE_PX = 24  # font A height: raster type matches the printer's own type size
LINE_GAP = 6
MARGIN = 8
NUMBER_MAX_PX = {58: 150, 80: 200}


class FontMissing(RuntimeError):
    """No CJK font to draw the ticket with; the message says what to install."""


def font_path() -> Path:
    path = Path(os.environ.get(FONT_ENV) or DEFAULT_FONT)
    if not path.is_file():
        raise FontMissing(
            f"CJK font {path} not found: install the Debian package fonts-wqy-microhei "
            f"or set {FONT_ENV} to a font file with Simplified Chinese glyphs"
        )
    return path


@lru_cache(maxsize=32)
def _font(path: str, px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, px, index=0)


def font(px: int) -> ImageFont.FreeTypeFont:
    return _font(str(font_path()), px)


def _wrap(text: str, face: ImageFont.FreeTypeFont, width: int, indent_px: int) -> list[str]:
    """Greedy wrap by measured width; Chinese breaks anywhere, Latin words at spaces."""
    lines: list[str] = []
    line = ""
    room = width
    for token in wrap_tokens(text, _cjk):
        candidate = line + token
        if face.getlength(candidate) <= room or not line.strip():
            while face.getlength(candidate) > room and len(candidate) > 1:
                # a single token wider than the line: hard break it
                cut = len(candidate) - 1
                while cut > 1 and face.getlength(candidate[:cut]) > room:
                    cut -= 1
                lines.append(candidate[:cut])
                candidate = candidate[cut:]
                room = width - indent_px
            line = candidate
            continue
        lines.append(line.rstrip())
        line = "" if token == " " else token
        room = width - indent_px
    if line.strip() or not lines:
        lines.append(line.rstrip())
    return lines


def _cjk(ch: str) -> bool:
    return ord(ch) > 0x2E7F


def _x(align: str, width: float, dots: int) -> int:
    if align == "center":
        return int((dots - width) / 2)
    if align == "right":
        return int(dots - MARGIN - width)
    return MARGIN


@dataclass(frozen=True)
class DrawnLine:
    """One line of type as drawn: its text and the dots it spans across the paper, so a test
    can hold the decoded image against what should be on it."""

    text: str
    left: int
    right: int
    px: int


class _Canvas:
    """Blocks drawn one under the other on a strip as wide as the paper's printable dots."""

    def __init__(self, dots: int) -> None:
        self.dots = dots
        self.image = Image.new("L", (dots, 4096), 0)
        self.draw = ImageDraw.Draw(self.image)
        self.y = 0
        self.lines: list[DrawnLine] = []

    def text(self, block: Text) -> None:
        px = BASE_PX * max(1, min(4, block.scale))
        face = font(px)
        while block.shrink and px > BASE_PX and face.getlength(block.text) > self.dots - 2 * MARGIN:
            px -= 2
            face = font(px)
        indent_px = int(face.getlength(" ") * block.indent)
        for index, line in enumerate(_wrap(block.text, face, self.dots - 2 * MARGIN, indent_px)):
            width = face.getlength(line)
            x = _x(block.align, width, self.dots) + (
                indent_px if index and block.align == "left" else 0
            )
            self._ensure(int(face.size) + LINE_GAP)
            self.draw.text((x, self.y), line, font=face, fill=255)
            if block.bold:
                self.draw.text((x + 1, self.y), line, font=face, fill=255)
            self.lines.append(DrawnLine(line, x, x + int(width) + int(block.bold), px))
            self.y += int(face.size) + LINE_GAP

    def number(self, block: Number, paper_mm: int) -> None:
        px = NUMBER_MAX_PX[paper_mm]
        face = font(px)
        while px > BASE_PX and face.getlength(block.text) > self.dots - 2 * MARGIN:
            px -= 4
            face = font(px)
        left, top, right, bottom = map(int, face.getbbox(block.text))
        self._ensure(bottom - top + 2 * LINE_GAP)
        x = _x("center", right - left, self.dots) - left
        self.draw.text((x, self.y + LINE_GAP - top), block.text, font=face, fill=255)
        self.lines.append(DrawnLine(block.text, x + left, x + right, px))
        self.y += bottom - top + 2 * LINE_GAP

    def rule(self) -> None:
        self._ensure(BASE_PX)
        middle = self.y + BASE_PX // 2
        for x in range(MARGIN, self.dots - MARGIN, 12):
            self.draw.line((x, middle, x + 6, middle), fill=255, width=2)
        self.y += BASE_PX

    def qr(self, block: Qr, module: int) -> None:
        import qrcode

        code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
        code.add_data(block.content)
        code.make(fit=True)
        matrix = code.get_matrix()
        side = len(matrix) * module
        self._ensure(side + LINE_GAP)
        left = (self.dots - side) // 2
        for row, bits in enumerate(matrix):
            for col, bit in enumerate(bits):
                if bit:
                    x, y = left + col * module, self.y + row * module
                    self.draw.rectangle((x, y, x + module - 1, y + module - 1), fill=255)
        self.y += side + LINE_GAP
        self.text(Text(block.caption, align="center"))

    def space(self, lines: int) -> None:
        self._ensure(lines * (BASE_PX + LINE_GAP))
        self.y += lines * (BASE_PX + LINE_GAP)

    def _ensure(self, height: int) -> None:
        if self.y + height > self.image.height:
            grown = Image.new("L", (self.dots, max(self.image.height * 2, self.y + height)), 0)
            grown.paste(self.image, (0, 0))
            self.image = grown
            self.draw = ImageDraw.Draw(self.image)

    def take(self) -> Image.Image | None:
        """The drawn strip as a 1-bit image (1 = ink), or ``None`` when nothing was drawn."""
        if self.y == 0:
            return None
        strip = self.image.crop((0, 0, self.dots, self.y)).convert("1", dither=Image.Dither.NONE)
        self.image = Image.new("L", (self.dots, 4096), 0)
        self.draw = ImageDraw.Draw(self.image)
        self.y = 0
        return strip


def _raster_bytes(strip: Image.Image) -> bytes:
    return cmd.align("left") + cmd.raster(strip.width, strip.height, strip.tobytes())


def render_blocks(
    blocks: list[Block], profile: PrinterProfile, lines: list[DrawnLine] | None = None
) -> list[Image.Image | Qr]:
    """The ticket as strips of 1-bit image, with native QR codes left between them; ``lines``
    (when given) receives every line of type drawn."""
    canvas = _Canvas(profile.dots)
    if lines is not None:
        canvas.lines = lines
    parts: list[Image.Image | Qr] = []
    for block in blocks:
        if isinstance(block, Text):
            canvas.text(block)
        elif isinstance(block, Number):
            canvas.number(block, profile.paper_mm)
        elif isinstance(block, Rule):
            canvas.rule()
        elif isinstance(block, Space):
            canvas.space(block.lines)
        elif isinstance(block, Qr):
            if profile.native_qr:
                strip = canvas.take()
                if strip is not None:
                    parts.append(strip)
                parts.append(block)  # the printer draws it; its caption starts the next strip
                canvas.text(Text(block.caption, align="center"))
            else:
                canvas.qr(block, qr_module(profile))
    strip = canvas.take()
    if strip is not None:
        parts.append(strip)
    return parts


def encode_raster(blocks: list[Block], profile: PrinterProfile) -> bytes:
    out = bytearray()
    for part in render_blocks(blocks, profile):
        if isinstance(part, Qr):
            out += cmd.align("center") + cmd.qr(part.content, module=qr_module(profile)) + cmd.LF
        else:
            out += _raster_bytes(part)
    return bytes(out)
