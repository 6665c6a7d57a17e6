"""Configuration files as a hall's IT staff save them: a Windows editor's BOM, a GBK file, a
mistyped timezone, a wrong value deep in a list, a hall that is not there. Each is read or refused
in one line naming the file (and the line and key where there is one)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kiosk.app.cli.main import main
from kiosk.config import ConfigError, config_dir, load_hall, load_hall_file
from kiosk.errors import ExitCode
from kiosk.settings import load_settings

SHIPPED = config_dir() / "halls" / "xixia.toml"


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the shipped configuration, named by ``KIOSK_CONFIG_DIR``."""
    copy = tmp_path / "config"
    shutil.copytree(config_dir(), copy)
    monkeypatch.setenv("KIOSK_CONFIG_DIR", str(copy))
    return copy


def test_a_bom_is_accepted_in_a_hall_file_and_in_device_toml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "xixia.toml"
    path.write_bytes(b"\xef\xbb\xbf" + SHIPPED.read_bytes())
    assert load_hall_file(path).name_zh == "西峡县政务服务中心"
    device = tmp_path / "device.toml"
    device.write_bytes('\ufeffhall = "xixia"\nterminal = "一号机"\n'.encode())
    monkeypatch.setenv("KIOSK_DEVICE_CONFIG", str(device))
    monkeypatch.setenv("KIOSK_ID_HASH_KEY", "e" * 32)
    assert load_settings().terminal == "一号机"


def test_gbk_bytes_name_the_file_line_and_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    path = tmp_path / "xixia.toml"
    path.write_bytes(SHIPPED.read_text(encoding="utf-8").encode("gb18030"))
    with pytest.raises(ConfigError) as error:
        load_hall_file(path)
    message = str(error.value)
    assert message.startswith(f"{path}: line ") and "not UTF-8" in message
    assert "GBK" in message and "save it as UTF-8" in message and "\n" not in message

    device = tmp_path / "device.toml"
    device.write_bytes('hall = "xixia"\nterminal = "一号机"\n'.encode("gbk"))
    monkeypatch.setenv("KIOSK_DEVICE_CONFIG", str(device))
    monkeypatch.setenv("KIOSK_ID_HASH_KEY", "e" * 32)
    assert main(["services"]) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert err.startswith(f"kiosk: {device}: line 2: terminal: not UTF-8 text (byte 0x")
    assert err.strip().endswith("the file looks GBK/GB18030): save it as UTF-8")


def test_utf16_is_refused_in_words(tmp_path: Path) -> None:
    path = tmp_path / "xixia.toml"
    path.write_bytes(SHIPPED.read_text(encoding="utf-8").encode("utf-16"))
    with pytest.raises(ConfigError, match="saved as UTF-16: save it as UTF-8"):
        load_hall_file(path)


def test_a_mistyped_timezone_is_refused_at_load(config: Path, capsys) -> None:
    path = config / "halls" / "xixia.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('"Asia/Shanghai"', '"Asia/Shangai"', 1), encoding="utf-8")
    assert main(["hours", "--hall", "xixia", "--date", "2026-11-20"]) == ExitCode.USAGE
    assert capsys.readouterr().err.strip() == (
        f"kiosk: {path}: timezone: unknown timezone 'Asia/Shangai'; did you mean 'Asia/Shanghai'?"
    )


def test_an_item_wrong_inside_a_list_is_one_line(config: Path) -> None:
    """The wrong time is the only problem; pydantic also reported the list it emptied."""
    path = config / "halls" / "xixia.toml"
    text = path.read_text(encoding="utf-8")
    wrong = text.replace(
        '"thu"], hours = ["08:00-11:00", "15:00-17:00"]', '"thu"], hours = ["08:00-25:00"]', 1
    )
    assert wrong != text
    path.write_text(wrong, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_hall_file(path)
    assert str(error.value) == (
        f"{path}: channels[0].hours[0].hours[0]: '25:00' is not a time of day written HH:MM"
    )


def test_a_missing_hall_file_names_the_config_directory(config: Path, capsys) -> None:
    with pytest.raises(ConfigError) as error:
        load_hall("xixai")
    assert f"{config.resolve() / 'halls' / 'xixai.toml'} not found" in str(error.value)
    assert "known halls: pinggu-district" in str(error.value)
