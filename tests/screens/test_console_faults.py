"""The window console and the hall display when the hall goes wrong under them: this machine's
clock behind the store's (issuing and calling refused), then the store's file damaged. Staff
read one line saying what is wrong and whom to call; the screens keep running."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from tests.screens.harness import open_store, run_driver


def test_console_shows_a_fault_line_for_a_clock_behind_and_a_damaged_store(
    window_available: None, artefacts: Path, tmp_path: Path
) -> None:
    from kiosk.services import take_ticket

    url = f"sqlite:///{tmp_path / 'hall.sqlite3'}"
    store = open_store(url, "xixia", "test")
    for minute in (0, 1):
        take_ticket(store, "social-insurance", datetime(2026, 11, 23, 9, minute))
    store.close()
    report: dict[str, Any] = run_driver("drive_staff.py", [url, str(artefacts), "3", "faults"])
    steps = {step["step"]: step for step in report["steps"]}
    behind = steps["clock_behind"]
    assert behind["fault"] and behind["current"] == ""
    assert behind["feedback"] == "本机时钟慢于排队系统 25 分钟，已暂停取号和叫号，请联系管理员"
    assert steps["clock_right"]["current"] == "B001" and not steps["clock_right"]["fault"]
    damaged = steps["damaged"]
    assert (
        damaged["fault"]
        and damaged["feedback"] == "排队系统数据文件损坏，请联系管理员（kiosk db check）"
    )
    assert damaged["stats"]["colours"] > 20  # the console still draws


def test_display_shows_a_fault_line_for_a_damaged_store(
    window_available: None, artefacts: Path, tmp_path: Path
) -> None:
    from kiosk.services import take_ticket

    url = f"sqlite:///{tmp_path / 'hall.sqlite3'}"
    store = open_store(url, "xixia", "test")
    take_ticket(store, "social-insurance", datetime(2026, 11, 23, 9, 0))
    store.close()
    report: dict[str, Any] = run_driver("drive_display_fault.py", [url, str(artefacts)])
    assert report["before"] == {"online": True, "fault": ""}
    after = report["after"]
    assert not after["online"]
    assert after["fault"] == "排队系统数据文件损坏，请联系管理员（kiosk db check）"
    assert after["stats"]["colours"] > 20
