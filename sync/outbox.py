"""The hall's outbox as the central store reads it: local events turned into wire events.

The translation is a pure function of the stored event (plus the booking version frozen for
it, see ``sync.client``), so an event re-sent after a lost reply is byte-for-byte the one the
server already has: the server answers a repeated key with a different body as ``key_reused``.

Numbering: the outbox row ``seq`` is increasing per hall store, and the wire ``sequence`` must be
increasing per device. One local event can become two wire events (a booked ticket completed is
also ``booking_served`` for the central store), so event ``seq`` is sent as ``2 * seq`` and the
derived one as ``2 * seq + 1`` with the key ``<key>:served``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.store.models import Event
from sync.protocol import (
    MAX_PAYLOAD_BYTES,
    TICKET_RATED,
    BookingCreatedPayload,
    BookingRefPayload,
    EventIn,
    TicketRatedPayload,
)
from sync.state import BOOKING_EVENT_TYPES, central_event_filter

log = logging.getLogger(__name__)
SERVED_SUFFIX = ":served"
KIOSK_CHANNELS = ("on_site", "kiosk")


@dataclass(frozen=True)
class Outgoing:
    """One outbox row and what is sent for it (nothing, for a row that cannot be expressed)."""

    seq: int
    wire: tuple[EventIn, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(event.idempotency_key for event in self.wire)

    @property
    def size(self) -> int:
        """Bytes of JSON this row adds to a batch (roughly: the batch's own brackets aside)."""
        return sum(len(event.model_dump_json()) + 1 for event in self.wire)


def unsent(session: Session, hall_id: str, limit: int) -> Sequence[Event]:
    query = (
        select(Event)
        .where(Event.hall_id == hall_id, Event.pushed_at.is_(None), central_event_filter())
        .order_by(Event.seq)
        .limit(limit)
    )
    return session.execute(query).scalars().all()


def unsent_booking_ids(session: Session, hall_id: str) -> set[str]:
    """Bookings an unsent event refers to: their version stays as the hall acted on it."""
    rows = session.execute(
        select(Event.payload).where(
            Event.hall_id == hall_id,
            Event.pushed_at.is_(None),
            Event.type.in_(BOOKING_EVENT_TYPES),
        )
    ).scalars()
    return {str(payload["booking"]) for payload in rows if payload.get("booking")}


def booking_of(event: Event) -> str | None:
    value = event.payload.get("booking")
    return str(value) if value else None


def outgoing(event: Event, versions: Mapping[str, int]) -> Outgoing:
    """What the central store gets for one outbox row; a row the protocol cannot carry (a bug
    or an older payload) is logged and sent as nothing, so it never blocks the outbox."""
    try:
        return Outgoing(event.seq, _wire(event, versions))
    except (ValidationError, KeyError, TypeError, ValueError) as error:
        log.error("outbox event %s (%s) cannot be sent: %s", event.seq, event.type, error)
        return Outgoing(event.seq, ())


def _wire(event: Event, versions: Mapping[str, int]) -> tuple[EventIn, ...]:
    payload = event.payload
    common: dict[str, object] = {"occurred_at": event.at}
    key, sequence = event.idempotency_key, 2 * event.seq
    if event.type == "booking_created":
        channel = payload.get("channel")
        body = BookingCreatedPayload(
            booking_id=payload["booking"],
            service=payload["service"],
            slot_start=payload["slot_start"],
            id_hash=payload["holder_hash"],
            masked_name=payload["name"],
            masked_phone=payload.get("phone"),
            channel=channel if channel in KIOSK_CHANNELS else "on_site",
        )
        return (_event(key, sequence, event.type, body.model_dump(mode="json"), common),)
    if event.type == "booking_checked_in":
        booking = str(payload["booking"])
        ref = BookingRefPayload(booking_id=booking, version=versions.get(booking))
        sent = ref.model_dump(mode="json", exclude_none=True)
        return (_event(key, sequence, event.type, sent, common),)
    if event.type == "booking_forfeited":
        ref = BookingRefPayload(booking_id=str(payload["booking"]))
        sent = ref.model_dump(mode="json", exclude_none=True)
        return (_event(key, sequence, event.type, sent, common),)
    if event.type == TICKET_RATED:
        rated = TicketRatedPayload.model_validate(payload).model_dump(mode="json")
        return (_event(key, sequence, event.type, rated, common),)
    if len(json.dumps(payload, ensure_ascii=False).encode()) > MAX_PAYLOAD_BYTES:
        raise ValueError(f"payload larger than the {MAX_PAYLOAD_BYTES} bytes the store takes")
    events = [_event(key, sequence, event.type, dict(payload), common)]
    if event.type == "ticket_completed" and payload.get("booking"):
        served = BookingRefPayload(booking_id=str(payload["booking"]))
        events.append(
            _event(
                key + SERVED_SUFFIX,
                sequence + 1,
                "booking_served",
                served.model_dump(mode="json", exclude_none=True),
                common,
            )
        )
    return tuple(events)


def _event(
    key: str, sequence: int, type_: str, payload: dict[str, object], common: dict[str, object]
) -> EventIn:
    return EventIn.model_validate(
        {"idempotency_key": key, "sequence": sequence, "type": type_, "payload": payload, **common}
    )
