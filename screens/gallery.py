"""Every kiosk screen with representative content, in both sizes and both languages.

A scene puts a fresh ``KioskFlow`` into one state by the events a person and the store would
send (the longest service names of the shipped halls, every check-in outcome, every refusal,
the device faults), and the gallery draws it in one real window as 标准/大字 × 中文/English.
``python -m screens.gallery OUT_DIR`` saves each drawing (``--shots``) and prints one JSON
document with the overflow problems found (``screens.overflow``); the overflow test and
``kiosk screenshots`` run it. No store, reader or printer is needed: the answers the store
would give are built here as the plain values the services return.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from kiosk.clock import FixedClock
from kiosk.domain.booking_rules import BookingDecision, SlotOffer, day_slots
from kiosk.domain.hall import Acceptance, HallProfile
from kiosk.domain.identity import Identity
from kiosk.domain.schedule import WalkInDecision, WalkInRefusal, day_plan, walk_in_decision
from kiosk.errors import ExitCode
from kiosk.ports.card_reader import CardExpired, CardUnreadable, InvalidCardData
from kiosk.ports.printer import PaperOut, PrinterStatus
from kiosk.services import (
    BookingResult,
    BookingView,
    CheckInOutcome,
    CheckInResult,
    TakeTicketResult,
    TicketView,
)
from kiosk.services.errors import UnknownService
from kiosk.services.slots import BookingDay, BookingDays
from kiosk.store.errors import DiskFull
from kiosk.store.hallclock import ClockBehind
from screens.flows import KioskFlow, KioskSetup, answers
from screens.flows.events import (
    CHECK_SESSION,
    Booked,
    CardFailed,
    CardRead,
    DaysRead,
    Event,
    Issued,
    JobFailed,
    PrinterStatusRead,
    PrintFailed,
    SlotsRead,
    Tap,
    Tick,
)
from screens.flows.journey import Notice
from screens.slips import qr_png, queue_link, ticket_slip

MONDAY = datetime(2026, 11, 23, 10, 0)
SATURDAY = datetime(2026, 11, 28, 9, 30)
NATIONAL_DAY = datetime(2026, 10, 1, 10, 0)
QUEUE_PAGE = "http://hall-server:8090"
MODES = (("zh_CN", False), ("zh_CN", True), ("en", False), ("en", True))


@dataclass
class Scene:
    """One state of the kiosk: a hall, an hour, the devices, and what happened."""

    name: str
    hall: str
    at: datetime
    play: Callable[[Play], None] = lambda play: None
    reader: bool = True
    printer: bool = True
    queue_url: str | None = None


@dataclass
class Play:
    """What a scene does to the flow: taps, cards, and the answers the store would send."""

    flow: KioskFlow
    hall: HallProfile
    cards: dict[str, Identity]
    extra: dict[str, Any] = field(default_factory=dict)

    def send(self, *events: Event) -> None:
        for event in events:
            self.flow.handle(event)

    def tap(self, *names: str) -> None:
        self.send(*(Tap(name) for name in names))

    @property
    def session(self) -> int:
        return self.flow.session

    def notice(self, draw: Callable[[Any], Any]) -> None:
        self.flow.journeys.append(Notice(draw))


# -- the answers the store would give ------------------------------------------------------------


def ticket(
    hall: HallProfile, service_id: str, number: str, at: datetime, **extra: Any
) -> TicketView:
    service = hall.service(service_id)
    values: dict[str, Any] = dict(
        id=1,
        hall_id=hall.id,
        hall_name_zh=hall.name_zh,
        hall_name_en=hall.name_en,
        day=at.date(),
        number=number,
        service_id=service_id,
        service_name_zh=service.name_zh,
        service_name_en=service.name_en,
        kind="walk_in",
        priority_group=None,
        status="waiting",
        issued_at=at,
        queued_at=at,
        ahead=12,
        wait_minutes=95,
    )
    values.update(extra)
    return TicketView(**values)


def booking(
    hall: HallProfile, service_id: str, start: datetime, status: str = "booked", **extra: Any
) -> BookingView:
    values: dict[str, Any] = dict(
        central_id="local-1",
        service_id=service_id,
        slot_start=start,
        slot_end=start + timedelta(minutes=hall.booking.slot_minutes),
        status=status,
        name_masked="欧**明",
        channel="phone",
        hall_id=hall.id,
    )
    values.update(extra)
    return BookingView(**values)


def issued(play: Play, result: Any, view: TicketView) -> Issued:
    facts = play.flow.ctx.slip_facts()
    link = queue_link(facts.queue_base_url, view)
    slip = ticket_slip(view, facts.hours_today, facts.phone, link, facts.language, view.issued_at)
    return Issued(play.session, result, view, slip, qr_png(link) if link else None)


def booked_ticket(play: Play, service_id: str, *, materials: bool = True) -> Issued:
    hall, at = play.hall, play.flow.ctx.now()
    start = at.replace(minute=0)
    service = hall.service(service_id)
    view = ticket(
        hall, service_id, "A012", at, kind="booked", ahead=2, wait_minutes=8,
        name_masked="欧**明", slot_start=start, slot_end=start + timedelta(minutes=30),
        materials_zh=service.materials_zh if materials else (),
        materials_en=service.materials_en if materials else (),
        priority_group="elderly", booking_central_id="local-7f3c2a",
        where_zh="一楼B区 1、2、3 号任一窗口",
        where_en="Zone B, ground floor: any of windows 1, 2, 3",
    )  # fmt: skip
    result = CheckInResult(
        CheckInOutcome.CHECKED_IN, "", view, booking(hall, service_id, start, "checked_in")
    )
    return issued(play, result, view)


def check_in_answer(play: Play, result: CheckInResult) -> None:
    play.send(CardRead(play.cards["resident-zhang-wei"]))
    play.send(Issued(play.session, result))


def refused(play: Play, reason: WalkInRefusal, service_id: str) -> None:
    hall, ctx = play.hall, play.flow.ctx
    service = hall.service(service_id)
    plan = day_plan(hall, ctx.now().date(), ctx.setup.calendar)
    decision = WalkInDecision(False, reason, plan, None, None, ctx.now() + timedelta(days=2))
    play.notice(lambda kiosk: answers.walk_in_refusal(kiosk.ctx, service, decision, False))


def places(hall: HallProfile, day: date, free: Callable[[int], int]) -> tuple[SlotOffer, ...]:
    slots = day_slots(hall, day, _calendar())
    return tuple(
        SlotOffer(s, s.capacity - free(i), BookingDecision(True, None, slot=s))
        for i, s in enumerate(slots)
    )


def to_slots(play: Play, service_id: str, half: str = "") -> None:
    hall = play.hall
    day = play.flow.ctx.now().date() + timedelta(days=1)
    play.tap("book", f"service:{service_id}")
    days = [
        BookingDay(day + timedelta(days=i), list(places(hall, day + timedelta(days=i), free)))
        for i in range(4)
        for free in [lambda n: n % 5]
    ]
    play.send(DaysRead(play.session, service_id, BookingDays(days)))
    play.tap(f"day:{day.isoformat()}")
    play.send(SlotsRead(play.session, service_id, day, tuple(days[0].places)))
    if half and play.flow.ctx.elderly:
        play.tap(f"half:{half}")


def steps(*actions: Callable[[Play], object]) -> Callable[[Play], None]:
    """A scene's steps done in order (a lambda holds one expression)."""

    def play(p: Play) -> None:
        for action in actions:
            action(p)

    return play


