"""Free places per slot for the on-site booking screen (现场预约).

The kiosk offers only slots the rules allow now (``booking_decision`` for the kiosk's channel)
and says how many places each has left, so a person never picks a full slot and is refused
after tapping the card. The list is the domain's ``slot_offers``, the same one the central
store's ``/slots`` and the booking desk show, with places counted as ``add_booking`` counts
them (booked, checked in, served), so the screen, the booking and the centre agree.

Across New Year the booking horizon may reach a year without holiday data: those days have no
slots, and ``booking_days`` says so (节假日安排未发布) instead of silently offering fewer days;
days of a provisional year are marked 暂定.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from kiosk.domain.booking_rules import SlotOffer, slot_offers
from kiosk.domain.calendar import UnknownYear
from kiosk.i18n import _
from kiosk.messages import provisional_text
from kiosk.ports.hall_store import Store
from kiosk.services.errors import UnknownService


def free_slots(
    store: Store, service_id: str, day: date, now: datetime, channel: str = "kiosk"
) -> list[SlotOffer]:
    """The slots of ``day`` a booking through ``channel`` may take now, each with its places.

    Slots the rules refuse (past, deadline passed, too far ahead, channel closed) are left out;
    full slots stay in, so the screen can show them as full. A day the calendar does not know
    has no slots.
    """
    hall = store.hall
    try:
        service = next(s for s in hall.services if s.id == service_id)
    except StopIteration:
        raise UnknownService(service_id, [s.id for s in hall.services]) from None
    try:
        allowed = [
            offer
            for offer in slot_offers(hall, day, now, store.calendar, service, {}, channel)
            if offer.decision.allowed
        ]
    except UnknownYear:
        return []
    if not allowed:
        return []  # nothing to count: the store is not asked
    with store.read_unit() as uow:
        taken = uow.bookings.taken_per_slot(service.id, day)
    return [replace(offer, taken=taken.get(offer.slot.start, 0)) for offer in allowed]


@dataclass(frozen=True)
class BookingDay:
    day: date
    places: list[SlotOffer]
    provisional: bool = False

    @property
    def open_slots(self) -> int:
        return sum(1 for p in self.places if not p.full)


@dataclass(frozen=True)
class BookingDays:
    """The days the booking screen offers, and what it must say about the others."""

    days: list[BookingDay]
    #: The first day of the horizon in a year without holiday data (not bookable yet).
    unknown_from: date | None = None

    @property
    def note(self) -> str:
        """One or two sentences for the screen; empty when there is nothing to add."""
        parts = []
        if self.unknown_from is not None:
            parts.append(
                _("{month}月{day}日起的日期：{year}年节假日安排未发布，暂不能预约。").format(
                    month=self.unknown_from.month,
                    day=self.unknown_from.day,
                    year=self.unknown_from.year,
                )
            )
        for year in sorted({d.day.year for d in self.days if d.provisional}):
            parts.append(provisional_text(year))
        return "".join(parts)


def booking_days(
    store: Store, service_id: str, now: datetime, channel: str = "kiosk", limit: int = 4
) -> BookingDays:
    """Up to ``limit`` days from today with a slot the rules allow now, each with its places
    (full slots kept, so a full day shows as full), within the hall's booking horizon."""
    calendar, horizon = store.calendar, store.hall.booking.days_ahead
    days: list[BookingDay] = []
    for offset in range(horizon + 1):
        day = now.date() + timedelta(days=offset)
        places = free_slots(store, service_id, day, now, channel)
        if places:
            days.append(BookingDay(day, places, calendar.info(day).provisional))
        if len(days) >= limit:
            break
    last = now.date() + timedelta(days=horizon)
    return BookingDays(days, calendar.first_unknown_day(now.date(), last))
