"""Two reads of a card must agree before its identity is accepted.

The reply's XOR checksum misses two flips of the same bit, and some damage leaves every field
valid: one ideograph of a name turned into another (张伟 → 张伞), two digits of a citizen number
whose MOD 11-2 check still agrees, any digit of a 2017 foreigner's number (it has no check
digit at all). Line damage does not repeat itself, so the driver reads the card again (a second
``30 01`` right after the first, about 115 ms at 115200 baud) and accepts the text block only
when two consecutive reads are identical byte for byte, and valid.

``confirm_all=False`` confirms only identities whose number has no check digit (the 2017
foreigner's card) and accepts the others on one read; ``bench/idcard_fuzz.py`` shows what that
lets through (names), which is why every card is confirmed by default.
"""

from __future__ import annotations

from hardware.idcard.card import CardDataError, CardRecord, decode_text

#: Reads of one tap before giving up when no two consecutive reads agree.
MAX_READS = 4


class ReadsDisagree(CardDataError):
    """No two consecutive reads of the card gave the same data: the line or the card's
    position is bad; ask for the card again."""


def has_check_digit(record: CardRecord) -> bool:
    return len(record.identity.id_number) == 18


class ReadConfirmation:
    """Feed it each read's text block; it says when one can be accepted."""

    def __init__(self, *, confirm_all: bool = True, max_reads: int = MAX_READS) -> None:
        if max_reads < 2:
            raise ValueError("confirming a read takes at least two reads")
        self.confirm_all = confirm_all
        self.max_reads = max_reads
        self.reads = 0
        self._previous: bytes | None = None

    def offer(self, block: bytes) -> CardRecord | None:
        """The card, once it is confirmed; None to read again. Raises ``CardDataError`` when two
        identical reads are invalid (the card itself holds bad data) and ``ReadsDisagree`` after
        ``max_reads`` reads without two consecutive ones agreeing."""
        self.reads += 1
        try:
            record: CardRecord | None = decode_text(block)
            error = None
        except CardDataError as failure:
            record, error = None, failure
        if block == self._previous:
            if error is not None:
                raise error
            return record
        if record is not None and not self.confirm_all and has_check_digit(record):
            return record
        self._previous = block
        if self.reads >= self.max_reads:
            if error is not None:
                raise error
            raise ReadsDisagree(
                f"{self.reads} reads of the card gave different data; place it again"
            )
        return None
