"""The parts of the client on their own: the hall store's booking upsert, the outbox
translation, backoff, and the background worker's start/stop."""

from __future__ import annotations

import random
import threading
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from kiosk.clock import FixedClock
from kiosk.store import repositories as repo
from kiosk.store.hallstore import HallStore
from kiosk.store.models import Booking, Event
from sync.client import Backoff, SyncReport, SyncWorker
from sync.outbox import SERVED_SUFFIX, outgoing
from sync.protocol import MAX_PAYLOAD_BYTES
from sync.server.app import Central
from tests.sync.agree import assert_agree
from tests.sync.conftest import SyncFactory, book_centrally
from tests.sync.faultproxy import FaultProxy

NOW = datetime(2026, 11, 23, 9, 0)
HASH = "a" * 64


def values(**changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "central_id": "central-0001",
        "hall_id": "xixia",
        "service_id": "real-estate",
        "slot_start": datetime(2026, 11, 28, 9, 0),
        "slot_end": datetime(2026, 11, 28, 9, 30),
        "holder_hash": HASH,
        "name_masked": "张*三",
        "phone_masked": "138****5678",
        "channel": "phone",
        "status": "booked",
        "materials": ["身份证"],
        "created_at": NOW,
        "updated_at": NOW,
        "checked_in_at": None,
    }
    row.update(changes)
    return row


def stored(store: HallStore) -> Booking:
    with store.read() as session:
        return session.execute(select(Booking)).scalar_one()


def test_upsert_inserts_then_refreshes_by_central_id(hall_store: HallStore) -> None:
    with hall_store.write() as session:
        repo.upsert_booking(session, values())
    with hall_store.write() as session:
        later = NOW + timedelta(hours=1)
        repo.upsert_booking(
            session,
            values(
                slot_start=datetime(2026, 11, 28, 10, 0),
                slot_end=datetime(2026, 11, 28, 10, 30),
                status="cancelled",
                created_at=later,
                updated_at=later,
            ),
        )
    booking = stored(hall_store)
    assert booking.slot_start == datetime(2026, 11, 28, 10, 0)
    assert booking.status == "cancelled"  # a booked copy takes the centre's status
    assert booking.created_at == NOW  # when it was made does not change
    assert booking.updated_at == NOW + timedelta(hours=1)


def test_upsert_keeps_what_the_hall_did(hall_store: HallStore) -> None:
    """A check-in, service or forfeit made here is not undone by an older central copy."""
    with hall_store.write() as session:
        repo.upsert_booking(session, values())
    for local in ("checked_in", "served", "forfeited"):
        with hall_store.write() as session:
            row = session.execute(select(Booking)).scalar_one()
            row.status = local
            row.checked_in_at = NOW if local != "forfeited" else None
        with hall_store.write() as session:
            repo.upsert_booking(
                session, values(status="cancelled", checked_in_at=None, name_masked="李*四")
            )
        booking = stored(hall_store)
        assert booking.status == local
        assert booking.name_masked == "李*四"
        assert booking.checked_in_at == (NOW if local != "forfeited" else None)


def event(type_: str, payload: dict[str, Any], seq: int = 7) -> Event:
    return Event(
        seq=seq,
        hall_id="xixia",
        type=type_,
        at=NOW,
        terminal="kiosk-1",
        payload=payload,
        idempotency_key="0f8fad5b-d9cb-469f-a165-70867728950e",
    )


def test_outbox_rows_become_wire_events() -> None:
    created = outgoing(
        event(
            "booking_created",
            {
                "booking": "local-1234abcd",
                "service": "real-estate",
                "slot_start": "2026-11-28T09:00",
                "slot_end": "2026-11-28T09:30",
                "holder_hash": HASH,
                "name": "张*三",
                "phone": None,
                "channel": "on_site",
            },
        ),
        {},
    )
    (wire,) = created.wire
    assert wire.sequence == 14 and wire.type == "booking_created"
    assert wire.payload["booking_id"] == "local-1234abcd" and wire.payload["id_hash"] == HASH
    assert "holder_hash" not in wire.payload and "name" not in wire.payload

    (checked_in,) = outgoing(event("booking_checked_in", {"booking": "abcdefgh12"}), {}).wire
    assert checked_in.payload == {"booking_id": "abcdefgh12"}
    (quoted,) = outgoing(
        event("booking_checked_in", {"booking": "abcdefgh12", "ticket_id": 3}), {"abcdefgh12": 2}
    ).wire
    assert quoted.payload == {"booking_id": "abcdefgh12", "version": 2}

    completed = outgoing(
        event("ticket_completed", {"ticket_id": 3, "number": "A001", "booking": "abcdefgh12"}),
        {},
    )
    ticket, served = completed.wire
    assert (ticket.sequence, served.sequence) == (14, 15)
    assert served.type == "booking_served"
    assert served.idempotency_key == ticket.idempotency_key + SERVED_SUFFIX