# -- the scenes -----------------------------------------------------------------------------


def _scenes() -> list[Scene]:
    s: list[Scene] = []

    def add(name: str, hall: str, at: datetime, play: Callable[[Play], None] = lambda p: None,
            **kw: Any) -> None:  # fmt: skip
        s.append(Scene(name, hall, at, play, **kw))

    # the home screen in each state of the hall and the devices
    add("home", "xixia", MONDAY)
    add("home-booking-only", "xixia", SATURDAY)
    add("home-holiday", "xixia", NATIONAL_DAY)
    add("home-closed-for-the-day", "xixia", MONDAY.replace(hour=17, minute=45))
    add("home-reader-down", "xixia", MONDAY, reader=False)
    add("home-printer-out", "pinggu-exit-entry", MONDAY, printer=False)
    add("home-both-down-booking-only", "xixia", SATURDAY, reader=False, printer=False)
    add("home-store-fault", "xixia", MONDAY, lambda p: p.send(JobFailed(
        CHECK_SESSION, "check_store", ClockBehind(MONDAY, MONDAY + timedelta(minutes=25))
    )))  # fmt: skip
    # check-in
    add("place-card", "xixia", MONDAY, lambda p: p.tap("have_booking"))
    add("working", "xixia", MONDAY, lambda p: p.send(CardRead(p.cards["resident-zhang-wei"])))

    def ticket_booked(play: Play) -> None:
        play.send(CardRead(play.cards["resident-zhang-wei"]))
        play.send(booked_ticket(play, "hk-macao-permit"))

    add("ticket-booked", "pinggu-exit-entry", MONDAY, ticket_booked, queue_url=QUEUE_PAGE)
    add("ticket-booked-details", "pinggu-exit-entry", MONDAY,
        steps(ticket_booked, lambda p: p.tap("next_page")), queue_url=QUEUE_PAGE)  # fmt: skip

    def ticket_printer_out(play: Play) -> None:
        play.tap("take_ticket", "service:real-estate")
        hall, at = play.hall, play.flow.ctx.now()
        service = hall.service("real-estate")
        view = ticket(hall, "real-estate", "A105", at, priority_group="elderly",
                      materials_zh=service.materials_zh, materials_en=service.materials_en,
                      where_zh="1、2 号任一窗口", where_en="any of windows 1, 2")  # fmt: skip
        event = issued(play, TakeTicketResult(view, ""), view)
        play.send(event, PrintFailed(play.session, "ticket", PaperOut("status"), "A105"))

    add("ticket-paper-out", "xixia", MONDAY, ticket_printer_out)
    add("ticket-reprint-pin", "xixia", MONDAY,
        steps(ticket_printer_out, lambda p: p.tap("reprint", "pin:2", "pin:5")))  # fmt: skip

    def materials_only(play: Play) -> None:
        hall, ctx = play.hall, play.flow.ctx
        service = hall.service("real-estate")
        decision = walk_in_decision(hall, service, ctx.now(), ctx.setup.calendar)
        decision = WalkInDecision(
            True, None, decision.plan, decision.period, Acceptance.MATERIALS_ONLY
        )
        play.tap("take_ticket", "service:real-estate")
        view = ticket(hall, "real-estate", "A003", ctx.now(), materials_only=True, reprint=True,
                      where_zh="1、2 号任一窗口", where_en="any of windows 1, 2")  # fmt: skip
        play.send(issued(play, TakeTicketResult(view, "", None, decision), view))

    add("ticket-materials-only-reprint", "xixia", MONDAY, materials_only)
    # check-in answers: every outcome
    hall_x = "xixia"
    for name, outcome, status, hours, other in (
        ("too-early", CheckInOutcome.TOO_EARLY, "booked", 3, None),
        ("too-late", CheckInOutcome.TOO_LATE, "forfeited", -2, None),
        ("other-day", CheckInOutcome.OTHER_HALL, "booked", 50, None),
        ("other-hall", CheckInOutcome.OTHER_HALL, "booked", 26, "pinggu-district"),
        ("cancelled", CheckInOutcome.CANCELLED, "cancelled", 1, None),
        ("already-served", CheckInOutcome.ALREADY_CHECKED_IN, "served", -1, None),
        ("no-booking", CheckInOutcome.NO_BOOKING, "", 0, None),
    ):

        def play_it(
            play: Play,
            outcome: CheckInOutcome = outcome,
            status: str = status,
            hours: int = hours,
            other: str | None = other,
        ) -> None:
            hall, now = play.hall, play.flow.ctx.now()
            start = now + timedelta(hours=hours)
            view = booking(hall, "business-registration", start, status,
                           **({"hall_id": other} if other else {}))  # fmt: skip
            served = ticket(hall, "business-registration", "C004", now, status="done")
            decision = walk_in_decision(
                hall, hall.service("business-registration"), now, play.flow.ctx.setup.calendar
            )
            result = CheckInResult(
                outcome,
                "",
                served if outcome is CheckInOutcome.ALREADY_CHECKED_IN else None,
                None if outcome is CheckInOutcome.NO_BOOKING else view,
                start - timedelta(minutes=30) if outcome is CheckInOutcome.TOO_EARLY else None,
                decision if outcome is CheckInOutcome.TOO_LATE else None,
            )
            check_in_answer(play, result)

        add(f"check-in-{name}", hall_x, MONDAY, play_it)
    add("check-in-too-late-saturday", hall_x, SATURDAY, lambda p: check_in_answer(
        p, CheckInResult(CheckInOutcome.TOO_LATE, "", None,
                         booking(p.hall, "household", SATURDAY - timedelta(hours=1), "forfeited"),
                         None, walk_in_decision(p.hall, p.hall.service("household"), SATURDAY,
                                                p.flow.ctx.setup.calendar))))  # fmt: skip
    # the card and the devices
    add(
        "card-expired",
        hall_x,
        MONDAY,
        lambda p: p.send(CardFailed(CardExpired(p.cards["resident-ouyang-xiaoming-expired"]))),
    )
    add("card-unreadable", hall_x, MONDAY, lambda p: p.send(CardFailed(CardUnreadable("moved"))))
    add("card-invalid", hall_x, MONDAY, lambda p: p.send(CardFailed(InvalidCardData("checksum"))))
    add("reader-down-have-booking", hall_x, MONDAY, lambda p: p.tap("have_booking"), reader=False)
    add("store-fault", hall_x, MONDAY, steps(
        lambda p: p.tap("take_ticket", "service:tax"),
        lambda p: p.send(JobFailed(p.session, "take_ticket", DiskFull(
            "/var/lib/hall-kiosk/hall.sqlite3", 12 * 1024, "/var/lib/hall-kiosk"
        ))),
    ))  # fmt: skip
    add("queue-error", hall_x, MONDAY, steps(
        lambda p: p.tap("take_ticket", "service:tax"),
        lambda p: p.send(JobFailed(p.session, "take_ticket", UnknownService("tax", ["a", "b"]))),
    ))  # fmt: skip
    add("desk", hall_x, MONDAY, lambda p: p.tap("desk"))
    # walk-in: the list, and every refusal
    add("services-walk-in", "xixia", MONDAY, lambda p: p.tap("take_ticket"))
    add("services-walk-in-page-2", "xixia", MONDAY, lambda p: p.tap("take_ticket", "next_page"))
    add("services-longest-names", "pinggu-exit-entry", MONDAY, lambda p: p.tap("take_ticket"))
    add("services-after-card", "pinggu-district", MONDAY.replace(hour=12, minute=30),
        steps(lambda p: check_in_answer(p, CheckInResult(CheckInOutcome.NO_BOOKING, "")),
              lambda p: p.tap("take_ticket")))  # fmt: skip
    add("walk-in-booking-only", "xixia", SATURDAY, lambda p: p.tap("take_ticket"))
    add("walk-in-holiday", "xixia", NATIONAL_DAY, lambda p: p.tap("take_ticket"))
    add("walk-in-before-opening", "xixia", MONDAY.replace(hour=7), lambda p: p.tap("take_ticket"))
    add("walk-in-between-periods", "pinggu-household", MONDAY.replace(hour=12, minute=30),
        lambda p: p.tap("take_ticket"))  # fmt: skip
    add("walk-in-ticketing-closed", "xixia", MONDAY.replace(hour=17, minute=40),
        lambda p: p.tap("take_ticket"))  # fmt: skip
    add(
        "walk-in-category",
        "pinggu-township",
        MONDAY,
        lambda p: refused(p, WalkInRefusal.CATEGORY_NOT_ACCEPTED, "civil-affairs"),
    )
    add(
        "walk-in-after-closing",
        "pinggu-exit-entry",
        MONDAY,
        lambda p: refused(p, WalkInRefusal.AFTER_CLOSING, "hk-macao-permit"),
    )
    add(
        "walk-in-no-calendar",
        hall_x,
        MONDAY,
        lambda p: p.notice(lambda kiosk: answers.unknown_year(kiosk.ctx, False)),
    )
    add("already-waiting", hall_x, MONDAY, steps(
        lambda p: p.tap("take_ticket", "service:tax"),
        lambda p: p.send(Issued(p.session, TakeTicketResult(
            None, "", "already_waiting", None, ticket(p.hall, "tax", "E007", MONDAY)))),
    ))  # fmt: skip
    # booking
    add("services-book", "pinggu-exit-entry", MONDAY, lambda p: p.tap("book"))
    add("days", "pinggu-exit-entry", MONDAY, steps(
        lambda p: p.tap("book", "service:hk-macao-permit"),
        lambda p: p.send(DaysRead(p.session, "hk-macao-permit", BookingDays([
            BookingDay(MONDAY.date() + timedelta(days=i), list(places(
                p.hall, MONDAY.date() + timedelta(days=i),
                (lambda n: 0) if i == 2 else (lambda n: 2))),
                provisional=i == 5)
            for i in (2, 3, 4, 5)], unknown_from=MONDAY.date() + timedelta(days=9)))),
    ))  # fmt: skip
    add("slots", "xixia", MONDAY, lambda p: to_slots(p, "household"))
    add("slots-morning", "xixia", MONDAY, lambda p: to_slots(p, "household", "am"))
    add(
        "slots-afternoon-page-2",
        "xixia",
        MONDAY,
        steps(lambda p: to_slots(p, "household", "pm"), lambda p: p.tap("next_page")),
    )
    add("halves", "xixia", MONDAY, lambda p: to_slots(p, "household"))
    add("confirm-booking", "pinggu-exit-entry", MONDAY, steps(
        lambda p: to_slots(p, "hk-macao-permit", "am"),
        lambda p: p.tap(_first_free(p)),
    ))  # fmt: skip

    def booked(play: Play) -> None:
        to_slots(play, "real-estate", "am")
        play.tap(_first_free(play))
        play.send(CardRead(play.cards["resident-zhang-wei"]))
        start = MONDAY + timedelta(days=1)
        view = booking(play.hall, "real-estate", start, name_masked="张*")
        play.send(Booked(play.session, BookingResult(view, "")))

    add("booked", "xixia", MONDAY, booked)
    add("booking-refused", "xixia", MONDAY, steps(
        lambda p: to_slots(p, "household", "am"), lambda p: p.tap(_first_free(p)),
        lambda p: p.send(CardRead(p.cards["resident-li-xiaohong"])),
        lambda p: p.send(Booked(p.session, BookingResult(None, "", "slot_full"))),
    ))  # fmt: skip
    add("no-slots", "pinggu-exit-entry", MONDAY, steps(
        lambda p: p.tap("book", "service:passport"),
        lambda p: p.send(DaysRead(
            p.session, "passport", BookingDays([], MONDAY.date() + timedelta(days=3))
        )),
    ))  # fmt: skip
    # the guide
    add("services-guide", "pinggu-district", MONDAY, lambda p: p.tap("guide"))
    add("guide", "xixia", MONDAY, lambda p: p.tap("guide", "service:real-estate"))
    add("guide-nothing-to-bring", "xixia", MONDAY, lambda p: p.tap("guide", "service:consultation"))
    # the idle countdown asks first
    add("more-time", "xixia", MONDAY, steps(
        lambda p: p.tap("take_ticket"), lambda p: p.send(*[Tick(True)] * (p.flow.idle_left - 10)),
    ))  # fmt: skip
    return s


