"""What "the server and the kiosk agree exactly" means, checked the same way in every test."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from kiosk.store.hallstore import HallStore
from kiosk.store.models import Booking, Event
from sync.outbox import SERVED_SUFFIX
from sync.server import models as central_models
from sync.server.app import Central
from sync.state import central_event_filter


def assert_agree(central: Central, store: HallStore) -> None:
    """Every outbox event applied once and fitting the protocol, nothing waiting, every booking
    present once on both sides with the same status and slot."""
    hall = store.hall.id
    with store.read() as session:
        local_events = session.execute(
            select(Event.idempotency_key, Event.type, Event.payload, Event.pushed_at).where(
                Event.hall_id == hall, central_event_filter()
            )
        ).all()
        local_bookings = {
            row.central_id: (row.status, row.slot_start)
            for row in session.execute(select(Booking).where(Booking.hall_id == hall)).scalars()
        }
    with central.transaction() as session:
        server_keys = Counter(
            session.execute(
                select(central_models.Event.idempotency_key).where(
                    central_models.Event.hall_id == hall
                )
            ).scalars()
        )
        # What the kiosk writes always fits the protocol's schemas (a refusal for a rule, such
        # as a full slot, is fine; one for the payload's shape is a bug on one side).
        misfits = session.execute(
            select(central_models.Event.type, central_models.Event.reason).where(
                central_models.Event.hall_id == hall,
                central_models.Event.reason.in_(
                    ["invalid_payload", "unknown_type", "payload_too_large"]
                ),
            )
        ).all()
        server_bookings = {
            row.id: (row.status, row.slot_start)
            for row in session.execute(
                select(central_models.Booking).where(central_models.Booking.hall_id == hall)
            ).scalars()
        }
    unsent = [key for key, _type, _payload, pushed in local_events if pushed is None]
    assert unsent == [], f"{len(unsent)} event(s) still in the outbox"
    expected = Counter(key for key, *_rest in local_events)
    expected.update(
        key + SERVED_SUFFIX
        for key, type_, payload, _pushed in local_events
        if type_ == "ticket_completed" and payload.get("booking")
    )
    assert server_keys == expected
    assert misfits == [], f"the kiosk's events do not fit the protocol: {misfits}"
    assert local_bookings == server_bookings
