"""One hall's store: the database, the hall's rules and the key that identifies holders.

Every kiosk, window console and display of a hall opens the same store; the services in
``kiosk.services`` run each use case as one ``write()`` transaction over it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from kiosk.domain.calendar import HolidayCalendar
from kiosk.domain.hall import HallProfile
from kiosk.domain.identity import id_hash
from kiosk.domain.links import link_key
from kiosk.store import repositories as repo
from kiosk.store.db import ensure_schema, make_engine


@dataclass
class HallStore:
    engine: Engine
    hall: HallProfile
    calendar: HolidayCalendar
    id_hash_key: bytes = field(repr=False)
    terminal: str = "kiosk"
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
    ) -> HallStore:
        """Open (and, as every role does on start, migrate) the store at ``url``."""
        engine = make_engine(url)
        if migrate:
            ensure_schema(engine)
        return cls(engine, hall, calendar, id_hash_key, terminal)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One read-write transaction: committed when the block ends, rolled back on error."""
        with self._writer.begin() as session:
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only transaction that never waits for writers (SQLite WAL: deferred BEGIN)."""
        with self._reader() as session, session.begin():
            yield session

    def holder_hash(self, id_number: str) -> str:
        return id_hash(id_number, self.id_hash_key)

    @property
    def link_key(self) -> bytes:
        """The key of the tickets' phone-page tokens (derived from the hall's secret)."""
        return link_key(self.id_hash_key)

    def close(self) -> None:
        self.engine.dispose()
