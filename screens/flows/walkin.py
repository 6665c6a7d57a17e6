"""Walk-in: pick a service, get a ticket; two taps from the home screen.

The list says for each service whether a ticket is possible now, and a service that cannot
take one answers its first tap with the reason at once (the schedule decides, no store call).
When no service takes walk-ins now, the journey opens on that refusal instead of a list of
"no"s. A card read before (no booking, too early) goes with the request, for the holder's
priority (70 and older) and the one-open-ticket rule.
"""

from __future__ import annotations

from kiosk.domain.hall import Service
from kiosk.domain.identity import Identity
from kiosk.services import TakeTicketResult
from screens.flows import answers
from screens.flows.effects import Effect, TakeTicket
from screens.flows.events import Event, Issued, JobFailed
from screens.flows.journey import Kiosk, Next, working
from screens.flows.ticket_journey import TicketJourney
from screens.flows.view import View


class WalkInJourney(TicketJourney):
    name = "walk_in"

    def __init__(self, identity: Identity | None = None, service: Service | None = None) -> None:
        super().__init__(identity)
        self.step = "services"
        self.service = service
        self.first = "services"  # the step 上一步 leaves from
        self.result: TakeTicketResult | None = None
        self.error: Exception | None = None

    def begin(self, kiosk: Kiosk) -> list[Effect]:
        ctx = kiosk.ctx
        if self.service is not None:
            self.first = "chosen"
            return self._take(self.service, kiosk)
        if not answers.walk_in_open(ctx):
            # nothing to choose: the refusal comes at the first tap, not after a list of "no"s
            self.first = "refused"
            self.step = "refused"
        return []

    def _take(self, service: Service, kiosk: Kiosk) -> list[Effect]:
        self.service = service
        decision = kiosk.ctx.walk_in(service)
        if decision is None or not decision.allowed:
            self.step = "refused"
            return []
        self.step = "working"
        ctx = kiosk.ctx
        return [TakeTicket(kiosk.session(), service.id, self.identity, ctx.now(), ctx.slip_facts())]

    @property
    def busy(self) -> bool:
        return self.step == "working"

    def view(self, kiosk: Kiosk) -> View:
        ctx = kiosk.ctx
        if self.step == "services":
            return self._services(kiosk)
        if self.step == "working":
            return working(ctx, "working:walk_in")
        if self.step == "ticket":
            return self.ticket_view(kiosk)
        if self.step == "refused":
            service = self.service
            decision = self.result.decision if self.result is not None else None
            if decision is None:  # decided now, said in the language of the moment
                decision = ctx.walk_in(service or ctx.hall.services[0])
            return answers.walk_in_refusal(ctx, service, decision, kiosk.reader_down)
        if self.step == "already" and self.result is not None:
            return self._already(kiosk)
        assert self.error is not None
        return answers.job_failed(ctx, self.error, kiosk.reader_down)

    def _services(self, kiosk: Kiosk) -> View:
        ctx = kiosk.ctx
        choices = []
        for service in ctx.hall.services:
            note, allowed = answers.acceptance_note(ctx, ctx.walk_in(service))
            choices.append(
                ctx.service_choice(
                    f"service:{service.id}", service, note, tone="action" if allowed else "muted"
                )
            )
        notes = []
        if self.identity is not None:
            notes.append(ctx.t("已读取证件：{name}").format(name=self.identity.masked_name))
        explanation = answers.period_explanation(ctx)
        if explanation:
            notes.append(explanation)
        question = ctx.t("请选择要办理的事项")
        return View(
            screen="choice",
            kind="services:walk_in",
            title=question,
            note="  ".join(notes),
            choices=tuple(choices),
            per_page=ctx.per_page(),
            back=True,
            spoken=(question, *([explanation] if explanation else [])),
        )

    def _already(self, kiosk: Kiosk) -> View:
        ctx = kiosk.ctx
        assert self.result is not None and self.result.existing is not None
        return answers.message(
            ctx,
            "already_waiting",
            ctx.t("您已取号"),
            answers.already_waiting(ctx, self.result.existing),
            tone="ok",
        )

    def tap(self, name: str, kiosk: Kiosk) -> Next | None:
        if self.step == "services" and name.startswith("service:"):
            try:
                service = kiosk.ctx.hall.service(name.removeprefix("service:"))
            except KeyError:
                return None
            return Next(self._take(service, kiosk))
        return super().tap(name, kiosk)

    def answer(self, event: Event, kiosk: Kiosk) -> Next | None:
        if isinstance(event, Issued) and self.step == "working":
            result = event.result
            assert isinstance(result, TakeTicketResult)
            self.result = result
            if event.ticket is not None:
                note = ""
                if event.ticket.reprint and result.existing is not None:
                    note = answers.already_waiting(kiosk.ctx, result.existing)
                elif event.ticket.materials_only:
                    note = kiosk.ctx.t("本时段该事项仅接收申请材料，审批将在工作日完成。")
                self.show_ticket(event, kiosk, note=note)
                return Next()
            self.step = "already" if result.reason == "already_waiting" else "refused"
            return Next()
        if isinstance(event, JobFailed) and self.step == "working":
            self.step, self.error = "fault", event.error
            return Next()
        return super().answer(event, kiosk)

    def back(self, kiosk: Kiosk) -> Next:
        if self.step in ("refused", "already", "fault") and self.first == "services":
            self.step = "services"
            self.result = None
            return Next()
        return super().back(kiosk)
