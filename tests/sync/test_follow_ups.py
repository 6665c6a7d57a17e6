"""The follow-up states of the hall's 差评, pulled from a real central store over HTTP.

A 差评 rated at the hall is pushed, opens its follow-up centrally, and its state comes back
with the same cycle; what staff record centrally reaches the hall; a closed one is no longer
asked about; and the central store failing on that route never stops events going out or
bookings coming in.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from kiosk.clock import FixedClock
from kiosk.domain.follow_up import FollowUpStep, StepInput, follow_up_deadline
from kiosk.ports.hall_store import FollowUpRecord
from kiosk.services import call_next, complete_service, start_service, take_ticket
from kiosk.services.ratings import rate
from kiosk.store.hallstore import HallStore
from sync.server import models as central_models
from sync.server.app import Central
from sync.server.follow_ups import record_follow_up_step
from sync.state import read_state
from tests.sync.conftest import HALL, SyncFactory, book_centrally
from tests.sync.faultproxy import FaultProxy
from tests.sync.test_client import local_booking

MONDAY_0930 = datetime(2026, 11, 23, 9, 30)


def bad_rating(store: HallStore, now: datetime, level: str = "dissatisfied") -> int:
    """A walk-in served at window 1 and rated 差评 on the window's pad; its ticket id."""
    take_ticket(store, "real-estate", now)
    ticket = call_next(store, 1, now).ticket
    assert ticket is not None
    start_service(store, 1, now)
    complete_service(store, 1, now + timedelta(minutes=5))
    rate(store, ticket.id, level, now + timedelta(minutes=6), channel="window_pad")
    return ticket.id


def copy_of(store: HallStore, ticket_id: int) -> FollowUpRecord | None:
    with store.read_unit() as uow:
        return uow.follow_ups.of_tickets([ticket_id]).get(ticket_id)


def work_to_the_end(central: Central, ticket_id: int, at: datetime) -> None:
    """Staff record 回访, 整改, 反馈 and 办结 centrally."""
    with central.transaction() as session:
        item_id = session.execute(
            select(central_models.FollowUp.id).where(
                central_models.FollowUp.hall_id == HALL,
                central_models.FollowUp.ticket_id == ticket_id,
            )
        ).scalar_one()
    steps = [StepInput(FollowUpStep.VISIT, "已回访", "张三", "", at)] + [
        StepInput(step, f"{step.value} 已完成") for step in list(FollowUpStep)[1:]
    ]
    for given in steps:
        with central.transaction() as session:
            record_follow_up_step(
                session, central.settings, item_id, lambda _hall: True, "manager", given
            )


def test_a_bad_rating_gets_its_follow_up_state_in_the_same_cycle_and_to_the_end(
    central: Central, hall_store: HallStore, make_sync: SyncFactory, clock: FixedClock
) -> None:
    clock.set(MONDAY_0930)
    ticket_id = bad_rating(hall_store, MONDAY_0930)
    clock.set(MONDAY_0930 + timedelta(minutes=7))
    sync = make_sync()
    report = sync.sync_once()
    assert report.push.events >= 1
    assert (report.follow_ups.asked, report.follow_ups.stored) == (True, 1)
    due = follow_up_deadline(hall_store.calendar, HALL, date(2026, 11, 23)).due
    assert copy_of(hall_store, ticket_id) == FollowUpRecord(
        ticket_id, "visit", "open", due, None, clock.now()
    )

    # Nothing new and not due yet: the centre is not asked again.
    clock.set(clock.now() + timedelta(minutes=1))
    quiet = sync.sync_once().follow_ups
    assert (quiet.unsettled, quiet.asked, quiet.requests) == (1, False, 0)

    work_to_the_end(central, ticket_id, clock.now())
    clock.set(clock.now() + timedelta(minutes=5))  # the interval has passed
    assert sync.sync_once().follow_ups.stored == 1
    closed = copy_of(hall_store, ticket_id)
    assert closed is not None and (closed.stage, closed.state) == ("closed", "closed")
    assert closed.closed_at is not None

    # Every 差评 settled: nothing to ask, however long it has been.
    clock.set(clock.now() + timedelta(hours=2))
    settled = sync.sync_once().follow_ups
    assert (settled.unsettled, settled.asked) == (0, False)


def test_a_central_error_on_follow_ups_does_not_stop_bookings_or_events(
    central: Central,
    hall_store: HallStore,
    make_sync: SyncFactory,
    proxy: FaultProxy,
    clock: FixedClock,
) -> None:
    clock.set(MONDAY_0930)
    ticket_id = bad_rating(hall_store, MONDAY_0930)
    booked = book_centrally(central, 1)
    clock.set(MONDAY_0930 + timedelta(minutes=7))
    proxy.only_path = "/follow-ups"
    proxy.plan(["error500"])
    sync = make_sync()
    report = sync.sync_once()  # does not raise
    assert report.follow_ups.asked and "server_error" in (report.follow_ups.error or "")
    assert report.push.events >= 1 and report.pull.bookings >= 1
    assert local_booking(hall_store, booked).status == "booked"
    state = read_state(hall_store, clock.now())
    assert state.online and state.outbox_depth == 0 and state.last_error is None
    assert copy_of(hall_store, ticket_id) is None  # 未同步 until the route answers

    # A booking made meanwhile still comes in; the follow-up is asked again when due.
    later = book_centrally(central, 2)
    clock.set(clock.now() + timedelta(minutes=5))
    again = sync.sync_once()
    assert local_booking(hall_store, later).status == "booked"
    assert again.follow_ups.error is None and again.follow_ups.stored == 1
    stored = copy_of(hall_store, ticket_id)
    assert stored is not None and stored.stage == "visit"
