"""Every fault of the network or the server between the kiosk and the central store, acted out
by the fault proxy against a real server: afterwards each event is applied once and each
booking is present once, the same on both sides."""

from __future__ import annotations

from datetime import datetime

import pytest

from kiosk.clock import FixedClock
from kiosk.services import take_ticket
from kiosk.store.hallstore import HallStore
from sync.client import HallSync, SyncFailed
from sync.server.app import Central
from sync.state import read_state
from tests.sync.agree import assert_agree
from tests.sync.conftest import TIMEOUT_TEST, SyncFactory, book_centrally, saturday_slot
from tests.sync.faultproxy import FaultProxy

MONDAY_0930 = datetime(2026, 11, 23, 9, 30)
LOSES_THE_ANSWER = ("drop", "reset_request", "drop_reply", "reset_reply", "delay", "error500")


def walk_ins(store: HallStore, clock: FixedClock, count: int) -> None:
    for _ in range(count):
        assert take_ticket(store, "real-estate", clock.now()).ticket is not None


def drain(sync: HallSync, attempts: int = 10) -> int:
    """Cycles until one succeeds (the worker's loop without the waiting); failures seen."""
    for failures in range(attempts):
        try:
            sync.sync_once()
            return failures
        except SyncFailed:
            continue
    raise AssertionError(f"no successful cycle in {attempts} attempts")


@pytest.mark.parametrize("fault", LOSES_THE_ANSWER)
def test_a_lost_batch_is_sent_again_and_applied_once(
    fault: str,
    central: Central,
    hall_store: HallStore,
    make_sync: SyncFactory,
    proxy: FaultProxy,
    clock: FixedClock,
) -> None:
    clock.set(MONDAY_0930)
    walk_ins(hall_store, clock, 7)
    # a timeout is what "delay" tests: only then the short read timeout (and only /events
    # requests are delayed, each until this client gives up)
    sync = make_sync(batch_size=3, **({"timeouts": TIMEOUT_TEST} if fault == "delay" else {}))
    proxy.only_path = "/events"
    proxy.plan(["ok", fault])  # the second batch fails
    with pytest.raises(SyncFailed):
        sync.sync_once()
    assert read_state(hall_store, clock.now()).outbox_depth == 4
    assert drain(sync) == 0
    assert_agree(central, hall_store)


def test_duplicate_deliveries_are_applied_once(
    central: Central,
    hall_store: HallStore,
    make_sync: SyncFactory,
    proxy: FaultProxy,
    clock: FixedClock,
) -> None:
    clock.set(MONDAY_0930)
    walk_ins(hall_store, clock, 5)
    proxy.only_path = "/events"
    proxy.plan(["duplicate", "duplicate"])
    make_sync(batch_size=3).sync_once()
    assert [fault for fault, _line in proxy.log if fault == "duplicate"] == ["duplicate"] * 2
    assert_agree(central, hall_store)


def test_pull_survives_every_fault_and_stores_each_booking_once(
    central: Central,
    hall_store: HallStore,
    make_sync: SyncFactory,
    proxy: FaultProxy,
) -> None:
    for n, serial in enumerate(range(40, 52)):
        book_centrally(central, serial, saturday_slot(n))
    sync = make_sync(page_size=5, timeouts=TIMEOUT_TEST)  # "delay" is in the plan
    proxy.only_path = "/bookings"
    proxy.plan(["ok", "drop_reply", "reset_reply", "error500", "delay", "duplicate", "ok"])
    assert drain(sync, attempts=12) == 4
    assert proxy.pending() == 0
    assert_agree(central, hall_store)


def test_a_mixed_storm_of_faults_ends_in_agreement(
    central: Central,
    hall_store: HallStore,
    make_sync: SyncFactory,
    proxy: FaultProxy,
    clock: FixedClock,
) -> None:
    for n, serial in enumerate(range(60, 66)):
        book_centrally(central, serial, saturday_slot(n))
    clock.set(MONDAY_0930)
    walk_ins(hall_store, clock, 12)
    sync = make_sync(batch_size=4, page_size=2)
    proxy.plan(
        ["reset_request", "ok", "drop_reply", "duplicate", "error500", "reset_reply", "ok"] * 2
    )
    drain(sync, attempts=20)
    while proxy.pending():
        drain(sync, attempts=20)
    assert_agree(central, hall_store)
