"""Kiosk benchmark: cold start, tap-to-ticket latency and memory after many check-ins.

    python bench/kiosk_taps.py [--taps 100] [--checkins 1000] [--starts 3]

The kiosk runs as its own process with a real (off-screen or Xvfb) window, exactly as
``kiosk run --role kiosk`` builds it; this script plays the hall around it: the ID-card reader
simulator on a pty (paced at 115200 baud for the measured taps), the TCP printer simulator, and
a store with one booking per card. It prints:

- cold start: process spawn → first frame of the attract screen (median of ``--starts`` runs);
- tap → ticket: from the card event (the driver's timestamp right after the last byte of the
  read reply arrived and was decoded) to the last byte of the ticket reaching the printer
  (its cut), p50/p95/max over ``--taps`` check-ins; the read reply's own wire time is printed
  beside it and is not included;
- the kiosk's resident memory at the attract screen, after the measured taps and after
  ``--checkins`` check-ins (the taps beyond ``--taps`` run the reader at 2 Mbaud to keep the
  run short; each one is still a full check-in, screen and printed ticket).

The bench hall is Xixia with its slot capacity raised to 500, so 1,000 people can hold bookings
that are all open for check-in at 10:00 on Monday 2026-11-23.
"""

from __future__ import annotations

import argparse
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parents[1]

if TYPE_CHECKING:
    from hardware.idcard.cardfile import SimulatedCard

MONDAY_10 = datetime(2026, 11, 23, 10, 0)
BOOKED_AT = datetime(2026, 11, 20, 9, 0)
READ_REPLY_BYTES = 1295
KEY = "bench-kiosk-id-hash-key-0123456789abcdef"
STEMS = "甲乙丙丁戊己庚辛壬癸"
BRANCHES = "子丑寅卯辰巳午未申酉戌亥"


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        KIVY_NO_ARGS="1",
        KIVY_NO_CONSOLELOG="1",
        KIVY_NO_FILELOG="1",
        SDL_AUDIODRIVER="dummy",
        KIOSK_ID_HASH_KEY=KEY,
        PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
    )
    env.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="bench-kivy-"))
    if not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        env.setdefault("SDL_VIDEODRIVER", "offscreen")
    return env


# --- the kiosk process -------------------------------------------------------------------------


def child(argv: list[str]) -> int:
    """The kiosk: ``--child STORE_URL HALL_FILE READER_LINK PRINTER_URL|- EXIT_AFTER_START``."""
    store_url, hall_file, reader_link, printer_url, exit_after_start = argv
    from screens import env

    env.prepare((1080, 1920))
    from kivy.clock import Clock

    from hardware.idcard.driver import IdCardReader, ReaderSettings
    from hardware.printer.driver import EscposPrinter
    from kiosk.clock import RunningClock
    from kiosk.config import load_calendar, load_hall_file
    from kiosk.ports.card_reader import CardEvent
    from kiosk.store.hallstore import HallStore
    from screens.kiosk_app import KioskApp

    store = HallStore.open(
        store_url, load_hall_file(Path(hall_file)), load_calendar(), KEY.encode(), terminal="bench"
    )
    clock = RunningClock(MONDAY_10)
    reader = None
    if reader_link != "-":
        reader = IdCardReader(
            ReaderSettings(port=reader_link, poll_interval=0.05),
            today=lambda: clock.now().date(),
        )
    printer = EscposPrinter(printer_url) if printer_url != "-" else None
    app = KioskApp(store, clock, reader=reader, printer=printer)

    original = app._card_from_reader

    def tapped(event: CardEvent) -> None:
        print(f"tap {event.at:.6f}", flush=True)
        original(event)

    app._card_from_reader = tapped  # type: ignore[method-assign]  # the bench stamps each tap

    def first_frame(_dt: float) -> None:
        print(f"started {time.monotonic():.6f}", flush=True)
        if exit_after_start == "1":
            app.stop()

    def started(*_args: object) -> None:  # returns None: a true value would stop on_start
        # two clock ticks after on_start: the attract screen has been drawn once
        Clock.schedule_once(lambda _dt: Clock.schedule_once(first_frame))

    app.bind(on_start=started)
    app.run()
    store.close()
    return 0


