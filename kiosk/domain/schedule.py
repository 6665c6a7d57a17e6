"""The opening plan of a hall for a date, and whether a walk-in may take a ticket now.

This is where the published rules turn into decisions. It follows the readings in DOMAIN.md:
a make-up working day is a working day; a Monday-Friday holiday closes every hall; weekend
service marked "not on statutory holidays" is off on a weekend day inside a holiday period;
booking-only periods give no walk-in tickets; at the afternoon closing of a working day no new
walk-in ticket is issued but everyone already waiting is served (natural extension).

A day in a year without holiday data has a plan too: closed, with the reason "no calendar"
(``ClosedReason.NO_CALENDAR``), so a week that crosses into such a year still shows its known
days, and every decision about the unknown day is a refusal that says why, never a crash.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from kiosk.domain.calendar import DayType, HolidayCalendar, UnknownYear
from kiosk.domain.hall import WEEKDAYS, Acceptance, Category, HallProfile, PeriodRule, Service


class PeriodKind(StrEnum):
    REGULAR = "regular"
    EXTENDED = "extended"
    WEEKEND = "weekend"


class ClosedReason(StrEnum):
    HOLIDAY = "holiday"
    WEEKEND = "weekend"
    LOCAL_CLOSURE = "local_closure"
    NO_CALENDAR = "no_calendar"


@dataclass(frozen=True)
class Period:
    start: time
    end: time
    kind: PeriodKind
    walk_in: bool
    booking_required: bool
    bookable: bool
    categories: Mapping[Category, Acceptance] | None = None
    note_zh: str = ""
    note_en: str = ""

    def contains(self, moment: time) -> bool:
        return self.start <= moment < self.end

    def acceptance(self, category: Category) -> Acceptance | None:
        """How this period takes items of a category; None when it does not take them."""
        if self.categories is None:
            return Acceptance.SERVE
        return self.categories.get(category)

    def as_dict(self) -> dict[str, object]:
        return {
            "start": f"{self.start:%H:%M}",
            "end": f"{self.end:%H:%M}",
            "kind": self.kind.value,
            "walk_in": self.walk_in,
            "booking_required": self.booking_required,
        }


@dataclass(frozen=True)
class DayPlan:
    hall_id: str
    day: date
    day_type: DayType
    periods: tuple[Period, ...]
    natural_extension: bool
    holiday_name: str | None = None
    closed_reason: ClosedReason | None = None
    closure_reason_zh: str = ""
    closure_reason_en: str = ""
    #: The day's year comes from a calendar file drafted before the notice (shown as 暂定).
    provisional: bool = False

    @property
    def is_open(self) -> bool:
        return bool(self.periods)

    @property
    def calendar_known(self) -> bool:
        return self.closed_reason is not ClosedReason.NO_CALENDAR

    @property
    def opening(self) -> time | None:
        return self.periods[0].start if self.periods else None

    @property
    def closing(self) -> time | None:
        return self.periods[-1].end if self.periods else None

    def period_at(self, moment: time) -> Period | None:
        for period in self.periods:
            if period.contains(moment):
                return period
        return None

    def as_dict(self) -> dict[str, object]:
        document: dict[str, object] = {
            "hall": self.hall_id,
            "date": self.day.isoformat(),
            "day": self.day_type.value,
            "natural_extension": self.natural_extension,
            "periods": [period.as_dict() for period in self.periods],
        }
        if self.provisional:
            document["provisional"] = True
        return document


def day_plan(hall: HallProfile, day: date, calendar: HolidayCalendar) -> DayPlan:
    """The hall's plan for the day; a day of a year without holiday data is closed with the
    reason ``NO_CALENDAR`` (nothing is guessed about it)."""
    try:
        info = calendar.info(day)
    except UnknownYear:
        return DayPlan(
            hall.id, day, DayType.UNKNOWN, (), False, closed_reason=ClosedReason.NO_CALENDAR
        )
    closure = calendar.closure(day, hall.id)
    if closure is not None:
        return DayPlan(
            hall.id,
            day,
            info.day_type,
            (),
            False,
            info.holiday_name,
            ClosedReason.LOCAL_CLOSURE,
            closure.reason_zh,
            closure.reason_en,
            info.provisional,
        )
    weekday = WEEKDAYS[day.weekday()]
    periods: list[Period] = []
    natural_extension = False
    if info.day_type.is_working:
        as_weekday = weekday if info.day_type is DayType.WORKDAY else hall.makeup_workday_as
        for span in hall.regular_hours(as_weekday):
            periods.append(
                Period(span.start, span.end, PeriodKind.REGULAR, True, False, True, None)
            )
        periods += _rule_periods(hall.extended, as_weekday, PeriodKind.EXTENDED, holiday=False)
        natural_extension = hall.natural_extension
    elif info.day_type is DayType.WEEKEND or day.weekday() >= 5:
        holiday = info.day_type is DayType.HOLIDAY
        periods += _rule_periods(hall.weekend, weekday, PeriodKind.WEEKEND, holiday=holiday)
    periods.sort(key=lambda p: p.start)
    closed_reason = None
    if not periods:
        closed_reason = (
            ClosedReason.HOLIDAY if info.day_type is DayType.HOLIDAY else ClosedReason.WEEKEND
        )
    return DayPlan(
        hall.id,
        day,
        info.day_type,
        tuple(periods),
        natural_extension,
        info.holiday_name,
        closed_reason,
        provisional=info.provisional,
    )


def _rule_periods(
    rules: tuple[PeriodRule, ...], weekday: str, kind: PeriodKind, *, holiday: bool
) -> list[Period]:
    periods = []
    for rule in rules:
        if weekday not in rule.days or (holiday and rule.skip_statutory_holidays):
            continue
        for span in rule.hours:
            periods.append(
                Period(
                    span.start,
                    span.end,
                    kind,
                    rule.walk_in,
                    rule.booking_required,
                    rule.bookable,
                    rule.categories,
                    rule.note_zh,
                    rule.note_en,
                )
            )
    return periods


class HallState(StrEnum):
    """What the hall is doing at an instant, as the display and the kiosk show it."""

    CLOSED_TODAY = "closed_today"
    BEFORE_OPENING = "before_opening"
    OPEN = "open"
    BETWEEN_PERIODS = "between_periods"
    NATURAL_EXTENSION = "natural_extension"
    CLOSED = "closed"


def hall_state(plan: DayPlan, moment: time) -> HallState:
    if not plan.is_open:
        return HallState.CLOSED_TODAY
    assert plan.opening is not None and plan.closing is not None
    if moment < plan.opening:
        return HallState.BEFORE_OPENING
    if plan.period_at(moment) is not None:
        return HallState.OPEN
    if moment >= plan.closing:
        return HallState.NATURAL_EXTENSION if plan.natural_extension else HallState.CLOSED
    return HallState.BETWEEN_PERIODS


class WalkInRefusal(StrEnum):
    CLOSED_TODAY = "closed_today"
    BEFORE_OPENING = "before_opening"
    BETWEEN_PERIODS = "between_periods"
    BOOKING_ONLY = "booking_only"
    CATEGORY_NOT_ACCEPTED = "category_not_accepted"
    TICKETING_CLOSED = "ticketing_closed"
    AFTER_CLOSING = "after_closing"


@dataclass(frozen=True)
class WalkInDecision:
    allowed: bool
    reason: WalkInRefusal | None
    plan: DayPlan
    period: Period | None = None
    acceptance: Acceptance | None = None
    next_walk_in: datetime | None = None


def walk_in_decision(
    hall: HallProfile,
    service: Service,
    at: datetime,
    calendar: HolidayCalendar,
    *,
    look_ahead_days: int = 14,
) -> WalkInDecision:
    """May a walk-in take a ticket for ``service`` at ``at`` (hall-local wall time)?"""
    plan = day_plan(hall, at.date(), calendar)
    moment = at.time()
    decision = _decide_in_plan(hall, service, plan, moment)
    if decision.allowed:
        return decision
    later = next_walk_in(hall, service, at, calendar, look_ahead_days=look_ahead_days)
    return WalkInDecision(False, decision.reason, plan, decision.period, decision.acceptance, later)


def _decide_in_plan(
    hall: HallProfile, service: Service, plan: DayPlan, moment: time
) -> WalkInDecision:
    state = hall_state(plan, moment)
    if state is HallState.CLOSED_TODAY:
        return WalkInDecision(False, WalkInRefusal.CLOSED_TODAY, plan)
    if state is HallState.BEFORE_OPENING:
        return WalkInDecision(False, WalkInRefusal.BEFORE_OPENING, plan)
    if state is HallState.NATURAL_EXTENSION:
        return WalkInDecision(False, WalkInRefusal.TICKETING_CLOSED, plan)
    if state is HallState.CLOSED:
        return WalkInDecision(False, WalkInRefusal.AFTER_CLOSING, plan)
    period = plan.period_at(moment)
    if period is None:
        return WalkInDecision(False, WalkInRefusal.BETWEEN_PERIODS, plan)
    assert plan.closing is not None
    stop = _minus_minutes(plan.closing, hall.walk_in_stops_before_close_minutes)
    if moment >= stop:
        refusal = (
            WalkInRefusal.TICKETING_CLOSED
            if plan.natural_extension
            else WalkInRefusal.AFTER_CLOSING
        )
        return WalkInDecision(False, refusal, plan, period)
    if not period.walk_in:
        return WalkInDecision(False, WalkInRefusal.BOOKING_ONLY, plan, period)
    acceptance = period.acceptance(service.category)
    if acceptance is None:
        return WalkInDecision(False, WalkInRefusal.CATEGORY_NOT_ACCEPTED, plan, period)
    return WalkInDecision(True, None, plan, period, acceptance)


def materials_only_at(
    hall: HallProfile, service: Service, at: datetime, calendar: HolidayCalendar
) -> bool:
    """Does the period in force at ``at`` only receive the materials of ``service``'s items?

    A booked ticket is served in its slot, so the kiosk asks at the slot's start; a walk-in's
    decision already carries it. A day the calendar does not know is not materials-only (it
    cannot be open either: the ticket was issued by other rules, e.g. a booking made before).
    """
    try:
        plan = day_plan(hall, at.date(), calendar)
    except UnknownYear:
        return False
    period = plan.period_at(at.time())
    if period is None:
        return False
    return period.acceptance(service.category) is Acceptance.MATERIALS_ONLY


def next_walk_in(
    hall: HallProfile,
    service: Service,
    after: datetime,
    calendar: HolidayCalendar,
    *,
    look_ahead_days: int = 14,
) -> datetime | None:
    """The first instant after ``after`` at which a walk-in ticket for ``service`` is possible."""
    for offset in range(look_ahead_days + 1):
        day = after.date() + timedelta(days=offset)
        plan = day_plan(hall, day, calendar)
        if not plan.calendar_known:
            return None
        assert offset > 0 or day == after.date()
        for period in plan.periods:
            start = datetime.combine(day, period.start)
            end = datetime.combine(day, period.end)
            if end <= after:
                continue
            candidate = max(start, after) if offset == 0 else start
            if candidate == after:
                continue
            if _decide_in_plan(hall, service, plan, candidate.time()).allowed:
                return candidate
    return None


def _minus_minutes(moment: time, minutes: int) -> time:
    if minutes == 0:
        return moment
    anchor = datetime.combine(date(2000, 1, 1), moment) - timedelta(minutes=minutes)
    return anchor.time()
