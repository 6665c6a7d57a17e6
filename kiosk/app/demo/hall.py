"""The demo hall put together: directory, bookings, stores, simulators, screens, guide, stop.

Order matters: the central store is seeded before it serves; the hall store is created and
filled by one ``kiosk sync --once`` before any screen opens it (so no two roles race to create
its tables); the screens start last and are stopped first.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from kiosk.app.demo.layout import DemoDir, free_port, new_key, prepare, write_device_config
from kiosk.app.demo.plan import DemoPlan, Role, plan_demo
from kiosk.app.demo.supervisor import Child, ChildFailed, Supervisor
from kiosk.domain.hall import HallProfile

#: Settings a user's environment may carry for a real hall; the demo's processes must not
#: inherit them (they would point the demo at a real store).
FOREIGN_ENV = (
    "KIOSK_HALL",
    "KIOSK_DATABASE_URL",
    "KIOSK_ID_HASH_KEY",
    "KIOSK_DEVICE_CONFIG",
    "KIOSK_CENTRAL_URL",
    "KIOSK_CENTRAL_TOKEN",
    "KIOSK_CENTRAL_DATABASE_URL",
    "NOTIFY_SOCKET",
    "WATCHDOG_USEC",
    "WATCHDOG_PID",
)
#: Windows on a 1920×1080 desktop, side by side: each role laid out at its own size (its
#: layout is drawn for it) and drawn smaller (``KIOSK_VIEW_SCALE``), with its place on screen:
#: (layout size, scale, left, top). The kiosk 540×960, the display 960×540 beside it, the card
#: drawer right of the display, the two consoles (512×320) below the display and their rating
#: pads (320×200) below the drawer.
WINDOWED = {
    "kiosk": ("1080x1920", 0.5, 0, 0),
    "display": ("1920x1080", 0.5, 550, 0),
    "drawer": ("960x820", 0.42, 1515, 0),
    "staff-a": ("1280x800", 0.4, 550, 580),
    "staff-b": ("1280x800", 0.4, 1072, 580),
    "terminal-a": ("1280x800", 0.25, 1594, 384),
    "terminal-b": ("1280x800", 0.25, 1594, 624),
}
#: Each console's window has its rating pad (评价器), with the console's device settings.
TERMINALS = {"terminal-a": "staff-a", "terminal-b": "staff-b"}
HEADLESS_FPS = "20"
VIEW_SCALE_ENV = "KIOSK_VIEW_SCALE"  # read by screens.base.view_scale
READY_SECONDS = 90.0
SERVICE_READY_SECONDS = 30.0


@dataclass
class DemoOptions:
    hall: str
    root: Path
    at: datetime | None = None
    headless: bool = False
    windows: tuple[int, int] | None = None
    grace: float = 10.0


@dataclass
class DemoRun:
    """What a run made and saw; the headless run reports it as JSON."""

    demo: DemoDir
    hall: HallProfile
    plan: DemoPlan
    start: datetime
    consoles: tuple[int, int]
    fixed_clock: bool = False  # --at given: tools acting on the store need --now
    central_url: str = ""
    queue_page_url: str = ""
    started_monotonic: float = field(default_factory=time.monotonic)
    timings: dict[str, float] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    scenario: dict[str, Any] = field(default_factory=dict)
    failure: str | None = None


def console_windows(
    hall: HallProfile, plan: DemoPlan, chosen: tuple[int, int] | None
) -> tuple[int, int]:
    """The two windows shown: one serving the on-time person's service, one serving others."""
    numbers = [w.number for w in hall.windows]
    if chosen is not None:
        return chosen
    on_time = plan.part(Role.ON_TIME)
    service = on_time.booking.service if on_time and on_time.booking else None
    first = next((w for w in hall.windows if service in w.services), hall.windows[0])
    second = next(
        (w for w in hall.windows if not set(w.services) & set(first.services)),
        next((w for w in hall.windows if w.number != first.number), first),
    )
    if first.number == second.number and len(numbers) > 1:
        second = next(w for w in hall.windows if w.number != first.number)
    return first.number, second.number


