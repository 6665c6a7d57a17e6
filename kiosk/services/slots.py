"""Free places per slot for the on-site booking screen (现场预约).

The kiosk offers only slots the rules allow now (``booking_decision`` for the kiosk's channel)
and says how many places each has left, so a person never picks a full slot and is refused
after tapping the card. The list is the domain's ``slot_offers``, the same one the central
store's ``/slots`` and the booking desk show, with places counted as ``add_booking`` counts
them (booked, checked in, served), so the screen, the booking and the centre agree.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from kiosk.domain.booking_rules import SlotOffer, slot_offers
from kiosk.domain.calendar import UnknownYear
from kiosk.services.errors import UnknownService
from kiosk.store import repositories as repo
from kiosk.store.hallstore import HallStore


def free_slots(
    store: HallStore, service_id: str, day: date, now: datetime, channel: str = "kiosk"
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
    with store.read() as session:
        taken = repo.slot_counts(session, hall.id, service.id, day)
    return [replace(offer, taken=taken.get(offer.slot.start, 0)) for offer in allowed]
