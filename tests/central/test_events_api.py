"""Kiosk events: applied once per key, in order per device, with the written conflict rules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from kiosk.domain.identity import id_hash
from sync.protocol import MAX_PAYLOAD_BYTES, EventBatchResult
from sync.server.models import Event, HallCounter
from tests.central.helpers import SATURDAY_09, booking, event, rating, ticket
from tests.central_fixtures import KEY, person

API = "/api/v1/halls/xixia"
#: When the check-ins of the tests happen: the Saturday of their bookings (made on Monday).
SATURDAY_MORNING = datetime(2026, 11, 28, 9, 0)


def push(client: Any, *events: dict[str, Any]) -> EventBatchResult:
    response = client.post(f"{API}/events", json={"events": list(events)})
    assert response.status_code == 200, response.text
    return EventBatchResult.model_validate(response.json())


def made(client: Any, serial: int = 1, **changes: Any) -> dict[str, Any]:
    response = client.post(f"{API}/bookings", json=booking(serial, **changes))
    assert response.status_code == 201, response.text
    return response.json()


def on_site(booking_id: str, serial: int, slot: str = SATURDAY_09, **changes: Any) -> dict:
    payload = {
        "booking_id": booking_id,
        "service": "real-estate",
        "slot_start": slot,
        "id_hash": id_hash(person(serial), KEY),
        "masked_name": "李*",
        "channel": "kiosk",
    }
    payload.update(changes)
    return payload


def test_check_in_is_applied_once_and_a_repeat_returns_the_original(xixia, central, clock) -> None:
    booked = made(xixia)
    clock.set(SATURDAY_MORNING)
    check_in = event(1, "booking_checked_in", {"booking_id": booked["id"]})
    first = push(xixia, check_in)
    assert first.last_sequence == 1
    (result,) = first.results
    assert (result.outcome, result.duplicate) == ("applied", False)
    assert result.booking is not None and result.booking.status == "checked_in"
    assert result.booking.checked_in_at == datetime(2026, 11, 28, 8, 50)
    again = push(xixia, check_in)
    (repeat,) = again.results
    assert (repeat.outcome, repeat.duplicate) == ("applied", True)
    assert repeat.booking is not None and repeat.booking.version == result.booking.version
    with central.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Event)) == 1


def test_a_resent_batch_applies_only_the_new_tail(xixia, clock) -> None:
    ids = [
        made(xixia, n, slot_start=f"2026-11-28T{h}:00")["id"]
        for n, h in enumerate(["08:00", "08:30", "09:00"])
    ]
    clock.set(SATURDAY_MORNING)
    events = [event(n + 1, "booking_checked_in", {"booking_id": i}) for n, i in enumerate(ids)]
    push(xixia, *events[:2])
    result = push(xixia, *events)
    assert [(r.outcome, r.duplicate) for r in result.results] == [
        ("applied", True),
        ("applied", True),
        ("applied", False),
    ]
    assert result.last_sequence == 3


def test_a_key_reused_for_another_event_is_rejected(xixia, clock) -> None:
    booked = made(xixia)
    clock.set(SATURDAY_MORNING)
    push(xixia, event(1, "booking_checked_in", {"booking_id": booked["id"]}))
    reused = event(1, "booking_forfeited", {"booking_id": booked["id"]})
    reused["idempotency_key"] = event(1, "booking_checked_in", {})["idempotency_key"]
    (result,) = push(xixia, reused).results
    assert (result.outcome, result.reason) == ("rejected", "key_reused")
    assert xixia.get(f"{API}/bookings/{booked['id']}").json()["status"] == "checked_in"


def test_a_new_key_with_an_old_sequence_is_rejected(xixia, clock) -> None:
    booked = made(xixia)
    clock.set(SATURDAY_MORNING)
    push(xixia, event(5, "ticket_issued", ticket("A001")))
    stale = event(3, "booking_checked_in", {"booking_id": booked["id"]})
    (result,) = push(xixia, stale).results
    assert (result.outcome, result.reason) == ("rejected", "sequence_out_of_order")
    assert xixia.get(f"{API}/bookings/{booked['id']}").json()["status"] == "booked"


@pytest.mark.parametrize(
    ("events", "fragment"),
    [
        ([], "events"),
        (
            [event(2, "ticket_issued", ticket("A001")), event(1, "ticket_called", ticket("A001"))],
            "send the outbox in order",
        ),
        ([event(1, "ticket_issued", ticket()), event(1, "ticket_issued", ticket())], "sequence"),
        ([event(0, "ticket_issued", ticket())], "sequence"),
        ([event(2**63, "ticket_issued", ticket())], "sequence"),
        ([event(1, "ticket_issued", ticket(), idempotency_key="short")], "idempotency_key"),
        ([event(1, "ticket_issued", ticket(), occurred_at="yesterday")], "occurred_at"),
        ([event(1, "ticket_issued", ticket(), occurred_at="9999-12-31T23:59:59")], "occurred_at"),
        ([event(1, "Ticket Issued", ticket())], "type"),
    ],
)
def test_a_malformed_envelope_refuses_the_batch_and_changes_nothing(
    xixia, central, clock, events, fragment
) -> None:
    """The envelope is the client's own work (order, keys, numbers): a bad one is a bug, and
    nothing of the batch half-happens."""
    booked = made(xixia)
    clock.set(SATURDAY_MORNING)
    good = event(99, "booking_checked_in", {"booking_id": booked["id"]})
    body = {"events": [*events, good]} if events else {"events": []}
    response = xixia.post(f"{API}/events", json=body)
    assert response.status_code == 422, response.text
    assert fragment in response.json()["message"]
    assert xixia.get(f"{API}/bookings/{booked['id']}").json()["status"] == "booked"
    with central.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Event)) == 0


def test_a_payload_that_does_not_fit_is_rejected_alone_and_the_rest_goes_on(
    xixia, central, clock
) -> None:
    """A payload is checked per event: a refused one is that event's outcome (kept without its
    payload), never a reason to hold up the events after it."""
    booked = made(xixia)
    clock.set(SATURDAY_MORNING)
    number = person(5)
    refused = [
        event(1, "booking_teleported", {}),
        event(2, "booking_checked_in", {}),
        event(3, "booking_created", {"booking_id": "abcdefgh"}),
        event(4, "ticket_issued", {**ticket("A001"), "holder_id": number}),
        event(5, "ticket_issued", {**ticket("A001"), "note": {"nested": True}}),
        event(
            6,
            "ticket_issued",
            {**ticket("A001"), "pad": 0, "x": "y" * 60, "y": "z" * 60}
            | {f"k{n}": "v" * 60 for n in range(40)},
        ),
        event(7, "booking_created", on_site("kiosk-0000000009", 3, masked_name="张小三")),
        event(8, "ticket_rated", rating(score=5)),
        event(9, "ticket_rated", rating(comment=f"号码 {number}")),
    ]
    good = event(10, "booking_checked_in", {"booking_id": booked["id"]})
    result = push(xixia, *refused, good)
    assert [(r.outcome, r.reason) for r in result.results] == [
        ("rejected", "unknown_type"),
        ("rejected", "invalid_payload"),
        ("rejected", "invalid_payload"),
        ("rejected", "invalid_payload"),
        ("rejected", "invalid_payload"),
        ("rejected", "payload_too_large"),
        ("rejected", "invalid_payload"),
        ("rejected", "invalid_payload"),
        ("rejected", "invalid_payload"),
        ("applied", None),
    ]
    assert "ID number" in (result.results[3].message or "")
    assert "masked" in (result.results[6].message or "")
    assert "does not match level" in (result.results[7].message or "")
    assert result.last_sequence == 10
    with central.transaction() as session:
        stored = session.scalars(select(Event).order_by(Event.sequence)).all()
        assert [e.payload for e in stored[:9]] == [{}] * 9
        assert all(number not in str(e.payload) + str(e.message) for e in stored)
    # Sent again (a lost answer), the refused events come back as duplicates, not key_reused.
    again = push(xixia, *refused, good)
    assert all(r.duplicate for r in again.results)
    assert [r.reason for r in again.results] == [r.reason for r in result.results]


def test_a_ticket_event_with_the_kiosks_fields_is_taken(xixia, clock) -> None:
    clock.set(SATURDAY_MORNING)
    issued = {
        **ticket("A001"),
        "day": "2026-11-28",
        "window": 2,
        "kind": "booked",
        "priority_group": None,
        "queued_at": "2026-11-28T08:55:00",
        "booking": "kiosk-0000000001",
        "newer_field": 3,
    }
    results = push(xixia, event(1, "ticket_issued", issued), event(2, "ticket_rated", rating()))
    assert [r.outcome for r in results.results] == ["applied", "applied"]
    assert len(str(issued)) < MAX_PAYLOAD_BYTES


def test_occurred_at_must_be_near_the_servers_time(xixia, clock) -> None:
    """A device's clock is trusted within bounds: a future event (a kiosk booking "made" days
    ahead to skip the booking window) and a very old one are refused."""
    clock.set(datetime(2026, 11, 23, 10, 0))
    results = push(
        xixia,
        event(1, "ticket_issued", ticket("A001"), occurred_at="2026-11-23T10:04:00"),
        event(2, "ticket_issued", ticket("A002"), occurred_at="2026-11-23T10:06:00"),
        event(3, "ticket_issued", ticket("A003"), occurred_at="2026-11-16T09:59:00"),
        event(
            4,
            "booking_created",
            on_site("kiosk-0000000010", 4, slot="2026-12-09T09:00:00"),
            occurred_at="2026-12-08T09:00:00",
        ),
    ).results
    assert [(r.outcome, r.reason) for r in results] == [
        ("applied", None),
        ("rejected", "occurred_in_future"),
        ("rejected", "occurred_too_long_ago"),
        ("rejected", "occurred_in_future"),
    ]


def test_a_kiosk_booking_arriving_after_its_slots_day_is_refused(xixia, clock) -> None:
    """Back-dated into a day already over it would hold a place nobody can use."""
    clock.set(datetime(2026, 11, 29, 9, 0))
    payload = on_site("kiosk-0000000011", 5)
    (result,) = push(
        xixia, event(1, "booking_created", payload, occurred_at="2026-11-23T10:00:00")
    ).results
    assert (result.outcome, result.reason) == ("rejected", "slot_over")


def test_a_batch_of_ticket_events_leaves_the_halls_lock_alone(xixia, central, clock) -> None:
    """Only a batch that may change bookings takes the hall's counter row (the writers' queue);
    ticket events are only recorded."""
    booked = made(xixia)
    clock.set(SATURDAY_MORNING)
    touched: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if "hall_counters" in statement:
            touched.append(statement.split()[0])

    sa_event.listen(central.engine, "before_cursor_execute", seen)
    try:
        push(
            xixia,
            event(1, "ticket_issued", ticket("A001")),
            event(2, "ticket_called", ticket("A001")),
        )
        assert touched == []
        push(xixia, event(3, "booking_checked_in", {"booking_id": booked["id"]}))
        assert "UPDATE" in touched
    finally:
        sa_event.remove(central.engine, "before_cursor_execute", seen)
    with central.transaction() as session:
        assert session.get(HallCounter, "xixia").value == 2  # the booking, then the check-in


def test_kiosk_booking_is_accepted_under_the_same_rules(xixia, clock) -> None:
    clock.set(datetime(2026, 11, 23, 10, 5))
    payload = on_site("kiosk-0000000001", 7)
    (result,) = push(
        xixia, event(1, "booking_created", payload, occurred_at="2026-11-23T10:00:00")
    ).results
    assert result.outcome == "applied"
    assert result.booking is not None
    assert (result.booking.status, result.booking.channel) == ("booked", "kiosk")
    assert result.booking.materials_zh
    page = xixia.get(f"{API}/bookings").json()
    assert [b["id"] for b in page["bookings"]] == ["kiosk-0000000001"]


def test_kiosk_booking_into_a_full_slot_is_recorded_as_rejected(xixia, halls, clock) -> None:
    for serial in range(halls["xixia"].booking.slot_capacity):
        made(xixia, serial)
    clock.set(datetime(2026, 11, 23, 10, 5))
    payload = on_site("kiosk-0000000002", 40)
    (result,) = push(
        xixia, event(1, "booking_created", payload, occurred_at="2026-11-23T10:00:00")
    ).results
    assert (result.outcome, result.reason) == ("rejected", "slot_full")
    assert result.message and "已满" in result.message
    pulled = xixia.get(f"{API}/bookings/kiosk-0000000002").json()
    assert (pulled["status"], pulled["reject_reason"]) == ("rejected", "slot_full")
    # A rejected booking holds no place and cannot be checked in.
    clock.set(SATURDAY_MORNING)
    (check_in,) = push(
        xixia, event(2, "booking_checked_in", {"booking_id": "kiosk-0000000002"})
    ).results
    assert (check_in.outcome, check_in.reason) == ("rejected", "booking_rejected")


def test_kiosk_booking_is_judged_at_the_time_it_was_made(xixia, clock) -> None:
    """Made offline before the deadline, arriving after it: the rules at the kiosk's moment."""
    clock.set(datetime(2026, 11, 27, 15, 0))
    early = on_site("kiosk-0000000003", 8)
    late = on_site("kiosk-0000000004", 9)
    results = push(
        xixia,
        event(1, "booking_created", early, occurred_at="2026-11-27T08:59:00"),
        event(2, "booking_created", late, occurred_at="2026-11-27T09:01:00"),
    ).results
    assert [r.outcome for r in results] == ["applied", "rejected"]
    assert results[1].reason == "deadline_passed"


