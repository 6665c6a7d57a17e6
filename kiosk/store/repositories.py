"""Queries and atomic updates of the hall store, written once for SQLite and PostgreSQL.

Each function takes a session inside a transaction the caller owns (``HallStore.write``), so a
use case that issues a ticket, bumps a counter and records its event commits all or nothing.

The queue's hot paths (issue, call, start, complete, the wait estimate, the event append) run
prepared textual SQL on the session's connection and hand back plain records: building an ORM
query and loading ORM objects cost more than the statements themselves (a busy hall runs
twenty thousand of these transactions a day). Each text is compiled once per dialect and cached;
the SQL is the same on both stores except ``FOR UPDATE``, which SQLite has no use for.
"""

from __future__ import annotations

import functools
import re
import uuid
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import astuple, dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Table,
    and_,
    bindparam,
    case,
    func,
    insert,
    literal_column,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement, TextClause

from kiosk.domain.booking_rules import PLACE_HOLDING_STATUSES
from kiosk.domain.follow_up import FollowUpStage
from kiosk.domain.queue_policy import Candidate
from kiosk.domain.statuses import sql_in
from kiosk.ports.hall_store import FollowUpRecord, TicketRecord, WindowRecord
from kiosk.store.changes import notify_channel
from kiosk.store.models import (
    OPEN_TICKET_STATUSES,
    Booking,
    BookingStatus,
    Counter,
    Event,
    FollowUpCopy,
    HallClockState,
    Rating,
    Ticket,
    TicketKind,
    TicketStatus,
    Window,
    WindowState,
)

TICKETS: Table = Ticket.__table__  # type: ignore[assignment]
WINDOWS: Table = Window.__table__  # type: ignore[assignment]
EVENTS: Table = Event.__table__  # type: ignore[assignment]
COUNTERS: Table = Counter.__table__  # type: ignore[assignment]
HALL_CLOCK: Table = HallClockState.__table__  # type: ignore[assignment]

_BIND = re.compile(r"(?<![:\w]):(\w+)")


@dataclass(frozen=True)
class Expanding:
    """The type of a parameter that is a list (``x IN :names``), rendered one bind per item."""

    type: Any


def _sql(sql: str, table: Table, returns: Sequence[str] = (), **types: Any) -> TextClause:
    """A text statement whose parameters and result columns carry the table's column types.

    A parameter named like a column of ``table`` gets its type (SQLite keeps dates as text,
    so a datetime parameter must be rendered the way SQLAlchemy stores it); ``types`` names the
    others. ``returns`` lists the columns the statement yields, in order.
    """
    binds = []
    for name in dict.fromkeys(_BIND.findall(sql)):
        if isinstance(types.get(name), Expanding):
            binds.append(bindparam(name, type_=types[name].type, expanding=True))
        elif name in types:
            binds.append(bindparam(name, type_=types[name]))
        elif name in table.c:
            binds.append(bindparam(name, type_=table.c[name].type))
    statement = text(sql).bindparams(*binds)
    if returns:
        return statement.columns(*(table.c[name] for name in returns))  # type: ignore[return-value]
    return statement


def _columns(names: Iterable[str]) -> str:
    return ", ".join(f'"{name}"' for name in names)


@functools.cache
def _cached(dialect: str, key: str) -> TextClause:
    sql, table, returns, types = _STATEMENTS[key]
    lock_clause = " FOR UPDATE" if dialect == "postgresql" else ""
    return _sql(sql.replace("{for_update}", lock_clause), table, returns, **types)


_STATEMENTS: dict[str, tuple[str, Table, tuple[str, ...], dict[str, Any]]] = {}


def _register(key: str, sql: str, table: Table, returns: Sequence[str] = (), **types: Any) -> str:
    _STATEMENTS[key] = (sql, table, tuple(returns), types)
    return key


_CONNECTION = "kiosk.connection"


def connection_of(session: Session) -> Connection:
    """The connection of the session's transaction, looked up once per transaction.

    ``Session.connection()`` walks the session's transaction state on every call, which costs
    more than a small statement; a use case runs several. The cached connection is used only
    while it is open and inside its transaction, so a session that commits and carries on gets
    the connection of its new transaction.
    """
    connection: Connection | None = session.info.get(_CONNECTION)
    if connection is None or connection.closed or not connection.in_transaction():
        connection = session.connection()
        session.info[_CONNECTION] = connection
    return connection


