from __future__ import annotations

import queue
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest

from hardware.idcard.cardfile import SimulatedCard, demo_cards
from hardware.idcard.codec import Command
from hardware.idcard.driver import IdCardReader, ReaderSettings
from hardware.idcard.simulator import ReaderSimulator
from kiosk.ports.card_reader import CardEvent

TODAY = date(2026, 11, 23)
#: Quick polling keeps the tests quick; the timeouts stay ample (a loaded machine must not turn a
#: slow answer into a fault). A test about a timeout passes its own (``STALL_TIMEOUT``).
FAST = {
    "poll_interval": 0.02,
    "command_timeout": 10.0,
    "read_timeout": 10.0,
    "byte_gap_timeout": 10.0,
    "reopen_interval": 0.05,
    "offline_after": 2,
}


#: For the tests whose subject is a reader that stops answering: silence is what they test.
STALL_TIMEOUT = 0.5
#: For the tests whose subject is a reply cut short: the gap that ends it (still ample).
CUT_SHORT = 2.0


class Events:
    """The reader's callback, with waiting helpers that never depend on wall-clock speed
    beyond generous ceilings."""

    def __init__(self) -> None:
        self.queue: queue.Queue[CardEvent] = queue.Queue()

    def __call__(self, event: CardEvent) -> None:
        self.queue.put(event)

    def next(self, timeout: float = 30.0) -> CardEvent:
        return self.queue.get(timeout=timeout)

    def pending(self) -> list[CardEvent]:
        items = []
        while not self.queue.empty():
            items.append(self.queue.get_nowait())
        return items


def wait_until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise AssertionError("condition not reached")
        time.sleep(0.005)


def wait_for_finds(simulator: ReaderSimulator, count: int) -> None:
    """Let the driver poll ``count`` more times: proof it had the chance to (mis)report."""
    start = simulator.requests.count(Command.FIND_CARD)
    wait_until(lambda: simulator.requests.count(Command.FIND_CARD) >= start + count)


@pytest.fixture(scope="session")
def cards() -> dict[str, SimulatedCard]:
    return demo_cards()


@pytest.fixture
def simulator(tmp_path: Path) -> Iterator[ReaderSimulator]:
    sim = ReaderSimulator(115200, link=tmp_path / "idcard", seed=7)
    sim.start()
    yield sim
    sim.stop()


@pytest.fixture
def events() -> Events:
    return Events()


@pytest.fixture
def make_reader() -> Iterator[Callable[..., IdCardReader]]:
    readers: list[IdCardReader] = []

    def make(port: str, callback: Events, **changes: object) -> IdCardReader:
        settings = ReaderSettings(port, **{**FAST, **changes})  # type: ignore[arg-type]
        reader = IdCardReader(settings, today=lambda: TODAY)
        readers.append(reader)
        reader.start(callback)
        return reader

    yield make
    for reader in readers:
        reader.stop()
