"""The kiosk's flows without a window: a real hall store (SQLite), the real job runner with
workers that run at once, the printer simulator behind the real ESC/POS driver, and taps that
must be on screen to count."""

from __future__ import annotations

import shutil
from collections import deque
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from hardware.printer.driver import EscposPrinter
from hardware.printer.simulator import PrinterSimulator
from kiosk.clock import FixedClock
from kiosk.config import load_calendar, load_hall
from kiosk.domain.identity import Identity
from kiosk.services import add_booking
from kiosk.store.hallstore import HallStore
from screens.flows import IdlePolicy, KioskFlow, KioskSetup
from screens.flows.effects import Effect
from screens.flows.events import CardRead, Event, Tap, Tick
from screens.flows.jobs import InlineWorker, KioskJobs
from screens.flows.view import View

KEY = b"flows-test-key-for-the-hall-store-012345"
MONDAY = datetime(2026, 11, 23, 10, 0)
SATURDAY = datetime(2026, 11, 28, 9, 30)
FRIDAY = datetime(2026, 11, 20, 9, 0)
TOOLS = ("home", "toggle_lang", "toggle_elderly", "repeat")


class Kiosk:
    """One kiosk: its flow, the job runner on a real store, what it said and requested."""

    def __init__(
        self,
        store: HallStore,
        clock: FixedClock,
        printer: EscposPrinter | None = None,
        *,
        reader: bool = True,
        staff_pin: str | None = None,
        queue_url: str | None = None,
        idle: IdlePolicy | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.flow = KioskFlow(
            KioskSetup(
                hall=store.hall,
                calendar=store.calendar,
                clock=clock,
                has_reader=reader,
                has_printer=printer is not None,
                queue_base_url=queue_url,
                staff_pin=staff_pin,
                idle=idle or IdlePolicy(),
            )
        )
        self._events: deque[Event] = deque()
        self.jobs = KioskJobs(
            store, printer, InlineWorker(), InlineWorker(), self._events.append, now=clock.now
        )
        self.said: list[str] = []
        self.effects: list[Effect] = []
        self.taps = 0
        self.send(Tick(reader_online=True if reader else None))

    @property
    def view(self) -> View:
        return self.flow.frame().view

    def send(self, event: Event) -> tuple[str, ...]:
        """One event and everything it sets off; the lines said meanwhile."""
        said: list[str] = []
        queue: deque[Event] = deque([event])
        while queue:
            step = self.flow.handle(queue.popleft())
            said += step.say
            self.effects += step.effects
            self.jobs.run(step.effects)
            queue.extend(self._events)
            self._events.clear()
        self.said += said
        return tuple(said)

    def tap(self, name: str) -> tuple[str, ...]:
        """A person's tap on a button that is on the screen now (tools are always there)."""
        view = self.view
        offered = view.choice(name)
        if name == "back":
            assert view.back, f"no 上一步 on {view.kind}"
        elif name not in TOOLS and name != "more_time":
            assert offered is not None, f"{name!r} is not on {view.kind}: " + ", ".join(
                c.name for c in (*view.choices, *view.pager)
            )
            assert offered.enabled, f"{name!r} is shown but cannot be taken on {view.kind}"
        self.taps += 1
        return self.send(Tap(name))

    def card(self, identity: Identity) -> tuple[str, ...]:
        return self.send(CardRead(identity))

    def ticks(self, seconds: int, reader_online: bool | None = True) -> list[str]:
        said: list[str] = []
        for _ in range(seconds):
            said += self.send(Tick(reader_online))
        return said

    def choices(self) -> list[str]:
        return [c.name for c in self.view.choices]


@pytest.fixture(scope="session")
def calendar() -> Any:
    return load_calendar()


@pytest.fixture
def open_store(
    tmp_path: Path,
    calendar: Any,
    sqlite_template: Path,
) -> Iterator[Any]:
    """Hall stores on SQLite files copied from one migrated template."""
    stores: list[HallStore] = []

    def opener(hall: str = "xixia") -> HallStore:
        path = tmp_path / f"{hall}-{len(stores)}.sqlite3"
        shutil.copyfile(sqlite_template, path)
        store = HallStore.open(
            f"sqlite:///{path}", load_hall(hall), calendar, KEY, terminal="kiosk-1", migrate=False
        )
        stores.append(store)
        return store

    yield opener
    for store in stores:
        store.close()


@pytest.fixture
def store(open_store: Any) -> HallStore:
    return open_store()  # type: ignore[no-any-return]


@pytest.fixture
def printer_simulator() -> Iterator[PrinterSimulator]:
    simulator = PrinterSimulator(port=0, paper_mm=80).start()
    yield simulator
    simulator.stop()


@pytest.fixture
def printer(printer_simulator: PrinterSimulator) -> EscposPrinter:
    # GB18030 text mode: the printed words can be read back from the bytes
    return EscposPrinter(printer_simulator.url("80-gb18030", timeout=3), confirm_timeout=5)


def printed_text(simulator: PrinterSimulator, job: int = -1) -> str:
    from hardware.printer.decode import parse, texts

    return "".join(texts(parse(simulator.jobs[job].data)))


def book(store: HallStore, who: Identity, service: str, slot: datetime) -> None:
    result = add_booking(store, who, service, slot, FRIDAY, channel="on_site")
    assert result.booking is not None, result.message
