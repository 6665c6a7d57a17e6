"""``kiosk db upgrade|check|backup|restore``: the hall store's schema, health and backups.

Each works on the store the device settings name (``KIOSK_DATABASE_URL``). ``check`` exits 0
for a healthy store and with the fault's status otherwise (12 damaged, 13 newer, 15 foreign...,
see ``kiosk.errors``); ``restore`` refuses a damaged, foreign or newer backup the same way.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from kiosk.app.cli.common import add_json_flag, print_json
from kiosk.errors import ExitCode


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    db = subparsers.add_parser("db", help="the hall store: schema, check, backup, restore")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    upgrade = db_sub.add_parser("upgrade", help="create or migrate the store's tables")
    add_json_flag(upgrade)
    upgrade.set_defaults(handler=run_db_upgrade)

    check = db_sub.add_parser("check", help="check the store for damage (changes nothing)")
    check.add_argument(
        "--full", action="store_true", help="SQLite: integrity_check (slower than quick_check)"
    )
    add_json_flag(check)
    check.set_defaults(handler=run_db_check)

    backup = db_sub.add_parser("backup", help="copy the SQLite store while it is in use")
    backup.add_argument("--dir", type=Path, help="where to put it (default: backups/ beside it)")
    backup.add_argument("--keep", type=int, default=14, help="backups to keep (default 14)")
    add_json_flag(backup)
    backup.set_defaults(handler=run_db_backup)

    restore = db_sub.add_parser("restore", help="replace the store with a checked backup")
    restore.add_argument("backup", type=Path, help="a file made by `kiosk db backup`")
    add_json_flag(restore)
    restore.set_defaults(handler=run_db_restore)


def _url() -> str:
    from kiosk.settings import load_settings

    return load_settings().database_url


def run_db_upgrade(args: argparse.Namespace) -> int:
    from kiosk.store.db import make_engine, upgrade

    engine = make_engine(_url())
    try:
        revision = upgrade(engine)
    finally:
        engine.dispose()
    url = engine.url.render_as_string(hide_password=True)
    if args.json:
        print_json({"database": url, "revision": revision})
    else:
        print(f"{url}: schema at revision {revision}")
    return ExitCode.OK


def run_db_check(args: argparse.Namespace) -> int:
    from kiosk.store.maintenance import check_store

    result = check_store(_url(), full=args.full)
    if args.json:
        print_json(
            {
                "store": result.store,
                "ok": result.ok,
                "fault": result.fault.code if result.fault else None,
                "revision": result.revision,
                "head": result.head,
                "checked": result.checked,
                "findings": result.findings,
            }
        )
    else:
        for line in result.checked:
            print(f"✔ {line}")
        for line in result.findings:
            print(f"✘ {line}")
        if result.ok:
            print(f"{result.store}: no damage found")
        elif result.fault is None:
            print(
                f"{result.store}: DAMAGED — stop the hall's roles, then restore the newest "
                "backup (`kiosk db restore FILE`) or move the file aside"
            )
    return int(result.exit_code)


def run_db_backup(args: argparse.Namespace) -> int:
    from kiosk.store.maintenance import backup_store

    result = backup_store(_url(), args.dir, keep=args.keep)
    if args.json:
        print_json(
            {
                "backup": str(result.path),
                "bytes": result.bytes,
                "revision": result.revision,
                "seconds": round(result.seconds, 3),
                "removed": [str(path) for path in result.removed],
            }
        )
    else:
        print(f"{result.path}: {result.bytes} bytes, schema {result.revision}")
        for path in result.removed:
            print(f"removed old backup {path}")
    return ExitCode.OK


def run_db_restore(args: argparse.Namespace) -> int:
    from kiosk.store.maintenance import restore_store

    result = restore_store(_url(), args.backup)
    if args.json:
        print_json(
            {
                "store": str(result.store),
                "backup": str(result.backup),
                "revision": result.revision,
                "saved_as": str(result.saved_as) if result.saved_as else None,
                "counters_kept": result.counters_kept,
                "counters_lost": result.counters_lost,
            }
        )
    else:
        print(f"{result.store}: restored from {result.backup} (schema {result.revision})")
        if result.saved_as:
            print(f"the replaced store is kept as {result.saved_as}")
        if result.counters_lost:
            print(
                "warning: the replaced store's ticket counters could not be read: numbers "
                "issued today after the backup was taken may be issued again; check the queue"
            )
    return ExitCode.OK
