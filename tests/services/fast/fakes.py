"""An in-memory hall store: the repositories and unit of work of ``kiosk.ports.hall_store``
over plain dicts, for the fast tier of service tests (Cosmic Python's ``FakeUnitOfWork``).

It keeps the promises the real store's tests check, so a service test here means something:
a unit of work that raises leaves nothing behind (the state is restored, serials included);
events become visible, numbered, only when their unit of work ends; reads hand out copies of
ticket and window rows, as a database does, so a service that changes a row without
``update`` changes nothing; a second rating of a ticket is ``AlreadyStored``; a write at a
hall time behind the latest seen is ``ClockBehind``. What it cannot show (locks, two machines
at once, a crash of the process) stays with the real-store tests. ``tests/store/
test_repository_contract.py`` runs the same repository checks on this fake, SQLite and
PostgreSQL, so it cannot drift from them.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from kiosk.domain.booking_rules import PLACE_HOLDING_STATUSES
from kiosk.domain.calendar import HolidayCalendar
from kiosk.domain.follow_up import FollowUpStage
from kiosk.domain.hall import HallProfile
from kiosk.domain.identity import id_hash
from kiosk.domain.links import link_key
from kiosk.domain.queue_policy import Candidate
from kiosk.domain.statuses import (
    OPEN_TICKET_STATUSES,
    BookingStatus,
    TicketKind,
    TicketStatus,
    WindowState,
)
from kiosk.ports.hall_store import (
    AlreadyStored,
    BookingRepository,
    BookingRow,
    EventLog,
    EventRow,
    FollowUpRecord,
    FollowUpRepository,
    RatingRepository,
    RatingRow,
    Store,
    TicketRecord,
    TicketRepository,
    UnitOfWork,
    WindowRecord,
    WindowRepository,
)
from kiosk.store import hallclock

_OPEN = {status.value for status in OPEN_TICKET_STATUSES}
_AT_WINDOW = {TicketStatus.CALLED.value, TicketStatus.SERVING.value}


@dataclass
class FakeBooking:
    id: int
    central_id: str
    hall_id: str
    service_id: str
    slot_start: datetime
    slot_end: datetime
    holder_hash: str
    name_masked: str
    phone_masked: str | None
    channel: str
    status: str
    materials: list[str]
    created_at: datetime
    updated_at: datetime
    checked_in_at: datetime | None


@dataclass
class FakeRating:
    id: int
    hall_id: str
    ticket_id: int
    day: date
    number: str
    service_id: str
    window: int | None
    clerk: str | None
    level: str
    reasons: list[str]
    comment: str | None
    channel: str
    rated_at: datetime


@dataclass(frozen=True)
class FakeEvent:
    seq: int
    hall_id: str
    type: str
    at: datetime
    terminal: str | None
    payload: dict[str, Any]


@dataclass
class HallData:
    """Everything the fake store holds (one ``copy.deepcopy`` is a snapshot)."""

    tickets: dict[int, TicketRecord] = field(default_factory=dict)
    counters: dict[tuple[str, date, str], int] = field(default_factory=dict)
    bookings: dict[int, FakeBooking] = field(default_factory=dict)
    windows: dict[tuple[str, int], WindowRecord] = field(default_factory=dict)
    events: list[FakeEvent] = field(default_factory=list)
    ratings: dict[int, FakeRating] = field(default_factory=dict)
    follow_ups: dict[int, tuple[str, FollowUpRecord]] = field(default_factory=dict)
    latest_seen: dict[str, datetime] = field(default_factory=dict)
    last_id: int = 0

    def new_id(self) -> int:
        self.last_id += 1
        return self.last_id


class _Part:
    def __init__(self, data: HallData, hall_id: str) -> None:
        self.data = data
        self.hall_id = hall_id


class FakeTickets(_Part):
    def _mine(self) -> Iterator[TicketRecord]:
        return (t for t in self.data.tickets.values() if t.hall_id == self.hall_id)

    @staticmethod
    def _newest(tickets: Iterable[TicketRecord]) -> TicketRecord | None:
        found = max(tickets, key=lambda t: t.id, default=None)
        return replace(found) if found is not None else None

    def next_serial(self, day: date, prefix: str) -> int:
        key = (self.hall_id, day, prefix)
        self.data.counters[key] = self.data.counters.get(key, 0) + 1
        return self.data.counters[key]

    def add(self, values: dict[str, Any]) -> TicketRecord:
        serial = (values["hall_id"], values["day"], values["prefix"], values["serial"])
        if any(
            (t.hall_id, t.day, t.prefix, t.serial) == serial for t in self.data.tickets.values()
        ):
            raise AlreadyStored(f"serial {serial} is taken")
        ticket = TicketRecord(id=self.data.new_id(), **values)
        self.data.tickets[ticket.id] = replace(ticket)
        return ticket

    def update(self, ticket: TicketRecord, **values: Any) -> None:
        stored = self.data.tickets[ticket.id]
        for key, value in values.items():
            setattr(ticket, key, value)
            setattr(stored, key, value)

    def claim(
        self, ticket_id: int, window: int, now: datetime, clerk: str | None
    ) -> TicketRecord | None:
        ticket = self.data.tickets.get(ticket_id)
        if ticket is None or ticket.status != TicketStatus.WAITING.value:
            return None
        ticket.status = TicketStatus.CALLED.value
        ticket.window, ticket.called_at, ticket.clerk = window, now, clerk
        ticket.calls += 1
        return replace(ticket)

    def by_id(self, ticket_id: int) -> TicketRecord | None:
        ticket = self.data.tickets.get(ticket_id)
        if ticket is None or ticket.hall_id != self.hall_id:
            return None
        return replace(ticket)

    def by_number(self, day: date, number: str, *, for_update: bool = False) -> TicketRecord | None:
        return self._newest(t for t in self._mine() if t.day == day and t.number == number)

    def current(self, window: int, day: date, *, for_update: bool = True) -> TicketRecord | None:
        at_window = [
            t
            for t in self._mine()
            if t.day == day and t.window == window and t.status in _AT_WINDOW
        ]
        if not at_window:
            return None
        return replace(max(at_window, key=lambda t: (t.called_at or datetime.min, t.id)))

    def holder_open(
        self, day: date, service_id: str, holder_hash: str, *, other_than: int | None = None
    ) -> TicketRecord | None:
        for ticket in sorted(self._mine(), key=lambda t: t.id):
            if (
                ticket.holder_hash == holder_hash
                and ticket.day == day
                and ticket.service_id == service_id
                and ticket.id != other_than
                and ticket.status in _OPEN
            ):
                return replace(ticket)
        return None

    def holder_walk_in(self, day: date, holder_hash: str) -> TicketRecord | None:
        return self._newest(
            t
            for t in self._mine()
            if t.holder_hash == holder_hash
            and t.day == day
            and t.kind == TicketKind.WALK_IN.value
            and t.status in (TicketStatus.WAITING.value, TicketStatus.CALLED.value)
        )

    def of_booking(self, booking_id: int) -> TicketRecord | None:
        return self._newest(t for t in self.data.tickets.values() if t.booking_id == booking_id)

    def transferred_to(self, ticket_id: int) -> TicketRecord | None:
        return self._newest(
            t for t in self.data.tickets.values() if t.transferred_from == ticket_id
        )

    def waiting(self, day: date, service_ids: Iterable[str]) -> list[Candidate]:
        services = set(service_ids)
        return [
            Candidate(
                t.id,
                t.service_id,
                t.queued_at,
                t.kind == TicketKind.BOOKED.value,
                t.slot_start,
                t.priority_group,
                t.arrival if t.arrival is not None else t.id,
            )
            for t in sorted(self._mine(), key=lambda t: t.id)
            if t.status == TicketStatus.WAITING.value and t.day == day and t.service_id in services
        ]

    def recent_service_minutes(self, service_id: str, limit: int) -> list[float]:
        done = [
            t
            for t in self._mine()
            if t.service_id == service_id
            and t.status == TicketStatus.DONE.value
            and t.started_at is not None
            and t.finished_at is not None
        ]
        done.sort(key=lambda t: t.finished_at or datetime.min, reverse=True)
        return [
            ((t.finished_at or t.queued_at) - (t.started_at or t.queued_at)).total_seconds() / 60
            for t in done[:limit]
        ]

    def on_day(self, day: date, statuses: Sequence[str]) -> list[TicketRecord]:
        return [
            replace(t)
            for t in sorted(self._mine(), key=lambda t: t.id)
            if t.day == day and t.status in statuses
        ]

    def open_before(self, day: date) -> list[TicketRecord]:
        return [
            replace(t)
            for t in sorted(self._mine(), key=lambda t: t.id)
            if t.day < day and t.status in _OPEN
        ]

    def count_by_status(self, window: int, day: date, statuses: Sequence[str]) -> dict[str, int]:
        counts: dict[str, int] = {}
        for t in self._mine():
            if t.day == day and t.window == window and t.status in statuses:
                counts[t.status] = counts.get(t.status, 0) + 1
        return counts

    def waiting_by_service(self, day: date, service_ids: Sequence[str]) -> dict[str, int]:
        counts: dict[str, int] = {}
        for t in self._mine():
            if (
                t.day == day
                and t.status == TicketStatus.WAITING.value
                and t.service_id in service_ids
            ):
                counts[t.service_id] = counts.get(t.service_id, 0) + 1
        return counts

    def between(self, first: date, last: date) -> list[TicketRecord]:
        return [
            replace(t) for t in sorted(self._mine(), key=lambda t: t.id) if first <= t.day <= last
        ]


class FakeBookings(_Part):
    def _placed(self, service_id: str) -> Iterator[FakeBooking]:
        return (
            b
            for b in self.data.bookings.values()
            if b.hall_id == self.hall_id
            and b.service_id == service_id
            and b.status in PLACE_HOLDING_STATUSES
        )

    def get(self, booking_id: int) -> BookingRow | None:
        return self.data.bookings.get(booking_id)

    def of_holder(self, holder_hash: str, *, for_update: bool = False) -> Sequence[BookingRow]:
        mine = [b for b in self.data.bookings.values() if b.holder_hash == holder_hash]
        return sorted(mine, key=lambda b: (b.slot_start, b.id))

    def add(self, values: dict[str, Any]) -> BookingRow:
        if any(b.central_id == values["central_id"] for b in self.data.bookings.values()):
            raise AlreadyStored(f"booking {values['central_id']}")
        booking = FakeBooking(id=self.data.new_id(), **values)
        self.data.bookings[booking.id] = booking
        return booking

    def update(self, booking: BookingRow, **values: Any) -> None:
        stored = self.data.bookings[booking.id]
        for key, value in values.items():
            setattr(stored, key, value)

    def taken(self, service_id: str, slot_start: datetime) -> int:
        return sum(1 for b in self._placed(service_id) if b.slot_start == slot_start)

    def taken_per_slot(self, service_id: str, day: date) -> dict[datetime, int]:
        counts: dict[datetime, int] = {}
        for booking in self._placed(service_id):
            if booking.slot_start.date() == day:
                counts[booking.slot_start] = counts.get(booking.slot_start, 0) + 1
        return counts

    def unclaimed(self, ended_by: datetime) -> Sequence[BookingRow]:
        found = [
            b
            for b in self.data.bookings.values()
            if b.hall_id == self.hall_id
            and b.status == BookingStatus.BOOKED.value
            and b.slot_end <= ended_by
        ]
        return sorted(found, key=lambda b: (b.slot_start, b.id))

    def starting_between(self, first: datetime, after: datetime) -> Sequence[BookingRow]:
        found = [
            b
            for b in self.data.bookings.values()
            if b.hall_id == self.hall_id and first <= b.slot_start < after
        ]
        return sorted(found, key=lambda b: (b.slot_start, b.id))


class FakeWindows(_Part):
    def row(self, number: int, now: datetime, *, for_update: bool = True) -> WindowRecord:
        key = (self.hall_id, number)
        if key not in self.data.windows:
            self.data.windows[key] = WindowRecord(
                self.hall_id, number, WindowState.OPEN.value, None, 0, now
            )
        return replace(self.data.windows[key])

    def update(self, window: WindowRecord) -> None:
        self.data.windows[(window.hall_id, window.number)] = replace(window)

    def states(self) -> dict[int, WindowRecord]:
        return {
            number: replace(row)
            for (hall_id, number), row in self.data.windows.items()
            if hall_id == self.hall_id
        }


class FakeEvents(_Part):
    def __init__(self, data: HallData, hall_id: str) -> None:
        super().__init__(data, hall_id)
        self.pending: list[tuple[str, datetime, dict[str, Any], str | None]] = []

    def add(self, type_: str, at: datetime, payload: dict[str, Any], terminal: str | None) -> None:
        self.pending.append((type_, at, copy.deepcopy(payload), terminal))

    def _mine(self) -> Iterator[FakeEvent]:
        return (e for e in self.data.events if e.hall_id == self.hall_id)

    def after(
        self, seq: int, types: Iterable[str] | None = None, limit: int = 100
    ) -> Sequence[EventRow]:
        wanted = set(types) if types is not None else None
        found = [e for e in self._mine() if e.seq > seq and (wanted is None or e.type in wanted)]
        return found[:limit]

    def last_seq(self) -> int:
        return max((e.seq for e in self._mine()), default=0)

    def last_type(self, types: Sequence[str], terminal: str) -> str | None:
        found = [e for e in self._mine() if e.type in types and e.terminal == terminal]
        return found[-1].type if found else None

    def write_pending(self) -> None:
        """Number and append the unit's events (the real store does it just before commit)."""
        seq = max((e.seq for e in self.data.events), default=0)
        for type_, at, payload, terminal in self.pending:
            seq += 1
            self.data.events.append(FakeEvent(seq, self.hall_id, type_, at, terminal, payload))
            latest = self.data.latest_seen.get(self.hall_id)
            if latest is None or at > latest:
                self.data.latest_seen[self.hall_id] = at
        self.pending.clear()


