"""Bookings made in the hall (the volunteer desk, the kiosk) and the close of the day."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from kiosk.domain.booking_rules import (
    PLACE_HOLDING_STATUSES,
    BookingDecision,
    BookingRefusal,
    PlaceRefusal,
    booking_decision,
    place_decision,
)
from kiosk.domain.identity import Identity, mask_phone, valid_phone
from kiosk.domain.schedule import HallState, day_plan, hall_state
from kiosk.domain.statuses import OPEN_TICKET_STATUSES, BookingStatus, TicketStatus
from kiosk.i18n import _
from kiosk.messages import describe_booking, describe_place, provisional_text
from kiosk.ports.hall_store import Store
from kiosk.services.tickets import forfeit, service_of
from kiosk.services.views import BookingView, booking_view


class InvalidPhone(ValueError):
    pass


@dataclass(frozen=True)
class BookingResult:
    booking: BookingView | None
    message: str
    reason: str | None = None
    decision: BookingDecision | None = field(default=None, repr=False)


def add_booking(
    store: Store,
    identity: Identity,
    service_id: str,
    slot_start: datetime,
    now: datetime,
    *,
    channel: str = "on_site",
    phone: str | None = None,
) -> BookingResult:
    """Book a slot for a person in the hall, checked against the same rules as everywhere."""
    hall = store.hall
    service = service_of(store, service_id)
    if phone is not None and not valid_phone(phone):
        raise InvalidPhone(_("电话号码格式不正确"))
    decision = booking_decision(
        hall, slot_start, now, store.calendar, channel=channel, service=service
    )
    if not decision.allowed or decision.slot is None:
        reason = decision.reason.value if decision.reason else None
        return BookingResult(None, describe_booking(decision), reason, decision)
    slot = decision.slot
    holder = store.holder_hash(identity.id_number)
    with store.unit() as uow:
        uow.lock(f"slot:{hall.id}:{service.id}:{slot.start.isoformat()}")
        held = [
            b
            for b in uow.bookings.of_holder(holder)
            if b.hall_id == hall.id
            and b.slot_start.date() == slot.start.date()
            and b.status in PLACE_HOLDING_STATUSES
        ]
        taken = uow.bookings.taken(service.id, slot.start)
        place = place_decision(slot.capacity, taken, service.id, slot.start, held)
        if place.held is not None:
            message = describe_place(place)
            return BookingResult(booking_view(place.held), message, place.refusal, decision)
        if place.refusal is PlaceRefusal.SLOT_FULL:
            return BookingResult(None, describe_place(place), place.refusal, decision)
        booking = uow.bookings.add(
            {
                "central_id": f"local-{uuid.uuid4()}",
                "hall_id": hall.id,
                "service_id": service.id,
                "slot_start": slot.start,
                "slot_end": slot.end,
                "holder_hash": holder,
                "name_masked": identity.masked_name,
                "phone_masked": mask_phone(phone) if phone else None,
                "channel": channel,
                "status": BookingStatus.BOOKED.value,
                "materials": list(service.materials_zh),
                "created_at": now,
                "updated_at": now,
                "checked_in_at": None,
            }
        )
        uow.events.add(
            "booking_created",
            now,
            {
                "booking": booking.central_id,
                "service": service.id,
                "slot_start": slot.start.isoformat(timespec="minutes"),
                "slot_end": slot.end.isoformat(timespec="minutes"),
                "holder_hash": holder,
                "name": booking.name_masked,
                "phone": booking.phone_masked,
                "channel": channel,
            },
            store.terminal,
        )
        view = booking_view(booking)
    materials = "、".join(service.materials_zh)
    message = _("预约成功：{service}，{date} {start}-{end}。").format(
        service=service.name_zh,
        date=f"{slot.start:%Y-%m-%d}",
        start=f"{slot.start:%H:%M}",
        end=f"{slot.end:%H:%M}",
    )
    if materials:
        message += _("请携带：{materials}。").format(materials=materials)
    if decision.provisional:
        message += provisional_text(slot.start.year)
    return BookingResult(view, message, None, decision)


def refusal_of(result: BookingResult) -> BookingRefusal | None:
    return result.decision.reason if result.decision is not None else None


@dataclass(frozen=True)
class DayClosing:
    state: HallState
    forfeited: tuple[BookingView, ...]
    still_waiting: int
    stale_cancelled: int


def close_day(store: Store, now: datetime) -> DayClosing:
    """The close of the day, safe to run more than once.

    Unclaimed bookings whose check-in window has ended are given up (each with an event); the
    people already holding tickets are still served (natural extension), and tickets left open
    from earlier days are cancelled so they never reach a window.
    """
    hall = store.hall
    plan = day_plan(hall, now.date(), store.calendar)
    state = hall_state(plan, now.time())
    grace = hall.booking.checkin_closes_after_end_minutes
    with store.unit() as uow:
        forfeited = []
        for booking in uow.bookings.unclaimed(now - timedelta(minutes=grace)):
            forfeit(uow, store, booking, now)
            forfeited.append(booking_view(booking))
        stale = uow.tickets.open_before(now.date())
        for ticket in stale:
            uow.tickets.update(ticket, status=TicketStatus.CANCELLED.value, finished_at=now)
            uow.events.add(
                "ticket_cancelled",
                now,
                {
                    "ticket_id": ticket.id,
                    "day": ticket.day.isoformat(),
                    "number": ticket.number,
                    "service": ticket.service_id,
                    "reason": "day_ended",
                },
                store.terminal,
            )
        open_statuses = [s.value for s in OPEN_TICKET_STATUSES]
        waiting = len(uow.tickets.on_day(now.date(), open_statuses))
        uow.events.add(
            "day_closed",
            now,
            {
                "day": now.date().isoformat(),
                "state": state.value,
                "forfeited": len(forfeited),
                "still_waiting": waiting,
                "stale_cancelled": len(stale),
            },
            store.terminal,
        )
    return DayClosing(state, tuple(forfeited), waiting, len(stale))
