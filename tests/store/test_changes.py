"""The hall's event stream on both stores: a commit in another process wakes the listener
(PostgreSQL NOTIFY sent in the transaction, inotify on the SQLite WAL); the feed delivers every
event once, in order, and resumes after a restart from the last seq it delivered."""

from __future__ import annotations

import multiprocessing
import threading
import time
from datetime import datetime

import pytest

from kiosk.services import call_next, take_ticket
from kiosk.services.feed import HallEvent, HallFeed, read_events
from kiosk.store.changes import (
    PollingChanges,
    PostgresChanges,
    SqliteChanges,
    changes_for,
    notify_channel,
)
from kiosk.store.hallstore import HallStore
from tests.hall_fixtures import KEY, StoreFactory

MONDAY = datetime(2026, 11, 23, 10, 0)
LONG = 30.0  # a generous limit for a wake-up that should come at once


def _issue_elsewhere(url: str, count: int) -> None:
    """Another process of the hall (a kiosk) takes tickets."""
    from kiosk.config import load_calendar, load_hall

    store = HallStore.open(url, load_hall("pinggu-district"), load_calendar(), KEY, migrate=False)
    for _ in range(count):
        take_ticket(store, "social-insurance", MONDAY)
    store.close()


def test_a_commit_in_another_process_wakes_the_listener(
    store: HallStore, database_url: str
) -> None:
    changes = changes_for(store.engine, store.hall.id)
    expected = SqliteChanges if database_url.startswith("sqlite") else PostgresChanges
    assert isinstance(changes, expected)
    try:
        changes.wait(0.5)  # PostgreSQL: the first wait connects and says "read now"
        while changes.wait(0.2):  # nothing pending any more
            pass
        process = multiprocessing.get_context("spawn").Process(
            target=_issue_elsewhere, args=(database_url, 1)
        )
        process.start()
        woke = changes.wait(LONG)
        process.join(LONG)
        assert woke and process.exitcode == 0
        if isinstance(changes, PostgresChanges):  # the payload is the event's seq
            assert changes.last_payload == str(read_events(store, 0)[-1].seq)
    finally:
        changes.close()
    assert changes.wait(5.0) is False  # closed: returns at once


def test_feed_delivers_each_event_once_in_order_and_resumes(make_store: StoreFactory) -> None:
    store = make_store()
    writer = make_store(terminal="window-3")
    seen: list[HallEvent] = []
    arrived = threading.Event()

    def listener(batch: list[HallEvent]) -> None:
        seen.extend(batch)
        arrived.set()

    feed = HallFeed(store, changes_for(store.engine, store.hall.id), listener).start()
    try:
        for _ in range(5):
            take_ticket(writer, "social-insurance", MONDAY)
        call_next(writer, 3, MONDAY)
        deadline = time.monotonic() + LONG
        while len(seen) < 6 and time.monotonic() < deadline:
            arrived.wait(1.0)
            arrived.clear()
    finally:
        feed.stop()
    assert [e.type for e in seen] == ["ticket_issued"] * 5 + ["ticket_called"]
    seqs = [e.seq for e in seen]
    assert seqs == sorted(set(seqs))
    # A restarted screen passes the last seq it showed and gets only what came after.
    take_ticket(writer, "social-insurance", MONDAY)
    later: list[HallEvent] = []
    again = HallFeed(store, PollingChanges(0.05), later.extend, after=seqs[-1])
    assert again.pump() and [e.type for e in later] == ["ticket_issued"]
    assert later[0].seq > seqs[-1]


def test_the_safety_net_reads_without_any_wake_up(make_store: StoreFactory) -> None:
    store = make_store()

    class Deaf:
        """An adapter that never hears anything (a lost notification, a dead inotify)."""

        def wait(self, timeout: float) -> bool:
            time.sleep(min(timeout, 0.05))
            return False

        def close(self) -> None:
            pass

    seen: list[HallEvent] = []
    feed = HallFeed(store, Deaf(), seen.extend, safety_seconds=0.05).start()
    try:
        take_ticket(make_store(), "social-insurance", MONDAY)
        deadline = time.monotonic() + LONG
        while not seen and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        feed.stop()
    assert [e.type for e in seen] == ["ticket_issued"]


def test_polling_and_channel_names() -> None:
    polling = PollingChanges(0.01)
    assert polling.wait(1.0) is True
    assert polling.wait(0.001) is False
    polling.close()
    assert polling.wait(1.0) is False
    assert notify_channel("xixia") == "kiosk_events_xixia"
    long = notify_channel("h" * 80)
    assert len(long) <= 63 and long.startswith("kiosk_events_")


@pytest.mark.postgres
def test_a_postgres_listener_survives_a_dropped_connection(store: HallStore) -> None:
    if store.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    changes = changes_for(store.engine, store.hall.id)
    assert isinstance(changes, PostgresChanges)
    try:
        assert changes.wait(1.0)  # connected
        pid = changes._connection.info.backend_pid
        with store.engine.connect() as admin:
            admin.exec_driver_sql(f"SELECT pg_terminate_backend({pid})")
        # The loss is noticed and reported as "read now"; the next wait listens again.
        deadline = time.monotonic() + LONG
        while changes._connection is not None and time.monotonic() < deadline:
            changes.wait(0.5)
        assert changes.wait(LONG)  # reconnected: read what may have been missed
        take_ticket(store, "social-insurance", MONDAY)
        assert changes.wait(LONG)
    finally:
        changes.close()
