"""Check-in as data: a booked card alone gives its ticket; every other answer says why and
offers a next step that works now."""

from __future__ import annotations

from datetime import date, timedelta

from kiosk.clock import FixedClock
from kiosk.ports.card_reader import CardExpired, CardUnreadable, InvalidCardData
from screens.flows.events import CardFailed
from tests.flows.conftest import MONDAY, SATURDAY, Kiosk, book, printed_text
from tests.services.people import person


def test_a_booked_card_alone_gives_the_ticket_and_says_where_to_go(
    store, printer, printer_simulator
) -> None:
    who = person("张伟", sequence=101)
    book(store, who, "social-insurance", MONDAY)
    kiosk = Kiosk(store, FixedClock(MONDAY), printer)
    said = kiosk.card(who)
    assert kiosk.taps == 0  # nothing tapped from the card to the ticket
    view = kiosk.view
    assert view.screen == "ticket" and view.ticket is not None
    assert view.ticket.number == "B001" and view.ticket.service == "社保医保"
    assert view.ticket.where == "请到：一楼B区 3、4 号任一窗口"
    assert view.ticket.print_state == "printed"
    assert said[:4] == (
        "您的号码是 B001。",
        "办理事项：社保医保。",
        "前面还有 0 人，预计等候约 0 分钟。",
        "请到：一楼B区 3、4 号任一窗口，留意大屏叫号。",
    )
    assert said[-1] == "请取走号票，留意大屏叫号。"
    assert kiosk.flow.printed == ["B001"]
    paper = printed_text(printer_simulator)
    assert "B001" in paper and "社保医保" in paper  # the screen and the paper say the same
    assert view.ticket.booking.startswith("张* · 预约时段 10:00-10:30\n预约码：")
    code = view.ticket.booking.rsplit("：", 1)[1]
    assert f"预约码：{code}" in paper and "一楼B区 3、4 号任一窗口" in paper
    assert view.ticket.materials == ("本人居民身份证或社会保障卡",)


def test_the_same_card_again_shows_and_reprints_the_same_ticket_as_a_reprint(
    store, printer, printer_simulator
) -> None:
    who = person("张伟", sequence=101)
    book(store, who, "social-insurance", MONDAY)
    kiosk = Kiosk(store, FixedClock(MONDAY), printer)
    kiosk.card(who)
    kiosk.tap("home")
    kiosk.card(who)
    panel = kiosk.view.ticket
    assert panel is not None and panel.number == "B001" and "补打" in panel.marks
    assert "您已签到" in panel.note
    assert kiosk.flow.printed == ["B001", "B001"]
    assert "【补打】" in printed_text(printer_simulator) and "补打时间" in printed_text(
        printer_simulator
    )
    assert "【补打】" not in printed_text(printer_simulator, 0)


def test_too_early_offers_a_walk_in_for_the_booked_service_when_walk_ins_are_open(store) -> None:
    who = person("李晓红", sequence=102)
    book(store, who, "household", MONDAY + timedelta(hours=4))  # 14:00, check-in from 13:30
    kiosk = Kiosk(store, FixedClock(MONDAY))
    kiosk.card(who)
    view = kiosk.view
    assert view.kind == "too_early"
    assert "今天 14:00-14:30（公安户政）" in view.body and "今天 13:30后" in view.body
    assert kiosk.choices() == ["walk_in:household", "desk"]
    assert view.spoken[-1] == "您可以选择：现场取号、到前台。"
    kiosk.tap("walk_in:household")
    assert kiosk.view.screen == "ticket" and kiosk.taps == 1
    assert kiosk.view.ticket is not None and kiosk.view.ticket.number == "D001"


def test_too_late_gives_the_booking_up_and_offers_a_walk_in(store) -> None:
    who = person("阿依古丽", sequence=103)
    book(store, who, "tax", MONDAY - timedelta(hours=1, minutes=30))
    kiosk = Kiosk(store, FixedClock(MONDAY))
    kiosk.card(who)
    view = kiosk.view
    assert view.kind == "too_late" and "视为自动放弃" in view.body
    assert "现在可以现场取号办理" in view.body
    assert kiosk.choices()[0] == "walk_in:tax"


def test_a_booking_on_another_day_is_said_with_its_weekday(store) -> None:
    who = person("陈嘉欣", sequence=104)
    book(store, who, "tax", MONDAY + timedelta(days=3))
    kiosk = Kiosk(store, FixedClock(MONDAY))
    kiosk.card(who)
    assert kiosk.view.kind == "other_day"
    assert "11月26日（周四）10:00-10:30（税务办理）" in kiosk.view.body
    kiosk.tap("toggle_lang")  # the same answer, re-said in English
    assert kiosk.view.title == "Your booking is not today"
    assert "Thu 26 Nov 10:00-10:30 (Tax services)" in kiosk.view.body


def test_no_booking_offers_a_walk_in_with_the_card_and_a_booking(store, printer) -> None:
    who = person("王桂花", birth=date(1954, 3, 1), sequence=105)  # 72: priority
    kiosk = Kiosk(store, FixedClock(MONDAY), printer)
    kiosk.card(who)
    assert kiosk.view.kind == "no_booking"
    assert kiosk.choices() == ["take_ticket", "book", "desk"]
    kiosk.tap("take_ticket")
    assert "已读取证件：王*花" in kiosk.view.note
    kiosk.tap("service:tax")
    panel = kiosk.view.ticket
    assert panel is not None and panel.number == "E001" and "优先" in panel.marks
    assert kiosk.taps == 2


def test_a_walk_in_holder_tapping_the_card_again_gets_the_ticket_reprinted(store, printer) -> None:
    who = person("王桂花", birth=date(1954, 3, 1), sequence=105)
    kiosk = Kiosk(store, FixedClock(MONDAY), printer)
    kiosk.card(who)
    kiosk.tap("take_ticket")
    kiosk.tap("service:tax")
    kiosk.tap("home")
    kiosk.card(who)
    panel = kiosk.view.ticket
    assert panel is not None and panel.number == "E001" and "补打" in panel.marks
    assert kiosk.flow.printed == ["E001", "E001"]


def test_on_a_booking_only_day_no_booking_offers_a_booking_not_a_walk_in(store) -> None:
    kiosk = Kiosk(store, FixedClock(SATURDAY))
    kiosk.card(person("李四", sequence=106))
    assert kiosk.view.kind == "no_booking"
    assert kiosk.choices() == ["book", "desk"]
    assert "现在不能现场取号" in kiosk.view.body


def test_an_expired_card_offers_a_walk_in_and_the_desk(store) -> None:
    who = person("欧阳小明", sequence=107)
    kiosk = Kiosk(store, FixedClock(MONDAY))
    kiosk.send(CardFailed(CardExpired(who)))
    view = kiosk.view
    assert view.kind == "card_expired"
    assert kiosk.choices() == ["take_ticket", "desk"]
    assert "过期证件不能签到或预约" in view.body and view.back


def test_unreadable_and_invalid_cards_say_what_to_do(store) -> None:
    kiosk = Kiosk(store, FixedClock(MONDAY))
    kiosk.send(CardFailed(CardUnreadable("moved")))
    assert kiosk.view.kind == "card_error" and "平放" in kiosk.view.body
    kiosk.tap("back")
    kiosk.send(CardFailed(InvalidCardData("checksum")))
    assert "人工核验" in kiosk.view.body
    assert "desk" in kiosk.choices()
