"""sync client: its cursor and online/offline state, and the central version of each booking

Revision ID: 0002_sync
Revises: 0001
Create Date: 2026-11-23

Kept in the hall store, not in a file of the sync process, because the hall display and the
window consoles are other processes (often other machines) that show how long the hall has
been offline. See sync/state.py.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_sync"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_state",
        sa.Column("hall_id", sa.String(length=64), nullable=False),
        sa.Column("cursor", sa.BigInteger(), nullable=False),
        sa.Column("online", sa.Boolean(), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("last_success_at", sa.DateTime(), nullable=True),
        sa.Column("offline_since", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=32), nullable=True),
        sa.Column("last_error_detail", sa.String(length=200), nullable=True),
        sa.Column("runner", sa.String(length=64), nullable=True),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("hall_id"),
    )
    op.create_table(
        "sync_bookings",
        sa.Column("central_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("conflict", sa.String(length=64), nullable=True),
        sa.Column("reject_reason", sa.String(length=32), nullable=True),
        sa.Column("reject_message", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("central_id"),
    )


def downgrade() -> None:
    op.drop_table("sync_bookings")
    op.drop_table("sync_state")
