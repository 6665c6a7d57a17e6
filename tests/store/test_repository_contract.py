"""The repositories' contract, run on the in-memory fake, SQLite and PostgreSQL alike.

The fast service tests (``tests/services/fast``) trust the fake to behave as the store does;
these checks are what makes that trust earned: every promise a use case relies on (serials
without gaps, a call claimed once, events visible only after their unit of work, one rating
per ticket, what "newest" and "open" mean) is asserted on all three.
"""

from __future__ import annotations

import inspect
import shutil
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kiosk.domain.calendar import HolidayCalendar
from kiosk.domain.hall import HallProfile
from kiosk.domain.statuses import BookingStatus, TicketKind, TicketStatus, WindowState
from kiosk.ports.hall_store import (
    AlreadyStored,
    BookingRepository,
    EventLog,
    FollowUpRecord,
    FollowUpRepository,
    RatingRepository,
    Store,
    TicketRecord,
    TicketRepository,
    UnitOfWork,
    WindowRepository,
)
from kiosk.store.hallclock import ClockBehind
from kiosk.store.hallstore import HallStore
from kiosk.store.units import (
    SqlBookings,
    SqlEvents,
    SqlFollowUps,
    SqlRatings,
    SqlTickets,
    SqlUnitOfWork,
    SqlWindows,
)
from tests.hall_fixtures import KEY
from tests.pg import _empty
from tests.services.fast.fakes import (
    FakeBookings,
    FakeEvents,
    FakeFollowUps,
    FakeRatings,
    FakeStore,
    FakeTickets,
    FakeUnitOfWork,
    FakeWindows,
)

DAY = date(2026, 11, 18)
NINE = datetime(2026, 11, 18, 9, 0)


