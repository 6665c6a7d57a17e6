"""Kiosk events in: each idempotency key applied once, each device's events in order.

A batch runs in one transaction with the device's row locked, so two deliveries of the same
batch (a retry racing a slow first attempt) run one after the other and the second finds every
key already there. The conflict rules are written down in ``docs/sync.md``; the short form:
a check-in made at the hall wins over anything the centre did meanwhile, and is flagged.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.domain.booking_rules import booking_decision
from kiosk.domain.hall import HallProfile
from kiosk.i18n import _
from kiosk.messages import describe_booking, describe_place
from sync.protocol import (
    ACTIVE_STATUSES,
    MAX_CLOCK_AHEAD,
    MAX_EVENT_AGE,
    BookingCreatedPayload,
    BookingRefPayload,
    BookingStatus,
    DailyReport,
    DailyServiceReport,
    EventBatch,
    EventBatchResult,
    EventIn,
    EventResult,
    EventType,
    Outcome,
    PayloadRefused,
    TicketRatedPayload,
    parse_payload,
)
from sync.server.bookings import (
    ChangeNumbers,
    booking_out,
    day_span,
    find_booking,
    hall_local,
    place_problem,
    touch,
)
from sync.server.follow_ups import record_rating
from sync.server.models import Booking, Device, Event
from sync.server.settings import ServerSettings

_BOOKING_PAYLOADS = (BookingCreatedPayload, BookingRefPayload)


@dataclass(frozen=True)
class _Checked:
    """An event's payload as its schema reads it, or why it was refused before applying."""

    payload: Any = None
    refusal: PayloadRefused | None = None


def check_payload(event: EventIn) -> _Checked:
    try:
        return _Checked(payload=parse_payload(event.type, event.payload))
    except PayloadRefused as refusal:
        return _Checked(refusal=refusal)


