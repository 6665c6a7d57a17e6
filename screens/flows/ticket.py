"""The ticket on screen: the same slip the printer got, the print's outcome, and the reprint.

The panel is drawn from a ``TicketSlip`` made the way the printed one was (``screens.slips``),
in the language on screen: a language switch redraws it in the other language, the paper keeps
the language it was printed in. A print that failed keeps the number on screen, very large, with
"请拍照或记住您的号码，并到前台"; staff can reprint it (补打) with their PIN, and the holder of a
card gets it again by tapping the card once more.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from kiosk.domain.slip import TicketSlip
from kiosk.ports.printer import PaperOut, PrinterError
from kiosk.services import TicketView
from screens.flows.context import Context
from screens.flows.effects import PrintTicket, SlipFacts
from screens.flows.view import Choice, PrintState, TicketPanel, View
from screens.kioskmode import PinGuard
from screens.slips import queue_link, ticket_slip

PIN_LENGTH = 8


@dataclass
class PinPad:
    """Staff's PIN for a reprint, typed on the kiosk's own keypad (digits shown as dots)."""

    guard: PinGuard
    entered: str = ""
    message: str = ""


class TicketState:
    """A ticket issued (or found again) for the person at the kiosk."""

    def __init__(
        self,
        ticket: TicketView,
        facts: SlipFacts,
        slip: TicketSlip | None,
        qr_png: bytes | None,
        *,
        note: str = "",
        printing: bool = True,
    ) -> None:
        self.ticket = ticket
        self.facts = facts
        self.printed_slip = slip
        self.qr_png = qr_png
        self.note = note
        self.reprint = ticket.reprint  # a second tap of the same card; staff's 补打 sets it later
        self.print_state: PrintState = "printing" if printing and slip is not None else "failed"
        self.print_error: Exception | None = None
        self.pin: PinPad | None = None

    @property
    def number(self) -> str:
        return self.ticket.number

    # -- the print -----------------------------------------------------------------------------
    def printed(self) -> None:
        self.print_state = "printed"
        self.print_error = None

    def failed(self, error: Exception | None) -> None:
        self.print_state = "failed"
        self.print_error = error

    # -- the screen ----------------------------------------------------------------------------
    def slip(self, ctx: Context) -> TicketSlip:
        """The slip in the language on screen (the printed one if that is its language)."""
        if self.printed_slip is not None and self.printed_slip.language == ctx.lang:
            return self.printed_slip
        facts = ctx.slip_facts()
        link = queue_link(facts.queue_base_url, self.ticket)
        slip = ticket_slip(self.ticket, facts.hours_today, facts.phone, link, ctx.lang, ctx.now())
        return replace(slip, reprint=True, printed_at=ctx.now()) if self.reprint else slip

    def view(self, ctx: Context, printer_configured: bool, staff_pin: bool, page: int) -> View:
        """The ticket; in 大字 on two pages: first the number and where to go, then what to
        bring (the paper has both)."""
        if self.pin is not None:
            return self._pin_view(ctx)
        slip = self.slip(ctx)
        panel = self.panel(ctx, slip, printer_configured)
        choices: tuple[Choice, ...] = ()
        if self.print_state == "failed" and printer_configured and staff_pin:
            choices = (ctx.action("reprint", "工作人员补打", tone="muted"),)
        spoken = self.spoken(ctx, slip, panel)
        pager: tuple[Choice, ...] = ()
        details = bool(panel.materials or panel.booking or panel.qr_png)
        pages = 2 if ctx.elderly and details else 1
        page = min(page, pages - 1)
        if pages == 2:
            note = ctx.t("第 {page}/{pages} 页").format(page=page + 1, pages=pages)
            if page == 0:  # the number and where to go
                panel = replace(panel, booking="", materials_title="", materials=(), qr_png=None,
                                qr_note="", note="")  # fmt: skip
                pager = (Choice("next_page", ctx.t("所需材料"), note, "chevron-right"),)
                choices = ()  # staff's reprint waits on the second page
            else:  # what to bring, the booking, the queue page
                panel = replace(panel, ahead="", where="", print_text="", marks=(), compact=True)
                pager = (Choice("prev_page", ctx.t("我的号码"), note, "chevron-left"),)
        return View(
            screen="ticket",
            kind="ticket",
            title=ctx.t("您的号码"),
            ticket=panel,
            choices=choices,
            page=page,
            pages=pages,
            pager=pager,
            back=True,  # 上一步 leaves the ticket (it stays in the queue) for the step before
            spoken=spoken,
        )

    def panel(self, ctx: Context, slip: TicketSlip, printer_configured: bool) -> TicketPanel:
        """Everything the paper says, for the screen: the marks, where to go, the booking and
        its code, every material (一次性告知), the QR code only with a queue page."""
        marks = []
        if slip.priority:
            marks.append(ctx.t("优先"))
        if slip.materials_only:
            marks.append(ctx.t("仅接收材料"))
        if slip.reprint or self.reprint:
            marks.append(ctx.t("补打"))
        booking = ""
        if slip.slot_start is not None and slip.slot_end is not None:
            booking = ctx.t("{name} · 预约时段 {start}-{end}").format(
                name=slip.masked_name or "",
                start=f"{slip.slot_start:%H:%M}",
                end=f"{slip.slot_end:%H:%M}",
            )
            if slip.booking_code:
                booking += "\n" + ctx.t("预约码：{code}").format(code=slip.booking_code)
        where = ctx.t("请到：{where}").format(where=slip.where) if slip.where else ""
        return TicketPanel(
            number=slip.number,
            service=slip.service_name,
            marks=tuple(marks),
            ahead=ctx.t("前面还有 {ahead} 人，预计等候约 {minutes} 分钟").format(
                ahead=slip.ahead, minutes=slip.wait_minutes
            ),
            where=where,
            booking=booking,
            note=self.note,
            materials_title=ctx.t("请带齐以下材料：") if slip.materials else "",
            materials=slip.materials,
            qr_png=self.qr_png if slip.status_url else None,
            qr_note=ctx.t("扫码可查看排队进度") if slip.status_url and self.qr_png else "",
            print_state=self.print_state,
            print_text=self.print_text(ctx, printer_configured),
        )

    def print_text(self, ctx: Context, printer_configured: bool) -> str:
        if self.print_state == "printing":
            return ctx.t("正在打印号票…")
        if self.print_state == "printed":
            return ctx.t("请取走号票，留意大屏叫号")
        error = self.print_error
        with ctx.speaking():
            if not printer_configured:
                headline = ctx.t("打印机未连接")
            elif isinstance(error, PaperOut):
                headline = ctx.t("打印机缺纸")
            elif isinstance(error, PrinterError):
                headline = error.headline()
            else:
                headline = ctx.t("号票未能打印")
        return headline + "\n" + ctx.t("请拍照或记住您的号码，并到前台")

    def spoken(self, ctx: Context, slip: TicketSlip, panel: TicketPanel) -> tuple[str, ...]:
        """The number, the service, the people ahead and where to go."""
        lines = [
            ctx.t("您的号码是 {number}。").format(number=slip.number),
            ctx.t("办理事项：{service}。").format(service=slip.service_name),
            panel.ahead + ctx.t("。"),
        ]
        if panel.where:
            lines.append(panel.where + ctx.t("，") + ctx.t("留意大屏叫号") + ctx.t("。"))
        if slip.materials_only:
            lines.append(ctx.t("本时段该事项仅接收申请材料，审批将在工作日完成。"))
        if self.print_state in ("printed", "failed"):
            lines += self.print_line(ctx, printer_configured=True, text=panel.print_text)
        return tuple(lines)

    def print_line(
        self, ctx: Context, printer_configured: bool, text: str | None = None
    ) -> tuple[str, ...]:
        """What is said when the print's outcome comes in: the lines on screen as sentences."""
        text = text if text is not None else self.print_text(ctx, printer_configured)
        return (ctx.sentences(*(line + ctx.t("。") for line in text.split("\n"))),)

    # -- the staff reprint ----------------------------------------------------------------------
    def ask_pin(self, pin: str) -> None:
        self.pin = PinPad(PinGuard(pin))

    def _pin_view(self, ctx: Context) -> View:
        assert self.pin is not None
        keys = [Choice(f"pin:{d}", d) for d in "123456789"]
        keys += [
            Choice("pin:clear", ctx.t("清除"), tone="muted"),
            Choice("pin:0", "0"),
            Choice("pin:ok", ctx.t("确定"), tone="main"),
        ]
        return View(
            screen="pin",
            kind="reprint_pin",
            title=ctx.t("工作人员补打：请输入管理密码"),
            body=ctx.t("补打号票 {number}").format(number=self.number),
            note=self.pin.message,
            entered="●" * len(self.pin.entered),
            choices=tuple(keys),
            columns=3,
            back=True,
            spoken=(),
        )

    def pin_key(self, key: str, ctx: Context, session: int) -> PrintTicket | None:
        """One key of the PIN pad; the reprint request when the PIN is right."""
        pad = self.pin
        if pad is None:
            return None
        if key == "clear":
            pad.entered, pad.message = "", ""
            return None
        if key != "ok":
            if len(pad.entered) < PIN_LENGTH:
                pad.entered += key
            return None
        answer = pad.guard.check(pad.entered, ctx.now().timestamp())
        pad.entered = ""
        if answer == "wrong":
            pad.message = ctx.t("密码错误")
            return None
        if answer == "locked":
            seconds = round(pad.guard.locked_for(ctx.now().timestamp()))
            pad.message = ctx.t("错误次数过多，请 {seconds} 秒后再试").format(seconds=seconds)
            return None
        self.pin = None
        self.reprint = True
        self.print_state = "printing"
        slip = self.printed_slip or self.slip(ctx)
        return PrintTicket(session, replace(slip, reprint=True, printed_at=ctx.now()))
