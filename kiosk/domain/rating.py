"""好差评: the five levels of the rating of government services (国办发〔2019〕51号).

"现场服务一次一评": every service at a window may be rated once, on the window's pad (评价器) or
on the phone page behind the ticket's QR code. The last two levels are 差评 (a bad rating),
which the hall must verify and put right; a service nobody rated is 未评价, never a good one.
Pure values and rules, no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from kiosk.domain.identity import mask_id_numbers


class RatingLevel(StrEnum):
    VERY_SATISFIED = "very_satisfied"
    SATISFIED = "satisfied"
    BASICALLY_SATISFIED = "basically_satisfied"
    DISSATISFIED = "dissatisfied"
    VERY_DISSATISFIED = "very_dissatisfied"

    @property
    def score(self) -> int:
        """5 (非常满意) to 1 (非常不满意)."""
        return 5 - LEVELS.index(self)

    @property
    def bad(self) -> bool:
        """差评: 不满意 and 非常不满意."""
        return self in (RatingLevel.DISSATISFIED, RatingLevel.VERY_DISSATISFIED)

    @property
    def satisfied(self) -> bool:
        """Counts towards 满意率: 非常满意, 满意 and 基本满意."""
        return not self.bad


#: Best first, the order of the buttons.
LEVELS: tuple[RatingLevel, ...] = tuple(RatingLevel)

#: The words on the buttons and in reports (msgids of the gettext catalogue).
LEVEL_TEXT: dict[RatingLevel, str] = {
    RatingLevel.VERY_SATISFIED: "非常满意",
    RatingLevel.SATISFIED: "满意",
    RatingLevel.BASICALLY_SATISFIED: "基本满意",
    RatingLevel.DISSATISFIED: "不满意",
    RatingLevel.VERY_DISSATISFIED: "非常不满意",
}
UNRATED_TEXT = "未评价"


class RatingChannel(StrEnum):
    WINDOW_PAD = "window_pad"  # the 评价器 at the window
    PHONE = "phone"  # the queue page behind the ticket's QR code


COMMENT_MAX = 200
#: Runs of 15 or more digits (an ID number is 15 or 18, the last maybe X).
_ID_LIKE = re.compile(r"(?<![0-9])([0-9]{6})([0-9]{5,})([0-9]{3}[0-9Xx])(?![0-9Xx])")


def scrub_comment(text: str | None) -> str | None:
    """A citizen's comment as stored: trimmed, without control characters, cut to
    ``COMMENT_MAX`` and with anything shaped like an ID number masked, plain or written in
    groups (a person may type theirs; the hall must not keep it). What is left is a comment
    ``sync.protocol.TicketRatedPayload`` takes."""
    return scrub_free_text(text, COMMENT_MAX)


def scrub_free_text(text: str | None, limit: int) -> str | None:
    """Free text a person typed, as it may be kept: ``scrub_comment``'s rules with ``limit``
    characters (a comment, a follow-up's note)."""
    if text is None:
        return None
    cleaned = " ".join(text.split())
    cleaned = "".join(ch for ch in cleaned if unicodedata.category(ch) not in ("Cc", "Cs"))
    cleaned = mask_id_numbers(cleaned)[:limit]
    cleaned = _ID_LIKE.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + m.group(3), cleaned)
    return cleaned or None


@dataclass(frozen=True)
class RatingTally:
    """Ratings of a window, a clerk or the hall over some services."""

    served: int = 0
    rated: int = 0
    satisfied: int = 0
    bad: int = 0

    @property
    def rated_share(self) -> float | None:
        """Rated services over services done (None when nothing was served)."""
        return round(self.rated / self.served, 3) if self.served else None

    @property
    def satisfaction(self) -> float | None:
        """满意率: 非常满意 + 满意 + 基本满意 over the rated ones (unrated ones do not count)."""
        return round(self.satisfied / self.rated, 3) if self.rated else None


def tally(served: int, levels: Iterable[RatingLevel]) -> RatingTally:
    chosen = list(levels)
    bad = sum(1 for level in chosen if level.bad)
    return RatingTally(served, len(chosen), len(chosen) - bad, bad)
