"""Bookings in the central store: made, cancelled, changed and pulled under the halls' rules.

The rules are the kiosk's own (``kiosk.domain.booking_rules``); what this module adds is what
only a shared store can check: capacity per slot and service, one active booking per person per
slot, and a change number per write so halls can pull by cursor. Every write of a hall starts by
taking the hall's counter row (``take_change_seq``), which serialises the hall's writers: a
capacity check cannot race another booking, and change numbers commit in order.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from kiosk.domain.booking_rules import (
    BookingDecision,
    BookingRefusal,
    HeldBooking,
    PlaceDecision,
    booking_decision,
    hall_change_decision,
    place_decision,
    slot_offers,
)
from kiosk.domain.hall import HallProfile, Service
from kiosk.domain.identity import (
    InvalidIdNumber,
    contains_id_number,
    id_hash,
    mask_name,
    mask_phone,
    valid_phone,
    validate_id_number,
)
from kiosk.i18n import _
from kiosk.messages import describe_booking, describe_place
from sync.protocol import (
    ACTIVE_STATUSES,
    BookingCreate,
    BookingOut,
    BookingPage,
    BookingStatus,
    CancelledBy,
    CitizenCancel,
    HallCancel,
    HallChange,
    SlotOut,
)
from sync.server.errors import Conflict, NotFound, Refused
from sync.server.models import Booking, HallCounter
from sync.server.pulls import read_page
from sync.server.settings import ServerSettings

_ACTIVE = [s.value for s in ACTIVE_STATUSES]


def hall_profile(settings: ServerSettings, hall_id: str) -> HallProfile:
    try:
        return settings.halls[hall_id]
    except KeyError:
        raise NotFound("unknown_hall", _("没有这个政务服务中心")) from None


def hall_service(hall: HallProfile, service_id: str) -> Service:
    try:
        return hall.service(service_id)
    except KeyError:
        known = ", ".join(s.id for s in hall.services)
        raise Refused("unknown_service", _("本中心没有这个事项"), known=known) from None


def hall_local(hall: HallProfile, moment: datetime) -> datetime:
    """Wall time in the hall: an instant sent with an offset is converted, a naive one is
    taken to be hall time already."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(ZoneInfo(hall.timezone)).replace(tzinfo=None)


def check_phone(phone: str) -> str:
    if not valid_phone(phone):
        raise Refused("invalid_phone", _("联系电话格式不正确"))
    return phone.strip()


def new_booking_id() -> str:
    """A random booking id (24 URL-safe characters) that never reads as an ID number."""
    while True:
        candidate = secrets.token_urlsafe(18)
        if not contains_id_number(candidate):
            return candidate


def find_booking(session: Session, hall_id: str, booking_id: str) -> Booking | None:
    """A booking of the hall by its id (ids are unique per hall only)."""
    return session.get(Booking, {"hall_id": hall_id, "id": booking_id})


def take_change_seq(session: Session, hall_id: str) -> int:
    """The hall's next change number; the first call in a transaction locks the hall's writes."""
    value = session.execute(
        update(HallCounter)
        .where(HallCounter.hall_id == hall_id)
        .values(value=HallCounter.value + 1)
        .returning(HallCounter.value)
    ).scalar_one_or_none()
    if value is None:
        session.add(HallCounter(hall_id=hall_id, value=1))
        session.flush()
        value = 1
    heads_seen(session)[hall_id] = int(value)
    return int(value)


class ChangeNumbers:
    """Change numbers for a transaction that may change many bookings (an event batch).

    The hall's counter row is taken at ``lock()`` or the first ``next()``; numbers are then
    handed out in memory and ``close`` writes the last one back. The row stays locked until
    commit, so this is as safe as taking a number per change, with one statement instead of
    one per change; a transaction that never needs a number never locks the hall.
    """

    def __init__(self, session: Session, hall_id: str) -> None:
        self._session = session
        self._hall_id = hall_id
        self._last: int | None = None
        self._unused = False  # the number ``lock`` took is still to be handed out

    def lock(self) -> None:
        if self._last is None:
            self._last = take_change_seq(self._session, self._hall_id)
            self._unused = True

    def next(self) -> int:
        if self._last is None:
            self.lock()
        assert self._last is not None
        if self._unused:
            self._unused = False
        else:
            self._last += 1
        return self._last

    def close(self) -> None:
        if self._last is None or self._unused:
            return
        self._session.execute(
            update(HallCounter).where(HallCounter.hall_id == self._hall_id).values(value=self._last)
        )
        heads_seen(self._session)[self._hall_id] = self._last


def heads_seen(session: Session) -> dict[str, int]:
    """Counter values this transaction wrote, told to the process's head cache after commit
    (``Central.transaction``)."""
    heads: dict[str, int] = session.info.setdefault("heads", {})
    return heads


