"""The hall's use cases on the in-memory store: no database, a few milliseconds each.

Cosmic Python's ``tests/unit/test_handlers.py`` tier: the rules of taking a ticket, checking
in, calling, transferring, booking, rating and closing the day, run through the same service
functions the kiosk and the consoles call. The same behaviours are also tested on SQLite and
PostgreSQL (``tests/services/test_*.py``), which alone can show locking, concurrency and crash
safety; the fake's faithfulness is pinned by ``tests/store/test_repository_contract.py``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from kiosk.domain.calendar import HolidayCalendar
from kiosk.domain.hall import HallProfile
from kiosk.domain.rating import RatingLevel
from kiosk.domain.statuses import BookingStatus
from kiosk.reports import build_report
from kiosk.services import (
    CheckInOutcome,
    add_booking,
    call_next,
    calls_since,
    check_in,
    close_day,
    complete_service,
    find_ticket,
    no_show,
    pause_window,
    queue_overview,
    recall,
    resume_window,
    start_service,
    take_ticket,
    transfer,
)
from kiosk.services.counts import window_counts
from kiosk.services.devices import device_alerts, record_device_fault, record_device_ok
from kiosk.services.errors import InvalidTransition, NoCurrentTicket, WindowNotOpen
from kiosk.services.queries import ticket_progress
from kiosk.services.ratings import RatingRefused, previous_rating, rate, rating_for
from kiosk.services.slots import free_slots
from kiosk.services.staff import on_duty, sign_in
from kiosk.services.tickets import walk_in_ticket_of
from kiosk.store.hallclock import ClockBehind
from tests.services.fast.fakes import FakeStore
from tests.services.people import person
from tests.terminal.clerks import PIN, with_clerks

WEDNESDAY = datetime(2026, 11, 18, 9, 5)
THURSDAY = datetime(2026, 11, 19, 9, 0)
SLOT = datetime(2026, 11, 19, 9, 30)


def at(minutes: float) -> datetime:
    return THURSDAY + timedelta(minutes=minutes)


def event_types(store: FakeStore) -> list[str]:
    return [event.type for event in store.data.events]


def book(store: FakeStore, name: str = "李四", sequence: int = 222) -> str:
    result = add_booking(
        store, person(name, sequence=sequence), "social-insurance", SLOT, WEDNESDAY
    )
    assert result.booking is not None, result.message
    return result.booking.central_id


def number(store: FakeStore, service: str, when: datetime) -> str:
    ticket = take_ticket(store, service, when).ticket
    assert ticket is not None
    return ticket.number


# --- tickets -----------------------------------------------------------------------------------


def test_walk_in_numbers_count_up_per_prefix_with_the_wait(store: FakeStore) -> None:
    tickets = [take_ticket(store, "social-insurance", WEDNESDAY).ticket for _ in range(3)]
    assert [t.number for t in tickets if t] == ["B001", "B002", "B003"]
    assert [t.ahead for t in tickets if t] == [0, 1, 2]
    assert number(store, "real-estate", WEDNESDAY) == "C001"
    assert event_types(store) == ["ticket_issued"] * 4
    assert store.commits == 4


def test_one_open_ticket_per_person_and_the_refusal_uses_no_number(store: FakeStore) -> None:
    elder = person("王老五", birth=date(1955, 3, 1), sequence=315)
    first = take_ticket(store, "social-insurance", WEDNESDAY, elder).ticket
    assert first is not None and first.priority_group == "elderly" and first.name_masked == "王*五"
    again = take_ticket(store, "social-insurance", WEDNESDAY, elder)
    assert again.ticket is None and again.reason == "already_waiting"
    assert again.existing is not None and again.existing.number == "B001"
    assert store.rollbacks == 1
    assert number(store, "social-insurance", WEDNESDAY) == "B002"  # no gap
    shown = walk_in_ticket_of(store, elder, WEDNESDAY)
    assert shown is not None and shown.number == "B001" and shown.reprint


def test_the_schedule_refuses_walk_ins_without_touching_the_store(store: FakeStore) -> None:
    result = take_ticket(store, "social-insurance", datetime(2026, 11, 18, 20, 0))
    assert result.ticket is None and result.reason is not None
    assert store.commits == 0


def test_a_clock_behind_the_hall_issues_nothing(store: FakeStore) -> None:
    number(store, "social-insurance", WEDNESDAY)
    with pytest.raises(ClockBehind):
        take_ticket(store, "social-insurance", WEDNESDAY - timedelta(minutes=30))
    assert number(store, "social-insurance", WEDNESDAY) == "B002"


# --- check-in ----------------------------------------------------------------------------------


def test_check_in_on_time_then_again_gives_the_same_ticket(store: FakeStore) -> None:
    central_id = book(store)
    who = person("李四", sequence=222)
    first = check_in(store, who, at(10))
    assert first.outcome is CheckInOutcome.CHECKED_IN
    assert first.ticket is not None and first.ticket.kind == "booked"
    assert first.ticket.booking_central_id == central_id and first.ticket.link_token
    second = check_in(store, who, at(20))
    assert second.outcome is CheckInOutcome.ALREADY_CHECKED_IN
    assert second.ticket is not None and second.ticket.number == first.ticket.number
    (booking,) = store.data.bookings.values()
    assert booking.status == BookingStatus.CHECKED_IN and booking.checked_in_at == at(10)
    assert event_types(store)[-2:] == ["ticket_issued", "booking_checked_in"]


def test_too_early_says_when_and_too_late_forfeits(store: FakeStore) -> None:
    book(store)
    who = person("李四", sequence=222)
    early = check_in(store, who, datetime(2026, 11, 19, 8, 40))
    assert early.outcome is CheckInOutcome.TOO_EARLY and early.come_back_at is not None
    late = check_in(store, who, datetime(2026, 11, 19, 10, 5))
    assert late.outcome is CheckInOutcome.TOO_LATE and late.walk_in_possible
    (booking,) = store.data.bookings.values()
    assert booking.status == BookingStatus.FORFEITED
    assert event_types(store)[-1] == "booking_forfeited"
    assert check_in(
        store, person("路人", sequence=401), datetime(2026, 11, 19, 10, 10)
    ).outcome is (CheckInOutcome.NO_BOOKING)


def test_one_booking_per_person_and_the_slot_counts_it(store: FakeStore) -> None:
    book(store)
    again = add_booking(store, person("李四", sequence=222), "social-insurance", SLOT, WEDNESDAY)
    assert again.booking is not None and again.reason is not None  # the one already held
    offers = {
        o.slot.start: o for o in free_slots(store, "social-insurance", SLOT.date(), WEDNESDAY)
    }
    assert offers[SLOT].taken == 1
    assert sum(1 for e in event_types(store) if e == "booking_created") == 1


# --- calling -----------------------------------------------------------------------------------


def test_calls_in_order_and_close_the_previous_ticket(store: FakeStore) -> None:
    for _ in range(3):
        number(store, "social-insurance", THURSDAY)
    first = call_next(store, 3, at(1))
    assert first.ticket is not None and first.ticket.number == "B001"
    start_service(store, 3, at(2))
    second = call_next(store, 3, at(10))
    assert second.ticket is not None and second.ticket.number == "B002"
    assert second.closed_previous is not None and second.closed_previous.status == "done"
    third = call_next(store, 3, at(11))
    assert third.closed_previous is not None and third.closed_previous.status == "no_show"
    assert call_next(store, 3, at(12)).ticket is None
    counts = window_counts(store, 3, THURSDAY.date())
    assert (counts.done, counts.no_show, counts.waiting_total) == (1, 2, 0)
    assert [c.number for c in calls_since(store)] == ["B001", "B002", "B003"]


def test_a_window_calls_only_its_services_and_only_when_open(store: FakeStore) -> None:
    number(store, "real-estate", THURSDAY)
    assert call_next(store, 3, at(1)).ticket is None
    pause_window(store, 6, at(1))
    with pytest.raises(WindowNotOpen):
        call_next(store, 6, at(2))
    resume_window(store, 6, at(3))
    called = call_next(store, 6, at(4)).ticket
    assert called is not None and called.number == "C001"


def test_recall_no_show_and_transitions(store: FakeStore) -> None:
    number(store, "social-insurance", THURSDAY)
    with pytest.raises(NoCurrentTicket):
        start_service(store, 3, at(1))
    call_next(store, 3, at(1))
    assert recall(store, 3, at(2)).called_at == at(2)
    assert store.data.tickets[1].calls == 2
    assert no_show(store, 3, at(3)).status == "no_show"
    back = recall(store, 3, at(4), "b001")
    assert back.status == "called"
    start_service(store, 3, at(5))
    with pytest.raises(InvalidTransition):
        no_show(store, 3, at(6))
    done = complete_service(store, 3, at(9))
    assert done.status == "done"


def test_transfer_keeps_the_place_and_the_booking(store: FakeStore) -> None:
    book(store)
    checked = check_in(store, person("李四", sequence=222), at(10)).ticket
    assert checked is not None
    call_next(store, 3, at(31))
    moved = transfer(store, 3, "real-estate", at(32))
    assert moved.old.status == "transferred" and moved.new.number == "C001"
    assert moved.new.booking_central_id == checked.booking_central_id
    overview = {q.service_id: q for q in queue_overview(store, at(33))}
    assert overview["real-estate"].waiting == ("C001",)
    found = find_ticket(store, "c001", THURSDAY.date())
    assert found is not None and found.kind == "booked"
    progress = ticket_progress(store, "C001", THURSDAY.date(), at(33))
    assert progress is not None and progress.ahead == 0 and progress.name_masked is None


def test_close_day_forfeits_unclaimed_and_cancels_stale_tickets(store: FakeStore) -> None:
    book(store)
    number(store, "social-insurance", WEDNESDAY)
    closing = close_day(store, datetime(2026, 11, 19, 18, 0))
    assert [b.status for b in closing.forfeited] == ["forfeited"]
    assert (closing.stale_cancelled, closing.still_waiting) == (1, 0)
    assert event_types(store)[-1] == "day_closed"
    again = close_day(store, datetime(2026, 11, 19, 18, 5))
    assert (again.forfeited, again.stale_cancelled) == ((), 0)


# --- ratings, staff and devices ----------------------------------------------------------------


@pytest.fixture
def hall(district: HallProfile, calendar: HolidayCalendar) -> FakeStore:
    return FakeStore(with_clerks(district), calendar, terminal="window-3")


def served(store: FakeStore) -> int:
    take_ticket(store, "social-insurance", at(0))
    ticket = call_next(store, 3, at(1)).ticket
    assert ticket is not None
    start_service(store, 3, at(1))
    complete_service(store, 3, at(6))
    return ticket.id


def test_a_finished_service_is_rated_once(hall: FakeStore) -> None:
    sign_in(hall, 3, "0317", PIN, at(0))
    assert on_duty(hall, 3, at(0)).clerk is not None
    ticket_id = served(hall)
    view = rate(hall, ticket_id, RatingLevel.SATISFIED, at(7), channel="window_pad")
    assert view.clerk == "0317" and view.window == 3
    with pytest.raises(RatingRefused) as refused:
        rate(hall, ticket_id, "very_satisfied", at(8), channel="phone")
    assert refused.value.code == "already_rated"
    found = rating_for(hall, ticket_id)
    assert found is not None and found.level is RatingLevel.SATISFIED
    (event,) = [e for e in hall.data.events if e.type == "ticket_rated"]
    assert event.payload["clerk"] == "0317" and event.payload["score"] == view.level.score
    take_ticket(hall, "social-insurance", at(9))
    call_next(hall, 3, at(10))
    shown = previous_rating(hall, 3, at(10))
    assert shown is not None and shown.ticket_id == ticket_id


def test_an_unfinished_service_cannot_be_rated(hall: FakeStore) -> None:
    take_ticket(hall, "social-insurance", at(0))
    ticket = call_next(hall, 3, at(1)).ticket
    assert ticket is not None
    with pytest.raises(RatingRefused) as refused:
        rate(hall, ticket.id, "satisfied", at(2), channel="window_pad")
    assert refused.value.code == "not_finished"
    assert hall.data.ratings == {}


def test_a_device_alert_opens_and_closes(store: FakeStore) -> None:
    assert not record_device_ok(store, "kiosk-1", "printer", at(0))
    record_device_fault(store, "kiosk-1", "printer", "paper_out", "缺纸", "B001", at(1))
    record_device_fault(store, "kiosk-1", "printer", "paper_out", "缺纸", "B002", at(2))
    board = device_alerts(store)
    (alert,) = board.alerts
    assert alert.tickets == ("B001", "B002") and alert.since == at(1)
    assert record_device_ok(store, "kiosk-1", "printer", at(3))
    assert device_alerts(store, board.seq, board).alerts == ()


def test_the_days_report_counts_what_happened(hall: FakeStore) -> None:
    ticket_id = served(hall)
    take_ticket(hall, "social-insurance", at(7))
    rate(hall, ticket_id, "satisfied", at(8), channel="window_pad")
    report = build_report(hall, THURSDAY.date(), THURSDAY.date())
    row = next(r for r in report.services if r.service_id == "social-insurance")
    assert (row.issued, row.served, row.waiting) == (2, 1, 1)
    window = next(w for w in report.windows if w.window == 3)
    assert (window.called, window.served) == (1, 1)
