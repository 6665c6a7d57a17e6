"""Loading the shipped configuration: hall profiles (calendar files: ``kiosk.calendar_files``).

Every error names the file and the key (or TOML line) that is wrong, because the person fixing
it is a hall's IT staff member with a text editor, not a developer with a debugger.
"""

from __future__ import annotations

import os
import sys
import tomllib
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kiosk.domain.calendar import HolidayCalendar
from kiosk.domain.hall import HallProfile
from kiosk.errors import ExitCode, KioskError

CONFIG_ENV = "KIOSK_CONFIG_DIR"


class ConfigError(KioskError):
    """A configuration file is missing, unreadable or wrong; the message says where."""

    exit_code = ExitCode.USAGE


class SettingsError(ConfigError):
    """The device configuration is wrong; the message names the file and the key
    (``kiosk.settings``, ``kiosk.idkey``)."""


def config_dir() -> Path:
    """Where the configuration lives: ``$KIOSK_CONFIG_DIR``, the source checkout's ``config/``,
    or the copy installed under ``<prefix>/share/hall-kiosk/config``."""
    override = os.environ.get(CONFIG_ENV)
    if override:
        path = Path(override)
        if not path.is_dir():
            raise ConfigError(f"{CONFIG_ENV}={override} is not a directory")
        return path
    candidates = [
        Path(__file__).resolve().parent.parent / "config",
        Path(sys.prefix) / "share" / "hall-kiosk" / "config",
    ]
    for candidate in candidates:
        if (candidate / "halls").is_dir():
            return candidate
    raise ConfigError(
        "configuration not found; set "
        f"{CONFIG_ENV} or install the package with its config/ folder "
        f"(looked in {', '.join(str(c) for c in candidates)})"
    )


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML file read as bytes and decoded as UTF-8 (a leading BOM, as Windows editors
    write, is accepted); any other encoding is an error naming the file, line and key."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read: {error.strerror}") from None
    text = decode_utf8(path, raw)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None


def decode_utf8(path: Path, raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ConfigError(f"{path}: saved as UTF-16: save it as UTF-8 (without BOM)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        start = raw.rfind(b"\n", 0, error.start) + 1
        end = raw.find(b"\n", error.start)
        line_bytes = raw[start : end if end != -1 else len(raw)]
        line = raw.count(b"\n", 0, error.start) + 1
        key = (
            line_bytes.split(b"=", 1)[0].strip().decode("ascii", "replace")
            if b"=" in line_bytes
            else ""
        )
        where = f"{path}: line {line}" + (f": {key}" if key else "")
        guess = "GBK/GB18030" if _is_gb18030(raw) else "not UTF-8"
        raise ConfigError(
            f"{where}: not UTF-8 text (byte 0x{raw[error.start]:02X} at column "
            f"{error.start - start + 1}; the file looks {guess}): save it as UTF-8"
        ) from None


def _is_gb18030(raw: bytes) -> bool:
    try:
        raw.decode("gb18030")
    except UnicodeDecodeError:
        return False
    return True


def check_timezone(path: Path, key: str, name: str) -> None:
    """An IANA timezone name this machine knows, else an error suggesting the nearest one."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        import difflib

        close = difflib.get_close_matches(name, sorted(available_timezones()), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else " (e.g. 'Asia/Shanghai')"
        raise ConfigError(f"{path}: {key}: unknown timezone {name!r}{hint}") from None


def format_validation_error(path: Path, error: ValidationError) -> str:
    lines = []
    items = error.errors()
    locs = [tuple(item.get("loc", ())) for item in items]
    for item in items:
        loc = tuple(item.get("loc", ()))
        if any(len(other) > len(loc) and other[: len(loc)] == loc for other in locs):
            continue  # a container refused because an item inside it was: the item says why
        key = _format_loc(item.get("loc", ()))
        message = str(item.get("msg", "invalid"))
        message = message.removeprefix("Value error, ")
        if item.get("type") == "extra_forbidden":
            message = "unknown key"
        elif item.get("type") == "literal_error" and "mon" in message:
            message = f"unknown weekday {item.get('input')!r}; use mon tue wed thu fri sat sun"
        lines.append(f"{path}: {key}: {message}" if key else f"{path}: {message}")
    return "\n".join(lines)


def _format_loc(loc: Iterable[Any]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif str(part).startswith("function-") or part in ("str", "tuple[...]"):
            continue
        else:
            text += f".{part}" if text else str(part)
    return text


def load_hall_file(path: Path) -> HallProfile:
    data = read_toml(path)
    try:
        profile = HallProfile.model_validate(data)
    except ValidationError as error:
        raise ConfigError(format_validation_error(path, error)) from None
    if profile.id != path.stem:
        raise ConfigError(f"{path}: id: {profile.id!r} must match the file name {path.stem!r}")
    check_timezone(path, "timezone", profile.timezone)
    return profile


@cache
def _load_halls(directory: Path) -> dict[str, HallProfile]:
    halls_dir = directory / "halls"
    if not halls_dir.is_dir():
        raise ConfigError(f"{halls_dir}: hall profile directory not found")
    halls = {}
    for path in sorted(halls_dir.glob("*.toml")):
        profile = load_hall_file(path)
        halls[profile.id] = profile
    if not halls:
        raise ConfigError(f"{halls_dir}: no hall profiles (*.toml)")
    return halls


def load_halls(directory: Path | None = None) -> dict[str, HallProfile]:
    return dict(_load_halls((directory or config_dir()).resolve()))


class UnknownHall(ConfigError):
    def __init__(self, hall_id: str, known: Iterable[str], halls_dir: Path | None = None) -> None:
        self.hall_id = hall_id
        where = f" ({halls_dir / f'{hall_id}.toml'} not found)" if halls_dir else ""
        super().__init__(
            f"unknown hall {hall_id!r}{where}; known halls: {', '.join(sorted(known))}"
        )


def load_hall(hall_id: str, directory: Path | None = None) -> HallProfile:
    directory = (directory or config_dir()).resolve()
    halls = load_halls(directory)
    try:
        return halls[hall_id]
    except KeyError:
        raise UnknownHall(hall_id, halls, directory / "halls") from None


def load_calendar(directory: Path | None = None) -> HolidayCalendar:
    """The holiday calendar with the hall's calendar files (see ``kiosk.calendar_files``)."""
    from kiosk.calendar_files import load_calendar as load

    return load(directory)
