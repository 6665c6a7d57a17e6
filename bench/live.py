"""The hall's push path, measured: call committed → hall display shows it, and → its
announcement starts; and what an idle display costs.

usage: .venv/bin/python bench/live.py [--store sqlite|postgresql|both] [--seconds 120]
       [--cycle 60] [--idle-seconds 30] [--postgres URL]   (PostgreSQL also from
       KIOSK_TEST_POSTGRES_URL)

Per store (an SQLite file in WAL mode; a new PostgreSQL database): the real hall display
(``screens.display_app.DisplayApp``, a real Kivy window, SDL's off-screen driver without an X
display) runs in its own process, as ``kiosk run --role display`` builds it: the hall's event
stream by ``kiosk.store.changes.changes_for`` and the clip voice (``hardware.voice``) whose
output stamps the moment playback starts instead of playing to a sound card. First it sits idle
for ``--idle-seconds`` with nothing happening (its CPU time is read from /proc). Then 20 windows
(two clerk processes of ten) work at a busy hall's pace for ``--seconds``: each window calls the
next number, the person walks up in 3 s, is served, the clerk completes and calls again, one
service per ``--cycle`` seconds on average per window (20 windows: a call every 3 s in the
hall, ≈ 4 times the busy day of ``bench/day.py``); a kiosk process issues tickets at the
same rate. Each clerk stamps the wall time right after its call committed; the display stamps
when its stream thread read the call, when its UI thread got it, and when the first frame with
the number on it is drawn: after the buffer swap and ``glFinish`` (in software GL the off-screen
swap returns before llvmpipe has filled the frame), with that frame's update (label textures),
draw (GL commands, texture uploads), flip and raster times; the voice stamps its playback start. The
voice here does not wait for the audio to be spoken: with one loudspeaker, a call that
arrives while another is being said waits for it in a real hall (seconds), which is the
speaker's time, not the push path's.

It prints the numbers and the machine's load average, and exits 1 if a call was never shown.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for the bench.dayinlife package

from bench.dayinlife.stores import databases  # noqa: E402
from bench.dayinlife.world import DAY, KEY, HallTime, calendar, day_hall  # noqa: E402
from kiosk.app.cli.run import PUSHED_FPS  # noqa: E402

WINDOWS = 20
START = datetime.combine(DAY, datetime.min.time()).replace(hour=9)
fork = multiprocessing.get_context("fork")


def _clock(start_wall: float) -> HallTime:
    return HallTime(start_wall, 1.0, START)


def _store(url: str, terminal: str) -> Any:
    from kiosk.store.hallstore import HallStore

    return HallStore.open(url, day_hall(WINDOWS), calendar(), KEY, terminal=terminal)


# --- the display's process ------------------------------------------------------------------


def display_child(url: str, out: Path, ready: Path, start_wall: float) -> int:
    """The hall display with stamps; writes ``out`` (JSON) when SIGTERM stops it."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    from screens import env

    env.prepare((1920, 1080), fullscreen=False, title="bench display", pushed_fps=PUSHED_FPS)
    from kivy.clock import Clock
    from kivy.core.window import Window
    from kivy.graphics.opengl import glFinish

    from hardware.voice.announcer import VoiceAnnouncer
    from hardware.voice.speech import ClipLibrary, ClipSpeech
    from kiosk.ports.announcer import Announcement
    from screens.display_app import DisplayApp

    plays: list[float] = []
    handed: list[tuple[str, int, float]] = []
    shown: list[tuple[str, int, float]] = []
    pending: list[tuple[str, int]] = []

    class StampOutput:
        """The loudspeaker's place: stamps when playback would start."""

        def play(self, _audio: Any, _label: str) -> None:
            plays.append(time.time())

    voice = VoiceAnnouncer(ClipSpeech(ClipLibrary()), StampOutput(), repeat=1)
    voice.announce(Announcement("A001", 1))  # builds the clip cache before the run
    voice.wait_idle(120)
    plays.clear()

    class Voice:
        def announce(self, announcement: Announcement) -> None:
            handed.append((announcement.number, announcement.window, time.time()))
            voice.announce(announcement)

        def say(self, text: str) -> None:
            voice.say(text)

        def close(self) -> None:
            voice.close()

    delivered: list[tuple[str, int, float]] = []

    class BenchDisplay(DisplayApp):
        def _on_events(self, events: Any) -> None:
            now = time.time()
            called = [
                (e.payload["number"], e.payload["window"])
                for e in events
                if e.type == "ticket_called"
            ]
            delivered.extend((number, window, now) for number, window in called)
            super()._on_events(events)
            # On the board from the next frame: the newest across the top, the others of the
            # same batch at the head of the list of recent calls.
            pending.extend(called)

    frame: dict[str, float] = {}
    phases: list[tuple[str, int, dict[str, float]]] = []  # per call: the frame that showed it

    def timed_tick_draw(original: Any) -> Any:
        def tick_draw() -> None:  # the frame's updates: label texts laid out and rasterised
            frame["update"] = time.perf_counter()
            original()
            frame["draw"] = time.perf_counter()

        return tick_draw

    def timed_on_draw(original: Any) -> Any:
        def on_draw() -> None:  # GL commands for the whole board, new textures uploaded
            original()
            frame["flip"] = time.perf_counter()

        return on_draw

    def timed_flip(original: Any) -> Any:
        def flip() -> None:
            original()
            frame["raster"] = time.perf_counter()
            # Honest "shown": the frame's pixels are all drawn. In software GL the swap of an
            # off-screen surface returns before llvmpipe's threads have filled it; glFinish
            # waits for them (the next frame would wait for them anyway).
            glFinish()
            done, now = time.perf_counter(), time.time()
            if not pending:
                return
            spans = {
                "frame_start": now - (done - frame["update"]),  # wall time, as the stamps
                "update": frame["draw"] - frame["update"],
                "draw": frame["flip"] - frame["draw"],
                "flip": frame["raster"] - frame["flip"],
                "raster": done - frame["raster"],
            }
            for number, window in pending:
                shown.append((number, window, now))
                phases.append((number, window, spans))
            pending.clear()

        return flip

    store = _store(url, "display")
    app = BenchDisplay(store, _clock(start_wall), announcer=Voice())

    fed: list[tuple[str, int, float]] = []

    def started(*_args: Any) -> None:
        Clock.tick_draw = timed_tick_draw(Clock.tick_draw)
        Window.on_draw = timed_on_draw(Window.on_draw)
        Window.flip = timed_flip(Window.flip)
        live = app.live
        original = live._from_feed

        def from_feed(batch: Any) -> None:  # the feed's thread: stamped before the hand-over
            now = time.time()
            fed.extend(
                (e.payload["number"], e.payload["window"], now)
                for e in batch
                if e.type == "ticket_called"
            )
            original(batch)

        live._from_feed = from_feed  # type: ignore[method-assign]  # timed: wraps the real handler

        def check(_dt: float) -> None:
            if app.live.feed is not None:
                ready.write_text("ready")
            else:
                Clock.schedule_once(check, 0.1)

        check(0)

    app.bind(on_start=started)
    signal.signal(signal.SIGTERM, lambda *_: Clock.schedule_once(lambda _dt: app.stop(), 0))
    app.run()
    voice.wait_idle(30)
    document = {
        "shown": shown,
        "delivered": delivered,
        "fed": fed,
        "handed": handed,
        "plays": plays,
        "phases": phases,
        "reads": app.live.feed.reads if app.live.feed else None,
    }
    out.write_text(json.dumps(document))
    store.close()
    return 0


