"""tickets.materials_only: the ticket was issued for receiving materials only

Revision ID: 0006
Revises: 0003_queue_indexes
Create Date: 2026-11-24

A decide-later item at a weekend period that only receives materials (周末承办类) gets a ticket
that must say "仅接收材料" on paper, on the window console and on a reprint. Whether it was is
decided at issue time by the period then in force, so it is kept on the ticket rather than
recomputed later from rules that may have moved on (a reprint after the period has ended still
says it). Existing tickets were issued without the mark: false.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(
            sa.Column("materials_only", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("materials_only")