def _run(session: Session, key: str, params: dict[str, Any] | list[dict[str, Any]]) -> Any:
    connection = connection_of(session)
    return connection.execute(_cached(connection.dialect.name, key), params)


TICKET_FIELDS = tuple(TicketRecord.__dataclass_fields__)
assert set(TICKET_FIELDS) == set(TICKETS.c.keys()), "TicketRecord must mirror the tickets table"
_TICKET_COLUMNS = _columns(TICKET_FIELDS)


def _ticket(row: Any) -> TicketRecord | None:
    return None if row is None else TicketRecord(*row)


WINDOW_FIELDS = tuple(WindowRecord.__dataclass_fields__)
assert set(WINDOW_FIELDS) == set(WINDOWS.c.keys()), "WindowRecord must mirror the windows table"


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
        _run(session, _LOCK, {"key": _lock_key(name)})


_LOCK = _register("lock", "SELECT pg_advisory_xact_lock(:key)", EVENTS)


_NEXT_SERIAL = _register(
    "next_serial",
    "INSERT INTO counters (hall_id, day, prefix, value) VALUES (:hall_id, :day, :prefix, 1)"
    " ON CONFLICT (hall_id, day, prefix) DO UPDATE SET value = counters.value + 1"
    " RETURNING value",
    COUNTERS,
    ["value"],
)


def next_serial(session: Session, hall_id: str, day: date, prefix: str) -> int:
    """Take the next ticket serial of (hall, day, prefix) atomically.

    The counter row stays locked until commit, so concurrent issuers of the same prefix queue up
    behind it; a rolled-back issue also rolls back its serial, leaving no gap.
    """
    params = {"hall_id": hall_id, "day": day, "prefix": prefix}
    return int(_run(session, _NEXT_SERIAL, params).scalar_one())


_INSERT_TICKET = insert(TICKETS).returning(TICKETS.c.id)


def insert_ticket(session: Session, values: dict[str, Any]) -> TicketRecord:
    """Insert a ticket row (every column but ``id``) and return it as a record."""
    ticket_id = connection_of(session).execute(_INSERT_TICKET, values).scalar_one()
    return TicketRecord(id=int(ticket_id), **values)


@functools.lru_cache(maxsize=64)
def _ticket_update(keys: tuple[str, ...]) -> str:
    assignments = ", ".join(f'"{key}" = :{key}' for key in keys)
    return _register(
        f"update_ticket:{','.join(keys)}",
        f"UPDATE tickets SET {assignments} WHERE id = :ticket_id",
        TICKETS,
    )


def update_ticket(session: Session, ticket: TicketRecord, **values: Any) -> None:
    """Write ``values`` to a ticket row the transaction has locked, and to its record."""
    for key, value in values.items():
        setattr(ticket, key, value)
    _run(session, _ticket_update(tuple(sorted(values))), {"ticket_id": ticket.id, **values})


def record_event(
    session: Session,
    hall_id: str,
    type_: str,
    at: datetime,
    payload: dict[str, Any],
    terminal: str | None = None,
) -> None:
    """Append an event; it is committed with the change it describes or not at all.

    The row is written just before commit (``write_pending_events``, hooked to the session's
    ``before_commit`` by ``HallStore``), not here: on PostgreSQL the event numbers are taken
    under a lock held until commit, so that numbering order is commit order and a display
    polling "calls after N" never skips one; taking that lock last, after every row lock of the
    transaction, keeps two transactions from deadlocking on it.
    """
    event = {
        "hall_id": hall_id,
        "type": type_,
        "at": at,
        "terminal": terminal,
        "payload": payload,
        "idempotency_key": str(uuid.uuid4()),
        "pushed_at": None,
    }
    session.info.setdefault(PENDING_EVENTS, []).append(event)


PENDING_EVENTS = "kiosk.pending_events"
_INSERT_EVENT = insert(EVENTS)


