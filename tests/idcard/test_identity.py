from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from kiosk.domain.identity import (
    CardType,
    Identity,
    InconsistentIdentity,
    InvalidIdNumber,
    age_on,
    check_digit,
    id_hash,
    is_expired,
    mask_id_number,
    mask_name,
    validate_id_number,
)


def resident(**changes: object) -> Identity:
    fields: dict[str, object] = {
        "card_type": CardType.RESIDENT,
        "name": "张小三",
        "name_en": None,
        "sex": "男",
        "nation": "汉",
        "nationality": None,
        "birth": date(1990, 3, 7),
        "address": "北京市东城区景山前街4号",
        "id_number": "110101199003071233",
        "authority": "北京市公安局东城分局",
        "valid_from": date(2015, 1, 1),
        "valid_to": date(2035, 1, 1),
    }
    fields.update(changes)
    return Identity(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("number", "expected"),
    [("11010519491231002X", "X"), ("440524188001010014", "4"), ("110101199003071233", "3")],
)
def test_check_digit_matches_the_worked_examples(number: str, expected: str) -> None:
    assert check_digit(number[:17]) == expected
    validate_id_number(number)


def test_lower_case_x_and_spaces_are_normalised() -> None:
    validate_id_number(" 11010519491231002x ")
    assert resident(
        id_number="11010519491231002x",
        birth=date(1949, 12, 31),
        sex="女",
        valid_from=date(2000, 1, 1),
    ).id_number.endswith("X")


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("11010519900307123", "18"),
        ("1101011990030712333", "18"),
        ("11010119900307123A", "数字"),
        ("110101199002301230", "出生日期"),
        ("110101199003071234", "校验位"),
        ("010101199003071237", "地区码"),
    ],
)
def test_invalid_numbers_say_why(number: str, reason: str) -> None:
    with pytest.raises(InvalidIdNumber, match=reason) as caught:
        validate_id_number(number)
    assert number not in str(caught.value)


def test_check_digit_refuses_non_digits() -> None:
    with pytest.raises(InvalidIdNumber):
        check_digit("1101011990030712X")


def test_every_single_digit_error_is_caught() -> None:
    number = "110101199003071233"
    for position in range(17):
        for digit in "0123456789":
            if digit == number[position]:
                continue
            wrong = number[:position] + digit + number[position + 1 :]
            with pytest.raises(InvalidIdNumber):
                validate_id_number(wrong)


def test_birth_and_sex_must_match_the_number() -> None:
    with pytest.raises(InconsistentIdentity, match="出生日期"):
        resident(birth=date(1990, 3, 8))
    with pytest.raises(InconsistentIdentity, match="性别"):
        resident(sex="女")
    with pytest.raises(InvalidIdNumber):
        resident(id_number="110101199003071234")


def test_other_card_rules() -> None:
    with pytest.raises(InconsistentIdentity, match="民族"):
        resident(nation=None)
    with pytest.raises(InconsistentIdentity, match="810000"):
        resident(card_type=CardType.HMT_RESIDENCE, nation=None)
    with pytest.raises(InconsistentIdentity, match="截止日"):
        resident(valid_to=date(2014, 1, 1))
    with pytest.raises(InconsistentIdentity, match="姓名"):
        resident(name=" ")
    with pytest.raises(InconsistentIdentity, match="性别代码"):
        resident(sex="M")


def test_foreign_2017_number_is_checked_for_shape_and_nationality() -> None:
    card = resident(
        card_type=CardType.FOREIGN_PERMANENT,
        name="",
        name_en="SMITH, JOHN",
        nation=None,
        nationality="USA",
        birth=date(1978, 9, 5),
        address=None,
        id_number="USA110078090521",
        authority="1500",
    )
    assert card.masked_number == "USA1*******0521"
    assert card.masked_name == "S****, J***"
    with pytest.raises(InconsistentIdentity, match="国籍"):
        replace(card, nationality="DEU")
    with pytest.raises(InvalidIdNumber):
        replace(card, id_number="US1110078090521")


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("张小三", "张*三"),
        ("欧阳小明", "欧**明"),
        ("王", "*"),
        ("阿依古丽·买买提", "阿***·**提"),
        ("SMITH JOHN", "S**** J***"),
        ("Anna-Lena Müller", "A***-L*** M*****"),
        ("", ""),
    ],
)
def test_mask_name(name: str, masked: str) -> None:
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("410105198503121234", "4101**********1234"),
        ("USA110078090521", "USA1*******0521"),
        ("12345678", "********"),
    ],
)
def test_mask_id_number(number: str, masked: str) -> None:
    assert mask_id_number(number) == masked


def test_id_hash_is_keyed_and_normalised() -> None:
    key = b"hall-secret"
    digest = id_hash("11010519491231002X", key)
    assert digest == id_hash(" 11010519491231002x", key)
    assert digest != id_hash("11010519491231002X", b"another-hall")
    assert len(digest) == 64 and "11010519491231002X" not in digest
    with pytest.raises(ValueError):
        id_hash("11010519491231002X", b"")


def test_expiry_is_inclusive_of_the_last_day_and_long_term_never_expires() -> None:
    card = resident()
    assert not is_expired(card, date(2035, 1, 1))
    assert is_expired(card, date(2035, 1, 2))
    assert not is_expired(resident(valid_to=None), date(2999, 1, 1))


def test_age_on() -> None:
    card = resident()
    assert age_on(card, date(2026, 3, 6)) == 35
    assert age_on(card, date(2026, 3, 7)) == 36
    leap = resident(
        id_number="11010120000229123X", birth=date(2000, 2, 29), valid_from=date(2016, 1, 1)
    )
    assert age_on(leap, date(2070, 2, 28)) == 69
    assert age_on(leap, date(2070, 3, 1)) == 70


def test_repr_and_str_hide_the_number_and_name() -> None:
    card = resident()
    for text in (repr(card), str(card), f"{card}", repr([card])):
        assert "110101199003071233" not in text
        assert "张小三" not in text
        assert "1101**********1233" in text
