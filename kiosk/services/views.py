"""Read models handed to the screens, the printer and the CLI: plain values, no ORM objects.

``TicketView`` carries everything a printed ticket and the screens show (hall, number,
service, people ahead, estimated wait, masked name, the slot and materials list of a booking),
so no adapter needs to query the store itself.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from kiosk.domain.hall import HallProfile
from kiosk.store.models import Booking, Ticket
from kiosk.store.repositories import TicketRecord


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
    link_token: str | None = None
    """The unguessable token of the ticket's phone page (``kiosk.domain.links``)."""

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
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

    def as_dict(self) -> dict[str, Any]:
        return {
            "central_id": self.central_id,
            "hall": self.hall_id,
            "service": self.service_id,
            "slot_start": self.slot_start.isoformat(timespec="minutes"),
            "slot_end": self.slot_end.isoformat(timespec="minutes"),
            "status": self.status,
            "name": self.name_masked,
            "channel": self.channel,
        }


def booking_view(booking: Booking) -> BookingView:
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
    ticket: Ticket | TicketRecord,
    *,
    ahead: int | None = None,
    wait_minutes: int | None = None,
    booking: Booking | None = None,
) -> TicketView:
    try:
        service = hall.service(ticket.service_id)
        names = (service.name_zh, service.name_en)
    except KeyError:  # a service removed from the profile after the ticket was issued
        service = None
        names = (ticket.service_id, ticket.service_id)
    materials_zh: tuple[str, ...] = ()
    materials_en: tuple[str, ...] = ()
    if booking is not None:
        materials_zh = tuple(booking.materials or ())
        if service is not None:
            materials_zh = materials_zh or service.materials_zh
            materials_en = service.materials_en
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
    )
