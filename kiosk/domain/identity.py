"""The person on an identity card, and the checks that make a decoded card trustworthy.

A card read off the wire is only useful if a wrong value can never pass for a right one: an
``Identity`` checks itself when it is built (number format and check digit, birth date and sex
agreeing with the number, dates in order), so code holding one may rely on it. Privacy (PIPL):
the full number and name never appear in ``repr``/``str``, so an identity dropped into a log line
leaks nothing; the store matches people by ``id_hash`` only.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from kiosk.i18n import _

#: ISO 7064 MOD 11-2 weights of the first 17 characters (GB 11643).
WEIGHTS: tuple[int, ...] = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
#: Check character for each remainder 0..10.
CHECK_CHARACTERS = "10X98765432"

_NUMBER_18 = re.compile(r"[0-9]{17}[0-9X]")
#: The 2017 foreigner's permanent residence card: 3-letter nationality code and 12 digits. Its
#: check-character rule is not public, so only the shape is checked.
_NUMBER_FOREIGN_2017 = re.compile(r"[A-Z]{3}[0-9]{12}")


class CardType(StrEnum):
    RESIDENT = "resident"  # 居民身份证
    HMT_RESIDENCE = "hmt_residence"  # 港澳台居民居住证 ("J")
    FOREIGN_PERMANENT = "foreign_permanent"  # 外国人永久居留(身份)证 ("I" 2017, "Y" 2023)


class IdentityError(ValueError):
    """The data of a card cannot be a real person's: never turned into an ``Identity``."""


class InvalidIdNumber(IdentityError):
    """An ID number with the wrong shape, an impossible birth date or a wrong check character."""


class InconsistentIdentity(IdentityError):
    """The card's fields contradict each other (birth date or sex not matching the number...)."""


def normalise_number(number: str) -> str:
    return number.strip().upper()