def child_environment(demo: DemoDir, headless: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in FOREIGN_ENV}
    env.update(
        PYTHONUNBUFFERED="1",
        KIVY_NO_ARGS="1",
        KIVY_NO_FILELOG="1",
        KIVY_HOME=str(demo.kivy_home),
    )
    root = str(Path(__file__).resolve().parents[3])
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    if headless:
        # Off-screen rendering through EGL: no display server needed, no window shown.
        for name in ("DISPLAY", "WAYLAND_DISPLAY"):
            env.pop(name, None)
        env["SDL_VIDEODRIVER"] = "offscreen"
        env["SDL_AUDIODRIVER"] = "dummy"
        env["KCFG_GRAPHICS_MAXFPS"] = HEADLESS_FPS
    return env


def cards_document(plan: DemoPlan, hall: HallProfile) -> list[dict[str, Any]]:
    """``cards.json`` for the drawer: each demo card, its file and its holder's booking."""
    from hardware.idcard.cardfile import DEMO_CARDS_DIR, load_card

    entries = []
    for part in plan.cards:
        path = DEMO_CARDS_DIR / f"{part.card}.json"
        booking = part.booking
        service = hall.service(booking.service) if booking else None
        entries.append(
            {
                "card": part.card,
                "path": str(path),
                "label": load_card(path).label,
                "role": part.role.value,
                "timing": part.timing.value if part.timing else None,
                "service": service.name_zh if service else None,
                "service_en": service.name_en if service else None,
                "slot_start": booking.slot_start.isoformat() if booking else None,
                "slot_end": booking.slot_end.isoformat() if booking else None,
            }
        )
    return entries


def _python(*args: str) -> list[str]:
    return [sys.executable, *args]


def _kiosk(*args: str) -> list[str]:
    return _python("-m", "kiosk.app.cli.main", *args)


class StopRequested(Exception):
    """Ctrl-C or SIGTERM reached the demo."""


