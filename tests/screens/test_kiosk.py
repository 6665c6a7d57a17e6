"""The kiosk in a real window, end to end: card taps through the reader simulator (pty, SAM
frames), touches through Kivy's input dispatch, tickets through the ESC/POS driver to the TCP
printer simulator. One driver run (``drive_kiosk.py``) feeds all the checks below."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.screens.harness import run_driver


@pytest.fixture(scope="module")
def kiosk_run(window_available: None, artefacts: Path, tmp_path_factory: Any) -> dict[str, Any]:
    store = tmp_path_factory.mktemp("kiosk") / "hall.sqlite3"
    document = run_driver("drive_kiosk.py", [f"sqlite:///{store}", str(artefacts)], timeout=400)
    return {step["step"]: step for step in document["steps"]} | {"_shots": document["shots"]}


def test_every_screenshot_shows_a_drawn_screen(kiosk_run: dict[str, Any]) -> None:
    shots = [step for step in kiosk_run.values() if isinstance(step, dict) and "stats" in step]
    assert len(shots) >= 12
    for step in shots:
        stats = step["stats"]
        assert (stats["width"], stats["height"]) == (1080, 1920), step["step"]
        assert stats["stddev"] > 20 and stats["colours"] > 20, f"blank screen at {step['step']}"
        assert Path(step["shot"]).is_file()


def test_attract_screen_shows_hall_period_and_hours(kiosk_run: dict[str, Any]) -> None:
    attract = kiosk_run["attract"]
    assert attract["hall"] == "西峡县政务服务中心"
    assert attract["period"] == "当前：办公时间 08:00-12:00"
    assert "12:00-14:30" in attract["header"] and "14:30-17:30" in attract["header"]
    assert "读卡器：正常" in attract["status"] and "打印机：正常" in attract["status"]


def test_card_tap_checks_in_and_the_ticket_reaches_the_printer(kiosk_run: dict[str, Any]) -> None:
    checkin = kiosk_run["checkin"]
    assert checkin["screen"] == "ticket"
    assert checkin["number"] == "B001"  # social insurance, booked for 10:00
    assert checkin["printed"] == ["B001"]
    assert len(checkin["printer_bytes"]) == 1 and checkin["printer_bytes"][0] > 1000
    after = kiosk_run["home_after_checkin"]
    assert after["identity_cleared"] and after["ticket_number_left"] == ""


def test_walk_in_ticket_is_shown_and_printed(kiosk_run: dict[str, Any]) -> None:
    assert kiosk_run["services"]["mode"] == "walk_in"
    walk_in = kiosk_run["walk_in"]
    assert walk_in["number"] == "E001"
    assert walk_in["printed"] == ["B001", "E001"]
    assert walk_in["print_text"] == "请取走号票，留意大屏叫号"


def test_idle_reset_leaves_nothing_of_the_last_person(kiosk_run: dict[str, Any]) -> None:
    reset = kiosk_run["idle_reset"]
    assert reset["screen"] == "attract"
    assert reset["ticket_number_left"] == ""
    assert reset["qr_left"] is False
    assert reset["choices_left"] == 0


def test_language_switch_and_elderly_mode(kiosk_run: dict[str, Any]) -> None:
    english = kiosk_run["english"]
    assert english["lang"] == "en"
    assert english["button"] == "I have a booking"
    assert english["header"].startswith("Today's hours:")
    elderly = kiosk_run["elderly"]
    assert elderly["scale"] == 1.4
    assert sorted(elderly["actions"]) == ["have_booking", "take_ticket"]
    assert elderly["button_height"] > 160
    reset = kiosk_run["elderly_reset"]
    assert (reset["scale"], reset["lang"]) == (1.0, "zh_CN")


def test_elderly_mode_reads_each_title_aloud(kiosk_run: dict[str, Any]) -> None:
    reset = kiosk_run["elderly_reset"]
    assert reset["said_before"] == []  # titles are read only in elderly mode
    # the attract screen when the mode is switched on, then the service question
    assert reset["said"] == ["请将身份证放在感应区", "请选择要办理的事项"]
    assert reset["voice_files"] == ["0001-say-zh.wav", "0002-say-zh.wav"]
    assert reset["voice_failed"] == []


def test_card_without_booking_is_told_and_offered_a_walk_in(kiosk_run: dict[str, Any]) -> None:
    answer = kiosk_run["no_booking"]
    assert answer["kind"] == "no_booking"
    assert "现场取号" in answer["body"]
    assert "李*红" in kiosk_run["walk_in_after_card"]["explanation"]


def test_booking_slots_show_free_places_and_full_ones_cannot_be_chosen(
    kiosk_run: dict[str, Any],
) -> None:
    slots = kiosk_run["slots"]
    assert slots["day"] == "day:2026-11-24"
    buttons = {name: (disabled, note) for name, disabled, note in slots["slot_buttons"]}
    # booking closes 24 h ahead: Tuesday before 10:00 is not offered on Monday at 10:00
    assert min(buttons) == "slot:1000" and "slot:0930" not in buttons
    assert buttons["slot:1000"] == (True, "– 10:30 · 已约满")
    assert buttons["slot:1030"] == (False, "– 11:00 · 余 3 个")
    assert buttons["slot:1100"][0] is False and "余 4 个" in buttons["slot:1100"][1]
    assert slots["full_tap"] == "refused" and slots["screen_after_full_tap"] == "choice"
    assert kiosk_run["booking_card"]["slot"] == "slot:1030"


def test_on_site_booking_confirms_with_every_material(kiosk_run: dict[str, Any]) -> None:
    assert kiosk_run["days"]["mode"] == "day"
    assert kiosk_run["slots"]["mode"] == "slot"
    booked = kiosk_run["booked"]
    assert booked["kind"] == "booked"
    assert booked["materials"] == ["本人居民身份证", "户口簿", "相关证明材料"]
    assert "李*红" in booked["subtitle"] and "2026-11-24" in booked["subtitle"]
    assert booked["print_text"] == "请取走预约凭条"
    assert len(booked["printer_bytes"]) == 3


def test_guide_lists_what_to_bring(kiosk_run: dict[str, Any]) -> None:
    guide = kiosk_run["guide"]
    assert guide["title"] == "不动产登记"
    assert "不动产登记申请书" in guide["materials"]
    printed = kiosk_run["guide_printed"]
    assert printed["jobs"] == 1 and printed["print_text"] == "请取走材料清单"


def test_saturday_walk_in_is_refused_with_reason_and_next_step(kiosk_run: dict[str, Any]) -> None:
    refusal = kiosk_run["refusal"]
    assert refusal["kind"] == "refused:booking_only"
    assert "仅为已预约" in refusal["body"]
    assert "11月30日 08:00" in refusal["body"]


def test_paper_out_keeps_the_number_on_screen_and_alerts(kiosk_run: dict[str, Any]) -> None:
    paper = kiosk_run["paper_out"]
    assert paper["number"] == "D001"
    assert paper["paper_fault"] is True
    assert "请拍照或记住您的号码" in paper["print_text"]
    assert "D001" not in paper["printed"]
    assert paper["fault"] is True and "缺纸" in paper["status"]


def test_paper_out_alerts_staff_until_the_printer_is_back(kiosk_run: dict[str, Any]) -> None:
    alert = kiosk_run["paper_out_alert"]
    assert alert["alerts"] == [["kiosk-1", "printer", "paper_out", ["D001"]]]
    back = kiosk_run["printer_back"]
    assert back["alerts"] == 0 and "打印机：正常" in back["status"]
    assert back["events"] == ["printer_fault", "printer_ok"]


def test_unplugged_reader_shows_on_the_status_line(kiosk_run: dict[str, Any]) -> None:
    offline = kiosk_run["reader_offline"]
    assert "读卡器：未连接" in offline["status"]
    assert offline["fault"] is True


def test_unplugged_reader_alerts_staff_after_a_grace_and_clears(kiosk_run: dict[str, Any]) -> None:
    assert kiosk_run["reader_grace"]["alerts"] == 0
    assert kiosk_run["reader_alert"]["alerts"] == [["kiosk-1", "reader", "reader_offline"]]
    back = kiosk_run["reader_back"]
    assert back["alerts"] == 0 and back["events"] == ["reader_fault", "reader_ok"]


def test_lost_link_to_the_central_store_is_shown(kiosk_run: dict[str, Any]) -> None:
    # no sync process has run: events wait to be sent since the first booking (Friday)
    assert kiosk_run["central_never"]["central"].startswith("已离线 3 天")
    offline = kiosk_run["central_offline"]
    assert "已离线 5 分钟" in offline["status"]  # hall clock 11:00, offline since 10:55
    assert offline["fault"] is True