_EVENT_FIELDS = ("hall_id", "type", "at", "terminal", "payload", "idempotency_key")
_LOCKED_INSERT_EVENT = _register(
    "locked_insert_event",
    "WITH inserted AS ("
    f"INSERT INTO events ({_columns(_EVENT_FIELDS)})"
    " SELECT :hall_id, :type, CAST(:at AS TIMESTAMP), :terminal, CAST(:payload AS JSON),"
    " :idempotency_key FROM (SELECT pg_advisory_xact_lock(:lock_key) AS locked) AS event_lock"
    " RETURNING seq) SELECT pg_notify(:channel, CAST(seq AS TEXT)) FROM inserted",
    EVENTS,
)
_NOTIFY_LAST = _register(
    "notify_last",
    "SELECT pg_notify(:channel, CAST(max(seq) AS TEXT)) FROM events WHERE hall_id = :hall_id",
    EVENTS,
)


def _lock_key(name: str) -> int:
    return zlib.crc32(name.encode("utf-8"))


def write_pending_events(session: Session) -> None:
    """Write the transaction's events, numbered under the hall's event lock (PostgreSQL).

    Row changes of ORM objects are flushed first, so the event lock is the transaction's last.
    On PostgreSQL the lock is taken by the insert itself: its ``FROM`` is a subquery that calls
    ``pg_advisory_xact_lock``, and a row's ``seq`` default is drawn only for the row that
    subquery yields, so after the lock (one round trip instead of two). The same statement
    sends each event's ``seq`` on the hall's notification channel, which PostgreSQL delivers
    when (and only if) the transaction commits: the screens' push (``kiosk.store.changes``).
    SQLite needs nothing here: its listeners watch the WAL file.
    """
    pending: list[dict[str, Any]] = session.info.pop(PENDING_EVENTS, [])
    if not pending:
        return
    session.flush()
    halls = sorted({event["hall_id"] for event in pending})
    if _is_postgres(session) and len(halls) == 1:
        key = _lock_key(f"events:{halls[0]}")
        extra = {"lock_key": key, "channel": notify_channel(halls[0])}
        rows = [{name: event[name] for name in _EVENT_FIELDS} | extra for event in pending]
        _run(session, _LOCKED_INSERT_EVENT, rows)
    else:
        for hall_id in halls:
            lock(session, f"events:{hall_id}")
        connection_of(session).execute(_INSERT_EVENT, pending)
        if _is_postgres(session):
            for hall_id in halls:
                _run(
                    session, _NOTIFY_LAST, {"channel": notify_channel(hall_id), "hall_id": hall_id}
                )
    _advance_clock(session, pending)


_ADVANCE_CLOCK = _register(
    "advance_clock",
    "INSERT INTO hall_clock (hall_id, latest_seen) VALUES (:hall_id, :latest_seen)"
    " ON CONFLICT (hall_id) DO UPDATE SET latest_seen = excluded.latest_seen"
    " WHERE hall_clock.latest_seen < excluded.latest_seen",
    HALL_CLOCK,
)


def _advance_clock(session: Session, events: list[dict[str, Any]]) -> None:
    """Move the hall's latest time seen forward to its newest event (see
    ``kiosk.store.hallclock``); taken after the event lock, so it adds no lock of its own."""
    latest: dict[str, datetime] = {}
    for event in events:
        hall_id, at = event["hall_id"], event["at"]
        if hall_id not in latest or at > latest[hall_id]:
            latest[hall_id] = at
    rows = [{"hall_id": hall_id, "latest_seen": at} for hall_id, at in sorted(latest.items())]
    _run(session, _ADVANCE_CLOCK, rows)


def discard_pending_events(session: Session) -> None:
    session.info.pop(PENDING_EVENTS, None)


_WINDOW_ROW = _register(
    "window_row",
    f"SELECT {_columns(WINDOW_FIELDS)} FROM windows"
    " WHERE hall_id = :hall_id AND number = :number{for_update}",
    WINDOWS,
    WINDOW_FIELDS,
)
_WINDOW_ROW_SHARED = _register(
    "window_row_shared",
    f"SELECT {_columns(WINDOW_FIELDS)} FROM windows WHERE hall_id = :hall_id AND number = :number",
    WINDOWS,
    WINDOW_FIELDS,
)
_NEW_WINDOW = _register(
    "new_window",
    "INSERT INTO windows (hall_id, number, state, clerk, priority_streak, updated_at)"
    " VALUES (:hall_id, :number, :state, NULL, 0, :updated_at)"
    " ON CONFLICT (hall_id, number) DO NOTHING",
    WINDOWS,
)


