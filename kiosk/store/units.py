"""The hall store's repositories and unit of work (``kiosk.ports.hall_store``) over SQLAlchemy.

A ``SqlUnitOfWork`` wraps one session of ``HallStore.write``/``write_at``/``read``, so it keeps
everything those transactions do: ``BEGIN IMMEDIATE`` on SQLite, the hall clock's guard, events
written last under the hall's event lock with their ``NOTIFY`` (``write_pending_events``), the
typed store faults of ``kiosk.store.errors``. Each repository is a thin object over the
statements of ``kiosk.store.repositories``, bound to the unit's session and hall.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kiosk.domain.queue_policy import Candidate
from kiosk.ports.hall_store import (
    AlreadyStored,
    BookingRow,
    EventRow,
    FollowUpRecord,
    RatingRow,
    TicketRecord,
    WindowRecord,
)
from kiosk.store import repositories as repo
from kiosk.store.models import Booking


@contextmanager
def _unique() -> Iterator[None]:
    """A unique key's violation as the port's ``AlreadyStored`` (the transaction is then spent:
    the unit of work must end, as it does when the error leaves its block)."""
    try:
        yield
    except IntegrityError as error:
        raise AlreadyStored(str(error.orig).splitlines()[0]) from error


class _Bound:
    __slots__ = ("hall_id", "session")

    def __init__(self, session: Session, hall_id: str) -> None:
        self.session = session
        self.hall_id = hall_id


class SqlTickets(_Bound):
    __slots__ = ()

    def next_serial(self, day: date, prefix: str) -> int:
        return repo.next_serial(self.session, self.hall_id, day, prefix)

    def add(self, values: dict[str, Any]) -> TicketRecord:
        with _unique():
            return repo.insert_ticket(self.session, values)

    def update(self, ticket: TicketRecord, **values: Any) -> None:
        repo.update_ticket(self.session, ticket, **values)

    def claim(
        self, ticket_id: int, window: int, now: datetime, clerk: str | None
    ) -> TicketRecord | None:
        return repo.claim_ticket(self.session, ticket_id, window, now, clerk)

    def by_id(self, ticket_id: int) -> TicketRecord | None:
        return repo.ticket_by_id(self.session, self.hall_id, ticket_id)

    def by_number(self, day: date, number: str, *, for_update: bool = False) -> TicketRecord | None:
        return repo.ticket_by_number(self.session, self.hall_id, day, number, for_update=for_update)

    def current(self, window: int, day: date, *, for_update: bool = True) -> TicketRecord | None:
        return repo.current_ticket(self.session, self.hall_id, window, day, for_update=for_update)

    def holder_open(
        self, day: date, service_id: str, holder_hash: str, *, other_than: int | None = None
    ) -> TicketRecord | None:
        return repo.holder_open_ticket(
            self.session, self.hall_id, day, service_id, holder_hash, other_than=other_than
        )

    def holder_walk_in(self, day: date, holder_hash: str) -> TicketRecord | None:
        return repo.holder_walk_in_ticket(self.session, self.hall_id, day, holder_hash)

    def of_booking(self, booking_id: int) -> TicketRecord | None:
        return repo.booking_ticket(self.session, booking_id)

    def transferred_to(self, ticket_id: int) -> TicketRecord | None:
        return repo.transferred_to(self.session, ticket_id)

    def waiting(self, day: date, service_ids: Iterable[str]) -> list[Candidate]:
        return repo.waiting_candidates(self.session, self.hall_id, day, service_ids)

    def recent_service_minutes(self, service_id: str, limit: int) -> list[float]:
        return repo.recent_service_minutes(self.session, self.hall_id, service_id, limit)

    def on_day(self, day: date, statuses: Sequence[str]) -> list[TicketRecord]:
        return repo.tickets_on_day(self.session, self.hall_id, day, statuses)

    def open_before(self, day: date) -> list[TicketRecord]:
        return repo.open_tickets_before(self.session, self.hall_id, day)

    def count_by_status(self, window: int, day: date, statuses: Sequence[str]) -> dict[str, int]:
        return repo.count_by_status(self.session, self.hall_id, window, day, statuses)

    def waiting_by_service(self, day: date, service_ids: Sequence[str]) -> dict[str, int]:
        return repo.waiting_by_service(self.session, self.hall_id, day, service_ids)

    def between(self, first: date, last: date) -> list[TicketRecord]:
        return repo.tickets_between(self.session, self.hall_id, first, last)


class SqlBookings(_Bound):
    __slots__ = ()

    def get(self, booking_id: int) -> BookingRow | None:
        return repo.booking_by_id(self.session, booking_id)

    def of_holder(self, holder_hash: str, *, for_update: bool = False) -> Sequence[BookingRow]:
        return repo.holder_bookings(self.session, holder_hash, for_update=for_update)

    def add(self, values: dict[str, Any]) -> BookingRow:
        with _unique():
            return repo.add_booking(self.session, values)

    def update(self, booking: BookingRow, **values: Any) -> None:
        repo.update_booking(self.session, cast(Booking, booking), **values)

    def taken(self, service_id: str, slot_start: datetime) -> int:
        return repo.slot_bookings(self.session, self.hall_id, service_id, slot_start)

    def taken_per_slot(self, service_id: str, day: date) -> dict[datetime, int]:
        return repo.slot_counts(self.session, self.hall_id, service_id, day)

    def unclaimed(self, ended_by: datetime) -> Sequence[BookingRow]:
        return repo.unclaimed_bookings(self.session, self.hall_id, ended_by)

    def starting_between(self, first: datetime, after: datetime) -> Sequence[BookingRow]:
        return repo.bookings_between(self.session, self.hall_id, first, after)


class SqlWindows(_Bound):
    __slots__ = ()

    def row(self, number: int, now: datetime, *, for_update: bool = True) -> WindowRecord:
        return repo.window_row(self.session, self.hall_id, number, now, for_update=for_update)

    def update(self, window: WindowRecord) -> None:
        repo.update_window(self.session, window)

    def states(self) -> dict[int, WindowRecord]:
        return repo.window_states(self.session, self.hall_id)


class SqlEvents(_Bound):
    __slots__ = ()

    def add(self, type_: str, at: datetime, payload: dict[str, Any], terminal: str | None) -> None:
        repo.record_event(self.session, self.hall_id, type_, at, payload, terminal)

    def after(
        self, seq: int, types: Iterable[str] | None = None, limit: int = 100
    ) -> Sequence[EventRow]:
        return repo.events_after(self.session, self.hall_id, seq, types, limit)

    def last_seq(self) -> int:
        return repo.last_event_seq(self.session, self.hall_id)

    def last_type(self, types: Sequence[str], terminal: str) -> str | None:
        return repo.last_event_type(self.session, self.hall_id, types, terminal)


class SqlRatings(_Bound):
    __slots__ = ()

    def of_ticket(self, ticket_id: int) -> RatingRow | None:
        return repo.rating_of(self.session, ticket_id)

    def add(self, values: dict[str, Any]) -> RatingRow:
        with _unique():  # the unique ticket id: another channel rated first
            return repo.add_rating(self.session, values)

    def last_before(self, window: int, before: datetime) -> RatingRow | None:
        return repo.last_rated_before(self.session, self.hall_id, window, before)

    def between(self, first: date, last: date) -> Sequence[RatingRow]:
        return repo.ratings_between(self.session, self.hall_id, first, last)


class SqlFollowUps(_Bound):
    __slots__ = ()

    def put(self, records: Iterable[FollowUpRecord]) -> None:
        repo.put_follow_ups(self.session, self.hall_id, records)

    def of_tickets(self, ticket_ids: Iterable[int]) -> dict[int, FollowUpRecord]:
        return repo.follow_ups_of(self.session, ticket_ids)

    def unsettled(self, levels: Iterable[str]) -> Sequence[RatingRow]:
        return repo.unsettled_ratings(self.session, self.hall_id, levels)


class SqlUnitOfWork:
    """The repositories of one hall over one transaction's session."""

    __slots__ = (
        "bookings",
        "events",
        "follow_ups",
        "hall_id",
        "ratings",
        "session",
        "tickets",
        "windows",
    )

    def __init__(self, session: Session, hall_id: str) -> None:
        self.session = session
        self.hall_id = hall_id
        self.tickets = SqlTickets(session, hall_id)
        self.bookings = SqlBookings(session, hall_id)
        self.windows = SqlWindows(session, hall_id)
        self.events = SqlEvents(session, hall_id)
        self.ratings = SqlRatings(session, hall_id)
        self.follow_ups = SqlFollowUps(session, hall_id)

    def lock(self, name: str) -> None:
        repo.lock(self.session, name)
