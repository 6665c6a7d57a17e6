"""Test people: valid ID numbers built with the real check digit, never real persons."""

from __future__ import annotations

from datetime import date

from kiosk.domain.identity import CardType, Identity, check_digit

PINGGU = "110117"


def id_number(birth: date, sequence: int = 123, region: str = PINGGU) -> str:
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_digit(first17)


def person(name: str = "张小三", birth: date = date(1985, 6, 1), sequence: int = 123) -> Identity:
    number = id_number(birth, sequence)
    return Identity(
        card_type=CardType.RESIDENT,
        name=name,
        name_en=None,
        sex="男" if sequence % 2 else "女",
        nation="汉",
        nationality=None,
        birth=birth,
        address=None,
        id_number=number,
        authority="北京市公安局平谷分局",
        valid_from=date(2020, 1, 1),
        valid_to=None,
    )
