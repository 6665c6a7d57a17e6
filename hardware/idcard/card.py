"""The 256-byte text block of the four card types, to and from ``Identity``.

The block is UCS-2 little-endian padded with spaces; its layout depends on the card type
character at bytes 248-249. Decoding is strict: every field is checked against what a real card
of its type holds (``hardware.idcard.fields``: character classes, codes, dates, validity spans,
the number's format and check digit), the bytes no field uses must be blank, and any failure
raises ``CardDataError`` (an ``InvalidCardData`` for the kiosk).

What this cannot promise: damage that turns a valid value into another valid one passes every
check here (one ideograph of a name into another, two digits of a number whose check digit
happens to agree, any digit of a 2017 foreigner's number, which has no check digit). The reply's
XOR checksum misses exactly such pairs of flips, so the driver accepts a card only when two
consecutive reads agree byte for byte (``hardware.idcard.confirm``); ``bench/idcard_fuzz.py``
measures what gets through each layer. The encoder lives here too, so the simulator builds its
cards with the same table the decoder reads, and round trips are tested.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from hardware.idcard import fields
from hardware.idcard.fields import FieldError
from kiosk.domain.identity import CardType, Identity, IdentityError

TEXT_SIZE = 256
PHOTO_SIZE = 1024
TYPE_OFFSET = 248
LONG_TERM = "长期"

SEX_BY_CODE: dict[str, str] = {"0": "未知", "1": "男", "2": "女", "9": "未说明"}
SEX_CODE: dict[str, str] = {name: code for code, name in SEX_BY_CODE.items()}

NATION_BY_CODE: dict[str, str] = {
    "01": "汉",
    "02": "蒙古",
    "03": "回",
    "04": "藏",
    "05": "维吾尔",
    "06": "苗",
    "07": "彝",
    "08": "壮",
    "09": "布依",
    "10": "朝鲜",
    "11": "满",
    "12": "侗",
    "13": "瑶",
    "14": "白",
    "15": "土家",
    "16": "哈尼",
    "17": "哈萨克",
    "18": "傣",
    "19": "黎",
    "20": "傈僳",
    "21": "佤",
    "22": "畲",
    "23": "高山",
    "24": "拉祜",
    "25": "水",
    "26": "东乡",
    "27": "纳西",
    "28": "景颇",
    "29": "柯尔克孜",
    "30": "土",
    "31": "达斡尔",
    "32": "仫佬",
    "33": "羌",
    "34": "布朗",
    "35": "撒拉",
    "36": "毛南",
    "37": "仡佬",
    "38": "锡伯",
    "39": "阿昌",
    "40": "普米",
    "41": "塔吉克",
    "42": "怒",
    "43": "乌孜别克",
    "44": "俄罗斯",
    "45": "鄂温克",
    "46": "德昂",
    "47": "保安",
    "48": "裕固",
    "49": "京",
    "50": "塔塔尔",
    "51": "独龙",
    "52": "鄂伦春",
    "53": "赫哲",
    "54": "门巴",
    "55": "珞巴",
    "56": "基诺",
    "97": "其他",
    "98": "外国血统中国籍人士",
}
NATION_CODE: dict[str, str] = {name: code for code, name in NATION_BY_CODE.items()}


class CardDataError(ValueError):
    """The text block is not a valid card."""


# Field layouts: name -> (byte offset, byte length). Names not in Identity are "extras".
Layout = dict[str, tuple[int, int]]

RESIDENT_LAYOUT: Layout = {
    "name": (0, 30),
    "sex": (30, 2),
    "nation": (32, 4),
    "birth": (36, 16),
    "address": (52, 70),
    "id_number": (122, 36),
    "authority": (158, 30),
    "valid_from": (188, 16),
    "valid_to": (204, 16),
}
HMT_LAYOUT: Layout = {
    "name": (0, 30),
    "sex": (30, 2),
    "birth": (36, 16),
    "address": (52, 70),
    "id_number": (122, 36),
    "authority": (158, 30),
    "valid_from": (188, 16),
    "valid_to": (204, 16),
    "pass_number": (220, 18),
    "issue_count": (238, 4),
}
FOREIGN_2017_LAYOUT: Layout = {
    "name_en": (0, 120),
    "sex": (120, 2),
    "id_number": (122, 30),
    "nationality": (152, 6),
    "name": (158, 30),
    "valid_from": (188, 16),
    "valid_to": (204, 16),
    "birth": (220, 16),
    "card_version": (236, 4),
    "authority": (240, 8),
}
FOREIGN_2023_LAYOUT: Layout = {
    "name": (0, 30),
    "sex": (30, 2),
    "renewal_count": (32, 4),
    "birth": (36, 16),
    "name_en": (52, 70),
    "id_number": (122, 36),
    "authority": (158, 30),
    "valid_from": (188, 16),
    "valid_to": (204, 16),
    "name_en_more": (220, 22),
    "nationality": (242, 6),
    "old_number_link": (250, 6),
}

#: Card type character -> (CardType, layout).
LAYOUTS: dict[str, tuple[CardType, Layout]] = {
    " ": (CardType.RESIDENT, RESIDENT_LAYOUT),
    "J": (CardType.HMT_RESIDENCE, HMT_LAYOUT),
    "I": (CardType.FOREIGN_PERMANENT, FOREIGN_2017_LAYOUT),
    "Y": (CardType.FOREIGN_PERMANENT, FOREIGN_2023_LAYOUT),
}


@dataclass(frozen=True)
class CardRecord:
    """A decoded card: the identity, its type letter and the fields Identity does not keep."""

    identity: Identity
    type_letter: str
    extras: dict[str, str] = field(default_factory=dict)


def _field(block: bytes, offset: int, length: int) -> str:
    try:
        text = block[offset : offset + length].decode("utf-16-le")
    except UnicodeDecodeError:
        raise CardDataError(f"bytes {offset}-{offset + length} are not UCS-2 text") from None
    text = text.rstrip(" \x00")
    if any(not ch.isprintable() for ch in text):
        raise CardDataError(f"bytes {offset}-{offset + length} hold control characters")
    return text


def _date(text: str, what: str) -> date:
    if len(text) != 8 or not text.isascii() or not text.isdigit():
        raise CardDataError(f"{what} is not a YYYYMMDD date")
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise CardDataError(f"{what} is not a real date") from None


def card_type_letter(block: bytes) -> str:
    if len(block) != TEXT_SIZE:
        raise CardDataError(f"text block of {len(block)} bytes, expected {TEXT_SIZE}")
    letter = _field(block, TYPE_OFFSET, 2)
    return letter or " "


def _unused(layout: Layout) -> list[tuple[int, int]]:
    """The byte ranges of a layout that no field (nor the type character) covers."""
    used = sorted([*layout.values(), (TYPE_OFFSET, 2)])
    gaps, position = [], 0
    for offset, size in used:
        if offset > position:
            gaps.append((position, offset))
        position = max(position, offset + size)
    if position < TEXT_SIZE:
        gaps.append((position, TEXT_SIZE))
    return gaps


_BLANK = frozenset({b" \x00", b"\x00\x00"})


def decode_text(block: bytes) -> CardRecord:
    """Turn a text block into a checked identity, or raise ``CardDataError`` saying why."""
    letter = card_type_letter(block)
    if letter not in LAYOUTS:
        raise CardDataError(f"unknown card type character {letter!r}")
    card_type, layout = LAYOUTS[letter]
    for start, end in _unused(layout):
        if any(block[i : i + 2] not in _BLANK for i in range(start, end, 2)):
            raise CardDataError(f"bytes {start}-{end}, which no field uses, are not blank")
    raw = {name: _field(block, off, size) for name, (off, size) in layout.items()}
    try:
        record = _decode_fields(letter, card_type, raw)
        _check_fields(record)
    except FieldError as error:
        raise CardDataError(str(error)) from None
    return record


def _decode_fields(letter: str, card_type: CardType, raw: dict[str, str]) -> CardRecord:

    sex_code = raw.pop("sex")
    if sex_code not in SEX_BY_CODE:
        raise CardDataError(f"unknown sex code {sex_code!r}")
    nation = None
    if "nation" in raw:
        code = raw.pop("nation")
        if code not in NATION_BY_CODE:
            raise CardDataError(f"unknown nation code {code!r}")
        nation = NATION_BY_CODE[code]
    nationality = raw.pop("nationality", None)
    if nationality is not None and not (
        len(nationality) == 3 and nationality.isascii() and nationality.isalpha()
    ):
        raise CardDataError("nationality is not a 3-letter country code")
    valid_to_text = raw.pop("valid_to")
    name_en = raw.pop("name_en", "") + raw.pop("name_en_more", "")
    try:
        identity = Identity(
            card_type=card_type,
            name=raw.pop("name"),
            name_en=name_en or None,
            sex=SEX_BY_CODE[sex_code],
            nation=nation,
            nationality=nationality,
            birth=_date(raw.pop("birth"), "birth date"),
            address=raw.pop("address", None) or None,
            id_number=raw.pop("id_number"),
            authority=raw.pop("authority"),
            valid_from=_date(raw.pop("valid_from"), "valid-from date"),
            valid_to=None if valid_to_text == LONG_TERM else _date(valid_to_text, "valid-to date"),
        )
    except IdentityError as error:
        raise CardDataError(str(error)) from None
    return CardRecord(identity, letter, {k: v for k, v in raw.items() if v})


def _check_fields(record: CardRecord) -> None:
    """Each field against what a card of its type holds (``FieldError`` saying which)."""
    identity, extras = record.identity, record.extras
    card_type, letter = identity.card_type, record.type_letter
    fields.validity(card_type, identity.birth, identity.valid_from, identity.valid_to)
    if letter in (" ", "J"):
        fields.chinese_name(identity.name, "the name")
        fields.address(identity.address or "")
        fields.authority(identity.authority)
    nationality = identity.nationality or ""
    if letter == " ":
        fields.resident_number(identity.id_number)
    elif letter == "J":
        fields.hmt_pass(identity.id_number, extras.get("pass_number", ""))
        fields.digits(extras.get("issue_count", ""), 2, "the issue count", optional=True)
    else:
        fields.country(nationality)
        fields.chinese_name(identity.name, "the Chinese name", required=False)
        fields.english_name(identity.name_en or "", "the English name")
    if letter == "I":
        fields.foreign_2017_number(
            identity.id_number, nationality, identity.birth, identity.authority
        )
        fields.digits(extras.get("card_version", ""), 2, "the card version", optional=True)
    elif letter == "Y":
        fields.foreign_2023_number(identity.id_number, nationality)
        fields.authority(identity.authority)
        fields.digits(extras.get("renewal_count", ""), 2, "the renewal count", optional=True)
        link = extras.get("old_number_link", "")
        if not (link.isascii() and link.isalnum()) and link:
            raise FieldError("the link to the old number is not letters and digits")


def type_letter_for(identity: Identity) -> str:
    if identity.card_type is CardType.RESIDENT:
        return " "
    if identity.card_type is CardType.HMT_RESIDENCE:
        return "J"
    return "I" if len(identity.id_number) == 15 else "Y"


def _put(block: bytearray, offset: int, length: int, text: str, what: str) -> None:
    data = text.encode("utf-16-le")
    if len(data) > length:
        raise ValueError(f"{what} {text!r} does not fit in {length // 2} characters")
    block[offset : offset + length] = data + " ".encode("utf-16-le") * ((length - len(data)) // 2)


def encode_text(identity: Identity, extras: dict[str, str] | None = None) -> bytes:
    """The text block a card holding ``identity`` carries (for the simulator and tests)."""
    extras = dict(extras or {})
    letter = type_letter_for(identity)
    _, layout = LAYOUTS[letter]
    unknown = set(extras) - set(layout)
    if unknown:
        raise ValueError(f"a {letter!r} card has no field {', '.join(sorted(unknown))}")
    values: dict[str, str] = {
        "name": identity.name,
        "sex": SEX_CODE[identity.sex],
        "birth": identity.birth.strftime("%Y%m%d"),
        "address": identity.address or "",
        "id_number": identity.id_number,
        "authority": identity.authority,
        "valid_from": identity.valid_from.strftime("%Y%m%d"),
        "valid_to": identity.valid_to.strftime("%Y%m%d") if identity.valid_to else LONG_TERM,
        "nationality": identity.nationality or "",
    }
    if identity.nation is not None:
        if identity.nation not in NATION_CODE:
            raise ValueError(f"unknown nation {identity.nation!r} (GB 3304 names, e.g. 汉, 回)")
        values["nation"] = NATION_CODE[identity.nation]
    name_en = identity.name_en or ""
    if letter == "Y":
        values["name_en"], values["name_en_more"] = name_en[:35], name_en[35:]
    else:
        values["name_en"] = name_en
    values.update(extras)
    lost = [n for n in ("address", "nation", "name_en", "nationality") if values.get(n)]
    lost = [n for n in lost if n not in layout]
    if lost:
        raise ValueError(f"a {letter!r} card cannot carry {', '.join(lost)}")
    block = bytearray(" ".encode("utf-16-le") * (TEXT_SIZE // 2))
    for name, (offset, size) in layout.items():
        _put(block, offset, size, values.get(name, ""), name)
    _put(block, TYPE_OFFSET, 2, letter, "card type")
    return bytes(block)


def split_read_data(data: bytes, with_fingerprints: bool = False) -> bytes:
    """The text block of a ``30 01`` (or ``30 10``) reply's data; photo and fingerprints dropped."""
    count = 3 if with_fingerprints else 2
    head = 2 * count
    if len(data) < head:
        raise CardDataError(f"read reply of {len(data)} bytes has no block lengths")
    lengths = [int.from_bytes(data[2 * i : 2 * i + 2], "big") for i in range(count)]
    if lengths[0] != TEXT_SIZE:
        raise CardDataError(f"text block length {lengths[0]}, expected {TEXT_SIZE}")
    if len(data) != head + sum(lengths):
        raise CardDataError(
            f"read reply holds {len(data) - head} bytes of blocks, lengths say {sum(lengths)}"
        )
    return bytes(data[head : head + TEXT_SIZE])


def build_read_data(text: bytes, photo: bytes | None = None) -> bytes:
    """Data of a ``30 01`` reply: the two lengths, the text and the (opaque) photo."""
    photo = photo if photo is not None else bytes(PHOTO_SIZE)
    return len(text).to_bytes(2, "big") + len(photo).to_bytes(2, "big") + text + photo


def decode_read_frame(frame: bytes, with_fingerprints: bool = False) -> CardRecord:
    """A whole captured ``30 01`` reply frame to a card, or ``FrameError``/``CardDataError``."""
    from hardware.idcard.codec import ResultCode, decode_reply

    reply = decode_reply(frame)
    if reply.sw3 != ResultCode.SUCCESS:
        raise CardDataError(f"the reply carries no card: {reply.meaning}")
    return decode_text(split_read_data(reply.data, with_fingerprints))
