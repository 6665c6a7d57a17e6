"""The adapters of ``kiosk.ports.hall_changes.HallChanges``: how a screen hears a commit.

- PostgreSQL: every write transaction that records events also sends ``pg_notify`` on the
  hall's channel with each event's ``seq`` (``repositories.write_pending_events``); PostgreSQL
  delivers notifications only when, and in the order, their transactions commit. A listener
  holds one extra connection in autocommit mode. A dropped connection is reopened, and the
  first ``wait`` after it says "changed": what was committed while it was away is in the log.
- SQLite (one machine, WAL mode): a commit appends to the ``-wal`` file, so inotify on the
  store's folder (``IN_MODIFY``/``IN_CREATE`` of the database or its WAL) wakes every process
  of the machine without a server. The writer makes its commit visible to readers a moment
  after the write that inotify reports; ``kiosk.services.feed`` reads again shortly after a
  wake-up that found nothing new, so that moment is never a lost change.
- Anything else (an in-memory store, a system without inotify): polling at a fixed interval.

Whatever the adapter, readers also read on a slow timer (the safety net in the feed): a
notification is a hint, and the event log is the truth.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import select
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from kiosk.ports.hall_changes import HallChanges

log = logging.getLogger(__name__)

CHANNEL_PREFIX = "kiosk_events_"
#: How long a listener waits before reconnecting to a PostgreSQL server that went away.
RECONNECT_SECONDS = 1.0


def notify_channel(hall_id: str) -> str:
    """The hall's notification channel (PostgreSQL identifiers are at most 63 bytes)."""
    channel = CHANNEL_PREFIX + hall_id
    if len(channel.encode("utf-8")) > 63:
        channel = CHANNEL_PREFIX + hashlib.sha256(hall_id.encode("utf-8")).hexdigest()[:32]
    return channel


class _Wakeable:
    """A pipe another thread writes to, so ``close`` ends a blocked ``wait`` at once."""

    def __init__(self) -> None:
        self._read_fd, self._write_fd = os.pipe()
        os.set_blocking(self._read_fd, False)
        self.closed = False

    def _wake(self) -> None:
        with contextlib.suppress(OSError):
            os.write(self._write_fd, b"x")

    def _poll(self, fds: list[int], timeout: float) -> list[int]:
        """The fds of ``fds`` ready to read within ``timeout`` (empty after ``close``)."""
        if self.closed:
            return []
        try:
            ready, _w, _x = select.select([*fds, self._read_fd], [], [], max(0.0, timeout))
        except (OSError, ValueError):
            return []
        if self._read_fd in ready:
            with contextlib.suppress(OSError):
                os.read(self._read_fd, 4096)
            return []
        return ready

    def _close_pipe(self) -> None:
        self.closed = True
        self._wake()
        for fd in (self._read_fd, self._write_fd):
            with contextlib.suppress(OSError):
                os.close(fd)


class PollingChanges(_Wakeable):
    """No notification at all: report a possible change every ``interval`` seconds."""

    def __init__(self, interval: float = 0.5) -> None:
        super().__init__()
        self.interval = interval

    def wait(self, timeout: float) -> bool:
        if self.closed:
            return False
        if timeout < self.interval:
            self._poll([], timeout)
            return False
        self._poll([], self.interval)
        return not self.closed

    def close(self) -> None:
        self._close_pipe()


class SqliteChanges(_Wakeable):
    """inotify on the folder of an SQLite store: a write to the database or its WAL wakes us."""

    def __init__(self, database: Path) -> None:
        from inotify_simple import INotify
        from inotify_simple import flags as f

        super().__init__()
        self.database = database.resolve()
        self._names = {self.database.name, self.database.name + "-wal"}
        self._inotify = INotify()
        mask = f.MODIFY | f.CREATE | f.MOVED_TO | f.CLOSE_WRITE
        self._inotify.add_watch(str(self.database.parent), mask)

    def wait(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not self.closed:
            remaining = deadline - time.monotonic()
            if not self._poll([self._inotify.fileno()], remaining):
                return False
            try:
                events = self._inotify.read(timeout=0)
            except OSError:
                return False
            if any(event.name in self._names for event in events):
                return True
        return False

    def close(self) -> None:
        self._close_pipe()
        with contextlib.suppress(OSError):
            self._inotify.close()


class PostgresChanges(_Wakeable):
    """``LISTEN`` on the hall's channel over a connection of its own."""

    def __init__(self, url: str, hall_id: str) -> None:
        super().__init__()
        parsed = make_url(url)
        self._conninfo = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        self.channel = notify_channel(hall_id)
        self._connection: Any = None
        self._lock = threading.Lock()
        self.last_payload: str | None = None

    def _connect(self) -> Any:
        import psycopg
        from psycopg import sql

        connection = psycopg.connect(self._conninfo, autocommit=True, connect_timeout=10)
        connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
        return connection

    def wait(self, timeout: float) -> bool:
        if self.closed:
            return False
        if self._connection is None:
            try:
                self._connection = self._connect()
            except Exception as error:  # the server is down: try again later, read meanwhile
                log.warning("hall changes: cannot listen on %s: %s", self.channel, error)
                self._poll([], min(timeout, RECONNECT_SECONDS))
                return not self.closed
            return True  # what was committed before LISTEN is in the log: read it
        connection = self._connection
        try:
            if not self._poll([connection.fileno()], timeout):
                return False
            received = list(connection.notifies(timeout=0.0))
        except Exception as error:
            if self.closed:
                return False
            log.warning("hall changes: lost the listening connection: %s", error)
            self._drop()
            return True
        if received:
            self.last_payload = received[-1].payload
            return True
        return False  # some other message on the socket (a parameter status): no change

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                connection.close()

    def close(self) -> None:
        self._close_pipe()
        self._drop()


def changes_for(engine: Engine, hall_id: str, poll_interval: float = 0.5) -> HallChanges:
    """The best way this store can tell about its commits (see the module's docstring)."""
    url = engine.url
    backend = url.get_backend_name()
    if backend == "postgresql":
        return PostgresChanges(url.render_as_string(hide_password=False), hall_id)
    if backend == "sqlite" and url.database and url.database != ":memory:":
        try:
            return SqliteChanges(Path(url.database).expanduser())
        except (ImportError, OSError) as error:
            log.warning("hall changes: no inotify (%s); polling every %.1f s", error, poll_interval)
    return PollingChanges(poll_interval)
