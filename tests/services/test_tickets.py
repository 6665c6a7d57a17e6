"""Walk-in tickets and check-in with the ID card, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from kiosk.services import CheckInOutcome, add_booking, check_in, take_ticket
from kiosk.services.errors import UnknownService
from kiosk.store.hallstore import HallStore
from kiosk.store.models import Booking, Event, Ticket
from tests.services.people import person

WEDNESDAY = datetime(2026, 11, 18, 9, 5)  # a plain working day
THURSDAY = date(2026, 11, 19)
SATURDAY = datetime(2026, 11, 21, 9, 30)  # booking-only weekend service


def events(store: HallStore) -> list[Event]:
    with store.read() as session:
        return list(session.execute(select(Event).order_by(Event.seq)).scalars())


def book(
    store: HallStore, who=None, service="social-insurance", slot=datetime(2026, 11, 19, 9, 30)
):
    result = add_booking(store, who or person("李四", sequence=222), service, slot, WEDNESDAY)
    assert result.booking is not None, result.message
    return result.booking


def test_walk_in_numbers_count_up_per_prefix(store: HallStore) -> None:
    numbers = [take_ticket(store, "social-insurance", WEDNESDAY).ticket for _ in range(3)]
    other = take_ticket(store, "real-estate", WEDNESDAY).ticket
    assert [t.number for t in numbers if t] == ["B001", "B002", "B003"]
    assert other is not None and other.number == "C001"
    assert [t.ahead for t in numbers if t] == [0, 1, 2]
    issued = [e for e in events(store) if e.type == "ticket_issued"]
    assert [e.payload["number"] for e in issued] == ["B001", "B002", "B003", "C001"]
    assert len({e.idempotency_key for e in issued}) == 4


def test_wait_uses_default_minutes_and_open_windows(store: HallStore) -> None:
    # social-insurance: 8 minutes by default, windows 3 and 4 serve it
    for _ in range(4):
        take_ticket(store, "social-insurance", WEDNESDAY)
    fifth = take_ticket(store, "social-insurance", WEDNESDAY).ticket
    assert fifth is not None and fifth.ahead == 4
    assert fifth.wait_minutes == 16  # 4 people x 8 min / 2 windows


def test_numbers_restart_each_day(store: HallStore) -> None:
    take_ticket(store, "social-insurance", WEDNESDAY)
    next_day = take_ticket(store, "social-insurance", datetime(2026, 11, 19, 10, 0)).ticket
    assert next_day is not None and next_day.number == "B001"


def test_booking_only_period_refuses_walk_in_with_schedule_reason(store: HallStore) -> None:
    result = take_ticket(store, "social-insurance", SATURDAY)
    assert result.ticket is None
    assert result.reason == "booking_only"
    assert "预约" in result.message
    assert not [e for e in events(store) if e.type == "ticket_issued"]


def test_after_closing_no_new_walk_in(store: HallStore) -> None:
    result = take_ticket(store, "social-insurance", datetime(2026, 11, 18, 17, 40))
    assert result.ticket is None and result.reason == "ticketing_closed"


def test_unknown_service_is_a_typed_error(store: HallStore) -> None:
    with pytest.raises(UnknownService, match="social-insurance"):
        take_ticket(store, "passport", WEDNESDAY)


def test_card_gives_priority_by_age_and_one_ticket_per_person(store: HallStore) -> None:
    elder = person("王老五", birth=date(1955, 3, 1), sequence=315)
    young = person("赵六", birth=date(1990, 3, 1), sequence=316)
    first = take_ticket(store, "social-insurance", WEDNESDAY, young).ticket
    second = take_ticket(store, "social-insurance", WEDNESDAY, elder).ticket
    assert first is not None and first.priority_group is None
    assert second is not None and second.priority_group == "elderly"
    assert second.ahead == 0  # priority before walk-ins
    assert second.name_masked == "王*五"
    again = take_ticket(store, "social-insurance", WEDNESDAY, elder)
    assert again.ticket is None and again.reason == "already_waiting"
    assert again.existing is not None and again.existing.number == second.number
    # the refused attempt used no number
    assert take_ticket(store, "social-insurance", WEDNESDAY).ticket.number == "B003"  # type: ignore[union-attr]
    # another service is fine
    assert take_ticket(store, "real-estate", WEDNESDAY, elder).ticket is not None


def test_no_plain_id_number_or_name_in_the_store(store: HallStore) -> None:
    who = person("李四", sequence=222)
    book(store, who)
    check_in(store, who, datetime(2026, 11, 19, 9, 10))
    take_ticket(store, "real-estate", datetime(2026, 11, 19, 9, 10), who)
    dump = []
    with store.read() as session:
        for model in (Booking, Ticket, Event):
            for row in session.execute(select(model)).scalars():
                dump.append(repr([getattr(row, c.key) for c in row.__table__.columns]))
    text = "\n".join(dump)
    assert who.id_number not in text and who.id_number[6:14] not in text
    assert "李四" not in text and "李*" in text


def test_check_in_on_time_issues_booked_ticket_with_materials(store: HallStore) -> None:
    who = person("李四", sequence=222)
    booking = book(store, who)
    result = check_in(store, who, datetime(2026, 11, 19, 9, 10))
    assert result.outcome is CheckInOutcome.CHECKED_IN
    ticket = result.ticket
    assert ticket is not None and ticket.kind == "booked" and ticket.number == "B001"
    assert ticket.booking_central_id == booking.central_id
    assert ticket.slot_start == datetime(2026, 11, 19, 9, 30)
    assert ticket.materials_zh == ("本人居民身份证或社会保障卡",)
    assert "B001" in result.message
    types = [e.type for e in events(store)]
    assert types[-2:] == ["ticket_issued", "booking_checked_in"]


def test_check_in_twice_gives_the_same_ticket(store: HallStore) -> None:
    who = person("李四", sequence=222)
    book(store, who)
    first = check_in(store, who, datetime(2026, 11, 19, 9, 10))
    second = check_in(store, who, datetime(2026, 11, 19, 9, 20))
    assert second.outcome is CheckInOutcome.ALREADY_CHECKED_IN
    assert second.ticket is not None and first.ticket is not None
    assert second.ticket.number == first.ticket.number
    with store.read() as session:
        assert len(session.execute(select(Ticket)).all()) == 1


def test_too_early_says_when_to_come_back(store: HallStore) -> None:
    who = person("李四", sequence=222)
    book(store, who)
    result = check_in(store, who, datetime(2026, 11, 19, 8, 40))
    assert result.outcome is CheckInOutcome.TOO_EARLY
    assert result.come_back_at == datetime(2026, 11, 19, 9, 0)
    assert "09:00" in result.message and result.ticket is None


def test_too_late_forfeits_and_offers_walk_in(store: HallStore) -> None:
    who = person("李四", sequence=222)
    booking = book(store, who)
    result = check_in(store, who, datetime(2026, 11, 19, 10, 5))
    assert result.outcome is CheckInOutcome.TOO_LATE
    assert result.walk_in_possible and "现场取号" in result.message
    assert result.booking is not None and result.booking.status == "forfeited"
    forfeits = [e for e in events(store) if e.type == "booking_forfeited"]
    assert [e.payload["booking"] for e in forfeits] == [booking.central_id]
    again = check_in(store, who, datetime(2026, 11, 19, 10, 6))
    assert again.outcome is CheckInOutcome.TOO_LATE
    assert len([e for e in events(store) if e.type == "booking_forfeited"]) == 1


def test_booking_on_another_date_or_hall(store: HallStore, make_store, calendar) -> None:
    who = person("李四", sequence=222)
    book(store, who)
    other_day = check_in(store, who, datetime(2026, 11, 18, 10, 0))
    assert other_day.outcome is CheckInOutcome.OTHER_HALL
    assert "明天 09:30-10:00" in other_day.message  # a date is said as people say it
    from kiosk.config import load_hall

    housing = make_store(load_hall("pinggu-housing-fund"))
    elsewhere = check_in(housing, who, datetime(2026, 11, 19, 9, 10))
    assert elsewhere.outcome is CheckInOutcome.OTHER_HALL
    assert "不在本中心" in elsewhere.message


def test_cancelled_booking(store: HallStore) -> None:
    who = person("李四", sequence=222)
    booking = book(store, who)
    with store.write() as session:
        row = session.execute(
            select(Booking).where(Booking.central_id == booking.central_id)
        ).scalar_one()
        row.status = "cancelled"
    result = check_in(store, who, datetime(2026, 11, 19, 9, 10))
    assert result.outcome is CheckInOutcome.CANCELLED and result.ticket is None


def test_no_booking(store: HallStore) -> None:
    result = check_in(store, person("路人", sequence=401), datetime(2026, 11, 19, 9, 10))
    assert result.outcome is CheckInOutcome.NO_BOOKING
    assert "现场取号" in result.message
