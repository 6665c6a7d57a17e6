"""A hall with clerks for the tests (the shipped Xixia profile lists none)."""

from __future__ import annotations

from kiosk.domain.hall import Clerk, HallProfile
from kiosk.domain.staff import hash_pin

PIN = "2580"
#: A few PBKDF2 rounds: the tests check the scheme, not its cost.
CLERKS = (
    Clerk(
        id="0317", name_zh="李娜", name_en="Li Na", pin=hash_pin(PIN, salt="s1", iterations=1000)
    ),
    Clerk(
        id="0420",
        name_zh="王强",
        name_en="Wang Qiang",
        pin=hash_pin(PIN, salt="s2", iterations=1000),
    ),
)


def with_clerks(hall: HallProfile) -> HallProfile:
    return hall.model_copy(update={"clerks": CLERKS})
