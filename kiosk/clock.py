"""The hall's wall clock.

Every rule in the published service plans is written in the hall's local time ("08:30-09:00",
"before 14:00 of the previous working day"), so the core works with naive datetimes that mean
hall-local wall time, and so does the store. The clock is the one place that knows the hall's
timezone; ``--now`` on the command line and tests replace it with a fixed instant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    def now(self) -> datetime:
        """Hall-local naive wall-clock time."""
        ...


@dataclass(frozen=True)
class HallClock:
    """The real clock, read in the hall's timezone (a kiosk's OS clock may be set to UTC)."""

    timezone: str = "Asia/Shanghai"

    def now(self) -> datetime:
        return datetime.now(ZoneInfo(self.timezone)).replace(tzinfo=None)


@dataclass
class FixedClock:
    """A clock that says what it is told: ``--now`` / ``--at``, tests and the day replay."""

    at: datetime

    def now(self) -> datetime:
        return self.at

    def set(self, at: datetime) -> None:
        self.at = at


def clock_for(timezone: str, override: datetime | None = None) -> Clock:
    return FixedClock(override) if override is not None else HallClock(timezone)
