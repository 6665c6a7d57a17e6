"""Which days are working days, make-up working days, weekends and statutory holidays.

The State Council publishes each year's holidays and make-up days late in the year before, so
``chinese-calendar`` only knows the years up to its last release. Later years (and local
closures) come from files the hall maintains in ``config/calendar/``. A date in a year that
neither knows is refused with the name of the file to add: a guessed holiday would send people
to a closed hall.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

import chinese_calendar

CALENDAR_DIR_HINT = "config/calendar"


class DayType(StrEnum):
    WORKDAY = "workday"
    MAKEUP_WORKDAY = "makeup_workday"
    WEEKEND = "weekend"
    HOLIDAY = "holiday"

    @property
    def is_working(self) -> bool:
        return self in (DayType.WORKDAY, DayType.MAKEUP_WORKDAY)


class UnknownYear(LookupError):
    """No holiday data for the year: the hall must add the year's calendar file."""

    def __init__(self, year: int, directory: str = CALENDAR_DIR_HINT) -> None:
        self.year = year
        self.path = f"{directory}/{year}.toml"
        super().__init__(
            f"no statutory holiday data for {year}: add {self.path} with that year's holidays "
            f"and make-up working days (see {directory}/README.md)"
        )


@dataclass(frozen=True)
class YearCalendar:
    """A year's official holiday schedule, as published by the State Council."""

    year: int
    holidays: Mapping[date, str]
    makeup_workdays: frozenset[date]
    source: str = ""


@dataclass(frozen=True)
class LocalClosure:
    """A day a hall (or every hall) is closed for a local reason."""

    day: date
    reason_zh: str
    reason_en: str
    halls: frozenset[str] | None = None  # None: every hall

    def applies_to(self, hall_id: str) -> bool:
        return self.halls is None or hall_id in self.halls


@dataclass(frozen=True)
class DayInfo:
    day: date
    day_type: DayType
    holiday_name: str | None = None


@dataclass
class HolidayCalendar:
    years: Mapping[int, YearCalendar] = field(default_factory=dict)
    closures: tuple[LocalClosure, ...] = ()
    directory_hint: str = CALENDAR_DIR_HINT

    def info(self, day: date) -> DayInfo:
        override = self.years.get(day.year)
        if override is not None:
            return _from_year(override, day)
        try:
            if chinese_calendar.is_workday(day):
                kind = DayType.WORKDAY if day.weekday() < 5 else DayType.MAKEUP_WORKDAY
                return DayInfo(day, kind)
            _, name = chinese_calendar.get_holiday_detail(day)
        except NotImplementedError:
            raise UnknownYear(day.year, self.directory_hint) from None
        if name:
            return DayInfo(day, DayType.HOLIDAY, _holiday_label(name))
        if day.weekday() >= 5:
            return DayInfo(day, DayType.WEEKEND)
        return DayInfo(day, DayType.HOLIDAY)

    def day_type(self, day: date) -> DayType:
        return self.info(day).day_type

    def is_working_day(self, day: date) -> bool:
        return self.day_type(day).is_working

    def closure(self, day: date, hall_id: str) -> LocalClosure | None:
        for closure in self.closures:
            if closure.day == day and closure.applies_to(hall_id):
                return closure
        return None

    def previous_working_day(self, day: date, *, limit: int = 60) -> date:
        """The last working day strictly before ``day``."""
        candidate = day
        for _ in range(limit):
            candidate -= timedelta(days=1)
            if self.is_working_day(candidate):
                return candidate
        raise LookupError(f"no working day in the {limit} days before {day}")


def _from_year(year: YearCalendar, day: date) -> DayInfo:
    if day in year.makeup_workdays:
        return DayInfo(day, DayType.MAKEUP_WORKDAY)
    name = year.holidays.get(day)
    if name is not None:
        return DayInfo(day, DayType.HOLIDAY, name)
    return DayInfo(day, DayType.WORKDAY if day.weekday() < 5 else DayType.WEEKEND)


_HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


def _holiday_label(name: str) -> str:
    return _HOLIDAY_NAMES_ZH.get(name, name)


def build_year(
    year: int,
    holidays: Iterable[tuple[str, Iterable[date]]],
    makeup_workdays: Iterable[date],
    source: str = "",
) -> YearCalendar:
    """Assemble a year's calendar, refusing dates outside the year or listed twice."""
    by_day: dict[date, str] = {}
    for name, days in holidays:
        for day in days:
            if day.year != year:
                raise ValueError(f"holiday {name!r} lists {day}, which is not in {year}")
            if day in by_day:
                raise ValueError(f"{day} is listed under two holidays")
            by_day[day] = name
    makeup = frozenset(makeup_workdays)
    for day in makeup:
        if day.year != year:
            raise ValueError(f"make-up working day {day} is not in {year}")
        if day in by_day:
            raise ValueError(f"{day} is both a holiday and a make-up working day")
    return YearCalendar(year, by_day, makeup, source)
