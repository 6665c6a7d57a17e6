"""Clerks in the hall file and ``kiosk staff``: PINs hashed, wrong entries named."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from kiosk.app.cli.main import main
from kiosk.config import ConfigError, load_hall_file
from kiosk.domain.staff import hash_pin, pin_matches

XIXIA = Path(__file__).resolve().parents[2] / "config" / "halls" / "xixia.toml"


def test_pin_hash_round_trip_and_cli(monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    stored = hash_pin("2580", iterations=1000)
    assert pin_matches(stored, "2580") and not pin_matches(stored, "2581")
    monkeypatch.setattr("sys.stdin", io.StringIO("246810\n"))
    assert main(["staff", "pin-hash", "--stdin"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("pbkdf2_sha256$") and "246810" not in line
    assert pin_matches(line, "246810")
    monkeypatch.setattr("sys.stdin", io.StringIO("12\n"))
    assert main(["staff", "pin-hash", "--stdin"]) != 0
    assert "4 to 12 digits" in capsys.readouterr().err


def _hall_with(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "halls" / "xixia.toml"
    path.parent.mkdir(parents=True)
    path.write_text(XIXIA.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return path


def test_clerks_and_reasons_in_the_hall_file(tmp_path: Path) -> None:
    pin = hash_pin("2580", iterations=1000)
    path = _hall_with(
        tmp_path,
        f'\n[rating]\npad_seconds = 20\nreasons = [{{ id = "queue", name_zh = "排队太久" }}]\n'
        f'\n[[clerks]]\nid = "0317"\nname_zh = "李娜"\npin = "{pin}"\n',
    )
    hall = load_hall_file(path)
    assert hall.rating.pad_seconds == 20 and hall.rating.reason("queue").name_zh == "排队太久"
    assert hall.clerk("0317").name_zh == "李娜"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('\n[[clerks]]\nid = "0317"\nname_zh = "李娜"\npin = "2580"\n', "pbkdf2_sha256$"),
        ('\n[[clerks]]\nid = "0317"\nname_zh = "李娜"\n', "clerks[0].pin"),
        ('\n[[clerks]]\nid = "03 17"\nname_zh = "李娜"\npin = "x"\n', "clerks[0].id"),
        ('\n[rating]\nreasons = [{ id = "a", name_zh = "甲" }, { id = "a", name_zh = "乙" }]\n',
         "listed twice"),
    ],
)  # fmt: skip
def test_wrong_clerks_or_reasons_are_named(tmp_path: Path, extra: str, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_hall_file(_hall_with(tmp_path, extra))
    assert message in str(error.value) and str(error.value).count("\n") < 3, str(error.value)
