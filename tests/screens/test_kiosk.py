"""The kiosk in a real window, end to end: card taps through the reader simulator (pty, SAM
frames), touches through Kivy's input dispatch, tickets through the ESC/POS driver to the TCP
printer simulator, guidance through espeak-ng into WAV files. One driver run
(``drive_kiosk.py``) feeds all the checks below; what the kiosk decides is tested without a
window in ``tests/flows``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.screens.harness import run_driver


@pytest.fixture(scope="module")
def kiosk_run(window_available: None, artefacts: Path, tmp_path_factory: Any) -> dict[str, Any]:
    store = tmp_path_factory.mktemp("kiosk") / "hall.sqlite3"
    document = run_driver("drive_kiosk.py", [f"sqlite:///{store}", str(artefacts)], timeout=180)
    return {step["step"]: step for step in document["steps"]} | {"_shots": document["shots"]}


def test_every_screenshot_shows_a_drawn_screen(kiosk_run: dict[str, Any]) -> None:
    shots = [step for step in kiosk_run.values() if isinstance(step, dict) and "stats" in step]
    assert len(shots) >= 16
    for step in shots:
        stats = step["stats"]
        assert (stats["width"], stats["height"]) == (1080, 1920), step["step"]
        assert stats["stddev"] > 20 and stats["colours"] > 20, f"blank screen at {step['step']}"
        assert Path(step["shot"]).is_file()


def test_home_screen_shows_hall_period_and_hours(kiosk_run: dict[str, Any]) -> None:
    home = kiosk_run["home"]
    assert home["hall"] == "西峡县政务服务中心"
    assert home["period"] == "当前：办公时间 08:00-12:00"
    assert "12:00-14:30" in home["header"] and "14:30-17:30" in home["header"]
    assert "读卡器：正常" in home["status"] and "打印机：正常" in home["status"]
    assert home["choices"] == ["have_booking", "take_ticket", "book", "guide"]


def test_a_booked_card_alone_gives_the_printed_ticket_and_the_spoken_number(
    kiosk_run: dict[str, Any],
) -> None:
    checkin = kiosk_run["checkin"]
    assert checkin["screen"] == "ticket" and checkin["taps"] == 0
    assert checkin["number"] == "B001"  # social insurance, booked for 10:00
    assert checkin["printed"] == ["B001"]
    assert len(checkin["printer_bytes"]) == 1 and checkin["printer_bytes"][0] > 1000
    assert checkin["said"][:4] == [
        "您的号码是 B001。",
        "办理事项：社保医保。",
        "前面还有 0 人，预计等候约 0 分钟。",
        "请到：一楼B区 3、4 号任一窗口，留意大屏叫号。",
    ]
    after = kiosk_run["home_after_checkin"]
    assert after["journeys"] == 0 and after["ticket_number_left"] == ""


def test_walk_in_ticket_takes_two_taps_and_is_printed(kiosk_run: dict[str, Any]) -> None:
    assert kiosk_run["services"]["kind"] == "services:walk_in"
    walk_in = kiosk_run["walk_in"]
    assert walk_in["number"] == "E001" and walk_in["taps"] == 2
    assert walk_in["printed"] == ["B001", "E001"]
    assert walk_in["print_text"] == "请取走号票，留意大屏叫号"


def test_idle_asks_for_more_time_then_leaves_nothing_of_the_last_person(
    kiosk_run: dict[str, Any],
) -> None:
    asked = kiosk_run["more_time"]
    assert asked["asking"] and asked["said"] == "需要更多时间吗？如需继续，请点「继续办理」。"
    reset = kiosk_run["idle_reset"]
    assert reset["screen"] == "home"
    assert reset["ticket_number_left"] == ""
    assert reset["qr_left"] is False
    assert reset["choices_left"] == 0


def test_language_switch_and_large_type_kept_until_the_idle_reset(
    kiosk_run: dict[str, Any],
) -> None:
    english = kiosk_run["english"]
    assert english["lang"] == "en"
    assert english["button"] == "I have a booking"
    assert english["header"].startswith("Today's hours:")
    elderly = kiosk_run["elderly"]
    assert elderly["scale"] == 1.4
    assert sorted(elderly["actions"]) == ["have_booking", "take_ticket"]
    assert elderly["button_height"] > 160 and elderly["tools_height"] >= 120
    assert kiosk_run["elderly_home"]["elderly"] is True  # 返回首页 keeps 大字
    reset = kiosk_run["elderly_reset"]
    assert (reset["scale"], reset["lang"]) == (1.0, "zh_CN")


def test_the_voice_says_what_the_flow_said_one_line_at_a_time(kiosk_run: dict[str, Any]) -> None:
    reset = kiosk_run["elderly_reset"]
    assert reset["said"] == ["请将身份证放在感应区", "请选择要办理的事项", "请将身份证放在感应区"]
    assert reset["voice_said"][-3:] == reset["said"]  # the announcer got them, in order
    assert reset["voice_files"] == len(reset["voice_said"])
    assert reset["voice_failed"] == []


def test_card_without_booking_is_told_and_offered_a_walk_in(kiosk_run: dict[str, Any]) -> None:
    answer = kiosk_run["no_booking"]
    assert answer["kind"] == "no_booking"
    assert answer["choices"] == ["take_ticket", "book", "desk"]
    assert "李*红" in kiosk_run["walk_in_after_card"]["note"]


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
    assert "11月24日（周二）" in kiosk_run["booking_card"]["body"]


def test_on_site_booking_confirms_with_every_material(kiosk_run: dict[str, Any]) -> None:
    assert kiosk_run["days"]["kind"] == "days"
    booked = kiosk_run["booked"]
    assert booked["kind"] == "booked"
    assert booked["materials"] == ["本人居民身份证", "户口簿", "相关证明材料"]
    assert "李*红" in booked["body"] and "11月24日（周二）" in booked["body"]
    assert booked["print_text"] == "请取走预约凭条"
    assert len(booked["printer_bytes"]) == 3


def test_guide_lists_what_to_bring(kiosk_run: dict[str, Any]) -> None:
    guide = kiosk_run["guide"]
    assert guide["title"] == "不动产登记"
    assert "不动产登记申请书" in guide["materials"]
    printed = kiosk_run["guide_printed"]
    assert printed["jobs"] == 1 and printed["print_text"] == "请取走材料清单"


def test_a_booking_only_saturday_says_so_on_the_home_screen(kiosk_run: dict[str, Any]) -> None:
    saturday = kiosk_run["saturday_home"]
    assert saturday["banner"].startswith("今日仅限预约，现场不取号。")
    assert "11月30日（周一）08:00" in saturday["banner"]
    assert "take_ticket" not in saturday["choices"]


def test_paper_out_keeps_the_number_on_screen_alerts_staff_and_is_reprinted(
    kiosk_run: dict[str, Any],
) -> None:
    paper = kiosk_run["paper_out"]
    assert paper["number"] == "D001"
    assert "请拍照或记住您的号码" in paper["print_text"]
    assert "D001" not in paper["printed"]
    assert paper["fault"] is True and "缺纸" in paper["status"]
    assert paper["alerts"] == [["kiosk-1", "printer", "paper_out", ["D001"]]]
    assert paper["choices"] == ["reprint"] and kiosk_run["reprint_pin"]["entered"] == "●●●●"
    again = kiosk_run["reprinted"]
    assert again["printed"][-1] == "D001" and again["marks"] == ["补打"]
    assert again["alerts"] == 0 and "打印机：正常" in again["status"]
    assert again["events"] == ["printer_fault", "printer_ok"]


def test_an_unplugged_reader_changes_the_home_screen_and_alerts_staff_after_a_grace(
    kiosk_run: dict[str, Any],
) -> None:
    assert kiosk_run["reader_grace"]["alerts"] == 0
    down = kiosk_run["reader_down"]
    assert down["title"] == "读卡器暂停使用，请点「现场取号」或到前台"
    assert down["alerts"] == [["kiosk-1", "reader", "reader_offline"]]
    assert "读卡器：未连接" in down["status"] and down["fault"] is True
    asked = kiosk_run["reader_down_have_booking"]
    assert asked["kind"] == "reader_down" and asked["choices"] == ["take_ticket", "desk"]
    back = kiosk_run["reader_back"]
    assert back["alerts"] == 0 and back["events"] == ["reader_fault", "reader_ok"]
    assert back["title"] == "请将身份证放在感应区"


def test_lost_link_to_the_central_store_is_shown(kiosk_run: dict[str, Any]) -> None:
    # no sync process has run: events wait to be sent since the first booking (Friday)
    assert "已离线 3 天" in kiosk_run["central_never"]["status"]
    assert "已离线 5 分钟" in kiosk_run["central_offline"]["status"]  # 11:00, offline since 10:55