class FakeRatings(_Part):
    def of_ticket(self, ticket_id: int) -> RatingRow | None:
        return next((r for r in self.data.ratings.values() if r.ticket_id == ticket_id), None)

    def add(self, values: dict[str, Any]) -> RatingRow:
        if self.of_ticket(values["ticket_id"]) is not None:
            raise AlreadyStored(f"ticket {values['ticket_id']} is rated")
        rating = FakeRating(id=self.data.new_id(), **values)
        self.data.ratings[rating.id] = rating
        return rating

    def last_before(self, window: int, before: datetime) -> RatingRow | None:
        found = []
        for rating in self.data.ratings.values():
            ticket = self.data.tickets.get(rating.ticket_id)
            if (
                rating.hall_id == self.hall_id
                and rating.window == window
                and ticket is not None
                and ticket.finished_at is not None
                and ticket.finished_at <= before
            ):
                found.append((ticket.finished_at, rating.id, rating))
        return max(found, key=lambda item: item[:2])[2] if found else None

    def between(self, first: date, last: date) -> Sequence[RatingRow]:
        return sorted(
            (
                r
                for r in self.data.ratings.values()
                if r.hall_id == self.hall_id and first <= r.day <= last
            ),
            key=lambda r: r.id,
        )


class FakeFollowUps(_Part):
    def put(self, records: Iterable[FollowUpRecord]) -> None:
        for record in records:
            self.data.follow_ups[record.ticket_id] = (self.hall_id, record)

    def of_tickets(self, ticket_ids: Iterable[int]) -> dict[int, FollowUpRecord]:
        kept = self.data.follow_ups
        return {t: kept[t][1] for t in ticket_ids if t in kept}

    def unsettled(self, levels: Iterable[str]) -> Sequence[RatingRow]:
        wanted = set(levels)
        kept = self.data.follow_ups
        return sorted(
            (
                r
                for r in self.data.ratings.values()
                if r.hall_id == self.hall_id
                and r.level in wanted
                and (
                    r.ticket_id not in kept
                    or kept[r.ticket_id][1].stage != FollowUpStage.CLOSED.value
                )
            ),
            key=lambda r: (r.day, r.id),
        )


