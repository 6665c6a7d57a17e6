"""Walk-in as data: two taps to a ticket; refusals at the first tap, before any list of "no"s,
each with a next step; the ticket never lost when the paper or the store fails."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from kiosk.clock import FixedClock
from kiosk.ports.printer import PaperOut
from screens.flows.effects import CheckIn, TakeTicket
from screens.flows.events import PrintFailed, Tap
from tests.flows.conftest import MONDAY, SATURDAY, Kiosk, printed_text
from tests.services.people import person

NATIONAL_DAY = datetime(2026, 10, 1, 10, 0)


def test_two_taps_from_the_home_screen_to_a_printed_ticket(
    store, printer, printer_simulator
) -> None:
    kiosk = Kiosk(store, FixedClock(MONDAY), printer)
    assert kiosk.choices() == ["have_booking", "take_ticket", "book", "guide"]
    kiosk.tap("take_ticket")
    view = kiosk.view
    assert view.kind == "services:walk_in" and view.back
    assert [c.sub for c in view.choices][:1] == ["Real estate registration · 可取号"]
    kiosk.tap("service:tax")
    assert kiosk.taps == 2
    panel = kiosk.view.ticket
    assert panel is not None and panel.number == "E001"
    assert panel.where == "请到：二楼D区 7 号窗口"
    assert panel.materials == ("经办人居民身份证", "营业执照或纳税人识别号")
    assert "E001" in printed_text(printer_simulator)


def test_in_large_type_the_list_shows_four_at_a_time_and_the_first_page_is_two_taps(
    store, printer
) -> None:
    kiosk = Kiosk(store, FixedClock(MONDAY), printer)
    kiosk.tap("toggle_elderly")
    assert kiosk.choices() == ["have_booking", "take_ticket"]  # the two most needed
    kiosk.tap("take_ticket")
    view = kiosk.view
    assert len(view.choices) == 4 and view.pages == 2
    assert [c.name for c in view.pager] == ["next_page"]
    assert all(" · " not in c.sub for c in view.choices)  # no English line in 大字
    kiosk.tap("next_page")
    assert kiosk.choices() == ["service:tax", "service:consultation"]
    assert [c.name for c in kiosk.view.pager] == ["prev_page"]
    kiosk.tap("prev_page")
    kiosk.tap("service:household")
    assert kiosk.view.screen == "ticket"


def test_a_booking_only_day_is_said_on_the_home_screen_and_refused_at_the_first_tap(
    store,
) -> None:
    kiosk = Kiosk(store, FixedClock(SATURDAY))
    home = kiosk.view
    assert home.banner.startswith("今日仅限预约，现场不取号。可于11月30日（周一）08:00起取号。")
    assert "take_ticket" not in kiosk.choices()  # no list of "no"s
    assert home.note == "预约签到请刷身份证"
    kiosk.tap("book")
    kiosk.tap("home")
    assert kiosk.said[-3:-1] == ["请将身份证放在感应区", home.banner.split("\n")[0]]
    requests = len(kiosk.effects)
    kiosk.send(Tap("take_ticket"))  # asked for anyway (another screen's button)
    view = kiosk.view
    assert view.kind == "refused:booking_only" and view.title == "当前时段仅限预约"
    assert "11月30日（周一）08:00" in view.body
    assert kiosk.choices() == ["book", "desk"]
    assert not [e for e in kiosk.effects[requests:] if isinstance(e, TakeTicket)]


def test_a_holiday_offers_a_booking_and_the_guide(store) -> None:
    kiosk = Kiosk(store, FixedClock(NATIONAL_DAY))
    assert "法定节假日" in kiosk.view.banner
    assert kiosk.choices() == ["have_booking", "book", "guide"]
    kiosk.tap("guide")
    kiosk.tap("home")
    kiosk.send(Tap("walk_in:tax"))
    assert kiosk.view.kind == "refused:closed_today" and kiosk.view.title == "今日不办公"
    assert kiosk.choices() == ["book:tax", "guide:tax", "desk"]
    kiosk.tap("guide:tax")
    assert kiosk.view.kind == "guide" and kiosk.view.title == "税务办理"
    kiosk.tap("back")
    assert kiosk.view.kind == "refused:closed_today"


def test_a_weekend_decide_later_item_takes_materials_only_and_says_so(open_store, printer) -> None:
    store = open_store("pinggu-housing-fund")
    kiosk = Kiosk(store, FixedClock(SATURDAY.replace(hour=10)), printer)
    kiosk.tap("take_ticket")
    notes = {c.name: c.sub for c in kiosk.view.choices}
    assert notes["service:loan"].endswith("本时段只收材料")
    assert "公积金贷款本时段只收材料" in kiosk.view.note  # the service's name, not 承办类
    kiosk.tap("service:loan")
    panel = kiosk.view.ticket
    assert panel is not None and "仅接收材料" in panel.marks
    assert "仅接收申请材料" in panel.note
    assert kiosk.said[-2] == "本时段该事项仅接收申请材料，审批将在工作日完成。"


def test_paper_out_keeps_the_number_on_screen_and_staff_reprint_it_with_their_pin(
    store, printer, printer_simulator
) -> None:
    kiosk = Kiosk(store, FixedClock(MONDAY), printer, staff_pin="2580")
    printer_simulator.set_paper_out()
    kiosk.tap("take_ticket")
    kiosk.tap("service:household")
    panel = kiosk.view.ticket
    assert panel is not None and panel.number == "D001" and panel.print_state == "failed"
    assert panel.print_text == "打印机缺纸\n请拍照或记住您的号码，并到前台"
    assert kiosk.said[-1] == "打印机缺纸。请拍照或记住您的号码，并到前台。"
    faults = [e for e in kiosk.effects if type(e).__name__ == "RecordDeviceFault"]
    assert [(f.device, f.code, f.number) for f in faults] == [("printer", "paper_out", "D001")]
    assert kiosk.view.kind == "ticket" and kiosk.choices() == ["reprint"]
    kiosk.tap("reprint")
    for key in "1111":
        kiosk.tap(f"pin:{key}")
    kiosk.tap("pin:ok")
    assert kiosk.view.note == "密码错误" and kiosk.view.entered == ""
    printer_simulator.set_paper_out(False)
    for key in "2580":
        kiosk.tap(f"pin:{key}")
    assert kiosk.view.entered == "●●●●"
    kiosk.tap("pin:ok")
    panel = kiosk.view.ticket
    assert panel is not None and panel.print_state == "printed" and "补打" in panel.marks
    assert "D001" in printed_text(printer_simulator)
    assert "【补打】" in printed_text(printer_simulator)
    assert kiosk.flow.printed == ["D001"]


def test_a_store_fault_while_issuing_sends_the_person_to_the_desk_in_plain_words(store) -> None:
    kiosk = Kiosk(store, FixedClock(MONDAY))
    kiosk.tap("take_ticket")
    store.engine.dispose()
    path = Path(store.engine.url.database)
    size = path.stat().st_size
    with path.open("r+b") as handle:  # a damaged store: every page but the header overwritten
        handle.seek(100)
        handle.write(b"\xde\xad" * ((size - 100) // 2))
    kiosk.tap("service:tax")
    view = kiosk.view
    assert view.kind == "store_fault" and view.title == "系统暂时无法办理"
    assert "工作人员会为您人工取号" in view.body
    assert view.staff_line.startswith("工作人员：") and "\n" not in view.staff_line
    assert "Traceback" not in view.staff_line and "malformed" in view.staff_line
    assert kiosk.choices() == ["desk"]
    status = kiosk.flow.frame().chrome
    assert status.device_fault and "系统：连接中断" in status.status_text


def test_paper_out_with_the_ticket_issued_never_loses_the_ticket(store, printer) -> None:
    kiosk = Kiosk(store, FixedClock(MONDAY), printer)
    kiosk.tap("take_ticket")
    kiosk.tap("service:tax")
    number = kiosk.view.ticket.number  # type: ignore[union-attr]
    kiosk.send(PrintFailed(kiosk.flow.session, "ticket", PaperOut("after"), number))
    assert kiosk.view.ticket is not None and kiosk.view.ticket.number == number


def test_a_card_read_on_any_list_checks_its_holder_in(store) -> None:
    kiosk = Kiosk(store, FixedClock(MONDAY))
    kiosk.tap("take_ticket")
    kiosk.card(person("李四", sequence=120))
    assert isinstance(kiosk.effects[-1], CheckIn) or kiosk.view.kind == "no_booking"
    assert kiosk.view.kind == "no_booking"
