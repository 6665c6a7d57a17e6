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

CONFIG_ENV = "KIOSK_CONFIG_DIR"


class ConfigError(Exception):
    """A configuration file is missing, unreadable or wrong; the message says where."""


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
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read: {error.strerror}") from None


def format_validation_error(path: Path, error: ValidationError) -> str:
    lines = []
    for item in error.errors():
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
    def __init__(self, hall_id: str, known: Iterable[str]) -> None:
        self.hall_id = hall_id
        super().__init__(f"unknown hall {hall_id!r}; known halls: {', '.join(sorted(known))}")


def load_hall(hall_id: str, directory: Path | None = None) -> HallProfile:
    halls = load_halls(directory)
    try:
        return halls[hall_id]
    except KeyError:
        raise UnknownHall(hall_id, halls) from None


def load_calendar(directory: Path | None = None) -> HolidayCalendar:
    """The holiday calendar with the hall's calendar files (see ``kiosk.calendar_files``)."""
    from kiosk.calendar_files import load_calendar as load

    return load(directory)
