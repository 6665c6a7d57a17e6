"""Typed faults of the hall store: one line naming the store and what to do, and an exit status.

Every error the database driver raises (SQLite or PostgreSQL) is turned into one of these at the
engine (``install``, hooked by ``kiosk.store.db.make_engine``), so a command, a service, a screen
and the sync client all meet the same few faults instead of a driver traceback:

- ``DiskFull``: the disk holding the store is full; nothing was written (SQLite rolls the
  transaction back), and the store works again once space is freed;
- ``StoreDamaged``: the file's pages are damaged ("database disk image is malformed");
- ``NewerStore``: a newer version of this program migrated the store;
- ``ReadOnlyStore``: a read-only filesystem, or a file this user may not write;
- ``ForeignDatabase``: another program's database: refused, never touched;
- ``StoreUnreachable``: the store cannot be opened or its server does not answer;
- ``StoreFailed``: anything else (a disk I/O error with space left, a lock held too long).

``str(fault)`` is the operator's line (the CLI and the logs, English like the other operator
messages); ``fault.staff_text()`` is the short line a window console or the hall display shows,
in the screen's language.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import URL, ExceptionContext, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError

from kiosk.errors import ExitCode, KioskError
from kiosk.i18n import _

#: SQLite primary result codes (the low byte of the extended code).
SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY, SQLITE_CORRUPT = 5, 6, 8, 11
SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN, SQLITE_NOTADB = 10, 13, 14, 26
#: PostgreSQL SQLSTATEs: disk full, out of memory/resources, data and index corruption,
#: a read-only (standby) server.
PG_FULL = ("53100", "53000")
PG_DAMAGED = ("XX001", "XX002")
PG_READ_ONLY = ("25006",)
#: Below this much free space an SQLite I/O error is the disk running full: with a few KiB
#: left SQLite cannot create its WAL index (32 KiB) and says "disk I/O error", not "full".
FULL_BELOW_BYTES = 1024 * 1024


class StoreError(KioskError):
    """The store cannot be opened, migrated or used; the message says which and why."""

    exit_code = ExitCode.STORE_FAILED


class StoreFault(StoreError):
    """A fault of the store itself; ``code`` is stable for scripts and screens."""

    code = "store_failed"

    def __init__(self, where: str, line: str) -> None:
        self.where = where
        super().__init__(f"{where}: {line}")

    def staff_text(self) -> str:
        return _("排队系统存储故障，本次操作未执行，请联系管理员（kiosk doctor）")


class DiskFull(StoreFault):
    code = "disk_full"
    exit_code = ExitCode.STORE_FULL

    def __init__(self, where: str, free: int | None, directory: str | None) -> None:
        self.free = free
        left = (
            f"{format_bytes(free)} left in {directory}"
            if free is not None
            else "on the database server"
        )
        super().__init__(
            where,
            f"the disk is full ({left}): nothing was written; free space on that disk "
            "(old logs, old backups) and try again — `kiosk doctor` shows how much is free",
        )

    def staff_text(self) -> str:
        left = format_bytes(self.free) if self.free is not None else "?"
        text = _("排队系统磁盘已满（剩余 {free}），本次操作未执行，请联系管理员")
        return text.format(free=left)


class StoreDamaged(StoreFault):
    code = "damaged"
    exit_code = ExitCode.STORE_DAMAGED

    def __init__(self, where: str, detail: str) -> None:
        super().__init__(
            where,
            f"the store is damaged ({detail}): stop the hall's roles, run `kiosk db check`, "
            "then restore the newest backup (`kiosk db restore FILE`) or move the file aside",
        )

    def staff_text(self) -> str:
        return _("排队系统数据文件损坏，请联系管理员（kiosk db check）")


class NewerStore(StoreFault):
    code = "newer_schema"
    exit_code = ExitCode.STORE_NEWER

    def __init__(self, where: str, revision: str, head: str) -> None:
        self.revision = revision
        super().__init__(
            where,
            f"the store's schema is at revision {revision}, which this program does not know "
            f"(it knows up to {head}): this program is older than the store; install the "
            "hall-kiosk version the other machines run (do not downgrade the store)",
        )

    def staff_text(self) -> str:
        return _("本机程序版本比排队系统数据旧，请联系管理员升级本机程序")


class ReadOnlyStore(StoreFault):
    code = "read_only"
    exit_code = ExitCode.STORE_READ_ONLY

    def __init__(self, where: str, why: str) -> None:
        super().__init__(where, f"{why}: nothing was written")

    def staff_text(self) -> str:
        return _("排队系统存储为只读，本次操作未执行，请联系管理员")


class ForeignDatabase(StoreFault):
    code = "foreign_database"
    exit_code = ExitCode.STORE_FOREIGN

    def __init__(self, where: str, tables: list[str]) -> None:
        shown = ", ".join(tables[:5]) + (f" and {len(tables) - 5} more" if len(tables) > 5 else "")
        super().__init__(
            where,
            f"not a hall-kiosk store: it holds other tables ({shown}) and no hall-kiosk "
            "revision; refused without touching it — point database_url at a new file or an "
            "empty database",
        )

    def staff_text(self) -> str:
        return _("排队系统数据库配置错误，请联系管理员")


class StoreUnreachable(StoreFault):
    code = "unreachable"
    exit_code = ExitCode.STORE_UNREACHABLE

    def staff_text(self) -> str:
        return _("无法连接排队系统，请联系管理员")


class StoreFailed(StoreFault):
    code = "store_failed"


def format_bytes(count: int) -> str:
    value = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"


def sqlite_path(url: str | URL) -> Path | None:
    """The database file of an SQLite URL (None for memory or another backend)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).expanduser()


