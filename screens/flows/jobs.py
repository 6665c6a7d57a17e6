"""The job runner: carries out the flows' requests on the store and the printer, answers with
events. Plain Python: the Kivy app gives it two worker threads and a way to post events back
to the UI thread; a test gives it workers that run at once.

A check-in or a walk-in that gives a ticket is sent to the printer from the store's thread, the
moment the transaction has committed: the path from card to paper never waits for a frame to
be drawn. Whatever fails after that commit (making the slip, the QR code, the print) never
loses the ticket: the answer still carries it, so its number is shown.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol, TypeVar

from kiosk.ports.printer import PrinterOffline, TicketPrinter
from kiosk.services import (
    CheckInOutcome,
    CheckInResult,
    TakeTicketResult,
    TicketView,
    add_booking,
    check_in,
    take_ticket,
)
from kiosk.services.devices import record_device_fault, record_device_ok
from kiosk.services.slots import booking_days, free_slots
from kiosk.services.tickets import walk_in_ticket_of
from kiosk.store.hallstore import HallStore
from screens.flows.effects import (
    Book,
    CheckIn,
    CheckPrinter,
    CheckStore,
    Effect,
    PrintBooking,
    PrintGuide,
    PrintTicket,
    ReadCentral,
    ReadDays,
    ReadSlots,
    RecordDeviceFault,
    RecordDeviceOk,
    TakeTicket,
)
from screens.flows.events import (
    CHECK_SESSION,
    Booked,
    CentralLink,
    CentralRead,
    DaysRead,
    Event,
    Issued,
    JobFailed,
    Printed,
    PrinterStatusFailed,
    PrinterStatusRead,
    PrintFailed,
    PrintKind,
    SlotsRead,
    StoreChecked,
)
from screens.slips import qr_png, queue_link, ticket_slip

log = logging.getLogger(__name__)
T = TypeVar("T")
PRINTABLE = ("waiting", "called")


class Worker(Protocol):
    """One thread of jobs in order; callbacks come back where the runner wants them."""

    def submit(
        self,
        job: Callable[[], T],
        on_done: Callable[[T], Any],
        on_error: Callable[[Exception], Any],
    ) -> None: ...


class InlineWorker:
    """Runs each job at once on the caller's thread (tests, scripted runs)."""

    def __init__(self) -> None:
        self.pending = 0

    def submit(
        self,
        job: Callable[[], T],
        on_done: Callable[[T], Any],
        on_error: Callable[[Exception], Any],
    ) -> None:
        try:
            result = job()
        except Exception as error:
            on_error(error)
        else:
            on_done(result)


CentralReader = Callable[[datetime], CentralLink]


