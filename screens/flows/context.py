"""What every flow needs to say things: the hall, the hour, the language and the size mode.

``KioskSetup`` is fixed for a run (the hall, its calendar and clock, the device settings);
``Context`` adds what changes with the person at the kiosk (language, 大字) and turns message
ids into text. Everything a flow says goes through ``Context.t`` or through ``kiosk.messages``
inside ``Context.speaking``, so switching the language re-renders the same state in the other
language.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime

from kiosk.clock import Clock
from kiosk.domain.calendar import HolidayCalendar, UnknownYear
from kiosk.domain.hall import HallProfile, Service
from kiosk.domain.schedule import DayPlan, WalkInDecision, day_plan, walk_in_decision
from kiosk.i18n import DEFAULT_LANGUAGE, translations, use_language
from kiosk.messages import format_day, format_slot, format_when, hours_line, sentences
from screens.flows.effects import SlipFacts
from screens.flows.view import Choice, ChoiceTone
from screens.icons import ACTION_ICONS, service_icon

#: Choices per page: 大字 shows at most four, the standard size six in one column.
ELDERLY_PER_PAGE = 4
STANDARD_PER_PAGE = 6
SLOTS_PER_PAGE = 15  # the standard slot grid: five rows of three


@dataclass(frozen=True)
class IdlePolicy:
    """Seconds without a touch before the kiosk returns to the start, and when it asks first."""

    standard: int = 60
    elderly: int = 90
    ask_before: int = 15

    def __post_init__(self) -> None:
        if not 5 <= self.standard <= self.elderly:
            raise ValueError("idle: at least 5 s, and 大字 at least as long as standard")

    def seconds(self, elderly: bool) -> int:
        return self.elderly if elderly else self.standard

    def ask_at(self, elderly: bool) -> int:
        """Seconds left when "需要更多时间吗？" is asked (a third of a short test timeout)."""
        return min(self.ask_before, self.seconds(elderly) // 3)

    @classmethod
    def from_standard(cls, seconds: int) -> IdlePolicy:
        """``kiosk run --idle N``: 大字 gets half as long again (60 s → 90 s)."""
        return cls(seconds, seconds * 3 // 2)


@dataclass(frozen=True)
class KioskSetup:
    hall: HallProfile
    calendar: HolidayCalendar
    clock: Clock
    has_reader: bool = True
    has_printer: bool = True
    has_voice: bool = True
    queue_base_url: str | None = None
    staff_pin: str | None = None
    idle: IdlePolicy = IdlePolicy()

    @property
    def booking_channel(self) -> str:
        ids = {c.id.value for c in self.hall.channels}
        return "kiosk" if "kiosk" in ids else "on_site"


class Context:
    """The setup plus the person's language and size mode."""

    def __init__(self, setup: KioskSetup) -> None:
        self.setup = setup
        self.hall = setup.hall
        self.lang = DEFAULT_LANGUAGE
        self.elderly = False

    # -- words ------------------------------------------------------------------------------
    def t(self, message: str) -> str:
        return translations(self.lang).gettext(message)

    def en(self, message: str) -> str:
        return translations("en").gettext(message)

    def pick(self, zh: str, en: str) -> str:
        return en if self.lang == "en" and en else zh

    @contextmanager
    def speaking(self) -> Iterator[None]:
        """``kiosk.messages`` in the language on screen (this thread only)."""
        with use_language(self.lang):
            yield

    def sentences(self, *parts: str) -> str:
        with self.speaking():
            return sentences(*parts)

    def sub(self, zh_label: str, note: str = "") -> str:
        """A button's small line: the label in the other language (not in 大字) and a note."""
        parts = []
        if not self.elderly:
            other = zh_label if self.lang == "en" else self.en(zh_label)
            if other != self.t(zh_label):
                parts.append(other)
        if note:
            parts.append(note)
        return " · ".join(parts)

    def service_name(self, service: Service) -> str:
        return self.pick(service.name_zh, service.name_en)

    def materials(self, service: Service) -> tuple[str, ...]:
        if self.lang == "en" and service.materials_en:
            return service.materials_en
        return service.materials_zh

    def day(self, day: date) -> str:
        with self.speaking():
            return format_day(day)

    def when(self, moment: datetime) -> str:
        with self.speaking():
            return format_when(moment, self.now().date())

    def slot(self, start: datetime, end: datetime) -> str:
        with self.speaking():
            return format_slot(start, end, self.now().date())

    def per_page(self) -> int:
        """Choices per page: 大字 four (three in English, whose names take two lines)."""
        if self.elderly:
            return ELDERLY_PER_PAGE - (1 if self.lang == "en" else 0)
        return STANDARD_PER_PAGE

    # -- the hall now -----------------------------------------------------------------------
    def now(self) -> datetime:
        return self.setup.clock.now()

    def plan(self) -> DayPlan | None:
        try:
            return day_plan(self.hall, self.now().date(), self.setup.calendar)
        except UnknownYear:
            return None

    def walk_in(self, service: Service, now: datetime | None = None) -> WalkInDecision | None:
        """The schedule's answer for a walk-in ticket now; None when the calendar does not know
        this year (no ticket can be given then)."""
        try:
            return walk_in_decision(self.hall, service, now or self.now(), self.setup.calendar)
        except UnknownYear:
            return None

    def slip_facts(self) -> SlipFacts:
        plan = self.plan()
        with self.speaking():
            hours = hours_line(plan) if plan is not None else ""
        return SlipFacts(
            language=self.lang,
            hours_today=hours,
            phone=self.hall.phone or None,
            queue_base_url=self.setup.queue_base_url,
        )

    # -- the buttons every flow offers ------------------------------------------------------
    def action(self, name: str, zh: str, *, note: str = "", tone: ChoiceTone = "action") -> Choice:
        return Choice(
            name,
            self.t(zh),
            self.sub(zh, note),
            ACTION_ICONS.get(name.split(":")[0], ""),
            tone=tone,
        )

    def service_choice(
        self, name: str, service: Service, note: str = "", *, tone: ChoiceTone = "action"
    ) -> Choice:
        label = self.service_name(service)
        other = "" if self.elderly else self.pick(service.name_en, service.name_zh)
        sub = " · ".join(t for t in (other if other != label else "", note) if t)
        return Choice(name, label, sub, service_icon(self.hall, service.id), tone=tone)
