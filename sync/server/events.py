"""Kiosk events in: each idempotency key applied once, each device's events in order.

A batch runs in one transaction with the device's row locked, so two deliveries of the same
batch (a retry racing a slow first attempt) run one after the other and the second finds every
key already there. The conflict rules are written down in ``docs/sync.md``; the short form:
a check-in made at the hall wins over anything the centre did meanwhile, and is flagged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.domain.booking_rules import booking_decision
from kiosk.domain.hall import HallProfile
from kiosk.i18n import _
from kiosk.messages import describe_booking, describe_place
from sync.protocol import (
    ACTIVE_STATUSES,
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
)
from sync.server.bookings import (
    ChangeNumbers,
    booking_out,
    hall_local,
    place_problem,
    touch,
)
from sync.server.errors import Refused
from sync.server.models import Booking, Device, Event
from sync.server.settings import ServerSettings

_PAYLOADS = {
    EventType.BOOKING_CREATED.value: BookingCreatedPayload,
    EventType.BOOKING_CHECKED_IN.value: BookingRefPayload,
    EventType.BOOKING_FORFEITED.value: BookingRefPayload,
    EventType.BOOKING_SERVED.value: BookingRefPayload,
}


def check_payloads(batch: EventBatch) -> list[Any]:
    """Every payload parsed before anything is applied: a malformed one refuses the whole batch
    (the client's bug, so nothing should half-happen)."""
    parsed: list[Any] = []
    errors: list[str] = []
    for index, event in enumerate(batch.events):
        model = _PAYLOADS.get(event.type)
        if model is None:
            parsed.append(None)
            continue
        try:
            parsed.append(model.model_validate(event.payload))
        except ValidationError as error:
            for item in error.errors():
                where = ".".join(str(part) for part in item["loc"])
                errors.append(f"events[{index}].payload.{where}: {item['msg']}")
    if errors:
        raise Refused("invalid_payload", "; ".join(errors), errors=errors)
    return parsed


@dataclass
class _Applied:
    outcome: Outcome
    reason: str | None = None
    message: str | None = None
    conflict: str | None = None
    booking: Booking | None = None


def apply_batch(
    session: Session,
    settings: ServerSettings,
    device_id: int,
    batch: EventBatch,
) -> EventBatchResult:
    payloads = check_payloads(batch)
    device = session.scalars(select(Device).where(Device.id == device_id).with_for_update()).one()
    hall = settings.halls[device.hall_id]
    received = settings.now(hall)
    numbers = ChangeNumbers(session, hall.id)
    # Everything the batch refers to, read in two queries; later reads hit the identity map.
    keys = [event.idempotency_key for event in batch.events]
    earlier_events = {
        row.idempotency_key: row
        for row in session.scalars(
            select(Event).where(Event.hall_id == hall.id, Event.idempotency_key.in_(keys))
        )
    }
    booking_ids = {p.booking_id for p in payloads if p is not None}
    # Held here: the session's identity map keeps objects only while someone refers to them.
    preloaded = list(session.scalars(select(Booking).where(Booking.id.in_(booking_ids))))
    results: list[EventResult] = []
    for event, payload in zip(batch.events, payloads, strict=True):
        earlier = earlier_events.get(event.idempotency_key)
        if earlier is not None:
            results.append(_repeat(session, hall, earlier, event))
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
        applied = _apply(
            session, settings, hall, device, event.type, occurred, payload, received, numbers
        )
        session.add(
            Event(
                hall_id=hall.id,
                device_id=device.id,
                idempotency_key=event.idempotency_key,
                sequence=event.sequence,
                type=event.type,
                occurred_at=occurred,
                received_at=received,
                payload=event.payload,
                outcome=applied.outcome.value,
                reason=applied.reason,
                message=applied.message,
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


def _repeat(session: Session, hall: HallProfile, earlier: Event, event: EventIn) -> EventResult:
    if earlier.type != event.type or earlier.payload != event.payload:
        return EventResult(
            idempotency_key=event.idempotency_key,
            sequence=event.sequence,
            outcome=Outcome.REJECTED,
            reason="key_reused",
            message="this idempotency key was already used for a different event",
        )
    booking = session.get(Booking, earlier.booking_id) if earlier.booking_id else None
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
    if kind in _PAYLOADS:
        booking = session.get(Booking, payload.booking_id)
        if booking is None or booking.hall_id != hall.id:
            return _Applied(Outcome.REJECTED, "unknown_booking", _("本中心没有这笔预约"))
        if kind == EventType.BOOKING_CHECKED_IN:
            return _checked_in(session, booking, payload, occurred, received, numbers)
        if kind == EventType.BOOKING_FORFEITED:
            return _forfeited(session, booking, received, numbers)
        return _served(session, booking, occurred, received, numbers)
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
    existing = session.get(Booking, payload.booking_id)
    if existing is not None:
        same = (
            existing.hall_id == hall.id
            and existing.id_hash == payload.id_hash
            and existing.slot_start == slot_start
        )
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
        reason, message = (
            "unknown_service",
            _("本中心没有这个事项：{service}").format(service=payload.service),
        )
    if service is not None:
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
    start = datetime.combine(day, time(0, 0))
    end = start + timedelta(days=1)
    rows = session.execute(
        select(Booking.service_id, Booking.status, func.count())
        .where(Booking.hall_id == hall.id, Booking.slot_start >= start, Booking.slot_start < end)
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
