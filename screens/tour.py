"""Every citizen path through the kiosk, played for real and written down with its pictures.

``python -m screens.tour OUT_DIR`` (``kiosk screenshots`` runs it) opens the kiosk in one window
on a fresh hall store (the Xixia hall, the demo's cards and bookings), lays the cards on the
simulated reader, taps the buttons a person would, prints through the simulated printer, and
for each path saves the screens it went through (half size, ``OUT_DIR/<path>-<n>.png``) and
the lines the kiosk said. ``OUT_DIR/README.md`` lists them: booked, early, late, other day,
no booking, walk-in, booking-only, holiday, expired card, reader down, printer out, idle, 大字,
English. The clock is set for each path and the tick sent by hand, so every run says the same.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from kiosk.errors import ExitCode

MONDAY = datetime(2026, 11, 23, 10, 0)
SATURDAY = datetime(2026, 11, 28, 9, 30)
NATIONAL_DAY = datetime(2026, 10, 1, 10, 0)
BOOKED_ON = datetime(2026, 11, 20, 9, 0)
SHOT_SCALE = 0.5
KEY = b"tour-of-the-kiosk-id-hash-key-012345678"


@dataclass
class Shot:
    file: str
    caption: str
    said: list[str]
    taps: int


@dataclass
class Path_:
    name: str
    title: str
    story: str
    shots: list[Shot] = field(default_factory=list)


class Tour:
    """The kiosk app with its reader and printer simulators, driven as a person would."""

    def __init__(self, out: Path, work: Path) -> None:
        from hardware.idcard.cardfile import demo_cards
        from hardware.idcard.driver import IdCardReader, ReaderSettings
        from hardware.idcard.simulator import ReaderSimulator
        from hardware.printer.driver import EscposPrinter
        from hardware.printer.simulator import PrinterSimulator
        from kiosk.clock import FixedClock
        from kiosk.config import load_calendar, load_hall
        from kiosk.store.hallstore import HallStore
        from screens.kiosk_app import KioskApp

        self.out = out
        self.clock = FixedClock(MONDAY)
        self.store = HallStore.open(
            f"sqlite:///{work / 'hall.sqlite3'}", load_hall("xixia"), load_calendar(), KEY,
            terminal="kiosk-1",
        )  # fmt: skip
        self.cards = demo_cards()
        self.reader_simulator = ReaderSimulator().start()
        clock = self.clock
        self.reader = IdCardReader(
            # ceilings, not timing checks: a loaded machine may answer slowly
            ReaderSettings(
                port=self.reader_simulator.url,
                poll_interval=0.05,
                command_timeout=10.0,
                read_timeout=10.0,
                byte_gap_timeout=10.0,
            ),
            today=lambda: clock.now().date(),
        )
        self.printer_simulator = PrinterSimulator(
            port=0, paper_mm=80, preview_dir=work / "tickets"
        ).start()
        printer = EscposPrinter(self.printer_simulator.url(timeout=2), confirm_timeout=5)
        self.voice = _voice(work / "voice")
        self.app = KioskApp(
            self.store, clock, reader=self.reader, printer=printer, voice=self.voice,
            staff_pin="2580", queue_base_url="http://hall-server:8090",
        )  # fmt: skip
        self.paths: list[Path_] = []
        self._said = 0
        self._taps = 0

    # -- the window --------------------------------------------------------------------------
    @property
    def kind(self) -> str:
        """The kind of view the kiosk shows now."""
        frame = self.app.frame
        assert frame is not None, "the kiosk has drawn no frame yet"
        return frame.view.kind

    def start(self) -> None:
        from kivy.base import EventLoop

        self.app._run_prepare()
        EventLoop.idle()
        self.app._ticker.cancel()  # the tour tells the time itself
        self.wait(lambda: self.reader.online, "the reader")
        self.tick()

    def stop(self) -> None:
        self.app.stop()
        self.reader_simulator.stop()
        self.printer_simulator.stop()
        self.store.close()

    def frames(self, count: int = 3) -> None:
        from kivy.base import EventLoop

        for _ in range(count):
            EventLoop.idle()

    def wait(self, condition: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise RuntimeError(f"the tour waited in vain for {what}")
            self.frames(1)
            time.sleep(0.01)
        self.frames(2)

    def settled(self) -> None:
        self.wait(lambda: self.app.pending == 0, "the store and the printer")

    def tick(self, seconds: int = 1, online: bool | None = None) -> None:
        from screens.flows.events import Tick

        for _ in range(seconds):
            self.app.send(Tick(self.reader.online if online is None else online))
        self.frames(2)

    # -- a person ----------------------------------------------------------------------------
    def tap(self, name: str) -> None:
        """A tap on a button that is on the screen and can be taken (else the tour fails)."""
        from kivy.core.window import Window
        from kivy.uix.behaviors import ButtonBehavior

        for top in list(Window.children):
            for widget in top.walk():
                if (
                    isinstance(widget, ButtonBehavior)
                    and getattr(widget, "name", None) == name
                    and not widget.disabled
                    and widget.opacity > 0
                ):
                    self._taps += 1
                    self.app.tap(name)
                    self.settled()
                    return
        raise RuntimeError(f"no button {name!r} on {self.kind}")

    def card(self, stem: str) -> None:
        """The card laid on the reader until the kiosk has answered, then taken away."""
        before = self.kind
        self.reader_simulator.place_card(self.cards[stem])
        self.wait(lambda: self.kind not in (before, "working:check_in"), "the card")
        self.settled()
        self.reader_simulator.remove_card()

    def begin(self, name: str, title: str, story: str, at: datetime) -> None:
        """A new path: the kiosk as the next person finds it, at ``at``."""
        self.app.idle_reset()
        self._set_time(at)
        self.app.refresh_header()
        self.tick()
        self.paths.append(Path_(name, title, story))
        self._said = len(self.app.said)
        self._taps = 0

    def _set_time(self, at: datetime) -> None:
        """The paths are played at times out of order (Monday after a Saturday, 10:00 after
        11:00), which the hall clock guard refuses as it would a machine's clock stepped back
        (``kiosk.store.hallclock``): each path's time is confirmed, as staff would after a
        clock change (``kiosk clock confirm``)."""
        from kiosk.store import hallclock

        self.clock.set(at)
        with self.store.write() as session:
            hallclock.confirm(session, self.store.hall.id, at, "tour")

    def shot(self, caption: str) -> None:
        """A picture of the screen now, and what was said since the last one."""
        from kivy.core.window import Window
        from PIL import Image

        home = self.app.screens["home"]
        home.on_leave()  # the card's glide stopped on the reader: the same picture every run
        home.card_y = 0.0
        self.frames(4)
        path = self.paths[-1]
        name = f"{path.name}-{len(path.shots) + 1}"
        for old in self.out.glob(f"{name}[0-9][0-9][0-9][0-9].png"):
            old.unlink()
        made = Path(Window.screenshot(name=str(self.out / f"{name}.png")))
        target = self.out / f"{name}.png"
        with Image.open(made) as image:
            size = (int(image.width * SHOT_SCALE), int(image.height * SHOT_SCALE))
            small = image.convert("RGB").resize(size, Image.Resampling.LANCZOS)
            small.quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(target, optimize=True)
        made.unlink()
        said = self.app.said[self._said :]
        self._said = len(self.app.said)
        path.shots.append(Shot(target.name, caption, said, self._taps))


def _voice(folder: Path) -> Any:
    """espeak-ng into WAV files when it is installed: what is said is what a hall would hear."""
    import shutil

    if shutil.which("espeak-ng") is None:
        return None
    from hardware.voice import make_announcer

    return make_announcer("espeak", wav_dir=folder, repeat=1)


def book(tour: Tour, stem: str, service: str, slot: datetime) -> None:
    from kiosk.services import add_booking

    result = add_booking(
        tour.store, tour.cards[stem].identity, service, slot, BOOKED_ON, channel="on_site"
    )
    if result.booking is None:
        raise RuntimeError(f"the tour could not book {stem}: {result.message}")


PATHS: list[Callable[[Tour], None]] = []


def path(play: Callable[[Tour], None]) -> Callable[[Tour], None]:
    PATHS.append(play)
    return play


def setup(tour: Tour) -> None:
    """The bookings the demo's cards hold."""
    book(tour, "resident-zhang-wei", "social-insurance", MONDAY)
    book(tour, "resident-li-xiaohong", "household", MONDAY + timedelta(hours=4))
    book(tour, "resident-ayguli-uyghur", "tax", MONDAY - timedelta(hours=2))
    book(tour, "hmt-chan-ka-yan", "business-registration", MONDAY + timedelta(days=3))


