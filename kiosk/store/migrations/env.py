"""Alembic environment of the hall store, run programmatically (``kiosk db upgrade``).

The caller passes an open connection in ``config.attributes["connection"]`` (see
``kiosk.store.db.upgrade``); there is no alembic.ini.
"""

from __future__ import annotations

from alembic import context

from kiosk.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through kiosk.store.db.upgrade (kiosk db upgrade)")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
