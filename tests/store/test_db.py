"""Opening and migrating the store, and the SQLite settings the hall relies on."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from kiosk.store.db import (
    StoreError,
    current_revision,
    ensure_schema,
    head_revision,
    make_engine,
    table_names,
    upgrade,
)

TABLES = [
    "alembic_version",
    "bookings",
    "counters",
    "events",
    "follow_up_states",
    "hall_clock",
    "ratings",
    "sync_bookings",
    "sync_state",
    "tickets",
    "windows",
]


def test_migrated_store_has_every_table(database_url: str) -> None:
    engine = make_engine(database_url)
    assert current_revision(engine) == head_revision()
    assert table_names(engine) == TABLES
    ensure_schema(engine)  # current: nothing to do
    assert upgrade(engine) == head_revision()
    engine.dispose()


def test_fresh_sqlite_file_is_created_and_tuned(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "dir" / "hall.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    ensure_schema(engine)
    assert path.exists() and table_names(engine) == TABLES
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 30000
    engine.dispose()


def test_unreachable_or_unknown_database_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="unsupported database"):
        make_engine("mysql://somewhere/hall")
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    with pytest.raises(StoreError, match=r"postgresql.*cannot reach the store") as caught:
        ensure_schema(engine)
    assert caught.value.exit_code == 10 and "\n" not in str(caught.value)


def test_tickets_issued_before_0006_are_not_materials_only(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    assert upgrade(engine, "0003_queue_indexes") == "0003_queue_indexes"
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO tickets (hall_id, day, prefix, serial, number, service_id, kind,"
                " status, queued_at, issued_at, calls) VALUES ('xixia', '2026-11-21', 'A', 1,"
                " 'A001', 'real-estate', 'walk_in', 'waiting', '2026-11-21 09:00:00',"
                " '2026-11-21 09:00:00', 0)"
            )
        )
    assert upgrade(engine) == head_revision()
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT number, materials_only FROM tickets")).all()
    assert [tuple(row) for row in rows] == [("A001", 0)]
    engine.dispose()
