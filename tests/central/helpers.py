"""Request bodies used across the central store tests."""

from __future__ import annotations

from typing import Any

from tests.central.conftest import person

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
