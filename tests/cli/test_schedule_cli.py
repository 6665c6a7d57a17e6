"""The JSON contract of `kiosk halls`, `kiosk hours` and `kiosk can-book`."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from kiosk.app.cli.main import main
from kiosk.config import load_halls

HALLS = sorted(load_halls())


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> object:
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_halls_json(capsys) -> None:
    document = run_json(capsys, "halls", "--json")
    assert isinstance(document, list) and len(document) == 9
    for entry in document:
        assert set(entry) == {"id", "name_zh", "name_en"}
    assert {
        "id": "xixia",
        "name_zh": "西峡县政务服务中心",
        "name_en": "Xixia County Government Service Centre",
    } in document


@pytest.mark.parametrize("hall_id", HALLS)
@pytest.mark.parametrize(
    "day",
    [
        "2026-11-23",
        "2026-11-28",
        "2026-11-29",
        "2026-10-03",
        "2026-10-05",
        "2026-10-10",
        "2026-09-20",
    ],
)
def test_hours_json_contract(capsys, hall_id: str, day: str) -> None:
    document = run_json(capsys, "hours", "--hall", hall_id, "--date", day, "--json")
    assert set(document) == {"hall", "date", "day", "natural_extension", "periods"}
    assert document["hall"] == hall_id and document["date"] == day
    assert document["day"] in {"workday", "makeup_workday", "weekend", "holiday"}
    assert isinstance(document["natural_extension"], bool)
    starts = []
    for period in document["periods"]:
        assert set(period) == {"start", "end", "kind", "walk_in", "booking_required"}
        assert re.fullmatch(r"\d\d:\d\d", period["start"]) and period["start"] < period["end"]
        assert period["kind"] in {"regular", "extended", "weekend"}
        starts.append(period["start"])
    assert starts == sorted(starts)


def test_hours_examples(capsys) -> None:
    holiday = run_json(
        capsys, "hours", "--hall", "pinggu-district", "--date", "2026-10-05", "--json"
    )
    assert holiday == {
        "hall": "pinggu-district",
        "date": "2026-10-05",
        "day": "holiday",
        "natural_extension": False,
        "periods": [],
    }
    saturday = run_json(capsys, "hours", "--hall", "xixia", "--date", "2026-11-28", "--json")
    assert saturday["periods"] == [
        {
            "start": "08:00",
            "end": "11:30",
            "kind": "weekend",
            "walk_in": False,
            "booking_required": True,
        },
        {
            "start": "15:00",
            "end": "17:30",
            "kind": "weekend",
            "walk_in": False,
            "booking_required": True,
        },
    ]


def test_week_notice_lists_every_day(capsys) -> None:
    assert main(["hours", "--hall", "pinggu-marriage", "--week", "--date", "2026-10-01"]) == 0
    text = capsys.readouterr().out
    for day in ("09-28", "09-29", "09-30", "10-01", "10-02", "10-03", "10-04"):
        assert day in text
    assert "国庆节" in text and "办公时间及延时服务时间公示" in text
    assert "14:00" in text  # the booking deadline rule is posted


def test_can_book_json(capsys) -> None:
    ok = run_json(
        capsys,
        "can-book",
        "--hall",
        "pinggu-district",
        "--slot",
        "2026-10-08T08:30",
        "--now",
        "2026-09-30T13:00",
        "--json",
    )
    assert ok == {"allowed": True, "deadline": "2026-09-30T14:00", "reason": "可以预约。"}
    late = run_json(
        capsys,
        "can-book",
        "--hall",
        "pinggu-district",
        "--slot",
        "2026-10-08T08:30",
        "--now",
        "2026-09-30T14:30",
        "--channel",
        "online",
        "--json",
    )
    assert late["allowed"] is False and late["deadline"] == "2026-09-30T14:00"
    assert "截止" in late["reason"]
    outside = run_json(
        capsys,
        "can-book",
        "--hall",
        "xixia",
        "--slot",
        "2026-11-28T12:00",
        "--now",
        "2026-11-20T09:00",
        "--json",
    )
    assert outside["allowed"] is False and outside["deadline"] is None and outside["reason"]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["hours", "--hall", "nowhere", "--date", "2026-11-23"], "known halls: pinggu-district"),
        (["hours", "--hall", "xixia", "--date", "2026-02-30"], "not a date"),
        (
            ["can-book", "--hall", "xixia", "--slot", "tomorrow", "--now", "2026-11-20T09:00"],
            "not a time",
        ),
    ],
)
def test_bad_input_is_one_line_on_stderr_with_status_2(argv: list[str], expected: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kiosk.app.cli.main", *argv],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_can_book_keeps_the_hall_calendar_and_the_strict_cut_off(capsys) -> None:
    holiday = run_json(
        capsys,
        *("can-book", "--hall", "xixia", "--slot", "2026-10-09T09:00"),
        *("--now", "2026-10-05T09:00", "--channel", "on_site", "--json"),
    )
    assert holiday["allowed"] is False and holiday["reason"] == "该预约方式当前不在受理时间内。"
    for now, allowed in (("13:59", True), ("14:00", False), ("14:01", False)):
        document = run_json(
            capsys,
            *("can-book", "--hall", "pinggu-district", "--slot", "2026-10-08T08:30"),
            *("--now", f"2026-09-30T{now}", "--json"),
        )
        assert document["allowed"] is allowed, now
