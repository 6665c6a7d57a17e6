"""The sync pull across New Year: the central store already has the 2027 notice, the hall's
kiosk has no 2027 file, the file, or a draft. Bookings of the new year are pulled and kept,
their holders check in on 4 January, and the kiosk says what it knows about the days."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from kiosk.calendar_files import load_calendar, load_year_file
from kiosk.clock import FixedClock
from kiosk.domain.calendar import HolidayCalendar
from kiosk.services import close_day
from kiosk.services.slots import booking_days
from kiosk.services.tickets import CheckInOutcome, check_in
from kiosk.store.hallstore import HallStore
from sync.server.app import Central
from sync.server.models import Booking as CentralBooking
from sync.server.settings import ServerSettings
from tests.calendar_fixtures import write_2027
from tests.sync.conftest import HALL, SyncFactory, book_centrally, identity


@pytest.fixture
def settings(settings: ServerSettings, tmp_path: Path) -> ServerSettings:
    """The central store knows 2027 (its own file)."""
    year = load_year_file(write_2027(tmp_path / "central-calendar"))
    return replace(settings, calendar=HolidayCalendar({2027: year}))


def test_pull_across_new_year(
    central: Central,
    hall_store: HallStore,
    make_sync: SyncFactory,
    clock: FixedClock,
    calendar_case: str,
) -> None:
    hall_store.calendar = load_calendar()  # the kiosk's own calendar for this case
    sync = make_sync()
    clock.set(datetime(2026, 12, 20, 9, 0))
    old_year = book_centrally(central, 1, datetime(2026, 12, 31, 9, 0), channel="online")
    assert sync.pull().bookings == 1

    clock.set(datetime(2026, 12, 31, 9, 0))
    new_year = book_centrally(central, 2, datetime(2027, 1, 4, 9, 0), channel="online")
    report = sync.pull()
    assert report.bookings == 1
    kept = {b.central_id for b in _bookings(hall_store)}
    assert {old_year, new_year} <= kept  # a 2027 booking is kept without 2027 data here

    clock.set(datetime(2027, 1, 2, 9, 0))
    assert sync.pull().bookings == 0  # the pull window starts today, in the new year
    days = booking_days(hall_store, "real-estate", clock.now())
    if calendar_case == "no-2027":
        assert days.days == [] and "2027年节假日安排未发布" in days.note
    else:
        assert days.days and days.days[0].day >= date(2027, 1, 4)
    close_day(hall_store, datetime(2027, 1, 2, 18, 0))

    clock.set(datetime(2027, 1, 4, 8, 45))
    result = check_in(hall_store, identity(2), clock.now())
    assert result.outcome is CheckInOutcome.CHECKED_IN, result.message
    pushed = sync.sync_once()
    # The 31 December holder never came (given up at the close of 2 January), the 4 January
    # holder checked in (ticket issued): three events, all accepted by the central store.
    assert pushed.push.events == 3 and pushed.push.refusals == []
    with central.transaction() as session:
        statuses = {
            b: session.get(CentralBooking, {"hall_id": HALL, "id": b}).status  # type: ignore[union-attr]
            for b in (old_year, new_year)
        }
    assert statuses == {old_year: "forfeited", new_year: "checked_in"}


def _bookings(store: HallStore) -> list[Any]:
    from kiosk.store.models import Booking

    with store.read() as session:
        return list(session.query(Booking).all())
