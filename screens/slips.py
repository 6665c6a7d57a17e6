"""From the services' read models to the printer's slips, and the queue link on both.

The screen and the paper must say the same thing: both are made from the same ``TicketView``,
and the QR code on screen encodes the same link as the one printed.
"""

from __future__ import annotations

from datetime import datetime
from io import BytesIO

from kiosk.domain.hall import HallProfile, Service
from kiosk.domain.slip import BookingSlip, TicketSlip
from kiosk.services.views import BookingView, TicketView


def queue_link(base_url: str | None, ticket: TicketView) -> str | None:
    """The hall's queue page for the ticket, or None when the hall runs none: then there is no
    QR code and no "扫码" line at all, since a code no phone opens only disappoints.

    A ticket issued by the services carries its unguessable token (``kiosk.domain.links``):
    the link is then ``<page>/q/<token>``, the live page that also takes the ticket's rating,
    and it names neither the person nor the ticket number.
    """
    if not base_url:
        return None
    if ticket.link_token:
        return f"{base_url.rstrip('/')}/q/{ticket.link_token}"
    path = f"{ticket.hall_id}/{ticket.day.isoformat()}/{ticket.number}"
    return f"{base_url.rstrip('/')}/queue/{path}"


def ticket_slip(
    ticket: TicketView,
    hours_today: str,
    phone: str | None,
    link: str | None,
    language: str,
    printed_at: datetime | None = None,
) -> TicketSlip:
    """The ticket on paper in ``language``; ``printed_at`` is now, for a reprint (补打)."""
    booked = ticket.kind == "booked"
    english = language == "en"
    item = None
    if booked:
        item = ticket.service_name_en if english else ticket.service_name_zh
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
        materials=ticket.materials(language),
        status_url=link,
        phone=phone,
        booked=booked,
        language=language,
        where=ticket.where(language),
        priority=ticket.priority,
        materials_only=ticket.materials_only,
        reprint=ticket.reprint,
        printed_at=printed_at if ticket.reprint else None,
        booking_code=ticket.booking_code if booked else None,
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
        printed_at=now,
        materials=tuple(materials),
        phone=hall.phone or None,
        booking_code=booking.booking_code,
        language=language,
    )


def qr_png(text: str, size: int = 8) -> bytes:
    """The QR code of ``text`` as PNG bytes (black on white, with its quiet zone); any thread."""
    import qrcode
    from qrcode.image.pil import PilImage

    code = qrcode.QRCode(border=2, box_size=size)
    code.add_data(text)
    code.make(fit=True)
    drawn = code.make_image(image_factory=PilImage, fill_color="black", back_color="white")
    image = drawn.get_image().convert("RGB")
    buffer = BytesIO()
    image.save(buffer, format="png")
    return buffer.getvalue()
