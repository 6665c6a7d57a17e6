"""The place rules both stores decide by: one place per person per slot, one booking per item
per day, and no booking into a full slot; and the slot list every booking channel shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from kiosk.domain.booking_rules import (
    BookingRefusal,
    HolderConflict,
    PlaceRefusal,
    day_slots,
    place_decision,
    slot_offers,
)
from kiosk.domain.identity import check_digit, contains_id_number, mask_phone, valid_phone

NINE = datetime(2026, 11, 28, 9, 0)
TEN = datetime(2026, 11, 28, 10, 0)


@dataclass(frozen=True)
class Held:
    service_id: str
    slot_start: datetime


def test_a_holder_keeps_one_place_per_slot_whatever_the_item() -> None:
    held = [Held("tax", NINE)]
    decision = place_decision(4, 0, "real-estate", NINE, held)
    assert decision.refusal is PlaceRefusal.ALREADY_BOOKED
    assert decision.conflict is HolderConflict.SAME_SLOT and decision.held == held[0]


def test_one_booking_per_item_per_day() -> None:
    decision = place_decision(4, 0, "tax", TEN, [Held("tax", NINE)])
    assert decision.conflict is HolderConflict.SAME_ITEM_SAME_DAY
    assert place_decision(4, 0, "real-estate", TEN, [Held("tax", NINE)]).allowed
    next_day = datetime(2026, 11, 29, 9, 0)
    assert place_decision(4, 0, "tax", next_day, [Held("tax", NINE)]).allowed


def test_a_full_slot_refuses_after_the_holder_rule() -> None:
    assert place_decision(4, 4, "tax", NINE, []).refusal is PlaceRefusal.SLOT_FULL
    assert place_decision(4, 5, "tax", NINE, []).refusal is PlaceRefusal.SLOT_FULL
    # The person's own booking is named first: it tells staff more than "full".
    assert place_decision(4, 4, "tax", NINE, [Held("tax", NINE)]).conflict is not None
    assert place_decision(4, 3, "tax", NINE, []).allowed


def test_slot_offers_count_places_and_say_why_a_slot_is_closed(halls, calendar) -> None:
    hall = halls["xixia"]
    service = hall.service("real-estate")
    day = date(2026, 11, 28)
    monday = datetime(2026, 11, 23, 9, 0)
    offers = slot_offers(hall, day, monday, calendar, service, {NINE: 4, TEN: 1}, "online")
    assert [o.slot.start for o in offers] == [s.start for s in day_slots(hall, day, calendar)]
    by_start = {o.slot.start: o for o in offers}
    assert (by_start[NINE].free, by_start[NINE].open, by_start[NINE].reason) == (
        0,
        False,
        "slot_full",
    )
    assert (by_start[TEN].free, by_start[TEN].open, by_start[TEN].reason) == (3, True, None)
    late = slot_offers(hall, day, datetime(2026, 11, 27, 12, 0), calendar, service, {}, "online")
    assert {o.reason for o in late if o.slot.start < datetime(2026, 11, 28, 12, 0)} == {
        BookingRefusal.DEADLINE_PASSED.value
    }


def test_phone_numbers_and_their_masks() -> None:
    assert (
        valid_phone("13812345678")
        and valid_phone("0377-6011 9518")
        and valid_phone("+86 138 1234 5678")
    )
    assert not valid_phone("12345") and not valid_phone("138-") and not valid_phone("abc1234567")
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("0377-60119518") == "037*****9518"


def test_an_id_number_is_found_in_a_text_plain_or_in_groups() -> None:
    number = "41032319850601123" + check_digit("41032319850601123")
    assert contains_id_number(number) and contains_id_number(f"持证人 {number.lower()} 办理")
    assert contains_id_number(f"{number[:6]} {number[6:14]} {number[14:]}")
    assert contains_id_number(f"{number[:6]}-{number[6:14]}-{number[14:]}")
    assert not contains_id_number(number[:17] + ("0" if number[17] != "0" else "1"))  # check char
    assert not contains_id_number("9" + number)  # a longer run of digits is not a number
    assert not contains_id_number("2026-11-28T09:00:00 A017 13812345678")
