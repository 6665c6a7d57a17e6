"""Alembic environment of the hall store, run programmatically (``kiosk db upgrade``; see
``kiosk.store.migration_env``)."""

from __future__ import annotations

from kiosk.store.migration_env import run_migrations
from kiosk.store.models import Base

run_migrations(Base.metadata, "kiosk.store.db.upgrade (kiosk db upgrade)")
