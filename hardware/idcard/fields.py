"""Structural checks of a card's text fields: what each field may hold, on each card type.

The reply's XOR checksum misses two flips of the same bit, so a damaged block can arrive with a
valid checksum. These checks refuse every field that no real card carries: characters outside
the field's class (a name of CJK ideographs and the middle dot; an English name of capitals; a
number of digits), spaces inside a field (a damaged padding byte) or anything but spaces in the
bytes no field uses, dates that do not exist or come in the wrong order, a validity span the
issuing rules do not give, codes outside their tables (sex, nation, country, province), and each
card number's own format (see ``kiosk.domain.identity`` for the citizen number's check digit).

They catch most damage, not all: one ideograph turned into another (张伟 → 张伞) is still a
valid name. That is why the driver also compares two reads of the card (``hardware.idcard.
confirm``); these checks make a damaged read fail fast instead of waiting for the second.
"""

from __future__ import annotations

from datetime import date
from functools import cache

from kiosk.domain.identity import CardType

#: Province-level codes (GB/T 2260) that open a citizen number and a foreigner's acceptance code.
_PROVINCE_TABLE = (
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
    "50 51 52 53 54 61 62 63 64 65 71 81 82 83"
)
PROVINCES = frozenset(_PROVINCE_TABLE.split(" "))
HMT_PREFIXES = {"810000": "H", "820000": "M", "830000": ""}  # pass number: H…, M…, 8 digits
#: Validity spans in years (GB 19783: 5, 10 or 20 years or long-term by age; permits 5 years;
#: foreigners' permanent residence cards 10, or 5 under 18).
SPANS = {
    CardType.RESIDENT: (5, 10, 20),
    CardType.HMT_RESIDENCE: (5,),
    CardType.FOREIGN_PERMANENT: (5, 10),
}
NAME_PUNCTUATION = frozenset("·")
ENGLISH_NAME = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ ,-'.")
ADDRESS_PUNCTUATION = frozenset("-#()（）、·—－.,，/")
EARLIEST_BIRTH = date(1890, 1, 1)


class FieldError(ValueError):
    """A field no real card carries."""


def is_ideograph(ch: str) -> bool:
    """A CJK ideograph, or the reader's private-use code for a rare one (生僻字)."""
    code = ord(ch)
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0xF900 <= code <= 0xFAFF
        or 0xE000 <= code <= 0xF8FF
    )


def chinese_name(text: str, what: str, *, required: bool = True) -> None:
    if not text:
        if required:
            raise FieldError(f"{what} is empty")
        return
    if len(text) > 15 or not all(is_ideograph(ch) or ch in NAME_PUNCTUATION for ch in text):
        raise FieldError(f"{what} holds characters no name has")
    if text[0] in NAME_PUNCTUATION or text[-1] in NAME_PUNCTUATION or "··" in text:
        raise FieldError(f"{what} is not a name")


def english_name(text: str, what: str) -> None:
    if not text or not set(text) <= ENGLISH_NAME or text != text.strip() or "  " in text:
        raise FieldError(f"{what} is not a name in capitals")
    if not any(ch.isalpha() for ch in text):
        raise FieldError(f"{what} has no letters")


def address(text: str) -> None:
    if not text:
        raise FieldError("the address is empty")
    for ch in text:
        if not (
            is_ideograph(ch)
            or (ch.isascii() and ch.isalnum())
            or "０" <= ch <= "９"
            or "Ａ" <= ch <= "Ｚ"
            or ch in ADDRESS_PUNCTUATION
        ):
            raise FieldError("the address holds characters no address has")


def authority(text: str) -> None:
    if not text or not all(is_ideograph(ch) or ch.isdigit() for ch in text):
        raise FieldError("the issuing authority holds characters no authority name has")


def digits(text: str, count: int, what: str, *, optional: bool = False) -> None:
    if optional and not text:
        return
    if len(text) != count or not text.isascii() or not text.isdigit():
        raise FieldError(f"{what} is not {count} digits")


@cache
def _countries() -> dict[str, str]:
    import pycountry

    return {country.alpha_3: country.numeric for country in pycountry.countries}


def country(code: str) -> str:
    """The ISO 3166-1 numeric code of an alpha-3 country code, or ``FieldError``."""
    numeric = _countries().get(code)
    if numeric is None:
        raise FieldError(f"{code!r} is not a country code")
    return numeric


def validity(card_type: CardType, birth: date, start: date, end: date | None) -> None:
    if not EARLIEST_BIRTH <= birth <= start:
        raise FieldError("the birth date is not before the card's issue")
    if end is None:
        if card_type is not CardType.RESIDENT:
            raise FieldError("only a resident ID card is valid long-term")
        return
    years = end.year - start.year
    same_day = (end.month, end.day) == (start.month, start.day)
    leap_day = (start.month, start.day) == (2, 29) and (end.month, end.day) in ((2, 28), (3, 1))
    if years not in SPANS[card_type] or not (same_day or leap_day):
        raise FieldError("the validity span is not one the issuing rules give")


def foreign_2017_number(number: str, nationality: str, birth: date, authority_code: str) -> None:
    """USA1100780905 21: nationality, acceptance code (province first), birth YYMMDD, sequence."""
    if len(number) != 15 or not number[:3].isalpha() or not number[:3].isupper():
        raise FieldError("the card number is not a 2017 permanent residence number")
    digits(number[3:], 12, "the card number's last 12 characters")
    if number[:3] != nationality:
        raise FieldError("the card number's country is not the card's nationality")
    if number[3:5] not in PROVINCES:
        raise FieldError("the card number's acceptance code is not a province")
    if number[7:13] != f"{birth:%y%m%d}":
        raise FieldError("the card number's birth date is not the card's")
    digits(authority_code, 4, "the authority code")
    if authority_code[:2] not in PROVINCES:
        raise FieldError("the authority code is not a province")


def foreign_2023_number(number: str, nationality: str) -> None:
    """9 11 276 19880214 042 8: 9, acceptance province, ISO numeric country, birth, sequence."""
    if number[1:3] not in PROVINCES:
        raise FieldError("the card number's acceptance code is not a province")
    if number[3:6] != country(nationality):
        raise FieldError("the card number's country is not the card's nationality")


def hmt_pass(number: str, pass_number: str) -> None:
    letter = HMT_PREFIXES.get(number[:6])
    if letter is None:
        raise FieldError("the permit number is not a Hong Kong, Macao or Taiwan one")
    if pass_number[: len(letter)] != letter:
        raise FieldError("the pass number does not match the permit's region")
    digits(pass_number[len(letter) :], 8, "the pass number")


def resident_number(number: str) -> None:
    if number[:2] not in PROVINCES or number[:2] in ("81", "82", "83"):
        raise FieldError("the ID number's area code is not a province")
