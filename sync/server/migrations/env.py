"""Alembic environment of the central store, run programmatically (``sync.server.db.upgrade``).

The caller passes an open connection in ``config.attributes["connection"]``; there is no
alembic.ini.
"""

from __future__ import annotations

from alembic import context

from sync.server.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through sync.server.db.upgrade (kiosk central serve)")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    version_table="central_alembic_version",
)
with context.begin_transaction():
    context.run_migrations()