def window_row(
    session: Session, hall_id: str, number: int, now: datetime, *, for_update: bool = True
) -> WindowRecord:
    """The state row of a window, created (open) the first time it is used.

    With ``for_update`` the row stays locked until commit: the window's calls queue up.
    """
    key = _WINDOW_ROW if for_update else _WINDOW_ROW_SHARED
    params = {"hall_id": hall_id, "number": number}
    row = _run(session, key, params).first()
    if row is None:
        new = {**params, "state": WindowState.OPEN.value, "updated_at": now}
        _run(session, _NEW_WINDOW, new)
        row = _run(session, key, params).one()
    return WindowRecord(*row)


_UPDATE_WINDOW = _register(
    "update_window",
    "UPDATE windows SET state = :state, clerk = :clerk, priority_streak = :priority_streak,"
    " updated_at = :updated_at WHERE hall_id = :hall_id AND number = :number",
    WINDOWS,
)


def update_window(session: Session, window: WindowRecord) -> None:
    """Write a window record (read with ``window_row``, so locked) back to its row."""
    params = dict(zip(WINDOW_FIELDS, astuple(window), strict=True))
    _run(session, _UPDATE_WINDOW, params)


_WINDOW_STATES = _register(
    "window_states",
    f"SELECT {_columns(WINDOW_FIELDS)} FROM windows WHERE hall_id = :hall_id",
    WINDOWS,
    WINDOW_FIELDS,
)


def window_states(session: Session, hall_id: str) -> dict[int, WindowRecord]:
    rows = _run(session, _WINDOW_STATES, {"hall_id": hall_id})
    return {row[1]: WindowRecord(*row) for row in rows}


_WAITING = _register(
    "waiting",
    "SELECT id, service_id, queued_at, kind, slot_start, priority_group,"
    " COALESCE(arrival, id) AS arrival FROM tickets"
    f" WHERE hall_id = :hall_id AND status = '{TicketStatus.WAITING.value}' AND day = :day"
    " AND service_id IN :service_ids",
    TICKETS,
    ["id", "service_id", "queued_at", "kind", "slot_start", "priority_group", "arrival"],
    service_ids=Expanding(TICKETS.c.service_id.type),
)


def waiting_candidates(
    session: Session, hall_id: str, day: date, service_ids: Iterable[str]
) -> list[Candidate]:
    """The waiting tickets as the queue policy sees them: plain rows, no ORM objects, because a
    busy hall has hundreds waiting and this runs on every issue and every call."""
    params = {"hall_id": hall_id, "day": day, "service_ids": list(service_ids)}
    rows = _run(session, _WAITING, params)
    booked = TicketKind.BOOKED.value
    return [
        Candidate(ticket_id, service_id, queued_at, kind == booked, slot_start, group, arrival)
        for ticket_id, service_id, queued_at, kind, slot_start, group, arrival in rows
    ]


_CLAIM = _register(
    "claim",
    f"UPDATE tickets SET status = '{TicketStatus.CALLED.value}', \"window\" = :window,"
    " called_at = :called_at, calls = calls + 1, clerk = :clerk"
    f" WHERE id = :ticket_id AND status = '{TicketStatus.WAITING.value}'"
    f" RETURNING {_TICKET_COLUMNS}",
    TICKETS,
    TICKET_FIELDS,
)


def claim_ticket(
    session: Session, ticket_id: int, window: int, now: datetime, clerk: str | None = None
) -> TicketRecord | None:
    """Mark a waiting ticket called at ``window`` (by ``clerk``) and return it; None when
    another window got it first.

    The guard on ``status`` is what makes two windows calling at once safe: on PostgreSQL the
    second UPDATE waits for the first to commit, re-reads the row and matches nothing.
    """
    params = {"ticket_id": ticket_id, "window": window, "called_at": now, "clerk": clerk}
    return _ticket(_run(session, _CLAIM, params).first())


_CURRENT = {
    locked: _register(
        f"current:{locked}",
        f"SELECT {_TICKET_COLUMNS} FROM tickets"
        ' WHERE hall_id = :hall_id AND day = :day AND "window" = :window'
        f" AND status IN ('{TicketStatus.CALLED.value}', '{TicketStatus.SERVING.value}')"
        " ORDER BY called_at DESC, id DESC LIMIT 1" + ("{for_update}" if locked else ""),
        TICKETS,
        TICKET_FIELDS,
    )
    for locked in (False, True)
}


