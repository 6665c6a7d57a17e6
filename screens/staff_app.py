"""The window console: one clerk, one window, the keyboard within reach.

Everything shown is read back from the store after each action and once a second, so a console
that crashes and restarts shows the window's current ticket and queue again, and two consoles
never disagree for long. Actions run on the worker thread; their refusals (nobody called,
window paused) come back as one line for the clerk.
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
from kiosk.services import (
    TicketView,
    call_next,
    complete,
    find_ticket,
    no_show,
    pause,
    queue_overview,
    recall,
    resume,
    start,
    transfer,
    windows,
)
from kiosk.services.counts import WindowCounts, window_counts
from kiosk.services.devices import DeviceAlerts, device_alerts
from kiosk.services.errors import QueueError
from kiosk.store.hallstore import HallStore
from screens.base import HallApp, load_kv
from screens.fonts import register_cjk_font
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


@dataclass(frozen=True)
class ConsoleSnapshot:
    state: str
    current: TicketView | None
    waiting: list[tuple[str, str, list[str]]]  # (service zh, service en, marked numbers)
    waiting_total: int
    counts: WindowCounts
    alerts: DeviceAlerts
    services: tuple[str, ...] = field(default=())


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

    def __init__(
        self, store: HallStore, clock: HallClockProtocol, window: int, **kwargs: Any
    ) -> None:
        super().__init__(store.hall, store.calendar, clock, **kwargs)
        self.store = store
        self.window_number = window
        self.config_window = store.hall.window(window)  # KeyError: the CLI checks first
        self.worker = Worker("console-store")
        self.snapshot: ConsoleSnapshot | None = None
        self._alerts = DeviceAlerts()  # read incrementally, on the worker thread only
        self._refreshing = False

    def build(self) -> Any:
        register_cjk_font()
        load_kv("widgets", "staff_console")
        self.title = f"{self.hall.name_zh} · {self.window_number} 号窗口"
        return Factory.StaffConsole()

    def on_start(self) -> None:
        self.refresh_header()
        Window.bind(on_key_down=self._on_key)
        self._ticker = Clock.schedule_interval(lambda _dt: self.refresh(), 1.0)
        self.refresh()

    def on_stop(self) -> None:
        ticker = getattr(self, "_ticker", None)
        if ticker is not None:
            ticker.cancel()
        Window.unbind(on_key_down=self._on_key)
        self.worker.shutdown()

    @property
    def pending(self) -> int:
        return self.worker.pending

    # -- keyboard ----------------------------------------------------------------------------
    def _on_key(self, _window: object, key: int, *_args: object) -> bool:
        action = KEYS.get(key)
        if action is None:
            return False
        self.act(action)
        return True

    # -- actions -----------------------------------------------------------------------------
    def act(self, action: str) -> None:
        now = self.now()
        store, number = self.store, int(self.window_number)
        if action == "transfer":
            self.open_transfer()
            return
        if action == "pause":
            job: Callable[[], Any] = (
                (lambda: resume(store, number, now))
                if self.window_state == "paused"
                else (lambda: pause(store, number, now))
            )
        else:
            job = {
                "call": lambda: call_next(store, number, now),
                "recall": lambda: recall(store, number, now),
                "start": lambda: start(store, number, now),
                "done": lambda: complete(store, number, now),
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
            self.online = False
            self.feedback = self.t("无法连接排队系统，请联系管理员")
        self.refresh()

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
        if self._refreshing:
            return
        self._refreshing = True
        now = self.now()
        self.worker.submit(lambda: self._snapshot(now), self._show, self._refresh_failed)

    def _snapshot(self, now: datetime) -> ConsoleSnapshot:
        """One read of the window's state, its current ticket, its queue and today's calls."""
        store, number = self.store, int(self.window_number)
        state = next((w.state for w in windows(store) if w.number == number), "open")
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
        return ConsoleSnapshot(state, current, waiting, total, counts, self._alerts)

    def _show(self, snapshot: ConsoleSnapshot) -> None:
        self._refreshing = False
        self.online = True
        self.snapshot = snapshot
        self.refresh_header()
        self.window_state = snapshot.state
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
        self.online = False
        log.warning("console refresh failed: %s", error)