@path
def booked(tour: Tour) -> None:
    tour.begin(
        "booked",
        "Booked: the card alone",
        "张伟 booked 社保医保 for 10:00 and lays the "
        "card on the reader at 10:00: checked in, the ticket printed, no tap.",
        MONDAY,
    )
    tour.shot("The home screen")
    tour.card("resident-zhang-wei")
    tour.shot("The ticket: number, service, people ahead, where to go, what to bring")


@path
def early(tour: Tour) -> None:
    tour.begin(
        "early",
        "Too early",
        "李晓红 booked 公安户政 for 14:00 and comes at 10:00: told "
        "when check-in opens, offered a walk-in ticket now.",
        MONDAY,
    )
    tour.card("resident-li-xiaohong")
    tour.shot("Too early, with a walk-in offered")
    tour.tap("walk_in:household")
    tour.shot("One tap later: the walk-in ticket")


@path
def late(tour: Tour) -> None:
    tour.begin(
        "late",
        "Too late",
        "阿依古丽 booked 税务办理 for 08:00 and comes at 10:00: the "
        "booking counts as given up; walk-ins are open, so a ticket is offered.",
        MONDAY,
    )
    tour.card("resident-ayguli-uyghur")
    tour.shot("The slot has passed")


@path
def other_day(tour: Tour) -> None:
    tour.begin(
        "other-day",
        "Another day",
        "陈嘉欣's booking is on Thursday: said with its weekday.",
        MONDAY,
    )
    tour.card("hmt-chan-ka-yan")
    tour.shot("The booking is not today")


