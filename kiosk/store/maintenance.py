"""Looking after the hall store: check it, back it up, restore a backup, count free space.

``kiosk db check`` and ``kiosk doctor`` ask ``check_store``; the nightly ``hall-backup.timer``
runs ``kiosk db backup``; ``kiosk db restore`` brings a backup back. SQLite is handled here in
full (``PRAGMA quick_check``/``integrity_check``, the online backup API, which copies a
consistent snapshot while kiosks keep writing). A PostgreSQL store is checked through its
catalogue and by reading every row; it is backed up with the server's own ``pg_dump``, whose
command ``postgres_backup_hint`` prints, because only the database server can take a consistent
dump of a busy hall without stopping it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import make_url

from kiosk.errors import ExitCode, KioskError
from kiosk.store.db import (
    VERSION_TABLE,
    check_schema,
    ensure_schema,
    head_revision,
    known_revisions,
    make_engine,
)
from kiosk.store.errors import (
    DiskFull,
    StoreFault,
    StoreUnreachable,
    format_bytes,
    free_bytes,
    sqlite_path,
    where_of,
)

#: How many problem lines a check reports (a badly damaged file has thousands).
MAX_FINDINGS = 10
BACKUP_PREFIX = "hall-"
BACKUP_SUFFIX = ".sqlite3"
#: The whole store in one step of the backup API: in WAL mode that step reads one consistent
#: snapshot while kiosks keep committing (readers never block writers). Copying in smaller steps
#: would restart the copy each time another connection commits, which in a busy hall could be
#: for ever.
BACKUP_STEP_PAGES = -1


class MaintenanceError(KioskError):
    """A maintenance command cannot do what was asked; the message says why and what to do."""

    exit_code = ExitCode.FAILED


class BackupRefused(MaintenanceError):
    """A backup that must not be restored: damaged, newer than this program, or not ours."""

    exit_code = ExitCode.REFUSED

    def __init__(self, message: str, exit_code: ExitCode = ExitCode.REFUSED) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class NeedsPostgresTools(MaintenanceError):
    exit_code = ExitCode.USAGE


# --- check ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckResult:
    store: str
    backend: str
    ok: bool
    revision: str | None
    head: str
    findings: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    fault: StoreFault | None = field(default=None, repr=False)

    @property
    def exit_code(self) -> ExitCode:
        if self.fault is not None:
            return self.fault.exit_code
        return ExitCode.OK if self.ok else ExitCode.STORE_DAMAGED


def check_store(url: str, *, full: bool = False) -> CheckResult:
    """Check the store at ``url`` without changing it.

    SQLite: ``PRAGMA quick_check`` (every page's structure; ``full`` runs ``integrity_check``,
    which also matches every index to its table and takes a few times longer) and
    ``foreign_key_check``. PostgreSQL: the tables, columns and indexes this program expects, a
    read of every row (a damaged page then raises), and ``amcheck`` on the indexes where the
    extension is installed. Both: the schema revision (a newer or a foreign database).
    """
    where = where_of(url)
    backend = make_url(url).get_backend_name()
    head = head_revision()
    path = sqlite_path(url)
    if path is not None and not path.exists():
        fault = StoreUnreachable(where, "no store file here yet (every role creates it on start)")
        return CheckResult(where, backend, False, None, head, [str(fault)], [], fault)
    engine = make_engine(url)
    findings: list[str] = []
    checked: list[str] = []
    revision = None
    try:
        revision = check_schema(engine)
        checked.append(f"schema {revision or 'empty'} (this program: {head})")
        if backend == "sqlite":
            _check_sqlite(engine, full, findings, checked)
        else:
            _check_postgres(engine, findings, checked)
    except StoreFault as fault:
        findings.append(str(fault))
        return CheckResult(where, backend, False, revision, head, findings, checked, fault)
    finally:
        engine.dispose()
    if revision is not None and revision != head:
        checked.append(f"schema behind by migrations: `kiosk db upgrade` brings it to {head}")
    return CheckResult(where, backend, not findings, revision, head, findings, checked)


def _check_sqlite(engine: Engine, full: bool, findings: list[str], checked: list[str]) -> None:
    pragma = "integrity_check" if full else "quick_check"
    with engine.connect() as connection:
        rows = [str(row[0]) for row in connection.exec_driver_sql(f"PRAGMA {pragma}")]
        if rows != ["ok"]:
            findings.extend(f"{pragma}: {line}" for line in problem_lines(rows)[:MAX_FINDINGS])
        else:
            checked.append(f"{pragma}: ok")
        journal = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
        checked.append(f"journal {journal}")
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            findings.append(f"foreign_key_check: {len(broken)} rows point at missing rows")
        else:
            checked.append("foreign_key_check: ok")


def _check_postgres(engine: Engine, findings: list[str], checked: list[str]) -> None:
    from kiosk.store.models import Base

    inspector = inspect(engine)
    present = set(inspector.get_table_names())
    for name, table in sorted(Base.metadata.tables.items()):
        if name not in present:
            findings.append(f"table {name} is missing")
            continue
        columns = {column["name"] for column in inspector.get_columns(name)}
        missing = sorted(set(table.columns.keys()) - columns)
        if missing:
            findings.append(f"table {name} lacks columns {', '.join(missing)}")
        indexes = {index["name"] for index in inspector.get_indexes(name)}
        for index in table.indexes:
            if index.name not in indexes:
                findings.append(f"index {index.name} of {name} is missing")
    checked.append(f"catalogue: {len(Base.metadata.tables)} tables")
    with engine.connect() as connection:
        for name in sorted(set(Base.metadata.tables) & present):
            connection.exec_driver_sql(f'SELECT count(*) FROM "{name}"').scalar()
        checked.append("every row read")
        has_amcheck = connection.exec_driver_sql(
            "SELECT 1 FROM pg_extension WHERE extname = 'amcheck'"
        ).first()
        if has_amcheck:
            connection.exec_driver_sql(
                "SELECT bt_index_check(c.oid) FROM pg_index i JOIN pg_class c"
                " ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam"
                " WHERE a.amname = 'btree' AND c.relnamespace = current_schema()::regnamespace"
            ).fetchall()
            checked.append("amcheck: indexes ok")
        else:
            checked.append("amcheck not installed: indexes not verified")


def problem_lines(rows: list[str]) -> list[str]:
    """The lines of an SQLite check's answer, without its "*** in database main ***" headers."""
    lines = [line.strip() for row in rows for line in row.splitlines()]
    return [line for line in lines if line and not line.startswith("***")] or ["unknown"]