def event_digest(event: EventIn) -> str:
    """What a repeated idempotency key is compared by: the event's type and payload."""
    body = json.dumps(
        {"type": event.type, "payload": event.payload},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


@dataclass
class _Applied:
    outcome: Outcome
    reason: str | None = None
    message: str | None = None
    conflict: str | None = None
    booking: Booking | None = None


def _out_of_time(occurred: datetime, received: datetime) -> _Applied | None:
    """A device's clock is trusted only within bounds: an event dated after the server's now
    (beyond a little skew) or older than a week is refused, never applied."""
    if occurred > received + MAX_CLOCK_AHEAD:
        return _Applied(
            Outcome.REJECTED,
            "occurred_in_future",
            f"occurred_at is more than {MAX_CLOCK_AHEAD} after the server's time: check the "
            "device's clock",
        )
    if occurred < received - MAX_EVENT_AGE:
        return _Applied(
            Outcome.REJECTED,
            "occurred_too_long_ago",
            f"occurred_at is more than {MAX_EVENT_AGE.days} days before the server's time",
        )
    return None


def apply_batch(
    session: Session,
    settings: ServerSettings,
    device_id: int,
    batch: EventBatch,
) -> EventBatchResult:
    checked = [check_payload(event) for event in batch.events]
    device = session.scalars(select(Device).where(Device.id == device_id).with_for_update()).one()
    hall = settings.halls[device.hall_id]
    received = settings.now(hall)
    numbers = ChangeNumbers(session, hall.id)
    booking_ids = {
        c.payload.booking_id for c in checked if isinstance(c.payload, _BOOKING_PAYLOADS)
    }
    if booking_ids:
        # The batch may change bookings: the hall's writers queue here, before the bookings are
        # read. A batch of ticket events only records them and leaves the hall's lock alone.
        numbers.lock()
    # Everything the batch refers to, read in two queries; later reads hit the identity map.
    keys = [event.idempotency_key for event in batch.events]
    earlier_events = {
        row.idempotency_key: row
        for row in session.scalars(
            select(Event).where(Event.hall_id == hall.id, Event.idempotency_key.in_(keys))
        )
    }
    # Held here: the session's identity map keeps objects only while someone refers to them.
    preloaded = list(
        session.scalars(
            select(Booking).where(Booking.hall_id == hall.id, Booking.id.in_(booking_ids))
        )
    )
    results: list[EventResult] = []
    for event, check in zip(batch.events, checked, strict=True):
        digest = event_digest(event)
        earlier = earlier_events.get(event.idempotency_key)
        if earlier is not None:
            results.append(_repeat(session, hall, earlier, event, digest))
            continue
        if event.sequence <= device.last_sequence:
            results.append(
                EventResult(
                    idempotency_key=event.idempotency_key,
                    sequence=event.sequence,
                    outcome=Outcome.REJECTED,
                    reason="sequence_out_of_order",
                    message=(
                        f"sequence {event.sequence} is not after {device.last_sequence}, the last "
                        "one taken from this device, and its key is new"
                    ),
                )
            )
            continue
        occurred = hall_local(hall, event.occurred_at)
        applied: _Applied | None
        if check.refusal is not None:
            applied = _Applied(Outcome.REJECTED, check.refusal.reason, check.refusal.message)
        else:
            applied = _out_of_time(occurred, received) or _apply(
                session, settings, hall, device, event.type, occurred, check.payload, received,
                numbers,
            )  # fmt: skip
        session.add(
            Event(
                hall_id=hall.id,
                device_id=device.id,
                idempotency_key=event.idempotency_key,
                sequence=event.sequence,
                type=event.type,
                occurred_at=occurred,
                received_at=received,
                # A payload its schema refused is not kept (it may hold anything); the digest
                # still tells a resent event from a different one under the same key.
                payload=event.payload if check.refusal is None else {},
                payload_hash=digest,
                outcome=applied.outcome.value,
                reason=applied.reason,
                message=(applied.message or "")[:200] or None,
                conflict=applied.conflict,
                booking_id=applied.booking.id if applied.booking is not None else None,
            )
        )
        device.last_sequence = event.sequence
        results.append(
            EventResult(
                idempotency_key=event.idempotency_key,
                sequence=event.sequence,
                outcome=applied.outcome,
                reason=applied.reason,
                message=applied.message,
                conflict=applied.conflict,
                booking=booking_out(applied.booking, hall) if applied.booking else None,
            )
        )
    device.last_seen_at = received
    del preloaded
    numbers.close()
    session.flush()
    return EventBatchResult(results=results, last_sequence=device.last_sequence)


def _repeat(
    session: Session, hall: HallProfile, earlier: Event, event: EventIn, digest: str
) -> EventResult:
    if earlier.payload_hash is not None:
        same = earlier.payload_hash == digest
    else:  # recorded before digests were kept
        same = earlier.type == event.type and earlier.payload == event.payload
    if not same:
        return EventResult(
            idempotency_key=event.idempotency_key,
            sequence=event.sequence,
            outcome=Outcome.REJECTED,
            reason="key_reused",
            message="this idempotency key was already used for a different event",
        )
    booking = find_booking(session, hall.id, earlier.booking_id) if earlier.booking_id else None
    return EventResult(
        idempotency_key=earlier.idempotency_key,
        sequence=earlier.sequence,
        outcome=Outcome(earlier.outcome),
        duplicate=True,
        reason=earlier.reason,
        message=earlier.message,
        conflict=earlier.conflict,
        booking=booking_out(booking, hall) if booking is not None else None,
    )


def _apply(
    session: Session,
    settings: ServerSettings,
    hall: HallProfile,
    device: Device,
    kind: str,
    occurred: datetime,
    payload: Any,
    received: datetime,
    numbers: ChangeNumbers,
) -> _Applied:
    if kind == EventType.BOOKING_CREATED:
        return _created(session, settings, hall, device, occurred, payload, received, numbers)
    if isinstance(payload, BookingRefPayload):
        booking = find_booking(session, hall.id, payload.booking_id)
        if booking is None:
            return _Applied(Outcome.REJECTED, "unknown_booking", _("本中心没有这笔预约"))
        if kind == EventType.BOOKING_CHECKED_IN:
            return _checked_in(session, booking, payload, occurred, received, numbers)
        if kind == EventType.BOOKING_FORFEITED:
            return _forfeited(session, booking, received, numbers)
        return _served(session, booking, occurred, received, numbers)
    if isinstance(payload, TicketRatedPayload):
        if record_rating(session, hall, payload, received):
            return _Applied(Outcome.APPLIED)
        # One rating per ticket: a second one (another device, another key) changes nothing.
        return _Applied(Outcome.IGNORED, conflict="already_rated")
    return _Applied(Outcome.APPLIED)  # ticket_*: recorded for the daily report


def _created(
    session: Session,
    settings: ServerSettings,
    hall: HallProfile,
    device: Device,
    occurred: datetime,
    payload: BookingCreatedPayload,
    received: datetime,
    numbers: ChangeNumbers,
) -> _Applied:
    """An on-site/kiosk booking: judged by the rules at the moment it was made at the hall,
    and by the places left when it arrives here. A refused one is kept as ``rejected`` so the
    kiosk pulls the reason and staff can tell the person."""
    seq = numbers.next()
    slot_start = hall_local(hall, payload.slot_start)
    existing = find_booking(session, hall.id, payload.booking_id)
    if existing is not None:
        same = existing.id_hash == payload.id_hash and existing.slot_start == slot_start
        if same:
            return _Applied(Outcome.IGNORED, booking=existing)
        return _Applied(Outcome.REJECTED, "booking_id_taken", _("预约编号已被另一笔预约使用"))
    reason: str | None = None
    message: str | None = None
    slot_end = slot_start + timedelta(minutes=hall.booking.slot_minutes)
    try:
        service = hall.service(payload.service)
    except KeyError:
        service = None
        reason, message = "unknown_service", _("本中心没有这个事项")
    if service is not None and slot_start.date() < received.date():
        # A booking arriving after its slot's day holds no place for anyone; taking it would
        # let a device back-date bookings into days already over.
        reason, message = "slot_over", _("该预约时段所在日期已过，中心不再受理")
    elif service is not None:
        decision = booking_decision(
            hall, slot_start, occurred, settings.calendar, channel=payload.channel, service=service
        )
        if not decision.allowed or decision.slot is None:
            reason = decision.reason.value if decision.reason else "refused"
            message = describe_booking(decision)
        else:
            slot_end = decision.slot.end
            place = place_problem(
                session, hall, service, slot_start, payload.id_hash, decision.slot.capacity
            )
            if place.refusal is not None:
                reason, message = place.refusal.value, describe_place(place)
    booking = Booking(
        id=payload.booking_id,
        hall_id=hall.id,
        service_id=payload.service,
        slot_start=slot_start,
        slot_end=slot_end,
        id_hash=payload.id_hash,
        masked_name=payload.masked_name,
        masked_phone=payload.masked_phone,
        channel=payload.channel,
        status=BookingStatus.REJECTED.value if reason else BookingStatus.BOOKED.value,
        version=1,
        change_seq=seq,
        created_at=occurred,
        updated_at=received,
        created_by=f"device:{device.name}",
        reject_reason=reason,
        reject_message=message,
    )
    session.add(booking)
    session.flush()
    if reason:
        return _Applied(Outcome.REJECTED, reason, message, booking=booking)
    return _Applied(Outcome.APPLIED, booking=booking)


def _checked_in(
    session: Session,
    booking: Booking,
    payload: BookingRefPayload,
    occurred: datetime,
    received: datetime,
    numbers: ChangeNumbers,
) -> _Applied:
    status = BookingStatus(booking.status)
    if status in (BookingStatus.CHECKED_IN, BookingStatus.SERVED):
        return _Applied(Outcome.IGNORED, booking=booking)
    if status is BookingStatus.REJECTED:
        return _Applied(
            Outcome.REJECTED,
            "booking_rejected",
            booking.reject_message or _("该预约未被受理"),
            booking=booking,
        )
    conflict = None
    if status in (BookingStatus.CANCELLED, BookingStatus.FORFEITED) and _rebooked(session, booking):
        # The holder booked the same slot again after the cancellation: that booking is the
        # one to keep (one active booking per person per slot); this one stays as it is.
        return _Applied(Outcome.IGNORED, conflict="rebooked_same_slot", booking=booking)
    if status is BookingStatus.CANCELLED:
        conflict = "checked_in_after_cancel"
    elif status is BookingStatus.FORFEITED:
        conflict = "checked_in_after_forfeit"
    elif payload.version is not None and payload.version < booking.version:
        conflict = "changed_while_offline"
    booking.status = BookingStatus.CHECKED_IN.value
    booking.checked_in_at = occurred
    if conflict:
        booking.conflict = conflict
    touch(session, booking, received, numbers)
    return _Applied(Outcome.APPLIED, conflict=conflict, booking=booking)


def _rebooked(session: Session, booking: Booking) -> bool:
    """Whether the holder has another active booking in the same slot of the hall."""
    other = session.scalar(
        select(func.count()).where(
            Booking.hall_id == booking.hall_id,
            Booking.id_hash == booking.id_hash,
            Booking.slot_start == booking.slot_start,
            Booking.id != booking.id,
            Booking.status.in_([s.value for s in ACTIVE_STATUSES]),
        )
    )
    return bool(other)


def _forfeited(
    session: Session, booking: Booking, received: datetime, numbers: ChangeNumbers
) -> _Applied:
    if booking.status != BookingStatus.BOOKED:
        # Checked in, served or cancelled already: the forfeit loses; nothing to change.
        return _Applied(Outcome.IGNORED, booking=booking)
    booking.status = BookingStatus.FORFEITED.value
    touch(session, booking, received, numbers)
    return _Applied(Outcome.APPLIED, booking=booking)


def _served(
    session: Session,
    booking: Booking,
    occurred: datetime,
    received: datetime,
    numbers: ChangeNumbers,
) -> _Applied:
    status = BookingStatus(booking.status)
    if status is BookingStatus.SERVED:
        return _Applied(Outcome.IGNORED, booking=booking)
    if status is BookingStatus.REJECTED:
        return _Applied(Outcome.REJECTED, "booking_rejected", booking.reject_message)
    conflict = None
    if status in (BookingStatus.CANCELLED, BookingStatus.FORFEITED) and _rebooked(session, booking):
        return _Applied(Outcome.IGNORED, conflict="rebooked_same_slot", booking=booking)
    if status is BookingStatus.CANCELLED:
        conflict = "served_after_cancel"
    elif status is BookingStatus.FORFEITED:
        conflict = "served_after_forfeit"
    if conflict:
        booking.conflict = conflict
    booking.status = BookingStatus.SERVED.value
    booking.checked_in_at = booking.checked_in_at or occurred
    touch(session, booking, received, numbers)
    return _Applied(Outcome.APPLIED, conflict=conflict, booking=booking)


def daily_report(session: Session, hall: HallProfile, day: date) -> DailyReport:
    start, end = day_span(day)
    rows = session.execute(
        select(Booking.service_id, Booking.status, func.count())
        .where(Booking.hall_id == hall.id, Booking.slot_start >= start, Booking.slot_start <= end)
        .group_by(Booking.service_id, Booking.status)
    ).all()
    per: dict[str, dict[str, int]] = {s.id: {} for s in hall.services}
    for service_id, status, count in rows:
        per.setdefault(service_id, {})[status] = int(count)
    services = [
        DailyServiceReport(
            service=service_id,
            booked=counts.get(BookingStatus.BOOKED, 0),
            checked_in=counts.get(BookingStatus.CHECKED_IN, 0),
            served=counts.get(BookingStatus.SERVED, 0),
            forfeited=counts.get(BookingStatus.FORFEITED, 0),
            cancelled=counts.get(BookingStatus.CANCELLED, 0),
            rejected=counts.get(BookingStatus.REJECTED, 0),
        )
        for service_id, counts in per.items()
    ]
    conflicts = session.scalar(
        select(func.count()).where(
            Booking.hall_id == hall.id,
            Booking.slot_start >= start,
            Booking.slot_start < end,
            Booking.conflict.is_not(None),
        )
    )
    tickets = session.execute(
        select(Event.type, func.count())
        .where(
            Event.hall_id == hall.id,
            Event.type.like("ticket\\_%", escape="\\"),
            Event.outcome == Outcome.APPLIED.value,
            Event.occurred_at >= start,
            Event.occurred_at < end,
        )
        .group_by(Event.type)
    ).all()
    return DailyReport(
        hall=hall.id,
        day=day,
        services=services,
        # Served bookings were checked in first: a check-in counts once it happened.
        checked_in=sum(s.checked_in + s.served for s in services),
        forfeited=sum(s.forfeited for s in services),
        conflicts=int(conflicts or 0),
        ticket_events={kind: int(count) for kind, count in tickets},
    )
