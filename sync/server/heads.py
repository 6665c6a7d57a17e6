"""The halls' change counters as this server process knows them, so a kiosk asking "anything
new since my cursor?" is answered without the database when nothing changed.

On PostgreSQL a listener thread holds its own connection with ``LISTEN central_changes``; the
triggers of migration c0002 notify every committed counter change and every device revocation,
so the cache follows commits within milliseconds in every process. The listener also reads all
counters again every ``resync_seconds``: a notification lost with a dropped connection, or a
database restored from a backup (counters going back), is noticed within that bound. While it
is not connected the cache knows nothing and every pull asks the database.

A head is only used to say "nothing changed" when a pull's cursor equals it; a cursor below it
or above it always goes to the database (which also answers the 409 of a cursor ahead).

On SQLite there is no notification: ``StaticHeads`` knows nothing and pulls read the counter
from the database (a cheap read there).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger(__name__)
CHANNEL = "central_changes"
#: How long the listener waits for a notification before it looks at its stop flag.
_WAIT = 0.25


class HallHeads(Protocol):
    def known(self, hall_id: str) -> int | None:
        """The hall's counter if this process is sure of it, else None (ask the database)."""

    def saw(self, hall_id: str, value: int) -> None:
        """A counter value this process committed or read."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


class StaticHeads:
    """No notifications: nothing is known without the database."""

    def known(self, hall_id: str) -> int | None:
        return None

    def saw(self, hall_id: str, value: int) -> None:
        return None

    def start(self) -> None:
        return None

    def stop(self) -> None:
        return None


class ListenedHeads:
    """Counters kept current by PostgreSQL ``LISTEN``/``NOTIFY`` (see the module docstring).

    ``on_device`` is called with a device id whose revocation was notified (the token cache
    forgets it).
    """

    def __init__(
        self,
        database_url: str,
        on_device: Callable[[int], None] = lambda _device: None,
        on_reset: Callable[[], None] = lambda: None,
        resync_seconds: float = 5.0,
    ) -> None:
        url = make_url(database_url).set(drivername="postgresql")
        self._conninfo = url.render_as_string(hide_password=False)
        self._on_device = on_device
        self._on_reset = on_reset
        self.resync_seconds = resync_seconds
        self._heads: dict[str, int] = {}
        self._live = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.notifications = 0

    @property
    def live(self) -> bool:
        return self._live

    def known(self, hall_id: str) -> int | None:
        if not self._live:
            return None
        return self._heads.get(hall_id)

    def saw(self, hall_id: str, value: int) -> None:
        # A value this process committed: never lower what the listener knows (its notification
        # of an earlier commit may still be on the way, and would set it back only briefly).
        if self._live and value > self._heads.get(hall_id, -1):
            self._heads[hall_id] = value

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop = threading.Event()  # a thread of an earlier start keeps its own, set
        self._thread = threading.Thread(
            target=self._run, args=(self._stop,), name="central-heads", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop listening: the thread (a daemon) ends within ``_WAIT`` seconds, with its
        connection; nobody waits for it, and the cache knows nothing from now on."""
        self._stop.set()
        self._thread = None
        self._live = False

    def wait_live(self, timeout: float) -> bool:
        """For tests and start-up: wait until the listener has read the counters."""
        deadline = time.monotonic() + timeout
        while not self._live and time.monotonic() < deadline:
            time.sleep(0.01)
        return self._live

    def _run(self, stop: threading.Event) -> None:
        delay = 0.5
        while not stop.is_set():
            try:
                self._listen(stop)
                delay = 0.5
            except Exception as error:  # the database went away: forget, wait, reconnect
                log.warning("head listener lost its connection: %s", type(error).__name__)
            if stop.is_set():
                return
            self._live = False
            self._heads = {}
            self._on_reset()
            stop.wait(delay)
            delay = min(delay * 2, 10.0)

    def _listen(self, stop: threading.Event) -> None:
        import psycopg

        with psycopg.connect(self._conninfo, autocommit=True) as connection:
            connection.execute(f"LISTEN {CHANNEL}")
            self._resync(connection)
            # Anything revoked while nobody listened is forgotten now; so is every head.
            self._on_reset()
            self._live = not stop.is_set()
            next_sync = time.monotonic() + self.resync_seconds
            while not stop.is_set():
                timeout = max(0.0, min(_WAIT, next_sync - time.monotonic()))
                for note in connection.notifies(timeout=timeout):
                    self._take(note.payload)
                if time.monotonic() >= next_sync:
                    self._resync(connection)
                    next_sync = time.monotonic() + self.resync_seconds

    def _resync(self, connection: psycopg.Connection[Any]) -> None:
        rows = connection.execute("SELECT hall_id, value FROM hall_counters").fetchall()
        self._heads = {str(hall_id): int(value) for hall_id, value in rows}

    def _take(self, payload: str) -> None:
        self.notifications += 1
        kind, _sep, rest = payload.partition(":")
        if kind == "head":
            value, _sep, hall_id = rest.partition(":")
            self._heads[hall_id] = int(value)
        elif kind == "device":
            self._on_device(int(rest))


def hall_heads(
    database_url: str, on_device: Callable[[int], None], on_reset: Callable[[], None]
) -> HallHeads:
    if make_url(database_url).get_backend_name() == "postgresql":
        return ListenedHeads(database_url, on_device, on_reset)
    return StaticHeads()
