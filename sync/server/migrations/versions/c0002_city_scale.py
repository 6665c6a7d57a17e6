"""central store at city scale: staff roles and halls, login throttle, booking ids per hall,
event payload hashes, change notifications (PostgreSQL)

Revision ID: c0002
Revises: c0001
Create Date: 2026-11-24 09:00:00

Staff who existed before roles become county admins (they could act for every hall before);
new logins get their role and halls when made (``kiosk central add-staff``).
"""

from __future__ import annotations

import warnings

import sqlalchemy as sa
from alembic import op

revision = "c0002"
down_revision = "c0001"
branch_labels = None
depends_on = None

#: Every committed change of a hall's counter and every revocation, told to the listening
#: server processes (``sync.server.heads``) when the transaction commits.
NOTIFY_FUNCTIONS = """
CREATE OR REPLACE FUNCTION central_notify_head() RETURNS trigger AS $$
BEGIN
  PERFORM pg_notify('central_changes', 'head:' || NEW.value || ':' || NEW.hall_id);
  RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION central_notify_device() RETURNS trigger AS $$
BEGIN
  PERFORM pg_notify('central_changes', 'device:' || NEW.id);
  RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER hall_counters_notify AFTER INSERT OR UPDATE ON hall_counters
  FOR EACH ROW EXECUTE FUNCTION central_notify_head();

CREATE TRIGGER devices_notify AFTER UPDATE ON devices
  FOR EACH ROW WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at)
  EXECUTE FUNCTION central_notify_device();
"""


def upgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.add_column(
            sa.Column("role", sa.String(length=16), nullable=False, server_default="county_admin")
        )
    with op.batch_alter_table("staff") as batch:
        batch.alter_column("role", server_default=None)
    op.create_table(
        "staff_halls",
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("hall_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["username"], ["staff.username"]),
        sa.PrimaryKeyConstraint("username", "hall_id"),
    )
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", sa.DateTime(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("lockouts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("payload_hash", sa.String(length=64), nullable=True))
    # Booking ids are unique per hall: the primary key becomes (hall_id, id).
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("bookings_pkey", "bookings", type_="primary")
        op.create_primary_key("pk_bookings", "bookings", ["hall_id", "id"])
        op.execute(NOTIFY_FUNCTIONS)
    else:
        with warnings.catch_warnings():
            # SQLAlchemy notes that the copied table's key columns change: that is the point.
            warnings.simplefilter("ignore", sa.exc.SAWarning)
            with op.batch_alter_table("bookings", recreate="always") as batch:
                batch.create_primary_key("pk_bookings", ["hall_id", "id"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS devices_notify ON devices")
        op.execute("DROP TRIGGER IF EXISTS hall_counters_notify ON hall_counters")
        op.execute("DROP FUNCTION IF EXISTS central_notify_device()")
        op.execute("DROP FUNCTION IF EXISTS central_notify_head()")
        op.drop_constraint("pk_bookings", "bookings", type_="primary")
        op.create_primary_key("bookings_pkey", "bookings", ["id"])
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", sa.exc.SAWarning)
            with op.batch_alter_table("bookings", recreate="always") as batch:
                batch.drop_constraint("pk_bookings", type_="primary")
                batch.create_primary_key("bookings_pkey", ["id"])
    with op.batch_alter_table("events") as batch:
        batch.drop_column("payload_hash")
    op.drop_table("login_throttle")
    op.drop_table("staff_halls")
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("role")
