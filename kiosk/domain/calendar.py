"""Which days are working days, make-up working days, weekends and statutory holidays.

The State Council publishes each year's holidays and make-up days late in the year before, so
``chinese-calendar`` only knows the years up to its last release. Later years (and local
closures) come from files the hall maintains in ``config/calendar/`` (``kiosk calendar import``
writes them from the notice's text). A date in a year that neither knows is refused with the
name of the file to add: a guessed holiday would send people to a closed hall.

A year is kept as the notice states it: festival periods (every rest day, weekends included)
and the Saturdays or Sundays worked in exchange (调休上班), so the same values describe a year
read from the package, from a hall's file, or parsed from the notice, and can be compared.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from itertools import pairwise

import chinese_calendar

CALENDAR_DIR_HINT = "config/calendar"
IMPORT_COMMAND = "kiosk calendar import"

#: The seven statutory festivals (全国年节及纪念日放假办法): every year's notice names each.
STATUTORY_FESTIVALS: tuple[str, ...] = (
    "元旦",
    "春节",
    "清明节",
    "劳动节",
    "端午节",
    "中秋节",
    "国庆节",
)

#: Plausible length in rest days of each festival's period (weekends inside included). The
#: widest periods so far: 春节 9 days (2026), 国庆节 8 (2025, with 中秋节), 劳动节 5.
FESTIVAL_DAYS: Mapping[str, tuple[int, int]] = {
    "元旦": (1, 3),
    "春节": (3, 10),
    "清明节": (1, 3),
    "劳动节": (1, 5),
    "端午节": (1, 3),
    "中秋节": (1, 3),
    "国庆节": (3, 8),
}

#: How far a make-up working day lies from its festival at most (the notices so far: 13 days).
MAKEUP_REACH_DAYS = 21

#: 元旦's period may begin in the last days of December of the year before (the 2019 and 2023
#: notices did): those days belong to the new year's notice, and so to its file.
NEW_YEAR_SPILLOVER_DAYS = 3


class DayType(StrEnum):
    WORKDAY = "workday"
    MAKEUP_WORKDAY = "makeup_workday"
    WEEKEND = "weekend"
    HOLIDAY = "holiday"
    #: Only in a day's plan: no holiday data for the year, so nothing is known about the day.
    UNKNOWN = "unknown"

    @property
    def is_working(self) -> bool:
        return self in (DayType.WORKDAY, DayType.MAKEUP_WORKDAY)


class UnknownYear(LookupError):
    """No holiday data for the year: the hall must add the year's calendar file."""

    def __init__(self, year: int, directory: str = CALENDAR_DIR_HINT) -> None:
        self.year = year
        self.path = f"{directory}/{year}.toml"
        super().__init__(
            f"no statutory holiday data for {year}: run `{IMPORT_COMMAND}` with the State "
            f"Council's notice for {year} to write {self.path} (see {directory}/README.md)"
        )