class KioskJobs:
    def __init__(
        self,
        store: HallStore,
        printer: TicketPrinter | None,
        store_worker: Worker,
        printer_worker: Worker,
        post: Callable[[Event], object],
        central: CentralReader | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.store = store
        self.printer = printer
        self.store_worker = store_worker
        self.printer_worker = printer_worker
        self.post = post
        self.central = central
        self.now = now or (lambda: datetime.now())

    def run(self, effects: tuple[Effect, ...] | list[Effect]) -> None:
        for effect in effects:
            handler = getattr(self, f"_on_{type(effect).__name__}")
            handler(effect)

    # -- one method per request ---------------------------------------------------------------
    def _on_CheckIn(self, effect: CheckIn) -> None:
        self._store(effect.session, "check_in", lambda: self._check_in(effect))

    def _on_TakeTicket(self, effect: TakeTicket) -> None:
        self._store(effect.session, "take_ticket", lambda: self._take(effect))

    def _on_ReadDays(self, effect: ReadDays) -> None:
        self._store(effect.session, "read_days", lambda: self._days(effect))

    def _on_ReadSlots(self, effect: ReadSlots) -> None:
        def read() -> SlotsRead:
            places = free_slots(
                self.store, effect.service_id, effect.day, effect.now, effect.channel
            )
            return SlotsRead(effect.session, effect.service_id, effect.day, tuple(places))

        self._store(effect.session, "read_slots", read)

    def _on_Book(self, effect: Book) -> None:
        self._store(effect.session, "book", lambda: self._book(effect))

    def _on_PrintTicket(self, effect: PrintTicket) -> None:
        slip = effect.slip
        self._print(effect.session, "ticket", slip.number, lambda p: p.print_ticket(slip))

    def _on_PrintBooking(self, effect: PrintBooking) -> None:
        slip = effect.slip
        self._print(effect.session, "booking", None, lambda p: p.print_booking(slip))

    def _on_PrintGuide(self, effect: PrintGuide) -> None:
        slip = effect.slip
        self._print(effect.session, "guide", None, lambda p: p.print_guide(slip))

    def _on_CheckPrinter(self, _effect: CheckPrinter) -> None:
        if self.printer is not None:
            self.printer_worker.submit(
                self.printer.status,
                lambda status: self.post(PrinterStatusRead(status)),
                lambda error: self.post(PrinterStatusFailed(error)),
            )

    def _on_CheckStore(self, effect: CheckStore) -> None:
        store = self.store
        self.store_worker.submit(
            lambda: store.check(effect.now, writes=effect.writes),
            lambda _result: self.post(StoreChecked()),
            lambda error: self.post(JobFailed(CHECK_SESSION, "check_store", error)),
        )

    def _on_ReadCentral(self, _effect: ReadCentral) -> None:
        central = self.central
        if central is None:
            return
        now = self.now()
        self.store_worker.submit(
            lambda: central(now),
            lambda link: self.post(CentralRead(link)),
            lambda error: log.warning("sync state unreadable: %s", error),
        )

    def _on_RecordDeviceFault(self, effect: RecordDeviceFault) -> None:
        store = self.store
        self.store_worker.submit(
            lambda: record_device_fault(
                store, store.terminal, effect.device, effect.code, effect.message,
                effect.number, effect.now,
            ),
            lambda _result: None,
            lambda error: log.warning("%s fault not recorded: %s", effect.device, error),
        )  # fmt: skip

    def _on_RecordDeviceOk(self, effect: RecordDeviceOk) -> None:
        store = self.store
        self.store_worker.submit(
            lambda: record_device_ok(store, store.terminal, effect.device, effect.now),
            lambda _result: None,
            lambda error: log.warning("%s recovery not recorded: %s", effect.device, error),
        )

    # -- the store ----------------------------------------------------------------------------
    def _store(self, session: int, job: str, work: Callable[[], Event]) -> None:
        self.store_worker.submit(
            work, self.post, lambda error: self.post(JobFailed(session, job, error))
        )

    def _check_in(self, effect: CheckIn) -> Issued:
        result = check_in(self.store, effect.identity, effect.now)
        if result.outcome is CheckInOutcome.NO_BOOKING:
            # a walk-in holder who tapped the card for the ticket taps it again for a reprint
            again = walk_in_ticket_of(self.store, effect.identity, effect.now)
            if again is not None:
                taken = TakeTicketResult(None, result.message, "already_waiting", None, again)
                return self._issued(effect.session, taken, again, effect)
        ticket = result.ticket if _printable(result.ticket) else None
        return self._issued(effect.session, result, ticket, effect)

    def _take(self, effect: TakeTicket) -> Issued:
        result = take_ticket(self.store, effect.service_id, effect.now, effect.identity)
        if result.ticket is not None:
            return self._issued(effect.session, result, result.ticket, effect)
        existing = result.existing if _printable(result.existing) else None
        return self._issued(effect.session, result, existing, effect)

    def _issued(
        self,
        session: int,
        result: CheckInResult | TakeTicketResult,
        ticket: TicketView | None,
        request: CheckIn | TakeTicket,
    ) -> Issued:
        """On the store's thread, right after the commit: the ticket to the printer (补打 when
        it is one found again), its QR code."""
        if ticket is None:
            return Issued(session, result)
        facts = request.slip
        try:
            link = queue_link(facts.queue_base_url, ticket)
            slip = ticket_slip(
                ticket, facts.hours_today, facts.phone, link, facts.language, request.now
            )
        except Exception as error:  # the ticket stands; its number is shown
            log.exception("ticket %s: no slip could be made", ticket.number)
            return Issued(session, result, ticket, None, None, error)
        if self.printer is not None:
            self._print(session, "ticket", ticket.number, lambda p: p.print_ticket(slip))
        qr = None
        if link:
            try:
                qr = qr_png(link)
            except Exception:
                log.exception("ticket %s: no QR code", ticket.number)
        return Issued(session, result, ticket, slip, qr)

    def _days(self, effect: ReadDays) -> DaysRead:
        """The next days with a slot the rules allow now, each with its slots' free places."""
        found = booking_days(
            self.store, effect.service_id, effect.now, effect.channel, effect.max_days
        )
        return DaysRead(effect.session, effect.service_id, found)

    def _book(self, effect: Book) -> Booked:
        result = add_booking(
            self.store, effect.identity, effect.service_id, effect.slot_start, effect.now,
            channel=effect.channel,
        )  # fmt: skip
        return Booked(effect.session, result)

    # -- the printer --------------------------------------------------------------------------
    def _print(
        self,
        session: int,
        kind: PrintKind,
        number: str | None,
        job: Callable[[TicketPrinter], object],
    ) -> None:
        """A print on the printer's thread; its outcome comes back as an event (a kiosk with
        no printer answers at once that nothing was printed)."""
        printer = self.printer
        if printer is None:
            self.post(PrintFailed(session, kind, PrinterOffline("not configured"), number))
            return

        def failed(error: Exception) -> None:
            log.warning("%s %s not printed: %s (staff alerted)", kind, number or "", error)
            self.post(PrintFailed(session, kind, error, number))

        self.printer_worker.submit(
            lambda: job(printer), lambda _result: self.post(Printed(session, kind, number)), failed
        )


def _printable(ticket: TicketView | None) -> bool:
    return ticket is not None and ticket.status in PRINTABLE


__all__ = ["InlineWorker", "KioskJobs", "Worker"]
