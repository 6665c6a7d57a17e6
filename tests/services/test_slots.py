"""Free places per slot: capacity minus the bookings that hold it; refused slots not offered."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from kiosk.domain.booking_rules import day_slots
from kiosk.services import add_booking
from kiosk.services.errors import UnknownService
from kiosk.services.slots import free_slots
from kiosk.store.hallstore import HallStore
from kiosk.store.models import Booking
from tests.services.people import person

MONDAY_10 = datetime(2026, 11, 16, 10, 0)
TUESDAY = date(2026, 11, 17)
NINE = datetime(2026, 11, 17, 9, 0)
NINE_30 = datetime(2026, 11, 17, 9, 30)


def test_places_count_down_and_a_full_slot_stays_shown(store: HallStore) -> None:
    capacity = store.hall.booking.slot_capacity
    before = free_slots(store, "social-insurance", TUESDAY, MONDAY_10)
    every = day_slots(store.hall, TUESDAY, store.calendar, store.hall.services[1])
    assert [p.slot.start for p in before] == [s.start for s in every]
    assert all(p.free == capacity and not p.full for p in before)

    for index in range(capacity):
        result = add_booking(
            store, person(sequence=700 + index), "social-insurance", NINE, MONDAY_10
        )
        assert result.booking is not None
    add_booking(store, person(sequence=720), "social-insurance", NINE_30, MONDAY_10)
    add_booking(store, person(sequence=721), "real-estate", NINE_30, MONDAY_10)  # other item
    with store.write() as session:  # a cancelled booking gives its place back
        cancelled = session.query(Booking).filter(Booking.slot_start == NINE_30).first()
        assert cancelled is not None and cancelled.service_id == "social-insurance"
        cancelled.status = "cancelled"
    add_booking(store, person(sequence=722), "social-insurance", NINE_30, MONDAY_10)

    places = {p.slot.start: p for p in free_slots(store, "social-insurance", TUESDAY, MONDAY_10)}
    assert places[NINE].full and places[NINE].free == 0 and places[NINE].taken == capacity
    assert places[NINE_30].free == capacity - 1
    full = add_booking(store, person(sequence=730), "social-insurance", NINE, MONDAY_10)
    assert full.reason == "slot_full"  # the screen and the booking agree


def test_slots_the_rules_refuse_are_not_offered(store: HallStore) -> None:
    # Monday 15:00: Tuesday's slots closed at Monday 14:00 (previous working day cut-off)
    assert free_slots(store, "social-insurance", TUESDAY, datetime(2026, 11, 16, 15, 0)) == []
    wednesday = free_slots(
        store, "social-insurance", date(2026, 11, 18), datetime(2026, 11, 16, 15, 0)
    )
    assert wednesday and wednesday[0].slot.start == datetime(2026, 11, 18, 8, 30)
    # the same day: slots already begun are gone
    today = free_slots(store, "social-insurance", date(2026, 11, 16), MONDAY_10)
    assert all(p.slot.start > MONDAY_10 for p in today)
    assert free_slots(store, "social-insurance", date(2026, 11, 22), MONDAY_10) == []  # Sunday


def test_unknown_service_is_a_typed_error(store: HallStore) -> None:
    with pytest.raises(UnknownService):
        free_slots(store, "no-such-item", TUESDAY, MONDAY_10)
