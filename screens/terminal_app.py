"""The window's rating pad (评价器): a small citizen-facing screen at each window.

It shows the window's name, the clerk on duty (name, 工号, photo if the hall file has one), the
number being served and "暂停服务" while paused, and after each completed service asks for the
好差评 rating. The behaviour is ``screens.terminal_flow.TerminalFlow`` (plain Python, tested
without a window); this app only draws it, speaks its prompts and stores the rating on its
worker thread. It follows the hall's event stream (``screens.live``), so it reacts at once to
the console's 完成.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from kivy.clock import Clock
from kivy.factory import Factory
from kivy.properties import (
    BooleanProperty,
    ColorProperty,
    ListProperty,
    NumericProperty,
    StringProperty,
)
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget

from kiosk.clock import Clock as HallClockProtocol
from kiosk.config import config_dir
from kiosk.domain.rating import LEVEL_TEXT, LEVELS, RatingChannel, RatingLevel
from kiosk.ports.announcer import Announcer
from kiosk.ports.hall_changes import HallChanges
from kiosk.services.feed import HallEvent
from kiosk.services.ratings import RatingRefused, rate
from kiosk.services.staff import WindowBoard, window_board
from kiosk.store.hallstore import HallStore
from screens import theme
from screens.base import HallApp, load_kv
from screens.fonts import register_cjk_font
from screens.live import LiveHall
from screens.terminal_flow import Duty, Effect, PadState, Say, Submit, TerminalFlow
from screens.worker import Worker

log = logging.getLogger(__name__)

TICK_SECONDS = 0.5


class RatingFace(Widget):
    """The level's pictogram: a face whose mouth bends with the score (5 smiles, 1 frowns)."""

    score = NumericProperty(3)
    tone = ColorProperty(theme.BUTTON)


class RatingButton(ButtonBehavior, BoxLayout):
    """One of the five levels: its face, its words (large) and the other language (small)."""

    level = StringProperty("")
    words = StringProperty("")
    score = NumericProperty(3)
    name = StringProperty("")
    tone = ColorProperty(theme.BUTTON)


