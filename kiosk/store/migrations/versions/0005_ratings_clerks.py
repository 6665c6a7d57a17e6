"""Ratings (好差评) and the clerk who called each ticket.

Revision ID: 0005
Revises: 0003_queue_indexes
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0003_queue_indexes"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("clerk", sa.String(16), nullable=True))
    op.create_table(
        "ratings",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("hall_id", sa.String(64), nullable=False),
        sa.Column("ticket_id", BigId, sa.ForeignKey("tickets.id"), nullable=False, unique=True),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("number", sa.String(16), nullable=False),
        sa.Column("service_id", sa.String(64), nullable=False),
        sa.Column("window", sa.Integer, nullable=True),
        sa.Column("clerk", sa.String(16), nullable=True),
        sa.Column("level", sa.String(24), nullable=False),
        sa.Column("reasons", sa.JSON, nullable=False),
        sa.Column("comment", sa.String(200), nullable=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("rated_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_ratings_day", "ratings", ["hall_id", "day"])
    op.create_index("ix_ratings_window", "ratings", ["hall_id", "window", "rated_at"])


def downgrade() -> None:
    op.drop_index("ix_ratings_window", table_name="ratings")
    op.drop_index("ix_ratings_day", table_name="ratings")
    op.drop_table("ratings")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("clerk")