def where_of(url: str | URL | None) -> str:
    """How a message names the store: the SQLite file, or the server URL without password."""
    if url is None:
        return "the hall store"
    path = sqlite_path(url)
    if path is not None:
        return str(path)
    return make_url(url).render_as_string(hide_password=True)


def free_bytes(path: Path) -> int | None:
    """Free space for this user on the filesystem of ``path`` (its nearest existing parent)."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            return shutil.disk_usage(candidate).free
    return None


def _read_only_reason(path: Path) -> str | None:
    directory = path.parent
    if not directory.exists():
        return None
    if os.statvfs(directory).f_flag & os.ST_RDONLY:
        return (
            f"the filesystem holding {directory} is mounted read-only (the kernel does that "
            "after a disk error: see `dmesg`); remount it read-write or move the store"
        )
    for target in (path, directory):
        if target.exists() and not os.access(target, os.W_OK):
            return f"{target} is not writable by user {os.getuid()}: fix its owner or mode"
    return None


def write_fault(url: str | URL) -> StoreFault | None:
    """The fault a write to the SQLite store at ``url`` would meet now, seen without writing: a
    read-only filesystem or file, or a disk as full as one that gave ``DiskFull``. A screen that
    met one asks this before saying the fault is over (a read succeeds on a full or read-only
    disk). None when neither holds, and for PostgreSQL (only the server can say)."""
    path = sqlite_path(url)
    if path is None:
        return None
    reason = _read_only_reason(path)
    if reason is not None:
        return ReadOnlyStore(where_of(url), reason)
    free = free_bytes(path)
    if free is not None and free < FULL_BELOW_BYTES:
        return DiskFull(where_of(url), free, str(path.parent))
    return None


def fault_from(error: BaseException, url: str | URL | None) -> StoreFault | None:
    """The store fault a driver error means, or None for errors that are not faults of the store
    (a constraint violation is the caller's business)."""
    if isinstance(error, StoreFault):
        return error
    original = error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
    if isinstance(error, IntegrityError) or _is_integrity(original):
        return None
    if not isinstance(error, DBAPIError) and not _is_driver_error(original):
        return None
    where = where_of(url)
    text = str(original).strip()
    detail = text.splitlines()[0] if text else type(original).__name__
    code = getattr(original, "sqlite_errorcode", None)
    if code is not None:
        path = sqlite_path(url) if url is not None else None
        return _sqlite_fault(int(code) & 0xFF, detail, where, path)
    sqlstate = getattr(original, "sqlstate", None)
    if sqlstate in PG_FULL:
        return DiskFull(where, None, None)
    if sqlstate in PG_DAMAGED:
        return StoreDamaged(where, detail)
    if sqlstate in PG_READ_ONLY:
        return ReadOnlyStore(where, "the database server is read-only (a standby?)")
    if sqlstate is None and type(original).__name__ == "OperationalError":
        return StoreUnreachable(where, f"cannot reach the store: {detail}")
    return StoreFailed(where, f"the store failed: {detail}")


def _sqlite_fault(code: int, detail: str, where: str, path: Path | None) -> StoreFault:
    free = free_bytes(path) if path is not None else None
    directory = str(path.parent) if path is not None else None
    if code == SQLITE_FULL or (
        code == SQLITE_IOERR and free is not None and free < FULL_BELOW_BYTES
    ):
        return DiskFull(where, free, directory)
    if code in (SQLITE_CORRUPT, SQLITE_NOTADB):
        return StoreDamaged(where, detail)
    if code in (SQLITE_READONLY, SQLITE_CANTOPEN):
        reason = _read_only_reason(path) if path is not None else None
        if reason is not None:
            return ReadOnlyStore(where, reason)
        if code == SQLITE_READONLY:
            return ReadOnlyStore(where, f"the store refused a write ({detail})")
        missing = path is not None and not path.parent.exists()
        why = f"its directory {path.parent} does not exist" if missing and path else detail
        return StoreUnreachable(where, f"cannot open the store: {why}")
    if code == SQLITE_BUSY:
        return StoreFailed(
            where, f"another process held the store locked too long ({detail}); try again"
        )
    if code == SQLITE_LOCKED:
        return StoreFailed(where, f"a table of the store was locked ({detail}); try again")
    if code == SQLITE_IOERR:
        return StoreFailed(
            where,
            f"disk I/O error with {format_bytes(free or 0)} free: check the disk (`dmesg`), "
            "then run `kiosk db check`",
        )
    return StoreFailed(where, f"the store failed: {detail}")


def _is_integrity(error: BaseException) -> bool:
    return type(error).__name__ == "IntegrityError" or getattr(error, "sqlstate", "") in (
        "23505",
        "23503",
        "23502",
        "23514",
    )


def _is_driver_error(error: BaseException) -> bool:
    module = type(error).__module__ or ""
    return module.startswith(("sqlite3", "psycopg"))


def install(engine: Engine) -> None:
    """Raise a ``StoreFault`` in place of every driver error that is a fault of the store."""

    @event.listens_for(engine, "handle_error")
    def _translate(context: ExceptionContext) -> Any:
        if context.is_pre_ping:
            return None  # the pool reconnects a stale connection by itself
        fault = fault_from(context.sqlalchemy_exception or context.original_exception, engine.url)
        if fault is not None:
            raise fault from context.original_exception
        return None
