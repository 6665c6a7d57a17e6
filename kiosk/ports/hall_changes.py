"""What a screen needs to hear that the hall's store changed: a wake-up, not the change itself.

Every committed queue change is an event in the store's log (``events``, numbered by ``seq`` in
commit order). A screen keeps the last ``seq`` it has seen and reads the events after it; this
port only tells it *when* to read, so a wake-up that is lost, doubled or early costs nothing but
a read: the log, not the notification, is what the screen trusts. The adapters
(``kiosk.store.changes``) are PostgreSQL ``LISTEN/NOTIFY``, inotify on an SQLite WAL file and, as
the fallback, plain polling.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class HallChanges(Protocol):
    def wait(self, timeout: float) -> bool:
        """Block until the store may have changed since the previous call, or ``timeout``
        seconds have passed.

        True: something was committed (read the log now); False: the timeout passed without a
        sign of change. A change made between two calls makes the next call return at once.
        """
        ...

    def close(self) -> None:
        """Release the connection or file watch; a ``wait`` in another thread returns."""
        ...
