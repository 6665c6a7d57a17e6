"""A PNG of what a printer makes of a job: a renderer of the ESC/POS subset we emit.

Raster blocks are decoded bit for bit, so a raster ticket's preview is the printed image
itself. Chinese-mode text is drawn with the same CJK font at font A's 12×24-dot cell, scaled by
the ``GS !`` multipliers the way the printer scales its own glyphs; QR commands are drawn with
the module size and error level they set. The result is what tests, docs and the screens show.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageOps

from hardware.printer.decode import Command, QrCode, parse, qr_codes
from hardware.printer.layout import cells
from hardware.printer.raster import font

CELL_HEIGHT = 24
HALF_CELL = 12
LINE_HEIGHT = 30  # ESC 2 default line spacing on 203 dpi printers
PAPER_MARGIN = 16  # white paper each side of the printable width in the PNG


@lru_cache(maxsize=4096)
def _glyph(ch: str, cell: int) -> Image.Image:
    """One character fitted into its cell: printer fonts are monospaced, ours is not."""
    face = font(CELL_HEIGHT - 2)
    width = max(1, int(face.getlength(ch)))
    image = Image.new("L", (width, CELL_HEIGHT), 255)
    ImageDraw.Draw(image).text((0, 0), ch, font=face, fill=0)
    if width > cell:
        return image.resize((cell, CELL_HEIGHT))
    boxed = Image.new("L", (cell, CELL_HEIGHT), 255)
    boxed.paste(image, ((cell - width) // 2, 0))
    return boxed


class _Paper:
    def __init__(self, dots: int) -> None:
        self.dots = dots
        self.strips: list[Image.Image] = []
        self.align = "left"
        self.width_mult = 1
        self.height_mult = 1
        self.bold = False
        self.pending: list[Image.Image] = []  # pieces of the current text line

    def add(self, image: Image.Image) -> None:
        """Ink-on-white image appended under the last, placed by the current alignment."""
        row = Image.new("L", (self.dots, image.height), 255)
        if self.align == "center":
            x = (self.dots - image.width) // 2
        elif self.align == "right":
            x = self.dots - image.width
        else:
            x = 0
        row.paste(image, (max(0, x), 0))
        self.strips.append(row)

    def text(self, text: str) -> None:
        """Each character in its font A cell (12 dots, 24 for Chinese), as the printer does."""
        width = cells(text) * HALF_CELL
        glyphs = Image.new("L", (max(1, width), CELL_HEIGHT), 255)
        x = 0
        for ch in text:
            cell = cells(ch) * HALF_CELL
            if ch != " ":
                drawn = _glyph(ch, cell)
                glyphs.paste(drawn, (x, 0))
                if self.bold:
                    glyphs.paste(
                        ImageChops.darker(
                            glyphs.crop((x + 1, 0, x + 1 + cell, CELL_HEIGHT)), drawn
                        ),
                        (x + 1, 0),
                    )
            x += cell
        self.pending.append(
            glyphs.resize((max(1, width) * self.width_mult, CELL_HEIGHT * self.height_mult))
        )

    def line_feed(self) -> None:
        height = LINE_HEIGHT
        if self.pending:
            height = max(LINE_HEIGHT, max(p.height for p in self.pending) + 6)
            width = min(self.dots, sum(p.width for p in self.pending))
            line = Image.new("L", (width, height), 255)
            x = 0
            for piece in self.pending:
                line.paste(piece, (x, height - piece.height - 3))
                x += piece.width
            self.pending = []
            self.add(line)
        else:
            self.strips.append(Image.new("L", (self.dots, height), 255))

    def raster(self, width_bytes: int, rows: int, data: bytes) -> None:
        bits = Image.frombytes("1", (width_bytes * 8, rows), data)
        self.add(ImageOps.invert(bits.convert("L")))

    def qr(self, content: str, module: int, level: str) -> None:
        import qrcode
        from qrcode import constants

        levels = {
            "L": constants.ERROR_CORRECT_L,
            "M": constants.ERROR_CORRECT_M,
            "Q": constants.ERROR_CORRECT_Q,
            "H": constants.ERROR_CORRECT_H,
        }
        code = qrcode.QRCode(error_correction=levels.get(level, levels["M"]), border=0)
        code.add_data(content)
        code.make(fit=True)
        matrix = code.get_matrix()
        side = len(matrix)
        image = Image.new("L", (side, side), 255)
        image.putdata([0 if bit else 255 for row in matrix for bit in row])
        self.add(image.resize((side * module, side * module), Image.Resampling.NEAREST))

    def cut(self) -> None:
        self.line_feed() if self.pending else None
        mark = Image.new("L", (self.dots, 12), 255)
        draw = ImageDraw.Draw(mark)
        for x in range(0, self.dots, 10):
            draw.line((x, 6, x + 5, 6), fill=160)
        self.strips.append(mark)

    def image(self) -> Image.Image:
        if self.pending:
            self.line_feed()
        height = sum(strip.height for strip in self.strips) or 1
        page = Image.new("L", (self.dots + 2 * PAPER_MARGIN, height + 2 * PAPER_MARGIN), 255)
        y = PAPER_MARGIN
        for strip in self.strips:
            page.paste(strip, (PAPER_MARGIN, y))
            y += strip.height
        return page


def render(data: bytes, dots: int = 576) -> Image.Image:
    """The job as a grey-scale image of the paper (``dots`` = printable width)."""
    commands = parse(data)
    paper = _Paper(dots)
    qr_iter = iter(qr_codes(commands))
    for command in commands:
        _apply(paper, command, qr_iter)
    return paper.image()


def _apply(paper: _Paper, command: Command, qr_iter: Iterator[QrCode]) -> None:
    kind, args = command.kind, command.args
    if kind == "text":
        paper.text(str(args["text"]))
    elif kind == "lf":
        paper.line_feed()
    elif kind == "feed":
        for _ in range(command.number("lines")):
            paper.line_feed()
    elif kind == "align":
        paper.align = str(args["align"])
    elif kind == "size":
        paper.width_mult = command.number("width")
        paper.height_mult = command.number("height")
    elif kind == "bold":
        paper.bold = bool(args["on"])
    elif kind == "init":
        paper.align, paper.width_mult, paper.height_mult, paper.bold = "left", 1, 1, False
    elif kind == "raster":
        data = args["data"]
        assert isinstance(data, bytes)
        paper.raster(command.number("width_bytes"), command.number("rows"), data)
    elif kind == "qr" and args["fn"] == 81:
        code = next(qr_iter)
        paper.qr(code.content, code.module, code.level)
    elif kind == "cut":
        paper.cut()


def write_png(data: bytes, path: Path, dots: int = 576) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    render(data, dots).save(path, format="PNG", optimize=False)
    return path
