"""Calendar year files: checked for content with file and key named, provisional drafts, the
hall's own directory, and writes that never leave a half-written or silently replaced file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from kiosk.calendar_files import (
    WriteOutcome,
    clear_cache,
    load_calendar,
    load_year_file,
    write_year_file,
    year_file_text,
)
from kiosk.config import ConfigError
from kiosk.domain.calendar import DayType, package_year
from kiosk.settings import settings_from
from tests.calendar_fixtures import FICTITIOUS_2027, write_2027


def test_fictitious_2027_loads_and_answers(tmp_path: Path) -> None:
    year = load_year_file(write_2027(tmp_path))
    assert year.from_file and not year.provisional and year.origin == str(tmp_path / "2027.toml")
    assert year.festivals[0].name == "元旦"
    draft = load_year_file(write_2027(tmp_path / "draft", provisional=True))
    assert draft.provisional and draft.festivals == year.festivals


def _variant(old: str, new: str) -> str:
    text = FICTITIOUS_2027.format(provisional="")
    assert old in text
    return text.replace(old, new)


@pytest.mark.parametrize(
    ("text", "key", "message"),
    [
        (_variant('name = "端午节"', 'name = "端五节"'), "holiday[4].name", "'端五节' is not a"),
        (
            _variant('name = "端午节"\ndates = ["2027-06-09"]\n', 'name = "中秋节"\ndates = []\n'),
            "holiday[5].name",
            "中秋节 is also listed at holiday[4]",
        ),
        (_variant('"2027-06-09"', '"2026-06-09"'), "holiday[4].dates[0]", "not in 2027"),
        (
            _variant('"2027-04-25"', '"2027-04-26"'),
            "holiday[3].makeup_workdays[0]",
            "2027-04-26 is a 周一: make-up working days (调休上班) are Saturdays or Sundays",
        ),
        (
            _variant('"2027-04-25"', '"2027-05-02"'),
            "holiday[3].makeup_workdays[0]",
            "both a holiday and a make-up day",
        ),
        (
            _variant('"2027-09-15"', '"2027-09-15", "2027-09-16", "2027-09-17", "2027-09-18"'),
            "holiday[5].dates",
            "中秋节 lists 4 day(s); a 中秋节 period has 1 to 3",
        ),
        (
            _variant('"2027-04-03", "2027-04-04", ', '"2027-04-03", '),
            "holiday[2].dates",
            "not consecutive days: nothing listed after 2027-04-03",
        ),
        (
            _variant('[[holiday]]\nname = "端午节"\ndates = ["2027-06-09"]\n', ""),
            "holiday",
            "missing 端午节",
        ),
        (
            _variant("year = 2027", 'year = 2027\nmakeup_workdays = ["2027-01-30"]'),
            "makeup_workdays",
            "in its [[holiday]] table",
        ),
        (_variant("year = 2027", "year = 2027\nholidays = []"), "holidays", "unknown key"),
        (_variant("year = 2027", "year = 2027\nprovisional = 1"), "provisional", "true or false"),
        (_variant("year = 2027", "year = 2028"), "year", "must be the year 2027"),
        (
            _variant('name = "元旦"', 'name = "元旦"\nfrom = "2027-01-01"'),
            "holiday[0].from",
            "unknown key",
        ),
        (_variant('"2027-06-09"', '"2027-06-31"'), "holiday[4].dates[0]", "is not a date"),
    ],
    ids=[
        "unknown-festival",
        "festival-twice",
        "outside-the-year",
        "makeup-on-a-weekday",
        "holiday-and-makeup",
        "too-long",
        "gap",
        "festival-missing",
        "old-top-level-makeup",
        "unknown-key",
        "provisional-not-bool",
        "year-mismatch",
        "unknown-holiday-key",
        "no-such-date",
    ],
)
def test_a_wrong_year_file_is_refused_with_file_and_key(
    tmp_path: Path, text: str, key: str, message: str
) -> None:
    path = tmp_path / "2027.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_year_file(path)
    assert f"{path}: {key}: " in str(raised.value)
    assert message in str(raised.value)


def test_new_year_may_begin_in_the_previous_december_but_nothing_else(tmp_path: Path) -> None:
    path = tmp_path / "2027.toml"
    path.write_text(_variant('["2027-01-01", ', '["2026-12-31", "2027-01-01", '), encoding="utf-8")
    with pytest.raises(ConfigError, match="元旦 lists 4 day"):  # still a plausible length
        load_year_file(path)
    path.write_text(
        _variant('["2027-01-01", "2027-01-02", "2027-01-03"]', '["2026-12-31", "2027-01-01"]'),
        encoding="utf-8",
    )
    assert load_year_file(path).festivals[0].dates[0] == date(2026, 12, 31)
    path.write_text(_variant('"2027-10-01", ', '"2026-10-01", '), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"holiday\[6\]\.dates\[0\]: 2026-10-01 is not in 2027"):
        load_year_file(path)


def test_the_hall_directory_adds_years_and_a_draft_never_hides_an_official_year(
    tmp_path: Path,
    hall_calendar_dir: Path,
) -> None:
    config = tmp_path / "config"
    (config / "calendar").mkdir(parents=True)
    write_2027(hall_calendar_dir, provisional=True)
    calendar = load_calendar(config)
    assert calendar.directory_hint == str(hall_calendar_dir.resolve())
    assert calendar.info(date(2027, 1, 4)).provisional  # only the hall's draft: used, 暂定
    write_2027(config / "calendar")  # an official year shipped with a release
    clear_cache()
    assert not load_calendar(config).year(2027).provisional  # the draft does not hide it
    write_2027(hall_calendar_dir)  # the hall imports the notice itself
    (config / "calendar" / "2027.toml").write_text(
        FICTITIOUS_2027.format(provisional="provisional = true"), encoding="utf-8"
    )
    clear_cache()
    calendar = load_calendar(config)
    assert calendar.year(2027).origin == str(hall_calendar_dir.resolve() / "2027.toml")
    assert calendar.day_type(date(2027, 1, 1)) is DayType.HOLIDAY


def test_calendar_dir_comes_from_the_device_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KIOSK_CALENDAR_DIR", raising=False)
    hall_dir = tmp_path / "var-lib" / "calendar"
    write_2027(hall_dir)
    device = tmp_path / "device.toml"
    device.write_text(f'hall = "xixia"\ncalendar_dir = "{hall_dir}"\n', encoding="utf-8")
    monkeypatch.setenv("KIOSK_DEVICE_CONFIG", str(device))
    assert load_calendar().knows(2027)
    settings = settings_from({"calendar_dir": str(hall_dir)}, device)
    assert settings.calendar_dir == hall_dir
    device.write_text("calendar_dir = 7\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="calendar_dir: expected a directory path"):
        load_calendar()


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_a_written_year_reads_back_the_same(tmp_path: Path, year: int) -> None:
    packaged = package_year(year)
    assert packaged is not None
    path, outcome = write_year_file(packaged, tmp_path)
    assert outcome is WriteOutcome.CREATED
    assert load_year_file(path).festivals == packaged.festivals
    assert year_file_text(load_year_file(path)) == path.read_text(encoding="utf-8")


def test_writing_is_safe(tmp_path: Path) -> None:
    official = load_year_file(write_2027(tmp_path / "official"))
    draft = load_year_file(write_2027(tmp_path / "draft", provisional=True))
    target = tmp_path / "hall"
    assert write_year_file(draft, target)[1] is WriteOutcome.CREATED
    assert write_year_file(draft, target)[1] is WriteOutcome.UNCHANGED
    assert write_year_file(official, target)[1] is WriteOutcome.REPLACED  # the draft gives way
    assert not load_year_file(target / "2027.toml").provisional
    assert write_year_file(official, target)[1] is WriteOutcome.UNCHANGED
    other = load_year_file(_write(tmp_path / "other", _variant('"2027-04-25"', '"2027-05-08"')))
    before = (target / "2027.toml").read_bytes()
    with pytest.raises(ConfigError, match=r"already holds 2027's calendar .*pass --replace"):
        write_year_file(other, target)
    assert (target / "2027.toml").read_bytes() == before  # kept as it was
    assert write_year_file(other, target, replace=True)[1] is WriteOutcome.REPLACED
    assert load_year_file(target / "2027.toml").festivals == other.festivals
    assert sorted(p.name for p in target.iterdir()) == ["2027.toml"]  # no temporary left
    blocked = tmp_path / "a-file"
    blocked.write_text("x", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"cannot write 2027\.toml.*calendar_dir"):
        write_year_file(official, blocked / "calendar")


def _write(directory: Path, text: str) -> Path:
    directory.mkdir(parents=True)
    path = directory / "2027.toml"
    path.write_text(text, encoding="utf-8")
    return path
