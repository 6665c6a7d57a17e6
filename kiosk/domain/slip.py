"""What goes on paper: the queue ticket and the on-site booking confirmation.

A slip is a plain value handed from the services to the printer adapter, so the printer never
queries the store and a ticket can be printed again, shown on screen or previewed from the same
value. Names on a slip are already masked (PIPL): the printer cannot print what it never gets.
The rules require telling every needed material at once (一次性告知), so every ticket (a
walk-in's too) and a booking confirmation carry the full materials list. A ticket also says
where to go, and carries the marks the person and the clerk must see: 优先 (priority),
仅接收材料 (materials only) and 补打 (a reprint).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kiosk.domain.booking_code import normalise_booking_code

SLIP_LANGUAGES: tuple[str, ...] = ("zh_CN", "en")


class SlipError(ValueError):
    """A slip that cannot be printed as given (empty number, negative wait, slot backwards...)."""


def _check_language(language: str) -> None:
    if language not in SLIP_LANGUAGES:
        raise SlipError(f"language {language!r}: expected one of {', '.join(SLIP_LANGUAGES)}")


def _check_slot(start: datetime | None, end: datetime | None) -> None:
    if (start is None) != (end is None):
        raise SlipError("a slot needs both slot_start and slot_end")
    if start is not None and end is not None and end <= start:
        raise SlipError(f"slot ends ({end:%H:%M}) before it starts ({start:%H:%M})")


def _check_masked(name: str | None) -> None:
    # A full name on paper would be a privacy leak; masked names always carry the mask mark.
    if name is not None and "*" not in name:
        raise SlipError("masked_name must be masked (e.g. 张*三), never the full name")


def _check_code(code: str | None) -> None:
    # The short code, never the central id: a UUID is not something a person reads out.
    if code is not None:
        try:
            normalise_booking_code(code)
        except ValueError as error:
            raise SlipError(str(error)) from None


class _HallHeading:
    """Every slip heads with the hall's name in the slip's language (English when asked for and
    the hall has an English name, else Chinese)."""

    hall_name_zh: str
    hall_name_en: str
    language: str

    @property
    def english(self) -> bool:
        return self.language == "en"

    @property
    def hall_name(self) -> str:
        return self.hall_name_en if self.english and self.hall_name_en else self.hall_name_zh


@dataclass(frozen=True)
class TicketSlip(_HallHeading):
    """Everything printed on one queue ticket, in the citizen's language (Chinese by default)."""

    hall_name_zh: str
    hall_name_en: str
    number: str
    service_name_zh: str
    service_name_en: str
    issued_at: datetime
    ahead: int
    wait_minutes: int
    hours_today: str
    masked_name: str | None = None
    slot_start: datetime | None = None
    slot_end: datetime | None = None
    item_name: str | None = None
    materials: tuple[str, ...] = ()
    status_url: str | None = None
    """The hall's queue page for this ticket; None when the hall runs none (then no QR code)."""
    phone: str | None = None
    booked: bool = False
    language: str = "zh_CN"
    where: str = ""
    """The window(s) or area to go to, in the slip's language."""
    priority: bool = False
    materials_only: bool = False
    reprint: bool = False
    printed_at: datetime | None = None
    """When a reprint was printed (the issue time stays the first one)."""
    booking_code: str | None = None

    def __post_init__(self) -> None:
        if not self.number.strip():
            raise SlipError("a ticket needs a number")
        if not self.number.isascii() or not self.number.isprintable():
            raise SlipError(f"ticket number {self.number!r}: letters and digits only")
        if self.ahead < 0:
            raise SlipError(f"ahead must not be negative (got {self.ahead})")
        if self.wait_minutes < 0:
            raise SlipError(f"wait_minutes must not be negative (got {self.wait_minutes})")
        if not isinstance(self.materials, tuple):
            raise SlipError("materials must be a tuple of strings")
        if self.printed_at is not None and not self.reprint:
            raise SlipError("printed_at is the time of a reprint: set reprint too")
        if self.status_url is not None and not self.status_url.startswith(("https://", "http://")):
            # a QR code that no phone opens only disappoints (hall-kiosk:ticket/… did)
            raise SlipError(f"status_url {self.status_url!r}: expected an http(s) address")
        _check_code(self.booking_code)
        _check_slot(self.slot_start, self.slot_end)
        _check_masked(self.masked_name)
        _check_language(self.language)

    @property
    def service_name(self) -> str:
        if self.english and self.service_name_en:
            return self.service_name_en
        return self.service_name_zh


@dataclass(frozen=True)
class BookingSlip(_HallHeading):
    """The confirmation of a booking made on the kiosk (现场预约): slot, item, all materials."""

    hall_name_zh: str
    hall_name_en: str
    item_name: str
    slot_start: datetime
    slot_end: datetime
    masked_name: str
    printed_at: datetime
    materials: tuple[str, ...] = ()
    phone: str | None = None
    booking_code: str | None = None
    language: str = "zh_CN"

    def __post_init__(self) -> None:
        if not self.item_name.strip():
            raise SlipError("a booking confirmation needs the item name")
        if not isinstance(self.materials, tuple):
            raise SlipError("materials must be a tuple of strings")
        _check_code(self.booking_code)
        _check_slot(self.slot_start, self.slot_end)
        _check_masked(self.masked_name)
        _check_language(self.language)


@dataclass(frozen=True)
class GuideSlip(_HallHeading):
    """What to bring for one item (办事指南), printed at the kiosk before anyone has booked:
    no person on it, only the item, its materials, and where to ask."""

    hall_name_zh: str
    hall_name_en: str
    item_name: str
    materials: tuple[str, ...]
    printed_at: datetime
    note: str = ""
    hours_today: str = ""
    phone: str | None = None
    language: str = "zh_CN"

    def __post_init__(self) -> None:
        if not self.item_name.strip():
            raise SlipError("a guide needs the item name")
        if not isinstance(self.materials, tuple) or not self.materials:
            raise SlipError("a guide needs its materials as a non-empty tuple of strings")
        _check_language(self.language)
