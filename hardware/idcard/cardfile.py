"""Scripted cards for the simulator: JSON files such as ``config/demo/cards/*.json``.

A card file holds the fields of ``Identity`` (dates as ``YYYY-MM-DD``, ``valid_to`` may be
``"long_term"``, ``sex`` and ``nation`` as printed on the card) plus, optionally, the fields only
the card itself keeps (``pass_number``, ``issue_count`` for a ``J`` permit, ``card_version`` for
an ``I`` card, ``renewal_count`` for a ``Y`` card). It is checked exactly like a card read off the
wire: an invalid number is refused when the file is loaded, not when a kiosk reads it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from hardware.idcard.card import LAYOUTS, encode_text, type_letter_for
from kiosk.domain.identity import CardType, Identity, IdentityError

DEMO_CARDS_DIR = Path(__file__).resolve().parents[2] / "config" / "demo" / "cards"

_IDENTITY_FIELDS = (
    "card_type",
    "name",
    "name_en",
    "sex",
    "nation",
    "nationality",
    "birth",
    "address",
    "id_number",
    "authority",
    "valid_from",
    "valid_to",
)


class CardFileError(ValueError):
    """A card file that cannot become a card; the message names the file and the field."""


@dataclass(frozen=True)
class SimulatedCard:
    """A card the simulator can place on its reader."""

    identity: Identity
    extras: dict[str, str] = field(default_factory=dict)
    label: str = ""
    photo: bytes | None = None
    #: A text block served instead of the encoded identity: a damaged or forged card.
    raw_text: bytes | None = None

    def text_block(self) -> bytes:
        if self.raw_text is not None:
            return self.raw_text
        return encode_text(self.identity, self.extras)

    @property
    def type_letter(self) -> str:
        return type_letter_for(self.identity)


def _date(value: Any, key: str, source: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise CardFileError(f"{source}: {key} is not a YYYY-MM-DD date: {value!r}") from None


def card_from_dict(document: dict[str, Any], source: str = "<card>") -> SimulatedCard:
    if not isinstance(document, dict):
        raise CardFileError(f"{source}: a card file holds one JSON object")
    missing = [k for k in ("card_type", "name", "sex", "birth", "id_number") if k not in document]
    missing += [k for k in ("authority", "valid_from", "valid_to") if k not in document]
    if missing:
        raise CardFileError(f"{source}: missing {', '.join(missing)}")
    try:
        card_type = CardType(document["card_type"])
    except ValueError:
        known = ", ".join(t.value for t in CardType)
        raise CardFileError(f"{source}: card_type must be one of {known}") from None
    valid_to = document["valid_to"]
    try:
        identity = Identity(
            card_type=card_type,
            name=str(document["name"]),
            name_en=document.get("name_en"),
            sex=str(document["sex"]),
            nation=document.get("nation"),
            nationality=document.get("nationality"),
            birth=_date(document["birth"], "birth", source),
            address=document.get("address"),
            id_number=str(document["id_number"]),
            authority=str(document["authority"]),
            valid_from=_date(document["valid_from"], "valid_from", source),
            valid_to=None if valid_to == "long_term" else _date(valid_to, "valid_to", source),
        )
    except IdentityError as error:
        raise CardFileError(f"{source}: {error}") from None
    extras = {k: str(v) for k, v in document.items() if k not in _IDENTITY_FIELDS and k != "label"}
    card = SimulatedCard(identity, extras, str(document.get("label", "")))
    letter = card.type_letter
    unknown = set(extras) - set(LAYOUTS[letter][1])
    if unknown:
        raise CardFileError(f"{source}: unknown field(s) {', '.join(sorted(unknown))}")
    try:
        card.text_block()
    except (ValueError, KeyError) as error:
        raise CardFileError(f"{source}: {error}") from None
    return card


def load_card(path: str | Path) -> SimulatedCard:
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise CardFileError(f"{path}: {error.strerror or error}") from None
    except json.JSONDecodeError as error:
        raise CardFileError(f"{path}:{error.lineno}: not JSON: {error.msg}") from None
    return card_from_dict(document, str(path))


def demo_cards() -> dict[str, SimulatedCard]:
    """The shipped demo cards by file stem (``resident-zhang``...)."""
    return {p.stem: load_card(p) for p in sorted(DEMO_CARDS_DIR.glob("*.json"))}
