"""Central-store fixtures shared by the central store and the sync client tests (registered in
tests/conftest.py): a fresh store per test on SQLite, and on PostgreSQL when
``KIOSK_TEST_POSTGRES_URL`` is set (a database of its own per test module, so these tests never
meet the hall store's tables on a shared server). ``central_url`` is the store's URL (the hall
store's is ``database_url``, from tests/pg.py)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from kiosk.clock import FixedClock
from kiosk.config import load_calendar, load_halls
from kiosk.domain.identity import check_digit
from sync.server.app import Central, open_central
from sync.server.auth import add_device, revoke_device
from sync.server.models import Base
from sync.server.settings import ServerSettings

KEY = b"central-test-key-0123456789abcdef-0123"
#: Monday 2026-11-23 09:00: Xixia's phone line is open (Mon-Thu 08:00-11:00).
MONDAY_MORNING = datetime(2026, 11, 23, 9, 0)
POSTGRES_ENV = "KIOSK_TEST_POSTGRES_URL"


def person(serial: int) -> str:
    """A valid 18-digit citizen ID number (check digit right) for test person ``serial``."""
    first17 = f"41032319800101{serial % 1000:03d}"
    return first17 + check_digit(first17)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database_root(request: pytest.FixtureRequest, tmp_path_factory: Any) -> Iterator[str]:
    """Where this module's stores live: a directory for SQLite, a database for PostgreSQL."""
    if request.param == "sqlite":
        yield "sqlite:" + str(tmp_path_factory.mktemp("central"))
        return
    server = os.environ.get(POSTGRES_ENV)
    if not server:
        pytest.skip(f"{POSTGRES_ENV} not set: no PostgreSQL server for the central store tests")
    name = f"central_{secrets.token_hex(6)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


_TABLES = ", ".join(t.name for t in reversed(Base.metadata.sorted_tables))


@pytest.fixture
def central_url(database_root: str, tmp_path: Path) -> Iterator[str]:
    if database_root.startswith("sqlite:"):
        yield f"sqlite:///{tmp_path / 'central.sqlite3'}"
        return
    yield database_root
    engine = create_engine(database_root)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {_TABLES} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(scope="session")
def halls() -> dict[str, Any]:
    return load_halls()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(MONDAY_MORNING)


@pytest.fixture
def settings(central_url: str, clock: FixedClock, halls: dict[str, Any]) -> ServerSettings:
    return ServerSettings(
        database_url=central_url,
        id_hash_key=KEY,
        halls=halls,
        calendar=load_calendar(),
        clock=clock,
    )


@pytest.fixture
def central(settings: ServerSettings) -> Iterator[Central]:
    store = open_central(settings)
    yield store
    store.close()


@dataclass
class Devices:
    central: Central

    def token(self, hall: str, name: str = "kiosk-1") -> str:
        with self.central.transaction() as session:
            _device, token = add_device(session, hall, name)
        return token

    def with_id(self, hall: str, name: str = "kiosk-1") -> tuple[int, str]:
        with self.central.transaction() as session:
            device, token = add_device(session, hall, name)
            return device.id, token

    def revoke(self, device_id: int) -> None:
        with self.central.transaction() as session:
            revoke_device(session, device_id)


@pytest.fixture
def devices(central: Central) -> Devices:
    return Devices(central)
