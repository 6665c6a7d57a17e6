"""The window console: one clerk, one window, the keyboard within reach.

Everything shown is read back from the store after each action and whenever the hall's event
stream says something changed (``screens.live``: pushed, not polled), so a console that crashes
and restarts shows the window's current ticket and queue again, and two consoles never
disagree. Actions run on the worker thread; their refusals (nobody called, window paused) come
back as one line for the clerk.

When the hall file lists clerks, the console asks for 工号 and PIN before any action, so the
tickets called here and their ratings name the clerk. The console has no rating control; it
shows the previous citizen's rating only once the next number is called.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kivy.clock import Clock
from kivy.core.window import Window
from kivy.factory import Factory
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty
from kivy.uix.modalview import ModalView

from kiosk.clock import Clock as HallClockProtocol
from kiosk.i18n import use_language
from kiosk.ports.hall_changes import HallChanges
from kiosk.services import (
    TicketView,
    call_next,
    complete_service,
    find_ticket,
    no_show,
    pause_window,
    queue_overview,
    recall,
    resume_window,
    start_service,
    transfer,
)
from kiosk.services.counts import WindowCounts, window_counts
from kiosk.services.devices import ALL_TYPES as DEVICE_EVENTS
from kiosk.services.devices import DeviceAlerts, device_alerts
from kiosk.services.errors import QueueError
from kiosk.services.feed import HallEvent
from kiosk.services.queries import last_seq
from kiosk.services.ratings import RatingView, previous_rating
from kiosk.services.staff import OnDuty, on_duty, sign_in, sign_out
from kiosk.store.errors import StoreFault, StoreUnreachable
from kiosk.store.hallstore import HallStore
from screens.base import HallApp, load_kv
from screens.fonts import register_cjk_font
from screens.live import LiveHall
from screens.worker import Worker

log = logging.getLogger(__name__)

#: Kivy key codes of the function keys.
KEYS = {
    282: "call",
    283: "recall",
    284: "done",
    285: "no_show",
    286: "pause",
    287: "start",
    288: "transfer",
}
MARKED = 10  # waiting tickets per service looked up to mark booked / priority ones
# A mark a clerk must act on (serve first; take the materials only), shown beside the number.
MARKS = (("priority", "【优先】"), ("materials_only", "【仅接收材料】"))
#: The header's clock and the wait times shown move on this timer; the rest follows events.
TICK_SECONDS = 30.0


@dataclass(frozen=True)
class ConsoleSnapshot:
    state: str
    current: TicketView | None
    waiting: list[tuple[str, str, list[str]]]  # (service zh, service en, marked numbers)
    waiting_total: int
    counts: WindowCounts
    alerts: DeviceAlerts
    services: tuple[str, ...] = field(default=())
    duty: OnDuty | None = None
    previous: RatingView | None = None
    seq: int = 0


class StaffApp(HallApp):
    window_number = NumericProperty(0)
    window_state = StringProperty("open")
    current_number = StringProperty("")
    current_service = StringProperty("")
    current_name = StringProperty("")
    current_status = StringProperty("")
    current_detail = StringProperty("")
    current_marks = StringProperty("")  # 【优先】【仅接收材料】 of the current ticket
    current_materials = ListProperty([])
    waiting_lines = ListProperty([])
    counts_text = StringProperty("")
    alert_lines = ListProperty([])  # device faults of the hall's machines, until they recover
    feedback = StringProperty("")
    feedback_fault = BooleanProperty(False)
    online = BooleanProperty(True)
    clerk_text = StringProperty("")  # "李娜 (工号 0317)" while a clerk is signed in
    needs_sign_in = BooleanProperty(False)
    previous_rating = StringProperty("")

    def __init__(
        self,
        store: HallStore,
        clock: HallClockProtocol,
        window: int,
        *,
        changes: HallChanges | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(store.hall, store.calendar, clock, **kwargs)
        self.store = store
        self.window_number = window
        self.config_window = store.hall.window(window)  # KeyError: the CLI checks first
        self.worker = Worker("console-store")
        self.live = LiveHall(
            store, self._on_events, changes=changes, on_error=self._refresh_failed, name="console"
        )
        self.snapshot: ConsoleSnapshot | None = None
        self._alerts = DeviceAlerts()  # read incrementally, on the worker thread only
        self._refreshing = False
        self._store_fault = False  # the feedback line shows a store fault seen by refresh
        self._refresh_again = False
        self.sign_in_view: ModalView | None = None

    def build(self) -> Any:
        register_cjk_font()
        load_kv("widgets", "staff_console")
        self.title = f"{self.hall.name_zh} · {self.window_number} 号窗口"
        return Factory.StaffConsole()

    def on_start(self) -> None:
        self.refresh_header()
        Window.bind(on_key_down=self._on_key)
        self._ticker = Clock.schedule_interval(lambda _dt: self.refresh(), TICK_SECONDS)
        self.refresh()

    def on_stop(self) -> None:
        ticker = getattr(self, "_ticker", None)
        if ticker is not None:
            ticker.cancel()
        Window.unbind(on_key_down=self._on_key)
        self.live.stop()
        self.worker.shutdown()

    @property
    def pending(self) -> int:
        return self.worker.pending + self.live.pending

    def _on_events(self, events: list[HallEvent]) -> None:
        """Read the console again when an event touches this window, its services or a device."""
        if any(self._concerns(event) for event in events):
            self.refresh()

    def _concerns(self, event: HallEvent) -> bool:
        payload = event.payload
        services = self.config_window.services
        return (
            payload.get("window") == int(self.window_number)
            or payload.get("service") in services
            or payload.get("to_service") in services
            or event.type in DEVICE_EVENTS
        )

    # -- the clerk on duty -------------------------------------------------------------------
    @property
    def has_clerks(self) -> bool:
        return bool(self.hall.clerks)

    def open_sign_in(self) -> None:
        if self.sign_in_view is not None:
            return
        view: ModalView = Factory.SignInView()
        view.bind(on_dismiss=lambda *_a: setattr(self, "sign_in_view", None))
        view.open()
        self.sign_in_view = view

    def sign_in(self, clerk_id: str, pin: str) -> None:
        """工号 and PIN from the sign-in view (or a test)."""
        now = self.now()
        store, number = self.store, int(self.window_number)
        self.worker.submit(
            lambda: sign_in(store, number, clerk_id, pin, now), self._signed_in, self._failed
        )

    def _signed_in(self, duty: OnDuty) -> None:
        self.feedback_fault = False
        assert duty.clerk is not None
        self.feedback = self.t("{name}（工号 {id}）已签到，窗口开始服务").format(
            name=self.pick(duty.clerk.name_zh, duty.clerk.name_en), id=duty.clerk.id
        )
        if self.sign_in_view is not None:
            self.sign_in_view.dismiss()
        self.refresh()

    def sign_out(self) -> None:
        now = self.now()
        store, number = self.store, int(self.window_number)
        self.worker.submit(lambda: sign_out(store, number, now), self._signed_out, self._failed)

    def _signed_out(self, _duty: OnDuty) -> None:
        self.feedback_fault = False
        self.feedback = self.t("已签退，窗口暂停服务")
        self.refresh()

    # -- keyboard ----------------------------------------------------------------------------
    def _on_key(self, _window: object, key: int, *_args: object) -> bool:
        action = KEYS.get(key)
        if action is None:
            return False
        self.act(action)
        return True

    # -- actions -----------------------------------------------------------------------------
    def act(self, action: str) -> None:
        if self.needs_sign_in:
            self.feedback_fault = True
            self.feedback = self.t("请先签到（工号和密码）")
            self.open_sign_in()
            return
        now = self.now()
        store, number = self.store, int(self.window_number)
        if action == "transfer":
            self.open_transfer()
            return
        if action == "pause":
            job: Callable[[], Any] = (
                (lambda: resume_window(store, number, now))
                if self.window_state == "paused"
                else (lambda: pause_window(store, number, now))
            )
        else:
            job = {
                "call": lambda: call_next(store, number, now),
                "recall": lambda: recall(store, number, now),
                "start": lambda: start_service(store, number, now),
                "done": lambda: complete_service(store, number, now),
                "no_show": lambda: no_show(store, number, now),
            }[action]
        self.worker.submit(job, lambda result: self._acted(action, result), self._failed)

    def _acted(self, action: str, result: Any) -> None:
        self.feedback_fault = False
        if action == "call":
            ticket = result.ticket
            self.feedback = (
                self.t("已呼叫 {number}").format(number=ticket.number)
                if ticket is not None
                else self.t("当前没有等候的号码")
            )
        elif action == "pause":
            self.feedback = (
                self.t("已暂停服务") if result.state == "paused" else self.t("已恢复服务")
            )
        elif action == "transfer":
            self.feedback = self.t("已转移：{old} → {new}").format(
                old=result.old.number, new=result.new.number
            )
        else:
            names = {
                "recall": "已重呼",
                "start": "已开始办理",
                "done": "已办结",
                "no_show": "已过号",
            }
            self.feedback = f"{self.t(names[action])} {getattr(result, 'number', '')}".strip()
        self.refresh()

    def _failed(self, error: Exception) -> None:
        self.feedback_fault = True
        if isinstance(error, QueueError):
            self.feedback = str(error)
        else:
            self.feedback = self._fault_line(error)
        self.refresh()

    def _fault_line(self, error: Exception) -> str:
        """A store fault (disk full, damaged...) or a clock behind the store's is one line for
        the clerk in the console's language (``staff_text``); anything else: the store is gone."""
        staff_text = getattr(error, "staff_text", None)
        if isinstance(error, StoreUnreachable) or not callable(staff_text):
            self.online = False
        if not callable(staff_text):
            return self.t("无法连接排队系统，请联系管理员")
        with use_language(self.lang):
            return str(staff_text())

    def open_transfer(self) -> None:
        if not self.current_number:
            self.feedback_fault = True
            self.feedback = self.t("当前没有可转移的号码")
            return
        view: ModalView = Factory.TransferPicker()
        box = view.ids.services
        for service in self.hall.services:
            button = Factory.SmallButton(
                text=f"{service.prefix}  {self.pick(service.name_zh, service.name_en)}",
                name=f"transfer:{service.id}",
                size_hint_y=None,
                height=90,
            )
            button.bind(on_release=lambda _b, sid=service.id: self._transfer(view, sid))
            box.add_widget(button)
        view.open()
        self.transfer_view = view

    def _transfer(self, view: ModalView, service_id: str) -> None:
        view.dismiss()
        now = self.now()
        store, number = self.store, int(self.window_number)
        self.worker.submit(
            lambda: transfer(store, number, service_id, now),
            lambda result: self._acted("transfer", result),
            self._failed,
        )

    # -- what the console shows ---------------------------------------------------------------
    def refresh(self) -> None:
        if self._refreshing:  # one read at a time: what changed meanwhile is read right after
            self._refresh_again = True
            return
        self._refreshing = True
        self._refresh_again = False
        now = self.now()
        self.worker.submit(lambda: self._snapshot(now), self._show, self._refresh_failed)

    def _snapshot(self, now: datetime) -> ConsoleSnapshot:
        """One read of the window's state, its current ticket, its queue and today's calls."""
        store, number = self.store, int(self.window_number)
        seq = last_seq(store)  # the stream starts after what this read has seen
        duty = on_duty(store, number, now)
        state = duty.state
        mine = set(self.config_window.services)
        overview = queue_overview(store, now)
        current_number = None
        waiting = []
        total = 0
        for queue in overview:
            for called_number, window, _status in queue.called:
                if window == number:
                    current_number = called_number
            if queue.service_id not in mine:
                continue
            total += len(queue.waiting)
            marked = []
            for waiting_number in queue.waiting[:MARKED]:
                ticket = find_ticket(store, waiting_number, now.date())
                mark = ""
                if ticket is not None and ticket.kind == "booked":
                    mark += "约"
                if ticket is not None and ticket.priority_group:
                    mark += "优"
                if ticket is not None and ticket.materials_only:
                    mark += "材"
                marked.append(f"{waiting_number}({mark})" if mark else waiting_number)
            if len(queue.waiting) > MARKED:
                marked.append(f"+{len(queue.waiting) - MARKED}")
            waiting.append((queue.name_zh, queue.name_en, marked))
        current = find_ticket(store, current_number, now.date()) if current_number else None
        counts = window_counts(store, number, now.date())
        self._alerts = device_alerts(store, self._alerts.seq, self._alerts)
        previous = previous_rating(store, number, now)
        return ConsoleSnapshot(
            state, current, waiting, total, counts, self._alerts, (), duty, previous, seq
        )

    def _show(self, snapshot: ConsoleSnapshot) -> None:
        self._refreshing = False
        self.live.start(after=snapshot.seq)
        if self._refresh_again:
            self.refresh()
        self.online = True
        if self._store_fault:  # the store answers again: the fault line has had its day
            self._store_fault = False
            self.feedback, self.feedback_fault = "", False
        self.snapshot = snapshot
        self.refresh_header()
        self.window_state = snapshot.state
        clerk = snapshot.duty.clerk if snapshot.duty is not None else None
        self.clerk_text = (
            self.t("{name}（工号 {id}）").format(
                name=self.pick(clerk.name_zh, clerk.name_en), id=clerk.id
            )
            if clerk is not None
            else ""
        )
        self.needs_sign_in = self.has_clerks and clerk is None
        if self.needs_sign_in:
            self.open_sign_in()
        rating = snapshot.previous
        self.previous_rating = (
            self.t("上一位评价（{number}）：{level}").format(
                number=rating.number, level=rating.label
            )
            if rating is not None
            else ""
        )
        ticket = snapshot.current
        if ticket is None:
            self.current_number = self.current_service = self.current_name = ""
            self.current_status = self.current_detail = self.current_marks = ""
            self.current_materials = []
        else:
            self.current_number = ticket.number
            self.current_service = self.pick(ticket.service_name_zh, ticket.service_name_en)
            self.current_name = ticket.name_masked or ""
            self.current_status = {
                "called": self.t("已呼叫，等候到窗口"),
                "serving": self.t("办理中"),
            }.get(ticket.status, ticket.status)
            waited = int(
                ((ticket.called_at or self.now()) - ticket.queued_at).total_seconds() // 60
            )
            detail = self.t("等候 {minutes} 分钟").format(minutes=max(0, waited))
            if ticket.slot_start is not None and ticket.slot_end is not None:
                detail += "  " + self.t("预约 {start}-{end}").format(
                    start=f"{ticket.slot_start:%H:%M}", end=f"{ticket.slot_end:%H:%M}"
                )
            if ticket.booking_code:
                detail += "  " + self.t("预约码：{code}").format(code=ticket.booking_code)
            self.current_detail = detail
            self.current_marks = "\n".join(  # one per line, beside the number
                self.t(label) for flag, label in MARKS if getattr(ticket, flag)
            )
            self.current_materials = list(ticket.materials(self.lang))
        self.waiting_lines = [
            f"{self.pick(zh, en)}：" + ("  ".join(numbers) if numbers else self.t("无人等候"))
            for zh, en, numbers in snapshot.waiting
        ]
        counts = snapshot.counts
        waiting = " · ".join(
            self.t("{service} {count} 人").format(
                service=self.pick(*self._service_names(service)), count=count
            )
            for service, count in counts.waiting
        )
        self.counts_text = (
            self.t("等候：{services}").format(services=waiting)
            + "\n"
            + self.t("本窗口今日：办结 {done} · 过号 {no_show} · 转出 {transferred}").format(
                done=counts.done, no_show=counts.no_show, transferred=counts.transferred
            )
        )
        self.alert_lines = [alert.text() for alert in snapshot.alerts.alerts]

    def _service_names(self, service_id: str) -> tuple[str, str]:
        for service in self.hall.services:
            if service.id == service_id:
                return service.name_zh, service.name_en
        return service_id, service_id

    def _refresh_failed(self, error: Exception) -> None:
        self._refreshing = False
        if self._refresh_again:
            Clock.schedule_once(lambda _dt: self.refresh(), 1.0)
        self.online = False
        log.warning("console refresh failed: %s", error)
        if isinstance(error, StoreFault):
            self._store_fault = True
            self.feedback, self.feedback_fault = self._fault_line(error), True
