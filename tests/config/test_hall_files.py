"""Loading hall profiles: every mistake names the file and the key."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kiosk.config import (
    ConfigError,
    config_dir,
    load_calendar,
    load_hall_file,
    load_halls,
)
from kiosk.domain.calendar import DayType
from tests.calendar_fixtures import write_2027

SHIPPED = config_dir() / "halls"
HALL_IDS = {
    "xixia",
    "pinggu-district",
    "pinggu-township",
    "pinggu-marriage",
    "pinggu-tax",
    "pinggu-household",
    "pinggu-traffic",
    "pinggu-exit-entry",
    "pinggu-housing-fund",
}


def test_nine_shipped_halls_load() -> None:
    halls = load_halls()
    assert set(halls) == HALL_IDS
    for hall in halls.values():
        assert hall.name_zh and hall.name_en
        assert hall.services and hall.windows
        # every ticket says where to go: each window stands in a named area, in both languages
        for window in hall.windows:
            assert window.area_zh and window.area_en, (hall.id, window.number)


def _broken(tmp_path: Path, old: str, new: str, name: str = "xixia") -> Path:
    text = (SHIPPED / f"{name}.toml").read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / f"{name}.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("natural_extension = true", "natural_extention = true", "natural_extention: unknown key"),
        ('hours = ["12:00-14:30"]', 'hours = ["14:30-12:00"]', "extended[0].hours[0]"),
        ('hours = ["12:00-14:30"]', 'hours = ["11:00-14:30"]', "overlaps regular[0].hours[0]"),
        ('days = ["sat"]', 'days = ["saturday"]', "weekend[0].days[0]: unknown weekday 'saturday'"),
        ('prefix = "B"', 'prefix = "A"', "two services share a ticket prefix"),
        ('services = ["tax", "consultation"]', 'services = ["taxes"]', "windows[6].services"),
        ('category = "on_the_spot"', 'category = "quick"', "services[1].category"),
        (
            'lead = { kind = "hours_before", hours = 24 }',
            'lead = { kind = "hours_before" }',
            "booking.lead",
        ),
    ],
)
def test_mistakes_name_file_and_key(tmp_path: Path, old: str, new: str, expected: str) -> None:
    path = _broken(tmp_path, old, new)
    with pytest.raises(ConfigError) as raised:
        load_hall_file(path)
    message = str(raised.value)
    assert str(path) in message
    assert expected in message


def test_period_ending_before_it_starts_says_so(tmp_path: Path) -> None:
    path = _broken(tmp_path, 'hours = ["12:00-14:30"]', 'hours = ["14:30-12:00"]')
    with pytest.raises(ConfigError, match="ends before it starts"):
        load_hall_file(path)


def test_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "xixia.toml"
    path.write_text('id = "xixia"\nname_zh = \n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"xixia.toml: not valid TOML: .*line 2"):
        load_hall_file(path)


def test_id_must_match_file_name(tmp_path: Path) -> None:
    path = tmp_path / "other.toml"
    shutil.copy(SHIPPED / "xixia.toml", path)
    with pytest.raises(ConfigError, match="must match the file name"):
        load_hall_file(path)


def test_a_hall_is_added_with_one_file(tmp_path: Path) -> None:
    (tmp_path / "halls").mkdir()
    for name in ("xixia", "pinggu-township"):
        shutil.copy(SHIPPED / f"{name}.toml", tmp_path / "halls")
    text = (SHIPPED / "pinggu-township.toml").read_text(encoding="utf-8")
    text = text.replace('id = "pinggu-township"', 'id = "pinggu-yukou"').replace(
        'name_zh = "平谷区乡镇（街道）政务服务中心"', 'name_zh = "峪口镇政务服务中心"'
    )
    (tmp_path / "halls" / "pinggu-yukou.toml").write_text(text, encoding="utf-8")
    halls = load_halls(tmp_path)
    assert halls["pinggu-yukou"].name_zh == "峪口镇政务服务中心"


def test_calendar_year_file_and_closures(tmp_path: Path) -> None:
    (tmp_path / "halls").mkdir()
    calendar_dir = tmp_path / "calendar"
    write_2027(calendar_dir)
    (calendar_dir / "closures.toml").write_text(
        '[[closure]]\ndate = "2027-03-02"\nhalls = ["xixia"]\nreason_zh = "停电"\n',
        encoding="utf-8",
    )
    from datetime import date

    calendar = load_calendar(tmp_path)
    assert calendar.day_type(date(2027, 1, 1)) is DayType.HOLIDAY
    assert calendar.day_type(date(2027, 2, 20)) is DayType.MAKEUP_WORKDAY
    assert calendar.closure(date(2027, 3, 2), "xixia") is not None
