"""Database fixtures for tests that must pass on SQLite and on a real PostgreSQL server.

``database_url`` is parametrised: every test using it runs once on a fresh SQLite file and once
on PostgreSQL when ``KIOSK_TEST_POSTGRES_URL`` is set (e.g.
``postgresql+psycopg://postgres@127.0.0.1:5433/postgres``; ``.ci/run`` starts such a server).
Without it the PostgreSQL variant is skipped, saying why.

Isolation on PostgreSQL: each test session works in its own schema (``search_path`` is part of
the URL, so child processes of multi-process tests land in it too), migrated once; tables are
emptied between tests, which takes milliseconds where a fresh database would take a second.
The fixtures are registered for every test directory in ``tests/conftest.py``.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

PG_ENV = "KIOSK_TEST_POSTGRES_URL"
TABLES = (
    "events",
    "follow_up_states",
    "ratings",
    "tickets",
    "bookings",
    "windows",
    "counters",
    "hall_clock",
)


def postgres_url() -> str | None:
    return os.environ.get(PG_ENV) or None


def with_search_path(url: str, schema: str) -> str:
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options={quote(f'-csearch_path={schema}')}"


@pytest.fixture(scope="session")
def pg_schema_url() -> Iterator[str]:
    """A migrated schema of its own on the test PostgreSQL server, dropped at the end."""
    base = postgres_url()
    if base is None:
        pytest.skip(f"PostgreSQL tests need {PG_ENV} (a server URL); not set")
    from sqlalchemy import create_engine

    from kiosk.store.db import make_engine, upgrade

    schema = f"kiosk_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    url = with_search_path(base, schema)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies (migrating per test costs more)."""
    from kiosk.store.db import make_engine, upgrade

    path = tmp_path_factory.mktemp("sqlite-template") / "hall.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # the last connection to close folds the WAL back into the file
    assert not path.with_name(path.name + "-wal").exists()
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty, migrated hall store, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "hall.sqlite3"
        shutil.copyfile(template, target)
        yield f"sqlite:///{target}"
        return
    url: str = request.getfixturevalue("pg_schema_url")
    _empty(url)
    yield url


def _empty(url: str) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
    engine.dispose()
