from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hardware.idcard.card import (
    NATION_BY_CODE,
    TEXT_SIZE,
    CardDataError,
    build_read_data,
    decode_read_frame,
    decode_text,
    encode_text,
    split_read_data,
)
from hardware.idcard.cardfile import (
    DEMO_CARDS_DIR,
    CardFileError,
    SimulatedCard,
    card_from_dict,
    demo_cards,
    load_card,
)
from hardware.idcard.codec import FrameError, encode_reply
from kiosk.domain.identity import CardType, age_on, is_expired, validate_id_number

CARDS = demo_cards()
TODAY = date(2026, 11, 23)  # a fixed day: the demo set is judged as of the writing


def text_of(block: bytes, offset: int, length: int) -> str:
    return block[offset : offset + length].decode("utf-16-le").rstrip(" ")


def test_demo_set_covers_what_the_demo_needs() -> None:
    letters = {card.type_letter for card in CARDS.values()}
    assert letters == {" ", "J", "I", "Y"}
    residents = [c for c in CARDS.values() if c.identity.card_type is CardType.RESIDENT]
    assert len({c.identity.id_number for c in residents}) >= 3
    assert any(age_on(c.identity, TODAY) >= 70 for c in residents)
    assert any(is_expired(c.identity, TODAY) for c in residents)
    assert any(c.identity.valid_to is None for c in CARDS.values())
    for card in CARDS.values():
        if len(card.identity.id_number) == 18:
            validate_id_number(card.identity.id_number)


@pytest.mark.parametrize("stem", sorted(CARDS))
def test_every_demo_card_round_trips_through_a_whole_reply_frame(stem: str) -> None:
    card = CARDS[stem]
    frame = encode_reply(0x90, build_read_data(card.text_block(), bytes(range(256)) * 4))
    record = decode_read_frame(frame)
    assert record.identity == card.identity
    assert record.type_letter == card.type_letter
    assert record.extras == card.extras


def test_resident_layout_offsets() -> None:
    block = CARDS["resident-zhang-wei"].text_block()
    assert len(block) == TEXT_SIZE
    assert text_of(block, 0, 30) == "张伟"
    assert text_of(block, 30, 2) == "1"
    assert text_of(block, 32, 4) == "01"
    assert text_of(block, 36, 16) == "19860312"
    assert text_of(block, 122, 36) == CARDS["resident-zhang-wei"].identity.id_number
    assert text_of(block, 248, 2) == ""


def test_each_foreign_layout() -> None:
    old = CARDS["foreign-2017-smith"].text_block()
    assert text_of(old, 248, 2) == "I"
    assert text_of(old, 0, 120) == "SMITH, JOHN ROBERT"
    assert text_of(old, 152, 6) == "USA"
    assert text_of(old, 220, 16) == "19780905"
    assert text_of(old, 240, 8) == "1500"
    new = CARDS["foreign-2023-muller"].text_block()
    assert text_of(new, 248, 2) == "Y"
    assert text_of(new, 242, 6) == "DEU"
    permit = CARDS["hmt-chan-ka-yan"].text_block()
    assert text_of(permit, 248, 2) == "J"
    assert text_of(permit, 220, 18) == "H61234567"


def test_long_english_name_spans_both_fields_of_the_2023_card() -> None:
    card = CARDS["foreign-2023-muller"]
    long_name = "MUELLER-LUEDENSCHEIDT, ANNA KATHARINA MARIA"
    identity = replace(card.identity, name_en=long_name)
    block = encode_text(identity)
    assert text_of(block, 52, 70) == long_name[:35]
    assert text_of(block, 220, 22) == long_name[35:]
    assert decode_text(block).identity.name_en == long_name


def test_long_term_and_code_tables() -> None:
    block = CARDS["resident-wang-guihua-72"].text_block()
    assert text_of(block, 204, 16) == "长期"
    assert decode_text(block).identity.valid_to is None
    assert len(NATION_BY_CODE) == 58 and NATION_BY_CODE["05"] == "维吾尔"
    assert decode_text(CARDS["resident-ayguli-uyghur"].text_block()).identity.nation == "维吾尔"


def put(block: bytes, offset: int, text: str) -> bytes:
    data = text.encode("utf-16-le")
    return block[:offset] + data + block[offset + len(data) :]


