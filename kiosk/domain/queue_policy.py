"""Who a window calls next.

The rule the hall publishes: people with a booking are served at their slot before walk-ins of
the same service; then the priority groups (the elderly, by the birth date on their ID card);
then everyone else, each first come, first served. Left alone, a steady stream of booked and
priority tickets would starve the walk-ins, so after ``max_consecutive_priority`` such calls in
a row a window takes the longest-waiting walk-in next.

A booked ticket whose slot has not begun yet (its holder checked in early) waits as a walk-in
does, by its arrival; once the slot begins it moves to the booked class.

"First come" is the order tickets were issued in (``arrival``, the ticket id of the person's
first ticket), not their issue time: a kiosk whose clock stepped back must not put a newcomer
ahead of the people already waiting.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum


class QueueClass(IntEnum):
    """Lower is called first."""

    BOOKED = 0
    PRIORITY = 1
    WALK_IN = 2


@dataclass(frozen=True, slots=True)
class Candidate:
    """What the policy needs to know about one waiting ticket."""

    ticket_id: int
    service_id: str
    queued_at: datetime
    booked: bool = False
    slot_start: datetime | None = None
    priority_group: str | None = None
    arrival: int | None = None
    """Issue order of the person's first ticket (kept on a transfer); None: ``ticket_id``."""

    def queue_class(self, now: datetime) -> QueueClass:
        if self.booked and (self.slot_start is None or self.slot_start <= now):
            return QueueClass.BOOKED
        if self.priority_group:
            return QueueClass.PRIORITY
        return QueueClass.WALK_IN

    def sort_key(self, now: datetime) -> tuple[int, int, int]:
        arrival = self.ticket_id if self.arrival is None else self.arrival
        return (int(self.queue_class(now)), arrival, self.ticket_id)


@dataclass(frozen=True)
class Choice:
    candidate: Candidate | None
    queue_class: QueueClass | None
    streak: int
    """Booked/priority calls in a row at this window after this call."""
    capped: bool = False
    """True when a walk-in was taken ahead of booked/priority tickets because of the cap."""


def order(candidates: Iterable[Candidate], now: datetime) -> list[Candidate]:
    """The waiting tickets in the order the policy would call them, ignoring the cap."""
    return sorted(candidates, key=lambda c: c.sort_key(now))


def choose_next(
    candidates: Sequence[Candidate], now: datetime, streak: int, max_consecutive: int
) -> Choice:
    """Pick the next ticket for a window that has made ``streak`` booked/priority calls in a row."""
    if max_consecutive < 1:
        raise ValueError("max_consecutive must be at least 1")
    if not candidates:
        return Choice(None, None, streak)
    # One pass instead of sorting: only the head of the order and, when the cap bites, the
    # longest-waiting walk-in are needed (a busy hall has hundreds waiting per call).
    best = min(candidates, key=lambda c: c.sort_key(now))
    best_class = best.queue_class(now)
    if best_class is QueueClass.WALK_IN:
        return Choice(best, best_class, 0)
    if streak >= max_consecutive:
        walk_ins = [c for c in candidates if c.queue_class(now) is QueueClass.WALK_IN]
        if walk_ins:
            walk_in = min(walk_ins, key=lambda c: c.sort_key(now))
            return Choice(walk_in, QueueClass.WALK_IN, 0, capped=True)
    return Choice(best, best_class, streak + 1)


def ahead_of(ticket: Candidate, waiting: Iterable[Candidate], now: datetime) -> int:
    """How many waiting tickets of the same service the policy would call before ``ticket``."""
    key = ticket.sort_key(now)
    return sum(
        1
        for other in waiting
        if other.ticket_id != ticket.ticket_id
        and other.service_id == ticket.service_id
        and other.sort_key(now) < key
    )
