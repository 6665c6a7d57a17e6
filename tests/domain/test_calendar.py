from __future__ import annotations

from datetime import date

import pytest

from kiosk.domain.calendar import (
    DayType,
    Festival,
    HolidayCalendar,
    LocalClosure,
    UnknownYear,
    build_year,
)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2026-11-23", DayType.WORKDAY),
        ("2026-11-28", DayType.WEEKEND),
        ("2026-02-14", DayType.MAKEUP_WORKDAY),  # Saturday before the Spring Festival
        ("2026-09-20", DayType.MAKEUP_WORKDAY),  # Sunday, make-up for National Day
        ("2026-10-10", DayType.MAKEUP_WORKDAY),  # Saturday, make-up for National Day
        ("2026-10-01", DayType.HOLIDAY),
        ("2026-10-03", DayType.HOLIDAY),  # a Saturday inside the holiday period
        ("2026-10-07", DayType.HOLIDAY),
        ("2026-10-08", DayType.WORKDAY),
        ("2026-09-26", DayType.HOLIDAY),  # Mid-autumn Saturday
        ("2026-01-01", DayType.HOLIDAY),
    ],
)
def test_day_types_2026(day: str, expected: DayType) -> None:
    assert HolidayCalendar().day_type(date.fromisoformat(day)) is expected


def test_holiday_name_is_chinese() -> None:
    info = HolidayCalendar().info(date(2026, 10, 2))
    assert info.holiday_name == "国庆节"


def test_year_unknown_to_package_and_config_is_refused_with_the_file_to_add() -> None:
    with pytest.raises(UnknownYear) as raised:
        HolidayCalendar().day_type(date(2027, 3, 1))
    assert "config/calendar/2027.toml" in str(raised.value)
    assert "kiosk calendar import" in str(raised.value)


def test_override_year_supplies_2027() -> None:
    year = build_year(
        2027,
        [
            Festival("元旦", (date(2027, 1, 1),)),
            Festival("春节", (date(2027, 2, 6), date(2027, 2, 8)), (date(2027, 2, 20),)),
        ],
    )
    calendar = HolidayCalendar({2027: year})
    assert calendar.day_type(date(2027, 1, 1)) is DayType.HOLIDAY
    assert calendar.info(date(2027, 2, 8)).holiday_name == "春节"
    assert calendar.day_type(date(2027, 2, 20)) is DayType.MAKEUP_WORKDAY
    assert calendar.info(date(2027, 2, 20)).holiday_name == "春节"  # worked for 春节
    assert calendar.day_type(date(2027, 3, 1)) is DayType.WORKDAY
    assert calendar.day_type(date(2027, 3, 6)) is DayType.WEEKEND


def test_override_wins_over_package_year() -> None:
    year = build_year(2026, [Festival("地方停电", (date(2026, 11, 24),))])
    assert HolidayCalendar({2026: year}).day_type(date(2026, 11, 24)) is DayType.HOLIDAY


def test_build_year_rejects_inconsistent_data() -> None:
    with pytest.raises(ValueError, match="listed under 元旦 and 春节"):
        build_year(
            2027, [Festival("元旦", (date(2027, 1, 2),)), Festival("春节", (date(2027, 1, 2),))]
        )
    with pytest.raises(ValueError, match="both a holiday and a make-up"):
        build_year(2027, [Festival("元旦", (date(2027, 1, 2),), (date(2027, 1, 2),))])


def test_previous_working_day_skips_the_national_day_holiday() -> None:
    assert HolidayCalendar().previous_working_day(date(2026, 10, 8)) == date(2026, 9, 30)
    # A make-up Saturday counts as a working day.
    assert HolidayCalendar().previous_working_day(date(2026, 10, 12)) == date(2026, 10, 10)


def test_local_closure_applies_to_named_halls_only() -> None:
    closure = LocalClosure(date(2026, 12, 1), "停电", "Power cut", frozenset({"xixia"}))
    calendar = HolidayCalendar(closures=(closure,))
    assert calendar.closure(date(2026, 12, 1), "xixia") is closure
    assert calendar.closure(date(2026, 12, 1), "pinggu-tax") is None
