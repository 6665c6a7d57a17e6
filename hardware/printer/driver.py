"""The ticket printer adapter: python-escpos transports, status checks, typed faults.

Printing one ticket, on a transport that can read back (network, serial, USB):

1. open; no connection is ``PrinterOffline``;
2. ask ``DLE EOT 1/2/4``; silence is ``PrinterOffline`` (python-escpos's own ``paper_status()``
   reports "paper OK" when nobody answers: silence is never taken for health), paper out is
   ``PaperOut``, cover open ``CoverOpen``;
3. send the job; a broken link is ``PrinterWriteError``;
4. send ``GS r 1`` and wait for its reply, which the printer gives only once it has printed what
   came before. No reply: ask ``DLE EOT`` again to say why (paper ran out, cover opened), else
   ``PrinterWriteError`` ("not confirmed").

Only then does ``print_ticket`` return. On a write-only ``file:`` device the status is
"unknown" and success means the bytes were written, which is all such a device can tell.

Each fault is also handed to the listeners as a ``PrinterFault`` event (staff alert, event log);
paper near its end is reported the same way without failing the ticket.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from hardware.printer import commands as cmd
from hardware.printer.address import PrinterAddress, parse_address
from hardware.printer.layout import booking_commands, guide_commands, ticket_commands
from hardware.printer.status import (
    CONFIRM_REQUEST,
    RealtimeStatus,
    StatusReplyError,
    parse_confirm,
)
from kiosk.domain.slip import BookingSlip, GuideSlip, TicketSlip
from kiosk.ports.printer import (
    CoverOpen,
    FaultListener,
    PaperOut,
    PrinterError,
    PrinterFault,
    PrinterOffline,
    PrinterStatus,
    PrinterWriteError,
)

log = logging.getLogger(__name__)

Stage = Literal["before", "during", "after", "status"]
PRINT_SPEED_MM_S = 150.0


def estimated_print_seconds(
    data: bytes, speed_mm_s: float = PRINT_SPEED_MM_S, dots_per_mm: int = 8
) -> float:
    """Paper length of a job at 150 mm/s: raster rows plus 30-dot text lines, scaled by size."""
    from hardware.printer.decode import parse

    rows = 0
    height = 1
    for command in parse(data):
        if command.kind == "raster":
            rows += command.number("rows")
        elif command.kind == "size":
            height = command.number("height")
        elif command.kind == "lf":
            rows += 30 * height
        elif command.kind == "feed":
            rows += 30 * command.number("lines")
        elif command.kind == "qr" and command.args["fn"] == 81:
            rows += 200  # a status URL's QR code: about 25 mm
    return rows / dots_per_mm / speed_mm_s


class _Link:
    """One open connection to the printer through a python-escpos printer object."""

    def __init__(self, address: PrinterAddress, write_timeout: float) -> None:
        self.address = address
        self.write_timeout = write_timeout
        self._pending = b""
        self.device = self._open()

    def _open(self) -> Any:
        from escpos.exceptions import DeviceNotFoundError

        address = self.address
        try:
            if address.kind == "tcp":
                from escpos.printer import Network

                printer: Any = Network(address.target, address.port, timeout=address.timeout)
            elif address.kind == "serial":
                from escpos.printer import Serial

                printer = Serial(
                    address.target, address.baud, timeout=address.timeout, dsrdtr=False
                )
            elif address.kind == "usb":
                from escpos.printer import Usb

                printer = Usb(address.vendor, address.product, timeout=int(address.timeout * 1000))
            else:
                from escpos.printer import File

                printer = File(address.target)
            printer.open()
        except DeviceNotFoundError as error:
            raise PrinterOffline(f"{address}: {' '.join(str(error).split())}") from None
        except RuntimeError as error:  # python-escpos: pyusb / pyserial missing
            raise PrinterOffline(f"{address}: {error}") from None
        except ValueError as error:  # pyusb's NoBackendError: libusb is not installed
            raise PrinterOffline(
                f"{address}: {error} (install the USB library: apt-get install libusb-1.0-0)"
            ) from None
        except OSError as error:
            raise PrinterOffline(f"{address}: {error.strerror or error}") from None
        if printer.device is None:
            raise PrinterOffline(f"{address}: cannot open")
        if address.kind == "tcp":  # status questions are 3-byte writes: no Nagle delay on them
            printer.device.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return printer

    def write(self, data: bytes) -> None:
        if self.address.kind == "tcp":
            self.device.device.settimeout(self.write_timeout)
        try:
            self.device._raw(data)
            if self.address.kind == "file":
                self.device.flush()
        finally:
            if self.address.kind == "tcp":
                self.device.device.settimeout(self.address.timeout)

    def read_byte(self, timeout: float) -> int | None:
        """One reply byte, or ``None`` if none came within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while not self._pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            chunk = self._read(remaining)
            if chunk is None:
                continue
            self._pending += chunk
        byte, self._pending = self._pending[0], self._pending[1:]
        return byte

    def _read(self, remaining: float) -> bytes | None:
        kind = self.address.kind
        if kind == "tcp":
            sock: socket.socket = self.device.device
            sock.settimeout(max(0.001, remaining))
            try:
                chunk = sock.recv(16)
            except TimeoutError:
                return None
            if not chunk:
                raise ConnectionResetError("the printer closed the connection")
            return chunk
        if kind == "serial":
            self.device.device.timeout = max(0.001, remaining)
            return self.device._read() or None
        try:
            return bytes(self.device._read()) or None
        except Exception as error:  # pyusb raises USBTimeoutError / USBError
            if "timeout" in type(error).__name__.lower() or "timed out" in str(error).lower():
                return None
            raise OSError(str(error)) from error

    def drain(self) -> None:
        """Forget replies left over from an earlier question (late answers)."""
        self._pending = b""

    def close(self) -> None:
        try:
            self.device.close()
        except Exception as error:  # closing a broken link must not hide the real outcome
            log.debug("closing %s: %s", self.address, error)


