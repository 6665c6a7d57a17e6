"""The State Council's notice, read line by line: the 2024-2026 notices give exactly what
chinese-calendar says for those years, day by day; malformed texts are refused with the line."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest

from kiosk.domain.calendar import DayType, HolidayCalendar, package_year, year_problems
from kiosk.domain.holiday_notice import NoticeError, parse_notice

NOTICES = Path(__file__).with_name("notices")


def notice(year: int) -> str:
    return (NOTICES / f"{year}.txt").read_text(encoding="utf-8")


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_notice_reproduces_the_package_year_exactly(year: int) -> None:
    parsed = parse_notice(notice(year))
    assert parsed.year == year
    assert parsed.source.startswith(f"国务院办公厅关于{year}年部分节假日安排的通知（国办发明电〔")
    assert year_problems(parsed) == []  # complete, plausible, balanced: not even a warning
    packaged = package_year(year)
    assert packaged is not None
    assert parsed.festivals == packaged.festivals  # names, rest days and make-up days
    from_notice, from_package = HolidayCalendar({year: parsed}), HolidayCalendar()
    for day in days(date(year, 1, 1), date(year, 12, 31)):
        assert from_notice.info(day) == from_package.info(day), day


def test_2023_notice_starts_new_year_in_the_previous_december() -> None:
    # "元旦：2022年12月31日至2023年1月2日放假调休": the first rest day lies in 2022; the 2023
    # file holds it and the calendar answers for 31 December 2022 from it.
    parsed = parse_notice(notice(2023))
    assert parsed.festivals[0].dates[0] == date(2022, 12, 31)
    assert parsed.festivals[5].name == "中秋节、国庆节"
    assert [p for p in year_problems(parsed) if p.error] == []
    from_notice, from_package = HolidayCalendar({2023: parsed}), HolidayCalendar()
    assert from_notice.info(date(2022, 12, 31)).holiday_name == "元旦"
    # To 29 December 2023: the package also counts 30-31 December 2023 (the weekend before
    # 2024's 元旦, "与周末连休") as holidays, which no notice states.
    for day in days(date(2022, 12, 20), date(2023, 12, 29)):
        assert from_notice.day_type(day) is from_package.day_type(day), day


def test_package_years_keep_the_package_day_types() -> None:
    """The package's data regrouped into festival periods still answers every day as the
    package does (2004 to its last year)."""
    calendar = HolidayCalendar()
    for year in range(2004, 2027):
        for day in days(date(year, 1, 1), date(year, 12, 31)):
            working = chinese_calendar.is_workday(day)
            weekend = day.weekday() >= 5
            _, name = chinese_calendar.get_holiday_detail(day)
            if working:
                expected = DayType.MAKEUP_WORKDAY if weekend else DayType.WORKDAY
            else:
                expected = DayType.HOLIDAY if (name or not weekend) else DayType.WEEKEND
            assert calendar.day_type(day) is expected, day


def _half_width(text: str) -> str:
    return text.translate(str.maketrans("：（），", ":(),"))


def _traditional(text: str) -> str:
    return (
        text.replace("节", "節").replace("国庆", "國慶").replace("劳动", "勞動").replace("调", "調")
    )


def _unnumbered(text: str) -> str:
    """As news sites repost it: "元旦：1月1日…", without "一、" and the indentation."""
    return re.sub(r"^\s*[一二三四五六七]、", "", text, flags=re.MULTILINE)


@pytest.mark.parametrize(
    "variant",
    [_half_width, _traditional, _unnumbered, lambda t: t.replace("周", "星期")],
    ids=["half-width", "traditional", "unnumbered", "xingqi"],
)
def test_reposted_shapes_read_the_same(variant) -> None:
    assert parse_notice(variant(notice(2026))).festivals == package_year(2026).festivals


def test_year_given_must_match_the_notice() -> None:
    assert parse_notice(notice(2025), 2025).year == 2025
    with pytest.raises(NoticeError, match="this is the notice for 2025, not 2026"):
        parse_notice(notice(2025), 2026)
    lines = "\n".join(line for line in notice(2025).splitlines() if "、" in line[:8])
    with pytest.raises(NoticeError, match="cannot tell the year"):
        parse_notice(lines.replace("现将2025年", ""))
    # A text without its title is read when the year is given.
    body = "\n".join(line for line in notice(2026).splitlines() if "日" in line and "、" in line)
    assert parse_notice(body.replace("现将2026年", "现将"), 2026).year == 2026


def _edit(old: str, new: str, year: int = 2026) -> str:
    text = notice(year)
    assert old in text
    return text.replace(old, new)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "cannot tell the year"),
        ("国务院办公厅关于2026年部分节假日安排的通知\n正文另行发布。", "no festival lines found"),
        (
            _edit("1月1日（周四）", "1月1日（周五）"),
            "2026-01-01 is a 周四, but the notice says 周五",
        ),
        (_edit("共9天", "共8天"), "is 9 days, but the notice says 共8天"),
        (_edit("2月14日（周六）、", "2月30日（周六）、"), "2月30日 is not a date"),
        (_edit("五、端午节", "五、端五节"), "'端五节' is not one of the festivals"),
        (_edit("六、中秋节", "六、端午节"), "端午节 is listed twice (first on line"),
        (_edit("共3天。1月4日（周日）上班", "共3天，不调休。1月4日（周日）上班"), "says 不调休"),
        (
            _edit("三、清明节：4月4日（周六）至6日（周一）放假，共3天。", "三、清明节：另行通知。"),
            "no holiday dates found for 清明节",
        ),
        (
            _edit("4月4日（周六）至6日（周一）", "4月6日（周一）至4日（周六）"),
            "ends (2026-04-04) before it begins",
        ),
        (
            _edit("5月1日（周五）至5日（周二）", "5月1日（周五）、3日至5日（周二）"),
            "expected one day or a range",
        ),
        (notice(2025) + notice(2026), "more than one year (2025, 2026)"),
    ],
    ids=[
        "empty",
        "no-lines",
        "weekday",
        "count",
        "no-such-date",
        "unknown-festival",
        "twice",
        "no-makeup-yet-makeup",
        "no-dates",
        "backwards",
        "three-dates",
        "two-notices",
    ],
)
def test_malformed_notices_are_refused_with_the_line(text: str, message: str) -> None:
    with pytest.raises(NoticeError) as raised:
        parse_notice(text)
    assert message in str(raised.value)


def test_a_missing_festival_line_reads_but_fails_the_year_checks() -> None:
    text = "\n".join(line for line in notice(2026).splitlines() if "端午节：" not in line)
    problems = [p for p in year_problems(parse_notice(text)) if p.error]
    assert [(p.key, p.message.split(":")[0]) for p in problems] == [("holiday", "missing 端午节")]