def ensure_counters(session: Session, hall_ids: list[str]) -> None:
    existing = set(session.scalars(select(HallCounter.hall_id)))
    for hall_id in hall_ids:
        if hall_id not in existing:
            session.add(HallCounter(hall_id=hall_id, value=0))


def booking_out(booking: Booking, hall: HallProfile | None) -> BookingOut:
    materials_zh: list[str] = []
    materials_en: list[str] = []
    if hall is not None:
        try:
            service = hall.service(booking.service_id)
            materials_zh, materials_en = list(service.materials_zh), list(service.materials_en)
        except KeyError:
            pass
    return BookingOut(
        id=booking.id,
        hall=booking.hall_id,
        service=booking.service_id,
        slot_start=booking.slot_start,
        slot_end=booking.slot_end,
        id_hash=booking.id_hash,
        masked_name=booking.masked_name,
        masked_phone=booking.masked_phone,
        # The row holds plain strings; the model checks each against its Literal/enum.
        channel=booking.channel,  # type: ignore[arg-type]
        status=booking.status,  # type: ignore[arg-type]
        materials_zh=materials_zh,
        materials_en=materials_en,
        version=booking.version,
        change_seq=booking.change_seq,
        created_at=booking.created_at,
        updated_at=booking.updated_at,
        checked_in_at=booking.checked_in_at,
        cancelled_by=booking.cancelled_by,  # type: ignore[arg-type]
        reject_reason=booking.reject_reason,
        reject_message=booking.reject_message,
        notice=booking.notice,  # type: ignore[arg-type]
        conflict=booking.conflict,
    )


def refusal(decision: BookingDecision) -> Refused:
    reason = decision.reason.value if decision.reason else "refused"
    detail: dict[str, Any] = {}
    if decision.deadline is not None:
        detail["deadline"] = decision.deadline.isoformat(timespec="minutes")
    if decision.detail:
        detail["detail"] = decision.detail
    return Refused(reason, describe_booking(decision), **detail)


def place_problem(
    session: Session,
    hall: HallProfile,
    service: Service,
    slot_start: datetime,
    holder: str,
    capacity: int,
    ignore: str | None = None,
) -> PlaceDecision[HeldBooking]:
    """The domain's place rules (``booking_rules.place_decision``) on this store's counts: the
    holder's place-holding bookings that day and the item's in the slot (call with the hall
    locked; ``ignore`` is the booking being moved)."""
    day = datetime.combine(slot_start.date(), time(0, 0))
    held = select(Booking).where(
        Booking.hall_id == hall.id,
        Booking.id_hash == holder,
        Booking.slot_start >= day,
        Booking.slot_start < day + timedelta(days=1),
        Booking.status.in_(_ACTIVE),
    )
    taken = select(func.count()).where(
        Booking.hall_id == hall.id,
        Booking.service_id == service.id,
        Booking.slot_start == slot_start,
        Booking.status.in_(_ACTIVE),
    )
    if ignore is not None:
        held = held.where(Booking.id != ignore)
        taken = taken.where(Booking.id != ignore)
    return place_decision(
        capacity,
        session.scalar(taken) or 0,
        service.id,
        slot_start,
        session.scalars(held.order_by(Booking.slot_start)),
    )


def place_conflict(decision: PlaceDecision[HeldBooking]) -> Conflict:
    assert decision.refusal is not None
    return Conflict(decision.refusal.value, describe_place(decision))


def create_booking(
    session: Session,
    settings: ServerSettings,
    hall_id: str,
    request: BookingCreate,
    created_by: str,
) -> tuple[Booking, bool]:
    """Make a booking (or return the one a retry with the same ``id`` already made)."""
    hall = hall_profile(settings, hall_id)
    service = hall_service(hall, request.service)
    name = request.name.strip()
    if not name:
        raise Refused("invalid_name", _("请填写姓名"))
    try:
        validate_id_number(request.id_number)
    except InvalidIdNumber as error:
        raise Refused("invalid_id_number", str(error)) from None
    phone = check_phone(request.phone)
    slot_start = hall_local(hall, request.slot_start)
    holder = id_hash(request.id_number, settings.id_hash_key)
    seq = take_change_seq(session, hall.id)
    if request.id is not None:
        # A retry is answered before the rules: the deadline may have passed since the first try.
        existing = find_booking(session, hall.id, request.id)
        if existing is not None:
            if (
                existing.id_hash == holder
                and existing.slot_start == slot_start
                and existing.service_id == service.id
            ):
                return existing, False
            raise Conflict("booking_id_taken", _("预约编号已被另一笔预约使用"))
    now = settings.now(hall)
    decision = booking_decision(
        hall, slot_start, now, settings.calendar, channel=request.channel.value, service=service
    )
    if not decision.allowed or decision.slot is None:
        raise refusal(decision)
    place = place_problem(session, hall, service, slot_start, holder, decision.slot.capacity)
    if not place.allowed:
        raise place_conflict(place)
    booking = Booking(
        id=request.id or new_booking_id(),
        hall_id=hall.id,
        service_id=service.id,
        slot_start=slot_start,
        slot_end=decision.slot.end,
        id_hash=holder,
        masked_name=mask_name(name),
        masked_phone=mask_phone(phone),
        channel=request.channel.value,
        status=BookingStatus.BOOKED.value,
        version=1,
        change_seq=seq,
        created_at=now,
        updated_at=now,
        created_by=created_by,
    )
    session.add(booking)
    session.flush()
    return booking, True