def current_ticket(
    session: Session, hall_id: str, window: int, day: date, *, for_update: bool = True
) -> TicketRecord | None:
    """The ticket a window has called or is serving (the latest, if a fault left several),
    locked until commit unless ``for_update`` is false (a screen's read)."""
    params = {"hall_id": hall_id, "window": window, "day": day}
    return _ticket(_run(session, _CURRENT[for_update], params).first())


_BY_NUMBER = {
    locked: _register(
        f"by_number:{locked}",
        f"SELECT {_TICKET_COLUMNS} FROM tickets"
        " WHERE hall_id = :hall_id AND day = :day AND number = :number"
        " ORDER BY id DESC LIMIT 1" + ("{for_update}" if locked else ""),
        TICKETS,
        TICKET_FIELDS,
    )
    for locked in (False, True)
}


def ticket_by_number(
    session: Session, hall_id: str, day: date, number: str, *, for_update: bool = False
) -> TicketRecord | None:
    params = {"hall_id": hall_id, "day": day, "number": number}
    return _ticket(_run(session, _BY_NUMBER[for_update], params).first())


_HOLDER_OPEN = _register(
    "holder_open",
    f"SELECT {_TICKET_COLUMNS} FROM tickets"
    " WHERE hall_id = :hall_id AND holder_hash = :holder_hash AND day = :day"
    " AND service_id = :service_id AND id <> :other_than"
    " AND status IN ("
    + ", ".join(f"'{status.value}'" for status in OPEN_TICKET_STATUSES)
    + ") LIMIT 1",
    TICKETS,
    TICKET_FIELDS,
    other_than=TICKETS.c.id.type,
)


def holder_open_ticket(
    session: Session,
    hall_id: str,
    day: date,
    service_id: str,
    holder_hash: str,
    *,
    other_than: int | None = None,
) -> TicketRecord | None:
    """An open ticket of the same holder and service today (one person, one place in line)."""
    params = {
        "hall_id": hall_id,
        "day": day,
        "service_id": service_id,
        "holder_hash": holder_hash,
        "other_than": other_than if other_than is not None else -1,
    }
    return _ticket(_run(session, _HOLDER_OPEN, params).first())


_HOLDER_WALK_IN = _register(
    "holder_walk_in",
    f"SELECT {_TICKET_COLUMNS} FROM tickets"
    " WHERE hall_id = :hall_id AND holder_hash = :holder_hash AND day = :day"
    f" AND kind = '{TicketKind.WALK_IN.value}'"
    f" AND status IN ('{TicketStatus.WAITING.value}', '{TicketStatus.CALLED.value}')"
    " ORDER BY id DESC LIMIT 1",
    TICKETS,
    TICKET_FIELDS,
)


def holder_walk_in_ticket(
    session: Session, hall_id: str, day: date, holder_hash: str
) -> TicketRecord | None:
    """The holder's newest walk-in ticket of the day still waiting or called: the one a card
    tapped again at the kiosk reprints."""
    params = {"hall_id": hall_id, "day": day, "holder_hash": holder_hash}
    return _ticket(_run(session, _HOLDER_WALK_IN, params).first())


_RECENT = _register(
    "recent_service",
    "SELECT started_at, finished_at FROM tickets"
    " WHERE hall_id = :hall_id AND service_id = :service_id"
    f" AND status = '{TicketStatus.DONE.value}'"
    " AND finished_at IS NOT NULL AND started_at IS NOT NULL"
    " ORDER BY finished_at DESC LIMIT :limit",
    TICKETS,
    ["started_at", "finished_at"],
)


def recent_service_minutes(
    session: Session, hall_id: str, service_id: str, limit: int
) -> list[float]:
    """Service times (start to finish) of the latest finished tickets, newest first."""
    params = {"hall_id": hall_id, "service_id": service_id, "limit": limit}
    return [
        (finished - started).total_seconds() / 60
        for started, finished in _run(session, _RECENT, params)
    ]


def holder_bookings(
    session: Session, holder_hash: str, *, for_update: bool = False
) -> Sequence[Booking]:
    """A holder's bookings in every hall of the store, by slot.

    ``for_update`` locks them until commit (in slot order, so two lockers never cross): a
    check-in decides on their status, and the same card tapped at two kiosks at once must not
    turn one booking into two tickets (PostgreSQL; SQLite writers are serialised anyway).
    """
    query = (
        select(Booking)
        .where(Booking.holder_hash == holder_hash)
        .order_by(Booking.slot_start, Booking.id)
    )
    if for_update:
        query = query.with_for_update()
    return session.execute(query).scalars().all()