def test_kiosk_booking_for_an_unknown_item_is_rejected_not_lost(xixia, clock) -> None:
    clock.set(datetime(2026, 11, 23, 10, 5))
    payload = on_site("kiosk-0000000005", 8, service="no-such-item")
    (result,) = push(
        xixia, event(1, "booking_created", payload, occurred_at="2026-11-23T10:00:00")
    ).results
    assert (result.outcome, result.reason) == ("rejected", "unknown_service")


def test_check_in_wins_over_a_central_cancellation(xixia, clock) -> None:
    booked = made(xixia)
    xixia.post(f"{API}/bookings/{booked['id']}/cancel", json={"id_number": person(1)})
    clock.set(SATURDAY_MORNING)
    (result,) = push(xixia, event(1, "booking_checked_in", {"booking_id": booked["id"]})).results
    assert (result.outcome, result.conflict) == ("applied", "checked_in_after_cancel")
    state = xixia.get(f"{API}/bookings/{booked['id']}").json()
    assert (state["status"], state["conflict"]) == ("checked_in", "checked_in_after_cancel")


def test_check_in_after_the_holder_rebooked_the_same_slot_keeps_the_new_booking(
    xixia, clock
) -> None:
    old = made(xixia)
    xixia.post(f"{API}/bookings/{old['id']}/cancel", json={"id_number": person(1)})
    new = made(xixia, 1, service="tax")
    clock.set(SATURDAY_MORNING)
    (result,) = push(xixia, event(1, "booking_checked_in", {"booking_id": old["id"]})).results
    assert (result.outcome, result.conflict) == ("ignored", "rebooked_same_slot")
    assert xixia.get(f"{API}/bookings/{old['id']}").json()["status"] == "cancelled"
    assert xixia.get(f"{API}/bookings/{new['id']}").json()["status"] == "booked"


