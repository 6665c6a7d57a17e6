"""Check-in: a card on the reader finds the holder's booking and gives the booked ticket.

A card alone is enough (no tap before it); 我有预约 only asks for the card, or, with the reader
down, says at once that the card cannot be read and what to do instead. The answer is a ticket
(also when the person had checked in already: the same ticket, reprinted as 补打) or a message
with the reason and the next steps (``answers.check_in_answer``).
"""

from __future__ import annotations

from kiosk.domain.identity import Identity
from kiosk.services import CheckInOutcome, CheckInResult, TakeTicketResult
from screens.flows import answers
from screens.flows.effects import CheckIn, Effect
from screens.flows.events import Event, Issued, JobFailed
from screens.flows.journey import Journey, Kiosk, Next, working
from screens.flows.ticket_journey import TicketJourney
from screens.flows.view import View


class CheckInJourney(TicketJourney):
    name = "check_in"

    def __init__(self, identity: Identity | None = None) -> None:
        super().__init__(identity)
        self.step = "place_card" if identity is None else "working"
        self.result: CheckInResult | None = None
        self.error: Exception | None = None

    def begin(self, kiosk: Kiosk) -> list[Effect]:
        if self.identity is None:
            return []
        return [self._request(self.identity, kiosk)]

    @staticmethod
    def _request(identity: Identity, kiosk: Kiosk) -> CheckIn:
        ctx = kiosk.ctx
        return CheckIn(kiosk.session(), identity, ctx.now(), ctx.slip_facts())

    @property
    def busy(self) -> bool:
        return self.step == "working"

    def card(self, identity: Identity, kiosk: Kiosk) -> Next | None:
        if self.step != "place_card":
            return None
        self.identity = identity
        self.step = "working"
        return Next([self._request(identity, kiosk)])

    def view(self, kiosk: Kiosk) -> View:
        ctx = kiosk.ctx
        if self.step == "place_card":
            return View(
                screen="place_card",
                kind="place_card:check_in",
                title=ctx.t("请将身份证放在感应区"),
                note=ctx.t("读取身份证后将查询您今天的预约并签到。"),
                back=True,
                spoken=(
                    ctx.t("请将身份证放在感应区"),
                    ctx.t("读取身份证后将查询您今天的预约并签到。"),
                ),
            )
        if self.step == "working":
            return working(ctx, "working:check_in")
        if self.step == "ticket":
            return self.ticket_view(kiosk)
        if self.step == "fault" and self.error is not None:
            return answers.job_failed(ctx, self.error, kiosk.reader_down)
        assert self.result is not None
        return answers.check_in_answer(ctx, self.result, kiosk.reader_down)

    def answer(self, event: Event, kiosk: Kiosk) -> Next | None:
        if isinstance(event, Issued) and self.step == "working":
            result = event.result
            if isinstance(result, TakeTicketResult) and event.ticket is not None:
                # no booking, but the walk-in ticket this card took today: shown again
                note = answers.already_waiting(kiosk.ctx, event.ticket)
                self.show_ticket(event, kiosk, note=note)
                return Next()
            assert isinstance(result, CheckInResult)
            self.result = result
            if event.ticket is not None:
                self.show_ticket(event, kiosk, note=self._note(result, kiosk))
                return Next()
            self.step = "answer"
            return Next()
        if isinstance(event, JobFailed) and self.step == "working":
            self.step, self.error = "fault", event.error
            return Next()
        return super().answer(event, kiosk)

    def _note(self, result: CheckInResult, kiosk: Kiosk) -> str:
        ctx = kiosk.ctx
        ticket = result.ticket
        assert ticket is not None
        if result.outcome is CheckInOutcome.ALREADY_CHECKED_IN:
            return ctx.t("您已签到，号码为 {number}，请留意叫号。").format(number=ticket.number)
        note = ctx.t("签到成功，您的号码是 {number}。").format(number=ticket.number)
        if ticket.slot_start is not None and ticket.slot_start > ctx.now():
            note += ctx.t("预约时段开始后将优先叫号。")
        return note


__all__ = ["CheckInJourney", "Journey"]
