"""What the hall's use cases need from its store: repositories and a unit of work.

The services (``kiosk.services``) read and change tickets, bookings, windows, events and
ratings only through these Protocols; ``kiosk.store.units`` implements them over SQLAlchemy
(SQLite or PostgreSQL, one transaction per unit of work) and ``tests/services/fast`` over plain
dicts, so the use cases can be exercised without a database and the store's SQL stays in one
package.

A unit of work is one transaction: everything a use case changes inside ``with store.unit():``
is committed when the block ends normally and rolled back when it raises, events included (the
event log is the sync outbox, so a change and its event are never separated). There is no
explicit ``commit()``: every use case of the hall commits exactly at the end of its block, and a
forgotten call would silently lose a ticket.

Records are plain values (``TicketRecord``, ``WindowRecord``, ``FollowUpRecord``) or read-only views
(``BookingRow``, ``RatingRow``, ``EventRow``); a change is always a repository call
(``tickets.update``, ``bookings.update``), never an attribute set on a loaded row, so both
implementations see every write.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from kiosk.domain.calendar import HolidayCalendar
from kiosk.domain.hall import HallProfile
from kiosk.domain.queue_policy import Candidate


class AlreadyStored(Exception):
    """A row the store's unique key already holds (a second rating of one ticket, a serial
    or a booking's central id used twice)."""


@dataclass(slots=True)
class TicketRecord:
    """A ticket row as the queue's use cases read and change it.

    Changes are written with ``TicketRepository.update``; the attribute names are the
    ``tickets`` table's columns (``kiosk.store.repositories`` checks that they match).
    """

    id: int
    hall_id: str
    day: date
    prefix: str
    serial: int
    number: str
    service_id: str
    kind: str
    priority_group: str | None
    status: str
    queued_at: datetime
    issued_at: datetime
    called_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    missed_at: datetime | None
    window: int | None
    calls: int
    booking_id: int | None
    slot_start: datetime | None
    holder_hash: str | None
    name_masked: str | None
    transferred_from: int | None
    materials_only: bool
    arrival: int | None = None
    clerk: str | None = None


@dataclass(slots=True)
class WindowRecord:
    """A window's state row; written back with ``WindowRepository.update``."""

    hall_id: str
    number: int
    state: str
    clerk: str | None
    priority_streak: int
    updated_at: datetime