class EscposPrinter:
    """A ``TicketPrinter`` over python-escpos, for the address in the device settings."""

    def __init__(
        self,
        address: PrinterAddress | str,
        listeners: Iterable[FaultListener] = (),
        confirm_timeout: float = 10.0,
        print_speed_mm_s: float = PRINT_SPEED_MM_S,
    ) -> None:
        self.address = parse_address(address) if isinstance(address, str) else address
        self.profile = self.address.profile
        self.listeners = list(listeners)
        self.confirm_timeout = confirm_timeout
        self.print_speed_mm_s = print_speed_mm_s
        self.last_status: PrinterStatus | None = None

    # -- the port ------------------------------------------------------------------------

    def print_ticket(self, slip: TicketSlip) -> None:
        self.print_job(ticket_commands(slip, self.profile), slip.number)

    def print_booking(self, slip: BookingSlip) -> None:
        self.print_job(booking_commands(slip, self.profile), slip.booking_code)

    def print_guide(self, slip: GuideSlip) -> None:
        self.print_job(guide_commands(slip, self.profile))

    def status(self) -> PrinterStatus:
        """The printer's state now; ``online=False`` when it cannot be reached or is silent."""
        if not self.address.readable:
            return PrinterStatus(online=self._can_open(), paper="unknown", cover_open=None)
        try:
            link = _Link(self.address, self.address.timeout)
        except PrinterOffline:
            return PrinterStatus(online=False)
        try:
            return self._query(link)
        except PrinterOffline:
            return PrinterStatus(online=False)
        except OSError:
            return PrinterStatus(online=False)
        finally:
            link.close()

    # -- printing ------------------------------------------------------------------------

    def print_job(self, data: bytes, number: str | None = None) -> None:
        """Send one complete job and return only once it is known to be printed."""
        try:
            link = _Link(self.address, self._write_timeout(data))
        except PrinterOffline as error:
            raise self._fault(error, number, "before") from None
        try:
            if self.address.readable:
                self._check(self._query_or_fault(link, number, "before"), number, "before")
            try:
                link.write(data)
            except (OSError, ValueError) as error:
                raise self._fault(
                    PrinterWriteError(
                        f"{self.address}: {getattr(error, 'strerror', None) or error}"
                    ),
                    number,
                    "during",
                ) from None
            if self.address.readable:
                self._confirm(link, data, number)
        finally:
            link.close()

    def _write_timeout(self, data: bytes) -> float:
        # A printer with a small buffer takes bytes only as fast as it prints them.
        return self.address.timeout + 2 * self._print_seconds(data)

    def _print_seconds(self, data: bytes) -> float:
        return estimated_print_seconds(data, self.print_speed_mm_s)

    def _confirm(self, link: _Link, data: bytes, number: str | None) -> None:
        try:
            link.write(CONFIRM_REQUEST)
            reply = link.read_byte(self.confirm_timeout + self._print_seconds(data))
        except OSError as error:
            raise self._fault(
                PrinterWriteError(
                    f"{self.address}: link lost before the printer confirmed: {error}"
                ),
                number,
                "after",
            ) from None
        if reply is not None:
            try:
                paper = parse_confirm(reply)
            except StatusReplyError as error:
                raise self._fault(PrinterWriteError(str(error)), number, "after") from None
            if paper == "out":
                raise self._fault(PaperOut(str(self.address)), number, "after")
            if paper == "near_end":
                self._emit(PrinterFault("paper_near_end", "打印纸将尽", number, "after"))
            return
        # No confirmation: the printer stopped in the middle. Ask it why.
        link.drain()
        status = self._query_or_fault(link, number, "after", silent=PrinterWriteError)
        self._check(status, number, "after")
        raise self._fault(
            PrinterWriteError(f"{self.address}: the printer did not confirm the ticket"),
            number,
            "after",
        )

    def _query(self, link: _Link) -> PrinterStatus:
        replies: list[int] = []
        for n in (cmd.STATUS_PRINTER, cmd.STATUS_OFFLINE_CAUSE, cmd.STATUS_PAPER):
            link.write(cmd.status_request(n))
            byte = link.read_byte(self.address.timeout)
            if byte is None:
                raise PrinterOffline(f"{self.address}: no answer to the status request")
            replies.append(byte)
        try:
            status = RealtimeStatus(*replies).to_status()
        except StatusReplyError as error:
            raise PrinterOffline(f"{self.address}: {error}") from None
        self.last_status = status
        return status

    def _query_or_fault(
        self,
        link: _Link,
        number: str | None,
        stage: Stage,
        silent: type[PrinterError] = PrinterOffline,
    ) -> PrinterStatus:
        try:
            return self._query(link)
        except PrinterOffline as error:
            raise self._fault(silent(error.detail), number, stage) from None
        except OSError as error:
            raise self._fault(
                PrinterWriteError(f"{self.address}: {error.strerror or error}"), number, stage
            ) from None

    def _check(self, status: PrinterStatus, number: str | None, stage: Stage) -> None:
        if status.paper == "out":
            raise self._fault(PaperOut(str(self.address)), number, stage)
        if status.cover_open:
            raise self._fault(CoverOpen(str(self.address)), number, stage)
        if not status.online:
            raise self._fault(
                PrinterOffline(f"{self.address}: reports itself offline"), number, stage
            )
        if status.paper == "near_end" and stage == "before":
            self._emit(PrinterFault("paper_near_end", "打印纸将尽", number, stage))

    def _fault(self, error: PrinterError, number: str | None, stage: Stage) -> PrinterError:
        self._emit(PrinterFault(error.code, str(error), number, stage))
        return error

    def _emit(self, fault: PrinterFault) -> None:
        log.warning("printer fault %s (%s) on ticket %s", fault.code, fault.stage, fault.number)
        for listener in self.listeners:
            try:
                listener(fault)
            except Exception:  # a broken listener must not turn a printed ticket into a fault
                log.exception("printer fault listener failed")

    def _can_open(self) -> bool:
        if self.address.kind == "file":  # opening it would truncate it: look, do not touch
            path = Path(self.address.target)
            target = path if path.exists() else path.parent
            return os.access(target, os.W_OK)
        try:
            _Link(self.address, self.address.timeout).close()
        except PrinterOffline:
            return False
        return True
