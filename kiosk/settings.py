"""Device settings: what differs between the machines of a hall.

A hall profile (``config/halls``) says what the published rules are; this file says which hall
this machine belongs to and where its store, reader, printer and central booking store are.
It is read from ``$KIOSK_DEVICE_CONFIG`` or ``device.toml`` in the platform config directory
(``~/.config/hall-kiosk/device.toml`` on Linux)::

    hall = "pinggu-district"
    terminal = "kiosk-1"
    database_url = "postgresql+psycopg://kiosk@hall-server/hall"
    id_hash_key = "…at least 32 characters, the same on every machine of the hall…"
    reader_port = "/dev/ttyUSB0"
    printer_url = "usb://0x0416:0x5011"
    kiosk_voice = "clips"    # voice guidance: "clips" (default), "espeak" or "none" (off)
    kiosk_volume = 80        # its loudness in per cent (0-100; default 80)
    voice_clips = "/var/lib/hall-kiosk/voice"  # the hall's recorded clips, if it has some
    staff_pin = "2580"       # full-screen roles: staff leave with the hidden gesture and this PIN
    queue_page_url = "http://hall-server:8090"  # the QR code on tickets opens this page
    calendar_dir = "/var/lib/hall-kiosk/calendar"  # `kiosk calendar import` writes years here

    [central]
    url = "https://bookings.example.gov.cn"
    token = "…"

Environment variables win over the file: ``KIOSK_HALL``, ``KIOSK_DATABASE_URL``,
``KIOSK_ID_HASH_KEY``. The ID-hash key is a secret: ID numbers are matched by their HMAC under it,
so every terminal of a hall and the central store must share it. It is kept apart from the store
(``kiosk.idkey``): in the environment, in ``device.toml`` (then refused if every user may read
the file), or in ``id-hash.key`` beside ``device.toml`` (``id_hash_key_file`` names another
place), generated there once for a single demo machine.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.config import SettingsError, read_toml
from kiosk.idkey import (
    KEY_FILE_NAME,
    KeySource,
    check_key,
    load_key_file,
    refuse_if_world_readable,
)
from kiosk.idkey import MIN_KEY_LENGTH as MIN_KEY_LENGTH

APP_NAME = "hall-kiosk"
DEVICE_CONFIG_ENV = "KIOSK_DEVICE_CONFIG"
DATABASE_URL_ENV = "KIOSK_DATABASE_URL"
ID_HASH_KEY_ENV = "KIOSK_ID_HASH_KEY"
HALL_ENV = "KIOSK_HALL"
STAFF_PIN_ENV = "KIOSK_STAFF_PIN"

_KEYS = {
    "hall",
    "terminal",
    "database_url",
    "id_hash_key",
    "id_hash_key_file",
    "reader_port",
    "reader_baud",
    "printer_url",
    "kiosk_voice",
    "kiosk_volume",
    "voice_clips",
    "staff_pin",
    "queue_page_url",
    "calendar_dir",
    "central",
}
KIOSK_VOICES = ("none", "espeak", "clips")
_CENTRAL_KEYS = {"url", "token"}


@dataclass(frozen=True)
class CentralSettings:
    url: str | None = None
    token: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class DeviceSettings:
    hall: str | None
    database_url: str
    id_hash_key: bytes = field(repr=False)
    terminal: str = "kiosk"
    reader_port: str | None = None
    reader_baud: int = 115200
    printer_url: str | None = None
    kiosk_voice: str = "clips"
    kiosk_volume: int = 80
    voice_clips: Path | None = None
    staff_pin: str | None = field(default=None, repr=False)
    queue_page_url: str | None = None
    calendar_dir: Path | None = None
    central: CentralSettings = CentralSettings()
    source: Path | None = None
    key_source: KeySource = field(default_factory=lambda: KeySource("environment"))

    def require_hall(self, override: str | None = None) -> str:
        hall = override or self.hall
        if not hall:
            where = self.source or device_config_path()
            raise SettingsError(f"no hall chosen: pass --hall or set 'hall' in {where}")
        return hall


def data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


def config_home() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME, appauthor=False))


def device_config_path() -> Path:
    override = os.environ.get(DEVICE_CONFIG_ENV)
    return Path(override) if override else config_home() / "device.toml"


def default_database_url() -> str:
    return f"sqlite:///{data_dir() / 'hall.sqlite3'}"


def load_settings() -> DeviceSettings:
    """Read the device settings; a missing default file means a demo/single-machine set-up."""
    path = device_config_path()
    explicit = DEVICE_CONFIG_ENV in os.environ
    data: dict[str, Any] = {}
    if path.exists():
        data = read_toml(path)
    elif explicit:
        raise SettingsError(f"{path}: file not found (named by {DEVICE_CONFIG_ENV})")
    return settings_from(data, path if path.exists() else None)


def settings_from(data: dict[str, Any], source: Path | None) -> DeviceSettings:
    where = str(source) if source else "device settings"
    for name in data:
        if name not in _KEYS:
            raise SettingsError(
                f"{where}: {name}: unknown key; allowed: {', '.join(sorted(_KEYS))}"
            )
    hall = os.environ.get(HALL_ENV) or _text(data, "hall", where)
    database_url = (
        os.environ.get(DATABASE_URL_ENV)
        or _text(data, "database_url", where)
        or default_database_url()
    )
    if "://" not in database_url:
        raise SettingsError(f"{where}: database_url: {database_url!r} is not a database URL")
    key, key_source = _id_hash_key(data, where, source, database_url)
    central = data.get("central", {})
    if not isinstance(central, dict):
        raise SettingsError(f"{where}: central: expected a table [central]")
    for key_name in central:
        if key_name not in _CENTRAL_KEYS:
            raise SettingsError(f"{where}: central.{key_name}: unknown key; allowed: url, token")
    baud = data.get("reader_baud", 115200)
    if not isinstance(baud, int) or baud <= 0:
        raise SettingsError(f"{where}: reader_baud: expected a positive whole number")
    kiosk_voice = _text(data, "kiosk_voice", where) or "clips"
    if kiosk_voice not in KIOSK_VOICES:
        raise SettingsError(
            f"{where}: kiosk_voice: {kiosk_voice!r}; expected one of {', '.join(KIOSK_VOICES)}"
        )
    volume = data.get("kiosk_volume", 80)
    if not isinstance(volume, int) or isinstance(volume, bool) or not 0 <= volume <= 100:
        raise SettingsError(f"{where}: kiosk_volume: expected a whole number from 0 to 100")
    clips = _text(data, "voice_clips", where)
    if clips is not None and not Path(clips).is_dir():
        raise SettingsError(f"{where}: voice_clips: {clips} is not a folder")
    staff_pin = os.environ.get(STAFF_PIN_ENV) or _text(data, "staff_pin", where)
    if staff_pin is not None and not (
        staff_pin.isascii() and staff_pin.isdigit() and 4 <= len(staff_pin) <= 8
    ):
        raise SettingsError(f"{where}: staff_pin: expected 4 to 8 digits")
    queue_page_url = _text(data, "queue_page_url", where)
    if queue_page_url is not None and not queue_page_url.startswith(("http://", "https://")):
        raise SettingsError(f"{where}: queue_page_url: expected an http:// or https:// address")
    calendar_dir = _text(data, "calendar_dir", where)
    return DeviceSettings(
        hall=hall,
        database_url=database_url,
        id_hash_key=key,
        terminal=_text(data, "terminal", where) or "kiosk",
        reader_port=_text(data, "reader_port", where),
        reader_baud=baud,
        printer_url=_text(data, "printer_url", where),
        kiosk_voice=kiosk_voice,
        kiosk_volume=volume,
        voice_clips=Path(clips) if clips is not None else None,
        staff_pin=staff_pin,
        queue_page_url=queue_page_url,
        calendar_dir=Path(calendar_dir) if calendar_dir else None,
        central=CentralSettings(
            _text(central, "url", f"{where}: central"), _text(central, "token", f"{where}: central")
        ),
        source=source,
        key_source=key_source,
    )


def _text(data: dict[str, Any], key: str, where: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise SettingsError(f"{where}: {key}: expected a non-empty string")
    return value.strip()


def _id_hash_key(
    data: dict[str, Any], where: str, source: Path | None, database_url: str
) -> tuple[bytes, KeySource]:
    """The key and where it came from; see ``kiosk.idkey`` for the order and the checks."""
    text = os.environ.get(ID_HASH_KEY_ENV)
    if text:
        return check_key(text, ID_HASH_KEY_ENV), KeySource("environment")
    text = _text(data, "id_hash_key", where)
    if text:
        if source is not None:
            refuse_if_world_readable(source, "device.toml, which holds the ID-hash key,")
        return check_key(text, f"{where}: id_hash_key"), KeySource("device.toml", source)
    named = _text(data, "id_hash_key_file", where)
    path = Path(named).expanduser() if named else key_file_default()
    return load_key_file(path, state_dirs(database_url), data_dir() / KEY_FILE_NAME)


def key_file_default() -> Path:
    """``id-hash.key`` in the device's config directory (beside ``device.toml``)."""
    return device_config_path().parent / KEY_FILE_NAME


def state_dirs(database_url: str) -> list[Path]:
    """Directories the key must never lie in: the data directory and the SQLite store's."""
    from kiosk.store.errors import sqlite_path

    dirs = [data_dir()]
    path = sqlite_path(database_url)
    if path is not None:
        dirs.append(path.parent)
    return dirs


def local_key(directory: Path | None = None) -> bytes:
    """This machine's own key file (generated on first use, for a hall of one machine): in
    ``directory``, by default the device's config directory."""
    path = (directory / KEY_FILE_NAME) if directory is not None else key_file_default()
    key, _source = load_key_file(path, [data_dir()], data_dir() / KEY_FILE_NAME)
    return key