def test_an_outbox_row_the_protocol_cannot_carry_is_sent_as_nothing() -> None:
    broken = outgoing(event("booking_checked_in", {"ticket_id": 3}), {})
    assert broken.wire == () and broken.seq == 7
    huge = {"ticket_id": 3, "number": "A001", "service": "tax", "note": "x" * MAX_PAYLOAD_BYTES}
    assert outgoing(event("ticket_issued", huge), {}).wire == ()


def test_a_batch_stays_under_the_bytes_the_store_takes(
    hall_store: HallStore, make_sync: SyncFactory, clock: FixedClock, central: Central
) -> None:
    """Many large ticket events: the client cuts batches by size as well as by count, so no
    batch is refused as too large (which would hold up the outbox)."""
    clock.set(NOW)
    with hall_store.write() as session:
        for n in range(700):
            payload = {"ticket_id": n + 1, "number": "A001", "service": "tax", "x": "y" * 60}
            payload |= {f"k{i}": "z" * 60 for i in range(24)}
            repo.record_event(session, "xixia", "ticket_issued", NOW, payload, "kiosk-1")
    report = make_sync(batch_size=500).sync_once()
    assert report.push.events == 700 and report.push.batches >= 2
    assert_agree(central, hall_store)


def test_backoff_grows_with_jitter_up_to_the_cap() -> None:
    backoff = Backoff(base=1.0, cap=8.0, rng=random.Random(7))
    delays = [backoff.next() for _ in range(7)]
    steps = [1, 2, 4, 8, 8, 8, 8]
    for delay, step in zip(delays, steps, strict=True):
        assert step / 2 <= delay <= step
    assert len(set(delays)) == len(delays)
    backoff.reset()
    assert backoff.next() <= 1.0


class Cycles:
    """Collects what the worker reports after each cycle; tests wait on it, never on time."""

    def __init__(self) -> None:
        self.outcomes: list[SyncReport | BaseException] = []
        self.changed = threading.Condition()

    def __call__(self, outcome: SyncReport | BaseException) -> None:
        with self.changed:
            self.outcomes.append(outcome)
            self.changed.notify_all()

    def wait_for(self, count: int) -> None:
        with self.changed:
            assert self.changed.wait_for(lambda: len(self.outcomes) >= count, timeout=30)


def test_worker_backs_off_while_down_and_catches_up_when_poked(
    central: Central,
    hall_store: HallStore,
    make_sync: SyncFactory,
    proxy: FaultProxy,
    clock: FixedClock,
) -> None:
    book_centrally(central, 3)
    cycles = Cycles()
    proxy.down = True
    worker = SyncWorker(
        make_sync(),
        interval=3600,
        backoff=Backoff(base=0.01, cap=0.05, rng=random.Random(1)),
        on_cycle=cycles,
    )
    worker.start()
    try:
        cycles.wait_for(3)  # failing, retried after short backoffs
        assert all(isinstance(o, Exception) for o in cycles.outcomes)
        proxy.down = False
        cycles.wait_for(len(cycles.outcomes) + 1)
        seen = len(cycles.outcomes)
        worker.poke()  # the next interval is an hour away: only the poke runs this one
        cycles.wait_for(seen + 1)
        assert isinstance(cycles.outcomes[-1], SyncReport)
    finally:
        assert worker.stop(timeout=10)
    assert not worker.running
    with hall_store.read() as session:
        assert session.execute(select(Booking.central_id)).scalars().all() != []


def test_the_kiosk_role_thread_syncs_and_stops(
    central: Central,
    hall_store: HallStore,
    proxy: FaultProxy,
    kiosk_token: str,
    clock: FixedClock,
) -> None:
    from sync.client import start_background_sync
    from sync.state import read_state

    book_centrally(central, 4)
    worker = start_background_sync(hall_store, proxy.url, kiosk_token, clock, interval=3600)
    try:
        assert worker.running
        done = threading.Event()
        worker.on_cycle = lambda _outcome: done.set()
        worker.poke()
        assert done.wait(30)
    finally:
        assert worker.stop(timeout=10)
    assert read_state(hall_store, clock.now()).online
