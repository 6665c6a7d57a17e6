"""The window clerk's actions and the close of the day, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from kiosk.domain.hall import QueueSettings
from kiosk.services import (
    add_booking,
    call_next,
    calls_since,
    check_in,
    close_day,
    close_window,
    complete_service,
    find_ticket,
    no_show,
    pause_window,
    queue_overview,
    recall,
    resume_window,
    service_windows,
    start_service,
    take_ticket,
    transfer,
)
from kiosk.services.errors import (
    InvalidTransition,
    NoCurrentTicket,
    RecallExpired,
    UnknownWindow,
    WindowNotOpen,
)
from kiosk.store.hallstore import HallStore
from kiosk.store.models import Booking, Event
from tests.services.people import person

T0 = datetime(2026, 11, 19, 9, 0)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def numbers(store: HallStore, service: str, count: int, when: datetime = T0) -> list[str]:
    out = []
    for _ in range(count):
        ticket = take_ticket(store, service, when).ticket
        assert ticket is not None
        out.append(ticket.number)
    return out


def test_call_fifo_and_nobody_waiting(store: HallStore) -> None:
    numbers(store, "social-insurance", 2)
    first = call_next(store, 3, at(1))
    second = call_next(store, 4, at(1))
    assert first.ticket is not None and first.ticket.number == "B001"
    assert first.ticket.window == 3 and first.ticket.status == "called"
    assert second.ticket is not None and second.ticket.number == "B002"
    assert call_next(store, 4, at(2)).ticket is None


def test_window_only_calls_its_services(store: HallStore) -> None:
    numbers(store, "real-estate", 1)
    assert call_next(store, 3, at(1)).ticket is None  # window 3: social insurance only
    result = call_next(store, 6, at(1))
    assert result.ticket is not None and result.ticket.number == "C001"


def test_booked_after_slot_begins_then_priority_then_walk_in(store: HallStore) -> None:
    early = datetime(2026, 11, 18, 10, 0)
    holder = person("李四", sequence=222)
    assert add_booking(store, holder, "social-insurance", datetime(2026, 11, 19, 9, 30), early)
    numbers(store, "social-insurance", 1, at(0))  # B001 walk-in
    elder = take_ticket(store, "social-insurance", at(1), person("王老五", date(1950, 1, 1), 315))
    booked = check_in(store, holder, at(5)).ticket  # B003, slot begins 09:30
    assert elder.ticket is not None and booked is not None
    # before 09:30 the booked ticket waits as a walk-in: priority first, then FIFO
    assert call_next(store, 3, at(6)).ticket.number == elder.ticket.number  # type: ignore[union-attr]
    assert call_next(store, 4, at(7)).ticket.number == "B001"  # type: ignore[union-attr]
    numbers(store, "social-insurance", 1, at(8))  # B004
    assert call_next(store, 3, at(31)).ticket.number == booked.number  # type: ignore[union-attr]


def test_cap_lets_walk_ins_through(make_store, district) -> None:
    hall = district.model_copy(update={"queue": QueueSettings(max_consecutive_priority=2)})
    store = make_store(hall)
    walk_in = take_ticket(store, "social-insurance", T0).ticket
    for index in range(4):
        elder = person("王老五", date(1950, 1, 1), 301 + index)
        take_ticket(store, "social-insurance", at(1), elder)
    called = [call_next(store, 3, at(2 + i)) for i in range(5)]
    kinds = [c.ticket.priority_group for c in called]  # type: ignore[union-attr]
    assert kinds == ["elderly", "elderly", None, "elderly", "elderly"]
    assert called[2].capped and called[2].ticket.number == walk_in.number  # type: ignore[union-attr]


def test_call_next_completes_serving_and_misses_called(store: HallStore) -> None:
    numbers(store, "social-insurance", 3)
    call_next(store, 3, at(1))
    start_service(store, 3, at(2))
    result = call_next(store, 3, at(10))
    assert result.closed_previous is not None and result.closed_previous.status == "done"
    result = call_next(store, 3, at(11))
    assert result.closed_previous is not None and result.closed_previous.status == "no_show"
    assert result.closed_previous.number == "B002"


def test_start_complete_feed_the_wait_estimate(store: HallStore) -> None:
    numbers(store, "social-insurance", 1)
    call_next(store, 3, at(1))
    started = start_service(store, 3, at(2))
    assert started.status == "serving"
    done = complete_service(store, 3, at(22))  # 20 minutes instead of the default 8
    assert done.status == "done" and done.finished_at == at(22)
    for _ in range(2):
        take_ticket(store, "social-insurance", at(23))
    third = take_ticket(store, "social-insurance", at(23)).ticket
    assert third is not None and third.ahead == 2
    assert third.wait_minutes == 20  # 2 ahead x 20 min / 2 windows


def test_recall_and_no_show_grace(store: HallStore) -> None:
    numbers(store, "social-insurance", 2)
    call_next(store, 3, at(1))
    again = recall(store, 3, at(2))
    assert again.number == "B001"
    missed = no_show(store, 3, at(3))
    assert missed.status == "no_show"
    with pytest.raises(NoCurrentTicket):
        start_service(store, 3, at(4))
    back = recall(store, 3, at(8), number="b001")  # within the 10 minutes
    assert back.status == "called" and back.window == 3
    no_show(store, 3, at(9))
    with pytest.raises(RecallExpired):
        recall(store, 3, at(20), number="B001")
    recalls = calls_since(store, 0)
    assert [c.recall for c in recalls] == [False, True, True]


def test_invalid_transitions(store: HallStore) -> None:
    numbers(store, "social-insurance", 1)
    with pytest.raises(NoCurrentTicket):
        complete_service(store, 3, at(1))
    call_next(store, 3, at(1))
    start_service(store, 3, at(2))
    with pytest.raises(InvalidTransition):
        start_service(store, 3, at(3))
    with pytest.raises(InvalidTransition):
        no_show(store, 3, at(3))
    with pytest.raises(UnknownWindow):
        call_next(store, 99, at(3))


def test_transfer_keeps_place_by_original_issue_time(store: HallStore) -> None:
    take_ticket(store, "business-registration", at(0))  # A001 at 09:00
    numbers(store, "consultation", 2, at(5))  # Z001, Z002 at 09:05
    call_next(store, 1, at(6))
    moved = transfer(store, 1, "consultation", at(7))
    assert moved.old.status == "transferred" and moved.new.number == "Z003"
    assert moved.new.queued_at == at(0)
    # window 7 serves consultation: the transferred person goes first
    assert call_next(store, 7, at(8)).ticket.number == "Z003"  # type: ignore[union-attr]
    kinds = [e.type for e in _events(store)]
    assert "ticket_transferred" in kinds


def test_pause_resume_close(store: HallStore) -> None:
    numbers(store, "social-insurance", 1)
    paused = pause_window(store, 3, at(1))
    assert paused.state == "paused"
    with pytest.raises(WindowNotOpen):
        call_next(store, 3, at(2))
    # a paused window does not count for the wait estimate
    for _ in range(2):
        take_ticket(store, "social-insurance", at(2))
    third = take_ticket(store, "social-insurance", at(2)).ticket
    assert third is not None and third.wait_minutes == 3 * 8
    resumed = resume_window(store, 3, at(3), clerk="0042")
    assert resumed.state == "open" and resumed.clerk == "0042"
    assert call_next(store, 3, at(4)).ticket is not None
    close_window(store, 4, at(5))
    states = {w.number: w.state for w in service_windows(store)}
    assert states[3] == "open" and states[4] == "closed" and states[1] == "open"
    types = [e.type for e in _events(store)]
    assert {"window_paused", "window_resumed", "window_closed"} <= set(types)


def test_queue_overview_and_find(store: HallStore) -> None:
    numbers(store, "social-insurance", 3)
    call_next(store, 3, at(1))
    overview = {q.service_id: q for q in queue_overview(store, at(2))}
    assert overview["social-insurance"].waiting == ("B002", "B003")
    assert overview["social-insurance"].called == (("B001", 3, "called"),)
    found = find_ticket(store, "B002", T0.date())
    assert found is not None and found.status == "waiting"
    assert find_ticket(store, "B009", T0.date()) is None


def test_calls_since_is_incremental(store: HallStore) -> None:
    numbers(store, "social-insurance", 2)
    call_next(store, 3, at(1))
    first = calls_since(store, 0)
    assert [c.number for c in first] == ["B001"]
    call_next(store, 4, at(2))
    later = calls_since(store, first[-1].seq)
    assert [(c.number, c.window) for c in later] == [("B002", 4)]


def test_close_day_forfeits_unclaimed_and_keeps_the_queue(store: HallStore) -> None:
    day_before = datetime(2026, 11, 18, 10, 0)
    came = person("李四", sequence=222)
    stayed_home = person("周七", sequence=223)
    add_booking(store, came, "social-insurance", datetime(2026, 11, 19, 15, 0), day_before)
    add_booking(store, stayed_home, "social-insurance", datetime(2026, 11, 19, 15, 0), day_before)
    add_booking(store, stayed_home, "real-estate", datetime(2026, 11, 20, 9, 0), day_before)
    check_in(store, came, datetime(2026, 11, 19, 15, 5))
    take_ticket(store, "social-insurance", datetime(2026, 11, 19, 16, 59))
    closing = close_day(store, datetime(2026, 11, 19, 17, 30))
    assert closing.state.value == "natural_extension"
    assert [b.service_id for b in closing.forfeited] == ["social-insurance"]
    assert closing.still_waiting == 2  # both tickets are still served
    assert take_ticket(store, "social-insurance", datetime(2026, 11, 19, 17, 31)).ticket is None
    assert call_next(store, 3, datetime(2026, 11, 19, 17, 35)).ticket is not None
    with store.read() as session:
        statuses = sorted(s for (s,) in session.execute(select(Booking.status)))
    assert statuses == ["booked", "checked_in", "forfeited"]
    again = close_day(store, datetime(2026, 11, 19, 17, 40))
    assert again.forfeited == ()
    # tickets left open overnight are cancelled the next day, never called
    nextday = close_day(store, datetime(2026, 11, 20, 8, 0))
    assert nextday.stale_cancelled == 2  # the one still waiting and the one called
    assert call_next(store, 4, datetime(2026, 11, 20, 9, 1)).ticket is None


def _events(store: HallStore) -> list[Event]:
    with store.read() as session:
        return list(session.execute(select(Event).order_by(Event.seq)).scalars())
