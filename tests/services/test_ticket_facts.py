"""What every ticket carries (issue 14): materials, where to go, priority, materials-only,
reprint and the booking code, as the services hand them to the screen and the printer."""

from __future__ import annotations

from datetime import date, datetime

from kiosk.config import load_hall
from kiosk.domain.booking_code import booking_code
from kiosk.services import CheckInOutcome, add_booking, check_in, take_ticket
from kiosk.services.calling import call_next, transfer
from kiosk.store.hallstore import HallStore
from tests.services.people import person

WEDNESDAY = datetime(2026, 11, 18, 9, 5)
# district Saturday: booking-only, decide-later items take materials only
SATURDAY = datetime(2026, 11, 21, 9, 30)


def test_walk_in_ticket_lists_materials_and_where_to_go(store: HallStore) -> None:
    ticket = take_ticket(store, "real-estate", WEDNESDAY).ticket
    assert ticket is not None and ticket.kind == "walk_in"
    service = store.hall.service("real-estate")
    assert ticket.materials_zh == service.materials_zh and ticket.materials_en
    assert ticket.materials("en") == service.materials_en
    assert ticket.windows == (5, 6)
    assert ticket.where_zh == "二楼C区 5、6 号任一窗口"
    assert ticket.where_en == "Zone C, Floor 2: Any of windows 5, 6"
    assert ticket.where("en") == ticket.where_en
    assert not ticket.priority and not ticket.materials_only and not ticket.reprint
    assert ticket.booking_code is None


def test_windows_in_two_areas_are_named_area_by_area(store: HallStore) -> None:
    ticket = take_ticket(store, "consultation", WEDNESDAY).ticket
    assert ticket is not None and ticket.windows == (2, 7)
    assert ticket.where_zh == "一楼A区 2 号窗口；二楼D区 7 号窗口"
    assert ticket.where_en == "Zone A, Floor 1: Window 2; Zone D, Floor 2: Window 7"
    assert ticket.materials_zh == ()  # an enquiry needs nothing


def test_a_called_ticket_names_its_own_window(store: HallStore) -> None:
    take_ticket(store, "social-insurance", WEDNESDAY)
    called = call_next(store, 4, WEDNESDAY).ticket
    assert called is not None and called.windows == (4,)
    assert called.where_zh == "一楼B区 4 号窗口"


def test_elderly_card_marks_priority_on_the_ticket(store: HallStore) -> None:
    elder = person("王老五", birth=date(1954, 3, 1), sequence=315)
    ticket = take_ticket(store, "social-insurance", WEDNESDAY, elder).ticket
    assert ticket is not None and ticket.priority and ticket.priority_group == "elderly"
    assert ticket.as_dict()["priority"] is True


def test_weekend_walk_in_for_a_decide_later_item_is_materials_only(make_store) -> None:  # type: ignore[no-untyped-def]
    store = make_store(load_hall("pinggu-housing-fund"))
    saturday = datetime(2026, 11, 21, 10, 0)
    loan = take_ticket(store, "loan", saturday)  # decide_later: materials received only
    withdrawal = take_ticket(store, "withdrawal", saturday)  # on the spot: served in full
    assert loan.ticket is not None and loan.ticket.materials_only
    assert withdrawal.ticket is not None and not withdrawal.ticket.materials_only
    # kept on the ticket: the console reads it back long after the period
    called = call_next(store, 3, datetime(2026, 11, 21, 10, 5))
    assert called.ticket is not None and called.ticket.materials_only


def test_booked_weekend_check_in_is_materials_only_and_carries_the_code(
    store: HallStore,
) -> None:
    who = person("李四", sequence=222)
    booked = add_booking(store, who, "real-estate", datetime(2026, 11, 21, 10, 0), WEDNESDAY)
    assert booked.booking is not None, booked.message
    result = check_in(store, who, SATURDAY)  # 30 min early: the slot's period decides
    assert result.outcome is CheckInOutcome.CHECKED_IN and result.ticket is not None
    ticket = result.ticket
    assert ticket.materials_only and not ticket.reprint
    assert ticket.booking_code == booking_code(booked.booking.central_id)
    assert result.booking is not None and result.booking.booking_code == ticket.booking_code
    assert result.booking.as_dict()["booking_code"] == ticket.booking_code
    # the second tap hands out the same ticket again: a reprint, still materials-only
    again = check_in(store, who, SATURDAY.replace(minute=40))
    assert again.outcome is CheckInOutcome.ALREADY_CHECKED_IN and again.ticket is not None
    assert again.ticket.number == ticket.number and again.ticket.reprint
    assert again.ticket.materials_only


def test_a_walk_in_holding_a_ticket_gets_it_back_as_a_reprint(store: HallStore) -> None:
    who = person("赵六", birth=date(1990, 3, 1), sequence=316)
    first = take_ticket(store, "social-insurance", WEDNESDAY, who).ticket
    again = take_ticket(store, "social-insurance", WEDNESDAY, who)
    assert first is not None and again.existing is not None
    assert again.existing.number == first.number and again.existing.reprint


def test_transfer_takes_the_new_items_acceptance(make_store) -> None:  # type: ignore[no-untyped-def]
    store = make_store(load_hall("pinggu-housing-fund"))
    saturday = datetime(2026, 11, 21, 10, 0)
    take_ticket(store, "withdrawal", saturday)
    call_next(store, 1, saturday)
    moved = transfer(store, 1, "loan", saturday.replace(minute=10))
    assert not moved.old.materials_only and moved.new.materials_only
