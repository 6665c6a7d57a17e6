"""The hall's use cases, each one store transaction that records its event."""

from kiosk.services.bookings import BookingResult, DayClosing, add_booking, close_day
from kiosk.services.calling import (
    CallResult,
    TransferResult,
    WindowView,
    call_next,
    no_show,
    recall,
    transfer,
)

# Exported in the hall's words (issue 18): a window is paused, resumed and closed; a clerk
# starts and completes a service; the hall's service windows are listed. The module's own
# names stay short inside kiosk.services.calling.
from kiosk.services.calling import close as close_window
from kiosk.services.calling import complete as complete_service
from kiosk.services.calling import pause as pause_window
from kiosk.services.calling import resume as resume_window
from kiosk.services.calling import start as start_service
from kiosk.services.calling import windows as service_windows
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
    "close_day",
    "close_window",
    "complete_service",
    "find_ticket",
    "no_show",
    "pause_window",
    "queue_overview",
    "recall",
    "resume_window",
    "service_windows",
    "start_service",
    "take_ticket",
    "transfer",
]
