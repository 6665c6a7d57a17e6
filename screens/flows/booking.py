"""On-site booking (现场预约): item, day, (大字: morning or afternoon,) slot, card, confirmation.

Each list shows only what the rules allow now, with the places left; a full slot stays visible
and cannot be chosen. In 大字 the day's slots are split into 上午/下午 and shown four at a time.
The booking is confirmed by the card (so none is offered while the reader is down), and the
confirmation lists every material at once (一次性告知) on screen and on the printed slip.
"""

from __future__ import annotations

from datetime import date, datetime

from kiosk.domain.booking_rules import SlotOffer
from kiosk.domain.hall import Service
from kiosk.domain.identity import Identity
from kiosk.domain.slip import BookingSlip
from kiosk.services import BookingResult
from kiosk.services.slots import BookingDays
from screens.flows import answers
from screens.flows.context import SLOTS_PER_PAGE
from screens.flows.effects import Book, Effect, PrintBooking, ReadDays, ReadSlots
from screens.flows.events import Booked, DaysRead, Event, JobFailed, Printed, PrintFailed, SlotsRead
from screens.flows.journey import Journey, Kiosk, Next, working
from screens.flows.view import Choice, View
from screens.icons import ACTION_ICONS
from screens.slips import booking_slip

MAX_DAYS = 4  # days offered at once: the next four with a slot the rules allow now
NOON = 12


