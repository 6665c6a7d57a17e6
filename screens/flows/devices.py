"""The kiosk's devices as the flows see them: what the staff status line says, what changes for
citizens, and when the window consoles are alerted.

A fault that changes what a citizen can do changes the screen itself: with the reader down the
home screen stops asking for a card, with the printer out it says the number will be shown on
screen. Staff are alerted through the store (``RecordDeviceFault``): the reader after a grace
period (start-up and a reopen do not alarm anyone), the printer at once, each ticket that did
not print by its number.

The store is looked at every few seconds too (``CheckStore``, reads only): a fault it or a
request met (a full disk, a damaged file, this machine's clock behind the store's) stops the
home screen offering what would fail and puts the fault's staff line on the status line, before
anyone taps; the fault is over when the store answers again. A clock behind and a full or
read-only disk do not end with a read that works: only a check that finds them gone ends them.
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
from kiosk.store.errors import StoreFault
from kiosk.store.hallclock import ClockBehind
from screens.flows.context import Context
from screens.flows.effects import (
    CheckPrinter,
    CheckStore,
    Effect,
    ReadCentral,
    RecordDeviceFault,
    RecordDeviceOk,
)
from screens.flows.events import CentralLink

READER_GRACE_TICKS = 5  # seconds offline before the reader counts as down
CENTRAL_POLL_TICKS = 5  # read the sync state every 5 s
PRINTER_POLL_TICKS = 10  # while the printer is faulty, ask it every 10 s whether it is back
STORE_CHECK_TICKS = 5  # look at the store every 5 s (its faults, this machine's clock)
#: Faults with a staff line of their own (``staff_text``) and a stable ``code``.
TYPED_FAULTS = (StoreFault, ClockBehind)
#: Fault codes a successful read does not end (see the module's docstring).
CHECKED_FAULTS = ("clock_behind", "disk_full", "read_only")
WRITE_FAULTS = ("disk_full", "read_only")


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
        self.store_fault: Exception | None = None  # the fault the store last answered with
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
    def store_ok(self) -> bool:
        return self.store_fault is None

    @property
    def store_fault_code(self) -> str | None:
        """What is wrong with the store (``StoreFault.code``, ``clock_behind``); None: nothing."""
        if self.store_fault is None:
            return None
        return str(getattr(self.store_fault, "code", "store_failed"))

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
        parts.append(self._store_status(ctx))
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

    def _store_status(self, ctx: Context) -> str:
        if self.store_fault is None:
            return ctx.t("系统：正常")
        if isinstance(self.store_fault, TYPED_FAULTS):
            return staff_line(self.store_fault, ctx)
        return ctx.t("系统：连接中断")

    # -- events ------------------------------------------------------------------------------
    def tick(self, reader_online: bool | None, ctx: Context) -> list[Effect]:
        self.ticks += 1
        effects: list[Effect] = []
        if self.ticks % STORE_CHECK_TICKS == 1:
            effects.append(CheckStore(ctx.now(), writes=self.store_fault_code in WRITE_FAULTS))
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

    def store_answered(self, checked: bool = False) -> None:
        """The store answered (``checked``: a ``CheckStore`` found nothing wrong): the fault
        is over, unless a read cannot tell (``CHECKED_FAULTS``) and this was not a check."""
        if checked or self.store_fault_code not in CHECKED_FAULTS:
            self.store_fault = None

    def store_failed(self, error: Exception) -> None:
        """The fault now (it replaces the last one: a check finds what is wrong at present)."""
        self.store_fault = error


def staff_line(error: Exception, ctx: Context | None = None) -> str:
    """One line for staff from any error, never a traceback: a store or clock fault's own line
    (``staff_text``, in the screen's language), else its message, or its type when it says
    nothing."""
    if isinstance(error, TYPED_FAULTS):
        if ctx is None:
            return error.staff_text()
        with ctx.speaking():
            return error.staff_text()
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    text = text or type(error).__name__
    return text if len(text) <= 160 else text[:157] + "..."
