"""Damaged card data never becomes a wrong identity: every field is checked against what a card
of its type holds, and a card is accepted only when two consecutive reads agree. The long fuzz
(over a million mutated frames) is ``bench/idcard_fuzz.py``; here a bounded hypothesis run."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hardware.idcard.card import (
    TEXT_SIZE,
    CardDataError,
    build_read_data,
    decode_read_frame,
    decode_text,
    encode_text,
)
from hardware.idcard.cardfile import SimulatedCard, demo_cards
from hardware.idcard.codec import FrameError, encode_reply
from hardware.idcard.confirm import ReadConfirmation, ReadsDisagree
from hardware.idcard.simulator import ReaderSimulator
from kiosk.ports.card_reader import CardUnreadable
from tests.idcard.conftest import Events, wait_for_finds

CARDS = demo_cards()
TEXT_IN_FRAME = 14  # preamble 5, LEN 2, SW 3, block lengths 4


def put(block: bytes, offset: int, text: str) -> bytes:
    data = text.encode("utf-16-le")
    return block[:offset] + data + block[offset + len(data) :]


@pytest.mark.parametrize(
    ("stem", "offset", "text", "reason"),
    [
        ("resident-zhang-wei", 2, "A", "name"),  # 张A: a Latin letter in a Chinese name
        ("resident-zhang-wei", 4, "!", "name"),  # damaged padding after the name
        ("resident-zhang-wei", 54, " ", "address"),  # a space inside the address
        ("resident-zhang-wei", 230, "x", "no field uses"),  # reserved bytes must be blank
        ("resident-zhang-wei", 122, "0", "ID number"),  # area code 01…: no province
        ("resident-zhang-wei", 210, "3", "validity span"),  # 2036 → 2031? no: 20 → 15 years
        ("resident-zhang-wei", 158, "X", "authority"),
        ("hmt-chan-ka-yan", 220, "M", "region"),  # a Macao pass on a Hong Kong permit
        ("foreign-2017-smith", 122, "DEU", "nationality"),  # number's country ≠ card's
        ("foreign-2017-smith", 136, "8", "birth"),  # number's YYMMDD ≠ birth field
        ("foreign-2017-smith", 240, "99", "authority code"),
        ("foreign-2017-smith", 152, "XYZ", "country"),
        ("foreign-2017-smith", 0, "s", "English name"),  # lower case
        ("foreign-2023-muller", 128, "9", "country"),  # ISO numeric 276 → 976 (and check digit)
        ("foreign-2023-muller", 204, "2035", "validity span"),  # 11 years
    ],
)
def test_fields_no_real_card_holds_are_refused(
    stem: str, offset: int, text: str, reason: str
) -> None:
    block = put(CARDS[stem].text_block(), offset, text)
    with pytest.raises(CardDataError):
        decode_text(block)


def test_only_a_resident_card_is_valid_long_term_and_spans_follow_the_rules() -> None:
    smith = CARDS["foreign-2017-smith"]
    with pytest.raises(CardDataError, match="long-term"):
        decode_text(encode_text(replace(smith.identity, valid_to=None), smith.extras))
    wang = CARDS["resident-wang-guihua-72"]
    assert decode_text(wang.text_block()).identity.valid_to is None
    zhang = CARDS["resident-zhang-wei"]
    odd = replace(zhang.identity, valid_to=date(2031, 5, 21))  # 15 years and a day
    with pytest.raises(CardDataError, match="validity span"):
        decode_text(encode_text(odd))


def test_two_flips_the_checksum_misses_change_a_name_so_one_read_is_not_enough() -> None:
    """The field case (张伟 → 张伞): every check passes on one read."""
    card = CARDS["resident-zhang-wei"]
    frame = bytearray(encode_reply(0x90, build_read_data(card.text_block())))
    frame[TEXT_IN_FRAME] ^= 1
    frame[TEXT_IN_FRAME + 2] ^= 1
    wrong = decode_read_frame(bytes(frame))
    assert wrong.identity.name != card.identity.name  # what confirming two reads is for
    confirmation = ReadConfirmation()
    assert confirmation.offer(bytes(frame[TEXT_IN_FRAME : TEXT_IN_FRAME + TEXT_SIZE])) is None
    assert confirmation.offer(card.text_block()) is None  # disagrees with the damaged read
    record = confirmation.offer(card.text_block())
    assert record is not None and record.identity == card.identity


def test_confirmation_rules() -> None:
    zhang, smith = CARDS["resident-zhang-wei"], CARDS["foreign-2017-smith"]
    relaxed = ReadConfirmation(confirm_all=False)
    assert relaxed.offer(zhang.text_block()) is not None  # a check digit: one read
    relaxed = ReadConfirmation(confirm_all=False)
    assert relaxed.offer(smith.text_block()) is None  # no check digit: read again
    assert relaxed.offer(smith.text_block()).identity == smith.identity  # type: ignore[union-attr]
    bad = put(zhang.text_block(), 2, "A")
    stubborn = ReadConfirmation()
    assert stubborn.offer(bad) is None
    with pytest.raises(CardDataError) as refused:  # the card itself holds bad data
        stubborn.offer(bad)
    assert not isinstance(refused.value, ReadsDisagree)
    noisy = ReadConfirmation(max_reads=3)
    assert noisy.offer(put(zhang.text_block(), 2, "伞")) is None
    assert noisy.offer(put(zhang.text_block(), 2, "伍")) is None
    with pytest.raises(ReadsDisagree):
        noisy.offer(put(zhang.text_block(), 2, "仁"))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(CARDS)), st.data())
def test_no_pair_of_same_bit_flips_becomes_a_wrong_identity(stem: str, data: st.DataObject) -> None:
    """The flips the XOR checksum cannot see, anywhere in the text, then a clean second read."""
    card = CARDS[stem]
    frame = bytearray(encode_reply(0x90, build_read_data(card.text_block())))
    first = data.draw(st.integers(TEXT_IN_FRAME, TEXT_IN_FRAME + TEXT_SIZE - 1))
    second = data.draw(st.integers(TEXT_IN_FRAME, TEXT_IN_FRAME + TEXT_SIZE - 1))
    bit = 1 << data.draw(st.integers(0, 7))
    frame[first] ^= bit
    frame[second] ^= bit
    confirmation = ReadConfirmation()
    try:
        damaged = decode_read_frame(bytes(frame))
    except (FrameError, CardDataError):
        damaged = None
    blocks = [bytes(frame[TEXT_IN_FRAME : TEXT_IN_FRAME + TEXT_SIZE]), card.text_block()]
    blocks.append(card.text_block())
    accepted = None
    for block in blocks:
        accepted = confirmation.offer(block)
        if accepted is not None:
            break
    assert accepted is not None and accepted.identity == card.identity
    if damaged is not None and first != second:
        assert confirmation.reads == 3  # the damaged read was never the one accepted


def test_the_driver_reads_again_over_a_real_pty_until_two_reads_agree(
    tmp_path, events: Events, make_reader: Any
) -> None:
    card: SimulatedCard = CARDS["resident-zhang-wei"]
    with ReaderSimulator(115200, link=tmp_path / "r") as simulator:
        reader = make_reader(simulator.url, events)
        simulator.set_fault("flip", times=1)  # the first read's name arrives as 弢伝
        simulator.place_card(card)
        assert events.next().identity == card.identity
        assert simulator.card_reads == 3 and reader.stats.confirm_reads == 2
        simulator.remove_card()
        wait_for_finds(simulator, 2)  # the driver has seen the card leave
        simulator.set_fault("flip")  # every read damaged, each differently: none agree
        simulator.place_card(CARDS["resident-li-xiaohong"])
        event = events.next()
        assert isinstance(event.error, CardUnreadable) and "different data" in str(event.error)
        assert reader.stats.disagreements == 1 and simulator.card_reads == 7
