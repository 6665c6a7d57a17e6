"""The hall's use cases, each one store transaction that records its event."""

from kiosk.services.bookings import BookingResult, DayClosing, add_booking, close_day
from kiosk.services.calling import (
    CallResult,
    TransferResult,
    WindowView,
    call_next,
    close,
    complete,
    no_show,
    pause,
    recall,
    resume,
    start,
    transfer,
    windows,
)
from kiosk.services.queries import Call, ServiceQueue, calls_since, find_ticket, queue_overview
from kiosk.services.tickets import (
    CheckInOutcome,
    CheckInResult,
    TakeTicketResult,
    check_in,
    take_ticket,
)
from kiosk.services.views import BookingView, TicketView

__all__ = [
    "BookingResult",
    "BookingView",
    "Call",
    "CallResult",
    "CheckInOutcome",
    "CheckInResult",
    "DayClosing",
    "ServiceQueue",
    "TakeTicketResult",
    "TicketView",
    "TransferResult",
    "WindowView",
    "add_booking",
    "call_next",
    "calls_since",
    "check_in",
    "close",
    "close_day",
    "complete",
    "find_ticket",
    "no_show",
    "pause",
    "queue_overview",
    "recall",
    "resume",
    "start",
    "take_ticket",
    "transfer",
    "windows",
]
