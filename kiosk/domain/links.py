"""The token in a ticket's QR link: it opens that ticket's phone page and lets its holder rate
the service once, and it cannot be guessed or made from a ticket number.

``<ticket id>.<tag>`` where the tag is 128 bits of an HMAC-SHA256, under a key derived from the
hall's secret, of the hall, the ticket's day, id and number. Nothing in it names the person;
the store keeps nothing for it (a kiosk and the page server of the same hall both compute it).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import date

_PURPOSE = b"hall-kiosk queue link v1"


class BadToken(ValueError):
    """A token that is malformed or was not made by this hall."""


def link_key(secret: bytes) -> bytes:
    """The key of the links, derived from the hall's secret (never the secret itself)."""
    return hmac.new(secret, _PURPOSE, hashlib.sha256).digest()


def _tag(key: bytes, hall_id: str, day: date, ticket_id: int, number: str) -> str:
    message = f"{hall_id}|{day.isoformat()}|{ticket_id}|{number}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def make_token(key: bytes, hall_id: str, day: date, ticket_id: int, number: str) -> str:
    return f"{ticket_id}.{_tag(key, hall_id, day, ticket_id, number)}"


def token_ticket_id(token: str) -> int:
    """The ticket id a token claims (check it with ``token_matches`` before trusting it)."""
    head, dot, tag = token.partition(".")
    if not dot or not head.isdigit() or len(head) > 18 or len(tag) != 22:
        raise BadToken("not a queue link token")
    return int(head)


def token_matches(
    token: str, key: bytes, hall_id: str, day: date, ticket_id: int, number: str
) -> bool:
    return hmac.compare_digest(token, make_token(key, hall_id, day, ticket_id, number))
