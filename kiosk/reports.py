"""The hall manager's daily report: tickets, waits, no-shows, bookings and extended-hours work.

The Xixia plan counts extended service in each window's performance review, so the report
splits every window's served tickets by the period they were started in (regular hours,
workday extended period, weekend period, or natural extension after closing). The figures are
computed from plain records by pure functions; only ``load_records`` touches the store.

Each 差评 is shown with its follow-up (回访 → 整改 → 反馈 → 办结), which is worked in the central
store: the hall's sync keeps a copy of its state (``FollowUpRepository``), so the report says
where each one stands as of the last pull, flags it 已逾期 when the centre said so or its
deadline has passed by ``as_of``, and says 未同步 for one whose state is not known here yet.
"""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta

from kiosk.domain.calendar import HolidayCalendar
from kiosk.domain.follow_up import FollowUpStage, FollowUpState
from kiosk.domain.hall import HallProfile
from kiosk.domain.rating import LEVELS, RatingLevel, RatingTally
from kiosk.domain.schedule import DayPlan, PeriodKind, day_plan
from kiosk.domain.statuses import BookingStatus, TicketStatus
from kiosk.i18n import _
from kiosk.messages import STAGE_TEXT, STATE_TEXT
from kiosk.ports.hall_store import FollowUpRecord, Store

WORK_KINDS = ("regular", "extended", "weekend", "natural_extension", "no_calendar")
#: What counts as extended service in a window's review; "no_calendar" (served on a day whose
#: year had no holiday data, so its periods are unknown) is counted apart, never guessed.
EXTENDED_KINDS = ("extended", "weekend", "natural_extension")


@dataclass(frozen=True)
class TicketRecord:
    number: str
    service_id: str
    kind: str
    status: str
    queued_at: datetime
    called_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    window: int | None
    transferred_from: int | None
    clerk: str | None = None


@dataclass(frozen=True)
class RatingRecord:
    """One 好差评 as the report counts it."""

    window: int | None
    clerk: str | None
    level: str
    #: The central store's follow-up of a 差评 as last pulled; None: not known here yet.
    follow_up: FollowUpRecord | None = None


#: The follow-up counts of a row: one per stage, then overdue (also counted in its stage) and
#: not synced (差评 whose state is not known here yet).
OVERDUE = FollowUpState.OVERDUE.value
UNSYNCED = "unsynced"
FOLLOW_UP_KEYS = (*(stage.value for stage in FollowUpStage), OVERDUE, UNSYNCED)


def follow_up_key(record: FollowUpRecord | None) -> str:
    return UNSYNCED if record is None else record.stage


def overdue(record: FollowUpRecord, as_of: date | None) -> bool:
    """Overdue by the centre's day when it was pulled, or by ``as_of`` past its deadline."""
    if record.stage == FollowUpStage.CLOSED.value:
        return False
    return record.state == OVERDUE or (as_of is not None and as_of > record.due)


@dataclass(frozen=True)
class BookingRecord:
    service_id: str
    status: str
    slot_start: datetime


@dataclass(frozen=True)
class Spread:
    """Median and 90th percentile of a set of durations, in minutes (None when empty)."""

    count: int
    median: float | None
    p90: float | None

    @classmethod
    def of(cls, minutes: Sequence[float]) -> Spread:
        if not minutes:
            return cls(0, None, None)
        ordered = sorted(minutes)
        return cls(
            len(ordered), round(_quantile(ordered, 0.5), 1), round(_quantile(ordered, 0.9), 1)
        )


