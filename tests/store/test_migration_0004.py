"""Revision 0004 on a store with a day already in it: the hall clock starts at the latest event
time the store holds, and a ticket transferred before the upgrade keeps its place (its arrival
is the first ticket of its chain)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from kiosk.store.db import head_revision, make_engine, upgrade

TICKET = (
    "INSERT INTO tickets (id, hall_id, day, prefix, serial, number, service_id, kind, status,"
    " queued_at, issued_at, calls, transferred_from) VALUES (:id, 'h', '2026-11-19', 'B', :id,"
    " :number, 's', 'walk_in', :status, '2026-11-19 09:00:00', '2026-11-19 09:00:00', 0, :moved)"
)
EVENT = (
    "INSERT INTO events (hall_id, type, at, payload, idempotency_key)"
    " VALUES ('h', 'ticket_issued', :at, '{}', :key)"
)


def test_upgrade_fills_the_clock_and_the_arrival_order(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'hall.sqlite3'}")
    upgrade(engine, "0003_queue_indexes")
    with engine.begin() as connection:
        for id_, number, status, moved in (
            (1, "B001", "transferred", None),
            (2, "C001", "transferred", 1),
            (3, "D001", "waiting", 2),
            (4, "B002", "waiting", None),
        ):
            connection.execute(
                text(TICKET), {"id": id_, "number": number, "status": status, "moved": moved}
            )
        for n, at in enumerate(
            ("2026-11-19 09:00:00", "2026-11-19 16:45:00", "2026-11-19 12:00:00")
        ):
            connection.execute(text(EVENT), {"at": at, "key": f"k{n}"})
    assert upgrade(engine, "0004") == "0004"
    with engine.connect() as connection:
        clock = connection.execute(text("SELECT hall_id, latest_seen FROM hall_clock")).all()
        arrivals = dict(connection.execute(text("SELECT id, arrival FROM tickets")).all())
    assert [(hall, str(seen)[:19]) for hall, seen in clock] == [("h", "2026-11-19 16:45:00")]
    assert arrivals == {1: None, 2: 1, 3: 1, 4: None}
    # the later revisions keep it, on a store whose tickets refer to each other (a revision
    # that copied the tickets table failed here under SQLite's foreign keys)
    assert upgrade(engine) == head_revision()
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, arrival, materials_only FROM tickets")).all()
    engine.dispose()
    assert {id_: (arrival, bool(only)) for id_, arrival, only in rows} == {
        1: (None, False),
        2: (1, False),
        3: (1, False),
        4: (None, False),
    }