# --- the hall at work -------------------------------------------------------------------------


@dataclass(frozen=True)
class Work:
    url: str
    start_wall: float
    end_wall: float
    cycle: float
    seed: int


def kiosk(work: Work) -> None:
    from kiosk.services import take_ticket

    store = _store(work.url, "kiosk-1")
    clock = _clock(work.start_wall)
    rng = random.Random(work.seed)
    services = [s.id for s in store.hall.services]
    interval = work.cycle / WINDOWS
    while time.time() < work.end_wall:
        take_ticket(store, rng.choice(services), clock.now())
        time.sleep(rng.uniform(0.5, 1.5) * interval)
    store.close()


def clerks(work: Work, windows: list[int], out: Any) -> None:
    """Ten windows in one process: each a little schedule of call → start → complete."""
    from kiosk.services import call_next, complete_service, start_service

    store = _store(work.url, f"console-{windows[0]}")
    clock = _clock(work.start_wall)
    rng = random.Random(work.seed + windows[0])
    calls: list[tuple[str, int, float]] = []
    due = {w: time.time() + rng.uniform(0, work.cycle) for w in windows}
    step = dict.fromkeys(windows, "call")
    while time.time() < work.end_wall:
        window = min(due, key=due.__getitem__)
        wait = due[window] - time.time()
        if wait > 0:
            time.sleep(min(wait, 0.2))
            continue
        now = clock.now()
        if step[window] == "call":
            ticket = call_next(store, window, now).ticket
            if ticket is None:
                due[window] = time.time() + 2.0
                continue
            calls.append((ticket.number, window, time.time()))
            step[window], due[window] = "start", time.time() + 3.0
        elif step[window] == "start":
            start_service(store, window, now)
            serve = max(1.0, rng.uniform(0.5, 1.5) * work.cycle - 5.0)
            step[window], due[window] = "complete", time.time() + serve
        else:
            complete_service(store, window, now)
            step[window], due[window] = "call", time.time() + 2.0
    out.send(calls)
    store.close()


