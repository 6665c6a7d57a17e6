"""How a central booking store is set up: its database, the halls it serves and the ID-hash key.

The key must be the one every kiosk of the halls uses (``KIOSK_ID_HASH_KEY``, see
``kiosk.settings``): a booking made here is found at the kiosk by the HMAC of the holder's ID
number, so a different key means no booking is ever found.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from kiosk.clock import Clock, HallClock
from kiosk.config import SettingsError, load_calendar, load_halls
from kiosk.domain.calendar import HolidayCalendar
from kiosk.domain.hall import HallProfile
from kiosk.settings import ID_HASH_KEY_ENV, MIN_KEY_LENGTH, data_dir, local_key

CENTRAL_DATABASE_URL_ENV = "KIOSK_CENTRAL_DATABASE_URL"


def default_database_url() -> str:
    return f"sqlite:///{data_dir() / 'central.sqlite3'}"


@dataclass(frozen=True)
class ServerSettings:
    """Everything ``create_app`` needs; tests pass a ``FixedClock`` as ``clock``."""

    database_url: str
    id_hash_key: bytes = field(repr=False)
    halls: dict[str, HallProfile]
    calendar: HolidayCalendar
    clock: Clock | None = None
    staff_session_hours: int = 12
    secure_cookies: bool = False

    def __post_init__(self) -> None:
        if len(self.id_hash_key) < MIN_KEY_LENGTH:
            raise SettingsError(
                f"the ID-hash key must be at least {MIN_KEY_LENGTH} characters ({ID_HASH_KEY_ENV})"
            )

    def now(self, hall: HallProfile) -> datetime:
        """The hall's wall-clock time: the rules are written in it."""
        return (self.clock or HallClock(hall.timezone)).now()


def load_server_settings(
    database_url: str | None = None, config_dir: Path | None = None
) -> ServerSettings:
    """Settings from the command line and the environment; a demo machine without a key shares
    the kiosk's own generated key (``kiosk.settings.local_key``), so both sides hash alike."""
    url = database_url or os.environ.get(CENTRAL_DATABASE_URL_ENV) or default_database_url()
    if "://" not in url:
        raise SettingsError(f"database URL {url!r} is not a URL (sqlite:///… or postgresql+…)")
    key_text = os.environ.get(ID_HASH_KEY_ENV)
    if key_text:
        if len(key_text) < MIN_KEY_LENGTH:
            raise SettingsError(
                f"{ID_HASH_KEY_ENV}: the ID-hash key must be at least {MIN_KEY_LENGTH} characters"
            )
        key = key_text.encode("utf-8")
    else:
        key = local_key()
    return ServerSettings(
        database_url=url,
        id_hash_key=key,
        halls=load_halls(config_dir),
        calendar=load_calendar(config_dir),
    )
