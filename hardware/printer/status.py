"""The printer's status bytes, both ways: parsed in the driver, produced by the simulator.

``DLE EOT n`` (real-time) is answered at once, even while the printer is offline for lack of
paper, so it says *why* a printer cannot print. ``GS r 1`` is answered only when the printer
reaches it in the data stream, i.e. after it has printed everything sent before: the driver
sends it after a ticket, and its reply is the confirmation that the ticket came out.

Every status byte has fixed bits (Epson: bit 1 and bit 4 set, bits 0 and 7 clear for DLE EOT;
bits 4 and 7 clear for GS r); a byte without them is noise, not a status.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.ports.printer import PaperState, PrinterStatus

CONFIRM_REQUEST = b"\x1dr\x01"  # GS r 1: paper sensor status, in stream order

# DLE EOT 1: printer status
OFFLINE_BIT = 0x08
# DLE EOT 2: offline cause
COVER_OPEN_BIT = 0x04
PAPER_END_STOP_BIT = 0x20
ERROR_BIT = 0x40
# DLE EOT 4: roll paper sensor
NEAR_END_BITS = 0x0C
PAPER_END_BITS = 0x60
# GS r 1
GSR_NEAR_END_BITS = 0x03
GSR_PAPER_END_BITS = 0x0C

_FIXED_MASK = 0x93
_FIXED_VALUE = 0x12


class StatusReplyError(ValueError):
    """A reply byte that is not a valid status (wrong fixed bits): a confused link."""


def check_realtime(byte: int) -> int:
    if byte & _FIXED_MASK != _FIXED_VALUE:
        raise StatusReplyError(f"status byte {byte:#04x} lacks the fixed bits of DLE EOT")
    return byte


@dataclass(frozen=True)
class RealtimeStatus:
    """The three real-time bytes the driver asks for."""

    printer: int
    offline_cause: int
    paper: int

    def __post_init__(self) -> None:
        for byte in (self.printer, self.offline_cause, self.paper):
            check_realtime(byte)

    def to_status(self) -> PrinterStatus:
        paper: PaperState = "ok"
        if self.paper & PAPER_END_BITS or self.offline_cause & PAPER_END_STOP_BIT:
            paper = "out"
        elif self.paper & NEAR_END_BITS:
            paper = "near_end"
        return PrinterStatus(
            online=not self.printer & OFFLINE_BIT,
            paper=paper,
            cover_open=bool(self.offline_cause & COVER_OPEN_BIT),
        )


def realtime_bytes(status: PrinterStatus) -> dict[int, int]:
    """What a printer in ``status`` answers to DLE EOT 1-4 (the simulator's side)."""
    paper_out = status.paper == "out"
    stopped = paper_out or bool(status.cover_open)
    printer = _FIXED_VALUE | (OFFLINE_BIT if stopped or not status.online else 0)
    offline = _FIXED_VALUE
    if status.cover_open:
        offline |= COVER_OPEN_BIT
    if paper_out:
        offline |= PAPER_END_STOP_BIT
    paper = _FIXED_VALUE
    if status.paper in ("near_end", "out"):
        paper |= NEAR_END_BITS
    if paper_out:
        paper |= PAPER_END_BITS
    return {1: printer, 2: offline, 3: _FIXED_VALUE, 4: paper}


def confirm_byte(paper: PaperState) -> int:
    """The reply to GS r 1."""
    byte = 0
    if paper in ("near_end", "out"):
        byte |= GSR_NEAR_END_BITS
    if paper == "out":
        byte |= GSR_PAPER_END_BITS
    return byte


def parse_confirm(byte: int) -> PaperState:
    if byte & 0x90:
        raise StatusReplyError(f"GS r reply {byte:#04x} has bits 4/7 set")
    if byte & GSR_PAPER_END_BITS:
        return "out"
    if byte & GSR_NEAR_END_BITS:
        return "near_end"
    return "ok"