# --- measuring ----------------------------------------------------------------------------------


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _spread(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"n": 0, "p50": None, "p95": None, "max": None}
    ordered = sorted(values)

    def q(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 1)

    return {"n": len(ordered), "p50": q(0.5), "p95": q(0.95), "max": round(ordered[-1] * 1000, 1)}


def run_store(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="live-") as temp:
        folder = Path(temp)
        with databases(kind, folder, args.postgres) as (url, _central):
            return _run(kind, url, folder, args)


def _run(kind: str, url: str, folder: Path, args: argparse.Namespace) -> dict[str, Any]:
    from kiosk.services import take_ticket

    start_wall = time.time()
    store = _store(url, "setup")  # migrates; a queue of 40 so every window has work at once
    for index in range(40):
        service = store.hall.services[index % len(store.hall.services)].id
        take_ticket(store, service, START - timedelta(minutes=5))
    store.close()
    out, ready = folder / "display.json", folder / "display.ready"
    env = {**os.environ, "KIVY_NO_ARGS": "1", "KIVY_NO_CONSOLELOG": "1", "KIVY_NO_FILELOG": "1"}
    env.setdefault("KIVY_HOME", str(folder / "kivy"))
    env.setdefault("SDL_AUDIODRIVER", "dummy")
    if not env.get("DISPLAY"):
        env["SDL_VIDEODRIVER"] = "offscreen"
    command = [sys.executable, __file__, "--display-child", url, str(out), str(ready)]
    display = subprocess.Popen(
        [*command, str(start_wall)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.time() + 180
        while not ready.exists():
            if display.poll() is not None or time.time() > deadline:
                assert display.stderr is not None  # stderr=PIPE
                raise SystemExit(f"display did not start: {display.stderr.read()[-3000:]!r}")
            time.sleep(0.1)
        time.sleep(2.0)  # its first frames and reads settle
        cpu0, wall0 = _cpu_seconds(display.pid), time.monotonic()
        time.sleep(args.idle_seconds)
        idle_cpu = (_cpu_seconds(display.pid) - cpu0) / (time.monotonic() - wall0)

        work = Work(url, start_wall, time.time() + args.seconds, args.cycle, args.seed)
        half = WINDOWS // 2
        pipes, processes = [], [fork.Process(target=kiosk, args=(work,))]
        for windows in (list(range(1, half + 1)), list(range(half + 1, WINDOWS + 1))):
            mine, theirs = fork.Pipe()
            pipes.append(mine)
            processes.append(fork.Process(target=clerks, args=(work, windows, theirs)))
        cpu1, wall1 = _cpu_seconds(display.pid), time.monotonic()
        for process in processes:
            process.start()
        calls = [call for pipe in pipes for call in pipe.recv()]
        for process in processes:
            process.join(60)
        time.sleep(3.0)  # the last calls reach the display
        busy_cpu = (_cpu_seconds(display.pid) - cpu1) / (time.monotonic() - wall1)
    finally:
        display.send_signal(signal.SIGTERM)
        try:
            display.wait(60)
        except subprocess.TimeoutExpired:
            display.kill()
    seen = json.loads(out.read_text())
    shown = {(n, w): t for n, w, t in seen["shown"]}
    ui = {(n, w): t for n, w, t in seen["delivered"]}
    fed = {(n, w): t for n, w, t in seen["fed"]}
    handed = seen["handed"]
    started = dict(zip(((n, w) for n, w, _t in handed), seen["plays"], strict=False))
    committed = {(n, w): t for n, w, t in calls}
    missing = sorted(set(committed) - set(shown))
    framed = {(n, w): spans for n, w, spans in seen["phases"]}
    both = [k for k in committed if k in framed and k in fed and k in ui]
    phases = {  # where the time of call → shown goes, phase by phase
        "feed": [fed[k] - committed[k] for k in both],
        "to_ui": [ui[k] - fed[k] for k in both],
        "to_frame": [framed[k]["frame_start"] - ui[k] for k in both],
        **{name: [framed[k][name] for k in both] for name in ("update", "draw", "flip", "raster")},
    }
    return {
        "store": kind,
        "calls": len(calls),
        "missing": missing,
        "call_to_shown_ms": _spread([shown[k] - t for k, t in committed.items() if k in shown]),
        "call_to_feed_ms": _spread([fed[k] - t for k, t in committed.items() if k in fed]),
        "call_to_ui_thread_ms": _spread([ui[k] - t for k, t in committed.items() if k in ui]),
        "call_to_announced_ms": _spread(
            [started[k] - t for k, t in committed.items() if k in started]
        ),
        "shown_phases_ms": {name: _spread(values) for name, values in phases.items()},
        "idle_cpu_percent": round(idle_cpu * 100, 2),
        "busy_cpu_percent": round(busy_cpu * 100, 1),
        "display_cpu_ms_per_call": round(
            busy_cpu * (args.seconds + 3) / max(1, len(calls)) * 1000, 1
        ),
        "log_reads": seen["reads"],
    }


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--display-child":
        return display_child(argv[1], Path(argv[2]), Path(argv[3]), float(argv[4]))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--postgres", default=os.environ.get("KIOSK_TEST_POSTGRES_URL"))
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--cycle", type=float, default=60.0, help="seconds per service")
    parser.add_argument("--idle-seconds", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    kinds = ["sqlite", "postgresql"] if args.store == "both" else [args.store]
    if "postgresql" in kinds and not args.postgres:
        if args.store == "both":
            kinds = ["sqlite"]
            print("PostgreSQL skipped: no --postgres / KIOSK_TEST_POSTGRES_URL", file=sys.stderr)
        else:
            raise SystemExit("--store postgresql needs --postgres or KIOSK_TEST_POSTGRES_URL")
    load_before = os.getloadavg()
    results = [run_store(kind, args) for kind in kinds]
    document = {
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "cores": os.cpu_count(),
        "results": results,
    }
    if args.json:
        print(json.dumps(document, ensure_ascii=False))
    else:
        print(f"load average before {document['load_average_before']}, "
              f"after {document['load_average_after']} on {document['cores']} cores")  # fmt: skip
        for r in results:
            shown, said, ui = (
                r["call_to_shown_ms"],
                r["call_to_announced_ms"],
                r["call_to_ui_thread_ms"],
            )
            print(
                f"{r['store']:>10}: {r['calls']} calls, {len(r['missing'])} not shown "
                f"{r['missing'] or ''}; "
                f"call → read by the display's feed p50 {r['call_to_feed_ms']['p50']} / p95 "
                f"{r['call_to_feed_ms']['p95']} ms; "
                f"call → display's UI thread p50 {ui['p50']} / p95 {ui['p95']} ms; "
                f"call → shown p50 {shown['p50']} / p95 {shown['p95']} / max {shown['max']} ms; "
                f"call → announcement started p50 {said['p50']} / p95 {said['p95']} / "
                f"max {said['max']} ms; idle display CPU {r['idle_cpu_percent']} % of a core; "
                f"busy {r['busy_cpu_percent']} % ({r['display_cpu_ms_per_call']} ms per call)"
            )
            print(
                f"{'':>10}  call → shown by phase, p50 / p95 ms: "
                + "; ".join(
                    f"{name} {spread['p50']} / {spread['p95']}"
                    for name, spread in r["shown_phases_ms"].items()
                )
            )
    return 1 if any(r["missing"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
