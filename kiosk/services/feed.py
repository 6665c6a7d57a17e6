"""The hall's events as a stream: what every screen of the hall (and the phone page) follows.

A ``HallFeed`` is one thread that waits on a ``HallChanges`` adapter and, on every wake-up,
reads the event log after the last ``seq`` it delivered, in pages, and hands each batch to its
listener in ``seq`` order. The log is the truth: a notification that is lost, doubled or
arrives early changes only when the log is read, never what is delivered, so a listener gets
every committed event exactly once and in commit order. A screen that restarts passes the last
``seq`` it has shown as ``after`` and resumes there.

Two safety nets: a wake-up that found nothing new is followed by a few quick re-reads (an SQLite
writer's commit becomes visible a moment after the WAL write that woke us), and the log is read
every ``safety_seconds`` even without any wake-up.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kiosk.ports.hall_changes import HallChanges
from kiosk.ports.hall_store import Store

log = logging.getLogger(__name__)

SAFETY_SECONDS = 10.0
RECHECK_SECONDS: tuple[float, ...] = (0.005, 0.02, 0.08, 0.25, 1.0)
RETRY_SECONDS = 1.0
PAGE = 500


@dataclass(frozen=True, slots=True)
class HallEvent:
    """One committed change, as the log holds it (a plain value, safe to pass between threads)."""

    seq: int
    type: str
    at: datetime
    terminal: str | None
    payload: dict[str, Any]


def read_events(
    store: Store, after: int, limit: int = PAGE, types: Sequence[str] | None = None
) -> list[HallEvent]:
    """The hall's events after ``after`` (oldest first, at most ``limit``)."""
    with store.read_unit() as uow:
        rows = uow.events.after(after, types, limit)
        return [HallEvent(e.seq, e.type, e.at, e.terminal, dict(e.payload)) for e in rows]


Listener = Callable[[list[HallEvent]], None]


class HallFeed:
    def __init__(
        self,
        store: Store,
        changes: HallChanges,
        listener: Listener,
        *,
        after: int = 0,
        safety_seconds: float = SAFETY_SECONDS,
        on_error: Callable[[Exception], None] | None = None,
        on_recovered: Callable[[], None] | None = None,
        name: str = "hall-feed",
    ) -> None:
        self.store = store
        self.changes = changes
        self.listener = listener
        self.seq = after
        self.safety_seconds = safety_seconds
        self.on_error = on_error
        self.on_recovered = on_recovered  # the log reads again after ``on_error``
        self.failing = False
        self.reads = 0  # log reads made (the benchmark's idle cost)
        self.wakeups = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> HallFeed:
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self.changes.close()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive() and not self._stop.is_set()

    def pump(self) -> bool:
        """Read and deliver everything after ``seq``; True when something was delivered."""
        delivered = False
        while not self._stop.is_set():
            self.reads += 1
            batch = read_events(self.store, self.seq)
            if not batch:
                break
            self.seq = batch[-1].seq
            delivered = True
            self.listener(batch)
            if len(batch) < PAGE:
                break
        return delivered

    def _run(self) -> None:
        rechecks: list[float] = []
        woke = True
        while not self._stop.is_set():
            try:
                found = self.pump()
            except Exception as error:  # the store is down: say so, wait, try again
                log.warning("hall feed: cannot read the event log: %s", error)
                self.failing = True
                if self.on_error is not None:
                    self.on_error(error)
                self._stop.wait(RETRY_SECONDS)
                woke = True
                continue
            if self.failing:  # a screen showing the fault clears it even if nothing new came
                self.failing = False
                if self.on_recovered is not None:
                    self.on_recovered()
            if found:
                rechecks = []
            elif woke:
                rechecks = list(RECHECK_SECONDS)
            timeout = rechecks.pop(0) if rechecks else self.safety_seconds
            try:
                woke = self.changes.wait(timeout)
            except Exception as error:  # an adapter fault must not end the stream
                log.warning("hall feed: waiting for changes failed: %s", error)
                self._stop.wait(RETRY_SECONDS)
                woke = True
            if woke:
                self.wakeups += 1