def _quantile(ordered: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (the 'inclusive' method)."""
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * q
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


@dataclass
class ServiceRow:
    service_id: str
    name_zh: str
    name_en: str
    issued: int = 0
    walk_in: int = 0
    booked: int = 0
    served: int = 0
    no_shows: int = 0
    transfers_out: int = 0
    transfers_in: int = 0
    waiting: int = 0
    wait: Spread = field(default_factory=lambda: Spread(0, None, None))
    service_time: Spread = field(default_factory=lambda: Spread(0, None, None))
    bookings: int = 0
    bookings_checked_in: int = 0
    bookings_forfeited: int = 0
    bookings_cancelled: int = 0


@dataclass
class WindowRow:
    window: int
    called: int = 0
    served: int = 0
    no_shows: int = 0
    transfers: int = 0
    service_time: Spread = field(default_factory=lambda: Spread(0, None, None))
    served_by_period: dict[str, int] = field(default_factory=lambda: dict.fromkeys(WORK_KINDS, 0))
    minutes_by_period: dict[str, float] = field(
        default_factory=lambda: dict.fromkeys(WORK_KINDS, 0.0)
    )

    @property
    def extended_served(self) -> int:
        return sum(self.served_by_period[k] for k in EXTENDED_KINDS)


@dataclass
class RatingRow:
    """好差评 of a window (``key`` is its number) or a clerk (``key`` is the 工号)."""

    key: str
    name: str
    served: int = 0
    rated: int = 0
    satisfied: int = 0
    bad: int = 0
    by_level: dict[str, int] = field(default_factory=lambda: {lv.value: 0 for lv in LEVELS})
    follow_ups: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FOLLOW_UP_KEYS, 0))

    @property
    def tally(self) -> RatingTally:
        return RatingTally(self.served, self.rated, self.satisfied, self.bad)

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["unrated"] = self.served - self.rated
        data["rated_share"] = self.tally.rated_share
        data["satisfaction"] = self.tally.satisfaction
        return data


@dataclass
class Report:
    hall_id: str
    hall_name_zh: str
    start: date
    end: date
    services: list[ServiceRow]
    windows: list[WindowRow]
    window_ratings: list[RatingRow] = field(default_factory=list)
    clerk_ratings: list[RatingRow] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        def window(row: WindowRow) -> dict[str, object]:
            data = asdict(row)
            data["extended_served"] = row.extended_served
            return data

        return {
            "hall": self.hall_id,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "services": [asdict(r) for r in self.services],
            "windows": [window(r) for r in self.windows],
            "ratings": {
                "windows": [r.as_dict() for r in self.window_ratings],
                "clerks": [r.as_dict() for r in self.clerk_ratings],
            },
        }


def _minutes(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None or end < start:
        return None
    return (end - start).total_seconds() / 60


def work_period(plan: DayPlan, moment: datetime) -> str:
    """Which kind of period a ticket was started in, for the extended-hours count.

    A ticket started outside every published period was waiting at a closing time and served
    anyway: natural extension. On a day of a year without holiday data the periods are not
    known: "no_calendar".
    """
    if not plan.calendar_known:
        return "no_calendar"
    period = plan.period_at(moment.time())
    if period is None:
        return "natural_extension"
    if period.kind is PeriodKind.REGULAR:
        return "regular"
    return "weekend" if period.kind is PeriodKind.WEEKEND else "extended"


def summarise(
    hall: HallProfile,
    calendar: HolidayCalendar,
    start: date,
    end: date,
    tickets: Iterable[TicketRecord],
    bookings: Iterable[BookingRecord],
    ratings: Iterable[RatingRecord] = (),
    as_of: date | None = None,
) -> Report:
    ticket_list = list(tickets)
    services = {s.id: ServiceRow(s.id, s.name_zh, s.name_en) for s in hall.services}
    windows = {w.number: WindowRow(w.number) for w in hall.windows}
    waits: dict[str, list[float]] = defaultdict(list)
    service_times: dict[str, list[float]] = defaultdict(list)
    window_times: dict[int, list[float]] = defaultdict(list)
    plans: dict[date, DayPlan] = {}

    for ticket in ticket_list:
        row = services.setdefault(ticket.service_id, ServiceRow(ticket.service_id, "", ""))
        if ticket.transferred_from is None:
            row.issued += 1
            if ticket.kind == "booked":
                row.booked += 1
            else:
                row.walk_in += 1
        else:
            row.transfers_in += 1
        if ticket.status in ("waiting", "called", "serving"):
            row.waiting += 1
        wait = _minutes(ticket.queued_at, ticket.called_at)
        if wait is not None and ticket.transferred_from is None:
            waits[ticket.service_id].append(wait)
        win = windows.setdefault(ticket.window, WindowRow(ticket.window)) if ticket.window else None
        if win is not None and ticket.called_at is not None:
            win.called += 1
        if ticket.status == TicketStatus.DONE.value:
            row.served += 1
            duration = _minutes(ticket.started_at or ticket.called_at, ticket.finished_at)
            if duration is not None:
                service_times[ticket.service_id].append(duration)
            if win is not None:
                win.served += 1
                if duration is not None:
                    window_times[win.window].append(duration)
                moment = ticket.started_at or ticket.called_at
                if moment is not None:
                    plan = plans.get(moment.date())
                    if plan is None:
                        plan = plans[moment.date()] = day_plan(hall, moment.date(), calendar)
                    kind = work_period(plan, moment)
                    win.served_by_period[kind] += 1
                    win.minutes_by_period[kind] = round(
                        win.minutes_by_period[kind] + (duration or 0.0), 1
                    )
        elif ticket.status == TicketStatus.NO_SHOW.value:
            row.no_shows += 1
            if win is not None:
                win.no_shows += 1
        elif ticket.status == TicketStatus.TRANSFERRED.value:
            row.transfers_out += 1
            if win is not None:
                win.transfers += 1

    for booking in bookings:
        row = services.setdefault(booking.service_id, ServiceRow(booking.service_id, "", ""))
        row.bookings += 1
        if booking.status in (BookingStatus.CHECKED_IN.value, BookingStatus.SERVED.value):
            row.bookings_checked_in += 1
        elif booking.status == BookingStatus.FORFEITED.value:
            row.bookings_forfeited += 1
        elif booking.status == BookingStatus.CANCELLED.value:
            row.bookings_cancelled += 1

    for service_id, row in services.items():
        row.wait = Spread.of(waits[service_id])
        row.service_time = Spread.of(service_times[service_id])
    for number, win in windows.items():
        win.service_time = Spread.of(window_times[number])
    tickets_done = [t for t in ticket_list if t.status == TicketStatus.DONE.value]
    window_ratings, clerk_ratings = rating_rows(hall, tickets_done, ratings, as_of)
    return Report(
        hall.id,
        hall.name_zh,
        start,
        end,
        list(services.values()),
        sorted(windows.values(), key=lambda w: w.window),
        window_ratings,
        clerk_ratings,
    )


def rating_rows(
    hall: HallProfile,
    done: Sequence[TicketRecord],
    ratings: Iterable[RatingRecord],
    as_of: date | None = None,
) -> tuple[list[RatingRow], list[RatingRow]]:
    """Per window and per clerk: services done, rated, 满意 (the first three levels), 差评 and
    their follow-ups by stage (overdue ones also counted apart).

    A service nobody rated counts as done and unrated (未评价), never as satisfied.
    """
    windows = {str(w.number): RatingRow(str(w.number), w.name_zh) for w in hall.windows}
    names = {c.id: c.name_zh for c in hall.clerks}
    clerks: dict[str, RatingRow] = {}

    def clerk_row(clerk: str) -> RatingRow:
        return clerks.setdefault(clerk, RatingRow(clerk, names.get(clerk, "")))

    for ticket in done:
        if ticket.window is not None:
            windows.setdefault(str(ticket.window), RatingRow(str(ticket.window), "")).served += 1
        if ticket.clerk:
            clerk_row(ticket.clerk).served += 1
    for rating in ratings:
        level = RatingLevel(rating.level)
        rows = []
        if rating.window is not None:
            rows.append(windows.setdefault(str(rating.window), RatingRow(str(rating.window), "")))
        if rating.clerk:
            rows.append(clerk_row(rating.clerk))
        for row in rows:
            row.rated += 1
            row.by_level[level.value] += 1
            if level.bad:
                row.bad += 1
                row.follow_ups[follow_up_key(rating.follow_up)] += 1
                if rating.follow_up is not None and overdue(rating.follow_up, as_of):
                    row.follow_ups[OVERDUE] += 1
            else:
                row.satisfied += 1
    ordered_windows = sorted(windows.values(), key=lambda r: int(r.key))
    return ordered_windows, sorted(clerks.values(), key=lambda r: r.key)


def load_records(
    store: Store, start: date, end: date
) -> tuple[list[TicketRecord], list[BookingRecord], list[RatingRecord]]:
    with store.read_unit() as uow:
        tickets = [
            TicketRecord(
                t.number,
                t.service_id,
                t.kind,
                t.status,
                t.queued_at,
                t.called_at,
                t.started_at,
                t.finished_at,
                t.window,
                t.transferred_from,
                t.clerk,
            )
            for t in uow.tickets.between(start, end)
        ]
        first = datetime.combine(start, datetime.min.time())
        after = datetime.combine(end + timedelta(days=1), datetime.min.time())
        bookings = [
            BookingRecord(b.service_id, b.status, b.slot_start)
            for b in uow.bookings.starting_between(first, after)
        ]
        rated = uow.ratings.between(start, end)
        follow_ups = uow.follow_ups.of_tickets(
            r.ticket_id for r in rated if RatingLevel(r.level).bad
        )
        ratings = [
            RatingRecord(r.window, r.clerk, r.level, follow_ups.get(r.ticket_id)) for r in rated
        ]
    return tickets, bookings, ratings


def build_report(store: Store, start: date, end: date, as_of: date | None = None) -> Report:
    """The report of the days ``start`` to ``end``; ``as_of`` (the hall's today) flags a 差评's
    follow-up overdue once its deadline has passed, even if the last pull was before that."""
    tickets, bookings, ratings = load_records(store, start, end)
    return summarise(store.hall, store.calendar, start, end, tickets, bookings, ratings, as_of)


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


SERVICE_COLUMNS = (
    ("service", "事项 service"),
    ("issued", "取号 issued"),
    ("served", "办结 served"),
    ("no_shows", "过号 no-show"),
    ("transfers_out", "转出 transfer"),
    ("wait_median", "等候中位 wait p50"),
    ("wait_p90", "等候 p90"),
    ("service_median", "办理中位 svc p50"),
    ("service_p90", "办理 p90"),
    ("bookings_checked_in", "预约签到 checked in"),
    ("bookings_forfeited", "预约放弃 forfeited"),
)
WINDOW_COLUMNS = (
    ("window", "窗口 window"),
    ("called", "叫号 called"),
    ("served", "办结 served"),
    ("no_shows", "过号 no-show"),
    ("transfers", "转出 transfer"),
    ("service_median", "办理中位 svc p50"),
    ("service_p90", "办理 p90"),
    ("extended", "延时 extended"),
    ("weekend", "周末 weekend"),
    ("natural_extension", "自然延时 natural ext."),
    ("extended_minutes", "延时分钟 ext. min"),
    ("no_calendar", "无节假日数据 no calendar"),
)


def service_rows(report: Report) -> list[dict[str, object]]:
    return [
        {
            "service": row.service_id,
            "issued": row.issued,
            "served": row.served,
            "no_shows": row.no_shows,
            "transfers_out": row.transfers_out,
            "wait_median": _fmt(row.wait.median),
            "wait_p90": _fmt(row.wait.p90),
            "service_median": _fmt(row.service_time.median),
            "service_p90": _fmt(row.service_time.p90),
            "bookings_checked_in": row.bookings_checked_in,
            "bookings_forfeited": row.bookings_forfeited,
        }
        for row in report.services
    ]


def window_rows(report: Report) -> list[dict[str, object]]:
    return [
        {
            "window": row.window,
            "called": row.called,
            "served": row.served,
            "no_shows": row.no_shows,
            "transfers": row.transfers,
            "service_median": _fmt(row.service_time.median),
            "service_p90": _fmt(row.service_time.p90),
            "extended": row.served_by_period["extended"],
            "weekend": row.served_by_period["weekend"],
            "natural_extension": row.served_by_period["natural_extension"],
            "extended_minutes": _fmt(
                round(sum(row.minutes_by_period[k] for k in EXTENDED_KINDS), 1)
            ),
            "no_calendar": row.served_by_period["no_calendar"],
        }
        for row in report.windows
    ]


RATING_COLUMNS = (
    ("key", "{what}"),
    ("name", "名称 name"),
    ("served", "办结 served"),
    ("rated", "已评 rated"),
    ("rated_share", "参评率 rated %"),
    ("satisfaction", "满意率 satisfied %"),
    ("bad", "差评 bad"),
    ("unrated", "未评价 unrated"),
    ("follow_ups", "差评跟进 follow-ups"),
)
#: The CSV splits the follow-ups into one column per stage, overdue and not synced.
RATING_CSV_COLUMNS = (
    *RATING_COLUMNS[:-1],
    *((f"follow_ups_{key}", key) for key in FOLLOW_UP_KEYS),
)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def follow_up_summary(counts: dict[str, int]) -> str:
    """A row's 差评 by where their follow-up stands, e.g. "待回访 1 · 已办结 2 · ⚠ 已逾期 1"."""
    parts = [
        f"{_(STAGE_TEXT[stage])} {counts[stage.value]}"
        for stage in FollowUpStage
        if counts[stage.value]
    ]
    if counts[OVERDUE]:
        parts.append(f"⚠ {_(STATE_TEXT[FollowUpState.OVERDUE])} {counts[OVERDUE]}")
    if counts[UNSYNCED]:
        parts.append(f"{_('未同步')} {counts[UNSYNCED]}")
    return " · ".join(parts) or "-"


def rating_table_rows(rows: Sequence[RatingRow]) -> list[dict[str, object]]:
    return [
        {
            "key": row.key,
            "name": row.name or "-",
            "served": row.served,
            "rated": row.rated,
            "rated_share": _percent(row.tally.rated_share),
            "satisfaction": _percent(row.tally.satisfaction),
            "bad": row.bad,
            "unrated": row.served - row.rated,
            "follow_ups": follow_up_summary(row.follow_ups),
            **{f"follow_ups_{key}": count for key, count in row.follow_ups.items()},
        }
        for row in rows
    ]


def _rating_columns(what: str) -> tuple[tuple[str, str], ...]:
    return tuple((key, label.format(what=what)) for key, label in RATING_COLUMNS)


def _table(columns: Sequence[tuple[str, str]], rows: list[dict[str, object]]) -> str:
    headers = [label for _key, label in columns]
    cells = [[str(row[key]) for key, _label in columns] for row in rows]
    widths = [max([_width(h)] + [_width(c[i]) for c in cells]) for i, h in enumerate(headers)]
    lines = ["  ".join(_pad(h, widths[i]) for i, h in enumerate(headers))]
    lines += ["  ".join(_pad(c, widths[i]) for i, c in enumerate(row)) for row in cells]
    return "\n".join(lines)


def _width(text: str) -> int:
    """Display width: CJK characters take two columns in a terminal."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def format_table(report: Report) -> str:
    period = report.start.isoformat()
    if report.end != report.start:
        period += f" — {report.end.isoformat()}"
    return "\n".join(
        [
            f"{report.hall_name_zh} 服务统计 / service report · {period}",
            "",
            "按事项 by service (分钟 minutes)",
            _table(SERVICE_COLUMNS, service_rows(report)),
            "",
            "按窗口 by window (延时服务计入窗口绩效考核 / extended service counts in reviews)",
            _table(WINDOW_COLUMNS, window_rows(report)),
            "",
            "好差评 按窗口 ratings by window (满意率 = 非常满意+满意+基本满意 / 已评)",
            _table(_rating_columns("窗口 window"), rating_table_rows(report.window_ratings)),
            "",
            "好差评 按工作人员 ratings by clerk (工号 staff no.)",
            _table(_rating_columns("工号 clerk"), rating_table_rows(report.clerk_ratings)),
            "",
            _("差评跟进为中心库在上次同步时的状态；“未同步”表示本厅尚未取得其状态。"),
        ]
    )


def format_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["table", *[key for key, _label in SERVICE_COLUMNS]])
    for row in service_rows(report):
        writer.writerow(["service", *[row[key] for key, _label in SERVICE_COLUMNS]])
    writer.writerow(["table", *[key for key, _label in WINDOW_COLUMNS]])
    for row in window_rows(report):
        writer.writerow(["window", *[row[key] for key, _label in WINDOW_COLUMNS]])
    writer.writerow(["table", *[key for key, _label in RATING_CSV_COLUMNS]])
    for kind, rows in (
        ("window_rating", report.window_ratings),
        ("clerk_rating", report.clerk_ratings),
    ):
        for row in rating_table_rows(rows):
            writer.writerow([kind, *[row[key] for key, _label in RATING_CSV_COLUMNS]])
    return out.getvalue()
