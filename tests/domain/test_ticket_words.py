"""The short booking code and where a ticket sends its holder: pure rules, no store."""

from __future__ import annotations

import uuid

import pytest

from kiosk.config import load_hall
from kiosk.domain.booking_code import (
    BOOKING_CODE_ALPHABET,
    BOOKING_CODE_LENGTH,
    booking_code,
    normalise_booking_code,
)
from kiosk.domain.hall import WindowGroup
from kiosk.i18n import use_language
from kiosk.messages import describe_where


def test_booking_code_is_short_unambiguous_and_stable() -> None:
    # Pinned: the central store, the staff pages and every kiosk compute it, so it never changes.
    assert booking_code("0f8fad5b-d9cb-469f-a165-70867728950e") == "649PFWF"
    assert booking_code("local-1") == "7CY7JEA"
    assert booking_code(" local-1 ") == "7CY7JEA"
    for confusable in "0OQD1IL2Z5S8BGUV":
        assert confusable not in BOOKING_CODE_ALPHABET
    codes = {booking_code(str(uuid.UUID(int=n))) for n in range(2000)}
    assert len(codes) == 2000  # no clash among a busy hall-day's worth of bookings
    for code in list(codes)[:50]:
        assert len(code) == BOOKING_CODE_LENGTH and set(code) <= set(BOOKING_CODE_ALPHABET)
        assert normalise_booking_code(code) == code


def test_booking_code_uses_the_whole_alphabet_evenly() -> None:
    counts = {ch: 0 for ch in BOOKING_CODE_ALPHABET}
    for n in range(4000):
        for ch in booking_code(f"booking-{n}"):
            counts[ch] += 1
    expected = 4000 * BOOKING_CODE_LENGTH / len(BOOKING_CODE_ALPHABET)
    assert all(0.85 * expected < count < 1.15 * expected for count in counts.values()), counts


def test_a_typed_code_is_normalised_or_refused_with_the_reason() -> None:
    assert normalise_booking_code("649-pfwf") == "649PFWF"
    assert normalise_booking_code(" 649 PFW F ") == "649PFWF"
    with pytest.raises(ValueError, match="expected 7 characters, got 6"):
        normalise_booking_code("649PFW")
    with pytest.raises(ValueError, match="0O never appear"):
        normalise_booking_code("649PF0O")
    with pytest.raises(ValueError, match="central id"):
        booking_code("  ")


def test_directions_group_windows_by_area() -> None:
    xixia = load_hall("xixia")
    assert xixia.directions("real-estate") == (WindowGroup("一楼A区", "Zone A, Floor 1", (1, 2)),)
    assert xixia.directions("consultation") == (
        WindowGroup("一楼B区", "Zone B, Floor 1", (4,)),
        WindowGroup("二楼D区", "Zone D, Floor 2", (7,)),
    )
    assert xixia.directions("consultation", window=7) == (
        WindowGroup("二楼D区", "Zone D, Floor 2", (7,)),
    )
    # an item with an area of its own is sent there, with its windows
    desk = xixia.model_copy(
        update={
            "services": tuple(
                s.model_copy(update={"area_zh": "一楼咨询台", "area_en": "Enquiry desk"})
                if s.id == "consultation"
                else s
                for s in xixia.services
            )
        }
    )
    assert desk.directions("consultation") == (WindowGroup("一楼咨询台", "Enquiry desk", (4, 7)),)
    with pytest.raises(KeyError):
        xixia.directions("passport")


def test_where_reads_naturally_in_both_languages() -> None:
    groups = (WindowGroup("一楼A区", "Zone A, Floor 1", (1, 2)), WindowGroup("", "", (9,)))
    with use_language("zh_CN"):
        assert describe_where(groups) == "一楼A区 1、2 号任一窗口；9 号窗口"
    with use_language("en"):
        assert describe_where(groups) == "Zone A, Floor 1: Any of windows 1, 2; Window 9"
