"""Engine set-up and migrations for the two stores a hall can run on.

SQLite (one machine): WAL so the display can read while a kiosk writes, a busy timeout so
concurrent writers wait instead of failing, foreign keys on, and every transaction opened with
``BEGIN IMMEDIATE`` so two writers never both read the queue and then race to update it (the
deferred default would let both read, then fail one with "database is locked").

PostgreSQL (a hall with several machines): READ COMMITTED; ticket serials come from an atomic
``INSERT … ON CONFLICT DO UPDATE … RETURNING`` on the counter row, a call claims its ticket with
a guarded ``UPDATE … WHERE status = 'waiting'``, and event rows are numbered under a
transaction-level advisory lock so their sequence is also their commit order (see
``kiosk.store.repositories.record_event``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import Connection, make_url

from kiosk.store import errors
from kiosk.store.errors import ForeignDatabase, NewerStore, StoreError, StoreFault, where_of

__all__ = ["StoreError", "check_schema", "ensure_schema", "make_engine", "upgrade"]

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
SQLITE_BUSY_TIMEOUT_MS = 30_000
#: Alembic's bookkeeping table: its presence marks a database as this program's store.
VERSION_TABLE = "alembic_version"
#: The hall store's and the central store's (``sync/server``, which shares this engine set-up).
OUR_VERSION_TABLES = frozenset({VERSION_TABLE, "central_alembic_version"})


def make_engine(url: str, **options: Any) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            directory = Path(database).expanduser().parent
            try:
                directory.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise errors.StoreUnreachable(
                    where_of(url), f"cannot create its directory {directory}: {error.strerror}"
                ) from None
        engine = create_engine(
            parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **options
        )
        _sqlite_setup(engine)
        errors.install(engine)
        return engine
    if parsed.get_backend_name() == "postgresql":
        engine = create_engine(parsed, pool_pre_ping=True, **options)
        errors.install(engine)
        return engine
    raise StoreError(f"unsupported database {url!r}: use sqlite:/// or postgresql+psycopg://")


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver's own transaction handling would issue a deferred BEGIN; turn it off and
        # begin explicitly below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        # WAL is a setting stored in the file: switch only a new file or one of ours, so another
        # program's database is not changed before ``check_schema`` refuses it.
        tables = {row[0] for row in cursor.execute("SELECT name FROM sqlite_master")}
        if not tables or tables & OUR_VERSION_TABLES:
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        connection.exec_driver_sql(f"BEGIN {mode}")


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def alembic_config(connection: Connection | None = None) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(alembic_config())
    return {script.revision for script in scripts.walk_revisions()}


def check_schema(engine: Engine) -> str | None:
    """The store's revision, after making sure this program may touch it at all.

    Raises ``NewerStore`` for a revision this program does not know (a newer version migrated
    it: running the older migrations would fail or, worse, half-apply) and ``ForeignDatabase``
    for a database that holds other tables and no revision of ours (another program's SQLite
    file, or the wrong PostgreSQL database): adding the hall's tables to it would mix two
    programs' data.
    """
    current = current_revision(engine)
    if current is not None:
        if current not in known_revisions():
            raise NewerStore(where_of(engine.url), current, head_revision())
        return current
    from kiosk.store.models import Base

    ours = set(Base.metadata.tables) | {VERSION_TABLE}
    foreign = sorted(set(table_names(engine)) - ours)
    if foreign:
        raise ForeignDatabase(where_of(engine.url), foreign)
    return None


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> str | None:
    """Bring the schema to ``revision``; safe when several processes start at once.

    The whole upgrade runs in one transaction that first takes the store's write lock (SQLite:
    ``BEGIN IMMEDIATE``; PostgreSQL: an advisory lock), so a second process waits, then finds
    the schema current and does nothing.
    """
    from alembic import command

    check_schema(engine)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7318001)")
            command.upgrade(alembic_config(connection), revision)
    except StoreFault:
        raise
    except Exception as error:
        url = engine.url.render_as_string(hide_password=True)
        raise StoreError(f"cannot migrate the store at {url}: {error}") from error
    return current_revision(engine)


def ensure_schema(engine: Engine) -> None:
    """Run pending migrations; cheap when the store is already current (every role's start)."""
    try:
        current = check_schema(engine)
    except StoreFault:
        raise
    except Exception as error:
        url = engine.url.render_as_string(hide_password=True)
        raise StoreError(f"cannot open the store at {url}: {error}") from error
    if current != head_revision():
        upgrade(engine)


def table_names(engine: Engine) -> list[str]:
    return sorted(inspect(engine).get_table_names())
