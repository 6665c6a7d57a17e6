"""The hall's event stream brought to a Kivy screen: a ``HallFeed`` whose batches are handed to
the UI thread.

The feed thread reads the log (never the UI thread); each batch is passed on with
``Clock.schedule_once_free``, which is safe from any thread and, on the display's clock, runs
at once rather than at the next frame tick. A
screen starts the stream after its first full read, from the ``seq`` that read ended at, and so
neither misses nor repeats an event between the two.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from kivy.clock import Clock

from kiosk.ports.hall_changes import HallChanges
from kiosk.services.feed import HallEvent, HallFeed
from kiosk.store.changes import changes_for
from kiosk.store.hallstore import HallStore

log = logging.getLogger(__name__)


class LiveHall:
    def __init__(
        self,
        store: HallStore,
        on_events: Callable[[list[HallEvent]], None],
        *,
        changes: HallChanges | None = None,
        on_error: Callable[[Exception], None] | None = None,
        on_arrival: Callable[[list[HallEvent]], None] | None = None,
        name: str = "hall-feed",
    ) -> None:
        self.store = store
        self.on_events = on_events
        self.on_arrival = on_arrival  # on the feed's thread, before the UI: e.g. the voice
        self.changes = changes
        self.on_error = on_error
        self.name = name
        self.feed: HallFeed | None = None
        self.pending = 0  # batches read but not yet handled on the UI thread (tests wait)

    def start(self, after: int) -> None:
        if self.feed is not None:
            return
        changes = self.changes or changes_for(self.store.engine, self.store.hall.id)
        self.feed = HallFeed(
            self.store,
            changes,
            self._from_feed,
            after=after,
            on_error=self._failed,
            name=self.name,
        ).start()

    def _from_feed(self, batch: list[HallEvent]) -> None:
        if self.on_arrival is not None:
            try:
                self.on_arrival(batch)
            except Exception as error:  # the screen must still get the batch
                log.warning("%s: %s", self.name, error)
        self.pending += 1

        def deliver(_dt: float) -> None:
            try:
                self.on_events(batch)
            finally:
                self.pending -= 1

        # A "free" event: on a pushed screen's clock (``screens.env.prepare(pushed_fps=...)``)
        # it wakes the loop at once, where a normal one waits for the next frame.
        schedule = getattr(Clock, "schedule_once_free", None) or Clock.schedule_once
        schedule(deliver)

    def _failed(self, error: Exception) -> None:
        if self.on_error is not None:
            on_error = self.on_error
            Clock.schedule_once(lambda _dt: on_error(error))

    @property
    def seq(self) -> int | None:
        return self.feed.seq if self.feed is not None else None

    def stop(self) -> None:
        if self.feed is not None:
            self.feed.stop()
            self.feed = None
