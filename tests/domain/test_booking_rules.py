from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.domain.booking_rules import (
    BookingRefusal,
    CheckInTiming,
    HallChangeRefusal,
    booking_deadline,
    booking_decision,
    check_in_window,
    day_slots,
    hall_change_decision,
    is_forfeited,
)
from kiosk.domain.calendar import HolidayCalendar, LocalClosure
from kiosk.domain.hall import Acceptance
from kiosk.domain.schedule import day_plan


def dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_pinggu_deadline_is_14_00_of_the_previous_working_day(halls, calendar) -> None:
    hall = halls["pinggu-district"]
    # Slot Thursday 2026-10-08 -> Wednesday 2026-09-30 14:00 (1-7 October are holidays).
    assert booking_deadline(hall, dt("2026-10-08T08:30"), calendar) == dt("2026-09-30T14:00")
    # Saturday slot -> Friday 14:00.
    assert booking_deadline(hall, dt("2026-11-28T09:00"), calendar) == dt("2026-11-27T14:00")
    # Monday slot after a make-up Saturday: the Saturday is the previous working day.
    assert booking_deadline(hall, dt("2026-10-12T09:00"), calendar) == dt("2026-10-10T14:00")


def test_xixia_deadline_is_24_hours_before(halls, calendar) -> None:
    hall = halls["xixia"]
    assert booking_deadline(hall, dt("2026-11-28T08:00"), calendar) == dt("2026-11-27T08:00")


def test_booking_allowed_until_the_deadline(halls, calendar) -> None:
    hall = halls["pinggu-district"]
    slot = dt("2026-10-08T08:30")
    assert booking_decision(hall, slot, dt("2026-09-30T13:59"), calendar).allowed
    # "前一个工作日14:00前": before 14:00, so 14:00 itself is already too late.
    for now in ("2026-09-30T14:00", "2026-09-30T14:01"):
        late = booking_decision(hall, slot, dt(now), calendar)
        assert late.reason is BookingRefusal.DEADLINE_PASSED
        assert late.deadline == dt("2026-09-30T14:00")


def test_xixia_saturday_booking_needs_24_hours(halls, calendar) -> None:
    hall = halls["xixia"]
    slot = dt("2026-11-28T15:00")
    assert booking_decision(hall, slot, dt("2026-11-27T14:59"), calendar).allowed
    # "至少提前24小时": exactly 24 hours ahead is in time.
    assert booking_decision(hall, slot, dt("2026-11-27T15:00"), calendar).allowed
    assert (
        booking_decision(hall, slot, dt("2026-11-27T15:01"), calendar).reason
        is BookingRefusal.DEADLINE_PASSED
    )


def test_slot_outside_any_bookable_period_is_refused(halls, calendar) -> None:
    hall = halls["xixia"]
    now = dt("2026-11-20T09:00")
    for slot in ("2026-11-28T12:00", "2026-11-28T11:15", "2026-11-28T08:10"):
        decision = booking_decision(hall, dt(slot), now, calendar)
        assert decision.reason is BookingRefusal.NOT_A_SLOT
        assert decision.deadline is None
    assert (
        booking_decision(hall, dt("2026-11-29T09:00"), now, calendar).reason
        is BookingRefusal.CLOSED_DAY
    )
    assert (
        booking_decision(hall, dt("2026-10-03T09:00"), dt("2026-09-20T09:00"), calendar).reason
        is BookingRefusal.CLOSED_DAY
    )


def test_channel_hours_xixia_phone(halls, calendar) -> None:
    hall = halls["xixia"]
    slot = dt("2026-11-28T08:00")
    # Phone: Mon-Thu 08:00-11:00 and 15:00-17:00, Fri 08:00-11:00.
    assert booking_decision(hall, slot, dt("2026-11-26T15:30"), calendar, channel="phone").allowed
    assert (
        booking_decision(hall, slot, dt("2026-11-26T12:00"), calendar, channel="phone").reason
        is BookingRefusal.CHANNEL_CLOSED
    )
    friday_afternoon = booking_decision(
        hall, dt("2026-12-05T08:00"), dt("2026-11-27T15:30"), calendar, channel="phone"
    )
    assert friday_afternoon.reason is BookingRefusal.CHANNEL_CLOSED
    assert booking_decision(
        hall, dt("2026-12-05T08:00"), dt("2026-11-27T15:30"), calendar, channel="online"
    ).allowed
    unknown = booking_decision(hall, slot, dt("2026-11-26T09:00"), calendar, channel="fax")
    assert unknown.reason is BookingRefusal.UNKNOWN_CHANNEL


