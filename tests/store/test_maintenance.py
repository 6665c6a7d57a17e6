"""``kiosk db check|backup|restore`` on a working hall: a backup taken while a kiosk keeps
issuing is whole and consistent, old ones are pruned, the nightly timer runs the command that
exists; a PostgreSQL store is checked through its catalogue and sent to ``pg_dump``."""

from __future__ import annotations

import configparser
import json
import shlex
import sqlite3
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from kiosk.app.cli.main import build_parser, main
from kiosk.errors import ExitCode
from kiosk.services import take_ticket
from kiosk.store.maintenance import backup_store, check_store, list_backups
from tests.hall_fixtures import StoreFactory

UNITS = Path(__file__).resolve().parents[2] / "deploy" / "systemd"
THURSDAY = datetime(2026, 11, 19, 9, 0)


def test_an_online_backup_is_whole_while_a_kiosk_keeps_issuing(
    make_store: StoreFactory, database_url: str, tmp_path: Path
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's online backup; PostgreSQL is backed up with pg_dump")
    kiosk = make_store()
    for minute in range(50):
        take_ticket(kiosk, "social-insurance", THURSDAY + timedelta(seconds=minute))
    stop = threading.Event()
    issued: list[str] = []

    def keep_issuing() -> None:
        moment = THURSDAY + timedelta(minutes=1)
        while not stop.is_set():
            moment += timedelta(seconds=1)
            ticket = take_ticket(kiosk, "social-insurance", moment).ticket
            assert ticket is not None
            issued.append(ticket.number)

    writer = threading.Thread(target=keep_issuing)
    writer.start()
    try:
        results = [backup_store(database_url, tmp_path / "backups", keep=2) for _ in range(3)]
    finally:
        stop.set()
        writer.join(60)
    assert issued  # the kiosk was never blocked for long
    kept = list_backups(tmp_path / "backups")
    assert kept == [results[2].path, results[1].path] and results[2].removed == [results[0].path]
    for result in results[1:]:
        with sqlite3.connect(f"file:{result.path}?mode=ro", uri=True) as copy:
            assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            count = copy.execute("SELECT count(*) FROM tickets").fetchone()[0]
            counter = copy.execute("SELECT value FROM counters WHERE prefix = 'B'").fetchone()[0]
        copy.close()
        assert count == counter >= 50  # a snapshot: every issued serial has its ticket
        assert oct(result.path.stat().st_mode & 0o777) == "0o600"


def test_check_reads_the_postgres_catalogue_and_backup_points_at_pg_dump(
    database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys
) -> None:
    result = check_store(database_url)
    assert result.ok and result.fault is None, result.findings
    if database_url.startswith("sqlite"):
        assert "quick_check: ok" in result.checked
        return
    assert any(line.startswith("catalogue:") for line in result.checked)
    assert "every row read" in result.checked
    monkeypatch.setenv("KIOSK_DATABASE_URL", database_url)
    monkeypatch.setenv("KIOSK_ID_HASH_KEY", "m" * 40)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.delenv("KIOSK_DEVICE_CONFIG", raising=False)
    assert main(["db", "check", "--json"]) == ExitCode.OK
    assert json.loads(capsys.readouterr().out)["ok"] is True
    assert main(["db", "backup"]) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert "pg_dump -Fc" in err and "pg_restore" in err and len(err.strip().splitlines()) == 1
    assert main(["db", "restore", str(tmp_path / "x.dump")]) == ExitCode.USAGE


def test_the_nightly_timer_runs_a_backup_command_that_exists() -> None:
    timer = configparser.ConfigParser(interpolation=None, strict=False)
    timer.read(UNITS / "hall-backup.timer", encoding="utf-8")
    assert timer["Timer"]["OnCalendar"] and timer["Timer"]["Persistent"] == "true"
    service = configparser.ConfigParser(interpolation=None, strict=False)
    service.read(UNITS / "hall-backup.service", encoding="utf-8")
    assert service["Service"]["Type"] == "oneshot"
    argv = shlex.split(service["Service"]["ExecStart"])
    assert Path(argv[0]).name == "kiosk"
    args = build_parser().parse_args(argv[1:])
    assert args.handler.__name__ == "run_db_backup" and args.keep == 14
