"""ID-card reader: time from a card's arrival to the ``Identity`` callback, and idle CPU.

Runs the real driver against the simulated reader on a pty; the simulator paces its replies to
the wire speed of the baud rate, so the numbers include the true transmission time of the
reader's replies. Prints, per baud rate:

- ``wire``: pure wire time of every byte of find + select + read (commands and replies, 8N1);
- ``paced``: the part the simulator reproduces (its replies; the host's commands cross a pty
  instantly);
- ``from find``: from the reader receiving the find that saw the card to the callback, and the
  driver's overhead beyond ``paced`` (target: under 20 ms);
- ``from placement``: what a citizen waits, including up to one poll interval.

Then the driver's CPU use while polling an empty reader (target: under 5 % of one core), with
the simulator in a separate process so only the driver is measured.

    .venv/bin/python bench/idcard.py [--taps 20] [--idle-seconds 10]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from pathlib import Path

from hardware.idcard.card import PHOTO_SIZE, TEXT_SIZE
from hardware.idcard.cardfile import demo_cards
from hardware.idcard.driver import IdCardReader, ReaderSettings
from hardware.idcard.simulator import ReaderSimulator, wire_time
from kiosk.ports.card_reader import CardEvent

COMMAND_BYTES = 4 * 10  # find, select, read, the confirming read: 10 bytes each
REPLY_BYTES = 15 + 19 + 2 * (7 + 3 + 4 + TEXT_SIZE + PHOTO_SIZE + 1)  # two reads must agree


class Mailbox:
    """Events from the reader's thread, waited for with a deadline."""

    def __init__(self) -> None:
        self._items: deque[tuple[float, CardEvent]] = deque()
        self._ready = threading.Condition()

    def put(self, event: CardEvent) -> None:
        with self._ready:
            self._items.append((time.monotonic(), event))
            self._ready.notify()

    def get(self, timeout: float) -> tuple[float, CardEvent]:
        with self._ready:
            if not self._ready.wait_for(lambda: self._items, timeout):
                raise TimeoutError("no event from the reader")
            return self._items.popleft()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure_taps(baudrate: int, taps: int, workdir: Path) -> None:
    card = demo_cards()["resident-zhang-wei"]
    events = Mailbox()
    settings = ReaderSettings(str(workdir / f"reader-{baudrate}"))
    with ReaderSimulator(baudrate, link=settings.port) as sim:
        reader = IdCardReader(settings)
        reader.start(events.put)
        try:
            while not reader.online:
                time.sleep(0.01)
            from_find: list[float] = []
            from_placement: list[float] = []
            for _ in range(taps):
                sim.remove_card()
                time.sleep(random.uniform(0.2, 0.2 + settings.poll_interval))
                placed = time.monotonic()
                sim.place_card(card)
                arrived, event = events.get(timeout=30)
                assert event.ok, event
                assert sim.found_at is not None
                from_find.append(arrived - sim.found_at)
                from_placement.append(arrived - placed)
        finally:
            reader.stop()
    wire = wire_time(COMMAND_BYTES + REPLY_BYTES, baudrate)
    paced = wire_time(REPLY_BYTES, baudrate)
    overhead = [t - paced for t in from_find]
    ms = 1000
    print(f"{baudrate:>6} baud, {taps} taps")
    print(f"  wire (all {COMMAND_BYTES + REPLY_BYTES} B)      {wire * ms:8.1f} ms")
    print(f"  paced (replies {REPLY_BYTES} B)   {paced * ms:8.1f} ms")
    print(
        f"  from find        mean {statistics.mean(from_find) * ms:8.1f} ms  "
        f"p95 {percentile(from_find, 0.95) * ms:8.1f} ms"
    )
    print(
        f"  driver overhead  mean {statistics.mean(overhead) * ms:8.1f} ms  "
        f"p95 {percentile(overhead, 0.95) * ms:8.1f} ms  max {max(overhead) * ms:6.1f} ms"
    )
    print(
        f"  from placement   mean {statistics.mean(from_placement) * ms:8.1f} ms  "
        f"p95 {percentile(from_placement, 0.95) * ms:8.1f} ms  "
        f"(poll every {settings.poll_interval * ms:.0f} ms)"
    )


def measure_idle_cpu(seconds: float, workdir: Path) -> None:
    link = workdir / "reader-idle"
    simulator = subprocess.Popen(
        [sys.executable, "-m", "kiosk.app.cli.main", "card", "simulate", "--link", str(link)],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while not Path(f"{link}.ctl").exists():
            if time.monotonic() > deadline:
                raise SystemExit("the simulator did not start")
            time.sleep(0.05)
        reader = IdCardReader(ReaderSettings(str(link)))
        reader.start(Mailbox().put)
        time.sleep(0.5)
        polls_before = reader.stats.commands
        cpu_before, wall_before = time.process_time(), time.monotonic()
        time.sleep(seconds)
        cpu = time.process_time() - cpu_before
        wall = time.monotonic() - wall_before
        polls = reader.stats.commands - polls_before
        reader.stop()
    finally:
        simulator.terminate()
        simulator.wait(timeout=10)
    print(f"idle polling, no card, {wall:.1f} s: {polls} finds ({polls / wall:.1f}/s)")
    print(f"  driver CPU {cpu * 1000:.0f} ms = {100 * cpu / wall:.2f} % of one core")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--taps", type=int, default=20, help="taps at 115200 (9600: a quarter)")
    parser.add_argument("--idle-seconds", type=float, default=10.0)
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="idcard-bench-") as tmp:
        workdir = Path(tmp)
        measure_taps(115200, args.taps, workdir)
        measure_taps(9600, max(3, args.taps // 4), workdir)
        measure_idle_cpu(args.idle_seconds, workdir)


if __name__ == "__main__":
    main()
