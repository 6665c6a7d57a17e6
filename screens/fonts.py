"""The one CJK font of every screen, registered once as Kivy's default.

Kivy's bundled Roboto has no Chinese glyphs (every character becomes a box). WenQuanYi Micro Hei
covers Simplified Chinese and Latin in one face; Noto CJK's collection opens at its Japanese face
first, so it is only a fallback.
"""

from __future__ import annotations

import os
from pathlib import Path

FONT_ENV = "KIOSK_FONT"
CANDIDATES: tuple[str, ...] = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)

_registered: str | None = None


class FontMissing(RuntimeError):
    """No font with Chinese glyphs is installed."""


def find_cjk_font() -> Path:
    override = os.environ.get(FONT_ENV)
    if override:
        path = Path(override)
        if not path.is_file():
            raise FontMissing(f"{FONT_ENV}={override}: no such font file")
        return path
    for candidate in CANDIDATES:
        if Path(candidate).is_file():
            return Path(candidate)
    raise FontMissing(
        "no Chinese font found (tried "
        + ", ".join(CANDIDATES)
        + "); install fonts-wqy-microhei or set "
        + FONT_ENV
    )


def register_cjk_font() -> str:
    """Make the CJK font Kivy's default for every Label; returns its path. Idempotent."""
    global _registered
    if _registered is None:
        from kivy.core.text import DEFAULT_FONT, LabelBase

        path = str(find_cjk_font())
        LabelBase.register(DEFAULT_FONT, path)
        _registered = path
    return _registered
