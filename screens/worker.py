"""Blocking work (the store, the printer) off the UI thread, results back on Kivy's clock.

Kivy draws from one thread; a store transaction or a printer waiting for paper must never
freeze the screen. Each ``Worker`` is one thread, so the jobs of one device run in the order
they were asked for (a ticket is issued before it is printed), and the callbacks run on the UI
thread through ``Clock.schedule_once``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from kivy.clock import Clock

log = logging.getLogger(__name__)

T = TypeVar("T")


class Worker:
    def __init__(self, name: str) -> None:
        self.name = name
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._lock = threading.Lock()
        self._pending = 0

    @property
    def pending(self) -> int:
        """Jobs submitted whose callback has not run yet (tests wait for zero)."""
        with self._lock:
            return self._pending

    def submit(
        self,
        job: Callable[[], T],
        on_done: Callable[[T], Any],
        on_error: Callable[[Exception], Any],
    ) -> None:
        with self._lock:
            self._pending += 1

        def finish(callback: Callable[[], Any]) -> None:
            def on_ui(_dt: float) -> None:
                try:
                    callback()
                finally:
                    with self._lock:
                        self._pending -= 1

            Clock.schedule_once(on_ui)

        def run() -> None:
            try:
                result = job()
            except Exception as error:  # handed to the screen, which explains it in words
                log.warning("%s: %s: %s", self.name, type(error).__name__, error)
                failure = error
                finish(lambda: on_error(failure))
            else:
                finish(lambda: on_done(result))

        self._pool.submit(run)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