class BookingJourney(Journey):
    name = "book"

    def __init__(self, service: Service | None = None) -> None:
        self.service = service
        self.steps: list[str] = ["services"]
        self.found: BookingDays | None = None
        self.day: date | None = None
        self.places: tuple[SlotOffer, ...] = ()
        self.half = ""  # "am" / "pm" in 大字
        self.slot: SlotOffer | None = None
        self.result: BookingResult | None = None
        self.error: Exception | None = None
        self.print_state = ""  # "", printing, printed, failed
        self.slip: BookingSlip | None = None

    @property
    def step(self) -> str:
        return self.steps[-1]

    def _go(self, step: str) -> None:
        self.steps.append(step)

    def begin(self, kiosk: Kiosk) -> list[Effect]:
        if self.service is None:
            return []
        self.steps = []
        return self._read_days(self.service, kiosk)

    def _read_days(self, service: Service, kiosk: Kiosk) -> list[Effect]:
        self.service = service
        self._go("loading_days")
        ctx = kiosk.ctx
        return [
            ReadDays(kiosk.session(), service.id, ctx.now(), ctx.setup.booking_channel, MAX_DAYS)
        ]

    @property
    def busy(self) -> bool:
        return self.step in ("loading_days", "loading_slots", "booking")

    # -- drawing -------------------------------------------------------------------------------
    def view(self, kiosk: Kiosk) -> View:
        ctx = kiosk.ctx
        step = self.step
        if step == "services":
            return self._services(kiosk)
        if step in ("loading_days", "loading_slots", "booking"):
            return working(ctx, f"working:{step}")
        if step == "days":
            return self._days(kiosk)
        if step == "halves":
            return self._halves(kiosk)
        if step == "slots":
            return self._slots(kiosk)
        if step == "confirm":
            return self._confirm(kiosk)
        if step == "booked":
            return self._booked(kiosk)
        if step == "no_slots":
            assert self.service is not None
            return answers.no_slots(ctx, self.service, kiosk.reader_down, self._days_note(kiosk))
        if step == "refused":
            assert self.result is not None and self.service is not None
            return answers.booking_refusal(ctx, self.result, self.service, kiosk.reader_down)
        assert self.error is not None
        return answers.job_failed(ctx, self.error, kiosk.reader_down, booking=True)

    def _services(self, kiosk: Kiosk) -> View:
        ctx = kiosk.ctx
        choices = tuple(
            ctx.service_choice(f"service:{s.id}", s) for s in ctx.hall.services if s.bookable
        )
        question = ctx.t("请选择要预约的事项")
        return View(
            screen="choice",
            kind="services:book",
            title=question,
            choices=choices,
            per_page=ctx.per_page(),
            back=True,
            spoken=(question,),
        )

    def _days_note(self, kiosk: Kiosk) -> str:
        """What the calendar cannot answer for yet (a year without holiday data, a draft)."""
        if self.found is None:
            return ""
        with kiosk.ctx.speaking():
            return self.found.note

    def _days(self, kiosk: Kiosk) -> View:
        ctx = kiosk.ctx
        assert self.service is not None and self.found is not None
        choices = []
        for found in self.found.days:
            day, places = found.day, found.places
            free = sum(1 for p in places if not p.full)
            note = ctx.t("{count} 个时段可约").format(count=free) if free else ctx.t("已约满")
            choices.append(
                Choice(
                    f"day:{day.isoformat()}",
                    ctx.day(day),
                    note,
                    ACTION_ICONS["day"],
                    enabled=free > 0,
                    tone="action" if free else "muted",
                )
            )
        question = ctx.t("请选择日期")
        return View(
            screen="choice",
            kind="days",
            title=question,
            note=" ".join(filter(None, [ctx.service_name(self.service), self._days_note(kiosk)])),
            choices=tuple(choices),
            per_page=ctx.per_page(),
            back=True,
            spoken=(question, *answers.spoken(ctx, "", "", choices)[1:]),
        )

    def _halves_of(self) -> dict[str, list[SlotOffer]]:
        halves: dict[str, list[SlotOffer]] = {"am": [], "pm": []}
        for place in self.places:
            halves["am" if place.slot.start.hour < NOON else "pm"].append(place)
        return {k: v for k, v in halves.items() if v}

    def _halves(self, kiosk: Kiosk) -> View:
        ctx = kiosk.ctx
        choices = []
        for half, places in self._halves_of().items():
            free = sum(1 for p in places if not p.full)
            label = ctx.t("上午") if half == "am" else ctx.t("下午")
            span = f"{places[0].slot.start:%H:%M}-{places[-1].slot.end:%H:%M}"
            note = ctx.t("{count} 个时段可约").format(count=free) if free else ctx.t("已约满")
            choices.append(
                Choice(
                    f"half:{half}",
                    label,
                    f"{span} · {note}",
                    ACTION_ICONS["morning" if half == "am" else "afternoon"],
                    enabled=free > 0,
                    tone="action" if free else "muted",
                )
            )
        question = ctx.t("请选择上午或下午")
        assert self.day is not None and self.service is not None
        return View(
            screen="choice",
            kind="halves",
            title=question,
            note=f"{ctx.service_name(self.service)} · {ctx.day(self.day)}",
            choices=tuple(choices),
            back=True,
            spoken=(question,),
        )

    def _slots(self, kiosk: Kiosk) -> View:
        ctx = kiosk.ctx
        assert self.day is not None and self.service is not None
        places = self._halves_of().get(self.half, []) if self.half else list(self.places)
        choices = tuple(
            Choice(
                f"slot:{p.slot.start:%H%M}",
                f"{p.slot.start:%H:%M}",
                f"– {p.slot.end:%H:%M} · "
                + (ctx.t("已约满") if p.full else ctx.t("余 {free} 个").format(free=p.free)),
                enabled=not p.full,
                tone="muted" if p.full else "action",
            )
            for p in places
        )
        question = ctx.t("请选择时段")
        return View(
            screen="choice",
            kind=f"slots:{self.half or 'day'}",
            title=question,
            note=f"{ctx.service_name(self.service)} · {ctx.day(self.day)}",
            choices=choices,
            columns=2 if ctx.elderly else 3,
            per_page=ctx.per_page() if ctx.elderly else SLOTS_PER_PAGE,
            back=True,
            spoken=(question,),
        )

    def _confirm(self, kiosk: Kiosk) -> View:
        ctx = kiosk.ctx
        assert self.service is not None and self.slot is not None
        slot = self.slot.slot
        summary = f"{ctx.service_name(self.service)}\n{ctx.day(slot.start.date())} " + (
            f"{slot.start:%H:%M}-{slot.end:%H:%M}"
        )
        note = ctx.t("确认预约：读取身份证后即完成预约。")
        return View(
            screen="place_card",
            kind="place_card:book",
            title=ctx.t("请将身份证放在感应区"),
            body=summary,
            note=note,
            back=True,
            spoken=(ctx.t("请将身份证放在感应区"), note),
        )

    def _booked(self, kiosk: Kiosk) -> View:
        ctx = kiosk.ctx
        assert self.result is not None and self.result.booking is not None
        assert self.service is not None
        booking = self.result.booking
        title = ctx.t("预约成功") if self.result.reason is None else ctx.t("您已预约")
        when = f"{ctx.day(booking.slot_start.date())} " + (
            f"{booking.slot_start:%H:%M}-{booking.slot_end:%H:%M}"
        )
        code = ctx.t("预约码：{code}").format(code=booking.booking_code)
        body = f"{ctx.service_name(self.service)} · {booking.name_masked}\n{when}\n{code}"
        note = ctx.t("请按预约时间携带身份证前来，到达后刷身份证签到。")
        materials = ctx.materials(self.service)
        return View(
            screen="materials",
            kind="booked" if self.result.reason is None else "already_booked",
            title=title,
            body=body,
            note=note,
            icon=ACTION_ICONS["ok"],
            tone="ok",
            materials_title=ctx.t("请带齐以下材料：") if materials else "",
            materials=materials,
            print_text=self._print_text(kiosk),
            print_fault=self.print_state == "failed",
            back=True,
            spoken=(title, body.replace("\n", ctx.t("，")), note),
        )

    def _print_text(self, kiosk: Kiosk) -> str:
        ctx = kiosk.ctx
        if not ctx.setup.has_printer:
            return ctx.t("打印机未连接，请拍照记下以上内容")
        return {
            "printing": ctx.t("正在打印预约凭条…"),
            "printed": ctx.t("请取走预约凭条"),
            "failed": ctx.t("凭条未能打印，请拍照记下以上内容，或到前台咨询"),
        }.get(self.print_state, "")

    # -- taps ----------------------------------------------------------------------------------
    def tap(self, name: str, kiosk: Kiosk) -> Next | None:
        kind, _, value = name.partition(":")
        ctx = kiosk.ctx
        if self.step == "services" and kind == "service":
            try:
                return Next(self._read_days(ctx.hall.service(value), kiosk))
            except KeyError:
                return None
        if self.step == "days" and kind == "day":
            self.day = date.fromisoformat(value)
            self._go("loading_slots")
            assert self.service is not None
            channel = ctx.setup.booking_channel
            return Next([ReadSlots(kiosk.session(), self.service.id, self.day, ctx.now(), channel)])
        if self.step == "halves" and kind == "half":
            self.half = value
            self._go("slots")
            return Next()
        if self.step == "slots" and kind == "slot":
            chosen = [p for p in self.places if f"{p.slot.start:%H%M}" == value and not p.full]
            if not chosen:
                return Next(say=())  # a full slot cannot be chosen
            self.slot = chosen[0]
            if kiosk.reader_down:
                return Next(start=_reader_down_notice())
            self._go("confirm")
            return Next()
        return None

    def card(self, identity: Identity, kiosk: Kiosk) -> Next | None:
        if self.step != "confirm":
            return None
        assert self.service is not None and self.slot is not None
        ctx = kiosk.ctx
        self._go("booking")
        start: datetime = self.slot.slot.start
        channel = ctx.setup.booking_channel
        return Next([Book(kiosk.session(), self.service.id, start, identity, ctx.now(), channel)])

    # -- answers -------------------------------------------------------------------------------
    def answer(self, event: Event, kiosk: Kiosk) -> Next | None:
        step = self.step
        if isinstance(event, DaysRead) and step == "loading_days":
            self.steps.pop()
            self.found = event.found
            if not any(day.open_slots for day in event.found.days):
                self._go("no_slots")
            else:
                self._go("days")
            return Next()
        if isinstance(event, SlotsRead) and step == "loading_slots":
            self.steps.pop()
            self.places = event.places
            self.half = ""
            if kiosk.ctx.elderly and len(self._halves_of()) > 1:
                self._go("halves")
            else:
                self._go("slots")
            return Next()
        if isinstance(event, Booked) and step == "booking":
            return self._booked_answer(event.result, kiosk)
        if isinstance(event, JobFailed) and step in ("loading_days", "loading_slots", "booking"):
            self.steps.pop()
            self.error = event.error
            self._go("fault")
            return Next()
        if isinstance(event, Printed | PrintFailed) and event.kind == "booking":
            if step != "booked":
                return None
            self.print_state = "printed" if isinstance(event, Printed) else "failed"
            return Next(say=(self._print_text(kiosk),))
        return None

    def _booked_answer(self, result: BookingResult, kiosk: Kiosk) -> Next:
        self.steps.pop()
        self.result = result
        if result.booking is None or result.reason not in (None, "already_booked"):
            self._go("refused")
            return Next()
        self._go("booked")
        ctx = kiosk.ctx
        assert self.service is not None
        if not ctx.setup.has_printer:
            return Next()
        self.slip = booking_slip(ctx.hall, self.service, result.booking, ctx.now(), ctx.lang)
        self.print_state = "printing"
        return Next([PrintBooking(kiosk.session(), self.slip)])

    def back(self, kiosk: Kiosk) -> Next:
        if self.step == "booked" or len(self.steps) <= 1:
            return Next(leave=True)
        if self.steps.pop() == "refused" and self.step == "confirm":
            self.steps.pop()  # a refused slot: back to the slots, not to the card again
        if not self.steps:
            return Next(leave=True)
        return Next()


def _reader_down_notice() -> Journey:
    from screens.flows.journey import Notice

    return Notice(lambda kiosk: answers.reader_down(kiosk.ctx, for_booking=True))
