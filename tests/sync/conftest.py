"""Fixtures of the sync client tests: a real central store served by uvicorn on 127.0.0.1, a
fault proxy in front of it, and a hall store, all on SQLite or all on PostgreSQL.

The central store's fixtures come from tests/central_fixtures.py (one store per test, a database
per module on PostgreSQL); the hall store follows the central store's backend.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import create_engine

from kiosk.clock import FixedClock
from kiosk.config import load_calendar, load_hall
from kiosk.domain.calendar import HolidayCalendar
from kiosk.domain.identity import CardType, Identity, sex_from_number
from kiosk.store.hallstore import HallStore
from sync.client import HallSync, SyncConfig, Timeouts
from sync.protocol import BookingCreate
from sync.server import bookings as central_bookings
from sync.server.app import Central, create_app
from sync.server.settings import ServerSettings
from tests.central_fixtures import KEY, person
from tests.pg import TABLES
from tests.sync.faultproxy import FaultProxy

HALL = "xixia"
SYNC_TABLES = ("sync_state", "sync_bookings")
SATURDAY_09 = datetime(2026, 11, 28, 9, 0)


@pytest.fixture
def hall_url(database_root: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The hall store, on the central store's backend: SQLite file or a PostgreSQL schema."""
    if database_root.startswith("sqlite:"):
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "hall.sqlite3"
        shutil.copyfile(template, target)
        return f"sqlite:///{target}"
    url: str = request.getfixturevalue("pg_schema_url")
    engine = create_engine(url)
    with engine.begin() as connection:
        tables = ", ".join((*TABLES, *SYNC_TABLES))
        connection.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def calendar() -> HolidayCalendar:
    return load_calendar()


@pytest.fixture
def hall_store(hall_url: str, calendar: HolidayCalendar) -> Iterator[HallStore]:
    store = HallStore.open(hall_url, load_hall(HALL), calendar, KEY, terminal="kiosk-1")
    yield store
    store.close()


class Server:
    """The central app served by uvicorn in a thread, on a port the OS chose."""

    def __init__(self, app: Any) -> None:
        self._socket = socket.create_server(("127.0.0.1", 0))
        self.port = self._socket.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the central server did not start")
            time.sleep(0.01)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)
        self._socket.close()


@pytest.fixture
def server(settings: ServerSettings, central: Central) -> Iterator[Server]:
    running = Server(create_app(settings, central))
    yield running
    running.stop()


@pytest.fixture
def proxy(server: Server) -> Iterator[FaultProxy]:
    with FaultProxy(server.port) as running:
        yield running


@pytest.fixture
def kiosk_token(devices: Any) -> str:
    return str(devices.token(HALL, "kiosk-1"))


SyncFactory = Callable[..., HallSync]


#: For a test about the read timeout itself: the proxy's ``delay`` waits for this one to expire.
TIMEOUT_TEST = Timeouts(connect=10.0, read=1.0)


@pytest.fixture
def make_sync(
    hall_store: HallStore,
    proxy: FaultProxy,
    kiosk_token: str,
    clock: FixedClock,
) -> Iterator[SyncFactory]:
    """A sync client of the hall store through the fault proxy. Its timeouts are ample, so a
    loaded machine never turns a slow answer into a fault; a test about a timeout passes
    ``timeouts=TIMEOUT_TEST`` and the proxy's ``delay`` (which waits for the client to give up)."""
    made: list[HallSync] = []

    def factory(**options: Any) -> HallSync:
        options.setdefault("timeouts", Timeouts(connect=10.0, read=10.0))
        config = SyncConfig(options.pop("url", proxy.url), kiosk_token, **options)
        sync = HallSync(hall_store, config, clock)
        made.append(sync)
        return sync

    yield factory
    for sync in made:
        sync.close()


def identity(serial: int, name: str = "张小三") -> Identity:
    """The card of central test person ``serial`` (tests.central.conftest.person)."""
    number = person(serial)
    return Identity(
        card_type=CardType.RESIDENT,
        name=name,
        name_en=None,
        sex=sex_from_number(number),
        nation="汉",
        nationality=None,
        birth=datetime(1980, 1, 1).date(),
        address=None,
        id_number=number,
        authority="西峡县公安局",
        valid_from=datetime(2020, 1, 1).date(),
        valid_to=None,
    )


def saturday_slot(n: int) -> datetime:
    """The n-th place among Saturday morning's slots (08:00-11:30, four places each)."""
    return datetime(2026, 11, 28, 8, 0) + timedelta(minutes=30 * (n // 4 % 7))


def book_centrally(
    central: Central,
    serial: int,
    slot_start: datetime = SATURDAY_09,
    service: str = "real-estate",
    channel: str = "phone",
) -> str:
    """A booking made at the central store (phone line), as the desk would; its id."""
    request = BookingCreate(
        service=service,
        slot_start=slot_start,
        channel=channel,
        name="张小三",
        id_number=person(serial),
        phone="13812345678",
    )
    with central.transaction() as session:
        booking, _created = central_bookings.create_booking(
            session, central.settings, HALL, request, "test-desk"
        )
        return booking.id