class FakeUnitOfWork:
    def __init__(self, data: HallData, hall_id: str) -> None:
        self.tickets = FakeTickets(data, hall_id)
        self.bookings = FakeBookings(data, hall_id)
        self.windows = FakeWindows(data, hall_id)
        self.events = FakeEvents(data, hall_id)
        self.ratings = FakeRatings(data, hall_id)
        self.follow_ups = FakeFollowUps(data, hall_id)
        self.locks: list[str] = []

    def lock(self, name: str) -> None:
        """One unit of work runs at a time here; the names are kept for a test to read."""
        self.locks.append(name)


class FakeStore:
    """A hall store in memory: ``unit()`` commits at the end of its block, or restores the
    state it began from when the block raises (as the real transaction rolls back)."""

    def __init__(
        self,
        hall: HallProfile,
        calendar: HolidayCalendar,
        key: bytes = b"fake-hall-key",
        terminal: str = "kiosk-1",
        clock_tolerance: timedelta = hallclock.TOLERANCE,
    ) -> None:
        self.hall = hall
        self.calendar = calendar
        self.terminal = terminal
        self.data = HallData()
        self.commits = 0
        self.rollbacks = 0
        self._key = key
        self._tolerance = clock_tolerance

    @property
    def link_key(self) -> bytes:
        return link_key(self._key)

    def holder_hash(self, id_number: str) -> str:
        return id_hash(id_number, self._key)

    @contextmanager
    def unit(self, at: datetime | None = None) -> Iterator[FakeUnitOfWork]:
        if at is not None:
            latest = self.data.latest_seen.get(self.hall.id)
            if latest is not None and hallclock.is_behind(at, latest, self._tolerance):
                raise hallclock.ClockBehind(at, latest)
        before = copy.deepcopy(self.data)
        uow = FakeUnitOfWork(self.data, self.hall.id)
        try:
            yield uow
            uow.events.write_pending()
        except BaseException:
            self.data.__dict__.update(before.__dict__)
            self.rollbacks += 1
            raise
        self.commits += 1

    @contextmanager
    def read_unit(self) -> Iterator[FakeUnitOfWork]:
        with self.unit() as uow:
            yield uow


# The fakes are the ports' Protocols (checked by mypy, as the real ones are in kiosk/store).
def _conforms(store: FakeStore, uow: FakeUnitOfWork) -> None:
    _store: Store = store
    _uow: UnitOfWork = uow
    _tickets: TicketRepository = uow.tickets
    _bookings: BookingRepository = uow.bookings
    _windows: WindowRepository = uow.windows
    _events: EventLog = uow.events
    _ratings: RatingRepository = uow.ratings
    _follow_ups: FollowUpRepository = uow.follow_ups
