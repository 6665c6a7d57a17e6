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
so every terminal of a hall and the central store must share it. A single demo machine without
one gets a random key generated once into the platform data directory (mode 0600).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.config import ConfigError, read_toml

APP_NAME = "hall-kiosk"
DEVICE_CONFIG_ENV = "KIOSK_DEVICE_CONFIG"
DATABASE_URL_ENV = "KIOSK_DATABASE_URL"
ID_HASH_KEY_ENV = "KIOSK_ID_HASH_KEY"
HALL_ENV = "KIOSK_HALL"
STAFF_PIN_ENV = "KIOSK_STAFF_PIN"
MIN_KEY_LENGTH = 32
KEY_FILE_NAME = "id-hash.key"

_KEYS = {
    "hall",
    "terminal",
    "database_url",
    "id_hash_key",
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


class SettingsError(ConfigError):
    """The device configuration is wrong; the message names the file and the key."""


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
    for key in data:
        if key not in _KEYS:
            raise SettingsError(f"{where}: {key}: unknown key; allowed: {', '.join(sorted(_KEYS))}")
    hall = os.environ.get(HALL_ENV) or _text(data, "hall", where)
    database_url = (
        os.environ.get(DATABASE_URL_ENV)
        or _text(data, "database_url", where)
        or default_database_url()
    )
    if "://" not in database_url:
        raise SettingsError(f"{where}: database_url: {database_url!r} is not a database URL")
    key_text = os.environ.get(ID_HASH_KEY_ENV)
    key_where = ID_HASH_KEY_ENV
    if not key_text:
        key_text = _text(data, "id_hash_key", where)
        key_where = f"{where}: id_hash_key"
    key = _check_key(key_text, key_where) if key_text else local_key()
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
    )


def _text(data: dict[str, Any], key: str, where: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise SettingsError(f"{where}: {key}: expected a non-empty string")
    return value.strip()


def _check_key(text: str, where: str) -> bytes:
    if len(text) < MIN_KEY_LENGTH:
        raise SettingsError(
            f"{where}: the ID-hash key must be at least {MIN_KEY_LENGTH} characters "
            "(e.g. the output of `python -c 'import secrets; print(secrets.token_hex(32))'`)"
        )
    return text.encode("utf-8")


def local_key(directory: Path | None = None) -> bytes:
    """This machine's own key, generated on first use, for a hall of one machine."""
    directory = directory or data_dir()
    path = directory / KEY_FILE_NAME
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        # Written whole to a private temporary file, then linked into place: a second process
        # starting at the same moment either wins the link or reads the complete winner.
        temporary = directory / f".{KEY_FILE_NAME}.{os.getpid()}"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(32) + "\n")
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    try:
        text = path.read_text(encoding="ascii").strip()
    except OSError as error:
        raise SettingsError(f"{path}: cannot read the ID-hash key: {error.strerror}") from None
    return _check_key(text, str(path))
