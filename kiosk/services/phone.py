"""What the phone page behind a ticket's QR code asks the store: the ticket its token opens,
where it stands (followed through transfers), and whether it can be rated.

A token opens exactly one ticket (``kiosk.domain.links``); the answer carries no name, no
booking and no ID number, so a photographed QR code gives away a queue position at most.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from kiosk.domain.links import BadToken, token_matches, token_ticket_id
from kiosk.domain.rating import LEVEL_TEXT, RatingLevel
from kiosk.domain.statuses import TicketStatus
from kiosk.ports.hall_store import Store, TicketRecord, UnitOfWork
from kiosk.services.feed import HallEvent
from kiosk.services.tickets import wait_for

#: People ahead at which the page calls the holder back (SCREENS: "快到您了").
NEAR_AHEAD = 2


def ticket_for_token(store: Store, token: str) -> int | None:
    """The id of the ticket ``token`` opens, or None for a wrong or foreign token."""
    try:
        ticket_id = token_ticket_id(token)
    except BadToken:
        return None
    with store.read_unit() as uow:
        ticket = uow.tickets.by_id(ticket_id)
    if ticket is None:
        return None
    key = store.link_key
    if not token_matches(token, key, store.hall.id, ticket.day, ticket.id, ticket.number):
        return None
    return ticket.id


def _chain(uow: UnitOfWork, ticket_id: int) -> list[TicketRecord]:
    """The ticket and the ones transfers replaced it with, oldest first."""
    first = uow.tickets.by_id(ticket_id)
    chain = [first] if first is not None else []
    while chain and chain[-1].status == TicketStatus.TRANSFERRED.value and len(chain) < 10:
        moved = uow.tickets.transferred_to(chain[-1].id)
        if moved is None:
            break
        chain.append(moved)
    return chain


@dataclass(frozen=True)
class PhoneProgress:
    ticket_ids: tuple[int, ...]  # the chain the page follows
    services: tuple[str, ...]
    document: dict[str, Any]

    def concerns(self, event: HallEvent) -> bool:
        """Whether an event of the hall changes what this page shows."""
        payload = event.payload
        return (
            payload.get("ticket_id") in self.ticket_ids
            or payload.get("to_ticket_id") in self.ticket_ids
            or payload.get("service") in self.services
            or payload.get("to_service") in self.services
        )


def phone_progress(store: Store, ticket_id: int, now: datetime, seq: int = 0) -> PhoneProgress:
    """The page's state: number, service, status, window, people ahead, wait, whether the
    holder should come back now, and the rating (given, or still possible)."""
    hall = store.hall
    with store.read_unit() as uow:
        chain = _chain(uow, ticket_id)
        if not chain:
            raise LookupError(ticket_id)
        ticket = chain[-1]
        ahead = minutes = None
        if ticket.status == TicketStatus.WAITING.value:
            ahead, minutes = wait_for(uow, store, ticket, now)
        rating = uow.ratings.of_ticket(ticket.id)
    try:
        service = hall.service(ticket.service_id)
        names = (service.name_zh, service.name_en)
    except KeyError:
        names = (ticket.service_id, ticket.service_id)
    limit = timedelta(hours=hall.rating.phone_hours)
    can_rate = (
        rating is None
        and ticket.status == TicketStatus.DONE.value
        and ticket.finished_at is not None
        and now <= ticket.finished_at + limit
    )
    document = {
        "seq": seq,
        "number": ticket.number,
        "first_number": chain[0].number,
        "service": ticket.service_id,
        "service_zh": names[0],
        "service_en": names[1],
        "status": ticket.status,
        "window": ticket.window,
        "ahead": ahead,
        "wait_minutes": minutes,
        "near": ahead is not None and ahead <= NEAR_AHEAD,
        "today": ticket.day == now.date(),
        "can_rate": can_rate,
        "rating": None
        if rating is None
        else {
            "level": rating.level,
            "label": LEVEL_TEXT[RatingLevel(rating.level)],
            "channel": rating.channel,
        },
    }
    return PhoneProgress(
        tuple(t.id for t in chain), tuple(dict.fromkeys(t.service_id for t in chain)), document
    )
