"""When a booking may be made, when its holder may check in, and when it is given up.

The same rules run where a booking is made (central store, volunteer desk, kiosk) and again at
check-in, so a booking refused by one is refused by all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Generic, Protocol, TypeVar

from kiosk.domain.calendar import DayType, HolidayCalendar, UnknownYear
from kiosk.domain.hall import WEEKDAYS, ChannelId, HallProfile, Service
from kiosk.domain.schedule import DayPlan, Period, day_plan
from kiosk.domain.statuses import PLACE_HOLDING


def booking_deadline(
    hall: HallProfile, slot_start: datetime, calendar: HolidayCalendar
) -> datetime:
    """The booking deadline of the slot: "at least 24 hours ahead" is still met at it, while
    "before 14:00 of the previous working day" is not (``deadline_passed`` says which)."""
    lead = hall.booking.lead
    if lead.kind == "hours_before":
        assert lead.hours is not None
        return slot_start - timedelta(hours=lead.hours)
    assert lead.cutoff is not None
    return datetime.combine(calendar.previous_working_day(slot_start.date()), lead.cutoff)


def deadline_passed(hall: HallProfile, deadline: datetime, now: datetime) -> bool:
    """ "至少提前24小时" is met at exactly 24 hours; "前一个工作日14:00前" means before 14:00,
    so 14:00 itself is too late."""
    if hall.booking.lead.kind == "previous_workday_cutoff":
        return now >= deadline
    return now > deadline


@dataclass(frozen=True)
class Slot:
    """A bookable slot of a day: ``capacity`` people per service may book it."""

    start: datetime
    end: datetime
    period: Period
    capacity: int


#: Booking statuses (their stored values) that hold a place in their slot: they count against
#: its capacity, on the kiosk's screen and booking as in the central store, so all agree.
PLACE_HOLDING_STATUSES: tuple[str, ...] = tuple(status.value for status in PLACE_HOLDING)


def free_places(capacity: int, taken: int) -> int:
    """Places left in a slot of ``capacity`` with ``taken`` place-holding bookings (never below
    zero: a slot over-filled before its capacity was lowered is simply full)."""
    return max(0, capacity - taken)


def day_slots(
    hall: HallProfile, day: date, calendar: HolidayCalendar, service: Service | None = None
) -> list[Slot]:
    """Every bookable slot of a day (for one service, if given), in time order.

    Raises ``UnknownYear`` for a day of a year without holiday data: "no slots" would say the
    hall is closed, which nobody knows yet."""
    plan = day_plan(hall, day, calendar)
    if not plan.calendar_known:
        raise UnknownYear(day.year, calendar.directory_hint)
    return _slots_in_plan(hall, plan, service)


def _slots_in_plan(hall: HallProfile, plan: DayPlan, service: Service | None) -> list[Slot]:
    length = timedelta(minutes=hall.booking.slot_minutes)
    slots: list[Slot] = []
    if service is not None and not service.bookable:
        return slots
    for period in plan.periods:
        if not period.bookable:
            continue
        if service is not None and period.acceptance(service.category) is None:
            continue
        start = datetime.combine(plan.day, period.start)
        end_of_period = datetime.combine(plan.day, period.end)
        while start + length <= end_of_period:
            slots.append(Slot(start, start + length, period, hall.booking.slot_capacity))
            start += length
    return slots


class HeldBooking(Protocol):
    """A place-holding booking of one holder in the hall, as the holder rule sees it (the hall
    store's and the central store's booking rows both fit)."""

    @property
    def service_id(self) -> str: ...

    @property
    def slot_start(self) -> datetime: ...


Held = TypeVar("Held", bound=HeldBooking)


class PlaceRefusal(StrEnum):
    ALREADY_BOOKED = "already_booked"
    SLOT_FULL = "slot_full"


class HolderConflict(StrEnum):
    SAME_SLOT = "same_slot"  # another item in the same slot: one person, one place at a time
    SAME_ITEM_SAME_DAY = "same_item_same_day"  # the item is booked already that day


@dataclass(frozen=True)
class PlaceDecision(Generic[Held]):
    """Whether the slot has a place for this holder; ``held`` is the booking in the way."""

    refusal: PlaceRefusal | None
    conflict: HolderConflict | None = None
    held: Held | None = None

    @property
    def allowed(self) -> bool:
        return self.refusal is None


def place_decision(
    capacity: int,
    taken: int,
    service_id: str,
    slot_start: datetime,
    held: Iterable[Held],
) -> PlaceDecision[Held]:
    """The place rules, after the time rules (``booking_decision``) allowed the slot.

    A holder keeps at most one place per slot (whatever the item) and one booking per item per
    day; ``held`` are the holder's place-holding bookings in the hall that day (the booking
    being moved left out). Then ``taken`` place-holding bookings of the item in the slot must
    leave a free place. Both stores call this with their own counts, so they decide alike.
    """
    for booking in held:
        if booking.slot_start == slot_start:
            return PlaceDecision(PlaceRefusal.ALREADY_BOOKED, HolderConflict.SAME_SLOT, booking)
        if booking.service_id == service_id and booking.slot_start.date() == slot_start.date():
            return PlaceDecision(
                PlaceRefusal.ALREADY_BOOKED, HolderConflict.SAME_ITEM_SAME_DAY, booking
            )
    if free_places(capacity, taken) == 0:
        return PlaceDecision(PlaceRefusal.SLOT_FULL)
    return PlaceDecision(None)


class BookingRefusal(StrEnum):
    UNKNOWN_CHANNEL = "unknown_channel"
    SERVICE_NOT_BOOKABLE = "service_not_bookable"
    CLOSED_DAY = "closed_day"
    NOT_A_SLOT = "not_a_slot"
    CATEGORY_NOT_ACCEPTED = "category_not_accepted"
    SLOT_IN_PAST = "slot_in_past"
    DEADLINE_PASSED = "deadline_passed"
    TOO_FAR_AHEAD = "too_far_ahead"
    CHANNEL_CLOSED = "channel_closed"
    NO_CALENDAR = "no_calendar"


@dataclass(frozen=True)
class BookingDecision:
    allowed: bool
    reason: BookingRefusal | None
    deadline: datetime | None = None
    slot: Slot | None = None
    detail: str = ""
    #: ``NO_CALENDAR``: the year without holiday data.
    unknown_year: int | None = None
    #: The slot's day comes from a provisional calendar file (暂定).
    provisional: bool = False


def booking_decision(
    hall: HallProfile,
    slot_start: datetime,
    now: datetime,
    calendar: HolidayCalendar,
    *,
    channel: str | None = None,
    service: Service | None = None,
) -> BookingDecision:
    """May a booking for the slot starting at ``slot_start`` be made at ``now``?"""
    if channel is not None:
        try:
            hall.channel(channel)
        except KeyError:
            known = ", ".join(c.id.value for c in hall.channels)
            return BookingDecision(
                False, BookingRefusal.UNKNOWN_CHANNEL, detail=f"{channel} (known: {known})"
            )
    if service is not None and not service.bookable:
        return BookingDecision(False, BookingRefusal.SERVICE_NOT_BOOKABLE)
    plan = day_plan(hall, slot_start.date(), calendar)
    try:
        if not plan.calendar_known:
            raise UnknownYear(slot_start.year, calendar.directory_hint)
        deadline = booking_deadline(hall, slot_start, calendar)
    except UnknownYear as error:
        return _no_calendar(error)
    provisional = plan.provisional
    if not plan.is_open:
        return BookingDecision(False, BookingRefusal.CLOSED_DAY, deadline, provisional=provisional)
    slot = _find_slot(hall, plan, slot_start, None)
    if slot is None:
        return BookingDecision(False, BookingRefusal.NOT_A_SLOT, None, provisional=provisional)
    refusal = None
    if service is not None and _find_slot(hall, plan, slot_start, service) is None:
        refusal = BookingRefusal.CATEGORY_NOT_ACCEPTED
    elif slot_start <= now:
        refusal = BookingRefusal.SLOT_IN_PAST
    elif deadline_passed(hall, deadline, now):
        refusal = BookingRefusal.DEADLINE_PASSED
    elif (slot_start.date() - now.date()).days > hall.booking.days_ahead:
        refusal = BookingRefusal.TOO_FAR_AHEAD
    elif channel is not None:
        try:
            if not channel_open(hall, channel, now, calendar):
                refusal = BookingRefusal.CHANNEL_CLOSED
        except UnknownYear as error:
            return _no_calendar(error)
    return BookingDecision(refusal is None, refusal, deadline, slot, provisional=provisional)


def _no_calendar(error: UnknownYear) -> BookingDecision:
    return BookingDecision(
        False, BookingRefusal.NO_CALENDAR, detail=str(error), unknown_year=error.year
    )


@dataclass(frozen=True)
class SlotOffer:
    """A slot as a booking channel sees it now: its places and whether the rules allow it."""

    slot: Slot
    taken: int
    decision: BookingDecision

    @property
    def free(self) -> int:
        return free_places(self.slot.capacity, self.taken)

    @property
    def full(self) -> bool:
        return self.free == 0

    @property
    def open(self) -> bool:
        return self.decision.allowed and not self.full

    @property
    def reason(self) -> str | None:
        """Why it cannot be booked now: the time rule's reason, or ``slot_full``."""
        if self.decision.reason is not None:
            return self.decision.reason.value
        return PlaceRefusal.SLOT_FULL.value if self.full else None


