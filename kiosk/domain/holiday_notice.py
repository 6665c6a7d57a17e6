"""Reading the State Council's yearly holiday notice (国务院办公厅关于<year>年部分节假日安排的通知).

The hall's IT staff paste the published text; this turns its festival lines into a year's
calendar. The notices are written in a few stable shapes, all read here::

    一、元旦：1月1日放假，与周末连休。                                    (2024)
    一、元旦：1月1日（周三）放假1天，不调休。                              (2025)
    二、春节：1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共8天。
        1月26日（周日）、2月8日（周六）上班。
    三、清明节：4月4日至6日放假调休，共3天。4月7日（星期日）上班。
    六、国庆节、中秋节：10月1日（周三）至8日（周三）放假调休，共8天。…
    一、元旦：2022年12月31日至2023年1月2日放假调休，共3天。

Full-width or half-width punctuation, 周 or 星期, traditional characters and a missing
"一、" all read the same. Everything the text states is checked against the dates: the weekday
in brackets, the "共N天" count, "不调休" against listed make-up days. A text that cannot be read
is refused with the line that failed; nothing is guessed. Pure text in, values out: no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from kiosk.domain.calendar import Festival, YearCalendar, build_year

NOTICE_TITLE = "国务院办公厅关于{year}年部分节假日安排的通知"

#: Traditional forms seen in reposts of the notice, mapped to the simplified ones.
_SIMPLIFIED = str.maketrans(
    {
        "節": "节",
        "勞": "劳",
        "動": "动",
        "國": "国",
        "慶": "庆",
        "週": "周",
        "調": "调",
        "關": "关",
        "於": "于",
        "務": "务",
        "辦": "办",
        "廳": "厅",
        "農": "农",
        "曆": "历",
        "臘": "腊",
        "與": "与",
        "連": "连",
    }
)
_FESTIVAL_NAMES = ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节")
_NAME = "(?:" + "|".join(_FESTIVAL_NAMES) + ")"
_NUMERAL = r"[一二三四五六七八九十]+\s*、"
_NUMBERED_LINE = re.compile(rf"^\s*{_NUMERAL}\s*(?P<names>[^:]{{1,30}}?)\s*:\s*(?P<body>.*)$")
_PLAIN_LINE = re.compile(rf"^\s*(?P<names>{_NAME}(?:\s*、\s*{_NAME})*)\s*:\s*(?P<body>.*)$")
_DATE = re.compile(
    r"(?:(?P<year>\d{4})\s*年\s*)?(?:(?P<month>\d{1,2})\s*月\s*)?(?P<day>\d{1,2})\s*日"
    r"(?:\s*\((?P<note>[^)]*)\))?"
)
_WEEKDAY = re.compile(r"(?:周|星期)([一二三四五六日天])")
_WEEKDAY_INDEX = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_COUNT = re.compile(r"共\s*(\d+)\s*天")
_YEAR_PATTERNS = (
    re.compile(r"关于(\d{4})年(?:部分)?节假日安排"),
    re.compile(r"现将(\d{4})年元旦"),
)
_DOCUMENT_NUMBER = re.compile(r"国办发明电〔\d{4}〕\d+号")
_EXAMPLE = "一、元旦：1月1日（周五）至3日（周日）放假，共3天。"


class NoticeError(ValueError):
    """The text cannot be read as the notice; the message names the line and what is wrong."""


@dataclass(frozen=True)
class _Line:
    number: int
    text: str

    def error(self, message: str) -> NoticeError:
        excerpt = self.text.strip()
        if len(excerpt) > 40:
            excerpt = excerpt[:40] + "…"
        return NoticeError(f"line {self.number} ({excerpt}): {message}")


def normalise(text: str) -> str:
    """Full-width punctuation and digits to ASCII (NFKC), traditional festival words to
    simplified; the ideographic comma 、 and full stop 。 stay as they are."""
    return unicodedata.normalize("NFKC", text).translate(_SIMPLIFIED)


def notice_year(text: str) -> int | None:
    """The year the notice is for, from its title or first sentence; None when absent."""
    flat = re.sub(r"\s+", "", normalise(text))
    years = {int(m.group(1)) for pattern in _YEAR_PATTERNS for m in pattern.finditer(flat)}
    if len(years) > 1:
        raise NoticeError(
            f"the text names more than one year ({', '.join(map(str, sorted(years)))}): "
            "paste one notice at a time"
        )
    return years.pop() if years else None


def parse_notice(text: str, year: int | None = None) -> YearCalendar:
    """The year's calendar as the notice states it (``source`` is its title and number).

    ``year`` confirms (or, for a text without its title, supplies) the year; a text for
    another year is refused rather than read into the wrong year.
    """
    found = notice_year(text)
    if found is not None and year is not None and found != year:
        raise NoticeError(f"this is the notice for {found}, not {year}")
    year = year or found
    if year is None:
        raise NoticeError(
            "cannot tell the year: paste the whole notice, title included "
            f"({NOTICE_TITLE.format(year='<year>')}), or give the year"
        )
    festivals: list[Festival] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(normalise(text).splitlines(), start=1):
        line = _Line(number, raw)
        match = _NUMBERED_LINE.match(raw) or _PLAIN_LINE.match(raw)
        if match is None:
            continue
        names = [n.strip() for n in match.group("names").split("、") if n.strip()]
        for name in names:
            if name not in _FESTIVAL_NAMES:
                raise line.error(
                    f"{name!r} is not one of the festivals a notice lists "
                    f"({'、'.join(_FESTIVAL_NAMES)})"
                )
            if name in seen:
                raise line.error(f"{name} is listed twice (first on line {seen[name]})")
            seen[name] = number
        festivals.append(_festival(line, "、".join(names), match.group("body"), year))
    if not festivals:
        raise NoticeError(
            f"no festival lines found: expected lines such as “{_EXAMPLE}” "
            f"(is this {NOTICE_TITLE.format(year=year)}?)"
        )
    flat = re.sub(r"\s+", "", normalise(text))
    source = NOTICE_TITLE.format(year=year)
    number_match = _DOCUMENT_NUMBER.search(flat)
    if number_match:
        source += f"（{number_match.group(0)}）"
    try:
        return build_year(year, festivals, source)
    except ValueError as error:
        raise NoticeError(str(error)) from None


def _festival(line: _Line, name: str, body: str, year: int) -> Festival:
    dates: list[date] | None = None
    makeup: list[date] = []
    no_makeup = "不调休" in body
    for sentence in (s.strip() for s in body.split("。")):
        if not sentence:
            continue
        if dates is None and "放假" in sentence:
            dates = _holiday_period(line, sentence.split("放假")[0], year)
            stated = _COUNT.search(sentence)
            if stated and int(stated.group(1)) != len(dates):
                raise line.error(
                    f"{dates[0]} to {dates[-1]} is {len(dates)} days, but the notice says "
                    f"共{stated.group(1)}天"
                )
        elif sentence.endswith("上班"):
            makeup += _dates(line, sentence, year)
    if dates is None:
        raise line.error(f"no holiday dates found for {name} (expected “…日至…日放假…”)")
    if makeup and no_makeup:
        raise line.error("says 不调休 (no make-up days) but lists days worked (上班)")
    return Festival(name, tuple(dates), tuple(sorted(makeup)))


def _holiday_period(line: _Line, text: str, year: int) -> list[date]:
    days = _dates(line, text, year)
    if not days:
        raise line.error("no date before 放假")
    if len(days) == 1:
        return days
    if len(days) > 2 or "至" not in text:
        raise line.error("expected one day or a range “…日至…日” before 放假")
    first, last = days
    if last < first:
        raise line.error(f"the period ends ({last}) before it begins ({first})")
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _dates(line: _Line, text: str, year: int) -> list[date]:
    """Every date written in ``text``; a day without its month takes the previous date's
    month ("2月10日至17日"), and a date without its year is in the notice's year, or the
    following one when it comes after a December date ("12月31日至1月2日")."""
    found: list[date] = []
    current_year, current_month = year, None
    for match in _DATE.finditer(text):
        if match.group("year"):
            current_year = int(match.group("year"))
        month = int(match.group("month")) if match.group("month") else current_month
        if month is None:
            raise line.error(f"{match.group(0)}: the month is missing")
        if found and not match.group("year") and month < found[-1].month:
            current_year = found[-1].year + 1
        current_month = month
        try:
            day = date(current_year, month, int(match.group("day")))
        except ValueError:
            raise line.error(f"{month}月{match.group('day')}日 is not a date") from None
        _check_weekday(line, day, match.group("note") or "")
        found.append(day)
    return found


def _check_weekday(line: _Line, day: date, note: str) -> None:
    stated = _WEEKDAY.search(note)
    if stated is None:
        return
    if _WEEKDAY_INDEX[stated.group(1)] != day.weekday():
        actual = "一二三四五六日"[day.weekday()]
        raise line.error(
            f"{day} is a 周{actual}, but the notice says {stated.group(0)}: "
            f"is this the notice for {day.year}?"
        )
