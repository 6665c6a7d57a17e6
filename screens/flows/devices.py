"""The kiosk's devices as the flows see them: what the staff status line says, what changes for
citizens, and when the window consoles are alerted.

A fault that changes what a citizen can do changes the screen itself: with the reader down the
home screen stops asking for a card, with the printer out it says the number will be shown on
screen. Staff are alerted through the store (``RecordDeviceFault``): the reader after a grace
period (start-up and a reopen do not alarm anyone), the printer at once, each ticket that did
not print by its number.
"""

from __future__ import annotations

from datetime import datetime

from kiosk.ports.card_reader import ReaderOffline
from kiosk.ports.printer import (
    CoverOpen,
    PaperOut,
    PrinterError,
    PrinterOffline,
    PrinterStatus,
)
from screens.flows.context import Context
from screens.flows.effects import (
    CheckPrinter,
    Effect,
    ReadCentral,
    RecordDeviceFault,
    RecordDeviceOk,
)
from screens.flows.events import CentralLink

READER_GRACE_TICKS = 5  # seconds offline before the reader counts as down
CENTRAL_POLL_TICKS = 5  # read the sync state every 5 s
PRINTER_POLL_TICKS = 10  # while the printer is faulty, ask it every 10 s whether it is back


def status_error(status: PrinterStatus) -> PrinterError:
    """A status that is not ready, as the error a print would have met."""
    if status.paper == "out":
        return PaperOut("status")
    if status.cover_open:
        return CoverOpen("status")
    return PrinterOffline("status")


class Devices:
    def __init__(self, has_reader: bool, has_printer: bool) -> None:
        self.has_reader = has_reader
        self.has_printer = has_printer
        self.reader_online: bool | None = None  # as last seen; None: not yet
        self.reader_dropped = False  # the reader reported itself gone (ReaderOffline)
        self._offline_ticks = 0
        self._reader_recorded: bool | None = None  # as last recorded for staff
        self.printer_status: PrinterStatus | None = None
        self.printer_error: PrinterError | None = None
        # The printer fault last recorded for staff; "" until the store has heard from us once
        # (a fault left open by an earlier run is closed by the first good status).
        self._printer_alert: str | None = ""
        self.store_ok = True
        self.store_error = ""
        self.central: CentralLink | None = None
        self.ticks = 0

    # -- what citizens see -------------------------------------------------------------------
    @property
    def reader_down(self) -> bool:
        """No card can be read now: no reader, or it has been gone for the grace period (or
        said so itself)."""
        if not self.has_reader:
            return True
        if self.reader_online:
            return False
        return self.reader_dropped or self._offline_ticks >= READER_GRACE_TICKS

    @property
    def printer_down(self) -> bool:
        if not self.has_printer:
            return True
        status = self.printer_status
        return self.printer_error is not None or (status is not None and not status.ready)

    # -- the staff status line ---------------------------------------------------------------
    def status(self, ctx: Context, now: datetime) -> tuple[str, bool]:
        parts = []
        fault = False
        if not self.has_reader:
            parts.append(ctx.t("读卡器：未配置"))
            fault = True
        elif self.reader_online:
            parts.append(ctx.t("读卡器：正常"))
        else:
            parts.append(ctx.t("读卡器：未连接"))
            fault = True
        if not self.has_printer:
            parts.append(ctx.t("打印机：未配置"))
            fault = True
        elif self.printer_error is not None:
            with ctx.speaking():
                parts.append(self.printer_error.headline())
            fault = True
        elif self.printer_status is not None and not self.printer_status.ready:
            with ctx.speaking():
                parts.append(status_error(self.printer_status).headline())
            fault = True
        else:
            parts.append(ctx.t("打印机：正常"))
        parts.append(ctx.t("系统：正常") if self.store_ok else ctx.t("系统：连接中断"))
        fault |= not self.store_ok
        if self.central is not None:
            with ctx.speaking():
                summary = self.central.summary(now)
            prefix = "" if self.central.online else ctx.t("中心预约系统：")
            parts.append(prefix + summary)
            # Never connected (no central store configured) is a set-up, not a fault; a hall
            # that was connected and lost the link keeps working, but staff should see it.
            fault |= not self.central.online and self.central.offline_since is not None
        return "   ".join(parts), fault

    # -- events ------------------------------------------------------------------------------
    def tick(self, reader_online: bool | None, ctx: Context) -> list[Effect]:
        self.ticks += 1
        effects: list[Effect] = []
        if self.ticks % CENTRAL_POLL_TICKS == 1:
            effects.append(ReadCentral())
        if self.ticks % PRINTER_POLL_TICKS == 0 and self.has_printer and self.printer_down:
            effects.append(CheckPrinter())
        if self.has_reader and reader_online is not None:
            effects += self.watch_reader(reader_online, ctx)
        return effects

    def watch_reader(self, online: bool, ctx: Context) -> list[Effect]:
        """Record the reader going offline (after the grace) and coming back, for the consoles."""
        self.reader_online = online
        if online:
            self.reader_dropped = False
        self._offline_ticks = 0 if online else self._offline_ticks + 1
        if not online and self._offline_ticks < READER_GRACE_TICKS:
            return []
        if online is self._reader_recorded:
            return []
        self._reader_recorded = online
        now = ctx.now()
        if online:  # also closes a fault an earlier run left open
            return [RecordDeviceOk("reader", now)]
        return [RecordDeviceFault("reader", "reader_offline", ctx.t("读卡器未连接"), None, now)]

    def reader_failed(self, error: Exception) -> None:
        if isinstance(error, ReaderOffline):
            self.reader_dropped = True
            self.reader_online = False

    def printer_status_read(self, status: PrinterStatus, ctx: Context) -> list[Effect]:
        self.printer_status = status
        if status.ready:
            self.printer_error = None
            return self._printer_works(ctx)
        return self._alert(status_error(status), None, ctx)

    def printed(self, ctx: Context) -> list[Effect]:
        """A slip came out: whatever fault the printer had is over."""
        self.printer_error = None
        if self.printer_status is not None and not self.printer_status.ready:
            self.printer_status = None
        return self._printer_works(ctx)

    def print_failed(self, error: Exception, number: str | None, ctx: Context) -> list[Effect]:
        if not isinstance(error, PrinterError):
            return []
        self.printer_error = error
        return self._alert(error, number, ctx)

    def _alert(self, error: PrinterError, number: str | None, ctx: Context) -> list[Effect]:
        """Each ticket that did not print is recorded (staff may meet its holder at the desk);
        a status check that finds the same fault again is not."""
        if number is None and error.code == self._printer_alert:
            return []
        self._printer_alert = error.code
        return [RecordDeviceFault("printer", error.code, str(error), number, ctx.now())]

    def _printer_works(self, ctx: Context) -> list[Effect]:
        if self._printer_alert is None:
            return []
        self._printer_alert = None
        return [RecordDeviceOk("printer", ctx.now())]

    def store_answered(self) -> None:
        self.store_ok = True
        self.store_error = ""

    def store_failed(self, error: Exception) -> None:
        self.store_ok = False
        self.store_error = staff_line(error)


def staff_line(error: Exception) -> str:
    """One line for staff from any error: its type when it says nothing, never a traceback."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    text = text or type(error).__name__
    return text if len(text) <= 160 else text[:157] + "..."
