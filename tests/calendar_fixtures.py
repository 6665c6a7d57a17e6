"""A 2027 calendar file for tests, written into a temporary directory (never into config/).

The State Council's 2027 notice is not in any package here, so these dates are a FICTITIOUS
arrangement drafted by the test suite from the lunar calendar and the 2025 rules. They are not
the official 2027 holidays and must never be copied into a hall's configuration.
"""

from __future__ import annotations

from pathlib import Path

import pytest

FICTITIOUS_2027 = """\
# FICTITIOUS test arrangement, not the official 2027 holidays.
year = 2027
source = "测试用虚构安排（非官方）/ fictitious test arrangement"
{provisional}
[[holiday]]
name = "元旦"
dates = ["2027-01-01", "2027-01-02", "2027-01-03"]

[[holiday]]
name = "春节"
dates = ["2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08", "2027-02-09", "2027-02-10", \
"2027-02-11", "2027-02-12"]
makeup_workdays = ["2027-01-31", "2027-02-20"]

[[holiday]]
name = "清明节"
dates = ["2027-04-03", "2027-04-04", "2027-04-05"]

[[holiday]]
name = "劳动节"
dates = ["2027-05-01", "2027-05-02", "2027-05-03", "2027-05-04", "2027-05-05"]
makeup_workdays = ["2027-04-25"]

[[holiday]]
name = "端午节"
dates = ["2027-06-09"]

[[holiday]]
name = "中秋节"
dates = ["2027-09-15"]

[[holiday]]
name = "国庆节"
dates = ["2027-10-01", "2027-10-02", "2027-10-03", "2027-10-04", "2027-10-05", "2027-10-06", \
"2027-10-07"]
makeup_workdays = ["2027-09-26", "2027-10-09"]
"""


def write_2027(directory: Path, *, provisional: bool = False) -> Path:
    """``directory/2027.toml`` with the fictitious arrangement (``provisional = true`` if asked)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "2027.toml"
    flag = "provisional = true" if provisional else ""
    path.write_text(FICTITIOUS_2027.format(provisional=flag), encoding="utf-8")
    return path


#: The three calendars the year-boundary tests run under.
CALENDAR_CASES = ("no-2027", "2027", "provisional-2027")


@pytest.fixture
def hall_calendar_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty hall calendar directory ($KIOSK_CALENDAR_DIR) for this test."""
    directory = tmp_path / "hall-calendar"
    directory.mkdir()
    monkeypatch.setenv("KIOSK_CALENDAR_DIR", str(directory))
    return directory


def prepare(case: str, directory: Path) -> None:
    """Put the case's 2027 file (or none) into the hall's calendar directory."""
    if case != "no-2027":
        write_2027(directory, provisional=case == "provisional-2027")


@pytest.fixture(params=CALENDAR_CASES)
def calendar_case(request: pytest.FixtureRequest, hall_calendar_dir: Path) -> str:
    """Each of the three calendars: the hall's directory without 2027, with the fictitious
    2027 file, or with it marked provisional."""
    prepare(request.param, hall_calendar_dir)
    return str(request.param)
