"""A hall's pull by cursor, the request every kiosk makes every few seconds.

One read transaction, two statements of plain SQL (the hall's counter, then the page of
bookings), rows turned into the wire JSON directly: no ORM objects and no model validation on
the hot path (``test_the_pull_matches_the_protocol`` checks the JSON against ``BookingPage``).

The counter is read before the bookings: every change numbered up to it has committed (a writer
holds the counter row until it commits), so when the page is the last one the cursor may jump
to it, past changes the ``from_day`` filter left out. A cursor above the counter cannot come
from this store as it is (the database was restored from a backup, or the kiosk talked to
another store): it is refused with 409 ``cursor_ahead`` and the counter, and the kiosk pulls
again from 0.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import JSON, Connection, DateTime, text

from kiosk.domain.hall import HallProfile
from kiosk.i18n import _
from sync.server.errors import Conflict

_HEAD = text("SELECT value FROM hall_counters WHERE hall_id = :hall")
_COLUMNS = (
    "id, service_id, slot_start, slot_end, id_hash, masked_name, masked_phone, channel, status, "
    "version, change_seq, created_at, updated_at, checked_in_at, cancelled_by, reject_reason, "
    "reject_message, notice, conflict"
)
_TYPES: dict[str, Any] = {
    "slot_start": DateTime,
    "slot_end": DateTime,
    "created_at": DateTime,
    "updated_at": DateTime,
    "checked_in_at": DateTime,
    "notice": JSON,
}
_PAGE = text(
    f"SELECT {_COLUMNS} FROM bookings WHERE hall_id = :hall AND change_seq > :since "
    "ORDER BY change_seq LIMIT :limit"
).columns(**_TYPES)
_PAGE_FROM = text(
    f"SELECT {_COLUMNS} FROM bookings WHERE hall_id = :hall AND change_seq > :since "
    "AND slot_start >= :start ORDER BY change_seq LIMIT :limit"
).columns(**_TYPES)


@dataclass(frozen=True)
class Page:
    """One page of a hall's changes: ``bookings`` are wire dicts (``BookingOut``)."""

    hall: str
    bookings: list[dict[str, Any]]
    cursor: int
    has_more: bool

    def json(self) -> bytes:
        return json.dumps(
            {
                "hall": self.hall,
                "bookings": self.bookings,
                "cursor": self.cursor,
                "has_more": self.has_more,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode("utf-8")


def empty_page(hall_id: str, cursor: int) -> Page:
    return Page(hall_id, [], cursor, False)


def read_head(connection: Connection, hall_id: str) -> int:
    value = connection.execute(_HEAD, {"hall": hall_id}).scalar()
    return int(value or 0)


def cursor_ahead(since: int, head: int) -> Conflict:
    return Conflict(
        "cursor_ahead",
        _("同步游标超前于中心数据（中心数据可能已从备份恢复），请从头重新同步"),
        head=head,
        since=since,
    )


def read_page(
    connection: Connection,
    hall: HallProfile,
    since: int,
    limit: int,
    from_day: date | None = None,
) -> Page:
    """The hall's bookings changed after ``since``, oldest change first, in one transaction
    (the caller's); raises ``cursor_ahead`` for a cursor above the hall's counter."""
    head = read_head(connection, hall.id)
    if since > head:
        raise cursor_ahead(since, head)
    params: dict[str, Any] = {"hall": hall.id, "since": since, "limit": limit + 1}
    query = _PAGE
    if from_day is not None:
        query = _PAGE_FROM
        params["start"] = datetime.combine(from_day, time(0, 0))
    rows = connection.execute(query, params).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    cursor = int(rows[-1].change_seq) if rows else since
    if not has_more:
        cursor = max(cursor, head)
    materials = {s.id: (list(s.materials_zh), list(s.materials_en)) for s in hall.services}
    return Page(hall.id, [_wire(row, hall.id, materials) for row in rows], cursor, has_more)


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _wire(
    row: Any, hall_id: str, materials: dict[str, tuple[list[str], list[str]]]
) -> dict[str, Any]:
    zh, en = materials.get(row.service_id, ([], []))
    return {
        "id": row.id,
        "hall": hall_id,
        "service": row.service_id,
        "slot_start": _time(row.slot_start),
        "slot_end": _time(row.slot_end),
        "id_hash": row.id_hash,
        "masked_name": row.masked_name,
        "masked_phone": row.masked_phone,
        "channel": row.channel,
        "status": row.status,
        "materials_zh": zh,
        "materials_en": en,
        "version": row.version,
        "change_seq": row.change_seq,
        "created_at": _time(row.created_at),
        "updated_at": _time(row.updated_at),
        "checked_in_at": _time(row.checked_in_at),
        "cancelled_by": row.cancelled_by,
        "reject_reason": row.reject_reason,
        "reject_message": row.reject_message,
        "notice": row.notice,
        "conflict": row.conflict,
    }
