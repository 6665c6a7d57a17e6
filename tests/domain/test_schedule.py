"""The published periods of all nine halls, on concrete 2026 dates."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from kiosk.domain.calendar import DayType, HolidayCalendar, LocalClosure
from kiosk.domain.hall import Acceptance, HallProfile
from kiosk.domain.schedule import (
    ClosedReason,
    HallState,
    WalkInRefusal,
    day_plan,
    hall_state,
    walk_in_decision,
)

MONDAY = date(2026, 11, 23)
SATURDAY = date(2026, 11, 28)
SUNDAY = date(2026, 11, 29)
MAKEUP_SATURDAY = date(2026, 10, 10)
MAKEUP_SUNDAY = date(2026, 9, 20)
HOLIDAY_SATURDAY = date(2026, 10, 3)
HOLIDAY_SUNDAY = date(2026, 10, 4)
HOLIDAY_MONDAY = date(2026, 10, 5)

R, E, W = "regular", "extended", "weekend"

WORKDAY_PERIODS: dict[str, list[tuple[str, str, str, bool]]] = {
    "pinggu-district": [
        ("08:30", "09:00", E, True),
        ("09:00", "12:00", R, True),
        ("12:00", "13:00", E, True),
        ("13:00", "17:00", R, True),
        ("17:00", "17:30", E, True),
    ],
    "pinggu-township": [
        ("08:30", "09:00", E, False),
        ("09:00", "17:00", R, True),
        ("17:00", "17:30", E, False),
    ],
    "pinggu-marriage": [
        ("08:30", "09:00", E, False),
        ("09:00", "11:30", R, True),
        ("11:30", "13:30", E, False),
        ("13:30", "17:00", R, True),
        ("17:00", "17:30", E, False),
    ],
    "pinggu-tax": [("08:30", "16:30", R, True)],
    "pinggu-household": [("09:00", "12:00", R, True), ("14:00", "17:30", R, True)],
    "pinggu-traffic": [
        ("08:30", "12:00", R, True),
        ("12:00", "13:30", E, True),
        ("13:30", "17:00", R, True),
        ("17:00", "18:00", E, True),
    ],
    "pinggu-exit-entry": [("08:30", "11:30", R, True), ("13:30", "17:30", R, True)],
    "pinggu-housing-fund": [
        ("08:30", "09:00", E, True),
        ("09:00", "12:00", R, True),
        ("12:00", "13:30", E, True),
        ("13:30", "17:00", R, True),
        ("17:00", "17:30", E, True),
    ],
    "xixia": [
        ("08:00", "12:00", R, True),
        ("12:00", "14:30", E, True),
        ("14:30", "17:30", R, True),
    ],
}

SATURDAY_PERIODS: dict[str, list[tuple[str, str, str, bool]]] = {
    "pinggu-district": [("09:00", "13:00", W, False)],
    "pinggu-township": [("09:00", "13:00", W, False)],
    "pinggu-marriage": [("09:00", "13:00", W, False)],
    "pinggu-tax": [],
    "pinggu-household": [("09:00", "12:00", W, True), ("14:00", "17:30", W, True)],
    "pinggu-traffic": [("09:00", "16:00", W, True)],
    "pinggu-exit-entry": [("08:30", "11:30", W, True), ("13:30", "17:30", W, True)],
    "pinggu-housing-fund": [("09:00", "13:00", W, True)],
    "xixia": [("08:00", "11:30", W, False), ("15:00", "17:30", W, False)],
}

SUNDAY_HALLS = {"pinggu-household", "pinggu-traffic"}
HOLIDAY_WEEKEND_HALLS = {"pinggu-household", "pinggu-traffic"}


def _shape(hall: HallProfile, day: date, calendar: HolidayCalendar) -> list[tuple]:
    plan = day_plan(hall, day, calendar)
    return [(f"{p.start:%H:%M}", f"{p.end:%H:%M}", p.kind.value, p.walk_in) for p in plan.periods]


def test_every_hall_is_covered(halls: dict[str, HallProfile]) -> None:
    assert set(halls) == set(WORKDAY_PERIODS) == set(SATURDAY_PERIODS)


@pytest.mark.parametrize("hall_id", sorted(WORKDAY_PERIODS))
def test_workday_periods(hall_id: str, halls, calendar) -> None:
    assert _shape(halls[hall_id], MONDAY, calendar) == WORKDAY_PERIODS[hall_id]
    assert day_plan(halls[hall_id], MONDAY, calendar).natural_extension is True


@pytest.mark.parametrize("hall_id", sorted(WORKDAY_PERIODS))
def test_makeup_days_use_workday_hours_not_weekend_ones(hall_id: str, halls, calendar) -> None:
    for day in (MAKEUP_SATURDAY, MAKEUP_SUNDAY, date(2026, 2, 14)):
        plan = day_plan(halls[hall_id], day, calendar)
        assert plan.day_type is DayType.MAKEUP_WORKDAY
        assert _shape(halls[hall_id], day, calendar) == WORKDAY_PERIODS[hall_id]
        assert plan.natural_extension is True


@pytest.mark.parametrize("hall_id", sorted(SATURDAY_PERIODS))
def test_ordinary_saturday(hall_id: str, halls, calendar) -> None:
    plan = day_plan(halls[hall_id], SATURDAY, calendar)
    assert _shape(halls[hall_id], SATURDAY, calendar) == SATURDAY_PERIODS[hall_id]
    assert plan.natural_extension is False
    for period in plan.periods:
        assert period.booking_required is (not period.walk_in)


@pytest.mark.parametrize("hall_id", sorted(SATURDAY_PERIODS))
def test_ordinary_sunday_only_household_and_traffic(hall_id: str, halls, calendar) -> None:
    periods = _shape(halls[hall_id], SUNDAY, calendar)
    if hall_id in SUNDAY_HALLS:
        assert periods == SATURDAY_PERIODS[hall_id]
    else:
        assert periods == []


@pytest.mark.parametrize("hall_id", sorted(SATURDAY_PERIODS))
def test_weekend_inside_holiday_period(hall_id: str, halls, calendar) -> None:
    for day in (HOLIDAY_SATURDAY, HOLIDAY_SUNDAY, date(2026, 9, 26)):
        plan = day_plan(halls[hall_id], day, calendar)
        assert plan.day_type is DayType.HOLIDAY
        if hall_id in HOLIDAY_WEEKEND_HALLS:
            assert _shape(halls[hall_id], day, calendar) == SATURDAY_PERIODS[hall_id]
        else:
            assert plan.periods == ()
            assert plan.closed_reason is ClosedReason.HOLIDAY


@pytest.mark.parametrize("hall_id", sorted(SATURDAY_PERIODS))
def test_weekday_holiday_closes_every_hall(hall_id: str, halls, calendar) -> None:
    for day in (HOLIDAY_MONDAY, date(2026, 10, 1), date(2026, 1, 1), date(2026, 6, 19)):
        plan = day_plan(halls[hall_id], day, calendar)
        assert plan.periods == ()
        assert plan.closed_reason is ClosedReason.HOLIDAY


def test_local_closure_closes_only_its_hall(halls) -> None:
    calendar = HolidayCalendar(
        closures=(LocalClosure(MONDAY, "停电检修", "Power maintenance", frozenset({"xixia"})),)
    )
    plan = day_plan(halls["xixia"], MONDAY, calendar)
    assert plan.periods == () and plan.closed_reason is ClosedReason.LOCAL_CLOSURE
    assert day_plan(halls["pinggu-tax"], MONDAY, calendar).periods


def at(day: date, hhmm: str) -> datetime:
    return datetime.combine(day, datetime.strptime(hhmm, "%H:%M").time())


def test_xixia_lunch_takes_walk_ins(halls, calendar) -> None:
    hall = halls["xixia"]
    decision = walk_in_decision(
        hall, hall.service("social-insurance"), at(MONDAY, "12:45"), calendar
    )
    assert decision.allowed
    assert decision.period is not None and decision.period.kind.value == "extended"


def test_xixia_saturday_is_booking_only_and_says_when_walk_ins_resume(halls, calendar) -> None:
    hall = halls["xixia"]
    decision = walk_in_decision(hall, hall.service("tax"), at(SATURDAY, "09:00"), calendar)
    assert not decision.allowed
    assert decision.reason is WalkInRefusal.BOOKING_ONLY
    assert decision.next_walk_in == at(date(2026, 11, 30), "08:00")


def test_pinggu_marriage_lunch_is_booking_only(halls, calendar) -> None:
    hall = halls["pinggu-marriage"]
    decision = walk_in_decision(hall, hall.service("marriage"), at(MONDAY, "12:00"), calendar)
    assert decision.reason is WalkInRefusal.BOOKING_ONLY
    assert decision.next_walk_in == at(MONDAY, "13:30")


def test_township_extended_is_booking_only(halls, calendar) -> None:
    hall = halls["pinggu-township"]
    service = hall.service("social-security")
    assert walk_in_decision(hall, service, at(MONDAY, "08:45"), calendar).reason is (
        WalkInRefusal.BOOKING_ONLY
    )
    assert walk_in_decision(hall, service, at(MONDAY, "09:00"), calendar).allowed


def test_pinggu_district_extended_takes_walk_ins(halls, calendar) -> None:
    hall = halls["pinggu-district"]
    decision = walk_in_decision(hall, hall.service("real-estate"), at(MONDAY, "17:10"), calendar)
    assert decision.allowed
    assert decision.period is not None and "审批" in decision.period.note_zh


def test_natural_extension_after_afternoon_closing(halls, calendar) -> None:
    hall = halls["pinggu-tax"]
    decision = walk_in_decision(hall, hall.service("invoices"), at(MONDAY, "16:30"), calendar)
    assert decision.reason is WalkInRefusal.TICKETING_CLOSED
    assert decision.next_walk_in == at(date(2026, 11, 24), "08:30")
    plan = day_plan(hall, MONDAY, calendar)
    assert hall_state(plan, at(MONDAY, "16:45").time()) is HallState.NATURAL_EXTENSION
    assert hall_state(plan, at(MONDAY, "16:29").time()) is HallState.OPEN


def test_no_natural_extension_state_on_a_weekend(halls, calendar) -> None:
    hall = halls["pinggu-housing-fund"]
    plan = day_plan(hall, SATURDAY, calendar)
    assert hall_state(plan, at(SATURDAY, "13:30").time()) is HallState.CLOSED
    decision = walk_in_decision(hall, hall.service("withdrawal"), at(SATURDAY, "13:30"), calendar)
    assert decision.reason is WalkInRefusal.AFTER_CLOSING


def test_before_opening_and_between_periods(halls, calendar) -> None:
    hall = halls["pinggu-household"]
    service = hall.service("household-register")
    early = walk_in_decision(hall, service, at(MONDAY, "08:00"), calendar)
    assert early.reason is WalkInRefusal.BEFORE_OPENING and early.next_walk_in == at(
        MONDAY, "09:00"
    )
    lunch = walk_in_decision(hall, service, at(MONDAY, "12:30"), calendar)
    assert lunch.reason is WalkInRefusal.BETWEEN_PERIODS
    assert lunch.next_walk_in == at(MONDAY, "14:00")


def test_holiday_refusal_points_to_the_next_working_day(halls, calendar) -> None:
    hall = halls["pinggu-district"]
    decision = walk_in_decision(
        hall, hall.service("consultation"), at(HOLIDAY_MONDAY, "10:00"), calendar
    )
    assert decision.reason is WalkInRefusal.CLOSED_TODAY
    assert decision.next_walk_in == at(date(2026, 10, 8), "08:30")


def test_household_serves_walk_ins_on_a_holiday_saturday(halls, calendar) -> None:
    hall = halls["pinggu-household"]
    decision = walk_in_decision(
        hall, hall.service("household-register"), at(HOLIDAY_SATURDAY, "09:30"), calendar
    )
    assert decision.allowed


def test_weekend_decide_later_items_receive_materials_only(halls, calendar) -> None:
    hall = halls["pinggu-housing-fund"]
    loan = walk_in_decision(hall, hall.service("loan"), at(SATURDAY, "10:00"), calendar)
    assert loan.allowed and loan.acceptance is Acceptance.MATERIALS_ONLY
    withdrawal = walk_in_decision(hall, hall.service("withdrawal"), at(SATURDAY, "10:00"), calendar)
    assert withdrawal.allowed and withdrawal.acceptance is Acceptance.SERVE
    weekday = walk_in_decision(hall, hall.service("loan"), at(MONDAY, "10:00"), calendar)
    assert weekday.acceptance is Acceptance.SERVE


def test_township_weekend_receives_one_day_items_materials(halls, calendar) -> None:
    hall = halls["pinggu-township"]
    period = day_plan(hall, SATURDAY, calendar).periods[0]
    one_day = hall.service("residence-certificates").category
    assert period.acceptance(one_day) is Acceptance.MATERIALS_ONLY
    assert period.acceptance(hall.service("social-security").category) is Acceptance.SERVE
