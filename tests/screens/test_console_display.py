"""A window console and the hall display as two processes on one store: keyboard actions at
the console, the display picking the calls up and announcing each once (a recall again), and
both coming back to the right state after a restart."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.screens.harness import kivy_environment, open_store, run_driver

HERE = Path(__file__).parent


@pytest.fixture(scope="module")
def hall(window_available: None, artefacts: Path, tmp_path_factory: Any) -> dict[str, Any]:
    from kiosk.services import take_ticket

    folder = tmp_path_factory.mktemp("hall")
    url = f"sqlite:///{folder / 'hall.sqlite3'}"
    store = open_store(url, "xixia", "test")
    numbers = [
        take_ticket(store, "social-insurance", datetime(2026, 11, 23, 9, 30 + i)).ticket.number
        for i in range(3)
    ]
    store.close()
    assert numbers == ["B001", "B002", "B003"]

    ready = folder / "display.ready"
    display = subprocess.Popen(
        [sys.executable, str(HERE / "drive_display.py"), url, str(artefacts), str(ready), "4"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=kivy_environment(),
    )
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            if display.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"display did not start:\n{display.stderr.read()[-4000:]}")
            time.sleep(0.1)
        console = run_driver("drive_staff.py", [url, str(artefacts), "3", "work"])
        out, err = display.communicate(timeout=90)
    finally:
        if display.poll() is None:
            display.kill()
    lines = [line for line in out.splitlines() if line.startswith("{")]
    assert display.returncode == 0 and lines, err[-4000:]
    import json

    shown = json.loads(lines[-1])
    ready.unlink()
    # while the display was away, a kiosk's printer failed: the restarted display marks it
    from kiosk.services.devices import record_device_fault

    store = open_store(url, "xixia", "test")
    record_device_fault(
        store,
        "kiosk-2",
        "printer",
        "cover_open",
        "打印机盖未关好",
        None,
        datetime(2026, 11, 23, 10),
    )
    store.close()
    restarted_display = subprocess.run(
        [sys.executable, str(HERE / "drive_display.py"), url, str(artefacts), str(ready), "0"],
        capture_output=True,
        text=True,
        timeout=90,
        env=kivy_environment(),
    )
    assert restarted_display.returncode == 0, restarted_display.stderr[-4000:]
    restart_lines = [line for line in restarted_display.stdout.splitlines() if line[:1] == "{"]
    console_again = run_driver("drive_staff.py", [url, str(artefacts), "3", "restart"])
    return {
        "console": {step["step"]: step for step in console["steps"]},
        "display": shown,
        "display_restart": json.loads(restart_lines[-1]),
        "console_restart": console_again["steps"][0],
    }


def test_console_keys_drive_the_queue(hall: dict[str, Any]) -> None:
    steps = hall["console"]
    assert steps["start"]["waiting"] == ["社保医保：B001  B002  B003"]
    assert steps["called"]["current"] == "B001" and steps["called"]["feedback"] == "已呼叫 B001"
    assert steps["started"]["status"] == "办理中"
    assert steps["done"]["current"] == "" and steps["done"]["feedback"] == "已办结 B001"
    assert steps["called_by_touch"]["current"] == "B002"
    assert steps["recalled"]["feedback"] == "已重呼 B002"
    assert steps["transferred"]["feedback"] == "已转移：B002 → E001"
    assert steps["called_last"]["current"] == "B003"
    assert (
        steps["called_last"]["counts"]
        == "等候：社保医保 0 人\n本窗口今日：办结 1 · 过号 0 · 转出 1"
    )
    assert steps["start"]["counts"] == "等候：社保医保 3 人\n本窗口今日：办结 0 · 过号 0 · 转出 0"
    assert steps["paused"]["state"] == "paused"
    assert steps["resumed"]["state"] == "open"


def test_console_refusals_are_one_line_for_the_clerk(hall: dict[str, Any]) -> None:
    steps = hall["console"]
    assert steps["done_again"]["fault"] is True
    assert steps["done_again"]["feedback"] == "3号窗口没有可办结的号码"
    assert steps["call_while_paused"]["fault"] is True
    assert steps["call_while_paused"]["current"] == "B003"  # nothing else was called
    assert steps["call_while_paused"]["feedback"] == "3号窗口当前为“暂停服务”，请先恢复服务"
    english = steps["call_while_paused_en"]
    assert english["feedback"] == "Window 3 is “Paused”: resume service first"
    assert english["fault"] is True


def test_console_alerts_on_a_kiosk_printer_fault_until_it_is_back(hall: dict[str, Any]) -> None:
    steps = hall["console"]
    assert steps["called_last"]["alerts"] == []
    assert steps["printer_alert"]["alerts"] == ["kiosk-1：打印机缺纸（未打印号票：A009）"]
    assert steps["printer_back"]["alerts"] == []
    assert steps["printer_alert"]["current"] == "B003"  # the clerk's work is untouched


def test_display_shows_and_announces_each_call_once(hall: dict[str, Any]) -> None:
    shown = hall["display"]
    assert shown["newest"] == "B003" and shown["window"] == 3 and shown["recall"] is False
    assert shown["history"][:2] == [["B002", 3], ["B001", 3]]
    assert shown["announced"] == [
        ["B001", 3, False],
        ["B002", 3, False],
        ["B002", 3, True],
        ["B003", 3, False],
    ]
    assert len(shown["voice_files"]) == 4
    assert ["E  税务办理", 1] in shown["waiting"]  # the transferred ticket waits for tax
    assert shown["periods"][1].startswith("12:00-14:30  延时服务")
    assert shown["hours"] == (
        "今日办公时间    08:00-12:00  办公时间    12:00-14:30  延时服务    14:30-17:30  办公时间"
    )
    assert shown["notices"][1:] == [
        "午间不间断服务",
        "下班时仍在办理或已取号等候的群众，窗口将办理完毕",
    ]
    assert shown["online"] is True
    assert shown["stats"]["stddev"] > 20 and shown["stats"]["colours"] > 20


def test_display_is_readable_from_8_m(hall: dict[str, Any]) -> None:
    """A 55" 1080p screen: the newest call ≥ 180 px across the width, earlier calls ≥ 80 px,
    waiting counts and hours large, and every text inside its box."""
    labels = hall["display"]["labels"]
    assert hall["display"]["stats"]["width"] == 1920 and hall["display"]["stats"]["height"] == 1080
    assert labels["newest_call"]["text"] == "B003  →  3 号窗口"
    assert labels["newest_call"]["font"] >= 180
    assert labels["history_numbers"]["text"] == "B002\nB001"
    assert labels["history_numbers"]["font"] >= 80 and labels["history_windows"]["font"] >= 80
    assert labels["waiting_names"]["font"] >= 48 and labels["waiting_counts"]["lines"] == 6
    assert labels["hours"]["font"] >= 40
    for name, fit in labels.items():
        assert fit["fits_width"] and fit["fits_height"], (name, fit)


def test_restarted_roles_come_back_to_the_same_state(hall: dict[str, Any]) -> None:
    restored = hall["display_restart"]["restored"]
    assert restored["newest"] == "B003" and restored["window"] == 3
    assert restored["announced"] == 0  # earlier calls are not announced again
    # a kiosk's printer fault is staff business: never on the public board
    assert not [text for text in restored["texts"] if "故障" in text or "打印机" in text]
    console = hall["console_restart"]
    assert console["current"] == "B003"
    assert console["status"] == "已呼叫，等候到窗口"
    assert console["state"] == "open"


def test_console_marks_priority_booked_and_materials_only(
    window_available: None, artefacts: Path, tmp_path: Path
) -> None:
    """A Saturday at the housing fund: loans take materials only; the clerk sees which ticket
    is booked, which holder has priority, and what is only to be received."""
    from kiosk.services import add_booking, check_in, take_ticket
    from tests.services.people import person

    url = f"sqlite:///{tmp_path / 'hall.sqlite3'}"
    store = open_store(url, "pinggu-housing-fund", "test")
    booker = person("李四", sequence=222)
    booked = add_booking(
        store, booker, "loan", datetime(2026, 11, 21, 10, 0), datetime(2026, 11, 18, 9)
    )
    assert booked.booking is not None, booked.message
    assert check_in(store, booker, datetime(2026, 11, 21, 9, 50)).ticket is not None
    elder = person("王老五", birth=datetime(1950, 3, 1).date(), sequence=315)
    assert take_ticket(store, "loan", datetime(2026, 11, 21, 9, 55), elder).ticket is not None
    assert take_ticket(store, "loan", datetime(2026, 11, 21, 9, 56)).ticket is not None
    store.close()
    from kiosk.domain.booking_code import booking_code

    steps = {
        step["step"]: step
        for step in run_driver(
            "drive_staff.py", [url, str(artefacts), "3", "marks", "pinggu-housing-fund"]
        )["steps"]
    }
    assert steps["start"]["waiting"] == ["公积金贷款：B001(约材)  B002(优材)  B003(材)"]
    assert steps["booked"]["current"] == "B001"
    assert steps["booked"]["marks"] == "【仅接收材料】"
    assert f"预约码：{booking_code(booked.booking.central_id)}" in steps["booked"]["detail"]
    assert steps["priority"]["current"] == "B002"
    assert steps["priority"]["marks"] == "【优先】\n【仅接收材料】"
    assert steps["priority"]["materials"][0] == "借款人及配偶居民身份证"
    assert steps["priority_en"]["marks"] == "[PRIORITY]\n[MATERIALS ONLY]"
    assert steps["priority_en"]["materials"][0].startswith("ID cards")
    assert steps["priority"]["stats"]["stddev"] > 20
