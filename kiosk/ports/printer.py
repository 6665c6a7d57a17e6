"""What the kiosk needs from a ticket printer, whatever the hardware.

The one promise that matters: ``print_ticket`` returns only when the printer has taken the
ticket and, where the transport can answer, confirmed afterwards that it is fine. Every other
outcome is one of the typed errors below, so the caller keeps the ticket valid in the store, shows
the number on screen ("请拍照或记住您的号码，并到前台"), offers a reprint and alerts staff. A ticket
is never reported printed when it was not.

``PrinterFault`` is the event the adapter hands to its listeners for each fault, so the kiosk can
write it to the store's event log and the staff console can show it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol, runtime_checkable

from kiosk.domain.slip import BookingSlip, GuideSlip, TicketSlip
from kiosk.i18n import _

PaperState = Literal["ok", "near_end", "out", "unknown"]
PAPER_STATES: tuple[PaperState, ...] = ("ok", "near_end", "out", "unknown")


@dataclass(frozen=True)
class PrinterStatus:
    """What the printer says about itself; ``unknown``/``None`` where it cannot tell."""

    online: bool
    paper: PaperState = "unknown"
    cover_open: bool | None = None

    def __post_init__(self) -> None:
        if self.paper not in PAPER_STATES:
            raise ValueError(f"paper must be one of {', '.join(PAPER_STATES)}")

    def as_dict(self) -> dict[str, object]:
        return {"online": self.online, "paper": self.paper, "cover_open": self.cover_open}

    @property
    def ready(self) -> bool:
        """Able to print now: online, paper not out, cover not open."""
        return self.online and self.paper != "out" and self.cover_open is not True


class PrinterError(Exception):
    """A ticket that was not (or not surely) printed. ``str()`` is one line for staff."""

    code = "printer_error"

    def __init__(self, detail: str = "") -> None:
        self.detail = detail
        super().__init__(self.message())

    def headline(self) -> str:
        return _("打印机故障，请联系工作人员")

    def message(self) -> str:
        return f"{self.headline()}: {self.detail}" if self.detail else self.headline()


class PaperOut(PrinterError):
    code = "paper_out"

    def headline(self) -> str:
        return _("打印机缺纸")


class CoverOpen(PrinterError):
    code = "cover_open"

    def headline(self) -> str:
        return _("打印机盖未关好")


class PrinterOffline(PrinterError):
    """Unreachable, not answering, or reporting itself offline."""

    code = "printer_offline"

    def headline(self) -> str:
        return _("打印机未连接")


class PrinterWriteError(PrinterError):
    """The bytes did not all reach the printer, or it did not confirm them afterwards."""

    code = "printer_write_error"

    def headline(self) -> str:
        return _("打印失败，票据可能未完整打印")


@dataclass(frozen=True)
class PrinterFault:
    """One fault, as an event for the store's log and the staff alert."""

    code: str
    message: str
    number: str | None
    stage: Literal["before", "during", "after", "status"]
    at: datetime = field(default_factory=datetime.now)

    def as_payload(self) -> dict[str, object]:
        return {
            "code": self.code,
            "message": self.message,
            "number": self.number,
            "stage": self.stage,
            "at": self.at.isoformat(timespec="seconds"),
        }


FaultListener = Callable[[PrinterFault], None]


@runtime_checkable
class TicketPrinter(Protocol):
    """A printer that either prints a slip and says so, or raises a ``PrinterError``."""

    def print_ticket(self, slip: TicketSlip) -> None: ...

    def print_booking(self, slip: BookingSlip) -> None: ...

    def print_guide(self, slip: GuideSlip) -> None: ...

    def status(self) -> PrinterStatus: ...
