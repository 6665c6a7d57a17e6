"""``kiosk run --role kiosk|staff|display|terminal``: start one role's screen on this machine.

Each role is its own process over the hall's shared store (``KIOSK_DATABASE_URL``), restarted by
systemd (``deploy/systemd``); it tells systemd when its first frame is up and pings the watchdog
from the UI thread, so a frozen screen is restarted too. ``--at`` runs the hall clock from a
given instant (a Saturday or the lunch period can be shown on any day).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from kiosk.app.cli.common import CliError, parse_minute

if TYPE_CHECKING:
    from kiosk.clock import Clock

ROLES = ("kiosk", "staff", "display", "terminal")
DEFAULT_SIZES = {
    "kiosk": "1080x1920",
    "staff": "1280x800",
    "display": "1920x1080",
    "terminal": "1280x800",
}
FULLSCREEN_BY_DEFAULT = {"kiosk": True, "staff": False, "display": True, "terminal": True}
NEEDS_WINDOW = ("staff", "terminal")
#: The hall display redraws at most this often; the event stream wakes it at once (env.prepare).
PUSHED_FPS = 10


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = subparsers.add_parser("run", help="run the kiosk, a window console or the hall display")
    run.add_argument("--role", required=True, choices=ROLES, help="which screen this machine is")
    run.add_argument(
        "--window", type=int, help="window number (required for --role staff and terminal)"
    )
    run.add_argument("--hall", help="hall id (default: 'hall' of the device settings)")
    run.add_argument("--at", type=parse_minute, help="run the hall clock from YYYY-MM-DDTHH:MM")
    screen = run.add_mutually_exclusive_group()
    screen.add_argument(
        "--fullscreen",
        dest="fullscreen",
        action="store_true",
        default=None,
        help="full screen (default for kiosk, display and terminal)",
    )
    screen.add_argument(
        "--windowed", dest="fullscreen", action="store_false", help="in a window (default: staff)"
    )
    run.add_argument("--size", help="window size WIDTHxHEIGHT (kiosk 1080x1920, display 1920x1080)")
    run.add_argument("--reader", help="ID-card reader port (default: reader_port of the settings)")
    run.add_argument("--printer", help="printer URL (default: printer_url of the settings)")
    run.add_argument(
        "--voice",
        choices=("clips", "espeak", "none"),
        help="display: the voice that announces calls (default: clips); kiosk: the voice that "
        "guides citizens (default: kiosk_voice of the settings, else clips); terminal: the voice "
        "of the rating prompt (default: espeak)",
    )
    run.add_argument(
        "--idle",
        type=int,
        default=60,
        help="kiosk: seconds without a touch before returning to the start (大字: half as long "
        "again; the kiosk asks 需要更多时间吗？ 15 s before)",
    )
    run.set_defaults(handler=run_role)


def run_role(args: argparse.Namespace) -> int:
    from screens import env

    if args.role in NEEDS_WINDOW and args.window is None:
        raise CliError(f"--role {args.role} needs --window N")
    if args.idle < 6:
        raise CliError("--idle must be at least 6 seconds")
    try:
        size = env.parse_size(args.size or DEFAULT_SIZES[args.role])
    except ValueError as error:
        raise CliError(str(error)) from None
    fullscreen = FULLSCREEN_BY_DEFAULT[args.role] if args.fullscreen is None else args.fullscreen

    from kiosk.app.cli.store import open_hall_store
    from kiosk.clock import running_clock as hall_clock
    from kiosk.config import load_hall
    from kiosk.settings import load_settings

    settings = load_settings()
    hall = load_hall(settings.require_hall(args.hall))
    if args.window is not None and args.window not in {w.number for w in hall.windows}:
        known = ", ".join(str(w.number) for w in hall.windows)
        raise CliError(f"{hall.id} has no window {args.window}; windows: {known}")
    clock = hall_clock(hall.timezone, args.at)
    terminal = settings.terminal if args.role == "kiosk" else f"{args.role}-{args.window or 1}"
    store = open_hall_store(settings, hall, terminal)

    pushed = PUSHED_FPS if args.role == "display" else None
    env.prepare(size, fullscreen=fullscreen, title=hall.name_zh, pushed_fps=pushed)
    app = _build(args, store, clock, settings)
    if fullscreen:
        _kiosk_mode(app, settings.staff_pin)
    _systemd(app)
    worker = _background_sync(args, store, clock, settings)
    try:
        app.run()
    finally:
        if worker is not None:
            worker.stop()
        store.close()
    return int(app.exit_status)


def _kiosk_mode(app: Any, staff_pin: str | None) -> None:
    """Full screen in a public hall: no mouse cursor, and the hidden staff exit when a PIN is
    set (without one, staff stop the role with systemctl)."""
    from screens.kioskmode import StaffExit, hide_cursor

    def on_start(*_args: Any) -> None:
        hide_cursor()
        if staff_pin:  # kept on the app: Kivy holds bound methods only weakly
            app.staff_exit = StaffExit(app, staff_pin, app.t)
            app.staff_exit.attach()

    app.bind(on_start=on_start)


def _background_sync(args: argparse.Namespace, store: Any, clock: Clock, settings: Any) -> Any:
    """The kiosk syncs with the central store in a background thread when ``[central]`` is
    set; the screens read the state it records (``sync.state.read_state``)."""
    if args.role != "kiosk" or not (settings.central.url and settings.central.token):
        return None
    from sync.client import start_background_sync

    return start_background_sync(store, settings.central.url, settings.central.token, clock)


def _build(args: argparse.Namespace, store: Any, clock: Clock, settings: Any) -> Any:
    from kiosk.store.changes import changes_for

    # How the screens that follow the hall hear its events (the kiosk does not follow them).
    changes = None if args.role == "kiosk" else changes_for(store.engine, store.hall.id)
    if args.role == "staff":
        from screens.staff_app import StaffApp

        return StaffApp(store, clock, args.window, changes=changes)
    if args.role == "terminal":
        from screens.terminal_app import TerminalApp

        return TerminalApp(
            store, clock, args.window, voice=_voice(args.voice or "espeak"), changes=changes
        )
    if args.role == "display":
        from screens.display_app import DisplayApp

        announcer = None
        engine = args.voice or "clips"
        if engine != "none":
            from hardware.voice import make_announcer

            voice = store.hall.voice
            announcer = make_announcer(engine, repeat=voice.repeat, english=voice.english)
        return DisplayApp(
            store, clock, announcer=announcer, changes=changes, central=_central_state(store)
        )

    from screens.icons import IconError, check_hall_icons
    from screens.kiosk_app import KioskApp

    hall = store.hall
    try:
        check_hall_icons(hall)
    except IconError as error:
        raise CliError(str(error)) from None
    reader = None
    port = args.reader or settings.reader_port
    if port:
        from hardware.idcard.driver import IdCardReader, ReaderSettings

        reader = IdCardReader(
            ReaderSettings(port=port, baudrate=settings.reader_baud),
            today=lambda: clock.now().date(),
        )
    printer = None
    url = args.printer or settings.printer_url
    if url:
        from hardware.printer.address import AddressError
        from hardware.printer.driver import EscposPrinter

        try:
            printer = EscposPrinter(url)
        except AddressError as error:
            raise CliError(str(error)) from None
    from screens.flows import IdlePolicy

    return KioskApp(
        store,
        clock,
        reader=reader,
        printer=printer,
        idle=IdlePolicy.from_standard(args.idle),
        voice=_kiosk_voice(args.voice, settings),
        queue_base_url=settings.queue_page_url,
        staff_pin=settings.staff_pin,
        central=_central_state(store),
    )


def _voice(engine: str, **options: Any) -> Any:
    """A voice that says sentences (the kiosk's guidance, the pad's prompt), or None."""
    if engine == "none":
        return None
    from hardware.voice import make_announcer
    from kiosk.ports.announcer import AnnouncerError

    try:
        return make_announcer(engine, repeat=1, **options)
    except AnnouncerError as error:
        raise CliError(f"voice {engine!r}: {error}") from None


def _kiosk_voice(chosen: str | None, settings: Any) -> Any:
    """The kiosk's voice guidance, on unless the settings say ``kiosk_voice = "none"``. A voice
    asked for with ``--voice`` must work; the settings' voice on a machine that cannot play
    sound leaves the kiosk running silently, saying why in its log."""
    options = {"volume": settings.kiosk_volume, "recorded_dir": settings.voice_clips}
    if chosen is not None:
        return _voice(chosen, **options)
    try:
        return _voice(settings.kiosk_voice, **options)
    except CliError as error:
        import logging

        logging.getLogger(__name__).warning("kiosk voice off: %s", error)
        return None


def _central_state(store: Any) -> Any:
    """How the screens learn the sync state: the composition root reads it for them (the
    screens never import ``sync``)."""
    from sync.state import read_state

    return lambda now: read_state(store, now)


def _systemd(app: Any) -> None:
    """Ready once the first frame is drawn; the watchdog pinged from the UI thread."""
    from kivy.clock import Clock as KivyClock

    from kiosk.sd_notify import ready, watchdog, watchdog_interval

    def started(*_args: object) -> None:
        ready(f"{app.__class__.__name__} up")
        interval = watchdog_interval()
        if interval:
            KivyClock.schedule_interval(lambda _dt: watchdog(), interval)

    app.bind(on_start=started)