@path
def no_booking(tour: Tour) -> None:
    tour.begin(
        "no-booking",
        "No booking",
        "John Smith has no booking: offered a walk-in ticket (his card goes with it) or a booking.",
        MONDAY,
    )
    tour.card("foreign-2017-smith")
    tour.shot("No booking found")
    tour.tap("take_ticket")
    tour.tap("service:business-registration")
    tour.shot("Two taps later: the ticket")


@path
def walk_in(tour: Tour) -> None:
    tour.begin(
        "walk-in", "Walk-in", "A walk-in without a card: 现场取号, the service, the ticket.", MONDAY
    )
    tour.tap("take_ticket")
    tour.shot("Which service?")
    tour.tap("service:tax")
    tour.shot("The ticket")


@path
def booking_only(tour: Tour) -> None:
    tour.begin(
        "booking-only",
        "Booking-only day",
        "Saturday at Xixia is for booked applicants "
        "only: the home screen says so before anyone taps, and offers a booking.",
        SATURDAY,
    )
    tour.shot("今日仅限预约 on the home screen")
    tour.tap("book")
    tour.tap("service:household")
    tour.shot("The next days, each with its weekday and free slots")


@path
def holiday(tour: Tour) -> None:
    tour.begin(
        "holiday",
        "A statutory holiday",
        "National Day: closed, said on the home "
        "screen with the next day tickets are given; the guide still works.",
        NATIONAL_DAY,
    )
    tour.shot("Closed today")
    tour.tap("guide")
    tour.tap("service:real-estate")
    tour.shot("What to bring, all at once")


@path
def expired_card(tour: Tour) -> None:
    tour.begin(
        "expired-card",
        "An expired card",
        "欧阳小明's card has expired: refused with the date, offered a walk-in ticket or the desk.",
        MONDAY,
    )
    tour.reader_simulator.place_card(tour.cards["resident-ouyang-xiaoming-expired"])
    tour.wait(lambda: tour.kind == "card_expired", "the expired card")
    tour.reader_simulator.remove_card()
    tour.shot("The card has expired")


@path
def printer_out(tour: Tour) -> None:
    tour.begin(
        "printer-out",
        "The printer is out of paper",
        "The ticket is issued and its "
        "number stays on screen; staff reprint it (补打) with their PIN.",
        MONDAY.replace(hour=11),
    )
    tour.printer_simulator.set_paper_out()
    tour.tap("take_ticket")
    tour.tap("service:real-estate")
    tour.shot("The number to remember, staff alerted")
    tour.printer_simulator.set_paper_out(False)
    tour.tap("reprint")
    for key in "2580":
        tour.tap(f"pin:{key}")
    tour.tap("pin:ok")
    tour.shot("Reprinted, marked 补打")


