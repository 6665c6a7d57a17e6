"""``kiosk doctor``: check a machine before it serves the public, and say what to fix.

Each check is independent and quick (a few seconds at most), so a technician can run it on a
kiosk that misbehaves and read the answer off the screen: fonts, configuration, holiday data
for today and the coming weeks, the store, the ID-card reader, the printer, the voice, the
central booking store and the clock.
"""

from __future__ import annotations

import argparse
import shutil
import stat
import subprocess
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from kiosk.app.cli.common import add_json_flag, print_json
from kiosk.domain.calendar import IMPORT_COMMAND, HolidayCalendar, UnknownYear
from kiosk.errors import ExitCode

if TYPE_CHECKING:
    from kiosk.domain.hall import HallProfile
    from kiosk.settings import DeviceSettings

Level = Literal["ok", "warn", "fail", "skip"]
CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
MARKS = {"ok": "✔", "warn": "!", "fail": "✘", "skip": "-"}
#: Free space beside an SQLite store. See ``disk_warn_below`` and docs/troubleshooting.md.
DISK_FAIL_BELOW = 100 * 1024 * 1024
DISK_WARN_BELOW = 1024 * 1024 * 1024


@dataclass(frozen=True)
class Check:
    name: str
    level: Level
    detail: str
    fix: str = ""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    doctor = subparsers.add_parser("doctor", help="check this machine and say what to fix")
    doctor.add_argument("--hall", help="hall id (default: 'hall' of the device settings)")
    add_json_flag(doctor)
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
    return ExitCode.FAILED if any(c.level == "fail" for c in checks) else ExitCode.OK


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
    checks.append(_guard("id key", lambda: _id_key(settings)))
    checks.append(_guard("store", lambda: _store(settings.database_url)))
    checks.append(_guard("disk", lambda: _disk(settings.database_url)))
    checks.append(_guard("hall clock", lambda: _hall_clock(settings, hall)))
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
    from kiosk.store.errors import sqlite_path
    from kiosk.store.maintenance import check_store

    result = check_store(url)
    path = sqlite_path(url)
    if path is not None and not path.exists():
        return Check(
            "store", "warn", f"{path}: no store yet", "run `kiosk db upgrade` (every role does)"
        )
    if result.fault is not None:
        fixes = {
            "newer_schema": "install the hall-kiosk version the other machines run "
            "(`kiosk db upgrade` cannot help: this program is the older one)",
            "foreign_database": "point database_url at a new file or an empty database",
            "unreachable": "check the path or the database server and the network",
            "read_only": "remount the filesystem read-write, or fix the file's owner/mode",
            "disk_full": "free space on that disk",
            "damaged": "stop the roles; `kiosk db check`; `kiosk db restore` the newest backup",
        }
        return Check("store", "fail", str(result.fault), fixes.get(result.fault.code, ""))
    if not result.ok:
        return Check(
            "store",
            "fail",
            f"{result.store}: DAMAGED: {result.findings[0]}",
            "stop the hall's roles, then `kiosk db restore` the newest backup "
            "(`kiosk db check` lists the damage)",
        )
    checked = "; ".join(line for line in result.checked if not line.startswith("schema"))
    if result.revision != result.head:
        return Check(
            "store",
            "warn",
            f"{result.store}: schema {result.revision or 'empty'}, expected {result.head}",
            "run `kiosk db upgrade` (every role also does on start)",
        )
    return Check("store", "ok", f"{result.store}: schema {result.head}, {checked}")


def _disk(url: str) -> Check:
    from kiosk.store.errors import format_bytes
    from kiosk.store.maintenance import describe_space, disk_space

    space = disk_space(url)
    if space is None:
        return Check("disk", "skip", "PostgreSQL: watch the database server's disk (`df -h`)")
    text = describe_space(space)
    if space.free < DISK_FAIL_BELOW:
        return Check(
            "disk",
            "fail",
            text,
            f"free space now: under {format_bytes(DISK_FAIL_BELOW)} a busy morning can fill "
            "it and issuing stops (old logs, old backups: `kiosk db backup --keep`)",
        )
    if space.free < disk_warn_below(space.store_bytes):
        return Check(
            "disk",
            "warn",
            text,
            f"keep at least {format_bytes(disk_warn_below(space.store_bytes))} free "
            "(a month of a busy hall plus a backup of the store)",
        )
    return Check("disk", "ok", text)


def disk_warn_below(store_bytes: int) -> int:
    """Warn under a month of a busy hall's growth plus room for one more backup copy."""
    return max(DISK_WARN_BELOW, DISK_WARN_BELOW // 2 + 2 * store_bytes)


def _id_key(settings: DeviceSettings) -> Check:
    from kiosk.idkey import KEY_FILE_NAME, world_readable
    from kiosk.settings import data_dir

    source = settings.key_source
    old = data_dir() / KEY_FILE_NAME
    if old.exists():
        return Check(
            "id key",
            "fail",
            f"an ID-hash key still lies in the data directory ({old}), beside the store",
            f"move it: `install -m 0640 {old} <config dir>/{KEY_FILE_NAME} && rm {old}` "
            "(the same key, or the hall's stored hashes stop matching)",
        )
    if source.kind == "environment":
        return Check("id key", "ok", "from KIOSK_ID_HASH_KEY (keep its EnvironmentFile 0600)")
    assert source.path is not None
    mode = f"mode {stat.S_IMODE(source.path.stat().st_mode):04o}"
    if world_readable(source.path):  # load_settings refuses this; a race or a chmod since
        return Check("id key", "fail", f"{source.path} is readable by every user", "chmod 0640")
    moved = f", moved from {source.migrated_from}" if source.migrated_from else ""
    return Check("id key", "ok", f"{source.path} ({source.kind}, {mode}){moved}")


def _hall_clock(settings: DeviceSettings, hall: HallProfile) -> Check:
    from kiosk.clock import HallClock
    from kiosk.store import hallclock
    from kiosk.store.errors import sqlite_path
    from kiosk.store.hallstore import HallStore

    path = sqlite_path(settings.database_url)
    if path is not None and not path.exists():
        return Check("hall clock", "skip", "no store yet")
    from kiosk.config import load_calendar
    from kiosk.store.db import current_revision, head_revision

    store = HallStore.open(
        settings.database_url, hall, load_calendar(), settings.id_hash_key, migrate=False
    )
    try:
        if current_revision(store.engine) != head_revision():
            return Check("hall clock", "skip", "the store's schema is not current (see store)")
        with store.read() as session:
            state = hallclock.state(session, hall.id)
    finally:
        store.close()
    now = HallClock(hall.timezone).now()
    if state.latest_seen is None:
        return Check("hall clock", "ok", "the store has seen no time yet")
    if hallclock.is_behind(now, state.latest_seen):
        return Check(
            "hall clock",
            "fail",
            f"this machine says {now:%Y-%m-%d %H:%M}, the store has seen "
            f"{state.latest_seen:%Y-%m-%d %H:%M}: issuing and calling are refused",
            "correct this machine's clock (NTP); if the store's time is the wrong one, "
            "`kiosk clock confirm` on a machine with the right time",
        )
    return Check("hall clock", "ok", f"store's latest time {state.latest_seen:%Y-%m-%d %H:%M}")


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
