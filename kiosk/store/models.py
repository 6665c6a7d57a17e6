"""Tables of the hall store.

All datetimes are hall-local naive wall time (see ``kiosk.clock``): the rules are written in
local time and a hall never spans two timezones, so storing local time keeps every query and
report in the words of the rules. Nothing here holds a plain ID number or a photo: a holder is
known by the HMAC of the ID number under the hall's key, and shown by a masked name.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# The statuses are the domain's (one definition for both stores), named here for the callers
# that read them beside the tables.
from kiosk.domain.statuses import OPEN_TICKET_STATUSES as OPEN_TICKET_STATUSES
from kiosk.domain.statuses import BookingStatus as BookingStatus
from kiosk.domain.statuses import TicketKind as TicketKind
from kiosk.domain.statuses import TicketStatus as TicketStatus
from kiosk.domain.statuses import WindowState as WindowState
from kiosk.store.columns import BigId


class Base(DeclarativeBase):
    pass


class Booking(Base):
    __tablename__ = "bookings"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    central_id: Mapped[str] = mapped_column(String(64), unique=True)
    hall_id: Mapped[str] = mapped_column(String(64))
    service_id: Mapped[str] = mapped_column(String(64))
    slot_start: Mapped[datetime] = mapped_column(DateTime)
    slot_end: Mapped[datetime] = mapped_column(DateTime)
    holder_hash: Mapped[str] = mapped_column(String(64))
    name_masked: Mapped[str] = mapped_column(String(64))
    phone_masked: Mapped[str | None] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=BookingStatus.BOOKED.value)
    materials: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    checked_in_at: Mapped[datetime | None] = mapped_column(DateTime)

    __table_args__ = (
        Index("ix_bookings_holder", "hall_id", "holder_hash"),
        Index("ix_bookings_slot", "hall_id", "status", "slot_end"),
        Index("ix_bookings_holder_hash", "holder_hash"),
    )


class Ticket(Base):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    hall_id: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)
    prefix: Mapped[str] = mapped_column(String(4))
    serial: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(16))
    service_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    priority_group: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=TicketStatus.WAITING.value)
    # Wait start shown to staff and in reports: the first issue time, kept on a transfer.
    queued_at: Mapped[datetime] = mapped_column(DateTime)
    issued_at: Mapped[datetime] = mapped_column(DateTime)
    called_at: Mapped[datetime | None] = mapped_column(DateTime)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    missed_at: Mapped[datetime | None] = mapped_column(DateTime)
    window: Mapped[int | None] = mapped_column(Integer)
    calls: Mapped[int] = mapped_column(Integer, default=0)
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id"))
    slot_start: Mapped[datetime | None] = mapped_column(DateTime)
    holder_hash: Mapped[str | None] = mapped_column(String(64))
    name_masked: Mapped[str | None] = mapped_column(String(64))
    transferred_from: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    # Place in the queue: the id of the ticket first issued to this person (NULL: its own id),
    # kept on a transfer. An issue order, not a wall time, so a clock stepped back does not
    # put a newcomer ahead of people already waiting.
    arrival: Mapped[int | None] = mapped_column(BigInteger)
    # Issued in a period that only receives this item's materials (周末承办类): the ticket, the
    # console and a reprint must all say so, so it is kept, not recomputed from today's rules.
    materials_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # 工号 of the clerk signed in at the window when it was called (migration 0005).
    clerk: Mapped[str | None] = mapped_column(String(16))

    __table_args__ = (
        UniqueConstraint("hall_id", "day", "prefix", "serial", name="uq_tickets_serial"),
        Index("ix_tickets_queue", "hall_id", "status", "service_id"),
        Index("ix_tickets_day", "hall_id", "day"),
        Index("ix_tickets_window", "hall_id", "window", "status"),
        Index("ix_tickets_history", "hall_id", "service_id", "finished_at"),
        Index("ix_tickets_booking", "booking_id"),
        Index("ix_tickets_holder", "hall_id", "holder_hash", "day"),
    )


class Window(Base):
    __tablename__ = "windows"

    hall_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    state: Mapped[str] = mapped_column(String(16), default=WindowState.OPEN.value)
    clerk: Mapped[str | None] = mapped_column(String(64))
    # Booked/priority tickets called in a row here; the policy caps it so walk-ins move.
    priority_streak: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class Counter(Base):
    """The last ticket serial handed out per (hall, day, prefix)."""

    __tablename__ = "counters"

    hall_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    prefix: Mapped[str] = mapped_column(String(4), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


class Event(Base):
    """Append-only log of every change: the audit trail and the sync outbox in one."""

    __tablename__ = "events"

    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    hall_id: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(DateTime)
    terminal: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    idempotency_key: Mapped[str] = mapped_column(String(36), unique=True)
    pushed_at: Mapped[datetime | None] = mapped_column(DateTime)

    __table_args__ = (
        Index("ix_events_type", "hall_id", "type", "seq"),
        Index("ix_events_unpushed", "pushed_at", "seq"),
    )


class HallClockState(Base):
    """The latest hall time the store has seen, and an open clock fault (see
    ``kiosk.store.hallclock``)."""

    __tablename__ = "hall_clock"

    hall_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    latest_seen: Mapped[datetime] = mapped_column(DateTime)
    behind_since: Mapped[datetime | None] = mapped_column(DateTime)
    """The (wrong) time a machine first tried to issue or call with while behind."""
    behind_terminal: Mapped[str | None] = mapped_column(String(64))


class Rating(Base):
    """A citizen's 好差评 of one service (one per ticket): on the window's pad or the phone page.

    The row is what reports count; the ``ticket_rated`` event recorded with it is what the
    central store receives (``sync.protocol.TicketRatedPayload``). No name, no ID number.
    """

    __tablename__ = "ratings"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    hall_id: Mapped[str] = mapped_column(String(64))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), unique=True)
    day: Mapped[date] = mapped_column(Date)
    number: Mapped[str] = mapped_column(String(16))
    service_id: Mapped[str] = mapped_column(String(64))
    window: Mapped[int | None] = mapped_column(Integer)
    clerk: Mapped[str | None] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(24))
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    comment: Mapped[str | None] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(16))
    rated_at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (
        Index("ix_ratings_day", "hall_id", "day"),
        Index("ix_ratings_window", "hall_id", "window", "rated_at"),
    )


class FollowUpCopy(Base):
    """The central store's follow-up state of one 差评 of the hall, as last pulled by the sync
    (``sync.client.HallSync.pull_follow_ups``): stage, open/overdue/closed on the centre's day,
    the deadline. Read by ``kiosk report``; a 差评 without a row is not known here yet."""

    __tablename__ = "follow_up_states"

    ticket_id: Mapped[int] = mapped_column(BigId, ForeignKey("tickets.id"), primary_key=True)
    hall_id: Mapped[str] = mapped_column(String(64))
    stage: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    due: Mapped[date] = mapped_column(Date)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    synced_at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (Index("ix_follow_up_states_hall", "hall_id", "stage"),)