def slot_offers(
    hall: HallProfile,
    day: date,
    now: datetime,
    calendar: HolidayCalendar,
    service: Service,
    taken: Mapping[datetime, int],
    channel: str | None = None,
) -> list[SlotOffer]:
    """Every slot of ``day`` for the item with its free places (``taken``: place-holding
    bookings by slot start) and whether ``channel`` may book it at ``now``: the list the
    kiosk's on-site booking screen, the booking desk and the central ``/slots`` all show.

    Raises ``UnknownYear`` for a day the holiday calendar does not cover."""
    return [
        SlotOffer(
            slot,
            int(taken.get(slot.start, 0)),
            booking_decision(hall, slot.start, now, calendar, channel=channel, service=service),
        )
        for slot in day_slots(hall, day, calendar, service)
    ]


def _find_slot(
    hall: HallProfile, plan: DayPlan, slot_start: datetime, service: Service | None
) -> Slot | None:
    for slot in _slots_in_plan(hall, plan, service):
        if slot.start == slot_start:
            return slot
    return None


def channel_open(hall: HallProfile, channel: str, now: datetime, calendar: HolidayCalendar) -> bool:
    """Whether a booking channel takes bookings at ``now``.

    A channel without published hours (WeChat/online, the kiosk) is always open; the kiosk
    itself is only used while the hall is open. A staffed channel (the phone line, the
    volunteer desk) keeps the hall's calendar: closed on statutory holidays and the hall's
    local closures, and on a make-up working day open as on the weekday it stands for
    (``makeup_workday_as``). Raises ``UnknownYear`` for a day without holiday data.
    """
    spec = hall.channel(channel)
    if spec.hours is None:
        return True
    if calendar.closure(now.date(), hall.id) is not None:
        return False
    day_type = calendar.day_type(now.date())
    if day_type is DayType.HOLIDAY:
        return False
    weekday = WEEKDAYS[now.weekday()]
    if day_type is DayType.MAKEUP_WORKDAY:
        weekday = hall.makeup_workday_as
    moment = now.time()
    return any(
        weekday in weekly.days and any(span.contains(moment) for span in weekly.hours)
        for weekly in spec.hours
    )


