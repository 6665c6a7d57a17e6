"""The queue commands' JSON contract, run against the test store (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from kiosk.app.cli.main import main
from tests.cli_env import use_store
from tests.services.people import id_number, person

HOLDER = person("张小三").id_number


@pytest.fixture
def kiosk(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys):
    use_store(monkeypatch, tmp_path, database_url)

    def run(*argv: str) -> tuple[int, object]:
        status = main(list(argv))
        out, run.err = capsys.readouterr()  # type: ignore[attr-defined]
        return status, json.loads(out) if "--json" in argv and out else out

    return run


def test_booking_checkin_take_call(kiosk) -> None:
    status, booked = kiosk(
        "booking",
        "add",
        "--service",
        "social-insurance",
        "--slot",
        "2026-11-19T09:30",
        "--id-number",
        HOLDER,
        "--name",
        "张小三",
        "--now",
        "2026-11-18T10:00",
        "--json",
    )
    assert status == 0 and booked["booking"]["name"] == "张*三"
    status, checked = kiosk("checkin", "--id-number", HOLDER, "--now", "2026-11-19T09:10", "--json")
    assert status == 0 and checked["outcome"] == "checked_in"
    assert checked["ticket"]["number"] == "B001" and checked["message"]
    status, again = kiosk("checkin", "--id-number", HOLDER, "--now", "2026-11-19T09:11", "--json")
    assert again["outcome"] == "already_checked_in" and again["ticket"]["number"] == "B001"
    status, taken = kiosk(
        "ticket", "take", "--service", "social-insurance", "--now", "2026-11-19T09:12", "--json"
    )
    assert status == 0
    assert {k: taken["ticket"][k] for k in ("number", "service", "ahead", "wait_minutes")} == {
        "number": "B002",
        "service": "social-insurance",
        "ahead": 1,
        "wait_minutes": 4,
    }
    status, called = kiosk("ticket", "call", "--window", "3", "--now", "2026-11-19T09:31", "--json")
    assert called["ticket"]["number"] == "B001" and called["ticket"]["window"] == 3
    status, queue = kiosk("queue", "--now", "2026-11-19T09:32", "--json")
    social = next(q for q in queue if q["service"] == "social-insurance")
    assert social["waiting"] == ["B002"] and social["called"][0]["number"] == "B001"
    kiosk("ticket", "call", "--window", "4", "--now", "2026-11-19T09:33", "--json")
    status, empty = kiosk("ticket", "call", "--window", "4", "--now", "2026-11-19T09:34", "--json")
    assert status == 0 and empty["ticket"] is None


def test_refusals_and_errors(kiosk) -> None:
    status, refused = kiosk(
        "ticket", "take", "--service", "social-insurance", "--now", "2026-11-21T09:30", "--json"
    )
    assert status == 3 and refused == {  # refused by the hall's rules: exit status 3
        "ticket": None,
        "reason": "booking_only",
        "message": refused["message"],
    }
    status, none = kiosk(
        "checkin",
        "--id-number",
        id_number(date(1990, 1, 1), 77),
        "--now",
        "2026-11-21T09:31",
        "--json",
    )
    assert status == 3 and none["outcome"] == "no_booking" and none["ticket"] is None
    assert kiosk("checkin", "--id-number", "110117198506011230")[0] == 2
    assert "校验位" in kiosk.err
    # nobody called at window 3: refused (3); a window the hall does not have: usage (2)
    assert kiosk("ticket", "start", "--window", "3", "--now", "2026-11-21T09:32")[0] == 3
    assert kiosk("ticket", "call", "--window", "42", "--now", "2026-11-21T09:32")[0] == 2


def test_services_and_windows(kiosk) -> None:
    status, services = kiosk("services", "--hall", "xixia", "--json")
    assert status == 0 and set(services[0]) == {"id", "name_zh", "name_en", "prefix"}
    status, windows = kiosk("windows", "--hall", "pinggu-district", "--json")
    assert windows[0] == {"number": 1, "services": ["business-registration"]}
    status, close = kiosk("close-day", "--now", "2026-11-19T17:30", "--json")
    assert status == 0 and close["state"] == "natural_extension"
