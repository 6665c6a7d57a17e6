"""What the flows ask the outside world to do: store jobs, prints, staff alerts.

The flows never call the store or a device; they return these requests, and the job runner
(``screens.flows.jobs``) carries them out on the store and printer threads and answers with
events. A test of a flow reads the requests as data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from kiosk.domain.identity import Identity
from kiosk.domain.slip import BookingSlip, GuideSlip, TicketSlip


@dataclass(frozen=True)
class SlipFacts:
    """What a ticket slip needs besides the ticket, settled when the request is made (the
    language on screen, today's hours in it)."""

    language: str
    hours_today: str
    phone: str | None
    queue_base_url: str | None


@dataclass(frozen=True)
class CheckIn:
    session: int
    identity: Identity
    now: datetime
    slip: SlipFacts


@dataclass(frozen=True)
class TakeTicket:
    session: int
    service_id: str
    identity: Identity | None
    now: datetime
    slip: SlipFacts


@dataclass(frozen=True)
class ReadDays:
    session: int
    service_id: str
    now: datetime
    channel: str
    max_days: int


@dataclass(frozen=True)
class ReadSlots:
    session: int
    service_id: str
    day: date
    now: datetime
    channel: str


@dataclass(frozen=True)
class Book:
    session: int
    service_id: str
    slot_start: datetime
    identity: Identity
    now: datetime
    channel: str


@dataclass(frozen=True)
class PrintTicket:
    """A reprint (补打) of a ticket whose first print failed."""

    session: int
    slip: TicketSlip


@dataclass(frozen=True)
class PrintBooking:
    session: int
    slip: BookingSlip


@dataclass(frozen=True)
class PrintGuide:
    session: int
    slip: GuideSlip


@dataclass(frozen=True)
class CheckPrinter:
    """Ask the printer whether it can print now."""


@dataclass(frozen=True)
class ReadCentral:
    """Read the link to the central booking store as the sync process recorded it."""


@dataclass(frozen=True)
class RecordDeviceFault:
    """Tell every window console: ``device`` failed (``number``: a ticket that did not print)."""

    device: str
    code: str
    message: str
    number: str | None
    now: datetime


@dataclass(frozen=True)
class RecordDeviceOk:
    device: str
    now: datetime


Effect = (
    CheckIn
    | TakeTicket
    | ReadDays
    | ReadSlots
    | Book
    | PrintTicket
    | PrintBooking
    | PrintGuide
    | CheckPrinter
    | ReadCentral
    | RecordDeviceFault
    | RecordDeviceOk
)
