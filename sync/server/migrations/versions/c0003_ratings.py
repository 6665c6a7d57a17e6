"""ratings and the follow-ups of 差评 (issue 17)

Revision ID: c0003
Revises: c0002
Create Date: 2026-12-02 09:00:00

``ticket_rated`` events were kept as events only; from here on each is also a row of
``ratings`` (one per ticket of a hall) and a 差评 opens a ``follow_ups`` item whose steps go to
``follow_up_steps``. Ratings pushed before this revision stay events (no hall sent any yet).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c0003"
down_revision = "c0002"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "ratings",
        sa.Column("hall_id", sa.String(length=64), nullable=False),
        sa.Column("ticket_id", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("number", sa.String(length=8), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("window", sa.Integer(), nullable=True),
        sa.Column("clerk", sa.String(length=16), nullable=True),
        sa.Column("clerk_name", sa.String(length=32), nullable=True),
        sa.Column("level", sa.String(length=24), nullable=False),
        sa.Column("bad", sa.Boolean(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("reasons_zh", sa.JSON(), nullable=False),
        sa.Column("comment", sa.String(length=200), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("served_at", sa.DateTime(), nullable=False),
        sa.Column("rated_at", sa.DateTime(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("hall_id", "ticket_id", name="pk_ratings"),
    )
    op.create_index("ix_ratings_day", "ratings", ["hall_id", "day"])
    op.create_table(
        "follow_ups",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("hall_id", sa.String(length=64), nullable=False),
        sa.Column("ticket_id", sa.BigInteger(), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["hall_id", "ticket_id"], ["ratings.hall_id", "ratings.ticket_id"], name="fk_rating"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("hall_id", "ticket_id", name="uq_follow_ups_ticket"),
    )
    op.create_index("ix_follow_ups_stage", "follow_ups", ["hall_id", "stage"])
    op.create_table(
        "follow_up_steps",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("follow_up_id", _ID, nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("contact_name", sa.String(length=32), nullable=True),
        sa.Column("contact_phone", sa.String(length=24), nullable=True),
        sa.Column("contacted_at", sa.DateTime(), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["follow_up_id"], ["follow_ups.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("follow_up_id", "step", name="uq_follow_up_steps_step"),
    )


def downgrade() -> None:
    op.drop_table("follow_up_steps")
    op.drop_index("ix_follow_ups_stage", table_name="follow_ups")
    op.drop_table("follow_ups")
    op.drop_index("ix_ratings_day", table_name="ratings")
    op.drop_table("ratings")