class TerminalApp(HallApp):
    window_number = NumericProperty(0)
    window_title = StringProperty("")
    pad_state = StringProperty(PadState.IDLE.value)
    clerk_name = StringProperty("")
    clerk_id = StringProperty("")
    clerk_photo = StringProperty("")
    serving = StringProperty("")
    paused = BooleanProperty(False)
    rating_number = StringProperty("")
    seconds_left = NumericProperty(0)
    reasons = ListProperty([])  # [(id, label, chosen)]
    chosen_level = StringProperty("")
    outcome = StringProperty("")
    online = BooleanProperty(True)
    levels = ListProperty([])  # [(level id, words, score)] best first

    def __init__(
        self,
        store: HallStore,
        clock: HallClockProtocol,
        window: int,
        *,
        voice: Announcer | None = None,
        changes: HallChanges | None = None,
        monotonic: Any = time.monotonic,
        **kwargs: Any,
    ) -> None:
        super().__init__(store.hall, store.calendar, clock, **kwargs)
        self.store = store
        self.window_number = window
        self.config_window = store.hall.window(window)  # KeyError: the CLI checks first
        self.voice = voice
        self.monotonic = monotonic
        self.flow = TerminalFlow(window, store.hall.rating)
        self.worker = Worker("terminal-store")
        self.live = LiveHall(
            store, self._on_events, changes=changes, on_error=self._failed, name="terminal"
        )
        self.spoken: list[str] = []
        self.set_elderly(True)  # 大字 by default: the pad is read at arm's length by anyone

    def build(self) -> Any:
        register_cjk_font()
        load_kv("widgets", "terminal")
        self.title = f"{self.hall.name_zh} · {int(self.window_number)} 号窗口 · 评价器"
        return Factory.TerminalRoot()

    def on_start(self) -> None:
        self.refresh_header()
        self._show()
        self._ticker = Clock.schedule_interval(self._tick, TICK_SECONDS)
        self._read_board()

    def on_stop(self) -> None:
        ticker = getattr(self, "_ticker", None)
        if ticker is not None:
            ticker.cancel()
        self.live.stop()
        self.worker.shutdown()
        if self.voice is not None:
            self.voice.close()

    @property
    def pending(self) -> int:
        return self.worker.pending + self.live.pending

    # -- the store --------------------------------------------------------------------------
    def _read_board(self) -> None:
        store, number, now = self.store, int(self.window_number), self.now()
        self.worker.submit(lambda: window_board(store, number, now), self._got_board, self._retry)

    def _got_board(self, board: WindowBoard) -> None:
        self.online = True
        clerk = board.duty.clerk
        self.flow.duty = Duty(
            clerk.id if clerk is not None else None,
            board.duty.state != "open",
            board.serving,
        )
        self.flow.seq = board.seq
        self.live.start(after=board.seq)
        self._show()

    def _retry(self, error: Exception) -> None:
        self._failed(error)
        Clock.schedule_once(lambda _dt: self._read_board(), 2.0)

    def _failed(self, error: Exception) -> None:
        self.online = False
        log.warning("terminal: %s", error)

    def _on_events(self, events: list[HallEvent]) -> None:
        self.online = True
        self._run(self.flow.on_events(events, self.monotonic()))

    # -- the citizen --------------------------------------------------------------------------
    def choose(self, level: str) -> None:
        self._run(self.flow.choose(RatingLevel(level), self.monotonic()))

    def toggle_reason(self, reason_id: str) -> None:
        self.flow.toggle_reason(reason_id)
        self._show()

    def confirm_reasons(self) -> None:
        self._run(self.flow.confirm_reasons(self.monotonic()))

    def _tick(self, _dt: float) -> None:
        effects = self.flow.tick(self.monotonic())
        self._run(effects)

    def _run(self, effects: list[Effect]) -> None:
        for effect in effects:
            if isinstance(effect, Say):
                self.say(self.t(effect.text))
            elif isinstance(effect, Submit):
                self._submit(effect)
        self._show()

    def say(self, text: str) -> None:
        self.spoken.append(text)
        if self.voice is not None:
            self.voice.say(text)

    def _submit(self, effect: Submit) -> None:
        store, now = self.store, self.now()

        def job() -> str | None:
            try:
                rate(
                    store,
                    effect.ticket_id,
                    effect.level,
                    now,
                    channel=RatingChannel.WINDOW_PAD,
                    reasons=effect.reasons,
                )
            except RatingRefused as refused:
                log.info("terminal: rating refused: %s", refused)
                return refused.code
            return None

        def failed(error: Exception) -> None:
            self._failed(error)
            self._run(self.flow.saved("store_error", self.monotonic()))

        self.worker.submit(
            job, lambda code: self._run(self.flow.saved(code, self.monotonic())), failed
        )

    # -- what is drawn ------------------------------------------------------------------------
    def _show(self) -> None:
        flow = self.flow
        window = self.config_window
        name = self.pick(window.name_zh, window.name_en)
        services = "、".join(
            self.pick(self.hall.service(s).name_zh, self.hall.service(s).name_en)
            for s in window.services
        )
        self.window_title = (
            self.t("{window} 号窗口", self.lang).format(window=int(self.window_number))
            + (f" {name}" if name else "")
            + f"  ·  {services}"
        )
        clerk = None
        if flow.duty.clerk_id:
            try:
                clerk = self.hall.clerk(flow.duty.clerk_id)
            except KeyError:
                clerk = None
        self.clerk_name = self.pick(clerk.name_zh, clerk.name_en) if clerk else ""
        self.clerk_id = clerk.id if clerk else (flow.duty.clerk_id or "")
        photo = Path(config_dir(), clerk.photo) if clerk and clerk.photo else None
        self.clerk_photo = str(photo) if photo is not None and photo.is_file() else ""
        self.serving = flow.duty.serving or ""
        self.paused = flow.duty.paused
        self.pad_state = flow.state.value
        self.rating_number = flow.number or ""
        self.seconds_left = flow.seconds_left(self.monotonic()) or 0
        self.chosen_level = flow.level.value if flow.level else ""
        self.outcome = flow.outcome or ""
        self.levels = [(level.value, LEVEL_TEXT[level], level.score) for level in LEVELS]
        self._turn_page()
        reasons = [
            (reason.id, self.pick(reason.name_zh, reason.name_en), reason.id in flow.reasons)
            for reason in self.hall.rating.reasons
        ]
        if reasons != [tuple(r) for r in self.reasons]:
            self.reasons = reasons
            self._draw_reasons()

    def _turn_page(self) -> None:
        if self.root is None:
            return
        state = self.flow.state
        page = {
            PadState.IDLE: "idle",
            PadState.ASKING: "asking",
            PadState.REASONS: "reasons",
            PadState.SAVING: "reasons" if self.flow.level and self.flow.level.bad else "asking",
            PadState.THANKS: "done",
            PadState.UNRATED: "done",
        }[state]
        self.root.ids.pages.current = page

    def _draw_reasons(self) -> None:
        """The reason buttons of the 差评 page (the hall's list); a chosen one is ticked."""
        root = self.root
        if root is None:
            return
        grid = root.ids.reasons
        grid.clear_widgets()
        for reason_id, label, chosen in self.reasons:
            button = Factory.SmallButton(
                text=("√ " if chosen else "") + label,
                name=f"reason:{reason_id}",
                font_size=40 * self.scale,
                tone=self.theme.ACCENT if chosen else self.theme.BUTTON,
            )
            button.bind(on_release=lambda _b, rid=reason_id: self.toggle_reason(rid))
            grid.add_widget(button)