_BOOKING_TICKET = _register(
    "booking_ticket",
    f"SELECT {_TICKET_COLUMNS} FROM tickets WHERE booking_id = :booking_id"
    " ORDER BY id DESC LIMIT 1",
    TICKETS,
    TICKET_FIELDS,
)


def booking_ticket(session: Session, booking_id: int) -> TicketRecord | None:
    """The newest ticket of a booking (after a transfer, the ticket it was moved to)."""
    return _ticket(_run(session, _BOOKING_TICKET, {"booking_id": booking_id}).first())


def slot_counts(session: Session, hall_id: str, service_id: str, day: date) -> dict[datetime, int]:
    """Place-holding bookings of an item per slot start on ``day`` (slots without one absent)."""
    start = datetime.combine(day, datetime.min.time())
    query = (
        select(Booking.slot_start, func.count())
        .where(
            Booking.hall_id == hall_id,
            Booking.service_id == service_id,
            Booking.slot_start >= start,
            Booking.slot_start < start + timedelta(days=1),
            Booking.status.in_(PLACE_HOLDING_STATUSES),
        )
        .group_by(Booking.slot_start)
    )
    return {slot_start: int(count) for slot_start, count in session.execute(query).all()}


def slot_bookings(session: Session, hall_id: str, service_id: str, slot_start: datetime) -> int:
    query = select(func.count()).where(
        Booking.hall_id == hall_id,
        Booking.service_id == service_id,
        Booking.slot_start == slot_start,
        Booking.status.in_(PLACE_HOLDING_STATUSES),
    )
    return int(session.execute(query).scalar_one())


def unclaimed_bookings(session: Session, hall_id: str, ended_by: datetime) -> Sequence[Booking]:
    """Booked (not checked-in) bookings whose slot ended at or before ``ended_by``."""
    query = (
        select(Booking)
        .where(
            Booking.hall_id == hall_id,
            Booking.status == BookingStatus.BOOKED.value,
            Booking.slot_end <= ended_by,
        )
        .order_by(Booking.slot_start, Booking.id)
        .with_for_update()
    )
    return session.execute(query).scalars().all()


#: Statuses set at the hall that an older central copy does not undo.
LOCAL_BOOKING_STATUSES = tuple(
    status.value
    for status in (BookingStatus.CHECKED_IN, BookingStatus.SERVED, BookingStatus.FORFEITED)
)
_KEPT_ON_REFRESH = ("central_id", "created_at", "status", "checked_in_at")


