"""Kiosk events: applied once per key, in order per device, with the written conflict rules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from kiosk.domain.identity import id_hash
from sync.protocol import EventBatchResult
from sync.server.models import Event
from tests.central.conftest import KEY, person
from tests.central.helpers import SATURDAY_09, booking, event

API = "/api/v1/halls/xixia"


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


def test_check_in_is_applied_once_and_a_repeat_returns_the_original(xixia, central) -> None:
    booked = made(xixia)
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


def test_a_resent_batch_applies_only_the_new_tail(xixia) -> None:
    ids = [
        made(xixia, n, slot_start=f"2026-11-28T{h}:00")["id"]
        for n, h in enumerate(["08:00", "08:30", "09:00"])
    ]
    events = [event(n + 1, "booking_checked_in", {"booking_id": i}) for n, i in enumerate(ids)]
    push(xixia, *events[:2])
    result = push(xixia, *events)
    assert [(r.outcome, r.duplicate) for r in result.results] == [
        ("applied", True),
        ("applied", True),
        ("applied", False),
    ]
    assert result.last_sequence == 3


def test_a_key_reused_for_another_event_is_rejected(xixia) -> None:
    booked = made(xixia)
    push(xixia, event(1, "booking_checked_in", {"booking_id": booked["id"]}))
    reused = event(1, "booking_forfeited", {"booking_id": booked["id"]})
    reused["idempotency_key"] = event(1, "booking_checked_in", {})["idempotency_key"]
    (result,) = push(xixia, reused).results
    assert (result.outcome, result.reason) == ("rejected", "key_reused")
    assert xixia.get(f"{API}/bookings/{booked['id']}").json()["status"] == "checked_in"


def test_a_new_key_with_an_old_sequence_is_rejected(xixia) -> None:
    booked = made(xixia)
    push(xixia, event(5, "ticket_issued", {"number": "A001"}))
    stale = event(3, "booking_checked_in", {"booking_id": booked["id"]})
    (result,) = push(xixia, stale).results
    assert (result.outcome, result.reason) == ("rejected", "sequence_out_of_order")
    assert xixia.get(f"{API}/bookings/{booked['id']}").json()["status"] == "booked"


@pytest.mark.parametrize(
    ("events", "fragment"),
    [
        ([], "events"),
        (
            [event(2, "ticket_issued", {}), event(1, "ticket_called", {})],
            "send the outbox in order",
        ),
        ([event(1, "ticket_issued", {}), event(1, "ticket_issued", {})], "sequence"),
        ([event(1, "booking_teleported", {})], "unknown event type"),
        ([event(0, "ticket_issued", {})], "sequence"),
        ([event(1, "ticket_issued", {}, idempotency_key="short")], "idempotency_key"),
        ([event(1, "ticket_issued", {}, occurred_at="yesterday")], "occurred_at"),
        ([event(1, "booking_checked_in", {})], "payload.booking_id"),
        ([event(1, "booking_created", {"booking_id": "abcdefgh"})], "payload"),
    ],
)
def test_malformed_batches_change_nothing(xixia, central, events, fragment) -> None:
    booked = made(xixia)
    good = event(99, "booking_checked_in", {"booking_id": booked["id"]})
    body = {"events": [*events, good]} if events else {"events": []}
    response = xixia.post(f"{API}/events", json=body)
    assert response.status_code == 422, response.text
    assert fragment in response.json()["message"]
    assert xixia.get(f"{API}/bookings/{booked['id']}").json()["status"] == "booked"
    with central.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Event)) == 0


def test_kiosk_booking_is_accepted_under_the_same_rules(xixia) -> None:
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


def test_kiosk_booking_into_a_full_slot_is_recorded_as_rejected(xixia, halls) -> None:
    for serial in range(halls["xixia"].booking.slot_capacity):
        made(xixia, serial)
    payload = on_site("kiosk-0000000002", 40)
    (result,) = push(
        xixia, event(1, "booking_created", payload, occurred_at="2026-11-23T10:00:00")
    ).results
    assert (result.outcome, result.reason) == ("rejected", "slot_full")
    assert result.message and "已满" in result.message
    pulled = xixia.get(f"{API}/bookings/kiosk-0000000002").json()
    assert (pulled["status"], pulled["reject_reason"]) == ("rejected", "slot_full")
    # A rejected booking holds no place and cannot be checked in.
    (check_in,) = push(
        xixia, event(2, "booking_checked_in", {"booking_id": "kiosk-0000000002"})
    ).results
    assert (check_in.outcome, check_in.reason) == ("rejected", "booking_rejected")


def test_kiosk_booking_is_judged_at_the_time_it_was_made(xixia) -> None:
    """Made offline before the deadline, arriving after it: the rules at the kiosk's moment."""
    early = on_site("kiosk-0000000003", 8)
    late = on_site("kiosk-0000000004", 9)
    results = push(
        xixia,
        event(1, "booking_created", early, occurred_at="2026-11-27T08:59:00"),
        event(2, "booking_created", late, occurred_at="2026-11-27T09:01:00"),
    ).results
    assert [r.outcome for r in results] == ["applied", "rejected"]
    assert results[1].reason == "deadline_passed"


