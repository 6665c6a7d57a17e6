"""Kiosks checking booked holders in while windows call, serve and complete them, in separate
processes: a completion also marks its booking served (an ORM row change in the same
transaction as the ticket update and the events), so this is the mix that could deadlock on
PostgreSQL if a booking row were locked after the event lock. Every booking must end served,
with exactly one ticket and one check-in event."""

from __future__ import annotations

import multiprocessing
import os
import time
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from kiosk.config import load_calendar
from kiosk.domain.hall import HallProfile
from kiosk.domain.identity import Identity
from kiosk.services import (
    CheckInOutcome,
    add_booking,
    call_next,
    check_in,
    complete_service,
    start_service,
)
from kiosk.store.hallstore import HallStore
from kiosk.store.models import Booking, Event, Ticket
from tests.hall_fixtures import KEY
from tests.services.people import person

WEDNESDAY = datetime(2026, 11, 18, 9, 5)
THURSDAY_NINE = datetime(2026, 11, 19, 9, 0)
SERVICE = "social-insurance"
WINDOWS = (3, 4)
fork = multiprocessing.get_context("fork")
#: Each process acts at its own simulated hour of the day (the check-ins spread over the slots,
#: the windows after the last one), which the hall clock's guard would refuse as clocks
#: stepping back; the guard is not what these tests are about.
DAY_LONG = timedelta(hours=24)


def _open(url: str, hall: HallProfile, terminal: str) -> HallStore:
    return HallStore.open(
        url, hall, load_calendar(), KEY, terminal=terminal, migrate=False, clock_tolerance=DAY_LONG
    )


def _kiosk(url: str, hall: HallProfile, people: list[tuple[Identity, datetime]], gate: Any) -> None:
    store = _open(url, hall, f"kiosk-{os.getpid()}")
    gate.wait()
    for who, at in people:
        result = check_in(store, who, at)
        assert result.outcome is CheckInOutcome.CHECKED_IN, result.message


def _window(url: str, hall: HallProfile, window: int, gate: Any, done: Any, at: datetime) -> None:
    store = _open(url, hall, f"window-{window}")
    gate.wait()
    while True:
        kiosks_finished = done.is_set()
        if call_next(store, window, at).ticket is not None:
            start_service(store, window, at)
            complete_service(store, window, at + timedelta(minutes=1))
        elif kiosks_finished:
            return
        else:
            time.sleep(0.005)


def test_check_ins_and_completions_in_parallel(database_url: str, district: HallProfile) -> None:
    store = _open(database_url, district, "setup")
    people: list[tuple[Identity, datetime]] = []
    slot = THURSDAY_NINE
    sequence = 300
    while len(people) < 16:
        who = person("王五", sequence=sequence)
        result = add_booking(store, who, SERVICE, slot, WEDNESDAY)
        if result.booking is None:  # slot full: the next one
            slot += timedelta(minutes=30)
            continue
        people.append((who, slot - timedelta(minutes=15)))
        sequence += 1
    last_check_in = max(at for _, at in people)
    gate, done = fork.Barrier(len(WINDOWS) + 2), fork.Event()
    kiosks = [
        fork.Process(target=_kiosk, args=(database_url, district, people[i::2], gate))
        for i in range(2)
    ]
    windows = [
        fork.Process(target=_window, args=(database_url, district, w, gate, done, last_check_in))
        for w in WINDOWS
    ]
    for process in kiosks + windows:
        process.start()
    for process in kiosks:
        process.join(120)
        assert process.exitcode == 0, f"kiosk exited with {process.exitcode}"
    done.set()
    for process in windows:
        process.join(120)
        assert process.exitcode == 0, f"window exited with {process.exitcode}"
    with store.read() as session:
        bookings = session.execute(select(Booking)).scalars().all()
        tickets = session.execute(select(Ticket)).scalars().all()
        events = Counter(e.type for e in session.execute(select(Event)).scalars())
    assert len(bookings) == 16 and {b.status for b in bookings} == {"served"}
    assert sorted(t.booking_id for t in tickets) == sorted(b.id for b in bookings)
    assert {t.status for t in tickets} == {"done"}
    assert events["booking_checked_in"] == events["ticket_completed"] == 16
    store.close()


def _tap(url: str, hall: HallProfile, who: Identity, at: datetime, gate: Any, out: Any) -> None:
    store = _open(url, hall, f"kiosk-{os.getpid()}")
    gate.wait()
    result = check_in(store, who, at)
    assert result.ticket is not None, result.message
    out.put((result.outcome.value, result.ticket.number))


def test_same_card_at_four_kiosks_at_once_gets_one_ticket(
    database_url: str, district: HallProfile
) -> None:
    """A kiosk retrying a tap while the first is still in flight, or a tap repeated on the next
    kiosk: one booking, one ticket, and every answer names it. (Without the lock on the
    holder's bookings PostgreSQL issued up to four tickets here, in about three runs of four.)"""
    store = _open(database_url, district, "setup")
    who = person("赵六", sequence=401)
    slot = THURSDAY_NINE + timedelta(minutes=30)
    assert add_booking(store, who, SERVICE, slot, WEDNESDAY).booking is not None
    gate, out = fork.Barrier(4), fork.Queue()
    kiosks = [
        fork.Process(
            target=_tap, args=(database_url, district, who, slot - timedelta(minutes=20), gate, out)
        )
        for _ in range(4)
    ]
    for process in kiosks:
        process.start()
    for process in kiosks:
        process.join(60)
        assert process.exitcode == 0, f"kiosk exited with {process.exitcode}"
    answers = sorted(out.get(timeout=10) for _ in kiosks)
    with store.read() as session:
        numbers = [t.number for t in session.execute(select(Ticket)).scalars()]
    assert numbers == ["B001"]
    assert answers == [("already_checked_in", "B001")] * 3 + [("checked_in", "B001")]
    store.close()