# --- free space ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DiskSpace:
    directory: Path
    free: int
    total: int
    store_bytes: int


def disk_space(url: str) -> DiskSpace | None:
    """Free space beside an SQLite store (None for PostgreSQL: the server's disk, not ours)."""
    path = sqlite_path(url)
    if path is None:
        return None
    directory = path.parent
    while not directory.exists():
        directory = directory.parent
    usage = shutil.disk_usage(directory)
    size = sum(
        candidate.stat().st_size
        for candidate in (path, path.with_name(path.name + "-wal"))
        if candidate.exists()
    )
    return DiskSpace(directory, usage.free, usage.total, size)


# --- backup ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BackupResult:
    path: Path
    bytes: int
    revision: str | None
    seconds: float
    removed: list[Path]


def postgres_backup_hint(url: str) -> str:
    parsed = make_url(url)
    target = parsed.set(drivername="postgresql").render_as_string(hide_password=True)
    return (
        f"{where_of(url)} is a PostgreSQL store: back it up on the hall server with the "
        f"server's own tools, e.g. `pg_dump -Fc -f /var/backups/hall-$(date +%F).dump "
        f"'{target}'` (nightly, from the postgres user's crontab or a timer), and restore "
        "with `pg_restore --clean --if-exists -d DATABASE FILE`"
    )


def default_backup_dir(url: str) -> Path:
    path = sqlite_path(url)
    if path is None:
        raise NeedsPostgresTools(postgres_backup_hint(url))
    return path.parent / "backups"


