"""What happens to the kiosk: a person's taps and cards, the clock, the devices, job results.

Events are plain values. The Kivy app turns touches, reader callbacks and its one-second tick
into them; the job runner (``screens.flows.jobs``) turns store and printer answers into them.
An answer carries the ``session`` it was asked in: one that arrives after the idle reset
belongs to a person who has left and is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal, Protocol

from kiosk.domain.booking_rules import SlotOffer
from kiosk.domain.identity import Identity
from kiosk.domain.slip import TicketSlip
from kiosk.ports.printer import PrinterStatus
from kiosk.services import BookingResult, CheckInResult, TakeTicketResult, TicketView
from kiosk.services.slots import BookingDays

PrintKind = Literal["ticket", "booking", "guide"]
#: The session of the kiosk's own store checks (``CheckStore``): never a person's, so a check's
#: answer changes the devices' state and is never taken for the answer a journey waits for.
CHECK_SESSION = -1


class CentralLink(Protocol):
    """The hall's link to the central booking store, as the sync process last recorded it
    (``sync.state.SyncState`` is one; the kiosk never imports ``sync`` itself)."""

    @property
    def online(self) -> bool: ...

    @property
    def offline_since(self) -> object: ...

    def summary(self, now: object) -> str: ...


# -- the person ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Tap:
    """A button pressed: its ``Choice.name`` or a tool's name (``home``, ``back``, ``repeat``,
    ``toggle_lang``, ``toggle_elderly``, ``more_time``)."""

    name: str


@dataclass(frozen=True)
class Touch:
    """Any touch anywhere: the person is still there (the idle countdown starts again)."""


@dataclass(frozen=True)
class CardRead:
    identity: Identity


@dataclass(frozen=True)
class CardFailed:
    """A tap on the reader that gave no usable identity (``CardReaderError``), or the reader
    dropping out (``ReaderOffline``)."""

    error: Exception


# -- the clock and the devices -------------------------------------------------------------


@dataclass(frozen=True)
class Tick:
    """One second passed; ``reader_online`` is the reader's state now (None: no reader)."""

    reader_online: bool | None = None


@dataclass(frozen=True)
class PrinterStatusRead:
    status: PrinterStatus


@dataclass(frozen=True)
class PrinterStatusFailed:
    error: Exception


@dataclass(frozen=True)
class CentralRead:
    link: CentralLink


# -- answers of the jobs -------------------------------------------------------------------


@dataclass(frozen=True)
class Issued:
    """The store's answer to a check-in or a walk-in request. When it holds a ticket (new, or
    found again for a reprint: ``ticket.reprint``), ``slip`` is what was sent to the printer
    (None only if making it failed: ``prepare_error``), and ``qr_png`` the QR code of its queue
    page (None without one)."""

    session: int
    result: CheckInResult | TakeTicketResult
    ticket: TicketView | None = None
    slip: TicketSlip | None = None
    qr_png: bytes | None = field(default=None, repr=False)
    prepare_error: Exception | None = None


@dataclass(frozen=True)
class DaysRead:
    """The next days with a slot the rules allow now (``BookingDays``: each with its places,
    and what to say of days the calendar cannot answer for yet)."""

    session: int
    service_id: str
    found: BookingDays


@dataclass(frozen=True)
class SlotsRead:
    session: int
    service_id: str
    day: date
    places: tuple[SlotOffer, ...]


@dataclass(frozen=True)
class Booked:
    session: int
    result: BookingResult


@dataclass(frozen=True)
class StoreChecked:
    """The kiosk's look at the store (``CheckStore``) found nothing wrong."""


@dataclass(frozen=True)
class JobFailed:
    """A store job raised: the store is unreachable, full, damaged, or the clock is refused.
    ``job`` names what was asked (``check_in``, ``take_ticket``, ``book``, ``read_days``...,
    and ``check_store`` for the kiosk's own check, in ``CHECK_SESSION``)."""

    session: int
    job: str
    error: Exception


@dataclass(frozen=True)
class Printed:
    session: int
    kind: PrintKind
    number: str | None = None


@dataclass(frozen=True)
class PrintFailed:
    session: int
    kind: PrintKind
    error: Exception
    number: str | None = None


Event = (
    Tap
    | Touch
    | CardRead
    | CardFailed
    | Tick
    | PrinterStatusRead
    | PrinterStatusFailed
    | CentralRead
    | Issued
    | DaysRead
    | SlotsRead
    | Booked
    | StoreChecked
    | JobFailed
    | Printed
    | PrintFailed
)
