"""`kiosk doctor` against the simulated reader and printer, and on a broken machine."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from hardware.idcard.simulator import ReaderSimulator
from hardware.printer.simulator import PrinterSimulator
from kiosk.app.cli.doctor import diagnose
from kiosk.app.cli.main import main
from tests.calendar_fixtures import prepare


def _device(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    path = tmp_path / "device.toml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("KIOSK_DEVICE_CONFIG", str(path))
    monkeypatch.delenv("KIOSK_DATABASE_URL", raising=False)
    monkeypatch.delenv("KIOSK_HALL", raising=False)
    monkeypatch.setenv("KIOSK_ID_HASH_KEY", "d" * 40)


def test_healthy_kiosk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "hall.sqlite3"
    with ReaderSimulator(link=tmp_path / "idcard") as reader, PrinterSimulator() as printer:
        _device(
            tmp_path,
            monkeypatch,
            f'hall = "xixia"\ndatabase_url = "sqlite:///{db}"\n'
            f'reader_port = "{reader.url}"\nprinter_url = "{printer.url()}"\n',
        )
        assert main(["db", "upgrade"]) == 0
        checks = {c.name: c for c in diagnose(None, date(2026, 10, 1))}
    assert checks["config"].level == "ok" and "xixia" in checks["config"].detail
    assert checks["calendar"].level == "ok"
    assert checks["store"].level == "ok" and "journal wal" in checks["store"].detail
    assert checks["reader"].level == "ok" and "SAM answers" in checks["reader"].detail
    assert checks["printer"].level == "ok" and "paper=ok" in checks["printer"].detail
    assert checks["central"].level == "skip"


def test_broken_kiosk_says_what_to_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with PrinterSimulator() as printer:
        printer.set_paper_out()
        _device(
            tmp_path,
            monkeypatch,
            f'hall = "xixia"\ndatabase_url = "sqlite:///{tmp_path / "new.sqlite3"}"\n'
            f'reader_port = "{tmp_path / "no-such-reader"}"\nprinter_url = "{printer.url()}"\n',
        )
        # 2026-12-20: bookings (14 days ahead) reach 2027, which has no holiday data yet.
        status = main(["doctor", "--today", "2026-12-20", "--json"])
        document = json.loads(capsys.readouterr().out)
    assert status == 1 and document["ok"] is False
    checks = {c["name"]: c for c in document["checks"]}
    assert checks["calendar"]["level"] == "warn" and "2027.toml" in checks["calendar"]["fix"]
    assert "`kiosk calendar import`" in checks["calendar"]["fix"]
    assert checks["store"]["level"] == "warn" and "kiosk db upgrade" in checks["store"]["fix"]
    assert checks["reader"]["level"] == "fail" and "no-such-reader" in checks["reader"]["detail"]
    assert checks["printer"]["level"] == "fail" and "load paper" in checks["printer"]["fix"]


def test_bad_device_config_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    _device(tmp_path, monkeypatch, 'hall = "xixia"\nprinter = "usb"\n')
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "✘ config" in out and "printer: unknown key" in out


@pytest.mark.parametrize(
    ("today", "case", "level", "words"),
    [
        # Bookings reach 2027 on 18 December (14 days ahead); the warning starts 30 days
        # before, on 18 November.
        ("2026-11-17", "no-2027", "ok", "known through 2026-12-31"),
        ("2026-11-18", "no-2027", "warn", "bookings reach it on 2026-12-18"),
        ("2026-12-20", "no-2027", "warn", "bookings up to 2027-01-03 are refused"),
        ("2027-01-02", "no-2027", "fail", "no holiday data for today"),
        ("2026-12-20", "2027", "ok", "known through"),
        ("2026-12-20", "provisional-2027", "warn", "2027 is provisional (暂定"),
    ],
)
def test_calendar_check_warns_a_month_ahead_and_names_the_command(
    hall_calendar_dir: Path, today: str, case: str, level: str, words: str
) -> None:
    from kiosk.app.cli.doctor import _calendar
    from kiosk.calendar_files import load_calendar

    prepare(case, hall_calendar_dir)
    check = _calendar(load_calendar(), date.fromisoformat(today), 14)
    assert check.level == level and words in check.detail, check
    if level != "ok":
        assert "`kiosk calendar import`" in check.fix