def get_booking(session: Session, hall: HallProfile, booking_id: str) -> Booking:
    booking = find_booking(session, hall.id, booking_id)
    if booking is None:
        raise NotFound("unknown_booking", _("本中心没有这笔预约"))
    return booking


def touch(
    session: Session, booking: Booking, now: datetime, numbers: ChangeNumbers | None = None
) -> None:
    """Record a change: next change number, next version."""
    if numbers is not None:
        booking.change_seq = numbers.next()
    else:
        booking.change_seq = take_change_seq(session, booking.hall_id)
    booking.version += 1
    booking.updated_at = now


def cancel_by_citizen(
    session: Session,
    settings: ServerSettings,
    hall_id: str,
    booking_id: str,
    request: CitizenCancel,
) -> Booking:
    """The holder cancels (by phone, through staff, or online) any time before the slot starts.

    Cancelling twice is not an error: the second call returns the cancelled booking.
    """
    hall = hall_profile(settings, hall_id)
    take_change_seq(session, hall.id)
    booking = get_booking(session, hall, booking_id)
    try:
        validate_id_number(request.id_number)
    except InvalidIdNumber as error:
        raise Refused("invalid_id_number", str(error)) from None
    if id_hash(request.id_number, settings.id_hash_key) != booking.id_hash:
        raise Refused("not_the_holder", _("证件号码与预约人不符，不能取消"))
    if booking.status == BookingStatus.CANCELLED and booking.cancelled_by == CancelledBy.CITIZEN:
        return booking
    if booking.status != BookingStatus.BOOKED:
        raise Conflict(
            "not_cancellable",
            _("该预约当前状态为“{status}”，不能取消").format(status=status_label(booking.status)),
        )
    now = settings.now(hall)
    if now >= booking.slot_start:
        raise Conflict("slot_started", _("预约时段已开始，不能再取消"))
    booking.status = BookingStatus.CANCELLED.value
    booking.cancelled_by = CancelledBy.CITIZEN.value
    booking.cancel_reason = request.reason.strip() or None
    touch(session, booking, now)
    return booking


def _hall_decision(hall: HallProfile, slot_start: datetime, now: datetime, approver: str) -> None:
    decision = hall_change_decision(hall, slot_start, now, approver)
    if decision.allowed:
        return
    notify_by = decision.notify_by.isoformat(timespec="minutes") if decision.notify_by else None
    if decision.reason is not None and decision.reason.value == "no_approver":
        raise Refused("no_approver", _("中心取消或变更预约须经管理办公室审批，请填写审批人"))
    raise Refused(
        "too_late_to_notify",
        _("须在预约日前一天告知申请人，当天及以后不能由中心取消或变更该预约"),
        notify_by=notify_by,
    )


def _notice(
    kind: str, approver: str, reason: str, now: datetime, slot_start: datetime, previous: Any
) -> dict[str, Any]:
    return {
        "kind": kind,
        "approver": approver.strip(),
        "reason": reason.strip(),
        "decided_at": now.isoformat(),
        # The applicant must be told the day before the slot: before the slot's day begins.
        "notify_by": datetime.combine(slot_start.date(), time(0, 0)).isoformat(),
        "previous_slot_start": previous.isoformat() if previous is not None else None,
    }


def cancel_by_hall(
    session: Session, settings: ServerSettings, hall_id: str, booking_id: str, request: HallCancel
) -> Booking:
    """The hall cancels: only with the management office's approval and up to the day before
    the slot; the booking records that the applicant must be told."""
    hall = hall_profile(settings, hall_id)
    take_change_seq(session, hall.id)
    booking = get_booking(session, hall, booking_id)
    now = settings.now(hall)
    _hall_decision(hall, booking.slot_start, now, request.approver)
    if booking.status != BookingStatus.BOOKED:
        raise Conflict(
            "not_cancellable",
            _("该预约当前状态为“{status}”，不能取消").format(status=status_label(booking.status)),
        )
    booking.status = BookingStatus.CANCELLED.value
    booking.cancelled_by = CancelledBy.HALL.value
    booking.cancel_reason = request.reason.strip()
    booking.notice = _notice(
        "cancelled", request.approver, request.reason, now, booking.slot_start, None
    )
    touch(session, booking, now)
    return booking


