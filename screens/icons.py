"""Pictograms: Material Design Icons (Pictogrammers, font under the Apache 2.0 licence).

Older citizens recognise a picture of a house, a car or a pair of rings faster than a letter, and
a picture means the same in English. Each service names its icon in the hall file
(``icon = "home-city"``); a service without one gets its category's default below; the kiosk's
own buttons use the names in ``ACTION_ICONS``.

Only the font is in the repository (``screens/assets/mdi``, from the npm package ``@mdi/font``
7.4.47; see its README). The names are read from the font itself: its ``cmap`` table maps each
code point to a glyph and its ``post`` table names the glyph after the icon, so the font is the
single list of what can be chosen and no second table can drift from it. Nothing here imports
Kivy: the flows and the hall-file check use the names, ``register`` hands the font to Kivy.
"""

from __future__ import annotations

import struct
from functools import cache
from pathlib import Path

from kiosk.domain.hall import Category, HallProfile

FONT = Path(__file__).with_name("assets") / "mdi" / "materialdesignicons-webfont.ttf"
FONT_NAME = "KioskIcons"

#: A service without its own icon is shown with its category's.
CATEGORY_ICONS: dict[Category, str] = {
    Category.ON_THE_SPOT: "lightning-bolt-circle",
    Category.ONE_DAY: "calendar-check",
    Category.DECIDE_LATER: "file-document-multiple",
    Category.CONSULTATION: "chat-question",
}

#: The kiosk's own buttons and messages.
ACTION_ICONS: dict[str, str] = {
    "have_booking": "calendar-account",
    "take_ticket": "ticket-confirmation",
    "walk_in": "ticket-confirmation",
    "book": "calendar-plus",
    "guide": "clipboard-text",
    "desk": "face-agent",
    "print": "printer",
    "repeat": "volume-high",
    "back": "arrow-left-bold",
    "home": "home",
    "more_time": "timer-plus",
    "elderly": "format-size",
    "lang": "translate",
    "reprint": "printer-alert",
    "morning": "weather-sunny",
    "afternoon": "weather-sunset",
    "day": "calendar-today",
    "slot": "clock-outline",
    "ok": "check-circle",
    "warn": "alert-circle",
    "fault": "alert-octagon",
    "info": "information",
    "early": "clock-alert",
    "unknown": "account-question",
    "card": "card-account-details",
    "card_bad": "card-remove",
    "reader_down": "card-off",
    "printer_down": "printer-off",
    "store_down": "database-alert",
    "closed": "door-closed-lock",
    "working": "timer-sand",
}


class IconError(ValueError):
    """A font that cannot be read, or an icon name the font does not have."""


def _table(data: bytes, tag: bytes) -> bytes:
    (count,) = struct.unpack_from(">H", data, 4)
    for index in range(count):
        name, _checksum, offset, length = struct.unpack_from(">4sIII", data, 12 + 16 * index)
        if name == tag:
            return data[offset : offset + length]
    raise IconError(f"{FONT.name}: no {tag.decode()} table")


def _glyph_of_codepoint(cmap: bytes) -> dict[int, int]:
    """The format-12 (full Unicode) subtable: the icons live above U+FFFF."""
    (count,) = struct.unpack_from(">H", cmap, 2)
    for index in range(count):
        _platform, _encoding, offset = struct.unpack_from(">HHI", cmap, 4 + 8 * index)
        (form,) = struct.unpack_from(">H", cmap, offset)
        if form != 12:
            continue
        (groups,) = struct.unpack_from(">I", cmap, offset + 12)
        glyphs: dict[int, int] = {}
        for group in range(groups):
            start, end, glyph = struct.unpack_from(">III", cmap, offset + 16 + 12 * group)
            for codepoint in range(start, end + 1):
                glyphs[codepoint] = glyph + codepoint - start
        return glyphs
    raise IconError(f"{FONT.name}: no format-12 cmap subtable")


def _glyph_names(post: bytes) -> dict[int, str]:
    """Glyph names of a version-2.0 ``post`` table (the standard Macintosh names below index
    258 are not icons and are left out)."""
    (version,) = struct.unpack_from(">I", post, 0)
    if version != 0x00020000:
        raise IconError(f"{FONT.name}: post table version {version:#x} has no glyph names")
    (count,) = struct.unpack_from(">H", post, 32)
    indices = struct.unpack_from(f">{count}H", post, 34)
    strings: list[str] = []
    position = 34 + 2 * count
    while position < len(post):
        length = post[position]
        strings.append(post[position + 1 : position + 1 + length].decode("ascii", "replace"))
        position += 1 + length
    names = {}
    for glyph, index in enumerate(indices):
        if index >= 258 and index - 258 < len(strings):
            names[glyph] = strings[index - 258]
    return names


@cache
def codepoints(font: Path = FONT) -> dict[str, int]:
    """Every icon name of the font and its code point."""
    try:
        data = font.read_bytes()
    except OSError as error:
        raise IconError(f"{font}: cannot read the icon font ({error.strerror})") from None
    names = _glyph_names(_table(data, b"post"))
    return {
        names[glyph]: codepoint
        for codepoint, glyph in _glyph_of_codepoint(_table(data, b"cmap")).items()
        if glyph in names
    }


def glyph(name: str) -> str:
    """The character that draws icon ``name`` in ``FONT_NAME`` ("" for no icon)."""
    if not name:
        return ""
    try:
        return chr(codepoints()[name])
    except KeyError:
        raise IconError(f"unknown icon {name!r}") from None


def service_icon(hall: HallProfile, service_id: str) -> str:
    service = hall.service(service_id)
    return service.icon or CATEGORY_ICONS[service.category]


def check_hall_icons(hall: HallProfile, source: str = "") -> None:
    """Refuse a hall file that names an icon the font does not have, before any screen opens
    (one line: the file, the service and the name)."""
    known = codepoints()
    for index, service in enumerate(hall.services):
        if service.icon and service.icon not in known:
            where = f"{source or hall.id}: services[{index}].icon"
            raise IconError(
                f"{where}: {service.icon!r} is not a Material Design Icons name "
                "(see https://pictogrammers.com/library/mdi/)"
            )


def register() -> str:
    """Hand the icon font to Kivy under ``FONT_NAME`` (idempotent); returns the name."""
    from kivy.core.text import LabelBase

    LabelBase.register(FONT_NAME, str(FONT))
    return FONT_NAME