def _first_free(play: Play) -> str:
    view = play.flow.view()
    return next(c.name for c in view.choices if c.enabled and c.name.startswith("slot:"))


SCENES = _scenes()


def shot_name(scene: str, lang: str, elderly: bool) -> str:
    return f"{scene}.{'en' if lang == 'en' else 'zh'}.{'large' if elderly else 'standard'}"


# -- drawing them --------------------------------------------------------------------------------


@cache
def _hall(hall_id: str) -> HallProfile:
    from kiosk.config import load_hall

    return load_hall(hall_id)


@cache
def _calendar() -> Any:
    from kiosk.config import load_calendar

    return load_calendar()


@cache
def _cards() -> dict[str, Identity]:
    from hardware.idcard.cardfile import demo_cards

    return {stem: card.identity for stem, card in demo_cards().items()}


def build_flow(scene: Scene, lang: str, elderly: bool) -> tuple[KioskFlow, HallProfile]:
    hall = _hall(scene.hall)
    setup = KioskSetup(
        hall=hall,
        calendar=_calendar(),
        clock=FixedClock(scene.at),
        has_reader=True,
        has_printer=True,
        queue_base_url=scene.queue_url,
        staff_pin="2580",
    )
    flow = KioskFlow(setup)
    flow.handle(Tick(True))
    if not scene.reader:
        for _ in range(6):
            flow.handle(Tick(False))
    if not scene.printer:
        flow.handle(PrinterStatusRead(PrinterStatus(online=True, paper="out")))
    if elderly:
        flow.handle(Tap("toggle_elderly"))
    if lang == "en":
        flow.handle(Tap("toggle_lang"))
    scene.play(Play(flow, hall, _cards()))
    return flow, hall