class BookingRow(Protocol):
    """A booking as the use cases read it (the hall store's ORM row, or a fake's record)."""

    @property
    def id(self) -> int: ...
    @property
    def central_id(self) -> str: ...
    @property
    def hall_id(self) -> str: ...
    @property
    def service_id(self) -> str: ...
    @property
    def slot_start(self) -> datetime: ...
    @property
    def slot_end(self) -> datetime: ...
    @property
    def holder_hash(self) -> str: ...
    @property
    def name_masked(self) -> str: ...
    @property
    def phone_masked(self) -> str | None: ...
    @property
    def channel(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def materials(self) -> list[str]: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def updated_at(self) -> datetime: ...
    @property
    def checked_in_at(self) -> datetime | None: ...


@dataclass(frozen=True, slots=True)
class FollowUpRecord:
    """The central store's follow-up of one 差评 as the hall keeps it (a copy, replaced by each
    pull): ``stage`` the step it waits for or ``closed``, ``state`` open/overdue/closed on the
    centre's day when it was pulled (``synced_at``), ``due`` the last day of its term."""

    ticket_id: int
    stage: str
    state: str
    due: date
    closed_at: datetime | None
    synced_at: datetime


class RatingRow(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def ticket_id(self) -> int: ...
    @property
    def day(self) -> date: ...
    @property
    def number(self) -> str: ...
    @property
    def service_id(self) -> str: ...
    @property
    def window(self) -> int | None: ...
    @property
    def clerk(self) -> str | None: ...
    @property
    def level(self) -> str: ...
    @property
    def reasons(self) -> list[str]: ...
    @property
    def comment(self) -> str | None: ...
    @property
    def channel(self) -> str: ...
    @property
    def rated_at(self) -> datetime: ...


class EventRow(Protocol):
    @property
    def seq(self) -> int: ...
    @property
    def type(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def terminal(self) -> str | None: ...
    @property
    def payload(self) -> dict[str, Any]: ...


class TicketRepository(Protocol):
    """The hall's tickets. ``for_update`` reads lock the row until the unit of work ends
    (PostgreSQL ``FOR UPDATE``; SQLite admits one writer anyway)."""

    def next_serial(self, day: date, prefix: str) -> int:
        """The next serial of (day, prefix), taken atomically: a rolled-back unit of work
        gives its serial back, so numbers have no gaps."""
        ...

    def add(self, values: dict[str, Any]) -> TicketRecord:
        """Insert a ticket (every ``TicketRecord`` field but ``id``); ``AlreadyStored`` when
        its (day, prefix, serial) is taken."""
        ...

    def update(self, ticket: TicketRecord, **values: Any) -> None:
        """Write ``values`` to the (locked) ticket's row and to ``ticket``."""
        ...

    def claim(
        self, ticket_id: int, window: int, now: datetime, clerk: str | None
    ) -> TicketRecord | None:
        """Mark a waiting ticket called at ``window``; None when another window got it."""
        ...

    def by_id(self, ticket_id: int) -> TicketRecord | None: ...

    def by_number(self, day: date, number: str, *, for_update: bool = False) -> TicketRecord | None:
        """The newest ticket of ``day`` with ``number``."""
        ...

    def current(self, window: int, day: date, *, for_update: bool = True) -> TicketRecord | None:
        """The ticket ``window`` has called or is serving (the latest, if several)."""
        ...

    def holder_open(
        self, day: date, service_id: str, holder_hash: str, *, other_than: int | None = None
    ) -> TicketRecord | None: ...

    def holder_walk_in(self, day: date, holder_hash: str) -> TicketRecord | None:
        """The holder's newest walk-in ticket of ``day`` still waiting or called."""
        ...

    def of_booking(self, booking_id: int) -> TicketRecord | None:
        """The newest ticket of a booking (after a transfer, the one it was moved to)."""
        ...

    def transferred_to(self, ticket_id: int) -> TicketRecord | None: ...

    def waiting(self, day: date, service_ids: Iterable[str]) -> list[Candidate]:
        """The waiting tickets of ``day`` for the services, as the queue policy sees them."""
        ...

    def recent_service_minutes(self, service_id: str, limit: int) -> list[float]:
        """Start-to-finish minutes of the latest finished tickets, newest first."""
        ...

    def on_day(self, day: date, statuses: Sequence[str]) -> list[TicketRecord]:
        """Tickets of ``day`` in one of ``statuses`` (by id)."""
        ...

    def open_before(self, day: date) -> list[TicketRecord]:
        """Tickets of earlier days still open, locked (the close of the day cancels them)."""
        ...

    def count_by_status(self, window: int, day: date, statuses: Sequence[str]) -> dict[str, int]:
        """Tickets handled at ``window`` on ``day`` per status (statuses without one absent)."""
        ...

    def waiting_by_service(self, day: date, service_ids: Sequence[str]) -> dict[str, int]: ...

    def between(self, first: date, last: date) -> list[TicketRecord]:
        """Tickets of the days ``first`` to ``last`` (both included), by id."""
        ...


class BookingRepository(Protocol):
    def get(self, booking_id: int) -> BookingRow | None: ...

    def of_holder(self, holder_hash: str, *, for_update: bool = False) -> Sequence[BookingRow]:
        """The holder's bookings in every hall of the store, by slot (locked in that order)."""
        ...

    def add(self, values: dict[str, Any]) -> BookingRow:
        """Insert a booking (every ``BookingRow`` field but ``id``); ``AlreadyStored`` when its
        ``central_id`` is taken."""
        ...

    def update(self, booking: BookingRow, **values: Any) -> None: ...

    def taken(self, service_id: str, slot_start: datetime) -> int:
        """Place-holding bookings of one slot."""
        ...

    def taken_per_slot(self, service_id: str, day: date) -> dict[datetime, int]:
        """Place-holding bookings per slot start on ``day`` (slots without one absent)."""
        ...

    def unclaimed(self, ended_by: datetime) -> Sequence[BookingRow]:
        """Booked (never checked in) bookings whose slot ended by ``ended_by``, locked."""
        ...

    def starting_between(self, first: datetime, after: datetime) -> Sequence[BookingRow]:
        """Bookings of the hall with a slot starting in [``first``, ``after``), by slot."""
        ...


class WindowRepository(Protocol):
    def row(self, number: int, now: datetime, *, for_update: bool = True) -> WindowRecord:
        """The window's state, created open the first time it is used (locked)."""
        ...

    def update(self, window: WindowRecord) -> None: ...

    def states(self) -> dict[int, WindowRecord]:
        """Windows that have a state row (one never used has none and counts as open)."""
        ...


class EventLog(Protocol):
    """The hall's append-only event log: audit trail and sync outbox in one."""

    def add(self, type_: str, at: datetime, payload: dict[str, Any], terminal: str | None) -> None:
        """Append an event, committed with the unit of work's changes or not at all."""
        ...

    def after(
        self, seq: int, types: Iterable[str] | None = None, limit: int = 100
    ) -> Sequence[EventRow]:
        """Committed events after ``seq``, oldest first (seq is commit-ordered)."""
        ...

    def last_seq(self) -> int: ...

    def last_type(self, types: Sequence[str], terminal: str) -> str | None:
        """The type of the newest event of ``terminal`` among ``types``."""
        ...


class RatingRepository(Protocol):
    def of_ticket(self, ticket_id: int) -> RatingRow | None: ...

    def add(self, values: dict[str, Any]) -> RatingRow:
        """Insert a rating; ``AlreadyStored`` when the ticket has one."""
        ...

    def last_before(self, window: int, before: datetime) -> RatingRow | None:
        """The newest rating at ``window`` of a service finished before ``before``."""
        ...

    def between(self, first: date, last: date) -> Sequence[RatingRow]:
        """Ratings of services of the days ``first`` to ``last`` (both included), by id."""
        ...


class FollowUpRepository(Protocol):
    """The hall's copies of the central store's 差评 follow-ups (``sync.client`` writes them,
    ``kiosk report`` reads them)."""

    def put(self, records: Iterable[FollowUpRecord]) -> None:
        """Store each record, replacing the ticket's previous copy."""
        ...

    def of_tickets(self, ticket_ids: Iterable[int]) -> dict[int, FollowUpRecord]:
        """The copies of those tickets that have one."""
        ...

    def unsettled(self, levels: Iterable[str]) -> Sequence[RatingRow]:
        """The hall's ratings at ``levels`` (the 差评 levels) whose follow-up is not known
        here or not closed: what the next pull asks the centre about. By day, then id."""
        ...


class UnitOfWork(Protocol):
    """One transaction of one hall's store, with the repositories that work inside it."""

    @property
    def tickets(self) -> TicketRepository: ...
    @property
    def bookings(self) -> BookingRepository: ...
    @property
    def windows(self) -> WindowRepository: ...
    @property
    def events(self) -> EventLog: ...
    @property
    def ratings(self) -> RatingRepository: ...
    @property
    def follow_ups(self) -> FollowUpRepository: ...

    def lock(self, name: str) -> None:
        """Serialise units of work on ``name`` until this one ends."""
        ...


class Store(Protocol):
    """A hall's store as the use cases see it: the hall's rules and units of work over its data.

    ``kiosk.store.hallstore.HallStore`` is the real one.
    """

    @property
    def hall(self) -> HallProfile: ...
    @property
    def calendar(self) -> HolidayCalendar: ...
    @property
    def terminal(self) -> str: ...
    @property
    def link_key(self) -> bytes: ...

    def holder_hash(self, id_number: str) -> str: ...

    def unit(self, at: datetime | None = None) -> AbstractContextManager[UnitOfWork]:
        """A read-write unit of work. With ``at`` it issues or calls at hall time ``at`` and is
        refused (``ClockBehind``) when this machine's clock is behind the store's."""
        ...

    def read_unit(self) -> AbstractContextManager[UnitOfWork]:
        """A read-only unit of work that never waits for writers."""
        ...