def backup_store(url: str, directory: Path | None = None, *, keep: int = 14) -> BackupResult:
    """Copy the live SQLite store to ``directory/hall-YYYYMMDD-HHMMSS-mmm.sqlite3``.

    SQLite's online backup API copies a consistent snapshot while kiosks and consoles keep
    writing; the copy is checked (``quick_check``) before it gets its final name, so a backup
    file that exists is whole. The ``keep`` newest backups stay, older ones are removed.
    """
    path = sqlite_path(url)
    if path is None:
        raise NeedsPostgresTools(postgres_backup_hint(url))
    if keep < 1:
        raise MaintenanceError("--keep must be at least 1")
    if not path.exists():
        raise StoreUnreachable(where_of(url), "no store file to back up")
    directory = directory or default_backup_dir(url)
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o700)  # the store holds personal data (masked names, ID hashes)
    size = path.stat().st_size
    free = free_bytes(directory) or 0
    if free < size + size // 10:
        raise DiskFull(str(directory), free, str(directory))
    started = time.monotonic()
    now = datetime.now()
    stamp = f"{now:%Y%m%d-%H%M%S}-{now.microsecond // 1000:03d}"  # sorts in time order
    target = directory / f"{BACKUP_PREFIX}{stamp}{BACKUP_SUFFIX}"
    partial = target.with_name(f".{target.name}.partial")
    engine = make_engine(url)
    try:
        check_schema(engine)
    finally:
        engine.dispose()
    try:
        with _sqlite(path) as source, _sqlite(partial, create=True) as copy:
            source.backup(copy, pages=BACKUP_STEP_PAGES)
            verdict = copy.execute("PRAGMA quick_check").fetchone()[0]
            if verdict != "ok":
                raise MaintenanceError(
                    f"{where_of(url)}: the copy failed its check ({verdict}): the store itself "
                    "is probably damaged; run `kiosk db check`"
                )
            revision = _revision_of(copy)
        with open(partial, "rb") as handle:
            os.fsync(handle.fileno())
        os.chmod(partial, 0o600)
        os.replace(partial, target)
    except sqlite3.Error as error:
        raise _sqlite_fault(error, url) from error
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    removed = []
    for old in list_backups(directory)[keep:]:
        old.unlink()
        removed.append(old)
    return BackupResult(
        target, target.stat().st_size, revision, time.monotonic() - started, removed
    )


def list_backups(directory: Path) -> list[Path]:
    """The backups in ``directory``, newest first."""
    return sorted(directory.glob(f"{BACKUP_PREFIX}*{BACKUP_SUFFIX}"), reverse=True)


# --- restore ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RestoreResult:
    backup: Path
    store: Path
    revision: str | None
    saved_as: Path | None
    counters_kept: int
    """Ticket counters carried over from the replaced store (so numbers do not repeat)."""
    counters_lost: bool
    """The replaced store's counters could not be read: today's numbers may repeat."""


def check_backup(backup: Path) -> str:
    """The backup's revision, or ``BackupRefused`` saying why it must not be restored."""
    if not backup.is_file():
        raise BackupRefused(f"{backup}: no such backup file", ExitCode.USAGE)
    try:
        with _sqlite(backup, read_only=True) as connection:
            rows = [str(r[0]) for r in connection.execute("PRAGMA integrity_check").fetchall()]
            if rows != ["ok"]:
                first = next(line for line in problem_lines(rows))
                raise BackupRefused(
                    f"{backup}: the backup is damaged ({first}): restore an older one",
                    ExitCode.STORE_DAMAGED,
                )
            revision = _revision_of(connection)
    except sqlite3.DatabaseError as error:
        raise BackupRefused(
            f"{backup}: not a readable SQLite backup ({error}): restore another one",
            ExitCode.STORE_DAMAGED,
        ) from None
    if revision is None:
        raise BackupRefused(
            f"{backup}: not a hall-kiosk backup (no hall-kiosk revision in it)",
            ExitCode.STORE_FOREIGN,
        )
    if revision not in known_revisions():
        raise BackupRefused(
            f"{backup}: the backup is at revision {revision}, newer than this program "
            f"(it knows up to {head_revision()}): restore it with the newer version",
            ExitCode.STORE_NEWER,
        )
    return revision