def bookable_channels(hall: HallProfile) -> tuple[ChannelId, ...]:
    return tuple(channel.id for channel in hall.channels)


class CheckInTiming(StrEnum):
    TOO_EARLY = "too_early"
    ON_TIME = "on_time"
    TOO_LATE = "too_late"


@dataclass(frozen=True)
class CheckInWindow:
    opens: datetime
    closes: datetime

    def timing(self, now: datetime) -> CheckInTiming:
        if now < self.opens:
            return CheckInTiming.TOO_EARLY
        if now >= self.closes:
            return CheckInTiming.TOO_LATE
        return CheckInTiming.ON_TIME


def check_in_window(hall: HallProfile, slot_start: datetime, slot_end: datetime) -> CheckInWindow:
    """A holder may check in from a while before the slot until it ends; later is given up."""
    rules = hall.booking
    return CheckInWindow(
        slot_start - timedelta(minutes=rules.checkin_opens_before_minutes),
        slot_end + timedelta(minutes=rules.checkin_closes_after_end_minutes),
    )


def is_forfeited(
    hall: HallProfile, slot_start: datetime, slot_end: datetime, now: datetime
) -> bool:
    """A holder who did not come in the agreed slot has given the booking up (视为自动放弃)."""
    return check_in_window(hall, slot_start, slot_end).timing(now) is CheckInTiming.TOO_LATE


class HallChangeRefusal(StrEnum):
    NO_APPROVER = "no_approver"
    TOO_LATE_TO_NOTIFY = "too_late_to_notify"


@dataclass(frozen=True)
class HallChangeDecision:
    allowed: bool
    reason: HallChangeRefusal | None
    notify_by: datetime | None


def hall_change_decision(
    hall: HallProfile, slot_start: datetime, now: datetime, approver: str | None
) -> HallChangeDecision:
    """The hall may cancel or change a booking only with the management office's approval, and
    the applicant must be told the day before the slot, so the change must be made before the
    slot's date begins."""
    notify_by = datetime.combine(slot_start.date(), time(0, 0))
    if hall.booking.hall_change_needs_approval and not (approver and approver.strip()):
        return HallChangeDecision(False, HallChangeRefusal.NO_APPROVER, notify_by)
    if now >= notify_by:
        return HallChangeDecision(False, HallChangeRefusal.TOO_LATE_TO_NOTIFY, notify_by)
    return HallChangeDecision(True, None, notify_by)
