"""On-site booking and the guide as data: days with their weekday, places left, 大字 split into
morning and afternoon four at a time, the card to confirm, every material at once."""

from __future__ import annotations

from datetime import datetime

from kiosk.clock import FixedClock
from kiosk.services import add_booking
from screens.flows.events import Tap
from tests.flows.conftest import MONDAY, Kiosk
from tests.services.people import person


def _fill(store, service: str, slot: datetime, count: int) -> None:  # type: ignore[no-untyped-def]
    for index in range(count):
        who = person(f"预约{index}", sequence=800 + index)
        result = add_booking(
            store, who, service, slot, datetime(2026, 11, 20, 9), channel="on_site"
        )
        assert result.booking is not None, result.message


def test_book_a_slot_with_the_card_and_get_every_material(
    store, printer, printer_simulator
) -> None:
    _fill(store, "household", datetime(2026, 11, 24, 10, 0), 4)  # Tuesday 10:00 is full
    kiosk = Kiosk(store, FixedClock(MONDAY), printer)
    kiosk.tap("book")
    kiosk.tap("service:household")
    days = kiosk.view
    assert days.kind == "days"
    assert [c.label for c in days.choices] == [
        "11月24日（周二）",
        "11月25日（周三）",
        "11月26日（周四）",
        "11月27日（周五）",
    ]
    kiosk.tap("day:2026-11-24")
    slots = {c.name: c for c in kiosk.view.choices}
    assert kiosk.view.columns == 3 and kiosk.view.per_page == 15
    assert min(slots) == "slot:1000"  # 24 h ahead: nothing before Tuesday 10:00
    assert not slots["slot:1000"].enabled and slots["slot:1000"].sub == "– 10:30 · 已约满"
    assert slots["slot:1030"].sub == "– 11:00 · 余 4 个"
    kiosk.tap("slot:1030")
    confirm = kiosk.view
    assert confirm.screen == "place_card" and "11月24日（周二） 10:30-11:00" in confirm.body
    kiosk.card(person("李晓红", sequence=130))
    booked = kiosk.view
    assert booked.kind == "booked" and booked.materials == (
        "本人居民身份证",
        "户口簿",
        "相关证明材料",
    )
    assert "李*红" in booked.body and booked.print_text == "请取走预约凭条"
    assert kiosk.said[-1] == "请取走预约凭条"
    assert len(printer_simulator.jobs) == 1


def test_large_type_splits_the_day_into_morning_and_afternoon_four_slots_a_page(store) -> None:
    kiosk = Kiosk(store, FixedClock(MONDAY))
    kiosk.tap("toggle_elderly")
    kiosk.send(Tap("book"))  # 大字 keeps two actions on the home screen; 预约 from elsewhere
    kiosk.tap("service:household")
    kiosk.tap("day:2026-11-25")
    halves = kiosk.view
    assert halves.kind == "halves"
    assert [(c.label, c.sub) for c in halves.choices] == [
        ("上午", "08:00-12:00 · 8 个时段可约"),
        ("下午", "12:00-17:30 · 11 个时段可约"),
    ]
    kiosk.tap("half:pm")
    page = kiosk.view
    assert page.kind == "slots:pm" and len(page.choices) == 4 and page.pages == 3
    assert page.columns == 2
    kiosk.tap("next_page")
    kiosk.tap("next_page")
    assert [c.label for c in kiosk.view.choices] == ["16:00", "16:30", "17:00"]
    kiosk.tap("back")
    assert kiosk.view.kind == "halves"  # 上一步: back to morning or afternoon


def test_booking_with_the_reader_down_is_refused_at_once_with_the_desk(store) -> None:
    kiosk = Kiosk(store, FixedClock(MONDAY))
    kiosk.ticks(6, reader_online=False)
    assert "book" not in kiosk.choices()
    kiosk.send(Tap("book"))
    view = kiosk.view
    assert view.kind == "reader_down" and "请到前台预约" in view.body
    assert kiosk.choices() == ["take_ticket", "desk"]


def test_a_slot_taken_meanwhile_offers_another(store) -> None:
    kiosk = Kiosk(store, FixedClock(MONDAY))
    kiosk.tap("book")
    kiosk.tap("service:household")
    kiosk.tap("day:2026-11-24")
    kiosk.tap("slot:1030")
    _fill(store, "household", datetime(2026, 11, 24, 10, 30), 4)  # others were quicker
    kiosk.card(person("李晓红", sequence=130))
    view = kiosk.view
    assert view.kind == "booking_refused:slot_full"
    assert view.body == "该时段已约满，请选择其他时段。"
    assert kiosk.choices()[0] == "book:household"
    kiosk.tap("back")
    assert kiosk.view.kind == "slots:day"


def test_the_guide_lists_everything_and_prints_it(store, printer, printer_simulator) -> None:
    kiosk = Kiosk(store, FixedClock(MONDAY), printer)
    kiosk.tap("guide")
    kiosk.tap("service:real-estate")
    view = kiosk.view
    assert view.title == "不动产登记" and len(view.materials) == 5
    assert view.icon == "home-city"
    assert view.spoken[1].startswith("请带齐以下材料：不动产登记申请书、")
    kiosk.tap("print")
    assert kiosk.view.print_text == "请取走材料清单" and len(printer_simulator.jobs) == 1
    kiosk.tap("back")
    kiosk.tap("service:consultation")
    assert kiosk.view.materials == () and kiosk.choices() == []  # nothing to bring or print
    assert kiosk.view.materials_title == "办理该事项无需另备材料。"


def test_days_in_a_year_without_holiday_data_are_said_not_offered(store) -> None:
    kiosk = Kiosk(store, FixedClock(datetime(2026, 12, 28, 10, 0)))
    kiosk.tap("book")
    kiosk.tap("service:household")
    view = kiosk.view
    assert [c.name for c in view.choices][-1] == "day:2026-12-31"
    assert "1月1日起的日期：2027年节假日安排未发布，暂不能预约。" in view.note
    kiosk.tap("toggle_lang")  # said again in English
    assert "2027" in kiosk.view.note and "暂不能预约" not in kiosk.view.note