def test_kiosk_booking_for_an_unknown_item_is_rejected_not_lost(xixia) -> None:
    payload = on_site("kiosk-0000000005", 8, service="no-such-item")
    (result,) = push(
        xixia, event(1, "booking_created", payload, occurred_at="2026-11-23T10:00:00")
    ).results
    assert (result.outcome, result.reason) == ("rejected", "unknown_service")


def test_check_in_wins_over_a_central_cancellation(xixia) -> None:
    booked = made(xixia)
    xixia.post(f"{API}/bookings/{booked['id']}/cancel", json={"id_number": person(1)})
    (result,) = push(xixia, event(1, "booking_checked_in", {"booking_id": booked["id"]})).results
    assert (result.outcome, result.conflict) == ("applied", "checked_in_after_cancel")
    state = xixia.get(f"{API}/bookings/{booked['id']}").json()
    assert (state["status"], state["conflict"]) == ("checked_in", "checked_in_after_cancel")


def test_check_in_after_the_holder_rebooked_the_same_slot_keeps_the_new_booking(xixia) -> None:
    old = made(xixia)
    xixia.post(f"{API}/bookings/{old['id']}/cancel", json={"id_number": person(1)})
    new = made(xixia, 1, service="tax")
    (result,) = push(xixia, event(1, "booking_checked_in", {"booking_id": old["id"]})).results
    assert (result.outcome, result.conflict) == ("ignored", "rebooked_same_slot")
    assert xixia.get(f"{API}/bookings/{old['id']}").json()["status"] == "cancelled"
    assert xixia.get(f"{API}/bookings/{new['id']}").json()["status"] == "booked"


def test_check_in_of_a_booking_changed_while_offline_is_kept_and_flagged(xixia) -> None:
    booked = made(xixia)
    xixia.post(
        f"{API}/bookings/{booked['id']}/hall-change",
        json={"approver": "王主任", "reason": "调整", "slot_start": "2026-11-28T15:00:00"},
    )
    ref = {"booking_id": booked["id"], "version": booked["version"]}
    (result,) = push(xixia, event(1, "booking_checked_in", ref)).results
    assert (result.outcome, result.conflict) == ("applied", "changed_while_offline")


def test_forfeit_loses_to_a_check_in_and_to_a_cancellation(xixia) -> None:
    checked = made(xixia, 1)
    cancelled = made(xixia, 2)
    absent = made(xixia, 3)
    xixia.post(f"{API}/bookings/{cancelled['id']}/cancel", json={"id_number": person(2)})
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


def test_daily_report_counts_check_ins_no_shows_and_tickets(xixia) -> None:
    first, second, third = (made(xixia, n) for n in (1, 2, 3))
    push(
        xixia,
        event(1, "booking_checked_in", {"booking_id": first["id"]}),
        event(2, "booking_forfeited", {"booking_id": second["id"]}),
        event(3, "ticket_issued", {"number": "A001"}),
        event(4, "ticket_issued", {"number": "A002"}),
        event(5, "ticket_no_show", {"number": "A002"}),
        event(6, "booking_served", {"booking_id": third["id"]}),
    )
    report = xixia.get(f"{API}/reports/daily", params={"day": "2026-11-28"}).json()
    assert (report["checked_in"], report["forfeited"], report["conflicts"]) == (2, 1, 0)
    assert report["ticket_events"] == {"ticket_issued": 2, "ticket_no_show": 1}
    estate = next(s for s in report["services"] if s["service"] == "real-estate")
    assert (estate["checked_in"], estate["served"], estate["forfeited"]) == (1, 1, 1)
    empty = xixia.get(f"{API}/reports/daily", params={"day": "2026-11-27"}).json()
    assert (empty["checked_in"], empty["ticket_events"]) == (0, {})


def test_each_device_keeps_its_own_order(client, devices) -> None:
    kiosk_1 = {"Authorization": f"Bearer {devices.token('xixia', 'kiosk-1')}"}
    kiosk_2 = {"Authorization": f"Bearer {devices.token('xixia', 'kiosk-2')}"}
    ticket_1 = event(10, "ticket_issued", {"n": 1}, idempotency_key="kiosk1-000010")
    ticket_2 = event(3, "ticket_issued", {"n": 2}, idempotency_key="kiosk2-000003")
    one = client.post(f"{API}/events", json={"events": [ticket_1]}, headers=kiosk_1).json()
    two = client.post(f"{API}/events", json={"events": [ticket_2]}, headers=kiosk_2).json()
    assert (one["last_sequence"], two["last_sequence"]) == (10, 3)
    assert two["results"][0]["outcome"] == "applied"
