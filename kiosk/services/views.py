"""Read models handed to the screens, the printer and the CLI: plain values, no ORM objects.

``TicketView`` carries everything a printed ticket and the screens show (hall, number,
service, people ahead, estimated wait, where to go, the materials to bring, the priority and
materials-only marks, masked name, slot and short code of a booking), so no adapter needs to
query the store or the hall file itself, and the screen, the paper, the console and the voice
say the same thing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from kiosk.domain.booking_code import booking_code
from kiosk.domain.hall import HallProfile, WindowGroup
from kiosk.i18n import use_language
from kiosk.messages import describe_where
from kiosk.ports.hall_store import BookingRow, TicketRecord


@dataclass(frozen=True)
class TicketView:
    id: int
    hall_id: str
    hall_name_zh: str
    hall_name_en: str
    day: date
    number: str
    service_id: str
    service_name_zh: str
    service_name_en: str
    kind: str
    priority_group: str | None
    status: str
    issued_at: datetime
    queued_at: datetime
    called_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    window: int | None = None
    ahead: int | None = None
    wait_minutes: int | None = None
    name_masked: str | None = None
    booking_central_id: str | None = None
    slot_start: datetime | None = None
    slot_end: datetime | None = None
    materials_zh: tuple[str, ...] = ()
    materials_en: tuple[str, ...] = ()
    windows: tuple[int, ...] = ()
    """The windows that serve the ticket's item (only its own window once called there)."""
    where_zh: str = ""
    where_en: str = ""
    """Where to go, ready to show or speak: "一楼A区 1、2 号任一窗口"."""
    materials_only: bool = False
    """Issued in a period that only receives this item's materials (仅接收材料)."""
    reprint: bool = False
    """This view hands out an already issued ticket again (补打): a booking holder's second tap."""

    @property
    def priority(self) -> bool:
        """The holder got a priority group (优先), e.g. 70 or older by the card."""
        return self.priority_group is not None

    @property
    def booking_code(self) -> str | None:
        """The booking's short code (``kiosk.domain.booking_code``), for booked tickets."""
        if self.booking_central_id is None:
            return None
        return booking_code(self.booking_central_id)

    def where(self, language: str) -> str:
        return self.where_en if language == "en" and self.where_en else self.where_zh

    def materials(self, language: str) -> tuple[str, ...]:
        return self.materials_en if language == "en" and self.materials_en else self.materials_zh

    link_token: str | None = None
    """The unguessable token of the ticket's phone page (``kiosk.domain.links``)."""

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["priority"] = self.priority
        data["booking_code"] = self.booking_code
        for key, value in data.items():
            if isinstance(value, datetime):
                data[key] = value.isoformat(timespec="seconds")
            elif isinstance(value, date):
                data[key] = value.isoformat()
            elif isinstance(value, tuple):
                data[key] = list(value)
        return data


@dataclass(frozen=True)
class BookingView:
    central_id: str
    service_id: str
    slot_start: datetime
    slot_end: datetime
    status: str
    name_masked: str
    channel: str
    hall_id: str

    @property
    def booking_code(self) -> str:
        """What the slip prints and a person reads out (``kiosk.domain.booking_code``)."""
        return booking_code(self.central_id)

    def as_dict(self) -> dict[str, Any]:
        return {
            "central_id": self.central_id,
            "booking_code": self.booking_code,
            "hall": self.hall_id,
            "service": self.service_id,
            "slot_start": self.slot_start.isoformat(timespec="minutes"),
            "slot_end": self.slot_end.isoformat(timespec="minutes"),
            "status": self.status,
            "name": self.name_masked,
            "channel": self.channel,
        }


def booking_view(booking: BookingRow) -> BookingView:
    return BookingView(
        booking.central_id,
        booking.service_id,
        booking.slot_start,
        booking.slot_end,
        booking.status,
        booking.name_masked,
        booking.channel,
        booking.hall_id,
    )


def ticket_view(
    hall: HallProfile,
    ticket: TicketRecord,
    *,
    ahead: int | None = None,
    wait_minutes: int | None = None,
    booking: BookingRow | None = None,
    reprint: bool = False,
) -> TicketView:
    try:
        service = hall.service(ticket.service_id)
        names = (service.name_zh, service.name_en)
    except KeyError:  # a service removed from the profile after the ticket was issued
        service = None
        names = (ticket.service_id, ticket.service_id)
    # Every ticket tells all the materials at once (一次性告知), a walk-in's too; a booking's own
    # list (as the centre told it) comes first.
    materials_zh = tuple(booking.materials or ()) if booking is not None else ()
    materials_en: tuple[str, ...] = ()
    windows: tuple[int, ...] = ()
    where_zh = where_en = ""
    if service is not None:
        materials_zh = materials_zh or service.materials_zh
        materials_en = service.materials_en
        groups = hall.directions(service.id, ticket.window)
        windows = tuple(n for group in groups for n in group.windows)
        where_zh, where_en = _where(groups)
    return TicketView(
        id=ticket.id,
        hall_id=hall.id,
        hall_name_zh=hall.name_zh,
        hall_name_en=hall.name_en,
        day=ticket.day,
        number=ticket.number,
        service_id=ticket.service_id,
        service_name_zh=names[0],
        service_name_en=names[1],
        kind=ticket.kind,
        priority_group=ticket.priority_group,
        status=ticket.status,
        issued_at=ticket.issued_at,
        queued_at=ticket.queued_at,
        called_at=ticket.called_at,
        started_at=ticket.started_at,
        finished_at=ticket.finished_at,
        window=ticket.window,
        ahead=ahead,
        wait_minutes=wait_minutes,
        name_masked=ticket.name_masked,
        booking_central_id=booking.central_id if booking is not None else None,
        slot_start=booking.slot_start if booking is not None else ticket.slot_start,
        slot_end=booking.slot_end if booking is not None else None,
        materials_zh=materials_zh,
        materials_en=materials_en,
        windows=windows,
        where_zh=where_zh,
        where_en=where_en,
        materials_only=bool(ticket.materials_only),
        reprint=reprint,
    )


def _where(groups: tuple[WindowGroup, ...]) -> tuple[str, str]:
    with use_language("zh_CN"):
        zh = describe_where(groups)
    with use_language("en"):
        en = describe_where(groups)
    return zh, en
