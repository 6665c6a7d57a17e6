"""Bookings made in the hall: the same rules as every channel, capacity, no duplicates."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from kiosk.services import add_booking
from kiosk.store.hallstore import HallStore
from kiosk.store.models import Booking, Event
from tests.services.people import person

MONDAY = datetime(2026, 11, 16, 10, 0)
SLOT = datetime(2026, 11, 17, 9, 30)


def test_booking_records_masked_values_and_event(store: HallStore) -> None:
    result = add_booking(
        store,
        person("欧阳小明", sequence=501),
        "business-registration",
        SLOT,
        MONDAY,
        phone="13812345678",
    )
    assert result.booking is not None and result.reason is None
    assert "公司章程" in result.message  # all required materials told at once
    with store.read() as session:
        row = session.execute(select(Booking)).scalar_one()
        event = session.execute(select(Event)).scalar_one()
    assert row.name_masked == "欧**明" and row.phone_masked == "138****5678"
    assert row.central_id.startswith("local-") and row.materials[1] == "公司章程"
    assert event.type == "booking_created" and event.payload["phone"] == "138****5678"


def test_rules_refuse_late_or_closed(store: HallStore) -> None:
    late = add_booking(store, person(), "social-insurance", SLOT, datetime(2026, 11, 16, 14, 30))
    assert late.booking is None and late.reason == "deadline_passed"
    assert "截止" in late.message
    not_slot = add_booking(
        store, person(), "social-insurance", datetime(2026, 11, 17, 9, 10), MONDAY
    )
    assert not_slot.reason == "not_a_slot"


def test_capacity_and_duplicates(store: HallStore) -> None:
    capacity = store.hall.booking.slot_capacity
    for index in range(capacity):
        assert add_booking(
            store, person(sequence=600 + index), "social-insurance", SLOT, MONDAY
        ).booking
    full = add_booking(store, person(sequence=650), "social-insurance", SLOT, MONDAY)
    assert full.booking is None and full.reason == "slot_full"
    again = add_booking(store, person(sequence=600), "social-insurance", SLOT, MONDAY)
    assert again.reason == "already_booked"
    with store.read() as session:
        assert len(session.execute(select(Booking)).all()) == capacity