def test_too_far_ahead_and_in_the_past(halls, calendar) -> None:
    hall = halls["pinggu-district"]
    assert (
        booking_decision(hall, dt("2026-12-28T09:00"), dt("2026-11-23T09:00"), calendar).reason
        is BookingRefusal.TOO_FAR_AHEAD
    )
    assert (
        booking_decision(hall, dt("2026-11-23T09:00"), dt("2026-11-23T10:00"), calendar).reason
        is BookingRefusal.SLOT_IN_PAST
    )


def test_township_weekend_books_one_day_items_for_their_materials(halls, calendar) -> None:
    # "接收承办类事项申请材料": a one-day item is not finished at the weekend either, so its
    # materials are received (materials-only), never a flat refusal.
    hall = halls["pinggu-township"]
    service = hall.service("residence-certificates")
    decision = booking_decision(
        hall, dt("2026-11-28T09:00"), dt("2026-11-23T09:00"), calendar, service=service
    )
    assert decision.allowed
    assert decision.slot is not None
    assert decision.slot.period.acceptance(service.category) is Acceptance.MATERIALS_ONLY
    assert day_slots(hall, date(2026, 11, 28), calendar, service)


def test_unknown_year_is_refused_not_guessed(halls, calendar) -> None:
    hall = halls["xixia"]
    decision = booking_decision(hall, dt("2027-01-05T09:00"), dt("2026-12-28T09:00"), calendar)
    assert decision.reason is BookingRefusal.NO_CALENDAR
    assert "2027.toml" in decision.detail


def test_slots_follow_the_periods(halls, calendar) -> None:
    hall = halls["xixia"]
    slots = day_slots(hall, date(2026, 11, 28), calendar)
    starts = [f"{s.start:%H:%M}" for s in slots]
    assert starts == [
        "08:00",
        "08:30",
        "09:00",
        "09:30",
        "10:00",
        "10:30",
        "11:00",
        "15:00",
        "15:30",
        "16:00",
        "16:30",
        "17:00",
    ]
    assert all(s.capacity == hall.booking.slot_capacity for s in slots)


def test_check_in_window_and_forfeit(halls) -> None:
    hall = halls["xixia"]
    start, end = dt("2026-11-28T15:00"), dt("2026-11-28T15:30")
    window = check_in_window(hall, start, end)
    assert window.timing(dt("2026-11-28T14:29")) is CheckInTiming.TOO_EARLY
    assert window.timing(dt("2026-11-28T14:30")) is CheckInTiming.ON_TIME
    assert window.timing(dt("2026-11-28T15:29")) is CheckInTiming.ON_TIME
    assert window.timing(dt("2026-11-28T15:30")) is CheckInTiming.TOO_LATE
    assert is_forfeited(hall, start, end, dt("2026-11-28T15:30"))
    assert not is_forfeited(hall, start, end, dt("2026-11-28T15:00"))


def test_hall_side_change_needs_approval_and_a_day_of_notice(halls) -> None:
    hall = halls["pinggu-district"]
    slot = dt("2026-11-28T09:00")
    assert hall_change_decision(hall, slot, dt("2026-11-27T16:00"), "王主任").allowed
    assert (
        hall_change_decision(hall, slot, dt("2026-11-27T16:00"), None).reason
        is HallChangeRefusal.NO_APPROVER
    )
    assert (
        hall_change_decision(hall, slot, dt("2026-11-28T08:00"), "王主任").reason
        is HallChangeRefusal.TOO_LATE_TO_NOTIFY
    )


DAYS_2026 = st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31))


@settings(max_examples=150, deadline=None)
@given(day=DAYS_2026, hall_index=st.integers(0, 8))
def test_periods_are_sorted_and_never_overlap(day, hall_index, halls, calendar) -> None:
    hall = list(halls.values())[hall_index]
    plan = day_plan(hall, day, calendar)
    for first, second in zip(plan.periods, plan.periods[1:], strict=False):
        assert first.end <= second.start
    for period in plan.periods:
        assert period.start < period.end
        assert not (period.walk_in and period.booking_required)


