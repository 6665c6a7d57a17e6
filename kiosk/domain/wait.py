"""How long a new ticket will wait: people ahead times the recent service time, shared by the
windows open for the service.

Recent service times beat the profile's estimate as soon as there are any, because a hall's
real pace differs by season and by clerk; until then the profile's ``service_minutes`` is used.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class WaitEstimate:
    ahead: int
    minutes: int
    per_person_minutes: float
    windows: int


def average_service_minutes(
    recent_minutes: Sequence[float], default_minutes: float, history: int
) -> float:
    """Moving average of the latest ``history`` service times (newest first), or the default."""
    if history < 1:
        raise ValueError("history must be at least 1")
    usable = [m for m in recent_minutes[:history] if m >= 0]
    if not usable:
        return float(default_minutes)
    return sum(usable) / len(usable)


def estimate_wait(
    ahead: int,
    recent_minutes: Sequence[float],
    default_minutes: float,
    open_windows: int,
    history: int,
) -> WaitEstimate:
    """Whole minutes until the ticket is called; with no window open, as if one were."""
    if ahead < 0:
        raise ValueError("ahead cannot be negative")
    per_person = average_service_minutes(recent_minutes, default_minutes, history)
    windows = max(open_windows, 1)
    minutes = math.ceil(ahead * per_person / windows) if ahead else 0
    return WaitEstimate(ahead, minutes, per_person, windows)