def upsert_bookings(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert or refresh bookings by their central id (the sync pull), in one statement.

    Status set locally (checked in, served, forfeited) is not overwritten by an older central
    copy: the central store learns of those from the outbox. A check-in time known only
    centrally fills a missing local one.
    """
    if not rows:
        return
    table = Booking.__table__
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table)
    refreshed: dict[str, Any] = {
        name: statement.excluded[name] for name in rows[0] if name not in _KEPT_ON_REFRESH
    }
    # Inline constants: a bound (expanding) IN list is not allowed in an executemany.
    local: list[ColumnElement[str]] = [
        literal_column(f"'{status}'") for status in LOCAL_BOOKING_STATUSES
    ]
    refreshed["status"] = case(
        (table.c.status.in_(local), table.c.status), else_=statement.excluded.status
    )
    if "checked_in_at" in rows[0]:
        refreshed["checked_in_at"] = func.coalesce(
            table.c.checked_in_at, statement.excluded.checked_in_at
        )
    session.execute(
        statement.on_conflict_do_update(index_elements=["central_id"], set_=refreshed), rows
    )


def upsert_booking(session: Session, values: dict[str, Any]) -> None:
    upsert_bookings(session, [values])


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


_BY_ID = _register(
    "ticket_by_id",
    f"SELECT {_TICKET_COLUMNS} FROM tickets WHERE id = :ticket_id AND hall_id = :hall_id"
    "{for_update}",
    TICKETS,
    TICKET_FIELDS,
)


def ticket_by_id(session: Session, hall_id: str, ticket_id: int) -> TicketRecord | None:
    """A ticket of the hall by its id, locked until commit (PostgreSQL)."""
    return _ticket(_run(session, _BY_ID, {"ticket_id": ticket_id, "hall_id": hall_id}).first())


_TRANSFERRED_TO = _register(
    "transferred_to",
    f"SELECT {_TICKET_COLUMNS} FROM tickets WHERE transferred_from = :ticket_id"
    " ORDER BY id DESC LIMIT 1",
    TICKETS,
    TICKET_FIELDS,
)


def transferred_to(session: Session, ticket_id: int) -> TicketRecord | None:
    """The ticket a transfer replaced ``ticket_id`` with, if any."""
    return _ticket(_run(session, _TRANSFERRED_TO, {"ticket_id": ticket_id}).first())


def rating_of(session: Session, ticket_id: int) -> Rating | None:
    return session.execute(select(Rating).where(Rating.ticket_id == ticket_id)).scalar_one_or_none()


def add_rating(session: Session, values: dict[str, Any]) -> Rating:
    """Insert a rating (the unique ticket id refuses a second one for the same ticket)."""
    rating = Rating(**values)
    session.add(rating)
    session.flush()
    return rating


def ratings_between(session: Session, hall_id: str, first: date, last: date) -> Sequence[Rating]:
    query = (
        select(Rating)
        .where(Rating.hall_id == hall_id, Rating.day >= first, Rating.day <= last)
        .order_by(Rating.id)
    )
    return session.execute(query).scalars().all()


_FOLLOW_UP_FIELDS = ("ticket_id", "stage", "state", "due", "closed_at", "synced_at")


def put_follow_ups(session: Session, hall_id: str, records: Iterable[FollowUpRecord]) -> None:
    """Store the centre's follow-up states, each replacing its ticket's copy (one statement)."""
    rows = [
        {"hall_id": hall_id, **dict(zip(_FOLLOW_UP_FIELDS, astuple(r), strict=True))}
        for r in records
    ]
    if not rows:
        return
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(FollowUpCopy.__table__)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["ticket_id"],
            set_={name: statement.excluded[name] for name in rows[0] if name != "ticket_id"},
        ),
        rows,
    )


def follow_ups_of(session: Session, ticket_ids: Iterable[int]) -> dict[int, FollowUpRecord]:
    ids = list(ticket_ids)
    found: dict[int, FollowUpRecord] = {}
    for start in range(0, len(ids), 500):  # bounded IN lists (SQLite's bind limit)
        query = select(FollowUpCopy).where(FollowUpCopy.ticket_id.in_(ids[start : start + 500]))
        for row in session.execute(query).scalars():
            found[row.ticket_id] = FollowUpRecord(
                *(getattr(row, name) for name in _FOLLOW_UP_FIELDS)
            )
    return found


def unsettled_ratings(session: Session, hall_id: str, levels: Iterable[str]) -> Sequence[Rating]:
    """Ratings at ``levels`` whose follow-up copy is missing or not closed, by day and id."""
    query = (
        select(Rating)
        .outerjoin(FollowUpCopy, FollowUpCopy.ticket_id == Rating.ticket_id)
        .where(
            Rating.hall_id == hall_id,
            Rating.level.in_(list(levels)),
            or_(FollowUpCopy.ticket_id.is_(None), FollowUpCopy.stage != FollowUpStage.CLOSED.value),
        )
        .order_by(Rating.day, Rating.id)
    )
    return session.execute(query).scalars().all()


def last_rated_before(
    session: Session, hall_id: str, window: int, before: datetime
) -> Rating | None:
    """The newest rating at ``window`` of a service finished before ``before``."""
    query = (
        select(Rating)
        .join(Ticket, Ticket.id == Rating.ticket_id)
        .where(
            Rating.hall_id == hall_id,
            Rating.window == window,
            Ticket.finished_at <= before,
        )
        .order_by(Ticket.finished_at.desc(), Rating.id.desc())
        .limit(1)
    )
    return session.execute(query).scalar_one_or_none()


def booking_by_id(session: Session, booking_id: int) -> Booking | None:
    return session.get(Booking, booking_id)


def add_booking(session: Session, values: dict[str, Any]) -> Booking:
    """Insert a booking and give it its id (flushed, so the event can name it)."""
    booking = Booking(**values)
    session.add(booking)
    session.flush()
    return booking


def update_booking(session: Session, booking: Booking, **values: Any) -> None:
    """Change a booking loaded in this transaction; written with the rest at commit."""
    for key, value in values.items():
        setattr(booking, key, value)


_ON_DAY = _register(
    "tickets_on_day",
    f"SELECT {_TICKET_COLUMNS} FROM tickets"
    " WHERE hall_id = :hall_id AND day = :day AND status IN :statuses ORDER BY id",
    TICKETS,
    TICKET_FIELDS,
    statuses=Expanding(TICKETS.c.status.type),
)


def tickets_on_day(
    session: Session, hall_id: str, day: date, statuses: Sequence[str]
) -> list[TicketRecord]:
    params = {"hall_id": hall_id, "day": day, "statuses": list(statuses)}
    return [TicketRecord(*row) for row in _run(session, _ON_DAY, params)]


_OPEN_BEFORE = _register(
    "open_before",
    f"SELECT {_TICKET_COLUMNS} FROM tickets"
    " WHERE hall_id = :hall_id AND day < :day AND "
    + sql_in("status", OPEN_TICKET_STATUSES)
    + " ORDER BY id{for_update}",
    TICKETS,
    TICKET_FIELDS,
)


def open_tickets_before(session: Session, hall_id: str, day: date) -> list[TicketRecord]:
    """Tickets of days before ``day`` still open, locked until commit (PostgreSQL)."""
    params = {"hall_id": hall_id, "day": day}
    return [TicketRecord(*row) for row in _run(session, _OPEN_BEFORE, params)]


_BY_STATUS_AT_WINDOW = _register(
    "by_status_at_window",
    "SELECT status, count(*) AS n FROM tickets WHERE hall_id = :hall_id AND day = :day"
    ' AND "window" = :window AND status IN :statuses GROUP BY status',
    TICKETS,
    statuses=Expanding(TICKETS.c.status.type),
)


def count_by_status(
    session: Session, hall_id: str, window: int, day: date, statuses: Sequence[str]
) -> dict[str, int]:
    params = {"hall_id": hall_id, "day": day, "window": window, "statuses": list(statuses)}
    return {status: int(n) for status, n in _run(session, _BY_STATUS_AT_WINDOW, params)}


_WAITING_BY_SERVICE = _register(
    "waiting_by_service",
    "SELECT service_id, count(*) AS n FROM tickets WHERE hall_id = :hall_id AND day = :day"
    f" AND status = '{TicketStatus.WAITING.value}' AND service_id IN :service_ids"
    " GROUP BY service_id",
    TICKETS,
    service_ids=Expanding(TICKETS.c.service_id.type),
)


def waiting_by_service(
    session: Session, hall_id: str, day: date, service_ids: Sequence[str]
) -> dict[str, int]:
    params = {"hall_id": hall_id, "day": day, "service_ids": list(service_ids)}
    return {service: int(n) for service, n in _run(session, _WAITING_BY_SERVICE, params)}


def last_event_type(
    session: Session, hall_id: str, types: Sequence[str], terminal: str
) -> str | None:
    """The type of the newest event of ``terminal`` among ``types``."""
    query = (
        select(Event.type)
        .where(Event.hall_id == hall_id, Event.type.in_(list(types)), Event.terminal == terminal)
        .order_by(Event.seq.desc())
        .limit(1)
    )
    return session.execute(query).scalar_one_or_none()


_BETWEEN = _register(
    "tickets_between",
    f"SELECT {_TICKET_COLUMNS} FROM tickets"
    " WHERE hall_id = :hall_id AND day >= :first AND day <= :last ORDER BY id",
    TICKETS,
    TICKET_FIELDS,
    first=TICKETS.c.day.type,
    last=TICKETS.c.day.type,
)


def tickets_between(session: Session, hall_id: str, first: date, last: date) -> list[TicketRecord]:
    """Tickets of the days ``first`` to ``last`` (both included), by id: a report's range."""
    params = {"hall_id": hall_id, "first": first, "last": last}
    return [TicketRecord(*row) for row in _run(session, _BETWEEN, params)]


def bookings_between(
    session: Session, hall_id: str, first: datetime, after: datetime
) -> Sequence[Booking]:
    """Bookings of the hall whose slot starts at or after ``first`` and before ``after``."""
    query = (
        select(Booking)
        .where(Booking.hall_id == hall_id, Booking.slot_start >= first, Booking.slot_start < after)
        .order_by(Booking.slot_start, Booking.id)
    )
    return session.execute(query).scalars().all()