def restore_store(url: str, backup: Path) -> RestoreResult:
    """Replace the SQLite store at ``url`` with ``backup``, keeping the replaced one aside.

    The backup is checked first (whole, ours, not newer). The current store, damaged or not, is
    saved beside itself as ``<name>.before-restore-<time>``; the backup is then copied in with
    the online backup API and migrated to this program's schema. The ticket counters of the
    replaced store are carried over where they can still be read, so numbers issued after the
    backup was taken are not handed out a second time.
    """
    path = sqlite_path(url)
    if path is None:
        raise NeedsPostgresTools(postgres_backup_hint(url))
    check_backup(backup)
    had_store = path.exists()
    counters = _readable_counters(path) if had_store else []
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    saved = None
    if path.exists():
        saved = path.with_name(f"{path.name}.before-restore-{stamp}")
        _set_aside(path, saved)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with _sqlite(backup, read_only=True) as source, _sqlite(path, create=True) as live:
            source.backup(live, pages=BACKUP_STEP_PAGES)
    except sqlite3.Error as error:
        raise _sqlite_fault(error, url) from error
    engine = make_engine(url)
    try:
        ensure_schema(engine)
        kept = _carry_counters(engine, counters)
    finally:
        engine.dispose()
    restored = _revision_at(path)
    return RestoreResult(backup, path, restored, saved, kept, had_store and counters is None)


def _set_aside(path: Path, saved: Path) -> None:
    """Move the store and its WAL files aside (renamed, so a damaged file is kept as it was)."""
    for suffix in ("", "-wal", "-shm"):
        source = path.with_name(path.name + suffix)
        if source.exists():
            os.replace(source, saved.with_name(saved.name + suffix))


def _readable_counters(path: Path) -> list[tuple[str, str, str, int]] | None:
    """The replaced store's ticket counters, or None when they cannot be trusted: a damaged
    page can read back as rows of garbage, and a garbage counter must not renumber a day."""
    try:
        with _sqlite(path, read_only=True) as connection:
            rows = connection.execute("SELECT hall_id, day, prefix, value FROM counters").fetchall()
    except sqlite3.Error:
        return None
    if not all(_sane_counter(row) for row in rows):
        return None
    return [(str(h), str(d), str(p), int(v)) for h, d, p, v in rows]


def _sane_counter(row: tuple[object, ...]) -> bool:
    hall_id, day, prefix, value = row
    try:
        date.fromisoformat(str(day))
    except ValueError:
        return False
    return (
        isinstance(hall_id, str)
        and bool(hall_id)
        and isinstance(prefix, str)
        and prefix.isalpha()
        and isinstance(value, int)
        and 0 < value < 100_000
    )


def _carry_counters(engine: Engine, counters: list[tuple[str, str, str, int]] | None) -> int:
    if not counters:
        return 0
    carried = 0
    with engine.begin() as connection:
        for hall_id, day, prefix, value in counters:
            result = connection.execute(
                text(
                    "INSERT INTO counters (hall_id, day, prefix, value)"
                    " VALUES (:hall_id, :day, :prefix, :value)"
                    " ON CONFLICT (hall_id, day, prefix) DO UPDATE SET value = excluded.value"
                    " WHERE counters.value < excluded.value"
                ),
                {"hall_id": hall_id, "day": day, "prefix": prefix, "value": value},
            )
            carried += int(result.rowcount or 0)
    return carried


def _revision_at(path: Path) -> str | None:
    with _sqlite(path, read_only=True) as connection:
        return _revision_of(connection)


def _revision_of(connection: sqlite3.Connection) -> str | None:
    row = connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?", (VERSION_TABLE,)
    ).fetchone()
    if row is None:
        return None
    version = connection.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchone()
    return str(version[0]) if version else None


@contextlib.contextmanager
def _sqlite(
    path: Path, *, read_only: bool = False, create: bool = False
) -> Iterator[sqlite3.Connection]:
    mode = "ro" if read_only else ("rwc" if create else "rw")
    connection = sqlite3.connect(f"file:{path}?mode={mode}", uri=True, timeout=30)
    try:
        yield connection
    finally:
        connection.close()


def _sqlite_fault(error: sqlite3.Error, url: str) -> StoreFault:
    from kiosk.store.errors import StoreFailed, fault_from

    return fault_from(error, url) or StoreFailed(where_of(url), str(error))


def describe_space(space: DiskSpace) -> str:
    return (
        f"{format_bytes(space.free)} free of {format_bytes(space.total)} in {space.directory}; "
        f"the store takes {format_bytes(space.store_bytes)}"
    )
