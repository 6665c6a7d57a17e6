"""indexes for a card tap: a booking's ticket, a holder's open tickets, a holder's bookings

Revision ID: 0003_queue_indexes
Revises: 0002_sync
Create Date: 2026-11-23

Check-in and the one-ticket-per-person rule look tickets up by booking and by holder, and a
holder's bookings across halls; without these indexes each card tap read every ticket the hall
ever issued (or every booking), which grows by thousands a day in a busy hall.
"""

from __future__ import annotations

from alembic import op

revision = "0003_queue_indexes"
down_revision = "0002_sync"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_tickets_booking", "tickets", ["booking_id"], unique=False)
    op.create_index("ix_tickets_holder", "tickets", ["hall_id", "holder_hash", "day"], unique=False)
    op.create_index("ix_bookings_holder_hash", "bookings", ["holder_hash"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_bookings_holder_hash", table_name="bookings")
    op.drop_index("ix_tickets_holder", table_name="tickets")
    op.drop_index("ix_tickets_booking", table_name="tickets")