def change_by_hall(
    session: Session, settings: ServerSettings, hall_id: str, booking_id: str, request: HallChange
) -> Booking:
    """The hall moves a booking to another slot (or item): approval, notice the day before both
    the old and the new slot, and a real slot with a free place. The citizen's lead time does
    not apply: the hall, not the citizen, is booking late."""
    hall = hall_profile(settings, hall_id)
    take_change_seq(session, hall.id)
    booking = get_booking(session, hall, booking_id)
    now = settings.now(hall)
    _hall_decision(hall, booking.slot_start, now, request.approver)
    if booking.status != BookingStatus.BOOKED:
        raise Conflict(
            "not_changeable",
            _("该预约当前状态为“{status}”，不能变更").format(status=status_label(booking.status)),
        )
    service = hall_service(hall, request.service or booking.service_id)
    new_start = hall_local(hall, request.slot_start)
    _hall_decision(hall, new_start, now, request.approver)
    decision = booking_decision(hall, new_start, now, settings.calendar, service=service)
    waived = (BookingRefusal.DEADLINE_PASSED,)
    if decision.slot is None or (not decision.allowed and decision.reason not in waived):
        raise refusal(decision)
    place = place_problem(
        session, hall, service, new_start, booking.id_hash, decision.slot.capacity, booking.id
    )
    if not place.allowed:
        raise place_conflict(place)
    previous = booking.slot_start
    booking.service_id = service.id
    booking.slot_start = new_start
    booking.slot_end = decision.slot.end
    booking.notice = _notice("changed", request.approver, request.reason, now, new_start, previous)
    touch(session, booking, now)
    return booking


def changes_since(
    session: Session,
    hall: HallProfile,
    since: int,
    limit: int,
    from_day: date | None = None,
) -> BookingPage:
    """A page of the hall's bookings changed after ``since`` as protocol models (the API's
    pull answers ``pulls.read_page``'s JSON directly)."""
    page = read_page(session.connection(), hall, since, limit, from_day)
    return BookingPage.model_validate(
        {
            "hall": page.hall,
            "bookings": page.bookings,
            "cursor": page.cursor,
            "has_more": page.has_more,
        }
    )


def day_span(day: date) -> tuple[datetime, datetime]:
    """The first and last instant of a day, for ``BETWEEN``-style filters (the day after
    9999-12-31 does not exist, so an exclusive end would overflow)."""
    return datetime.combine(day, time.min), datetime.combine(day, time.max)


def slots_of_day(
    session: Session,
    settings: ServerSettings,
    hall: HallProfile,
    service: Service,
    day: date,
    channel: str | None = None,
) -> list[SlotOut]:
    """Slots of a day for one item with their free places and whether a booking may be made
    now (through ``channel``, when given)."""
    start, end = day_span(day)
    taken = dict(
        session.execute(
            select(Booking.slot_start, func.count())
            .where(
                Booking.hall_id == hall.id,
                Booking.service_id == service.id,
                Booking.slot_start >= start,
                Booking.slot_start <= end,
                Booking.status.in_(_ACTIVE),
            )
            .group_by(Booking.slot_start)
        )
        .tuples()
        .all()
    )
    offers = slot_offers(hall, day, settings.now(hall), settings.calendar, service, taken, channel)
    return [
        SlotOut(
            start=offer.slot.start,
            end=offer.slot.end,
            capacity=offer.slot.capacity,
            booked=offer.taken,
            free=offer.free,
            open=offer.open,
            reason=offer.reason,
        )
        for offer in offers
    ]


def bookings_of_day(session: Session, hall: HallProfile, day: date) -> list[Booking]:
    start, end = day_span(day)
    return list(
        session.scalars(
            select(Booking)
            .where(
                Booking.hall_id == hall.id,
                Booking.slot_start >= start,
                Booking.slot_start <= end,
            )
            .order_by(Booking.slot_start, Booking.service_id, Booking.created_at)
        )
    )


def status_label(status: str) -> str:
    return {
        BookingStatus.BOOKED: _("已预约"),
        BookingStatus.CHECKED_IN: _("已签到"),
        BookingStatus.SERVED: _("已办理"),
        BookingStatus.FORFEITED: _("视为自动放弃"),
        BookingStatus.CANCELLED: _("已取消"),
        BookingStatus.REJECTED: _("未被受理"),
    }.get(BookingStatus(status), status)
