"""The calendar files a hall maintains: one ``<year>.toml`` per year, and ``closures.toml``.

They live in the shipped ``config/calendar/`` and, on a deployed hall, in a directory of the
hall's own (``calendar_dir`` in the device settings, or ``$KIOSK_CALENDAR_DIR``), so adding
next year's holidays needs no write into the installed package. A year in the hall's directory
wins over the shipped one, except that a provisional draft never hides an official year.

A year file holds what the State Council's notice states, festival by festival::

    year = 2099
    source = "国务院办公厅关于2099年部分节假日安排的通知"
    # provisional = true      # drafted before the notice: shown as 暂定 until replaced

    [[holiday]]
    name = "春节"
    dates = ["2099-01-20", "2099-01-21", …]   # every rest day, weekends included
    makeup_workdays = ["2099-01-18"]           # Saturdays/Sundays worked instead (调休上班)

Every file is checked when it is loaded (``year_problems``): a wrong file is refused with its
path and key, never half-used.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from datetime import date
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from kiosk.config import ConfigError, config_dir, read_toml
from kiosk.domain.calendar import (
    CALENDAR_DIR_HINT,
    Festival,
    HolidayCalendar,
    LocalClosure,
    YearCalendar,
    year_problems,
)

CALENDAR_DIR_ENV = "KIOSK_CALENDAR_DIR"
_YEAR_KEYS = ("year", "source", "provisional", "holiday")
_HOLIDAY_KEYS = ("name", "dates", "makeup_workdays")


def hall_calendar_dir() -> Path | None:
    """The hall's own calendar directory: ``$KIOSK_CALENDAR_DIR``, else ``calendar_dir`` of
    the device settings, else none (only the shipped files)."""
    override = os.environ.get(CALENDAR_DIR_ENV)
    if override:
        return Path(override)
    from kiosk.settings import device_config_path

    path = device_config_path()
    if not path.exists():
        return None
    value = read_toml(path).get("calendar_dir")
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{path}: calendar_dir: expected a directory path")
    return Path(value.strip())


def shipped_calendar_dir(directory: Path | None = None) -> Path:
    return (directory or config_dir()).resolve() / "calendar"


def load_calendar(directory: Path | None = None) -> HolidayCalendar:
    """The holiday calendar: the package's years, the shipped files of ``directory`` (the
    configuration directory) and the hall's own directory, with the local closures of both."""
    hall_dir = hall_calendar_dir()
    return _load_calendar(shipped_calendar_dir(directory), hall_dir.resolve() if hall_dir else None)


def clear_cache() -> None:
    """Forget the loaded files (after ``kiosk calendar import`` wrote one)."""
    _load_calendar.cache_clear()


@cache
def _load_calendar(shipped: Path, hall_dir: Path | None) -> HolidayCalendar:
    years = year_files(shipped)
    closures = load_closures(shipped / "closures.toml")
    if hall_dir is not None:
        for year, calendar in year_files(hall_dir).items():
            current = years.get(year)
            if current is None or current.provisional or not calendar.provisional:
                years[year] = calendar
        closures += load_closures(hall_dir / "closures.toml")
    return HolidayCalendar(years, closures, import_hint(shipped, hall_dir))


def import_hint(shipped: Path, hall_dir: Path | None) -> str:
    """Where a missing year's file goes, as messages name it."""
    if hall_dir is not None:
        return str(hall_dir)
    try:
        default = shipped_calendar_dir()
    except ConfigError:
        default = None
    return CALENDAR_DIR_HINT if shipped == default else str(shipped)


def year_files(directory: Path) -> dict[int, YearCalendar]:
    years: dict[int, YearCalendar] = {}
    if directory.is_dir():
        for path in sorted(directory.glob("[0-9][0-9][0-9][0-9].toml")):
            calendar = load_year_file(path)
            years[calendar.year] = calendar
    return years


def _parse_day(path: Path, key: str, value: Any) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(f"{path}: {key}: {value!r} is not a date (YYYY-MM-DD)") from None


def _day_list(path: Path, key: str, value: Any) -> tuple[date, ...]:
    if not isinstance(value, list):
        raise ConfigError(f"{path}: {key}: expected a list of dates")
    return tuple(_parse_day(path, f"{key}[{i}]", item) for i, item in enumerate(value))


def load_year_file(path: Path) -> YearCalendar:
    """A year's official holidays and make-up working days, checked as a notice would state
    them; every problem is reported with the file and the key."""
    return _year_from(read_toml(path), path)


def _year_from(data: dict[str, Any], path: Path) -> YearCalendar:
    for key in data:
        if key == "makeup_workdays":
            raise ConfigError(
                f"{path}: makeup_workdays: list each festival's make-up working days in its "
                "[[holiday]] table (makeup_workdays = [...])"
            )
        if key not in _YEAR_KEYS:
            raise ConfigError(f"{path}: {key}: unknown key; allowed: {', '.join(_YEAR_KEYS)}")
    year = data.get("year")
    if not isinstance(year, int) or str(year) != path.stem:
        raise ConfigError(f"{path}: year: must be the year {path.stem} of the file name")
    provisional = data.get("provisional", False)
    if not isinstance(provisional, bool):
        raise ConfigError(f"{path}: provisional: expected true or false")
    entries = data.get("holiday", [])
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: holiday: expected [[holiday]] tables")
    festivals = [_festival(path, f"holiday[{i}]", entry) for i, entry in enumerate(entries)]
    calendar = YearCalendar(
        year,
        tuple(festivals),
        str(data.get("source", "")),
        origin=str(path),
        from_file=True,
        provisional=provisional,
    )
    errors = [p for p in year_problems(calendar) if p.error]
    if errors:
        raise ConfigError("\n".join(f"{path}: {p.key}: {p.message}" for p in errors))
    return calendar


