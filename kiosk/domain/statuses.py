"""The life-cycle words of bookings, tickets and windows, defined once for every store.

The hall store (``kiosk.store.models``), the central store and its wire protocol
(``sync.protocol``), the services and the screens all name a booking's or a ticket's state with
these values: they are stored as text, sent as text and compared as text, so a second copy of
the list could drift from this one without any type check noticing.
"""

from __future__ import annotations

from enum import StrEnum


class BookingStatus(StrEnum):
    BOOKED = "booked"
    CHECKED_IN = "checked_in"
    SERVED = "served"
    FORFEITED = "forfeited"  # 视为自动放弃: the holder did not come in the slot
    CANCELLED = "cancelled"
    REJECTED = "rejected"  # central only: an on-site booking the central rules refused


#: Bookings that hold a place in their slot: they count against its capacity, on the kiosk's
#: screen and booking as in the central store (and its partial index), so all agree.
PLACE_HOLDING: tuple[BookingStatus, ...] = (
    BookingStatus.BOOKED,
    BookingStatus.CHECKED_IN,
    BookingStatus.SERVED,
)


class TicketKind(StrEnum):
    BOOKED = "booked"
    WALK_IN = "walk_in"


class TicketStatus(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    DONE = "done"
    NO_SHOW = "no_show"
    TRANSFERRED = "transferred"
    CANCELLED = "cancelled"


#: Tickets still in the queue or at a window (one person, one open ticket per service).
OPEN_TICKET_STATUSES = (TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SERVING)


class WindowState(StrEnum):
    OPEN = "open"
    PAUSED = "paused"
    CLOSED = "closed"


def sql_in(column: str, statuses: tuple[StrEnum, ...]) -> str:
    """``column IN ('a', 'b')`` for a partial index or a prepared statement: the literal list
    written from the enum, never by hand (values are fixed identifiers, no quoting needed)."""
    for status in statuses:
        if not status.value.replace("_", "").isalnum():
            raise ValueError(f"status {status.value!r} is not a plain word")
    return f"{column} IN (" + ", ".join(f"'{status.value}'" for status in statuses) + ")"