def run_demo(options: DemoOptions, out: Any = None) -> DemoRun:
    """Run the demo until Ctrl-C/SIGTERM (or, headless, to the end of the scripted scenario)."""
    from hardware.idcard.cardfile import demo_cards
    from kiosk.app.demo.seed import seed_central
    from kiosk.clock import HallClock
    from kiosk.config import load_calendar, load_hall

    out = out or sys.stdout
    t0 = time.monotonic()
    hall = load_hall(options.hall)
    calendar = load_calendar()
    start = options.at or HallClock(hall.timezone).now().replace(second=0, microsecond=0)
    demo = prepare(options.root)
    cards = {stem: (c.identity.name, c.identity.id_number) for stem, c in demo_cards().items()}
    plan = plan_demo(hall, calendar, start, cards)
    consoles = console_windows(hall, plan, options.windows)
    run = DemoRun(demo, hall, plan, start, consoles, fixed_clock=options.at is not None)
    key = new_key()
    seeded = seed_central(demo.central_url(), key.encode(), hall.id, plan, None)
    demo.scenario_file.write_text(
        json.dumps(cards_document(plan, hall), ensure_ascii=False, indent=2), encoding="utf-8"
    )
    run.timings["seeded"] = time.monotonic() - t0

    central_port, printer_port, queue_port = free_port(), free_port(), free_port()
    central_url = run.central_url = f"http://127.0.0.1:{central_port}"
    queue_page = run.queue_page_url = f"http://127.0.0.1:{queue_port}"
    printer_url = f"tcp:127.0.0.1:{printer_port}?paper=80&timeout=3"
    devices = {
        "kiosk": write_device_config(
            demo,
            "kiosk",
            hall=hall.id,
            key=key,
            terminal="kiosk-1",
            reader_port=str(demo.reader_link),
            printer_url=printer_url,
            central_url=central_url,
            token=seeded.token,
            queue_page_url=queue_page,  # the QR code on each ticket opens this page
        ),
        "staff-a": write_device_config(
            demo, "staff-a", hall=hall.id, key=key, terminal=f"window-{consoles[0]}"
        ),
        "staff-b": write_device_config(
            demo, "staff-b", hall=hall.id, key=key, terminal=f"window-{consoles[1]}"
        ),
        "display": write_device_config(demo, "display", hall=hall.id, key=key, terminal="display"),
    }
    env = child_environment(demo, options.headless)
    supervisor = Supervisor(env, demo.state, cwd=demo.root)
    at_args = ["--at", f"{start:%Y-%m-%dT%H:%M}"] if options.at else []

    stop = threading.Event()
    previous = {
        signum: signal.signal(signum, lambda *_: stop.set())
        for signum in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        _start_services(supervisor, demo, central_port, printer_port, key, at_args)
        _wait_services(supervisor, demo, central_url, stop)
        run.timings["services_ready"] = time.monotonic() - t0
        _first_sync(demo, devices["kiosk"], env, at_args)
        run.timings["first_sync"] = time.monotonic() - t0
        _start_queue_page(supervisor, demo, devices["display"], queue_port, at_args, stop)
        screens = _start_screens(supervisor, demo, hall, devices, consoles, at_args, options)
        _wait_ready(supervisor, screens, stop)
        run.timings["screens_ready"] = time.monotonic() - t0
        if options.headless:
            from kiosk.app.demo.scenario import run_scenario

            run.scenario = run_scenario(supervisor, run, screens, devices, stop)
            run.timings["scenario_done"] = time.monotonic() - t0
        else:
            print(guide(run), file=out, flush=True)
            while not stop.wait(0.2):
                _check_or_end(supervisor)
    except StopRequested:
        pass
    except ChildFailed as error:
        run.failure = str(error)
    except _WindowClosed as closed:
        print(f"{closed.child.name} was closed; stopping the demo", file=out, flush=True)
    finally:
        statuses = supervisor.stop_all(options.grace)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    run.statuses = statuses
    run.timings["stopped"] = time.monotonic() - t0
    return run


class _WindowClosed(Exception):
    def __init__(self, child: Child) -> None:
        self.child = child


def _check_or_end(supervisor: Supervisor) -> None:
    """A screen closed by its user (exit 0) ends the demo normally; any other exit fails it."""
    for child in supervisor.children:
        if not child.stop_requested and child.returncode == 0 and child.name != "sync":
            child.stop_requested = True
            raise _WindowClosed(child)
    supervisor.check()


def _start_services(
    supervisor: Supervisor,
    demo: DemoDir,
    central_port: int,
    printer_port: int,
    key: str,
    at_args: list[str],
) -> None:
    supervisor.start(
        "central",
        _kiosk("central", "serve", "--host", "127.0.0.1", "--port", str(central_port),
               "--database-url", demo.central_url(), *at_args),
        demo.log("central"),
        env={"KIOSK_ID_HASH_KEY": key},
    )  # fmt: skip
    supervisor.start(
        "reader", _kiosk("card", "simulate", "--link", str(demo.reader_link)), demo.log("reader")
    )
    supervisor.start(
        "printer",
        _kiosk("printer", "simulate", "--listen", f"127.0.0.1:{printer_port}",
               "--preview-dir", str(demo.tickets), "--control", str(demo.printer_control)),
        demo.log("printer"),
    )  # fmt: skip


def _wait_services(supervisor: Supervisor, demo: DemoDir, central_url: str, stop: Any) -> None:
    import requests

    from hardware.idcard.simulator import control_path

    def central_up() -> bool:
        _raise_if(stop)
        try:
            return requests.get(f"{central_url}/api/v1/health", timeout=1).ok
        except requests.RequestException:
            return False

    def reader_up() -> bool:
        _raise_if(stop)
        return demo.reader_link.exists() and control_path(demo.reader_link).exists()

    def printer_up() -> bool:
        _raise_if(stop)
        return demo.printer_control.exists()

    by_name = {c.name: c for c in supervisor.children}
    supervisor.wait_until(reader_up, "the reader's pty", SERVICE_READY_SECONDS, by_name["reader"])
    supervisor.wait_until(
        printer_up, "the printer's socket", SERVICE_READY_SECONDS, by_name["printer"]
    )
    supervisor.wait_until(central_up, "the central API", SERVICE_READY_SECONDS, by_name["central"])


def _start_queue_page(
    supervisor: Supervisor,
    demo: DemoDir,
    device: Path,
    port: int,
    at_args: list[str],
    stop: Any,
) -> None:
    """The phone page a ticket's QR code opens (``kiosk queue-page serve``) on the hall store,
    once the first sync has made its tables; the kiosk's settings point its QR codes here."""
    import requests

    child = supervisor.start(
        "queue-page",
        _kiosk("queue-page", "serve", "--host", "127.0.0.1", "--port", str(port), *at_args),
        demo.log("queue-page"),
        env={"KIOSK_DEVICE_CONFIG": str(device)},
    )

    def up() -> bool:
        _raise_if(stop)
        try:
            return requests.get(f"http://127.0.0.1:{port}/health", timeout=1).ok
        except requests.RequestException:
            return False

    supervisor.wait_until(up, "the queue page", SERVICE_READY_SECONDS, child)


def _raise_if(stop: Any) -> None:
    if stop.is_set():
        raise StopRequested


def _first_sync(demo: DemoDir, device: Path, env: dict[str, str], at_args: list[str]) -> None:
    """One pull before any screen opens the hall store: it creates the store's tables and
    brings the seeded bookings down, so the first card tapped finds its booking."""
    with demo.log("sync").open("ab") as log:
        done = subprocess.run(
            _kiosk("sync", "--once", "--attempts", "3", *at_args),
            env={**env, "KIOSK_DEVICE_CONFIG": str(device)},
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=demo.root,
            timeout=120,
        )
    if done.returncode != 0:
        raise _SyncFailed(demo.log("sync"), done.returncode)


class _SyncFailed(RuntimeError):
    def __init__(self, log: Path, status: int) -> None:
        super().__init__(
            f"the first sync with the central store failed (exit {status}); its log: {log}"
        )


def _start_screens(
    supervisor: Supervisor,
    demo: DemoDir,
    hall: HallProfile,
    devices: dict[str, Path],
    consoles: tuple[int, int],
    at_args: list[str],
    options: DemoOptions,
) -> dict[str, Child]:
    voice = "none" if options.headless else "clips"
    commands = {
        "kiosk": ["run", "--role", "kiosk", "--hall", hall.id],
        "staff-a": ["run", "--role", "staff", "--window", str(consoles[0]), "--hall", hall.id],
        "staff-b": ["run", "--role", "staff", "--window", str(consoles[1]), "--hall", hall.id],
        "terminal-a": ["run", "--role", "terminal", "--window", str(consoles[0]), "--hall", hall.id,
                       "--voice", "none" if options.headless else "espeak"],
        "terminal-b": ["run", "--role", "terminal", "--window", str(consoles[1]), "--hall", hall.id,
                       "--voice", "none" if options.headless else "espeak"],
        "display": ["run", "--role", "display", "--hall", hall.id, "--voice", voice],
        "drawer": ["drawer", "--cards", str(demo.scenario_file), "--reader", str(demo.reader_link),
                   "--tickets", str(demo.tickets), "--hall", hall.id],
    }  # fmt: skip
    screens: dict[str, Child] = {}
    for name, command in commands.items():
        size, scale, left, top = WINDOWED[name]
        if command[0] == "run":
            command += ["--windowed"]
        command += ["--size", size, *at_args]
        device = devices.get(TERMINALS.get(name, name), devices["display"])
        env = {
            "KIOSK_DEVICE_CONFIG": str(device),
            "KCFG_GRAPHICS_POSITION": "custom",
            "KCFG_GRAPHICS_LEFT": str(left),
            "KCFG_GRAPHICS_TOP": str(top),
        }
        if not options.headless:  # off-screen screenshots keep the layouts' full size
            env[VIEW_SCALE_ENV] = str(scale)
        # Kivy writes config.ini in its home at start: seven screens starting at once must not
        # share one (a half-written file stops the next Kivy without a word)
        env["KIVY_HOME"] = str(demo.root / "kivy" / name)
        screens[name] = supervisor.start(
            name,
            _python("-m", "kiosk.app.demo.child", name, str(demo.screenshots), "--", *command),
            demo.log(name),
            env=env,
            notify=True,
        )
    return screens


def _wait_ready(supervisor: Supervisor, screens: dict[str, Child], stop: Any) -> None:
    for child in screens.values():

        def ready(child: Child = child) -> bool:
            _raise_if(stop)
            return child.poll_ready()

        supervisor.wait_until(ready, "READY=1", READY_SECONDS, child)


def hall_now(start: datetime, started: float) -> datetime:
    """The demo's hall time: ``start`` plus the time since ``started`` (monotonic)."""
    return start + timedelta(seconds=time.monotonic() - started)


def guide(run: DemoRun) -> str:
    """The short guide printed when everything is up."""
    demo, hall, plan = run.demo, run.hall, run.plan
    a, b = run.consoles
    lines = [
        "",
        f"hall-kiosk demo · {hall.name_zh} ({hall.id}) · hall time {run.start:%Y-%m-%d %H:%M}",
        "",
        "Windows:",
        "  自助机 kiosk           the citizen's touch screen (reader and printer simulated)",
        "  证件抽屉 card drawer   click a card: it lies on the reader for a moment;",
        "                         the newest printed ticket is shown beside the cards",
        f"  {a} 号窗口 / {b} 号窗口   two window consoles (F1 call next, F2 recall, F3 done,",
        "                         F4 no-show, F5 pause)",
        "  评价器 rating pads     one at each of those windows: after F3 (done) it asks the",
        "                         citizen to rate the service (好差评); no answer is 未评价",
        "  叫号屏 hall display    called numbers, waiting counts, today's hours",
        "",
        "Cards in the drawer:",
    ]
    entries = json.loads(demo.scenario_file.read_text(encoding="utf-8"))
    from screens.card_drawer import describe_card

    today = f"{run.start:%Y-%m-%d}"
    for entry in entries:
        lines.append(f"  {entry['label']}: {describe_card(entry, today, 'en')}")
    lines += [
        "",
        f"Bookings seeded in the central store: {len(plan.bookings)} (today and the coming days)",
        *[f"  note: {note}" for note in plan.notes],
        *_open_hint(run),
        f"Ticket previews (PNG): {demo.tickets}",
        f"Logs: {demo.logs}",
        f"Central booking store: {run.central_url}/api/v1/docs (log: {demo.log('central')})",
        f"Queue page (a ticket's QR code opens it): {run.queue_page_url}/q/<token>",
        "From another terminal, as a clerk would (it runs as printed):",
        f"  {call_command(run, a)}",
        "",
        "Ctrl-C stops every process.",
        "",
    ]
    return "\n".join(lines)


def kiosk_command() -> str:
    """How a newcomer runs ``kiosk`` here: ``./hall kiosk`` of the checkout (``kiosk`` is not on
    PATH), else the ``kiosk`` of this virtualenv."""
    script = Path(__file__).resolve().parents[3] / "hall"
    if script.is_file():
        return f"{shlex.quote(str(script))} kiosk"
    return shlex.quote(str(Path(sys.prefix) / "bin" / "kiosk"))


def call_command(run: DemoRun, window: int) -> str:
    """A clerk's ``kiosk ticket call`` on the demo's store. With ``--at`` the demo's hall time
    runs from another instant than the machine's clock, so the command works it out itself
    (shell arithmetic on ``date``: nobody has to type the hall time)."""
    command = (
        f"KIOSK_DEVICE_CONFIG={shlex.quote(str(run.demo.device_config('staff-a')))} "
        f"{kiosk_command()} ticket call --window {window}"
    )
    if not run.fixed_clock:
        return command
    wall_at_start = time.time() - (time.monotonic() - run.started_monotonic)
    offset = round(run.start.timestamp() - wall_at_start)
    return command + f' --now "$(date -d @$(( $(date +%s) + {offset} )) +%Y-%m-%dT%H:%M)"'


def _open_hint(run: DemoRun) -> list[str]:
    """When the hall is not open for check-in at the demo's hall time (a night, a holiday),
    say which ``--at`` shows it working."""
    if not run.plan.notes:
        return []
    from kiosk.config import load_calendar

    when = suggested_start(run.hall, load_calendar(), run.start)
    if when is None:
        return []
    return [
        "  tip: the hall is not open for check-in now; to see it working, run",
        f"       ./hall demo --hall {run.hall.id} --at {when:%Y-%m-%dT%H:%M}",
    ]


def suggested_start(hall: HallProfile, calendar: Any, now: datetime) -> datetime | None:
    """An hour into the next regular period that starts after ``now`` (within two weeks)."""
    from kiosk.domain.schedule import PeriodKind, day_plan

    for offset in range(15):
        day = now.date() + timedelta(days=offset)
        plan = day_plan(hall, day, calendar)
        if not plan.calendar_known:
            return None
        for period in plan.periods:
            start = datetime.combine(day, period.start)
            if period.kind is PeriodKind.REGULAR and start > now:
                return min(start + timedelta(hours=1), datetime.combine(day, period.end))
    return None
