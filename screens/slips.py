"""From the services' read models to the printer's slips, and the queue link on both.

The screen and the paper must say the same thing: both are made from the same ``TicketView``,
and the QR code on screen encodes the same link as the one printed.
"""

from __future__ import annotations

from datetime import datetime

from kiosk.domain.hall import HallProfile, Service
from kiosk.domain.slip import BookingSlip, TicketSlip
from kiosk.services.views import BookingView, TicketView


def queue_link(base_url: str | None, ticket: TicketView) -> str:
    """Where the person can follow the queue: the hall's page if it has one, else the ticket's
    own reference (a staff scanner or the hall's app can read it).

    A ticket issued by the services carries its unguessable token (``kiosk.domain.links``):
    the link is then ``<page>/q/<token>``, the live page that also takes the ticket's rating,
    and it names neither the person nor the ticket number.
    """
    path = f"{ticket.hall_id}/{ticket.day.isoformat()}/{ticket.number}"
    if base_url and ticket.link_token:
        return f"{base_url.rstrip('/')}/q/{ticket.link_token}"
    if base_url:
        return f"{base_url.rstrip('/')}/queue/{path}"
    return f"hall-kiosk:ticket/{path}"


def ticket_slip(
    ticket: TicketView, hours_today: str, phone: str | None, link: str, language: str
) -> TicketSlip:
    booked = ticket.kind == "booked"
    materials = (
        ticket.materials_en if language == "en" and ticket.materials_en else (ticket.materials_zh)
    )
    item = None
    if booked:
        item = ticket.service_name_en if language == "en" else ticket.service_name_zh
    return TicketSlip(
        hall_name_zh=ticket.hall_name_zh,
        hall_name_en=ticket.hall_name_en,
        number=ticket.number,
        service_name_zh=ticket.service_name_zh,
        service_name_en=ticket.service_name_en,
        issued_at=ticket.issued_at,
        ahead=max(0, ticket.ahead or 0),
        wait_minutes=max(0, ticket.wait_minutes or 0),
        hours_today=hours_today,
        masked_name=ticket.name_masked if booked else None,
        slot_start=ticket.slot_start if booked and ticket.slot_end else None,
        slot_end=ticket.slot_end if booked and ticket.slot_start else None,
        item_name=item,
        materials=tuple(materials) if booked else (),
        status_url=link,
        phone=phone,
        booked=booked,
        language=language,
    )


def booking_slip(
    hall: HallProfile, service: Service, booking: BookingView, now: datetime, language: str
) -> BookingSlip:
    english = language == "en"
    materials = service.materials_en if english and service.materials_en else service.materials_zh
    return BookingSlip(
        hall_name_zh=hall.name_zh,
        hall_name_en=hall.name_en,
        item_name=service.name_en if english else service.name_zh,
        slot_start=booking.slot_start,
        slot_end=booking.slot_end,
        masked_name=booking.name_masked,
        booked_at=now,
        materials=tuple(materials),
        phone=hall.phone or None,
        reference=booking.central_id,
        language=language,
    )
