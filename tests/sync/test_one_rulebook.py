"""One booking rulebook: the same requests get the same answers from the hall store (kiosk,
volunteer desk) and from the central store, because both decide with ``kiosk.domain``."""

from __future__ import annotations

from datetime import date, datetime

from kiosk.clock import FixedClock
from kiosk.services.bookings import add_booking
from kiosk.services.slots import free_slots
from kiosk.store.hallstore import HallStore
from sync.protocol import BookingCreate
from sync.server import bookings as central_bookings
from sync.server.app import Central
from sync.server.errors import CentralError
from tests.sync.conftest import HALL, identity, person

SATURDAY = date(2026, 11, 28)


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 28, hour, minute)


def central_answer(central: Central, serial: int, service: str, slot: datetime) -> str | None:
    request = BookingCreate(
        service=service,
        slot_start=slot,
        channel="on_site",
        name="张小三",
        id_number=person(serial),
        phone="13812345678",
    )
    try:
        with central.transaction() as session:
            central_bookings.create_booking(session, central.settings, HALL, request, "test")
    except CentralError as error:
        return error.code
    return None


def kiosk_answer(
    store: HallStore, serial: int, service: str, slot: datetime, now: datetime
) -> str | None:
    result = add_booking(store, identity(serial), service, slot, now, channel="on_site")
    return None if result.reason is None else str(result.reason)


def test_the_hall_and_the_centre_answer_alike(
    central: Central, hall_store: HallStore, clock: FixedClock
) -> None:
    capacity = hall_store.hall.booking.slot_capacity
    requests = [
        (1, "real-estate", at(9)),  # booked
        (1, "tax", at(9)),  # same slot, other item: already_booked
        (1, "real-estate", at(10)),  # same item, same day: already_booked
        (1, "tax", at(10)),  # other item, other slot: booked
        *[(10 + n, "real-estate", at(11)) for n in range(capacity)],  # fills 11:00
        (50, "real-estate", at(11)),  # slot_full
        (51, "real-estate", at(11, 10)),  # not a slot
        (52, "real-estate", datetime(2026, 11, 29, 9, 0)),  # Sunday: closed
    ]
    kiosk = [kiosk_answer(hall_store, s, item, slot, clock.now()) for s, item, slot in requests]
    centre = [central_answer(central, s, item, slot) for s, item, slot in requests]
    assert kiosk == centre
    assert kiosk[:4] == [None, "already_booked", "already_booked", None]
    assert kiosk[-3:] == ["slot_full", "not_a_slot", "closed_day"]
    # And the slot lists agree on the places left.
    kiosk_places = {
        o.slot.start: o.free
        for o in free_slots(hall_store, "real-estate", SATURDAY, clock.now(), "on_site")
    }
    with central.transaction() as session:
        hall = central.settings.halls[HALL]
        slots = central_bookings.slots_of_day(
            session, central.settings, hall, hall.service("real-estate"), SATURDAY, "on_site"
        )
    assert kiosk_places == {s.start: s.free for s in slots if s.reason != "deadline_passed"}
    assert kiosk_places[at(11)] == 0
