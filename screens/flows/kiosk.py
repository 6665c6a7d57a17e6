"""The kiosk's flow: every event in, what to show, say and do out.

``KioskFlow.handle(event)`` returns a ``Step``: the frame to draw (the current journey's view
in the language and size of the moment, and the chrome around it), the requests for the job
runner, and the lines to say. It keeps the stack of journeys a person went through (上一步 goes
back through them), the devices' state, the idle countdown with its "需要更多时间吗？" prompt,
and what was said last for 🔊重听.

The buttons that start something are the same everywhere (现场取号, 预约办理, 办事指南, 到前台,
我有预约, and their per-service forms ``walk_in:<id>``...), so a refusal anywhere offers a next
step that works; a card read on any screen but a booking's confirmation checks its holder in.
``返回首页`` ends the person's journeys but keeps 大字 and the language; only the idle reset
(nobody there any more) clears everything, without a word.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.domain.identity import Identity
from kiosk.i18n import DEFAULT_LANGUAGE
from kiosk.ports.card_reader import ReaderOffline
from kiosk.services.errors import QueueError
from screens.flows import answers
from screens.flows.booking import BookingJourney
from screens.flows.checkin import CheckInJourney
from screens.flows.context import Context, KioskSetup
from screens.flows.devices import Devices
from screens.flows.effects import CheckPrinter, Effect, ReadCentral
from screens.flows.events import (
    Booked,
    CardFailed,
    CardRead,
    CentralRead,
    DaysRead,
    Event,
    Issued,
    JobFailed,
    Printed,
    PrinterStatusFailed,
    PrinterStatusRead,
    PrintFailed,
    SlotsRead,
    Tap,
    Tick,
    Touch,
)
from screens.flows.guide import GuideJourney
from screens.flows.home import home_view
from screens.flows.journey import Journey, Kiosk, Next, Notice
from screens.flows.view import Chrome, Frame, View, paginate
from screens.flows.walkin import WalkInJourney

STORE_ANSWERS = (Issued, DaysRead, SlotsRead, Booked, JobFailed)


@dataclass(frozen=True)
class Step:
    """``say`` replaces what is still waiting to be said when ``interrupt`` (a new screen's
    guidance, 重听); otherwise it follows it (the print's outcome after the number)."""

    frame: Frame
    effects: tuple[Effect, ...] = ()
    say: tuple[str, ...] = ()
    interrupt: bool = False


class KioskFlow:
    def __init__(self, setup: KioskSetup) -> None:
        self.setup = setup
        self.ctx = Context(setup)
        self.devices = Devices(setup.has_reader, setup.has_printer)
        self.kiosk = Kiosk(
            self.ctx, self.devices, lambda: self.session, lambda kind: self.pages.get(kind, 0)
        )
        self.journeys: list[Journey] = []
        self.session = 0
        self.idle_left = setup.idle.seconds(False)
        self.asking_more_time = False
        self.last_spoken: tuple[str, ...] = ()
        self.pages: dict[str, int] = {}
        self.printed: list[str] = []  # ticket numbers the printer confirmed, in order
        # a ticket's print outcome that came in before the ticket was on screen
        self._early_prints: dict[str, Printed | PrintFailed] = {}
        self._version = 0
        self._cache: tuple[tuple[object, ...], View] | None = None

    # -- the one entry point ------------------------------------------------------------------
    def start(self) -> Step:
        """What to do as the kiosk starts: ask the printer and the sync state once."""
        return Step(self.frame(), (CheckPrinter(), ReadCentral()), ())

    def handle(self, event: Event) -> Step:
        changes = not isinstance(event, Tick | Touch)
        if changes:
            self._version += 1
        effects, say = self._dispatch(event)
        if changes:
            self._version += 1  # a view drawn while handling it showed the state before
        frame = self.frame()
        interrupt = say is None or (isinstance(event, Tap) and event.name == "repeat")
        if say is None:
            say = frame.view.spoken
        if say and not (isinstance(event, Tick)):
            self.last_spoken = say if interrupt else (*self.last_spoken, *say)
        return Step(frame, tuple(effects), tuple(say), interrupt)

    def _dispatch(self, event: Event) -> tuple[list[Effect], tuple[str, ...] | None]:
        if isinstance(event, Tick):
            return self._tick(event)
        if isinstance(event, Touch):
            self._still_here()
            return [], ()
        if isinstance(event, Tap):
            self._still_here()
            return self._tap(event.name)
        if isinstance(event, CardRead):
            self._still_here()
            return self._card(event)
        if isinstance(event, CardFailed):
            return self._card_failed(event.error)
        if isinstance(event, PrinterStatusRead):
            return self.devices.printer_status_read(event.status, self.ctx), ()
        if isinstance(event, PrinterStatusFailed):
            return self.devices.print_failed(event.error, None, self.ctx), ()
        if isinstance(event, CentralRead):
            self.devices.central = event.link
            return [], ()
        if isinstance(event, Printed | PrintFailed):
            return self._print_outcome(event)
        if isinstance(event, STORE_ANSWERS):
            return self._store_answer(event)
        return [], ()

    # -- drawing ------------------------------------------------------------------------------
    def frame(self) -> Frame:
        ctx, devices = self.ctx, self.devices
        status, fault = devices.status(ctx, ctx.now())
        chrome = Chrome(
            lang=ctx.lang,
            elderly=ctx.elderly,
            home=not self.journeys,
            idle_left=self.idle_left,
            asking_more_time=self.asking_more_time,
            status_text=status,
            device_fault=fault,
            can_repeat=self.setup.has_voice and bool(self.last_spoken),
        )
        return Frame(self.view(), chrome)

    def view(self) -> View:
        ctx = self.ctx
        key = (
            self._version,
            ctx.lang,
            ctx.elderly,
            self.devices.reader_down,
            self.devices.printer_down,
            ctx.now().replace(second=0, microsecond=0),
        )
        if self._cache is not None and self._cache[0] == key:
            return self._cache[1]
        top = self.journeys[-1].view(self.kiosk) if self.journeys else None
        view = top or home_view(ctx, self.devices)
        view = paginate(
            view,
            self.pages.get(view.kind, 0),
            (ctx.t("上一页"), ctx.t("下一页"), ctx.t("第 {page}/{pages} 页")),
        )
        self._cache = (key, view)
        return view

    # -- the person ---------------------------------------------------------------------------
    def _still_here(self) -> None:
        self.idle_left = self.setup.idle.seconds(self.ctx.elderly)
        self.asking_more_time = False

    def _tap(self, name: str) -> tuple[list[Effect], tuple[str, ...] | None]:
        ctx = self.ctx
        if name == "toggle_lang":
            ctx.lang = "en" if ctx.lang != "en" else DEFAULT_LANGUAGE
            return [], None
        if name == "toggle_elderly":
            ctx.elderly = not ctx.elderly
            self.pages.clear()
            self._still_here()
            return [], None
        if name == "repeat":
            return [], self.last_spoken
        if name == "more_time":
            return [], ()
        if name == "home":
            self.go_home()
            return [], None
        if name == "back":
            return self._back()
        if name in ("next_page", "prev_page"):
            view = self.view()
            if view.choice(name) is None:
                return [], ()
            self.pages[view.kind] = view.page + (1 if name == "next_page" else -1)
            return [], ()
        started = self._start_for(name)
        if started is not None:
            return self._push(started)
        if self.journeys:
            answer = self.journeys[-1].tap(name, self.kiosk)
            if answer is not None:
                return self._apply(answer)
        return [], ()

    def _start_for(self, name: str) -> Journey | None:
        """The journey a start button opens (the same button on every screen)."""
        hall = self.ctx.hall
        kind, _, value = name.partition(":")
        service = None
        if value:
            try:
                service = hall.service(value)
            except KeyError:
                return None
        identity = self._identity()
        reader_down = self.devices.reader_down
        if name == "have_booking":
            if reader_down:
                return Notice(lambda kiosk: answers.reader_down(kiosk.ctx))
            return CheckInJourney()
        if kind in ("take_ticket", "walk_in"):
            return WalkInJourney(identity, service)
        if kind == "book":
            if reader_down:
                return Notice(lambda kiosk: answers.reader_down(kiosk.ctx, for_booking=True))
            return BookingJourney(service)
        if kind == "guide":
            return GuideJourney(service)
        if name == "desk":
            return Notice(lambda kiosk: answers.desk(kiosk.ctx), identity)
        return None

    def _identity(self) -> Identity | None:
        for journey in reversed(self.journeys):
            if journey.identity is not None:
                return journey.identity
        return None

    def _push(self, journey: Journey) -> tuple[list[Effect], tuple[str, ...] | None]:
        self.journeys.append(journey)
        return journey.begin(self.kiosk), None

    def _apply(self, answer: Next) -> tuple[list[Effect], tuple[str, ...] | None]:
        effects = list(answer.effects)
        if answer.leave and self.journeys:
            self.journeys.pop()
        if answer.start is not None:
            more, _say = self._push(answer.start)
            effects += more
        return effects, answer.say

    def _back(self) -> tuple[list[Effect], tuple[str, ...] | None]:
        if not self.journeys:
            return [], ()
        return self._apply(self.journeys[-1].back(self.kiosk))

    def go_home(self) -> None:
        """返回首页: the person's journeys end (their answers still coming are dropped); 大字
        and the language stay, the person is still there."""
        self.session += 1
        self.journeys.clear()
        self.pages.clear()
        self._early_prints.clear()

    def reset(self) -> None:
        """The idle reset: nothing of the last person stays, not even their language."""
        self.go_home()
        self.ctx.lang = DEFAULT_LANGUAGE
        self.ctx.elderly = False
        self.last_spoken = ()
        self.asking_more_time = False
        self.idle_left = self.setup.idle.seconds(False)
        self._version += 1

    # -- cards --------------------------------------------------------------------------------
    def _card(self, event: CardRead) -> tuple[list[Effect], tuple[str, ...] | None]:
        top = self.journeys[-1] if self.journeys else None
        if top is not None:
            if top.busy and top.identity is not None:
                if top.identity.id_number == event.identity.id_number:
                    return [], ()  # the same card read twice while its answer is coming
            elif top.busy:
                return [], ()  # a list being read: the card is for no one yet
            answer = None if top.busy else top.card(event.identity, self.kiosk)
            if answer is not None:
                return self._apply(answer)
        # a card on any other screen: its holder checks in (a booked card alone gives a ticket);
        # another person's card while an answer is coming: the new person is served, the
        # earlier answer (its ticket already at the printer) is no longer shown
        self.go_home()
        return self._push(CheckInJourney(event.identity))

    def _card_failed(self, error: Exception) -> tuple[list[Effect], tuple[str, ...] | None]:
        self.devices.reader_failed(error)
        top = self.journeys[-1] if self.journeys else None
        waiting_for_card = isinstance(top, CheckInJourney | BookingJourney) and (
            top.view(self.kiosk).screen == "place_card"
        )
        if isinstance(error, ReaderOffline):
            if not waiting_for_card:
                return [], ()  # the home screen says it; nobody is waiting on the reader
            booking = isinstance(top, BookingJourney)
            return self._push(
                Notice(lambda kiosk: answers.reader_down(kiosk.ctx, for_booking=booking))
            )
        self._still_here()
        down = self.devices.reader_down
        return self._push(Notice(lambda kiosk: answers.card_error(kiosk.ctx, error, down)))

    # -- answers ------------------------------------------------------------------------------
    def _store_answer(self, event: Event) -> tuple[list[Effect], tuple[str, ...] | None]:
        if isinstance(event, JobFailed) and not isinstance(event.error, QueueError):
            self.devices.store_failed(event.error)
        else:
            self.devices.store_answered()
        if getattr(event, "session", None) != self.session:
            return [], ()  # the person who asked has left
        delivered = self._deliver(event)
        if delivered is None:
            return [], ()
        effects, say = delivered
        if isinstance(event, Issued) and event.ticket is not None:
            # the printer may have answered before the store's answer was shown
            early = self._early_prints.pop(event.ticket.number, None)
            if early is not None:
                later = self._deliver(early)
                if later is not None:
                    effects += later[0]
        return effects, say

    def _print_outcome(
        self, event: Printed | PrintFailed
    ) -> tuple[list[Effect], tuple[str, ...] | None]:
        if isinstance(event, Printed):
            effects = self.devices.printed(self.ctx)
            if event.kind == "ticket" and event.number:
                self.printed.append(event.number)
        else:
            number = event.number if event.kind == "ticket" else None
            effects = self.devices.print_failed(event.error, number, self.ctx)
        if event.session != self.session:
            return effects, ()
        delivered = self._deliver(event)
        if delivered is None:
            if event.kind == "ticket" and event.number:
                self._early_prints[event.number] = event
            return effects, ()
        return effects + delivered[0], delivered[1]

    def _deliver(self, event: Event) -> tuple[list[Effect], tuple[str, ...] | None] | None:
        """To the journey it is for (the one on screen first); None when none takes it."""
        for journey in reversed(self.journeys):
            answer = journey.answer(event, self.kiosk)
            if answer is not None:
                if journey is not self.journeys[-1]:
                    return list(answer.effects), ()  # not on screen: nothing to say
                return self._apply(answer)
        return None

    # -- the clock ----------------------------------------------------------------------------
    def _tick(self, event: Tick) -> tuple[list[Effect], tuple[str, ...] | None]:
        effects = self.devices.tick(event.reader_online, self.ctx)
        ctx, idle = self.ctx, self.setup.idle
        at_rest = not self.journeys and ctx.lang == DEFAULT_LANGUAGE and not ctx.elderly
        if at_rest:
            self.idle_left = idle.seconds(False)
            return effects, ()
        self.idle_left = max(0, self.idle_left - 1)
        if self.idle_left <= 0:
            self.reset()
            return effects, ()
        if (
            self.journeys
            and not self.asking_more_time
            and self.idle_left <= idle.ask_at(ctx.elderly)
        ):
            self.asking_more_time = True
            return effects, (ctx.t("需要更多时间吗？") + ctx.t("如需继续，请点「继续办理」。"),)
        return effects, ()
