"""Clerks of a hall and how one signs in at a window console: 工号 and a PIN.

The hall file lists its clerks (``[[clerks]]``: 工号, name, optional photo, the PIN's salted
PBKDF2 hash). No ID number of a clerk is kept anywhere; a PIN is never stored in plain.
Pure functions (``hashlib`` only).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

PIN_SCHEME = "pbkdf2_sha256"
PIN_ITERATIONS = 200_000


class PinFormatError(ValueError):
    """A stored PIN hash that is not ``pbkdf2_sha256$ITERATIONS$SALT$HASH``."""


def hash_pin(pin: str, *, salt: str | None = None, iterations: int = PIN_ITERATIONS) -> str:
    """The line to put in the hall file as a clerk's ``pin``."""
    if not pin.isdigit() or not 4 <= len(pin) <= 12:
        raise ValueError("a PIN is 4 to 12 digits")
    salt = salt or secrets.token_hex(8)
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt.encode(), iterations).hex()
    return f"{PIN_SCHEME}${iterations}${salt}${digest}"


def parse_pin_hash(stored: str) -> tuple[int, str, str]:
    parts = stored.split("$")
    if len(parts) != 4 or parts[0] != PIN_SCHEME or not parts[1].isdigit():
        raise PinFormatError(
            "a clerk's pin must be written pbkdf2_sha256$ITERATIONS$SALT$HASH "
            "(make one with `kiosk staff pin-hash`)"
        )
    return int(parts[1]), parts[2], parts[3]


def pin_matches(stored: str, pin: str) -> bool:
    """Whether ``pin`` is the PIN whose hash is ``stored`` (constant-time comparison)."""
    iterations, salt, digest = parse_pin_hash(stored)
    candidate = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt.encode(), iterations).hex()
    return hmac.compare_digest(candidate, digest)
