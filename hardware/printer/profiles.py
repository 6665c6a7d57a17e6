"""Printer profiles: paper width and how a printer is told Chinese.

Two ways work on ordinary Chinese thermal printers, chosen per profile:

- ``gb18030``: text in the printer's Chinese mode (``FS &`` + GB18030 bytes + ``FS .``), its own
  fonts and QR command. Small jobs (≈1 KB) and crisp type, but only printers with a Chinese
  font ROM (nearly all sold in China) print it right.
- ``raster``: the whole ticket drawn by Pillow with a CJK font and sent as ``GS v 0`` images.
  Works on any ESC/POS printer, whatever its code pages, at ≈20-40 KB per ticket.

Widths are the printable dots at 203 dpi (8 dots/mm): 384 on 58 mm paper, 576 on 80 mm; the
columns are those of font A (12×24 dots, a Chinese character takes two).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ChineseMode = Literal["raster", "gb18030"]
CHINESE_MODES: tuple[ChineseMode, ...] = ("raster", "gb18030")
DOTS_PER_MM = 8
_DOTS = {58: 384, 80: 576}


class ProfileError(ValueError):
    """A printer profile that cannot exist (unknown paper width or Chinese mode)."""


@dataclass(frozen=True)
class PrinterProfile:
    paper_mm: int = 80
    chinese: ChineseMode = "raster"
    native_qr: bool = True

    def __post_init__(self) -> None:
        if self.paper_mm not in _DOTS:
            raise ProfileError(f"paper width {self.paper_mm} mm: expected 58 or 80")
        if self.chinese not in CHINESE_MODES:
            raise ProfileError(f"Chinese mode {self.chinese!r}: expected raster or gb18030")

    @property
    def dots(self) -> int:
        return _DOTS[self.paper_mm]

    @property
    def columns(self) -> int:
        """Font A half-width cells per line (12 dots each)."""
        return self.dots // 12

    @property
    def name(self) -> str:
        qr = "" if self.native_qr else "-qrimage"
        return f"{self.paper_mm}-{self.chinese}{qr}"

    @classmethod
    def from_name(cls, name: str) -> PrinterProfile:
        """``58-raster``, ``80-gb18030``, ``58-raster-qrimage``..."""
        parts = name.split("-")
        try:
            paper = int(parts[0])
        except (ValueError, IndexError):
            raise ProfileError(f"profile {name!r}: expected e.g. 58-raster or 80-gb18030") from None
        if len(parts) not in (2, 3) or (len(parts) == 3 and parts[2] != "qrimage"):
            raise ProfileError(f"profile {name!r}: expected e.g. 58-raster or 80-gb18030")
        chinese = parts[1]
        if chinese not in CHINESE_MODES:
            raise ProfileError(f"profile {name!r}: Chinese mode must be raster or gb18030")
        return cls(paper, chinese, native_qr=len(parts) == 2)
