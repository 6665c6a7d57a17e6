"""Device settings: file, environment, the ID-hash key and clear errors."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from kiosk.config import ConfigError
from kiosk.settings import SettingsError, load_settings, local_key

pytestmark = pytest.mark.usefixtures("clean_env")


def write(tmp_path: Path, body: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "device.toml"
    path.write_text(body, encoding="utf-8")
    path.chmod(0o640)  # as deployed: it may hold the ID-hash key
    monkeypatch.setenv("KIOSK_DEVICE_CONFIG", str(path))
    return path


def test_demo_machine_defaults_and_generated_key(tmp_path: Path) -> None:
    settings = load_settings()
    assert settings.hall is None
    assert settings.database_url == f"sqlite:///{tmp_path / 'data' / 'hall-kiosk' / 'hall.sqlite3'}"
    # apart from the store: in the device's config directory, not the data directory
    key_file = tmp_path / "config" / "hall-kiosk" / "id-hash.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o640
    assert not (tmp_path / "data" / "hall-kiosk" / "id-hash.key").exists()
    assert settings.key_source.path == key_file
    assert load_settings().id_hash_key == settings.id_hash_key  # generated once
    assert local_key(key_file.parent) == settings.id_hash_key
    with pytest.raises(SettingsError, match="pass --hall"):
        settings.require_hall()


def test_file_and_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(
        tmp_path,
        'hall = "xixia"\nterminal = "kiosk-2"\nid_hash_key = "' + "k" * 40 + '"\n'
        'database_url = "postgresql+psycopg://kiosk@hall-server/hall"\n'
        '[central]\nurl = "https://central.example"\ntoken = "secret"\n',
        monkeypatch,
    )
    settings = load_settings()
    assert (settings.hall, settings.terminal) == ("xixia", "kiosk-2")
    assert settings.id_hash_key == b"k" * 40 and "secret" not in repr(settings)
    assert settings.central.url == "https://central.example"
    monkeypatch.setenv("KIOSK_DATABASE_URL", "sqlite:////tmp/x.sqlite3")
    monkeypatch.setenv("KIOSK_ID_HASH_KEY", "e" * 32)
    monkeypatch.setenv("KIOSK_HALL", "pinggu-tax")
    settings = load_settings()
    assert settings.database_url == "sqlite:////tmp/x.sqlite3"
    assert settings.id_hash_key == b"e" * 32 and settings.require_hall() == "pinggu-tax"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('hal = "xixia"\n', "hal: unknown key"),
        ('id_hash_key = "short"\n', "id_hash_key: the ID-hash key must be at least 32"),
        ('database_url = "hall.db"\n', "database_url: 'hall.db' is not a database URL"),
        ("[central]\nurl = 3\n", "central: url: expected a non-empty string"),
        ("[central]\nuser = 'x'\n", "central.user: unknown key"),
        ("hall = ", "not valid TOML"),
    ],
)
def test_errors_name_file_and_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, message: str
) -> None:
    path = write(tmp_path, body, monkeypatch)
    with pytest.raises(ConfigError) as error:  # SettingsError, or the TOML reader's ConfigError
        load_settings()
    assert str(path) in str(error.value) and message in str(error.value)


def test_missing_named_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIOSK_DEVICE_CONFIG", str(tmp_path / "nope.toml"))
    with pytest.raises(SettingsError, match=r"nope\.toml: file not found"):
        load_settings()


def test_short_key_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIOSK_ID_HASH_KEY", "abc")
    with pytest.raises(SettingsError, match="KIOSK_ID_HASH_KEY"):
        load_settings()