@dataclass(frozen=True)
class Festival:
    """One festival period of a notice: "国庆节、中秋节：10月1日至8日放假调休…"."""

    name: str
    dates: tuple[date, ...]
    makeup_workdays: tuple[date, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """The festivals this period stands for ("国庆节、中秋节" is two)."""
        return tuple(part.strip() for part in self.name.split("、") if part.strip())


@dataclass(frozen=True)
class YearCalendar:
    """A year's official holiday schedule, as published by the State Council.

    ``origin`` says where the system read it (the package and its version, or the file), and
    ``provisional`` marks a year drafted before the notice: both are shown wherever it is used.
    """

    year: int
    festivals: tuple[Festival, ...]
    source: str = ""
    origin: str = ""
    from_file: bool = False
    provisional: bool = False
    holidays: Mapping[date, str] = field(init=False, repr=False, compare=False)
    makeup_workdays: Mapping[date, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        holidays = {day: f.name for f in self.festivals for day in f.dates}
        makeup = {day: f.name for f in self.festivals for day in f.makeup_workdays}
        object.__setattr__(self, "holidays", holidays)
        object.__setattr__(self, "makeup_workdays", makeup)

    def days(self) -> Iterator[date]:
        day = date(self.year, 1, 1)
        while day.year == self.year:
            yield day
            day += timedelta(days=1)


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
    #: The festival of a holiday, or the festival a make-up working day is worked for.
    holiday_name: str | None = None
    provisional: bool = False


@dataclass
class HolidayCalendar:
    years: Mapping[int, YearCalendar] = field(default_factory=dict)
    closures: tuple[LocalClosure, ...] = ()
    directory_hint: str = CALENDAR_DIR_HINT

    def year(self, year: int) -> YearCalendar:
        """The year's schedule: the hall's file if it has one, else the package's data."""
        found = self.years.get(year) or package_year(year)
        if found is None:
            raise UnknownYear(year, self.directory_hint)
        return found

    def knows(self, year: int) -> bool:
        return year in self.years or package_year(year) is not None

    def info(self, day: date) -> DayInfo:
        if day.month == 12 and day.day > 31 - NEW_YEAR_SPILLOVER_DAYS:
            following = self.years.get(day.year + 1)
            if following is not None and (
                day in following.holidays or day in following.makeup_workdays
            ):
                return _from_year(following, day)
        return _from_year(self.year(day.year), day)

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

    def first_unknown_day(self, start: date, end: date) -> date | None:
        """The first day from ``start`` to ``end`` (inclusive) in a year without data."""
        for year in range(start.year, end.year + 1):
            if not self.knows(year):
                return max(start, date(year, 1, 1))
        return None

    def provisional_years(self, start: date, end: date) -> list[YearCalendar]:
        return [
            self.years[year]
            for year in range(start.year, end.year + 1)
            if year in self.years and self.years[year].provisional
        ]


def _from_year(year: YearCalendar, day: date) -> DayInfo:
    name = year.makeup_workdays.get(day)
    if name is not None:
        return DayInfo(day, DayType.MAKEUP_WORKDAY, name, year.provisional)
    name = year.holidays.get(day)
    if name is not None:
        return DayInfo(day, DayType.HOLIDAY, name, year.provisional)
    kind = DayType.WORKDAY if day.weekday() < 5 else DayType.WEEKEND
    return DayInfo(day, kind, None, year.provisional)


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


def package_origin() -> str:
    try:
        return f"chinese-calendar {version('chinese_calendar')}"
    except PackageNotFoundError:  # pragma: no cover - the package is a dependency
        return "chinese-calendar"


@cache
def package_year(year: int) -> YearCalendar | None:
    """The year as ``chinese-calendar`` knows it, in festival periods; None past its data.

    Consecutive rest days form one period named after the festivals in it, in the order they
    fall ("中秋节、国庆节" in 2023, "国庆节、中秋节" in 2025), as the notices name them.
    """
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return None
    rest: dict[date, str] = {}
    makeup: dict[date, str] = {}
    day = date(year, 1, 1)
    while day.year == year:
        working = chinese_calendar.is_workday(day)
        _, name = chinese_calendar.get_holiday_detail(day)
        label = _holiday_label(name) if name else ""
        if working and day.weekday() >= 5:
            makeup[day] = label
        elif not working and (name or day.weekday() < 5):
            rest[day] = label
        day += timedelta(days=1)
    periods: list[list[date]] = []
    for day in sorted(rest):
        if periods and day - periods[-1][-1] == timedelta(days=1):
            periods[-1].append(day)
        else:
            periods.append([day])
    names = [
        "、".join(dict.fromkeys(rest[d] for d in p if rest[d])) or "法定节假日" for p in periods
    ]
    worked: list[list[date]] = [[] for _ in periods]
    for day, label in sorted(makeup.items()):
        worked[_period_of(day, label, periods, names)].append(day)
    festivals = tuple(
        Festival(name, tuple(period), tuple(days))
        for name, period, days in zip(names, periods, worked, strict=True)
    )
    return YearCalendar(year, festivals, origin=package_origin())


def _period_of(day: date, label: str, periods: list[list[date]], names: list[str]) -> int:
    """The period a make-up day is worked for: the one named like it, else the nearest."""

    def distance(index: int) -> int:
        return min(abs((d - day).days) for d in periods[index])

    named = [i for i, name in enumerate(names) if label and label in name.split("、")]
    return min(named or range(len(periods)), key=distance)


def build_year(
    year: int,
    festivals: Iterable[Festival],
    source: str = "",
    *,
    origin: str = "",
    from_file: bool = False,
    provisional: bool = False,
) -> YearCalendar:
    """Assemble a year's calendar, refusing a day listed twice or as both kinds of day (the
    content rules a published year must meet are ``year_problems``)."""
    festivals = tuple(festivals)
    seen: dict[date, str] = {}
    for festival in festivals:
        for day in festival.dates:
            if day in seen:
                raise ValueError(f"{day} is listed under {seen[day]} and {festival.name}")
            seen[day] = festival.name
    for festival in festivals:
        for day in festival.makeup_workdays:
            if day in seen:
                raise ValueError(f"{day} is both a holiday and a make-up working day")
    return YearCalendar(
        year, festivals, source, origin=origin, from_file=from_file, provisional=provisional
    )


@dataclass(frozen=True)
class YearProblem:
    """Something wrong (``error``) or odd (a warning) in a year's schedule, at a key of its
    file (``holiday[2].dates``), so the person fixing it knows where to look."""

    key: str
    message: str
    error: bool = True


WEEKDAY_NAMES_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


def statutory_days(year: int) -> int:
    """Rest days the law grants on weekdays' worth (2025 on: 13; 2014-2024: 11)."""
    return 13 if year >= 2025 else 11


def year_problems(calendar: YearCalendar) -> list[YearProblem]:
    """Why a year's schedule cannot be what a State Council notice says, each at its key.

    Errors: a statutory festival missing or named twice, an unknown festival name, a date
    outside the year, a day listed twice or as holiday and make-up day, a make-up day on a
    weekday, a period of implausible length or with gaps. Warnings: a make-up day far from its
    festival, and a year whose weekday rest days do not balance the law's days plus make-up days.
    """
    problems: list[YearProblem] = []
    year = calendar.year
    named: dict[str, int] = {}
    seen: dict[date, str] = {}
    for index, festival in enumerate(calendar.festivals):
        key = f"holiday[{index}]"
        problems += _festival_problems(year, key, festival, named, index)
        for j, day in enumerate(festival.dates):
            if day in seen:
                problems.append(
                    YearProblem(f"{key}.dates[{j}]", f"{day} is also listed under {seen[day]}")
                )
            seen[day] = festival.name
    for index, festival in enumerate(calendar.festivals):
        for j, day in enumerate(festival.makeup_workdays):
            key = f"holiday[{index}].makeup_workdays[{j}]"
            if day in seen:
                problems.append(YearProblem(key, f"{day} is both a holiday and a make-up day"))
            if not _in_year(year, day, festival):
                problems.append(YearProblem(key, f"{day} is not in {year}"))
            if day.weekday() < 5:
                problems.append(
                    YearProblem(
                        key,
                        f"{day} is a {WEEKDAY_NAMES_ZH[day.weekday()]}: make-up working days "
                        "(调休上班) are Saturdays or Sundays",
                    )
                )
            if festival.dates and min(abs((day - d).days) for d in festival.dates) > (
                MAKEUP_REACH_DAYS
            ):
                problems.append(
                    YearProblem(
                        key,
                        f"{day} is more than {MAKEUP_REACH_DAYS} days from the {festival.name} "
                        "period: check the month",
                        error=False,
                    )
                )
    missing = [name for name in STATUTORY_FESTIVALS if name not in named]
    if missing:
        problems.append(
            YearProblem(
                "holiday",
                f"missing {'、'.join(missing)}: a year names all seven statutory festivals "
                f"({'、'.join(STATUTORY_FESTIVALS)})",
            )
        )
    if not any(p.error for p in problems):
        problems += _balance(calendar)
    return problems


def _in_year(year: int, day: date, festival: Festival) -> bool:
    if day.year == year:
        return True
    return (
        "元旦" in festival.names
        and day.year == year - 1
        and day >= date(year - 1, 12, 31) - timedelta(days=NEW_YEAR_SPILLOVER_DAYS - 1)
    )


def _festival_problems(
    year: int, key: str, festival: Festival, named: dict[str, int], index: int
) -> list[YearProblem]:
    problems: list[YearProblem] = []
    if not festival.names:
        return [YearProblem(f"{key}.name", "empty festival name")]
    for name in festival.names:
        if name not in FESTIVAL_DAYS:
            problems.append(
                YearProblem(
                    f"{key}.name",
                    f"{name!r} is not a statutory festival; expected one of "
                    f"{'、'.join(STATUTORY_FESTIVALS)} (a hall's own closed days go in "
                    "closures.toml)",
                )
            )
        elif name in named:
            problems.append(
                YearProblem(f"{key}.name", f"{name} is also listed at holiday[{named[name]}]")
            )
        else:
            named[name] = index
    if not festival.dates:
        problems.append(YearProblem(f"{key}.dates", "no dates: list every rest day"))
        return problems
    for j, day in enumerate(festival.dates):
        if not _in_year(year, day, festival):
            problems.append(YearProblem(f"{key}.dates[{j}]", f"{day} is not in {year}"))
    known = [FESTIVAL_DAYS[n] for n in festival.names if n in FESTIVAL_DAYS]
    if known:
        low, high = max(k[0] for k in known), sum(k[1] for k in known)
        count = len(set(festival.dates))
        if not low <= count <= high:
            problems.append(
                YearProblem(
                    f"{key}.dates",
                    f"{festival.name} lists {count} day(s); a {festival.name} period has "
                    f"{low} to {high}",
                )
            )
    ordered = sorted(set(festival.dates))
    gaps = [a for a, b in pairwise(ordered) if (b - a).days != 1]
    if gaps:
        problems.append(
            YearProblem(
                f"{key}.dates",
                f"not consecutive days: nothing listed after {gaps[0]} (a period lists every "
                "rest day, weekends included)",
            )
        )
    return problems


def _balance(calendar: YearCalendar) -> list[YearProblem]:
    weekday_rest = sum(1 for f in calendar.festivals for d in f.dates if d.weekday() < 5)
    makeup = sum(len(f.makeup_workdays) for f in calendar.festivals)
    expected = statutory_days(calendar.year) + makeup
    if weekday_rest == expected:
        return []
    return [
        YearProblem(
            "holiday",
            f"{weekday_rest} weekday rest days, but the law's {statutory_days(calendar.year)} "
            f"days plus {makeup} make-up days make {expected}: check against the notice",
            error=False,
        )
    ]