@pytest.mark.parametrize(
    ("offset", "text", "reason"),
    [
        (248, "Q", "card type"),
        (30, "7", "sex"),
        (32, "77", "nation"),
        (36, "19860231", "date"),
        (36, "1986031X", "date"),
        (36, "19860313", "出生日期"),
        (30, "2", "性别"),
        (140, "9", "校验位"),
        (0, "\x07", "control"),
    ],
)
def test_damaged_blocks_are_errors(offset: int, text: str, reason: str) -> None:
    block = put(CARDS["resident-zhang-wei"].text_block(), offset, text)
    with pytest.raises(CardDataError, match=reason):
        decode_text(block)


def test_block_and_reply_sizes_are_checked() -> None:
    block = CARDS["resident-zhang-wei"].text_block()
    with pytest.raises(CardDataError):
        decode_text(block[:-2])
    with pytest.raises(CardDataError, match="lengths"):
        split_read_data(build_read_data(block)[:-1])
    with pytest.raises(CardDataError, match="text block length"):
        split_read_data(b"\x00\x10\x04\x00" + bytes(16 + 1024))
    with pytest.raises(CardDataError, match="no card"):
        decode_read_frame(encode_reply(0x80))


@settings(max_examples=200)
@given(st.sampled_from(sorted(CARDS)), st.data())
def test_no_single_wrong_digit_of_the_number_yields_an_identity(
    stem: str, data: st.DataObject
) -> None:
    card = CARDS[stem]
    number = card.identity.id_number
    if len(number) != 18:
        return
    position = data.draw(st.integers(0, 17))
    replacement = data.draw(st.sampled_from([d for d in "0123456789X" if d != number[position]]))
    wrong = number[:position] + replacement + number[position + 1 :]
    with pytest.raises(CardDataError):
        decode_text(put(card.text_block(), 122, wrong))


@settings(max_examples=300)
@given(st.sampled_from(sorted(CARDS)), st.data())
def test_a_corrupt_frame_never_yields_an_identity(stem: str, data: st.DataObject) -> None:
    frame = bytearray(encode_reply(0x90, build_read_data(CARDS[stem].text_block())))
    if data.draw(st.booleans()):
        position = data.draw(st.integers(0, len(frame) - 1))
        frame[position] ^= data.draw(st.integers(1, 255))
    else:
        del frame[data.draw(st.integers(0, len(frame) - 1)) :]
    with pytest.raises((FrameError, CardDataError)):
        decode_read_frame(bytes(frame))


@given(st.binary(min_size=TEXT_SIZE, max_size=TEXT_SIZE))
def test_random_blocks_are_refused_without_crashing(block: bytes) -> None:
    with pytest.raises(CardDataError):
        decode_text(block)


@settings(max_examples=200)
@given(st.sampled_from(sorted(CARDS)), st.data())
def test_mutated_blocks_give_an_error_or_a_fully_checked_identity(
    stem: str, data: st.DataObject
) -> None:
    block = bytearray(CARDS[stem].text_block())
    for _ in range(data.draw(st.integers(1, 4))):
        block[data.draw(st.integers(0, TEXT_SIZE - 1))] = data.draw(st.integers(0, 255))
    try:
        record = decode_text(bytes(block))
    except CardDataError:
        return
    # a surviving mutation touched only free text (name, address...), never the checked fields
    original = CARDS[stem].identity
    assert record.identity.id_number == original.id_number
    assert record.identity.birth == original.birth


def test_card_files_are_checked_when_loaded(tmp_path: Path) -> None:
    document = json.loads((DEMO_CARDS_DIR / "resident-zhang-wei.json").read_text())
    bad = dict(document, id_number=document["id_number"][:-1] + "0")
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    with pytest.raises(CardFileError, match=r"bad\.json.*校验位"):
        load_card(path)
    with pytest.raises(CardFileError, match="missing"):
        card_from_dict({"card_type": "resident"})
    with pytest.raises(CardFileError, match="card_type"):
        card_from_dict(dict(document, card_type="passport"))
    with pytest.raises(CardFileError, match="pass_number"):
        card_from_dict(dict(document, pass_number="H1"))
    with pytest.raises(CardFileError, match="nation"):
        card_from_dict(dict(document, nation="火星"))
    path.write_text("{")
    with pytest.raises(CardFileError, match="not JSON"):
        load_card(path)


def test_a_forged_block_can_be_served_raw() -> None:
    card = CARDS["resident-zhang-wei"]
    forged = SimulatedCard(card.identity, raw_text=put(card.text_block(), 140, "9"))
    with pytest.raises(CardDataError):
        decode_text(forged.text_block())
