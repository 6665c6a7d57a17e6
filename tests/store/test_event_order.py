"""Event numbers are commit order on PostgreSQL: a transaction draws its event ``seq`` only after
it holds the hall's event lock (the lock is taken inside the event insert itself)."""

from __future__ import annotations

import threading
import time
from datetime import datetime

import pytest
from sqlalchemy import select, text

from kiosk.domain.hall import HallProfile
from kiosk.services import take_ticket
from kiosk.store import repositories as repo
from kiosk.store.models import Event
from tests.hall_fixtures import StoreFactory

NOW = datetime(2026, 11, 19, 10, 0)


def _wait_for_lock_waiter(store_factory: StoreFactory, seconds: float = 60) -> None:
    """Block until some session waits for an advisory lock (no timing assumption: we poll)."""
    watcher = store_factory(terminal="watcher")
    deadline = time.monotonic() + seconds
    query = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
    while time.monotonic() < deadline:
        with watcher.read() as session:
            if session.execute(query).scalar_one():
                return
        time.sleep(0.01)
    raise AssertionError("the second writer never waited for the event lock")


def test_event_seq_is_drawn_after_the_event_lock(
    database_url: str, make_store: StoreFactory, district: HallProfile
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite admits one writer at a time (BEGIN IMMEDIATE); no event lock there")
    holder, kiosk = make_store(terminal="holder"), make_store(terminal="kiosk")
    issued: list[object] = []
    worker = threading.Thread(
        target=lambda: issued.append(take_ticket(kiosk, "social-insurance", NOW))
    )
    with holder.write() as session:
        repo.lock(session, f"events:{district.id}")
        worker.start()
        _wait_for_lock_waiter(make_store)
        repo.record_event(session, district.id, "window_paused", NOW, {"window": 1}, "holder")
    worker.join(60)
    assert not worker.is_alive() and len(issued) == 1
    with holder.read() as session:
        order = [t for (t,) in session.execute(select(Event.type).order_by(Event.seq))]
    # The holder committed first, so its event must carry the smaller number.
    assert order == ["window_paused", "ticket_issued"]
