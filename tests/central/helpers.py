"""Request bodies used across the central store tests."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from tests.central_fixtures import person

SATURDAY_09 = "2026-11-28T09:00:00"


def booking(serial: int = 1, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "service": "real-estate",
        "slot_start": SATURDAY_09,
        "channel": "phone",
        "name": "张小三",
        "id_number": person(serial),
        "phone": "13812345678",
    }
    body.update(changes)
    return body


def event(sequence: int, kind: str, payload: dict[str, Any], **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "idempotency_key": f"evt-{sequence:06d}-{kind}",
        "sequence": sequence,
        "type": kind,
        "occurred_at": "2026-11-28T08:50:00",
        "payload": payload,
    }
    body.update(changes)
    return body


def ticket(number: str = "A001", ticket_id: int = 1, **fields: Any) -> dict[str, Any]:
    """A ticket event's payload with the fields every kiosk ticket event carries."""
    return {"ticket_id": ticket_id, "number": number, "service": "real-estate", **fields}


def rating(**changes: Any) -> dict[str, Any]:
    """A ``ticket_rated`` payload as the hall sends it (a 差评 from the phone page)."""
    return {
        "ticket_id": 5, "day": "2026-11-23", "number": "B005", "service": "social-insurance",
        "window": 3, "clerk": "0317", "clerk_name": "李娜", "level": "dissatisfied", "score": 2,
        "bad": True, "reasons": ["attitude"], "reasons_zh": ["服务态度"], "comment": None,
        "channel": "phone", "served_at": "2026-11-23T10:05:00",
        "rated_at": "2026-11-23T10:06:00", **changes,
    }  # fmt: skip


def desk_form(token: str, **changes: Any) -> dict[str, Any]:
    """The booking desk's form (CSRF ``token``) for person 1's phone booking on Saturday at
    09:00, with ``changes``."""
    data: dict[str, Any] = {
        "csrf": token,
        "service": "real-estate",
        "day": "2026-11-28",
        "channel": "phone",
        "slot": SATURDAY_09,
        "name": "张小三",
        "id_number": person(1),
        "phone": "13812345678",
    }
    data.update(changes)
    return data


def page_csrf(client: Any) -> str:
    """The CSRF token of the logged-in staff member, read off the booking form."""
    page = client.get("/staff/halls/xixia/book", params={"service": "real-estate"})
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]


def booked_at_desk(client: Any, csrf: str, **changes: Any) -> str:
    """A booking made through the desk's form; its id, read off the confirmation page."""
    page = client.post("/staff/halls/xixia/book", data=desk_form(csrf, **changes))
    return re.search(r'id="booking-id">([^<]+)<', page.text).group(1)  # type: ignore[union-attr]


def wait_until(condition: Callable[[], bool], seconds: float = 20.0) -> bool:
    """Whether ``condition`` became true within ``seconds`` (something another thread or
    process does, such as a notification arriving)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True
