"""Concurrent writers: capacity is never exceeded and a cursor reader misses nothing."""

from __future__ import annotations

import threading
from datetime import datetime

from sync.protocol import BookingCreate, Channel
from sync.server.bookings import changes_since, create_booking
from sync.server.errors import CentralError
from tests.central_fixtures import person


def _request(serial: int, slot: datetime) -> BookingCreate:
    return BookingCreate(
        service="real-estate",
        slot_start=slot,
        channel=Channel.ONLINE,
        name="王五",
        id_number=person(serial),
        phone="13900000000",
    )


def test_parallel_bookings_for_one_slot_never_exceed_its_capacity(central, halls) -> None:
    capacity = halls["xixia"].booking.slot_capacity
    slot = datetime(2026, 11, 28, 9, 0)
    outcomes: list[str] = []
    lock = threading.Lock()

    def book(serial: int) -> None:
        try:
            with central.transaction() as session:
                create_booking(session, central.settings, "xixia", _request(serial, slot), "t")
            outcome = "booked"
        except CentralError as error:
            outcome = error.code
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=book, args=(n,)) for n in range(capacity + 4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["booked"] * capacity + ["slot_full"] * 4


def test_a_reader_pulling_during_writes_sees_every_booking_once(central) -> None:
    hall = central.settings.halls["xixia"]
    slots = [datetime(2026, 11, 28, h, m) for h in (8, 9, 10) for m in (0, 30)]
    total = 24
    done = threading.Event()

    def write(first: int) -> None:
        for serial in range(first, total, 2):
            with central.transaction() as session:
                request = _request(serial, slots[serial % len(slots)])
                create_booking(session, central.settings, "xixia", request, "t")

    seen: list[str] = []
    cursor = 0

    def read_page() -> bool:
        nonlocal cursor
        with central.transaction() as session:
            page = changes_since(session, hall, cursor, 5)
        seen.extend(b.id for b in page.bookings)
        assert page.cursor >= cursor
        cursor = page.cursor
        return page.has_more

    writers = [threading.Thread(target=write, args=(n,)) for n in (0, 1)]
    for thread in writers:
        thread.start()
    reader = threading.Thread(target=lambda: [read_page() for _ in iter(done.is_set, True)])
    reader.start()
    for thread in writers:
        thread.join()
    done.set()
    reader.join()
    while read_page():
        pass
    assert len(seen) == total
    assert len(set(seen)) == total