def run(out: Path, shots: bool, only: str | None = None) -> dict[str, Any]:
    """Draw every scene in every mode in this process's one window; the problems found."""
    from kivy.base import EventLoop
    from kivy.core.window import Window

    from kiosk.clock import FixedClock as Fixed
    from screens.kiosk_app import KioskApp
    from screens.overflow import problems

    store = _empty_store(out)
    app = KioskApp(store, Fixed(MONDAY), voice=None)
    app._run_prepare()
    EventLoop.idle()
    report: dict[str, Any] = {"renders": 0, "problems": {}, "shots": [], "views": {}}
    started = time.monotonic()
    try:
        for scene in SCENES:
            if only and only not in scene.name:
                continue
            for lang, elderly in MODES:
                flow, hall = build_flow(scene, lang, elderly)
                app.flow = flow
                app.hall = hall
                app.hall_clock = flow.setup.clock
                app.refresh_header()
                app.render()
                settle(app.root)
                key = shot_name(scene.name, lang, elderly)
                report["renders"] += 1
                report["views"][key] = {
                    "screen": app.frame.view.screen if app.frame else None,
                    "kind": app.frame.view.kind if app.frame else None,
                    "spoken": list(app.frame.view.spoken) if app.frame else [],
                }
                found = problems(app.root, tuple(Window.size))
                if found:
                    report["problems"][key] = [str(p) for p in found]
                if shots or found:
                    EventLoop.idle()  # drawn only for a picture: layout needs no frame
                    for old in out.glob(f"{key}[0-9][0-9][0-9][0-9].png"):
                        old.unlink()
                    report["shots"].append(Window.screenshot(name=str(out / f"{key}.png")))
    finally:
        app.stop()
        store.close()
    report["seconds"] = round(time.monotonic() - started, 1)
    return report