def _festival(path: Path, key: str, entry: Any) -> Festival:
    if not isinstance(entry, dict) or "name" not in entry or "dates" not in entry:
        raise ConfigError(f"{path}: {key}: needs 'name' and 'dates'")
    unknown = sorted(set(entry) - set(_HOLIDAY_KEYS))
    if unknown:
        raise ConfigError(
            f"{path}: {key}.{unknown[0]}: unknown key; allowed: {', '.join(_HOLIDAY_KEYS)}"
        )
    if not isinstance(entry["name"], str):
        raise ConfigError(f"{path}: {key}.name: expected the festival's name")
    return Festival(
        entry["name"].strip(),
        _day_list(path, f"{key}.dates", entry["dates"]),
        _day_list(path, f"{key}.makeup_workdays", entry.get("makeup_workdays", [])),
    )


def load_closures(path: Path) -> tuple[LocalClosure, ...]:
    if not path.exists():
        return ()
    data = read_toml(path)
    closures = []
    for key in data:
        if key != "closure":
            raise ConfigError(f"{path}: {key}: unknown key; use [[closure]] tables")
    for index, entry in enumerate(data.get("closure", [])):
        key = f"closure[{index}]"
        unknown = set(entry) - {"date", "halls", "reason_zh", "reason_en"}
        if unknown:
            raise ConfigError(f"{path}: {key}.{sorted(unknown)[0]}: unknown key")
        if "date" not in entry or "reason_zh" not in entry:
            raise ConfigError(f"{path}: {key}: needs 'date' and 'reason_zh'")
        halls = entry.get("halls")
        closures.append(
            LocalClosure(
                _parse_day(path, f"{key}.date", entry["date"]),
                str(entry["reason_zh"]),
                str(entry.get("reason_en", "")),
                frozenset(halls) if halls is not None else None,
            )
        )
    return tuple(closures)


def _toml_string(text: str) -> str:
    # A JSON string with non-ASCII kept is a valid TOML basic string.
    return json.dumps(text, ensure_ascii=False)


def _toml_dates(days: Iterable[date]) -> str:
    return "[" + ", ".join(f'"{day.isoformat()}"' for day in days) + "]"


def year_file_text(calendar: YearCalendar) -> str:
    """The file for a year, in the layout ``load_year_file`` reads (same input, same bytes)."""
    lines = [
        f"# {calendar.year}年部分节假日安排 — statutory holidays and make-up working days of "
        f"{calendar.year}.",
        "# Written by `kiosk calendar import` from the notice named in `source`; check it with",
        f"# `kiosk calendar show --year {calendar.year}`. Each [[holiday]]: every rest day of the",
        "# period (weekends included) and the Saturdays/Sundays worked instead (调休上班).",
        f"year = {calendar.year}",
        f"source = {_toml_string(calendar.source)}",
    ]
    if calendar.provisional:
        lines.append("provisional = true")
    for festival in calendar.festivals:
        lines += [
            "",
            "[[holiday]]",
            f"name = {_toml_string(festival.name)}",
            f"dates = {_toml_dates(festival.dates)}",
        ]
        if festival.makeup_workdays:
            lines.append(f"makeup_workdays = {_toml_dates(festival.makeup_workdays)}")
    return "\n".join(lines) + "\n"


class WriteOutcome(StrEnum):
    CREATED = "created"
    REPLACED = "replaced"
    UNCHANGED = "unchanged"


def write_year_file(
    calendar: YearCalendar, directory: Path, *, replace: bool = False
) -> tuple[Path, WriteOutcome]:
    """Write the year's file safely: a provisional draft is replaced, an identical file left
    alone, a different official file kept unless ``replace``; the new file is read back and
    checked before it takes the old one's place (a crash leaves the old file or the new one)."""
    path = directory / f"{calendar.year}.toml"
    outcome = WriteOutcome.CREATED
    if path.exists():
        outcome = WriteOutcome.REPLACED
        try:
            existing: YearCalendar | None = load_year_file(path)
        except ConfigError:
            existing = None  # a broken file is replaced only when asked to
        if (
            existing is not None
            and existing.festivals == calendar.festivals
            and existing.provisional == calendar.provisional
        ):
            return path, WriteOutcome.UNCHANGED
        if not replace and (existing is None or not existing.provisional):
            raise ConfigError(
                f"{path}: already holds {calendar.year}'s calendar "
                f"({'unreadable' if existing is None else 'different from this one'}); "
                "pass --replace to overwrite it"
            )
    temporary = directory / f".{calendar.year}.toml.{os.getpid()}.tmp"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        temporary.write_text(year_file_text(calendar), encoding="utf-8")
    except OSError as error:
        raise ConfigError(
            f"{directory}: cannot write {path.name}: {error.strerror}; set calendar_dir in the "
            "device settings to a directory the hall may write (or pass --dir)"
        ) from None
    try:
        checked = _year_from(read_toml(temporary), path)
        if checked.festivals != calendar.festivals:  # pragma: no cover - writer/reader drift
            raise ConfigError(f"{path}: the written file does not read back the same")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    clear_cache()
    return path, outcome
