"""What to bring (办事指南): pick an item, see every material at once, print the list."""

from __future__ import annotations

from kiosk.domain.hall import Service
from kiosk.domain.slip import GuideSlip
from kiosk.messages import hours_line
from screens.flows.effects import Effect, PrintGuide
from screens.flows.events import Event, Printed, PrintFailed
from screens.flows.journey import Journey, Kiosk, Next
from screens.flows.view import Choice, View
from screens.icons import service_icon


class GuideJourney(Journey):
    name = "guide"

    def __init__(self, service: Service | None = None) -> None:
        self.service = service
        self.first = service is None
        self.print_state = ""  # "", printing, printed, failed

    def begin(self, kiosk: Kiosk) -> list[Effect]:
        return []

    def view(self, kiosk: Kiosk) -> View:
        ctx = kiosk.ctx
        if self.service is None:
            question = ctx.t("请选择要了解的事项")
            return View(
                screen="choice",
                kind="services:guide",
                title=question,
                choices=tuple(ctx.service_choice(f"service:{s.id}", s) for s in ctx.hall.services),
                per_page=ctx.per_page(),
                back=True,
                spoken=(question,),
            )
        service = self.service
        materials = ctx.materials(service)
        choices: tuple[Choice, ...] = ()
        if materials and ctx.setup.has_printer and self.print_state != "printing":
            choices = (ctx.action("print", "打印材料清单", tone="main"),)
        title = ctx.service_name(service)
        note = ctx.t("办理时请携带本人有效身份证件。")
        intro = ctx.t("请带齐以下材料：") if materials else ctx.t("办理该事项无需另备材料。")
        spoken_materials = ctx.t("、").join(materials)
        return View(
            screen="materials",
            kind="guide",
            title=title,
            note=note,
            icon=service_icon(ctx.hall, service.id),
            materials_title=intro,
            materials=materials,
            print_text=self._print_text(kiosk),
            print_fault=self.print_state == "failed",
            choices=choices,
            back=True,
            spoken=(title, intro + spoken_materials, note),
        )

    def _print_text(self, kiosk: Kiosk) -> str:
        ctx = kiosk.ctx
        return {
            "printing": ctx.t("正在打印材料清单…"),
            "printed": ctx.t("请取走材料清单"),
            "failed": ctx.t("材料清单未能打印，请拍照记下以上内容"),
        }.get(self.print_state, "")

    def tap(self, name: str, kiosk: Kiosk) -> Next | None:
        ctx = kiosk.ctx
        if self.service is None and name.startswith("service:"):
            try:
                self.service = ctx.hall.service(name.removeprefix("service:"))
            except KeyError:
                return None
            return Next()
        if name == "print" and self.service is not None and self.print_state != "printing":
            self.print_state = "printing"
            return Next([PrintGuide(kiosk.session(), self._slip(kiosk))], say=())
        return None

    def _slip(self, kiosk: Kiosk) -> GuideSlip:
        """The guide's list on paper, in the language on screen."""
        ctx = kiosk.ctx
        assert self.service is not None
        plan = ctx.plan()
        with ctx.speaking():
            hours = hours_line(plan) if plan is not None else ""
        return GuideSlip(
            hall_name_zh=ctx.hall.name_zh,
            hall_name_en=ctx.hall.name_en,
            item_name=ctx.service_name(self.service),
            materials=ctx.materials(self.service),
            printed_at=ctx.now(),
            note=ctx.t("办理时请携带本人有效身份证件。"),
            hours_today=hours,
            phone=ctx.hall.phone or None,
            language=ctx.lang,
        )

    def answer(self, event: Event, kiosk: Kiosk) -> Next | None:
        if isinstance(event, Printed | PrintFailed) and event.kind == "guide":
            if self.service is None or self.print_state != "printing":
                return None
            self.print_state = "printed" if isinstance(event, Printed) else "failed"
            return Next(say=(self._print_text(kiosk),))
        return None

    def back(self, kiosk: Kiosk) -> Next:
        if self.service is not None and self.first:
            self.service = None
            self.print_state = ""
            return Next()
        return Next(leave=True)
