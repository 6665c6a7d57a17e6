"""hall store: bookings, tickets, windows, counters, events

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-23

All datetimes are hall-local naive wall time; see kiosk/store/models.py.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bookings",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("central_id", sa.String(length=64), nullable=False),
        sa.Column("hall_id", sa.String(length=64), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("slot_start", sa.DateTime(), nullable=False),
        sa.Column("slot_end", sa.DateTime(), nullable=False),
        sa.Column("holder_hash", sa.String(length=64), nullable=False),
        sa.Column("name_masked", sa.String(length=64), nullable=False),
        sa.Column("phone_masked", sa.String(length=32), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("materials", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("checked_in_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("central_id"),
    )
    op.create_index("ix_bookings_holder", "bookings", ["hall_id", "holder_hash"], unique=False)
    op.create_index("ix_bookings_slot", "bookings", ["hall_id", "status", "slot_end"], unique=False)

    op.create_table(
        "counters",
        sa.Column("hall_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("prefix", sa.String(length=4), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("hall_id", "day", "prefix"),
    )
    op.create_table(
        "events",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("hall_id", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("terminal", sa.String(length=64), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=36), nullable=False),
        sa.Column("pushed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("idempotency_key"),
    )
    op.create_index("ix_events_type", "events", ["hall_id", "type", "seq"], unique=False)
    op.create_index("ix_events_unpushed", "events", ["pushed_at", "seq"], unique=False)

    op.create_table(
        "windows",
        sa.Column("hall_id", sa.String(length=64), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("clerk", sa.String(length=64), nullable=True),
        sa.Column("priority_streak", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("hall_id", "number"),
    )
    op.create_table(
        "tickets",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("hall_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("prefix", sa.String(length=4), nullable=False),
        sa.Column("serial", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=16), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("priority_group", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("queued_at", sa.DateTime(), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("called_at", sa.DateTime(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("missed_at", sa.DateTime(), nullable=True),
        sa.Column("window", sa.Integer(), nullable=True),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column(
            "booking_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("slot_start", sa.DateTime(), nullable=True),
        sa.Column("holder_hash", sa.String(length=64), nullable=True),
        sa.Column("name_masked", sa.String(length=64), nullable=True),
        sa.Column(
            "transferred_from", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
        ),
        sa.ForeignKeyConstraint(
            ["transferred_from"],
            ["tickets.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("hall_id", "day", "prefix", "serial", name="uq_tickets_serial"),
    )
    op.create_index("ix_tickets_day", "tickets", ["hall_id", "day"], unique=False)
    op.create_index("ix_tickets_window", "tickets", ["hall_id", "window", "status"], unique=False)
    op.create_index(
        "ix_tickets_history", "tickets", ["hall_id", "service_id", "finished_at"], unique=False
    )
    op.create_index(
        "ix_tickets_queue", "tickets", ["hall_id", "status", "service_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_tickets_queue", table_name="tickets")
    op.drop_index("ix_tickets_history", table_name="tickets")
    op.drop_index("ix_tickets_window", table_name="tickets")
    op.drop_index("ix_tickets_day", table_name="tickets")

    op.drop_table("tickets")
    op.drop_table("windows")
    op.drop_index("ix_events_unpushed", table_name="events")
    op.drop_index("ix_events_type", table_name="events")

    op.drop_table("events")
    op.drop_table("counters")
    op.drop_index("ix_bookings_slot", table_name="bookings")
    op.drop_index("ix_bookings_holder", table_name="bookings")

    op.drop_table("bookings")
