"""The citizen's kiosk: attract → card check-in / walk-in ticket / on-site booking / guide.

The app decides which screen answers which service result; the services decide everything
else. Store and printer calls run on two worker threads (``screens.worker``), so a slow printer
never delays the next person's check-in, and each result comes back on the UI thread. A result
that arrives after the idle reset belongs to a person who has left and is dropped
(``_session``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from kivy.clock import Clock
from kivy.core.window import Window
from kivy.factory import Factory
from kivy.properties import BooleanProperty, NumericProperty, StringProperty

from kiosk.clock import Clock as HallClockProtocol
from kiosk.domain.booking_rules import Slot, SlotOffer
from kiosk.domain.calendar import UnknownYear
from kiosk.domain.hall import Acceptance, Category, Service
from kiosk.domain.identity import Identity
from kiosk.domain.schedule import walk_in_decision
from kiosk.domain.slip import GuideSlip, TicketSlip
from kiosk.i18n import DEFAULT_LANGUAGE, use_language
from kiosk.messages import describe_walk_in, hours_line
from kiosk.ports.announcer import Announcer, AnnouncerError
from kiosk.ports.card_reader import (
    CardEvent,
    CardExpired,
    CardReader,
    CardUnreadable,
    InvalidCardData,
    ReaderOffline,
)
from kiosk.ports.printer import (
    CoverOpen,
    PaperOut,
    PrinterError,
    PrinterOffline,
    PrinterStatus,
    TicketPrinter,
)
from kiosk.services import (
    BookingResult,
    CheckInOutcome,
    CheckInResult,
    TakeTicketResult,
    TicketView,
    add_booking,
    check_in,
    take_ticket,
)
from kiosk.services.devices import record_device_fault, record_device_ok
from kiosk.services.errors import QueueError
from kiosk.services.slots import free_slots
from kiosk.store.hallstore import HallStore
from screens import theme
from screens.base import HallApp, load_kv
from screens.fonts import register_cjk_font
from screens.kiosk_screens import (
    AttractScreen,
    Choice,
    ChoiceScreen,
    KioskScreen,
    MaterialsScreen,
    MessageScreen,
    PlaceCardScreen,
    TicketScreen,
    WorkingScreen,
    keep_two_actions,
)
from screens.slips import booking_slip, queue_link, ticket_slip
from screens.widgets import PreparedTicket, qr_png, qr_texture_from_png
from screens.worker import Worker
from sync.state import SyncState, read_state

log = logging.getLogger(__name__)

KV_FILES = (
    "widgets",
    "kiosk_root",
    "kiosk_attract",
    "kiosk_place_card",
    "kiosk_working",
    "kiosk_ticket",
    "kiosk_message",
    "kiosk_choice",
    "kiosk_materials",
)
MAX_DAY_CHOICES = 4
CENTRAL_POLL_TICKS = 5  # read the sync state every 5 s
PRINTER_POLL_TICKS = 10  # while the printer is faulty, ask it every 10 s whether it is back
CATEGORY_NAMES = {
    Category.ON_THE_SPOT: "即办类",
    Category.ONE_DAY: "一日办结类",
    Category.DECIDE_LATER: "承办类",
    Category.CONSULTATION: "咨询类",
}


READER_GRACE_TICKS = 5  # seconds offline before staff are alerted


class KioskApp(HallApp):
    idle_left = NumericProperty(theme.IDLE_SECONDS)
    away_from_home = BooleanProperty(False)  # True on every screen but the attract screen
    status_text = StringProperty("")
    device_fault = BooleanProperty(False)

    def __init__(
        self,
        store: HallStore,
        clock: HallClockProtocol,
        *,
        reader: CardReader | None = None,
        printer: TicketPrinter | None = None,
        idle_seconds: int = theme.IDLE_SECONDS,
        queue_base_url: str | None = None,
        voice: Announcer | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(store.hall, store.calendar, clock, **kwargs)
        self.store = store
        self.reader = reader
        self.printer = printer
        self.idle_seconds = idle_seconds
        self.queue_base_url = queue_base_url
        self.voice = voice  # reads screen titles aloud in elderly mode; None: no voice here
        self.store_worker = Worker("kiosk-store")
        self.printer_worker = Worker("kiosk-printer")
        self.store_ok = True
        self.reader_online: bool | None = None  # as last recorded for staff; None: not yet
        self._reader_offline_ticks = 0
        self.printer_status: PrinterStatus | None = None
        self.printer_error: PrinterError | None = None
        # The fault code last recorded for staff; "" until the store has heard from us once
        # (a fault left open by an earlier run is closed by the first good status).
        self._printer_alert: str | None = ""
        self.central: SyncState | None = None
        self._ticks = 0
        self._session = 0
        self._identity: Identity | None = None  # the card of the person at the kiosk now
        self._booking_service: Service | None = None
        self._booking_slot: Slot | None = None
        self._booking_pending = False  # the next card confirms a booking (read on any thread)
        self._guide_service: Service | None = None
        self.printed: list[str] = []  # numbers the printer confirmed, in order
        # (session, number) → None while printing, "printed", or the printer's error
        self._print_outcomes: dict[tuple[int, str], object] = {}
        self.screens: dict[str, KioskScreen] = {}

    # -- building ----------------------------------------------------------------------------
    def build(self) -> Any:
        register_cjk_font()
        load_kv(*KV_FILES)
        if Window.width > Window.height:
            self.touch = theme.TOUCH_LANDSCAPE
        self.title = f"{self.hall.name_zh} · 自助服务"
        root = Factory.KioskRoot()
        self.manager = root.ids.manager
        for screen in (
            AttractScreen(),
            PlaceCardScreen(),
            WorkingScreen(),
            TicketScreen(),
            MessageScreen(),
            ChoiceScreen(),
            MaterialsScreen(),
        ):
            self.screens[screen.name] = screen
            self.manager.add_widget(screen)
        self.manager.current = "attract"
        self.manager.bind(current=self._on_screen)
        return root

    def on_start(self) -> None:
        self.refresh_header()
        self.refresh_status()
        self._ticker = Clock.schedule_interval(self._tick, 1.0)
        Window.bind(on_touch_down=self._on_touch)
        if self.reader is not None:
            self.reader.start(self._card_from_reader)
        self.check_printer()

    def on_stop(self) -> None:
        ticker = getattr(self, "_ticker", None)
        if ticker is not None:
            ticker.cancel()
        Window.unbind(on_touch_down=self._on_touch)
        if self.reader is not None:
            self.reader.stop()
        self.store_worker.shutdown()
        self.printer_worker.shutdown()
        if self.voice is not None:
            self.voice.close()

    def on_elderly(self, *_args: object) -> None:
        keep_two_actions(self.screens["attract"], self.elderly)  # type: ignore[arg-type]
        if self.elderly:
            self.read_title()

    def read_title(self) -> None:
        """Elderly mode: say the title of the screen now shown (the voice queues it, so two
        titles in quick succession are said one after the other, never together)."""
        if not self.elderly or self.voice is None or not hasattr(self, "manager"):
            return
        text = self.t(self.screens[self.manager.current].title_msg)
        if not text.strip():
            return
        try:
            self.voice.say(text)
        except (AnnouncerError, ValueError) as error:
            log.warning("title not read aloud: %s", error)

    def on_lang(self, *args: object) -> None:
        super().on_lang(*args)
        self.refresh_status()

    @property
    def pending(self) -> int:
        return self.store_worker.pending + self.printer_worker.pending

    # -- idle reset --------------------------------------------------------------------------
    def _on_screen(self, _manager: object, name: str) -> None:
        self.away_from_home = name != "attract"
        self.idle_left = self.idle_seconds

    def _on_touch(self, *_args: object) -> bool:
        self.idle_left = self.idle_seconds
        return False  # the touch goes on to the widgets

    def _tick(self, _dt: float) -> None:
        self.refresh_header()
        self.refresh_status()
        self._watch_reader()
        self._ticks += 1
        if self._ticks % CENTRAL_POLL_TICKS == 1:
            self.check_central()
        if self._ticks % PRINTER_POLL_TICKS == 0 and self._printer_faulty():
            self.check_printer()
        if self.manager.current == "attract":
            return
        self.idle_left = max(0, self.idle_left - 1)
        if self.idle_left <= 0:
            self.go_home()

    def go_home(self) -> None:
        """Back to the attract screen with nothing of the last person left anywhere."""
        self._session += 1
        self._print_outcomes.clear()
        self._identity = None
        self._booking_service = None
        self._booking_slot = None
        self._booking_pending = False
        self._guide_service = None
        for screen in self.screens.values():
            screen.clear()
        self.set_lang(DEFAULT_LANGUAGE)
        self.set_elderly(False)
        self.manager.current = "attract"
        self.idle_left = self.idle_seconds

    def show(self, name: str) -> None:
        self.manager.current = name
        self.idle_left = self.idle_seconds
        self.read_title()

    # -- status line: reader, printer, store -------------------------------------------------
    def refresh_status(self) -> None:
        parts = []
        fault = False
        if self.reader is None:
            parts.append(self.t("读卡器：未配置"))
        else:
            online = self.reader.online
            parts.append(self.t("读卡器：正常") if online else self.t("读卡器：未连接"))
            fault |= not online
        if self.printer is None:
            parts.append(self.t("打印机：未配置"))
            fault = True
        elif self.printer_error is not None:
            parts.append(self.printer_error.headline())
            fault = True
        elif self.printer_status is not None and not self.printer_status.ready:
            parts.append(self.t("打印机：未就绪"))
            fault = True
        else:
            parts.append(self.t("打印机：正常"))
        parts.append(self.t("系统：正常") if self.store_ok else self.t("系统：连接中断"))
        fault |= not self.store_ok
        if self.central is not None:
            with use_language(self.lang):
                summary = self.central.summary(self.now())
            prefix = "" if self.central.online else self.t("中心预约系统：")
            parts.append(prefix + summary)
            # Never connected (no central store configured) is a set-up, not a fault; a hall
            # that was connected and lost the link keeps working, but staff should see it.
            fault |= not self.central.online and self.central.offline_since is not None
        self.status_text = "   ".join(parts)
        self.device_fault = fault

    def check_central(self) -> None:
        """The hall's link to the central booking store, as the sync process last saw it."""
        store, now = self.store, self.now()

        def seen(state: SyncState) -> None:
            self.central = state
            self.refresh_status()

        def failed(error: Exception) -> None:
            log.warning("sync state unreadable: %s", error)

        self.store_worker.submit(lambda: read_state(store, now), seen, failed)

    def check_printer(self) -> None:
        if self.printer is None:
            return
        printer = self.printer
        self.printer_worker.submit(printer.status, self._printer_status, self._printer_fault)

    def _printer_status(self, status: PrinterStatus) -> None:
        self.printer_status = status
        if status.ready:
            self.printer_error = None
            self._printer_works()
        else:
            self._alert_staff(_status_error(status), None)
        self.refresh_status()

    def _printer_printed(self) -> None:
        """A slip came out: whatever fault the printer had is over."""
        self.printer_error = None
        self._printer_works()
        self.refresh_status()

    def _printer_fault(self, error: Exception) -> None:
        if isinstance(error, PrinterError):
            self.printer_error = error
            self._alert_staff(error, None)
        self.refresh_status()

    def _printer_faulty(self) -> bool:
        status = self.printer_status
        return self.printer_error is not None or (status is not None and not status.ready)

    # -- staff alerts: the printer's faults in the hall store --------------------------------
    def _alert_staff(self, error: PrinterError, number: str | None) -> None:
        """Record the fault for every window console (UI thread; written on the store worker).

        Each ticket that did not print is recorded (staff may meet its holder at the desk);
        a status check that finds the same fault again is not."""
        if number is None and error.code == self._printer_alert:
            return
        self._printer_alert = error.code
        store, terminal, now = self.store, self.store.terminal, self.now()
        code, message = error.code, str(error)
        self.store_worker.submit(
            lambda: record_device_fault(store, terminal, "printer", code, message, number, now),
            lambda _result: None,
            lambda failure: log.warning("printer fault not recorded: %s", failure),
        )

    def _printer_works(self) -> None:
        if self._printer_alert is None:
            return
        self._printer_alert = None
        store, terminal, now = self.store, self.store.terminal, self.now()
        self.store_worker.submit(
            lambda: record_device_ok(store, terminal, "printer", now),
            lambda _result: None,
            lambda failure: log.warning("printer recovery not recorded: %s", failure),
        )

    # -- staff alerts: the card reader ------------------------------------------------------------
    def _watch_reader(self) -> None:
        """Record the reader going offline (after READER_GRACE_TICKS seconds, so start-up and a
        reopen do not alarm anyone) and coming back, for every window console."""
        if self.reader is None:
            return
        online = self.reader.online
        self._reader_offline_ticks = 0 if online else self._reader_offline_ticks + 1
        if not online and self._reader_offline_ticks < READER_GRACE_TICKS:
            return
        if online is self.reader_online:
            return
        self.reader_online = online
        store, terminal, now = self.store, self.store.terminal, self.now()
        if online:  # also closes a fault an earlier run left open
            work = lambda: record_device_ok(store, terminal, "reader", now)  # noqa: E731
        else:
            message = self.t("读卡器未连接")
            work = lambda: record_device_fault(  # noqa: E731
                store, terminal, "reader", "reader_offline", message, None, now
            )
        self.store_worker.submit(
            work,
            lambda _result: None,
            lambda failure: log.warning("reader state not recorded: %s", failure),
        )

    # -- the card reader ---------------------------------------------------------------------
    def _card_from_reader(self, event: CardEvent) -> None:
        """Called on the reader's thread. A check-in goes to the store at once, so the path from
        card to paper never waits for a frame to be drawn; the screen follows on the UI thread."""
        identity = event.identity
        if identity is not None and not self._booking_pending:
            now = self.now()
            self._run(self._issuing(lambda: check_in(self.store, identity, now)), self.on_check_in)
            Clock.schedule_once(lambda _dt: self._checking_in(identity))
            return
        Clock.schedule_once(lambda _dt: self.on_card(event))

    def _checking_in(self, identity: Identity) -> None:
        self.idle_left = self.idle_seconds
        self._identity = identity
        if self.manager.current not in ("ticket", "message"):  # unless the answer is up already
            self.show("working")

    def on_card(self, event: CardEvent) -> None:
        self.idle_left = self.idle_seconds
        if event.identity is None:
            self._card_error(event.error)
            return
        if self._booking_pending:
            self.confirm_booking(event.identity)
            return
        self.start_check_in(event.identity)

    def _card_error(self, error: Exception | None) -> None:
        self.refresh_status()
        if isinstance(error, ReaderOffline):
            if self.manager.current != "place_card":
                return  # the status line says it; nobody is waiting on the reader now
            self.message(
                "reader_offline",
                self.t("读卡器暂时无法使用"),
                self.t("请到前台由工作人员为您办理。您也可以直接现场取号。"),
                "!",
                theme.FAULT,
                [self.choice_walk_in()],
            )
            return
        if isinstance(error, CardExpired):
            title, body = error.headline(), error.detail + "。" + self.t("如需帮助，请到前台咨询。")
        elif isinstance(error, CardUnreadable):
            title, body = error.headline(), self.t("请将证件平放在感应区，不要移动，直到屏幕提示。")
        elif isinstance(error, InvalidCardData):
            title, body = error.headline(), self.t("本机无法识别该证件，工作人员可为您人工核验。")
        else:
            title, body = self.t("读卡失败"), self.t("请重新放置证件，或到前台咨询。")
        self.message("card_error", title, body, "!", theme.WARN, [])

    # -- check-in ----------------------------------------------------------------------------
    def ask_for_card(self) -> None:
        self._booking_pending = False
        self.screens["place_card"].mode = "checkin"  # type: ignore[attr-defined]
        self.screens["place_card"].summary = ""  # type: ignore[attr-defined]
        self.show("place_card")

    def start_check_in(self, identity: Identity) -> None:
        self._identity = identity
        now = self.now()
        self.show("working")
        self._run(self._issuing(lambda: check_in(self.store, identity, now)), self.on_check_in)

    def on_check_in(self, answer: tuple[CheckInResult, PreparedTicket | None]) -> None:
        result, prepared = answer
        outcome = result.outcome
        ticket = result.ticket
        if outcome is CheckInOutcome.CHECKED_IN and ticket is not None:
            self.show_ticket(ticket, result.message, prepared)
            return
        if outcome is CheckInOutcome.ALREADY_CHECKED_IN and ticket is not None:
            if ticket.status in ("waiting", "called"):
                self.show_ticket(ticket, result.message, prepared)  # the same ticket, reprinted
                return
            self.message(
                "already_served",
                self.t("您今天的预约已办理完毕"),
                result.message,
                "✓",
                theme.OK,
                [],
            )
            return
        walk_in = self.choice_walk_in()
        book = self.choice_book()
        if outcome is CheckInOutcome.TOO_EARLY:
            self.message(
                "too_early", self.t("还未到签到时间"), result.message, "时", theme.WARN, []
            )
        elif outcome is CheckInOutcome.TOO_LATE:
            choices = [walk_in] if result.walk_in_possible else [book]
            self.message(
                "too_late", self.t("预约时段已过"), result.message, "!", theme.WARN, choices
            )
        elif outcome is CheckInOutcome.OTHER_HALL:
            self.message(
                "other_hall",
                self.t("预约不在今天或不在本中心"),
                result.message,
                "?",
                theme.WARN,
                [walk_in],
            )
        elif outcome is CheckInOutcome.CANCELLED:
            self.message(
                "cancelled", self.t("预约已取消"), result.message, "!", theme.WARN, [walk_in, book]
            )
        else:
            self.message(
                "no_booking",
                self.t("未找到您的预约"),
                result.message,
                "?",
                theme.BLUE,
                [walk_in, book],
            )

    # -- walk-in -----------------------------------------------------------------------------
    def open_services(self, mode: str, *_args: object) -> None:
        """The service picker for a walk-in ticket, a booking or the guide."""
        now = self.now()
        services = list(self.hall.services)
        if mode == "book":
            services = [s for s in services if s.bookable]
        choices = []
        for service in services:
            note = ""
            tone = theme.BUTTON
            if mode == "walk_in":
                note, allowed = self._walk_in_note(service, now)
                tone = theme.BUTTON if allowed else theme.TEXT_MUTED
            action = {
                "walk_in": lambda s=service: self.take(s),
                "book": lambda s=service: self.open_days(s),
                "guide": lambda s=service: self.open_guide(s),
            }[mode]
            choices.append(
                Choice(
                    f"service:{service.id}",
                    service.name_zh,
                    service.name_en,
                    service.prefix,
                    note,
                    tone,
                    action,
                )
            )
        question = {
            "walk_in": self.t("请选择要办理的事项"),
            "book": self.t("请选择要预约的事项"),
            "guide": self.t("请选择要了解的事项"),
        }[mode]
        explanation = self._period_explanation(now) if mode == "walk_in" else ""
        if mode == "walk_in" and self._identity is not None:
            explanation = (
                self.t("已读取证件：{name}").format(name=self._identity.masked_name)
                + "  "
                + explanation
            )
        landscape = Window.width > Window.height
        columns = 2 if len(choices) > (3 if landscape else 6) else 1
        self.screens["choice"].show(mode, question, explanation, choices, columns)  # type: ignore[attr-defined]
        self.show("choice")

    def _walk_in_note(self, service: Service, now: datetime) -> tuple[str, bool]:
        try:
            decision = walk_in_decision(self.hall, service, now, self.calendar)
        except UnknownYear:
            return self.t("暂不能取号"), False
        if not decision.allowed:
            return self.t("暂不能取号"), False
        if decision.acceptance is Acceptance.MATERIALS_ONLY:
            return self.t("仅接收材料"), True
        return self.t("可取号"), True

    def _period_explanation(self, now: datetime) -> str:
        """Weekend periods take item categories differently: say which, in plain words."""
        plan = self.plan_today()
        period = plan.period_at(now.time()) if plan is not None else None
        if period is None or period.categories is None:
            return ""
        served = [
            self.t(CATEGORY_NAMES[c]) for c, a in period.categories.items() if a is Acceptance.SERVE
        ]
        materials = [
            self.t(CATEGORY_NAMES[c])
            for c, a in period.categories.items()
            if a is Acceptance.MATERIALS_ONLY
        ]
        text = ""
        if served:
            text += self.t("本时段现场办理：{kinds}。").format(kinds="、".join(served))
        if materials:
            text += self.t("{kinds}事项本时段仅接收申请材料，审批在工作日完成。").format(
                kinds="、".join(materials)
            )
        note = self.pick(period.note_zh, period.note_en)
        return f"{text} {note}".strip()

    def take(self, service: Service) -> None:
        identity = self._identity
        now = self.now()
        self.show("working")
        self._run(
            self._issuing(lambda: take_ticket(self.store, service.id, now, identity)), self.on_take
        )

    def on_take(self, answer: tuple[TakeTicketResult, PreparedTicket | None]) -> None:
        result, prepared = answer
        if result.ticket is not None:
            materials_only = (
                result.decision is not None
                and result.decision.acceptance is Acceptance.MATERIALS_ONLY
            )
            self.show_ticket(result.ticket, result.message if materials_only else "", prepared)
            return
        if result.reason == "already_waiting":
            self.message("already_waiting", self.t("您已取号"), result.message, "✓", theme.OK, [])
            return
        message = result.message
        if result.decision is not None:
            message = describe_walk_in(result.decision)  # in the language on screen now
        choices = [self.choice_book()] if result.reason in ("booking_only",) else []
        self.message(
            f"refused:{result.reason}", self.t("现在不能取号"), message, "!", theme.WARN, choices
        )

    # -- the ticket on screen and on paper ------------------------------------------------
    def _issuing(self, job: Callable[[], Any]) -> Callable[[], tuple[Any, PreparedTicket | None]]:
        """Wrap a store call that may hand out a ticket: on the worker thread, the ticket goes
        to the printer at once (the UI thread is not on the way from card to paper) and its QR
        code is drawn there too."""
        session, language = self._session, self.lang
        plan = self.plan_today()
        with use_language(language):
            hours = hours_line(plan) if plan is not None else ""
        phone = self.hall.phone or None

        def run() -> tuple[Any, PreparedTicket | None]:
            result = job()
            ticket = getattr(result, "ticket", None)
            if ticket is None or ticket.status not in ("waiting", "called"):
                return result, None
            link = queue_link(self.queue_base_url, ticket)
            if self.printer is not None:
                slip = ticket_slip(ticket, hours, phone, link, language)
                self._send_to_printer(ticket.number, slip, session)
            return result, PreparedTicket(link, qr_png(link))

        return run

    def _send_to_printer(self, number: str, slip: TicketSlip, session: int) -> None:
        """Any thread: queue the slip on the printer worker; the outcome lands on the UI."""
        printer = self.printer
        assert printer is not None
        self._print_outcomes[(session, number)] = None

        def done(_result: object) -> None:
            self.printed.append(number)
            self._printer_printed()
            self._print_outcomes[(session, number)] = "printed"
            self._apply_print(session, number)

        def failed(error: Exception) -> None:
            if isinstance(error, PrinterError):
                self.printer_error = error
                self._alert_staff(error, number)
            log.warning("ticket %s not printed: %s (staff alerted)", number, error)
            self.refresh_status()
            self._print_outcomes[(session, number)] = error
            self._apply_print(session, number)

        self.printer_worker.submit(lambda: printer.print_ticket(slip), done, failed)

    def _apply_print(self, session: int, number: str) -> None:
        """Show a print outcome if the ticket it belongs to is on screen now."""
        screen: TicketScreen = self.screens["ticket"]  # type: ignore[assignment]
        if session != self._session or screen.number != number:
            return
        outcome = self._print_outcomes.pop((session, number), None)
        if outcome is None:
            screen.print_state = "printing"
            screen.print_text = self.t("正在打印号票…")
            self._print_outcomes[(session, number)] = None
        elif outcome == "printed":
            screen.print_state = "printed"
            screen.print_text = self.t("请取走号票，留意大屏叫号")
        else:
            self._print_failed(number, outcome)  # type: ignore[arg-type]

    def show_ticket(
        self, ticket: TicketView, message: str, prepared: PreparedTicket | None
    ) -> None:
        screen: TicketScreen = self.screens["ticket"]  # type: ignore[assignment]
        screen.clear()
        screen.number = ticket.number
        screen.service = self.pick(ticket.service_name_zh, ticket.service_name_en)
        screen.message = message
        if ticket.ahead is not None:
            screen.ahead_text = self.t("前面还有 {ahead} 人，预计等候约 {minutes} 分钟").format(
                ahead=ticket.ahead, minutes=ticket.wait_minutes or 0
            )
        if ticket.slot_start is not None and ticket.slot_end is not None:
            screen.booking_text = self.t("{name} · 预约时段 {start}-{end}").format(
                name=ticket.name_masked or "",
                start=f"{ticket.slot_start:%H:%M}",
                end=f"{ticket.slot_end:%H:%M}",
            )
        materials = (
            ticket.materials_en
            if self.lang == "en" and ticket.materials_en
            else ticket.materials_zh
        )
        screen.materials = list(materials)
        if prepared is not None:
            screen.qr = qr_texture_from_png(prepared.qr_png)
        self.show("ticket")
        if self.printer is None:
            self._print_failed(ticket.number, None)
        else:
            self._apply_print(self._session, ticket.number)

    def _print_failed(self, number: str, error: Exception | None) -> None:
        """The ticket stands in the queue; the person is told to remember the number."""
        screen: TicketScreen = self.screens["ticket"]  # type: ignore[assignment]
        if screen.number != number:
            return
        screen.print_state = "failed"
        screen.paper_fault = True
        headline = error.headline() if isinstance(error, PrinterError) else self.t("打印机未连接")
        if isinstance(error, PaperOut):
            headline = self.t("打印机缺纸")
        screen.print_text = headline + "\n" + self.t("请拍照或记住您的号码，并到前台")

    # -- on-site booking (现场预约) ---------------------------------------------------------
    def booking_channel(self) -> str:
        ids = {c.id.value for c in self.hall.channels}
        return "kiosk" if "kiosk" in ids else "on_site"

    def open_days(self, service: Service) -> None:
        """The next days with a slot the rules allow now, read with each slot's free places."""
        self._booking_service = service
        store, now, channel = self.store, self.now(), self.booking_channel()
        days_ahead = self.hall.booking.days_ahead

        def read() -> list[tuple[date, list[SlotOffer]]]:
            days: list[tuple[date, list[SlotOffer]]] = []
            for offset in range(days_ahead + 1):
                day = now.date() + timedelta(days=offset)
                places = free_slots(store, service.id, day, now, channel)
                if places:
                    days.append((day, places))
                if len(days) >= MAX_DAY_CHOICES:
                    break
            return days

        self._run(read, lambda days: self._show_days(service, days))

    def _show_days(self, service: Service, days: list[tuple[date, list[SlotOffer]]]) -> None:
        if not any(not p.full for _day, places in days for p in places):
            self.message(
                "no_slots",
                self.t("近期没有可预约的时段"),
                self.t("请到前台咨询，或拨打本中心电话预约。"),
                "!",
                theme.WARN,
                [],
            )
            return
        choices = []
        for day, places in days:
            open_slots = sum(1 for p in places if not p.full)
            choices.append(
                Choice(
                    f"day:{day.isoformat()}",
                    f"{day.month}月{day.day}日 周{'一二三四五六日'[day.weekday()]}",
                    f"{day:%a %d %b}",
                    str(day.day),
                    self.t("{count} 个时段可约").format(count=open_slots)
                    if open_slots
                    else self.t("已约满"),
                    theme.BUTTON if open_slots else theme.TEXT_MUTED,
                    lambda d=day: self.open_slots(d),
                    enabled=open_slots > 0,
                )
            )
        question = self.t("请选择日期")
        explanation = self.pick(service.name_zh, service.name_en)
        self.screens["choice"].show("day", question, explanation, choices)  # type: ignore[attr-defined]
        self.show("choice")

    def open_slots(self, day: date) -> None:
        """The day's slots read again (others may have booked meanwhile), full ones shown
        greyed out and not selectable."""
        service = self._booking_service
        assert service is not None
        store, now, channel = self.store, self.now(), self.booking_channel()
        self._run(
            lambda: free_slots(store, service.id, day, now, channel),
            lambda places: self._show_slots(day, places),
        )

    def _show_slots(self, day: date, places: list[SlotOffer]) -> None:
        service = self._booking_service
        assert service is not None
        choices = [
            Choice(
                f"slot:{p.slot.start:%H%M}",
                f"{p.slot.start:%H:%M}",
                f"{p.slot.start:%H:%M}",
                "",
                f"– {p.slot.end:%H:%M} · "
                + (self.t("已约满") if p.full else self.t("余 {free} 个").format(free=p.free)),
                theme.TEXT_MUTED if p.full else theme.BUTTON,
                lambda s=p.slot: self.choose_slot(s),
                enabled=not p.full,
            )
            for p in places
        ]
        explanation = f"{self.pick(service.name_zh, service.name_en)} · {day:%Y-%m-%d}"
        self.screens["choice"].show("slot", self.t("请选择时段"), explanation, choices, 3)  # type: ignore[attr-defined]
        self.show("choice")

    def choose_slot(self, slot: Slot) -> None:
        self._booking_slot = slot
        service = self._booking_service
        assert service is not None
        screen: PlaceCardScreen = self.screens["place_card"]  # type: ignore[assignment]
        screen.mode = "book"
        self._booking_pending = True
        screen.summary = (
            f"{self.pick(service.name_zh, service.name_en)}\n"
            f"{slot.start:%Y-%m-%d %H:%M}-{slot.end:%H:%M}"
        )
        self.show("place_card")

    def confirm_booking(self, identity: Identity) -> None:
        service, slot = self._booking_service, self._booking_slot
        if service is None or slot is None:
            self.start_check_in(identity)
            return
        now = self.now()
        channel = self.booking_channel()
        self._booking_pending = False
        self.show("working")
        self._run(
            lambda: add_booking(self.store, identity, service.id, slot.start, now, channel=channel),
            lambda result: self.on_booked(result, service),
        )

    def on_booked(self, result: BookingResult, service: Service) -> None:
        booking = result.booking
        if booking is None or result.reason not in (None, "already_booked"):
            self.message(
                f"booking_refused:{result.reason}",
                self.t("未能预约"),
                result.message,
                "!",
                theme.WARN,
                [],
            )
            return
        screen: MaterialsScreen = self.screens["materials"]  # type: ignore[assignment]
        screen.clear()
        screen.kind = "booked" if result.reason is None else "already_booked"
        screen.title = self.t("预约成功") if result.reason is None else self.t("您已预约")
        screen.subtitle = (
            f"{self.pick(service.name_zh, service.name_en)} · {booking.name_masked}\n"
            f"{booking.slot_start:%Y-%m-%d %H:%M}-{booking.slot_end:%H:%M}\n"
            + self.t("请按预约时间携带身份证前来，到达后刷身份证签到。")
        )
        screen.materials = list(self._materials(service))
        self.show("materials")
        slip = booking_slip(self.hall, service, booking, self.now(), self.lang)
        if self.printer is None:
            screen.print_text = self.t("打印机未连接，请拍照记下以上内容")
            return
        printer = self.printer
        screen.print_text = self.t("正在打印预约凭条…")
        self._print_for_screen(
            screen,
            lambda: printer.print_booking(slip),
            self.t("请取走预约凭条"),
            self.t("凭条未能打印，请拍照记下以上内容，或到前台咨询"),
        )

    # -- what to bring (办事指南) -------------------------------------------------------------
    def open_guide(self, service: Service) -> None:
        screen: MaterialsScreen = self.screens["materials"]  # type: ignore[assignment]
        screen.clear()
        screen.kind = "guide"
        screen.title = self.pick(service.name_zh, service.name_en)
        screen.subtitle = self.t("办理时请携带本人有效身份证件。")
        screen.materials = list(self._materials(service))
        screen.can_print = bool(screen.materials)
        self._guide_service = service
        self.show("materials")

    def print_guide(self) -> None:
        """The guide's list on paper, in the language on screen."""
        screen: MaterialsScreen = self.screens["materials"]  # type: ignore[assignment]
        service = self._guide_service
        if service is None or screen.kind != "guide":
            return
        if self.printer is None:
            screen.print_text = self.t("打印机未连接，请拍照记下以上内容")
            return
        plan = self.plan_today()
        english = self.lang == "en"
        slip = GuideSlip(
            hall_name_zh=self.hall.name_zh,
            hall_name_en=self.hall.name_en,
            item_name=service.name_en if english and service.name_en else service.name_zh,
            materials=tuple(self._materials(service)),
            printed_at=self.now(),
            note=screen.subtitle,
            hours_today=hours_line(plan) if plan is not None else "",
            phone=self.hall.phone or None,
            language=self.lang,
        )
        printer = self.printer
        screen.can_print = False  # one copy per tap: the button comes back when it is out
        screen.print_text = self.t("正在打印材料清单…")
        self._print_for_screen(
            screen,
            lambda: printer.print_guide(slip),
            self.t("请取走材料清单"),
            self.t("材料清单未能打印，请拍照记下以上内容"),
            again=True,
        )

    def _print_for_screen(
        self,
        screen: MaterialsScreen,
        job: Callable[[], object],
        printed: str,
        not_printed: str,
        *,
        again: bool = False,
    ) -> None:
        """Run a print job on the printer worker and say on ``screen`` how it went, if the same
        person is still at the kiosk (``again``: the print button comes back either way)."""
        session = self._session

        def outcome(text: str) -> None:
            if session == self._session:
                screen.print_text = text
                if again:
                    screen.can_print = True

        def done(_result: object) -> None:
            self._printer_printed()
            outcome(printed)

        def failed(error: Exception) -> None:
            self._printer_fault(error)
            outcome(not_printed)

        self.printer_worker.submit(job, done, failed)

    def _materials(self, service: Service) -> tuple[str, ...]:
        if self.lang == "en" and service.materials_en:
            return service.materials_en
        return service.materials_zh

    # -- shared pieces ------------------------------------------------------------------
    def choice_walk_in(self) -> Choice:
        return Choice(
            "take_ticket",
            "现场取号",
            self.t("现场取号", "en"),
            "号",
            "",
            theme.BUTTON,
            lambda: self.open_services("walk_in"),
        )

    def choice_book(self) -> Choice:
        return Choice(
            "book",
            "预约办理",
            self.t("预约办理", "en"),
            "预",
            "",
            theme.BUTTON,
            lambda: self.open_services("book"),
        )

    def message(
        self,
        kind: str,
        title: str,
        body: str,
        icon: str,
        tone: tuple[float, float, float, float],
        choices: list[Choice],
    ) -> None:
        if self.elderly:
            choices = choices[:2]
        self.screens["message"].show(kind, title, body, icon, tone, choices)  # type: ignore[attr-defined]
        self.show("message")

    def _run(self, job: Callable[[], Any], on_done: Callable[[Any], None]) -> None:
        """A store call on the worker; its answer is shown only to the person who asked."""
        session = self._session

        def done(result: Any) -> None:
            self.store_ok = True
            self.refresh_status()
            if session == self._session:
                on_done(result)

        def failed(error: Exception) -> None:
            if session != self._session:
                return
            if isinstance(error, QueueError):
                self.message("queue_error", self.t("暂时无法办理"), str(error), "!", theme.WARN, [])
                return
            self.store_ok = False
            self.refresh_status()
            self.message(
                "store_offline",
                self.t("系统暂时无法连接"),
                self.t("请到前台由工作人员为您人工取号，给您带来不便，敬请谅解。"),
                "!",
                theme.FAULT,
                [],
            )

        self.store_worker.submit(job, done, failed)


def _status_error(status: PrinterStatus) -> PrinterError:
    """A status that is not ready, as the error a print would have met."""
    if status.paper == "out":
        return PaperOut("status")
    if status.cover_open:
        return CoverOpen("status")
    return PrinterOffline("status")
