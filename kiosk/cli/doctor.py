"""``kiosk doctor``: check a machine before it serves the public, and say what to fix.

Each check is independent and quick (a few seconds at most), so a technician can run it on a
kiosk that misbehaves and read the answer off the screen: fonts, configuration, holiday data
for today and the coming weeks, the store, the ID-card reader, the printer, the voice, the
central booking store and the clock.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Literal

from kiosk.cli.common import print_json
from kiosk.domain.calendar import IMPORT_COMMAND, HolidayCalendar, UnknownYear

Level = Literal["ok", "warn", "fail", "skip"]
CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
MARKS = {"ok": "✔", "warn": "!", "fail": "✘", "skip": "-"}


@dataclass(frozen=True)
class Check:
    name: str
    level: Level
    detail: str
    fix: str = ""


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    doctor = subparsers.add_parser("doctor", help="check this machine and say what to fix")
    doctor.add_argument("--hall", help="hall id (default: 'hall' of the device settings)")
    doctor.add_argument("--json", action="store_true", help="print one JSON document")
    doctor.add_argument("--today", type=date.fromisoformat, help=argparse.SUPPRESS)
    doctor.set_defaults(handler=run_doctor)


def run_doctor(args: argparse.Namespace) -> int:
    checks = diagnose(args.hall, args.today)
    if args.json:
        print_json(
            {"ok": all(c.level != "fail" for c in checks), "checks": [asdict(c) for c in checks]}
        )
    else:
        width = max(len(c.name) for c in checks)
        for check in checks:
            print(f"{MARKS[check.level]} {check.name:<{width}}  {check.detail}")
            if check.fix and check.level in ("warn", "fail"):
                print(f"  {'':<{width}}  → {check.fix}")
    return 1 if any(c.level == "fail" for c in checks) else 0


def diagnose(hall_id: str | None, today: date | None = None) -> list[Check]:
    from kiosk.config import ConfigError

    checks: list[Check] = [_fonts()]
    try:
        from kiosk.config import load_calendar, load_hall
        from kiosk.settings import load_settings

        settings = load_settings()
        hall = load_hall(settings.require_hall(hall_id))
        calendar = load_calendar()
    except ConfigError as error:
        checks.append(Check("config", "fail", str(error), "fix the file and key named above"))
        return checks
    checks.append(
        Check("config", "ok", f"hall {hall.id} ({hall.name_zh}), terminal {settings.terminal}")
    )
    if today is None:
        from kiosk.clock import HallClock

        today = HallClock(hall.timezone).now().date()
    checks.append(_calendar(calendar, today, hall.booking.days_ahead))
    checks.append(_guard("store", lambda: _store(settings.database_url)))
    checks.append(_guard("reader", lambda: _reader(settings.reader_port, settings.reader_baud)))
    checks.append(_guard("printer", lambda: _printer(settings.printer_url)))
    checks.append(_voice())
    checks.append(
        _guard("central", lambda: _central(settings.central.url, settings.central.token, hall.id))
    )
    checks.append(_clock(settings.central.url))
    return checks


def _guard(name: str, check: Callable[[], Check]) -> Check:
    """A check that crashes is itself a finding, not a reason to stop checking."""
    try:
        return check()
    except Exception as error:
        return Check(name, "fail", f"{type(error).__name__}: {error}")


def _fonts() -> Check:
    if CJK_FONT.exists():
        return Check("fonts", "ok", f"CJK font {CJK_FONT}")
    return Check(
        "fonts",
        "fail",
        "the Chinese font is missing: screens and tickets would show boxes",
        "apt-get install fonts-wqy-microhei",
    )


#: ``kiosk doctor`` warns this many days before the booking horizon reaches a year without
#: holiday data, so the hall has a month to import the State Council's notice.
CALENDAR_WARNING_DAYS = 30


def _calendar(calendar: HolidayCalendar, today: date, days_ahead: int) -> Check:
    """Holiday data for today, for the booking horizon and 30 days beyond it; a provisional
    year in that range is a warning until its official file replaces it."""
    horizon = today + timedelta(days=days_ahead)
    warn_from = horizon + timedelta(days=CALENDAR_WARNING_DAYS)
    missing = calendar.first_unknown_day(today, warn_from)
    if missing is not None:
        fix = (
            f"`{IMPORT_COMMAND}` with the State Council's notice for {missing.year} "
            f"(国务院办公厅关于{missing.year}年部分节假日安排的通知), writing "
            f"{UnknownYear(missing.year, calendar.directory_hint).path}"
        )
        if missing <= today:
            return Check("calendar", "fail", f"no holiday data for today ({today})", fix)
        if missing <= horizon:
            detail = f"no holiday data from {missing}: bookings up to {horizon} are refused"
        else:
            reached = missing - timedelta(days=days_ahead)
            detail = f"no holiday data from {missing}: bookings reach it on {reached}"
        return Check("calendar", "warn", detail, fix)
    drafts = calendar.provisional_years(today, warn_from)
    if drafts:
        year = drafts[0]
        return Check(
            "calendar",
            "warn",
            f"{year.year} is provisional (暂定, {year.origin}): shown as such at the kiosk, on "
            "the notice and at the booking desk",
            f"replace it with `{IMPORT_COMMAND}` once the notice for {year.year} is published",
        )
    return Check("calendar", "ok", f"holiday data known through {warn_from}")


def _store(url: str) -> Check:
    from sqlalchemy import text

    from kiosk.store.db import current_revision, head_revision, is_sqlite, make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            mode = ""
            if is_sqlite(engine):
                mode = ", journal " + str(
                    connection.exec_driver_sql("PRAGMA journal_mode").scalar()
                )
        current, head = current_revision(engine), head_revision()
    finally:
        engine.dispose()
    where = url.split("@")[-1] if "@" in url else url
    if current != head:
        return Check(
            "store",
            "warn",
            f"{where}: schema {current or 'empty'}, expected {head}",
            "run `kiosk db upgrade` (every role also does on start)",
        )
    return Check("store", "ok", f"{where}: schema {head}{mode}")


def _reader(port: str | None, baud: int) -> Check:
    if not port:
        return Check("reader", "skip", "no reader_port in the device settings")
    from hardware.idcard.driver import ReaderSettings, check_reader
    from kiosk.ports.card_reader import ReaderOffline

    try:
        check_reader(ReaderSettings(port=port, baudrate=baud))
    except ReaderOffline as error:
        return Check(
            "reader",
            "fail",
            str(error),
            "check the cable and power; `ls -l /dev/idcard`; the kiosk user needs the "
            "dialout group (deploy/udev/99-hall-kiosk.rules)",
        )
    return Check("reader", "ok", f"{port} at {baud} baud, SAM answers")


def _printer(url: str | None) -> Check:
    if not url:
        return Check("printer", "skip", "no printer_url in the device settings")
    from hardware.printer.driver import EscposPrinter

    status = EscposPrinter(url).status()
    text = f"{url}: online={status.online} paper={status.paper} cover_open={status.cover_open}"
    if status.paper == "out" or status.cover_open:
        return Check("printer", "fail", text, "load paper and close the cover")
    if not status.online:
        return Check(
            "printer",
            "fail",
            text,
            "check power, cable and the printer_url; `kiosk print status --printer URL --json`",
        )
    if status.paper in ("near_end", "unknown"):
        return Check(
            "printer",
            "warn",
            text,
            "keep a paper roll ready"
            if status.paper == "near_end"
            else "this printer cannot report paper; check it by eye",
        )
    return Check("printer", "ok", text)


def _voice() -> Check:
    if shutil.which("espeak-ng") is None:
        return Check(
            "voice",
            "fail",
            "espeak-ng is missing: calls would not be announced",
            "apt-get install espeak-ng",
        )
    player = shutil.which("paplay") or shutil.which("aplay")
    if player is None:
        return Check(
            "voice", "warn", "no audio player (paplay/aplay)", "apt-get install alsa-utils"
        )
    if Path(player).name == "aplay":
        listing = subprocess.run(
            [player, "-l"], capture_output=True, text=True, timeout=5, check=False
        )
        if "card" not in listing.stdout:
            return Check(
                "voice",
                "warn",
                "no sound card found (aplay -l)",
                "connect the speakers; only the hall display needs sound",
            )
    return Check("voice", "ok", f"espeak-ng and {Path(player).name}")


def _central(url: str | None, token: str | None, hall_id: str) -> Check:
    if not url:
        return Check("central", "skip", "no [central] url: bookings come only from this hall")
    import requests

    base = url.rstrip("/")
    try:
        health = requests.get(f"{base}/api/v1/health", timeout=5)
        health.raise_for_status()
        if not token:
            return Check(
                "central",
                "fail",
                f"{base} answers, but no token is configured",
                "`kiosk central add-device --hall HALL` on the central store, then set "
                "[central] token",
            )
        page = requests.get(
            f"{base}/api/v1/halls/{hall_id}/bookings",
            params={"since": 0, "limit": 1},
            headers={"Authorization": f"Bearer {token}"},
            timeout=5,
        )
    except requests.RequestException as error:
        return Check(
            "central",
            "fail",
            f"{base}: {type(error).__name__}",
            "check the network; the hall keeps working offline and catches up later",
        )
    if page.status_code in (401, 403):
        return Check(
            "central",
            "fail",
            f"{base}: token refused ({page.status_code})",
            "make a new device token for this hall",
        )
    if page.status_code != 200:
        return Check("central", "fail", f"{base}: HTTP {page.status_code}")
    return Check("central", "ok", f"{base}: reachable, token accepted for {hall_id}")


def _clock(central_url: str | None) -> Check:
    synced = None
    if shutil.which("timedatectl"):
        result = subprocess.run(
            ["timedatectl", "show", "-p", "NTPSynchronized", "--value"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
        if result.returncode == 0 and result.stdout.strip() in ("yes", "no"):
            synced = result.stdout.strip() == "yes"
    skew = None
    if central_url:
        import requests

        try:
            response = requests.get(f"{central_url.rstrip('/')}/api/v1/health", timeout=5)
            server = parsedate_to_datetime(response.headers["Date"])
            skew = abs((datetime.now(server.tzinfo) - server).total_seconds())
        except (requests.RequestException, KeyError, TypeError, ValueError):
            skew = None
    if skew is not None and skew > 60:
        return Check(
            "clock",
            "fail",
            f"{skew:.0f} s off the central store's clock",
            "enable NTP (systemd-timesyncd): booking deadlines are to the minute",
        )
    if synced is False:
        return Check(
            "clock", "warn", "NTP is not synchronised", "systemctl enable --now systemd-timesyncd"
        )
    detail = "NTP synchronised" if synced else "NTP state unknown"
    if skew is not None:
        detail += f", {skew:.0f} s from the central store"
    return Check(
        "clock",
        "ok" if synced or skew is not None else "warn",
        detail,
        "" if synced or skew is not None else "make sure an NTP client runs",
    )