@settings(max_examples=150, deadline=None)
@given(
    day=st.dates(min_value=date(2026, 1, 10), max_value=date(2026, 12, 31)),
    hall_index=st.integers(0, 8),
)
def test_a_deadline_always_precedes_its_slot(day, hall_index, halls, calendar) -> None:
    hall = list(halls.values())[hall_index]
    for slot in day_slots(hall, day, calendar):
        deadline = booking_deadline(hall, slot.start, calendar)
        assert deadline < slot.start
        assert slot.start - deadline >= timedelta(hours=10)
        strict = hall.booking.lead.kind == "previous_workday_cutoff"  # "14:00前": before
        last_moment = deadline - timedelta(minutes=1) if strict else deadline
        decision = booking_decision(hall, slot.start, last_moment, calendar)
        if decision.reason is not BookingRefusal.TOO_FAR_AHEAD:
            assert decision.allowed, decision
        if strict:
            late = booking_decision(hall, slot.start, deadline, calendar)
            assert late.reason in (BookingRefusal.DEADLINE_PASSED, BookingRefusal.TOO_FAR_AHEAD)


@pytest.mark.parametrize("hall_id", ["pinggu-district", "xixia", "pinggu-marriage"])
def test_booking_required_periods_have_slots(hall_id, halls, calendar) -> None:
    hall = halls[hall_id]
    plan = day_plan(hall, date(2026, 11, 28), calendar)
    slots = day_slots(hall, date(2026, 11, 28), calendar)
    assert plan.periods and slots


@pytest.mark.parametrize(
    ("hall_id", "channel"),
    [("xixia", "on_site"), ("xixia", "phone"), ("pinggu-district", "on_site")],
)
def test_staffed_channels_are_closed_on_statutory_holidays(
    halls, calendar, hall_id: str, channel: str
) -> None:
    # Monday 2026-10-05 is inside the National Day holiday: the hall, its phone line and
    # its volunteer desk are closed; online booking still takes requests.
    hall = halls[hall_id]
    slot, now = dt("2026-10-09T09:00"), dt("2026-10-05T09:00")
    closed = booking_decision(hall, slot, now, calendar, channel=channel)
    assert closed.reason is BookingRefusal.CHANNEL_CLOSED
    assert booking_decision(hall, slot, now, calendar, channel="online").allowed
    # The same hour on an ordinary Monday is open.
    monday = booking_decision(
        hall, dt("2026-11-20T09:00"), dt("2026-11-16T09:00"), calendar, channel=channel
    )
    assert monday.allowed


def test_channels_are_closed_on_a_local_closure(halls, calendar) -> None:
    hall = halls["xixia"]
    closure = LocalClosure(date(2026, 11, 16), "停电", "Power cut", frozenset({"xixia"}))
    closed = HolidayCalendar(closures=(closure,))
    slot, now = dt("2026-11-20T09:00"), dt("2026-11-16T09:00")
    assert booking_decision(hall, slot, now, calendar, channel="phone").allowed
    assert (
        booking_decision(hall, slot, now, closed, channel="phone").reason
        is BookingRefusal.CHANNEL_CLOSED
    )


def test_on_a_makeup_day_channels_keep_the_hours_of_the_weekday_it_stands_for(
    halls, calendar
) -> None:
    # Saturday 2026-10-10 is worked as a Monday (makeup_workday_as = "mon"): Xixia's phone
    # line answers 15:00-17:00 as on a Monday, which it never does on a plain Saturday.
    hall = halls["xixia"]
    slot = dt("2026-10-14T09:00")
    assert booking_decision(hall, slot, dt("2026-10-10T15:30"), calendar, channel="phone").allowed
    plain_saturday = booking_decision(
        hall, dt("2026-10-21T09:00"), dt("2026-10-17T09:30"), calendar, channel="phone"
    )
    assert plain_saturday.reason is BookingRefusal.CHANNEL_CLOSED
    # Worked as a Friday instead, the afternoon line is closed (Fridays: 08:00-11:00 only).
    as_friday = hall.model_copy(update={"makeup_workday_as": "fri"})
    late = booking_decision(as_friday, slot, dt("2026-10-10T15:30"), calendar, channel="phone")
    assert late.reason is BookingRefusal.CHANNEL_CLOSED
    assert booking_decision(
        as_friday, slot, dt("2026-10-10T09:30"), calendar, channel="phone"
    ).allowed
