"""A store in trouble, for real: a full disk, damaged pages, a newer schema, a read-only
filesystem, another program's database. Each is one line naming the file and what to do, a
distinct exit status, and nothing lost; once the fault is gone the store works again."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk.app.cli.main import main
from kiosk.errors import ExitCode
from tests.faultfs import damage, fill, remount, small_filesystem

NOW = "2026-11-19T09:{minute:02d}"
KEY = "faults-test-id-hash-key-0123456789abcdef"

Kiosk = Callable[..., tuple[int, str, str]]


@pytest.fixture
def kiosk_at(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys) -> Callable[[Path], Kiosk]:
    """``kiosk_at(db)(*argv)`` runs the ``kiosk`` command on the SQLite store ``db``."""
    monkeypatch.setenv("KIOSK_ID_HASH_KEY", KEY)
    monkeypatch.setenv("KIOSK_HALL", "pinggu-district")
    monkeypatch.delenv("KIOSK_DEVICE_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))

    def at(db: Path) -> Kiosk:
        def run(*argv: str) -> tuple[int, str, str]:
            monkeypatch.setenv("KIOSK_DATABASE_URL", f"sqlite:///{db}")
            status = main(list(argv))
            out, err = capsys.readouterr()
            return status, out, err

        return run

    return at


def take(kiosk: Kiosk, minute: int) -> tuple[int, str, str]:
    return kiosk(
        "ticket", "take", "--service", "social-insurance", "--now", NOW.format(minute=minute)
    )


def numbers(db: Path) -> list[str]:
    with sqlite3.connect(db) as connection:
        return [n for (n,) in connection.execute("SELECT number FROM tickets ORDER BY id")]


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_a_full_disk_is_one_line_with_the_space_left_and_loses_nothing(
    tmp_path: Path, kiosk_at: Callable[[Path], Kiosk]
) -> None:
    with small_filesystem(tmp_path / "small", 2048) as mount:
        db = mount / "hall.sqlite3"
        kiosk = kiosk_at(db)
        assert take(kiosk, 10)[0] == ExitCode.OK
        for leave in (48 * 1024, 4 * 1024):  # a few KiB left ("full"); none ("disk I/O error")
            filler = fill(mount, leave)
            for attempt in (
                take(kiosk, 11),
                kiosk("ticket", "call", "--window", "3", "--now", NOW.format(minute=12)),
            ):
                status, _out, err = attempt
                line = one_line(err)
                assert status == ExitCode.STORE_FULL, err
                assert str(db) in line and "the disk is full" in line and "left in" in line
                assert "Traceback" not in err
            filler.unlink()
            assert numbers(db) == ["B001"]  # nothing half-written
        status, out, _err = take(kiosk, 13)
        assert status == ExitCode.OK and out.startswith("B002")
        status, out, _ = kiosk("ticket", "call", "--window", "3", "--now", NOW.format(minute=14))
        assert status == ExitCode.OK and out.startswith("B001")


def test_doctor_warns_of_low_disk_space(tmp_path: Path, kiosk_at: Callable[[Path], Kiosk]) -> None:
    with small_filesystem(tmp_path / "small", 4096) as mount:
        kiosk = kiosk_at(mount / "hall.sqlite3")
        assert kiosk("db", "upgrade")[0] == ExitCode.OK
        status, out, _ = kiosk("doctor", "--json")
    assert status == ExitCode.FAILED
    disk = next(c for c in json.loads(out)["checks"] if c["name"] == "disk")
    assert disk["level"] == "fail" and "free of" in disk["detail"] and "free space" in disk["fix"]


def test_damaged_pages_name_the_file_and_the_way_out(
    tmp_path: Path, kiosk_at: Callable[[Path], Kiosk]
) -> None:
    db = tmp_path / "state" / "hall.sqlite3"
    kiosk = kiosk_at(db)
    for minute in (10, 11, 12):
        assert take(kiosk, minute)[0] == ExitCode.OK
    status, out, _ = kiosk("db", "backup", "--json")
    assert status == ExitCode.OK
    backup = Path(json.loads(out)["backup"])
    assert take(kiosk, 13)[0] == ExitCode.OK  # B004: after the backup
    damage(db)
    for argv in (
        ("queue", "--now", NOW.format(minute=20)),
        ("ticket", "take", "--service", "social-insurance", "--now", NOW.format(minute=20)),
    ):
        status, _out, err = kiosk(*argv)
        line = one_line(err)
        assert status == ExitCode.STORE_DAMAGED and str(db) in line
        assert "kiosk db check" in line and "kiosk db restore" in line
    status, out, _ = kiosk("db", "check")
    assert status == ExitCode.STORE_DAMAGED and "quick_check: On tree page" in out
    status, out, _ = kiosk("doctor", "--json")
    store = next(c for c in json.loads(out)["checks"] if c["name"] == "store")
    assert status == ExitCode.FAILED and store["level"] == "fail" and "damaged" in store["detail"]

    status, out, err = kiosk("db", "restore", str(backup))
    assert status == ExitCode.OK, err
    assert "before-restore" in out and "may be issued again" in out  # counters page was damaged
    assert kiosk("db", "check")[0] == ExitCode.OK
    assert numbers(db) == ["B001", "B002", "B003"]
    damaged = sorted(db.parent.glob("hall.sqlite3.before-restore-*"))
    assert damaged and damaged[0].stat().st_size > 0  # kept as it was, for a closer look


def test_restore_carries_the_counters_over_so_numbers_do_not_repeat(
    tmp_path: Path, kiosk_at: Callable[[Path], Kiosk]
) -> None:
    db = tmp_path / "state" / "hall.sqlite3"
    kiosk = kiosk_at(db)
    assert take(kiosk, 10)[0] == ExitCode.OK
    status, out, _ = kiosk("db", "backup", "--json")
    backup = Path(json.loads(out)["backup"])
    assert take(kiosk, 11)[0] == ExitCode.OK and take(kiosk, 12)[0] == ExitCode.OK
    damage(db, ("tickets",))  # the counters survive
    status, out, _ = kiosk("db", "restore", str(backup), "--json")
    assert status == ExitCode.OK and json.loads(out)["counters_kept"] == 1
    status, out, _ = take(kiosk, 13)
    assert out.startswith("B004")  # B002 and B003 were handed out before the damage


def test_restore_refuses_a_damaged_a_newer_and_a_foreign_backup(
    tmp_path: Path, kiosk_at: Callable[[Path], Kiosk]
) -> None:
    db = tmp_path / "state" / "hall.sqlite3"
    kiosk = kiosk_at(db)
    assert take(kiosk, 10)[0] == ExitCode.OK
    backups = tmp_path / "backups"
    status, out, _ = kiosk("db", "backup", "--dir", str(backups), "--json")
    good = Path(json.loads(out)["backup"])
    before = db.read_bytes()

    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(good.read_bytes())
    damage(damaged)
    newer = tmp_path / "newer.sqlite3"
    newer.write_bytes(good.read_bytes())
    with sqlite3.connect(newer) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0099_future'")
    connection.close()
    foreign = tmp_path / "foreign.sqlite3"
    with sqlite3.connect(foreign) as connection:
        connection.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    connection.close()
    for backup, expected, words in (
        (damaged, ExitCode.STORE_DAMAGED, "damaged"),
        (newer, ExitCode.STORE_NEWER, "newer than this program"),
        (foreign, ExitCode.STORE_FOREIGN, "not a hall-kiosk backup"),
        (tmp_path / "missing.sqlite3", ExitCode.USAGE, "no such backup"),
    ):
        status, _out, err = kiosk("db", "restore", str(backup))
        assert status == expected and words in one_line(err), err
    assert db.read_bytes() == before  # the live store untouched by every refusal


def test_a_newer_schema_says_this_program_is_older(
    tmp_path: Path, kiosk_at: Callable[[Path], Kiosk]
) -> None:
    db = tmp_path / "hall.sqlite3"
    kiosk = kiosk_at(db)
    assert take(kiosk, 10)[0] == ExitCode.OK
    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0099_future'")
    connection.close()
    for argv in (("queue",), ("db", "upgrade")):
        status, _out, err = kiosk(*argv)
        line = one_line(err)
        assert status == ExitCode.STORE_NEWER and "0099_future" in line
        assert "this program is older than the store" in line and "Can't locate" not in line
    status, out, _ = kiosk("doctor", "--json")
    store = next(c for c in json.loads(out)["checks"] if c["name"] == "store")
    assert store["level"] == "fail" and "kiosk db upgrade` cannot help" in store["fix"]


def test_another_programs_database_is_refused_untouched(
    tmp_path: Path, kiosk_at: Callable[[Path], Kiosk]
) -> None:
    db = tmp_path / "accounts.sqlite3"
    with sqlite3.connect(db) as connection:
        connection.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
        connection.execute("INSERT INTO customers (name) VALUES ('a')")
    connection.close()
    before = db.read_bytes()
    kiosk = kiosk_at(db)
    for argv in (("db", "upgrade"), ("ticket", "take", "--service", "social-insurance")):
        status, _out, err = kiosk(*argv)
        line = one_line(err)
        assert status == ExitCode.STORE_FOREIGN and "not a hall-kiosk store" in line
        assert "customers" in line
    assert db.read_bytes() == before
    with sqlite3.connect(db) as connection:
        tables = [n for (n,) in connection.execute("SELECT name FROM sqlite_master")]
    connection.close()
    assert tables == ["customers"]


def test_a_read_only_filesystem_says_so(tmp_path: Path, kiosk_at: Callable[[Path], Kiosk]) -> None:
    with small_filesystem(tmp_path / "ro", 4096) as mount:
        db = mount / "hall.sqlite3"
        kiosk = kiosk_at(db)
        assert take(kiosk, 10)[0] == ExitCode.OK
        remount(mount, "ro")
        try:
            for argv in (
                ("ticket", "take", "--service", "social-insurance", "--now", NOW.format(minute=11)),
                ("queue", "--now", NOW.format(minute=11)),
            ):
                status, _out, err = kiosk(*argv)
                line = one_line(err)
                assert status == ExitCode.STORE_READ_ONLY, err
                assert str(mount) in line and "read-only" in line
        finally:
            remount(mount, "rw")
        assert take(kiosk, 12)[1].startswith("B002")


def test_write_fault_sees_a_read_only_or_full_disk_without_writing(tmp_path: Path) -> None:
    # what a screen asks before it says a full or read-only disk is over (reads work on both)
    from kiosk.store.errors import DiskFull, ReadOnlyStore, write_fault

    with small_filesystem(tmp_path / "disk", 2048) as mount:
        url = f"sqlite:///{mount / 'hall.sqlite3'}"
        assert write_fault(url) is None
        remount(mount, "ro")
        try:
            fault = write_fault(url)
            assert isinstance(fault, ReadOnlyStore) and "read-only" in str(fault)
        finally:
            remount(mount, "rw")
        filler = fill(mount, 16 * 1024)
        fault = write_fault(url)
        assert isinstance(fault, DiskFull) and fault.free is not None and fault.free < 64 * 1024
        filler.unlink()
        assert write_fault(url) is None
    assert write_fault("postgresql+psycopg://hall@db/hall") is None  # only the server knows


def test_a_missing_directory_is_unreachable_not_a_traceback(
    tmp_path: Path, kiosk_at: Callable[[Path], Kiosk]
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    status, _out, err = kiosk_at(blocker / "hall.sqlite3")("queue")
    assert status == ExitCode.STORE_UNREACHABLE
    assert str(blocker) in one_line(err) and "Traceback" not in err
    assert os.path.isfile(blocker)
