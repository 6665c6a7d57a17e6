"""The sync client against a real central store over HTTP: pull, push, conflicts, offline."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import delete, select, update

from kiosk.clock import FixedClock
from kiosk.services import call_next, check_in, complete_service, take_ticket
from kiosk.services.bookings import add_booking
from kiosk.services.tickets import CheckInOutcome
from kiosk.store.hallstore import HallStore
from kiosk.store.models import Booking
from sync.client import SyncFailed
from sync.protocol import CitizenCancel, HallChange
from sync.server import bookings as central_bookings
from sync.server import models as central_models
from sync.server.app import Central
from sync.state import Problem, read_state, sync_bookings
from tests.sync.agree import assert_agree
from tests.sync.conftest import (
    HALL,
    SATURDAY_09,
    SyncFactory,
    book_centrally,
    identity,
    person,
)
from tests.sync.faultproxy import FaultProxy

SATURDAY_0850 = datetime(2026, 11, 28, 8, 50)


def local_booking(store: HallStore, central_id: str) -> Booking:
    with store.read() as session:
        return session.execute(select(Booking).where(Booking.central_id == central_id)).scalar_one()


def central_booking(central: Central, booking_id: str) -> central_models.Booking:
    with central.transaction() as session:
        booking = session.get(central_models.Booking, {"hall_id": HALL, "id": booking_id})
        assert booking is not None
        session.expunge(booking)
        return booking


def moved_by_hall(
    central: Central, booking_id: str, slot_start: datetime, approver: str, reason: str
) -> None:
    """The hall moves a booking at the central store (approved, with a reason)."""
    with central.transaction() as session:
        central_bookings.change_by_hall(
            session,
            central.settings,
            HALL,
            booking_id,
            HallChange(approver=approver, reason=reason, slot_start=slot_start),
        )


def test_pull_check_in_and_push_agree(
    central: Central, hall_store: HallStore, make_sync: SyncFactory, clock: FixedClock
) -> None:
    ids = [book_centrally(central, serial) for serial in (1, 2, 3)]
    sync = make_sync(page_size=2)
    report = sync.sync_once()
    assert report.pull.bookings == 3 and report.pull.pages == 2
    assert {local_booking(hall_store, i).status for i in ids} == {"booked"}
    state = read_state(hall_store, clock.now())
    assert state.online and state.outbox_depth == 0 and state.offline_for(clock.now()) is None

    clock.set(SATURDAY_0850)
    result = check_in(hall_store, identity(1), clock.now())
    assert result.outcome is CheckInOutcome.CHECKED_IN
    assert read_state(hall_store, clock.now()).outbox_depth == 2  # ticket_issued, checked_in
    report = sync.sync_once()
    assert report.push.events == 2 and report.push.refusals == []
    assert report.pull.bookings == 1  # the check-in's own change, pulled after the push
    assert central_booking(central, ids[0]).status == "checked_in"
    assert_agree(central, hall_store)
    again = sync.sync_once()
    assert again.push.events == 0 and again.pull.bookings == 0


def test_served_booking_reaches_the_centre(
    central: Central, hall_store: HallStore, make_sync: SyncFactory, clock: FixedClock
) -> None:
    booking = book_centrally(central, 5)
    sync = make_sync()
    sync.sync_once()
    clock.set(SATURDAY_0850)
    check_in(hall_store, identity(5), clock.now())
    clock.set(SATURDAY_09 + timedelta(minutes=1))
    window = next(w.number for w in hall_store.hall.windows if "real-estate" in w.services)
    assert call_next(hall_store, window, clock.now()).ticket is not None
    complete_service(hall_store, window, clock.now())
    sync.sync_once()
    assert central_booking(central, booking).status == "served"
    assert local_booking(hall_store, booking).status == "served"
    assert_agree(central, hall_store)


def test_cancelled_centrally_after_a_local_check_in(
    central: Central,
    hall_store: HallStore,
    make_sync: SyncFactory,
    proxy: FaultProxy,
    clock: FixedClock,
) -> None:
    """The holder cancelled by phone, then came anyway to a kiosk that had not heard of it:
    the check-in made at the hall wins, flagged for the centre."""
    booking = book_centrally(central, 7)
    sync = make_sync()
    sync.sync_once()
    with central.transaction() as session:
        central_bookings.cancel_by_citizen(
            session, central.settings, HALL, booking, CitizenCancel(id_number=person(7))
        )
    proxy.down = True
    clock.set(SATURDAY_0850)
    with pytest.raises(SyncFailed):
        sync.sync_once()
    assert check_in(hall_store, identity(7), clock.now()).outcome is CheckInOutcome.CHECKED_IN
    proxy.down = False
    report = sync.sync_once()
    conflicts = [r.conflict for r in report.push.refusals]
    assert conflicts == ["checked_in_after_cancel"]
    assert central_booking(central, booking).status == "checked_in"
    assert local_booking(hall_store, booking).status == "checked_in"
    with hall_store.read() as session:
        flagged = session.execute(
            select(sync_bookings.c.conflict).where(sync_bookings.c.central_id == booking)
        ).scalar_one()
    assert flagged == "checked_in_after_cancel"
    assert_agree(central, hall_store)


def test_a_cancellation_pulled_before_the_holder_comes_is_kept(
    central: Central, hall_store: HallStore, make_sync: SyncFactory, clock: FixedClock
) -> None:
    booking = book_centrally(central, 8)
    sync = make_sync()
    sync.sync_once()
    with central.transaction() as session:
        central_bookings.cancel_by_citizen(
            session, central.settings, HALL, booking, CitizenCancel(id_number=person(8))
        )
    sync.sync_once()
    assert local_booking(hall_store, booking).status == "cancelled"
    clock.set(SATURDAY_0850)
    assert check_in(hall_store, identity(8), clock.now()).outcome is CheckInOutcome.CANCELLED
    assert_agree(central, hall_store)


def test_on_site_booking_the_centre_refuses_because_the_slot_filled(
    central: Central,
    hall_store: HallStore,
    make_sync: SyncFactory,
    proxy: FaultProxy,
    clock: FixedClock,
) -> None:
    """Booked at the kiosk while offline; the phone line filled the slot meanwhile. The centre
    keeps it as rejected: slot_full, the kiosk takes that over and staff see the message."""
    sync = make_sync()
    sync.sync_once()
    proxy.down = True
    result = add_booking(hall_store, identity(20), "real-estate", SATURDAY_09, clock.now())
    assert result.booking is not None and result.reason is None
    with hall_store.read() as session:
        local_id = session.execute(
            select(Booking.central_id).where(
                Booking.holder_hash == hall_store.holder_hash(person(20))
            )
        ).scalar_one()
    capacity = hall_store.hall.booking.slot_capacity
    for serial in range(30, 30 + capacity):
        book_centrally(central, serial)
    with pytest.raises(SyncFailed):
        sync.sync_once()
    proxy.down = False
    report = sync.sync_once()
    assert [(r.outcome, r.reason) for r in report.push.refusals] == [("rejected", "slot_full")]
    assert local_booking(hall_store, local_id).status == "rejected"
    assert central_booking(central, local_id).status == "rejected"
    state = read_state(hall_store, clock.now())
    assert state.rejected_bookings == 1
    with hall_store.read() as session:
        message = session.execute(
            select(sync_bookings.c.reject_message).where(sync_bookings.c.central_id == local_id)
        ).scalar_one()
    assert message
    assert_agree(central, hall_store)


def test_booking_moved_by_the_hall_while_the_kiosk_was_offline(
    central: Central,
    hall_store: HallStore,
    make_sync: SyncFactory,
    proxy: FaultProxy,
    clock: FixedClock,
) -> None:
    """The kiosk checked the person in on the version it had; the centre flags the check-in
    as changed_while_offline and both sides end with the moved slot, checked in."""
    booking = book_centrally(central, 9)
    sync = make_sync()
    sync.sync_once()
    moved_by_hall(
        central, booking, SATURDAY_09 + timedelta(minutes=30), "管理办 王主任", "窗口调整"
    )
    proxy.down = True
    clock.set(SATURDAY_0850)
    assert check_in(hall_store, identity(9), clock.now()).outcome is CheckInOutcome.CHECKED_IN
    proxy.down = False
    report = sync.sync_once()
    assert [r.conflict for r in report.push.refusals] == ["changed_while_offline"]
    moved = central_booking(central, booking)
    assert moved.status == "checked_in" and moved.slot_start == SATURDAY_09 + timedelta(minutes=30)
    assert local_booking(hall_store, booking).status == "checked_in"
    assert_agree(central, hall_store)


def test_the_version_a_check_in_quotes_is_the_one_the_hall_acted_on(
    central: Central,
    hall_store: HallStore,
    make_sync: SyncFactory,
    proxy: FaultProxy,
    clock: FixedClock,
) -> None:
    """A pull between the check-in and its push (the push's answer was lost) must not move
    the version the unsent check-in refers to, or the re-sent event would differ from the one
    the server has (key_reused) and the change would go unflagged."""
    booking = book_centrally(central, 10)
    sync = make_sync()
    sync.sync_once()
    moved_by_hall(central, booking, SATURDAY_09 + timedelta(hours=1), "王主任", "调整")
    clock.set(SATURDAY_0850)
    check_in(hall_store, identity(10), clock.now())
    proxy.plan(["drop_reply"])
    with pytest.raises(SyncFailed):
        sync.push()
    sync.pull()  # brings version 3 (changed, checked in); the unsent check-in keeps version 1
    report = sync.sync_once()
    assert report.push.duplicates == 2
    assert [r.conflict for r in report.push.refusals] == ["changed_while_offline"]
    assert_agree(central, hall_store)


def test_offline_hall_keeps_working_and_catches_up(
    central: Central,
    hall_store: HallStore,
    make_sync: SyncFactory,
    proxy: FaultProxy,
    clock: FixedClock,
) -> None:
    for serial in (11, 12):
        book_centrally(central, serial)
    sync = make_sync()
    sync.sync_once()
    proxy.down = True
    clock.set(SATURDAY_0850)
    with pytest.raises(SyncFailed) as failed:
        sync.sync_once()
    assert failed.value.problem in (Problem.UNREACHABLE, Problem.TIMEOUT)
    went_down = clock.now()
    # Check-in against the last pulled bookings, walk-ins, calling: all local.
    assert check_in(hall_store, identity(11), clock.now()).outcome is CheckInOutcome.CHECKED_IN
    clock.set(datetime(2026, 11, 30, 9, 0))  # Monday: walk-ins; still offline
    with pytest.raises(SyncFailed):
        sync.sync_once()
    taken = [take_ticket(hall_store, "real-estate", clock.now()) for _ in range(3)]
    assert all(t.ticket is not None for t in taken)
    window = next(w.number for w in hall_store.hall.windows if "real-estate" in w.services)
    assert call_next(hall_store, window, clock.now()).ticket is not None
    state = read_state(hall_store, clock.now())
    assert not state.online
    assert state.offline_for(clock.now()) == clock.now() - went_down
    assert state.outbox_depth >= 6
    assert state.last_error in (Problem.UNREACHABLE, Problem.TIMEOUT)
    assert state.error_text and "离线" in state.summary(clock.now())
    proxy.down = False
    sync.sync_once()
    state = read_state(hall_store, clock.now())
    assert state.online and state.outbox_depth == 0 and state.last_error is None
    assert_agree(central, hall_store)


def test_bad_token_is_an_error_in_plain_words(
    hall_store: HallStore, make_sync: SyncFactory, clock: FixedClock, kiosk_token: str
) -> None:
    sync = make_sync()
    sync.central.http.headers["Authorization"] = "Bearer not-a-token"
    with pytest.raises(SyncFailed) as failed:
        sync.sync_once()
    assert failed.value.problem is Problem.UNAUTHORIZED
    state = read_state(hall_store, clock.now())
    assert state.last_error == "unauthorized" and "令牌" in (state.error_text or "")


def test_a_second_terminal_leaves_the_outbox_to_the_lease_holder(
    central: Central, hall_store: HallStore, make_sync: SyncFactory, clock: FixedClock
) -> None:
    from sync.client import HallSync, SyncBusy

    first = make_sync()
    first.sync_once()
    second = HallSync(hall_store, first.config, clock, runner="kiosk-2")
    try:
        with pytest.raises(SyncBusy):
            second.sync_once()
        first.release()
        second.sync_once()
    finally:
        second.close()


def test_the_pull_goes_on_when_the_push_fails(
    central: Central,
    hall_store: HallStore,
    make_sync: SyncFactory,
    proxy: FaultProxy,
    clock: FixedClock,
) -> None:
    """An event batch the store fails on (500) must not stop the hall receiving bookings."""
    clock.set(datetime(2026, 11, 23, 9, 30))
    assert take_ticket(hall_store, "real-estate", clock.now()).ticket is not None
    booked = book_centrally(central, 1)
    proxy.only_path = "/events"
    proxy.plan(["error500"])
    sync = make_sync()
    with pytest.raises(SyncFailed) as failed:
        sync.sync_once()
    assert failed.value.problem is Problem.SERVER_ERROR
    assert local_booking(hall_store, booked).status == "booked"  # pulled all the same
    state = read_state(hall_store, clock.now())
    assert state.outbox_depth == 1 and state.last_error == "server_error"
    report = sync.sync_once()
    assert report.push.events == 1
    assert read_state(hall_store, clock.now()).outbox_depth == 0
    assert_agree(central, hall_store)


def test_a_cursor_ahead_of_a_restored_store_pulls_everything_again(
    central: Central, hall_store: HallStore, make_sync: SyncFactory
) -> None:
    """The central database restored from a backup is behind the hall's cursor: the store
    answers 409 with its head, the client pulls again from 0 and follows from there."""
    ids = [book_centrally(central, serial) for serial in (1, 2, 3)]
    sync = make_sync()
    assert sync.sync_once().pull.cursor == 3
    with central.transaction() as session:  # "restored" to before the third booking
        session.execute(delete(central_models.Booking).where(central_models.Booking.id == ids[2]))
        session.execute(update(central_models.HallCounter).values(value=2))
    report = sync.sync_once()
    assert (report.pull.resets, report.pull.cursor, report.pull.bookings) == (1, 2, 2)
    new = book_centrally(central, 4, service="tax")
    report = sync.sync_once()
    assert (report.pull.resets, report.pull.bookings, report.pull.cursor) == (0, 1, 3)
    assert local_booking(hall_store, new).status == "booked"


def test_an_unchanged_hall_is_answered_not_modified(
    central: Central, hall_store: HallStore, make_sync: SyncFactory, proxy: FaultProxy
) -> None:
    """The last page's ETag goes back as If-None-Match: nothing changed, nothing sent (304)."""
    book_centrally(central, 1)
    sync = make_sync()
    first = sync.sync_once()
    assert (first.pull.pages, first.pull.bookings) == (1, 1)
    again = sync.sync_once()
    assert (again.pull.pages, again.pull.bookings, again.pull.cursor) == (0, 0, 1)
    book_centrally(central, 2)
    changed = sync.sync_once()
    assert (changed.pull.pages, changed.pull.bookings, changed.pull.cursor) == (1, 1, 2)
