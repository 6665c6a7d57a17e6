"""The demo's bookings: each card's holder plays its part at the demo's instant, and every
booking was one the hall's rules allowed when it was made."""

from __future__ import annotations

from datetime import datetime

import pytest

from hardware.idcard.cardfile import demo_cards
from kiosk.app.demo.plan import CARD_ROLES, Role, booked_when, plan_demo
from kiosk.config import load_calendar, load_hall, load_halls
from kiosk.domain.booking_rules import CheckInTiming, booking_decision
from kiosk.domain.identity import validate_id_number

CARDS = {stem: (c.identity.name, c.identity.id_number) for stem, c in demo_cards().items()}
TUESDAY_MORNING = datetime(2026, 11, 24, 10, 5)


def test_every_role_has_its_card() -> None:
    assert {stem for stem, _role in CARD_ROLES} == set(CARDS)


def test_the_booked_cards_are_on_time_early_and_late_at_the_demo_instant() -> None:
    hall = load_hall("xixia")
    plan = plan_demo(hall, load_calendar(), TUESDAY_MORNING, CARDS)
    timings = {part.role: part.timing for part in plan.cards}
    assert timings[Role.ON_TIME] is CheckInTiming.ON_TIME
    assert timings[Role.EARLY] is CheckInTiming.TOO_EARLY
    assert timings[Role.LATE] is CheckInTiming.TOO_LATE
    on_time = plan.part(Role.ON_TIME).booking
    assert on_time.slot_start <= TUESDAY_MORNING < on_time.slot_end
    early = plan.part(Role.EARLY).booking
    assert (early.slot_start - TUESDAY_MORNING).total_seconds() >= 2 * 3600
    for part in plan.cards:
        if part.role in (Role.WALK_IN, Role.EXPIRED):
            assert part.booking is None
        if part.role is Role.OTHER_DAY:
            assert part.booking.slot_start.date() > TUESDAY_MORNING.date()
    assert plan.notes == ()


@pytest.mark.parametrize("hall_id", sorted(load_halls()))
def test_every_booking_was_allowed_when_it_was_made(hall_id: str) -> None:
    hall, calendar = load_hall(hall_id), load_calendar()
    plan = plan_demo(hall, calendar, TUESDAY_MORNING, CARDS)
    assert plan.bookings, hall_id
    seen = set()
    for booking in plan.bookings:
        assert booking.made_at < TUESDAY_MORNING
        service = hall.service(booking.service)
        decision = booking_decision(
            hall, booking.slot_start, booking.made_at, calendar,
            channel=booking.channel, service=service,
        )  # fmt: skip
        assert decision.allowed, (booking, decision)
        validate_id_number(booking.person.id_number)
        key = (booking.person.id_number, booking.slot_start)
        assert key not in seen
        seen.add(key)


def test_a_saturday_morning_books_the_appointment_service() -> None:
    hall, calendar = load_hall("xixia"), load_calendar()
    saturday = datetime(2026, 11, 28, 9, 10)
    plan = plan_demo(hall, calendar, saturday, CARDS)
    on_time = plan.part(Role.ON_TIME)
    assert on_time.timing is CheckInTiming.ON_TIME
    assert on_time.booking.slot_start.date() == saturday.date()


def test_at_night_nobody_is_on_time_and_the_plan_says_so() -> None:
    hall, calendar = load_hall("xixia"), load_calendar()
    night = datetime(2026, 11, 24, 21, 30)
    plan = plan_demo(hall, calendar, night, CARDS)
    assert plan.part(Role.ON_TIME).booking is None
    assert any("on_time" in note for note in plan.notes)
    assert plan.part(Role.LATE).timing is CheckInTiming.TOO_LATE


def test_booked_when_is_never_after_the_demo_start() -> None:
    hall, calendar = load_hall("xixia"), load_calendar()
    service = hall.service("real-estate")
    slot = datetime(2026, 11, 25, 10, 0)
    made = booked_when(hall, calendar, service, slot, datetime(2026, 11, 24, 8, 0))
    assert made is not None and made[0] <= datetime(2026, 11, 24, 8, 0)


def test_suggested_start_is_an_hour_into_the_next_regular_period() -> None:
    from datetime import datetime

    from kiosk.app.demo.hall import suggested_start
    from kiosk.config import load_calendar, load_hall

    hall, calendar = load_hall("xixia"), load_calendar()
    # Monday night -> Tuesday 09:00; Friday night -> Monday; the National Day holiday -> 10-08.
    assert suggested_start(hall, calendar, datetime(2026, 11, 23, 21, 45)) == datetime(
        2026, 11, 24, 9, 0
    )
    assert suggested_start(hall, calendar, datetime(2026, 11, 27, 20, 0)) == datetime(
        2026, 11, 30, 9, 0
    )
    assert suggested_start(hall, calendar, datetime(2026, 10, 1, 9, 0)) == datetime(
        2026, 10, 8, 9, 0
    )
    # Lunch: the afternoon period starts 14:30.
    assert suggested_start(hall, calendar, datetime(2026, 11, 23, 12, 10)) == datetime(
        2026, 11, 23, 15, 30
    )


def test_a_demo_in_a_year_without_holiday_data_says_so(hall_calendar_dir) -> None:
    # New Year's Eve: the demo's later bookings stop at 31 December; on 4 January (no 2027
    # file) it has no bookings and its first note says what to run.
    hall = load_hall("xixia")
    eve = plan_demo(hall, load_calendar(), datetime(2026, 12, 31, 9, 0), CARDS)
    assert all(b.slot_start.year == 2026 for b in eve.others)
    january = plan_demo(hall, load_calendar(), datetime(2027, 1, 4, 9, 0), CARDS)
    assert january.others == () and all(p.booking is None for p in january.cards)
    assert "no statutory holiday data for 2027" in january.notes[0]
    assert "kiosk calendar import" in january.notes[0]
