"""The citizen's kiosk on screen: draws what the flow says, forwards what happens.

Everything the kiosk decides (which screen answers which service result, what is said, when to
ask "需要更多时间吗？") is in ``screens.flows``; this app only turns touches, card events and its
one-second tick into events for ``KioskFlow``, hands the flow's requests to the job runner
(store and printer calls on two worker threads, ``screens.worker``), draws each frame and passes
the lines to say to the voice.

A card read is handled on the reader's own thread up to the store request, so the path from
card to paper never waits for a frame to be drawn; the flow is guarded by a lock for that.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from kivy.clock import Clock
from kivy.core.window import Window
from kivy.factory import Factory
from kivy.properties import BooleanProperty, NumericProperty, StringProperty

from kiosk.clock import Clock as HallClockProtocol
from kiosk.ports.announcer import Announcer, AnnouncerError
from kiosk.ports.card_reader import CardEvent, CardReader
from kiosk.ports.printer import TicketPrinter
from kiosk.store.hallstore import HallStore
from screens import icons, theme
from screens.base import HallApp, load_kv
from screens.flows import IdlePolicy, KioskFlow, KioskSetup, Step
from screens.flows.events import CardFailed, CardRead, CentralLink, Event, Tap, Tick, Touch
from screens.flows.jobs import KioskJobs
from screens.flows.view import Frame, View
from screens.fonts import register_cjk_font
from screens.kiosk_screens import SCREEN_CLASSES, KioskScreen
from screens.worker import Worker

log = logging.getLogger(__name__)

KV_FILES = (
    "widgets",
    "kiosk_widgets",
    "kiosk_root",
    "kiosk_home",
    "kiosk_place_card",
    "kiosk_working",
    "kiosk_ticket",
    "kiosk_message",
    "kiosk_choice",
    "kiosk_materials",
    "kiosk_pin",
)


class KioskApp(HallApp):
    idle_left = NumericProperty(60)
    away_from_home = BooleanProperty(False)  # True on every screen but the home screen
    can_back = BooleanProperty(False)
    asking_more_time = BooleanProperty(False)
    can_repeat = BooleanProperty(False)
    status_text = StringProperty("")
    device_fault = BooleanProperty(False)

    def __init__(
        self,
        store: HallStore,
        clock: HallClockProtocol,
        *,
        reader: CardReader | None = None,
        printer: TicketPrinter | None = None,
        idle: IdlePolicy | None = None,
        queue_base_url: str | None = None,
        voice: Announcer | None = None,
        staff_pin: str | None = None,
        central: Callable[[datetime], CentralLink] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(store.hall, store.calendar, clock, **kwargs)
        self.store = store
        self.reader = reader
        self.printer = printer
        self.voice = voice  # None: this kiosk has no voice
        self.flow = KioskFlow(
            KioskSetup(
                hall=store.hall,
                calendar=store.calendar,
                clock=clock,
                has_reader=reader is not None,
                has_printer=printer is not None,
                has_voice=voice is not None,
                queue_base_url=queue_base_url,
                staff_pin=staff_pin,
                idle=idle or IdlePolicy(),
            )
        )
        self.store_worker = Worker("kiosk-store")
        self.printer_worker = Worker("kiosk-printer")
        self.jobs = KioskJobs(
            store, printer, self.store_worker, self.printer_worker, self.send, central, self.now
        )
        self.frame: Frame | None = None
        self.said: list[str] = []  # every line to be said, in order (tests, docs/screens)
        self.screens: dict[str, KioskScreen] = {}
        self._lock = threading.RLock()
        self._shown: View | None = None
        self._ui_thread = threading.current_thread()

    # -- building ----------------------------------------------------------------------------
    def build(self) -> Any:
        register_cjk_font()
        icons.register()
        load_kv(*KV_FILES)
        if Window.width > Window.height:
            self.touch = theme.TOUCH_LANDSCAPE
        self.title = f"{self.hall.name_zh} · 自助服务"
        root = Factory.KioskRoot()
        self.manager = root.ids.manager
        for name, screen_class in SCREEN_CLASSES.items():
            screen = screen_class(name=name)
            self.screens[name] = screen
            self.manager.add_widget(screen)
        self.manager.current = "home"
        return root

    def on_start(self) -> None:
        self._ui_thread = threading.current_thread()
        self.refresh_header()
        self._ticker = Clock.schedule_interval(self._tick, 1.0)
        Window.bind(on_touch_down=self._on_touch)
        with self._lock:
            step = self.flow.start()
        self.jobs.run(step.effects)
        self.render()
        if self.reader is not None:
            self.reader.start(self._card_from_reader)

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

    @property
    def pending(self) -> int:
        return self.store_worker.pending + self.printer_worker.pending

    @property
    def printed(self) -> list[str]:
        return self.flow.printed

    # -- events in ------------------------------------------------------------------------------
    def send(self, event: Event) -> Step:
        """Hand an event to the flow (any thread); its requests go to the workers at once, the
        frame is drawn on the UI thread."""
        with self._lock:
            step = self.flow.handle(event)
            self.jobs.run(step.effects)
        if threading.current_thread() is self._ui_thread:
            self._after(step)
        else:
            Clock.schedule_once(lambda _dt: self._after(step))
        return step

    def tap(self, name: str) -> None:
        self.send(Tap(name))

    def _on_touch(self, *_args: object) -> bool:
        self.send(Touch())
        return False  # the touch goes on to the widgets

    def _tick(self, _dt: float) -> None:
        self.refresh_header()
        online = self.reader.online if self.reader is not None else None
        self.send(Tick(online))

    def _card_from_reader(self, event: CardEvent) -> None:
        """Called on the reader's thread: a check-in goes to the store from here."""
        if event.identity is not None:
            self.send(CardRead(event.identity))
        elif event.error is not None:
            self.send(CardFailed(event.error))

    # -- frames and voice out --------------------------------------------------------------------
    def _after(self, step: Step) -> None:
        self.say(step.say, step.interrupt)
        self.render()

    def say(self, lines: tuple[str, ...], interrupt: bool = True) -> None:
        """A new screen's guidance replaces what is still waiting to be said; a follow-up (the
        print's outcome) comes after it. The voice's queue says one line at a time."""
        lines = tuple(line for line in lines if line.strip())
        self.said += lines
        if not lines or self.voice is None:
            return
        drop = getattr(self.voice, "drop_pending", None)
        if interrupt and drop is not None:
            drop()
        for line in lines:
            try:
                self.voice.say(line)
            except (AnnouncerError, ValueError) as error:
                log.warning("not said: %s", error)

    def render(self) -> None:
        """Draw the flow's frame as it is now (a frame prepared on another thread may be older)."""
        with self._lock:
            frame = self.flow.frame()
        self.frame = frame
        chrome = frame.chrome
        if chrome.lang != self.lang:
            self.set_lang(chrome.lang)
        if chrome.elderly != self.elderly:
            self.set_elderly(chrome.elderly)
        self.idle_left = chrome.idle_left
        self.asking_more_time = chrome.asking_more_time
        self.status_text = chrome.status_text
        self.device_fault = chrome.device_fault
        self.can_repeat = chrome.can_repeat
        self.away_from_home = not chrome.home
        view = frame.view
        self.can_back = view.back
        if view == self._shown and view.screen == self.manager.current:
            return
        self._shown = view
        screen = self.screens[view.screen]
        if view.screen != self.manager.current:
            self.screens[self.manager.current].clear()
        screen.show(view, self.tap)
        self.manager.current = view.screen

    def go_home(self) -> None:
        """Back to the home screen by hand (as 返回首页 does)."""
        self.tap("home")

    def idle_reset(self) -> None:
        """The idle reset now, as when the countdown runs out (tests and the staff exit)."""
        with self._lock:
            self.flow.reset()
        for screen in self.screens.values():
            screen.clear()
        self._shown = None
        self.render()
