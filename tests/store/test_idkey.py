"""The ID-hash key lives apart from the store: in the device's config directory, never readable
by every user, never in the data directory; a key left by an older version in the data directory
moves out on first use, and the hall still finds everyone it knew."""

from __future__ import annotations

import json
import stat
from datetime import date
from pathlib import Path

import pytest

from kiosk.app.cli.main import main
from kiosk.config import ConfigError
from kiosk.errors import ExitCode
from kiosk.settings import load_settings
from tests.services.people import id_number
from tests.store.test_settings import write

pytestmark = pytest.mark.usefixtures("clean_env")  # the same clean setup

OLD_KEY = "0123456789abcdef" * 4
HOLDER = id_number(date(1980, 5, 17), 123)


def test_a_key_left_in_the_data_directory_moves_out_and_still_matches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    data = tmp_path / "data" / "hall-kiosk"
    data.mkdir(parents=True)
    old = data / "id-hash.key"
    old.write_text(OLD_KEY + "\n")
    old.chmod(0o600)
    monkeypatch.setenv("KIOSK_HALL", "pinggu-district")
    # the older version's world: the key beside the store; book someone under it first
    monkeypatch.setenv("KIOSK_ID_HASH_KEY", OLD_KEY)
    argv = ["booking", "add", "--service", "social-insurance", "--slot", "2026-11-19T09:30"]
    argv += ["--id-number", HOLDER, "--name", "张小三", "--now", "2026-11-18T10:00"]
    assert main(argv) == ExitCode.OK
    monkeypatch.delenv("KIOSK_ID_HASH_KEY")

    settings = load_settings()
    new = tmp_path / "config" / "hall-kiosk" / "id-hash.key"
    assert settings.key_source.path == new and settings.key_source.migrated_from == old
    assert not old.exists() and stat.S_IMODE(new.stat().st_mode) == 0o640
    assert settings.id_hash_key == OLD_KEY.encode()
    capsys.readouterr()
    status = main(["checkin", "--id-number", HOLDER, "--now", "2026-11-19T09:10", "--json"])
    assert status == ExitCode.OK
    assert json.loads(capsys.readouterr().out)["outcome"] == "checked_in"  # same key, same hash


def test_a_key_readable_by_every_user_is_refused(tmp_path: Path) -> None:
    settings = load_settings()
    key_file = settings.key_source.path
    assert key_file is not None
    key_file.chmod(0o644)
    with pytest.raises(ConfigError, match=r"readable by every user .*chmod 0640"):
        load_settings()


def test_device_toml_holding_the_key_must_not_be_world_readable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, 'id_hash_key = "' + "k" * 40 + '"\n', monkeypatch)
    assert load_settings().key_source.kind == "device.toml"
    path.chmod(0o644)
    with pytest.raises(ConfigError, match=r"device\.toml, which holds the ID-hash key"):
        load_settings()


def test_a_key_file_in_the_data_directory_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inside = tmp_path / "data" / "hall-kiosk" / "keys" / "id-hash.key"
    write(tmp_path, f'id_hash_key_file = "{inside}"\n', monkeypatch)
    with pytest.raises(ConfigError, match="must not lie in the data directory"):
        load_settings()
    store_dir = tmp_path / "state"
    write(
        tmp_path,
        f'database_url = "sqlite:///{store_dir / "hall.sqlite3"}"\n'
        f'id_hash_key_file = "{store_dir / "id-hash.key"}"\n',
        monkeypatch,
    )
    with pytest.raises(ConfigError, match="beside the store"):
        load_settings()
    assert not inside.exists() and not (store_dir / "id-hash.key").exists()


def test_doctor_reports_where_the_key_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    named = tmp_path / "etc" / "id-hash.key"
    write(tmp_path, f'hall = "xixia"\nid_hash_key_file = "{named}"\n', monkeypatch)
    main(["doctor", "--json"])
    check = next(c for c in json.loads(capsys.readouterr().out)["checks"] if c["name"] == "id key")
    assert check["level"] == "ok" and str(named) in check["detail"] and "0640" in check["detail"]
    stray = tmp_path / "data" / "hall-kiosk" / "id-hash.key"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_text(OLD_KEY)
    main(["doctor", "--json"])
    check = next(c for c in json.loads(capsys.readouterr().out)["checks"] if c["name"] == "id key")
    assert check["level"] == "fail" and str(stray) in check["detail"]
