"""The indexes the queue's lookups rely on exist after migration, on both stores, and the card
tap lookups (a booking's ticket, a holder's open ticket, a holder's bookings) use them."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, text

from kiosk.store.db import make_engine, upgrade
from kiosk.store.models import Base

CARD_TAP_INDEXES = {
    "tickets": {"ix_tickets_booking", "ix_tickets_holder"},
    "bookings": {"ix_bookings_holder_hash"},
}


def _indexes(engine: object, table: str) -> set[str]:
    return {index["name"] for index in inspect(engine).get_indexes(table)}  # type: ignore[arg-type]


def test_every_model_index_is_migrated(database_url: str) -> None:
    engine = make_engine(database_url)
    for table in Base.metadata.sorted_tables:
        declared = {index.name for index in table.indexes}
        assert declared <= _indexes(engine, table.name), table.name
    engine.dispose()


def test_revision_0003_adds_the_card_tap_indexes(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'hall.sqlite3'}")
    upgrade(engine, "0002_sync")
    for table, names in CARD_TAP_INDEXES.items():
        assert not names & _indexes(engine, table)
    upgrade(engine)
    for table, names in CARD_TAP_INDEXES.items():
        assert names <= _indexes(engine, table)
    engine.dispose()


def test_card_tap_lookups_search_by_index(tmp_path: Path) -> None:
    """SQLite's plan names the index; without it these were full scans of every ticket."""
    from kiosk.store import repositories as repo

    engine = make_engine(f"sqlite:///{tmp_path / 'hall.sqlite3'}")
    upgrade(engine)
    lookups = {
        repo._BOOKING_TICKET: ({"booking_id": 1}, "ix_tickets_booking"),
        repo._HOLDER_OPEN: (
            {
                "hall_id": "h",
                "holder_hash": "x",
                "day": "2026-11-19",
                "service_id": "s",
                "other_than": -1,
            },
            "ix_tickets_holder",
        ),
    }
    with engine.connect() as connection:
        for key, (params, index) in lookups.items():
            sql = repo._STATEMENTS[key][0].replace("{for_update}", "")
            plan = connection.execute(text(f"EXPLAIN QUERY PLAN {sql}"), params).all()
            assert any(index in row[-1] for row in plan), (key, plan)
        plan = connection.execute(
            text("EXPLAIN QUERY PLAN SELECT * FROM bookings WHERE holder_hash = 'x'")
        ).all()
        assert any("ix_bookings_holder_hash" in row[-1] for row in plan), plan
    engine.dispose()
