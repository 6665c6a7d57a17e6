"""A hall clock stepping backwards (NTP correction, a wrong RTC after a power cut), on SQLite and
PostgreSQL: issuing and calling are refused while a machine is behind the store's latest time,
the fault is logged once and shown in one line, the queue keeps its arrival order, and a day's
numbers never repeat or hide under the previous day."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk.errors import ExitCode
from kiosk.services import call_next, take_ticket
from kiosk.services.queries import queue_overview
from kiosk.store import hallclock
from kiosk.store.hallclock import ClockBehind
from kiosk.store.hallstore import HallStore
from kiosk.store.models import Event, Ticket
from tests.cli_env import runner, use_store
from tests.hall_fixtures import StoreFactory

SERVICE = "social-insurance"  # B, windows 3 and 4
WEDNESDAY = datetime(2026, 11, 18, 16, 50)
THURSDAY = datetime(2026, 11, 19, 9, 0)


def events(store: HallStore) -> Counter[str]:
    with store.read() as session:
        return Counter(session.execute(select(Event.type)).scalars())


def tickets(store: HallStore) -> list[tuple[str, str, str]]:
    with store.read() as session:
        rows = session.execute(select(Ticket.day, Ticket.number, Ticket.status).order_by(Ticket.id))
        return [(day.isoformat(), number, status) for day, number, status in rows]


def test_a_clock_back_across_days_issues_and_calls_nothing(make_store: StoreFactory) -> None:
    """The field case: B001 taken on Thursday, then a kiosk's clock fell back to Wednesday
    afternoon: it issued a second "B001" under Wednesday, which no call ever reached."""
    kiosk, console = make_store(terminal="kiosk-1"), make_store(terminal="staff-3")
    assert take_ticket(kiosk, SERVICE, THURSDAY).ticket.number == "B001"  # type: ignore[union-attr]
    for attempt in range(3):
        with pytest.raises(ClockBehind) as refused:
            take_ticket(kiosk, SERVICE, WEDNESDAY + timedelta(minutes=attempt))
        assert "2026-11-18 16:5" in str(refused.value) and "2026-11-19 09:00" in str(refused.value)
        assert refused.value.exit_code == ExitCode.CLOCK_BEHIND
        with pytest.raises(ClockBehind):
            call_next(console, 3, WEDNESDAY + timedelta(minutes=attempt))
    assert tickets(kiosk) == [("2026-11-19", "B001", "waiting")]
    assert events(kiosk)["clock_behind"] == 1  # one fault, logged once
    with kiosk.read() as session:
        state = hallclock.state(session, kiosk.hall.id)
    assert state.behind_since == WEDNESDAY and state.behind_terminal == "kiosk-1"

    # the clock is right again: the fault closes by itself, numbering goes on from B001
    later = THURSDAY + timedelta(minutes=5)
    assert take_ticket(kiosk, SERVICE, later).ticket.number == "B002"  # type: ignore[union-attr]
    assert events(kiosk)["clock_ok"] == 1
    assert call_next(console, 3, later).ticket.number == "B001"  # type: ignore[union-attr]
    assert call_next(console, 4, later).ticket.number == "B002"  # type: ignore[union-attr]


def test_midnight_is_never_crossed_backwards_even_within_the_tolerance(
    make_store: StoreFactory,
) -> None:
    store = make_store()
    after_midnight = datetime(2026, 11, 19, 0, 0, 10)
    with store.write() as session:
        hallclock.confirm(session, store.hall.id, after_midnight, "test")
    assert not hallclock.is_behind(after_midnight - timedelta(seconds=5), after_midnight)
    with pytest.raises(ClockBehind), store.write_at(after_midnight - timedelta(seconds=20)):
        pass
    assert hallclock.is_behind(after_midnight - timedelta(seconds=20), after_midnight)
    with store.write_at(after_midnight + timedelta(seconds=1)):
        pass


def test_a_small_step_back_keeps_the_arrival_order(make_store: StoreFactory) -> None:
    """Within a day, a ticket taken "earlier" by a clock one minute behind was told "前面 0 人"
    and called before the people who came first. The queue orders by arrival."""
    kiosk = make_store()
    first = take_ticket(kiosk, SERVICE, THURSDAY + timedelta(minutes=1)).ticket
    second = take_ticket(kiosk, SERVICE, THURSDAY + timedelta(minutes=2)).ticket
    third = take_ticket(kiosk, SERVICE, THURSDAY + timedelta(seconds=30)).ticket  # clock -90 s
    assert first and second and third and third.ahead == 2
    queue = next(
        q for q in queue_overview(kiosk, THURSDAY + timedelta(minutes=3)) if q.service_id == SERVICE
    )
    assert queue.waiting == (first.number, second.number, third.number)
    called = [call_next(kiosk, 3, THURSDAY + timedelta(minutes=4 + i)).ticket for i in range(3)]
    assert [t.number for t in called if t] == [first.number, second.number, third.number]


def test_staff_confirm_and_the_cli(
    database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys
) -> None:
    """A machine ran a day ahead and was corrected: its store's time is the wrong one. Staff
    check the time and confirm; the refusal is a one-line exit status 4 until then."""
    use_store(monkeypatch, tmp_path, database_url, key="clock-tests-id-hash-key-0123456789abcdef")
    kiosk = runner(capsys)

    assert kiosk("ticket", "take", "--service", SERVICE, "--now", "2026-11-20T09:00")[0] == 0
    status, _out, err = kiosk("ticket", "take", "--service", SERVICE, "--now", "2026-11-19T09:30")
    assert status == ExitCode.CLOCK_BEHIND and len(err.strip().splitlines()) == 1
    assert "kiosk clock confirm" in err
    status, _out, err = kiosk("ticket", "call", "--window", "3", "--now", "2026-11-19T09:31")
    assert status == ExitCode.CLOCK_BEHIND
    status, out, _ = kiosk("clock", "status", "--now", "2026-11-19T09:31", "--json")
    assert status == ExitCode.CLOCK_BEHIND and '"behind": true' in out
    status, out, _ = kiosk("clock", "confirm", "--now", "2026-11-19T09:32")
    assert status == ExitCode.OK and "2026-11-20 09:00" in out
    status, out, _ = kiosk("ticket", "take", "--service", SERVICE, "--now", "2026-11-19T09:33")
    assert status == ExitCode.OK and out.startswith("B001")
    assert kiosk("clock", "status", "--now", "2026-11-19T09:34")[0] == ExitCode.OK
