"""The hall display: the newest call, the last calls, waiting counts and today's hours.

Laid out for a 55" 1080p screen read from up to 8 m (``theme.DISPLAY_*``): the newest call
across the full width, the earlier ones and the waiting counts below it, today's hours and
extended periods in a strip of their own. Device faults are staff business: they go to the
window consoles, never to this public board.

Calls are pushed, not polled: the display follows the hall's event stream (``screens.live``,
woken by PostgreSQL ``NOTIFY`` or inotify on the SQLite WAL), so a call made at any window
console of the hall shows here at the next frame. Each new call is announced once, a recall
again. On a (re)start it reads today's calls already made to fill the list, without announcing
them a second time, and follows the stream from the last event that read saw.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from kivy.clock import Clock
from kivy.core.window import Window
from kivy.factory import Factory
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty

from kiosk.clock import Clock as HallClockProtocol
from kiosk.i18n import use_language
from kiosk.messages import period_label
from kiosk.ports.announcer import Announcement, Announcer
from kiosk.ports.hall_changes import HallChanges
from kiosk.services import Call, ServiceQueue, calls_since, queue_overview
from kiosk.services.feed import HallEvent
from kiosk.services.queries import CALL_EVENTS, call_of, last_seq
from kiosk.store.errors import StoreFault
from kiosk.store.hallstore import HallStore
from screens import theme
from screens.base import HallApp, load_kv
from screens.flows.events import CentralLink
from screens.fonts import register_cjk_font
from screens.live import LiveHall
from screens.worker import Worker

log = logging.getLogger(__name__)

#: The waiting counts and the central link's state are also read on this timer (the counts
#: change with every event anyway; the link's state is not an event).
QUEUE_SECONDS = 15.0
FLASH_SECONDS = 6.0
HISTORY = 8
NOTICE_TICKS = 16  # blink ticks (0.5 s) each notice stays on the bottom line


class DisplayApp(HallApp):
    newest_number = StringProperty("")
    newest_window = NumericProperty(0)
    newest_recall = BooleanProperty(False)
    flash_on = BooleanProperty(False)
    history = ListProperty([])  # [(number, window)], newest first, the newest call excluded
    waiting_lines = ListProperty([])
    period_lines = ListProperty([])
    online = BooleanProperty(True)  # the hall store answers
    store_fault = StringProperty("")  # why not, for staff: disk full, damaged... ("": offline)
    central_online = BooleanProperty(True)
    central_text = StringProperty("")
    notice = StringProperty("")
    hours_board = StringProperty("")  # today's hours and extended periods, as posted

    def __init__(
        self,
        store: HallStore,
        clock: HallClockProtocol,
        *,
        announcer: Announcer | None = None,
        changes: HallChanges | None = None,
        central: Callable[[datetime], CentralLink] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(store.hall, store.calendar, clock, **kwargs)
        self.store = store
        self.central = central  # the sync state, read for us by the composition root
        self.announcer = announcer
        self.worker = Worker("display-store")
        self.live = LiveHall(
            store,
            self._on_events,
            changes=changes,
            on_error=lambda error: self._failed_read(error, "calls"),
            on_recovered=lambda: self._read_ok("calls"),
            on_arrival=self._announce,
            name="display",
        )
        self.last_seq: int | None = None  # None until today's earlier calls are read
        self.announced: list[Announcement] = []
        self.calls: list[Call] = []  # today's calls, oldest first
        self.notices: list[str] = []  # shown in turn on the bottom line
        self._notice_index = 0
        self._ticks = 0
        self.shown: list[tuple[int, float]] = []  # (seq, Clock time) of each call put up
        self._queues_asked = self._queues_again = False
        self._failing: set[str] = set()  # the reads ("calls", "queues") failing now
        self._flash_until = 0.0
        self._clock_ticks = 0.0

    def build(self) -> Any:
        register_cjk_font()
        load_kv("widgets", "display_board")
        Window.clearcolor = theme.BLUE_DARK  # the board's background (display_board.kv)
        self.title = f"{self.hall.name_zh} · 叫号屏"
        return Factory.DisplayBoard()

    def on_start(self) -> None:
        self.refresh_header()
        self.refresh_periods()
        self._events = [
            Clock.schedule_interval(self._poll_queues, QUEUE_SECONDS),
            Clock.schedule_interval(self._blink, 0.5),
            Clock.schedule_interval(self._minute, 30.0),
        ]
        self._first_read()
        self._poll_queues(0)

    def on_stop(self) -> None:
        for event in getattr(self, "_events", ()):
            event.cancel()
        self.live.stop()
        self.worker.shutdown()
        if self.announcer is not None:
            self.announcer.close()

    def on_lang(self, *args: object) -> None:
        super().on_lang(*args)
        self.refresh_periods()

    @property
    def pending(self) -> int:
        return self.worker.pending

    # -- today's hours and extended periods (the rules require them posted) ----------------
    def _minute(self, _dt: float) -> None:
        self.refresh_header()
        self.refresh_periods()

    def refresh_periods(self) -> None:
        plan = self.plan_today()
        if plan is None or not plan.periods:
            self.period_lines = [self.period_line]
            self.hours_board = self.t("今日办公时间") + "    " + self.period_line
            return
        lines = []
        spans = []
        notes = []
        for period in plan.periods:
            span = f"{period.start:%H:%M}-{period.end:%H:%M}  {period_label(period)}"
            spans.append(span)
            line = span
            note = self.pick(period.note_zh, period.note_en)
            if note:
                line += f"\n    {note}"
                if note not in notes:
                    notes.append(note)
            lines.append(line)
        if plan.natural_extension:
            lines.append(self.t("下班时仍在办理或已取号等候的群众，窗口将办理完毕"))
            notes.append(lines[-1])
        self.period_lines = lines
        self.hours_board = self.t("今日办公时间") + "    " + "    ".join(spans)
        phone = self.hall.phone
        notice = self.t("请留意叫号，过号请到窗口咨询。") + (
            self.t("预约电话：{phone}").format(phone=phone) if phone else ""
        )
        self.notices = [notice, *notes]
        self.notice = self.notices[self._notice_index % len(self.notices)]

    # -- calls -----------------------------------------------------------------------------
    def _first_read(self) -> None:
        """Today's calls so far (not announced again), then the stream from where they end."""
        store = self.store
        today = self.now().date()

        def read() -> tuple[list[Call], int]:
            upto = last_seq(store)
            calls: list[Call] = []
            seq = 0
            while True:  # pages through the day's calls once
                batch = [c for c in calls_since(store, seq, limit=500) if c.seq <= upto]
                calls += batch
                if batch:
                    seq = batch[-1].seq
                if len(batch) < 500:
                    return [c for c in calls if c.at.date() == today], upto

        self.worker.submit(read, self._got_first, self._first_failed)

    def _got_first(self, result: tuple[list[Call], int]) -> None:
        calls, upto = result
        self._read_ok("calls")
        self.last_seq = upto
        if calls:
            self.calls = calls[-100:]
            self._show_calls(flash=False)
        self.live.start(after=upto)

    def _first_failed(self, error: Exception) -> None:
        self._failed_read(error, "calls")
        Clock.schedule_once(lambda _dt: self._first_read(), 2.0)

    def _on_events(self, events: list[HallEvent]) -> None:
        """A batch of the stream, on the UI thread: calls shown and announced, the waiting counts
        read again when tickets moved (device faults are the consoles' business, not read here)."""
        self._read_ok("calls")
        self.last_seq = events[-1].seq
        calls = [call_of(e) for e in events if e.type in CALL_EVENTS]
        if calls:
            self.calls = (self.calls + calls)[-100:]
            self._show_calls(flash=True)
            now = Clock.get_time()
            self.shown += [(call.seq, now) for call in calls]
            del self.shown[:-200]
        if any(e.type.startswith(("ticket_", "window_", "clerk_")) for e in events):
            self._poll_queues(0)

    def _announce(self, events: list[HallEvent]) -> None:
        """Each new call to the voice at once, on the stream's thread: the loudspeaker need not
        wait for the board's next frame (the voice keeps its own queue)."""
        for event in events:
            if event.type not in CALL_EVENTS:
                continue
            call = call_of(event)
            announcement = Announcement(call.number, call.window, call.recall)
            self.announced.append(announcement)
            if self.announcer is not None:
                self.announcer.announce(announcement)

    def _show_calls(self, flash: bool) -> None:
        newest = self.calls[-1]
        self.newest_number = newest.number
        self.newest_window = newest.window
        self.newest_recall = newest.recall
        history: list[tuple[str, int]] = []
        for call in reversed(self.calls[:-1]):
            entry = (call.number, call.window)
            if entry not in history and call.number != newest.number:
                history.append(entry)
            if len(history) >= HISTORY:
                break
        self.history = history
        if flash:
            self._flash_until = Clock.get_time() + FLASH_SECONDS

    def _blink(self, _dt: float) -> None:
        self.flash_on = Clock.get_time() < self._flash_until and not self.flash_on
        self._ticks += 1
        if self._ticks % NOTICE_TICKS == 0 and self.notices:  # the running line of notices
            self._notice_index += 1
            self.notice = self.notices[self._notice_index % len(self.notices)]

    def _failed_read(self, error: Exception, read: str) -> None:
        """A read of the store failed: offline, and a store fault (disk full, damaged...) shown
        in words on the board's own status line until every read that failed has succeeded
        again (one table may be damaged while another still reads)."""
        log.warning("display %s read failed: %s", read, error)
        if read == "queues":
            self._queues_asked = False
        self._failing.add(read)
        self.online = False
        if isinstance(error, StoreFault):
            with use_language(self.lang):
                self.store_fault = error.staff_text()

    def _read_ok(self, read: str) -> None:
        self._failing.discard(read)
        if not self._failing:
            self.online = True
            self.store_fault = ""

    # -- waiting counts ----------------------------------------------------------------------
    def _poll_queues(self, _dt: float) -> None:
        if self._queues_asked:  # one read at a time: a burst of events is one more read
            self._queues_again = True
            return
        self._queues_again = False
        self._queues_asked = True
        store, now, central = self.store, self.now(), self.central

        def read() -> tuple[list[ServiceQueue], CentralLink | None]:
            return queue_overview(store, now), central(now) if central else None

        self.worker.submit(read, self._got_queues, lambda error: self._failed_read(error, "queues"))

    def _got_queues(self, answer: tuple[list[ServiceQueue], CentralLink | None]) -> None:
        overview, central = answer
        self._queues_asked = False
        if self._queues_again:
            self._poll_queues(0)
        self._read_ok("queues")
        if central is not None:  # no central link wired: nothing to show about it
            self.central_online = central.online
            with use_language(self.lang):
                self.central_text = "" if central.online else central.summary(self.now())
        self.waiting_lines = [
            (f"{q.prefix}  {self.pick(q.name_zh, q.name_en)}", len(q.waiting)) for q in overview
        ]

    def now(self) -> datetime:
        return self.hall_clock.now()
