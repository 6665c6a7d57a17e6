"""The kiosk's side of New Year (the calls screens/kiosk_app.py makes): booking days and
slots, walk-in tickets, on-site bookings and the close of the day, with a fixed clock on
2026-12-20, 2026-12-31 and 2027-01-02, without a 2027 file, with one, and with a draft."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from kiosk.calendar_files import load_calendar
from kiosk.domain.calendar import HolidayCalendar
from kiosk.services import add_booking, close_day, take_ticket
from kiosk.services.slots import booking_days, free_slots
from tests.hall_fixtures import StoreFactory
from tests.services.people import person

SUNDAY_BEFORE = datetime(2026, 12, 20, 9, 0)
NEW_YEARS_EVE = datetime(2026, 12, 31, 9, 0)
JANUARY_2 = datetime(2027, 1, 2, 9, 0)
SERVICE = "social-insurance"  # an on-the-spot item, served at weekends too


@pytest.fixture
def case_calendar(calendar_case: str) -> HolidayCalendar:
    return load_calendar()


def test_booking_days_across_new_year(
    make_store: StoreFactory, calendar_case: str, case_calendar: HolidayCalendar
) -> None:
    store = make_store()
    store.calendar = case_calendar
    known = calendar_case != "no-2027"

    before = booking_days(store, SERVICE, SUNDAY_BEFORE, limit=20)
    assert [d.day for d in before.days][-1] == date(2026, 12, 31)  # 1-3 Jan: holidays or unknown
    assert all(not d.provisional for d in before.days)
    assert before.unknown_from == (None if known else date(2027, 1, 1))
    if known:
        assert before.note == ""
    else:
        assert "1月1日起的日期：2027年节假日安排未发布，暂不能预约。" in before.note

    eve = booking_days(store, SERVICE, NEW_YEARS_EVE, limit=20)
    if known:
        # 4 January's cut-off is 31 December 14:00: still bookable at 09:00.
        assert eve.days[0].day == date(2027, 1, 4) and eve.days[0].open_slots > 0
        assert all(d.provisional == (calendar_case == "provisional-2027") for d in eve.days)
        assert ("暂定" in eve.note) == (calendar_case == "provisional-2027")
    else:
        assert eve.days == [] and eve.unknown_from == date(2027, 1, 1)
        assert "2027年节假日安排未发布" in eve.note

    after = booking_days(store, SERVICE, JANUARY_2, limit=20)
    if known:
        assert after.days[0].day == date(2027, 1, 5)  # 4 January closed on 31 December 14:00
    else:
        assert after.days == [] and after.unknown_from == date(2027, 1, 2)
        assert after.note.startswith("1月2日起的日期：2027年节假日安排未发布")
    # The slot list of one day says the same as the day list.
    slots = free_slots(store, SERVICE, date(2027, 1, 5), JANUARY_2)
    assert bool(slots) is known


def test_tickets_bookings_and_closing_in_january(
    make_store: StoreFactory, calendar_case: str, case_calendar: HolidayCalendar
) -> None:
    store = make_store()
    store.calendar = case_calendar
    monday = datetime(2027, 1, 4, 10, 0)
    ticket = take_ticket(store, SERVICE, monday)
    booking = add_booking(
        store, person(sequence=401), SERVICE, datetime(2027, 1, 5, 9, 0), monday, channel="on_site"
    )
    if calendar_case == "no-2027":
        assert not ticket.issued and ticket.reason == "closed_today"
        assert "2027年节假日安排未发布" in ticket.message
        assert booking.booking is None and booking.reason == "no_calendar"
        assert booking.message == "2027年节假日安排未发布，暂不能预约该日。"
    else:
        assert ticket.issued
        assert booking.booking is not None
        assert ("暂定" in booking.message) == (calendar_case == "provisional-2027")
    for now in (SUNDAY_BEFORE, NEW_YEARS_EVE, JANUARY_2.replace(hour=18)):
        close_day(store, now)  # never an error, whatever the calendar knows


def test_the_notes_are_in_the_english_catalogue(
    make_store: StoreFactory, calendar_case: str, case_calendar: HolidayCalendar
) -> None:
    from kiosk.i18n import use_language

    store = make_store()
    store.calendar = case_calendar
    with use_language("en"):
        note = booking_days(store, SERVICE, NEW_YEARS_EVE, limit=20).note
    if calendar_case == "no-2027":
        assert (
            note
            == "Dates from 1/1 on cannot be booked yet: the holidays of 2027 are not published."
        )
    elif calendar_case == "provisional-2027":
        assert "provisional until the State Council's notice is published" in note
    else:
        assert note == ""
