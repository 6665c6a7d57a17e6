"""What every screen shares, as data: the idle countdown and its question, the language and
大字, 重听, 上一步, the devices' faults on the home screen and for staff."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime

from kiosk.clock import FixedClock
from kiosk.ports.card_reader import ReaderOffline
from kiosk.ports.printer import PrinterStatus
from screens.flows import IdlePolicy
from screens.flows.effects import CheckPrinter, ReadCentral, RecordDeviceFault, RecordDeviceOk
from screens.flows.events import CardFailed, CentralRead, PrinterStatusRead, Tap
from tests.flows.conftest import MONDAY, Kiosk
from tests.services.people import person


def test_the_flows_import_neither_kivy_nor_sync_nor_the_cli() -> None:
    code = (
        "import sys, screens.flows, screens.flows.jobs, screens.flows.kiosk\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('kivy', 'sync')"
        " or m.startswith('kiosk.app.cli'))\n"
        "print(bad)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_idle_asks_for_more_time_15_s_before_the_reset_60_s_standard_90_s_large(store) -> None:
    kiosk = Kiosk(store, FixedClock(MONDAY))
    kiosk.tap("take_ticket")
    assert kiosk.flow.idle_left == 60
    assert kiosk.ticks(44) == []
    said = kiosk.ticks(1)
    assert said == ["需要更多时间吗？如需继续，请点「继续办理」。"]
    assert kiosk.flow.frame().chrome.asking_more_time
    kiosk.tap("more_time")
    chrome = kiosk.flow.frame().chrome
    assert not chrome.asking_more_time and chrome.idle_left == 60
    assert kiosk.view.kind == "services:walk_in"  # nothing lost
    kiosk.tap("toggle_elderly")
    assert kiosk.flow.idle_left == 90
    kiosk.ticks(74)
    assert kiosk.ticks(1) == ["需要更多时间吗？如需继续，请点「继续办理」。"]
    assert kiosk.ticks(15) == []  # the reset itself says nothing: nobody is there
    chrome = kiosk.flow.frame().chrome
    assert chrome.home and not chrome.elderly and chrome.lang == "zh_CN"
    assert not chrome.can_repeat


def test_home_keeps_large_type_and_the_language_only_the_idle_reset_clears_them(store) -> None:
    kiosk = Kiosk(store, FixedClock(MONDAY), idle=IdlePolicy(20, 30))
    kiosk.tap("toggle_elderly")
    kiosk.tap("toggle_lang")
    kiosk.tap("take_ticket")
    kiosk.tap("home")
    chrome = kiosk.flow.frame().chrome
    assert chrome.home and chrome.elderly and chrome.lang == "en"
    kiosk.ticks(30)  # counted on the home screen too while it is not as the next person expects
    chrome = kiosk.flow.frame().chrome
    assert not chrome.elderly and chrome.lang == "zh_CN"


def test_the_language_switch_redraws_what_is_on_screen_and_says_it_again(store) -> None:
    kiosk = Kiosk(store, FixedClock(datetime(2026, 11, 28, 9, 30)))  # Saturday: booking only
    kiosk.send(Tap("walk_in:tax"))
    assert kiosk.view.title == "当前时段仅限预约"
    said = kiosk.tap("toggle_lang")
    view = kiosk.view
    assert view.title == "Booked applicants only now"
    assert "Tickets are available from Mon 30 Nov 08:00" in view.body
    assert [c.label for c in view.choices] == ["Book a slot", "Front desk"]
    assert said[0] == "Booked applicants only now"


def test_repeat_says_the_last_guidance_again(store) -> None:
    kiosk = Kiosk(store, FixedClock(MONDAY))
    assert not kiosk.flow.frame().chrome.can_repeat
    first = kiosk.tap("take_ticket")
    assert kiosk.tap("repeat") == first == ("请选择要办理的事项",)
    kiosk.ticks(3)  # the clock says nothing, so 重听 still repeats the list's question
    assert kiosk.tap("repeat") == first


def test_every_inner_screen_offers_back(store, printer) -> None:
    kiosk = Kiosk(store, FixedClock(MONDAY), printer)
    for path in (
        ["have_booking"],
        ["take_ticket"],
        ["take_ticket", "service:tax"],
        ["book"],
        ["book", "service:tax"],
        ["book", "service:tax", "day:2026-11-24"],
        ["guide"],
        ["guide", "service:tax"],
    ):
        kiosk.tap("home")
        for name in path:
            kiosk.tap(name)
        assert kiosk.view.back, path
    kiosk.send(Tap("desk"))
    assert kiosk.view.kind == "desk" and kiosk.view.back
    kiosk.tap("back")
    assert kiosk.view.kind == "guide"  # the desk's notice was on top of the guide


def test_the_reader_going_down_changes_the_home_screen_and_alerts_staff_once(store) -> None:
    kiosk = Kiosk(store, FixedClock(MONDAY))
    before = len(kiosk.effects)
    kiosk.ticks(4, reader_online=False)  # a reopen or a start-up: nobody alarmed yet
    assert kiosk.view.title == "请将身份证放在感应区"
    kiosk.ticks(1, reader_online=False)
    home = kiosk.view
    assert home.title == "读卡器暂停使用，请点「现场取号」或到前台"
    assert kiosk.choices()[:2] == ["take_ticket", "have_booking"] and "book" not in kiosk.choices()
    kiosk.ticks(10, reader_online=False)
    alerts = [e for e in kiosk.effects[before:] if isinstance(e, RecordDeviceFault)]
    assert [(a.device, a.code) for a in alerts] == [("reader", "reader_offline")]
    said = kiosk.tap("have_booking")  # explained at once, not waiting for a card
    assert kiosk.view.kind == "reader_down" and said[0] == "读卡器暂停使用"
    assert kiosk.choices() == ["take_ticket", "desk"]
    kiosk.tap("home")
    kiosk.ticks(1, reader_online=True)
    assert kiosk.view.title == "请将身份证放在感应区"
    assert isinstance(kiosk.effects[-1], RecordDeviceOk)


def test_a_reader_that_drops_out_while_a_card_is_awaited_says_so(store) -> None:
    kiosk = Kiosk(store, FixedClock(MONDAY))
    kiosk.tap("have_booking")
    kiosk.send(CardFailed(ReaderOffline("unplugged")))
    assert kiosk.view.kind == "reader_down"
    kiosk.tap("home")
    assert kiosk.view.title.startswith("读卡器暂停使用")  # it said it is gone: no grace


def test_printer_faults_are_on_the_home_screen_and_alerted_once_per_fault(store, printer) -> None:
    kiosk = Kiosk(store, FixedClock(MONDAY), printer)
    kiosk.send(PrinterStatusRead(PrinterStatus(online=True, paper="out")))
    kiosk.send(PrinterStatusRead(PrinterStatus(online=True, paper="out")))
    assert kiosk.view.banner == "打印机暂停使用：取号后请记住屏幕上的号码"
    chrome = kiosk.flow.frame().chrome
    assert chrome.device_fault and "打印机缺纸" in chrome.status_text
    faults = [e for e in kiosk.effects if isinstance(e, RecordDeviceFault)]
    assert [(f.code, f.number) for f in faults] == [("paper_out", None)]
    before = len(kiosk.effects)
    kiosk.ticks(10)
    asked = [e for e in kiosk.effects[before:] if isinstance(e, CheckPrinter)]
    assert len(asked) == 1  # asked again every 10 s while faulty
    # the printer simulator itself says it has paper when asked: the fault is closed
    assert kiosk.view.banner == ""
    records = [e for e in kiosk.effects if isinstance(e, RecordDeviceOk | RecordDeviceFault)]
    assert [(type(e).__name__, e.device) for e in records] == [
        ("RecordDeviceOk", "reader"),  # the first tick: whatever an earlier run left is closed
        ("RecordDeviceFault", "printer"),
        ("RecordDeviceOk", "printer"),
    ]


def test_the_link_to_the_central_store_is_on_the_staff_line(store) -> None:
    from sync.state import Problem, read_state, record_failure, record_success

    kiosk = Kiosk(store, FixedClock(MONDAY.replace(hour=11)))
    assert any(isinstance(e, ReadCentral) for e in kiosk.effects)  # asked on the first tick
    with store.write() as session:
        record_success(session, "xixia", MONDAY.replace(hour=10, minute=50))
        record_failure(
            session, "xixia", MONDAY.replace(hour=10, minute=55), Problem.UNREACHABLE, "refused"
        )
    kiosk.send(CentralRead(read_state(store, MONDAY.replace(hour=11))))
    chrome = kiosk.flow.frame().chrome
    assert "已离线 5 分钟" in chrome.status_text and chrome.device_fault


def test_an_answer_for_someone_who_has_left_is_dropped(store) -> None:
    from kiosk.services import CheckInOutcome, CheckInResult
    from screens.flows.events import Issued

    kiosk = Kiosk(store, FixedClock(MONDAY))
    kiosk.tap("have_booking")
    old = kiosk.flow.session
    kiosk.tap("home")
    kiosk.send(Issued(old, CheckInResult(CheckInOutcome.NO_BOOKING, "")))
    assert kiosk.view.screen == "home"
    kiosk.card(person("李四", sequence=140))
    assert kiosk.view.kind == "no_booking"


def test_a_second_card_while_an_answer_is_coming_is_not_lost(store) -> None:
    from screens.flows.events import CardRead

    kiosk = Kiosk(store, FixedClock(MONDAY))
    first, second = person("张三", sequence=150), person("李四", sequence=151)
    kiosk.flow.handle(CardRead(first))  # its answer not back yet: the check-in is working
    assert kiosk.flow.view().kind == "working:check_in"
    assert kiosk.flow.handle(CardRead(first)).effects == ()  # the same card again: nothing
    step = kiosk.flow.handle(CardRead(second))  # the next person: served at once
    assert [type(e).__name__ for e in step.effects] == ["CheckIn"]
    assert step.effects[0].identity == second  # type: ignore[union-attr]
