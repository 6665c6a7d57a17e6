"""``kiosk calendar import`` and ``kiosk calendar show``: the yearly holiday upkeep.

Each autumn or winter the State Council publishes the next year's holidays
(国务院办公厅关于<year>年部分节假日安排的通知). The hall's IT staff paste its text into
``kiosk calendar import``; the command reads every festival line, checks the result (seven
festivals, dates, weekdays, make-up days on weekends, lengths), shows it as a table to confirm
against the published notice, and writes ``<year>.toml`` into the hall's calendar directory
(``calendar_dir`` of the device settings) or the shipped ``config/calendar``.
``kiosk calendar show`` prints a year as the system sees it and where each fact comes from.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from kiosk.app.cli.common import CliError, CommandFailed, add_json_flag, print_json
from kiosk.domain.calendar import (
    WEEKDAY_NAMES_ZH,
    Festival,
    HolidayCalendar,
    LocalClosure,
    UnknownYear,
    YearCalendar,
    year_problems,
)
from kiosk.errors import ExitCode


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    calendar = subparsers.add_parser(
        "calendar", help="statutory holidays: import next year's notice, show a year"
    )
    commands = calendar.add_subparsers(dest="calendar_command", required=True, metavar="ACTION")

    imports = commands.add_parser(
        "import",
        help="read the State Council's holiday notice and write <year>.toml",
        description="Paste the notice's text (国务院办公厅关于<year>年部分节假日安排的通知) on "
        "stdin, or name a text file; the year's holidays are shown to confirm, then written.",
    )
    imports.add_argument("file", nargs="?", default="-", help="the notice as text (default: stdin)")
    imports.add_argument("--year", type=int, help="the year (checked against the notice's title)")
    imports.add_argument("--dir", type=Path, help="write here (default: the hall's calendar_dir)")
    imports.add_argument(
        "--replace", action="store_true", help="overwrite a different, non-provisional file"
    )
    imports.add_argument("--yes", action="store_true", help="write without asking")
    imports.add_argument("--dry-run", action="store_true", help="show the result, write nothing")
    add_json_flag(imports)
    imports.set_defaults(handler=run_import)

    show = commands.add_parser("show", help="a year's holidays and make-up days, with sources")
    show.add_argument("--year", type=int, help="the year (default: this year)")
    add_json_flag(show)
    show.set_defaults(handler=run_show)


def _read_text(name: str) -> str:
    """The notice as pasted or saved: UTF-8 (with or without BOM), or GB18030 as Chinese
    Windows editors save it."""
    try:
        data = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
    except OSError as error:
        raise CliError(f"{name}: cannot be read: {error.strerror}") from None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CliError(f"{name}: neither UTF-8 nor GB18030 text")


def target_dir(override: Path | None) -> Path:
    from kiosk.calendar_files import hall_calendar_dir, shipped_calendar_dir

    return override or hall_calendar_dir() or shipped_calendar_dir()


def run_import(args: argparse.Namespace) -> int:
    from kiosk.calendar_files import write_year_file
    from kiosk.domain.holiday_notice import NoticeError, parse_notice

    if args.json and not (args.yes or args.dry_run):
        raise CliError("--json needs --yes (write) or --dry-run (only show)")
    try:
        calendar = parse_notice(_read_text(args.file), args.year)
    except NoticeError as error:
        raise CliError(f"the notice cannot be read: {error}") from None
    problems = year_problems(calendar)
    errors = [f"{p.key}: {p.message}" for p in problems if p.error]
    if errors:
        raise CliError("the notice as read is not a complete year: " + "; ".join(errors))
    warnings = [f"{p.key}: {p.message}" for p in problems if not p.error]
    directory = target_dir(args.dir)
    path = directory / f"{calendar.year}.toml"
    if not args.json:
        print(calendar.source)
        print(festival_table(calendar))
        for warning in warnings:
            print(f"! {warning}")
        print(f"→ {path}")
    outcome = None
    if not args.dry_run:
        if not args.yes and not _confirm(f"写入 write {path}? [y/N] ", args.file != "-"):
            print("未写入 / not written", file=sys.stderr)
            return ExitCode.FAILED
        written, outcome = write_year_file(calendar, directory, replace=args.replace)
        if not args.json:
            print(f"{outcome.value}: {written}")
            print(
                f"check it with `kiosk calendar show --year {calendar.year}`, then restart the "
                "hall's roles (kiosk, display, staff, sync, central) so they read it"
            )
    if args.json:
        document = year_document(calendar)
        document.update(
            file=str(path),
            outcome=outcome.value if outcome else "dry_run",
            warnings=warnings,
        )
        print_json(document)
    return ExitCode.OK


def _confirm(question: str, stdin_free: bool) -> bool:
    """Ask on the terminal: stdin when the notice came from a file, else /dev/tty."""
    stream: TextIO | None = sys.stdin if stdin_free else None
    opened = None
    if stream is None:
        try:
            opened = stream = open("/dev/tty", encoding="utf-8")  # noqa: SIM115 - closed below
        except OSError:
            raise CliError(
                "no terminal to confirm on (the notice came from stdin): check the table and "
                "run again with --yes, or with --dry-run to only show it"
            ) from None
    try:
        print(question, end="", file=sys.stderr, flush=True)
        answer = stream.readline().strip().lower()
    finally:
        if opened is not None:
            opened.close()
    return answer in ("y", "yes", "是", "确认")


def _day(day: date, year: int) -> str:
    text = day.isoformat() if day.year != year else f"{day:%m-%d}"
    return f"{text} {WEEKDAY_NAMES_ZH[day.weekday()]}"


def _span(festival: Festival, year: int) -> str:
    if not festival.dates:
        return "—"
    first, last = festival.dates[0], festival.dates[-1]
    if first == last:
        return _day(first, year)
    return f"{_day(first, year)} — {_day(last, year)}"


def festival_table(calendar: YearCalendar) -> str:
    """The year as the notice states it, one festival a line, to read against the notice."""
    rows = [("节日 festival", "放假 rest days", "天数 days", "调休上班 make-up working days")]
    for festival in calendar.festivals:
        makeup = "、".join(_day(d, calendar.year) for d in festival.makeup_workdays) or "—"
        rows.append(
            (festival.name, _span(festival, calendar.year), str(len(festival.dates)), makeup)
        )
    widths = [max(_width(row[i]) for row in rows) for i in range(3)]
    return "\n".join(
        "  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3]
        for row in rows
    )


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def year_document(calendar: YearCalendar) -> dict[str, Any]:
    return {
        "year": calendar.year,
        "source": calendar.source,
        "festivals": [
            {
                "name": f.name,
                "dates": [d.isoformat() for d in f.dates],
                "makeup_workdays": [d.isoformat() for d in f.makeup_workdays],
            }
            for f in calendar.festivals
        ],
    }


def _origin(calendar: YearCalendar) -> str:
    kind = "file" if calendar.from_file else "package"
    text = f"{calendar.origin} ({kind})"
    if calendar.provisional:
        text += " · 暂定 provisional: drafted before the notice; replace it with "
        text += "`kiosk calendar import` once the notice is published"
    return text


def _closures(calendar: HolidayCalendar, year: int) -> list[LocalClosure]:
    return [c for c in calendar.closures if c.day.year == year]


def run_show(args: argparse.Namespace) -> int:
    from kiosk.clock import HallClock
    from kiosk.config import load_calendar

    calendar = load_calendar()
    year = args.year or HallClock().now().year
    try:
        found = calendar.year(year)
    except UnknownYear as error:
        if args.json:
            print_json({"year": year, "known": False, "fix": str(error)})
            return ExitCode.FAILED
        raise CommandFailed(f"{year}: 节假日安排未发布 / no holiday data. {error}") from None
    closures = _closures(calendar, year)
    warnings = [f"{p.key}: {p.message}" for p in year_problems(found) if found.from_file]
    if args.json:
        document = year_document(found)
        document.update(
            known=True,
            origin=found.origin,
            kind="file" if found.from_file else "package",
            provisional=found.provisional,
            closures=[
                {
                    "date": c.day.isoformat(),
                    "halls": sorted(c.halls) if c.halls is not None else None,
                    "reason_zh": c.reason_zh,
                }
                for c in closures
            ],
            warnings=warnings,
        )
        print_json(document)
        return ExitCode.OK
    print(f"{year}年节假日安排 / statutory holidays of {year}")
    print(f"来源 origin: {_origin(found)}")
    if found.source:
        print(f"依据 notice: {found.source}")
    print(festival_table(found))
    for closure in closures:
        halls = "、".join(sorted(closure.halls)) if closure.halls is not None else "all halls"
        print(f"本地闭厅 closure: {_day(closure.day, year)}  {halls}  {closure.reason_zh}")
    for warning in warnings:
        print(f"! {warning}")
    return ExitCode.OK
