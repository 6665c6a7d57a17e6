"""One hall's store: the database, the hall's rules and the key that identifies holders.

Every kiosk, window console and display of a hall opens the same store; the services in
``kiosk.services`` run each use case as one unit of work (``unit()``, a ``write()`` transaction
seen through the repositories of ``kiosk.ports.hall_store``) over it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from kiosk.domain.calendar import HolidayCalendar
from kiosk.domain.hall import HallProfile
from kiosk.domain.identity import id_hash
from kiosk.domain.links import link_key
from kiosk.ports.hall_store import Store
from kiosk.store import hallclock
from kiosk.store import repositories as repo
from kiosk.store.db import ensure_schema, make_engine
from kiosk.store.errors import write_fault
from kiosk.store.units import SqlUnitOfWork


@dataclass
class HallStore:
    engine: Engine
    hall: HallProfile
    calendar: HolidayCalendar
    id_hash_key: bytes = field(repr=False)
    terminal: str = "kiosk"
    clock_tolerance: timedelta = hallclock.TOLERANCE
    """How far behind the store's latest time this machine may issue and call."""
    _writer: sessionmaker[Session] = field(init=False, repr=False)
    _reader: sessionmaker[Session] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.id_hash_key:
            raise ValueError("a hall store needs the hall's ID-hash key")
        self._writer = sessionmaker(self.engine, expire_on_commit=False)
        event.listen(self._writer, "before_commit", repo.write_pending_events)
        event.listen(self._writer, "after_rollback", repo.discard_pending_events)
        reader_bind = self.engine.execution_options(sqlite_begin="DEFERRED")
        self._reader = sessionmaker(reader_bind, expire_on_commit=False)

    @classmethod
    def open(
        cls,
        url: str,
        hall: HallProfile,
        calendar: HolidayCalendar,
        id_hash_key: bytes,
        *,
        terminal: str = "kiosk",
        migrate: bool = True,
        clock_tolerance: timedelta = hallclock.TOLERANCE,
    ) -> HallStore:
        """Open (and, as every role does on start, migrate) the store at ``url``."""
        engine = make_engine(url)
        if migrate:
            ensure_schema(engine)
        return cls(engine, hall, calendar, id_hash_key, terminal, clock_tolerance)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One read-write transaction: committed when the block ends, rolled back on error."""
        with self._writer.begin() as session:
            yield session

    @contextmanager
    def write_at(self, now: datetime) -> Iterator[Session]:
        """A write that issues or calls at hall time ``now``: refused with ``ClockBehind`` when
        this machine's clock is behind the store's (``kiosk.store.hallclock``), the fault then
        recorded once in a transaction of its own."""
        try:
            with self.write() as session:
                hallclock.guard(session, self.hall.id, now, self.terminal, self.clock_tolerance)
                yield session
        except hallclock.ClockBehind as fault:
            with self.write() as session:
                hallclock.record_behind(session, self.hall.id, fault, self.terminal)
            raise

    def check(self, now: datetime, *, writes: bool = False) -> None:
        """A screen's look at the store between requests, with one read and no write: raises
        the store's fault when it cannot be read, ``ClockBehind`` when ``write_at(now)`` would,
        and (``writes``) a full or read-only disk that a write would meet (``write_fault``)."""
        with self.read() as session:
            latest = hallclock.state(session, self.hall.id).latest_seen
        if writes:
            fault = write_fault(self.engine.url)
            if fault is not None:
                raise fault
        if latest is not None and hallclock.is_behind(now, latest, self.clock_tolerance):
            raise hallclock.ClockBehind(now, latest)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only transaction that never waits for writers (SQLite WAL: deferred BEGIN)."""
        with self._reader() as session, session.begin():
            yield session

    @contextmanager
    def unit(self, at: datetime | None = None) -> Iterator[SqlUnitOfWork]:
        """The use cases' read-write unit of work (``kiosk.ports.hall_store``): ``write()``, or
        ``write_at(at)`` when it issues or calls at hall time ``at``."""
        with self.write() if at is None else self.write_at(at) as session:
            yield SqlUnitOfWork(session, self.hall.id)

    @contextmanager
    def read_unit(self) -> Iterator[SqlUnitOfWork]:
        """The use cases' read-only unit of work over ``read()``."""
        with self.read() as session:
            yield SqlUnitOfWork(session, self.hall.id)

    def holder_hash(self, id_number: str) -> str:
        return id_hash(id_number, self.id_hash_key)

    @property
    def link_key(self) -> bytes:
        """The key of the tickets' phone-page tokens (derived from the hall's secret)."""
        return link_key(self.id_hash_key)

    def close(self) -> None:
        self.engine.dispose()


def _conforms(store: HallStore) -> Store:
    """The use cases' port is what this store implements (checked by the type checker)."""
    return store
