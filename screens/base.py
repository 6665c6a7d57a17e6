"""What every role's App shares: language, elderly mode and the hall header.

Texts in kv rules are written ``app.t("现场取号", app.lang)``: naming ``app.lang`` in the
expression makes Kivy re-evaluate it when the language changes, so a switch re-translates every
visible text at once without rebuilding a screen.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, StringProperty

from kiosk.clock import Clock as HallClockProtocol
from kiosk.domain.calendar import HolidayCalendar, UnknownYear
from kiosk.domain.hall import HallProfile
from kiosk.domain.schedule import DayPlan, HallState, day_plan, hall_state
from kiosk.errors import ExitCode
from kiosk.i18n import DEFAULT_LANGUAGE, set_language, translations
from kiosk.messages import day_label, describe_closed_day, hours_line, period_label
from screens import theme

KV_DIR = Path(__file__).with_name("kv")


def load_kv(*names: str) -> None:
    """Load kv files of ``screens/kv`` once each (Builder warns on a second load)."""
    import screens.widgets  # noqa: F401  (registers the shared widget classes the rules name)

    for name in names:
        path = str(KV_DIR / f"{name}.kv")
        if path not in Builder.files:
            Builder.load_file(path)


def tr(message: str, language: str) -> str:
    return translations(language).gettext(message)


VIEW_SCALE_ENV = "KIOSK_VIEW_SCALE"


def view_scale() -> float:
    """How much smaller than its layout a window is drawn (``KIOSK_VIEW_SCALE``, 0.2-1): the
    windowed demo puts a 1080×1920 kiosk and a 1920×1080 display side by side on one desktop."""
    try:
        value = float(os.environ.get(VIEW_SCALE_ENV, "1"))
    except ValueError:
        return 1.0
    return value if 0.2 <= value <= 1.0 else 1.0


def scale_view(factor: float) -> None:
    """Draw the window's content, laid out at the window's configured size, ``factor`` smaller:
    the root goes into a ``Scatter`` (touches are transformed back) and the window shrinks."""
    from kivy.core.window import Window
    from kivy.uix.scatter import Scatter

    width, height = Window.size
    for root in list(Window.children):
        Window.remove_widget(root)
        holder = Scatter(
            do_rotation=False, do_scale=False, do_translation=False, scale=factor,
            size_hint=(None, None), size=(width, height), pos=(0, 0),
        )  # fmt: skip
        root.size_hint = (None, None)
        root.size = (width, height)
        holder.add_widget(root)
        Window.add_widget(holder)
    Window.size = (round(width * factor), round(height * factor))


class HallApp(App):
    """Base of the kiosk, console and display apps."""

    lang = StringProperty(DEFAULT_LANGUAGE)
    scale = NumericProperty(1.0)
    elderly = BooleanProperty(False)
    hall_name = StringProperty("")
    day_line = StringProperty("")
    period_line = StringProperty("")
    hours_text = StringProperty("")
    touch = NumericProperty(theme.TOUCH)  # height of a big button: less in landscape
    # what `kiosk run` exits with (ExitCode.STAFF_EXIT when staff left kiosk mode)
    exit_status: int = ExitCode.OK

    def __init__(
        self, hall: HallProfile, calendar: HolidayCalendar, clock: HallClockProtocol, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.hall = hall
        self.calendar = calendar
        self.hall_clock = clock
        self.theme = theme
        if view_scale() != 1.0:
            self.bind(on_start=lambda *_args: scale_view(view_scale()))

    # -- language and text --------------------------------------------------------------
    def t(self, message: str, language: str | None = None) -> str:
        """``message`` (a Chinese msgid) in ``language``; pass ``app.lang`` from kv to bind."""
        return tr(message, language or self.lang)

    def other(self, message: str, language: str | None = None) -> str:
        """The second line of a two-language button: the language not shown above it."""
        language = language or self.lang
        if language == "en":
            return message
        english = tr(message, "en")
        return "" if english == message else english

    def pick(self, zh: str, en: str, language: str | None = None) -> str:
        """A configured name (hall, service) in the current language."""
        return en if (language or self.lang) == "en" and en else zh

    def set_lang(self, language: str) -> None:
        set_language(language)  # service messages made from now on follow the screen
        self.lang = language

    def toggle_lang(self) -> None:
        self.set_lang("en" if self.lang != "en" else DEFAULT_LANGUAGE)

    def toggle_elderly(self) -> None:
        self.set_elderly(not self.elderly)

    def set_elderly(self, on: bool) -> None:
        self.elderly = on
        self.scale = theme.ELDERLY_SCALE if on else 1.0

    def on_lang(self, *_args: object) -> None:
        self.refresh_header()

    # -- the hall header: name, today, the current period, today's hours ------------------
    def now(self) -> datetime:
        return self.hall_clock.now()

    def plan_today(self) -> DayPlan | None:
        try:
            return day_plan(self.hall, self.now().date(), self.calendar)
        except UnknownYear:
            return None

    def refresh_header(self, *_args: object) -> None:
        now = self.now()
        self.hall_name = self.pick(self.hall.name_zh, self.hall.name_en)
        plan = self.plan_today()
        if plan is None:
            self.day_line = f"{now:%Y-%m-%d %H:%M}"
            self.period_line = self.t("本年度节假日安排未配置，请联系工作人员")
            self.hours_text = ""
            return
        self.day_line = f"{now:%Y-%m-%d}  {self.weekday(now)}  {day_label(plan)}"
        self.day_line += f"  {now:%H:%M}"
        self.period_line = self.state_text(plan, now)
        self.hours_text = self.t("今日办公时间：") + hours_line(plan)

    def weekday(self, now: datetime) -> str:
        if self.lang == "en":
            return f"{now:%a}"
        return "周" + "一二三四五六日"[now.weekday()]

    def state_text(self, plan: DayPlan, now: datetime) -> str:
        state = hall_state(plan, now.time())
        if state is HallState.CLOSED_TODAY:
            return describe_closed_day(plan)
        if state is HallState.OPEN:
            period = plan.period_at(now.time())
            assert period is not None
            return (
                self.t("当前：") + f"{period_label(period)} {period.start:%H:%M}-{period.end:%H:%M}"
            )
        return {
            HallState.BEFORE_OPENING: self.t("尚未开始办公"),
            HallState.BETWEEN_PERIODS: self.t("当前为休息时段"),
            HallState.NATURAL_EXTENSION: self.t("今日取号已结束，已取号的群众将继续办理"),
            HallState.CLOSED: self.t("今日服务已结束"),
        }[state]
