"""Tables of the central booking store (its own database, not a hall store).

Times are hall-local wall time, as in the hall store and on the wire. Nothing here holds a
plain ID number: a holder is the HMAC of the number under the key the halls share, plus a masked
name and phone for staff to read.
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
    ForeignKeyConstraint,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from kiosk.domain.statuses import PLACE_HOLDING, sql_in
from kiosk.store.columns import BigId

#: The partial index's condition: the domain's place-holding statuses (pinned by
#: tests/central/test_active_index.py against the migrated stores).
ACTIVE_WHERE = sql_in("status", PLACE_HOLDING)


class Base(DeclarativeBase):
    pass


class HallCounter(Base):
    """The last change number handed out in a hall.

    Every write to a hall's bookings first takes this row (``UPDATE … RETURNING``); the row lock
    is held to commit, so a hall's writers run one at a time and ``change_seq`` values commit in
    increasing order, which makes ``since=<cursor>`` pulls safe under concurrent writers.
    """

    __tablename__ = "hall_counters"

    hall_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class Booking(Base):
    """A booking of one hall. Its id is unique within the hall only: a kiosk picks the ids of
    its on-site bookings, and one hall must not learn, by a clash, which ids another uses."""

    __tablename__ = "bookings"

    id: Mapped[str] = mapped_column(String(64))
    hall_id: Mapped[str] = mapped_column(String(64))
    service_id: Mapped[str] = mapped_column(String(64))
    slot_start: Mapped[datetime] = mapped_column(DateTime)
    slot_end: Mapped[datetime] = mapped_column(DateTime)
    id_hash: Mapped[str] = mapped_column(String(64))
    masked_name: Mapped[str] = mapped_column(String(64))
    masked_phone: Mapped[str | None] = mapped_column(String(24))
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer, default=1)
    change_seq: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(80))
    checked_in_at: Mapped[datetime | None] = mapped_column(DateTime)
    cancelled_by: Mapped[str | None] = mapped_column(String(16))
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    reject_reason: Mapped[str | None] = mapped_column(String(32))
    reject_message: Mapped[str | None] = mapped_column(String(200))
    notice: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    conflict: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        PrimaryKeyConstraint("hall_id", "id", name="pk_bookings"),
        Index("ix_bookings_cursor", "hall_id", "change_seq", unique=True),
        Index("ix_bookings_slot", "hall_id", "slot_start", "service_id", "status"),
        # One active booking per person per slot, enforced by the database as well as the code.
        Index(
            "uq_bookings_holder_slot",
            "hall_id",
            "id_hash",
            "slot_start",
            unique=True,
            sqlite_where=text(ACTIVE_WHERE),
            postgresql_where=text(ACTIVE_WHERE),
        ),
    )


class Device(Base):
    """A kiosk (or an integration such as the WeChat back end) allowed to act for one hall."""

    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    hall_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_sequence: Mapped[int] = mapped_column(BigInteger, default=0)
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime)


class Event(Base):
    """An outbox entry received from a device, with the outcome it was given (returned again
    when the same key arrives twice)."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    hall_id: Mapped[str] = mapped_column(String(64))
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"))
    idempotency_key: Mapped[str] = mapped_column(String(64))
    sequence: Mapped[int] = mapped_column(BigInteger)
    type: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column(DateTime)
    received_at: Mapped[datetime] = mapped_column(DateTime)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: SHA-256 of the event as sent (type and payload): a repeated key is compared by it, so
    #: a refused event's payload need not be kept.
    payload_hash: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(32))
    message: Mapped[str | None] = mapped_column(String(200))
    conflict: Mapped[str | None] = mapped_column(String(64))
    booking_id: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        UniqueConstraint("hall_id", "idempotency_key", name="uq_events_key"),
        Index("ix_events_day", "hall_id", "type", "occurred_at"),
    )


class Staff(Base):
    """A staff login: its role (``auth.Role``) and, below county admin, the halls it acts for
    (``StaffHall``)."""

    __tablename__ = "staff"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    role: Mapped[str] = mapped_column(String(16))


class StaffHall(Base):
    __tablename__ = "staff_halls"

    username: Mapped[str] = mapped_column(ForeignKey("staff.username"), primary_key=True)
    hall_id: Mapped[str] = mapped_column(String(64), primary_key=True)


class LoginThrottle(Base):
    """Failed logins per staff user name and per client address (the key is the SHA-256 of
    ``user:<name>`` or ``address:<ip>``), shared by every server process: ``failures`` within
    the window since ``window_started_at``; at the limit the key is locked until
    ``locked_until``, each lock twice as long as the one before (``lockouts``)."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime] = mapped_column(DateTime)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    lockouts: Mapped[int] = mapped_column(Integer, default=0)


class StaffSession(Base):
    """A staff login; the cookie holds the token, the table only its hash."""

    __tablename__ = "staff_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(ForeignKey("staff.username"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)


class Rating(Base):
    """A citizen's 好差评 of one service (``ticket_rated``), one per ticket of a hall: the first
    event for a ticket is kept, a second one for the same ticket is recorded and ignored."""

    __tablename__ = "ratings"

    hall_id: Mapped[str] = mapped_column(String(64))
    ticket_id: Mapped[int] = mapped_column(BigInteger)
    day: Mapped[date] = mapped_column(Date)
    number: Mapped[str] = mapped_column(String(8))
    service_id: Mapped[str] = mapped_column(String(64))
    window: Mapped[int | None] = mapped_column(Integer)
    clerk: Mapped[str | None] = mapped_column(String(16))
    clerk_name: Mapped[str | None] = mapped_column(String(32))
    level: Mapped[str] = mapped_column(String(24))
    bad: Mapped[bool] = mapped_column(Boolean)
    reasons: Mapped[list[str]] = mapped_column(JSON)
    reasons_zh: Mapped[list[str]] = mapped_column(JSON)
    comment: Mapped[str | None] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(16))
    served_at: Mapped[datetime] = mapped_column(DateTime)
    rated_at: Mapped[datetime] = mapped_column(DateTime)
    received_at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (
        PrimaryKeyConstraint("hall_id", "ticket_id", name="pk_ratings"),
        Index("ix_ratings_day", "hall_id", "day"),
    )


class FollowUp(Base):
    """The follow-up a 差评 opened (``kiosk.domain.follow_up``): its stage; the deadline is
    counted from ``opened_at`` whenever it is shown, by the hall's calendar of that moment."""

    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    hall_id: Mapped[str] = mapped_column(String(64))
    ticket_id: Mapped[int] = mapped_column(BigInteger)
    stage: Mapped[str] = mapped_column(String(16))
    opened_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)

    __table_args__ = (
        ForeignKeyConstraint(
            ["hall_id", "ticket_id"], ["ratings.hall_id", "ratings.ticket_id"], name="fk_rating"
        ),
        UniqueConstraint("hall_id", "ticket_id", name="uq_follow_ups_ticket"),
        Index("ix_follow_ups_stage", "hall_id", "stage"),
    )


class FollowUpEntry(Base):
    """One recorded step: the note scrubbed, the person reached masked, who recorded it.
    Each step once per item (the database holds to it as well as the rules)."""

    __tablename__ = "follow_up_steps"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    follow_up_id: Mapped[int] = mapped_column(ForeignKey("follow_ups.id"))
    step: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(500))
    contact_name: Mapped[str | None] = mapped_column(String(32))
    contact_phone: Mapped[str | None] = mapped_column(String(24))
    contacted_at: Mapped[datetime | None] = mapped_column(DateTime)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (UniqueConstraint("follow_up_id", "step", name="uq_follow_up_steps_step"),)