@path
def idle(tour: Tour) -> None:
    tour.begin(
        "idle",
        "Nobody there any more",
        "A person walks away from the list: 15 s before "
        "the reset the kiosk asks 需要更多时间吗？, then starts again clean.",
        MONDAY,
    )
    tour.tap("take_ticket")
    tour.tick(45)
    tour.shot("需要更多时间吗？")
    tour.tick(15)
    tour.shot("Back to the start, nothing of the last person left")


@path
def large_type(tour: Tour) -> None:
    tour.begin(
        "large-type",
        "大字",
        "Large type: the two most needed buttons, four choices a "
        "page, no English line, kept until the idle reset (90 s).",
        MONDAY,
    )
    tour.tap("toggle_elderly")
    tour.shot("The home screen in 大字")
    tour.tap("take_ticket")
    tour.shot("Four at a time")
    tour.tap("next_page")
    tour.tap("service:tax")
    tour.shot("The ticket in 大字, first page")
    tour.tap("next_page")
    tour.shot("Its second page: what to bring")


@path
def english(tour: Tour) -> None:
    tour.begin(
        "english",
        "English",
        "The language switch redraws what is on screen, answers included.",
        SATURDAY,
    )
    tour.tap("toggle_lang")
    tour.shot("Home, Saturday, in English")
    tour.tap("have_booking")
    tour.card("foreign-2023-muller")
    tour.shot("No booking, in English")
    tour.tap("toggle_lang")
    tour.shot("The same answer, switched back to Chinese")


@path
def reader_down(tour: Tour) -> None:
    tour.begin(
        "reader-down",
        "The reader is down",
        "The reader is unplugged: after a few "
        "seconds the home screen stops asking for a card; 我有预约 explains at once.",
        MONDAY,
    )
    tour.reader_simulator.unplug()
    tour.wait(lambda: not tour.reader.online, "the reader to go")
    tour.tick(5, online=False)
    tour.settled()
    tour.shot("The home screen without a reader")
    tour.tap("have_booking")
    tour.shot("我有预约 with the reader down")
    tour.reader_simulator.plug()
    tour.wait(lambda: tour.reader.online, "the reader to come back")
    tour.tick()


def write_document(tour: Tour) -> Path:
    lines = [
        "# The kiosk, path by path",
        "",
        "Each citizen path below was played on the kiosk (`kiosk screenshots`, which runs",
        "`screens/tour.py`): the demo's cards on the simulated reader, the buttons a person",
        "would tap, the simulated printer. Under each picture: the taps it took and what the",
        "kiosk said (the voice guidance). Regenerate with `./hall kiosk screenshots`.",
        "",
    ]
    for path in tour.paths:
        lines += [f"## {path.title}", "", path.story, ""]
        for shot in path.shots:
            lines += [f"![{shot.caption}]({shot.file})", ""]
            lines += [f"*{shot.caption}* (taps since the path began: {shot.taps})", ""]
            lines += [f"- 🔊 {line}" for line in shot.said] + ([""] if shot.said else [])
    document = tour.out / "README.md"
    document.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")
    return document


def run(out: Path, only: set[str] | None = None) -> dict[str, Any]:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kiosk-tour-") as work:
        tour = Tour(out, Path(work))
        tour.start()
        try:
            setup(tour)
            for play in PATHS:
                if not only or play.__name__.replace("_", "-") in only:
                    play(tour)
        finally:
            tour.stop()
        document = write_document(tour)
    return {
        "document": str(document),
        "paths": {
            p.name: [{"file": s.file, "said": s.said, "taps": s.taps} for s in p.shots]
            for p in tour.paths
        },
    }


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="where the pictures and README.md go")
    parser.add_argument("--only", help="these paths only, comma-separated (booked,walk-in)")
    args = parser.parse_args(argv)
    from screens import env

    env.prepare((1080, 1920))
    only = set(args.only.split(",")) if args.only else None
    print(json.dumps(run(args.out, only), ensure_ascii=False))
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