# --- the hall around it ------------------------------------------------------------------------


def bench_hall(folder: Path) -> Path:
    source = (ROOT / "config" / "halls" / "xixia.toml").read_text(encoding="utf-8")
    text = source.replace("slot_capacity = 4", "slot_capacity = 500")
    assert text != source, "xixia.toml no longer has slot_capacity = 4"
    (folder / "halls").mkdir(exist_ok=True)
    path = folder / "halls" / "xixia.toml"  # a hall file is named after its id
    path.write_text(text, encoding="utf-8")
    return path


def make_cards(count: int) -> list[SimulatedCard]:
    from hardware.idcard.cardfile import SimulatedCard
    from kiosk.domain.identity import CardType, Identity, check_digit

    cards = []
    for index in range(count):
        birth = datetime(1960, 1, 1) + timedelta(days=index * 7)
        first17 = f"411323{birth:%Y%m%d}{index % 1000:03d}"
        number = first17 + check_digit(first17)
        identity = Identity(
            card_type=CardType.RESIDENT,
            name="测试" + STEMS[index % 10] + BRANCHES[index // 10 % 12],
            name_en=None,
            sex="男" if int(first17[-1]) % 2 else "女",
            nation="汉",
            nationality=None,
            birth=birth.date(),
            address="河南省西峡县城关路1号",
            id_number=number,
            authority="西峡县公安局",
            valid_from=datetime(2020, 1, 1).date(),
            valid_to=datetime(2040, 1, 1).date(),
        )
        cards.append(SimulatedCard(identity))
    return cards


def book_all(store_url: str, hall_file: Path, cards: list[SimulatedCard]) -> None:
    from kiosk.config import load_calendar, load_hall_file
    from kiosk.services import add_booking
    from kiosk.store.hallstore import HallStore

    hall = load_hall_file(hall_file)
    store = HallStore.open(store_url, hall, load_calendar(), KEY.encode(), terminal="desk")
    services = [s.id for s in hall.services if s.bookable]
    slots = [MONDAY_10, MONDAY_10 + timedelta(minutes=30)]
    for index, card in enumerate(cards):
        result = add_booking(
            store,
            card.identity,
            services[index % len(services)],
            slots[index // len(services) % 2],
            BOOKED_AT,
            channel="on_site",
        )
        assert result.booking is not None and result.reason is None, result.message
    store.close()


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def cold_starts(count: int, folder: Path, hall_file: Path) -> list[float]:
    times = []
    for run in range(count):
        url = f"sqlite:///{folder / f'start-{run}.sqlite3'}"
        spawned = time.monotonic()
        process = subprocess.run(
            [sys.executable, __file__, "--child", url, str(hall_file), "-", "-", "1"],
            capture_output=True,
            text=True,
            timeout=120,
            env=environment(),
        )
        lines = [line for line in process.stdout.splitlines() if line.startswith("started ")]
        if process.returncode != 0 or not lines:
            raise SystemExit(f"kiosk did not start:\n{process.stderr[-3000:]}")
        times.append(float(lines[0].split()[1]) - spawned)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--taps", type=int, default=100)
    parser.add_argument("--checkins", type=int, default=1000)
    parser.add_argument("--starts", type=int, default=3)
    args = parser.parse_args()
    if not 1 <= args.taps <= args.checkins:
        parser.error("need 1 <= --taps <= --checkins")

    from hardware.idcard.codec import Command
    from hardware.idcard.simulator import ReaderSimulator, wire_time
    from hardware.printer.simulator import PrinterSimulator

    folder = Path(tempfile.mkdtemp(prefix="bench-kiosk-"))
    hall_file = bench_hall(folder)
    starts = cold_starts(args.starts, folder, hall_file)
    print(
        f"cold start to the attract screen: median {statistics.median(starts):.2f} s "
        f"(runs: {', '.join(f'{t:.2f}' for t in starts)}; target < 3 s)"
    )

    url = f"sqlite:///{folder / 'hall.sqlite3'}"
    cards = make_cards(args.checkins)
    t0 = time.monotonic()
    book_all(url, hall_file, cards)
    print(f"{len(cards)} bookings made in {time.monotonic() - t0:.1f} s")

    reader = ReaderSimulator(115200, link=folder / "reader").start()
    printer = PrinterSimulator(port=0, paper_mm=80).start()
    kiosk = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--child",
            url,
            str(hall_file),
            str(folder / "reader"),
            printer.url(timeout=2),
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment(),
    )
    lines: queue.Queue[str] = queue.Queue()
    stdout, stderr = kiosk.stdout, kiosk.stderr
    assert stdout is not None and stderr is not None  # both PIPE

    def pump() -> None:
        for line in stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()

    def next_line(prefix: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                kiosk.kill()
                errors = stderr.read()[-3000:]
                raise SystemExit(f"no '{prefix}' from the kiosk:\n{errors}") from None
            if line.startswith(prefix):
                return line

    latencies: list[float] = []
    rss: dict[str, int] = {}
    try:
        next_line("started ")
        time.sleep(1.0)  # the reader comes online, the first frames settle
        rss["attract"] = rss_kib(kiosk.pid)
        cpu_start, wall_start = cpu_seconds(kiosk.pid), time.monotonic()
        cpu_taps = wall_taps = 0.0
        for index, card in enumerate(cards):
            if index == args.taps:
                rss["after_taps"] = rss_kib(kiosk.pid)
                cpu_taps = cpu_seconds(kiosk.pid) - cpu_start
                wall_taps = time.monotonic() - wall_start
                reader.baudrate = 2_000_000  # the memory run: same path, shorter wire time
            reader.place_card(card)
            tapped_at = float(next_line("tap ").split()[1])
            jobs = printer.wait_for_jobs(index + 1, timeout=15)
            if len(jobs) <= index:
                raise SystemExit(f"ticket {index + 1} never reached the printer")
            wall, mono = datetime.now(), time.monotonic()
            printed_at = mono - (wall - jobs[index].received_at).total_seconds()
            if index < args.taps:
                latencies.append((printed_at - tapped_at) * 1000)
            reader.remove_card()
            polls = len(reader.requests)
            deadline = time.monotonic() + 5
            while Command.FIND_CARD not in reader.requests[polls:]:  # the kiosk saw "no card"
                if time.monotonic() > deadline:
                    raise SystemExit("the kiosk's reader stopped polling")
                time.sleep(0.005)
        time.sleep(1.0)
        rss["after_checkins"] = rss_kib(kiosk.pid)
    finally:
        kiosk.terminate()
        try:
            kiosk.wait(timeout=10)
        except subprocess.TimeoutExpired:
            kiosk.kill()
        reader.stop()
        printer.stop()

    print(
        f"tap → ticket at the printer over {len(latencies)} check-ins: "
        f"p50 {percentile(latencies, 0.5):.1f} ms, p95 {percentile(latencies, 0.95):.1f} ms, "
        f"max {max(latencies):.1f} ms (target p95 < 150 ms; the read reply's own wire time, "
        f"{wire_time(READ_REPLY_BYTES, 115200) * 1000:.1f} ms at 115200 baud, comes before this)"
    )
    if args.taps < len(cards):
        print(
            f"kiosk CPU over those check-ins: {cpu_taps * 1000 / args.taps:.1f} ms per check-in "
            f"({cpu_taps / wall_taps * 100:.0f} % of a core over {wall_taps:.1f} s, drawing "
            "included: the bench waits for the kiosk to see the card removed after each)"
        )
    print(
        f"kiosk resident memory: {rss['attract'] / 1024:.1f} MiB at the attract screen, "
        f"{rss.get('after_taps', 0) / 1024:.1f} MiB after {args.taps} check-ins, "
        f"{rss['after_checkins'] / 1024:.1f} MiB after {args.checkins} check-ins"
    )
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        try:
            status = child(sys.argv[2:])
        except BaseException:  # Kivy's excepthook would hide it with the console log off
            import traceback

            traceback.print_exc()
            os._exit(1)
        sys.exit(status)
    sys.exit(main())