def settle(root: Any, most: int = 60) -> int:
    """Run Kivy's clock until the layout stops moving (texture sizes → heights → positions
    take several rounds), without drawing a frame: drawing is what costs on a machine without
    a graphics card, and the checks need only the layout. Returns the rounds it took."""
    from kivy.clock import Clock

    def shape() -> tuple[tuple[float, ...], ...]:
        return tuple((*w.pos, *w.size) for w in root.walk(restrict=True))

    last, same = shape(), 0
    for rounds in range(1, most + 1):
        Clock._max_fps = 0  # no sleeping between rounds
        Clock.tick()
        now = shape()
        same = same + 1 if now == last else 0
        if same >= 2:
            return rounds
        last = now
    return most


def _empty_store(folder: Path) -> Any:
    """The app is built around a store; the gallery never asks it anything."""
    from kiosk.config import load_calendar, load_hall
    from kiosk.store.hallstore import HallStore

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "gallery.sqlite3"
    path.unlink(missing_ok=True)
    key = b"gallery-never-matches-anyone-0123456789"
    return HallStore.open(f"sqlite:///{path}", load_hall("xixia"), load_calendar(), key)


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder for screenshots and the store")
    parser.add_argument("--shots", action="store_true", help="save every drawing, not only bad")
    parser.add_argument("--only", help="scenes whose name contains this")
    parser.add_argument("--size", default="1080x1920")
    args = parser.parse_args(argv)
    from screens import env

    env.prepare(env.parse_size(args.size))
    report = run(args.out, args.shots, args.only)
    print(json.dumps(report, ensure_ascii=False))
    sys.stdout.flush()
    return ExitCode.OK


if __name__ == "__main__":
    try:
        status = main()
    except BaseException:  # Kivy sends stderr to its log, which may have no console: say it here
        from screens.env import say_crash

        say_crash()
        status = ExitCode.FAILED
    sys.exit(status)
