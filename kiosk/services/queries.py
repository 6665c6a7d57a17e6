"""Questions the screens and reports ask the store, in read-only transactions.

The hall display polls ``calls_since(seq)``: one indexed range query, cheap enough to run every
half second from every display of the hall.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from kiosk.domain import queue_policy
from kiosk.domain.statuses import TicketStatus
from kiosk.ports.hall_store import Store
from kiosk.services.tickets import candidate
from kiosk.services.views import TicketView, ticket_view

CALL_EVENTS = ("ticket_called", "ticket_recalled")


@dataclass(frozen=True)
class Call:
    seq: int
    number: str
    window: int
    service_id: str
    at: datetime
    recall: bool


def calls_since(store: Store, seq: int = 0, limit: int = 50) -> list[Call]:
    """Calls and recalls after event ``seq``, oldest first (seq is commit-ordered)."""
    with store.read_unit() as uow:
        events = uow.events.after(seq, CALL_EVENTS, limit)
        return [call_of(e) for e in events]


def call_of(event: Any) -> Call:
    """A call or recall event (a stored ``Event`` or a stream's ``HallEvent``) as a ``Call``."""
    payload = event.payload
    return Call(
        event.seq,
        str(payload["number"]),
        int(payload["window"]),
        str(payload["service"]),
        event.at,
        event.type == "ticket_recalled",
    )


def last_seq(store: Store) -> int:
    with store.read_unit() as uow:
        return uow.events.last_seq()


@dataclass(frozen=True)
class ServiceQueue:
    service_id: str
    name_zh: str
    name_en: str
    prefix: str
    waiting: tuple[str, ...]
    """Numbers in the order the policy would call them (ignoring the walk-in cap)."""
    called: tuple[tuple[str, int, str], ...]
    """(number, window, status) of tickets called or being served."""


def queue_overview(store: Store, now: datetime) -> list[ServiceQueue]:
    hall = store.hall
    day = now.date()
    shown = (TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SERVING)
    with store.read_unit() as uow:
        rows = uow.tickets.on_day(day, [status.value for status in shown])
    overview = []
    for service in hall.services:
        mine = [t for t in rows if t.service_id == service.id]
        waiting = [t for t in mine if t.status == TicketStatus.WAITING.value]
        by_id = {t.id: t for t in waiting}
        ordered = queue_policy.order([candidate(t) for t in waiting], now)
        called = sorted(
            (t for t in mine if t.status != TicketStatus.WAITING.value),
            key=lambda t: (t.called_at or t.issued_at, t.id),
        )
        overview.append(
            ServiceQueue(
                service.id,
                service.name_zh,
                service.name_en,
                service.prefix,
                tuple(by_id[c.ticket_id].number for c in ordered),
                tuple((t.number, int(t.window or 0), t.status) for t in called),
            )
        )
    return overview


def find_ticket(store: Store, number: str, day: date) -> TicketView | None:
    with store.read_unit() as uow:
        ticket = uow.tickets.by_number(day, number.strip().upper())
        if ticket is None:
            return None
        booking = uow.bookings.get(ticket.booking_id) if ticket.booking_id else None
        return ticket_view(store.hall, ticket, booking=booking)


def ticket_progress(store: Store, number: str, day: date, now: datetime) -> TicketView | None:
    """A ticket and, while it waits, the people ahead and the minutes to go: what the page
    behind the ticket's QR code shows. Carries no name or booking details."""
    from kiosk.services.tickets import wait_for

    with store.read_unit() as uow:
        ticket = uow.tickets.by_number(day, number.strip().upper())
        if ticket is None:
            return None
        ahead = minutes = None
        if ticket.status == TicketStatus.WAITING.value:
            ahead, minutes = wait_for(uow, store, ticket, now)
        view = ticket_view(store.hall, ticket, ahead=ahead, wait_minutes=minutes)
    return replace(view, name_masked=None)
