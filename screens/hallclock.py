"""The hall clock of a screen role: real time, or running on from ``--at``.

``kiosk.clock.FixedClock`` stands still, which suits one CLI command; a kiosk started with
``--at 2026-11-28T09:00`` (to show a Saturday on any day) must keep ticking from there.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from kiosk.clock import Clock, HallClock


@dataclass
class RunningClock:
    """Hall time that starts at ``start`` and advances with the monotonic clock."""

    start: datetime
    _t0: float = field(default_factory=time.monotonic, repr=False)

    def now(self) -> datetime:
        return (self.start + timedelta(seconds=time.monotonic() - self._t0)).replace(microsecond=0)


def hall_clock(timezone: str, at: datetime | None) -> Clock:
    return RunningClock(at) if at is not None else HallClock(timezone)