def test_check_in_of_a_booking_changed_while_offline_is_kept_and_flagged(xixia, clock) -> None:
    booked = made(xixia)
    xixia.post(
        f"{API}/bookings/{booked['id']}/hall-change",
        json={"approver": "王主任", "reason": "调整", "slot_start": "2026-11-28T15:00:00"},
    )
    ref = {"booking_id": booked["id"], "version": booked["version"]}
    clock.set(SATURDAY_MORNING)
    (result,) = push(xixia, event(1, "booking_checked_in", ref)).results
    assert (result.outcome, result.conflict) == ("applied", "changed_while_offline")


def test_forfeit_loses_to_a_check_in_and_to_a_cancellation(xixia, clock) -> None:
    checked = made(xixia, 1)
    cancelled = made(xixia, 2)
    absent = made(xixia, 3)
    xixia.post(f"{API}/bookings/{cancelled['id']}/cancel", json={"id_number": person(2)})
    clock.set(SATURDAY_MORNING)
    results = push(
        xixia,
        event(1, "booking_checked_in", {"booking_id": checked["id"]}),
        event(2, "booking_forfeited", {"booking_id": checked["id"]}),
        event(3, "booking_forfeited", {"booking_id": cancelled["id"]}),
        event(4, "booking_forfeited", {"booking_id": absent["id"]}),
        event(5, "booking_served", {"booking_id": checked["id"]}),
        event(6, "booking_checked_in", {"booking_id": "nosuchbooking"}),
    ).results
    assert [(r.outcome, r.reason) for r in results] == [
        ("applied", None),
        ("ignored", None),
        ("ignored", None),
        ("applied", None),
        ("applied", None),
        ("rejected", "unknown_booking"),
    ]
    assert xixia.get(f"{API}/bookings/{checked['id']}").json()["status"] == "served"
    assert xixia.get(f"{API}/bookings/{absent['id']}").json()["status"] == "forfeited"


