"""The guard on the hall clock: no ticket issued or called at a time the store has already passed.

A machine's clock can step backwards: an NTP correction, a dead RTC battery after a power cut,
someone setting the time by hand. Without a guard, a kiosk whose clock went back across
midnight issued a second "B001" under the previous day, which no window ever called, and a
ticket taken "earlier" jumped the people already waiting.

The store remembers the latest time any event was recorded at (``hall_clock.latest_seen``,
advanced by every transaction that records an event, on every machine of the hall). Issuing and
calling first check the machine's time against it: more than ``TOLERANCE`` earlier, or on an
earlier day, is refused with ``ClockBehind`` — the machine shows the fault, the store records
one ``clock_behind`` event for the episode — until the clock is right again (the fault closes by
itself with a ``clock_ok`` event) or staff confirm that the earlier time is the right one
(``kiosk clock confirm``, a ``clock_confirmed`` event), which resets the latest time seen.

``TOLERANCE`` is two minutes: machines of one hall synchronised by NTP differ by well under a
second, and an unsynchronised PC clock drifts a few seconds a day, so two minutes never refuses a
working hall, while every step back seen in the field (an hour's timezone slip, a day's RTC
reset) is far larger.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from kiosk.errors import ExitCode, KioskError
from kiosk.i18n import _
from kiosk.messages import format_duration
from kiosk.store import repositories as repo
from kiosk.store.models import HallClockState

TOLERANCE = timedelta(minutes=2)


class ClockBehind(KioskError):
    """This machine's clock is behind the latest time the store has seen."""

    code = "clock_behind"
    exit_code = ExitCode.CLOCK_BEHIND

    def __init__(self, now: datetime, latest: datetime) -> None:
        self.now = now
        self.latest = latest
        super().__init__(
            _(
                "本机时钟（{now}）早于排队系统已记录的时间（{latest}），已暂停取号和叫号；"
                "请校正本机时钟，或由管理员确认时间后执行 kiosk clock confirm"
            ).format(now=f"{now:%Y-%m-%d %H:%M}", latest=f"{latest:%Y-%m-%d %H:%M}")
        )

    def staff_text(self) -> str:
        """Short enough for a console's status line; the command line gets the times."""
        return _("本机时钟慢于排队系统 {behind}，已暂停取号和叫号，请联系管理员").format(
            behind=format_duration(self.latest - self.now)
        )


@dataclass(frozen=True)
class ClockState:
    latest_seen: datetime | None
    behind_since: datetime | None
    behind_terminal: str | None


def is_behind(now: datetime, latest: datetime, tolerance: timedelta = TOLERANCE) -> bool:
    return now < latest - tolerance or now.date() < latest.date()


def state(session: Session, hall_id: str) -> ClockState:
    row = session.get(HallClockState, hall_id)
    if row is None:
        return ClockState(None, None, None)
    return ClockState(row.latest_seen, row.behind_since, row.behind_terminal)


_READ = text("SELECT latest_seen, behind_since FROM hall_clock WHERE hall_id = :hall_id").columns(
    HallClockState.__table__.c.latest_seen, HallClockState.__table__.c.behind_since
)


def guard(
    session: Session,
    hall_id: str,
    now: datetime,
    terminal: str | None,
    tolerance: timedelta = TOLERANCE,
) -> None:
    """Raise ``ClockBehind`` when ``now`` is behind the store's clock; close an open fault
    (with a ``clock_ok`` event) when the clock is right again."""
    row = repo.connection_of(session).execute(_READ, {"hall_id": hall_id}).first()
    if row is None:
        return
    latest, behind_since = row
    if is_behind(now, latest, tolerance):
        raise ClockBehind(now, latest)
    if behind_since is not None:
        _close_fault(session, hall_id)
        repo.record_event(
            session,
            hall_id,
            "clock_ok",
            now,
            {"latest_seen": latest.isoformat(timespec="seconds"), "since": _iso(behind_since)},
            terminal,
        )


def record_behind(session: Session, hall_id: str, fault: ClockBehind, terminal: str | None) -> bool:
    """Note the fault (one ``clock_behind`` event per episode); True when it is new."""
    row = session.get(HallClockState, hall_id, with_for_update=True)
    if row is None or row.behind_since is not None:
        return False
    row.behind_since = fault.now
    row.behind_terminal = terminal
    repo.record_event(
        session,
        hall_id,
        "clock_behind",
        fault.now,
        {
            "clock": fault.now.isoformat(timespec="seconds"),
            "latest_seen": fault.latest.isoformat(timespec="seconds"),
            "behind_seconds": int((fault.latest - fault.now).total_seconds()),
        },
        terminal,
    )
    return True


def confirm(session: Session, hall_id: str, now: datetime, terminal: str | None) -> ClockState:
    """Staff say ``now`` is the right time: it becomes the latest time seen. Returns the state
    it replaced."""
    row = session.get(HallClockState, hall_id, with_for_update=True)
    before = (
        ClockState(row.latest_seen, row.behind_since, row.behind_terminal)
        if row is not None
        else ClockState(None, None, None)
    )
    if row is None:
        session.add(HallClockState(hall_id=hall_id, latest_seen=now))
    else:
        row.latest_seen = now
        row.behind_since = None
        row.behind_terminal = None
    session.flush()
    repo.record_event(
        session,
        hall_id,
        "clock_confirmed",
        now,
        {"confirmed": now.isoformat(timespec="seconds"), "replaced": _iso(before.latest_seen)},
        terminal,
    )
    return before


def _close_fault(session: Session, hall_id: str) -> None:
    repo.connection_of(session).execute(
        text(
            "UPDATE hall_clock SET behind_since = NULL, behind_terminal = NULL"
            " WHERE hall_id = :hall_id"
        ),
        {"hall_id": hall_id},
    )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value is not None else None
