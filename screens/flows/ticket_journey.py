"""What the two journeys that end in a ticket share: showing it, the print's outcome, 补打."""

from __future__ import annotations

from kiosk.domain.identity import Identity
from screens.flows.events import Event, Issued, Printed, PrintFailed
from screens.flows.journey import Journey, Kiosk, Next
from screens.flows.ticket import TicketState
from screens.flows.view import View


class TicketJourney(Journey):
    def __init__(self, identity: Identity | None = None) -> None:
        self.identity = identity
        self.step = ""
        self.shown: TicketState | None = None

    def show_ticket(self, event: Issued, kiosk: Kiosk, *, note: str = "") -> None:
        assert event.ticket is not None
        setup = kiosk.ctx.setup
        slip = event.slip
        state = TicketState(
            event.ticket,
            kiosk.ctx.slip_facts(),
            slip,
            event.qr_png,
            note=note,
            printing=setup.has_printer and event.prepare_error is None,
        )
        if event.prepare_error is not None:
            state.failed(event.prepare_error)
        self.shown = state
        self.step = "ticket"

    def ticket_view(self, kiosk: Kiosk) -> View:
        assert self.shown is not None
        setup = kiosk.ctx.setup
        page = kiosk.page("ticket")
        return self.shown.view(kiosk.ctx, setup.has_printer, bool(setup.staff_pin), page)

    def holds(self, number: str | None) -> bool:
        return self.shown is not None and number == self.shown.number

    def answer(self, event: Event, kiosk: Kiosk) -> Next | None:
        shown = self.shown
        if shown is None or self.step != "ticket":
            return None
        if isinstance(event, Printed) and event.kind == "ticket" and self.holds(event.number):
            shown.printed()
            return Next(say=shown.print_line(kiosk.ctx, kiosk.ctx.setup.has_printer))
        if isinstance(event, PrintFailed) and event.kind == "ticket" and self.holds(event.number):
            shown.failed(event.error)
            return Next(say=shown.print_line(kiosk.ctx, kiosk.ctx.setup.has_printer))
        return None

    def tap(self, name: str, kiosk: Kiosk) -> Next | None:
        shown = self.shown
        if shown is None or self.step != "ticket":
            return None
        pin = kiosk.ctx.setup.staff_pin
        if name == "reprint" and pin and shown.print_state == "failed":
            shown.ask_pin(pin)
            return Next()
        if name.startswith("pin:") and shown.pin is not None:
            request = shown.pin_key(name.removeprefix("pin:"), kiosk.ctx, kiosk.session())
            if request is None:
                return Next(say=())
            return Next([request])
        return None

    def back(self, kiosk: Kiosk) -> Next:
        if self.shown is not None and self.shown.pin is not None:
            self.shown.pin = None
            return Next(say=())
        return Next(leave=True)