def test_daily_report_counts_check_ins_no_shows_and_tickets(xixia, clock) -> None:
    first, second, third = (made(xixia, n) for n in (1, 2, 3))
    clock.set(SATURDAY_MORNING)
    push(
        xixia,
        event(1, "booking_checked_in", {"booking_id": first["id"]}),
        event(2, "booking_forfeited", {"booking_id": second["id"]}),
        event(3, "ticket_issued", ticket("A001")),
        event(4, "ticket_issued", ticket("A002")),
        event(5, "ticket_no_show", ticket("A002")),
        event(6, "booking_served", {"booking_id": third["id"]}),
        event(7, "ticket_called", {"number": "A003"}),  # refused: not counted
    )
    report = xixia.get(f"{API}/reports/daily", params={"day": "2026-11-28"}).json()
    assert (report["checked_in"], report["forfeited"], report["conflicts"]) == (2, 1, 0)
    assert report["ticket_events"] == {"ticket_issued": 2, "ticket_no_show": 1}
    estate = next(s for s in report["services"] if s["service"] == "real-estate")
    assert (estate["checked_in"], estate["served"], estate["forfeited"]) == (1, 1, 1)
    empty = xixia.get(f"{API}/reports/daily", params={"day": "2026-11-27"}).json()
    assert (empty["checked_in"], empty["ticket_events"]) == (0, {})


def test_each_device_keeps_its_own_order(client, devices, clock) -> None:
    clock.set(SATURDAY_MORNING)
    kiosk_1 = {"Authorization": f"Bearer {devices.token('xixia', 'kiosk-1')}"}
    kiosk_2 = {"Authorization": f"Bearer {devices.token('xixia', 'kiosk-2')}"}
    ticket_1 = event(10, "ticket_issued", ticket("A001"), idempotency_key="kiosk1-000010")
    ticket_2 = event(3, "ticket_issued", ticket("A002"), idempotency_key="kiosk2-000003")
    one = client.post(f"{API}/events", json={"events": [ticket_1]}, headers=kiosk_1).json()
    two = client.post(f"{API}/events", json={"events": [ticket_2]}, headers=kiosk_2).json()
    assert (one["last_sequence"], two["last_sequence"]) == (10, 3)
    assert two["results"][0]["outcome"] == "applied"
