"""Alembic environment of the central store, run programmatically (``sync.server.db.upgrade``;
see ``kiosk.store.migration_env``)."""

from __future__ import annotations

from kiosk.store.migration_env import run_migrations
from sync.server.models import Base

run_migrations(
    Base.metadata,
    "sync.server.db.upgrade (kiosk central serve)",
    version_table="central_alembic_version",
)
