"""The day's databases and the central server: a hall store and a central store (SQLite files
or new PostgreSQL databases), the bookings made two days ahead, and ``kiosk central serve``."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.dayinlife.world import BOOKED_ON, CLOSING, HALL_ID, KEY, Citizen, Kind
from kiosk.clock import FixedClock
from kiosk.config import load_calendar, load_halls
from kiosk.settings import ID_HASH_KEY_ENV
from sync.protocol import BookingCreate
from sync.server import bookings as central_bookings
from sync.server.app import open_central
from sync.server.auth import add_device
from sync.server.settings import ServerSettings


@contextmanager
def databases(kind: str, workdir: Path, postgres: str | None) -> Iterator[tuple[str, str]]:
    """(hall store URL, central store URL): two SQLite files, or two new PostgreSQL databases
    on the server at ``postgres``, dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{workdir / 'hall.sqlite3'}", f"sqlite:///{workdir / 'central.sqlite3'}"
        return
    if not postgres:
        raise SystemExit("PostgreSQL needs --postgres URL or KIOSK_TEST_POSTGRES_URL")
    suffix = secrets.token_hex(4)
    names = (f"day_hall_{suffix}", f"day_central_{suffix}")
    admin = create_engine(postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for name in names:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    base = make_url(postgres)
    try:
        hall_url, central_url = (
            base.set(database=name).render_as_string(hide_password=False) for name in names
        )
        yield hall_url, central_url
    finally:
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def server_settings(url: str) -> ServerSettings:
    return ServerSettings(
        database_url=url,
        id_hash_key=KEY,
        halls=load_halls(),
        calendar=load_calendar(),
        clock=FixedClock(BOOKED_ON),
    )


def book_ahead(url: str, citizens: list[Citizen]) -> tuple[dict[int, str], str]:
    """Every booked citizen's booking, made at the central store two days ahead by phone or
    online under the hall's rules (``create_booking``); and a device token for the hall's sync.
    Returns {citizen index: booking id} and the token."""
    central = open_central(server_settings(url))
    made: dict[int, str] = {}
    try:
        with central.transaction() as session:
            for citizen in citizens:
                if citizen.kind is not Kind.BOOKED:
                    continue
                assert citizen.slot is not None and citizen.channel is not None
                request = BookingCreate(
                    service=citizen.service,
                    slot_start=citizen.slot,
                    channel=citizen.channel,  # type: ignore[arg-type]  # pydantic checks it
                    name=citizen.name,
                    id_number=citizen.id_number,
                    phone=f"139{citizen.index:08d}",
                )
                booking, _created = central_bookings.create_booking(
                    session, central.settings, HALL_ID, request, "day-desk"
                )
                made[citizen.index] = booking.id
            _device, token = add_device(session, HALL_ID, "hall-sync")
    finally:
        central.engine.dispose()
    return made, token


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(url: str, log: Path) -> tuple[subprocess.Popen[bytes], int]:
    """``kiosk central serve`` on 127.0.0.1 (uvicorn, its own process), once it answers."""
    port = free_port()
    with log.open("wb") as out:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "kiosk.app.cli.main",
                "central",
                "serve",
                "--port",
                str(port),
                "--database-url",
                url,
                # The simulated day runs many times faster than the wall clock; the store's
                # clock stands an hour after its closing, so no kiosk event is ahead of the
                # store's time (it refuses events more than a few minutes in its future).
                "--at",
                (CLOSING + timedelta(hours=1)).isoformat(timespec="minutes"),
            ],
            env={**os.environ, ID_HASH_KEY_ENV: KEY.decode()},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    for _attempt in range(300):
        if server.poll() is not None:
            raise SystemExit(f"the central server exited: see {log}")
        try:
            requests.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1)
            return server, port
        except requests.ConnectionError:
            time.sleep(0.05)
    server.kill()
    raise SystemExit("the central server did not start")
