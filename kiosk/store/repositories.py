"""Queries and atomic updates of the hall store, written once for SQLite and PostgreSQL.

Each function takes a session inside a transaction the caller owns (``HallStore.write``), so a
use case that issues a ticket, bumps a counter and records its event commits all or nothing.
"""

from __future__ import annotations

import uuid
import zlib
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from kiosk.domain.hall import HallProfile
from kiosk.domain.queue_policy import Candidate
from kiosk.store.models import (
    OPEN_TICKET_STATUSES,
    Booking,
    Counter,
    Event,
    Ticket,
    TicketKind,
    TicketStatus,
    Window,
    WindowState,
)


def _insert(session: Session, table: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def lock(session: Session, name: str) -> None:
    """Serialise writers on ``name`` until the transaction ends.

    PostgreSQL: a transaction-level advisory lock. SQLite needs none: ``BEGIN IMMEDIATE`` already
    admits one writer at a time.
    """
    if _is_postgres(session):
        key = zlib.crc32(name.encode("utf-8"))
        session.execute(select(func.pg_advisory_xact_lock(key)))


def next_serial(session: Session, hall_id: str, day: date, prefix: str) -> int:
    """Take the next ticket serial of (hall, day, prefix) atomically.

    The counter row stays locked until commit, so concurrent issuers of the same prefix queue up
    behind it; a rolled-back issue also rolls back its serial, leaving no gap.
    """
    statement = (
        _insert(session, Counter)
        .values(hall_id=hall_id, day=day, prefix=prefix, value=1)
        .on_conflict_do_update(
            index_elements=[Counter.hall_id, Counter.day, Counter.prefix],
            set_={"value": Counter.value + 1},
        )
        .returning(Counter.value)
    )
    return int(session.execute(statement).scalar_one())


def record_event(
    session: Session,
    hall_id: str,
    type_: str,
    at: datetime,
    payload: dict[str, Any],
    terminal: str | None = None,
) -> Event:
    """Append an event; it is committed with the change it describes or not at all.

    The row is written just before commit (``write_pending_events``, hooked to the session's
    ``before_commit`` by ``HallStore``), not here: on PostgreSQL the event numbers are taken
    under a lock held until commit, so that numbering order is commit order and a display
    polling "calls after N" never skips one; taking that lock last, after every row lock of the
    transaction, keeps two transactions from deadlocking on it.
    """
    event = Event(
        hall_id=hall_id,
        type=type_,
        at=at,
        terminal=terminal,
        payload=payload,
        idempotency_key=str(uuid.uuid4()),
    )
    session.info.setdefault(PENDING_EVENTS, []).append(event)
    return event


PENDING_EVENTS = "kiosk.pending_events"


def write_pending_events(session: Session) -> None:
    pending: list[Event] = session.info.pop(PENDING_EVENTS, [])
    if not pending:
        return
    for hall_id in sorted({event.hall_id for event in pending}):
        lock(session, f"events:{hall_id}")
    session.add_all(pending)
    session.flush()


def discard_pending_events(session: Session) -> None:
    session.info.pop(PENDING_EVENTS, None)


def window_row(
    session: Session, hall_id: str, number: int, now: datetime, *, for_update: bool = True
) -> Window:
    """The state row of a window, created (open) the first time it is used."""
    session.execute(
        _insert(session, Window)
        .values(
            hall_id=hall_id,
            number=number,
            state=WindowState.OPEN.value,
            priority_streak=0,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=[Window.hall_id, Window.number])
    )
    query = select(Window).where(Window.hall_id == hall_id, Window.number == number)
    if for_update:
        query = query.with_for_update()
    return session.execute(query).scalar_one()


def window_states(session: Session, hall_id: str) -> dict[int, Window]:
    rows = session.execute(select(Window).where(Window.hall_id == hall_id)).scalars()
    return {row.number: row for row in rows}


def open_windows_for(session: Session, hall: HallProfile, service_id: str) -> int:
    """Windows serving ``service_id`` that are open (a window never used yet counts as open)."""
    states = window_states(session, hall.id)
    return sum(
        1
        for window in hall.windows
        if service_id in window.services
        and (window.number not in states or states[window.number].state == WindowState.OPEN)
    )


def waiting_candidates(
    session: Session, hall_id: str, day: date, service_ids: Iterable[str]
) -> list[Candidate]:
    """The waiting tickets as the queue policy sees them: plain rows, no ORM objects, because a
    busy hall has hundreds waiting and this runs on every issue and every call."""
    query = select(
        Ticket.id,
        Ticket.service_id,
        Ticket.queued_at,
        Ticket.kind,
        Ticket.slot_start,
        Ticket.priority_group,
    ).where(
        Ticket.hall_id == hall_id,
        Ticket.status == TicketStatus.WAITING.value,
        Ticket.day == day,
        Ticket.service_id.in_(list(service_ids)),
    )
    return [
        Candidate(
            ticket_id=row[0],
            service_id=row[1],
            queued_at=row[2],
            booked=row[3] == TicketKind.BOOKED.value,
            slot_start=row[4],
            priority_group=row[5],
        )
        for row in session.execute(query)
    ]


def claim_ticket(session: Session, ticket_id: int, window: int, now: datetime) -> bool:
    """Mark a waiting ticket called at ``window``; False when another window got it first.

    The guard on ``status`` is what makes two windows calling at once safe: on PostgreSQL the
    second UPDATE waits for the first to commit, re-reads the row and matches nothing.
    """
    result = session.execute(
        update(Ticket)
        .where(Ticket.id == ticket_id, Ticket.status == TicketStatus.WAITING.value)
        .values(
            status=TicketStatus.CALLED.value,
            window=window,
            called_at=now,
            calls=Ticket.calls + 1,
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined, no-any-return]


def current_ticket(session: Session, hall_id: str, window: int, day: date) -> Ticket | None:
    """The ticket a window has called or is serving (the latest, if a fault left several)."""
    query = (
        select(Ticket)
        .where(
            Ticket.hall_id == hall_id,
            Ticket.day == day,
            Ticket.window == window,
            Ticket.status.in_([TicketStatus.CALLED.value, TicketStatus.SERVING.value]),
        )
        .order_by(Ticket.called_at.desc(), Ticket.id.desc())
        .limit(1)
        .with_for_update()
    )
    return session.execute(query).scalars().first()


def ticket_by_number(
    session: Session, hall_id: str, day: date, number: str, *, for_update: bool = False
) -> Ticket | None:
    query = (
        select(Ticket)
        .where(Ticket.hall_id == hall_id, Ticket.day == day, Ticket.number == number)
        .order_by(Ticket.id.desc())
        .limit(1)
    )
    if for_update:
        query = query.with_for_update()
    return session.execute(query).scalars().first()


def holder_open_ticket(
    session: Session,
    hall_id: str,
    day: date,
    service_id: str,
    holder_hash: str,
    *,
    other_than: int | None = None,
) -> Ticket | None:
    """An open ticket of the same holder and service today (one person, one place in line)."""
    query = select(Ticket).where(
        Ticket.id != (other_than if other_than is not None else -1),
        Ticket.hall_id == hall_id,
        Ticket.day == day,
        Ticket.service_id == service_id,
        Ticket.holder_hash == holder_hash,
        Ticket.status.in_([s.value for s in OPEN_TICKET_STATUSES]),
    )
    return session.execute(query.limit(1)).scalars().first()


def recent_service_minutes(
    session: Session, hall_id: str, service_id: str, limit: int
) -> list[float]:
    """Service times (start to finish) of the latest finished tickets, newest first."""
    query = (
        select(Ticket.started_at, Ticket.finished_at)
        .where(
            Ticket.hall_id == hall_id,
            Ticket.service_id == service_id,
            Ticket.status == TicketStatus.DONE.value,
            Ticket.finished_at.is_not(None),
            Ticket.started_at.is_not(None),
        )
        .order_by(Ticket.finished_at.desc())
        .limit(limit)
    )
    return [
        (finished - started).total_seconds() / 60
        for started, finished in session.execute(query).all()
    ]


def holder_bookings(session: Session, holder_hash: str) -> Sequence[Booking]:
    query = select(Booking).where(Booking.holder_hash == holder_hash).order_by(Booking.slot_start)
    return session.execute(query).scalars().all()


def booking_ticket(session: Session, booking_id: int) -> Ticket | None:
    """The newest ticket of a booking (after a transfer, the ticket it was moved to)."""
    query = (
        select(Ticket).where(Ticket.booking_id == booking_id).order_by(Ticket.id.desc()).limit(1)
    )
    return session.execute(query).scalars().first()


def slot_bookings(session: Session, hall_id: str, service_id: str, slot_start: datetime) -> int:
    query = select(func.count()).where(
        Booking.hall_id == hall_id,
        Booking.service_id == service_id,
        Booking.slot_start == slot_start,
        Booking.status.in_(["booked", "checked_in", "served"]),
    )
    return int(session.execute(query).scalar_one())


def unclaimed_bookings(session: Session, hall_id: str, ended_by: datetime) -> Sequence[Booking]:
    """Booked (not checked-in) bookings whose slot ended at or before ``ended_by``."""
    query = (
        select(Booking)
        .where(
            Booking.hall_id == hall_id,
            Booking.status == "booked",
            Booking.slot_end <= ended_by,
        )
        .order_by(Booking.slot_start, Booking.id)
        .with_for_update()
    )
    return session.execute(query).scalars().all()


def upsert_booking(session: Session, values: dict[str, Any]) -> None:
    """Insert or refresh a booking by its central id (the sync pull).

    Status set locally (checked in, served, forfeited) is not overwritten by an older central
    copy: the central store learns of those from the outbox.
    """
    statement = _insert(session, Booking).values(**values)
    local_states = ("checked_in", "served", "forfeited")
    refreshed = {
        key: statement.excluded[key]
        for key in values
        if key not in ("central_id", "created_at", "status", "checked_in_at")
    }
    refreshed["status"] = func.coalesce(
        _keep_local_status(Booking.status, local_states), statement.excluded.status
    )
    session.execute(
        statement.on_conflict_do_update(index_elements=[Booking.central_id], set_=refreshed)
    )


def _keep_local_status(column: Any, local_states: tuple[str, ...]) -> Any:
    from sqlalchemy import case

    return case((column.in_(local_states), column), else_=None)


def events_after(
    session: Session, hall_id: str, seq: int, types: Iterable[str] | None = None, limit: int = 100
) -> Sequence[Event]:
    query = select(Event).where(Event.hall_id == hall_id, Event.seq > seq)
    if types is not None:
        query = query.where(Event.type.in_(list(types)))
    return session.execute(query.order_by(Event.seq).limit(limit)).scalars().all()


def unpushed_events(session: Session, limit: int = 100) -> Sequence[Event]:
    query = select(Event).where(Event.pushed_at.is_(None)).order_by(Event.seq).limit(limit)
    return session.execute(query).scalars().all()


def mark_pushed(session: Session, seqs: Iterable[int], at: datetime) -> int:
    result = session.execute(
        update(Event)
        .where(and_(Event.seq.in_(list(seqs)), Event.pushed_at.is_(None)))
        .values(pushed_at=at)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def last_event_seq(session: Session, hall_id: str) -> int:
    value = session.execute(select(func.max(Event.seq)).where(Event.hall_id == hall_id))
    return int(value.scalar_one() or 0)