@pytest.fixture(params=["fake", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_store(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    calendar: HolidayCalendar,
    district: HallProfile,
) -> Iterator[Store]:
    if request.param == "fake":
        yield FakeStore(district, calendar, KEY)
        return
    if request.param == "sqlite":
        target = tmp_path / "hall.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        url = f"sqlite:///{target}"
    else:
        url = request.getfixturevalue("pg_schema_url")
        _empty(url)
    store = HallStore.open(url, district, calendar, KEY, terminal="kiosk-1", migrate=False)
    yield store
    store.close()


class Boom(Exception):
    pass


def ticket_values(
    store: Store, number: str, *, day: date = DAY, service: str = "social-insurance", **over: Any
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "hall_id": store.hall.id,
        "day": day,
        "prefix": number[0],
        "serial": int(number[1:]),
        "number": number,
        "service_id": service,
        "kind": TicketKind.WALK_IN.value,
        "priority_group": None,
        "status": TicketStatus.WAITING.value,
        "queued_at": datetime.combine(day, NINE.time()),
        "issued_at": datetime.combine(day, NINE.time()),
        "called_at": None,
        "started_at": None,
        "finished_at": None,
        "missed_at": None,
        "window": None,
        "calls": 0,
        "booking_id": None,
        "slot_start": None,
        "holder_hash": None,
        "name_masked": None,
        "transferred_from": None,
        "arrival": None,
        "materials_only": False,
        "clerk": None,
    }
    values.update(over)
    return values


def booking_values(
    store: Store, central_id: str, slot_start: datetime, **over: Any
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "central_id": central_id,
        "hall_id": store.hall.id,
        "service_id": "social-insurance",
        "slot_start": slot_start,
        "slot_end": slot_start + timedelta(minutes=30),
        "holder_hash": "h" * 64,
        "name_masked": "张*三",
        "phone_masked": None,
        "channel": "online",
        "status": BookingStatus.BOOKED.value,
        "materials": ["身份证"],
        "created_at": NINE,
        "updated_at": NINE,
        "checked_in_at": None,
    }
    values.update(over)
    return values


def add(store: Store, *tickets: dict[str, Any]) -> list[TicketRecord]:
    with store.unit() as uow:
        return [uow.tickets.add(values) for values in tickets]


def test_serials_count_per_day_and_prefix_and_a_rolled_back_unit_gives_its_serial_back(
    any_store: Store,
) -> None:
    with any_store.unit() as uow:
        assert [uow.tickets.next_serial(DAY, "B") for _ in range(2)] == [1, 2]
        assert uow.tickets.next_serial(DAY, "C") == 1
        assert uow.tickets.next_serial(DAY + timedelta(days=1), "B") == 1
    with pytest.raises(Boom), any_store.unit() as uow:
        assert uow.tickets.next_serial(DAY, "B") == 3
        raise Boom
    with any_store.unit() as uow:
        assert uow.tickets.next_serial(DAY, "B") == 3


def test_tickets_are_added_read_and_updated(any_store: Store) -> None:
    # the same number twice: what a fault could leave behind; "by number" means the newest
    first, again = add(
        any_store, ticket_values(any_store, "B001"), ticket_values(any_store, "B001", serial=101)
    )
    with any_store.unit() as uow:
        assert uow.tickets.by_id(first.id) == first
        newest = uow.tickets.by_number(DAY, "B001", for_update=True)
        assert newest is not None and newest.id == again.id
        assert uow.tickets.by_number(DAY, "B999") is None
        assert uow.tickets.by_number(DAY + timedelta(days=1), "B001") is None
        uow.tickets.update(first, status=TicketStatus.CANCELLED.value, finished_at=NINE)
        assert first.status == TicketStatus.CANCELLED.value
    with any_store.read_unit() as uow:
        stored = uow.tickets.by_id(first.id)
        assert stored is not None and stored.status == "cancelled" and stored.finished_at == NINE


def test_a_waiting_ticket_is_claimed_once_and_is_the_windows_current(any_store: Store) -> None:
    (ticket,) = add(any_store, ticket_values(any_store, "B001"))
    with any_store.unit() as uow:
        assert uow.tickets.current(3, DAY) is None
        claimed = uow.tickets.claim(ticket.id, 3, NINE, "0007")
        assert claimed is not None
        assert (claimed.status, claimed.window, claimed.calls, claimed.clerk) == (
            "called",
            3,
            1,
            "0007",
        )
        assert uow.tickets.claim(ticket.id, 4, NINE, None) is None
    with any_store.read_unit() as uow:
        current = uow.tickets.current(3, DAY, for_update=False)
        assert current is not None and current.id == ticket.id and current.called_at == NINE
        assert uow.tickets.current(4, DAY) is None


def test_the_latest_call_is_the_current_one(any_store: Store) -> None:
    later = NINE + timedelta(minutes=5)
    old, _new = add(
        any_store,
        ticket_values(any_store, "B001", status="called", window=3, called_at=later),
        ticket_values(any_store, "B002", status="serving", window=3, called_at=NINE),
    )
    with any_store.read_unit() as uow:
        current = uow.tickets.current(3, DAY, for_update=False)
        assert current is not None and current.id == old.id


def test_a_holders_open_and_walk_in_tickets(any_store: Store) -> None:
    holder = "a" * 64
    _done, waiting, called_booked, other_service = add(
        any_store,
        ticket_values(any_store, "B001", holder_hash=holder, status="done"),
        ticket_values(any_store, "B002", holder_hash=holder),
        ticket_values(any_store, "B003", holder_hash=holder, status="called", kind="booked"),
        ticket_values(any_store, "C001", holder_hash=holder, service="real-estate"),
    )
    with any_store.read_unit() as uow:
        found = uow.tickets.holder_open(DAY, "social-insurance", holder)
        assert found is not None and found.id == waiting.id
        found = uow.tickets.holder_open(DAY, "social-insurance", holder, other_than=waiting.id)
        assert found is not None and found.id == called_booked.id
        assert uow.tickets.holder_open(DAY, "social-insurance", "b" * 64) is None
        walk_in = uow.tickets.holder_walk_in(DAY, holder)
        assert walk_in is not None and walk_in.id == other_service.id
        assert uow.tickets.holder_walk_in(DAY + timedelta(days=1), holder) is None


def test_a_bookings_and_a_transfers_newest_ticket(any_store: Store) -> None:
    with any_store.unit() as uow:
        booking = uow.bookings.add(booking_values(any_store, "c-1", NINE))
    (first,) = add(any_store, ticket_values(any_store, "B001", booking_id=booking.id))
    (second,) = add(
        any_store,
        ticket_values(
            any_store,
            "C001",
            booking_id=booking.id,
            transferred_from=first.id,
            service="real-estate",
        ),
    )
    with any_store.read_unit() as uow:
        of_booking = uow.tickets.of_booking(booking.id)
        assert of_booking is not None and of_booking.id == second.id
        moved = uow.tickets.transferred_to(first.id)
        assert moved is not None and moved.id == second.id
        assert uow.tickets.transferred_to(second.id) is None


def test_waiting_candidates_and_service_history(any_store: Store) -> None:
    start = NINE - timedelta(minutes=30)
    waiting, _called, _other_day, booked, _done1, _done2 = add(
        any_store,
        ticket_values(any_store, "B001"),
        ticket_values(any_store, "B002", status="called"),
        ticket_values(any_store, "B003", day=DAY - timedelta(days=1)),
        ticket_values(
            any_store, "B004", kind="booked", slot_start=NINE, arrival=7, priority_group="elderly"
        ),
        ticket_values(
            any_store,
            "B005",
            status="done",
            started_at=start,
            finished_at=start + timedelta(minutes=6),
        ),
        ticket_values(
            any_store,
            "B006",
            status="done",
            started_at=start,
            finished_at=start + timedelta(minutes=10),
        ),
    )
    with any_store.read_unit() as uow:
        candidates = sorted(
            uow.tickets.waiting(DAY, ["social-insurance"]), key=lambda c: c.ticket_id
        )
        assert [(c.ticket_id, c.booked, c.arrival) for c in candidates] == [
            (waiting.id, False, waiting.id),
            (booked.id, True, 7),
        ]
        assert candidates[1].slot_start == NINE and candidates[1].priority_group == "elderly"
        assert uow.tickets.waiting(DAY, ["real-estate"]) == []
        assert uow.tickets.recent_service_minutes("social-insurance", 5) == [10.0, 6.0]
        assert uow.tickets.recent_service_minutes("social-insurance", 1) == [10.0]


def test_tickets_of_a_day_by_status_window_and_service(any_store: Store) -> None:
    yesterday = DAY - timedelta(days=1)
    stale, _closed, waiting, done, _missed, other = add(
        any_store,
        ticket_values(any_store, "B001", day=yesterday, status="called"),
        ticket_values(any_store, "B002", day=yesterday, status="done"),
        ticket_values(any_store, "B003"),
        ticket_values(any_store, "B004", status="done", window=3),
        ticket_values(any_store, "B005", status="no_show", window=3),
        ticket_values(any_store, "C001", service="real-estate"),
    )
    with any_store.unit() as uow:
        assert [t.id for t in uow.tickets.open_before(DAY)] == [stale.id]
        shown = uow.tickets.on_day(DAY, ["waiting", "done"])
        assert [t.id for t in shown] == [waiting.id, done.id, other.id]
        assert uow.tickets.count_by_status(3, DAY, ["done", "no_show", "transferred"]) == {
            "done": 1,
            "no_show": 1,
        }
        assert uow.tickets.count_by_status(4, DAY, ["done"]) == {}
        assert uow.tickets.waiting_by_service(DAY, ["social-insurance", "real-estate"]) == {
            "social-insurance": 1,
            "real-estate": 1,
        }
        assert uow.tickets.waiting_by_service(DAY, []) == {}


def test_bookings_by_holder_slot_and_claim(any_store: Store) -> None:
    holder = "h" * 64
    ten = NINE + timedelta(hours=1)
    with any_store.unit() as uow:
        late = uow.bookings.add(booking_values(any_store, "c-2", ten))
        early = uow.bookings.add(booking_values(any_store, "c-1", NINE))
        away = uow.bookings.add(booking_values(any_store, "c-3", NINE, hall_id="elsewhere"))
        gone = uow.bookings.add(booking_values(any_store, "c-4", NINE, status="cancelled"))
        uow.bookings.add(booking_values(any_store, "c-5", NINE, holder_hash="x" * 64))
    with any_store.unit() as uow:
        mine = uow.bookings.of_holder(holder, for_update=True)
        assert [b.central_id for b in mine] == ["c-1", "c-3", "c-4", "c-2"]
        assert uow.bookings.taken("social-insurance", NINE) == 2  # c-1 and c-5 hold places
        assert uow.bookings.taken_per_slot("social-insurance", DAY) == {NINE: 2, ten: 1}
        assert uow.bookings.taken_per_slot("real-estate", DAY) == {}
        unclaimed = uow.bookings.unclaimed(NINE + timedelta(minutes=30))
        assert [b.central_id for b in unclaimed] == ["c-1", "c-5"]
        got = uow.bookings.get(early.id)
        assert got is not None
        uow.bookings.update(got, status="checked_in", checked_in_at=NINE, updated_at=NINE)
    with any_store.read_unit() as uow:
        got = uow.bookings.get(early.id)
        assert got is not None and got.status == "checked_in" and got.checked_in_at == NINE
        assert got.materials == ["身份证"] and got.hall_id == any_store.hall.id
        assert uow.bookings.get(10_000) is None
    assert {late.central_id, away.central_id, gone.central_id} == {"c-2", "c-3", "c-4"}


def test_a_window_is_open_until_changed(any_store: Store) -> None:
    with any_store.unit() as uow:
        assert uow.windows.states() == {}
        row = uow.windows.row(3, NINE)
        assert (row.number, row.state, row.clerk, row.priority_streak) == (3, "open", None, 0)
        row.state, row.clerk, row.priority_streak = WindowState.PAUSED.value, "0007", 2
        uow.windows.update(row)
    with any_store.read_unit() as uow:
        states = uow.windows.states()
        assert list(states) == [3]
        assert (states[3].state, states[3].clerk, states[3].priority_streak) == (
            "paused",
            "0007",
            2,
        )
        assert uow.windows.row(3, NINE, for_update=False).state == "paused"


def test_events_appear_numbered_when_their_unit_ends_and_never_after_a_rollback(
    any_store: Store,
) -> None:
    with any_store.unit() as uow:
        assert uow.events.last_seq() == 0
        uow.events.add("printer_fault", NINE, {"code": "paper_out"}, "kiosk-1")
        uow.events.add("ticket_called", NINE, {"number": "B001"}, "console-3")
        assert uow.events.after(0) == []  # written when the unit of work ends
    with pytest.raises(Boom), any_store.unit() as uow:
        uow.events.add("ticket_called", NINE, {"number": "B002"}, "console-3")
        raise Boom
    with any_store.unit() as uow:
        uow.events.add("printer_ok", NINE, {}, "kiosk-1")
    with any_store.read_unit() as uow:
        events = uow.events.after(0)
        assert [e.type for e in events] == ["printer_fault", "ticket_called", "printer_ok"]
        assert events[1].payload == {"number": "B001"} and events[1].terminal == "console-3"
        assert [e.seq for e in events] == sorted({e.seq for e in events})
        assert uow.events.last_seq() == events[-1].seq
        assert [e.type for e in uow.events.after(events[0].seq, ["ticket_called"])] == [
            "ticket_called"
        ]
        assert len(uow.events.after(0, limit=2)) == 2
        kinds = ["printer_fault", "printer_ok"]
        assert uow.events.last_type(kinds, "kiosk-1") == "printer_ok"
        assert uow.events.last_type(kinds, "kiosk-2") is None


def test_one_rating_per_ticket(any_store: Store) -> None:
    done_at = NINE + timedelta(minutes=20)
    (ticket,) = add(
        any_store, ticket_values(any_store, "B001", status="done", window=3, finished_at=done_at)
    )
    values = {
        "hall_id": any_store.hall.id,
        "ticket_id": ticket.id,
        "day": DAY,
        "number": "B001",
        "service_id": "social-insurance",
        "window": 3,
        "clerk": "0007",
        "level": "satisfied",
        "reasons": [],
        "comment": None,
        "channel": "pad",
        "rated_at": done_at,
    }
    with any_store.unit() as uow:
        assert uow.ratings.of_ticket(ticket.id) is None
        rating = uow.ratings.add(values)
        assert rating.level == "satisfied"
    with pytest.raises(AlreadyStored), any_store.unit() as uow:
        uow.ratings.add({**values, "level": "dissatisfied"})
    with any_store.read_unit() as uow:
        stored = uow.ratings.of_ticket(ticket.id)
        assert stored is not None and stored.level == "satisfied" and stored.reasons == []
        before = uow.ratings.last_before(3, done_at)
        assert before is not None and before.ticket_id == ticket.id
        assert uow.ratings.last_before(3, done_at - timedelta(seconds=1)) is None
        assert uow.ratings.last_before(4, done_at) is None


def test_follow_up_copies_replace_by_ticket_and_closed_ones_are_settled(any_store: Store) -> None:
    """The sync asks the centre about the 差评 not known or not closed here; a pull replaces a
    ticket's copy; a closed one is settled and not asked about again."""
    done = [
        ticket_values(any_store, f"B00{n}", status="done", window=3, finished_at=NINE)
        for n in (1, 2, 3, 4)
    ]
    tickets = add(any_store, *done)
    levels = ["dissatisfied", "very_dissatisfied", "satisfied", "dissatisfied"]
    with any_store.unit() as uow:
        for ticket, level in zip(tickets, levels, strict=True):
            uow.ratings.add(
                {
                    "hall_id": any_store.hall.id,
                    "ticket_id": ticket.id,
                    "day": DAY if ticket.number != "B001" else DAY + timedelta(days=1),
                    "number": ticket.number,
                    "service_id": "social-insurance",
                    "window": 3,
                    "clerk": None,
                    "level": level,
                    "reasons": [],
                    "comment": None,
                    "channel": "pad",
                    "rated_at": NINE,
                }
            )
    bad = ("dissatisfied", "very_dissatisfied")
    b1, b2, _b3, b4 = (t.id for t in tickets)
    with any_store.read_unit() as uow:
        assert [r.ticket_id for r in uow.follow_ups.unsettled(bad)] == [b2, b4, b1]
        assert uow.follow_ups.of_tickets([b1, b2]) == {}

    def copy(ticket_id: int, stage: str, state: str) -> FollowUpRecord:
        return FollowUpRecord(ticket_id, stage, state, date(2026, 12, 9), None, NINE)

    with any_store.unit() as uow:
        uow.follow_ups.put([copy(b1, "visit", "open"), copy(b2, "rectify", "overdue")])
    with any_store.unit() as uow:
        closed = FollowUpRecord(b2, "closed", "closed", date(2026, 12, 9), NINE, NINE)
        uow.follow_ups.put([closed])
    with any_store.read_unit() as uow:
        assert uow.follow_ups.of_tickets([b1, b2, b4]) == {
            b1: copy(b1, "visit", "open"),
            b2: closed,
        }
        assert [r.ticket_id for r in uow.follow_ups.unsettled(bad)] == [b4, b1]


def test_a_write_behind_the_halls_latest_time_is_refused(any_store: Store) -> None:
    with any_store.unit(at=NINE) as uow:
        uow.events.add("ticket_issued", NINE, {}, "kiosk-1")
    with pytest.raises(ClockBehind), any_store.unit(at=NINE - timedelta(hours=1)):
        pass
    with any_store.unit(at=NINE + timedelta(minutes=1)) as uow:
        uow.lock("slot:any")


def test_a_taken_serial_or_central_id_is_already_stored(any_store: Store) -> None:
    add(any_store, ticket_values(any_store, "B001"))
    with pytest.raises(AlreadyStored), any_store.unit() as uow:
        uow.tickets.add({**ticket_values(any_store, "B001"), "number": "X"})
    with any_store.unit() as uow:
        uow.bookings.add(booking_values(any_store, "c-1", NINE))
    with pytest.raises(AlreadyStored), any_store.unit() as uow:
        uow.bookings.add(booking_values(any_store, "c-1", NINE + timedelta(hours=1)))
    with any_store.read_unit() as uow:
        assert uow.tickets.by_number(DAY, "X") is None
        assert len(uow.bookings.of_holder("h" * 64)) == 1


@pytest.mark.parametrize(
    ("port", "real", "fake"),
    [
        (TicketRepository, SqlTickets, FakeTickets),
        (BookingRepository, SqlBookings, FakeBookings),
        (WindowRepository, SqlWindows, FakeWindows),
        (EventLog, SqlEvents, FakeEvents),
        (RatingRepository, SqlRatings, FakeRatings),
        (FollowUpRepository, SqlFollowUps, FakeFollowUps),
        (UnitOfWork, SqlUnitOfWork, FakeUnitOfWork),
    ],
    ids=lambda item: item.__name__,
)
def test_both_implementations_take_the_ports_parameters(port: type, real: type, fake: type) -> None:
    """The type checker compares them too; this keeps the parameter names (services pass some
    by keyword) the same even where it does not run."""
    members = [
        name
        for name, member in vars(port).items()
        if not name.startswith("_") and inspect.isfunction(member)
    ]
    assert members
    for name in members:
        wanted = [
            (p.name, p.kind) for p in inspect.signature(getattr(port, name)).parameters.values()
        ]
        for implementation in (real, fake):
            found = inspect.signature(getattr(implementation, name)).parameters.values()
            assert [(p.name, p.kind) for p in found] == wanted, f"{implementation.__name__}.{name}"


def test_a_reports_range_of_tickets_bookings_and_ratings(any_store: Store) -> None:
    before, first, last, after = (DAY + timedelta(days=n) for n in (-1, 0, 1, 2))
    _early, in_first, in_last, _late = add(
        any_store,
        ticket_values(any_store, "B001", day=before),
        ticket_values(any_store, "B001", day=first, status="done", window=3, finished_at=NINE),
        ticket_values(any_store, "B001", day=last),
        ticket_values(any_store, "B001", day=after),
    )
    with any_store.unit() as uow:
        for n, slot in enumerate((NINE - timedelta(days=1), NINE + timedelta(days=1), NINE)):
            uow.bookings.add(booking_values(any_store, f"c-{n}", slot))
        uow.bookings.add(booking_values(any_store, "c-away", NINE, hall_id="elsewhere"))
        uow.ratings.add(
            {
                "hall_id": any_store.hall.id,
                "ticket_id": in_first.id,
                "day": first,
                "number": "B001",
                "service_id": "social-insurance",
                "window": 3,
                "clerk": None,
                "level": "satisfied",
                "reasons": [],
                "comment": None,
                "channel": "window_pad",
                "rated_at": NINE,
            }
        )
    with any_store.read_unit() as uow:
        assert [t.id for t in uow.tickets.between(first, last)] == [in_first.id, in_last.id]
        start = datetime.combine(first, datetime.min.time())
        slots = uow.bookings.starting_between(start, start + timedelta(days=2))
        assert [b.central_id for b in slots] == ["c-2", "c-1"]
        assert [r.ticket_id for r in uow.ratings.between(first, last)] == [in_first.id]
        assert list(uow.ratings.between(after, after)) == []
