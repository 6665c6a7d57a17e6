"""The central store's database: engine, schema migrations and the per-request session.

The engine set-up of the hall store is reused (``kiosk.store.db.make_engine``): SQLite in WAL
mode with ``BEGIN IMMEDIATE`` so writers queue instead of failing, PostgreSQL with pre-ping.
The schema is the central store's own Alembic history in ``sync/server/migrations``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from kiosk.store.db import StoreError, make_engine

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_LOCK_ID = 7318002


def open_engine(url: str, **options: Any) -> Engine:
    return make_engine(url, **options)


def alembic_config(connection: Any | None = None) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` in one locked transaction (safe with two starters)."""
    from alembic import command

    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_LOCK_ID})")
            command.upgrade(alembic_config(connection), revision)
    except Exception as error:
        url = engine.url.render_as_string(hide_password=True)
        raise StoreError(f"cannot migrate the central store at {url}: {error}") from error


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
