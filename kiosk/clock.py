"""The hall's wall clock.

Every rule in the published service plans is written in the hall's local time ("08:30-09:00",
"before 14:00 of the previous working day"), so the core works with naive datetimes that mean
hall-local wall time, and so does the store. The clock is the one place that knows the hall's
timezone; ``--now`` on the command line and tests replace it with a fixed instant.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
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


@dataclass
class RunningClock:
    """Hall time that starts at ``start`` and advances with the monotonic clock.

    A role started with ``--at 2026-11-28T09:00`` (to show a Saturday on any day) must keep
    ticking from there, unlike ``FixedClock``, which suits one CLI command.
    """

    start: datetime
    _t0: float = field(default_factory=time.monotonic, repr=False)

    def now(self) -> datetime:
        return (self.start + timedelta(seconds=time.monotonic() - self._t0)).replace(microsecond=0)


def running_clock(timezone: str, at: datetime | None) -> Clock:
    """The clock of a long-running role: real hall time, or running on from ``at``."""
    return RunningClock(at) if at is not None else HallClock(timezone)


def clock_for(timezone: str, override: datetime | None = None) -> Clock:
    return FixedClock(override) if override is not None else HallClock(timezone)


def parse_minute(text: str) -> datetime:
    """A local wall-clock instant written ``YYYY-MM-DDTHH:MM`` (``--now``, ``--at``): the one
    spelling of hall time on every command line, the CLI's and the screens' own programs'.
    The error is argparse's, so a bad value is one usage line."""
    try:
        value = datetime.strptime(text, "%Y-%m-%dT%H:%M")
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a time (YYYY-MM-DDTHH:MM): {text!r}") from None
    return value


def format_minute(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M")
