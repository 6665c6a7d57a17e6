"""The central booking store as an ASGI application: ``create_app(settings)``.

Served by uvicorn (``kiosk central serve``, ``--workers N`` processes). The JSON API lives
under ``/api/v1`` with its OpenAPI description at ``/api/v1/openapi.json`` and the docs at
``/api/v1/docs``; the staff booking desk pages under ``/staff``.

Nothing two server processes must agree on lives in process memory: bookings, cursors, staff
sessions and login throttles are in the database. A process keeps only caches with a stated
bound (device tokens, ``auth.TOKEN_CACHE_SECONDS``; hall heads, ``heads``) and its own load
shedding (``throttle.LoginGate``).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from sync.protocol import API_PREFIX
from sync.server import problems
from sync.server.auth import DeviceTokens, PasswordHasher, stand_in_hash
from sync.server.bookings import ensure_counters, heads_seen
from sync.server.db import open_engine, session_factory, upgrade
from sync.server.gate import Gate
from sync.server.heads import HallHeads, hall_heads
from sync.server.settings import ServerSettings, load_server_settings
from sync.server.throttle import LoginGate, ThrottleRules


@dataclass
class Central:
    """What every request handler needs: the settings, transactions, and the process's caches
    (device tokens, hall heads) and guards (password hashing, login shedding)."""

    settings: ServerSettings
    engine: Engine
    sessions: sessionmaker[Session]
    devices: DeviceTokens = field(init=False)
    heads: HallHeads = field(init=False)
    hasher: PasswordHasher = field(init=False)
    login_gate: LoginGate = field(default_factory=LoginGate)
    throttle: ThrottleRules = field(default_factory=ThrottleRules)

    def __post_init__(self) -> None:
        self.devices = DeviceTokens(self.reading)
        self.heads = hall_heads(
            self.settings.database_url, self.devices.forget_device, self.devices.forget_all
        )
        self.hasher = PasswordHasher()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One database transaction: committed when the block ends, rolled back on an error.
        Counter values it wrote are told to the head cache once they are committed."""
        with self.sessions.begin() as session:
            yield session
        for hall_id, value in heads_seen(session).items():
            self.heads.saw(hall_id, value)

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A read-only transaction on one connection (SQLite: a deferred ``BEGIN``, so readers
        never queue behind the write lock; PostgreSQL: ``BEGIN READ ONLY``)."""
        with self.engine.connect() as connection:
            options: dict[str, Any] = {"sqlite_begin": "DEFERRED"}
            if connection.dialect.name == "postgresql":
                options = {"postgresql_readonly": True}
            connection = connection.execution_options(**options)
            with connection.begin():
                yield connection

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """ORM reads in a read-only transaction (``reading``): pages and single lookups."""
        with self.reading() as connection, Session(bind=connection) as session:
            yield session

    def start(self) -> None:
        stand_in_hash()
        self.heads.start()

    def close(self) -> None:
        self.heads.stop()
        self.hasher.close()
        self.engine.dispose()


def open_central(settings: ServerSettings, migrate: bool = True) -> Central:
    engine = open_engine(settings.database_url)
    if migrate:
        upgrade(engine)
    central = Central(settings, engine, session_factory(engine))
    with central.transaction() as session:
        ensure_counters(session, sorted(settings.halls))
    return central


def create_app(settings: ServerSettings, central: Central | None = None) -> FastAPI:
    from sync.server import api, follow_up_pages, staff

    store = central or open_central(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        store.start()
        yield
        store.heads.stop()

    app = FastAPI(
        title="hall-kiosk central booking store",
        version="1",
        description=(
            "Bookings of the service halls, by phone, online, at the volunteer desk and at the "
            "kiosks; pulled by the halls by cursor, with kiosk events pushed back in batches "
            "with idempotency keys. Times are hall-local wall time without an offset."
        ),
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.central = store
    app.include_router(api.router, prefix=API_PREFIX)
    app.include_router(staff.router)
    app.include_router(follow_up_pages.router)
    problems.install(app)
    staff.install(app)
    app.add_middleware(Gate, central=lambda: store)

    @app.get("/", include_in_schema=False)
    def _root() -> RedirectResponse:
        return RedirectResponse("/staff/", status_code=303)

    return app


# --- several worker processes --------------------------------------------------------------------

AT_ENV = "KIOSK_CENTRAL_AT"
SECURE_COOKIES_ENV = "KIOSK_CENTRAL_SECURE_COOKIES"


def environment_for_workers(at: datetime | None, secure_cookies: bool) -> dict[str, str]:
    """What ``app_from_environment`` needs besides the database URL and the key, for worker
    processes started by uvicorn: the demo clock (its start and the wall time it was set, so
    every worker shows the same hall time) and the cookie flag."""
    env = {SECURE_COOKIES_ENV: "1" if secure_cookies else ""}
    if at is not None:
        env[AT_ENV] = f"{at.isoformat()}@{datetime.now().timestamp()}"
    return env


def app_from_environment() -> FastAPI:
    """The application of one worker process (``uvicorn … --factory``): settings from the
    environment, the schema already migrated by the parent."""
    from kiosk.clock import RunningClock

    settings = load_server_settings()
    if os.environ.get(SECURE_COOKIES_ENV):
        settings = replace(settings, secure_cookies=True)
    at = os.environ.get(AT_ENV)
    if at:
        start, _sep, since = at.partition("@")
        elapsed = datetime.now().timestamp() - float(since)
        clock = RunningClock(datetime.fromisoformat(start) + timedelta(seconds=elapsed))
        settings = replace(settings, clock=clock)
    return create_app(settings, open_central(settings, migrate=False))
