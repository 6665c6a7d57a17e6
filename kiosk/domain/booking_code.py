"""The short booking code printed on a booked ticket and a booking confirmation.

A booking's central id is a UUID (or ``local-…`` for one made offline), which nobody reads out
at a window or types at the desk. The code is derived from that id by one pure function, so the
central store, the staff pages and every kiosk compute the same code without storing or syncing
it, and a kiosk that made a booking offline prints the code the store will show later.

The alphabet leaves out every character an older eye or a worn thermal head confuses with
another: 0 O D Q, 1 I L, 2 Z, 5 S, 8 B, U V, and G (for 6). Twenty characters remain; seven of
them make 20**7 ≈ 1.28e9 codes.

Collision odds: codes are only ever compared within one hall and one day (a clerk looks a
booking up among that day's bookings). With n bookings for a hall on a day the chance that any
two share a code is about n*(n-1)/2 / 1.28e9: 3.9e-6 for 100 bookings, 9.7e-5 for 500, 3.9e-4
for 1,000 (more than the slots of any shipped hall hold in a day; Xixia's, the most, hold about
460). A clash would make a
lookup return two bookings, which the desk tells apart by masked name and slot; nothing is ever
decided by the code alone.
"""

from __future__ import annotations

import hashlib

BOOKING_CODE_ALPHABET = "34679ACEFHJKMNPRTWXY"
BOOKING_CODE_LENGTH = 7


def booking_code(central_id: str) -> str:
    """The seven-character code of the booking whose central id is ``central_id``."""
    central_id = central_id.strip()
    if not central_id:
        raise ValueError("a booking code needs the booking's central id")
    value = int.from_bytes(hashlib.sha256(central_id.encode("utf-8")).digest()[:8], "big")
    base = len(BOOKING_CODE_ALPHABET)
    digits = []
    for _ in range(BOOKING_CODE_LENGTH):
        value, digit = divmod(value, base)
        digits.append(BOOKING_CODE_ALPHABET[digit])
    return "".join(digits)


def normalise_booking_code(text: str) -> str:
    """A code as typed or read out (lower case, spaces, dashes) in its printed form; the
    characters the alphabet leaves out are refused with the reason, never guessed."""
    code = "".join(ch for ch in text.upper() if ch not in " -")
    if len(code) != BOOKING_CODE_LENGTH:
        raise ValueError(
            f"booking code {text!r}: expected {BOOKING_CODE_LENGTH} characters, got {len(code)}"
        )
    wrong = sorted({ch for ch in code if ch not in BOOKING_CODE_ALPHABET})
    if wrong:
        raise ValueError(
            f"booking code {text!r}: {''.join(wrong)} never appear in a code "
            f"(its characters are {BOOKING_CODE_ALPHABET})"
        )
    return code
