"""The sync client's state, kept in the hall store so every process of the hall can show it.

The kiosk, the window consoles and the hall display are separate processes (often separate
machines on a PostgreSQL store); only the process running the sync client talks to the central
store. It writes here after every attempt; the others read ``read_state`` and show whether the
hall is online, since when it is offline and how many events wait to be sent.

A state row that stops being refreshed counts as offline once ``stale_after`` has passed since
the last success: a sync process that died must not leave the screens saying "online".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from kiosk.i18n import _
from kiosk.messages import format_duration
from kiosk.store.hallstore import HallStore
from kiosk.store.models import Booking, Event

#: Tables of migration 0002_sync (kiosk/store/migrations/versions/0002_sync_state.py).
metadata = MetaData()
sync_state = Table(
    "sync_state",
    metadata,
    Column("hall_id", String(64), primary_key=True),
    Column("cursor", BigInteger, nullable=False),
    Column("online", Boolean, nullable=False),
    Column("last_attempt_at", DateTime),
    Column("last_success_at", DateTime),
    Column("offline_since", DateTime),
    Column("last_error", String(32)),
    Column("last_error_detail", String(200)),
    Column("runner", String(64)),
    Column("lease_until", DateTime),
    Column("updated_at", DateTime, nullable=False),
)
#: What the central store last said about a booking beyond the booking's own columns: the
#: version a check-in quotes (see docs/sync.md, "changed while offline"), and why a booking made
#: here was refused, for staff to tell the person.
sync_bookings = Table(
    "sync_bookings",
    metadata,
    Column("central_id", String(64), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("conflict", String(64)),
    Column("reject_reason", String(32)),
    Column("reject_message", String(200)),
)

DEFAULT_STALE_AFTER = timedelta(minutes=2)
#: Outbox entries the central store takes; the rest (window paused, day closed...) stay local.
BOOKING_EVENT_TYPES = ("booking_created", "booking_checked_in", "booking_forfeited")
TICKET_PREFIX = "ticket_"


class Problem(StrEnum):
    """Why the last attempt failed, in a form every process can put into words."""

    NOT_CONFIGURED = "not_configured"
    UNREACHABLE = "unreachable"
    TIMEOUT = "timeout"
    SERVER_ERROR = "server_error"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    REFUSED = "refused"
    BAD_REPLY = "bad_reply"
    SEQUENCE_BEHIND = "sequence_behind"


def describe_problem(problem: str | None, detail: str | None = None) -> str | None:
    """The last error in plain words for staff (the detail is technical: logs and CLI)."""
    if problem is None:
        return None
    texts = {
        Problem.NOT_CONFIGURED: _("未设置中心预约系统的地址或接入令牌"),
        Problem.UNREACHABLE: _("连接不上中心预约系统（网络中断或服务器未开）"),
        Problem.TIMEOUT: _("中心预约系统响应超时"),
        Problem.SERVER_ERROR: _("中心预约系统出错，稍后自动重试"),
        Problem.UNAUTHORIZED: _("本机的接入令牌无效或已被停用，请联系管理员"),
        Problem.FORBIDDEN: _("本机的接入令牌不属于本服务中心，请联系管理员"),
        Problem.REFUSED: _("中心预约系统拒绝了本机的请求，请联系管理员"),
        Problem.BAD_REPLY: _("中心预约系统的应答无法识别，请联系管理员"),
        Problem.SEQUENCE_BEHIND: _("本机待上传记录的编号落后于中心，请联系管理员"),
    }
    try:
        return texts[Problem(problem)]
    except ValueError:
        return detail or problem


def central_event_filter() -> ColumnElement[bool]:
    """Outbox entries that go to the central store (the others are the hall's own audit)."""
    return or_(
        Event.type.in_(BOOKING_EVENT_TYPES),
        Event.type.like(TICKET_PREFIX.replace("_", "\\_") + "%", escape="\\"),
    )


@dataclass(frozen=True)
class SyncState:
    hall_id: str
    online: bool
    last_success_at: datetime | None
    offline_since: datetime | None
    outbox_depth: int
    oldest_unsent_at: datetime | None
    last_error: str | None
    last_error_detail: str | None
    cursor: int
    rejected_bookings: int

    @property
    def error_text(self) -> str | None:
        return describe_problem(self.last_error, self.last_error_detail)

    def offline_for(self, now: datetime) -> timedelta | None:
        if self.online:
            return None
        since = self.offline_since or self.oldest_unsent_at
        return max(now - since, timedelta(0)) if since is not None else None

    def summary(self, now: datetime) -> str:
        """One line for a status bar: online, or how long the hall has been offline."""
        if self.online:
            text = _("已连接中心预约系统")
            if self.outbox_depth:
                text += _("，待上传 {count} 条").format(count=self.outbox_depth)
            return text
        offline = self.offline_for(now)
        if offline is None:
            text = _("尚未连接过中心预约系统")
        else:
            text = _("已离线 {duration}").format(duration=format_duration(offline))
        if self.outbox_depth:
            text += _("，待上传 {count} 条").format(count=self.outbox_depth)
        return text

    def as_dict(self, now: datetime) -> dict[str, object]:
        offline = self.offline_for(now)
        return {
            "hall": self.hall_id,
            "online": self.online,
            "last_success_at": _iso(self.last_success_at),
            "offline_since": _iso(self.offline_since),
            "offline_seconds": int(offline.total_seconds()) if offline is not None else None,
            "outbox_depth": self.outbox_depth,
            "oldest_unsent_at": _iso(self.oldest_unsent_at),
            "last_error": self.last_error,
            "last_error_text": self.error_text,
            "last_error_detail": self.last_error_detail,
            "cursor": self.cursor,
            "rejected_bookings": self.rejected_bookings,
            "summary": self.summary(now),
        }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value is not None else None


def read_state(
    store: HallStore, now: datetime, stale_after: timedelta = DEFAULT_STALE_AFTER
) -> SyncState:
    """The hall's sync state as any process sees it (one short read transaction)."""
    hall_id = store.hall.id
    with store.read() as session:
        row = session.execute(
            select(sync_state).where(sync_state.c.hall_id == hall_id)
        ).one_or_none()
        depth, oldest = session.execute(
            select(func.count(), func.min(Event.at)).where(
                Event.hall_id == hall_id, Event.pushed_at.is_(None), central_event_filter()
            )
        ).one()
        rejected = session.execute(
            select(func.count()).where(
                Booking.hall_id == hall_id,
                Booking.status == "rejected",
                Booking.slot_end >= now,
            )
        ).scalar_one()
    if row is None:
        return SyncState(hall_id, False, None, None, int(depth), oldest, None, None, 0, rejected)
    fresh = row.last_success_at is not None and now - row.last_success_at <= stale_after
    online = bool(row.online) and fresh
    offline_since = row.offline_since
    if not online and offline_since is None:
        offline_since = row.last_success_at
    return SyncState(
        hall_id=hall_id,
        online=online,
        last_success_at=row.last_success_at,
        offline_since=offline_since,
        outbox_depth=int(depth),
        oldest_unsent_at=oldest,
        last_error=row.last_error,
        last_error_detail=row.last_error_detail,
        cursor=int(row.cursor),
        rejected_bookings=int(rejected),
    )


# --- written by the sync client ------------------------------------------------------------------


def _insert(session: Session) -> postgresql.Insert | sqlite.Insert:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(sync_state)
    return sqlite.insert(sync_state)


def ensure_row(session: Session, hall_id: str, now: datetime) -> None:
    statement = _insert(session).values(hall_id=hall_id, cursor=0, online=False, updated_at=now)
    session.execute(statement.on_conflict_do_nothing(index_elements=["hall_id"]))


def cursor(session: Session, hall_id: str) -> int:
    value = session.execute(
        select(sync_state.c.cursor).where(sync_state.c.hall_id == hall_id)
    ).scalar_one_or_none()
    return int(value or 0)


def set_cursor(session: Session, hall_id: str, value: int, now: datetime) -> None:
    session.execute(
        update(sync_state)
        .where(sync_state.c.hall_id == hall_id)
        .values(cursor=value, updated_at=now)
    )


def take_lease(session: Session, hall_id: str, runner: str, now: datetime, hold: timedelta) -> bool:
    """Whether ``runner`` may sync the hall now: one sync client per hall store at a time, so
    two machines never push the same outbox or move the cursor against each other. The lease
    lapses when its holder stops renewing it (crashed, switched off)."""
    ensure_row(session, hall_id, now)
    result = session.execute(
        update(sync_state)
        .where(
            sync_state.c.hall_id == hall_id,
            or_(
                sync_state.c.runner.is_(None),
                sync_state.c.runner == runner,
                sync_state.c.lease_until.is_(None),
                sync_state.c.lease_until < now,
            ),
        )
        .values(runner=runner, lease_until=now + hold)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]  # an UPDATE's CursorResult


def release_lease(session: Session, hall_id: str, runner: str) -> None:
    session.execute(
        update(sync_state)
        .where(sync_state.c.hall_id == hall_id, sync_state.c.runner == runner)
        .values(runner=None, lease_until=None)
    )


def record_success(session: Session, hall_id: str, now: datetime) -> None:
    ensure_row(session, hall_id, now)
    session.execute(
        update(sync_state)
        .where(sync_state.c.hall_id == hall_id)
        .values(
            online=True,
            last_attempt_at=now,
            last_success_at=now,
            offline_since=None,
            last_error=None,
            last_error_detail=None,
            updated_at=now,
        )
    )


def record_failure(
    session: Session, hall_id: str, now: datetime, problem: Problem, detail: str
) -> None:
    """Offline from the first failed attempt after a success (when the hall noticed)."""
    ensure_row(session, hall_id, now)
    session.execute(
        update(sync_state)
        .where(sync_state.c.hall_id == hall_id)
        .values(
            online=False,
            last_attempt_at=now,
            offline_since=func.coalesce(sync_state.c.offline_since, now),
            last_error=problem.value,
            last_error_detail=detail[:200],
            updated_at=now,
        )
    )