def check_digit(first17: str) -> str:
    """The MOD 11-2 check character of the first 17 digits of a citizen ID number."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise InvalidIdNumber(_("身份证号码前17位必须是数字"))
    total = sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARACTERS[total % 11]


def _birth_in_number(number: str) -> date:
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidIdNumber(_("身份证号码中的出生日期不存在")) from None


def validate_id_number(number: str) -> None:
    """Accept an 18-character number (citizen, HMT permit, 2023 foreigner card) or raise.

    The reason says what is wrong without repeating the number, so it may be shown and logged.
    """
    value = normalise_number(number)
    if len(value) != 18:
        raise InvalidIdNumber(_("身份证号码应为18位，实际为{count}位").format(count=len(value)))
    if not _NUMBER_18.fullmatch(value):
        raise InvalidIdNumber(_("身份证号码只能由数字和末位X组成"))
    if value[0] == "0":
        raise InvalidIdNumber(_("身份证号码的地区码无效"))
    _birth_in_number(value)
    if check_digit(value[:17]) != value[17]:
        raise InvalidIdNumber(_("身份证号码校验位错误"))


def sex_from_number(number: str) -> str:
    """男 for an odd sequence number (the 17th character), 女 for an even one."""
    return "男" if int(normalise_number(number)[16]) % 2 else "女"


def birth_from_number(number: str) -> date:
    return _birth_in_number(normalise_number(number))


@dataclass(frozen=True, repr=False)
class Identity:
    """What the kiosk knows of the person holding a card; the photo is never part of it.

    ``sex`` is the card's text (男, 女, 未知, 未说明); ``nation`` is set for resident cards,
    ``nationality`` (ISO 3166-1 alpha-3) for foreigners' cards; ``valid_to`` is None for a
    long-term (长期) card.
    """

    card_type: CardType
    name: str
    name_en: str | None
    sex: str
    nation: str | None
    nationality: str | None
    birth: date
    address: str | None
    id_number: str
    authority: str
    valid_from: date
    valid_to: date | None

    def __post_init__(self) -> None:
        object.__setattr__(self, "card_type", CardType(self.card_type))
        object.__setattr__(self, "id_number", normalise_number(self.id_number))
        validate_identity(self)

    @property
    def masked_name(self) -> str:
        return mask_name(self.name or (self.name_en or ""))

    @property
    def masked_number(self) -> str:
        return mask_id_number(self.id_number)

    def __repr__(self) -> str:
        return (
            f"Identity(card_type={self.card_type.value!r}, name={self.masked_name!r}, "
            f"id_number={self.masked_number!r})"
        )

    __str__ = __repr__


SEXES: tuple[str, ...] = ("男", "女", "未知", "未说明")


def validate_identity(identity: Identity) -> None:
    """Raise ``IdentityError`` unless every field agrees with the others and with the rules."""
    number = identity.id_number
    if identity.card_type is CardType.FOREIGN_PERMANENT and _NUMBER_FOREIGN_2017.fullmatch(number):
        if identity.nationality is not None and number[:3] != identity.nationality:
            raise InconsistentIdentity(_("证件号码中的国籍代码与证件上的国籍不一致"))
    else:
        validate_id_number(number)
        if birth_from_number(number) != identity.birth:
            raise InconsistentIdentity(_("出生日期与证件号码不一致"))
        if identity.sex in ("男", "女") and sex_from_number(number) != identity.sex:
            raise InconsistentIdentity(_("性别与证件号码不一致"))
        if identity.card_type is CardType.HMT_RESIDENCE and number[:2] not in ("81", "82", "83"):
            raise InconsistentIdentity(_("港澳台居民居住证号码应以810000、820000或830000开头"))
        if identity.card_type is CardType.FOREIGN_PERMANENT and number[0] != "9":
            raise InconsistentIdentity(_("外国人永久居留身份证号码应以9开头"))
    if not (identity.name.strip() or (identity.name_en or "").strip()):
        raise InconsistentIdentity(_("证件上没有姓名"))
    if identity.sex not in SEXES:
        raise InconsistentIdentity(_("性别代码无效"))
    if identity.card_type is CardType.RESIDENT and not identity.nation:
        raise InconsistentIdentity(_("居民身份证缺少民族"))
    if identity.card_type is CardType.FOREIGN_PERMANENT and not identity.nationality:
        raise InconsistentIdentity(_("外国人永久居留证缺少国籍"))
    if not identity.authority.strip():
        raise InconsistentIdentity(_("证件缺少签发机关"))
    if identity.valid_from < identity.birth:
        raise InconsistentIdentity(_("有效期起始日早于出生日期"))
    if identity.valid_to is not None and identity.valid_to < identity.valid_from:
        raise InconsistentIdentity(_("有效期截止日早于起始日"))


def is_expired(identity: Identity, today: date) -> bool:
    """A card is valid through its "valid to" day; a long-term card never expires."""
    return identity.valid_to is not None and today > identity.valid_to


def age_on(identity: Identity, day: date) -> int:
    """Full years of age on ``day`` (someone born on 29 February turns a year older on 1 March)."""
    birth = identity.birth
    years = day.year - birth.year
    if (day.month, day.day) < (birth.month, birth.day):
        years -= 1
    return years


_SEPARATORS = frozenset(" ·•.-,'")


def _is_latin(name: str) -> bool:
    return any("A" <= ch.upper() <= "Z" for ch in name)


def mask_name(name: str) -> str:
    """张三 → 张*, 张小三 → 张*三, 欧阳小明 → 欧**明; SMITH JOHN → S**** J***.

    A Chinese name keeps its first and (from three characters on) its last character, so staff
    can still tell two people apart at the window; a Latin name keeps each word's initial.
    Separators (the middle dot of transliterated names, spaces) stay where they are.
    """
    name = name.strip()
    if not name:
        return ""
    if _is_latin(name):
        out: list[str] = []
        start_of_word = True
        for ch in name:
            if ch in _SEPARATORS:
                out.append(ch)
                start_of_word = True
            else:
                out.append(ch if start_of_word else "*")
                start_of_word = False
        return "".join(out)
    letters = [i for i, ch in enumerate(name) if ch not in _SEPARATORS]
    if len(letters) == 1:
        return "".join("*" if i == letters[0] else ch for i, ch in enumerate(name))
    keep = {letters[0]} if len(letters) == 2 else {letters[0], letters[-1]}
    return "".join(ch if (i in keep or ch in _SEPARATORS) else "*" for i, ch in enumerate(name))


def mask_id_number(number: str) -> str:
    """First 4 and last 4 characters, stars between: 4101**********1234."""
    value = normalise_number(number)
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def id_hash(number: str, key: bytes) -> str:
    """The keyed hash under which the store knows a person; without the key it reveals nothing."""
    if not key:
        raise ValueError("id_hash needs a non-empty key")
    return hmac.new(key, normalise_number(number).encode("utf-8"), hashlib.sha256).hexdigest()


#: 18 characters, digits and a final X, possibly written in groups split by a space or hyphen.
_EMBEDDED_NUMBER = re.compile(r"(?<![0-9])[1-9](?:[ -]?[0-9]){16}[ -]?[0-9Xx](?![0-9])")


def contains_id_number(text: str) -> bool:
    """Whether a text carries a citizen ID number (a valid 18-character one: birth date and
    check character right), plain or written in groups.

    For what must never hold one (names, reasons, event payloads): the precise check keeps
    random identifiers and timestamps from being mistaken for a number.
    """
    return any(_embedded_number(match) for match in _EMBEDDED_NUMBER.finditer(text))


def mask_id_numbers(text: str) -> str:
    """``text`` with every ID number ``contains_id_number`` would find in it masked
    (4101**********1234): for free text a person typed, which may hold theirs."""

    def masked(match: re.Match[str]) -> str:
        number = _embedded_number(match)
        return match.group() if number is None else mask_id_number(number)

    return _EMBEDDED_NUMBER.sub(masked, text)


def _embedded_number(match: re.Match[str]) -> str | None:
    candidate = re.sub(r"[ -]", "", match.group()).upper()
    try:
        validate_id_number(candidate)
    except InvalidIdNumber:
        return None
    return candidate


_PHONE = re.compile(r"\+?[0-9][0-9 -]{4,22}[0-9]")
MIN_PHONE_DIGITS = 7


def valid_phone(phone: str) -> bool:
    """A phone number as people write it: digits, spaces and hyphens, an optional leading +,
    at least 7 digits (a local number without area code)."""
    value = phone.strip()
    return bool(_PHONE.fullmatch(value)) and len(re.sub(r"\D", "", value)) >= MIN_PHONE_DIGITS


def mask_phone(phone: str) -> str:
    """13812345678 → 138****5678; 0377-60119518 → 037*****9518 (digits only are counted), so
    staff can confirm the number with its holder, nobody else."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) <= 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
