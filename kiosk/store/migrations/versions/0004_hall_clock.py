"""the hall clock's guard (latest time seen, open clock fault) and the queue's arrival order

Revision ID: 0004
Revises: 0003_queue_indexes
Create Date: 2026-12-02

A clock stepped back (an NTP correction, a wrong RTC after a power cut) issued a second day's
B001 under the previous day and let a later arrival jump the queue, because the queue ordered
by wall time. ``hall_clock`` keeps the latest time any event was recorded at (filled here from
the events already stored); ``tickets.arrival`` orders the queue by issue order instead.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003_queue_indexes"
branch_labels = None
depends_on = None

#: Transfer chains are short (a person sent on once or twice); each pass follows one link.
TRANSFER_LINKS = 5


def upgrade() -> None:
    op.create_table(
        "hall_clock",
        sa.Column("hall_id", sa.String(length=64), nullable=False),
        sa.Column("latest_seen", sa.DateTime(), nullable=False),
        sa.Column("behind_since", sa.DateTime(), nullable=True),
        sa.Column("behind_terminal", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("hall_id"),
    )
    op.execute(
        "INSERT INTO hall_clock (hall_id, latest_seen)"
        " SELECT hall_id, MAX(at) FROM events GROUP BY hall_id"
    )
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("arrival", sa.BigInteger(), nullable=True))
    for _link in range(TRANSFER_LINKS):
        op.execute(
            "UPDATE tickets SET arrival = (SELECT COALESCE(o.arrival, o.id) FROM tickets o"
            " WHERE o.id = tickets.transferred_from) WHERE transferred_from IS NOT NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("arrival")
    op.drop_table("hall_clock")
