"""follow_up_states: the central store's follow-up state of each 差评 of the hall

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02

The follow-up of a 差评 (回访 → 整改 → 反馈 → 办结) is worked in the central store's staff
pages; the hall's sync pulls its state (``sync.client.HallSync.pull_follow_ups``) so that
``kiosk report`` can show it beside the ratings it counts. One row per rated ticket, replaced
whole by each pull: a copy of the centre's answer, never edited at the hall. A 差评 without a
row is one whose state is not known here yet (未同步).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "follow_up_states",
        sa.Column("ticket_id", BigId, sa.ForeignKey("tickets.id"), primary_key=True),
        sa.Column("hall_id", sa.String(64), nullable=False),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("due", sa.Date, nullable=False),
        sa.Column("closed_at", sa.DateTime, nullable=True),
        sa.Column("synced_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_follow_up_states_hall", "follow_up_states", ["hall_id", "stage"])


def downgrade() -> None:
    op.drop_index("ix_follow_up_states_hall", table_name="follow_up_states")
    op.drop_table("follow_up_states")
